#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: launch_template
short_description: An EC2 launch template, a new version only when its data changes, and its default version
version_added: 0.2.0
description:
  - Creates, updates or deletes an EC2 launch template, found by its name, as an Auto Scaling group launches its
    instances from it.
  - A launch template's versions cannot be changed. The options given are applied to the data of the template's latest
    version; when that changes the data, a new version is made from the latest (only the parameters that changed are
    sent, the others inherited) and, with O(default_version=latest), made the default. An option left out keeps what the
    latest version has. A rerun with the same options makes no version.
  - What AWS fills in that the module does not set is never compared, so it never causes a new version.
  - Instances launched from the template require IMDSv2 (O(metadata_options.http_tokens=required), always), and their
    root volume is encrypted by default.
  - With O(stack), the template found must be tagged C(Stack=<stack>), for a change and for O(state=absent) alike; the
    instances and volumes it launches are tagged C(Stack=<stack>) too.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  name:
    description: The template's name, 3-128 letters, digits and C(\(\).-/_).
    type: str
    required: true
    aliases: [template_name]
  image_id:
    description:
      - The AMI the instances boot, an id (C(ami-...)); it must exist. Needed for a new template.
      - Its root device name is read from the image (C(RootDeviceName)) when O(root_volume.device_name) is left out.
    type: str
  instance_type:
    description: The instance type (C(t3.small)). Needed for a new template.
    type: str
  key_name:
    description: The key pair the instances are launched with.
    type: str
  security_group_ids:
    description:
      - The security groups of the instances, by id, all in one VPC; they must exist and be of no other stack. Given, the
        template has exactly these.
    type: list
    elements: str
  metadata_options:
    description:
      - The instance metadata service of the instances. Applied on every run (IMDSv2 is always required).
    type: dict
    default: {}
    suboptions:
      http_tokens:
        description:
          - V(required) only, IMDSv2. A launch template whose instances accept IMDSv1 (C(optional)) is refused.
        type: str
        choices: [required]
        default: required
      http_endpoint:
        description: Whether the metadata service answers at all.
        type: str
        choices: [enabled, disabled]
        default: enabled
      http_put_response_hop_limit:
        description:
          - The hop limit of the token's answer, 1-64; 2 lets a container on the instance reach it. Left out, unchanged
            (AWS's default is 1).
        type: int
  root_volume:
    description:
      - The root volume of the instances. Applied on every run with its defaults (an encrypted C(gp3) volume deleted
        with the instance); O(root_volume.size) left out keeps the template's size (or the image's).
    type: dict
    default: {}
    suboptions:
      device_name:
        description: The root device name; left out, the image's C(RootDeviceName) (C(/dev/xvda) for Debian's images).
        type: str
      size:
        description:
          - The size in GiB, by type (C(gp3) and C(gp2) 1-16384, C(io1) 4-16384, C(io2) 4-65536, C(standard) 1-1024), and
            at least the image's root snapshot.
        type: int
      type:
        description: The EBS volume type.
        type: str
        choices: [gp3, gp2, io1, io2, standard]
        default: gp3
      iops:
        description: Provisioned IOPS (C(io1) and C(io2) need them; C(gp3) takes them).
        type: int
      encrypted:
        description: Whether the volume is encrypted (with the account's default EBS key).
        type: bool
        default: true
      delete_on_termination:
        description: Whether the volume is deleted with the instance.
        type: bool
        default: true
  user_data:
    description:
      - The instances' user data as plain text (a cloud-init script); the module base64-encodes it, and compares it
        decoded. At most 16 KB before encoding.
      - It is returned only as its SHA-256 (it may hold secrets).
    type: str
  iam_instance_profile:
    description: The instance profile the instances run with, by name or ARN.
    type: str
  instance_tags:
    description:
      - The tags of the instances and of their volumes (the template's C(TagSpecifications) for C(instance) and C(volume)).
        Given, exactly these (and C(Stack) with O(stack)); left out, unchanged.
    type: dict
  default_version:
    description:
      - V(latest) makes the latest version the default (a new one included); a number makes that version, which must
        exist, the default (a new version is then made but not made the default).
    type: str
    default: latest
  version_description:
    description: The description of a version the module makes, up to 255 characters; not compared.
    type: str
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.state
  - seed.laravel_aws.aws.tags
  - seed.laravel_aws.aws.owner
  - seed.laravel_aws.aws.attributes
notes:
  - Needs the C(ec2) actions of the collection's IAM policy (docs/iam-policy.json); launching from a template that names
    an instance profile needs C(iam:PassRole) on its role.
  - O(tags) are the template's own; O(instance_tags) go to what it launches.
'''

EXAMPLES = r'''
- name: The web tier's launch template
  seed.laravel_aws.launch_template:
    name: demo-web
    stack: demo
    image_id: ami-0123456789abcdef0
    instance_type: t3.small
    key_name: demo
    security_group_ids: [sg-0123456789abcdef0]
    iam_instance_profile: demo-web
    metadata_options:
      http_put_response_hop_limit: 2
    root_volume:
      size: 16
    user_data: |
      #!/bin/sh
      echo booted > /var/tmp/booted
    instance_tags:
      Role: web

- name: Another instance type (a new version, made the default)
  seed.laravel_aws.launch_template:
    name: demo-web
    stack: demo
    instance_type: t3.medium

- name: Gone, with all its versions
  seed.laravel_aws.launch_template:
    name: demo-web
    stack: demo
    state: absent
'''

RETURN = r'''
launch_template:
  description: The template; empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: Its id (null in check mode for a template that would be made).
      type: str
      sample: lt-0123456789abcdef0
    name:
      description: Its name.
      type: str
      sample: demo-web
    latest_version:
      description: The number of its latest version.
      type: int
      sample: 2
    default_version:
      description: The number of its default version.
      type: int
      sample: 2
    tags:
      description: The template's tags.
      type: dict
    data:
      description: What the default version launches.
      type: dict
      contains:
        version:
          description: The number of the version this is.
          type: int
        image_id:
          description: The AMI.
          type: str
        instance_type:
          description: The instance type.
          type: str
        key_name:
          description: The key pair.
          type: str
        security_group_ids:
          description: The security groups, sorted.
          type: list
          elements: str
        metadata_options:
          description: C(http_tokens), C(http_endpoint), C(http_put_response_hop_limit).
          type: dict
        root_volume:
          description: C(device_name), C(size), C(type), C(encrypted), C(delete_on_termination), C(iops).
          type: dict
        iam_instance_profile:
          description: The instance profile's ARN or name, as given.
          type: str
        user_data_sha256:
          description: The SHA-256 of the user data (decoded), or null.
          type: str
        instance_tags:
          description: The tags given to the instances it launches.
          type: dict
diff:
  description: The template before and after.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import launch_template

ARGUMENT_SPEC = resource_spec(dict(
    name=dict(type='str', required=True, aliases=['template_name']),
    image_id=dict(type='str'),
    instance_type=dict(type='str'),
    key_name=dict(type='str', no_log=False),
    security_group_ids=dict(type='list', elements='str'),
    metadata_options=dict(type='dict', default={}, options=dict(
        http_tokens=dict(type='str', choices=['required'], default='required'),
        http_endpoint=dict(type='str', choices=['enabled', 'disabled'], default='enabled'),
        http_put_response_hop_limit=dict(type='int'),
    )),
    root_volume=dict(type='dict', default={}, options=dict(
        device_name=dict(type='str'),
        size=dict(type='int'),
        type=dict(type='str', choices=['gp3', 'gp2', 'io1', 'io2', 'standard'], default='gp3'),
        iops=dict(type='int'),
        encrypted=dict(type='bool', default=True),
        delete_on_termination=dict(type='bool', default=True),
    )),
    user_data=dict(type='str'),
    iam_instance_profile=dict(type='str'),
    instance_tags=dict(type='dict'),
    default_version=dict(type='str', default='latest'),
    version_description=dict(type='str'),
), owner=True)


def main():
    run_module(launch_template, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
