# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Key pairs: finding one by name, and the fingerprint AWS gives a public key. Used by key_pair and preflight."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib

from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import not_found
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError

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


def find(ec2, name):
    """The key pair named ``name``, or None."""
    try:
        pairs = ec2.describe_key_pairs(KeyNames=[name])['KeyPairs']
    except Exception as exc:  # pylint: disable=broad-except
        if not_found(exc, 'InvalidKeyPair.NotFound'):
            return None
        raise
    return pairs[0] if pairs else None
