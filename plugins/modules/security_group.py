#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: security_group
short_description: A VPC security group and its rules, converged without duplicate-rule errors
version_added: 0.1.0
description:
  - Manages one security group, found by its name in the VPC.
  - Rules are compared one source and port range at a time, so a rerun sends only what differs and never meets
    C(InvalidPermission.Duplicate).
  - Egress is left as it is (the default allow-all is kept) unless O(rules_egress) is given.
  - A group still used by instances or referred to by other groups is not deleted; the module names them.
  - With O(stack), the group found by name must be tagged C(Stack=<stack>); one of another stack, or of none, is refused
    before any change, naming both; a O(vpc_id) tagged with another stack is refused too.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  name:
    description: The group name, unique in the VPC.
    type: str
    required: true
  description:
    description: The group description. AWS cannot change it later; a different one gives a warning. Defaults to the name.
    type: str
  vpc_id:
    description: The VPC.
    type: str
    required: true
  rules:
    description:
      - "Ingress rules. Each: C(proto) (tcp, udp, icmp, all; default tcp), C(ports) (a port, a list of ports, or a range
        like V(8000-8100); or C(from_port)/C(to_port)), a source: C(cidr_ip) (a CIDR or a list), C(cidr_ipv6), or
        C(group) (a group name in the same VPC, a group id, or V(self)), and an optional C(description)."
      - As in M(amazon.aws.ec2_security_group), C(group_id) and C(group_name) are taken for C(group), and C(rule_desc)
        for C(description).
      - Not given, ingress rules are left as they are.
    type: list
    elements: dict
  rules_egress:
    description: Egress rules, same shape as O(rules). Not given, egress is left as it is.
    type: list
    elements: dict
    aliases: [egress_rules]
  allow_ssh_from_anywhere:
    description:
      - SSH (22) and RDP (3389) ingress from the whole internet (a rule on those ports, a range covering them, or
        C(proto=all)) is refused by default, before any API call; give your admin CIDR instead. The ranges that reach
        a port are taken together, and IPv6 is canonicalised, so V(0.0.0.0/1) plus V(128.0.0.0/1), or V(0::0/0),
        count as the world too.
      - Set V(true) only when the whole internet really must reach these ports.
    type: bool
    default: false
    version_added: 0.1.0
  purge_rules:
    description: Remove ingress rules not in O(rules).
    type: bool
    default: true
  purge_rules_egress:
    description: Remove egress rules not in O(rules_egress) (only when O(rules_egress) is given).
    type: bool
    default: true
    aliases: [purge_egress_rules]
  wait_timeout:
    description:
      - With O(state=absent), seconds to keep sending the delete while AWS refuses it with C(DependencyViolation);
        the requester-managed network interfaces of a load balancer, RDS instance or cache cluster deleted a moment
        ago use the group for some minutes. When the time is out the error names the interfaces still using it
        (id, description, who made them, status).
      - Instances, interfaces a user made and other groups' rules that use the group are named at once, before any change.
    type: int
    default: 600
    version_added: 0.2.0
  state:
    description: V(present) or V(absent).
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
    description: Returns the group and its rules before and after.
'''

EXAMPLES = r'''
- name: Web servers take HTTP from the load balancer and SSH from the office
  seed.laravel_aws.security_group:
    name: demo-web
    description: demo web servers
    vpc_id: "{{ vpc.vpc.id }}"
    rules:
      - {proto: tcp, ports: 80, group: demo-alb}
      - {proto: tcp, ports: 22, cidr_ip: 203.0.113.0/24, description: admin ssh}
      - {proto: all, group: self}
    stack: demo
  register: web_sg
'''

RETURN = r'''
security_group:
  description: The group; empty after O(state=absent). In check mode a group to be created has RV(security_group.id=null).
  returned: always
  type: dict
  contains:
    id:
      description: The group id.
      type: str
      sample: sg-0123456789abcdef0
    name:
      description: The group name.
      type: str
    description:
      description: The description.
      type: str
    vpc_id:
      description: The VPC.
      type: str
    rules:
      description: Ingress rules, one per source and port range.
      type: list
      elements: dict
      sample: [{"proto": "tcp", "ports": "80", "group_id": "sg-0123"}]
    rules_egress:
      description: Egress rules.
      type: list
      elements: dict
    tags:
      description: The tags.
      type: dict
diff:
  description: The group before and after.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import security_group

ARGUMENT_SPEC = resource_spec(dict(
    name=dict(type='str', required=True),
    description=dict(type='str'),
    vpc_id=dict(type='str', required=True),
    rules=dict(type='list', elements='dict'),
    rules_egress=dict(type='list', elements='dict', aliases=['egress_rules']),
    allow_ssh_from_anywhere=dict(type='bool', default=False),
    purge_rules=dict(type='bool', default=True),
    purge_rules_egress=dict(type='bool', default=True, aliases=['purge_egress_rules']),
    wait_timeout=dict(type='int', default=600),
), owner=True)


def main():
    run_module(security_group, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
