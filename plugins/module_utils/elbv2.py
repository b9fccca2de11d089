# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ELBv2 helpers shared by load_balancer and target: names, target groups, target health, tags.

Tags on ELBv2 resources go through ``add_tags``/``remove_tags`` (not EC2's ``create_tags``);
every call here goes through the context or the shared retrying client like any other.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import describe_one
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, NotOwned, owner_problem
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import (
    boto3_tags_to_dict, compare_tags, dict_to_boto3_tags, merged_tags,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import WaitTimeout, retry_not_found, wait_for

# ELBv2 is eventually consistent: a load balancer or target group just created may be answered LoadBalancerNotFound or
# TargetGroupNotFound for a moment, by a Describe* and by a call that names it. An ARN this run made is tried again for at
# most this many seconds; one the user gave, never.
NEW_ID_TIMEOUT = 60
LB_NOT_FOUND = 'LoadBalancerNotFound'
TG_NOT_FOUND = 'TargetGroupNotFound'


def fresh(ctx, codes, what, call):
    """``call()``, sent again while AWS answers one of the NotFound ``codes`` for what this run just made (bounded by
    NEW_ID_TIMEOUT, and by the context's wait_timeout); ``codes`` empty: sent once. ``call`` sends through ctx.call, which
    in check mode records the call and answers None (no NotFound): recorded once."""
    if not codes:
        return call()
    return retry_not_found(call, tuple(codes), what, timeout=min(NEW_ID_TIMEOUT, ctx.wait_timeout or NEW_ID_TIMEOUT))


NAME_MAX = 32
TARGET_GROUP_ARN_RE = re.compile(r'^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup/[^/]+/[0-9a-f]+$')
INSTANCE_RE = re.compile(r'^i-[0-9a-f]{8,17}$')
TAGS_PER_CALL = 20  # DescribeTags takes at most 20 ARNs
NAME_OPERATIONS = {'load balancer': 'CreateLoadBalancer', 'target group': 'CreateTargetGroup'}


def validate_name(value, field, what='load balancer'):
    """An ALB or target group name as AWS takes it (aws_rules' rows of CreateLoadBalancer/CreateTargetGroup Name: at most
    32 letters, digits and hyphens, not beginning or ending with a hyphen, a load balancer's not beginning with
    internal-); the ValidationError names ``field`` and AWS's rule."""
    if not isinstance(value, str):
        raise ValidationError(field, 'a %s name is required' % what)
    aws_rules.refuse_by_rules('elbv2', NAME_OPERATIONS[what], 'Name', value, field)
    return value


def validate_instance_ids(ids, field):
    out = []
    for i, value in enumerate(ids or []):
        if not isinstance(value, str) or not INSTANCE_RE.match(value):
            raise ValidationError(field, '%r (item %d) is not an instance id (i-...)' % (value, i))
        if value not in out:
            out.append(value)
    return out


def find_target_group(client, name=None, arn=None):
    """The raw target group of that name or ARN, or None."""
    if arn:
        return describe_one(client.describe_target_groups, 'TargetGroups', 'TargetGroupNotFound', TargetGroupArns=[arn])
    return describe_one(client.describe_target_groups, 'TargetGroups', 'TargetGroupNotFound', Names=[name])


def tags_of(client, arns):
    """{arn: tags} of ELBv2 resources (load balancers, target groups)."""
    out = {}
    arns = [a for a in arns if a]
    for start in range(0, len(arns), TAGS_PER_CALL):
        for d in client.describe_tags(ResourceArns=arns[start:start + TAGS_PER_CALL])['TagDescriptions']:
            out[d['ResourceArn']] = boto3_tags_to_dict(d.get('Tags'))
    return out


def check_owners(stack, found, field='stack'):
    """Refuse (:class:`stack.NotOwned`, naming each and its stack) unless every ELBv2 resource of ``found``
    ([(kind, name, tags)]) is tagged ``Stack=<stack>``; ``stack`` None: no check. Called before any change."""
    problems = [owner_problem(stack, tags, kind, name) for kind, name, tags in found]
    problems = [p for p in problems if p]
    if problems:
        raise NotOwned(field, ' '.join(problems))


def check_instance_owners(stack, instances, ids, field='targets'):
    """Refuse, naming the instance ids, unless every instance of ``ids`` is among ``instances`` (DescribeInstances'
    items) tagged ``Stack=<stack>``: a stack registers and deregisters only its own instances. ``stack`` None: no check."""
    if stack is None:
        return
    tags = dict((i['InstanceId'], dict((t['Key'], t.get('Value', '')) for t in i.get('Tags') or [])) for i in instances)
    foreign = []
    for i in sorted(set(ids)):
        if i not in tags:
            foreign.append('%s (not found: its %s tag cannot be checked)' % (i, STACK_TAG))
        elif tags[i].get(STACK_TAG) != stack:
            foreign.append('%s (%s)' % (i, 'stack %r' % tags[i][STACK_TAG] if STACK_TAG in tags[i] else 'no %s tag' % STACK_TAG))
    if foreign:
        raise NotOwned(field, 'instances not of stack %r: %s; refused, nothing was changed. A stack registers and deregisters only '
                       'its own instances (tagged %s=%s)' % (stack, ', '.join(foreign), STACK_TAG, stack))


def apply_elb_tags(ctx, arn, current, desired, purge=None):
    """Make the tags of the ELBv2 resource ``arn`` match (check mode only records); (changed, tags after)."""
    purge = ctx.purge_tags if purge is None else purge
    to_set, to_unset = compare_tags(current, desired, purge)
    if not to_set and not to_unset:
        return False, current or {}
    if to_unset:
        ctx.call('remove_tags', ResourceArns=[arn], TagKeys=to_unset)
    if to_set:
        ctx.call('add_tags', ResourceArns=[arn], Tags=dict_to_boto3_tags(to_set))
    return True, merged_tags(current, desired, purge)


def target_health(client, arn):
    """DescribeTargetHealth of a target group: its TargetHealthDescriptions."""
    return client.describe_target_health(TargetGroupArn=arn)['TargetHealthDescriptions']


def health_view(description):
    """{id, port, health, reason, description} of one TargetHealthDescription."""
    target, health = description.get('Target', {}), description.get('TargetHealth', {})
    return {'id': target.get('Id'), 'port': target.get('Port'), 'health': health.get('State'),
            'reason': health.get('Reason'), 'description': health.get('Description')}


def wait_targets(client, arn, ids, present, timeout, sleep=None, clock=None):
    """Wait until every target of ``ids`` is ``healthy`` (``present``) or drained: ``unused`` or gone.
    A timeout names each target still waited for, with its last state, reason and description."""
    ids = list(ids)

    def fetch():
        return dict((h['id'], h) for h in (health_view(d) for d in target_health(client, arn)) if h['id'] in ids)

    def ready(seen):
        if present:
            return all(seen.get(i, {}).get('health') == 'healthy' for i in ids)
        return all(i not in seen or seen[i]['health'] == 'unused' for i in ids)

    def failed(seen):
        if present:
            gone = [i for i in ids if i not in seen]
            if gone:
                return 'not registered any more: %s' % ', '.join(gone)
        return None

    extra = {}
    if sleep is not None:
        extra['sleep'] = sleep
    if clock is not None:
        extra['clock'] = clock
    what = 'targets %s of %s to be %s' % (', '.join(ids), arn, 'healthy' if present else 'drained (unused or gone)')
    try:
        # Polled every second: a target's state changes at a health check (every 5 s at the least) or when its draining
        # ends, and a deploy waits on it batch after batch, so a growing backoff adds seconds to every batch (with 2-10 s,
        # 3 s a wait). One call a second for one wait: deploy.yml waits once per batch (run_once).
        return wait_for(fetch, ready, what, timeout=timeout, delay=1, max_delay=1, failed=failed, **extra)
    except WaitTimeout as exc:
        last = exc.last or {}
        if present:
            waiting = [last.get(i, {'id': i, 'health': 'not registered'}) for i in ids if last.get(i, {}).get('health') != 'healthy']
        else:
            waiting = [last[i] for i in ids if i in last and last[i]['health'] != 'unused']
        raise WaitTimeout(what, timeout, '; '.join('%s is %s (reason: %s; description: %s)' % (
            t['id'], t.get('health'), t.get('reason') or '-', t.get('description') or '-') for t in waiting))
