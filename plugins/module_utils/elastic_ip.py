# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Elastic IPs, found again by their tags: never a new address per run. Used by elastic_ip, nat_gateway, network."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import apply_tags, resource_tags, tag_specifications
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import tag_filters


def describe_eip(addr):
    tags = resource_tags(addr)
    return {'allocation_id': addr['AllocationId'], 'public_ip': addr.get('PublicIp'), 'name': tags.get('Name'),
            'association_id': addr.get('AssociationId'), 'network_interface_id': addr.get('NetworkInterfaceId'),
            'instance_id': addr.get('InstanceId'), 'domain': addr.get('Domain', 'vpc'), 'tags': tags}


def find_eips(ec2, match_tags):
    """Addresses carrying every tag of match_tags (Name at least)."""
    return ec2.describe_addresses(Filters=tag_filters(match_tags))['Addresses']


def pick_one(addresses, what):
    if len(addresses) > 1:
        raise ValidationError('name', '%d elastic IPs match %s: %s; release the extra ones or pass allocation_id'
                              % (len(addresses), what, ', '.join(sorted(a['AllocationId'] for a in addresses))))
    return addresses[0] if addresses else None


def find(ctx, *, tags, addresses=None):
    """The one address carrying the Name tag of ``tags`` (``addresses``: those described already), or None."""
    name = tags['Name']
    found = find_eips(ctx.client, {'Name': name}) if addresses is None else [a for a in addresses if resource_tags(a).get('Name') == name]
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
        lambda: pick_one(find_eips(ctx.client, {'Name': name}), 'Name=%s' % name) if name else None)
    return addr['AllocationId'], dict(planned, allocation_id=addr['AllocationId'], public_ip=addr.get('PublicIp'))


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
