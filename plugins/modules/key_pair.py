#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: key_pair
short_description: Import an SSH public key as an EC2 key pair, or create one and keep its private key
version_added: 0.1.0
description:
  - Imports O(public_key) or O(public_key_path) as a key pair; or, given only O(private_key_path), has EC2 create a key
    and writes its private key there with mode C(0400) (SSH refuses looser modes). An existing private key file is never
    overwritten, and key material is never printed or returned.
  - Idempotent without side effects. The fingerprint is computed locally, the way AWS does (MD5 of the DER public key
    for RSA, SHA-256 for ed25519), and compared with the key pair's; nothing is imported to find out.
  - A key pair whose material differs is an error unless O(force=true), which replaces it.
  - With O(stack), the key pair is tagged C(Stack=<stack>) (without O(tags), only the C(Stack) tag is managed and other
    tags are kept), and an existing key pair of this name must already carry that tag; one of another stack, or of
    none, is never tagged, re-imported, replaced or deleted; it is refused before any change, naming both.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  name:
    description: The key pair name.
    type: str
    required: true
  public_key:
    description: An OpenSSH public key (C(ssh-ed25519 AAAA...) or C(ssh-rsa AAAA...)) to import.
    type: str
    aliases: [key_material]
  public_key_path:
    description: A file holding the public key to import.
    type: path
  private_key_path:
    description:
      - Without a public key, EC2 creates the key pair and its private key is written here with mode C(0400).
      - The file must not exist when the key pair is created; it is never overwritten, and never written through a
        symlink. It is created (mode C(0400)) before the key pair, so a path that cannot be written fails before
        anything is made; if writing the key fails, the key pair is deleted again.
      - A key pair that exists while this file does not is an error (EC2 gives a private key only once), unless
        O(force=true), which replaces the key pair and writes the new private key here.
      - C(file_name) is the name M(amazon.aws.ec2_key) gives it; unlike that module, this one never overwrites the file.
    type: path
    aliases: [file_name]
  key_type:
    description: Type of a key EC2 creates.
    type: str
    choices: [ed25519, rsa]
    default: ed25519
  force:
    description: Replace a key pair of this name whose material differs, or whose private key file (O(private_key_path)) is missing.
    type: bool
    default: false
  state:
    description: V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.tags
  - seed.laravel_aws.aws.owner
attributes:
  check_mode:
    support: full
    description: Reports what would change; writes no file and creates nothing.
  diff_mode:
    support: full
    description: Returns the key pair (name, fingerprint, tags) before and after.
'''

EXAMPLES = r'''
- name: Import the admin's key
  seed.laravel_aws.key_pair:
    name: demo
    public_key_path: ~/.ssh/id_ed25519.pub
    stack: demo

- name: Or let EC2 make one and keep the private key
  seed.laravel_aws.key_pair:
    name: demo
    private_key_path: "{{ playbook_dir }}/demo.pem"
'''

RETURN = r'''
key_pair:
  description: The key pair; empty after O(state=absent). Never carries key material.
  returned: always
  type: dict
  contains:
    name:
      description: The name.
      type: str
    id:
      description: The key pair id.
      type: str
      sample: key-0123456789abcdef0
    fingerprint:
      description: The fingerprint AWS reports.
      type: str
    type:
      description: C(rsa) or C(ed25519).
      type: str
    tags:
      description: The tags.
      type: dict
    private_key_path:
      description: Where the private key was written (only when this run created the key pair).
      type: str
diff:
  description: The key pair before and after.
  returned: always
  type: dict
