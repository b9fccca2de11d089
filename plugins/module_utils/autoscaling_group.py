# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An EC2 Auto Scaling group, found by its name: its sizes, subnets, launch template, target groups, health check and
tags; its instances waited for, and refreshed when they run another launch template version than the group's. Used by
autoscaling_group.

The resource protocol (docs/architecture.md, runner.py). ``existing`` is the group as DescribeAutoScalingGroups answers
it (its tags and instances included). What the options change is sent in one UpdateAutoScalingGroup (an option left out
is left as it is), target groups by Attach/DetachLoadBalancerTargetGroups, tags by CreateOrUpdateTags/DeleteTags.
Changing the group's launch template (or the version ``$Latest``/``$Default`` stands for) replaces no instance: the
instances it launched before keep theirs, and an instance refresh is how AWS rolls the new one out
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-instance-refresh.html). With ``instance_refresh``, when an
instance was launched from another template or version than the one the group resolves to now, a refresh
(StartInstanceRefresh, Rolling, skip matching: "only replaces the instances that don't match your last saved
configuration", userguide/asg-instance-refresh-skip-matching.html) is started after the group is updated.

Botocore has no waiter for Auto Scaling: the waits here (instances InService, a refresh, instances gone, the group gone)
are the waiter layer's ``wait_for``; the target groups' health is elbv2.wait_targets, the target module's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import not_found, refuse_other_stack
from ansible_collections.seed.laravel_aws.plugins.module_utils.elbv2 import TARGET_GROUP_ARN_RE, tags_of, wait_targets
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, check_owner, validate_owner
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import dict_to_boto3_tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import WaitTimeout, monotonic, retry_in_use, wait_for

NAME = 'autoscaling_group'
KEY = ('name', 'stack')
SIZES = (('min_size', 'MinSize'), ('max_size', 'MaxSize'), ('desired_capacity', 'DesiredCapacity'))
HEALTH = (('health_check_type', 'HealthCheckType'), ('health_check_grace_period', 'HealthCheckGracePeriod'))
PREFERENCES = (('min_healthy_percentage', 'MinHealthyPercentage'), ('max_healthy_percentage', 'MaxHealthyPercentage'),
               ('instance_warmup', 'InstanceWarmup'), ('skip_matching', 'SkipMatching'))
# "The maximum number of tags that you can add or remove using a single call is 25" (userguide/ec2-auto-scaling-tagging)
TAGS_PER_CALL = 25
# A refresh AWS is still working on (a second is refused, InstanceRefreshInProgress), and those that end it without
# having replaced the instances (API_InstanceRefresh, Status)
REFRESH_RUNNING = ('Pending', 'InProgress', 'Baking', 'Cancelling', 'RollbackInProgress')
REFRESH_FAILED = ('Failed', 'Cancelling', 'Cancelled', 'RollbackInProgress', 'RollbackSuccessful', 'RollbackFailed')
# DeleteAutoScalingGroup while instances or scaling activities remain (API_DeleteAutoScalingGroup, Errors)
IN_USE = ('ResourceInUse', 'ScalingActivityInProgress')
LT_NOT_FOUND = ('InvalidLaunchTemplateName.NotFoundException', 'InvalidLaunchTemplateId.NotFound',
                'InvalidLaunchTemplateId.Malformed')
SUBNET_RE = re.compile(r'^subnet-[0-9a-f]{8,17}$')


def _rule(operation, parameter, value, field, what=None, params=None):
    aws_rules.refuse_by_rules('autoscaling', operation, parameter, value, field, what, params)


def _refuse(err):
    raise err


def _missing(ctx, field, text):
    """What the group names does not exist: refused; in check mode a warning (an earlier task of the run would make it)."""
    ctx.live(_refuse, ValidationError(field, text))
    ctx.warn('%s (yet): the group is planned with it' % text)


def _check_sizes(operation, sizes, kept=()):
    """min_size <= desired_capacity <= max_size among the ``sizes`` known (``kept``: those that are the group's)."""
    params = {'MinSize': sizes['min_size'], 'MaxSize': sizes['max_size']}
    what = ', '.join('%s %s%s' % (option, sizes[option], " (the group's)" if option in kept else '')
                     for option, dummy in SIZES if sizes[option] is not None)
    _rule(operation, 'MaxSize', sizes['max_size'], 'max_size', what, params)
    _rule(operation, 'DesiredCapacity', sizes['desired_capacity'], 'desired_capacity', what, params)


def _template_option(lt):
    if lt is None:
        return None
    name, tid, version = lt.get('name'), lt.get('id'), u'%s' % (lt.get('version') or '$Default')
    if bool(name) == bool(tid):
        raise ValidationError('launch_template', "give the template's name or its id (one of the two)")
    aws_rules.refuse_by_rules('ec2', 'CreateLaunchTemplate', 'LaunchTemplateName', name, 'launch_template.name')
    if tid and not re.match(r'^lt-[0-9a-f]{17}$', tid):
        raise ValidationError('launch_template.id', '%r is not a launch template id (lt- and 17 hex digits)' % tid)
    if version not in ('$Latest', '$Default') and not (version.isdigit() and int(version) >= 1):
        raise ValidationError('launch_template.version', '$Latest, $Default or a version number (1 or more)')
    return {'name': name, 'id': tid, 'version': version}


def validate(p):
    """The desired group from the options, AWS's rules checked before any call."""
    _rule('CreateAutoScalingGroup', 'AutoScalingGroupName', p['name'], 'name')
    stack, tags = validate_owner(p, added=())
    sizes = dict((option, p.get(option)) for option, dummy in SIZES)
    for option, value in sizes.items():
        if value is not None and value < 0:
            raise ValidationError(option, 'a number of instances, 0 or more')
    _check_sizes('CreateAutoScalingGroup', sizes)
    _rule('CreateAutoScalingGroup', 'HealthCheckGracePeriod', p.get('health_check_grace_period'), 'health_check_grace_period')
    subnets = p.get('subnets')
    if subnets == []:
        raise ValidationError('subnets', "give one subnet id or more; leave subnets out to keep the group's")
    for subnet in subnets or []:
        if not SUBNET_RE.match(subnet):
            raise ValidationError('subnets', '%r is not a subnet id (subnet- and 8 or 17 hex digits)' % subnet)
    for arn in p.get('target_group_arns') or []:
        if not TARGET_GROUP_ARN_RE.match(arn):
            raise ValidationError('target_group_arns', '%r is not a target group ARN (arn:aws:elasticloadbalancing:<region>:'
                                  '<account>:targetgroup/<name>/<id>)' % arn)
    refresh = p.get('instance_refresh')
    prefs = None
    if refresh is not None:
        prefs = dict((key, refresh[option]) for option, key in PREFERENCES if refresh.get(option) is not None)
        for option, key in PREFERENCES:
            _rule('StartInstanceRefresh', 'Preferences.' + key, prefs.get(key), 'instance_refresh.' + option)
        _rule('StartInstanceRefresh', 'Preferences', prefs, 'instance_refresh', 'the refresh preferences')
    out = dict(name=p['name'], stack=stack, tags=tags, propagate_at_launch=p.get('propagate_at_launch'),
               launch_template=_template_option(p.get('launch_template')), template=None,
               subnets=sorted(set(subnets)) if subnets is not None else None,
               target_group_arns=sorted(set(p['target_group_arns'])) if p.get('target_group_arns') is not None else None,
               health_check_type=p.get('health_check_type'), health_check_grace_period=p.get('health_check_grace_period'),
               instance_refresh=prefs, force_delete=bool(p.get('force_delete')))
    out.update(sizes)
    return out


def _template(ctx, stack, name=None, tid=None, version=None):
    """The launch template (DescribeLaunchTemplates' entry) of that name or id, checked: it exists (in check mode a
    missing one is a warning: an earlier task of the same run would make it), it is of no other stack, a version number
    is one it has."""
    ec2 = ctx.aws('ec2')
    try:
        found = ec2.describe_launch_templates(**({'LaunchTemplateIds': [tid]} if tid else {'LaunchTemplateNames': [name]}))
    except Exception as exc:  # pylint: disable=broad-except
        if not not_found(exc, *LT_NOT_FOUND):
            raise
        return _missing(ctx, 'launch_template', 'no launch template %s in this account/region' % (tid or name))
    raw = found['LaunchTemplates'][0]
    refuse_other_stack(stack, raw, 'launch template', raw['LaunchTemplateName'], 'launch_template')
    if version and version.isdigit() and int(version) > raw['LatestVersionNumber']:
        raise ValidationError('launch_template.version', 'launch template %s has versions 1 to %d: version %s does not exist'
                              % (raw['LaunchTemplateName'], raw['LatestVersionNumber'], version))
    return raw


def _check_subnets(ctx, d):
    try:
        found = ctx.aws('ec2').describe_subnets(SubnetIds=d['subnets'])['Subnets']
    except Exception as exc:  # pylint: disable=broad-except
        if not not_found(exc, 'InvalidSubnetID.NotFound'):
            raise
        return _missing(ctx, 'subnets', 'a subnet does not exist in this account/region (%s)' % exc)
    for subnet in found:
        refuse_other_stack(d['stack'], subnet, 'subnet', subnet['SubnetId'], 'subnets')
    vpcs = sorted(set(s['VpcId'] for s in found))
    if len(vpcs) > 1:
        raise ValidationError('subnets', 'the subnets are in %d VPCs (%s); the subnets of an Auto Scaling group are all in one '
                              'VPC: give subnets of one VPC only' % (len(vpcs), ', '.join(vpcs)))


def _check_target_groups(ctx, d):
    elb = ctx.aws('elbv2')
    try:
        elb.describe_target_groups(TargetGroupArns=d['target_group_arns'])
    except Exception as exc:  # pylint: disable=broad-except
        if not not_found(exc, 'TargetGroupNotFound'):
            raise
        return _missing(ctx, 'target_group_arns', 'a target group does not exist (%s)' % exc)
    if d['stack']:
        for arn, tags in sorted(tags_of(elb, d['target_group_arns']).items()):
            refuse_other_stack(d['stack'], {'Tags': dict_to_boto3_tags(tags)}, 'target group', arn, 'target_group_arns')


def resolve(ctx, *, desired):
    """What the group names checked, reads only: its launch template (name to id, the version there), its subnets (they
    exist, in one VPC), its target groups (they exist); none of them another stack's."""
    d = dict(desired)
    lt = d['launch_template']
    if lt:
        d['template'] = _template(ctx, d['stack'], lt['name'], lt['id'], lt['version'])
    if d['subnets']:
        _check_subnets(ctx, d)
    if d['target_group_arns']:
        _check_target_groups(ctx, d)
    return d


def _read(ctx, name):
    groups = ctx.client.describe_auto_scaling_groups(AutoScalingGroupNames=[name])['AutoScalingGroups']
    return groups[0] if groups else None


def _tags(raw):
    return dict((t['Key'], t.get('Value', '')) for t in raw.get('Tags') or [])


def find(ctx, *, name, stack=None):
    """The group named ``name``, or None; another stack's (or, with ``stack``, an untagged one) refused before any change."""
    raw = _read(ctx, name)
    if raw is not None:
        check_owner(stack, _tags(raw), 'Auto Scaling group', name)
    return raw


def describe(raw, refresh=None):
    """The snake_case view: sizes, launch template, subnets, target groups, health check, tags, instances (and the
    instance refresh this run started or waited for)."""
    lt = raw.get('LaunchTemplate') or {}
    view = {
        'name': raw['AutoScalingGroupName'], 'arn': raw.get('AutoScalingGroupARN'), 'status': raw.get('Status'),
        'min_size': raw.get('MinSize'), 'max_size': raw.get('MaxSize'), 'desired_capacity': raw.get('DesiredCapacity'),
        'launch_template': {'id': lt.get('LaunchTemplateId'), 'name': lt.get('LaunchTemplateName'), 'version': lt.get('Version')},
        'subnets': sorted(s for s in (raw.get('VPCZoneIdentifier') or '').split(',') if s),
        'target_group_arns': sorted(raw.get('TargetGroupARNs') or []),
        'health_check_type': raw.get('HealthCheckType'), 'health_check_grace_period': raw.get('HealthCheckGracePeriod'),
        'tags': _tags(raw), 'propagate_at_launch': sorted(t['Key'] for t in raw.get('Tags') or [] if t.get('PropagateAtLaunch')),
        'instances': sorted(({'id': i['InstanceId'], 'lifecycle_state': i.get('LifecycleState'), 'health_status': i.get('HealthStatus'),
                              'availability_zone': i.get('AvailabilityZone'),
                              'launch_template_version': (i.get('LaunchTemplate') or {}).get('Version')}
                             for i in raw.get('Instances') or []), key=lambda i: i['id']),
    }
    if refresh is not None:
        view['instance_refresh'] = {'id': refresh.get('InstanceRefreshId'), 'status': refresh.get('Status'),
                                    'status_reason': refresh.get('StatusReason')}
    return view


def _spec(d, template, view=False):
    """The LaunchTemplate parameter: by id when the template is known, else by name (check mode, a template still to be
    made); ``view``: with both, as AWS answers it."""
    lt, template = d['launch_template'], template or {}
    tid, name = template.get('LaunchTemplateId'), lt['name'] or template.get('LaunchTemplateName')
    if view:
        return {'LaunchTemplateId': tid, 'LaunchTemplateName': name, 'Version': lt['version']}
    return dict({'LaunchTemplateId': tid} if tid else {'LaunchTemplateName': name}, Version=lt['version'])


def _number(template, version):
    """The version number ``version`` ($Latest, $Default or a number) of ``template`` is (None: not known)."""
    if template is None:
        return None
    return {'$Latest': template['LatestVersionNumber'], '$Default': template['DefaultVersionNumber']}.get(version, version)


def _stale(raw, tid, number):
    """The instances not launched from version ``number`` of template ``tid`` (and not on their way out)."""
    return [i['InstanceId'] for i in raw.get('Instances') or [] if not i.get('LifecycleState', '').startswith('Terminat')
            and ((i.get('LaunchTemplate') or {}).get('LaunchTemplateId'), (i.get('LaunchTemplate') or {}).get('Version'))
            != (tid, str(number))]


def _tag_list(name, tags):
    """CreateOrUpdateTags' tags of ``tags`` ({key: (value, propagate)}), Stack first."""
    return [{'ResourceId': name, 'ResourceType': 'auto-scaling-group', 'Key': k, 'Value': v, 'PropagateAtLaunch': prop}
            for k, (v, prop) in sorted(tags.items(), key=lambda kv: (kv[0] != STACK_TAG, kv[0]))]


def _tag_changes(ctx, d, raw):
    """({key: (value, propagate)} to put, [keys] to delete, the tags after): the tags given (with Stack), or with ``tags``
    left out the group's (with Stack), each with ``propagate_at_launch`` (left out: a tag keeps its own, a new one
    propagates)."""
    current = dict((t['Key'], (t.get('Value', ''), bool(t.get('PropagateAtLaunch')))) for t in raw.get('Tags') or [])
    managed = dict(d['tags'] if d['tags'] is not None else ((k, v) for k, (v, dummy) in current.items()))
    if d['stack']:
        managed[STACK_TAG] = d['stack']
    flag = d['propagate_at_launch']
    wanted = dict((k, (v, flag if flag is not None else current.get(k, (v, True))[1])) for k, v in managed.items())
    gone = sorted(k for k in current if ctx.purge_tags and d['tags'] is not None and k not in wanted and not k.startswith('aws:'))
    after = dict((k, v) for k, v in current.items() if k not in gone)
    after.update(wanted)
    return dict((k, v) for k, v in wanted.items() if current.get(k) != v), gone, after


def _put_tags(ctx, name, put, gone):
    for start in range(0, len(gone), TAGS_PER_CALL):
        ctx.call('delete_tags', Tags=[{'ResourceId': name, 'ResourceType': 'auto-scaling-group', 'Key': k}
                                      for k in gone[start:start + TAGS_PER_CALL]])
    listed = _tag_list(name, put)
    for start in range(0, len(listed), TAGS_PER_CALL):
        ctx.call('create_or_update_tags', Tags=listed[start:start + TAGS_PER_CALL])


def _ready(raw):
    """The group's instances InService and healthy."""
    return [i for i in raw['Instances'] if i['LifecycleState'] == 'InService' and i['HealthStatus'].lower() == 'healthy']


def _not_ready(raw):
    if raw is None:
        return 'the group is gone'
    ready = _ready(raw)
    late = ['%s (%s, %s)' % (i['InstanceId'], i['LifecycleState'], i['HealthStatus']) for i in raw['Instances'] if i not in ready]
    missing = raw['DesiredCapacity'] - len(raw['Instances'])
    return '%d of %d instances InService and healthy%s%s' % (
        len(ready), raw['DesiredCapacity'], '; not ready: %s' % ', '.join(late) if late else '',
        '; %d not launched yet' % missing if missing > 0 else '')


def _wait_in_service(ctx, name, deadline):
    """The group once it has its desired capacity of instances, each InService and healthy, and no other (a wait of
    the waiter layer: botocore has no waiter for Auto Scaling); a timeout names the instances not ready."""
    what = 'the instances of Auto Scaling group %s to be InService and healthy' % name

    def ready(raw):
        return raw is not None and len(_ready(raw)) == len(raw['Instances']) == raw['DesiredCapacity']
    try:
        return wait_for(lambda: _read(ctx, name), ready, what, timeout=max(1, deadline - monotonic()), delay=5, max_delay=15,
                        failed=lambda raw: 'the group is gone' if raw is None else None)
    except WaitTimeout as exc:
        raise WaitTimeout(what, exc.timeout, _not_ready(exc.last))


def _wait_refresh(ctx, name, rid, deadline):
    """The instance refresh ``rid`` once Successful; one that fails or is cancelled stops the wait naming its status and
    AWS's reason (a wait of the waiter layer: botocore has no waiter for instance refreshes)."""
    def fetch():
        return ctx.client.describe_instance_refreshes(AutoScalingGroupName=name, InstanceRefreshIds=[rid])['InstanceRefreshes'][0]

    def failed(refresh):
        if refresh['Status'] in REFRESH_FAILED:
            return 'it is %s: %s' % (refresh['Status'], refresh.get('StatusReason') or 'AWS gave no reason')
        return None
    return wait_for(fetch, lambda refresh: refresh['Status'] == 'Successful', 'instance refresh %s of Auto Scaling group %s' % (rid, name),
                    timeout=max(1, deadline - monotonic()), delay=10, max_delay=30, failed=failed)


def _settle(ctx, name, rid):
    """(group, refresh): after the refresh ``rid`` (if any), the group's instances InService and healthy, then healthy in
    each of its target groups (elbv2.wait_targets: a timeout names each target not healthy), within wait_timeout."""
    deadline = monotonic() + ctx.wait_timeout
    refresh = _wait_refresh(ctx, name, rid, deadline) if rid else None
    raw = _wait_in_service(ctx, name, deadline)
    ids = [i['InstanceId'] for i in raw['Instances']]
    for arn in raw.get('TargetGroupARNs') or []:
        if ids:
            wait_targets(ctx.aws('elbv2'), arn, ids, True, max(1, deadline - monotonic()))
    return raw, refresh


def _refresh(ctx, name, prefs):
    """The refresh that brings the instances to the group's version: one AWS is still working on (it refuses a second,
    InstanceRefreshInProgress), else a new one (Rolling, skip matching unless turned off); (InstanceRefresh, started)."""
    running = [r for r in ctx.client.describe_instance_refreshes(AutoScalingGroupName=name)['InstanceRefreshes']
               if r['Status'] in REFRESH_RUNNING]
    if running:
        return running[0], False
    answer = ctx.call('start_instance_refresh', AutoScalingGroupName=name, Strategy='Rolling', Preferences=prefs)
    return {'InstanceRefreshId': (answer or {}).get('InstanceRefreshId'), 'Status': 'Pending'}, True


def _create(ctx, d):
    for option in ('launch_template', 'min_size', 'max_size', 'subnets'):
        if d[option] is None:
            raise ValidationError(option, 'a new Auto Scaling group needs %s' % option)
    name = d['name']
    tags = dict((k, (v, d['propagate_at_launch'] is not False))
                for k, v in dict(d['tags'] or {}, **({STACK_TAG: d['stack']} if d['stack'] else {})).items())
    raw = {'AutoScalingGroupName': name, 'MinSize': d['min_size'], 'MaxSize': d['max_size'],
           'DesiredCapacity': d['desired_capacity'] if d['desired_capacity'] is not None else d['min_size'],
           'LaunchTemplate': _spec(d, d['template'], view=True), 'VPCZoneIdentifier': ','.join(d['subnets']),
           'TargetGroupARNs': d['target_group_arns'] or [], 'HealthCheckType': d['health_check_type'] or 'EC2',
           'HealthCheckGracePeriod': d['health_check_grace_period'] or 0, 'Tags': _tag_list(name, tags), 'Instances': []}
    kwargs = dict((k, raw[k]) for k in ('AutoScalingGroupName', 'MinSize', 'MaxSize', 'DesiredCapacity', 'VPCZoneIdentifier'))
    kwargs['LaunchTemplate'] = _spec(d, d['template'])
    for option, key in HEALTH + (('target_group_arns', 'TargetGroupARNs'),):
        if d[option]:
            kwargs[key] = d[option]
    if raw['Tags']:
        kwargs['Tags'] = raw['Tags'][:TAGS_PER_CALL]

    def make():
        ctx.call('create_auto_scaling_group', **kwargs)
        _put_tags(ctx, name, dict((t['Key'], (t['Value'], t['PropagateAtLaunch'])) for t in raw['Tags'][TAGS_PER_CALL:]), [])
        made = _settle(ctx, name, None)[0] if ctx.wait else _read(ctx, name)
        return name, describe(made or raw)
    return ctx.create('autoscaling_group', name, make, describe(raw))


def _update(d, raw, template):
    """UpdateAutoScalingGroup's parameters for what the options change (an option left out: left as it is)."""
    update = dict((key, d[option]) for option, key in SIZES + HEALTH if d[option] is not None and d[option] != raw.get(key))
    if d['subnets'] is not None and d['subnets'] != describe(raw)['subnets']:
        update['VPCZoneIdentifier'] = ','.join(d['subnets'])
    now = raw.get('LaunchTemplate') or {}
    if d['launch_template']:
        spec = _spec(d, template, view=True)
        same = spec['LaunchTemplateId'] == now.get('LaunchTemplateId') if spec['LaunchTemplateId'] else \
            spec['LaunchTemplateName'] == now.get('LaunchTemplateName')
        if not same or spec['Version'] != now.get('Version'):
            update['LaunchTemplate'] = _spec(d, template)
    return update


def ensure(ctx, *, desired, existing=None):
    """Create the group; or send what the options change, then (``instance_refresh``) refresh the instances that run
    another launch template version than the group's, then (``wait``) wait for the instances."""
    d, raw = desired, existing
    if raw is None:
        return _create(ctx, d)
    name, template = d['name'], d['template']
    if raw.get('Status'):
        raise ValidationError('name', 'Auto Scaling group %s is being deleted (%s); wait until it is gone (state: absent waits '
                              'for it), then create it again' % (name, raw['Status']))
    _check_sizes('UpdateAutoScalingGroup', dict((option, raw[key] if d[option] is None else d[option]) for option, key in SIZES),
                 [option for option, dummy in SIZES if d[option] is None])
    update = _update(d, raw, template)
    arns, wanted = set(raw.get('TargetGroupARNs') or []), d['target_group_arns']
    attach, detach = (sorted(set(wanted) - arns), sorted(arns - set(wanted))) if wanted is not None else ([], [])
    put, gone, tags = _tag_changes(ctx, d, raw)
    after = dict(raw, TargetGroupARNs=sorted(arns.union(attach) - set(detach)), Tags=_tag_list(name, tags), **update)
    if 'LaunchTemplate' in update:
        after['LaunchTemplate'] = _spec(d, template, view=True)
    stale = []
    if d['instance_refresh'] is not None:
        lt = after.get('LaunchTemplate') or {}
        if not d['launch_template'] and lt.get('LaunchTemplateId'):
            template = _template(ctx, None, tid=lt['LaunchTemplateId'])
        stale = _stale(raw, (template or {}).get('LaunchTemplateId'), _number(template, lt.get('Version')))
    if update:
        ctx.call('update_auto_scaling_group', AutoScalingGroupName=name, **update)
    if detach:
        ctx.call('detach_load_balancer_target_groups', AutoScalingGroupName=name, TargetGroupARNs=detach)
    if attach:
        ctx.call('attach_load_balancer_target_groups', AutoScalingGroupName=name, TargetGroupARNs=attach)
    _put_tags(ctx, name, put, gone)
    refresh, started = _refresh(ctx, name, d['instance_refresh']) if stale else (None, False)
    if ctx.wait:
        after, refresh = ctx.live(_settle, ctx, name, refresh and refresh['InstanceRefreshId']) or (after, refresh)
    return Change.of(bool(update or attach or detach or put or gone or started), describe(raw), describe(after, refresh), name)


def _instances(ctx, name):
    raw = _read(ctx, name)
    return ['instance %s (%s)' % (i['InstanceId'], i['LifecycleState']) for i in (raw or {}).get('Instances') or []]


def _wait_gone(ctx, name, instances_only):
    """Until the group has no instance left (``instances_only``), or is gone (a wait of the waiter layer: botocore has no
    waiter for Auto Scaling); a timeout names what is left."""
    what = ('the instances of Auto Scaling group %s to be terminated' if instances_only else 'Auto Scaling group %s to be deleted') % name

    def ready(raw):
        return raw is None or (instances_only and not raw['Instances'])
    try:
        return wait_for(lambda: _read(ctx, name), ready, what, timeout=ctx.wait_timeout, delay=5, max_delay=15)
    except WaitTimeout as exc:
        raise WaitTimeout(what, exc.timeout, '; '.join(_instances(ctx, name)) or 'the group, %s' % (exc.last or {}).get('Status'))


def delete(ctx, *, existing, desired=None):
    """Delete the group. With ``force_delete``, at once with its instances (ForceDelete); else as
    API_DeleteAutoScalingGroup says: "To terminate all instances before deleting the Auto Scaling group, call the
    UpdateAutoScalingGroup API and set the minimum size and desired capacity of the Auto Scaling group to zero": its sizes
    set to 0, its instances waited out (always: AWS refuses the delete while they remain), then DeleteAutoScalingGroup
    (again while AWS answers ResourceInUse or ScalingActivityInProgress), and with ``wait`` until the group is gone."""
    name, before = existing['AutoScalingGroupName'], describe(existing)
    force = bool((desired or {}).get('force_delete'))
    if not existing.get('Status'):  # being deleted already (a run with wait: false): waited for below, no second delete
        if not force and (existing['MinSize'] or existing['MaxSize'] or existing['DesiredCapacity']):
            ctx.call('update_auto_scaling_group', AutoScalingGroupName=name, MinSize=0, MaxSize=0, DesiredCapacity=0)
        if not force:
            ctx.live(_wait_gone, ctx, name, True)
        retry_in_use(lambda: ctx.call('delete_auto_scaling_group', AutoScalingGroupName=name, **({'ForceDelete': True} if force else {})),
                     IN_USE, 'Auto Scaling group %s' % name, lambda: _instances(ctx, name), timeout=ctx.wait_timeout)
    if ctx.wait:
        ctx.live(_wait_gone, ctx, name, False)
    return Change('none' if existing.get('Status') else 'delete', before, None, name)
