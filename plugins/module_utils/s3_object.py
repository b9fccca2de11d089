# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An object of an S3 bucket, found by its bucket and key, its content known by its SHA-256. Used by s3_object.

The resource protocol (docs/architecture.md, runner.py). ``existing`` is ``{raw: HeadObject's answer, tags}``. The
content's SHA-256 is the object's identity here: it is sent as ``ChecksumSHA256``, so S3 refuses a body that arrives
other than it was sent (BadDigest, https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html),
and kept in the object's metadata (``x-amz-meta-sha256``), which a reader (an instance fetching its release) checks
again after download. The same content is never uploaded twice: an object whose metadata names the same SHA-256 is
left as it is (its tags aside). With ``stack``, the bucket must be tagged with the stack (read before any change).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import os

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import check_owner, validate_owner
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import boto3_tags_to_dict, dict_to_boto3_tags, merged_tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import error_code_of

NAME = 's3_object'
KEY = ('bucket', 'key', 'stack')
RESULT = 'object'
MODULE_OPTIONS = {'mutually_exclusive': [['src', 'content']]}
DIGEST = 'sha256'  # the metadata key of the content's SHA-256 (x-amz-meta-sha256), hex
CHUNK = 1024 * 1024
MAX_TAGS = 10  # "You can associate up to 10 tags with an object"
TAGGING = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html'


def _sha256_of_file(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(CHUNK), b''):
            digest.update(block)
    return digest.hexdigest()


def validate(p):
    """The desired object: bucket, key, stack, tags (None: left as they are), src or content (None for state absent),
    its sha256 and size, content_type."""
    aws_rules.refuse_by_rules('s3', 'CreateBucket', 'Bucket', p['bucket'], 'bucket')
    aws_rules.refuse_by_rules('s3', 'PutObject', 'Key', p['key'], 'key')
    stack, tags = validate_owner(p, added=())
    if tags is not None and len(tags) > MAX_TAGS:
        raise ValidationError('tags', 'an S3 object takes at most %d tags (%s): %d given' % (MAX_TAGS, TAGGING, len(tags)))
    src, content = p.get('src'), p.get('content')
    sha256 = size = None
    if p.get('state', 'present') == 'present':
        if src is None and content is None:
            raise ValidationError('src', 'the object\'s content is needed: give src (a file on the host that runs the task) '
                                  'or content (text)')
        if src is not None:
            if not os.path.isfile(src):
                raise ValidationError('src', '%s is not a file on the host that runs the task (with hosts: localhost, the '
                                      'control node)' % src)
            sha256, size = _sha256_of_file(src), os.path.getsize(src)
        else:
            content = content.encode('utf-8')
            sha256, size = hashlib.sha256(content).hexdigest(), len(content)
    return dict(bucket=p['bucket'], key=p['key'], stack=stack, tags=tags, src=src, content=content, sha256=sha256, size=size,
                content_type=p.get('content_type'))


def _bucket_owner(ctx, bucket, stack):
    """With ``stack``, the bucket's tags must say it is the stack's."""
    if stack is None:
        return
    try:
        tags = boto3_tags_to_dict(ctx.client.get_bucket_tagging(Bucket=bucket).get('TagSet'))
    except Exception as exc:  # pylint: disable=broad-except
        if error_code_of(exc) == 'NoSuchBucket':
            raise ValidationError('bucket', 'S3 bucket %s does not exist: make it first (seed.laravel_aws.s3_bucket)' % bucket)
        if error_code_of(exc) != 'NoSuchTagSet':
            raise
        tags = {}
    check_owner(stack, tags, 'S3 bucket', bucket, field='bucket')


def find(ctx, *, bucket, key, stack=None):
    """{raw: HeadObject's answer, tags}, or None; the bucket checked to be the stack's first."""
    _bucket_owner(ctx, bucket, stack)
    try:
        raw = ctx.client.head_object(Bucket=bucket, Key=key)
    except Exception as exc:  # pylint: disable=broad-except
        if error_code_of(exc) in ('404', 'NoSuchKey', 'NotFound'):
            return None
        raise
    raw = dict((k, v) for k, v in raw.items() if k != 'ResponseMetadata')
    tags = boto3_tags_to_dict(ctx.client.get_object_tagging(Bucket=bucket, Key=key).get('TagSet'))
    return {'raw': dict(raw, Bucket=bucket, Key=key), 'tags': tags}


def describe(raw, tags=None):
    """The snake_case view: bucket, key, sha256, size, etag, version_id, content_type, tags."""
    return {'bucket': raw['Bucket'], 'key': raw['Key'], 'sha256': (raw.get('Metadata') or {}).get(DIGEST),
            'size': raw.get('ContentLength'), 'etag': raw.get('ETag'), 'version_id': raw.get('VersionId'),
            'content_type': raw.get('ContentType'), 'tags': dict(tags or {})}


def _put(ctx, d, tags):
    """PutObject of the content, its SHA-256 sent for S3 to check and kept in its metadata; the answer."""
    kwargs = dict(Bucket=d['bucket'], Key=d['key'], Metadata={DIGEST: d['sha256']},
                  ChecksumSHA256=base64.b64encode(bytes(bytearray.fromhex(d['sha256']))).decode('ascii'))
    if d['content_type']:
        kwargs['ContentType'] = d['content_type']
    if tags:  # the Tagging header: URL-encoded key=value pairs
        from ansible.module_utils.six.moves.urllib.parse import urlencode
        kwargs['Tagging'] = urlencode(sorted(tags.items()))
    body = d['content']
    if d['src'] is not None:  # read whole: a throttled call is sent again, its body from the start
        with open(d['src'], 'rb') as handle:
            body = handle.read()
        if hashlib.sha256(body).hexdigest() != d['sha256']:
            raise ValidationError('src', '%s changed while the task ran: run it again once the file is complete' % d['src'])

    def found():  # a lost answer: the object S3 holds now, if it is this content
        there = find(ctx, bucket=d['bucket'], key=d['key'], stack=d['stack'])
        return there['raw'] if there and describe(there['raw'])['sha256'] == d['sha256'] else None
    return create_or_find(lambda: ctx.call('put_object', Body=body, **kwargs), found)


def ensure(ctx, *, desired, existing=None):
    """Upload the content when the object is missing or holds another (by SHA-256); else make its tags as ``desired``
    says."""
    d = desired
    before = describe(existing['raw'], existing['tags']) if existing is not None else None
    old_tags = before['tags'] if before else {}
    tags = merged_tags(old_tags, d['tags'], ctx.purge_tags) if d['tags'] is not None else dict(old_tags)
    planned = {'bucket': d['bucket'], 'key': d['key'], 'sha256': d['sha256'], 'size': d['size'], 'etag': None, 'version_id': None,
               'content_type': d['content_type'] or (before or {}).get('content_type'), 'tags': tags}
    if before is None or before['sha256'] != d['sha256']:
        answer = ctx.live(_put, ctx, d, tags) or {}
        after = dict(planned, etag=answer.get('ETag'), version_id=answer.get('VersionId'))
        return Change('create' if before is None else 'update', before, after, '%s/%s' % (d['bucket'], d['key']))
    after = dict(before, tags=tags)
    if tags != old_tags:
        if tags:
            ctx.call('put_object_tagging', Bucket=d['bucket'], Key=d['key'], Tagging={'TagSet': dict_to_boto3_tags(tags)})
        else:
            ctx.call('delete_object_tagging', Bucket=d['bucket'], Key=d['key'])
    return Change.of(tags != old_tags, before, after, '%s/%s' % (d['bucket'], d['key']))


def delete(ctx, *, existing, desired):  # pylint: disable=unused-argument
    """DeleteObject: in a versioned bucket a delete marker hides it, its versions are kept (the bucket's own rule)."""
    before = describe(existing['raw'], existing['tags'])
    ctx.call('delete_object', Bucket=before['bucket'], Key=before['key'])
    return Change('delete', before, None, '%s/%s' % (before['bucket'], before['key']))
