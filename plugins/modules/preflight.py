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
    lookup, the key pair's public key, and the stack's domain (O(domain)) with its Route 53 hosted zone.
  - Sends only reads (C(GetCallerIdentity), C(DescribeAvailabilityZones), C(DescribeImages), C(DescribeKeyPairs), and
    with O(domain) C(ListHostedZonesByName) and C(ListTagsForResource)), so it behaves the same in check mode and
    never changes anything.
  - The names are checked before any call (RFC 1035 as Route 53 takes it,
    U(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html)) - at most 253 characters, labels
    of 1 to 63 letters, digits and hyphens, not beginning or ending with a hyphen, at least two labels, no wildcard -
    and O(domain) must be O(domain_zone) or a name inside it. With O(certificate_requested), O(domain) is at most 64
    characters (the certificate's common name, which ACM limits,
    U(https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html)).
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
  domain:
    description:
      - The stack's domain, like V(shop.example.com), served by its load balancer (alias records, a certificate for it).
      - Empty or left out, no domain is checked.
    type: str
    version_added: 0.2.0
  domain_zone:
    description:
      - The name of the public hosted zone that holds O(domain); O(domain) must be the zone or inside it.
      - Left out, the domain itself.
    type: str
    version_added: 0.2.0
  domain_zone_create:
    description:
      - Whether the stack makes the zone when it is missing. Without it, a missing zone is an error naming
        O(domain_zone).
    type: bool
    default: false
    version_added: 0.2.0
  domain_www:
    description:
      - What the stack does with C(www.<domain>) - V(redirect) it to the domain, V(alias) it to the load balancer too,
        or V(none).
      - Given without O(domain), an error naming it.
    type: str
    choices: [redirect, alias, none]
    version_added: 0.2.0
  certificate_requested:
    description: Whether a certificate for O(domain) is to be requested from ACM (its common name is then O(domain)).
    type: bool
    default: true
    version_added: 0.2.0
  stack:
    description:
      - The stack the domain's records are written for. A hosted zone tagged with another stack is refused, naming
        O(domain_zone).
    type: str
    version_added: 0.2.0
notes:
  - Needs the IAM actions C(sts:GetCallerIdentity), C(ec2:DescribeAvailabilityZones), C(ec2:DescribeImages),
    C(ec2:DescribeKeyPairs), and with O(domain) C(route53:ListHostedZonesByName) and C(route53:ListTagsForResource).
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

