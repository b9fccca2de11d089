#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: network
short_description: A whole VPC network from one declarative spec, converged in one task
version_added: 0.1.0
description:
  - Builds, converges or removes a stack's network in one module run, with the same code as the single resource modules
    (M(seed.laravel_aws.vpc), M(seed.laravel_aws.subnet), M(seed.laravel_aws.internet_gateway), M(seed.laravel_aws.elastic_ip),
    M(seed.laravel_aws.nat_gateway), M(seed.laravel_aws.route_table), M(seed.laravel_aws.security_group)).
  - "What it makes, each tagged C(Stack=<name>) and C(Name=<name>-<what>): the VPC C(<name>-vpc); a public subnet per zone
    C(<name>-public-<zone>) and optionally a private one C(<name>-private-<zone>); the internet gateway C(<name>-igw);
    NAT gateways C(<name>-nat-<zone>) with their elastic IPs; the route tables C(<name>-public) and C(<name>-private)
    (or C(<name>-private-<zone>) per zone); security groups C(<name>-<group>)."
  - The whole spec is validated before any API call; a bad value fails with a message naming the field and the fix.
  - Lookups are batched, one describe per resource type for the whole VPC, so a rerun that changes nothing costs a dozen reads.
  - With O(state=absent) everything tagged with the stack is removed in dependency order
    (NAT gateways, elastic IPs, route tables, internet gateway, security groups, subnets, VPC).
    Instances still running in the VPC stop the removal, and are named.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  name:
    description: The stack name. C(Stack) tag on everything, and the prefix of every C(Name) tag.
    type: str
    required: true
  cidr_block:
    description: The VPC's IPv4 CIDR, V(/16) to V(/28), canonical.
    type: str
  availability_zones:
    description: The zones to spread over, in order; one public (and private) subnet per zone.
    type: list
    elements: str
    default: []
  public_subnets:
    description: One CIDR per zone, same order as O(availability_zones). Instances launched there get a public address.
    type: list
    elements: str
    default: []
  private_subnets:
    description: One CIDR per zone, same order as O(availability_zones). Optional.
    type: list
    elements: str
    default: []
  nat_gateway:
    description:
      - How private subnets reach out. V(single) is one NAT gateway in the first public subnet, V(per_az) one per zone,
        V(none) no outbound access.
      - Required when O(private_subnets) are given, so a private network without egress is always a choice made on purpose.
    type: str
    choices: [none, single, per_az]
  dns_hostnames:
    description: Public DNS hostnames for instances.
    type: bool
    default: true
  security_groups:
    description:
      - Security groups of the stack, created first and then given their rules, so groups can refer to each other.
      - Each is C(name), C(description) (optional), C(rules) (ingress) and C(rules_egress) (optional; the default
        allow-all egress is kept when not given).
      - "A rule: C(proto) (tcp, udp, icmp, all; default tcp), C(ports) (a port, a list, or a range V(8000-8100)),
        and a source: C(cidr_ip) (one or a list), C(cidr_ipv6), or C(group) (a name from this spec, a group of the VPC
        by its full name, an id, or V(self)); C(description) optional."
      - "SSH (22) and RDP (3389) from the whole internet are refused before any API call: V(0.0.0.0/0), V(::/0) in
        any spelling (V(0::0/0)), or ranges that together cover it (V(0.0.0.0/1) and V(128.0.0.0/1)). Give the admin
        CIDR, or set C(allow_ssh_from_anywhere=true) on that group if the whole internet really must reach them."
      - IPv6 CIDRs are validated and canonicalised like IPv4 ones. C(proto=all) with C(ports) is refused (it would open
        every port).
    type: list
    elements: dict
    default: []
  purge_rules:
    description: Remove rules of the stack's groups that are not in the spec.
    type: bool
    default: true
  state:
    description: V(present) converges the network, V(absent) removes everything tagged with the stack.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description: Wait for NAT gateways to become available (or deleted).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for each resource.
    type: int
    default: 600
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.tags
attributes:
  check_mode:
    support: full
    description: Returns the full plan (RV(changes)) and the resources that would result; ids of new resources are null.
  diff_mode:
    support: full
    description: The diff names every resource that would be created, changed or deleted.
