#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: instance_profile
short_description: An IAM instance profile and the one role it carries to EC2 instances
version_added: 0.2.0
description:
  - Creates, updates or deletes an IAM instance profile, found by its name, and sets the role it carries (AWS allows one).
  - The role must exist and trust C(ec2.amazonaws.com) (EC2 assumes it for the instance); both are read before any
    change, and a role that trusts another principal is refused naming the ones it trusts.
  - With O(stack), the profile found must be tagged C(Stack=<stack>), for a change and for O(state=absent) alike.
  - IAM is eventually consistent. A new profile, or a role just added to one, is not seen at once by IAM's reads, and
    EC2 refuses it for a few seconds (C(RunInstances) answers C(Invalid IAM Instance Profile name)). With O(wait) the
    module reads the profile until it shows its role before it returns; a launch right after may still need a retry.
  - A profile's path cannot be changed; a different O(path) for an existing profile is refused before any change.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  name:
    description: The profile's name, 1-128 letters, digits and C(_+=,.@-).
    type: str
    required: true
  path:
    description: The profile's path, C(/) or C(/<text>/); a new profile gets C(/) when it is left out.
    type: str
  role:
    description:
      - The role the profile carries, by name or ARN. V('') takes the role out; left out, the role is left as it is.
      - One role per profile (AWS's rule); a different role replaces the one there.
    type: str
  wait:
    description:
      - After the profile is made or its role changed, read it until it shows the role (IAM's eventual consistency), up
        to O(wait_timeout).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for, with O(wait); the error on timeout names the role last seen.
    type: int
    default: 600
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.state
  - seed.laravel_aws.aws.tags
  - seed.laravel_aws.aws.owner
  - seed.laravel_aws.aws.attributes
notes:
  - Needs the C(iam) actions of the collection's IAM policy (docs/iam-policy.json), C(iam:PassRole) on the role among
    them.
'''

EXAMPLES = r'''
- name: The web instances' profile, carrying their role
  seed.laravel_aws.instance_profile:
    name: demo-web
    role: demo-web
    stack: demo

- name: Gone (its role is taken out first, and kept)
  seed.laravel_aws.instance_profile:
    name: demo-web
    stack: demo
    state: absent
'''

RETURN = r'''
instance_profile:
  description: The profile; empty after O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: Its name.
      type: str
      sample: demo-web
    arn:
      description: Its ARN (null in check mode for a profile that would be made); what a launch template names.
      type: str
      sample: arn:aws:iam::123456789012:instance-profile/demo-web
    instance_profile_id:
      description: Its unique id.
      type: str
    path:
      description: Its path.
      type: str
      sample: /
    role:
      description: The name of the role it carries, or null.
      type: str
      sample: demo-web
    role_arn:
      description: The ARN of that role, or null (also when the module did not wait to read it back).
      type: str
    tags:
      description: Its tags.
      type: dict
diff:
  description: The profile before and after.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import instance_profile

ARGUMENT_SPEC = resource_spec(dict(
    name=dict(type='str', required=True),
    path=dict(type='str'),
    role=dict(type='str'),
), waits=True, owner=True)


def main():
    run_module(instance_profile, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
