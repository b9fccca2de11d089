# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""EC2 helpers shared by the resource modules: CIDRs, tags on resources, lookups."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible.module_utils.six import text_type

from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import (
    boto3_tags_to_dict, compare_tags, dict_to_boto3_tags, merged_tags,
)


def canonical_cidr(value, field, min_prefix=0, max_prefix=32):
    """Validate an IPv4 CIDR. A CIDR with host bits set is an error naming its canonical form."""
    if not value or not isinstance(value, (str, text_type)):
        raise ValidationError(field, 'an IPv4 CIDR block is required, for example 10.0.0.0/16')
    try:
        net = ipaddress.IPv4Network(text_type(value).strip(), strict=False)
    except (ValueError, ipaddress.AddressValueError, ipaddress.NetmaskValueError):
        raise ValidationError(field, '%r is not an IPv4 CIDR block (for example 10.0.0.0/16)' % value)
    if '/' not in value:
        raise ValidationError(field, '%r has no prefix length; write it as %s' % (value, net.with_prefixlen))
    if text_type(net.with_prefixlen) != text_type(value).strip():
        raise ValidationError(field, '%s is not canonical (host bits are set); the canonical form is %s' % (value, net.with_prefixlen))
    if not min_prefix <= net.prefixlen <= max_prefix:
        raise ValidationError(field, '%s: the prefix length must be between /%d and /%d' % (value, min_prefix, max_prefix))
    return net.with_prefixlen


def name_tags(name, tags):
    """User tags plus the Name tag the module owns."""
    out = dict(tags or {})
    if name:
        out['Name'] = name
    return out


def tag_specifications(resource_type, tags):
    if not tags:
        return []
    return [{'ResourceType': resource_type, 'Tags': dict_to_boto3_tags(tags)}]


def ensure_tags(client, resource_id, current, desired, purge, check_mode):
    """Make the tags of ``resource_id`` match; returns (changed, tags_after)."""
    to_set, to_unset = compare_tags(current, desired, purge)
    after = merged_tags(current, desired, purge)
    if not to_set and not to_unset:
        return False, current or {}
    if not check_mode:
        if to_unset:
            client.delete_tags(Resources=[resource_id], Tags=[{'Key': k} for k in to_unset])
        if to_set:
            client.create_tags(Resources=[resource_id], Tags=dict_to_boto3_tags(to_set))
    return True, after


def resource_tags(resource):
    return boto3_tags_to_dict(resource.get('Tags'))


def not_found(exc, *codes):
    """True when a ClientError is one of the NotFound codes given."""
    code = getattr(exc, 'response', {}).get('Error', {}).get('Code', '')
    return code in codes if codes else code.endswith('NotFound')


def deleted_nat_enis(ec2, filters):
    """Interfaces of deleted NAT gateways. AWS removes them with the gateway; moto leaves them
    behind, so they never count as something that keeps a subnet or VPC from being deleted."""
    nats = ec2.paginate('describe_nat_gateways', 'NatGateways', Filter=filters)
    return set(a.get('NetworkInterfaceId') for n in nats if n.get('State') in ('deleting', 'deleted')
               for a in n.get('NatGatewayAddresses', []) if a.get('NetworkInterfaceId'))


def departed_instance_enis(ec2, enis):
    """Interfaces still shown attached to an instance that is terminated (or no longer listed). On AWS that
    state is transient: termination deletes the interfaces it made (or detaches a kept one, which then shows
    as available and does count). moto keeps them attached forever, and says DeleteOnTermination false even
    for the interface RunInstances made. They never count as something that keeps a group, subnet or VPC
    from being deleted."""
    attached = dict((e['NetworkInterfaceId'], e['Attachment']['InstanceId']) for e in enis
                    if (e.get('Attachment') or {}).get('InstanceId'))
    if not attached:
        return set()
    alive = set()
    for r in ec2.paginate('describe_instances', 'Reservations',
                          Filters=[{'Name': 'instance-id', 'Values': sorted(set(attached.values()))}]):
        for i in r['Instances']:
            if i['State']['Name'] != 'terminated':
                alive.add(i['InstanceId'])
    return set(eni for eni, instance in attached.items() if instance not in alive)
