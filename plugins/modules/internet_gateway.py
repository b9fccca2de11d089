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

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import internet_gateway

ARGUMENT_SPEC = resource_spec(dict(
    vpc_id=dict(type='str', required=True),
    name=dict(type='str'),
    state=dict(type='str', default='present', choices=['present', 'detached', 'absent']),
    wait_timeout=dict(type='int', default=600),
), state=False, owner=True)


def main():
    run_module(internet_gateway, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
