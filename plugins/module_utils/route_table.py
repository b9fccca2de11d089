# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Route tables: routes and subnet associations. Used by route_table and network."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.six import string_types

from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import canonical_cidr, ensure_tags, resource_tags, tag_specifications
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find

TARGETS = (
    ('gateway_id', 'GatewayId', ('igw-', 'vgw-')),
    ('nat_gateway_id', 'NatGatewayId', ('nat-',)),
    ('instance_id', 'InstanceId', ('i-',)),
    ('network_interface_id', 'NetworkInterfaceId', ('eni-',)),
)


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
        if not target.startswith(prefixes) and not target.startswith('('):
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


def describe_route_table(table):
    tags = resource_tags(table)
    return {
        'id': table['RouteTableId'], 'name': tags.get('Name'), 'vpc_id': table.get('VpcId'),
        'routes': [{'dest': d, 'target': t} for d, (k, t) in sorted(current_routes(table).items())],
        'subnet_ids': sorted(a['SubnetId'] for a in table.get('Associations', []) if a.get('SubnetId')),
        'main': any(a.get('Main') for a in table.get('Associations', [])),
        'tags': tags,
    }


def vpc_route_tables(ec2, vpc_id):
    return ec2.paginate('describe_route_tables', 'RouteTables', Filters=[{'Name': 'vpc-id', 'Values': [vpc_id]}])


def find_route_table(tables, name):
    found = [t for t in tables if resource_tags(t).get('Name') == name]
    if len(found) > 1:
        raise ValidationError('name', '%d route tables named %r: %s; delete the extra ones or pass route_table_id'
                              % (len(found), name, ', '.join(t['RouteTableId'] for t in found)))
    return found[0] if found else None


def ensure_route_table(ec2, vpc_id, tags, purge_tags, routes, subnet_ids, purge_routes, purge_subnets,
                       existing, all_tables, check_mode):
    """Converge one route table. routes: normalised dict or None (leave); subnet_ids list or None.

    Returns (changed, before, after).
    """
    if existing is None:
        table_id = None
        before = None
        cur_routes, cur_subnets = {}, []
        changed = True
        if not check_mode:
            name = (tags or {}).get('Name')
            created = create_or_find(
                lambda: ec2.create_route_table(VpcId=vpc_id, TagSpecifications=tag_specifications('route-table', tags))['RouteTable'],
                lambda: find_route_table(vpc_route_tables(ec2, vpc_id), name) if name else None)
            table_id = created['RouteTableId']
        after = {'id': table_id, 'name': (tags or {}).get('Name'), 'vpc_id': vpc_id, 'main': False, 'tags': tags or {}}
    else:
        before = describe_route_table(existing)
        table_id = before['id']
        cur_routes, cur_subnets = current_routes(existing), before['subnet_ids']
        after = dict(before)
        changed, after['tags'] = ensure_tags(ec2, table_id, before['tags'], tags, purge_tags, check_mode)
        after['name'] = after['tags'].get('Name')

    want_routes = dict(cur_routes)
    if routes is not None:
        if purge_routes:
            want_routes = dict(routes)
        else:
            want_routes.update(routes)
    for dest, (key, target) in sorted(want_routes.items()):
        if cur_routes.get(dest) == (key, target):
            continue
        changed = True
        if check_mode:
            continue
        if dest in cur_routes:
            ec2.replace_route(RouteTableId=table_id, DestinationCidrBlock=dest, **{key: target})
        else:
            ec2.create_route(RouteTableId=table_id, DestinationCidrBlock=dest, **{key: target})
    for dest in sorted(set(cur_routes) - set(want_routes)):
        changed = True
        if not check_mode:
            ec2.delete_route(RouteTableId=table_id, DestinationCidrBlock=dest)
    after['routes'] = [{'dest': d, 'target': t} for d, (k, t) in sorted(want_routes.items())]

    want_subnets = list(cur_subnets)
    if subnet_ids is not None:
        want_subnets = sorted(set(subnet_ids) | (set() if purge_subnets else set(cur_subnets)))
    elsewhere = {}
    for t in all_tables:
        if t['RouteTableId'] == table_id:
            continue
        for a in t.get('Associations', []):
            if a.get('SubnetId'):
                elsewhere[a['SubnetId']] = a['RouteTableAssociationId']
    for subnet_id in want_subnets:
        if subnet_id in cur_subnets:
            continue
        changed = True
        if check_mode:
            continue
        if subnet_id in elsewhere:
            ec2.replace_route_table_association(AssociationId=elsewhere[subnet_id], RouteTableId=table_id)
        else:
            ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)
    if existing is not None:
        for a in existing.get('Associations', []):
            if a.get('SubnetId') and a['SubnetId'] not in want_subnets:
                changed = True
                if not check_mode:
                    ec2.disassociate_route_table(AssociationId=a['RouteTableAssociationId'])
    after['subnet_ids'] = sorted(want_subnets)
    return changed, before, after


def delete_route_table(ec2, table, check_mode):
    if any(a.get('Main') for a in table.get('Associations', [])):
        raise ValidationError('state', 'route table %s is the main table of its VPC; it goes with the VPC' % table['RouteTableId'])
    if check_mode:
        return
    for a in table.get('Associations', []):
        if a.get('RouteTableAssociationId') and not a.get('Main'):
            ec2.disassociate_route_table(AssociationId=a['RouteTableAssociationId'])
    ec2.delete_route_table(RouteTableId=table['RouteTableId'])
