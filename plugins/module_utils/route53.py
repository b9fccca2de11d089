# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What route53_zone and route53_record share: DNS names as Route 53 compares them, a hosted zone found by its name,
and the canonical hosted zones of Application Load Balancers (alias targets).

Names (Route 53 Developer Guide, "DNS domain name format",
https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html): Route 53 treats names case
insensitively and stores them lower case, fully qualified (a trailing dot); characters other than a-z, 0-9, - and _
(``*`` among them) it answers as a backslash and three octal digits (``\\052``). A name here is compared in one form:
lower case, the octal escapes read back, a trailing dot.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError

# "DNS domain name format": at most 255 octets on the wire, so 253 characters written without the trailing dot, and
# 63 per label (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html).
MAX_NAME = 253
MAX_LABEL = 63
ESCAPE = re.compile(r'\\(\d{3})')
ZONE_PREFIX = '/hostedzone/'

# The canonical hosted zone of an Application Load Balancer, by region: the HostedZoneId an alias record to one needs
# ("Elastic Load Balancing endpoints and quotas", Application Load Balancers, Route 53 Hosted Zone ID,
# https://docs.aws.amazon.com/general/latest/gr/elb.html).
ALB_ZONES = {
    'us-east-1': 'Z35SXDOTRQ7X7K', 'us-east-2': 'Z3AADJGX6KTTL2', 'us-west-1': 'Z368ELLRRE2KJ0', 'us-west-2': 'Z1H1FL5HABSF5',
    'af-south-1': 'Z268VQBMOI5EKX', 'ap-east-1': 'Z3DQVH9N71FHZ0', 'ap-south-1': 'ZP97RAFLXTNZK',
    'ap-northeast-1': 'Z14GRHDCWA56QT', 'ap-northeast-2': 'ZWKZPGTI48KDX', 'ap-northeast-3': 'Z5LXEXXYW11ES',
    'ap-southeast-1': 'Z1LMS91P8CMLE5', 'ap-southeast-2': 'Z1GM3OXH4ZPM65', 'ca-central-1': 'ZQSVJUPU6J1EY',
    'eu-central-1': 'Z215JYRZR1TBD5', 'eu-west-1': 'Z32O12XQLNTSW2', 'eu-west-2': 'ZHURV8PSTC4K8', 'eu-west-3': 'Z3Q77PNBQS71R4',
    'eu-north-1': 'Z23TAZ6LKFMNIO', 'eu-south-1': 'Z3ULH7SSC9OV64', 'me-south-1': 'ZS929ML54UICD', 'sa-east-1': 'Z2P70J7HTTTPLU',
    'us-gov-east-1': 'Z166TLBEWOO7G0', 'us-gov-west-1': 'Z33AYJ8TM3BH4J',
}
# An ELB's DNS name: [dualstack.][internal-]<name>-<id>.<region>.elb.amazonaws.com (the load balancer's DNSName;
# Route 53 keeps an alias to one as dualstack.<DNSName>, "Value/route traffic to", AliasTarget.DNSName,
# https://docs.aws.amazon.com/Route53/latest/APIReference/API_AliasTarget.html).
ELB_NAME = re.compile(r'^(?:dualstack\.)?((?:internal-)?[a-z0-9-]+-[0-9a-z]+)\.([a-z]{2}(?:-[a-z]+)+-\d+)\.elb\.amazonaws\.com\.$')


def normal(name):
    """``name`` as Route 53 compares it: lower case, octal escapes read back, one trailing dot."""
    text = ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), str(name or '')).lower()
    return text.rstrip('.') + '.'


def check_name(name, field):
    """``name`` (normal), or ValidationError naming ``field``: the lengths of "DNS domain name format"."""
    text = normal(name)
    bare = text[:-1]
    page = 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html'
    if not bare:
        raise ValidationError(field, 'a DNS name is needed, like www.example.com')
    if len(bare) > MAX_NAME:
        raise ValidationError(field, '%s is %d characters long; a DNS name is at most %d (%s): shorten it' % (
            bare[:40] + '...', len(bare), MAX_NAME, page))
    for label in bare.split('.'):
        if not label or len(label) > MAX_LABEL:
            raise ValidationError(field, '%s: each label (the parts between dots) is 1 to %d characters, %r is %d (%s): '
                                  'shorten it' % (bare, MAX_LABEL, label[:20], len(label), page))
    return text


def zone_id(raw_id):
    """A hosted zone's id without the ``/hostedzone/`` prefix Route 53 answers it with."""
    text = str(raw_id or '')
    return text[len(ZONE_PREFIX):] if text.startswith(ZONE_PREFIX) else text


def zones_named(ctx, name, private=None):
    """The hosted zones whose name is ``name`` (normal), through ListHostedZonesByName, which lists zones in name order
    from DNSName on (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListHostedZonesByName.html); of one
    type when ``private`` is True or False."""
    out, kwargs = [], {'DNSName': name}
    while True:
        page = ctx.client.list_hosted_zones_by_name(**kwargs)
        zones = page.get('HostedZones') or []
        out += [z for z in zones if normal(z['Name']) == name]
        if not page.get('IsTruncated') or (zones and normal(zones[-1]['Name']) != name):
            break
        kwargs = {'DNSName': page['NextDNSName'], 'HostedZoneId': page['NextHostedZoneId']}
    if private is not None:
        out = [z for z in out if bool((z.get('Config') or {}).get('PrivateZone')) == private]
    return out


def alb_target(dns_name, hosted_zone_id, region, field='alias'):
    """The checks of an alias to an ELB (``dns_name`` normal): the load balancer's region is the module's and
    ``hosted_zone_id`` the canonical zone of ALBs there (ALB_ZONES). None for a name that is no ELB's."""
    match = ELB_NAME.match(dns_name)
    if not match:
        return None
    where = match.group(2)
    region = region or where  # no region given (a profile's): the load balancer's own
    if where != region:
        raise ValidationError(field + '.dns_name', '%s is an ALB of another region (%s), not of the module\'s region %s: '
                              'give region: %s, or the DNS name of a load balancer in %s' % (dns_name, where, region, where, region))
    want = ALB_ZONES.get(region)
    if want is None:
        raise ValidationError('region', 'no canonical hosted zone of ALBs is known for %s '
                              '(https://docs.aws.amazon.com/general/latest/gr/elb.html)' % region)
    if hosted_zone_id != want:
        raise ValidationError(field + '.hosted_zone_id', '%s is not the canonical hosted zone of ALBs in %s: it is %s '
                              '(https://docs.aws.amazon.com/general/latest/gr/elb.html; the load balancer\'s '
                              'CanonicalHostedZoneId)' % (hosted_zone_id, region, want))
    return match.group(1)
