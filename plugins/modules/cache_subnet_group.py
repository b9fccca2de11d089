#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: cache_subnet_group
short_description: An ElastiCache subnet group, the subnets a Redis cluster is placed in
version_added: 0.2.0
description:
  - Creates, changes in place (description, subnets, tags) or deletes an ElastiCache cache subnet group, for
    M(seed.laravel_aws.cache_cluster).
  - The group is found by its name, which AWS stores lowercased; a create whose answer was lost is found again by
    that name, never made twice.
  - Before any change the subnets are read (EC2 C(DescribeSubnets)) and must exist and be in one VPC.
  - A cluster with a replica is best spread over two or more availability zones; a group of one zone is accepted,
    the playbook decides.
  - A group a cache cluster still uses is not deleted; the error names it.
  - The description and the subnets change in place; left out, they are left as they are.
  - With O(stack), the group found by O(name) must be tagged C(Stack=<stack>), for a change and for O(state=absent)
    alike, since AWS keeps these names in lower case, so C(Demo-cache) is C(demo-cache). One of another stack, or of none, is
    refused before any change, naming both.
  - Every option AWS documents a rule for (names, ranges, windows, ElastiCache's tags, keys 1-128 and values 0-256
    letters, digits, spaces and V(_ . / = + - @ :), a key not beginning with V(aws:)) is checked against the
    collection's table of AWS's rules before any call, in check mode too; the error names the option, AWS's rule, the
    error code AWS answers and the page the rule is from (never a secret's value).
author:
  - Seed Maintainers (@seed-maintainers)
options:
  name:
    description: The group's name, 1-255 letters, digits or hyphens (lowercased, as AWS stores it).
    type: str
    required: true
  description:
    description: "The group's description. Default on create: O(name); not given, an existing group keeps its own."
    type: str
  subnets:
    description: Subnet ids, all in one VPC. Required to create; not given, an existing group keeps its subnets.
    type: list
    elements: str
  state:
    description:
      - V(present) or V(absent).
      - AWS refuses to delete a group that a cache cluster still uses, one being deleted included, until that cluster is
        gone (CacheSubnetGroupInUse). With O(wait), the delete is tried again until O(wait_timeout); then the error names
        the clusters in the group, their status and replication group.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - With O(state=absent), try the delete again while a cache cluster still uses the group (for example one
        C(deleting) after cache_cluster with O(state=absent) and C(wait=false)). Without it, one try.
    type: bool
    default: true
  wait_timeout:
    description: Seconds the delete is tried again for.
    type: int
    default: 1200
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.tags
  - seed.laravel_aws.aws.owner
attributes:
  check_mode:
    support: full
    description: Reports what would change and changes nothing; a group to be created has RV(cache_subnet_group.arn=null).
  diff_mode:
    support: full
    description: Returns the group before and after.
'''

EXAMPLES = r'''
- name: The private subnets the Redis cluster is placed in
  seed.laravel_aws.cache_subnet_group:
    name: demo-cache
    description: Redis of the demo stack
    subnets: "{{ private_subnet_ids }}"
    stack: demo

- name: Gone (after the cache clusters in it; refused unless it is tagged Stack=demo)
  seed.laravel_aws.cache_subnet_group:
    name: demo-cache
    stack: demo
    state: absent
'''

RETURN = r'''
cache_subnet_group:
  description: The group; empty after O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: Its name.
      type: str
      sample: demo-cache
    arn:
      description: Its ARN (null in check mode for one to be created).
      type: str
      sample: arn:aws:elasticache:us-east-1:123456789012:subnetgroup:demo-cache
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
      description: The zones of its subnets, sorted.
      type: list
      elements: str
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
from ansible_collections.seed.laravel_aws.plugins.module_utils import cache_subnet_group

ARGUMENT_SPEC = resource_spec(SUBNET_GROUP_OPTIONS, owner=True, waits=True)


def main():
    run_module(cache_subnet_group, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
