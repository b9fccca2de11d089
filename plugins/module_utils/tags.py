# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tags: the spine of the collection (Stack, Name, Role)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError

MAX_KEY = 128
MAX_VALUE = 256
MAX_TAGS = 50


def boto3_tags_to_dict(tag_list):
    """[{'Key': k, 'Value': v}] -> {k: v}"""
    return dict((t['Key'], t.get('Value', '')) for t in (tag_list or []))


def dict_to_boto3_tags(tags):
    """{k: v} -> [{'Key': k, 'Value': v}], sorted for stable requests."""
    return [{'Key': k, 'Value': v} for k, v in sorted((tags or {}).items())]


def normalize_tags(tags, field='tags', added=('Name',)):
    """Validate a user tag dict: string keys/values within AWS limits, no reserved prefix.

    ``added``: the keys the module adds itself (Name, and Stack, Role, Index, Tier where it sets them); they count
    toward AWS's 50 tags per resource, so 49 user tags plus Name is refused here, not by AWS halfway through."""
    if tags is None:
        return None
    if not isinstance(tags, dict):
        raise ValidationError(field, 'must be a dictionary of key: value')
    out = {}
    for key, value in tags.items():
        key = str(key)
        value = '' if value is None else str(value)
        if not key:
            raise ValidationError(field, 'tag keys cannot be empty')
        if key.lower().startswith('aws:'):
            raise ValidationError(field, "tag key %r uses the reserved prefix 'aws:'; choose another key" % key)
        if len(key) > MAX_KEY:
            raise ValidationError(field, 'tag key %r is longer than %d characters' % (key, MAX_KEY))
        if len(value) > MAX_VALUE:
            raise ValidationError(field, 'value of tag %r is longer than %d characters' % (key, MAX_VALUE))
        out[key] = value
    total = set(out) | set(added or ())
    if len(total) > MAX_TAGS:
        extra = sorted(set(added or ()) - set(out))
        raise ValidationError(field, 'at most %d tags per resource: %d given%s; remove %d'
                              % (MAX_TAGS, len(out), ' plus the %d the module adds (%s)' % (len(extra), ', '.join(extra)) if extra else '',
                                 len(total) - MAX_TAGS))
    return out


def compare_tags(current, desired, purge=True):
    """(to_set, to_unset): what makes ``current`` match ``desired``.

    ``desired`` None means "leave tags alone". With ``purge`` False, keys not in
    ``desired`` are kept. ``aws:`` tags are never removed.
    """
    current = current or {}
    if desired is None:
        return {}, []
    to_set = dict((k, v) for k, v in desired.items() if current.get(k) != v)
    to_unset = []
    if purge:
        to_unset = sorted(k for k in current if k not in desired and not k.startswith('aws:'))
    return to_set, to_unset


def merged_tags(current, desired, purge=True):
    """The tags after applying compare_tags."""
    to_set, to_unset = compare_tags(current, desired, purge)
    after = dict(current or {})
    after.update(to_set)
    for k in to_unset:
        after.pop(k, None)
    return after


def tag_filters(tags):
    """EC2 describe filters matching every tag of the dict."""
    return [{'Name': 'tag:%s' % k, 'Values': [v]} for k, v in sorted(tags.items())]


def apply_resource_tags(ctx, arn, current, desired, purge=None):
    """Make the tags of the resource ``arn`` of RDS or ElastiCache (whose tag calls are the same:
    AddTagsToResource, RemoveTagsFromResource by ResourceName) match ``desired`` (None: leave them alone), through the
    context (check mode only records); (changed, tags after)."""
    purge = ctx.purge_tags if purge is None else purge
    to_set, to_unset = compare_tags(current, desired, purge)
    if not to_set and not to_unset:
        return False, dict(current or {})
    if to_unset:
        ctx.call('remove_tags_from_resource', ResourceName=arn, TagKeys=to_unset)
    if to_set:
        ctx.call('add_tags_to_resource', ResourceName=arn, Tags=dict_to_boto3_tags(to_set))
    return True, merged_tags(current, desired, purge)


def put_named_tags(ctx, calls, key, current, after):
    """Make a resource's tags ``after`` through a service whose tag calls name the resource by a key (IAM:
    ``calls=('untag_role', 'tag_role')``, ``key={'RoleName': name}``), through the context (check mode only records): the
    keys gone untagged first (IAM holds 50 tags a resource at most), then the values that differ. True when a call was
    made (or would be)."""
    current = current or {}
    gone = sorted(k for k in current if k not in after)
    if gone:
        ctx.call(calls[0], TagKeys=gone, **key)
    changed = dict((k, v) for k, v in after.items() if current.get(k) != v)
    if changed:
        ctx.call(calls[1], Tags=dict_to_boto3_tags(changed), **key)
    return bool(gone or changed)
