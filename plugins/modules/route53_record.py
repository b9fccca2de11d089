#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: route53_record
short_description: One Route 53 record set (A, AAAA, CNAME, TXT, MX), with values and TTL or an alias to an ALB
version_added: 0.2.0
description:
  - Creates, updates or deletes one record set, the O(name) and O(type) given, in a hosted zone given by O(zone) (its
    name) or O(zone_id). Nothing else of the zone is read or changed.
  - The record is compared as Route 53 keeps it. Names are compared without regard to case or a trailing dot, and
    Route 53's octal escapes (C(\052) for C(*)) are read back. An alias's DNS name is compared the same way, and AWS's
    C(dualstack.) prefix on an ALB's name does not count. TXT values are quoted as Route 53 stores them, and the order
    of values does not matter. A rerun that says the same thing in other words changes nothing and sends no change.
  - A change is one C(UPSERT), or a C(DELETE) with the record's current values, as Route 53 requires. With O(wait)
    the module then waits until Route 53 reports the change C(INSYNC) on all its name servers.
  - Checked before any call, each error naming the option and the page of the rule. The name must fit DNS (253
    characters, 63 per label), a wildcard C(*) must be the whole leftmost label, and the name must be in the zone. An
    alias takes no TTL or values, and a CNAME cannot be at the zone apex. An alias to an ALB
    (C(<name>-<id>.<region>.elb.amazonaws.com)) must be of the module's region and name that region's canonical
    hosted zone of ALBs (U(https://docs.aws.amazon.com/general/latest/gr/elb.html)).
author:
  - Seed Maintainers (@seed-maintainers)
options:
  zone:
    description: The name of the record's hosted zone (one zone of that name must exist); or give O(zone_id).
    type: str
  zone_id:
    description: The id of the record's hosted zone (with or without the C(/hostedzone/) prefix); or give O(zone).
    type: str
  name:
    description: The record's name, like V(www.example.com) or V(*.example.com); lower case and a trailing dot are added.
    type: str
    required: true
  type:
    description: The record's type.
    type: str
    required: true
    choices: [A, AAAA, CNAME, TXT, MX]
  ttl:
    description: Seconds resolvers may cache the record; not for an alias. Left out, 300.
    type: int
  values:
    description:
      - The record's values; needed with O(state=present) unless O(alias) is given. The order does not matter.
      - IPv4 addresses for V(A), IPv6 for V(AAAA), one host for V(CNAME), text for V(TXT) (quoted as Route 53 stores
        it when not quoted already), C(<priority> <host>) for V(MX).
    type: list
    elements: str
  alias:
    description: An alias record (V(A) or V(AAAA)) to an AWS resource, such as an Application Load Balancer.
    type: dict
    suboptions:
      dns_name:
        description: The target's DNS name (an ALB's C(DNSName)).
        type: str
        required: true
      hosted_zone_id:
        description: The target's hosted zone (for an ALB, the region's canonical hosted zone of ALBs).
        type: str
        required: true
      evaluate_target_health:
        description: Whether Route 53 answers with the alias only while its target is healthy.
        type: bool
        default: false
  comment:
    description: The comment of the change batch sent (Route 53 keeps it with the change, not with the record).
    type: str
  stack:
    description:
      - The stack the record is written for (the stack-name rule applies).
      - Records carry no tags. With O(stack), a hosted zone tagged with another stack is refused before any change. An
        untagged zone (the user's own domain) is shared and accepted.
    type: str
  wait:
    description: Wait until Route 53 reports the change C(INSYNC), up to O(wait_timeout).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for, with O(wait).
    type: int
    default: 300
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.state
  - seed.laravel_aws.aws.attributes
notes:
  - Needs the C(route53) actions of the collection's IAM policy (docs/iam-policy.json).
  - Routing policies (weighted, latency ... records with a set identifier) are not managed; a name and type that has
    them is refused.
'''

EXAMPLES = r'''
- name: The site's name, an alias to the stack's load balancer
  seed.laravel_aws.route53_record:
    zone: example.com
    name: www.example.com
    type: A
    alias:
      dns_name: "{{ alb.load_balancer.dns_name }}"
      hosted_zone_id: Z35SXDOTRQ7X7K  # us-east-1's ALBs
    stack: demo

- name: A TXT record
  seed.laravel_aws.route53_record:
    zone: example.com
    name: example.com
    type: TXT
    ttl: 3600
    values:
      - v=spf1 -all

- name: Gone
  seed.laravel_aws.route53_record:
    zone: example.com
    name: www.example.com
    type: A
    state: absent
'''

RETURN = r'''
route53_record:
  description: The record set; empty after O(state=absent).
  returned: always
  type: dict
  contains:
    zone_id:
      description: Its hosted zone's id (no C(/hostedzone/) prefix).
      type: str
    name:
      description: Its name, lower case with a trailing dot.
      type: str
      sample: www.example.com.
    type:
      description: Its type.
      type: str
    ttl:
      description: Its TTL (null for an alias).
      type: int
    values:
      description: Its values, sorted (empty for an alias).
      type: list
      elements: str
    alias:
      description: Its alias target (C(dns_name), C(hosted_zone_id), C(evaluate_target_health)), or null.
      type: dict
diff:
  description: The record before and after.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import route53_record

ARGUMENT_SPEC = resource_spec(dict(
    zone=dict(type='str'),
    zone_id=dict(type='str'),
    name=dict(type='str', required=True),
    type=dict(type='str', required=True, choices=['A', 'AAAA', 'CNAME', 'TXT', 'MX']),
    ttl=dict(type='int'),
    values=dict(type='list', elements='str'),
    alias=dict(type='dict', options=dict(
        dns_name=dict(type='str', required=True),
        hosted_zone_id=dict(type='str', required=True),
        evaluate_target_health=dict(type='bool', default=False),
    )),
    comment=dict(type='str'),
    wait=dict(type='bool', default=True),
    wait_timeout=dict(type='int', default=300),
), tags=False, owner=True)


def main():
    run_module(route53_record, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
