#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: route_table
short_description: A route table of a VPC, its routes and its subnet associations
version_added: 0.1.0
description:
  - Manages one route table, found by its VPC and C(Name) tag.
  - Routes go to an internet gateway, a NAT gateway, an instance or a network interface.
  - Safe by default, routes and associations made outside Ansible are kept unless O(purge_routes) or O(purge_subnets) ask otherwise.
  - A subnet associated with another table is moved to this one (one association call, no gap).
  - With O(stack), the table found by name must be tagged C(Stack=<stack>); one of another stack, or of none, is refused
    before any change, naming both (of two tables with the same name, the stack's is taken). A O(vpc_id) or an entry of
    O(subnet_ids) tagged with another stack is refused too.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  vpc_id:
    description: The VPC.
    type: str
    required: true
  name:
    description: The C(Name) tag the table is found by.
    type: str
    required: true
  routes:
    description:
      - "Routes: each C(dest) (a CIDR) and exactly one target: C(gateway_id), C(nat_gateway_id), C(instance_id) or C(network_interface_id)."
      - Not given, routes are left as they are.
    type: list
    elements: dict
  subnet_ids:
    description:
      - Subnets to associate, by id. Not given, associations are left as they are.
      - C(subnets) is the name M(amazon.aws.ec2_vpc_route_table) gives it; that module also takes a subnet's C(Name) tag
        or CIDR, this one ids only (another value is refused before any call).
    type: list
    elements: str
    aliases: [subnets]
  purge_routes:
    description: Remove routes not in O(routes) (never the local route).
    type: bool
    default: false
  purge_subnets:
    description: Disassociate subnets not in O(subnet_ids).
    type: bool
    default: false
  state:
    description: V(present) or V(absent). A table is disassociated from its subnets before it is deleted; the main table is never deleted.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.tags
  - seed.laravel_aws.aws.owner
attributes:
  check_mode:
    support: full
    description: Reports what would change and changes nothing.
  diff_mode:
    support: full
    description: Returns the table before and after, with its routes and subnets.
'''

EXAMPLES = r'''
- name: Public subnets go out through the internet gateway
  seed.laravel_aws.route_table:
    vpc_id: "{{ vpc.vpc.id }}"
    name: demo-public
    routes:
      - dest: 0.0.0.0/0
        gateway_id: "{{ igw.internet_gateway.id }}"
    subnet_ids: "{{ public_subnet_ids }}"
    stack: demo

- name: Private subnets through the NAT gateway, and nothing else
  seed.laravel_aws.route_table:
    vpc_id: "{{ vpc.vpc.id }}"
    name: demo-private
    routes:
      - dest: 0.0.0.0/0
        nat_gateway_id: "{{ nat.nat_gateway.id }}"
    subnet_ids: "{{ private_subnet_ids }}"
    purge_routes: true
    purge_subnets: true
'''

RETURN = r'''
route_table:
  description: The table; empty after O(state=absent). In check mode a table to be created has RV(route_table.id=null).
  returned: always
  type: dict
  contains:
    id:
      description: The table id.
      type: str
      sample: rtb-0123456789abcdef0
    name:
      description: The C(Name) tag.
      type: str
    vpc_id:
      description: The VPC.
      type: str
    routes:
      description: Routes other than the local one, each C(dest) and C(target).
      type: list
      elements: dict
      sample: [{"dest": "0.0.0.0/0", "target": "igw-0123"}]
    subnet_ids:
      description: Associated subnets.
      type: list
      elements: str
    main:
      description: Whether it is the VPC's main table.
      type: bool
    tags:
      description: The tags.
      type: dict
diff:
  description: The table before and after.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import route_table

ARGUMENT_SPEC = resource_spec(dict(
    vpc_id=dict(type='str', required=True),
    name=dict(type='str', required=True),
    routes=dict(type='list', elements='dict'),
    subnet_ids=dict(type='list', elements='str', aliases=['subnets']),
    purge_routes=dict(type='bool', default=False),
    purge_subnets=dict(type='bool', default=False),
), owner=True)


def main():
    run_module(route_table, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
