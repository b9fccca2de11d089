# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Route tables: the resource protocol (docs/architecture.md, runner.py): a table found in its VPC by its Name tag, its
routes and its subnet associations. Used by route_table and network."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

from ansible.module_utils.six import string_types

from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change, real_id
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import (
    apply_tags, canonical_cidr, codes_of, fresh_call, given_vpc, name_tags, note_made, owned_by, refuse_name_tag, refuse_other_stack, resource_tags,
    tag_specifications,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import error_code
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import normalize_tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import retry_not_found

NAME = 'route_table'
KEY = ('vpc_id', 'name', 'stack')
RESOLVE_ABSENT = True  # nothing is deleted in another stack's VPC

TARGETS = (
    ('gateway_id', 'GatewayId', ('igw-', 'vgw-')),
    ('nat_gateway_id', 'NatGatewayId', ('nat-',)),
    ('instance_id', 'InstanceId', ('i-',)),
    ('network_interface_id', 'NetworkInterfaceId', ('eni-',)),
)


def validate(p):
    """The desired table: its VPC, Name tag, tags (Stack added), routes (normalised, None: leave them), subnets
    (None: leave them) and the purge rules."""
    stack = p.get('stack')
    if stack is not None:
        validate_stack_name(stack, 'stack')
    refuse_name_tag('CreateRouteTable', p['name'])
    if not p['vpc_id'].startswith('vpc-'):
        raise ValidationError('vpc_id', '%r is not a VPC id (vpc-...)' % p['vpc_id'])
    routes = normalize_routes(p.get('routes')) if p.get('routes') is not None else None
    for i, subnet_id in enumerate(p.get('subnet_ids') or []):
        if not subnet_id.startswith('subnet-'):
            raise ValidationError('subnet_ids[%d]' % i, '%r is not a subnet id (subnet-...)' % subnet_id)
    tags = name_tags(p['name'], normalize_tags(p.get('tags'), added=('Name',) + ((STACK_TAG,) if stack is not None else ())))
    if stack is not None:
        tags[STACK_TAG] = stack
    return {'vpc_id': p['vpc_id'], 'name': p['name'], 'stack': stack, 'state': p.get('state', 'present'), 'tags': tags, 'routes': routes,
            'subnet_ids': p.get('subnet_ids'),
            'purge_routes': p.get('purge_routes', False), 'purge_subnets': p.get('purge_subnets', False),
            'purge_tags': p.get('purge_tags', True) if p.get('tags') is not None else False}


def resolve(ctx, *, desired):
    """The VPC is there and not another stack's; each subnet is the VPC's and not another stack's (reads only)."""
    given_vpc(ctx, desired['vpc_id'], desired['stack'])
    if desired['subnet_ids'] and desired['state'] != 'absent':
        in_vpc = ctx.client.paginate('describe_subnets', 'Subnets', Filters=[{'Name': 'vpc-id', 'Values': [desired['vpc_id']]}])
        known = dict((s['SubnetId'], s) for s in in_vpc)
        for i, subnet_id in enumerate(desired['subnet_ids']):
            if subnet_id not in known:
                raise ValidationError('subnet_ids[%d]' % i, 'subnet %s is not in VPC %s' % (subnet_id, desired['vpc_id']))
            refuse_other_stack(desired['stack'], known[subnet_id], 'subnet', subnet_id, 'subnet_ids[%d]' % i)
    return desired


def normalize_routes(routes, field='routes'):
    """[{dest, <one target>}] -> {dest: (api_key, target_id)}; ValidationError names the entry."""
    out = {}
    for i, route in enumerate(routes or []):
        where = '%s[%d]' % (field, i)
        if not isinstance(route, dict):
            raise ValidationError(where, 'each route is a dict with dest and one target, for example {dest: 0.0.0.0/0, gateway_id: igw-...}')
        dest = route.get('dest', route.get('destination_cidr_block'))
        dest = canonical_cidr(dest, where + '.dest', 0, 32)
        given = [(opt, key, prefixes) for opt, key, prefixes in TARGETS if route.get(opt)]
        if len(given) != 1:
            raise ValidationError(where, 'give exactly one target: %s' % ', '.join(t[0] for t in TARGETS))
        opt, key, prefixes = given[0]
        target = route[opt]
        if not isinstance(target, string_types):
            raise ValidationError('%s.%s' % (where, opt), '%r is not a %s: give the id as a string (%s...)' % (target, opt, '/'.join(prefixes)))
        if not target.startswith(prefixes):
            raise ValidationError('%s.%s' % (where, opt), '%r is not a %s (%s...)' % (target, opt, '/'.join(prefixes)))
        if dest in out:
            raise ValidationError(where, 'two routes for %s; a destination takes one target' % dest)
        unknown = set(route) - set(['dest', 'destination_cidr_block'] + [t[0] for t in TARGETS])
        if unknown:
            raise ValidationError(where, 'unknown keys %s' % ', '.join(sorted(unknown)))
        out[dest] = (key, target)
    return out


def current_routes(table):
    """{dest: (api_key, target)} of the routes a user manages (not the local one)."""
    out = {}
    for r in table.get('Routes', []):
        dest = r.get('DestinationCidrBlock')
        if not dest or r.get('GatewayId') == 'local' or r.get('Origin') == 'CreateRouteTable':
            continue
        for dummy, key, dummy2 in TARGETS:
            if r.get(key):
                out[dest] = (key, r[key])
                break
    return out


def describe(raw):
    table = raw
    tags = resource_tags(table)
    return {
        'id': table['RouteTableId'], 'name': tags.get('Name'), 'vpc_id': table.get('VpcId'),
        'routes': [{'dest': d, 'target': t} for d, (k, t) in sorted(current_routes(table).items())],
        'subnet_ids': sorted(a['SubnetId'] for a in table.get('Associations', []) if a.get('SubnetId')),
        'main': any(a.get('Main') for a in table.get('Associations', [])),
        'tags': tags,
    }


def _vpc_route_tables(ec2, vpc_id):
    return ec2.paginate('describe_route_tables', 'RouteTables', Filters=[{'Name': 'vpc-id', 'Values': [vpc_id]}])


def find(ctx, *, vpc_id, name, stack=None):
    """The VPC's route table carrying the Name tag, or None: from the tables the run read already
    (``ctx.reads['route_tables']``), else the VPC's. With ``stack``, the stack's; when only tables of another stack
    (or of none) carry it, stack.NotOwned naming both, before anything is changed."""
    tables = ctx.known('route_tables', lambda: _vpc_route_tables(ctx.client, vpc_id), keep=True)
    found = [t for t in tables if resource_tags(t).get('Name') == name]
    found = owned_by(stack, found, 'route table', '%s (%s)' % (name, ', '.join(t['RouteTableId'] for t in found)))
    if len(found) > 1:
        raise ValidationError('name', '%d route tables named %r: %s; delete the extra ones or pass route_table_id'
                              % (len(found), name, ', '.join(t['RouteTableId'] for t in found)))
    return found[0] if found else None


def ensure(ctx, *, desired, existing=None):
    """One route table as ``desired`` says against ``existing`` (raw, None when there is none).

    desired: vpc_id, tags, purge_tags, routes (normalised {dest: (api key, target)}, None: leave them), subnet_ids
    (None: leave them), purge_routes, purge_subnets. A subnet associated with another of the VPC's tables (those the
    run read, ``ctx.reads['route_tables']``) is moved.
    A target or subnet may be a Pending id (check mode): nothing is sent for it.
    """
    vpc_id, tags = desired['vpc_id'], desired.get('tags')
    if existing is None:
        planned = {'id': None, 'name': (tags or {}).get('Name'), 'vpc_id': real_id(vpc_id), 'main': False, 'tags': tags or {}}
        read = []  # the table as a read shows it: a token's answer may be a table an interrupted run gave routes already
        change = ctx.create('route_table', planned['name'], lambda: _create(ctx, vpc_id, tags, planned, read), planned)
        table_id, before, after, current = change.id, None, change.after, (read or [{'Associations': []}])[0]
        changed = True
    else:
        before = describe(existing)
        table_id, after, current = before['id'], dict(before), existing
        changed, after['tags'] = apply_tags(ctx, table_id, before['tags'], tags, desired.get('purge_tags'))
        after['name'] = after['tags'].get('Name')
    changed |= _converge_routes(ctx, table_id, current, desired, after)
    tables = ctx.known('route_tables', lambda: _vpc_route_tables(ctx.client, vpc_id) if real_id(vpc_id) else [])
    changed |= _converge_subnets(ctx, table_id, current, desired, after, tables)
    return Change.of(changed, before, after, table_id)


# A named table is created with a client token from stable inputs (its VPC, Name and Stack): a run interrupted right after
# the create leaves a table the next run's listing may not show for some seconds (eventual consistency), and the token
# makes the rerun's create answer that table instead of a second one. AWS answers a token it knows "without performing
# any further actions" and IdempotentParameterMismatch when the parameters differ
# (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html; ClientToken of
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRouteTable.html). A table a token answers that no
# read shows within TOKEN_SEEN_SECONDS was deleted since (a stack torn down and built again in the same VPC): the next
# token is tried.
TOKEN_ATTEMPTS = 20
TOKEN_SEEN_SECONDS = 10