'''

EXAMPLES = r'''
- name: The demo network in one task
  seed.laravel_aws.network:
    name: demo
    cidr_block: 10.20.0.0/16
    availability_zones: [us-east-1a, us-east-1b]
    public_subnets: [10.20.0.0/24, 10.20.1.0/24]
    private_subnets: [10.20.10.0/24, 10.20.11.0/24]
    nat_gateway: single
    security_groups:
      - name: alb
        rules: [{proto: tcp, ports: [80, 443], cidr_ip: 0.0.0.0/0}]
      - name: web
        rules:
          - {proto: tcp, ports: [80], group: alb}
          - {proto: tcp, ports: [22], cidr_ip: 203.0.113.0/24, description: admin ssh}
      - name: db
        rules: [{proto: tcp, ports: [5432], group: web}]
    tags: {Owner: ops}
  register: net

- name: Use what it made
  ansible.builtin.debug:
    msg: "web group {{ net.security_groups.web.id }} in {{ net.subnets.public | map(attribute='id') | join(', ') }}"

- name: Remove all of it
  seed.laravel_aws.network:
    name: demo
    state: absent
'''

RETURN = r'''
vpc:
  description: The VPC (see M(seed.laravel_aws.vpc)).
  returned: state=present
  type: dict
subnets:
  description: C(public) and C(private), lists of subnets (id, cidr_block, availability_zone, ...) in the order given.
  returned: state=present
  type: dict
internet_gateway:
  description: The internet gateway (id, vpc_id, attached, tags); empty without public subnets.
  returned: state=present
  type: dict
nat_gateways:
  description: The NAT gateways (id, subnet_id, allocation_id, public_ip, state, availability_zone).
  returned: state=present
  type: list
  elements: dict
route_tables:
  description: C(public) (a route table) and C(private) (a list of route tables).
  returned: state=present
  type: dict
security_groups:
  description: The stack's security groups by their short name; each has id, name, rules, rules_egress, tags.
  returned: state=present
  type: dict
  sample: {"web": {"id": "sg-0123", "name": "demo-web"}}
changes:
  description: Every resource created, changed or deleted (or that would be, in check mode).
  returned: always
  type: list
  elements: dict
  sample: [{"action": "create", "resource": "subnet", "name": "demo-public-us-east-1a", "id": null}]
diff:
  description: Before and after of each resource that changes, keyed C(<type>/<name>).
  returned: always
  type: dict
