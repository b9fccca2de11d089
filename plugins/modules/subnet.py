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

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import AwsModule, resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.diff import make_diff
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import canonical_cidr, name_tags, refuse_by_rules, refuse_name_tag, refuse_other_stack
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Context
from ansible_collections.seed.laravel_aws.plugins.module_utils import subnet
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.subnet import check_cidrs, check_zone, region_zones, vpc_subnets
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import normalize_tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.vpc import find_vpc


def run(m):
    p = m.params
    stack = p['stack']
    if stack is not None:
        validate_stack_name(stack, 'stack')
    refuse_name_tag('CreateSubnet', p['name'])
    if not p['vpc_id'].startswith('vpc-'):
        raise ValidationError('vpc_id', '%r is not a VPC id (vpc-...)' % p['vpc_id'])
    cidr = canonical_cidr(p['cidr_block'], 'cidr_block', 16, 28)
    refuse_by_rules('CreateSubnet', 'CidrBlock', cidr, 'cidr_block')
    user_tags = normalize_tags(p['tags'], added=(('Name',) if p['name'] else ()) + ((STACK_TAG,) if stack is not None else ()))
    ec2 = m.client('ec2')
    vpc = find_vpc(ec2, vpc_id=p['vpc_id'])
    if vpc is None:
        raise ValidationError('vpc_id', 'no VPC %s in this account/region' % p['vpc_id'])
    refuse_other_stack(stack, vpc, 'VPC', p['vpc_id'], 'vpc_id')
    subnets = vpc_subnets(ec2, p['vpc_id'])
    # with stack, a subnet of another stack (or of none) under this CIDR is refused here, before any change
    existing = subnet.find(Context.of(m, ec2), vpc_id=p['vpc_id'], cidr_block=cidr, subnets=subnets, stack=stack)
    if p['state'] == 'absent':
        raw = existing
        if raw is None:
            m.exit_json(changed=False, subnet={}, diff=make_diff(None, None))
        change = subnet.delete(Context.of(m, ec2), existing=raw)
        m.exit_json(changed=True, subnet={}, diff=make_diff(change.before, None))
    check_cidrs(vpc['CidrBlock'], [cidr], ['cidr_block'])
    if p['availability_zone']:
        check_zone(p['availability_zone'], region_zones(ec2), 'availability_zone')
    if p['tags'] is None and not p['name']:
        tags, purge = None, False
    elif p['tags'] is None:
        tags, purge = {'Name': p['name']}, False
    else:
        tags, purge = name_tags(p['name'], user_tags), p['purge_tags']
    if stack is not None:
        tags = dict(tags or {}, **{STACK_TAG: stack})
    spec = dict(vpc_id=p['vpc_id'], cidr_block=cidr, availability_zone=p['availability_zone'],
                map_public_ip_on_launch=p['map_public_ip_on_launch'], tags=tags, purge_tags=purge)
    ctx = Context.of(m, ec2, purge_tags=purge)
    change = subnet.ensure(ctx, desired=spec, existing=existing, siblings=subnets)
    m.exit_json(changed=change.changed, subnet=change.after, diff=make_diff(change.before, change.after))


def main():
    m = AwsModule(
        argument_spec=resource_spec(dict(
            vpc_id=dict(type='str', required=True),
            cidr_block=dict(type='str', required=True, aliases=['cidr']),
            availability_zone=dict(type='str', aliases=['az']),
            map_public_ip_on_launch=dict(type='bool', aliases=['map_public']),
            name=dict(type='str'),
            wait_timeout=dict(type='int', default=600),
        ), owner=True),
    )
    m.run(run)


if __name__ == '__main__':
    main()
