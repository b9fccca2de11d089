# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What cache_subnet_group and cache_cluster share: ElastiCache's tags (by ARN), its NotFound codes,
the subnets' and security groups' reads in EC2, and the waits."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import not_found
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import error_code
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import (
    boto3_tags_to_dict, compare_tags, dict_to_boto3_tags, merged_tags,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import wait_for

SLEEP = time.sleep  # the waits' sleep (a test makes it short)

SUBNET_GROUP_NOT_FOUND = 'CacheSubnetGroupNotFoundFault'
REPLICATION_GROUP_NOT_FOUND = 'ReplicationGroupNotFoundFault'
CACHE_CLUSTER_NOT_FOUND = 'CacheClusterNotFound'


def _sleep(seconds):
    SLEEP(seconds)


def is_code(exc, *codes):
    """True when the AWS error of ``exc`` is one of ``codes`` (ElastiCache's NotFound codes end in Fault)."""
    return error_code(exc) in codes


def tags_of(client, arn):
    """The tags of an ElastiCache resource (ListTagsForResource by its ARN), as a dict."""
    return boto3_tags_to_dict(client.list_tags_for_resource(ResourceName=arn).get('TagList'))


def apply_cache_tags(ctx, arn, current, desired, purge=None):
    """Make the tags of the ElastiCache resource ``arn`` match (check mode only records); (changed, tags after)."""
    purge = ctx.purge_tags if purge is None else purge
    to_set, to_unset = compare_tags(current, desired, purge)
    if not to_set and not to_unset:
        return False, current or {}
    if to_unset:
        ctx.call('remove_tags_from_resource', ResourceName=arn, TagKeys=to_unset)
    if to_set:
        ctx.call('add_tags_to_resource', ResourceName=arn, Tags=dict_to_boto3_tags(to_set))
    return True, merged_tags(current, desired, purge)


def read_subnets(ec2, subnet_ids, field='subnets'):
    """The subnets (EC2 DescribeSubnets), checked to be in one VPC: (vpc_id, sorted zones)."""
    try:
        subnets = ec2.describe_subnets(SubnetIds=list(subnet_ids))['Subnets']
    except Exception as exc:  # pylint: disable=broad-except
        if not_found(exc, 'InvalidSubnetID.NotFound', 'InvalidSubnetID.Malformed'):
            raise ValidationError(field, 'a subnet does not exist in this account/region (%s)' % exc)
        raise
    vpcs = sorted(set(s['VpcId'] for s in subnets))
    if len(vpcs) != 1:
        raise ValidationError(field, 'the subnets are in %d VPCs (%s); the subnets of a cache subnet group are all in one VPC: '
                              'give subnets of one VPC only'
                              % (len(vpcs), '; '.join('%s: %s' % (v, ', '.join(sorted(s['SubnetId'] for s in subnets if s['VpcId'] == v)))
                                                      for v in vpcs)))
    return vpcs[0], sorted(set(s['AvailabilityZone'] for s in subnets))


def security_group_ids(ec2, vpc_id, names, field='security_groups'):
    """The ids of security groups given by name or id, in the VPC ``vpc_id`` (EC2 DescribeSecurityGroups), sorted."""
    groups = ec2.paginate('describe_security_groups', 'SecurityGroups', Filters=[{'Name': 'vpc-id', 'Values': [vpc_id]}])
    by_name = dict((g['GroupName'], g['GroupId']) for g in groups)
    ids = set(by_name.values())
    out = []
    for value in names:
        if value in ids:
            out.append(value)
        elif value in by_name:
            out.append(by_name[value])
        else:
            raise ValidationError(field, 'no security group %r in VPC %s (the cache subnet group\'s VPC); give a name or id of '
                                  'a group there' % (value, vpc_id))
    return sorted(set(out))


def wait_status(fetch, what, timeout, gone=False):
    """Poll ``fetch()`` (the raw resource, or None once gone) until its Status is ``available`` (or, with
    ``gone``, until it is None); a ``create-failed`` status stops the wait with its reason."""
    def ready(raw):
        return raw is None if gone else (raw is not None and raw.get('Status') == 'available')

    def failed(raw):
        status = (raw or {}).get('Status')
        return 'status %s' % status if status in ('create-failed', 'incompatible-network') else None
    return wait_for(fetch, ready, what, timeout=timeout, delay=5.0, max_delay=30.0, failed=failed, sleep=_sleep)