'''

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import AwsModule
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import canonical_cidr, resource_tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.elastic_ip import ensure_eip, describe_eip, release_eip
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.internet_gateway import delete_igw, ensure_igw
from ansible_collections.seed.laravel_aws.plugins.module_utils.nat_gateway import (
    LIVE, describe_nat, ensure_nat, find_nat, wait_nat,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import gather
from ansible_collections.seed.laravel_aws.plugins.module_utils.route_table import delete_route_table, ensure_route_table, find_route_table
from ansible_collections.seed.laravel_aws.plugins.module_utils.security_group import (
    converge_group, create_group, delete_group, group_references, normalize_rules, permission_atoms, refuse_admin_from_anywhere,
    to_permissions, validate_group_name,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.subnet import (
    check_cidrs, check_zone, delete_subnet, ensure_subnet, region_zones,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import normalize_tags, tag_filters
from ansible_collections.seed.laravel_aws.plugins.module_utils.vpc import delete_vpc, ensure_vpc, find_vpc, vpc_dns


class Plan:
    """Collects every change, for the result (changes) and for diff mode."""

    def __init__(self):
        self.changes = []
        self.before = {}
        self.after = {}

    def record(self, changed, resource, name, before, after, action=None):
        if not changed:
            return
        if action is None:
            action = 'create' if before is None else ('delete' if after is None else 'update')
        rid = (after or before or {}).get('id') or (after or before or {}).get('allocation_id')
        self.changes.append({'action': action, 'resource': resource, 'name': name, 'id': rid})
        key = '%s/%s' % (resource, name)
        if before is not None:
            self.before[key] = before
        if after is not None:
            self.after[key] = after

    @property
    def changed(self):
        return bool(self.changes)


def validate(p):
    """The whole spec, before any API call. Returns a normalised spec."""
    name = validate_stack_name(p['name'], 'name')
    # every resource gets Stack and Name, subnets Tier too: they count toward the 50 tags of a resource
    spec = {'name': name, 'tags': normalize_tags(p['tags'], added=('Stack', 'Name', 'Tier')) or {}}
    spec['tags']['Stack'] = name
    if p['state'] == 'absent':
        return spec
    if not p['cidr_block']:
        raise ValidationError('cidr_block', 'the VPC CIDR is required with state=present, for example 10.20.0.0/16')
    spec['cidr_block'] = canonical_cidr(p['cidr_block'], 'cidr_block', 16, 28)
    zones = list(p['availability_zones'])
    if len(set(zones)) != len(zones):
        raise ValidationError('availability_zones', 'a zone is listed twice: %s' % ', '.join(zones))
    public = [canonical_cidr(c, 'public_subnets[%d]' % i, 16, 28) for i, c in enumerate(p['public_subnets'])]
    private = [canonical_cidr(c, 'private_subnets[%d]' % i, 16, 28) for i, c in enumerate(p['private_subnets'])]
    for field, cidrs in (('public_subnets', public), ('private_subnets', private)):
        if cidrs and len(cidrs) != len(zones):
            raise ValidationError(field, '%d subnets for %d availability zones; give one per zone, in the order of availability_zones'
                                  % (len(cidrs), len(zones)))
    if (public or private) and not zones:
        raise ValidationError('availability_zones', 'list the zones the subnets go to, one per subnet')
    if zones and not public and not private:
        raise ValidationError('public_subnets', 'availability_zones are given but no subnets; give public_subnets (one per zone)')
    fields = ['public_subnets[%d]' % i for i in range(len(public))] + ['private_subnets[%d]' % i for i in range(len(private))]
    check_cidrs(spec['cidr_block'], public + private, fields)
    nat = p['nat_gateway']
    if private and nat is None:
        raise ValidationError('nat_gateway', 'private subnets need a way out: set nat_gateway to single or per_az, '
                              'or to none to keep them without outbound access')
    nat = nat or 'none'
    if nat != 'none' and not private:
        raise ValidationError('nat_gateway', 'nat_gateway: %s serves private subnets, and none are given; add private_subnets or set none' % nat)
    if nat != 'none' and not public:
        raise ValidationError('nat_gateway', 'a NAT gateway lives in a public subnet (per_az: one in each zone); add public_subnets')
    spec.update(zones=zones, public=public, private=private, nat=nat, dns_hostnames=p['dns_hostnames'])

    groups, seen = [], set()
    for i, g in enumerate(p['security_groups']):
        where = 'security_groups[%d]' % i
        if not isinstance(g, dict) or not g.get('name'):
            raise ValidationError(where + '.name', 'each security group needs a name')
        known = ['allow_ssh_from_anywhere', 'description', 'name', 'rules', 'rules_egress', 'tags']
        unknown = set(g) - set(known)
        if unknown:
            raise ValidationError(where, 'unknown keys %s; known: %s' % (', '.join(sorted(unknown)), ', '.join(known)))
        short = str(g['name'])
        if short in seen:
            raise ValidationError(where + '.name', 'security group %r is listed twice; names must be unique' % short)
        seen.add(short)
        full = validate_group_name('%s-%s' % (name, short), where + '.name')
        rules = normalize_rules(g.get('rules') or [], where + '.rules')
        try:
            open_admin = boolean(g.get('allow_ssh_from_anywhere', False), strict=True)
        except TypeError:
            raise ValidationError(where + '.allow_ssh_from_anywhere', 'must be true or false')
        if not open_admin:
            refuse_admin_from_anywhere(rules, where + '.allow_ssh_from_anywhere')
        groups.append({'short': short, 'name': full, 'description': g.get('description') or '%s %s' % (name, short),
                       'rules': rules,
                       'rules_egress': normalize_rules(g['rules_egress'], where + '.rules_egress') if g.get('rules_egress') is not None else None,
                       'tags': normalize_tags(g.get('tags'), where + '.tags', added=set(spec['tags']) | set(['Stack', 'Name'])) or {}})
    spec['groups'] = groups
    refs = {}  # group name -> the first rule that names it, for the error message
    for g in groups:
        for atom in g['rules'] + (g['rules_egress'] or []):
            if atom['source'] in group_references([atom]):
                refs.setdefault(atom['source'], atom['field'] + '.group')
    spec['group_refs'] = refs
    return spec


def tags_for(spec, what, extra=None):
    tags = dict(spec['tags'])
    tags.update(extra or {})
    tags['Name'] = '%s-%s' % (spec['name'], what)
    return tags


def converge(m, ec2, spec, plan):
    p = m.params
    check = m.check_mode
    # Reads first, side by side (on AWS each is a round trip): the region's zones and the VPC,
    # then one describe per resource type for the whole VPC.
    vpc_spec = dict(name='%s-vpc' % spec['name'], cidr_block=spec['cidr_block'], dns_support=True,
                    dns_hostnames=spec['dns_hostnames'], tags=tags_for(spec, 'vpc'), purge_tags=p['purge_tags'])
    zones, existing_vpc = gather(lambda: region_zones(ec2), lambda: find_vpc(ec2, vpc_spec['name'], spec['cidr_block']))
    for i, zone in enumerate(spec['zones']):
        check_zone(zone, zones, 'availability_zones[%d]' % i)
    vpc_id = existing_vpc['VpcId'] if existing_vpc else None

    def described(op, key, **kwargs):
        return (lambda: ec2.paginate(op, key, **kwargs)) if vpc_id else list
    vpc_filter = [{'Name': 'vpc-id', 'Values': [vpc_id]}]
    need_eips = spec['nat'] != 'none'
    groups_raw, subnets_raw, tables_raw, nats_raw, igws_attached, eips_raw, vpc_dns_now = gather(
        described('describe_security_groups', 'SecurityGroups', Filters=vpc_filter),
        described('describe_subnets', 'Subnets', Filters=vpc_filter),
        described('describe_route_tables', 'RouteTables', Filters=vpc_filter),
        described('describe_nat_gateways', 'NatGateways', Filter=vpc_filter),
        described('describe_internet_gateways', 'InternetGateways', Filters=[{'Name': 'attachment.vpc-id', 'Values': [vpc_id]}]),
        (lambda: ec2.describe_addresses(Filters=tag_filters({'Stack': spec['name']}))['Addresses']) if need_eips else list,
        (lambda: vpc_dns(ec2, vpc_id)) if vpc_id else dict)
    nats_raw = [n for n in nats_raw if n.get('State') in LIVE]
    names_to_ids = dict((g['GroupName'], g['GroupId']) for g in groups_raw)
    shorts = [g['short'] for g in spec['groups']]
    for ref, field in sorted(spec['group_refs'].items()):  # checked before anything changes
        if ref not in shorts and ref not in names_to_ids:
            raise ValidationError(field, 'names group %r, which is neither in this spec (%s) nor in the VPC; '
                                  'add the group to security_groups or fix the name' % (ref, ', '.join(shorts) or 'no groups'))

    changed, before, vpc = ensure_vpc(ec2, vpc_spec, check, p['wait_timeout'], existing=existing_vpc,
                                      existing_dns=vpc_dns_now or None)
    plan.record(changed, 'vpc', vpc_spec['name'], before, vpc)
    vpc_id = vpc['id']
    new_vpc = vpc_id is None

    # Subnets
    out_subnets = {'public': [], 'private': []}
    for kind in ('public', 'private'):
        for zone, cidr in zip(spec['zones'], spec[kind]):
            sname = '%s-%s-%s' % (spec['name'], kind, zone)
            sspec = dict(vpc_id=vpc_id, cidr_block=cidr, availability_zone=zone, map_public_ip_on_launch=(kind == 'public'),
                         tags=tags_for(spec, '%s-%s' % (kind, zone), {'Tier': kind}), purge_tags=p['purge_tags'])
            changed, before, after, dummy = ensure_subnet(ec2, sspec, subnets_raw, check, p['wait_timeout'])
            plan.record(changed, 'subnet', sname, before, after)
            out_subnets[kind].append(after)

    # Internet gateway
    igw = {}
    if spec['public']:
        igw_tags = tags_for(spec, 'igw')
        detached = []
        if not igws_attached and not new_vpc:
            detached = [g for g in ec2.paginate('describe_internet_gateways', 'InternetGateways',
                                                Filters=tag_filters({'Name': igw_tags['Name'], 'Stack': spec['name']}))
                        if not g.get('Attachments')]
        changed, before, igw, dummy = ensure_igw(ec2, vpc_id, igw_tags, p['purge_tags'], igws_attached, detached, check)
        plan.record(changed, 'internet_gateway', igw_tags['Name'], before, igw)

    # Elastic IPs and NAT gateways
    nat_zones = [] if spec['nat'] == 'none' else (spec['zones'][:1] if spec['nat'] == 'single' else spec['zones'])
    nat_out, pending = [], []
    public_by_zone = dict((s['availability_zone'], s) for s in out_subnets['public'])
    for zone in nat_zones:
        nname = '%s-nat-%s' % (spec['name'], zone)
        eip_tags = tags_for(spec, 'nat-%s' % zone)
        matches = [a for a in eips_raw if resource_tags(a).get('Name') == eip_tags['Name']]
        if len(matches) > 1:
            raise ValidationError('nat_gateway', '%d elastic IPs are tagged %s: %s; release the extra ones'
                                  % (len(matches), eip_tags['Name'], ', '.join(a['AllocationId'] for a in matches)))
        changed, before, eip = ensure_eip(ec2, matches[0] if matches else None, eip_tags, p['purge_tags'], check)
        plan.record(changed, 'elastic_ip', eip_tags['Name'], before, eip)
        subnet_id = public_by_zone[zone]['id']
        existing = find_nat(nats_raw, subnet_id, nname) if subnet_id else None
        changed, before, nat = ensure_nat(ec2, subnet_id, eip['allocation_id'], tags_for(spec, 'nat-%s' % zone), p['purge_tags'],
                                          existing, check, wait=False)
        plan.record(changed, 'nat_gateway', nname, before, nat)
        nat['availability_zone'] = zone
        if nat.get('id') and nat.get('state') == 'pending':
            pending.append(nat)
        nat_out.append(nat)
    if p['wait'] and not check:
        for nat in pending:  # created together, waited for together
            nat.update(describe_nat(wait_nat(ec2, nat['id'], p['wait_timeout'])), tags=nat['tags'],
                       availability_zone=nat['availability_zone'])

    # Route tables
    route_out = {'public': {}, 'private': []}
    if spec['public']:
        tname = '%s-public' % spec['name']
        routes = {'0.0.0.0/0': ('GatewayId', igw['id'] or '(new:igw)')}
        changed, before, table = ensure_route_table(
            ec2, vpc_id, tags_for(spec, 'public'), p['purge_tags'], routes, [s['id'] for s in out_subnets['public'] if s['id']],
            False, True, find_route_table(tables_raw, tname), tables_raw, check)
        plan.record(changed, 'route_table', tname, before, table)
        route_out['public'] = table
    if spec['private']:
        if spec['nat'] == 'per_az':
            layout = [(zone, [s for s in out_subnets['private'] if s['availability_zone'] == zone], nat)
                      for zone, nat in zip(spec['zones'], nat_out)]
        else:
            layout = [(None, out_subnets['private'], nat_out[0] if nat_out else None)]
        for zone, members, nat in layout:
            what = 'private-%s' % zone if zone else 'private'
            tname = '%s-%s' % (spec['name'], what)
            routes = {'0.0.0.0/0': ('NatGatewayId', nat['id'] or '(new:nat)')} if nat else {}
            changed, before, table = ensure_route_table(
                ec2, vpc_id, tags_for(spec, what), p['purge_tags'], routes, [s['id'] for s in members if s['id']],
                not nat, True, find_route_table(tables_raw, tname), tables_raw, check)
            plan.record(changed, 'route_table', tname, before, table)
            route_out['private'].append(table)

    # Security groups: create all, then rules (groups may refer to each other)
    by_name = dict((g['GroupName'], g) for g in groups_raw)
    raws = {}
    for g in spec['groups']:
        raw = by_name.get(g['name'])
        gtags = tags_for(spec, g['short'], g['tags'])
        if raw is None:
            raw = create_group(ec2, g['name'], g['description'], vpc_id, gtags, check)
            raws[g['short']] = (raw, True, gtags)
        else:
            if raw.get('Description') != g['description']:
                m.warn('security group %s keeps its description %r: AWS cannot change a description (wanted %r)'
                       % (g['name'], raw.get('Description'), g['description']))
            raws[g['short']] = (raw, False, gtags)
        names_to_ids[g['short']] = raw['GroupId'] or '(new:%s)' % g['name']
        names_to_ids[g['name']] = names_to_ids[g['short']]
    sg_out = {}
    for g in spec['groups']:
        raw, new, gtags = raws[g['short']]
        changed, before, after = converge_group(ec2, raw, new, gtags, p['purge_tags'], g['rules'], g['rules_egress'],
                                                p['purge_rules'], True, names_to_ids, check)
        plan.record(changed, 'security_group', g['name'], before, after)
        sg_out[g['short']] = after

    return dict(vpc=vpc, subnets=out_subnets, internet_gateway=igw, nat_gateways=nat_out, route_tables=route_out,
                security_groups=sg_out)


def remove(m, ec2, spec, plan):
    """Everything tagged with the stack, in dependency order."""
    check = m.check_mode
    stack = spec['name']
    stack_filter = tag_filters({'Stack': stack})
    vpc = find_vpc(ec2, '%s-vpc' % stack, extra_tags={'Stack': stack})
    eips = ec2.describe_addresses(Filters=stack_filter)['Addresses']
    if vpc is None:
        for a in eips:
            if not a.get('AssociationId'):
                plan.record(True, 'elastic_ip', resource_tags(a).get('Name'), describe_eip(a), None)
                release_eip(ec2, a, check)
        return
    vpc_id = vpc['VpcId']
    vpc_filter = [{'Name': 'vpc-id', 'Values': [vpc_id]}]

    running = []
    for r in ec2.paginate('describe_instances', 'Reservations', Filters=vpc_filter + [
            {'Name': 'instance-state-name', 'Values': ['pending', 'running', 'stopping', 'stopped', 'shutting-down']}]):
        running.extend('%s (%s)' % (i['InstanceId'], resource_tags(i).get('Name', '')) for i in r['Instances'])
    if running:
        raise ValidationError('state', 'instances still run in VPC %s: %s; terminate them first (seed.laravel_aws.instance state: absent)'
                              % (vpc_id, ', '.join(running)))

    def stack_owned(res):
        return resource_tags(res).get('Stack') == stack

    all_nats = ec2.paginate('describe_nat_gateways', 'NatGateways', Filter=vpc_filter)
    nats = [n for n in all_nats if n.get('State') in LIVE and stack_owned(n)]
    # Interfaces of the stack's NAT gateways: an address they hold goes with them (AWS frees it when
    # the gateway is deleted; in check mode it is still held, and would be released).
    nat_enis = set(a.get('NetworkInterfaceId') for n in all_nats if stack_owned(n) for a in n.get('NatGatewayAddresses', []))
    for n in nats:
        plan.record(True, 'nat_gateway', resource_tags(n).get('Name'), describe_nat(n), None)
        if not check:
            ec2.delete_nat_gateway(NatGatewayId=n['NatGatewayId'])
    if m.params['wait'] and not check:
        for n in nats:
            wait_nat(ec2, n['NatGatewayId'], m.params['wait_timeout'], want='deleted')
    for a in (eips if check else ec2.describe_addresses(Filters=stack_filter)['Addresses']):
        held_by_stack_nat = a.get('NetworkInterfaceId') in nat_enis
        if a.get('AssociationId') and not held_by_stack_nat:
            continue  # held by something outside the stack's NAT gateways: leave it
        plan.record(True, 'elastic_ip', resource_tags(a).get('Name'), describe_eip(a), None)
        if not check:
            release_eip(ec2, a, check, disassociate=True)

    for t in ec2.paginate('describe_route_tables', 'RouteTables', Filters=vpc_filter):
        if stack_owned(t) and not any(a.get('Main') for a in t.get('Associations', [])):
            plan.record(True, 'route_table', resource_tags(t).get('Name'), {'id': t['RouteTableId']}, None)
            delete_route_table(ec2, t, check)

    for g in ec2.paginate('describe_internet_gateways', 'InternetGateways', Filters=[{'Name': 'attachment.vpc-id', 'Values': [vpc_id]}]):
        if stack_owned(g):
            plan.record(True, 'internet_gateway', resource_tags(g).get('Name'), {'id': g['InternetGatewayId']}, None)
            delete_igw(ec2, g, check)

    groups = [g for g in ec2.paginate('describe_security_groups', 'SecurityGroups', Filters=vpc_filter)
              if g['GroupName'] != 'default' and stack_owned(g)]
    ids = [g['GroupId'] for g in groups]
    for g in groups:  # first drop rules that tie the stack's groups to each other
        for direction, perms in (('ingress', g.get('IpPermissions')), ('egress', g.get('IpPermissionsEgress'))):
            refs = dict((k, v) for k, v in permission_atoms(perms).items() if k[3] == 'group' and k[4] in ids)
            if refs and not check:
                getattr(ec2, 'revoke_security_group_%s' % direction)(GroupId=g['GroupId'], IpPermissions=to_permissions(refs))
    for g in groups:
        plan.record(True, 'security_group', g['GroupName'], {'id': g['GroupId']}, None)
        delete_group(ec2, g, check, ignore_ids=ids if check else ())

    for s in ec2.paginate('describe_subnets', 'Subnets', Filters=vpc_filter):
        if stack_owned(s):
            plan.record(True, 'subnet', resource_tags(s).get('Name'), {'id': s['SubnetId'], 'cidr_block': s['CidrBlock']}, None)
            if not check:
                delete_subnet(ec2, s, check)

    if check:
        plan.record(True, 'vpc', '%s-vpc' % stack, {'id': vpc_id, 'cidr_block': vpc['CidrBlock']}, None)
        return
    changed, before = delete_vpc(ec2, {'vpc_id': vpc_id}, check)
    plan.record(changed, 'vpc', '%s-vpc' % stack, before, None)


def run(m):
    spec = validate(m.params)
    ec2 = m.client('ec2')
    plan = Plan()
    if m.params['state'] == 'absent':
        remove(m, ec2, spec, plan)
        m.exit_json(changed=plan.changed, changes=plan.changes, diff={'before': plan.before, 'after': plan.after})
    result = converge(m, ec2, spec, plan)
    m.exit_json(changed=plan.changed, changes=plan.changes, diff={'before': plan.before, 'after': plan.after}, **result)


def main():
    m = AwsModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            cidr_block=dict(type='str'),
            availability_zones=dict(type='list', elements='str', default=[]),
            public_subnets=dict(type='list', elements='str', default=[]),
            private_subnets=dict(type='list', elements='str', default=[]),
            nat_gateway=dict(type='str', choices=['none', 'single', 'per_az']),
            dns_hostnames=dict(type='bool', default=True),
            security_groups=dict(type='list', elements='dict', default=[]),
            purge_rules=dict(type='bool', default=True),
            tags=dict(type='dict', aliases=['resource_tags']),
            purge_tags=dict(type='bool', default=True),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            wait=dict(type='bool', default=True),
            wait_timeout=dict(type='int', default=600),
        ),
        supports_check_mode=True,
    )
    m.run(run)


if __name__ == '__main__':
    main()
