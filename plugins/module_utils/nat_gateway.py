# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NAT gateways: the resource protocol (docs/architecture.md, runner.py), with a client token from stable inputs. A
gateway is found by its Name tag in its subnet; the module's gateway comes with its own Elastic IP address (found by the
same Name tag, allocated with it, released with it), so ``existing`` is ``{'nat': raw gateway or None, 'address': raw
address or None}``. Used by nat_gateway and network."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

from ansible_collections.seed.laravel_aws.plugins.module_utils import elastic_ip
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change, is_id, real_id
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import (
    apply_tags, describe_one, fresh_call, name_tags, note_made, owned_by, refuse_name_tag, refuse_other_stack, resource_tags,
    tag_specifications,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import error_code
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import LIVE_NAT_STATES, STACK_TAG, validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import normalize_tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import aws_wait

NAME = 'nat_gateway'
KEY = ('name', 'subnet_id', 'allocation_id', 'stack')
RESOLVE_ABSENT = True  # nothing is deleted in another stack's subnet
LIVE = LIVE_NAT_STATES
NOT_FOUND = ('NatGatewayNotFound', 'InvalidNatGatewayID.NotFound')
# How many tokens a create tries: each one a gateway of the same inputs was made with and deleted (or that failed)
# answers that gateway in its current state, and the next token is tried
TOKEN_ATTEMPTS = 20


def client_token(subnet_id, name, allocation_id, attempt=0):
    """The same inputs give the same token, so a retried or rerun create cannot make a second NAT gateway."""
    raw = 'seed.laravel_aws:nat:%s:%s:%s:%d' % (subnet_id, name or '', allocation_id or '', attempt)
    return hashlib.sha256(raw.encode('utf-8')).hexdigest()[:64]


def validate(p):
    """The desired gateway: name, subnet, the address given (else its own, by the same Name tag), tags (Name and Stack
    added; left out: only those two are managed), whether its own address goes with it, wait."""
    stack = p.get('stack')
    if stack is not None:
        validate_stack_name(stack, 'stack')
    refuse_name_tag('CreateNatGateway', p['name'])
    if not p['subnet_id'].startswith('subnet-'):
        raise ValidationError('subnet_id', '%r is not a subnet id (subnet-...)' % p['subnet_id'])
    if p.get('allocation_id') and not p['allocation_id'].startswith('eipalloc-'):
        raise ValidationError('allocation_id', '%r is not an allocation id (eipalloc-...)' % p['allocation_id'])
    tags = name_tags(p['name'], normalize_tags(p.get('tags'), added=('Name',) + ((STACK_TAG,) if stack is not None else ())))
    if stack is not None:
        tags[STACK_TAG] = stack
    return {'name': p['name'], 'subnet_id': p['subnet_id'], 'allocation_id': p.get('allocation_id'), 'stack': stack, 'tags': tags,
            'purge_tags': p.get('purge_tags', True) if p.get('tags') is not None else False,
            'release_eip': p.get('release_eip', True), 'wait': p.get('wait', True)}


def resolve(ctx, *, desired):
    """The subnet and a given address are there and not another stack's (reads only)."""
    subnets = ctx.client.describe_subnets(Filters=[{'Name': 'subnet-id', 'Values': [desired['subnet_id']]}])['Subnets']
    if not subnets:
        raise ValidationError('subnet_id', 'no subnet %s in this account/region' % desired['subnet_id'])
    refuse_other_stack(desired['stack'], subnets[0], 'subnet', desired['subnet_id'], 'subnet_id')
    if is_id(desired.get('allocation_id')) and desired['stack'] is not None:
        given = describe_one(ctx.client.describe_addresses, 'Addresses', 'InvalidAllocationID.NotFound', AllocationIds=[desired['allocation_id']])
        if given is not None:  # one that does not exist is AWS's to refuse
            refuse_other_stack(desired['stack'], given, 'elastic IP', desired['allocation_id'], 'allocation_id')
    return desired


def describe(raw):
    tags = resource_tags(raw)
    addrs = raw.get('NatGatewayAddresses') or [{}]
    return {'id': raw['NatGatewayId'], 'name': tags.get('Name'), 'subnet_id': raw.get('SubnetId'), 'vpc_id': raw.get('VpcId'),
            'state': raw.get('State'), 'allocation_id': addrs[0].get('AllocationId'), 'public_ip': addrs[0].get('PublicIp'),
            'private_ip': addrs[0].get('PrivateIp'), 'connectivity_type': raw.get('ConnectivityType', 'public'), 'tags': tags}


def _subnet_nats(ec2, subnet_id):
    nats = ec2.paginate('describe_nat_gateways', 'NatGateways', Filter=[{'Name': 'subnet-id', 'Values': [subnet_id]}])
    return [n for n in nats if n.get('State') in LIVE]


def find(ctx, *, name, subnet_id, allocation_id=None, stack=None):
    """``{'nat': the live gateway in the subnet with the Name tag, 'address': its own address}`` (the address only when
    none is given as ``allocation_id``), or None when neither is there. The gateways the run read already
    (``ctx.reads['nat_gateways']``) are used, else the subnet's. With ``stack``, a gateway or an address of another
    stack (or of none) under this name is refused (stack.NotOwned, naming both) before any change."""
    nats = [n for n in ctx.known('nat_gateways', lambda: _subnet_nats(ctx.client, subnet_id))
            if n.get('SubnetId') == subnet_id and resource_tags(n).get('Name') == name and n.get('State') in LIVE]
    nats = owned_by(stack, nats, 'NAT gateway', '%s (in %s)' % (name, subnet_id))
    if len(nats) > 1:
        raise ValidationError('name', '%d NAT gateways named %r in %s: %s; delete the extra ones'
                              % (len(nats), name, subnet_id, ', '.join(n['NatGatewayId'] for n in nats)))
    address = None if allocation_id else elastic_ip.find(ctx, name=name, stack=stack)
    return {'nat': nats[0] if nats else None, 'address': address} if nats or address else None


def wait(ctx, *, nat_id, timeout, state='available'):
    """The gateway once it is ``state`` (raw), through AWS's waiters NatGatewayAvailable (failed, deleting or deleted is
    an error with its FailureMessage) and NatGatewayDeleted
    (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-working-with.html). A gateway this run made that AWS
    does not show yet is waited for; one it shows no more is deleted."""
    if state == 'deleted':
        aws_wait(ctx, 'NatGatewayDeleted', 'NAT gateway %s to be deleted' % nat_id, timeout, NatGatewayIds=[nat_id])
        return {'NatGatewayId': nat_id, 'State': 'deleted'}
    answer = aws_wait(ctx, 'NatGatewayAvailable', 'NAT gateway %s to become available' % nat_id, timeout, not_found=NOT_FOUND,
                      reason=_failure, NatGatewayIds=[nat_id])
    return answer['NatGateways'][0]


def _failure(answer):
    nat = (answer.get('NatGateways') or [{}])[0]
    return 'it went to %s: %s' % (nat.get('State'), nat.get('FailureMessage') or 'AWS gave no reason')


def ensure(ctx, *, desired, existing=None):
    """One gateway as ``desired`` says (subnet_id, allocation_id, else its own address, tags, wait) against
    ``existing`` (see :func:`find`)."""
    nat, address = (existing or {}).get('nat'), (existing or {}).get('address')
    allocation_id, made_address = desired.get('allocation_id'), None
    if not allocation_id and nat is not None:
        allocation_id = (nat.get('NatGatewayAddresses') or [{}])[0].get('AllocationId')
    elif not allocation_id:
        made_address = elastic_ip.ensure(ctx, desired={'tags': dict(desired['tags']), 'purge_tags': desired.get('purge_tags')},
                                         existing=address)
        allocation_id = made_address.id  # a Pending in check mode
    change = _ensure_gateway(ctx, desired, nat, allocation_id)
    if made_address is not None and made_address.changed and not change.changed:
        return Change.of(True, change.before, change.after, change.id)
    return change


def _ensure_gateway(ctx, desired, existing, allocation_id):
    subnet_id, tags = desired['subnet_id'], desired.get('tags')
    waits = desired.get('wait', ctx.wait)
    name = (tags or {}).get('Name')
    if existing is None:
        planned = {'id': None, 'name': name, 'subnet_id': real_id(subnet_id), 'state': 'available', 'allocation_id': real_id(allocation_id),
                   'public_ip': None, 'connectivity_type': 'public', 'tags': tags or {}}
        return ctx.create('nat_gateway', name, lambda: _create(ctx, subnet_id, allocation_id, tags, waits), planned)
    before = describe(existing)
    if is_id(allocation_id) and before['allocation_id'] and allocation_id != before['allocation_id']:
        raise ValidationError('allocation_id', 'NAT gateway %s uses %s; its address cannot change to %s. Delete it first'
                              % (before['id'], before['allocation_id'], allocation_id))
    after = dict(before)
    changed, after['tags'] = apply_tags(ctx, before['id'], before['tags'], tags, desired.get('purge_tags'))
    if waits and before['state'] == 'pending':
        after = dict(ctx.live(lambda: describe(wait(ctx, nat_id=before['id'], timeout=ctx.wait_timeout))) or after, tags=after['tags'])
    return Change.of(changed, before, after, before['id'])


def _create(ctx, subnet_id, allocation_id, tags, waits):
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
    if waits:
        nat = wait(ctx, nat_id=nat['NatGatewayId'], timeout=ctx.wait_timeout)
    return nat['NatGatewayId'], describe(nat)


def delete(ctx, *, existing, desired=None):
    """Delete the gateway of ``existing`` (see :func:`find`), then its own address when ``desired['release_eip']``
    says so (an address given as allocation_id is never released). ``desired['wait']`` (default: the context's) waits
    until it is deleted; releasing its address always does: "Deleting a public NAT gateway disassociates its Elastic IP
    address" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteNatGateway.html), which is done when the
    gateway is deleted, not while it is deleting
    (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-working-with.html, "Delete a NAT gateway"): who
    releases the address or deletes the subnet waits."""
    desired = desired or {}
    nat, address = existing.get('nat'), existing.get('address')
    held = nat is None or (nat.get('NatGatewayAddresses') or [{}])[0].get('AllocationId') == (address or {}).get('AllocationId')
    releasing = bool(address) and desired.get('release_eip', False) and held
    changed = False
    if nat is not None and nat.get('State') in LIVE:
        changed = True
        ctx.call('delete_nat_gateway', NatGatewayId=nat['NatGatewayId'])
        if releasing or desired.get('wait', ctx.wait):
            ctx.live(wait, ctx, nat_id=nat['NatGatewayId'], timeout=ctx.wait_timeout, state='deleted')
    if releasing:
        changed = True
        fresh = elastic_ip.find(ctx, allocation_id=address['AllocationId'])  # freed by the delete
        elastic_ip.delete(ctx, existing=fresh, desired={'release_on_disassociation': True})
    before = describe(nat) if nat is not None else None
    return Change('delete' if changed else 'none', before, None, nat and nat['NatGatewayId'])
