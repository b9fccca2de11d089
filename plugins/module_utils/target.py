# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Instances registered in a target group, waited for until healthy or drained. Used by target.

The resource protocol (docs/architecture.md, runner.py): :func:`validate`, :func:`find` (the group and the
registrations of the instances asked about), :func:`describe`, :func:`ensure` (register, wait healthy), :func:`delete`
(deregister, wait drained), over a Context whose client is ELBv2's. Every refusal comes before the first change: the
group's owner (in find), then the instances (one EC2 read, in ensure and delete).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.elbv2 import (
    TARGET_GROUP_ARN_RE, check_instance_owners, check_owners, find_target_group, health_view, tags_of, target_health,
    validate_instance_ids, validate_name, wait_targets,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import error_code
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import validate_stack_name

NAME = 'target'
KEY = ('group', 'ids', 'stack', 'required')
RESULT = None  # the result is the view: target_group and targets
EMPTY = {'target_group': None, 'targets': []}


def validate(p):
    """The target group (a name or an ARN) and the instance ids, checked before any call."""
    group = p.get('target_group') or ''
    if group.startswith('arn:'):
        if not TARGET_GROUP_ARN_RE.match(group):
            raise ValidationError('target_group', '%r is not a target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:'
                                  'targetgroup/<name>/<id>)' % group)
        ref = {'arn': group}
    else:
        ref = {'name': validate_name(group, 'target_group', 'target group')}
    ids = validate_instance_ids(p.get('targets'), 'targets')
    if not ids:
        raise ValidationError('targets', 'give one or more instance ids (i-...)')
    port = p.get('port')
    if port is not None and not 1 <= port <= 65535:
        raise ValidationError('port', 'the port must be between 1 and 65535 (got %r)' % port)
    stack = p.get('stack')
    if stack is not None:
        validate_stack_name(stack, 'stack')
    # absent, and no such target group: nothing is registered in it (no error)
    return {'group': ref, 'ids': ids, 'port': port, 'stack': stack, 'required': p.get('state', 'present') == 'present'}


def describe(raw, health):
    """The module's view: the group (arn, name, vpc_id, port) and the targets asked about, with their health."""
    return {'target_group': {'arn': raw['TargetGroupArn'], 'name': raw['TargetGroupName'],
                             'vpc_id': raw.get('VpcId'), 'port': raw.get('Port')},
            'targets': sorted(health, key=lambda t: (t['id'], t['port'] or 0))}


def find(ctx, *, group, ids, stack=None, required=True):
    """{raw (the target group), health (the views of those of ``ids`` registered in it)}; the group's absence
    is an error naming target_group when ``required``, else None (nothing can be registered in it). With ``stack``, a
    group that is not the stack's is refused (NotOwned, naming both)."""
    raw = find_target_group(ctx.client, name=group.get('name'), arn=group.get('arn'))
    if raw is None and not required:
        return None
    if raw is None:
        raise ValidationError('target_group', 'no target group %s in this account/region; create it first (the '
                              'load_balancer module makes its target groups)' % (group.get('name') or group.get('arn')))
    if stack is not None:  # one DescribeTags
        tags = tags_of(ctx.client, [raw['TargetGroupArn']]).get(raw['TargetGroupArn'], {})
        check_owners(stack, [('target group', raw['TargetGroupName'], tags)])
    health = [health_view(d) for d in target_health(ctx.client, raw['TargetGroupArn'])]
    return {'raw': raw, 'health': [h for h in health if h['id'] in ids]}


def _to_register(desired, existing):
    """The ids of ``desired`` not registered yet (on its port) in the group of ``existing``."""
    return [i for i in desired['ids'] if i not in _registered(existing['health'], desired['port'])]


def _to_deregister(existing, port=None):
    """The ids (among those asked about) registered in the group of ``existing`` and not on their way out."""
    return sorted(_registered(existing['health'], port))


