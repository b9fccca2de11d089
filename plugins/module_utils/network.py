# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stack's whole network, as a list of named steps over the resource functions.

:data:`STEPS` is the network: each step converges one kind of resource with that resource's
``ensure`` and removes it with its ``delete``. :func:`converge` runs the steps in order;
:func:`remove` runs them reversed, so what was made last goes first.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.seed.laravel_aws.plugins.module_utils import (
    elastic_ip, instance, internet_gateway, nat_gateway, route_table, security_group, subnet, vpc,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Context, is_id, public
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import (
    canonical_cidr, exactly_tagged, owned_by, refuse_by_rules, resource_tags)
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import gather, read_again
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import (
    LIVE_NAT_STATES, NAME_TAG, STACK_TAG, TIER_TAG, resource_name, stack_filters, stack_tags, validate_stack_name,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import normalize_tags


# -- the spec, before any API call ------------------------------------------------------------------------
def validate(p):
    """The whole spec, before any API call. Returns a normalised spec."""
    name = validate_stack_name(p['name'], 'name')
    # every resource gets Stack and Name, subnets Tier too: they count toward the 50 tags of a resource
    spec = {'name': name, 'tags': stack_tags(name, normalize_tags(p['tags'], added=(STACK_TAG, NAME_TAG, TIER_TAG)))}
    if p['state'] == 'absent':
        return spec
    if not p['cidr_block']:
        raise ValidationError('cidr_block', 'the VPC CIDR is required with state=present, for example 10.20.0.0/16')
    spec['cidr_block'] = canonical_cidr(p['cidr_block'], 'cidr_block', 16, 28)
    spec.update(validate_subnets(p, spec['cidr_block']))
    spec['groups'] = [validate_group(spec, g, i) for i, g in enumerate(p['security_groups'])]
    shorts = [g['short'] for g in spec['groups']]
    for i, short in enumerate(shorts):
        if short in shorts[:i]:
            raise ValidationError('security_groups[%d].name' % i, 'security group %r is listed twice; names must be unique' % short)
    refs = {}  # group name -> the first rule that names it, for the error message
    for g in spec['groups']:
        for atom in g['rules'] + (g['rules_egress'] or []):
            if atom['source'] in security_group.group_references([atom]):
                refs.setdefault(atom['source'], atom['field'] + '.group')
    spec.update(group_refs=refs, purge_rules=p['purge_rules'])
    return spec


def validate_subnets(p, vpc_cidr):
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
    subnet.check_cidrs(vpc_cidr, public + private, fields)
    nat = p['nat_gateway']
    if private and nat is None:
        raise ValidationError('nat_gateway', 'private subnets need a way out: set nat_gateway to single or per_az, '
                              'or to none to keep them without outbound access')
    nat = nat or 'none'
    if nat != 'none' and not private:
        raise ValidationError('nat_gateway', 'nat_gateway: %s serves private subnets, and none are given; add private_subnets or set none' % nat)
    if nat != 'none' and not public:
        raise ValidationError('nat_gateway', 'a NAT gateway lives in a public subnet (per_az: one in each zone); add public_subnets')
    return dict(zones=zones, public=public, private=private, nat=nat, dns_hostnames=p['dns_hostnames'])


def validate_group(spec, g, i):
    where = 'security_groups[%d]' % i
    if not g.get('name'):
        raise ValidationError(where + '.name', 'each security group needs a name')
    short = str(g['name'])
    refuse_by_rules('CreateSecurityGroup', 'GroupName', resource_name(spec['name'], short), where + '.name', 'as <name>-<short name>')
    full = security_group.validate_group_name(resource_name(spec['name'], short), where + '.name')
    refuse_by_rules('CreateSecurityGroup', 'Description', g.get('description') or None, where + '.description')  # '': the default
    rules = security_group.normalize_rules(g.get('rules') or [], where + '.rules')
    try:
        open_admin = boolean(g.get('allow_ssh_from_anywhere') or False, strict=True)
    except TypeError:
        raise ValidationError(where + '.allow_ssh_from_anywhere', 'must be true or false')
    if not open_admin:
        security_group.refuse_admin_from_anywhere(rules, where + '.allow_ssh_from_anywhere')
    egress = g.get('rules_egress')
    return {'short': short, 'name': full, 'description': g.get('description') or '%s %s' % (spec['name'], short), 'rules': rules,
            'rules_egress': security_group.normalize_rules(egress, where + '.rules_egress') if egress is not None else None,
            'tags': normalize_tags(g.get('tags'), where + '.tags', added=set(spec['tags']) | set([STACK_TAG, NAME_TAG])) or {}}


def tags_for(spec, what, extra=None):
    """The tags of the stack's resource ``what``: the spec's, ``extra``, Stack and Name."""
    return stack_tags(spec['name'], spec['tags'], what, extra)


def stack_addresses(ec2, stack):
    """The elastic IPs tagged Stack=<stack> exactly (a filter value is a pattern: see ec2.exactly_tagged)."""
    return exactly_tagged(ec2.describe_addresses(Filters=stack_filters(stack))['Addresses'], {STACK_TAG: stack})


# -- what exists, read side by side -------------------------------------------------------------------------
def read(ctx, spec):
    """The region's zones and the VPC, then one describe per resource type for the whole VPC
    (on AWS each is a round trip: they go out together)."""
    ec2 = ctx.client
    vpc_name = resource_name(spec['name'], 'vpc')
    # the VPC named <stack>-vpc must be the stack's: one of another stack (or of none) is refused, naming both
    zones, existing_vpc = gather(lambda: subnet.zones(ctx),
                                 lambda: vpc.find(ctx, name=vpc_name, cidr_block=spec['cidr_block'], stack=spec['name']))
    for i, zone in enumerate(spec['zones']):
        subnet.check_zone(zone, zones, 'availability_zones[%d]' % i)
    vpc_id = existing_vpc['VpcId'] if existing_vpc else None

    def described(op, key, **kwargs):
        return (lambda: ec2.paginate(op, key, **kwargs)) if vpc_id else list
    vpc_filter = [{'Name': 'vpc-id', 'Values': [vpc_id]}]

    def listing():
        found = dict(zip(('groups', 'subnets', 'tables', 'nats', 'igws', 'eips', 'dns'), gather(
            described('describe_security_groups', 'SecurityGroups', Filters=vpc_filter),
            described('describe_subnets', 'Subnets', Filters=vpc_filter),
            described('describe_route_tables', 'RouteTables', Filters=vpc_filter),
            described('describe_nat_gateways', 'NatGateways', Filter=vpc_filter),
            described('describe_internet_gateways', 'InternetGateways', Filters=[{'Name': 'attachment.vpc-id', 'Values': [vpc_id]}]),
            (lambda: stack_addresses(ec2, spec['name'])) if spec['nat'] != 'none' else list,
            (lambda: vpc.dns(ctx, vpc_id)) if vpc_id else dict)))
        found.update(vpc=dict(existing_vpc, **found['dns']) if existing_vpc else None, nats=[n for n in found['nats'] if n.get('State') in LIVE_NAT_STATES])
        return found
    found = listing()
    if vpc_id and missing(spec, found):
        # A stack whose VPC exists but lacks parts is most often one a run made moments ago, interrupted: AWS's reads
        # may not show those parts yet (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html), and
        # what has no token or unique name (internet gateway, address) would be made twice. Read again for a few seconds.
        found = read_again(listing, lambda again: not missing(spec, again)) or found
    names_to_ids = dict((g['GroupName'], g['GroupId']) for g in found['groups'])
    shorts = [g['short'] for g in spec['groups']]
    for ref, field in sorted(spec['group_refs'].items()):  # checked before anything changes
        if ref not in shorts and ref not in names_to_ids:
            raise ValidationError(field, 'names group %r, which is neither in this spec (%s) nor in the VPC; '
                                  'add the group to security_groups or fix the name' % (ref, ', '.join(shorts) or 'no groups'))
    # the finds of the steps pick from these
    ctx.reads.update(addresses=found['eips'], nat_gateways=found['nats'], internet_gateways=found['igws'], subnets=found['subnets'],
                     route_tables=found['tables'], security_groups=found['groups'])
    check_owners(ctx, spec, found)
    return found


def missing(spec, found):
    """What of the stack's network the VPC's listing lacks (names of kinds), or nothing."""
    lacks = []
    if not set(spec['public'] + spec['private']) <= set(s['CidrBlock'] for s in found['subnets']):
        lacks.append('subnets')
    if spec['public'] and not found['igws']:
        lacks.append('internet gateway')
    zones = len(nat_zones(spec))
    if len(found['nats']) < zones or len(found['eips']) < zones:
        lacks.append('NAT gateways and their addresses')
    if not set(resource_name(spec['name'], what) for what, dummy, dummy2 in table_layout(spec)) <= set(
            resource_tags(t).get(NAME_TAG) for t in found['tables']):
        lacks.append('route tables')
    if not set(g['name'] for g in spec['groups']) <= set(g['GroupName'] for g in found['groups']):
        lacks.append('security groups')
    return lacks


def nat_zones(spec):
    """The zones that get a NAT gateway."""
    return [] if spec['nat'] == 'none' else (spec['zones'][:1] if spec['nat'] == 'single' else spec['zones'])


def table_layout(spec, out=None):
    """[(what, member subnets, default route target)] of the stack's route tables (names <stack>-<what>);
    without ``out`` (what the steps made), the names only."""
    if out is None:
        out = {'subnets': {'public': [], 'private': []}, 'igw_id': None, 'nat_ids': [None] * len(nat_zones(spec))}
    layout = []
    if spec['public']:
        layout.append(('public', out['subnets']['public'], ('GatewayId', out['igw_id'])))
    if spec['private'] and spec['nat'] == 'per_az':
        layout.extend(('private-%s' % zone, [s for s in out['subnets']['private'] if s['availability_zone'] == zone],
                       ('NatGatewayId', nat)) for zone, nat in zip(spec['zones'], out['nat_ids']))
    elif spec['private']:
        layout.append(('private', out['subnets']['private'], ('NatGatewayId', out['nat_ids'][0]) if out['nat_ids'] else None))
    return layout


def check_owners(ctx, spec, found):
    """Every resource of the VPC the steps would change, found by its name (a subnet by its CIDR), is the stack's:
    one of another stack, or of none, is refused (stack.NotOwned, naming both) before the first change of the run."""
    stack = spec['name']
    for kind in ('public', 'private'):
        for cidr in spec[kind]:
            subnet.find(ctx, vpc_id=None, cidr_block=cidr, stack=stack)  # the VPC's (ctx.reads)
    if spec['public']:
        internet_gateway.find(ctx, vpc_id=None, stack=stack)  # the one attached to the VPC (ctx.reads)
    for zone in nat_zones(spec):
        name = resource_name(stack, 'nat-%s' % zone)
        owned_by(stack, [n for n in found['nats'] if resource_tags(n).get(NAME_TAG) == name], 'NAT gateway', name)
    for what, dummy, dummy2 in table_layout(spec):
        route_table.find(ctx, vpc_id=None, name=resource_name(stack, what), stack=stack)
    for g in spec['groups']:
        security_group.find(ctx, vpc_id=None, name=g['name'], stack=stack)  # the VPC's (ctx.reads)


# -- the steps, each converging one kind of resource --------------------------------------------------------
def ensure_vpc(ctx, spec, found, out):
    desired = dict(name=resource_name(spec['name'], 'vpc'), cidr_block=spec['cidr_block'], dns_support=True,
                   dns_hostnames=spec['dns_hostnames'], tags=tags_for(spec, 'vpc'), stack=spec['name'])
    change = ctx.plan.record('vpc', desired['name'], vpc.ensure(ctx, desired=desired, existing=found['vpc']))
    out['vpc'], out['vpc_id'] = change.after, change.id


def ensure_subnets(ctx, spec, found, out):
    out['subnets'], out['subnet_ids'] = {'public': [], 'private': []}, {}
    for kind in ('public', 'private'):
        for zone, cidr in zip(spec['zones'], spec[kind]):
            what = '%s-%s' % (kind, zone)
            desired = dict(vpc_id=out['vpc_id'], cidr_block=cidr, availability_zone=zone, map_public_ip_on_launch=(kind == 'public'),
                           tags=tags_for(spec, what, {TIER_TAG: kind}))
            existing = subnet.find(ctx, vpc_id=out['vpc_id'], cidr_block=cidr, stack=spec['name'])
            change = ctx.plan.record('subnet', resource_name(spec['name'], what),
                                     subnet.ensure(ctx, desired=desired, existing=existing))
            out['subnets'][kind].append(change.after)
            out['subnet_ids'][(kind, zone)] = change.id


def ensure_internet_gateway(ctx, spec, found, out):
    out['internet_gateway'], out['igw_id'] = {}, None
    if not spec['public']:
        return
    tags = tags_for(spec, 'igw')
    # the VPC's, else a detached one of the stack, left by a lost answer
    existing = internet_gateway.find(ctx, vpc_id=out['vpc_id'], name=tags[NAME_TAG]) if is_id(out['vpc_id']) else None
    if existing is not None:
        existing = (existing[0], [g for g in existing[1] if resource_tags(g).get(STACK_TAG) == spec['name']])
    change = ctx.plan.record('internet_gateway', tags[NAME_TAG],
                             internet_gateway.ensure(ctx, desired={'vpc_id': out['vpc_id'], 'tags': tags}, existing=existing))
    out['internet_gateway'], out['igw_id'] = change.after, change.id


def ensure_nat_gateways(ctx, spec, found, out):
    out['nat_gateways'], out['nat_ids'] = [], []
    for zone in nat_zones(spec):
        tags = tags_for(spec, 'nat-%s' % zone)
        name = tags[NAME_TAG]
        try:
            eip = elastic_ip.find(ctx, name=name)
        except ValidationError as err:
            raise ValidationError('nat_gateway', err.message)
        eip_change = ctx.plan.record('elastic_ip', name, elastic_ip.ensure(ctx, desired={'tags': tags}, existing=eip))
        subnet_id = out['subnet_ids'][('public', zone)]
        existing = nat_gateway.find(ctx, subnet_id=subnet_id, name=name, allocation_id=eip_change.id,
                                    stack=spec['name']) if is_id(subnet_id) else None
        desired = {'subnet_id': subnet_id, 'allocation_id': eip_change.id, 'tags': tags, 'wait': False}
        change = ctx.plan.record('nat_gateway', name, nat_gateway.ensure(ctx, desired=desired, existing=existing))
        out['nat_gateways'].append(dict(change.after, availability_zone=zone))
        out['nat_ids'].append(change.id)
    if ctx.wait:  # created together, waited for together
        for nat in out['nat_gateways']:
            if nat.get('id') and nat.get('state') == 'pending':
                nat.update(ctx.live(lambda: nat_gateway.describe(nat_gateway.wait(ctx, nat_id=nat['id'], timeout=ctx.wait_timeout))) or {},
                           tags=nat['tags'], availability_zone=nat['availability_zone'])


def ensure_route_tables(ctx, spec, found, out):
    out['route_tables'] = {'public': {}, 'private': []}
    for what, members, target in table_layout(spec, out):
        name = resource_name(spec['name'], what)
        desired = {'vpc_id': out['vpc_id'], 'tags': tags_for(spec, what), 'routes': {'0.0.0.0/0': target} if target else {},
                   'subnet_ids': [s['id'] for s in members if is_id(s['id'])], 'purge_routes': not target,
                   'purge_subnets': True}
        existing = route_table.find(ctx, vpc_id=out['vpc_id'], name=name, stack=spec['name'])
        change = ctx.plan.record('route_table', name, route_table.ensure(ctx, desired=desired, existing=existing))
        if what == 'public':
            out['route_tables']['public'] = change.after
        else:
            out['route_tables']['private'].append(change.after)


def ensure_security_groups(ctx, spec, found, out):
    """All groups first, then their rules: groups may refer to each other."""
    names_to_ids = dict((g['GroupName'], g['GroupId']) for g in found['groups'])
    raws = {}
    for g in spec['groups']:
        desired = dict(g, vpc_id=out['vpc_id'], tags=tags_for(spec, g['short'], g['tags']))
        raw = security_group.find(ctx, vpc_id=out['vpc_id'], name=g['name'], stack=spec['name'])
        if raw is not None and raw.get('Description') != g['description']:
            ctx.warn('security group %s keeps its description %r: AWS cannot change a description (wanted %r)'
                     % (g['name'], raw.get('Description'), g['description']))
        raws[g['short']] = (raw or security_group.create(ctx, desired=desired), raw is None, desired)
        names_to_ids[g['short']] = names_to_ids[g['name']] = raws[g['short']][0]['GroupId']
    out['security_groups'] = {}
    for g in spec['groups']:
        raw, created, desired = raws[g['short']]
        desired.update(purge_rules=spec['purge_rules'], purge_rules_egress=True, names_to_ids=names_to_ids, created=created)
        change = security_group.ensure(ctx, desired=desired, existing=raw)
        out['security_groups'][g['short']] = ctx.plan.record('security_group', g['name'], change).after


# -- the same steps, removing ---------------------------------------------------------------------------------
def owned(spec, resources):
    return [r for r in resources if resource_tags(r).get(STACK_TAG) == spec['name']]


def remove_vpc(ctx, spec, found, out):
    if found['vpc'] is not None:
        change = vpc.delete(ctx, existing=found['vpc'], desired={'going': out['going']})
        ctx.plan.record('vpc', resource_name(spec['name'], 'vpc'), change)


def remove_subnets(ctx, spec, found, out):
    for s in owned(spec, found['subnets']):
        change = subnet.delete(ctx, existing=s, desired={'going': out['going']})
        ctx.plan.record('subnet', resource_tags(s).get(NAME_TAG), change)
        out['going'].add(s['SubnetId'])


def remove_internet_gateway(ctx, spec, found, out):
    for g in owned(spec, found['igws']):
        ctx.plan.record('internet_gateway', resource_tags(g).get(NAME_TAG), internet_gateway.delete(ctx, existing=([g], [])))
        out['going'].add(g['InternetGatewayId'])


def remove_nat_gateways(ctx, spec, found, out):
    """The stack's NAT gateways, then its addresses: those no one holds, and those its NAT gateways held
    (AWS frees them when the gateway is deleted, so each deletion is waited for first, see nat_gateway.delete;
    in check mode they are still held, and would be released)."""
    nats = owned(spec, found['nats'])
    nat_enis = set(a.get('NetworkInterfaceId') for n in owned(spec, found['all_nats']) for a in n.get('NatGatewayAddresses', []))
    for n in nats:  # waited for until deleted, whatever wait says: only then are its address and interface freed
        ctx.plan.record('nat_gateway', resource_tags(n).get(NAME_TAG), nat_gateway.delete(ctx, existing={'nat': n}, desired={'wait': True}))
        out['going'].add(n['NatGatewayId'])
    out['going'].update(nat_enis)
    addresses = stack_addresses(ctx.client, spec['name']) if nats else found['eips']
    for a in addresses:
        held_by_stack_nat = a.get('NetworkInterfaceId') in nat_enis
        if a.get('AssociationId') and not held_by_stack_nat:
            continue  # held by something outside the stack's NAT gateways: leave it
        ctx.plan.record('elastic_ip', resource_tags(a).get(NAME_TAG), elastic_ip.delete(ctx, existing=a, desired={'release_on_disassociation': True}))


def remove_route_tables(ctx, spec, found, out):
    for t in owned(spec, found['tables']):
        if not any(a.get('Main') for a in t.get('Associations', [])):
            ctx.plan.record('route_table', resource_tags(t).get(NAME_TAG), route_table.delete(ctx, existing=t))
            out['going'].add(t['RouteTableId'])


def remove_security_groups(ctx, spec, found, out):
    """First the rules that tie the stack's groups to each other, then the groups."""
    groups = [g for g in owned(spec, found['groups']) if g['GroupName'] != 'default']
    ids = [g['GroupId'] for g in groups]
    for g in groups:
        security_group.revoke_references(ctx, existing=g, group_ids=ids)
    for g in groups:
        ctx.plan.record('security_group', g['GroupName'], security_group.delete(ctx, existing=g, desired={'going': set(ids) | out['going']}))
        out['going'].add(g['GroupId'])


# (name, converge, remove): the network in the order it is built; removal runs it reversed
STEPS = (
    ('vpc', ensure_vpc, remove_vpc),
    ('subnets', ensure_subnets, remove_subnets),
    ('internet gateway', ensure_internet_gateway, remove_internet_gateway),
    ('NAT gateways and their addresses', ensure_nat_gateways, remove_nat_gateways),
    ('route tables', ensure_route_tables, remove_route_tables),
    ('security groups', ensure_security_groups, remove_security_groups),
)


def converge(ctx, spec):
    found, out = read(ctx, spec), {}
    for dummy, step, dummy2 in STEPS:
        step(ctx, spec, found, out)
    return dict((k, out[k]) for k in ('vpc', 'subnets', 'internet_gateway', 'nat_gateways', 'route_tables', 'security_groups'))


def read_stack(ctx, spec):
    """Everything of the stack that removal deletes; instances still running stop it, and are named."""
    ec2, stack = ctx.client, spec['name']
    # the stack's VPC by its exact name and Stack tag; when only another stack's (or one of none) has the name: refused
    found = {'vpc': vpc.find(ctx, name=resource_name(stack, 'vpc'), stack=stack),
             'eips': stack_addresses(ec2, stack)}
    if found['vpc'] is None:
        found.update(subnets=[], igws=[], nats=[], all_nats=[], tables=[], groups=[])
        found['eips'] = [a for a in found['eips'] if not a.get('AssociationId')]
        return found
    vpc_id = found['vpc']['VpcId']
    vpc_filter = [{'Name': 'vpc-id', 'Values': [vpc_id]}]
    instances = [i for r in ec2.paginate('describe_instances', 'Reservations', Filters=vpc_filter + [{'Name': 'instance-state-name', 'Values': [
        'pending', 'running', 'stopping', 'stopped', 'shutting-down']}]) for i in r['Instances']]
    ending = [i['InstanceId'] for i in instances if i['State']['Name'] == 'shutting-down']
    # terminated a moment ago: their interfaces hold the subnets and groups until they are gone (a check run plans past them)
    if ending and ctx.live(instance.wait_state, ctx, ending, 'terminated', ctx.wait_timeout) is not None:
        instances = [i for i in instances if i['InstanceId'] not in ending]
    running = ['%s (%s)' % (i['InstanceId'], resource_tags(i).get(NAME_TAG, '')) for i in instances]
    theirs = [i for i in instances if resource_tags(i).get(STACK_TAG) != stack]
    if running and ctx.check_mode and not theirs:
        # A check run plans: the stack's own instances are what a plan's `instance state: absent` before this terminates
        # (teardown.yml plans every delete in check mode first); a real run still refuses while they run.
        found['planned_gone'] = set([i['InstanceId'] for i in instances] + [
            e['NetworkInterfaceId'] for i in instances for e in i.get('NetworkInterfaces') or []])
        ctx.warn('instances of stack %s still run in VPC %s: %s; a run that is not in check mode refuses until they are terminated '
                 '(seed.laravel_aws.instance state: absent)' % (stack, vpc_id, ', '.join(running)))
    elif running:
        raise ValidationError('state', 'instances still run in VPC %s: %s; terminate them first (seed.laravel_aws.instance state: absent)'
                              % (vpc_id, ', '.join(running)))
    found['all_nats'] = ec2.paginate('describe_nat_gateways', 'NatGateways', Filter=vpc_filter)
    found['nats'] = [n for n in found['all_nats'] if n.get('State') in LIVE_NAT_STATES]
    found['tables'] = ec2.paginate('describe_route_tables', 'RouteTables', Filters=vpc_filter)
    found['igws'] = ec2.paginate('describe_internet_gateways', 'InternetGateways', Filters=[{'Name': 'attachment.vpc-id', 'Values': [vpc_id]}])
    found['groups'] = ec2.paginate('describe_security_groups', 'SecurityGroups', Filters=vpc_filter)
    found['subnets'] = ec2.paginate('describe_subnets', 'Subnets', Filters=vpc_filter)
    return found


def remove(ctx, spec):
    """Everything tagged with the stack: the steps reversed, each through its resource's delete."""
    found = read_stack(ctx, spec)
    out = {'going': set(found.get('planned_gone') or ())}  # in check mode, the stack's instances a plan terminates first
    for dummy, dummy2, step in reversed(STEPS):
        step(ctx, spec, found, out)
    return {}


def run(m):
    """The network module."""
    spec = validate(m.params)
    ctx = Context.of(m, m.client('ec2'))
    result = remove(ctx, spec) if m.params['state'] == 'absent' else converge(ctx, spec)
    m.exit_json(changed=ctx.plan.changed, changes=ctx.plan.changes, **public(dict(result, diff=ctx.plan.diff())))
