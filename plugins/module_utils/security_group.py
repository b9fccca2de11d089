# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security groups and their rules: the resource protocol (docs/architecture.md, runner.py). A group is found in its VPC
by its name (unique in a VPC). Used by security_group and network.

Rules are compared as atoms (protocol, from port, to port, source), so a rerun
sends only what differs and never meets ``InvalidPermission.Duplicate``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible.module_utils.six import integer_types, string_types, text_type

from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change, real_id
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import (
    apply_tags, call_when_free, canonical_cidr, fresh_call, given_vpc, interface_label, lingers, name_tags, note_made, refuse_by_rules, resource_tags,
    tag_specifications,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, check_owner, validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import normalize_tags

NAME = 'security_group'
KEY = ('vpc_id', 'name', 'stack')
RESOLVE_ABSENT = True  # nothing is deleted in another stack's VPC

PROTOCOLS = {'tcp': 'tcp', 'udp': 'udp', 'icmp': 'icmp', 'all': '-1', '-1': '-1', 'any': '-1', '6': 'tcp', '17': 'udp', '1': 'icmp'}
RULE_KEYS = frozenset(['proto', 'protocol', 'ports', 'from_port', 'to_port', 'cidr_ip', 'cidr_ipv6', 'group', 'group_id',
                       'group_name', 'description', 'rule_desc'])
NAME_RE = re.compile(r'^[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{1,255}$')


def _port(value, where):
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise ValidationError(where, '%r is not a port number (0-65535)' % (value,))
    if not 0 <= port <= 65535:
        raise ValidationError(where, 'port %d is outside 0-65535' % port)
    return port


def _port_ranges(rule, where):
    """[(from, to)] from ports: 80 | [80, 443] | '8000-8100' | from_port/to_port."""
    ports = rule.get('ports')
    if ports is None and (rule.get('from_port') is not None or rule.get('to_port') is not None):
        low = _port(rule.get('from_port', rule.get('to_port')), where + '.from_port')
        high = _port(rule.get('to_port', rule.get('from_port')), where + '.to_port')
        ports = ['%d-%d' % (low, high)]
    if ports is None:
        return []
    if not isinstance(ports, list):
        ports = [ports]
    out = []
    for p in ports:
        if isinstance(p, string_types) and '-' in p.strip('-'):
            low, high = p.split('-', 1)
            low, high = _port(low, where + '.ports'), _port(high, where + '.ports')
        elif isinstance(p, (integer_types, string_types)) and not isinstance(p, bool):
            low = high = _port(p, where + '.ports')
        else:
            raise ValidationError(where + '.ports', '%r is not a port, a list of ports or a range like 8000-8100' % (p,))
        if low > high:
            raise ValidationError(where + '.ports', 'range %d-%d runs backwards; write %d-%d' % (low, high, high, low))
        out.append((low, high))
    return out


def canonical_cidr6(value, field):
    """Validate an IPv6 CIDR; returns its canonical text (``0::0/0`` and ``::0/0`` are ``::/0``).
    Host bits set is an error naming the canonical form, as for IPv4."""
    if not value or not isinstance(value, (str, text_type)):
        raise ValidationError(field, 'an IPv6 CIDR block is required, for example 2001:db8::/32')
    text = text_type(value).strip()
    if '/' not in text:
        raise ValidationError(field, '%r has no prefix length; write it like 2001:db8::/32' % (value,))
    try:
        iface = ipaddress.IPv6Interface(text)
    except (ValueError, ipaddress.AddressValueError, ipaddress.NetmaskValueError):
        raise ValidationError(field, '%r is not an IPv6 CIDR block (for example 2001:db8::/32)' % (value,))
    net = iface.network
    if iface.ip != net.network_address:
        raise ValidationError(field, '%s is not canonical (host bits are set); the canonical form is %s' % (value, net.with_prefixlen))
    return net.with_prefixlen


def normalize_rules(rules, field):
    """Validate rules; returns a list of dicts {proto, from, to, kind, source, description} with sources unresolved."""
    atoms = []
    for i, rule in enumerate(rules or []):
        where = '%s[%d]' % (field, i)
        if not isinstance(rule, dict):
            raise ValidationError(where, 'each rule is a dict, for example {proto: tcp, ports: [80, 443], cidr_ip: 0.0.0.0/0}')
        unknown = set(rule) - RULE_KEYS
        if unknown:
            raise ValidationError(where, 'unknown keys %s; known: %s' % (', '.join(sorted(unknown)), ', '.join(sorted(RULE_KEYS))))
        proto_in = str(rule.get('proto', rule.get('protocol', 'tcp'))).lower()
        if proto_in not in PROTOCOLS:
            raise ValidationError(where + '.proto', '%r is not a protocol; use tcp, udp, icmp or all' % proto_in)
        proto = PROTOCOLS[proto_in]
        ranges = _port_ranges(rule, where)
        if proto in ('tcp', 'udp') and not ranges:
            raise ValidationError(where + '.ports', '%s rules need ports (a port, a list, or a range like 8000-8100)' % proto)
        if proto == '-1':
            if ranges:
                raise ValidationError(where + '.ports', 'proto %s opens every port and protocol, so ports %s would be '
                                      'ignored; use proto tcp or udp with these ports, or drop ports to open everything'
                                      % (proto_in, rule.get('ports', '%s-%s' % (rule.get('from_port'), rule.get('to_port')))))
            ranges = [(-1, -1)]
        elif proto == 'icmp' and not ranges:
            ranges = [(-1, -1)]
        sources = []
        cidrs = rule.get('cidr_ip')
        for cidr in (cidrs if isinstance(cidrs, list) else [cidrs] if cidrs else []):
            sources.append(('cidr', canonical_cidr(cidr, where + '.cidr_ip', 0, 32)))
        v6 = rule.get('cidr_ipv6')
        for cidr in (v6 if isinstance(v6, list) else [v6] if v6 else []):
            sources.append(('cidr6', canonical_cidr6(cidr, where + '.cidr_ipv6')))
        group = rule.get('group') or rule.get('group_id') or rule.get('group_name')
        if group:
            sources.append(('group', str(group)))
        if not sources:
            raise ValidationError(where, 'a rule needs a source: cidr_ip, cidr_ipv6, or group (a name, an id, or self)')
        desc = rule.get('description', rule.get('rule_desc'))
        desc = None if desc is None else str(desc)
        for low, high in ranges:
            for kind, source in sources:
                atoms.append({'proto': proto, 'from': low, 'to': high, 'kind': kind, 'source': source,
                              'description': desc, 'field': where})
    return atoms


ADMIN_PORTS = {22: 'SSH', 3389: 'RDP'}
WORLD = {'cidr': ipaddress.ip_network('0.0.0.0/0'), 'cidr6': ipaddress.ip_network('::/0')}


def refuse_admin_from_anywhere(atoms, override_field):
    """Secure default: SSH/RDP ingress only from an explicit admin CIDR, never from the whole internet.

    The sources that reach a port are taken together: 0.0.0.0/1 and 128.0.0.0/1 cover the world as
    0.0.0.0/0 does. Raises a ValidationError naming the rules unless the caller set the override
    (``override_field``: the option that allows it). Sources are canonical (normalize_rules)."""
    for port, service in sorted(ADMIN_PORTS.items()):
        for kind, world in sorted(WORLD.items()):
            reaching = [a for a in atoms if a['kind'] == kind and
                        (a['proto'] == '-1' or (a['proto'] == 'tcp' and a['from'] <= port <= a['to']))]
            if not reaching:
                continue
            nets = ipaddress.collapse_addresses(ipaddress.ip_network(a['source']) for a in reaching)
            if world in list(nets):
                fields = sorted(set(a['field'] + ('.cidr_ip' if kind == 'cidr' else '.cidr_ipv6') for a in reaching))
                sources = ', '.join(sorted(set(a['source'] for a in reaching)))
                raise ValidationError(fields[0], '%s (port %d) open to the whole internet (%s, by %s) is refused; give your '
                                      'admin CIDR instead (for example 203.0.113.0/24), or set %s: true if the world '
                                      'really must reach it' % (service, port, sources, ', '.join(fields), override_field))


def group_references(atoms):
    """Names of groups the rules refer to (not ids, not self)."""
    return sorted(set(a['source'] for a in atoms if a['kind'] == 'group' and a['source'] != 'self' and not a['source'].startswith('sg-')))


def _rule_keys(atoms, own_id, names_to_ids):
    """Replace group names by ids; returns atom keys {key: description}."""
    out = {}
    for a in atoms:
        source = a['source']
        if a['kind'] == 'group':
            if source == 'self':
                source = own_id
            elif not source.startswith('sg-'):
                if source not in names_to_ids:
                    raise ValidationError(a['field'] + '.group', 'no security group named %r in the VPC (or in this spec); '
                                          'create it first or use its id' % source)
                source = names_to_ids[source]
        out[(a['proto'], a['from'], a['to'], a['kind'], source)] = a['description']
    return out


def permission_atoms(permissions):
    """AWS IpPermissions -> {atom key: description}."""
    out = {}
    for p in permissions or []:
        proto = str(p.get('IpProtocol'))
        low, high = p.get('FromPort', -1), p.get('ToPort', -1)
        if proto == '-1':
            low = high = -1
        for r in p.get('IpRanges', []):
            out[(proto, low, high, 'cidr', r['CidrIp'])] = r.get('Description')
        for r in p.get('Ipv6Ranges', []):
            out[(proto, low, high, 'cidr6', r['CidrIpv6'])] = r.get('Description')
        for r in p.get('UserIdGroupPairs', []):
            out[(proto, low, high, 'group', r['GroupId'])] = r.get('Description')
    return out


def to_permissions(atoms):
    """{atom key: description} -> IpPermissions, one entry per (proto, from, to)."""
    grouped = {}
    for (proto, low, high, kind, source), desc in sorted(atoms.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        perm = grouped.setdefault((proto, low, high), {'IpProtocol': proto})
        if proto != '-1':
            perm['FromPort'], perm['ToPort'] = low, high
        extra = {'Description': desc} if desc else {}
        if kind == 'cidr':
            perm.setdefault('IpRanges', []).append(dict(CidrIp=source, **extra))
        elif kind == 'cidr6':
            perm.setdefault('Ipv6Ranges', []).append(dict(CidrIpv6=source, **extra))
        else:
            perm.setdefault('UserIdGroupPairs', []).append(dict(GroupId=source, **extra))
    return [grouped[k] for k in sorted(grouped, key=lambda k: tuple(str(x) for x in k))]


def atoms_view(atoms):
    """A readable, stable list of rules for results and diffs."""
    rows = []
    for (proto, low, high, kind, source), desc in atoms.items():
        row = {'proto': 'all' if proto == '-1' else proto, kind if kind != 'group' else 'group_id': real_id(source)}
        if proto != '-1':
            row['ports'] = str(low) if low == high else '%d-%d' % (low, high)
        if desc:
            row['description'] = desc
        rows.append(row)
    return sorted(rows, key=lambda r: sorted((k, str(v)) for k, v in r.items()))


def describe(raw):
    group = raw
    tags = resource_tags(group)
    return {'id': group['GroupId'], 'name': group['GroupName'], 'description': group.get('Description'),
            'vpc_id': group.get('VpcId'), 'tags': tags,
            'rules': atoms_view(permission_atoms(group.get('IpPermissions'))),
            'rules_egress': atoms_view(permission_atoms(group.get('IpPermissionsEgress')))}


def _vpc_groups(ec2, vpc_id):
    return ec2.paginate('describe_security_groups', 'SecurityGroups', Filters=[{'Name': 'vpc-id', 'Values': [vpc_id]}])


def validate_group_name(name, field='name'):
    if not name or not NAME_RE.match(name):
        raise ValidationError(field, '%r is not a valid security group name (1-255 letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*)' % name)
    if name.lower().startswith('sg-'):
        raise ValidationError(field, 'a group name cannot start with sg- (%r)' % name)
    if name == 'default':
        raise ValidationError(field, "'default' is the VPC's own group; choose another name")
    return name


def validate(p):
    """The desired group: name, description (the name when none is given), VPC, rules and egress rules (atoms; None:
    leave them), the purge rules, tags (Stack added; left out: only Stack is managed)."""
    stack = p.get('stack')
    if stack is not None:
        validate_stack_name(stack, 'stack')
    refuse_by_rules('CreateSecurityGroup', 'GroupName', p['name'], 'name')
    name = validate_group_name(p['name'])
    if not p['vpc_id'].startswith('vpc-'):
        raise ValidationError('vpc_id', '%r is not a VPC id (vpc-...)' % p['vpc_id'])
    ingress = normalize_rules(p['rules'], 'rules') if p.get('rules') is not None else None
    if ingress and not p.get('allow_ssh_from_anywhere'):
        refuse_admin_from_anywhere(ingress, 'allow_ssh_from_anywhere')
    egress = normalize_rules(p['rules_egress'], 'rules_egress') if p.get('rules_egress') is not None else None
    tags = name_tags(None, normalize_tags(p['tags'], added=(STACK_TAG,) if stack is not None else ())) if p.get('tags') is not None else None
    if stack is not None:  # without tags, only Stack is managed (and the others kept)
        tags = dict(tags, **{STACK_TAG: stack}) if tags is not None else {STACK_TAG: stack}
    description = p.get('description') or name
    if p.get('state', 'present') == 'present':
        refuse_by_rules('CreateSecurityGroup', 'Description', description, 'description' if p.get('description') else 'name',
                        None if p.get('description') else 'the description, when none is given')
    return {'name': name, 'vpc_id': p['vpc_id'], 'stack': stack, 'state': p.get('state', 'present'), 'description': description,
            'description_given': bool(p.get('description')),
            'tags': tags, 'purge_tags': p.get('purge_tags', True) if p.get('tags') is not None else False, 'rules': ingress,
            'rules_egress': egress, 'purge_rules': p.get('purge_rules', True), 'purge_rules_egress': p.get('purge_rules_egress', True)}


def resolve(ctx, *, desired):
    """The VPC is there and not another stack's; every group a rule names is in the VPC (reads only): ``desired``
    with ``names_to_ids``."""
    given_vpc(ctx, desired['vpc_id'], desired['stack'])
    if desired['state'] == 'absent':
        return desired
    groups = ctx.known('security_groups', lambda: _vpc_groups(ctx.client, desired['vpc_id']), keep=True)
    names_to_ids = dict((g['GroupName'], g['GroupId']) for g in groups)
    atoms = (desired['rules'] or []) + (desired['rules_egress'] or [])
    for ref in group_references(atoms):
        if ref not in names_to_ids and ref != desired['name']:
            field = [a['field'] for a in atoms if a['source'] == ref][0]
            raise ValidationError(field + '.group', 'no security group named %r in VPC %s; create it first, or use its id' % (ref, desired['vpc_id']))
    return dict(desired, names_to_ids=names_to_ids)


def find(ctx, *, vpc_id, name, stack=None):
    """The VPC's group named ``name``, or None: from the groups the run read already (``ctx.reads['security_groups']``),
    else the VPC's. A name is unique in a VPC: with ``stack``, a group of another stack (or of none) by this name is
    refused (stack.NotOwned, naming both) before anything is changed."""
    for g in ctx.known('security_groups', lambda: _vpc_groups(ctx.client, vpc_id), keep=True):
        if g['GroupName'] == name:
            check_owner(stack, resource_tags(g), 'security group', '%s (%s in %s)' % (name, g['GroupId'], g.get('VpcId')))
            return g
    return None


def create(ctx, *, desired):
    """Create the group without rules (so groups can refer to each other); the raw group, whose GroupId
    is a Pending in check mode. desired: name, description, vpc_id, tags."""
    name, vpc_id, tags = desired['name'], desired['vpc_id'], desired.get('tags')
    kwargs = dict(GroupName=name, Description=desired['description'], VpcId=vpc_id)
    if tags:
        kwargs['TagSpecifications'] = tag_specifications('security-group', tags)

    def find_made():
        found = ctx.client.describe_security_groups(Filters=[{'Name': 'vpc-id', 'Values': [vpc_id]},
                                                             {'Name': 'group-name', 'Values': [name]}])['SecurityGroups']
        found = [g for g in found if g['GroupName'] == name]  # a filter value is a pattern (see ec2.exactly_tagged)
        if found:
            check_owner((tags or {}).get(STACK_TAG), resource_tags(found[0]), 'security group',
                        '%s (%s in %s)' % (name, found[0]['GroupId'], vpc_id))
        return found[0] if found else None
    taken = []

    def make():
        # InvalidGroup.Duplicate: the name is taken in the VPC, perhaps by the group an interrupted run made moments ago
        # that the reads did not show yet; found again (the stack's, else refused), it is taken with the rules it has.
        made = create_or_find(lambda: {'GroupId': fresh_call(ctx, 'create_security_group', **kwargs)['GroupId']}, find_made,
                              exists=('InvalidGroup.Duplicate',))
        if 'IpPermissions' in made:
            taken.append(made)
        note_made(ctx, made['GroupId'])
        return made['GroupId'], None
    group_id = ctx.create('security_group', name, make, None).id
    if taken:
        return taken[0]
    return {'GroupId': group_id, 'GroupName': name, 'Description': desired['description'], 'VpcId': vpc_id, 'IpPermissions': [],
            'IpPermissionsEgress': [{'IpProtocol': '-1', 'IpRanges': [{'CidrIp': '0.0.0.0/0'}]}],
            'Tags': [{'Key': k, 'Value': v} for k, v in (tags or {}).items()]}


def _converge_direction(ctx, group_id, current, desired, purge, egress):
    """Authorize what is missing, revoke what is extra (if purge), update changed descriptions."""
    add = dict((k, d) for k, d in desired.items() if k not in current)
    remove = dict((k, d) for k, d in current.items() if k not in desired) if purge else {}
    redesc = dict((k, d) for k, d in desired.items() if k in current and (current[k] or None) != (d or None))
    kind = 'egress' if egress else 'ingress'
    for operation, atoms in (('revoke_security_group_%s', remove), ('authorize_security_group_%s', add),
                             ('update_security_group_rule_descriptions_%s', redesc)):
        if atoms:  # the group, or a group its rules name, may be one this run made a moment ago
            fresh_call(ctx, operation % kind, GroupId=group_id, IpPermissions=to_permissions(atoms))
    return bool(add or remove or redesc)


def _merged(current, desired):
    out = dict(current)
    out.update(desired)
    return out


def ensure(ctx, *, desired, existing=None):
    """One group's tags and rules as ``desired`` says against ``existing`` (raw; None: it is created first).
    desired: name, description, vpc_id, tags, rules and rules_egress (atoms, None: leave), purge_rules,
    purge_rules_egress, names_to_ids (group names to ids, see :func:`resolve`); ``created``: ``existing`` is the group
    :func:`create` made this run (network makes every group first: groups may refer to each other)."""
    created = bool(desired.get('created'))
    names_to_ids = dict(desired.get('names_to_ids') or {})
    if existing is None:
        existing, created = create(ctx, desired=desired), True
        names_to_ids[desired['name']] = existing['GroupId']
    elif not created and existing.get('Description') != desired.get('description') and desired.get('description_given'):
        ctx.warn('security group %s keeps its description %r: AWS cannot change a description' % (desired['name'], existing.get('Description')))
    raw, group_id = existing, existing['GroupId']
    before = None if created else describe(raw)
    after = describe(raw)
    after['id'] = real_id(group_id)  # None for a group check mode would create
    changed = created
    if not created:
        tag_changed, after['tags'] = apply_tags(ctx, group_id, before['tags'], desired.get('tags'), desired.get('purge_tags'))
        changed |= tag_changed
    for direction, key, purge in (('rules', 'IpPermissions', 'purge_rules'), ('rules_egress', 'IpPermissionsEgress', 'purge_rules_egress')):
        if desired.get(direction) is None:
            continue
        current = permission_atoms(raw.get(key))
        wanted = _rule_keys(desired[direction], group_id, names_to_ids)
        changed |= _converge_direction(ctx, group_id, current, wanted, desired.get(purge, True), direction == 'rules_egress')
        after[direction] = atoms_view(wanted if desired.get(purge, True) else _merged(current, wanted))
    return Change.of(changed, before, after, group_id)


def children(ctx, *, group_id, ignore_ids=(), lingering=False):
    """What keeps a group from being deleted: network interfaces using it, other groups referring to it
    (``ignore_ids``: groups, and interfaces, that go in the same run or plan). The interfaces AWS deletes by itself
    some minutes after their load balancer, RDS or cache cluster is gone (ec2.lingers) count only with ``lingering``."""
    ec2 = ctx.client
    found = []
    enis = ec2.paginate('describe_network_interfaces', 'NetworkInterfaces', Filters=[{'Name': 'group-id', 'Values': [group_id]}])
    for e in enis:
        if e['NetworkInterfaceId'] in ignore_ids or (lingers(e) and not lingering):
            continue
        found.append(interface_label(e))
    for g in ec2.paginate('describe_security_groups', 'SecurityGroups',
                          Filters=[{'Name': 'ip-permission.group-id', 'Values': [group_id]}]):
        if g['GroupId'] != group_id and g['GroupId'] not in ignore_ids:
            found.append('rules of security group %s (%s)' % (g['GroupId'], g['GroupName']))
    return found


def revoke_references(ctx, *, existing, group_ids):
    """Revoke the rules of the group ``existing`` (raw) that refer to ``group_ids``: what ties a stack's groups together."""
    for direction, perms in (('ingress', existing.get('IpPermissions')), ('egress', existing.get('IpPermissionsEgress'))):
        refs = dict((k, v) for k, v in permission_atoms(perms).items() if k[3] == 'group' and k[4] in group_ids)
        if refs:
            ctx.call('revoke_security_group_%s' % direction, GroupId=existing['GroupId'], IpPermissions=to_permissions(refs))


def delete(ctx, *, existing, desired=None):
    """Delete the group ``existing`` (raw); refuses, naming them, while interfaces or other groups use it
    (``desired['going']``: groups and interfaces whose use of it goes in the same run). While AWS answers DependencyViolation
    (requester-managed interfaces of a load balancer, RDS or cache cluster deleted a moment ago) the delete is sent
    again within the context's wait_timeout; then waiters.StillInUse names the interfaces that still use the group."""
    group_id, ignore_ids = existing['GroupId'], (desired or {}).get('going', ())
    blockers = children(ctx, group_id=group_id, ignore_ids=ignore_ids)
    if blockers:
        raise ValidationError('state', 'security group %s (%s) is still used by %s; remove those first'
                              % (group_id, existing['GroupName'], '; '.join(blockers)))
    call_when_free(ctx, 'delete_security_group', 'security group %s (%s)' % (group_id, existing['GroupName']),
                   lambda: children(ctx, group_id=group_id, ignore_ids=ignore_ids, lingering=True), GroupId=group_id)
    return Change('delete', describe(existing), None, existing['GroupId'])
