# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""VPCs: the resource protocol (docs/architecture.md, runner.py). A VPC is found by its Name tag and CIDR, or its id. Its
DNS attributes are read with DescribeVpcAttribute and kept in its raw view (EnableDnsSupport, EnableDnsHostnames).
Used by the vpc module and the network module."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find, gather
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import (
    apply_tags, call_when_free, refuse_by_rules, refuse_name_tag, describe_one, canonical_cidr, exactly_tagged, fresh_call, interface_label, lingers,
    name_tags, note_made, owned_by, resource_tags, tag_specifications,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, check_owner, validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import normalize_tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import aws_wait

NAME = 'vpc'
KEY = ('name', 'cidr_block', 'vpc_id', 'stack')

# A new VPC has DNS support on and DNS hostnames off.
NEW_VPC_DNS = {'EnableDnsSupport': True, 'EnableDnsHostnames': False}


def validate(p):
    """Normalised copy of the vpc options, or ValidationError naming the field."""
    params = p
    out = dict(params)
    if params.get('stack') is not None:
        validate_stack_name(params['stack'], 'stack')
    name = params.get('name')
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError('name', 'must not be empty')
        if len(name) > 255:
            raise ValidationError('name', 'must be at most 255 characters')
        refuse_name_tag('CreateVpc', name)
    out['name'] = name
    vpc_id = params.get('vpc_id')
    if vpc_id is not None and not vpc_id.startswith('vpc-'):
        raise ValidationError('vpc_id', '%r is not a VPC id (vpc-...)' % vpc_id)
    if params.get('cidr_block') is not None:
        out['cidr_block'] = canonical_cidr(params['cidr_block'], 'cidr_block', 16, 28)
        refuse_by_rules('CreateVpc', 'CidrBlock', out['cidr_block'], 'cidr_block')
    added = (('Name',) if params.get('name') else ()) + ((STACK_TAG,) if params.get('stack') is not None else ())
    out['tags'] = normalize_tags(params.get('tags'), added=added)
    if params.get('state', 'present') == 'present':
        if not name and not vpc_id:
            raise ValidationError('name', 'name is required to create or find a VPC (or give vpc_id)')
        if not out.get('cidr_block') and not vpc_id:
            raise ValidationError('cidr_block', 'cidr_block is required with state=present, for example 10.0.0.0/16')
        if params.get('dns_hostnames') and params.get('dns_support') is False:
            raise ValidationError('dns_hostnames', 'DNS hostnames need DNS support; set dns_support: true or dns_hostnames: false')
    elif not name and not vpc_id:
        raise ValidationError('name', 'give name (and cidr_block) or vpc_id of the VPC to delete')
    return out


def describe(raw):
    """The snake_case view of a VPC whose raw view holds its DNS attributes (see :func:`dns`)."""
    vpc = raw
    tags = resource_tags(vpc)
    return {
        'id': vpc['VpcId'],
        'name': tags.get('Name'),
        'cidr_block': vpc.get('CidrBlock'),
        'state': vpc.get('State'),
        'is_default': vpc.get('IsDefault', False),
        'instance_tenancy': vpc.get('InstanceTenancy'),
        'owner_id': vpc.get('OwnerId'),
        'dhcp_options_id': vpc.get('DhcpOptionsId'),
        'dns_support': vpc.get('EnableDnsSupport'),
        'dns_hostnames': vpc.get('EnableDnsHostnames'),
        'tags': tags,
    }


def _attribute(ec2, vpc_id, attribute, key):
    return ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)[key]['Value']


def dns(ctx, vpc_id):
    """The VPC's two DNS attributes (two reads, side by side): {'EnableDnsSupport': bool, 'EnableDnsHostnames': bool}."""
    support, hostnames = gather(lambda: _attribute(ctx.client, vpc_id, 'enableDnsSupport', 'EnableDnsSupport'),
                                lambda: _attribute(ctx.client, vpc_id, 'enableDnsHostnames', 'EnableDnsHostnames'))
    return {'EnableDnsSupport': support, 'EnableDnsHostnames': hostnames}


def _with_dns(ctx, raw):
    """``raw`` with its DNS attributes, read unless a caller (network's listing) put them there."""
    return raw if 'EnableDnsSupport' in raw else dict(raw, **dns(ctx, raw['VpcId']))


