#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: iam_role
short_description: An IAM role with its trust policy, inline and managed policies, and tags
version_added: 0.2.0
description:
  - Creates, updates or deletes an IAM role, found by its name (role names are unique in the account).
  - Policy documents are compared as IAM reads them (a single value is a list of one, the order of a list does not count),
    never as text, so a document written another way sends no change.
  - O(inline_policies) and O(managed_policy_arns), when given, are exactly the role's policies (others are deleted or
    detached); left out, the role's policies are left as they are.
  - A role's path cannot be changed; a different O(path) for an existing role is refused before any change.
  - With O(stack), the role found must be tagged C(Stack=<stack>), for a change and for O(state=absent) alike.
  - O(state=absent) takes the role out of the instance profiles that carry it (with O(stack), each must be tagged with
    the stack too, else nothing is changed), deletes its inline policies, detaches its managed ones and deletes it.
  - The name, path, description, session duration, policy names and sizes and tags are checked against AWS's
    documented rules and IAM's quotas before any call; the error names the option, the rule and the page it is from.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  name:
    description: The role's name, 1-64 letters, digits and C(_+=,.@-).
    type: str
    required: true
  path:
    description:
      - The role's path, C(/) or C(/<text>/) (1-512 characters); a new role gets C(/) when it is left out.
      - It cannot be changed once the role exists.
    type: str
  assume_role_policy_document:
    description:
      - The trust policy (who may assume the role), as a dict or JSON text. Needed to create the role; left out, an
        existing role keeps its own.
      - At most 2,048 characters but white space (IAM's default quota, which AWS raises up to 4,096 on request).
    type: json
  description:
    description: The role's description, up to 1,000 characters. Left out, left as it is.
    type: str
  max_session_duration:
    description: The longest session of the role, in seconds, 3600 to 43200. Left out, left as it is (one hour for a new role).
    type: int
  inline_policies:
    description:
      - The role's inline policies, a dict of policy name to document (a dict or JSON text); exactly these (others are
        deleted). V({}) deletes every inline policy; left out, they are left as they are.
      - All of a role's inline policies together take at most 10,240 characters but white space (IAM's quota).
    type: dict
  managed_policy_arns:
    description:
      - The ARNs of the managed policies attached to the role; exactly these (others are detached). V([]) detaches all;
        left out, left as they are.
      - IAM attaches at most 10 to a role unless the account's quota was raised (to 20 at most).
    type: list
    elements: str
  permissions_boundary:
    description: The ARN of the managed policy that bounds the role's permissions; V('') removes it; left out, left as it is.
    type: str
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.state
  - seed.laravel_aws.aws.tags
  - seed.laravel_aws.aws.owner
  - seed.laravel_aws.aws.attributes
notes:
  - Needs the C(iam) actions of the collection's IAM policy (docs/iam-policy.json).
  - IAM is eventually consistent; a role just made may not be usable for a few seconds (see the instance_profile module's
    wait).
'''

EXAMPLES = r'''
- name: The role the web instances run as, allowed to read the stack's artifacts
  seed.laravel_aws.iam_role:
    name: demo-web
    stack: demo
    assume_role_policy_document:
      Version: '2012-10-17'
      Statement:
        - Effect: Allow
          Principal: {Service: ec2.amazonaws.com}
          Action: sts:AssumeRole
    inline_policies:
      read-artifacts:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: [s3:GetObject]
            Resource: arn:aws:s3:::demo-artifacts-123456789012/*
    managed_policy_arns:
      - arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore

- name: Gone, with its policies
  seed.laravel_aws.iam_role:
    name: demo-web
    stack: demo
    state: absent
'''

RETURN = r'''
iam_role:
  description: The role; empty after O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: Its name.
      type: str
      sample: demo-web
    arn:
      description: Its ARN (null in check mode for a role that would be made).
      type: str
      sample: arn:aws:iam::123456789012:role/demo-web
    role_id:
      description: Its unique id.
      type: str
      sample: AROA1234567890EXAMPLE
    path:
      description: Its path.
      type: str
      sample: /
    description:
      description: Its description, or null.
      type: str
    max_session_duration:
      description: Its longest session, in seconds.
      type: int
      sample: 3600
    assume_role_policy_document:
      description: Its trust policy.
      type: dict
    permissions_boundary:
      description: The ARN of its permissions boundary, or null.
      type: str
    inline_policies:
      description: Its inline policies, name to document.
      type: dict
    managed_policy_arns:
      description: The ARNs of its managed policies, sorted.
      type: list
      elements: str
    tags:
      description: Its tags.
      type: dict
diff:
  description: The role before and after.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import iam_role

ARGUMENT_SPEC = resource_spec(dict(
    name=dict(type='str', required=True),
    path=dict(type='str'),
    assume_role_policy_document=dict(type='json'),
    description=dict(type='str'),
    max_session_duration=dict(type='int'),
    inline_policies=dict(type='dict'),
    managed_policy_arns=dict(type='list', elements='str'),
    permissions_boundary=dict(type='str'),
), owner=True)


def main():
    run_module(iam_role, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
