#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: elastic_ip
short_description: An elastic IP allocated once and found again by its tags
version_added: 0.1.0
description:
  - Allocates a VPC elastic IP tagged C(Name=)O(name) (plus O(tags)), and finds it by its C(Name) tag on the next run, so a rerun
    never allocates a new address, and changing the other tags updates it. O(state=absent) releases it.
  - Two addresses with the same tags are an error that names them; the module never guesses.
  - With O(stack), the address found by name (or given as O(allocation_id)) must be tagged C(Stack=<stack>); one of
    another stack, or of none, is refused before any change, naming both, and is never released. Of two addresses
    with the same name, the stack's is taken.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  name:
    description: The C(Name) tag the address is found by. Required unless O(allocation_id) is given.
    type: str
  allocation_id:
    description: Manage this address instead of finding it by tags.
    type: str
  release_on_disassociation:
    description: With O(state=absent), disassociate an address in use before releasing it. Otherwise the module refuses and names the holder.
    type: bool
    default: false
  state:
    description: V(present) allocates (or finds) the address, V(absent) releases it.
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
    description: Returns the address before and after.
'''

EXAMPLES = r'''
- name: An address for the NAT gateway
  seed.laravel_aws.elastic_ip:
    name: demo-nat-us-east-1a
    stack: demo
  register: eip

- name: Release it (refused unless it is tagged Stack=demo)
  seed.laravel_aws.elastic_ip:
    name: demo-nat-us-east-1a
    stack: demo
    state: absent
'''

RETURN = r'''
address:
  description: The address; empty after O(state=absent). In check mode an address to be allocated has null ids.
  returned: always
  type: dict
  contains:
    allocation_id:
      description: The allocation id.
      type: str
      sample: eipalloc-0123456789abcdef0
    public_ip:
      description: The public address.
      type: str
      sample: 203.0.113.10
    name:
      description: The C(Name) tag.
      type: str
    association_id:
      description: The association, if in use.
      type: str
    network_interface_id:
      description: The interface holding it, if any.
      type: str
    instance_id:
      description: The instance holding it, if any.
      type: str
    domain:
      description: Always C(vpc).
      type: str
    tags:
      description: The tags.
      type: dict
diff:
  description: The address before and after.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import elastic_ip

ARGUMENT_SPEC = resource_spec(dict(
    name=dict(type='str'),
    allocation_id=dict(type='str'),
    release_on_disassociation=dict(type='bool', default=False),
), owner=True)


def main():
    run_module(elastic_ip, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
