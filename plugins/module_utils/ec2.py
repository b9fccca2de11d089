# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""EC2 helpers shared by the resource modules: CIDRs, tags on resources, lookups."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible.module_utils.six import string_types, text_type

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, NotOwned, check_owner
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import (
    boto3_tags_to_dict, compare_tags, dict_to_boto3_tags, merged_tags, normalize_tags,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import monotonic, pause, retry_in_use, retry_not_found

# The clock and the sleep of the EC2 modules' retries: the waiter layer's (waiters.SLEEP and CLOCK, where a test puts its
# own so that nothing sleeps for real).
TIMING = {'clock': monotonic, 'sleep': pause}

# EC2 is eventually consistent: "If you run a Describe* command right after creating a resource, it might answer
# InvalidInstanceID.NotFound", and a call that names a resource made a moment ago may not find it yet
# (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html). The NotFound codes of each kind of id
# (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html), by the id's prefix: a call that names
# an id this run made is sent again while AWS answers its kind's code, and only its kind's (a NotFound of an id the
# user gave is an error at once).
NOT_FOUND_CODES = (
    ('vpc-', ('InvalidVpcID.NotFound',)),
    ('subnet-', ('InvalidSubnetID.NotFound',)),
    ('sg-', ('InvalidGroup.NotFound', 'InvalidSecurityGroupID.NotFound')),
    ('igw-', ('InvalidInternetGatewayID.NotFound', 'InvalidGatewayID.NotFound')),
    ('nat-', ('InvalidNatGatewayID.NotFound', 'NatGatewayNotFound')),
    ('rtbassoc-', ('InvalidAssociationID.NotFound',)),
    ('rtb-', ('InvalidRouteTableID.NotFound',)),
    ('eipalloc-', ('InvalidAllocationID.NotFound',)),
    ('eni-', ('InvalidNetworkInterfaceID.NotFound',)),
    ('i-', ('InvalidInstanceID.NotFound',)),
)
# How long an id this run made may stay unseen: AWS speaks of seconds; bounded by the module's wait_timeout too.
FRESH_TIMEOUT = 120
# What AWS answers a delete or detach of a resource something still holds
IN_USE_CODES = ('DependencyViolation',)
# The interface types AWS makes and deletes for a service (a load balancer, a NAT gateway, a VPC endpoint, Lambda ...):
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterface.html (interfaceType)
USER_INTERFACE_TYPES = ('interface', 'efa', 'efa-only', 'trunk', 'branch')


def canonical_cidr(value, field, min_prefix=0, max_prefix=32):
    """Validate an IPv4 CIDR. A CIDR with host bits set is an error naming its canonical form."""
    if not value or not isinstance(value, (str, text_type)):
        raise ValidationError(field, 'an IPv4 CIDR block is required, for example 10.0.0.0/16')
    try:
        net = ipaddress.IPv4Network(text_type(value).strip(), strict=False)
    except (ValueError, ipaddress.AddressValueError, ipaddress.NetmaskValueError):
        raise ValidationError(field, '%r is not an IPv4 CIDR block (for example 10.0.0.0/16)' % value)
    if '/' not in value:
        raise ValidationError(field, '%r has no prefix length; write it as %s' % (value, net.with_prefixlen))
    if text_type(net.with_prefixlen) != text_type(value).strip():
        raise ValidationError(field, '%s is not canonical (host bits are set); the canonical form is %s' % (value, net.with_prefixlen))
    if not min_prefix <= net.prefixlen <= max_prefix:
        raise ValidationError(field, '%s: the prefix length must be between /%d and /%d' % (value, min_prefix, max_prefix))
    return net.with_prefixlen


def refuse_by_rules(operation, parameter, value, field, what=None):
    """A ValidationError naming the option ``field`` when ``value`` breaks a rule AWS documents for ``parameter`` of the
    EC2 ``operation`` (aws_rules.refuse_by_rules, the one table of AWS's documented rules), before any API call; ``what``
    says how the option becomes the parameter (``the Name tag``). None values are not judged."""
    aws_rules.refuse_by_rules('ec2', operation, parameter, value, field, what)


def refuse_name_tag(operation, name, field='name'):
    """The option ``field`` that becomes the Name tag of what ``operation`` creates: AWS's tag value rule."""
    refuse_by_rules(operation, 'TagSpecifications[].Tags[].Value', name, field, 'it is the Name tag')


def name_tags(name, tags):
    """User tags plus the Name tag the module owns."""
    out = dict(tags or {})
    if name:
        out['Name'] = name
    return out


def tag_specifications(resource_type, tags):
    if not tags:
        return []
    return [{'ResourceType': resource_type, 'Tags': dict_to_boto3_tags(tags)}]


def resource_tags(resource):
    return boto3_tags_to_dict(resource.get('Tags'))


def exactly_tagged(resources, tags):
    """The ``resources`` whose tags have every value of ``tags`` exactly. A describe filter's value is a pattern on AWS
    (``*`` and ``?`` are wildcards: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Filtering.html), so a
    name such as ``demo*`` given to a ``tag:Name`` filter also finds ``demo2-vpc``: what a filter found is checked again."""
    return [r for r in resources if all(resource_tags(r).get(k) == v for k, v in (tags or {}).items())]


def owned_by(stack, resources, kind, name, field='stack'):
    """Of the ``resources`` found as ``kind`` ``name`` (by name, CIDR...), the stack's: with ``stack`` None all of
    them; else those tagged ``Stack=<stack>``, and when there is none while others are, the first other one is refused
    (:class:`stack.NotOwned`, naming both stacks) before anything is changed. So a stack never takes another stack's
    resource (or one of no stack) for its own, and two of one name, one of them the stack's, are not ambiguous."""
    resources = list(resources or [])
    if stack is None or not resources:
        return resources
    mine = [r for r in resources if resource_tags(r).get(STACK_TAG) == stack]
    if not mine:
        check_owner(stack, resource_tags(resources[0]), kind, name, field)
    return mine


def refuse_other_stack(stack, resource, kind, rid, field):
    """An id the user gave of a resource the module uses without changing or deleting it (the VPC a subnet is made in,
    the subnets an instance is launched in): refused, naming both stacks, when it is tagged with another stack. One
    tagged with no stack (made outside the collection) may be used; ``stack`` None: no check."""
    found = resource_tags(resource or {}).get(STACK_TAG)
    if stack is not None and found is not None and found != stack:
        raise NotOwned(field, '%s %s belongs to stack %r, not to stack %r: refused, nothing was changed. A stack uses only '
                       'its own resources (tagged %s=%s) or ones of no stack; give one of stack %r'
                       % (kind, rid, found, stack, STACK_TAG, stack, stack))


def not_found(exc, *codes):
    """True when a ClientError is one of the NotFound codes given."""
    code = getattr(exc, 'response', {}).get('Error', {}).get('Code', '')
    return code in codes if codes else code.endswith('NotFound')


def describe_one(describe, key, code, **kwargs):
    """The first item ``describe(**kwargs)[key]`` lists, or None when it lists none or AWS answers
    the NotFound ``code`` (an id that does not exist, or not yet: eventual consistency)."""
    try:
        items = describe(**kwargs)[key]
    except Exception as exc:  # pylint: disable=broad-except
        if not_found(exc, code):
            return None
        raise
    return items[0] if items else None


def made(ctx):
    """The ids this run made (see :func:`note_made`), kept with the run's context."""
    ids = getattr(ctx, 'made_ids', None)
    if ids is None:
        ids = ctx.made_ids = set()
    return ids


def note_made(ctx, *ids):
    """Remember ids a create of this run answered: calls that name them retry a NotFound (:func:`fresh_call`)."""
    made(ctx).update(i for i in ids if isinstance(i, string_types))


def _strings(value, out):
    if isinstance(value, string_types):
        out.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _strings(item, out)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _strings(item, out)
    return out


def codes_of(ids):
    """The NotFound codes of the kinds of ``ids`` (see NOT_FOUND_CODES)."""
    codes = []
    for rid in ids:
        codes.extend(next((c for prefix, c in NOT_FOUND_CODES if rid.startswith(prefix)), ()))
    return tuple(sorted(set(codes)))


def fresh_timeout(ctx):
    return min(FRESH_TIMEOUT, ctx.wait_timeout or FRESH_TIMEOUT)


def fresh_call(ctx, operation, **kwargs):
    """``ctx.call(operation, **kwargs)``; when it names ids this run made, sent again (bounded) while AWS answers
    the NotFound of their kinds: the new id is not seen yet. Ids the user gave get no second try."""
    fresh = [i for i in _strings(kwargs, []) if i in made(ctx)]
    codes = codes_of(fresh)
    if not codes:  # (check mode makes no ids, and records the call once)
        return ctx.call(operation, **kwargs)
    return retry_not_found(lambda: ctx.call(operation, **kwargs), codes, '%s of %s' % (operation, ', '.join(sorted(set(fresh)))),
                           timeout=fresh_timeout(ctx), **TIMING)


def fresh_read(ctx, read, rid):
    """``read()`` of the id ``rid`` this run just made, again (bounded) while AWS answers its NotFound."""
    return retry_not_found(read, codes_of([rid]), 'the new %s' % rid, timeout=fresh_timeout(ctx), **TIMING)


# Reads by id of the EC2 kinds a module makes (id prefix -> operation, parameter)
READ_BY_ID = (('vpc-', 'describe_vpcs', 'VpcIds'), ('subnet-', 'describe_subnets', 'SubnetIds'),
              ('sg-', 'describe_security_groups', 'GroupIds'), ('igw-', 'describe_internet_gateways', 'InternetGatewayIds'),
              ('rtb-', 'describe_route_tables', 'RouteTableIds'), ('eipalloc-', 'describe_addresses', 'AllocationIds'))


def settle_made(ctx):
    """Read each EC2 id this run made (VPC, subnet, group, gateway, route table, address) by id until AWS's reads see
    it (bounded): a module returns an id only once the next task can use it
    (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html). Nothing in check mode."""
    new = sorted(getattr(ctx, 'made_ids', None) or ())
    for rid in new:
        for prefix, operation, parameter in READ_BY_ID:
            if rid.startswith(prefix) and hasattr(ctx.client, operation):
                read = getattr(ctx.client, operation)
                ctx.live(fresh_read, ctx, lambda read=read, parameter=parameter, rid=rid: read(**{parameter: [rid]}), rid)
                break


def interface_label(eni):
    """An interface as an error names it: id, description, who made it (requester or type), status."""
    by = eni.get('RequesterId') if eni.get('RequesterManaged') else None
    kind = eni.get('InterfaceType') or 'interface'
    owner = (eni.get('Attachment') or {}).get('InstanceId')
    return 'network interface %s (%s; %s%s; %s)' % (
        eni['NetworkInterfaceId'], eni.get('Description') or 'no description',
        'requester-managed by %s, ' % by if by else ('requester-managed, ' if eni.get('RequesterManaged') else ''),
        'type %s' % kind + (', attached to %s' % owner if owner else ''), eni.get('Status') or 'status unknown')


def lingers(eni):
    """True for an interface AWS made for a service (a load balancer, NAT gateway, RDS or cache cluster ...), which AWS
    deletes itself some minutes after that service's resource is gone
    (https://docs.aws.amazon.com/vpc/latest/userguide/requester-managed-eni.html); False for one a user or an
    instance holds, which only its owner removes."""
    return bool(eni.get('RequesterManaged')) or (eni.get('InterfaceType') or 'interface') not in USER_INTERFACE_TYPES


def interfaces(ec2, name, value):
    """The network interfaces of a filter (``subnet-id``, ``group-id``, ``vpc-id``), as :func:`interface_label` names them."""
    return [interface_label(e) for e in ec2.paginate('describe_network_interfaces', 'NetworkInterfaces',
                                                     Filters=[{'Name': name, 'Values': [value]}])]


def public_addresses(ec2, vpc_id):
    """The public addresses mapped to interfaces of the VPC (what keeps its internet gateway from being detached)."""
    out = []
    for e in ec2.paginate('describe_network_interfaces', 'NetworkInterfaces', Filters=[{'Name': 'vpc-id', 'Values': [vpc_id]}]):
        ip = (e.get('Association') or {}).get('PublicIp')
        if ip:
            out.append('public address %s on %s' % (ip, interface_label(e)))
    return out


def call_when_free(ctx, operation, what, holders, **kwargs):
    """``ctx.call(operation, **kwargs)`` (a delete or a detach), again while AWS answers DependencyViolation, within the
    context's wait_timeout; then waiters.StillInUse names what ``holders()`` finds. Check mode: recorded once (ctx.call)."""
    return retry_in_use(lambda: ctx.call(operation, **kwargs), IN_USE_CODES, what, holders, timeout=ctx.wait_timeout or 600, **TIMING)


def find_image(ec2, image):
    """The id of the newest available image matching ``image`` ({name, owner, architecture}); the
    error names the field ``image``. Used by instance and preflight."""
    arch = image.get('architecture') or 'x86_64'
    images = ec2.describe_images(Owners=[image['owner']], Filters=[
        {'Name': 'name', 'Values': [image['name']]}, {'Name': 'state', 'Values': ['available']},
        {'Name': 'architecture', 'Values': [arch]}])['Images']
    if not images:
        raise ValidationError('image', 'no available %s image named %r owned by %s in this region'
                              % (arch, image['name'], image['owner']))
    return sorted(images, key=lambda i: (i.get('CreationDate', ''), i['ImageId']))[-1]['ImageId']


def apply_tags(ctx, resource_id, current, desired, purge=None):
    """Make the tags of ``resource_id`` match through the context (check mode only records);
    returns (changed, tags_after). ``purge`` None: the context's purge_tags."""
    purge = ctx.purge_tags if purge is None else purge
    to_set, to_unset = compare_tags(current, desired, purge)
    if not to_set and not to_unset:
        return False, current or {}
    if to_unset:
        ctx.call('delete_tags', Resources=[resource_id], Tags=[{'Key': k} for k in to_unset])
    if to_set:
        ctx.call('create_tags', Resources=[resource_id], Tags=dict_to_boto3_tags(to_set))
    return True, merged_tags(current, desired, purge)


def group_ids_in_vpc(ec2, vpc_id, names, whose, field='security_groups'):
    """The ids of the security groups given by name or id, in the VPC ``vpc_id`` (one DescribeSecurityGroups), sorted;
    an unknown one is a ValidationError of ``field`` that names the VPC as ``whose`` (``the subnets' VPC``)."""
    groups = ec2.paginate('describe_security_groups', 'SecurityGroups', Filters=[{'Name': 'vpc-id', 'Values': [vpc_id]}])
    by_name = dict((g['GroupName'], g['GroupId']) for g in groups)
    ids = set(by_name.values())
    out = []
    for value in names:
        if value in ids:
            out.append(value)
        elif value in by_name:
            out.append(by_name[value])
        else:
            raise ValidationError(field, 'no security group %r in VPC %s (%s); give a name or id of a group there' % (value, vpc_id, whose))
    return sorted(set(out))


def subnets_in_one_vpc(ec2, subnet_ids, what, field='subnets', min_zones=1):
    """(vpc_id, sorted zones) of the subnets (DescribeSubnets), checked to exist, to be in one VPC and in ``min_zones`` or
    more availability zones, as ``what`` (``a DB subnet group``) needs; else a ValidationError of ``field``."""
    try:
        subnets = ec2.describe_subnets(SubnetIds=list(subnet_ids))['Subnets']
    except Exception as exc:  # pylint: disable=broad-except
        if not_found(exc, 'InvalidSubnetID.NotFound', 'InvalidSubnetID.Malformed'):
            raise ValidationError(field, 'a subnet does not exist in this account/region (%s)' % exc)
        raise
    vpcs = sorted(set(s['VpcId'] for s in subnets))
    if len(vpcs) != 1:
        raise ValidationError(field, 'the subnets are in %d VPCs (%s); the subnets of %s are all in one VPC: give subnets of one VPC only'
                              % (len(vpcs), '; '.join('%s: %s' % (v, ', '.join(sorted(s['SubnetId'] for s in subnets if s['VpcId'] == v)))
                                                      for v in vpcs), what))
    zones = sorted(set(s['AvailabilityZone'] for s in subnets))
    if len(zones) < min_zones:
        raise ValidationError(field, 'the subnets are all in %s; %s needs subnets in %s or more availability zones: add a subnet '
                              'of another zone' % (', '.join(zones), what, {2: 'two', 3: 'three'}.get(min_zones, min_zones)))
    return vpcs[0], zones


def given_vpc(ctx, vpc_id, stack):
    """The VPC ``vpc_id`` a resource is made in (raw), checked: it exists, and is not another stack's
    (:func:`refuse_other_stack`); else ValidationError naming ``vpc_id``. Reads only."""
    vpc = describe_one(ctx.client.describe_vpcs, 'Vpcs', 'InvalidVpcID.NotFound', VpcIds=[vpc_id])
    if vpc is None:
        raise ValidationError('vpc_id', 'no VPC %s in this account/region' % vpc_id)
    refuse_other_stack(stack, vpc, 'VPC', vpc_id, 'vpc_id')
    return vpc


def managed_tags(p, stack, kept=None):
    """(tags, purge_tags) a module manages from its options: the ``tags`` given, with the Name tag of ``name`` and
    ``Stack=<stack>`` added; without ``tags``, only those two are managed and the others kept (purge off): ``kept``
    (None) when there is neither."""
    name = p.get('name')
    user_tags = normalize_tags(p.get('tags'), added=(('Name',) if name else ()) + ((STACK_TAG,) if stack is not None else ()))
    if p.get('tags') is None:
        tags, purge = ({'Name': name} if name else kept), False
    else:
        tags, purge = name_tags(name, user_tags), p.get('purge_tags', True)
    if stack is not None:
        tags = dict(tags or {}, **{STACK_TAG: stack})
    return tags, purge
