# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internet gateways: one per VPC. Used by internet_gateway and network."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import ensure_tags, resource_tags, tag_specifications
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import tag_filters


def describe_igw(igw):
    tags = resource_tags(igw)
    attached = [a['VpcId'] for a in igw.get('Attachments', []) if a.get('State') in ('available', 'attached', 'attaching')]
    return {'id': igw['InternetGatewayId'], 'name': tags.get('Name'), 'vpc_id': attached[0] if attached else None,
            'attached': bool(attached), 'tags': tags}


def find_igws(ec2, vpc_id, name=None):
    """(attached to the VPC, detached ones carrying the Name tag): a lost create is found by its tag."""
    attached = ec2.paginate('describe_internet_gateways', 'InternetGateways',
                            Filters=[{'Name': 'attachment.vpc-id', 'Values': [vpc_id]}])
    detached = []
    if name:
        detached = [g for g in ec2.paginate('describe_internet_gateways', 'InternetGateways',
                                            Filters=[{'Name': 'tag:Name', 'Values': [name]}])
                    if not g.get('Attachments')]
    return attached, detached


def ensure_igw(ec2, vpc_id, tags, purge_tags, attached, detached, check_mode, attach=True):
    """Converge the VPC's internet gateway. Returns (changed, before, after, igw_id)."""
    if len(attached) > 1:
        raise ValidationError('vpc_id', 'VPC %s has %d internet gateways attached (%s); a VPC takes one'
                              % (vpc_id, len(attached), ', '.join(g['InternetGatewayId'] for g in attached)))
    current = attached[0] if attached else (sorted(detached, key=lambda g: g['InternetGatewayId'])[0] if detached else None)
    if current is None:
        after = {'id': None, 'name': (tags or {}).get('Name'), 'vpc_id': vpc_id if attach else None, 'attached': attach, 'tags': tags or {}}
        if check_mode:
            return True, None, after, None
        igw = create_or_find(
            lambda: ec2.create_internet_gateway(TagSpecifications=tag_specifications('internet-gateway', tags))['InternetGateway'],
            lambda: _find_tagged(ec2, tags))
        if attach:
            ec2.attach_internet_gateway(InternetGatewayId=igw['InternetGatewayId'], VpcId=vpc_id)
        after['id'] = igw['InternetGatewayId']
        return True, None, after, after['id']
    before = describe_igw(current)
    after = dict(before)
    changed, after['tags'] = ensure_tags(ec2, before['id'], before['tags'], tags, purge_tags, check_mode)
    after['name'] = after['tags'].get('Name')
    if attach and not before['attached']:
        changed = True
        after.update(attached=True, vpc_id=vpc_id)
        if not check_mode:
            ec2.attach_internet_gateway(InternetGatewayId=before['id'], VpcId=vpc_id)
    elif not attach and before['attached']:
        changed = True
        after.update(attached=False, vpc_id=None)
        if not check_mode:
            ec2.detach_internet_gateway(InternetGatewayId=before['id'], VpcId=before['vpc_id'])
    return changed, before, after, before['id']


def _find_tagged(ec2, tags):
    """A gateway carrying all these tags (Name included): what a create whose answer was lost made."""
    if not (tags or {}).get('Name'):
        return None
    found = ec2.paginate('describe_internet_gateways', 'InternetGateways', Filters=tag_filters(tags))
    return sorted(found, key=lambda g: g['InternetGatewayId'])[0] if found else None


def delete_igw(ec2, igw, check_mode):
    if check_mode:
        return
    for a in igw.get('Attachments', []):
        ec2.detach_internet_gateway(InternetGatewayId=igw['InternetGatewayId'], VpcId=a['VpcId'])
    ec2.delete_internet_gateway(InternetGatewayId=igw['InternetGatewayId'])
