# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Key pairs: find, ensure (import, or create and hand back the private key), delete; the fingerprint AWS
gives a public key. Used by key_pair and preflight."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib

from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import (
    TIMING, apply_tags, describe_one, fresh_timeout, not_found, resource_tags, tag_specifications,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import error_code, is_lost_answer
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, check_owner
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import retry_not_found

try:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    HAS_CRYPTOGRAPHY = True
except ImportError:
    HAS_CRYPTOGRAPHY = False


def fingerprints(public_key_text):
    """(type, {the fingerprints AWS may report}) of an OpenSSH public key."""
    try:
        key = serialization.load_ssh_public_key(public_key_text.strip().encode())
    except (ValueError, TypeError) as exc:
        raise ValidationError('public_key', 'not an OpenSSH public key (ssh-ed25519 AAAA... or ssh-rsa AAAA...): %s' % exc)
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    blob = base64.b64decode(public_key_text.split()[1])

    def colons(digest):
        return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))
    if isinstance(key, ed25519.Ed25519PublicKey):
        # base64 SHA-256 of the key blob, as ssh-keygen -l prints it (AWS adds the padding)
        digest = base64.b64encode(hashlib.sha256(blob).digest()).decode()
        return 'ed25519', set([digest, digest.rstrip('=')])
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < 2048:
            raise ValidationError('public_key', 'RSA keys need 2048 bits or more (this one has %d)' % key.key_size)
        return 'rsa', set([colons(hashlib.md5(der).hexdigest())])  # nosec - the fingerprint AWS uses for imported RSA keys
    raise ValidationError('public_key', 'EC2 takes rsa and ed25519 keys only')


def find_key_pair(ec2, name):
    """The key pair named ``name``, or None."""
    return describe_one(ec2.describe_key_pairs, 'KeyPairs', 'InvalidKeyPair.NotFound', KeyNames=[name])


def find(ctx, *, name):
    """The contract's find: the key pair named ``name``, or None."""
    return find_key_pair(ctx.client, name)


def describe(kp, private_key_path=None):
    out = {'name': kp['KeyName'], 'id': kp.get('KeyPairId'), 'fingerprint': kp.get('KeyFingerprint'),
           'type': kp.get('KeyType'), 'tags': resource_tags(kp)}
    if private_key_path:
        out['private_key_path'] = private_key_path
    return out


def ensure(ctx, *, desired, existing=None):
    """The key pair as ``desired`` says (name, public_key and its fingerprints or key_type, tags, purge_tags, replace)
    against ``existing`` (raw, None when there is none). Made by EC2, the Change's ``after`` is the raw key pair
    with its KeyMaterial: the caller writes it and drops it."""
    name, tags = desired['name'], desired.get('tags')
    if existing is not None and not desired.get('replace'):
        before = describe(existing)
        after = dict(before)
        changed, after['tags'] = apply_tags(ctx, existing['KeyPairId'], before['tags'], tags, desired.get('purge_tags')) \
            if tags is not None else (False, before['tags'])
        return Change.of(changed, before, after, name)
    wanted = desired.get('fingerprints')
    planned = {'name': name, 'id': None, 'fingerprint': None, 'type': wanted[0] if wanted else desired['key_type'], 'tags': tags or {}}
    change = ctx.create('key_pair', name, lambda: (name, _make(ctx, desired, existing is not None)), planned)
    change.before = describe(existing) if existing is not None else None
    return change


def _fresh_key_pair(ctx, name):
    """The key pair this run just imported: EC2 is eventually consistent, so DescribeKeyPairs may answer
    InvalidKeyPair.NotFound for a moment (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html);
    asked again, bounded. None when it stays unseen (an import whose answer was lost and that made nothing)."""
    try:
        return retry_not_found(lambda: ctx.client.describe_key_pairs(KeyNames=[name])['KeyPairs'][0], ('InvalidKeyPair.NotFound',),
                               'the new key pair %s' % name, timeout=fresh_timeout(ctx), **TIMING)
    except Exception as exc:  # pylint: disable=broad-except
        if not_found(exc, 'InvalidKeyPair.NotFound'):
            return None
        raise


def _after_delete(ctx, replace, operation, **kwargs):
    """``ctx.call(operation)`` (an import or a create); right after this run deleted the key pair of that name (``replace``),
    AWS may still answer InvalidKeyPair.Duplicate for a moment (eventual consistency): asked again, bounded."""
    if not replace:
        return ctx.call(operation, **kwargs)
    return retry_not_found(lambda: ctx.call(operation, **kwargs), ('InvalidKeyPair.Duplicate',), '%s of %s' % (operation, kwargs['KeyName']),
                           timeout=fresh_timeout(ctx), **TIMING)


def _make(ctx, desired, replace):
    """Import or create the key pair; returns the key pair (with KeyMaterial when EC2 created it)."""
    name, public = desired['name'], desired.get('public_key')
    if replace:
        ctx.call('delete_key_pair', KeyName=name)
    spec = tag_specifications('key-pair', desired.get('tags'))
    if public:
        try:
            _after_delete(ctx, replace, 'import_key_pair', KeyName=name, PublicKeyMaterial=public.strip().encode(), TagSpecifications=spec)
        except Exception as exc:  # pylint: disable=broad-except
            # InvalidKeyPair.Duplicate: the name is taken, perhaps by the key an interrupted run imported moments ago that
            # the reads did not show yet; taken when it is this key and the stack's
            if not is_lost_answer(exc) and (replace or error_code(exc) != 'InvalidKeyPair.Duplicate'):
                raise
        made = _fresh_key_pair(ctx, name)  # a lost answer is checked by fingerprint, never imported twice
        if made is None or made.get('KeyFingerprint') not in desired['fingerprints'][1]:
            raise ValidationError('public_key', 'key pair %s was not imported with this key; run again' % name)
        check_owner((desired.get('tags') or {}).get(STACK_TAG), resource_tags(made), 'key pair', name)
        return made
    for dummy in range(3):
        try:
            return dict(_after_delete(ctx, replace, 'create_key_pair', KeyName=name, KeyType=desired['key_type'], KeyFormat='pem',
                                      TagSpecifications=spec))
        except Exception as exc:  # pylint: disable=broad-except
            if not is_lost_answer(exc):
                raise
            # the private key of a lost answer is gone for good: drop that key pair and make another
            if find_key_pair(ctx.client, name) is not None:
                ctx.call('delete_key_pair', KeyName=name)
                replace = True
    raise ValidationError('name', 'could not create key pair %s: its answer was lost three times; run again' % name)


def delete(ctx, *, existing):
    """Delete the key pair ``existing`` (raw, or None: nothing to do)."""
    if existing is None:
        return Change('none', None, None)
    ctx.call('delete_key_pair', KeyName=existing['KeyName'])
    return Change('delete', describe(existing), None, existing['KeyName'])
