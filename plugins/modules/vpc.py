#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: vpc
short_description: Create, update or delete a VPC, found by its Name tag and CIDR
version_added: 0.1.0
description:
  - Manages one VPC. The VPC is found by its C(Name) tag and primary CIDR block (or by O(vpc_id)), so a rerun
    finds the VPC the first run made and never creates a second one.
  - When two VPCs match, or a VPC with the same name has another CIDR, the module fails and names them instead of guessing.
  - A CIDR with host bits set (V(10.10.10.0/20)) is an error that names the canonical form (V(10.10.0.0/20)).
  - With O(stack), the VPC found by name (or given as O(vpc_id)) must be tagged C(Stack=<stack>); one of another stack,
    or of none, is refused before any change, naming both. Of two VPCs with the same name, the stack's is taken.
  - With O(state=absent), a VPC that still has subnets, gateways, security groups, route tables or network
    interfaces is not deleted; the module fails and lists them.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  name:
    description:
      - The VPC's C(Name) tag. Required with O(state=present) unless O(vpc_id) is given.
    type: str
  vpc_id:
    description:
      - Manage this VPC by id instead of finding it by name.
    type: str
  cidr_block:
    description:
      - The primary IPv4 CIDR block, from V(/16) to V(/28), in canonical form.
      - Required to create a VPC. A VPC's CIDR cannot be changed.
    type: str
  dns_support:
    description:
      - Whether the Amazon DNS server answers in the VPC.
    type: bool
    default: true
  dns_hostnames:
    description:
      - Whether instances get public DNS hostnames. Needs O(dns_support).
    type: bool
    default: true
  state:
    description:
      - V(present) creates or updates the VPC, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  wait_timeout:
    description:
      - Seconds to wait for a new VPC to become available.
      - With O(state=absent), seconds to keep sending the delete while AWS refuses it with C(DependencyViolation)
        (requester-managed network interfaces of what was deleted a moment ago); then the error names what is left.
    type: int
    default: 300
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.tags
  - seed.laravel_aws.aws.owner
attributes:
  check_mode:
    support: full
    description: Reports what would change and the VPC that would result, and makes no change.
  diff_mode:
    support: full
    description: Returns the VPC before and after.
'''

EXAMPLES = r'''
- name: A VPC for the demo stack
  seed.laravel_aws.vpc:
    name: demo-vpc
    cidr_block: 10.20.0.0/16
    region: us-east-1
    stack: demo
    tags:
      Owner: ops
  register: vpc

- name: The same, with the connection settings given once for the whole play
  module_defaults:
    group/seed.laravel_aws.aws:
      region: us-east-1
      profile: ops
  seed.laravel_aws.vpc:
    name: demo-vpc
    cidr_block: 10.20.0.0/16

- name: Add a tag and keep the others
  seed.laravel_aws.vpc:
    name: demo-vpc
    cidr_block: 10.20.0.0/16
    tags:
      CostCenter: "42"
    purge_tags: false

- name: Delete it (fails, naming them, while subnets or gateways remain; refused unless it is tagged Stack=demo)
  seed.laravel_aws.vpc:
    name: demo-vpc
    cidr_block: 10.20.0.0/16
    stack: demo
    state: absent
'''

RETURN = r'''
vpc:
  description: The VPC. Empty after O(state=absent). In check mode a VPC to be created has RV(vpc.id=null).
  returned: always
  type: dict
  contains:
    id:
      description: The VPC id.
      type: str
      sample: vpc-0123456789abcdef0
    name:
      description: The C(Name) tag.
      type: str
      sample: demo-vpc
    cidr_block:
      description: The primary IPv4 CIDR block.
      type: str
      sample: 10.20.0.0/16
    state:
      description: The VPC state.
      type: str
      sample: available
    dns_support:
      description: Whether DNS resolution is on.
      type: bool
      sample: true
    dns_hostnames:
      description: Whether DNS hostnames are on.
      type: bool
      sample: true
    is_default:
      description: Whether this is the account's default VPC.
      type: bool
      sample: false
    instance_tenancy:
      description: Instance tenancy of the VPC.
      type: str
      sample: default
    owner_id:
      description: The account that owns the VPC.
      type: str
      sample: "123456789012"
    dhcp_options_id:
      description: The DHCP options set.
      type: str
      sample: dopt-0123456789abcdef0
    tags:
      description: The VPC's tags.
      type: dict
      sample: {"Name": "demo-vpc", "Stack": "demo"}
diff:
  description: The VPC before and after (empty dict when it does not exist).
  returned: always
  type: dict
  sample: {"before": {}, "after": {"cidr_block": "10.20.0.0/16", "name": "demo-vpc"}}
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import vpc

ARGUMENT_SPEC = resource_spec(dict(
    name=dict(type='str'),
    vpc_id=dict(type='str'),
    cidr_block=dict(type='str'),
    dns_support=dict(type='bool', default=True),
    dns_hostnames=dict(type='bool', default=True),
    wait_timeout=dict(type='int', default=300),
), owner=True)


def main():
    run_module(vpc, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
