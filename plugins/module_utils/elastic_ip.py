# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Elastic IPs, found again by their tags: never a new address per run. Used by elastic_ip, nat_gateway, network."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import (
    apply_tags, exactly_tagged, note_made, owned_by, resource_tags, tag_specifications,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import tag_filters


def describe_eip(addr):
    tags = resource_tags(addr)
    return {'allocation_id': addr['AllocationId'], 'public_ip': addr.get('PublicIp'), 'name': tags.get('Name'),
            'association_id': addr.get('AssociationId'), 'network_interface_id': addr.get('NetworkInterfaceId'),
            'instance_id': addr.get('InstanceId'), 'domain': addr.get('Domain', 'vpc'), 'tags': tags}


def find_eips(ec2, match_tags, stack=None):
    """Addresses carrying every tag of match_tags (Name at least) exactly (a filter value is a pattern: see
    ec2.exactly_tagged). With ``stack``, the stack's; when only addresses of another stack (or of none) carry them,
    stack.NotOwned naming both, before anything is changed."""
    found = exactly_tagged(ec2.describe_addresses(Filters=tag_filters(match_tags))['Addresses'], match_tags)
    return owned_by(stack, found, 'elastic IP', ', '.join('%s=%s' % kv for kv in sorted(match_tags.items())))


def pick_one(addresses, what):
    if len(addresses) > 1:
        raise ValidationError('name', '%d elastic IPs match %s: %s; release the extra ones or pass allocation_id'
                              % (len(addresses), what, ', '.join(sorted(a['AllocationId'] for a in addresses))))
    return addresses[0] if addresses else None


def find(ctx, *, tags, addresses=None, stack=None):
    """The one address carrying the Name tag of ``tags`` (``addresses``: those described already), or None.
    ``stack``: the owner check of :func:`find_eips`."""
    name = tags['Name']
    if addresses is None:
        found = find_eips(ctx.client, {'Name': name}, stack)
    else:
        found = owned_by(stack, [a for a in addresses if resource_tags(a).get('Name') == name], 'elastic IP', 'Name=%s' % name)
    return pick_one(found, 'Name=%s' % name)


def ensure(ctx, *, desired, existing=None):
    """One address as ``desired`` says (tags) against ``existing`` (raw, None when there is none)."""
    tags = desired.get('tags')
    if existing is None:
        planned = {'allocation_id': None, 'public_ip': None, 'name': (tags or {}).get('Name'), 'association_id': None,
                   'domain': 'vpc', 'tags': tags or {}}
        return ctx.create('elastic_ip', planned['name'], lambda: _allocate(ctx, tags, planned), planned)
    before = describe_eip(existing)
    after = dict(before)
    changed, after['tags'] = apply_tags(ctx, before['allocation_id'], before['tags'], tags)
    after['name'] = after['tags'].get('Name')
    return Change.of(changed, before, after, before['allocation_id'])


def _allocate(ctx, tags, planned):
    name = (tags or {}).get('Name')
    addr = create_or_find(
        lambda: ctx.call('allocate_address', Domain='vpc', TagSpecifications=tag_specifications('elastic-ip', tags)),
        lambda: pick_one(find_eips(ctx.client, _made_by(tags)), 'Name=%s' % name) if name else None)
    note_made(ctx, addr['AllocationId'])  # a NAT gateway made with it next may not find it for a moment
    return addr['AllocationId'], dict(planned, allocation_id=addr['AllocationId'], public_ip=addr.get('PublicIp'))


def _made_by(tags):
    """The tags an address this run allocated carries and another stack's does not: its Name, and its Stack if any."""
    return dict((k, v) for k, v in tags.items() if k in ('Name', STACK_TAG))


def delete(ctx, *, existing, disassociate=False):
    """Release the address ``existing`` (raw); one in use is refused unless ``disassociate``."""
    if existing.get('AssociationId'):
        if not disassociate:
            raise ValidationError('state', 'elastic IP %s (%s) is associated with %s; set release_on_disassociation: true or free it first'
                                  % (existing['AllocationId'], existing.get('PublicIp'),
                                     existing.get('InstanceId') or existing.get('NetworkInterfaceId')))
        ctx.call('disassociate_address', AssociationId=existing['AssociationId'])
    ctx.call('release_address', AllocationId=existing['AllocationId'])
    return Change('delete', describe_eip(existing), None, existing['AllocationId'])
