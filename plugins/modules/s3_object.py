#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: s3_object
short_description: An object in an S3 bucket, uploaded once per content and known by its SHA-256
version_added: 0.2.0
description:
  - Uploads a file or a text to an S3 bucket under a key, or deletes the object.
  - The file is read into memory whole (a throttled upload is sent again from its start).
  - The content's SHA-256 is sent with the upload (C(ChecksumSHA256)), so S3 refuses a body that arrives damaged, and is
    kept in the object's metadata (C(x-amz-meta-sha256)), so a reader can check what it downloaded.
  - An object whose metadata names the content's SHA-256 already is not uploaded again (C(changed=false)), its tags
    aside. The file is read on the host that runs the task (the control node, for a play on localhost).
  - With O(stack), the bucket must be tagged C(Stack=<stack>), read before any change.
  - In a versioned bucket, O(state=absent) leaves a delete marker; the object's older versions stay, as S3 keeps them.
  - O(key) is checked against S3's rule (up to 1,024 bytes in UTF-8) before any call.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  bucket:
    description: The bucket's name.
    type: str
    required: true
  key:
    description: The object's key, for example C(releases/demo/3f2a9c1.tar.gz).
    type: str
    required: true
  src:
    description:
      - The file to upload, on the host that runs the task. Needed for O(state=present), unless O(content) is given.
    type: path
  content:
    description: A text to upload instead of a file (UTF-8).
    type: str
  content_type:
    description: The object's C(Content-Type), set when it is uploaded.
    type: str
  tags:
    description:
      - The object's tags, as a dictionary (up to 10, S3's limit for an object).
      - Not given, the tags of an existing object are left as they are.
    type: dict
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.state
  - seed.laravel_aws.aws.tags
  - seed.laravel_aws.aws.owner
  - seed.laravel_aws.aws.attributes
notes:
  - Needs the object actions of the collection's IAM policy (docs/iam-policy.json).
'''

EXAMPLES = r'''
- name: The release, uploaded once
  seed.laravel_aws.s3_object:
    bucket: demo-artifacts-123456789012
    key: releases/demo/3f2a9c1.tar.gz
    src: /tmp/demo-3f2a9c1.tar.gz
    stack: demo
  register: release

- name: The pointer to it, as text
  seed.laravel_aws.s3_object:
    bucket: demo-artifacts-123456789012
    key: releases/demo/current.json
    content: "{{ {'release': '3f2a9c1', 'key': release.object.key, 'sha256': release.object.sha256} | to_json }}"
    content_type: application/json
    stack: demo
'''

RETURN = r'''
object:
  description: The object; empty after O(state=absent).
  returned: always
  type: dict
  contains:
    bucket:
      description: Its bucket.
      type: str
    key:
      description: Its key.
      type: str
    sha256:
      description: The SHA-256 of its content, hex (its C(x-amz-meta-sha256) metadata).
      type: str
    size:
      description: Its size in bytes.
      type: int
    etag:
      description: Its ETag (null in check mode before it is uploaded).
      type: str
    version_id:
      description: Its version, in a versioned bucket.
      type: str
    content_type:
      description: Its C(Content-Type).
      type: str
    tags:
      description: Its tags.
      type: dict
diff:
  description: The object before and after.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import s3_object

ARGUMENT_SPEC = resource_spec(dict(
    bucket=dict(type='str', required=True),
    key=dict(type='str', required=True, no_log=False),
    src=dict(type='path'),
    content=dict(type='str'),
    content_type=dict(type='str'),
), owner=True)


def main():
    run_module(s3_object, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
