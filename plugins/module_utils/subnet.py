# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Subnets: the resource protocol (docs/architecture.md, runner.py). A subnet is found in its VPC by its CIDR (unique
within a VPC). Used by subnet and network."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import (
    apply_tags, call_when_free, canonical_cidr, fresh_call, given_vpc, interface_label, interfaces, lingers, managed_tags, note_made, refuse_by_rules,
    refuse_name_tag, resource_tags, tag_specifications,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, check_owner, validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import aws_wait

NAME = 'subnet'
KEY = ('vpc_id', 'cidr_block', 'stack')
RESOLVE_ABSENT = True  # a subnet of another stack's VPC is refused even to delete


def validate(p):
    """The desired subnet: its VPC, its CIDR (canonical, /16 to /28), zone, public mapping, tags (Name and Stack added;
    left out: only those two are managed)."""
    stack = p.get('stack')
    if stack is not None:
        validate_stack_name(stack, 'stack')
    refuse_name_tag('CreateSubnet', p.get('name'))
    if not p['vpc_id'].startswith('vpc-'):
        raise ValidationError('vpc_id', '%r is not a VPC id (vpc-...)' % p['vpc_id'])
    cidr = canonical_cidr(p['cidr_block'], 'cidr_block', 16, 28)
    refuse_by_rules('CreateSubnet', 'CidrBlock', cidr, 'cidr_block')
    tags, purge = managed_tags(p, stack)
    return dict(vpc_id=p['vpc_id'], cidr_block=cidr, availability_zone=p.get('availability_zone'), stack=stack, state=p.get('state', 'present'),
                map_public_ip_on_launch=p.get('map_public_ip_on_launch'), tags=tags, purge_tags=purge)


def resolve(ctx, *, desired):
    """The VPC is there and not another stack's (every state); it holds the CIDR and the zone is the region's (reads only)."""
    vpc = given_vpc(ctx, desired['vpc_id'], desired['stack'])
    if desired['state'] == 'absent':
        return desired
    check_cidrs(vpc['CidrBlock'], [desired['cidr_block']], ['cidr_block'])
    if desired.get('availability_zone'):
        check_zone(desired['availability_zone'], zones(ctx), 'availability_zone')
    return desired


def zones(ctx):
    """Names and ids of the region's availability zones: {'us-east-1a': 'use1-az6', ...}."""
    zones = ctx.client.describe_availability_zones(Filters=[{'Name': 'zone-type', 'Values': ['availability-zone']}])
    return dict((z['ZoneName'], z.get('ZoneId')) for z in zones['AvailabilityZones'])


def check_zone(zone, zones, field):
    if zone not in zones:
        raise ValidationError(field, 'availability zone %r is not in this region; it has %s' % (zone, ', '.join(sorted(zones))))


def check_cidrs(vpc_cidr, cidrs, fields):
    """Each CIDR inside the VPC CIDR and no two overlapping; ValidationError names the field."""
    vnet = ipaddress.IPv4Network(vpc_cidr)
    nets = []
    for cidr, field in zip(cidrs, fields):
        net = ipaddress.IPv4Network(cidr)
        if not net.subnet_of(vnet):
            raise ValidationError(field, '%s is outside the VPC CIDR %s; choose a block inside it' % (cidr, vpc_cidr))
        for other, other_field in nets:
            if net.overlaps(other):
                raise ValidationError(field, '%s overlaps %s (%s); subnets of a VPC must not overlap' % (cidr, other, other_field))
        nets.append((net, field))


def describe(raw):
    subnet = raw
    tags = resource_tags(subnet)
    return {
        'id': subnet['SubnetId'],
        'name': tags.get('Name'),
        'vpc_id': subnet['VpcId'],
        'cidr_block': subnet['CidrBlock'],
        'availability_zone': subnet.get('AvailabilityZone'),
        'availability_zone_id': subnet.get('AvailabilityZoneId'),
        'map_public_ip_on_launch': subnet.get('MapPublicIpOnLaunch', False),
        'state': subnet.get('State'),
        'available_ip_address_count': subnet.get('AvailableIpAddressCount'),
        'tags': tags,
    }


