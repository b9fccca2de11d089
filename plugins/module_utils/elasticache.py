# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What cache_subnet_group and cache_cluster share: ElastiCache's tags (by ARN; they change with
tags.apply_resource_tags), its NotFound codes, and the waits (the subnets and security groups are read
with ec2.subnets_in_one_vpc and ec2.group_ids_in_vpc)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import error_code
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import boto3_tags_to_dict
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import monotonic, pause, wait_for

# ElastiCache is eventually consistent: DescribeReplicationGroups right after CreateReplicationGroup may answer
# ReplicationGroupNotFoundFault for a while. An id this run just created is read again for at most this many seconds.
NEW_ID_TIMEOUT = 120

SUBNET_GROUP_NOT_FOUND = 'CacheSubnetGroupNotFoundFault'
REPLICATION_GROUP_NOT_FOUND = 'ReplicationGroupNotFoundFault'
CACHE_CLUSTER_NOT_FOUND = 'CacheClusterNotFound'


def timing():
    """sleep and clock for the waiters' functions: the waiter layer's (waiters.SLEEP and waiters.CLOCK as they are when
    called), so a test that makes waits instant there makes these instant too."""
    return {'sleep': pause, 'clock': monotonic}


def is_code(exc, *codes):
    """True when the AWS error of ``exc`` is one of ``codes`` (ElastiCache's NotFound codes end in Fault)."""
    return error_code(exc) in codes


def tags_of(client, arn):
    """The tags of an ElastiCache resource (ListTagsForResource by its ARN), as a dict."""
    return boto3_tags_to_dict(client.list_tags_for_resource(ResourceName=arn).get('TagList'))


# https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ReplicationGroup.html, Status: "creating,
# available, modifying, deleting, create-failed, snapshotting"; a cache cluster may also be incompatible-network
# (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.html, "Cluster status"). The failed ones end a wait.
FAILED_STATES = ('create-failed', 'incompatible-network')


def wait_status(fetch, what, timeout, gone=False):
    """Poll ``fetch()`` (the raw resource, or None once gone) until its Status is ``available`` (or, with
    ``gone``, until it is None); a ``create-failed`` status stops the wait with its reason, and so does the resource
    gone while a wait for ``available`` waits for it.

    Not AWS's ReplicationGroupAvailable waiter: its only failure is ``deleted``, so a group that went to
    ``create-failed`` or ``incompatible-network`` (a state no run leaves) would be polled until wait_timeout (30 minutes by
    default) instead of failing at once with its status; the deletes wait with ReplicationGroupDeleted (waiters.aws_wait)."""
    def ready(raw):
        return raw is None if gone else (raw is not None and raw.get('Status') == 'available')

    def failed(raw):
        if raw is None:
            return None if gone else 'it is gone (deleted while this task waited for it)'
        status = raw.get('Status')
        return 'status %s' % status if status in FAILED_STATES else None
    return wait_for(fetch, ready, what, timeout=timeout, delay=5.0, max_delay=30.0, failed=failed)


def clusters_in_subnet_group(client, name):
    """The cache clusters in the cache subnet group ``name``, each as ``cache cluster <id> (<status>) of replication group
    <id>``: what holds the group when AWS refuses to delete it (DescribeCacheClusters has no filter by subnet group)."""
    out, kwargs = [], {}
    while True:
        page = client.describe_cache_clusters(**kwargs)
        for c in page.get('CacheClusters') or []:
            if (c.get('CacheSubnetGroupName') or '').lower() == name.lower():
                group = ' of replication group %s' % c['ReplicationGroupId'] if c.get('ReplicationGroupId') else ''
                out.append('cache cluster %s (%s)%s' % (c['CacheClusterId'], c.get('CacheClusterStatus'), group))
        if not page.get('Marker'):
            return out
        kwargs['Marker'] = page['Marker']