def _find_vpc(ec2, name=None, cidr_block=None, vpc_id=None, extra_tags=None, stack=None):
    """The one VPC matching id, or Name tag (+CIDR, +extra tags); None if none.

    Two matches is an error: the module never guesses. A VPC with the same
    Name and another CIDR is an error too: a VPC's CIDR cannot change, and a
    second VPC under the same name is never what the user meant.

    With ``stack``, the VPC is the stack's: one given by id, or the only ones found by name, tagged with another
    stack or with none are refused (stack.NotOwned, naming both) before anything is changed.
    """
    if vpc_id:
        found = describe_one(ec2.describe_vpcs, 'Vpcs', 'InvalidVpcID.NotFound', VpcIds=[vpc_id])
        if found is not None:
            check_owner(stack, resource_tags(found), 'VPC', vpc_id, 'vpc_id')
        return found
    wanted = dict(extra_tags or {}, Name=name)
    filters = [{'Name': 'tag:%s' % key, 'Values': [value]} for key, value in sorted(wanted.items())]
    vpcs = exactly_tagged(ec2.paginate('describe_vpcs', 'Vpcs', Filters=filters), wanted)
    vpcs = owned_by(stack, [v for v in vpcs if v.get('State') != 'deleted'], 'VPC', name)
    if cidr_block:
        same = [v for v in vpcs if v.get('CidrBlock') == cidr_block]
        if not same and vpcs:
            raise ValidationError('cidr_block', 'a VPC named %r already exists with CIDR %s (%s); a VPC CIDR cannot be changed: '
                                  'use that CIDR, another name, or delete the VPC first'
                                  % (name, ', '.join(v['CidrBlock'] for v in vpcs), ', '.join(v['VpcId'] for v in vpcs)))
        vpcs = same
    if len(vpcs) > 1:
        raise ValidationError('name', '%d VPCs match Name=%r%s: %s; the module will not guess. Delete the extra ones or pass vpc_id'
                              % (len(vpcs), name, ' and CIDR %s' % cidr_block if cidr_block else '',
                                 ', '.join(sorted(v['VpcId'] for v in vpcs))))
    return vpcs[0] if vpcs else None


def wait(ctx, *, vpc_id, timeout):
    """The VPC once it is available (raw), through AWS's VpcAvailable waiter; a VPC this run made that AWS does not show
    yet is waited for."""
    answer = aws_wait(ctx, 'VpcAvailable', 'VPC %s to become available' % vpc_id, timeout, not_found=('InvalidVpcID.NotFound',),
                      VpcIds=[vpc_id])
    return answer['Vpcs'][0]


def find(ctx, *, name=None, cidr_block=None, vpc_id=None, stack=None):
    """The raw VPC (see :func:`_find_vpc`; ``stack``: the owner check), or None."""
    return _find_vpc(ctx.client, name, cidr_block, vpc_id, None, stack)


def ensure(ctx, *, desired, existing=None):
    """One VPC as ``desired`` says (name, cidr_block, dns_hostnames, dns_support, tags, vpc_id; stack: tagged
    Stack=<stack>) against ``existing`` (the raw VPC, None when there is none, found with the owner check of
    :func:`_find_vpc`; its DNS attributes are read unless it holds them)."""
    spec = desired
    stack = spec.get('stack')
    desired_tags = name_tags(spec.get('name'), spec.get('tags'))
    if stack is not None:
        desired_tags[STACK_TAG] = stack
    if existing is None and spec.get('vpc_id'):
        raise ValidationError('vpc_id', 'no VPC %s in this account/region' % spec['vpc_id'])
    want_dns = {'EnableDnsSupport': spec.get('dns_support', True), 'EnableDnsHostnames': spec.get('dns_hostnames', True)}
    if existing is None:
        planned = {'id': None, 'name': spec.get('name'), 'cidr_block': spec['cidr_block'], 'state': 'available',
                   'is_default': False, 'instance_tenancy': 'default', 'tags': desired_tags}
        planned.update(dns_support=want_dns['EnableDnsSupport'], dns_hostnames=want_dns['EnableDnsHostnames'])
        return ctx.create('vpc', spec.get('name'), lambda: _create(ctx, spec, desired_tags, want_dns), planned)
    existing = _with_dns(ctx, existing)
    before = describe(existing)
    after = dict(before)
    purge = ctx.purge_tags
    if spec.get('tags') is None:
        # tags not given: manage only the Name tag, keep the rest
        tags_wanted, purge = ({'Name': spec['name']} if spec.get('name') else None), False
        if stack is not None:
            tags_wanted = dict(tags_wanted or {}, **{STACK_TAG: stack})
    else:
        tags_wanted = desired_tags
    changed, after['tags'] = apply_tags(ctx, before['id'], before['tags'], tags_wanted, purge)
    after['name'] = after['tags'].get('Name')
    current_dns = {'EnableDnsSupport': before['dns_support'], 'EnableDnsHostnames': before['dns_hostnames']}
    if current_dns != want_dns:
        changed = True
        after.update(dns_support=want_dns['EnableDnsSupport'], dns_hostnames=want_dns['EnableDnsHostnames'])
        _apply_dns(ctx, before['id'], current_dns, want_dns)
    return Change.of(changed, before, after, before['id'])


