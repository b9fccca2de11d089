#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: internet_gateway
short_description: The internet gateway of a VPC (one per VPC), attached or detached
version_added: 0.1.0
description:
  - Manages the one internet gateway of a VPC. It is found by its attachment to the VPC, or, when a create's answer was lost,
    by its C(Name) tag among detached gateways, so a rerun never makes a second one.
  - With O(stack), the gateway attached to the VPC (or the detached one found by name) must be tagged C(Stack=<stack>); one
    of another stack, or of none, is refused before any change, naming both; a O(vpc_id) tagged with another stack is
    refused too.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  vpc_id:
    description: The VPC.
    type: str
    required: true
  name:
    description: The C(Name) tag.
    type: str
  state:
    description:
      - V(present) creates the gateway and attaches it, V(detached) keeps it but detaches it, V(absent) detaches and deletes it.
    type: str
    choices: [present, detached, absent]
    default: present
  wait_timeout:
    description:
      - With O(state=detached) or O(state=absent), seconds to keep sending the detach while AWS refuses it with
        C(DependencyViolation) because public addresses are still mapped in the VPC (a NAT gateway or load balancer
        being deleted, an instance shutting down). When the time is out the error names the addresses and their
        network interfaces.
    type: int
    default: 600
    version_added: 0.2.0
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
- name: Internet access for the VPC
  seed.laravel_aws.internet_gateway:
    vpc_id: "{{ vpc.vpc.id }}"
    name: demo-igw
    stack: demo
  register: igw

- name: Remove it (refused unless it is tagged Stack=demo)
  seed.laravel_aws.internet_gateway:
    vpc_id: "{{ vpc.vpc.id }}"
    stack: demo
    state: absent
'''

RETURN = r'''
internet_gateway:
  description: The gateway; empty after O(state=absent). In check mode a gateway to be created has RV(internet_gateway.id=null).
  returned: always
  type: dict
  contains:
    id:
      description: The gateway id.
      type: str
      sample: igw-0123456789abcdef0
    name:
      description: The C(Name) tag.
      type: str
    vpc_id:
      description: The VPC it is attached to, or null.
      type: str
    attached:
      description: Whether it is attached.
      type: bool
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
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import name_tags, refuse_other_stack, refuse_name_tag
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Context
from ansible_collections.seed.laravel_aws.plugins.module_utils import internet_gateway
from ansible_collections.seed.laravel_aws.plugins.module_utils.internet_gateway import describe_igw, find_igws
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import normalize_tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.vpc import find_vpc


def run(m):
    p = m.params
    stack = p['stack']
    if stack is not None:
        validate_stack_name(stack, 'stack')
    refuse_name_tag('CreateInternetGateway', p['name'])
    if not p['vpc_id'].startswith('vpc-'):
        raise ValidationError('vpc_id', '%r is not a VPC id (vpc-...)' % p['vpc_id'])
    user_tags = normalize_tags(p['tags'], added=(('Name',) if p['name'] else ()) + ((STACK_TAG,) if stack is not None else ()))
    ec2 = m.client('ec2')
    vpc = find_vpc(ec2, vpc_id=p['vpc_id'])
    if vpc is None:
        raise ValidationError('vpc_id', 'no VPC %s in this account/region' % p['vpc_id'])
    refuse_other_stack(stack, vpc, 'VPC', p['vpc_id'], 'vpc_id')
    # with stack, a gateway of another stack (or of none) that this run would change is refused here, before any change
    attached, detached = find_igws(ec2, p['vpc_id'], p['name'], stack)
    if p['state'] == 'absent':
        gone = attached + (detached if p['name'] else [])
        for igw in gone:
            internet_gateway.delete(Context.of(m, ec2), existing=igw)
        before = describe_igw(gone[0]) if gone else None
        m.exit_json(changed=bool(gone), internet_gateway={}, diff=make_diff(before, None))
    if p['tags'] is None:
        tags, purge = ({'Name': p['name']} if p['name'] else None), False
    else:
        tags, purge = name_tags(p['name'], user_tags), p['purge_tags']
    if stack is not None:
        tags = dict(tags or {}, **{STACK_TAG: stack})
    change = internet_gateway.ensure(Context.of(m, ec2, purge_tags=purge), existing=(attached, detached),
                                     desired={'vpc_id': p['vpc_id'], 'tags': tags, 'attach': p['state'] == 'present'})
    m.exit_json(changed=change.changed, internet_gateway=change.after, diff=make_diff(change.before, change.after))


def main():
    m = AwsModule(
        argument_spec=resource_spec(dict(
            vpc_id=dict(type='str', required=True),
            name=dict(type='str'),
            state=dict(type='str', default='present', choices=['present', 'detached', 'absent']),
            wait_timeout=dict(type='int', default=600),
        ), state=False, owner=True),
    )
    m.run(run)


if __name__ == '__main__':
    main()
