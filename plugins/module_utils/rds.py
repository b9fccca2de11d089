# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What db_subnet_group and rds_instance share: RDS tags and paging by Marker (their tags change with
tags.apply_resource_tags, their subnets and security groups are read with ec2.subnets_in_one_vpc and
ec2.group_ids_in_vpc)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import boto3_tags_to_dict

# RDS is eventually consistent: a DescribeDBInstances right after CreateDBInstance may answer DBInstanceNotFound for a
# while. An identifier this run just created is read again for at most this many seconds; one the user gave, never.
NEW_ID_TIMEOUT = 120


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


def instances_in_subnet_group(client, name):
    """The DB instances that use the DB subnet group ``name``, each as ``DB instance <id> (<status>)``: what holds the group
    when AWS refuses to delete it (DescribeDBInstances has no filter by subnet group, so every instance is read)."""
    return ['DB instance %s (%s)' % (i['DBInstanceIdentifier'], i.get('DBInstanceStatus'))
            for i in paginate(client, 'describe_db_instances', 'DBInstances')
            if ((i.get('DBSubnetGroup') or {}).get('DBSubnetGroupName') or '').lower() == name.lower()]
