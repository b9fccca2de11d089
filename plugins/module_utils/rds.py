# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What db_subnet_group and rds_instance share: RDS tags, paging by Marker, and the subnets of a DB subnet group
read and checked with EC2 (one VPC, two or more availability zones)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import not_found
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import (
    boto3_tags_to_dict, compare_tags, dict_to_boto3_tags, merged_tags,
)


def paginate(client, operation, result_key, **kwargs):
    """All pages of an RDS read: RDS answers ``Marker`` and is asked with ``Marker``."""
    items = []
    while True:
        page = getattr(client, operation)(**kwargs)
        items.extend(page.get(result_key, []))
        if not page.get('Marker'):
            return items
        kwargs = dict(kwargs, Marker=page['Marker'])


def tags_of(client, arn):
    """The tags of an RDS resource (ListTagsForResource), as a dict."""
    return boto3_tags_to_dict(client.list_tags_for_resource(ResourceName=arn).get('TagList'))


def apply_tags(ctx, arn, current, desired):
    """Make the tags of ``arn`` match ``desired`` (None: leave them alone) through the context; (changed, tags after)."""
    to_set, to_unset = compare_tags(current, desired, ctx.purge_tags)
    if not to_set and not to_unset:
        return False, dict(current or {})
    if to_unset:
        ctx.call('remove_tags_from_resource', ResourceName=arn, TagKeys=to_unset)
    if to_set:
        ctx.call('add_tags_to_resource', ResourceName=arn, Tags=dict_to_boto3_tags(to_set))
    return True, merged_tags(current, desired, ctx.purge_tags)


def read_subnets(ec2, subnet_ids, field='subnets'):
    """(vpc_id, zones) of the subnets (DescribeSubnets), checked to be in one VPC and in two or more availability zones,
    as a DB subnet group must be."""
    try:
        subnets = ec2.describe_subnets(SubnetIds=list(subnet_ids))['Subnets']
    except Exception as exc:  # pylint: disable=broad-except
        if not_found(exc, 'InvalidSubnetID.NotFound', 'InvalidSubnetID.Malformed'):
            raise ValidationError(field, 'a subnet does not exist in this account/region (%s)' % exc)
        raise
    vpcs = sorted(set(s['VpcId'] for s in subnets))
    if len(vpcs) != 1:
        raise ValidationError(field, 'the subnets are in %d VPCs (%s); the subnets of a DB subnet group are all in one VPC'
                              % (len(vpcs), '; '.join('%s: %s' % (v, ', '.join(sorted(s['SubnetId'] for s in subnets if s['VpcId'] == v)))
                                                      for v in vpcs)))
    zones = sorted(set(s['AvailabilityZone'] for s in subnets))
    if len(zones) < 2:
        raise ValidationError(field, 'the subnets are all in %s; a DB subnet group needs subnets in two or more availability '
                              'zones: add a subnet of another zone' % ', '.join(zones))
    return vpcs[0], zones