def client_token(vpc_id, tags, attempt=0):
    made_by = sorted(_made_by(tags).items())
    raw = 'seed.laravel_aws:rtb:%s:%s:%d' % (vpc_id, ','.join('%s=%s' % kv for kv in made_by), attempt)
    return hashlib.sha256(raw.encode('utf-8')).hexdigest()[:64]


def _create(ctx, vpc_id, tags, planned, read):
    name = (tags or {}).get('Name')
    spec = tag_specifications('route-table', tags)
    if not name:  # no stable identity, no token: a lost answer is found by nothing, so it is sent once
        created = fresh_call(ctx, 'create_route_table', VpcId=vpc_id, TagSpecifications=spec)['RouteTable']
        note_made(ctx, created['RouteTableId'])
        return created['RouteTableId'], dict(planned, id=created['RouteTableId'])
    seen = []
    for attempt in range(TOKEN_ATTEMPTS):
        try:
            created = fresh_call(ctx, 'create_route_table', VpcId=vpc_id, TagSpecifications=spec,
                                 ClientToken=client_token(vpc_id, tags, attempt))['RouteTable']
        except Exception as exc:  # pylint: disable=broad-except
            if error_code(exc) != 'IdempotentParameterMismatch':
                raise
            seen.append('token %d: used with other tags' % attempt)
            continue
        table_id = created['RouteTableId']
        shown = _still_there(ctx, table_id)
        if shown is not None:
            read.append(shown)
            note_made(ctx, table_id)
            return table_id, dict(planned, id=table_id)
        seen.append('token %d: %s, deleted since' % (attempt, table_id))
    raise ValidationError('name', 'route table %s: each of %d client tokens gave back a table that is no more (%s); give it '
                          'another name' % (name, TOKEN_ATTEMPTS, '; '.join(seen[-3:])))


