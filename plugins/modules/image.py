#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: image
short_description: An AMI baked from one of the stack's instances
version_added: 0.2.0
description:
  - Creates an AMI from an instance (C(CreateImage)), or deregisters one, found by its name (AMI names are unique among
    an account's images in a region).
  - An image cannot be changed once made, its tags aside. To bake a new configuration, give a new O(name); the
    collection's playbooks put a fingerprint of what was baked in the name.
  - Unless O(no_reboot), AWS stops and starts the instance to image a consistent file system; so the instance is read
    first, and must exist, be running or stopped and, with O(stack), be tagged C(Stack=<stack>).
  - The image and its snapshots get the tags. With O(wait) (the default), the module returns once the image is
    C(available), and fails naming the reason when AWS marks it C(failed).
  - With O(state=absent) the image is deregistered and, with O(delete_snapshots), its snapshots deleted (with O(stack),
    only those tagged with the stack).
  - O(name) and O(description) are checked against AWS's rules before any call.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  name:
    description:
      - The image's name, 3-128 letters, digits, spaces and C(( ) [ ] . / - ' @ _).
    type: str
    required: true
  instance_id:
    description:
      - The instance to make the image from (C(i-...)). Needed to create the image; an existing image is kept whatever
        instance is given.
    type: str
  description:
    description: The image's description, up to 255 characters (set when the image is made).
    type: str
  no_reboot:
    description:
      - Image the instance without stopping it first. Faster, but files being written may be caught half-written.
    type: bool
    default: false
  delete_snapshots:
    description: With O(state=absent), delete the image's snapshots too (they are billed while they exist).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the image to be C(available), with O(wait) (AWS takes minutes per volume's GiB in use).
    type: int
    default: 1800
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.state
  - seed.laravel_aws.aws.tags
  - seed.laravel_aws.aws.waits
  - seed.laravel_aws.aws.owner
  - seed.laravel_aws.aws.attributes
notes:
  - Needs the image actions of the collection's IAM policy (docs/iam-policy.json).
'''

EXAMPLES = r'''
- name: The web tier's image, baked from the configured web host
  seed.laravel_aws.image:
    name: demo-web-3f2a9c1e
    instance_id: i-0123456789abcdef0
    description: web tier of stack demo
    stack: demo
    tags:
      Role: web
  register: web_image

- name: An old image gone, with its snapshots
  seed.laravel_aws.image:
    name: demo-web-0a1b2c3d
    stack: demo
    state: absent
'''

RETURN = r'''
image:
  description: The image; empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Its id (null in check mode before it is made).
      type: str
      sample: ami-0123456789abcdef0
    name:
      description: Its name.
      type: str
      sample: demo-web-3f2a9c1e
    state:
      description: C(pending), C(available) or C(failed).
      type: str
    description:
      description: Its description.
      type: str
    creation_date:
      description: When it was made.
      type: str
    root_device_name:
      description: The root device of its instances.
      type: str
      sample: /dev/xvda
    snapshot_ids:
      description: The snapshots of its volumes.
      type: list
      elements: str
    tags:
      description: Its tags.
      type: dict
diff:
  description: The image before and after.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import image

ARGUMENT_SPEC = resource_spec(dict(
    name=dict(type='str', required=True),
    instance_id=dict(type='str'),
    description=dict(type='str'),
    no_reboot=dict(type='bool', default=False),
    delete_snapshots=dict(type='bool', default=True),
    wait_timeout=dict(type='int', default=1800),
), waits=True, owner=True)


def main():
    run_module(image, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
