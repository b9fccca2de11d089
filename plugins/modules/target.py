#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: target
short_description: Register instances in a target group and wait until they are healthy, or deregister and wait until drained
version_added: 0.2.0
description:
  - Registers (O(state=present)) or deregisters (O(state=absent)) one or more instances in an existing target group,
    given by name or ARN (M(seed.laravel_aws.load_balancer) makes target groups).
  - With O(wait), O(state=present) waits until each target is C(healthy), and O(state=absent) until its draining is
    over (C(unused), or no longer listed). On a timeout the error names each target still waited for, with its last
    state, reason and description (for example C(Target.ResponseCodeMismatch)).
  - Already registered (or already gone), nothing changes and RV(ignore:changed=false); the wait still applies.
  - With O(state=absent), a target group that does not exist holds no target, so nothing changes and
    RV(target_group) is null. With O(state=present) it is an error naming O(target_group).
  - Before registering, the instances are checked (a read) to be in the target group's VPC.
  - With O(stack), the target group must carry C(Stack=<stack>), and so must every instance the task registers or
    deregisters (one C(DescribeInstances) for all); otherwise the task is refused before any change, naming the group
    or the instance ids. Instances already registered (O(state=present)) or not registered (O(state=absent)) are left
    alone and not read.
  - A typical use is a rolling deploy, C(serial) over the web hosts, taking each out of the group and back in.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  target_group:
    description:
      - The target group's name or ARN.
      - M(community.aws.elb_target)'s C(target_group_name) and C(target_group_arn) are taken for it.
    type: str
    required: true
    aliases: [target_group_name, target_group_arn]
  targets:
    description:
      - Instance ids.
      - C(target_id) is M(community.aws.elb_target)'s name for one of them; one id is a list of one here.
    type: list
    elements: str
    required: true
    aliases: [target_id]
  port:
    description: The port the targets are registered on. Not given, the target group's port.
    type: int
    aliases: [target_port]
  state:
    description: V(present) (registered, healthy) or V(absent) (deregistered, drained).
    type: str
    choices: [present, absent]
    default: present
  wait:
    description: Wait until the targets are healthy (present) or drained (absent).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait. Draining lasts up to the target group's deregistration delay.
    type: int
    default: 600
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.owner
attributes:
  check_mode:
    support: full
    description: Reports what would change, registers nothing and does not wait.
  diff_mode:
    support: full
    description: Returns the targets before and after.
'''

EXAMPLES = r'''
- name: Out of the load balancer while the release switches
  seed.laravel_aws.target:
    target_group: demo-web
    stack: demo
    targets: ["{{ ec2_inventory_instance_id }}"]
    state: absent
    wait_timeout: 120
  delegate_to: localhost

- name: Back in, and healthy
  seed.laravel_aws.target:
    target_group: demo-web
    stack: demo
    targets: ["{{ ec2_inventory_instance_id }}"]
  delegate_to: localhost
'''

RETURN = r'''
target_group:
  description: The target group (null with O(state=absent) when it does not exist).
  returned: always
  type: dict
  contains:
    arn:
      description: Its ARN.
      type: str
    name:
      description: Its name.
      type: str
    vpc_id:
      description: Its VPC.
      type: str
    port:
      description: Its port.
      type: int
targets:
  description: The targets asked about that are registered, with their health as last seen (after the wait).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The instance id.
      type: str
    port:
      description: The port it is registered on.
      type: int
    health:
      description: C(initial), C(healthy), C(unhealthy), C(unused), C(draining) or C(unavailable).
      type: str
    reason:
      description: ELB's reason code for a state other than healthy.
      type: str
    description:
      description: ELB's description of that reason.
      type: str
diff:
  description: The targets before and after.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import target

ARGUMENT_SPEC = resource_spec(dict(
    target_group=dict(type='str', required=True, aliases=['target_group_name', 'target_group_arn']),
    targets=dict(type='list', elements='str', required=True, aliases=['target_id']),
    port=dict(type='int', aliases=['target_port']),
), tags=False, waits=True, owner=True)


def main():
    run_module(target, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
