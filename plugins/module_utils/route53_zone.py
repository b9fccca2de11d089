# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Route 53 hosted zone, found by its name and type (public, or private to a VPC), or by its id. Used by route53_zone.

The resource protocol (docs/architecture.md, runner.py). Route 53 allows several zones of one name
(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zones-working-with.html): two of the name and type
asked for are an error naming their ids, unless ``zone_id`` says which. A zone is made only when asked (``create``),
and deleted only when it carries the stack's tag and holds nothing but its own SOA and NS records: Route 53 refuses
to delete a zone with other records (HostedZoneNotEmpty, API_DeleteHostedZone), and this module never deletes them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find, error_code
from ansible_collections.seed.laravel_aws.plugins.module_utils.route53 import check_name, normal, zone_id, zones_named
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, check_owner, validate_owner
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import boto3_tags_to_dict, dict_to_boto3_tags, merged_tags

NAME = 'route53_zone'
KEY = ('name', 'private', 'vpc_id', 'zone_id', 'stack')
OWN_RECORDS = ('SOA', 'NS')  # what Route 53 makes in every zone, at its apex (SOA-NSrecords.html)
# How many caller references a create tries: Route 53 keeps each one for good, a zone made and deleted before with the
# same inputs answers HostedZoneAlreadyExists (API_CreateHostedZone, CallerReference), and the next one is tried.
REFERENCE_ATTEMPTS = 20


def validate(p):
    """The desired zone: name (normal), private, vpc_id, vpc_region, zone_id, create, comment, stack, tags (None: as
    they are)."""
    name = check_name(p['name'], 'name')
    private = bool(p.get('private'))
    if p.get('vpc_id') and not private:
        raise ValidationError('vpc_id', 'a VPC goes with a private zone: set private: true, or leave vpc_id out')
    if private and p.get('state') != 'absent' and p.get('create') and not (p.get('vpc_id') and p.get('vpc_region')):
        raise ValidationError('vpc_id', 'a private zone is made with its VPC: give vpc_id and vpc_region '
                              '(API_CreateHostedZone, VPC)')
    if p.get('state') == 'absent' and p.get('stack') is None:
        raise ValidationError('stack', 'a zone is deleted only when it is tagged Stack=<stack>: give stack')
    stack, tags = validate_owner(p, added=())
    return dict(name=name, private=private, vpc_id=p.get('vpc_id'), vpc_region=p.get('vpc_region'),
                zone_id=zone_id(p.get('zone_id')) or None, create=p.get('create', False), comment=p.get('comment'),
                stack=stack, tags=tags)


def _read(ctx, zid):
    zid = zone_id(zid)
    raw = ctx.client.get_hosted_zone(Id=zid)
    tags = ctx.client.list_tags_for_resource(ResourceType='hostedzone', ResourceId=zid).get('ResourceTagSet') or {}
    return {'raw': raw, 'tags': boto3_tags_to_dict(tags.get('Tags'))}


def find(ctx, *, name, private, vpc_id, zone_id, stack=None):
    """{raw: GetHostedZone's answer, tags}, or None; two zones of the name and type are refused (their ids named)."""
    if zone_id:
        found = _read(ctx, zone_id)
        if normal(found['raw']['HostedZone']['Name']) != name:
            raise ValidationError('zone_id', 'hosted zone %s is %s, not %s: give the id of %s, or its name alone' % (
                zone_id, found['raw']['HostedZone']['Name'], name, name))
    else:
        zones = zones_named(ctx, name, private)
        if vpc_id:
            zones = [z for z in zones if vpc_id in [v.get('VPCId') for v in _read(ctx, z['Id'])['raw'].get('VPCs') or []]]
        if len(zones) > 1:
            raise ValidationError('zone_id', '%d %s hosted zones are named %s (%s): give zone_id to say which' % (
                len(zones), 'private' if private else 'public', name, ', '.join(sorted(zone_id_of(z) for z in zones))))
        if not zones:
            return None
        found = _read(ctx, zones[0]['Id'])
    check_owner(stack, found['tags'], 'Route 53 hosted zone', '%s (%s)' % (name, zone_id_of(found['raw']['HostedZone'])))
    return found


def zone_id_of(zone):
    return zone_id(zone['Id'])


def describe(raw, tags=None):
    """The snake_case view: id (no /hostedzone/ prefix), name, private, comment, name_servers, vpcs, tags."""
    zone = raw['HostedZone']
    config = zone.get('Config') or {}
    return {'id': zone_id(zone['Id']), 'name': normal(zone['Name']), 'private': bool(config.get('PrivateZone')),
            'comment': config.get('Comment') or '', 'name_servers': list((raw.get('DelegationSet') or {}).get('NameServers') or []),
            'vpcs': [{'id': v.get('VPCId'), 'region': v.get('VPCRegion')} for v in raw.get('VPCs') or []],
            'tags': dict(tags or {})}


