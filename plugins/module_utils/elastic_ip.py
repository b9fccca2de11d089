# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Elastic IPs, found again by their tags: never a new address per run. Used by elastic_ip, nat_gateway, network."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import ensure_tags, resource_tags, tag_specifications
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


def ensure_eip(ec2, existing, tags, purge_tags, check_mode):
    """Converge one address. ``existing`` is the raw address or None. Returns (changed, before, after)."""
    if existing is None:
        after = {'allocation_id': None, 'public_ip': None, 'name': (tags or {}).get('Name'), 'association_id': None,
                 'domain': 'vpc', 'tags': tags or {}}
        if check_mode:
            return True, None, after
        name = (tags or {}).get('Name')
        addr = create_or_find(
            lambda: ec2.allocate_address(Domain='vpc', TagSpecifications=tag_specifications('elastic-ip', tags)),
            lambda: pick_one(find_eips(ec2, {'Name': name}), 'Name=%s' % name) if name else None)
        after.update(allocation_id=addr['AllocationId'], public_ip=addr.get('PublicIp'))
        return True, None, after
    before = describe_eip(existing)
    after = dict(before)
    changed, after['tags'] = ensure_tags(ec2, before['allocation_id'], before['tags'], tags, purge_tags, check_mode)
    after['name'] = after['tags'].get('Name')
    return changed, before, after


def release_eip(ec2, addr, check_mode, disassociate=False):
    if addr.get('AssociationId'):
        if not disassociate:
            raise ValidationError('state', 'elastic IP %s (%s) is associated with %s; set release_on_disassociation: true or free it first'
                                  % (addr['AllocationId'], addr.get('PublicIp'),
                                     addr.get('InstanceId') or addr.get('NetworkInterfaceId')))
        if not check_mode:
            ec2.disassociate_address(AssociationId=addr['AssociationId'])
    if not check_mode:
        ec2.release_address(AllocationId=addr['AllocationId'])