def _vpc_subnets(ec2, vpc_id):
    return ec2.paginate('describe_subnets', 'Subnets', Filters=[{'Name': 'vpc-id', 'Values': [vpc_id]}])


def wait(ctx, *, subnet_id, timeout):
    """The subnet once it is available (raw), through AWS's SubnetAvailable waiter; a subnet this run made that AWS does
    not show yet is waited for."""
    answer = aws_wait(ctx, 'SubnetAvailable', 'subnet %s to become available' % subnet_id, timeout,
                      not_found=('InvalidSubnetID.NotFound',), SubnetIds=[subnet_id])
    return answer['Subnets'][0]


def label(raw):
    """How a subnet is named in a message: its id, CIDR and Name tag."""
    name = resource_tags(raw).get('Name')
    return '%s (%s%s)' % (raw['SubnetId'], raw['CidrBlock'], ', %s' % name if name else '')


def find(ctx, *, vpc_id, cidr_block, stack=None):
    """The subnet of the VPC with this CIDR, or None: from the subnets the run read already (``ctx.reads['subnets']``),
    else the VPC's. With ``stack``, one tagged with another stack or with none is refused (stack.NotOwned, naming both)
    before anything is changed."""
    return _pick(ctx.known('subnets', lambda: _vpc_subnets(ctx.client, vpc_id), keep=True), cidr_block, stack)


def _pick(subnets, cidr_block, stack):
    found = [s for s in subnets if s['CidrBlock'] == cidr_block]
    if found:
        check_owner(stack, resource_tags(found[0]), 'subnet', label(found[0]))
    return found[0] if found else None


def ensure(ctx, *, desired, existing=None):
    """One subnet as ``desired`` says (vpc_id, cidr_block, availability_zone, map_public_ip_on_launch, tags with Name,
    purge_tags) against ``existing`` (raw, None when there is none). A new one must not overlap the VPC's subnets."""
    spec = desired
    want_public = bool(spec.get('map_public_ip_on_launch'))
    tags = spec.get('tags')
    if existing is None:
        siblings = ctx.known('subnets', lambda: _vpc_subnets(ctx.client, spec['vpc_id']))
        for s in siblings:
            if ipaddress.IPv4Network(s['CidrBlock']).overlaps(ipaddress.IPv4Network(spec['cidr_block'])):
                raise ValidationError('cidr_block', '%s overlaps subnet %s (%s) of the VPC' % (spec['cidr_block'], s['SubnetId'], s['CidrBlock']))
        planned = {'id': None, 'name': (tags or {}).get('Name'), 'vpc_id': spec['vpc_id'], 'cidr_block': spec['cidr_block'],
                   'availability_zone': spec.get('availability_zone'), 'map_public_ip_on_launch': want_public,
                   'state': 'available', 'tags': tags or {}}
        return ctx.create('subnet', planned['name'] or spec['cidr_block'], lambda: _create(ctx, spec, tags, want_public), planned)
    before = describe(existing)
    if spec.get('availability_zone') and spec['availability_zone'] != before['availability_zone']:
        raise ValidationError('availability_zone', 'subnet %s (%s) is in %s; a subnet cannot move to %s. Delete it first or keep its zone'
                              % (before['id'], before['cidr_block'], before['availability_zone'], spec['availability_zone']))
    after = dict(before)
    changed, after['tags'] = apply_tags(ctx, before['id'], before['tags'], tags, spec.get('purge_tags'))
    after['name'] = after['tags'].get('Name')
    if spec.get('map_public_ip_on_launch') is not None and want_public != before['map_public_ip_on_launch']:
        changed = True
        after['map_public_ip_on_launch'] = want_public
        ctx.call('modify_subnet_attribute', SubnetId=before['id'], MapPublicIpOnLaunch={'Value': want_public})
    return Change.of(changed, before, after, before['id'])


