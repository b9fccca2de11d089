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

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import key_pair

ARGUMENT_SPEC = resource_spec(dict(
    name=dict(type='str', required=True),
    public_key=dict(type='str', aliases=['key_material']),
    public_key_path=dict(type='path'),
    private_key_path=dict(type='path', no_log=False, aliases=['file_name']),
    key_type=dict(type='str', default='ed25519', choices=['ed25519', 'rsa']),
    force=dict(type='bool', default=False),
), owner=True)


def main():
    run_module(key_pair, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