def _check_owned(ec2, ids, stack):
    """With a stack, every instance of ``ids`` carries Stack=<stack> (one DescribeInstances for all), else NotOwned naming
    the instance ids, before any change. No stack or no id: no call."""
    if stack is None or not ids:
        return
    found = [i for r in ec2.paginate('describe_instances', 'Reservations', Filters=[{'Name': 'instance-id', 'Values': list(ids)}])
             for i in r['Instances']]
    check_instance_owners(stack, found, ids)


def _check_vpc(ec2, raw_group, ids, stack=None, register=()):
    """The instances exist and are in the target group's VPC (a read, before any change); with a stack, those of
    ``register`` (to be registered) carry Stack=<stack>, from the same read."""
    try:
        instances = [i for r in ec2.describe_instances(InstanceIds=list(ids))['Reservations'] for i in r['Instances']]
    except Exception as exc:  # pylint: disable=broad-except
        if error_code(exc) in ('InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed'):
            raise ValidationError('targets', 'an instance does not exist in this account/region (%s)' % exc)
        raise
    check_instance_owners(stack, instances, list(register))
    vpc = raw_group.get('VpcId')
    outside = sorted('%s (in %s)' % (i['InstanceId'], i.get('VpcId')) for i in instances if i.get('VpcId') != vpc)
    if outside:
        raise ValidationError('targets', 'instances outside the target group\'s VPC %s: %s; target group %s only takes instances '
                              'of its own VPC' % (vpc, ', '.join(outside), raw_group['TargetGroupName']))


def _targets(ids, port):
    return [dict({'Id': i}, **({'Port': port} if port else {})) for i in ids]


def _registered(health, port):
    """The ids registered (on ``port``, when given) and not on their way out."""
    return set(h['id'] for h in health if (port is None or h['port'] == port) and h['health'] != 'draining')


def ensure(ctx, *, desired, existing=None):
    """Register the instances of ``desired`` (ids, port) not yet registered in the group of ``existing``
    (what :func:`find` returned), then (``ctx.wait``) wait until every one is healthy."""
    if existing is None:
        raise ValidationError('target_group', 'the target group must exist')
    raw, health = existing['raw'], existing['health']
    arn = raw['TargetGroupArn']
    missing = _to_register(desired, existing)
    _check_vpc(ctx.aws('ec2'), raw, desired['ids'], stack=desired['stack'], register=missing)
    before = describe(raw, health)
    after = describe(raw, [h for h in health if h['id'] not in missing] +
                     [{'id': i, 'port': desired['port'] or raw.get('Port'), 'health': 'initial', 'reason': None,
                       'description': None} for i in missing])
    if missing:
        ctx.call('register_targets', TargetGroupArn=arn, Targets=_targets(missing, desired['port']))
    if ctx.wait:
        seen = ctx.live(wait_targets, ctx.client, arn, desired['ids'], True, ctx.wait_timeout)
        if seen:
            after = describe(raw, list(seen.values()))
    return Change.of(bool(missing), before, after, arn)


def delete(ctx, *, existing, desired=None):
    """Deregister those of ``desired['ids']`` registered in the group of ``existing`` (on ``desired['port']``, when
    given), then (``ctx.wait``) wait until their draining is over (state ``unused``, or gone). With a stack, every one of
    them must be the stack's (one EC2 read), before the change."""
    raw, health = existing['raw'], existing['health']
    arn = raw['TargetGroupArn']
    ids, port = desired['ids'], desired.get('port')
    present = _to_deregister(existing, port)
    _check_owned(ctx.aws('ec2'), present, desired.get('stack'))
    before = describe(raw, health)
    after = describe(raw, [dict(h, health='draining') if h['id'] in present else h for h in health])
    if present:
        ctx.call('deregister_targets', TargetGroupArn=arn, Targets=_targets(present, port))
    waiting = [h['id'] for h in health if h['id'] in ids]
    if ctx.wait and waiting:
        seen = ctx.live(wait_targets, ctx.client, arn, waiting, False, ctx.wait_timeout)
        if seen is not None:
            after = describe(raw, list(seen.values()))
    return Change('delete' if present else 'none', before, after, arn)