- name: The stack's domain and its hosted zone (the zone must exist)
  seed.laravel_aws.preflight:
    region: eu-west-1
    domain: shop.example.com
    domain_zone: example.com
    domain_www: redirect
    stack: shop
  register: account
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
domain:
  description:
    - The domain and its zone, as checked - C(name), C(www) (the C(www.) name, or null with O(domain_www=none)),
      C(www_mode), and C(zone) (C(name), C(id), null when the zone is still to be made, C(exists), C(stack), the
      zone's C(Stack) tag or null for a zone of your own).
  returned: when O(domain) is given
  type: dict
  sample: {name: shop.example.com, www: www.shop.example.com, www_mode: redirect,
           zone: {name: example.com, id: Z0123456789ABCDEFGHIJ, exists: true, stack: null}}
'''

import re

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import AwsModule
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Context
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import find_image, not_found
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils import key_pair
from ansible_collections.seed.laravel_aws.plugins.module_utils.key_pair import HAS_CRYPTOGRAPHY, fingerprints
from ansible_collections.seed.laravel_aws.plugins.module_utils.route53 import ALB_ZONES, zone_id, zones_named
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import boto3_tags_to_dict

REGION_RE = re.compile(r'^[a-z]{2}(-[a-z]+)+-[0-9]+$')
# RFC 1035's names as Route 53 takes them ("DNS domain name format",
# https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html): 253 characters written without the
# final dot, labels of 1-63 letters, digits and hyphens (LDH), none beginning or ending with a hyphen.
NAME_PAGE = 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html'
MAX_NAME = 253
MAX_LABEL = 63
LDH = re.compile(r'^[a-z0-9]([a-z0-9-]*[a-z0-9])?$')
# ACM's common name (RequestCertificate DomainName): 64 characters at most
# (https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html).
COMMON_NAME_MAX = 64
WWW_MODES = ('redirect', 'alias', 'none')


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
    return fingerprints(public) if public else None, validate_domain(p)


def dns_name(value, field, what='a DNS name'):
    """``value`` lower case without its final dot, or ValidationError naming ``field``: RFC 1035 (LDH labels of 1-63,
    253 characters, two labels at least), no wildcard."""
    name = str(value or '').strip().lower()
    name = name[:-1] if name.endswith('.') else name
    if not name:
        raise ValidationError(field, 'give %s, like shop.example.com' % what)
    if '*' in name:
        raise ValidationError(field, '%s holds a wildcard (*); %s is one name, like shop.example.com: write the name itself '
                              '(a wildcard certificate or record is not what the stack makes)' % (name, what))
    if len(name) > MAX_NAME:
        raise ValidationError(field, '%s... is %d characters; a DNS name is at most %d (%s): choose a shorter name'
                              % (name[:40], len(name), MAX_NAME, NAME_PAGE))
    labels = name.split('.')
    for label in labels:
        if not label:
            raise ValidationError(field, '%s has an empty label (two dots in a row, or a leading dot) (%s): write it like '
                                  'shop.example.com' % (name, NAME_PAGE))
        if len(label) > MAX_LABEL:
            raise ValidationError(field, '%s: the label %s... is %d characters; a DNS label is at most %d (%s): shorten it'
                                  % (name[:40], label[:20], len(label), MAX_LABEL, NAME_PAGE))
        if not LDH.match(label):
            raise ValidationError(field, '%s: the label %r holds what a host name does not take; letters, digits and hyphens '
                                  'only, not beginning or ending with a hyphen (RFC 1035, %s)' % (name, label, NAME_PAGE))
    if len(labels) < 2:
        raise ValidationError(field, '%s is not a fully qualified domain name; write it with its parent, like %s.example.com'
                              % (name, name))
    return name


def validate_domain(p):
    """The domain's settings (no call): {name, www, www_mode, zone_name, create, stack}, or None without a domain."""
    domain = str(p.get('domain') or '').strip()
    www_mode = p.get('domain_www')
    if not domain:
        if www_mode:
            raise ValidationError('domain_www', '%s is set but domain is not: domain_www says what to do with www.<domain>. '
                                  'Set domain too, or leave domain_www out' % www_mode)
        if p.get('domain_zone'):
            raise ValidationError('domain_zone', '%s is set but domain is not: set domain (a name in that zone), or leave '
                                  'domain_zone out' % p['domain_zone'])
        return None
    name = dns_name(domain, 'domain', 'the domain')
    zone = dns_name(p.get('domain_zone') or name, 'domain_zone', 'the hosted zone\'s name')
    if name != zone and not name.endswith('.' + zone):
        raise ValidationError('domain', '%s is not in the hosted zone %s (domain_zone): give domain_zone the zone that holds '
                              'it (%s itself, or a parent such as %s), or a domain that ends with .%s'
                              % (name, zone, name, name.split('.', 1)[1], zone))
    www_mode = www_mode or 'redirect'
    www = None
    if www_mode != 'none':
        www = 'www.' + name
        if len(www) > MAX_NAME:
            raise ValidationError('domain', 'www.%s... is %d characters, more than DNS allows (%d, %s): choose a shorter domain, '
                                  'or domain_www: none' % (name[:40], len(www), MAX_NAME, NAME_PAGE))
    if p.get('certificate_requested', True) and len(name) > COMMON_NAME_MAX:
        raise ValidationError('domain', '%s... is %d characters; the certificate requested for it takes at most %d as its '
                              'common name (https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html): '
                              'choose a shorter domain, or give a certificate of your own' % (name[:40], len(name), COMMON_NAME_MAX))
    region = p.get('region') or ''
    if region and region not in ALB_ZONES:
        raise ValidationError('region', 'no canonical hosted zone of Application Load Balancers is known for %s, so the '
                              'alias records of domain cannot name one (https://docs.aws.amazon.com/general/latest/gr/elb.html): '
                              'choose one of that list' % region)
    stack = p.get('stack')
    if stack is not None:
        validate_stack_name(stack, 'stack')
    return {'name': name, 'www': www, 'www_mode': www_mode, 'zone_name': zone,
            'create': bool(p.get('domain_zone_create')), 'stack': stack}


def check_domain_zone(route53, d):
    """The domain's public hosted zone (reads only): found, or to be made (domain_zone_create); missing, two of the name,
    or tagged with another stack: ValidationError naming domain_zone."""
    ctx = Context(route53)
    zones = zones_named(ctx, d['zone_name'] + '.', private=False)
    out = {'name': d['zone_name'], 'id': None, 'exists': False, 'stack': None}
    if len(zones) > 1:
        raise ValidationError('domain_zone', '%d public hosted zones are named %s (%s): the records of %s would go to one of '
                              'them at random. Delete the one you do not use' % (
                                  len(zones), d['zone_name'], ', '.join(sorted(zone_id(z['Id']) for z in zones)), d['name']))
    if not zones:
        if not d['create']:
            raise ValidationError('domain_zone', 'no public hosted zone named %s in this account, and domain_zone_create is false: '
                                  'make it (domain_zone_create: true, then delegate it from its parent to its name servers), '
                                  'or set domain_zone to the zone of the account that holds %s' % (d['zone_name'], d['name']))
        return out
    zid = zone_id(zones[0]['Id'])
    tags = boto3_tags_to_dict((route53.list_tags_for_resource(ResourceType='hostedzone', ResourceId=zid)
                               .get('ResourceTagSet') or {}).get('Tags'))
    owner = tags.get(STACK_TAG)
    if owner is not None and d['stack'] is not None and owner != d['stack']:
        raise ValidationError('domain_zone', 'the hosted zone %s (%s) belongs to stack %r (its Stack tag), not to stack %r: a stack '
                              'writes no record in another\'s zone. Give this stack a domain of its own zone'
                              % (d['zone_name'], zid, owner, d['stack']))
    out.update(id=zid, exists=True, stack=owner)
    return out


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
    wanted, domain = validate(p)
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
    if domain:
        result['domain'] = {'name': domain['name'], 'www': domain['www'], 'www_mode': domain['www_mode'],
                            'zone': check_domain_zone(m.client('route53'), domain)}
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
            domain=dict(type='str'),
            domain_zone=dict(type='str'),
            domain_zone_create=dict(type='bool', default=False),
            domain_www=dict(type='str', choices=list(WWW_MODES)),
            certificate_requested=dict(type='bool', default=True),
            stack=dict(type='str'),
        ),
        mutually_exclusive=[['image', 'image_id'], ['public_key', 'public_key_path']],
    )
    m.run(run)


if __name__ == '__main__':
    main()
