#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: route53_zone
short_description: Find, create or delete a Route 53 hosted zone, with its comment and tags
version_added: 0.2.0
description:
  - Finds a public hosted zone, or a private one of a VPC, by its name; names are compared as Route 53 compares them
    (case does not matter, nor a trailing dot).
  - Route 53 allows several zones of one name. Two zones of the name and type asked for are an error naming their ids,
    unless O(zone_id) says which one.
  - A zone that is not there is made only with O(create=true); without it, a missing zone is an error naming O(name).
  - With O(state=absent) a zone is deleted only when it is tagged C(Stack=<stack>) (O(stack) is then required) and
    holds no record sets but its own SOA and NS. A zone with other records is refused, naming them; this module never
    deletes records.
  - A retried create cannot make a second zone. The caller reference comes from the zone's name, type, VPC and stack,
    and Route 53 refuses a reference it has seen before.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  name:
    description: The zone's domain name, like V(example.com); lower case and a trailing dot are added.
    type: str
    required: true
  zone_id:
    description:
      - The zone's id (with or without the C(/hostedzone/) prefix), to say which of several zones of O(name) is meant.
      - The zone of that id must be named O(name).
    type: str
  private:
    description: Whether the zone is a private one (of a VPC).
    type: bool
    default: false
  vpc_id:
    description:
      - The VPC of a private zone. It is needed to create one, and with it a private zone is found only among the zones
        of that VPC.
    type: str
  vpc_region:
    description: The region of O(vpc_id); needed to create a private zone.
    type: str
  create:
    description: Create the zone when none of O(name) and its type exists. Without it, a missing zone is an error.
    type: bool
    default: false
  comment:
    description: The zone's comment; left out, it is left as it is (a new zone gets none).
    type: str
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.state
  - seed.laravel_aws.aws.tags
  - seed.laravel_aws.aws.owner
  - seed.laravel_aws.aws.attributes
notes:
  - Needs the C(route53) actions of the collection's IAM policy (docs/iam-policy.json).
  - Route 53 is global. O(region) only picks the endpoint's signing region.
'''

EXAMPLES = r'''
- name: The domain's public zone, which the user made when registering it
  seed.laravel_aws.route53_zone:
    name: example.com
  register: zone

- name: A zone of the stack's own, made when missing
  seed.laravel_aws.route53_zone:
    name: demo.example.com
    create: true
    comment: demo stack
    stack: demo

- name: Gone (only if tagged Stack=demo, and holding no records but SOA and NS)
  seed.laravel_aws.route53_zone:
    name: demo.example.com
    stack: demo
    state: absent
'''

RETURN = r'''
route53_zone:
  description: The zone; empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Its id, without the C(/hostedzone/) prefix (null in check mode for a zone that would be made).
      type: str
      sample: Z0123456789ABCDEFGHIJ
    name:
      description: Its name, lower case with a trailing dot.
      type: str
      sample: example.com.
    private:
      description: Whether it is a private zone.
      type: bool
    comment:
      description: Its comment.
      type: str
    name_servers:
      description: The name servers of a public zone (empty for a private one).
      type: list
      elements: str
    vpcs:
      description: The VPCs of a private zone, each with C(id) and C(region).
      type: list
      elements: dict
    tags:
      description: Its tags.
      type: dict
diff:
  description: The zone before and after.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import route53_zone

ARGUMENT_SPEC = resource_spec(dict(
    name=dict(type='str', required=True),
    zone_id=dict(type='str'),
    private=dict(type='bool', default=False),
    vpc_id=dict(type='str'),
    vpc_region=dict(type='str'),
    create=dict(type='bool', default=False),
    comment=dict(type='str'),
), owner=True)


def main():
    run_module(route53_zone, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
