# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NAT gateways with a client token from stable inputs. Used by nat_gateway and network."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change, is_id, real_id
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import (
    TIMING, apply_tags, fresh_call, not_found, note_made, owned_by, resource_tags, tag_specifications,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import error_code
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import LIVE_NAT_STATES
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import wait_for

LIVE = LIVE_NAT_STATES
NOT_FOUND = ('NatGatewayNotFound', 'InvalidNatGatewayID.NotFound')
# How many tokens a create tries: each one a gateway of the same inputs was made with and deleted (or that failed)
# answers that gateway in its current state, and the next token is tried
TOKEN_ATTEMPTS = 20


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


def find_nat(nats, subnet_id, name, stack=None):
    """The live NAT gateway in the subnet carrying the Name tag. With ``stack``, the stack's; when only gateways of
    another stack (or of none) carry it, stack.NotOwned naming both, before anything is changed."""
    found = [n for n in nats if n.get('SubnetId') == subnet_id and resource_tags(n).get('Name') == name]
    found = owned_by(stack, found, 'NAT gateway', '%s (in %s)' % (name, subnet_id))
    if len(found) > 1:
        raise ValidationError('name', '%d NAT gateways named %r in %s: %s; delete the extra ones'
                              % (len(found), name, subnet_id, ', '.join(n['NatGatewayId'] for n in found)))
    return found[0] if found else None


def wait_nat(ec2, nat_id, timeout, want='available'):
    """The NAT gateway once it is ``want``: pending -> available (failed, or deleting/deleted, is an error with its
    FailureMessage), or deleting -> deleted
    (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-working-with.html). A gateway AWS does not show
    yet (eventual consistency right after the create) is waited for; one it shows no more is deleted."""
    def fetch():
        try:
            nats = ec2.describe_nat_gateways(NatGatewayIds=[nat_id])['NatGateways']
        except Exception as exc:  # pylint: disable=broad-except
            if not not_found(exc, *NOT_FOUND):
                raise
            nats = []
        if nats:
            return nats[0]
        return {'NatGatewayId': nat_id, 'State': 'deleted'} if want == 'deleted' else {'NatGatewayId': nat_id, 'State': 'not visible yet'}

    def failed(n):
        if want == 'available' and n.get('State') in ('failed', 'deleting', 'deleted'):
            return 'it went to %s: %s' % (n.get('State'), n.get('FailureMessage') or 'AWS gave no reason')
        return None
    return wait_for(fetch, lambda n: n.get('State') == want, 'NAT gateway %s to become %s' % (nat_id, want), timeout=timeout,
                    delay=2, failed=failed, **TIMING)


def find(ctx, *, vpc_id, subnet_id, name, nats=None, stack=None):
    """The live NAT gateway in the subnet carrying the Name tag (``nats``: the VPC's, when described already;
    ``stack``: the owner check of :func:`find_nat`)."""
    return find_nat(vpc_nats(ctx.client, vpc_id) if nats is None else nats, subnet_id, name, stack)


def ensure(ctx, *, desired, existing=None):
    """One NAT gateway as ``desired`` says (subnet_id, allocation_id, tags; wait: default the context's)
    against ``existing`` (raw, None when there is none)."""
    subnet_id, allocation_id, tags = desired['subnet_id'], desired.get('allocation_id'), desired.get('tags')
    wait = desired.get('wait', ctx.wait)
    name = (tags or {}).get('Name')
    if existing is None:
        planned = {'id': None, 'name': name, 'subnet_id': real_id(subnet_id), 'state': 'available', 'allocation_id': real_id(allocation_id),
                   'public_ip': None, 'connectivity_type': 'public', 'tags': tags or {}}
        return ctx.create('nat_gateway', name, lambda: _create(ctx, subnet_id, allocation_id, tags, wait), planned)
    before = describe_nat(existing)
    if is_id(allocation_id) and before['allocation_id'] and allocation_id != before['allocation_id']:
        raise ValidationError('allocation_id', 'NAT gateway %s uses %s; its address cannot change to %s. Delete it first'
                              % (before['id'], before['allocation_id'], allocation_id))
    after = dict(before)
    changed, after['tags'] = apply_tags(ctx, before['id'], before['tags'], tags)
    if wait and before['state'] == 'pending':
        after = dict(ctx.live(lambda: describe_nat(wait_nat(ctx.client, before['id'], ctx.wait_timeout))) or after, tags=after['tags'])
    return Change.of(changed, before, after, before['id'])


def _create(ctx, subnet_id, allocation_id, tags, wait):
    """CreateNatGateway with a client token from stable inputs. AWS answers a token it knows with that gateway in its
    CURRENT state, and IdempotentParameterMismatch when the token was used with other parameters
    (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html): a gateway of these inputs deleted (or
    failed) before, or made with other tags, is not this run's, and the next token is tried."""
    name = (tags or {}).get('Name')
    nat, seen = None, []
    for attempt in range(TOKEN_ATTEMPTS):
        try:
            nat = fresh_call(ctx, 'create_nat_gateway', SubnetId=subnet_id, AllocationId=allocation_id,
                             ClientToken=client_token(subnet_id, name, allocation_id, attempt),
                             TagSpecifications=tag_specifications('natgateway', tags))['NatGateway']
        except Exception as exc:  # pylint: disable=broad-except
            if error_code(exc) != 'IdempotentParameterMismatch':
                raise
            seen.append('token %d: used with other parameters' % attempt)
            continue
        if nat.get('State') in LIVE:
            break
        seen.append('token %d: %s (%s)' % (attempt, nat['NatGatewayId'], nat.get('State')))
        nat = None
    if nat is None:
        raise ValidationError('name', 'NAT gateway %s: each of %d client tokens gave back a gateway that is no more (%s); '
                              'give it another name' % (name, TOKEN_ATTEMPTS, '; '.join(seen[-3:])))
    note_made(ctx, nat['NatGatewayId'])
    if wait:
        nat = wait_nat(ctx.client, nat['NatGatewayId'], ctx.wait_timeout)
    return nat['NatGatewayId'], describe_nat(nat)


def delete(ctx, *, existing, wait=None):
    """Delete the NAT gateway ``existing`` (raw); waits until it is deleted when ``wait`` (None: the context's wait)
    says so. Its Elastic IP address and its network interface are freed only then: "Deleting a public NAT gateway
    disassociates its Elastic IP address" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteNatGateway.html),
    which is done when the gateway is deleted, not while it is deleting
    (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-working-with.html, "Delete a NAT gateway"): who
    releases the address or deletes the subnet waits."""
    if existing.get('State') not in LIVE:
        return Change('none', None, None)
    ctx.call('delete_nat_gateway', NatGatewayId=existing['NatGatewayId'])
    if ctx.wait if wait is None else wait:
        ctx.live(wait_nat, ctx.client, existing['NatGatewayId'], ctx.wait_timeout, want='deleted')
    return Change('delete', describe_nat(existing), None, existing['NatGatewayId'])
