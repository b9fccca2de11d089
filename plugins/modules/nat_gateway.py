#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: nat_gateway
short_description: A NAT gateway in a public subnet, created at most once
version_added: 0.1.0
description:
  - Manages one public NAT gateway, found by its subnet and C(Name) tag.
  - Its elastic IP is O(allocation_id), or one of its own, allocated and tagged C(Name=<name>), found again by that tag,
    and released with the gateway.
  - The create call carries a client token derived from the subnet, the name and the address, so a retried or rerun
    create cannot make a second gateway.
  - With O(stack), the gateway found by name and its own address must be tagged C(Stack=<stack>); one of another stack,
    or of none, is refused before any change (and never deleted or released), naming both. A O(subnet_id) or
    O(allocation_id) tagged with another stack is refused too.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  name:
    description: The C(Name) tag.
    type: str
    required: true
  subnet_id:
    description: The public subnet the gateway lives in.
    type: str
    required: true
  allocation_id:
    description: An existing elastic IP to use. Without it the gateway gets an address of its own.
    type: str
  release_eip:
    description:
      - With O(state=absent), release the address the module allocated for the gateway (never one given as O(allocation_id)).
      - AWS frees the address only when the gateway is C(deleted), so releasing it waits for that (up to O(wait_timeout))
        even with O(wait=false).
    type: bool
    default: true
  state:
    description: V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait until the gateway is available (C(pending), then C(available); C(failed) is an error with AWS's failure
        message), or with O(state=absent) deleted (C(deleting), then C(deleted)).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 600
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
    description: Returns the gateway before and after.
'''

EXAMPLES = r'''
- name: One NAT gateway for the private subnets
  seed.laravel_aws.nat_gateway:
    name: demo-nat-us-east-1a
    subnet_id: "{{ public_a.subnet.id }}"
    stack: demo
  register: nat

- name: Delete it and release its address (refused unless they are tagged Stack=demo)
  seed.laravel_aws.nat_gateway:
    name: demo-nat-us-east-1a
    subnet_id: "{{ public_a.subnet.id }}"
    stack: demo
    state: absent
'''

RETURN = r'''
nat_gateway:
  description: The gateway; empty after O(state=absent). In check mode a gateway to be created has RV(nat_gateway.id=null).
  returned: always
  type: dict
  contains:
    id:
      description: The gateway id.
      type: str
      sample: nat-0123456789abcdef0
    name:
      description: The C(Name) tag.
      type: str
    subnet_id:
      description: Its subnet.
      type: str
    vpc_id:
      description: Its VPC.
      type: str
    state:
      description: C(pending), C(available), ...
      type: str
    allocation_id:
      description: Its elastic IP.
      type: str
    public_ip:
      description: Its public address.
      type: str
    private_ip:
      description: Its private address.
      type: str
    connectivity_type:
      description: Always C(public).
      type: str
    tags:
      description: The tags.
      type: dict
diff:
  description: The gateway before and after.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import AwsModule, resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.diff import make_diff
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import name_tags, not_found, refuse_other_stack, refuse_name_tag
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Context
from ansible_collections.seed.laravel_aws.plugins.module_utils import elastic_ip, nat_gateway
from ansible_collections.seed.laravel_aws.plugins.module_utils.elastic_ip import find_eips, pick_one
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.nat_gateway import (
    LIVE, describe_nat, find_nat,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import normalize_tags


def run(m):
    p = m.params
    stack = p['stack']
    if stack is not None:
        validate_stack_name(stack, 'stack')
    refuse_name_tag('CreateNatGateway', p['name'])
    if not p['subnet_id'].startswith('subnet-'):
        raise ValidationError('subnet_id', '%r is not a subnet id (subnet-...)' % p['subnet_id'])
    if p['allocation_id'] and not p['allocation_id'].startswith('eipalloc-'):
        raise ValidationError('allocation_id', '%r is not an allocation id (eipalloc-...)' % p['allocation_id'])
    tags = name_tags(p['name'], normalize_tags(p['tags'], added=('Name',) + ((STACK_TAG,) if stack is not None else ())))
    if stack is not None:
        tags[STACK_TAG] = stack
    purge = p['purge_tags'] if p['tags'] is not None else False
    ec2 = m.client('ec2')
    subnets = ec2.describe_subnets(Filters=[{'Name': 'subnet-id', 'Values': [p['subnet_id']]}])['Subnets']
    if not subnets:
        raise ValidationError('subnet_id', 'no subnet %s in this account/region' % p['subnet_id'])
    refuse_other_stack(stack, subnets[0], 'subnet', p['subnet_id'], 'subnet_id')
    if p['allocation_id'] and stack is not None:
        given = given_address(ec2, p['allocation_id'])
        if given is not None:  # one that does not exist is AWS's to refuse
            refuse_other_stack(stack, given, 'elastic IP', p['allocation_id'], 'allocation_id')
    nats = [n for n in ec2.paginate('describe_nat_gateways', 'NatGateways',
                                    Filter=[{'Name': 'subnet-id', 'Values': [p['subnet_id']]}]) if n.get('State') in LIVE]
    # with stack, a gateway or an address of another stack (or of none) under this name is refused here, before any change
    existing = find_nat(nats, p['subnet_id'], p['name'], stack)
    own_eip = None if p['allocation_id'] else pick_one(find_eips(ec2, {'Name': p['name']}, stack), 'Name=%s' % p['name'])

    ctx = Context.of(m, ec2, purge_tags=purge)
    if p['state'] == 'absent':
        changed = existing is not None
        releasing = own_eip and p['release_eip'] and (existing is None or existing.get('NatGatewayAddresses', [{}])[0].get('AllocationId')
                                                      == own_eip['AllocationId'])
        if existing:
            # the address is freed only once the gateway is deleted: releasing it waits for that, whatever wait says
            nat_gateway.delete(ctx, existing=existing, wait=True if releasing else None)
        if releasing:
            changed = True
            fresh = ec2.describe_addresses(AllocationIds=[own_eip['AllocationId']])['Addresses'][0]  # freed by the delete
            elastic_ip.delete(ctx, existing=fresh, disassociate=True)
        m.exit_json(changed=changed, nat_gateway={}, diff=make_diff(describe_nat(existing) if existing else None, None))

    changed = False
    allocation_id = p['allocation_id']
    if not allocation_id:
        if existing:
            allocation_id = (existing.get('NatGatewayAddresses') or [{}])[0].get('AllocationId')
        else:
            eip = elastic_ip.ensure(ctx, desired={'tags': dict(tags)}, existing=own_eip)
            changed |= eip.changed
            allocation_id = eip.id  # a Pending in check mode
    change = nat_gateway.ensure(ctx, desired={'subnet_id': p['subnet_id'], 'allocation_id': allocation_id, 'tags': tags}, existing=existing)
    m.exit_json(changed=changed or change.changed, nat_gateway=change.after, diff=make_diff(change.before, change.after))


def given_address(ec2, allocation_id):
    """The address ``allocation_id``, or None when it does not exist."""
    try:
        return ec2.describe_addresses(AllocationIds=[allocation_id])['Addresses'][0]
    except Exception as exc:  # pylint: disable=broad-except
        if not_found(exc, 'InvalidAllocationID.NotFound'):
            return None
        raise


def main():
    m = AwsModule(
        argument_spec=resource_spec(dict(
            name=dict(type='str', required=True),
            subnet_id=dict(type='str', required=True),
            allocation_id=dict(type='str'),
            release_eip=dict(type='bool', default=True),
        ), waits=True, owner=True),
    )
    m.run(run)


if __name__ == '__main__':
    main()