'''

import os

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import AwsModule, resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.diff import make_diff
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Context
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import refuse_by_rules
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.key_pair import HAS_CRYPTOGRAPHY, delete, describe, ensure, find, fingerprints
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, check_owner, stack_tags, validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import normalize_tags


def open_private_key(path):
    """Create the file 0400 in one step, before the key pair exists; never overwrite, never follow a symlink."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0)
    try:
        return os.open(path, flags, 0o400)
    except OSError as exc:
        raise ValidationError('private_key_path', 'cannot create %s (%s); give a path that does not exist yet, '
                              'in a folder you can write to' % (path, exc.strerror or exc))


def write_private_key(fd, material):
    with os.fdopen(fd, 'w') as f:
        f.write(material if material.endswith('\n') else material + '\n')


def run(m):
    p = m.params
    if not HAS_CRYPTOGRAPHY:
        m.fail_json(msg='the cryptography Python package is required (pip install cryptography)')
    for operation in ('ImportKeyPair', 'CreateKeyPair'):
        refuse_by_rules(operation, 'KeyName', p['name'], 'name')
    name = p['name'].strip()
    if not name or len(name) > 255:
        raise ValidationError('name', 'a key pair name is 1-255 characters')
    tags = normalize_tags(p['tags'], added=(STACK_TAG,) if p['stack'] is not None else ())
    purge = p['purge_tags']
    if p['stack'] is not None:
        purge = purge and tags is not None
        tags = stack_tags(validate_stack_name(p['stack'], 'stack'), tags)
    public = p['public_key']
    if p['public_key_path']:
        path = p['public_key_path']  # type: path, already expanded
        try:
            with open(path) as f:
                public = f.read()
        except (IOError, OSError) as exc:
            raise ValidationError('public_key_path', 'cannot read %s (%s); give the path of an OpenSSH public key (.pub)'
                                  % (path, exc.strerror or exc))
    wanted = fingerprints(public) if public else None
    private_path = p['private_key_path']
    if private_path and not os.path.isdir(os.path.dirname(os.path.abspath(private_path))):
        raise ValidationError('private_key_path', 'the folder of %s does not exist' % private_path)
    if private_path and not public and os.path.islink(private_path) and not os.path.exists(private_path):
        raise ValidationError('private_key_path', '%s is a symlink to nothing; the private key is never written through a '
                              'symlink: remove it or choose another path' % private_path)

    ctx = Context.of(m, m.client('ec2'))
    existing = find(ctx, name=name)
    if existing is not None:
        # a key pair of another stack, or of none, is never tagged, re-imported, replaced or deleted: refused before any change
        check_owner(p['stack'], describe(existing)['tags'], 'key pair', '%s (%s)' % (name, existing.get('KeyPairId')))
    if p['state'] == 'absent':
        change = delete(ctx, existing=existing)
        m.exit_json(changed=change.changed, key_pair={}, diff=make_diff(change.before, None))
    desired = {'name': name, 'public_key': public, 'fingerprints': wanted, 'key_type': p['key_type'], 'tags': tags,
               'purge_tags': purge, 'replace': refuse_or_replace(p, existing, wanted, public, private_path)}
    if existing is None and not public:
        if not private_path:
            raise ValidationError('public_key', 'give public_key or public_key_path to import a key, '
                                  'or private_key_path to have EC2 create one and keep its private key')
        if os.path.lexists(private_path):
            raise ValidationError('private_key_path', '%s already exists and is never overwritten; '
                                  'remove it, choose another path, or import its public key instead' % private_path)
    making = existing is None or desired['replace']
    # the private key's file first: if it cannot be made, nothing is created (or deleted)
    fd = ctx.live(open_private_key, private_path) if making and not public else None
    try:
        change = ensure(ctx, desired=desired, existing=existing)
    except BaseException:
        if fd is not None:
            os.close(fd)
            os.unlink(private_path)
        raise
    after = change.after
    if fd is not None:
        keep_private_key(ctx, fd, after, private_path, tags)
        after = describe(after, private_path)
    elif 'KeyName' in after:
        after = describe(after)
    m.exit_json(changed=change.changed, key_pair=after, diff=make_diff(change.before, describe_plain(after)))


def describe_plain(view):
    return dict((k, v) for k, v in view.items() if k != 'private_key_path')


def refuse_or_replace(p, existing, wanted, public, private_path):
    """True when the existing key pair must be replaced (force); a ValidationError when it differs without force."""
    if existing is None:
        return False
    name = existing['KeyName']
    if wanted and existing.get('KeyFingerprint') not in wanted[1]:
        if not p['force']:
            raise ValidationError('public_key', 'key pair %s exists with other key material (fingerprint %s); '
                                  'set force: true to replace it' % (name, existing.get('KeyFingerprint')))
        return True
    if not public and private_path and not os.path.lexists(private_path):
        # EC2 gives a private key once, when it creates the key pair: without the file nobody can use this one
        if not p['force']:
            raise ValidationError('private_key_path', 'key pair %s exists but its private key file %s is missing, and EC2 '
                                  'cannot give it again; set force: true to replace the key pair (or delete it with '
                                  'state: absent), or give the path where its private key is' % (name, private_path))
        return True
    return False


def keep_private_key(ctx, fd, made, private_path, tags):
    """Write the private key EC2 made; a key pair whose private key is lost is of no use: on failure it is deleted
    again, so the next run makes one again."""
    try:
        write_private_key(fd, made['KeyMaterial'])
    except Exception as exc:  # pylint: disable=broad-except
        ctx.call('delete_key_pair', KeyName=made['KeyName'])
        if os.path.lexists(private_path):
            os.unlink(private_path)
        raise ValidationError('private_key_path', 'could not write the private key to %s (%s); the key pair %s was deleted '
                              'again' % (private_path, exc, made['KeyName']))
    made.pop('KeyMaterial', None)
    made['Tags'] = made.get('Tags') or [{'Key': k, 'Value': v} for k, v in (tags or {}).items()]


def main():
    m = AwsModule(
        argument_spec=resource_spec(dict(
            name=dict(type='str', required=True),
            public_key=dict(type='str', aliases=['key_material']),
            public_key_path=dict(type='path'),
            private_key_path=dict(type='path', no_log=False, aliases=['file_name']),
            key_type=dict(type='str', default='ed25519', choices=['ed25519', 'rsa']),
            force=dict(type='bool', default=False),
        ), owner=True),
        mutually_exclusive=[['public_key', 'public_key_path']],
    )
    m.run(run)


if __name__ == '__main__':
    main()