def _create(ctx, spec, tags, want_dns):
    vpc = create_or_find(
        lambda: ctx.call('create_vpc', CidrBlock=spec['cidr_block'], TagSpecifications=tag_specifications('vpc', tags))['Vpc'],
        lambda: _find_vpc(ctx.client, spec.get('name'), spec['cidr_block'], stack=spec.get('stack')))
    vpc_id = vpc['VpcId']
    note_made(ctx, vpc_id)
    if vpc.get('State') != 'available':
        vpc = wait(ctx, vpc_id=vpc_id, timeout=ctx.wait_timeout)
    _apply_dns(ctx, vpc_id, dict(NEW_VPC_DNS), want_dns)
    return vpc_id, describe(dict(vpc, **want_dns))


def _apply_dns(ctx, vpc_id, current, want):
    # Support must be on before hostnames can be turned on, and hostnames off before support goes off.
    if want['EnableDnsSupport'] and not current['EnableDnsSupport']:
        fresh_call(ctx, 'modify_vpc_attribute', VpcId=vpc_id, EnableDnsSupport={'Value': True})
    if want['EnableDnsHostnames'] != current['EnableDnsHostnames']:
        fresh_call(ctx, 'modify_vpc_attribute', VpcId=vpc_id, EnableDnsHostnames={'Value': want['EnableDnsHostnames']})
    if not want['EnableDnsSupport'] and current['EnableDnsSupport']:
        fresh_call(ctx, 'modify_vpc_attribute', VpcId=vpc_id, EnableDnsSupport={'Value': False})


def children(ctx, *, vpc_id, going=(), lingering=True):
    """What still lives in the VPC and keeps it from being deleted: ['subnet subnet-1 (web-a)', ...];
    ``going``: the ids this run deletes (or would, in check mode), not counted; ``lingering`` False: the interfaces
    AWS deletes by itself (ec2.lingers) are not counted either."""
    ec2 = ctx.client
    vpc_filter = [{'Name': 'vpc-id', 'Values': [vpc_id]}]
    found = []

    def add(kind, rid, tags):
        if rid not in going:
            name = (tags or {}).get('Name')
            found.append('%s %s%s' % (kind, rid, ' (%s)' % name if name else ''))

    for s in ec2.paginate('describe_subnets', 'Subnets', Filters=vpc_filter):
        add('subnet', s['SubnetId'], resource_tags(s))
    for g in ec2.paginate('describe_internet_gateways', 'InternetGateways',
                          Filters=[{'Name': 'attachment.vpc-id', 'Values': [vpc_id]}]):
        add('internet gateway', g['InternetGatewayId'], resource_tags(g))
    for n in ec2.paginate('describe_nat_gateways', 'NatGateways', Filter=vpc_filter):
        if n.get('State') not in ('deleted', 'failed'):
            add('NAT gateway', n['NatGatewayId'], resource_tags(n))
    for g in ec2.paginate('describe_security_groups', 'SecurityGroups', Filters=vpc_filter):
        if g.get('GroupName') != 'default':
            add('security group', g['GroupId'], resource_tags(g))
    for r in ec2.paginate('describe_route_tables', 'RouteTables', Filters=vpc_filter):
        if not any(a.get('Main') for a in r.get('Associations', [])):
            add('route table', r['RouteTableId'], resource_tags(r))
    for e in ec2.paginate('describe_network_interfaces', 'NetworkInterfaces', Filters=vpc_filter):
        if e['NetworkInterfaceId'] not in going and (lingering or not lingers(e)):
            found.append(interface_label(e))
    return found


def delete(ctx, *, existing, desired=None):
    """Delete the VPC ``existing`` (raw); refuses, naming them, while dependents remain (``desired['going']``: ids the
    same run deletes before, see :func:`children`). Interfaces AWS deletes by itself (a deleted load
    balancer's, NAT gateway's ...) are waited for, within the context's wait_timeout, and named if they stay."""
    if existing is None:
        return Change('none', None, None)
    before = describe(_with_dns(ctx, existing))
    blockers = children(ctx, vpc_id=before['id'], going=(desired or {}).get('going', ()), lingering=False)
    if blockers:
        raise ValidationError('state', 'VPC %s still has dependents: %s. Delete them first '
                              '(seed.laravel_aws.network with state: absent removes a whole stack in order)'
                              % (before['id'], '; '.join(blockers)))
    call_when_free(ctx, 'delete_vpc', 'VPC %s' % before['id'], lambda: children(ctx, vpc_id=before['id']), VpcId=before['id'])
    return Change('delete', before, None, before['id'])
