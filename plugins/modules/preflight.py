#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: preflight
short_description: Check an AWS account and region before a stack is provisioned, with reads only
version_added: 0.2.0
description:
  - Checks, before anything is made, what would otherwise fail half-way through a provisioning run and leave billed
    resources behind - the credentials (C(sts:GetCallerIdentity)), the region, the availability zones, the image
    lookup, and the key pair's public key.
  - Sends only reads (C(GetCallerIdentity), C(DescribeAvailabilityZones), C(DescribeImages), C(DescribeKeyPairs)), so it
    behaves the same in check mode and never changes anything.
  - Each failure names the option that is wrong and how to fix it (the result's C(field)).
author:
  - Seed Maintainers (@seed-maintainers)
extends_documentation_fragment:
  - seed.laravel_aws.aws
options:
  availability_zones:
    description: Zones that must exist and be C(available) in the region.
    type: list
    elements: str
    default: []
  image:
    description: An image lookup that must find an image, as the O(seed.laravel_aws.instance#module:image) option takes it.
    type: dict
    suboptions:
      name:
        description: Name pattern (C(*) wildcards).
        type: str
        required: true
      owner:
        description: Owner id or alias (C(amazon)).
        type: str
        required: true
      architecture:
        description: CPU architecture.
        type: str
        default: x86_64
  image_id:
    description: An image id that must exist in the region. Mutually exclusive with O(image).
    type: str
  key_name:
    description:
      - A key pair name. When the key pair exists in the region, its fingerprint must be that of O(public_key_path) or
        O(public_key); when it does not exist yet, the key is only checked to be one EC2 can import.
    type: str
  public_key:
    description: The OpenSSH public key the key pair must hold.
    type: str
  public_key_path:
    description: A file holding that public key.
    type: path
notes:
  - Needs the IAM actions C(sts:GetCallerIdentity), C(ec2:DescribeAvailabilityZones), C(ec2:DescribeImages) and
    C(ec2:DescribeKeyPairs).
'''

EXAMPLES = r'''
- name: Preflight, before the network and the instances are made
  seed.laravel_aws.preflight:
    region: eu-west-1
    availability_zones: [eu-west-1a, eu-west-1b]
    image: {name: 'debian-12-amd64-*', owner: '136693071363'}
    key_name: shop
    public_key_path: ~/.ssh/id_ed25519.pub
  register: account

- name: Which account this is
  ansible.builtin.debug:
    msg: "{{ account.account }} as {{ account.arn }}"
'''

RETURN = r'''
account:
  description: The account id the credentials belong to.
  returned: success
  type: str
  sample: '123456789012'
arn:
  description: The caller's ARN.
  returned: success
  type: str
  sample: arn:aws:iam::123456789012:user/deploy
user_id:
  description: The caller's user id.
  returned: success
  type: str
region:
  description: The region checked.
  returned: success
  type: str
  sample: eu-west-1
availability_zones:
  description: The zones of the region that are available.
  returned: success
  type: list
  elements: str
  sample: [eu-west-1a, eu-west-1b, eu-west-1c]
image_id:
  description: The image the lookup found (the newest), or O(image_id).
  returned: when O(image) or O(image_id) is given
  type: str
  sample: ami-0123456789abcdef0
key_pair:
  description: The key pair, when it exists (C(matches) says whether it holds the given public key).
  returned: when O(key_name) is given
  type: dict
  sample: {name: shop, exists: true, fingerprint: 'MXiIUuQ+8SY3Qj16uSTag7/Jmh3aVP0avTpzaAGA8Gk=', matches: true}
'''

import re

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import AwsModule
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Context
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import find_image, not_found
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils import key_pair
from ansible_collections.seed.laravel_aws.plugins.module_utils.key_pair import HAS_CRYPTOGRAPHY, fingerprints

REGION_RE = re.compile(r'^[a-z]{2}(-[a-z]+)+-[0-9]+$')


def read_public_key(p):
    if p['public_key_path']:
        try:
            with open(p['public_key_path']) as f:
                return f.read()
        except (IOError, OSError) as exc:
            raise ValidationError('public_key_path', 'cannot read %s (%s); give the path of an OpenSSH public key (.pub)'
                                  % (p['public_key_path'], exc.strerror or exc))
    return p['public_key']


def validate(p):
    region = p.get('region') or ''
    if region and not REGION_RE.match(region):
        raise ValidationError('region', '%r is not a region name; write it like us-east-1' % region)
    if p['key_name'] is not None and not p['key_name'].strip():
        raise ValidationError('key_name', 'give the name of the key pair')
    public = read_public_key(p)
    if public and not HAS_CRYPTOGRAPHY:
        raise ValidationError('public_key', 'checking a public key needs the cryptography Python package')
    return fingerprints(public) if public else None


def check_zones(ec2, region, wanted):
    zones = ec2.describe_availability_zones(Filters=[{'Name': 'zone-type', 'Values': ['availability-zone']}])['AvailabilityZones']
    available = sorted(z['ZoneName'] for z in zones if z.get('State') == 'available')
    for i, zone in enumerate(wanted):
        if zone not in available:
            raise ValidationError('availability_zones', 'availability_zones[%d]: %r is not an available zone of %s; '
                                  'its zones are %s' % (i, zone, region, ', '.join(available) or 'none'))
    return available


def check_image_id(ec2, image_id):
    try:
        images = ec2.describe_images(ImageIds=[image_id])['Images']
    except Exception as exc:  # pylint: disable=broad-except
        if not_found(exc, 'InvalidAMIID.NotFound', 'InvalidAMIID.Malformed'):
            images = []
        else:
            raise
    if not images:
        raise ValidationError('image_id', 'no image %s in this region; AMI ids differ from region to region' % image_id)
    return image_id


def check_key_pair(ec2, name, wanted):
    existing = key_pair.find(Context(ec2), name=name)
    if existing is None:
        return {'name': name, 'exists': False}
    out = {'name': name, 'exists': True, 'fingerprint': existing.get('KeyFingerprint')}
    if wanted:
        out['matches'] = existing.get('KeyFingerprint') in wanted[1]
        if not out['matches']:
            raise ValidationError('public_key_path', 'key pair %s in this region holds another key (fingerprint %s); give the '
                                  'public key of the private key you log in with, or another key_name'
                                  % (name, existing.get('KeyFingerprint')))
    return out


def run(m):
    p = m.params
    wanted = validate(p)
    sts = m.client('sts')
    try:
        who = sts.get_caller_identity()
    except Exception as exc:  # pylint: disable=broad-except
        m.fail_json(msg='the AWS credentials were refused or are missing (sts:GetCallerIdentity: %s); set AWS_PROFILE, or '
                        'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the profile option' % exc, field='credentials')
    ec2 = m.client('ec2')
    result = {'changed': False, 'account': who.get('Account'), 'arn': who.get('Arn'), 'user_id': who.get('UserId'),
              'region': p.get('region')}
    result['availability_zones'] = check_zones(ec2, p.get('region'), p['availability_zones'])
    if p['image']:
        result['image_id'] = find_image(ec2, p['image'])
    elif p['image_id']:
        result['image_id'] = check_image_id(ec2, p['image_id'])
    if p['key_name']:
        result['key_pair'] = check_key_pair(ec2, p['key_name'], wanted)
    m.exit_json(**result)


def main():
    m = AwsModule(
        argument_spec=dict(
            availability_zones=dict(type='list', elements='str', default=[]),
            image=dict(type='dict', options=dict(
                name=dict(type='str', required=True),
                owner=dict(type='str', required=True),
                architecture=dict(type='str', default='x86_64'),
            )),
            image_id=dict(type='str'),
            key_name=dict(type='str', no_log=False),
            public_key=dict(type='str'),
            public_key_path=dict(type='path'),
        ),
        mutually_exclusive=[['image', 'image_id'], ['public_key', 'public_key_path']],
    )
    m.run(run)


if __name__ == '__main__':
    main()
