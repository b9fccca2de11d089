# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internet gateways: the resource protocol (docs/architecture.md, runner.py). The VPC's gateway is the one attached to
it, else a detached one carrying its Name tag (what a lost create made), so ``existing`` is the pair ``(attached,
detached)``. Used by internet_gateway and network."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import (
    apply_tags, call_when_free, exactly_tagged, fresh_call, given_vpc, managed_tags, note_made, public_addresses, refuse_name_tag, resource_tags,
    tag_specifications,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, check_owner, validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import tag_filters

NAME = 'internet_gateway'
KEY = ('vpc_id', 'name', 'stack')
RESOLVE_ABSENT = True  # nothing is deleted in another stack's VPC


def validate(p):
    """The desired gateway: its VPC, its Name tag, tags (Name and Stack added; left out: only those two are managed),
    attached (state present) or not (detached)."""
    stack = p.get('stack')
    if stack is not None:
        validate_stack_name(stack, 'stack')
    refuse_name_tag('CreateInternetGateway', p.get('name'))
    if not p['vpc_id'].startswith('vpc-'):
        raise ValidationError('vpc_id', '%r is not a VPC id (vpc-...)' % p['vpc_id'])
    tags, purge = managed_tags(p, stack)
    return {'vpc_id': p['vpc_id'], 'name': p.get('name'), 'stack': stack, 'tags': tags, 'purge_tags': purge,
            'attach': p.get('state', 'present') == 'present'}


def resolve(ctx, *, desired):
    """The VPC is there and not another stack's (reads only)."""
    given_vpc(ctx, desired['vpc_id'], desired['stack'])
    return desired


def describe(raw):
    tags = resource_tags(raw)
    attached = [a['VpcId'] for a in raw.get('Attachments', []) if a.get('State') in ('available', 'attached', 'attaching')]
    return {'id': raw['InternetGatewayId'], 'name': tags.get('Name'), 'vpc_id': attached[0] if attached else None,
            'attached': bool(attached), 'tags': tags}


def _detached_named(ec2, name):
    """Detached gateways whose Name tag is exactly ``name`` (a filter value is a pattern: see ec2.exactly_tagged)."""
    found = ec2.paginate('describe_internet_gateways', 'InternetGateways', Filters=[{'Name': 'tag:Name', 'Values': [name]}])
    return [g for g in exactly_tagged(found, {'Name': name}) if not g.get('Attachments')]


def _owned(stack, attached, detached, name):
    """(attached, detached) as the stack may change them: with ``stack``, a gateway attached to the VPC must be the
    stack's, and so must a detached one found by name when it would be taken (none attached, none of the stack's
    detached); else stack.NotOwned, naming both, before anything is changed. Detached ones of others are left out."""
    if stack is None:
        return attached, detached
    for g in attached:
        check_owner(stack, resource_tags(g), 'internet gateway', '%s (attached to %s)' % (g['InternetGatewayId'], _vpc_of(g)))
    mine = [g for g in detached if resource_tags(g).get(STACK_TAG) == stack]
    if detached and not attached and not mine:
        check_owner(stack, resource_tags(detached[0]), 'internet gateway', '%s (%s)' % (detached[0]['InternetGatewayId'], name))
    return attached, mine


def _vpc_of(igw):
    return ', '.join(a['VpcId'] for a in igw.get('Attachments', [])) or 'nothing'


def find(ctx, *, vpc_id, name=None, stack=None):
    """``(attached to the VPC, detached ones carrying the Name tag)``, or None when there are none: a lost create is
    found by its tag. The gateways the run read already (``ctx.reads['internet_gateways']``: the VPC's) save a read;
    detached ones are looked for only when none is attached. ``stack``: the owner check of :func:`_owned`."""
    attached = ctx.known('internet_gateways', lambda: ctx.client.paginate(
        'describe_internet_gateways', 'InternetGateways', Filters=[{'Name': 'attachment.vpc-id', 'Values': [vpc_id]}]))
    detached = _detached_named(ctx.client, name) if name and not attached else []
    attached, detached = _owned(stack, attached, detached, name)
    return (attached, detached) if attached or detached else None


