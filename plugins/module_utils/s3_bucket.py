# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An S3 bucket, found by its name (global across accounts). Used by s3_bucket.

The resource protocol (docs/architecture.md, runner.py). A bucket this module makes or keeps is private (every public
access block on, ACLs off: ObjectOwnership BucketOwnerEnforced), encrypted at rest (SSE-S3, or SSE-KMS with a key),
and, by default, refuses any request not sent over TLS (a bucket policy statement of its own, beside any others).
Versioning, once enabled, can only be suspended (AWS: "you can't return it to an unversioned state",
https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, check_owner, validate_owner
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import boto3_tags_to_dict, dict_to_boto3_tags, merged_tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import error_code_of

NAME = 's3_bucket'
KEY = ('name', 'stack')
BLOCKED = {'BlockPublicAcls': True, 'IgnorePublicAcls': True, 'BlockPublicPolicy': True, 'RestrictPublicBuckets': True}
TLS_SID = 'DenyInsecureTransport'  # the policy statement this module owns; others are the user's and kept
# What each read answers for "not set": https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
UNSET = ('NoSuchTagSet', 'ServerSideEncryptionConfigurationNotFoundError', 'NoSuchPublicAccessBlockConfiguration',
         'NoSuchBucketPolicy')


def validate(p):
    """The desired bucket: name, stack, tags (None: left as they are), encryption, kms_key_id, versioning (None: as it is),
    require_tls, delete_objects."""
    aws_rules.refuse_by_rules('s3', 'CreateBucket', 'Bucket', p['name'], 'name')
    stack, tags = validate_owner(p, added=())
    if p.get('kms_key_id') and p.get('encryption') != 'aws:kms':
        raise ValidationError('kms_key_id', 'a KMS key goes with encryption: aws:kms; set it, or leave kms_key_id out for SSE-S3')
    return dict(name=p['name'], stack=stack, tags=tags, encryption=p.get('encryption'),
                kms_key_id=p.get('kms_key_id'), versioning=p.get('versioning'), require_tls=p.get('require_tls', True),
                delete_objects=p.get('delete_objects', False))


def _read(client, operation, key, **kwargs):
    """One of the bucket's settings, or None when it has none."""
    try:
        return getattr(client, operation)(**kwargs).get(key)
    except Exception as exc:  # pylint: disable=broad-except
        if error_code_of(exc) in UNSET:
            return None
        raise


def find(ctx, *, name, stack=None):
    """{raw: the bucket's settings as S3 answers them, tags}, or None. A bucket of another account is refused by name: bucket
    names are global."""
    c = ctx.client
    try:
        c.head_bucket(Bucket=name)
    except Exception as exc:  # pylint: disable=broad-except
        code = error_code_of(exc)
        if code in ('404', 'NoSuchBucket', 'NotFound'):
            return None
        if code in ('403', 'AccessDenied', 'Forbidden'):
            raise ValidationError('name', 'S3 bucket %s belongs to another account (bucket names are global): choose another '
                                  'name, for example one with your stack and account in it' % name)
        raise
    tags = boto3_tags_to_dict(_read(c, 'get_bucket_tagging', 'TagSet', Bucket=name) or [])
    check_owner(stack, tags, 'S3 bucket', name)
    rules = (_read(c, 'get_bucket_encryption', 'ServerSideEncryptionConfiguration', Bucket=name) or {}).get('Rules') or [{}]
    raw = {'Name': name, 'Region': c.get_bucket_location(Bucket=name).get('LocationConstraint') or 'us-east-1',
           'Versioning': c.get_bucket_versioning(Bucket=name).get('Status'),
           'Encryption': rules[0].get('ApplyServerSideEncryptionByDefault') or {},
           'PublicAccessBlock': _read(c, 'get_public_access_block', 'PublicAccessBlockConfiguration', Bucket=name) or {},
           'Policy': json.loads(_read(c, 'get_bucket_policy', 'Policy', Bucket=name) or '{"Statement": []}')}
    return {'raw': raw, 'tags': tags}


def describe(raw, tags=None):
    """The snake_case view: name, arn, region, encryption, kms_key_id, versioning, public_access_blocked, require_tls, tags."""
    enc = raw.get('Encryption') or {}
    return {'name': raw['Name'], 'arn': 'arn:aws:s3:::%s' % raw['Name'], 'region': raw.get('Region'),
            'encryption': enc.get('SSEAlgorithm'), 'kms_key_id': enc.get('KMSMasterKeyID'),
            'versioning': raw.get('Versioning') or 'Disabled', 'public_access_blocked': raw.get('PublicAccessBlock') == BLOCKED,
            'require_tls': any(s.get('Sid') == TLS_SID for s in raw['Policy'].get('Statement') or []), 'tags': dict(tags or {})}


def _tls_statement(name):
    return {'Sid': TLS_SID, 'Effect': 'Deny', 'Principal': '*', 'Action': 's3:*',
            'Resource': ['arn:aws:s3:::%s' % name, 'arn:aws:s3:::%s/*' % name],
            'Condition': {'Bool': {'aws:SecureTransport': 'false'}}}


def _policy_call(ctx, name, policy, require_tls):
    """The bucket policy with this module's statement added or taken out (the others kept)."""
    others = [s for s in policy.get('Statement') or [] if s.get('Sid') != TLS_SID]
    statements = others + ([_tls_statement(name)] if require_tls else [])
    if statements:
        ctx.call('put_bucket_policy', Bucket=name, Policy=json.dumps(dict(policy, Version='2012-10-17', Statement=statements)))
    else:
        ctx.call('delete_bucket_policy', Bucket=name)


def _converge(ctx, d, raw, tags):
    """Each setting that differs from ``desired``, put; the names of those put."""
    name, before, done = d['name'], describe(raw, tags), []
    if not before['public_access_blocked']:
        ctx.call('put_public_access_block', Bucket=name, PublicAccessBlockConfiguration=BLOCKED)
        done.append('public access')
    # left out: the bucket's own (every bucket is encrypted, SSE-S3 unless set otherwise); to create: SSE-S3
    encryption = (d['encryption'] or before['encryption'] or 'AES256', d['kms_key_id'] if d['encryption'] else before['kms_key_id'])
    if (before['encryption'], before['kms_key_id']) != encryption:
        rule = dict(SSEAlgorithm=encryption[0], **({'KMSMasterKeyID': encryption[1]} if encryption[1] else {}))
        ctx.call('put_bucket_encryption', Bucket=name, ServerSideEncryptionConfiguration={
            'Rules': [{'ApplyServerSideEncryptionByDefault': rule, 'BucketKeyEnabled': encryption[0] == 'aws:kms'}]})
        done.append('encryption')
    wanted = {True: 'Enabled', False: 'Suspended' if before['versioning'] != 'Disabled' else 'Disabled'}.get(d['versioning'])
    if wanted and wanted != before['versioning']:
        ctx.call('put_bucket_versioning', Bucket=name, VersioningConfiguration={'Status': wanted})
        done.append('versioning')
    if before['require_tls'] != d['require_tls']:
        _policy_call(ctx, name, raw['Policy'], d['require_tls'])
        done.append('policy')
    new_tags = merged_tags(tags, d['tags'], ctx.purge_tags) if d['tags'] is not None else dict(tags)
    if d['stack']:
        new_tags[STACK_TAG] = d['stack']
    if new_tags != tags:
        if new_tags:
            ctx.call('put_bucket_tagging', Bucket=name, Tagging={'TagSet': dict_to_boto3_tags(new_tags)})
        else:
            ctx.call('delete_bucket_tagging', Bucket=name)
        done.append('tags')
    after = dict(before, encryption=encryption[0], kms_key_id=encryption[1], public_access_blocked=True,
                 require_tls=d['require_tls'], tags=new_tags, versioning=wanted or before['versioning'])
    return done, before, after


def ensure(ctx, *, desired, existing=None):
    """Create the bucket (private, ACLs off), then put every setting that differs; ``existing``: what :func:`find` returned."""
    if existing is not None:
        done, before, after = _converge(ctx, desired, existing['raw'], existing['tags'])
        return Change.of(bool(done), before, after, before['arn'])
    region = ctx.client.meta.region_name
    kwargs = dict(Bucket=desired['name'], ObjectOwnership='BucketOwnerEnforced')
    if region != 'us-east-1':  # us-east-1 takes no LocationConstraint (API_CreateBucket)
        kwargs['CreateBucketConfiguration'] = {'LocationConstraint': region}
    ctx.call('create_bucket', **kwargs)
    # A new bucket: encrypted with SSE-S3, public access blocked (AWS's defaults since 2023), unversioned, no policy.
    fresh = {'Name': desired['name'], 'Region': region, 'Encryption': {'SSEAlgorithm': 'AES256'}, 'Versioning': None,
             'PublicAccessBlock': BLOCKED, 'Policy': {'Statement': []}}
    dummy, dummy2, after = _converge(ctx, desired, fresh, {})
    return Change('create', None, after, after['arn'])


def _versions(ctx, name):
    """Every object version and delete marker of the bucket: [{Key, VersionId}]."""
    out, kwargs = [], {'Bucket': name}
    while True:
        page = ctx.client.list_object_versions(**kwargs)
        out += [{'Key': v['Key'], 'VersionId': v['VersionId']} for v in (page.get('Versions') or []) + (page.get('DeleteMarkers') or [])]
        if not page.get('IsTruncated'):
            return out
        kwargs.update(KeyMarker=page['NextKeyMarker'], VersionIdMarker=page['NextVersionIdMarker'])


def delete(ctx, *, existing, desired):
    """Delete the bucket; one that holds objects only with ``delete_objects`` (every version first), else refused before
    any change, naming how many it holds."""
    name = existing['raw']['Name']
    objects = _versions(ctx, name)
    if objects and not desired['delete_objects']:
        raise ValidationError('delete_objects', 'S3 bucket %s holds %d object versions: set delete_objects: true to delete them '
                              'with the bucket, or empty it first' % (name, len(objects)))
    for i in range(0, len(objects), 1000):  # DeleteObjects takes up to 1,000 keys (API_DeleteObjects)
        failed = (ctx.call('delete_objects', Bucket=name, Delete={'Objects': objects[i:i + 1000], 'Quiet': True}) or {}).get('Errors')
        if failed:  # answered 200 with the keys it could not delete
            raise ValidationError('delete_objects', 'S3 did not delete %d objects of bucket %s, the first %s: %s (%s)' % (
                len(failed), name, failed[0].get('Key'), failed[0].get('Code'), failed[0].get('Message')))
    ctx.call('delete_bucket', Bucket=name)
    return Change('delete', describe(existing['raw'], existing['tags']), None, 'arn:aws:s3:::%s' % name)
