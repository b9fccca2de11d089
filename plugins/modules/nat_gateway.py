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

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import nat_gateway

ARGUMENT_SPEC = resource_spec(dict(
    name=dict(type='str', required=True),
    subnet_id=dict(type='str', required=True),
    allocation_id=dict(type='str'),
    release_eip=dict(type='bool', default=True),
), waits=True, owner=True)


def main():
    run_module(nat_gateway, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
