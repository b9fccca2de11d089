# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Elastic IP addresses: the resource protocol (docs/architecture.md, runner.py). An address is found by its Name tag (or
its allocation id), so a rerun finds the address the first run allocated. Used by elastic_ip, nat_gateway and network."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import (
    apply_tags, describe_one, exactly_tagged, managed_tags, note_made, owned_by, refuse_name_tag, resource_tags, tag_specifications,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, check_owner, validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import tag_filters

NAME = 'elastic_ip'
KEY = ('name', 'allocation_id', 'stack')
RESULT = 'address'


def validate(p):
    """The desired address: its Name tag or allocation id, its tags (the Name and Stack tags added), the release rule.
    Tags left out manage only the Name (and Stack) tag and keep the others."""
    stack = p.get('stack')
    if stack is not None:
        validate_stack_name(stack, 'stack')
    refuse_name_tag('AllocateAddress', p.get('name'))
    if not p.get('name') and not p.get('allocation_id'):
        raise ValidationError('name', 'give name (the Name tag the address is found by) or allocation_id')
    if p.get('allocation_id') and not p['allocation_id'].startswith('eipalloc-'):
        raise ValidationError('allocation_id', '%r is not an allocation id (eipalloc-...)' % p['allocation_id'])
    tags, purge = managed_tags(p, stack, kept={})
    return {'name': p.get('name'), 'allocation_id': p.get('allocation_id'), 'stack': stack, 'tags': tags, 'purge_tags': purge,
            'release_on_disassociation': p.get('release_on_disassociation', False)}


def describe(raw):
    tags = resource_tags(raw)
    return {'allocation_id': raw['AllocationId'], 'public_ip': raw.get('PublicIp'), 'name': tags.get('Name'),
            'association_id': raw.get('AssociationId'), 'network_interface_id': raw.get('NetworkInterfaceId'),
            'instance_id': raw.get('InstanceId'), 'domain': raw.get('Domain', 'vpc'), 'tags': tags}


def _tagged(ec2, match_tags):
    return exactly_tagged(ec2.describe_addresses(Filters=tag_filters(match_tags))['Addresses'], match_tags)


def _pick_one(addresses, what):
    if len(addresses) > 1:
        raise ValidationError('name', '%d elastic IPs match %s: %s; release the extra ones or pass allocation_id'
                              % (len(addresses), what, ', '.join(sorted(a['AllocationId'] for a in addresses))))
    return addresses[0] if addresses else None


def find(ctx, *, name=None, allocation_id=None, stack=None):
    """The address with ``allocation_id``, else the one whose Name tag is ``name`` (the addresses the run read already,
    ``ctx.reads['addresses']``, else those AWS lists), or None. With ``stack``, one of another stack (or of none) is
    refused (stack.NotOwned, naming both) before anything is changed; two with the name are an error naming them."""
    if allocation_id:
        found = describe_one(ctx.client.describe_addresses, 'Addresses', 'InvalidAllocationID.NotFound', AllocationIds=[allocation_id])
        if found is None:
            raise ValidationError('allocation_id', 'no address %s in this account/region' % allocation_id)
        check_owner(stack, resource_tags(found), 'elastic IP', '%s (%s)' % (allocation_id, found.get('PublicIp')), 'allocation_id')
        return found
    named = [a for a in ctx.known('addresses', lambda: _tagged(ctx.client, {'Name': name})) if resource_tags(a).get('Name') == name]
    return _pick_one(owned_by(stack, named, 'elastic IP', 'Name=%s' % name), 'Name=%s' % name)


def ensure(ctx, *, desired, existing=None):
    """One address as ``desired`` says (tags, purge_tags) against ``existing`` (raw, None when there is none)."""
    tags = desired.get('tags') or {}
    if existing is None:
        planned = {'allocation_id': None, 'public_ip': None, 'name': tags.get('Name'), 'association_id': None,
                   'network_interface_id': None, 'instance_id': None, 'domain': 'vpc', 'tags': tags}
        return ctx.create('elastic_ip', planned['name'], lambda: _allocate(ctx, tags, planned), planned)
    before = describe(existing)
    after = dict(before)
    changed, after['tags'] = apply_tags(ctx, before['allocation_id'], before['tags'], tags, desired.get('purge_tags'))
    after['name'] = after['tags'].get('Name')
    return Change.of(changed, before, after, before['allocation_id'])


def _allocate(ctx, tags, planned):
    name = tags.get('Name')
    made_by = dict((k, v) for k, v in tags.items() if k in ('Name', STACK_TAG))  # what another stack's address lacks
    addr = create_or_find(
        lambda: ctx.call('allocate_address', Domain='vpc', TagSpecifications=tag_specifications('elastic-ip', tags)),
        lambda: _pick_one(_tagged(ctx.client, made_by), 'Name=%s' % name) if name else None)
    note_made(ctx, addr['AllocationId'])  # a NAT gateway made with it next may not find it for a moment
    return addr['AllocationId'], dict(planned, allocation_id=addr['AllocationId'], public_ip=addr.get('PublicIp'))


def delete(ctx, *, existing, desired=None):
    """Release the address ``existing`` (raw); one in use is refused unless ``desired['release_on_disassociation']``."""
    if existing.get('AssociationId'):
        if not (desired or {}).get('release_on_disassociation'):
            raise ValidationError('state', 'elastic IP %s (%s) is associated with %s; set release_on_disassociation: true or free it first'
                                  % (existing['AllocationId'], existing.get('PublicIp'),
                                     existing.get('InstanceId') or existing.get('NetworkInterfaceId')))
        ctx.call('disassociate_address', AssociationId=existing['AssociationId'])
    ctx.call('release_address', AllocationId=existing['AllocationId'])
    return Change('delete', describe(existing), None, existing['AllocationId'])