def _still_there(ctx, table_id):
    """The table as a read by id shows it within TOKEN_SEEN_SECONDS (a new one shows within seconds), or None."""
    try:
        return retry_not_found(lambda: ctx.client.describe_route_tables(RouteTableIds=[table_id])['RouteTables'][0],
                               codes_of([table_id]), 'the route table %s' % table_id, timeout=TOKEN_SEEN_SECONDS)
    except Exception as exc:  # pylint: disable=broad-except
        if error_code(exc) in codes_of([table_id]):
            return None
        raise


def _made_by(tags):
    """The tags a table this run made carries and another stack's does not: its Name, and its Stack if any."""
    return dict((k, v) for k, v in tags.items() if k in ('Name', STACK_TAG))


def _converge_routes(ctx, table_id, current, desired, after):
    cur_routes = current_routes(current)
    want_routes = dict(cur_routes)
    routes = desired.get('routes')
    if routes is not None:
        want_routes = dict(routes) if desired.get('purge_routes') else dict(want_routes, **routes)
    changed = False
    for dest, (key, target) in sorted(want_routes.items()):
        if cur_routes.get(dest) == (key, target):
            continue
        changed = True
        operation = 'replace_route' if dest in cur_routes else 'create_route'
        fresh_call(ctx, operation, RouteTableId=table_id, DestinationCidrBlock=dest, **{key: target})  # table or target may be new
    for dest in sorted(set(cur_routes) - set(want_routes)):
        changed = True
        ctx.call('delete_route', RouteTableId=table_id, DestinationCidrBlock=dest)
    after['routes'] = [{'dest': d, 'target': real_id(t)} for d, (k, t) in sorted(want_routes.items())]
    return changed


def _converge_subnets(ctx, table_id, current, desired, after, tables):
    cur_subnets = sorted(a['SubnetId'] for a in current.get('Associations', []) if a.get('SubnetId'))
    want_subnets = list(cur_subnets)
    if desired.get('subnet_ids') is not None:
        want_subnets = sorted(set(desired['subnet_ids']) | (set() if desired.get('purge_subnets') else set(cur_subnets)))
    elsewhere = dict((a['SubnetId'], a['RouteTableAssociationId']) for t in tables if t['RouteTableId'] != table_id
                     for a in t.get('Associations', []) if a.get('SubnetId'))
    changed = False
    for subnet_id in want_subnets:
        if subnet_id in cur_subnets:
            continue
        changed = True
        if subnet_id in elsewhere:
            fresh_call(ctx, 'replace_route_table_association', AssociationId=elsewhere[subnet_id], RouteTableId=table_id)
        else:
            fresh_call(ctx, 'associate_route_table', RouteTableId=table_id, SubnetId=subnet_id)
    for a in current.get('Associations', []):
        if a.get('SubnetId') and a['SubnetId'] not in want_subnets:
            changed = True
            ctx.call('disassociate_route_table', AssociationId=a['RouteTableAssociationId'])
    after['subnet_ids'] = sorted(want_subnets)
    return changed


def delete(ctx, *, existing, desired=None):  # pylint: disable=unused-argument
    """Delete the route table ``existing`` (raw) and its subnet associations; the main table is refused."""
    table = existing
    if any(a.get('Main') for a in table.get('Associations', [])):
        raise ValidationError('state', 'route table %s is the main table of its VPC; it goes with the VPC' % table['RouteTableId'])
    for a in table.get('Associations', []):
        if a.get('RouteTableAssociationId') and not a.get('Main'):
            ctx.call('disassociate_route_table', AssociationId=a['RouteTableAssociationId'])
    ctx.call('delete_route_table', RouteTableId=table['RouteTableId'])
    return Change('delete', describe(table), None, table['RouteTableId'])
