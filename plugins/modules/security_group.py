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

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import AwsModule, resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.diff import make_diff
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import name_tags, refuse_by_rules, refuse_other_stack
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Context
from ansible_collections.seed.laravel_aws.plugins.module_utils import security_group
from ansible_collections.seed.laravel_aws.plugins.module_utils.security_group import (
    describe_group, group_references, normalize_rules, refuse_admin_from_anywhere, validate_group_name, vpc_groups,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import normalize_tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.vpc import find_vpc


def run(m):
    p = m.params
    stack = p['stack']
    if stack is not None:
        validate_stack_name(stack, 'stack')
    refuse_by_rules('CreateSecurityGroup', 'GroupName', p['name'], 'name')
    name = validate_group_name(p['name'])
    if not p['vpc_id'].startswith('vpc-'):
        raise ValidationError('vpc_id', '%r is not a VPC id (vpc-...)' % p['vpc_id'])
    ingress = normalize_rules(p['rules'], 'rules') if p['rules'] is not None else None
    if ingress and not p['allow_ssh_from_anywhere']:
        refuse_admin_from_anywhere(ingress, 'allow_ssh_from_anywhere')
    egress = normalize_rules(p['rules_egress'], 'rules_egress') if p['rules_egress'] is not None else None
    tags = name_tags(None, normalize_tags(p['tags'], added=(STACK_TAG,) if stack is not None else ())) if p['tags'] is not None else None
    if stack is not None:  # without tags, only Stack is managed (and the others kept)
        tags = dict(tags, **{STACK_TAG: stack}) if tags is not None else {STACK_TAG: stack}
    description = p['description'] or name
    if p['state'] == 'present':
        refuse_by_rules('CreateSecurityGroup', 'Description', description, 'description' if p['description'] else 'name',
                        None if p['description'] else 'the description, when none is given')
    ec2 = m.client('ec2')
    vpc = find_vpc(ec2, vpc_id=p['vpc_id'])
    if vpc is None:
        raise ValidationError('vpc_id', 'no VPC %s in this account/region' % p['vpc_id'])
    refuse_other_stack(stack, vpc, 'VPC', p['vpc_id'], 'vpc_id')
    ctx = Context.of(m, ec2, purge_tags=p['purge_tags'] if p['tags'] is not None else False)
    groups = vpc_groups(ec2, p['vpc_id'])
    # with stack, a group of another stack (or of none) by this name is refused here, before any change
    existing = security_group.find(ctx, vpc_id=p['vpc_id'], name=name, groups=groups, stack=stack)
    if p['state'] == 'absent':
        if existing is None:
            m.exit_json(changed=False, security_group={}, diff=make_diff(None, None))
        security_group.delete(ctx, existing=existing)
        m.exit_json(changed=True, security_group={}, diff=make_diff(describe_group(existing), None))
    names_to_ids = dict((g['GroupName'], g['GroupId']) for g in groups)
    for ref in group_references((ingress or []) + (egress or [])):
        if ref not in names_to_ids and ref != name:
            field = [a['field'] for a in (ingress or []) + (egress or []) if a['source'] == ref][0]
            raise ValidationError(field + '.group', 'no security group named %r in VPC %s; create it first, or use its id' % (ref, p['vpc_id']))
    new = existing is None
    if new:
        existing = security_group.create(ctx, desired={'name': name, 'description': description, 'vpc_id': p['vpc_id'], 'tags': tags})
        names_to_ids[name] = existing['GroupId']
    elif existing.get('Description') != description and p['description']:
        m.warn('security group %s keeps its description %r: AWS cannot change a description' % (name, existing.get('Description')))
    desired = {'tags': tags, 'rules': ingress, 'rules_egress': egress, 'purge_rules': p['purge_rules'],
               'purge_rules_egress': p['purge_rules_egress']}
    change = security_group.ensure(ctx, desired=desired, existing=existing, names_to_ids=names_to_ids, created=new)
    m.exit_json(changed=change.changed, security_group=change.after, diff=make_diff(change.before, change.after))


def main():
    m = AwsModule(
        argument_spec=resource_spec(dict(
            name=dict(type='str', required=True),
            description=dict(type='str'),
            vpc_id=dict(type='str', required=True),
            rules=dict(type='list', elements='dict'),
            rules_egress=dict(type='list', elements='dict', aliases=['egress_rules']),
            allow_ssh_from_anywhere=dict(type='bool', default=False),
            purge_rules=dict(type='bool', default=True),
            purge_rules_egress=dict(type='bool', default=True, aliases=['purge_egress_rules']),
            wait_timeout=dict(type='int', default=600),
        ), owner=True),
    )
    m.run(run)


if __name__ == '__main__':
    main()
