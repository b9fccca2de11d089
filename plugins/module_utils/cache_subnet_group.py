# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An ElastiCache subnet group, found by its name. Used by cache_subnet_group.

The resource protocol (docs/architecture.md, runner.py): :func:`validate`, :func:`resolve`, :func:`find`,
:func:`describe`, :func:`ensure`, :func:`delete`,
over a Context whose client is ElastiCache's. The name is the group's identity (AWS keeps one group per name
and lowercases it), so a CreateCacheSubnetGroup whose answer was lost is found again by its name
(``retries.create_or_find``) before creating again; description and subnets change in place
(ModifyCacheSubnetGroup), tags by the group's ARN; left out, description and subnets are left as they are. With a
stack, the group found by its name is changed or deleted only when it is tagged with that stack.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change, real_id
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import subnets_in_one_vpc
from ansible_collections.seed.laravel_aws.plugins.module_utils.elasticache import (
    SUBNET_GROUP_NOT_FOUND, clusters_in_subnet_group, is_code, tags_of, timing,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, check_owner, validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import apply_resource_tags, dict_to_boto3_tags, normalize_tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import retry_in_use

# https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteCacheSubnetGroup.html, Errors:
# CacheSubnetGroupInUse "The requested cache subnet group is currently in use." (a cluster in it, one being deleted
# included, until it is gone)
IN_USE = ('CacheSubnetGroupInUse',)

# The name, the description and the tags are checked against aws_rules' rows of ElastiCache (AWS's documented rules, with
# their pages), for each operation that sends them.
NAME = 'cache_subnet_group'
KEY = ('name', 'stack')
TAG_OPERATIONS = ('CreateCacheSubnetGroup', 'AddTagsToResource')
SUBNET_RE = re.compile(r'^subnet-[0-9a-f]{8,17}$')


def validate_name(value, field='name'):
    """A subnet group's name (aws_rules' row: 1-255 letters, digits or hyphens), lowercased as AWS stores it."""
    name = str(value or '')
    aws_rules.refuse_by_rules('elasticache', 'CreateCacheSubnetGroup', 'CacheSubnetGroupName', name, field)
    return name.lower()


def validate(p):
    """The desired group from the options, checked before any call. ValidationError names the field. The description
    and the subnets are None when left out (left as they are; to create, the name and a refusal)."""
    stack = p.get('stack')
    if stack is not None:
        validate_stack_name(stack, 'stack')
    name = validate_name(p.get('name'))
    aws_rules.refuse_tags('elasticache', TAG_OPERATIONS, p.get('tags'))
    tags = normalize_tags(p.get('tags'), added=(STACK_TAG,) if stack else ()) if p.get('tags') is not None else None
    if tags is not None and stack:
        tags[STACK_TAG] = stack
    desired = {'name': name, 'tags': tags, 'stack': stack}
    if p.get('state') == 'absent':
        return desired
    description = p.get('description')
    # not blank (not given: the name, on create); AWS documents no greatest length for it
    for operation in ('CreateCacheSubnetGroup', 'ModifyCacheSubnetGroup'):
        aws_rules.refuse_by_rules('elasticache', operation, 'CacheSubnetGroupDescription', description, 'description')
    subnets = p.get('subnets')
    if subnets is not None and not subnets:
        raise ValidationError('subnets', 'give one or more subnet ids (subnet-...) of one VPC (or leave subnets out to keep those '
                              'of an existing group)')
    bad = [s for s in subnets or [] if not SUBNET_RE.match(str(s))]
    if bad:
        raise ValidationError('subnets', '%s: not a subnet id; give ids such as subnet-0123456789abcdef0' % ', '.join(map(str, bad)))
    desired.update(description=description, subnets=sorted(set(subnets)) if subnets is not None else None)
    return desired


def resolve(ctx, *, desired):
    """Reads only, before any change: the subnets exist and are in one VPC; fills vpc_id and availability_zones (given no
    subnets, nothing to read)."""
    if desired.get('subnets') is None:
        desired['vpc_id'], desired['availability_zones'] = None, None
        return desired
    ec2 = ctx.aws('ec2')
    desired['vpc_id'], desired['availability_zones'] = subnets_in_one_vpc(ec2, desired['subnets'], 'a cache subnet group')
    return desired


def describe(raw, tags=None):
    """The snake_case view: name, arn, description, vpc_id, subnet_ids, availability_zones, tags."""
    subnets = raw.get('Subnets') or []
    return {'name': raw.get('CacheSubnetGroupName'), 'arn': real_id(raw.get('ARN')), 'description': raw.get('CacheSubnetGroupDescription'),
            'vpc_id': raw.get('VpcId'), 'subnet_ids': sorted(s['SubnetIdentifier'] for s in subnets),
            'availability_zones': sorted(set((s.get('SubnetAvailabilityZone') or {}).get('Name') for s in subnets
                                             if (s.get('SubnetAvailabilityZone') or {}).get('Name'))),
            'tags': dict(tags or {})}


def _raw(client, name):
    try:
        groups = client.describe_cache_subnet_groups(CacheSubnetGroupName=name)['CacheSubnetGroups']
    except Exception as exc:  # pylint: disable=broad-except
        if is_code(exc, SUBNET_GROUP_NOT_FOUND):
            return None
        raise
    return groups[0] if groups else None


def find(ctx, *, name, stack=None):
    """The subnet group named ``name``: {raw (DescribeCacheSubnetGroups), tags (ListTagsForResource)}, or None. With
    ``stack``, a group tagged with another stack, or with none, is refused (stack.NotOwned, naming both) before anything is
    changed or deleted: AWS keeps these names in lower case, so a name never tells whose a group is."""
    raw = _raw(ctx.client, name)
    if raw is None:
        return None
    tags = tags_of(ctx.client, raw['ARN'])
    check_owner(stack, tags, 'cache subnet group', raw['CacheSubnetGroupName'])
    return {'raw': raw, 'tags': tags}


def _planned(desired, arn, tags):
    return {'name': desired['name'], 'arn': real_id(arn), 'description': desired['description'], 'vpc_id': desired.get('vpc_id'),
            'subnet_ids': list(desired['subnets']), 'availability_zones': list(desired.get('availability_zones') or []),
            'tags': dict(tags or {})}


def ensure(ctx, *, desired, existing=None):
    """Create the group (``existing`` None), or change its description, subnets and tags in place.
    ``existing``: what :func:`find` returned; ``desired``: what :func:`validate` and :func:`resolve` made."""
    if existing is None:
        if desired['subnets'] is None:
            raise ValidationError('subnets', 'required to create cache subnet group %s: one or more subnet ids (subnet-...) of '
                                  'one VPC' % desired['name'])
        tags = dict(desired['tags'] or {})
        if desired.get('stack'):
            tags[STACK_TAG] = desired['stack']
        desired = dict(desired, description=desired['description'] or desired['name'])  # default on create: the name
        kwargs = {'CacheSubnetGroupName': desired['name'], 'CacheSubnetGroupDescription': desired['description'],
                  'SubnetIds': desired['subnets']}
        if tags:
            kwargs['Tags'] = dict_to_boto3_tags(tags)

        def made():
            found = find(ctx, name=desired['name'], stack=desired.get('stack'))
            return {'CacheSubnetGroup': found['raw']} if found is not None else None

        def make():
            # CacheSubnetGroupAlreadyExists: AWS refuses a taken name (the group an interrupted run made moments ago may not show yet):
            # found again, the stack's, it is taken
            raw = create_or_find(lambda: ctx.call('create_cache_subnet_group', **kwargs), made,
                                 exists=('CacheSubnetGroupAlreadyExists',))['CacheSubnetGroup']
            return raw['ARN'], describe(raw, tags)
        return ctx.create('cache_subnet_group', desired['name'], make, _planned(desired, None, tags))
    raw, tags = existing['raw'], existing['tags']
    arn = raw['ARN']
    before = describe(raw, tags)
    after = dict(before)
    changed = False
    # left out: as they are (ModifyCacheSubnetGroup is sent with both, the group's own for the one not given)
    wanted = dict(desired, description=before['description'] if desired['description'] is None else desired['description'],
                  subnets=before['subnet_ids'] if desired['subnets'] is None else desired['subnets'],
                  availability_zones=desired.get('availability_zones') or before['availability_zones'])
    if before['description'] != wanted['description'] or before['subnet_ids'] != wanted['subnets']:
        answer = ctx.call('modify_cache_subnet_group', CacheSubnetGroupName=desired['name'],
                          CacheSubnetGroupDescription=wanted['description'], SubnetIds=wanted['subnets'])
        after.update(_planned(wanted, arn, tags))
        if answer and answer.get('CacheSubnetGroup'):
            after = describe(answer['CacheSubnetGroup'], tags)
        changed = True
    if desired['tags'] is not None:
        tags_changed, after['tags'] = apply_resource_tags(ctx, arn, tags, desired['tags'])
        changed = changed or tags_changed
    return Change.of(changed, before, after, arn)


def delete(ctx, *, existing, desired=None):  # pylint: disable=unused-argument
    """Delete the group. AWS refuses one a cache cluster still uses (CacheSubnetGroupInUse), one being deleted included,
    until it is gone: the delete is sent again within the context's wait_timeout (with ``ctx.wait``; else once), then
    waiters.StillInUse names the clusters in the group, with their status and replication group."""
    raw = existing['raw']
    name = raw['CacheSubnetGroupName']
    try:
        retry_in_use(lambda: ctx.call('delete_cache_subnet_group', CacheSubnetGroupName=name), IN_USE, 'cache subnet group %s' % name,
                     lambda: clusters_in_subnet_group(ctx.client, name), timeout=ctx.wait_timeout if ctx.wait else 0, **timing())
    except Exception as exc:  # pylint: disable=broad-except
        if not is_code(exc, SUBNET_GROUP_NOT_FOUND):
            raise
    return Change('delete', describe(raw, existing['tags']), None, raw['ARN'])