def _create(ctx, spec, tags, want_public):
    kwargs = dict(VpcId=spec['vpc_id'], CidrBlock=spec['cidr_block'], TagSpecifications=tag_specifications('subnet', tags))
    if spec.get('availability_zone'):
        kwargs['AvailabilityZone'] = spec['availability_zone']
    # InvalidSubnet.Conflict: the CIDR is taken, perhaps by the subnet an interrupted run made moments ago that the
    # VPC's listing did not show yet; found again (the stack's, else refused), it is taken.
    created = create_or_find(lambda: fresh_call(ctx, 'create_subnet', **kwargs)['Subnet'],
                             lambda: _pick(_vpc_subnets(ctx.client, spec['vpc_id']), spec['cidr_block'], (tags or {}).get(STACK_TAG)),
                             exists=('InvalidSubnet.Conflict',))
    note_made(ctx, created['SubnetId'])
    raw = created if created.get('State') == 'available' else wait(ctx, subnet_id=created['SubnetId'], timeout=ctx.wait_timeout)
    if want_public:
        fresh_call(ctx, 'modify_subnet_attribute', SubnetId=created['SubnetId'], MapPublicIpOnLaunch={'Value': True})
        raw = dict(raw, MapPublicIpOnLaunch=True)
    return raw['SubnetId'], describe(raw)


def children(ctx, *, subnet_id, going=()):
    """Instances and interfaces in the subnet that only their owner removes; ``going``: the ids this run deletes (or
    would, in check mode), not counted. What AWS deletes by itself is not counted, the delete waits for it: the
    interfaces of a load balancer, NAT gateway, RDS or cache cluster some minutes after it is gone (ec2.lingers), and
    instances shutting down, with their interfaces."""
    ec2 = ctx.client
    found = []
    ending = set()
    for r in ec2.paginate('describe_instances', 'Reservations', Filters=[
            {'Name': 'subnet-id', 'Values': [subnet_id]},
            {'Name': 'instance-state-name', 'Values': ['pending', 'running', 'stopping', 'stopped', 'shutting-down']}]):
        for i in r['Instances']:
            if i['State']['Name'] == 'shutting-down':
                ending.add(i['InstanceId'])
            elif i['InstanceId'] not in going:
                found.append('instance %s (%s)' % (i['InstanceId'], i['State']['Name']))
    enis = ec2.paginate('describe_network_interfaces', 'NetworkInterfaces', Filters=[{'Name': 'subnet-id', 'Values': [subnet_id]}])
    for e in enis:
        owner = (e.get('Attachment') or {}).get('InstanceId')
        if e['NetworkInterfaceId'] not in going and owner not in going and owner not in ending and not lingers(e):
            found.append(interface_label(e))
    return found


def delete(ctx, *, existing, desired=None):
    """Delete the subnet ``existing`` (raw); refuses, naming them, while instances or interfaces use it
    (``desired['going']``: ids the same run deletes before, see :func:`children`). While AWS answers
    DependencyViolation (requester-managed interfaces of what was deleted a moment ago) the delete is sent again
    within the context's wait_timeout; then waiters.StillInUse names the interfaces still in the subnet."""
    blockers = children(ctx, subnet_id=existing['SubnetId'], going=(desired or {}).get('going', ()))
    if blockers:
        raise ValidationError('state', 'subnet %s (%s) is still in use by %s; remove them first'
                              % (existing['SubnetId'], existing['CidrBlock'], '; '.join(blockers)))
    call_when_free(ctx, 'delete_subnet', 'subnet %s' % label(existing),
                   lambda: interfaces(ctx.client, 'subnet-id', existing['SubnetId']), SubnetId=existing['SubnetId'])
    return Change('delete', describe(existing), None, existing['SubnetId'])
