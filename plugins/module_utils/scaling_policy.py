# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A target tracking scaling policy of an EC2 Auto Scaling group, found by the group's name and its own. Used by
scaling_policy.

The resource protocol (docs/architecture.md, runner.py). A policy carries no tags: whose it is is its group's, which must
be tagged Stack=<stack> (autoscaling_group.find's check), for a change and a delete alike. The group is read once per
run (``ctx.known('group')``), the policy with DescribePolicies. PutScalingPolicy creates the policy or replaces its whole
configuration, so an update sends the policy's own values for the options left out. AWS makes and deletes the policy's
CloudWatch alarms itself ("Deleting a target tracking scaling policy also deletes any associated CloudWatch alarms",
userguide/deleting-scaling-policy.html), and DeleteAutoScalingGroup deletes a group's policies with it.

ALBRequestCountPerTarget counts the requests of one target group, named by its ResourceLabel (the final portions of the
load balancer's ARN and of the target group's, API_PredefinedMetricSpecification), and "You can't specify a resource
label unless the target group is attached to the Auto Scaling group": resolve checks it against the group's
TargetGroupARNs, reads only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules
from ansible_collections.seed.laravel_aws.plugins.module_utils.autoscaling_group import find as find_group
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.elbv2 import TARGET_GROUP_ARN_RE
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import validate_stack_name

NAME = 'scaling_policy'
KEY = ('autoscaling_group', 'name', 'stack')
TYPE = 'TargetTrackingScaling'
ALB_METRIC = 'ALBRequestCountPerTarget'
SPEC = 'TargetTrackingConfiguration.PredefinedMetricSpecification'
LABEL_PAGE = aws_rules.AS_API % 'PredefinedMetricSpecification'
# An Application Load Balancer's ARN, its final portion (app/<name>/<id>) the first half of a ResourceLabel
ALB_ARN_RE = re.compile(r'^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer/(app/[^/]+/[0-9a-f]+)$')


def _rule(parameter, value, field, what=None):
    aws_rules.refuse_by_rules('autoscaling', 'PutScalingPolicy', parameter, value, field, what)


def _label(p):
    """(the ResourceLabel the options give, the option it is named by): resource_label as given, or made of the final
    portions of load_balancer_arn and target_group_arn; (None, None) without them."""
    label, lb, tg = p.get('resource_label'), p.get('load_balancer_arn'), p.get('target_group_arn')
    if label is not None and (lb or tg):
        raise ValidationError('resource_label', 'give resource_label, or load_balancer_arn and target_group_arn to make it from: '
                              'one of the two')
    if label is not None:
        _rule(SPEC + '.ResourceLabel', label, 'resource_label')
        return label, 'resource_label'
    if not (lb or tg):
        return None, None
    if not (lb and tg):
        missing = 'target_group_arn' if lb else 'load_balancer_arn'
        raise ValidationError(missing, 'the ResourceLabel is made of the load balancer ARN and the target group ARN: give %s too' % missing)
    alb = ALB_ARN_RE.match(lb)
    if not alb:
        raise ValidationError('load_balancer_arn', '%r is not an Application Load Balancer ARN (arn:aws:elasticloadbalancing:<region>:'
                              '<account>:loadbalancer/app/<name>/<id>): ALBRequestCountPerTarget counts an ALB\'s requests' % lb)
    if not TARGET_GROUP_ARN_RE.match(tg):
        raise ValidationError('target_group_arn', '%r is not a target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:'
                              'targetgroup/<name>/<id>)' % tg)
    label = '%s/%s' % (alb.group(1), tg.split(':', 5)[5])
    _rule(SPEC + '.ResourceLabel', label, 'target_group_arn', 'the ResourceLabel made of the two ARNs')
    return label, 'target_group_arn'


def _spec(metric, label, field):
    """PredefinedMetricSpecification of ``metric`` and ``label``, refused unless the label goes with the metric."""
    spec = dict({'PredefinedMetricType': metric}, **({'ResourceLabel': label} if label else {}))
    if label:
        what = 'a target group is for metric %s only: leave %s out, or set metric: %s' % (ALB_METRIC, field, ALB_METRIC)
    else:
        field, what = 'metric', 'metric %s counts the requests of one target group: give load_balancer_arn and target_group_arn ' \
            '(or resource_label)' % ALB_METRIC
    _rule(SPEC, spec, field, what)
    return spec


def validate(p):
    """The desired policy from the options, AWS's rules checked before any call."""
    aws_rules.refuse_by_rules('autoscaling', 'CreateAutoScalingGroup', 'AutoScalingGroupName', p['autoscaling_group'],
                              'autoscaling_group', "the group's name")
    _rule('PolicyName', p['name'], 'name')
    if p.get('stack') is not None:
        validate_stack_name(p['stack'], 'stack')
    d = dict(autoscaling_group=p['autoscaling_group'], name=p['name'], stack=p.get('stack'), metric=p.get('metric'),
             target_value=p.get('target_value'), disable_scale_in=p.get('disable_scale_in'),
             estimated_instance_warmup=p.get('estimated_instance_warmup'))
    if p.get('state') == 'absent':
        return d
    d['label'], d['label_field'] = _label(p)
    _rule('EstimatedInstanceWarmup', d['estimated_instance_warmup'], 'estimated_instance_warmup')
    if d['metric']:
        _spec(d['metric'], d['label'], d['label_field'])
    return d


def _group(ctx, group, stack):
    """The Auto Scaling group (DescribeAutoScalingGroups, once a run), another stack's refused; None: there is none."""
    return ctx.known('group', lambda: find_group(ctx, name=group, stack=stack), keep=True)


def _refuse(err):
    raise err


def _missing(ctx, field, text):
    """Refused; in check mode a warning (an earlier task of the run would make the group, or attach the target group)."""
    ctx.live(_refuse, ValidationError(field, text))
    ctx.warn('%s (yet): the policy is planned as asked' % text)


def resolve(ctx, *, desired):
    """The group: it exists and is the stack's; with a ResourceLabel, its target group is attached to the group (reads only)."""
    d = desired
    group = _group(ctx, d['autoscaling_group'], d['stack'])
    target_group = d['label'] and d['label'].split('/', 3)[3]  # targetgroup/<name>/<id>, the end of its ARN
    if group is None:
        _missing(ctx, 'autoscaling_group', 'no Auto Scaling group %s in this account/region: make it first '
                 '(seed.laravel_aws.autoscaling_group)' % d['autoscaling_group'])
    elif target_group and not any(arn.endswith(':' + target_group) for arn in group.get('TargetGroupARNs') or []):
        _missing(ctx, d['label_field'], "target group %s is not attached to Auto Scaling group %s, and AWS's rule is: \"You can't "
                 "specify a resource label unless the target group is attached to the Auto Scaling group\" (%s): attach it first "
                 "(autoscaling_group's target_group_arns)" % (target_group, d['autoscaling_group'], LABEL_PAGE))
    return d


def find(ctx, *, autoscaling_group, name, stack=None):
    """The policy ``name`` of the group (DescribePolicies), or None (none, or no group); another stack's group refused."""
    if _group(ctx, autoscaling_group, stack) is None:
        return None
    found = ctx.client.describe_policies(AutoScalingGroupName=autoscaling_group, PolicyNames=[name])['ScalingPolicies']
    return next((p for p in found if p['PolicyName'] == name), None)


def describe(raw):
    """The snake_case view: its group, ARN, type, metric and target group, target value, scale-in, warmup, alarms."""
    config = raw.get('TargetTrackingConfiguration') or {}
    spec = config.get('PredefinedMetricSpecification') or {}
    return {'name': raw['PolicyName'], 'autoscaling_group': raw['AutoScalingGroupName'], 'arn': raw.get('PolicyARN'),
            'policy_type': raw.get('PolicyType'), 'metric': spec.get('PredefinedMetricType'), 'resource_label': spec.get('ResourceLabel'),
            'target_value': config.get('TargetValue'), 'disable_scale_in': bool(config.get('DisableScaleIn')),
            'estimated_instance_warmup': raw.get('EstimatedInstanceWarmup'), 'enabled': raw.get('Enabled', True) is not False,
            'alarms': sorted(a['AlarmName'] for a in raw.get('Alarms') or [])}


def _wanted(d, now):
    """The policy as it will be: the options given, the policy's own values (``now``) for those left out."""
    metric = d['metric'] or now.get('metric')
    keep = metric == now.get('metric')  # a label is kept with its metric only
    want = dict(now, name=d['name'], autoscaling_group=d['autoscaling_group'], policy_type=TYPE, metric=metric,
                resource_label=d['label'] if d['label'] is not None else (now.get('resource_label') if keep else None),
                target_value=float(d['target_value']) if d['target_value'] is not None else now.get('target_value'),
                disable_scale_in=bool(now.get('disable_scale_in') if d['disable_scale_in'] is None else d['disable_scale_in']),
                estimated_instance_warmup=d['estimated_instance_warmup'] if d['estimated_instance_warmup'] is not None
                else now.get('estimated_instance_warmup'))
    want.setdefault('enabled', True)
    for option in ('metric', 'target_value'):
        if want[option] is None:
            raise ValidationError(option, 'give %s: %s' % (option, 'a new scaling policy needs it' if not now else
                                                           'policy %s tracks a metric of its own, not a predefined one' % d['name']))
    return want


def ensure(ctx, *, desired, existing=None):
    """Create the policy, or put it again when the options change it (PutScalingPolicy replaces its configuration)."""
    d, raw = desired, existing
    if raw is not None and raw.get('PolicyType') != TYPE:
        raise ValidationError('name', 'policy %s of Auto Scaling group %s is a %s policy, not a target tracking one: choose another '
                              'name, or delete it first (state: absent)' % (d['name'], d['autoscaling_group'], raw.get('PolicyType')))
    now = describe(raw) if raw is not None else {}
    want = _wanted(d, now)
    config = {'PredefinedMetricSpecification': _spec(want['metric'], want['resource_label'], d.get('label_field') or 'resource_label'),
              'TargetValue': want['target_value'], 'DisableScaleIn': want['disable_scale_in']}
    if raw is not None and want == now:
        return Change('none', now, now, now['arn'])
    kwargs = dict(AutoScalingGroupName=d['autoscaling_group'], PolicyName=d['name'], PolicyType=TYPE, TargetTrackingConfiguration=config)
    if want['estimated_instance_warmup'] is not None:
        kwargs['EstimatedInstanceWarmup'] = want['estimated_instance_warmup']
    if not want['enabled']:
        kwargs['Enabled'] = False  # PutScalingPolicy enables a policy unless told (API_PutScalingPolicy, Enabled)

    def put():
        answer = ctx.call('put_scaling_policy', **kwargs) or {}
        alarms = sorted(a['AlarmName'] for a in answer['Alarms']) if 'Alarms' in answer else want.get('alarms', [])
        after = dict(want, arn=answer.get('PolicyARN') or want.get('arn'), alarms=alarms)
        return after['arn'], after
    if raw is None:
        return ctx.create(NAME, d['name'], put, dict(want, arn=None, alarms=[]))
    return Change.of(True, now, put()[1], now['arn'])


def delete(ctx, *, existing, desired=None):
    """Delete the policy (AWS deletes its alarms with it)."""
    before = describe(existing)
    ctx.call('delete_policy', AutoScalingGroupName=before['autoscaling_group'], PolicyName=before['name'])
    return Change('delete', before, None, before['arn'])
