#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: s3_bucket
short_description: A private, encrypted S3 bucket, with versioning, a TLS-only policy and tags
version_added: 0.2.0
description:
  - Creates, updates or deletes an S3 bucket, found by its name (bucket names are global across all AWS accounts).
  - The bucket is always private. It is made with ACLs disabled (object ownership C(BucketOwnerEnforced)) and all four
    public access blocks on; an existing bucket whose public access blocks are off gets them back.
  - It is always encrypted at rest, with SSE-S3 or, with O(encryption=aws:kms), with a KMS key.
  - With O(require_tls) (the default) its policy denies every request not sent over TLS, in a statement of its own
    (C(Sid=DenyInsecureTransport)); other statements of the policy are kept as they are.
  - A bucket of another account is refused by name before any change. With O(stack), the bucket found must be tagged
    C(Stack=<stack>), for a change and for O(state=absent) alike.
  - O(name) is checked against AWS's bucket naming rules before any call; the error names the rule, the error code AWS
    answers and the page the rule is from.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  name:
    description:
      - The bucket's name, 3-63 lowercase letters, digits, periods and hyphens, beginning and ending with a letter or digit.
    type: str
    required: true
  encryption:
    description:
      - V(AES256) (SSE-S3) or V(aws:kms) (SSE-KMS, with the S3 bucket key on).
      - Left out, an existing bucket keeps its own; a new one gets V(AES256).
    type: str
    choices: [AES256, 'aws:kms']
  kms_key_id:
    description: The KMS key (id, alias or ARN) of O(encryption=aws:kms); left out, the AWS managed key C(aws/s3).
    type: str
  versioning:
    description:
      - V(true) enables versioning; V(false) suspends it on a bucket that has it (AWS never turns it off again) and leaves
        a bucket that never had it as it is.
      - Left out, left as it is (a new bucket is unversioned).
    type: bool
  require_tls:
    description: Deny every request to the bucket that is not sent over TLS (C(aws:SecureTransport) false).
    type: bool
    default: true
  delete_objects:
    description:
      - With O(state=absent), delete every object version in the bucket first.
      - Without it, a bucket that holds objects is refused before any change, naming how many it holds.
    type: bool
    default: false
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.state
  - seed.laravel_aws.aws.tags
  - seed.laravel_aws.aws.owner
  - seed.laravel_aws.aws.attributes
notes:
  - Needs the C(s3) actions of the collection's IAM policy (docs/iam-policy.json).
'''

EXAMPLES = r'''
- name: The stack's artifact bucket, versioned
  seed.laravel_aws.s3_bucket:
    name: demo-artifacts-123456789012
    versioning: true
    stack: demo

- name: Gone, with everything in it
  seed.laravel_aws.s3_bucket:
    name: demo-artifacts-123456789012
    stack: demo
    delete_objects: true
    state: absent
'''

RETURN = r'''
s3_bucket:
  description: The bucket; empty after O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: Its name.
      type: str
      sample: demo-artifacts-123456789012
    arn:
      description: Its ARN.
      type: str
      sample: arn:aws:s3:::demo-artifacts-123456789012
    region:
      description: The region it is in.
      type: str
      sample: eu-west-1
    encryption:
      description: C(AES256) or C(aws:kms).
      type: str
    kms_key_id:
      description: The KMS key of C(aws:kms), or null.
      type: str
    versioning:
      description: C(Enabled), C(Suspended) or C(Disabled).
      type: str
    public_access_blocked:
      description: Whether all four public access blocks are on (always true after O(state=present)).
      type: bool
    require_tls:
      description: Whether its policy denies requests not sent over TLS.
      type: bool
    tags:
      description: Its tags.
      type: dict
diff:
  description: The bucket before and after.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import s3_bucket

ARGUMENT_SPEC = resource_spec(dict(
    name=dict(type='str', required=True),
    encryption=dict(type='str', choices=['AES256', 'aws:kms']),
    kms_key_id=dict(type='str'),
    versioning=dict(type='bool'),
    require_tls=dict(type='bool', default=True),
    delete_objects=dict(type='bool', default=False),
), owner=True)


def main():
    run_module(s3_bucket, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
