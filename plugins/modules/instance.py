#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: instance
short_description: Named groups of EC2 instances with exact counts ("my 2 web servers and 1 db server")
version_added: 0.1.0
description:
  - Manages the instances tagged C(Stack=)O(stack) and C(Role=)O(name). They are named C(<stack>-<name>-1) to
    C(<stack>-<name>-N) and tagged C(Index); O(exact_count) is exact, and scaling down removes the highest index first.
  - O(roles) manages several roles in one task, each entry setting what differs from the top-level options. All
    instances are launched (or terminated) first and waited for together, so on AWS the roles start in parallel
    rather than one after the other as with a loop over O(name). Roles of the stack that are not listed are left alone.
  - With O(state=absent) and neither O(name) nor O(roles), every instance of the stack is terminated.
  - Only instances tagged exactly C(Stack=)O(stack) are found, so nothing of another stack is ever changed or terminated,
    even one whose name starts alike (C(demo) and C(demo-2)). A subnet of O(subnet_ids) or a group of
    O(security_groups) tagged with another stack is refused before any change, naming both (a stack's instances would
    keep the other stack's network from being removed); one tagged with no stack may be used.
  - Every RunInstances carries a client token derived from the stack, the name, the index and the launch spec, so a
    retry or a rerun cannot launch a duplicate.
  - Instances are spread round-robin over O(subnet_ids) (index 1 in the first subnet, 2 in the second, ...).
  - IMDSv2 is required and the root volume encrypted, by default.
  - Every image, subnet, security group and instance type is checked with reads while planning; a plan that cannot
    be carried out changes nothing. New instances are launched before surplus ones are terminated, so a failed launch
    never leaves a role with fewer instances than before.
  - Changes that can be made in place are applied (tags, security groups, the instance type of a stopped instance);
    those that cannot (image, subnet, the type of a running instance) are reported in RV(not_applied) and as warnings,
    never silently ignored.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  stack:
    description: The stack; the C(Stack) tag and the first part of the names.
    type: str
    required: true
  name:
    description:
      - The role of these instances (C(web), C(db), C(bastion), ...); the C(Role) tag.
      - Required unless O(roles) is given, or O(state=absent) for every role of the stack.
    type: str
  roles:
    description:
      - Several roles in one task. Each entry's options default to the top-level option of the same name.
      - Mutually exclusive with O(name).
    type: list
    elements: dict
    suboptions:
      name: {description: The role (the C(Role) tag)., type: str, required: true}
      exact_count:
        description:
          - How many instances of this role, exactly. Default O(exact_count).
          - C(count) is the name this option had before 0.2.0; it still works, with a deprecation warning, until 0.3.0.
        type: int
        aliases: [count]
        version_added: 0.2.0
      image_id: {description: The AMI of this role. Default O(image_id) or O(image)., type: str}
      instance_type: {description: The instance type of this role. Default O(instance_type)., type: str}
      subnet_ids:
        description: Subnets to spread this role over. Default O(subnet_ids).
        type: list
        elements: str
        aliases: [vpc_subnet_id, subnet_id]
      security_groups:
        description: "Security groups of this role, by name or id. Default O(security_groups)."
        type: list
        elements: str
        aliases: [security_group]
      user_data:
        description:
          - User data of this role's new instances. Default O(user_data).
          - Never logged or returned (it often carries secrets); RV(user_data_sha256) shows when it changes.
        type: str
      iam_instance_profile:
        description: Instance profile of this role. Default O(iam_instance_profile).
        type: str
        aliases: [instance_role]
      root_volume:
        description: The root volume of this role, as O(root_volume). Default O(root_volume).
        type: dict
        suboptions:
          size: {description: Size in GiB., type: int, default: 8}
          type: {description: Volume type., type: str, default: gp3}
          encrypted: {description: Encrypt the volume., type: bool, default: true}
          device_name: {description: The root device name., type: str, default: /dev/xvda}
      tags: {description: "Tags of this role, added to (and overriding) O(tags).", type: dict}
  exact_count:
    description:
      - How many instances of this role, exactly (with O(roles), the default of each entry). Instances are launched or
        terminated until the role has this many, as with M(amazon.aws.ec2_instance)'s C(exact_count).
      - C(count) is the name this option had before 0.2.0; it still works, with a deprecation warning, until 0.3.0.
        M(amazon.aws.ec2_instance)'s C(count) launches that many more on every run, which this module never does.
    type: int
    default: 1
    aliases: [count]
    version_added: 0.2.0
  max_instances:
    description:
      - The most instances one task may ask for, all roles together; more is an error before any API call (a typo such
        as O(exact_count=10000000) would otherwise plan ten million launches). Raise it if you mean it.
    type: int
    default: 100
  image_id:
    description: The AMI. Give this or O(image).
    type: str
  image:
    description: Find the newest available AMI whose name matches C(name) (wildcards allowed), owned by C(owner).
    type: dict
    suboptions:
      name: {description: "Name pattern, for example C(debian-12-amd64-*).", type: str, required: true}
      owner: {description: "The owner account, alias (C(amazon)) or id.", type: str, required: true}
      architecture: {description: Only images of this architecture., type: str, default: x86_64}
  instance_type:
    description: The instance type.
    type: str
    default: t3.micro
  subnet_ids:
    description:
      - Subnets to spread over, all in one VPC.
      - C(vpc_subnet_id) (and its C(subnet_id)) is the name M(amazon.aws.ec2_instance) gives the one subnet it launches in;
        one subnet is a list of one here.
    type: list
    elements: str
    aliases: [vpc_subnet_id, subnet_id]
  security_groups:
    description:
      - Security groups of the instances, by name (in the subnets' VPC) or id.
      - C(security_group) is M(amazon.aws.ec2_instance)'s name for one group; one group is a list of one here.
    type: list
    elements: str
    default: []
    aliases: [security_group]
  key_name:
    description: The key pair for SSH.
    type: str
  user_data:
    description:
      - User data (cloud-init) for new instances.
      - Never logged or returned, not even at C(-vvv) (it often carries secrets); RV(user_data_sha256) shows when it changes.
    type: str
  root_volume:
    description: The root EBS volume.
    type: dict
    suboptions:
      size: {description: Size in GiB., type: int, default: 8}
      type: {description: Volume type., type: str, default: gp3}
      encrypted: {description: Encrypt the volume., type: bool, default: true}
      device_name: {description: The root device name., type: str, default: /dev/xvda}
  iam_instance_profile:
    description: An instance profile name or ARN.
    type: str
    aliases: [instance_role]
  metadata_options:
    description: Instance metadata service settings.
    type: dict
    suboptions:
      http_tokens: {description: V(required) is IMDSv2 only., type: str, choices: [required, optional], default: required}
      http_put_response_hop_limit: {description: Hop limit for IMDS answers., type: int, default: 1}
  state:
    description: V(running), V(stopped), or V(absent) (terminates them all).
    type: str
    choices: [running, stopped, absent]
    default: running
  wait:
    description: Wait until the instances reach the state.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 600
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.tags
attributes:
  check_mode:
    support: full
    description: Reports the instances that would be launched, changed or terminated; changes nothing.
  diff_mode:
    support: full
    description: Returns the instances before and after, by name.
'''

EXAMPLES = r'''
- name: Two web servers in the public subnets
  seed.laravel_aws.instance:
    stack: demo
    name: web
    exact_count: 2
    image: {name: 'debian-12-amd64-*', owner: '136693071363'}
    instance_type: t3.micro
    subnet_ids: "{{ net.subnets.public | map(attribute='id') }}"
    security_groups: [demo-web]
    key_name: demo
    root_volume: {size: 16, type: gp3}
    tags: {Owner: ops}
  register: web

- name: Remove them
  seed.laravel_aws.instance:
    stack: demo
    name: web
    state: absent

- name: Web and db servers in one task, launched together and waited for once
  seed.laravel_aws.instance:
    stack: demo
    image: {name: 'debian-12-amd64-*', owner: '136693071363'}
    key_name: demo
    roles:
      - {name: web, exact_count: 2, subnet_ids: "{{ net.subnets.public | map(attribute='id') }}", security_groups: [demo-web]}
      - name: db
        instance_type: t3.small
        subnet_ids: ["{{ net.subnets.private[0].id }}"]
        security_groups: [demo-db]
        root_volume: {size: 32}
  register: servers

- name: Every instance of the stack, whatever its role
  seed.laravel_aws.instance:
    stack: demo
    state: absent
'''

RETURN = r'''
instances:
  description:
    - The instances of the role(s), by role (in the order of O(roles)) then index. In check mode, instances to be
      launched have RV(instances[].id=null).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Instance id.
      type: str
    name:
      description: The C(Name) tag, C(<stack>-<name>-<index>).
      type: str
    role:
      description: The role (the C(Role) tag).
      type: str
    index:
      description: The index within the role.
      type: int
    state:
      description: The instance state.
      type: str
    instance_type:
      description: The type.
      type: str
    image_id:
      description: The AMI.
      type: str
    private_ip:
      description: Private IPv4 address.
      type: str
    public_ip:
      description: Public IPv4 address, if any.
      type: str
    private_dns:
      description: Private DNS name.
      type: str
    public_dns:
      description: Public DNS name, if any.
      type: str
    subnet_id:
      description: The subnet.
      type: str
    vpc_id:
      description: The VPC.
      type: str
    availability_zone:
      description: The zone.
      type: str
    security_group_ids:
      description: Security groups.
      type: list
      elements: str
    tags:
      description: The tags.
      type: dict
by_role:
  description: The same instances as RV(instances), by role (for example C(result.by_role.web)).
  returned: always
  type: dict
  sample: {web: [{name: demo-web-1, index: 1}, {name: demo-web-2, index: 2}], db: [{name: demo-db-1, index: 1}]}
launched:
  description: Names of instances launched by this run.
  returned: always
  type: list
  elements: str
terminated:
  description: Names of instances terminated by this run.
  returned: always
  type: list
  elements: str
terminated_instances:
  description:
    - The instances terminated by this run (in check mode, those that would be), as they were before, with the
      keys of RV(instances). A playbook can run the module in check mode first to take a surplus web host out of
      its load balancer (M(seed.laravel_aws.target) O(seed.laravel_aws.target#module:state=absent)) before the
      real run terminates it.
  returned: always
  type: list
  elements: dict
  sample: [{name: demo-web-3, id: i-0123456789abcdef0, role: web, index: 3, state: running}]
user_data_sha256:
  description: The SHA-256 of each role's user data (null without user data), by role; the user data itself is never returned.
  returned: always
  type: dict
  sample: {web: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, db: null}
not_applied:
  description: Differences that cannot be applied in place, one sentence each.
  returned: always
  type: list
  elements: str
diff:
  description:
    - The result before and after (RV(instances), RV(by_role) ... of the instances that were there, and of those
      there now).
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import instance

# count was exact_count's name until 0.2.0: amazon.aws.ec2_instance's count launches that many on every run
COUNT_DEPRECATED = [dict(name='count', version='0.3.0', collection_name='seed.laravel_aws')]

# the root volume's options, for the top-level option and for each entry of roles
ROOT_VOLUME = dict(
    size=dict(type='int', default=8),
    type=dict(type='str', default='gp3'),
    encrypted=dict(type='bool', default=True),
    device_name=dict(type='str', default='/dev/xvda'),
)


ARGUMENT_SPEC = resource_spec(dict(
    stack=dict(type='str', required=True),
    name=dict(type='str'),
    roles=dict(type='list', elements='dict', options=dict(
        name=dict(type='str', required=True),
        exact_count=dict(type='int', aliases=['count'], deprecated_aliases=COUNT_DEPRECATED),
        image_id=dict(type='str'),
        instance_type=dict(type='str'),
        subnet_ids=dict(type='list', elements='str', aliases=['vpc_subnet_id', 'subnet_id']),
        security_groups=dict(type='list', elements='str', aliases=['security_group']),
        user_data=dict(type='str', no_log=True),
        iam_instance_profile=dict(type='str', aliases=['instance_role']),
        root_volume=dict(type='dict', options=ROOT_VOLUME),
        tags=dict(type='dict'))),
    exact_count=dict(type='int', default=1, aliases=['count'], deprecated_aliases=COUNT_DEPRECATED),
    max_instances=dict(type='int', default=100),
    image_id=dict(type='str'),
    image=dict(type='dict', options=dict(
        name=dict(type='str', required=True),
        owner=dict(type='str', required=True),
        architecture=dict(type='str', default='x86_64'))),
    instance_type=dict(type='str', default='t3.micro'),
    subnet_ids=dict(type='list', elements='str', aliases=['vpc_subnet_id', 'subnet_id']),
    security_groups=dict(type='list', elements='str', default=[], aliases=['security_group']),
    key_name=dict(type='str', no_log=False),
    user_data=dict(type='str', no_log=True),
    root_volume=dict(type='dict', options=ROOT_VOLUME),
    iam_instance_profile=dict(type='str', aliases=['instance_role']),
    metadata_options=dict(type='dict', options=dict(
        http_tokens=dict(type='str', default='required', choices=['required', 'optional']),
        http_put_response_hop_limit=dict(type='int', default=1))),
    state=dict(type='str', default='running', choices=['running', 'stopped', 'absent']),
), state=False, waits=True)


def main():
    run_module(instance, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