def caller_reference(d, attempt=0):
    """The same inputs give the same reference, so a retried CreateHostedZone cannot make a second zone: Route 53
    answers HostedZoneAlreadyExists for a reference it has seen (API_CreateHostedZone, CallerReference)."""
    raw = 'seed.laravel_aws:zone:%s:%s:%s:%s:%d' % (d['name'], d['private'], d['vpc_id'] or '', d['stack'] or '', attempt)
    return hashlib.sha256(raw.encode('utf-8')).hexdigest()[:64]  # at most 128 characters


def _make(ctx, d):
    """CreateHostedZone, a lost answer found again by name (retries.create_or_find); (id, the view)."""
    kwargs = dict(Name=d['name'], HostedZoneConfig={'Comment': d['comment'] or '', 'PrivateZone': d['private']})
    if d['private']:
        kwargs['VPC'] = {'VPCId': d['vpc_id'], 'VPCRegion': d['vpc_region']}

    def found():
        zones = zones_named(ctx, d['name'], d['private'])
        return zones[0] if zones else None
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            made = create_or_find(lambda n=attempt: ctx.call('create_hosted_zone', CallerReference=caller_reference(d, n), **kwargs),
                                  found, exists=('HostedZoneAlreadyExists',))
        except Exception as exc:  # pylint: disable=broad-except
            if error_code(exc) != 'HostedZoneAlreadyExists':
                raise
            continue  # a reference of a zone made and deleted before
        zid = zone_id((made.get('HostedZone') or made)['Id'])
        _tags(ctx, zid, {}, _wanted_tags(ctx, d, {}))
        current = _read(ctx, zid)
        return zid, describe(current['raw'], current['tags'])
    raise ValidationError('name', 'each of %d caller references of zone %s was used before: give it a comment or '
                          'another stack' % (REFERENCE_ATTEMPTS, d['name']))


def _wanted_tags(ctx, d, tags):
    new = merged_tags(tags, d['tags'], ctx.purge_tags) if d['tags'] is not None else dict(tags)
    if d['stack']:
        new[STACK_TAG] = d['stack']
    return new


def _tags(ctx, zid, tags, new):
    """ChangeTagsForResource (ResourceType hostedzone) when ``new`` differs from ``tags``; True when it did."""
    add = dict((k, v) for k, v in new.items() if tags.get(k) != v)
    remove = sorted(k for k in tags if k not in new)
    if not add and not remove:
        return False
    kwargs = dict(ResourceType='hostedzone', ResourceId=zid)
    if add:
        kwargs['AddTags'] = dict_to_boto3_tags(add)
    if remove:
        kwargs['RemoveTagKeys'] = remove
    ctx.call('change_tags_for_resource', **kwargs)
    return True


def ensure(ctx, *, desired, existing=None):
    """Create the zone (``create`` only), or bring its comment and tags to ``desired``."""
    d = desired
    if existing is None:
        if not d['create']:
            raise ValidationError('name', 'no %s hosted zone is named %s: set create: true to make it, or give the name of '
                                  'an existing zone' % ('private' if d['private'] else 'public', d['name']))
        planned = {'id': None, 'name': d['name'], 'private': d['private'], 'comment': d['comment'] or '', 'name_servers': [],
                   'vpcs': [{'id': d['vpc_id'], 'region': d['vpc_region']}] if d['private'] else [],
                   'tags': _wanted_tags(ctx, d, {})}
        return ctx.create('route53_zone', d['name'], lambda: _make(ctx, d), planned)
    before = describe(existing['raw'], existing['tags'])
    after = dict(before, tags=_wanted_tags(ctx, d, existing['tags']))
    changed = _tags(ctx, before['id'], existing['tags'], after['tags'])
    if d['comment'] is not None and d['comment'] != before['comment']:
        ctx.call('update_hosted_zone_comment', Id=before['id'], Comment=d['comment'])
        after['comment'], changed = d['comment'], True
    return Change.of(changed, before, after, before['id'])


def _foreign_records(ctx, zid, name):
    """The record sets of the zone but its own SOA and NS: '<name> <type>' each."""
    out, kwargs = [], {'HostedZoneId': zid}
    while True:
        page = ctx.client.list_resource_record_sets(**kwargs)
        out += ['%s %s' % (normal(r['Name']), r['Type']) for r in page.get('ResourceRecordSets') or []
                if not (r['Type'] in OWN_RECORDS and normal(r['Name']) == name)]
        if not page.get('IsTruncated'):
            return out
        kwargs.update(StartRecordName=page['NextRecordName'], StartRecordType=page['NextRecordType'])


def delete(ctx, *, existing, desired=None):
    """Delete the zone (found with the stack's tag: find refuses another's); one that holds records of its own is
    refused, naming them, before any change."""
    before = describe(existing['raw'], existing['tags'])
    foreign = _foreign_records(ctx, before['id'], before['name'])
    if foreign:
        raise ValidationError('state', 'hosted zone %s (%s) holds %d record sets besides its SOA and NS: %s. Delete them '
                              'first (route53_record, state: absent); this module never does' % (
                                  before['name'], before['id'], len(foreign), ', '.join(foreign[:10])))
    ctx.call('delete_hosted_zone', Id=before['id'])
    return Change('delete', before, None, before['id'])
