# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NAT gateways with a client token from stable inputs. Used by nat_gateway and network."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import ensure_tags, resource_tags, tag_specifications
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import wait_for

LIVE = ('pending', 'available')


def client_token(subnet_id, name, allocation_id, attempt=0):
    """The same inputs give the same token, so a retried or rerun create cannot make a second NAT gateway."""
    raw = 'seed.laravel_aws:nat:%s:%s:%s:%d' % (subnet_id, name or '', allocation_id or '', attempt)
    return hashlib.sha256(raw.encode('utf-8')).hexdigest()[:64]


def describe_nat(nat):
    tags = resource_tags(nat)
    addrs = nat.get('NatGatewayAddresses') or [{}]
    return {'id': nat['NatGatewayId'], 'name': tags.get('Name'), 'subnet_id': nat.get('SubnetId'), 'vpc_id': nat.get('VpcId'),
            'state': nat.get('State'), 'allocation_id': addrs[0].get('AllocationId'), 'public_ip': addrs[0].get('PublicIp'),
            'private_ip': addrs[0].get('PrivateIp'), 'connectivity_type': nat.get('ConnectivityType', 'public'), 'tags': tags}


def vpc_nats(ec2, vpc_id):
    nats = ec2.paginate('describe_nat_gateways', 'NatGateways', Filter=[{'Name': 'vpc-id', 'Values': [vpc_id]}])
    return [n for n in nats if n.get('State') in LIVE]


def find_nat(nats, subnet_id, name):
    """The live NAT gateway in the subnet carrying the Name tag."""
    found = [n for n in nats if n.get('SubnetId') == subnet_id and resource_tags(n).get('Name') == name]
    if len(found) > 1:
        raise ValidationError('name', '%d NAT gateways named %r in %s: %s; delete the extra ones'
                              % (len(found), name, subnet_id, ', '.join(n['NatGatewayId'] for n in found)))
    return found[0] if found else None


def wait_nat(ec2, nat_id, timeout, want='available'):
    def fetch():
        nats = ec2.describe_nat_gateways(NatGatewayIds=[nat_id])['NatGateways']
        return nats[0] if nats else {'State': 'deleted'}
    return wait_for(fetch, lambda n: n.get('State') == want, 'NAT gateway %s to become %s' % (nat_id, want), timeout=timeout,
                    delay=2, failed=lambda n: ('it went to %s: %s' % (n.get('State'), n.get('FailureMessage')))
                    if want == 'available' and n.get('State') in ('failed', 'deleted') else None)


def ensure_nat(ec2, subnet_id, allocation_id, tags, purge_tags, existing, check_mode, wait=True, wait_timeout=600):
    """Converge one NAT gateway. Returns (changed, before, after)."""
    name = (tags or {}).get('Name')
    if existing is None:
        after = {'id': None, 'name': name, 'subnet_id': subnet_id, 'state': 'available', 'allocation_id': allocation_id,
                 'public_ip': None, 'connectivity_type': 'public', 'tags': tags or {}}
        if check_mode:
            return True, None, after
        nat = None
        for attempt in range(3):
            nat = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id,
                                         ClientToken=client_token(subnet_id, name, allocation_id, attempt),
                                         TagSpecifications=tag_specifications('natgateway', tags))['NatGateway']
            if nat.get('State') in LIVE:  # a token reused after a delete gives back the deleted gateway
                break
        if wait:
            nat = wait_nat(ec2, nat['NatGatewayId'], wait_timeout)
        return True, None, describe_nat(nat)
    before = describe_nat(existing)
    if allocation_id and before['allocation_id'] and allocation_id != before['allocation_id']:
        raise ValidationError('allocation_id', 'NAT gateway %s uses %s; its address cannot change to %s. Delete it first'
                              % (before['id'], before['allocation_id'], allocation_id))
    after = dict(before)
    changed, after['tags'] = ensure_tags(ec2, before['id'], before['tags'], tags, purge_tags, check_mode)
    if wait and not check_mode and before['state'] == 'pending':
        after = dict(describe_nat(wait_nat(ec2, before['id'], wait_timeout)), tags=after['tags'])
    return changed, before, after


def delete_nat(ec2, nat, check_mode, wait=True, wait_timeout=600):
    if check_mode or nat.get('State') not in LIVE:
        return
    ec2.delete_nat_gateway(NatGatewayId=nat['NatGatewayId'])
    if wait:
        wait_nat(ec2, nat['NatGatewayId'], wait_timeout, want='deleted')
