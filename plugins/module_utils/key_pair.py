# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Key pairs: the resource protocol (docs/architecture.md, runner.py): validate, find, ensure (import, or create and
write the private key EC2 hands back once), delete; and the fingerprint AWS gives a public key. Used by key_pair and
preflight."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import os

from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import (
    TIMING, apply_tags, describe_one, fresh_timeout, not_found, refuse_by_rules, resource_tags, tag_specifications,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import error_code, is_lost_answer
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, check_owner, stack_tags, validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import normalize_tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import retry_not_found

try:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    HAS_CRYPTOGRAPHY = True
except ImportError:
    HAS_CRYPTOGRAPHY = False

NAME = 'key_pair'
KEY = ('name', 'stack')
MODULE_OPTIONS = {'mutually_exclusive': [['public_key', 'public_key_path']]}


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


def validate(p):
    """The desired key pair from the options, checked before any call: the name, the tags, the public key (read from
    public_key_path) and its fingerprints, the private key's path."""
    if not HAS_CRYPTOGRAPHY:
        raise ValidationError('public_key', 'the cryptography Python package is required (pip install cryptography)')
    for operation in ('ImportKeyPair', 'CreateKeyPair'):
        refuse_by_rules(operation, 'KeyName', p['name'], 'name')
    name = p['name'].strip()
    if not name or len(name) > 255:
        raise ValidationError('name', 'a key pair name is 1-255 characters')
    tags = normalize_tags(p.get('tags'), added=(STACK_TAG,) if p.get('stack') is not None else ())
    purge = p.get('purge_tags', True)
    if p.get('stack') is not None:
        purge = purge and tags is not None
        tags = stack_tags(validate_stack_name(p['stack'], 'stack'), tags)
    public = p.get('public_key')
    if p.get('public_key_path'):
        try:
            with open(p['public_key_path']) as f:  # type: path, already expanded
                public = f.read()
        except (IOError, OSError) as exc:
            raise ValidationError('public_key_path', 'cannot read %s (%s); give the path of an OpenSSH public key (.pub)'
                                  % (p['public_key_path'], exc.strerror or exc))
    private_path = p.get('private_key_path')
    if private_path and not os.path.isdir(os.path.dirname(os.path.abspath(private_path))):
        raise ValidationError('private_key_path', 'the folder of %s does not exist' % private_path)
    if private_path and not public and os.path.islink(private_path) and not os.path.exists(private_path):
        raise ValidationError('private_key_path', '%s is a symlink to nothing; the private key is never written through a '
                              'symlink: remove it or choose another path' % private_path)
    return {'name': name, 'stack': p.get('stack'), 'public_key': public, 'fingerprints': fingerprints(public) if public else None,
            'key_type': p.get('key_type') or 'ed25519', 'tags': tags, 'purge_tags': purge, 'private_key_path': private_path,
            'force': p.get('force', False)}


def _find_key_pair(ec2, name):
    return describe_one(ec2.describe_key_pairs, 'KeyPairs', 'InvalidKeyPair.NotFound', KeyNames=[name])


def find(ctx, *, name, stack=None):
    """The key pair named ``name`` (raw), or None. With ``stack``, one of another stack, or of none, is never tagged,
    re-imported, replaced or deleted: refused (NotOwned, naming both) before any change."""
    existing = _find_key_pair(ctx.client, name)
    if existing is not None:
        check_owner(stack, resource_tags(existing), 'key pair', '%s (%s)' % (name, existing.get('KeyPairId')))
    return existing


def describe(raw, private_key_path=None):
    out = {'name': raw['KeyName'], 'id': raw.get('KeyPairId'), 'fingerprint': raw.get('KeyFingerprint'),
           'type': raw.get('KeyType'), 'tags': resource_tags(raw)}
    if private_key_path:
        out['private_key_path'] = private_key_path
    return out


def _replace(desired, existing):
    """True when the existing key pair must be replaced (force); a ValidationError when it differs without force."""
    if existing is None:
        return False
    name, wanted, private_path = existing['KeyName'], desired['fingerprints'], desired['private_key_path']
    if wanted and existing.get('KeyFingerprint') not in wanted[1]:
        if not desired['force']:
            raise ValidationError('public_key', 'key pair %s exists with other key material (fingerprint %s); '
                                  'set force: true to replace it' % (name, existing.get('KeyFingerprint')))
        return True
    if not desired['public_key'] and private_path and not os.path.lexists(private_path):
        # EC2 gives a private key once, when it creates the key pair: without the file nobody can use this one
        if not desired['force']:
            raise ValidationError('private_key_path', 'key pair %s exists but its private key file %s is missing, and EC2 '
                                  'cannot give it again; set force: true to replace the key pair (or delete it with '
                                  'state: absent), or give the path where its private key is' % (name, private_path))
        return True
    return False


def _open_private_key(path):
    """Create the file 0400 in one step, before the key pair exists; never overwrite, never follow a symlink."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0)
    try:
        return os.open(path, flags, 0o400)
    except OSError as exc:
        raise ValidationError('private_key_path', 'cannot create %s (%s); give a path that does not exist yet, '
                              'in a folder you can write to' % (path, exc.strerror or exc))


def _write_private_key(fd, material):
    """The private key into ``fd`` (opened by _open_private_key), ending with a newline as ssh-keygen writes it."""
    with os.fdopen(fd, 'w') as f:
        f.write(material if material.endswith('\n') else material + '\n')


def _keep_private_key(ctx, fd, made, private_path, tags):
    """Write the private key EC2 made; a key pair whose private key is lost is of no use: on failure it is deleted
    again, so the next run makes one again."""
    try:
        _write_private_key(fd, made['KeyMaterial'])
    except Exception as exc:  # pylint: disable=broad-except
        ctx.call('delete_key_pair', KeyName=made['KeyName'])
        if os.path.lexists(private_path):
            os.unlink(private_path)
        raise ValidationError('private_key_path', 'could not write the private key to %s (%s); the key pair %s was deleted '
                              'again' % (private_path, exc, made['KeyName']))
    made.pop('KeyMaterial', None)
    made['Tags'] = made.get('Tags') or [{'Key': k, 'Value': v} for k, v in (tags or {}).items()]


def ensure(ctx, *, desired, existing=None):
    """The key pair as ``desired`` says against ``existing`` (raw, None when there is none): tags converged, imported,
    or made by EC2 with its private key written to ``private_key_path`` (the file first, 0400, never overwritten: if
    it cannot be made, nothing is created or deleted); replaced only with ``force``."""
    public, private_path = desired['public_key'], desired['private_key_path']
    desired = dict(desired, replace=_replace(desired, existing))
    if existing is None and not public:
        if not private_path:
            raise ValidationError('public_key', 'give public_key or public_key_path to import a key, '
                                  'or private_key_path to have EC2 create one and keep its private key')
        if os.path.lexists(private_path):
            raise ValidationError('private_key_path', '%s already exists and is never overwritten; '
                                  'remove it, choose another path, or import its public key instead' % private_path)
    making = existing is None or desired['replace']
    fd = ctx.live(_open_private_key, private_path) if making and not public else None
    try:
        change = _converge(ctx, desired, existing)
    except BaseException:
        if fd is not None:
            os.close(fd)
            os.unlink(private_path)
        raise
    if fd is not None:
        _keep_private_key(ctx, fd, change.after, private_path, desired['tags'])
        change.after = describe(change.after, private_path)
    elif 'KeyName' in change.after:
        change.after = describe(change.after)
    return change


def _converge(ctx, desired, existing):
    """The Change: tags of a key pair kept, or one imported or made (its ``after`` the raw key pair with KeyMaterial,
    which :func:`ensure` writes and drops)."""
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
            if _find_key_pair(ctx.client, name) is not None:
                ctx.call('delete_key_pair', KeyName=name)
                replace = True
    raise ValidationError('name', 'could not create key pair %s: its answer was lost three times; run again' % name)


def delete(ctx, *, existing, desired=None):  # pylint: disable=unused-argument
    """Delete the key pair ``existing`` (raw)."""
    ctx.call('delete_key_pair', KeyName=existing['KeyName'])
    return Change('delete', describe(existing), None, existing['KeyName'])
