# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An RDS DB subnet group, found by its name (unique per region). Used by db_subnet_group.

The resource protocol (docs/architecture.md, runner.py): :func:`validate`, :func:`resolve`, :func:`find`,
:func:`describe`, :func:`ensure`, :func:`delete`, over a Context whose client is RDS's. CreateDBSubnetGroup carries no token, but the name is the identity: a
lost answer is found again by name (``retries.create_or_find``) before creating again. The description and
the subnets change in place (ModifyDBSubnetGroup); left out, they are left as they are. With a stack, the group found
by its name is changed or deleted only when it is tagged with that stack.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import not_found, subnets_in_one_vpc
from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.rds import instances_in_subnet_group, tags_of
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import NAME_TAG, STACK_TAG, check_owner, validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import apply_resource_tags, dict_to_boto3_tags, normalize_tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import retry_in_use

# The name, the description and the tags are checked against aws_rules' rows of RDS (AWS's documented rules, with their
# pages), for each operation that sends them.
NAME = 'db_subnet_group'
KEY = ('name', 'stack')
TAG_OPERATIONS = ('CreateDBSubnetGroup', 'AddTagsToResource')
SUBNET_ID_RE = re.compile(r'^subnet-[0-9a-f]{8,17}$')
MISSING = 'DBSubnetGroupNotFoundFault'
# https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBSubnetGroup.html, Errors:
# InvalidDBSubnetGroupStateFault "The DB subnet group cannot be deleted because it's in use." (an instance uses it, one
# being deleted included, until it is gone)
IN_USE = ('InvalidDBSubnetGroupStateFault',)


def validate(p):
    """The desired group from the options, checked before any call: {name, description, subnet_ids, tags, stack}; the
    description and the subnets are None when left out (left as they are; to create, the name and a refusal)."""
    stack = p.get('stack')
    if stack is not None:
        validate_stack_name(stack, 'stack')
    name = p.get('name') or ''
    # up to 255 letters, digits, periods, underscores, spaces or hyphens, the first a letter, not default (the Name tag too)
    aws_rules.refuse_by_rules('rds', 'CreateDBSubnetGroup', 'DBSubnetGroupName', name, 'name')
    aws_rules.refuse_tags('rds', TAG_OPERATIONS, p.get('tags'))
    name = name.lower()  # AWS keeps DB subnet group names in lowercase
    added = (NAME_TAG, STACK_TAG) if stack else (NAME_TAG,)
    tags = normalize_tags(p.get('tags'), added=added) if p.get('tags') is not None else None
    if tags is not None:
        tags[NAME_TAG] = name
        if stack:
            tags[STACK_TAG] = stack
    desired = {'name': name, 'tags': tags, 'stack': stack}
    if p.get('state', 'present') == 'absent':
        return desired
    description = p.get('description')
    # not blank; AWS documents no greatest length for it (API_CreateDBSubnetGroup)
    for operation in ('CreateDBSubnetGroup', 'ModifyDBSubnetGroup'):
        aws_rules.refuse_by_rules('rds', operation, 'DBSubnetGroupDescription', description, 'description')
    subnets = p.get('subnets')
    if subnets is not None and not subnets:
        raise ValidationError('subnets', 'the ids of two or more subnets of one VPC, in two or more availability zones (or leave '
                              'subnets out to keep those of an existing group)')
    bad = [s for s in subnets or [] if not SUBNET_ID_RE.match(str(s))]
    if bad:
        raise ValidationError('subnets', '%s: not a subnet id (subnet-...)' % ', '.join(str(s) for s in bad))
    desired.update(description=description, subnet_ids=sorted(set(subnets)) if subnets is not None else None)
    return desired


def resolve(ctx, *, desired):
    """The subnets read with EC2 (one VPC, two or more zones): the desired group with its vpc_id and zones (given no
    subnets, the group's are left as they are: nothing to read)."""
    if desired.get('subnet_ids') is None:
        return dict(desired, vpc_id=None, availability_zones=None)
    vpc_id, zones = subnets_in_one_vpc(ctx.aws('ec2'), desired['subnet_ids'], 'a DB subnet group', min_zones=2)
    return dict(desired, vpc_id=vpc_id, availability_zones=zones)


def describe(raw, tags=None):
    """The snake_case view: name, arn, description, vpc_id, subnet_ids, availability_zones, status, tags."""
    subnets = raw.get('Subnets') or []
    return {'name': raw.get('DBSubnetGroupName'), 'arn': raw.get('DBSubnetGroupArn'),
            'description': raw.get('DBSubnetGroupDescription'), 'vpc_id': raw.get('VpcId'),
            'subnet_ids': sorted(s['SubnetIdentifier'] for s in subnets),
            'availability_zones': sorted(set((s.get('SubnetAvailabilityZone') or {}).get('Name') for s in subnets) - set([None])),
            'status': raw.get('SubnetGroupStatus'), 'tags': dict(tags or {})}


