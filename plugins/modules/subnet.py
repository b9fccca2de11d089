#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: subnet
short_description: Create, update or delete a subnet of a VPC, found by its CIDR
version_added: 0.1.0
description:
  - Manages one subnet. The subnet is found by its VPC and CIDR block (unique within a VPC), so a rerun never makes a second one.
  - The CIDR must be canonical, inside the VPC's CIDR, and must not overlap another subnet of the VPC; the availability zone
    must exist in the region. Each is checked before anything changes, and the error names the field.
  - With O(state=absent), a subnet that still holds instances or network interfaces is not deleted; the module names them.
  - With O(stack), the subnet found must be tagged C(Stack=<stack>) (one of another stack, or of none, is refused before
    any change, naming both), and a O(vpc_id) tagged with another stack is refused.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  vpc_id:
    description: The VPC of the subnet.
    type: str
    required: true
  cidr_block:
    description: The subnet's IPv4 CIDR block, from V(/16) to V(/28), inside the VPC's CIDR.
    type: str
    required: true
    aliases: [cidr]
  availability_zone:
    description:
      - The availability zone, for example V(us-east-1a). AWS picks one when not given.
      - A subnet cannot move; a different zone for an existing subnet is an error.
    type: str
    aliases: [az]
  map_public_ip_on_launch:
    description:
      - Give instances launched in the subnet a public IPv4 address. Left as it is when not given on an existing subnet
        (M(amazon.aws.ec2_vpc_subnet)'s C(map_public) sets V(false) then).
    type: bool
    aliases: [map_public]
  name:
    description: The C(Name) tag.
    type: str
  state:
    description: V(present) creates or updates the subnet, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  wait_timeout:
    description:
      - Seconds to wait for a new subnet to become available.
      - With O(state=absent), seconds to keep sending the delete while AWS refuses it with C(DependencyViolation);
        the requester-managed network interfaces of a load balancer, NAT gateway, RDS instance or cache cluster
        deleted a moment ago hold the subnet for some minutes. When the time is out the error names the interfaces
        still in the subnet (id, description, who made them, status).
      - Instances, and interfaces a user made, are named at once, before any change.
      - The default was V(300) before 0.2.0.
    type: int
    default: 600
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.tags
  - seed.laravel_aws.aws.owner
attributes:
  check_mode:
    support: full
    description: Reports the subnet that would be created or changed, and changes nothing.
  diff_mode:
    support: full
    description: Returns the subnet before and after.
'''

EXAMPLES = r'''
- name: A public subnet in the first zone
  seed.laravel_aws.subnet:
    vpc_id: "{{ vpc.vpc.id }}"
    cidr_block: 10.20.0.0/24
    availability_zone: us-east-1a
    map_public_ip_on_launch: true
    name: demo-public-us-east-1a
    stack: demo
  register: public_a

- name: Delete it (refused unless it is tagged Stack=demo)
  seed.laravel_aws.subnet:
    vpc_id: "{{ vpc.vpc.id }}"
    cidr_block: 10.20.0.0/24
    stack: demo
    state: absent
'''

RETURN = r'''
subnet:
  description: The subnet; empty after O(state=absent). In check mode a subnet to be created has RV(subnet.id=null).
  returned: always
  type: dict
  contains:
    id:
      description: The subnet id.
      type: str
      sample: subnet-0123456789abcdef0
    name:
      description: The C(Name) tag.
      type: str
    vpc_id:
      description: The VPC.
      type: str
    cidr_block:
      description: The IPv4 CIDR block.
      type: str
      sample: 10.20.0.0/24
    availability_zone:
      description: The availability zone.
      type: str
      sample: us-east-1a
    availability_zone_id:
      description: The zone id.
      type: str
      sample: use1-az6
    map_public_ip_on_launch:
      description: Whether instances get a public IPv4 address.
      type: bool
    state:
      description: The subnet state.
      type: str
      sample: available
    available_ip_address_count:
      description: Free addresses.
      type: int
    tags:
      description: The tags.
      type: dict
diff:
  description: The subnet before and after.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import subnet

ARGUMENT_SPEC = resource_spec(dict(
    vpc_id=dict(type='str', required=True),
    cidr_block=dict(type='str', required=True, aliases=['cidr']),
    availability_zone=dict(type='str', aliases=['az']),
    map_public_ip_on_launch=dict(type='bool', aliases=['map_public']),
    name=dict(type='str'),
    wait_timeout=dict(type='int', default=600),
), owner=True)


def main():
    run_module(subnet, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