def ensure(ctx, *, desired, existing=None):
    """The VPC's internet gateway as ``desired`` says (vpc_id, tags, purge_tags, attach) against ``existing``, the
    (attached, detached) pair :func:`find` gives (None: there is none)."""
    vpc_id, tags, attach = desired['vpc_id'], desired.get('tags'), desired.get('attach', True)
    attached, detached = existing or ([], [])
    if len(attached) > 1:
        raise ValidationError('vpc_id', 'VPC %s has %d internet gateways attached (%s); a VPC takes one'
                              % (vpc_id, len(attached), ', '.join(g['InternetGatewayId'] for g in attached)))
    current = attached[0] if attached else (sorted(detached, key=lambda g: g['InternetGatewayId'])[0] if detached else None)
    if current is None:
        planned = {'id': None, 'name': (tags or {}).get('Name'), 'vpc_id': vpc_id if attach else None, 'attached': attach, 'tags': tags or {}}
        return ctx.create('internet_gateway', planned['name'], lambda: _create(ctx, vpc_id, tags, attach, planned), planned)
    before = describe(current)
    after = dict(before)
    changed, after['tags'] = apply_tags(ctx, before['id'], before['tags'], tags, desired.get('purge_tags'))
    after['name'] = after['tags'].get('Name')
    if attach != before['attached']:
        changed = True
        after.update(attached=attach, vpc_id=vpc_id if attach else None)
        if attach:
            fresh_call(ctx, 'attach_internet_gateway', InternetGatewayId=before['id'], VpcId=vpc_id)
        else:
            _detach(ctx, before['id'], before['vpc_id'])
    return Change.of(changed, before, after, before['id'])


def _create(ctx, vpc_id, tags, attach, planned):
    igw = create_or_find(
        lambda: ctx.call('create_internet_gateway', TagSpecifications=tag_specifications('internet-gateway', tags))['InternetGateway'],
        lambda: _find_tagged(ctx.client, tags))
    note_made(ctx, igw['InternetGatewayId'])
    if attach:  # the gateway (and the VPC) may be unseen for a moment yet
        fresh_call(ctx, 'attach_internet_gateway', InternetGatewayId=igw['InternetGatewayId'], VpcId=vpc_id)
    return igw['InternetGatewayId'], dict(planned, id=igw['InternetGatewayId'])


def _find_tagged(ec2, tags):
    """A gateway carrying all these tags (Name included): what a create whose answer was lost made."""
    if not (tags or {}).get('Name'):
        return None
    found = exactly_tagged(ec2.paginate('describe_internet_gateways', 'InternetGateways', Filters=tag_filters(tags)), tags)
    return sorted(found, key=lambda g: g['InternetGatewayId'])[0] if found else None


def _detach(ctx, igw_id, vpc_id):
    """Detach the gateway. AWS refuses (DependencyViolation) while a public address is mapped in the VPC
    ("Network vpc-... has some mapped public address(es). Please unmap those public address(es) before detaching the
    gateway"; https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DetachInternetGateway.html: "The VPC must
    not contain any running instances with Elastic IP addresses or public IPv4 addresses"): a NAT gateway or load
    balancer being deleted, an instance shutting down. Sent again within the context's wait_timeout; then
    waiters.StillInUse names the addresses still mapped."""
    call_when_free(ctx, 'detach_internet_gateway', 'internet gateway %s (attached to %s)' % (igw_id, vpc_id),
                   lambda: public_addresses(ctx.client, vpc_id), InternetGatewayId=igw_id, VpcId=vpc_id)


def delete(ctx, *, existing, desired=None):  # pylint: disable=unused-argument
    """Detach (see :func:`_detach`) and delete the gateways of ``existing`` (the (attached, detached) pair :func:`find`
    gives: the one attached to the VPC, and the detached ones of its name)."""
    attached, detached = existing
    gone = list(attached) + list(detached)
    for igw in gone:
        for a in igw.get('Attachments', []):
            _detach(ctx, igw['InternetGatewayId'], a['VpcId'])
        call_when_free(ctx, 'delete_internet_gateway', 'internet gateway %s' % igw['InternetGatewayId'], None,
                       InternetGatewayId=igw['InternetGatewayId'])
    return Change('delete' if gone else 'none', describe(gone[0]) if gone else None, None, gone[0]['InternetGatewayId'] if gone else None)