def find(ctx, *, name, stack=None):
    """{raw (DescribeDBSubnetGroups), tags (ListTagsForResource)} of the group named ``name``, or None. With ``stack``, a
    group tagged with another stack, or with none, is refused (stack.NotOwned, naming both) before anything is changed or
    deleted: AWS keeps these names in lower case, so a name never tells whose a group is."""
    try:
        found = ctx.client.describe_db_subnet_groups(DBSubnetGroupName=name)['DBSubnetGroups']
    except Exception as exc:  # pylint: disable=broad-except
        if not_found(exc, MISSING):
            return None
        raise
    if not found:
        return None
    tags = tags_of(ctx.client, found[0]['DBSubnetGroupArn'])
    check_owner(stack, tags, 'DB subnet group', found[0]['DBSubnetGroupName'])
    return {'raw': found[0], 'tags': tags}


def _planned(desired, arn, tags):
    return {'name': desired['name'], 'arn': arn, 'description': desired['description'], 'vpc_id': desired.get('vpc_id'),
            'subnet_ids': list(desired['subnet_ids']), 'availability_zones': list(desired.get('availability_zones') or []),
            'status': 'Complete', 'tags': dict(tags)}


def ensure(ctx, *, desired, existing=None):
    """Create the group (``existing`` None), or modify its description and subnets in place; tags converged.
    ``desired``: what :func:`resolve` returned; ``existing``: what :func:`find` returned."""
    if existing is None:
        if desired['subnet_ids'] is None:
            raise ValidationError('subnets', 'required to create DB subnet group %s: the ids of two or more subnets of one VPC, '
                                  'in two or more availability zones' % desired['name'])
        tags = desired['tags'] or {NAME_TAG: desired['name']}
        if desired.get('stack'):
            tags = dict(tags, **{STACK_TAG: desired['stack']})
        desired = dict(desired, description=desired['description'] or desired['name'])  # default on create: the name
        kwargs = dict(DBSubnetGroupName=desired['name'], DBSubnetGroupDescription=desired['description'],
                      SubnetIds=desired['subnet_ids'], Tags=dict_to_boto3_tags(tags))

        def make():
            # DBSubnetGroupAlreadyExists: AWS refuses a taken name (the group an interrupted run made moments ago may not show yet):
            # found again, the stack's, it is taken
            raw = create_or_find(lambda: ctx.call('create_db_subnet_group', **kwargs)['DBSubnetGroup'],
                                 lambda: (find(ctx, name=desired['name'], stack=desired.get('stack')) or {}).get('raw'),
                                 exists=('DBSubnetGroupAlreadyExists',))
            return raw['DBSubnetGroupArn'], _planned(desired, raw['DBSubnetGroupArn'], tags)
        return ctx.create('db_subnet_group', desired['name'], make, _planned(desired, None, tags))
    raw, arn = existing['raw'], existing['raw']['DBSubnetGroupArn']
    before = describe(raw, existing['tags'])
    after = dict(before)
    changed = False
    subnets = before['subnet_ids'] if desired['subnet_ids'] is None else desired['subnet_ids']  # left out: as they are
    description = before['description'] if desired['description'] is None else desired['description']
    if before['subnet_ids'] != subnets or before['description'] != description:
        if desired.get('vpc_id') and before['vpc_id'] and desired['vpc_id'] != before['vpc_id']:
            raise ValidationError('subnets', 'the subnets are in VPC %s, DB subnet group %s is in %s: a DB subnet group cannot '
                                  'move to another VPC; delete it (state: absent) and create it again, or give subnets of %s'
                                  % (desired['vpc_id'], desired['name'], before['vpc_id'], before['vpc_id']))
        # ModifyDBSubnetGroup requires SubnetIds: the group's own when they do not change
        ctx.call('modify_db_subnet_group', DBSubnetGroupName=desired['name'], DBSubnetGroupDescription=description,
                 SubnetIds=subnets)
        after.update(description=description, subnet_ids=list(subnets),
                     availability_zones=list(desired.get('availability_zones') or before['availability_zones']))
        changed = True
    tags_changed, after['tags'] = apply_resource_tags(ctx, arn, existing['tags'], desired['tags'])
    return Change.of(changed or tags_changed, before, after, arn)


def delete(ctx, *, existing, desired=None):  # pylint: disable=unused-argument
    """Delete the group. AWS refuses one that an instance still uses (InvalidDBSubnetGroupStateFault), one being deleted
    included, until it is gone: the delete is sent again within the context's wait_timeout (with ``ctx.wait``; else once),
    then waiters.StillInUse names the instances that use the group, with their status."""
    raw = existing['raw']
    name = raw['DBSubnetGroupName']
    try:
        retry_in_use(lambda: ctx.call('delete_db_subnet_group', DBSubnetGroupName=name), IN_USE, 'DB subnet group %s' % name,
                     lambda: instances_in_subnet_group(ctx.client, name), timeout=ctx.wait_timeout if ctx.wait else 0)
    except Exception as exc:  # pylint: disable=broad-except
        if not not_found(exc, MISSING):  # a lost answer's repeat: the first call deleted it
            raise
    return Change('delete', describe(raw, existing['tags']), None, raw['DBSubnetGroupArn'])
