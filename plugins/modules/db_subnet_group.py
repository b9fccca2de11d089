#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: db_subnet_group
short_description: An RDS DB subnet group, the subnets of one VPC an RDS instance is placed in
version_added: 0.2.0
description:
  - Creates, updates or deletes an RDS DB subnet group, found by its name (unique per region).
  - Before any change the subnets are read with EC2 and checked to be in one VPC and in two or more
    availability zones, as AWS requires.
  - The description and the subnets change in place; left out, they are left as they are. A rerun with nothing to
    change sends reads only.
  - With O(stack), the group found by O(name) must be tagged C(Stack=<stack>), for a change and for O(state=absent)
    alike, since AWS keeps these names in lower case, so C(Demo-db) is C(demo-db). One of another stack, or of none, is
    refused before any change, naming both.
  - A create whose answer was lost is found again by name, never made twice.
  - Every option AWS documents a rule for (names, ranges, windows, RDS's tags, keys 1-128 and values 0-256 letters,
    digits, spaces and V(_ . / = + - @ :), neither beginning with V(aws:) or V(rds:)) is checked against the
    collection's table of AWS's rules before any call, in check mode too; the error names the option, AWS's rule, the
    error code AWS answers and the page the rule is from (never a secret's value).
author:
  - Seed Maintainers (@seed-maintainers)
options:
  name:
    description:
      - The group's name, 1-255 letters, digits, spaces, hyphens, underscores and periods, the first a letter, not V(default).
      - AWS keeps it in lowercase, so the module lowercases it.
    type: str
    required: true
  description:
    description: "The group's description. Default on create: the name; not given, an existing group keeps its own."
    type: str
  subnets:
    description:
      - Subnet ids, of one VPC and in two or more availability zones. Required to create; not given, an existing group
        keeps its subnets.
    type: list
    elements: str
  state:
    description:
      - V(present) or V(absent).
      - AWS refuses to delete a group that an instance still uses, one being deleted included, until that instance is
        gone (InvalidDBSubnetGroupStateFault). With O(wait), the delete is tried again until O(wait_timeout); then the
        error names the instances that use the group and their status.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - With O(state=absent), try the delete again while an instance still uses the group (for example one
        C(deleting) after rds_instance with O(state=absent) and C(wait=false)). Without it, one try.
    type: bool
    default: true
  wait_timeout:
    description: Seconds the delete is tried again for (deleting an instance with its final snapshot takes minutes).
    type: int
    default: 1200
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.tags
  - seed.laravel_aws.aws.owner
attributes:
  check_mode:
    support: full
    description: Reports what would change and changes nothing; a group to be made has RV(db_subnet_group.arn=null).
  diff_mode:
    support: full
    description: Returns the group before and after.
'''

EXAMPLES = r'''
- name: The database subnets of the stack, in two zones
  seed.laravel_aws.db_subnet_group:
    name: demo-db
    description: Private subnets of demo for RDS
    subnets: "{{ network.subnets | selectattr('tier', 'equalto', 'private') | map(attribute='id') | list }}"
    stack: demo

- name: Gone (after the instances in it)
  seed.laravel_aws.db_subnet_group:
    name: demo-db
    stack: demo
    state: absent
'''

RETURN = r'''
db_subnet_group:
  description: The DB subnet group; empty after O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: Its name (lowercase).
      type: str
      sample: demo-db
    arn:
      description: Its ARN (null in check mode for one to be made).
      type: str
      sample: arn:aws:rds:us-east-1:123456789012:subgrp:demo-db
    description:
      description: Its description.
      type: str
    vpc_id:
      description: The VPC of its subnets.
      type: str
    subnet_ids:
      description: Its subnets, sorted.
      type: list
      elements: str
    availability_zones:
      description: The availability zones of its subnets, sorted.
      type: list
      elements: str
    status:
      description: Its status, C(Complete).
      type: str
    tags:
      description: Its tags.
      type: dict
diff:
  description: The group before and after.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import SUBNET_GROUP_OPTIONS, resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import db_subnet_group

ARGUMENT_SPEC = resource_spec(SUBNET_GROUP_OPTIONS, owner=True, waits=True)


def main():
    run_module(db_subnet_group, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
