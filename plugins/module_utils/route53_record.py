# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One Route 53 record set: a name and a type in a hosted zone, with its values and TTL, or an alias. Used by
route53_record.

The resource protocol (docs/architecture.md, runner.py). Records carry no tags: the module manages exactly the name
and type it is given, and nothing else of the zone. Its zone is resolved first (by id or by name); a zone tagged with
another stack is refused. The record is found with ListResourceRecordSets from its name and type
(https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListResourceRecordSets.html) and compared in Route 53's
own terms (route53.normal: case, trailing dot, octal escapes; an alias to dualstack.<DNSName> is the alias to the
DNSName; TXT values quoted; the order of values does not matter). A change is one ChangeResourceRecordSets UPSERT, or
a DELETE carrying the record's current values ("To delete a resource record set, you must specify all the same values
that you specified when you created it", API_ChangeResourceRecordSets), then a wait until Route 53 reports the change
INSYNC (AWS's ResourceRecordSetsChanged waiter).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.route53 import alb_target, check_name, normal, zone_id, zones_named
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, owner_problem, validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import boto3_tags_to_dict
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import aws_wait

NAME = 'route53_record'
KEY = ('zone_id', 'name', 'record_type')
RESOLVE_ABSENT = True  # the zone is checked (and another stack's refused) to delete too
DEFAULT_TTL = 300
# The pages each rule is from.
FORMAT = 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html'
RRSET = 'https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html'
TYPES_PAGE = 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/ResourceRecordTypes.html'


def _check_wildcard(name):
    """"An asterisk ... as the leftmost label" only (DomainNameFormat.html, "Using an asterisk (*) in the names of
    hosted zones and records")."""
    labels = name[:-1].split('.')
    for i, label in enumerate(labels):
        if '*' in label and (i or label != '*'):
            raise ValidationError('name', '%s: a wildcard * is only the whole leftmost label (*.example.com) (%s): '
                                  'write it so, or leave it out' % (name, FORMAT))


def _value(kind, value, index):
    """One value in the form Route 53 keeps it (A, AAAA: an address; CNAME, MX: a host with a trailing dot; TXT quoted)."""
    field = 'values[%d]' % index
    text = str(value).strip()
    try:
        if kind == 'A':
            return str(ipaddress.IPv4Address(text))
        if kind == 'AAAA':
            return str(ipaddress.IPv6Address(text))
    except ValueError:
        raise ValidationError(field, '%r is not an IPv%s address, which an %s record holds (%s)' % (
            text, 4 if kind == 'A' else 6, kind, TYPES_PAGE))
    if kind == 'CNAME':
        return check_name(text, field)
    if kind == 'MX':
        parts = text.split()
        if len(parts) != 2 or not parts[0].isdigit() or int(parts[0]) > 65535:
            raise ValidationError(field, '%r: an MX value is a priority (0-65535) and a host, like "10 mail.example.com" (%s)'
                                  % (text, TYPES_PAGE))
        return '%d %s' % (int(parts[0]), check_name(parts[1], field))
    if not (len(text) >= 2 and text.startswith('"') and text.endswith('"')):  # TXT, as Route 53 keeps it: quoted
        text = '"%s"' % text.replace('\\', '\\\\').replace('"', '\\"')
    return text


def _alias(alias, kind, region):
    if kind not in ('A', 'AAAA'):
        raise ValidationError('alias', 'an alias here is of type A or AAAA (an ALB\'s addresses), not %s (%s, AliasTarget)'
                              % (kind, RRSET))
    if not alias.get('dns_name') or not alias.get('hosted_zone_id'):
        raise ValidationError('alias', 'an alias needs dns_name and hosted_zone_id (%s)' % RRSET)
    dns = check_name(alias['dns_name'], 'alias.dns_name')
    hz = zone_id(alias['hosted_zone_id'])
    alb_target(dns, hz, region)
    return {'dns_name': dns, 'hosted_zone_id': hz, 'evaluate_target_health': bool(alias.get('evaluate_target_health'))}


def validate(p):
    """The desired record: zone (normal) or zone_id, name, record_type, ttl, values (sorted, Route 53's form), alias,
    stack; checked against Route 53's rules before any call, each naming its page."""
    name, kind, present = check_name(p['name'], 'name'), p['type'], p.get('state') != 'absent'
    _check_wildcard(name)
    if bool(p.get('zone')) == bool(p.get('zone_id')):
        raise ValidationError('zone', 'give the record\'s hosted zone by its name (zone) or its id (zone_id), one of them')
    zone = check_name(p['zone'], 'zone') if p.get('zone') else None
    if p.get('stack') is not None:
        validate_stack_name(p['stack'], 'stack')
    d = dict(zone=zone, zone_id=zone_id(p.get('zone_id')) or None, name=name, record_type=kind, stack=p.get('stack'),
             ttl=None, values=None, alias=None, comment=p.get('comment'))
    if zone:
        _inside(d, zone)
    if not present:
        return d
    if p.get('alias'):
        for field in ('ttl', 'values'):
            if p.get(field) not in (None, []):
                raise ValidationError(field, 'an alias record has no %s of its own: Route 53 answers with the target\'s '
                                      '(%s, AliasTarget); leave %s out, or alias' % (field, RRSET, field))
        d['alias'] = _alias(p['alias'], kind, p.get('region'))
        return d
    values = [v for v in p.get('values') or [] if str(v).strip()]
    if not values:
        raise ValidationError('values', 'a %s record holds at least one value: give values, or alias (%s)' % (kind, RRSET))
    if kind == 'CNAME' and len(values) > 1:
        raise ValidationError('values', 'a CNAME record holds one value, %d given (%s)' % (len(values), TYPES_PAGE))
    ttl = DEFAULT_TTL if p.get('ttl') is None else p['ttl']
    if not 0 <= ttl <= 2147483647:
        raise ValidationError('ttl', '%d is out of 0 to 2147483647 seconds (%s, TTL)' % (ttl, RRSET))
    d.update(ttl=ttl, values=sorted(set(_value(kind, v, i) for i, v in enumerate(values))))
    return d


def _inside(d, zone):
    """The name is the zone's or under it; no CNAME at the apex ("You can't create a CNAME record at the zone apex",
    ResourceRecordTypes.html, CNAME)."""
    if d['name'] != zone and not d['name'].endswith('.' + zone):
        raise ValidationError('name', '%s is not in zone %s: give a name that ends with %s (%s, Name)' % (
            d['name'], zone, zone, RRSET))
    if d['record_type'] == 'CNAME' and d['name'] == zone:
        raise ValidationError('type', 'a CNAME record cannot be at the zone apex %s (%s, CNAME): use an alias A record '
                              'there' % (zone, TYPES_PAGE))


def resolve(ctx, *, desired):
    """The zone: its id from its name (one zone of that name, else its ids are named), or its name from its id; the
    name checked against it; a zone tagged with another stack refused (an untagged zone is the user's, shared)."""
    d = dict(desired)
    if not d['zone_id']:
        zones = zones_named(ctx, d['zone'])
        if len(zones) != 1:
            raise ValidationError('zone', ('%d hosted zones are named %s (%s): give zone_id to say which' % (
                len(zones), d['zone'], ', '.join(sorted(zone_id(z['Id']) for z in zones)))) if zones else
                ('no hosted zone is named %s: make it with route53_zone (create: true), or give its name' % d['zone']))
        d['zone_id'] = zone_id(zones[0]['Id'])
    else:
        d['zone'] = normal(ctx.client.get_hosted_zone(Id=d['zone_id'])['HostedZone']['Name'])
        _inside(d, d['zone'])
    tags = boto3_tags_to_dict((ctx.client.list_tags_for_resource(ResourceType='hostedzone', ResourceId=d['zone_id'])
                               .get('ResourceTagSet') or {}).get('Tags'))
    if d['stack'] is not None and tags.get(STACK_TAG) is not None:
        problem = owner_problem(d['stack'], tags, 'Route 53 hosted zone', '%s (%s)' % (d['zone'], d['zone_id']))
        if problem:
            raise ValidationError('stack', problem)
    return d


def find(ctx, *, zone_id, name, record_type):  # pylint: disable=redefined-outer-name
    """The record set of ``name`` and ``record_type`` (a simple one: no SetIdentifier), or None."""
    page = ctx.client.list_resource_record_sets(HostedZoneId=zone_id, StartRecordName=name, StartRecordType=record_type,
                                                MaxItems='10')
    found = [r for r in page.get('ResourceRecordSets') or [] if normal(r['Name']) == name and r['Type'] == record_type]
    routed = [r.get('SetIdentifier') for r in found if r.get('SetIdentifier')]
    if routed:
        raise ValidationError('name', '%s %s has records of a routing policy (set identifiers %s), which this module does '
                              'not manage' % (name, record_type, ', '.join(routed)))
    return {'raw': found[0], 'zone_id': zone_id} if found else None


def _bare(dns):
    return dns[len('dualstack.'):] if dns.startswith('dualstack.') else dns


def describe(raw, zone=None):
    """The snake_case view: zone_id, name, type, ttl, values (sorted), alias (dns_name, hosted_zone_id,
    evaluate_target_health)."""
    target = raw.get('AliasTarget')
    alias = {'dns_name': normal(target['DNSName']), 'hosted_zone_id': target['HostedZoneId'],
             'evaluate_target_health': bool(target.get('EvaluateTargetHealth'))} if target else None
    return {'zone_id': zone, 'name': normal(raw['Name']), 'type': raw['Type'], 'ttl': raw.get('TTL'),
            'values': sorted(r['Value'] for r in raw.get('ResourceRecords') or []) if not target else [], 'alias': alias}


def _same(before, d):
    """Whether the record ``before`` (describe's view) is ``d`` in Route 53's terms."""
    if d['alias'] or before['alias']:
        if not (d['alias'] and before['alias']):
            return False
        mine, theirs = d['alias'], before['alias']
        return (_bare(mine['dns_name']), mine['hosted_zone_id'], mine['evaluate_target_health']) == \
            (_bare(theirs['dns_name']), theirs['hosted_zone_id'], theirs['evaluate_target_health'])
    theirs = sorted(set(_stored(d['record_type'], v) for v in before['values']))
    return before['ttl'] == d['ttl'] and theirs == d['values']


def _stored(kind, value):
    """A value Route 53 answered, in the form :func:`_value` gives the desired ones."""
    try:
        return _value(kind, value, 0)
    except ValidationError:
        return value


def _record_set(d):
    rrset = {'Name': d['name'], 'Type': d['record_type']}
    if d['alias']:
        a = d['alias']
        rrset['AliasTarget'] = {'DNSName': a['dns_name'], 'HostedZoneId': a['hosted_zone_id'],
                                'EvaluateTargetHealth': a['evaluate_target_health']}
    else:
        rrset.update(TTL=d['ttl'], ResourceRecords=[{'Value': v} for v in d['values']])
    return rrset


def _change(ctx, zid, action, rrset, comment):
    """One ChangeResourceRecordSets of one change, then (with wait) Route 53's ResourceRecordSetsChanged waiter (which
    polls get_change) until the change is INSYNC; in check mode nothing is sent."""
    batch = {'Changes': [{'Action': action, 'ResourceRecordSet': rrset}]}
    if comment:
        batch['Comment'] = comment
    answer = ctx.call('change_resource_record_sets', HostedZoneId=zid, ChangeBatch=batch)
    if answer and ctx.wait:
        change = answer['ChangeInfo']['Id']
        aws_wait(ctx, 'ResourceRecordSetsChanged', 'change %s of %s %s' % (change, rrset['Name'], rrset['Type']),
                 ctx.wait_timeout, Id=change)


def ensure(ctx, *, desired, existing=None):
    """UPSERT the record when it is not there or differs from ``desired``."""
    d = desired
    before = describe(existing['raw'], d['zone_id']) if existing else None
    if before is not None and _same(before, d):
        return Change('none', before, before, d['name'])
    rrset = _record_set(d)
    _change(ctx, d['zone_id'], 'UPSERT', rrset, d['comment'])
    return Change('create' if before is None else 'update', before, describe(rrset, d['zone_id']), d['name'])


def delete(ctx, *, existing, desired=None):
    """DELETE the record with its current values (as Route 53 requires)."""
    before = describe(existing['raw'], existing['zone_id'])
    _change(ctx, existing['zone_id'], 'DELETE', existing['raw'], (desired or {}).get('comment'))
    return Change('delete', before, None, before['name'])
