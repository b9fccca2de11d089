# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An Application Load Balancer with its target groups and listeners: the resource protocol (docs/architecture.md,
runner.py), over a Context whose client is ELBv2's (EC2's and ACM's reads through ``ctx.aws``).

- :func:`validate` (no call): the desired load balancer; ``group_names`` (its target groups' names) are what
  :func:`find` looks for besides the load balancer, ``deletion_protection: false`` what lets :func:`delete` turn it off.
- :func:`find`: ``{raw, state}`` — the raw load balancer (None when there is none) and ``state``, everything the views
  need, read side by side (its attributes, tags and listeners; the named target groups and those attached, each
  ``{raw, attributes, tags, health}``) — or None when neither the load balancer nor a named target group exists. It
  refuses (with a stack) a load balancer or target group that is not the stack's, and another type of load balancer
  under the name, before anything is changed.
- :func:`ensure`: first the plan, reads only (no ``resolve``: which reads the plan needs depends on what exists: a rerun
  reads no subnet, target or certificate whose answer the load balancer already gives): subnets, groups, targets,
  certificates, and every refusal (scheme, VPC, a target group AWS cannot change, a listener without its
  certificate...); then the changes: target groups, the load balancer (waited for until active), listeners.
- :func:`delete`: listeners, the load balancer (waited for until gone), its target groups; every refusal of a removal
  (deletion protection, a group another load balancer uses) comes before the first delete.

Each part is recorded in ``ctx.plan``; the view (:func:`describe` for the load balancer) is the module's result
(``RESULT = None``: ``load_balancer``, ``listeners``, ``target_groups``); ``PLAN``: the result's ``changes`` are the
plan's records, of a create, an update or a delete alike.
Creates go through ``retries.create_or_find``: a lost answer is found again by name.

Omitted means unchanged: every option that has a state on AWS is None when left out; then an existing load
balancer, target group or listener keeps what it has, and a new one gets AWS's default (``*_DEFAULTS``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change, Pending, is_id, public, real_id
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import describe_one, group_ids_in_vpc, not_found
from ansible_collections.seed.laravel_aws.plugins.module_utils.elbv2 import (
    LB_NOT_FOUND, NEW_ID_TIMEOUT, TG_NOT_FOUND, apply_elb_tags, check_instance_owners, check_owners, find_target_group, fresh,
    health_view, tags_of, target_health, validate_instance_ids, validate_name,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find, error_code, gather
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import (
    NAME_TAG, ROLE_TAG, STACK_TAG, validate_owner, validate_stack_name,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import dict_to_boto3_tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import aws_wait, retry_in_use, retry_not_found, wait_for

NAME = 'load_balancer'
KEY = ('name', 'group_names', 'stack')
RESULT = None  # the result is the view: load_balancer, listeners, target_groups
EMPTY = {'load_balancer': {}, 'listeners': [], 'target_groups': []}
PLAN = True  # and changes: what the run did, part by part (ctx.plan)

DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06'
SUBNET_RE = re.compile(r'^subnet-[0-9a-f]{8,17}$')
CERT_ARN_RE = re.compile(r'^arn:aws[a-z-]*:(acm|iam)::?[a-z0-9-]*:\d{12}:(certificate|server-certificate)/.+$')
ACM_ARN_RE = re.compile(r'^arn:aws[a-z-]*:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/.+$')
# What AWS reports for an attribute that was never set: an answer that leaves one out reads as this default.
LB_DEFAULTS = {'idle_timeout.timeout_seconds': '60', 'deletion_protection.enabled': 'false',
               'access_logs.s3.enabled': 'false', 'access_logs.s3.bucket': '', 'access_logs.s3.prefix': ''}
TG_DEFAULTS = {'deregistration_delay.timeout_seconds': '300', 'stickiness.enabled': 'false',
               'stickiness.type': 'lb_cookie', 'stickiness.lb_cookie.duration_seconds': '86400'}
# A new target group's health check when the task leaves a key out: AWS's defaults for an HTTP(S) target group of
# instances (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
HEALTH_DEFAULTS = {'path': '/', 'interval': 30, 'timeout': 5, 'healthy_threshold': 5, 'unhealthy_threshold': 2, 'matcher': '200'}
HEALTH_KEYS = (('path', 'HealthCheckPath'), ('interval', 'HealthCheckIntervalSeconds'), ('timeout', 'HealthCheckTimeoutSeconds'),
               ('healthy_threshold', 'HealthyThresholdCount'), ('unhealthy_threshold', 'UnhealthyThresholdCount'))
# What a new one gets when the task leaves it out (AWS's own defaults, or the module's documented ones).
NEW_LB = {'scheme': 'internet-facing'}
NEW_GROUP = {'protocol': 'HTTP', 'port': 80}
NEW_LISTENER = {'protocol': 'HTTP', 'action': 'forward', 'redirect_port': 443}
LISTENER_KEYS = ('port', 'protocol', 'certificate_arn', 'ssl_policy', 'action', 'target_group', 'redirect_port')
# A listener rule's redirect when the task leaves a component out: AWS's own defaults, the request's protocol, host, port,
# path and query kept (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html#redirect-actions).
REDIRECT_DEFAULTS = (('redirect_protocol', 'Protocol', '#{protocol}'), ('redirect_host', 'Host', '#{host}'),
                     ('redirect_port', 'Port', '#{port}'), ('redirect_path', 'Path', '/#{path}'), ('redirect_query', 'Query', '#{query}'))
RULE_KEYS = ('priority', 'host_header', 'path_pattern', 'action', 'target_group') + tuple(k for k, a, d in REDIRECT_DEFAULTS) + (
    'redirect_status',)
RULE_OPERATIONS = ('CreateRule', 'ModifyRule')
LISTENER_NOT_FOUND = 'ListenerNotFound'


def _between(value, low, high, field, what):
    if value is None or not low <= value <= high:
        raise ValidationError(field, '%s must be between %d and %d (got %r)' % (what, low, high, value))
    return value


def _optional_between(value, low, high, field, what):
    return None if value is None else _between(value, low, high, field, what)


# -- validation: no call ---------------------------------------------------------------------------

def _rule(operations, parameter, value, field, params=None):
    """aws_rules' rows of ELBv2's ``operations`` for ``parameter`` (those the option is sent in): a value one refuses is
    refused here, naming the option and AWS's rule."""
    for operation in operations:
        aws_rules.refuse_by_rules('elbv2', operation, parameter, value, field, params=params)
    return value


TG_HEALTH_OPERATIONS = ('CreateTargetGroup', 'ModifyTargetGroup')


def validate_health_check(hc, field, protocol=None):
    """The health check keys the task gives (each checked against aws_rules' rows of CreateTargetGroup/ModifyTargetGroup:
    AWS's ranges, the path's form, the matcher of an HTTP or HTTPS group ``protocol``); those left out are absent from the
    result: unchanged on an existing group, AWS's default (HEALTH_DEFAULTS) on a new one."""
    hc = dict((k, v) for k, v in (hc or {}).items() if v is not None)
    out = {}
    if 'path' in hc:
        out['path'] = _rule(TG_HEALTH_OPERATIONS, 'HealthCheckPath', hc['path'], field + '.path')
    for key, aws in HEALTH_KEYS[1:]:
        if key in hc:
            out[key] = _rule(TG_HEALTH_OPERATIONS, aws, hc[key], '%s.%s' % (field, key))
    if 'matcher' in hc:
        out['matcher'] = _rule(TG_HEALTH_OPERATIONS, 'Matcher.HttpCode', str(hc['matcher']).replace(' ', ''), field + '.matcher',
                               {'Protocol': protocol})
    if 'timeout' in out and 'interval' in out:
        _check_timeout(out, field)
    return out


def _check_timeout(hc, field):
    if hc['timeout'] >= hc['interval']:
        raise ValidationError(field + '.timeout', 'the timeout (%ds) must be shorter than the interval (%ds); lower the timeout '
                              'or raise the interval' % (hc['timeout'], hc['interval']))


def _tags(given, name, stack):
    """The tags a task sets: None when it gives none (left alone), else the user's plus Name and (with a stack) Stack."""
    if given is None:
        return None
    out = dict(given, **{NAME_TAG: name})
    if stack is not None:
        out[STACK_TAG] = stack
    return out


def _create_tags(name, stack):
    return dict({NAME_TAG: name}, **({STACK_TAG: stack} if stack is not None else {}))


def validate_target_group(tg, i, tags, stack=None):
    field = 'target_groups[%d]' % i
    name = validate_name(tg.get('name'), field + '.name', 'target group')
    port = _rule(('CreateTargetGroup',), 'Port', tg.get('port'), field + '.port')
    target_port = _rule(('RegisterTargets', 'DeregisterTargets'), 'Targets[].Port', tg.get('target_port'), field + '.target_port')
    delay = _rule(('ModifyTargetGroupAttributes',), 'Attributes[Key=deregistration_delay.timeout_seconds].Value',
                  tg.get('deregistration_delay'), field + '.deregistration_delay')
    stickiness = None
    if tg.get('stickiness') is not None:
        st = tg['stickiness']
        enabled = st.get('enabled')
        stickiness = {'enabled': True if enabled is None else bool(enabled), 'type': st.get('type'),
                      'duration': _rule(('ModifyTargetGroupAttributes',), 'Attributes[Key=stickiness.lb_cookie.duration_seconds].Value',
                                        st.get('duration'), field + '.stickiness.duration')}
    targets = tg.get('targets')
    if targets is not None:
        targets = validate_instance_ids(targets, field + '.targets')
    target_filter = tg.get('target_filter')
    if target_filter is not None:
        validate_stack_name(target_filter.get('stack'), field + '.target_filter.stack')
        if not target_filter.get('role'):
            raise ValidationError(field + '.target_filter.role', 'a role is required (web, db, ...)')
        if stack is not None and target_filter['stack'] != stack:
            raise ValidationError(field + '.target_filter.stack', 'the instances of stack %r cannot be targets of stack %r: a stack '
                                  'registers only its own instances' % (target_filter['stack'], stack))
    return {'name': name, 'field': field, 'protocol': tg.get('protocol'), 'port': port, 'target_port': target_port,
            'health_check': validate_health_check(tg.get('health_check'), field + '.health_check', tg.get('protocol')),
            'deregistration_delay': delay, 'stickiness': stickiness, 'targets': targets, 'target_filter': target_filter,
            'purge_targets': tg.get('purge_targets', True), 'tags': _tags(tags, name, stack), 'create_tags': _create_tags(name, stack)}


def validate_listener(listener, i, group_names):
    """What the task says of one listener, each key None where it is left out; the checks that need no call. What
    depends on the listener already on that port (an HTTPS one keeps its certificate) is checked by :func:`ensure`'s plan."""
    field = 'listeners[%d]' % i
    if listener.get('port') is None:
        raise ValidationError(field + '.port', 'the port a listener listens on is required (1-65535)')
    port = _rule(('CreateListener',), 'Port', listener.get('port'), field + '.port')
    protocol, cert = listener.get('protocol'), listener.get('certificate_arn')
    if cert is not None:
        if not CERT_ARN_RE.match(cert):
            raise ValidationError(field + '.certificate_arn', '%r is not a certificate ARN (arn:aws:acm:...)' % cert)
        if protocol == 'HTTP':
            raise ValidationError(field + '.certificate_arn', 'only an HTTPS listener takes a certificate; set protocol: HTTPS '
                                  'or drop certificate_arn')
    group = listener.get('target_group')
    if group is not None and group not in group_names:
        raise ValidationError(field + '.target_group', '%r is none of the target groups of this task (%s); add it to '
                              'target_groups' % (group, ', '.join(group_names) or 'none'))
    redirect_port = _optional_between(listener.get('redirect_port'), 1, 65535, field + '.redirect_port', 'the port')
    return {'field': field, 'port': port, 'protocol': protocol, 'certificate_arn': cert, 'ssl_policy': listener.get('ssl_policy'),
            'action': listener.get('action'), 'target_group': group, 'redirect_port': redirect_port,
            'rules': validate_rules(listener.get('rules'), field, group_names)}


# -- listener rules: validation, no call -----------------------------------------------------------------------------

def validate_rules(rules, field, group_names):
    """The rules of one listener (None: left as they are), each as :func:`validate_rule` makes it, by priority; a priority
    given twice is refused (a listener's rules each have their own: AWS answers PriorityInUse)."""
    if rules is None:
        return None
    out, seen = [], {}
    for j, rule in enumerate(rules):
        view = validate_rule(rule, '%s.rules[%d]' % (field, j), group_names)
        if view['priority'] in seen:
            raise ValidationError(view['field'] + '.priority', 'priority %d is given to %s.rules[%d] too; each rule of a listener has '
                                  'its own priority (AWS answers PriorityInUse)' % (view['priority'], field, seen[view['priority']]))
        seen[view['priority']] = j
        out.append(view)
    return sorted(out, key=lambda r: r['priority'])


def _values(given, field, parameter, lower=False):
    """A condition's values as AWS's rules take them (aws_rules' rows of CreateRule and ModifyRule for ``parameter``),
    sorted, once each; host names in lower case (AWS compares them case-insensitively)."""
    out = []
    for value in given or []:
        if not isinstance(value, str):
            raise ValidationError(field, '%r is not a string' % (value,))
        _rule(RULE_OPERATIONS, parameter, value, field)
        out.append(value.lower() if lower else value)
    return sorted(set(out))


def _redirect_view(rule, field):
    """The redirect of a rule, each component the task leaves out AWS's default (REDIRECT_DEFAULTS)."""
    view = {}
    for key, dummy, default in REDIRECT_DEFAULTS:
        value = rule.get(key)
        view[key] = default if value is None else str(value)
    port = rule.get('redirect_port')
    if isinstance(port, bool) or (port is not None and not isinstance(port, (int, str))):
        raise ValidationError(field + '.redirect_port', 'a port from 1 to 65535, or #{port}')
    if view['redirect_query'].startswith('?'):
        raise ValidationError(field + '.redirect_query', 'give the query without its leading "?": AWS adds it')
    status = rule.get('redirect_status')
    view['redirect_status'] = 301 if status is None else status
    if view['redirect_status'] not in (301, 302):
        raise ValidationError(field + '.redirect_status', 'a redirect answers 301 (permanent) or 302 (temporary), not %r' % (status,))
    config = _redirect_config(view)
    for key, aws, dummy in REDIRECT_DEFAULTS:
        _rule(RULE_OPERATIONS, 'Actions[].RedirectConfig.' + aws, config[aws], '%s.%s' % (field, key))
    _rule(RULE_OPERATIONS, 'Actions[].RedirectConfig', config, field)
    return view


def validate_rule(rule, field, group_names):
    """One rule of a listener as the task gives it: its priority, its conditions (host_header, path_pattern: one of them
    at least) and its action (a redirect, or forward to one of the task's target groups), every check that needs no call
    (AWS's rules: aws_rules' rows of CreateRule and ModifyRule). The view has every key of RULE_KEYS, and ``field``."""
    priority = rule.get('priority')
    if priority is None:
        raise ValidationError(field + '.priority', 'a rule needs its priority (1-50000; the lowest is evaluated first)')
    _rule(('CreateRule',), 'Priority', priority, field + '.priority')
    hosts = _values(rule.get('host_header'), field + '.host_header', 'Conditions[].HostHeaderConfig.Values[]', lower=True)
    paths = _values(rule.get('path_pattern'), field + '.path_pattern', 'Conditions[].PathPatternConfig.Values[]')
    if not hosts and not paths:
        raise ValidationError(field, 'a rule needs a condition: give host_header, path_pattern or both')
    _rule(RULE_OPERATIONS, 'Conditions', _conditions(hosts, paths), field)
    view = dict((k, None) for k in RULE_KEYS)
    view.update(field=field, priority=priority, host_header=hosts, path_pattern=paths, action=rule.get('action'))
    redirects = sorted(k for k in view if k.startswith('redirect_') and rule.get(k) is not None)
    if view['action'] == 'forward':
        group = rule.get('target_group')
        if group not in group_names:
            raise ValidationError(field + '.target_group', 'a forward rule names one of the target groups of this task (%s), not %r'
                                  % (', '.join(group_names) or 'none given in target_groups', group))
        if redirects:
            raise ValidationError(field + '.' + redirects[0], 'only a redirect rule takes %s; drop it or give action: redirect'
                                  % redirects[0])
        view['target_group'] = group
    elif view['action'] == 'redirect':
        if rule.get('target_group') is not None:
            raise ValidationError(field + '.target_group', 'a redirect rule forwards to no target group; drop target_group or give '
                                  'action: forward')
        view.update(_redirect_view(rule, field))
    else:
        raise ValidationError(field + '.action', 'a rule redirects (action: redirect) or forwards (action: forward)')
    return view


def _conditions(hosts, paths):
    """The Conditions of CreateRule/ModifyRule: a host-header condition, a path-pattern condition, or both (both must match)."""
    out = []
    if hosts:
        out.append({'Field': 'host-header', 'HostHeaderConfig': {'Values': list(hosts)}})
    if paths:
        out.append({'Field': 'path-pattern', 'PathPatternConfig': {'Values': list(paths)}})
    return out


def _redirect_config(view):
    out = dict((aws, view[key]) for key, aws, dummy in REDIRECT_DEFAULTS)
    out['StatusCode'] = 'HTTP_%d' % view['redirect_status']
    return out


def validate(p):
    """The desired state from the module's options, every check that needs no call; ValidationError names the field.
    An option left out is None here (unchanged on what exists)."""
    name = validate_name(p['name'], 'name')
    # the tags go out in CreateLoadBalancer, CreateTargetGroup and AddTags (aws_rules' tag rows of ELBv2), the Name tag is
    # the name (its rule is narrower), Stack the stack's name
    aws_rules.refuse_tags('elbv2', ('CreateLoadBalancer', 'CreateTargetGroup', 'AddTags'), p.get('tags'))
    stack, tags = validate_owner(p)
    desired = {'name': name, 'stack': stack, 'tags': _tags(tags, name, stack), 'create_tags': _create_tags(name, stack),
               'state': p['state']}
    if p['state'] == 'absent':  # only the names: what goes is found by them
        groups = [{'name': validate_name(tg.get('name'), 'target_groups[%d].name' % i, 'target group'),
                   'field': 'target_groups[%d]' % i} for i, tg in enumerate(p.get('target_groups') or [])]
    else:
        groups = [validate_target_group(tg, i, tags, stack) for i, tg in enumerate(p.get('target_groups') or [])]
    seen = set()
    for g in groups:
        if g['name'] in seen:
            raise ValidationError(g['field'] + '.name', 'target group %r is listed twice' % g['name'])
        seen.add(g['name'])
    desired.update(target_groups=groups, group_names=[g['name'] for g in groups], deletion_protection=p.get('deletion_protection'))
    if p['state'] == 'absent':
        return desired
    subnets = p.get('subnets')
    if subnets is not None:
        for s in subnets:
            if not isinstance(s, str) or not SUBNET_RE.match(s):
                raise ValidationError('subnets', '%r is not a subnet id (subnet-...)' % (s,))
        if len(set(subnets)) < 2:
            raise ValidationError('subnets', 'an Application Load Balancer needs subnets in two or more availability zones '
                                  '(%d subnet given); add a subnet of another zone' % len(set(subnets)))
        subnets = sorted(set(subnets))
    listeners = None
    if p.get('listeners') is not None:
        listeners = [validate_listener(listener, i, [g['name'] for g in groups]) for i, listener in enumerate(p['listeners'])]
        ports = [listener['port'] for listener in listeners]
        for i, port in enumerate(ports):
            if port in ports[:i]:
                raise ValidationError('listeners[%d].port' % i, 'port %d has two listeners; one listener per port' % port)
    logs = p.get('access_logs')
    access_logs = None
    if logs is not None:
        access_logs = {'enabled': logs.get('enabled') is not False, 'bucket': logs.get('bucket') or '', 'prefix': logs.get('prefix')}
        if access_logs['enabled'] and not access_logs['bucket']:
            raise ValidationError('access_logs.bucket', 'access logs need the S3 bucket they are written to')
    desired.update(subnets=subnets, security_groups=p.get('security_groups'), scheme=p.get('scheme'),
                   idle_timeout=_optional_between(p.get('idle_timeout'), 1, 4000, 'idle_timeout', 'the idle timeout (seconds)'),
                   access_logs=access_logs, listeners=listeners,
                   purge_listeners=p.get('purge_listeners', True))
    return desired


# -- reads and the plan: what exists, what the names refer to, every refusal ---------------------------------

def _check_ownership(stack, existing, state):
    """With a stack: the load balancer and every target group found (by the task's names, or attached to it) carry
    Stack=<stack>, else NotOwned naming each, before any change or delete."""
    found = []
    if existing is not None:
        found.append(('load balancer', existing['LoadBalancerName'], state['tags']))
    found += [('target group', n, g['tags']) for n, g in sorted(state['groups'].items())]
    check_owners(stack, found)


def _check_type(existing):
    # This module manages Application Load Balancers only; another type under the name is not taken for one.
    kind = (existing or {}).get('Type') or 'application'
    if kind != 'application':
        raise ValidationError('name', 'load balancer %s is a %s load balancer, not an Application Load Balancer: refused, nothing '
                              'was changed; give another name' % (existing['LoadBalancerName'], kind))


def _plan(ctx, desired, existing, state):
    """Reads only, before any change, and the whole plan with every refusal (ownership and type were :func:`find`'s):
    the load balancer's scheme and VPC, the subnets' one VPC and two or more zones, the security groups' ids in that VPC,
    each target group as AWS can have it (its protocol, port and VPC cannot change), its instances (in that VPC), each
    listener as it will be and the certificates newly set on them. Fills ``desired`` in place.

    ``existing`` (the raw load balancer) and ``state`` (what :func:`read` found) spare the reads whose
    answer is already known: subnets the load balancer already has (AWS checked them when they were set:
    one VPC, one per zone), listed targets all registered in their group already (registering checked
    they are in its VPC, which the group cannot leave), a certificate a listener already has. ACM's client is asked
    for only when a certificate is to be checked."""
    ec2 = ctx.aws('ec2')
    if existing is not None:
        if desired['scheme'] is not None and existing.get('Scheme') != desired['scheme']:
            raise ValidationError('scheme', 'load balancer %s is %s; AWS cannot change the scheme (wanted %s): delete it first, or '
                                  'keep scheme: %s' % (desired['name'], existing.get('Scheme'), desired['scheme'], existing.get('Scheme')))
        desired['scheme'] = existing.get('Scheme')
    elif desired['scheme'] is None:
        desired['scheme'] = NEW_LB['scheme']
    have = sorted(z.get('SubnetId') for z in (existing or {}).get('AvailabilityZones') or [])
    if desired['subnets'] is None:
        if existing is None:
            raise ValidationError('subnets', 'load balancer %s does not exist; give its subnets (two or more zones) to create it'
                                  % desired['name'])
        desired['subnets'] = have
    if existing is not None and existing.get('VpcId') and have == desired['subnets']:
        vpc_id = existing['VpcId']
    else:
        vpc_id = _subnets_vpc(ec2, desired['subnets'])
    if existing is not None and existing.get('VpcId') != vpc_id:
        raise ValidationError('subnets', 'load balancer %s is in VPC %s, the subnets in %s: a load balancer cannot move to '
                              'another VPC' % (desired['name'], existing.get('VpcId'), vpc_id))
    desired['vpc_id'] = vpc_id
    if desired.get('security_groups') is not None:
        desired['security_group_ids'] = group_ids_in_vpc(ec2, vpc_id, desired['security_groups'], "the subnets' VPC")
    else:
        desired['security_group_ids'] = None
    groups = state.get('groups') or {}
    for g in desired['target_groups']:
        _plan_target_group(g, groups.get(g['name']), vpc_id)
    desired['listener_plan'] = _plan_listeners(desired, state)
    for g in desired['target_groups']:  # the reads last: every refusal that needs none comes first
        g['target_ids'] = _targets(ctx, ec2, g, vpc_id, groups.get(g['name']), desired.get('stack'))
    _check_certificates(ctx, desired['listener_plan'], lambda: ctx.aws('acm'))
    return desired


def _plan_target_group(g, existing, vpc_id):
    """The group as it will be: what AWS cannot change checked against the one that exists, the rest of what the
    task leaves out taken from it (or, for a new one, AWS's defaults)."""
    raw = (existing or {}).get('raw')
    g['vpc_id'] = vpc_id
    if raw is None:
        g['protocol'] = g['protocol'] or NEW_GROUP['protocol']
        g['port'] = g['port'] or NEW_GROUP['port']
        hc = dict(HEALTH_DEFAULTS, **g['health_check'])
    else:
        if (raw.get('TargetType') or 'instance') != 'instance':
            raise ValidationError(g['field'] + '.name', 'target group %s takes targets of type %s; this module registers instances: '
                                  'give another name' % (g['name'], raw['TargetType']))
        wanted = (vpc_id, g['protocol'] or raw.get('Protocol'), g['port'] or raw.get('Port'))
        if (raw.get('VpcId'), raw.get('Protocol'), raw.get('Port')) != wanted:
            raise ValidationError(g['field'] + '.name', 'target group %s exists with %s:%s in %s; AWS cannot change a target '
                                  'group\'s protocol, port or VPC (wanted %s:%s in %s): give another name, or delete it first'
                                  % (g['name'], raw.get('Protocol'), raw.get('Port'), raw.get('VpcId'), wanted[1], wanted[2], wanted[0]))
        g['protocol'], g['port'] = raw.get('Protocol'), raw.get('Port')
        hc = dict(HEALTH_DEFAULTS)
        hc.update(_health_of(raw))
        hc.update(g['health_check'])
    _check_timeout(hc, g['field'] + '.health_check')
    g['health_check'] = hc
    g['target_port'] = g['target_port'] or g['port']


def _health_of(raw):
    out = dict((key, raw.get(aws)) for key, aws in HEALTH_KEYS)
    out['matcher'] = (raw.get('Matcher') or {}).get('HttpCode')
    return dict((k, v) for k, v in out.items() if v is not None)


def _plan_listeners(desired, state):
    """The listeners as they will be, each a view (:func:`describe_listener`) with ``index``, ``field`` and ``before``
    (the view of the one on its port, or None); None when the task gives no listeners (all left alone)."""
    if desired['listeners'] is None:
        return None
    names = dict((g['raw']['TargetGroupArn'], n) for n, g in state['groups'].items())
    current = dict((li['Port'], li) for li in state['listeners'])
    group_names = [g['name'] for g in desired['target_groups']]
    return [_plan_listener(spec, describe_listener(current[spec['port']], names, state['rules'].get(current[spec['port']]['ListenerArn']))
                           if spec['port'] in current else None, group_names)
            for spec in desired['listeners']]


def _plan_listener(spec, before, group_names):
    field, port = spec['field'], spec['port']
    base = before or {}
    protocol = spec['protocol'] or base.get('protocol') or NEW_LISTENER['protocol']
    view = {'port': port, 'protocol': protocol, 'certificate_arn': None, 'ssl_policy': None, 'action': None,
            'target_group': None, 'redirect_port': None}
    if protocol == 'HTTPS':
        view['certificate_arn'] = spec['certificate_arn'] or base.get('certificate_arn')
        if not view['certificate_arn']:
            raise ValidationError(field + '.certificate_arn', 'an HTTPS listener needs a certificate: give the ARN of an ACM '
                                  'certificate (the certificate module returns it as certificate.arn)')
        view['ssl_policy'] = spec['ssl_policy'] or base.get('ssl_policy') or DEFAULT_SSL_POLICY
    elif spec['certificate_arn']:
        raise ValidationError(field + '.certificate_arn', 'the listener on port %d is %s: only an HTTPS listener takes a '
                              'certificate; set protocol: HTTPS or drop certificate_arn' % (port, protocol))
    # a target group given says forward, a redirect port redirect; else the listener's own action, or the default
    implied = 'forward' if spec['target_group'] else 'redirect' if spec['redirect_port'] else None
    action = spec['action'] or implied or base.get('action') or NEW_LISTENER['action']
    if action not in ('forward', 'redirect'):
        raise ValidationError(field + '.action', 'the listener on port %d does %s, which this module does not manage; give '
                              'action: forward or redirect' % (port, action))
    view['action'] = action
    if action == 'forward':
        group = spec['target_group'] or (base.get('target_group') if base.get('action') == 'forward' else None) or \
            (group_names[0] if len(group_names) == 1 else None)
        if not group:
            raise ValidationError(field + '.target_group', 'a forward listener names the target group it forwards to (one of: %s)'
                                  % (', '.join(group_names) or 'none given in target_groups'))
        view['target_group'] = group
    else:
        view['redirect_port'] = spec['redirect_port'] or (base.get('redirect_port') if base.get('action') == 'redirect' else None) \
            or NEW_LISTENER['redirect_port']
        if view['redirect_port'] == port and protocol == 'HTTPS':
            raise ValidationError(field + '.redirect_port', 'an HTTPS listener redirecting to its own port would loop')
    for rule in spec['rules'] or []:
        # "You can redirect HTTP to HTTP, HTTP to HTTPS, and HTTPS to HTTPS. You can't redirect HTTPS to HTTP."
        # (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html#redirect-actions)
        if protocol == 'HTTPS' and rule['redirect_protocol'] == 'HTTP':
            raise ValidationError(rule['field'] + '.redirect_protocol', 'the listener on port %d is HTTPS: AWS does not redirect HTTPS '
                                  'to HTTP; give HTTPS or #{protocol}' % port)
    return dict(view, index=int(field[len('listeners['):-1]), field=field, before=before, rules=spec['rules'])


def _check_certificates(ctx, plan, acm):
    """Each ACM certificate newly set on a listener (a new HTTPS listener, or another certificate than its own) exists
    in the load balancer's region and is ISSUED, before anything is made: AWS would refuse it only at CreateListener,
    after the load balancer and its groups exist. A certificate a listener keeps is not read again (a rerun sends no
    ACM call). An IAM server certificate (arn:aws:iam::...:server-certificate/...) is not read here: the module has no
    IAM client; ELB checks it when the listener is made."""
    if not plan:
        return
    region = getattr(getattr(ctx.client, 'meta', None), 'region_name', None)
    checked = {}
    for view in plan:
        arn = view['certificate_arn']
        if not arn or (view['before'] or {}).get('certificate_arn') == arn:
            continue
        match = ACM_ARN_RE.match(arn)
        if not match:
            continue
        field = view['field'] + '.certificate_arn'
        # ACM certificates are regional: ELB uses only one of its own region
        # (https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html).
        if region and match.group('region') != region:
            raise ValidationError(field, 'certificate %s is in region %s, the load balancer in %s: ACM certificates are regional; '
                                  'import or request it in %s' % (arn, match.group('region'), region, region))
        if arn not in checked:
            checked[arn] = _certificate_status(acm, arn, field)
        status = checked[arn]
        # Only an ISSUED certificate serves HTTPS: PENDING_VALIDATION, EXPIRED, REVOKED, FAILED... do not
        # (https://docs.aws.amazon.com/acm/latest/APIReference/API_CertificateDetail.html, Status).
        if status != 'ISSUED':
            raise ValidationError(field, 'certificate %s is %s, not ISSUED: a listener serves HTTPS only with an issued certificate%s'
                                  % (arn, status, ' (finish its DNS validation first)' if status == 'PENDING_VALIDATION' else ''))


def _certificate_status(acm, arn, field):
    try:
        return (acm().describe_certificate(CertificateArn=arn)['Certificate'].get('Status') or 'UNKNOWN')
    except Exception as exc:  # pylint: disable=broad-except
        if error_code(exc) in ('ResourceNotFoundException', 'InvalidArnException', 'ValidationException'):
            raise ValidationError(field, 'no ACM certificate %s in this account and region (%s); give the ARN the certificate '
                                  'module returned (certificate.arn)' % (arn, error_code(exc)))
        raise


def _subnets_vpc(ec2, subnet_ids):
    """The one VPC of the subnets (DescribeSubnets), checked to span two or more zones, one subnet each."""
    try:
        subnets = ec2.describe_subnets(SubnetIds=subnet_ids)['Subnets']
    except Exception as exc:  # pylint: disable=broad-except
        if not_found(exc, 'InvalidSubnetID.NotFound', 'InvalidSubnetID.Malformed'):
            raise ValidationError('subnets', 'a subnet does not exist in this account/region (%s)' % exc)
        raise
    vpcs = sorted(set(s['VpcId'] for s in subnets))
    if len(vpcs) != 1:
        raise ValidationError('subnets', 'the subnets are in %d VPCs (%s); a load balancer\'s subnets are all in one VPC'
                              % (len(vpcs), ', '.join('%s: %s' % (v, ', '.join(sorted(s['SubnetId'] for s in subnets if s['VpcId'] == v)))
                                                      for v in vpcs)))
    zones = sorted(set(s['AvailabilityZone'] for s in subnets))
    if len(zones) < 2:
        raise ValidationError('subnets', 'the subnets span %d availability zone (%s); an Application Load Balancer needs two '
                              'or more: add a subnet of another zone' % (len(zones), ', '.join(zones)))
    by_zone = {}
    for s in subnets:
        by_zone.setdefault(s['AvailabilityZone'], []).append(s['SubnetId'])
    twice = dict((z, ids) for z, ids in by_zone.items() if len(ids) > 1)
    if twice:
        zone = sorted(twice)[0]
        raise ValidationError('subnets', 'one subnet per availability zone: %s has %s' % (zone, ', '.join(sorted(twice[zone]))))
    return vpcs[0]


def _targets(ctx, ec2, group, vpc_id, existing=None, stack=None):
    """The instance ids of a target group, checked to be in its VPC (and, with a stack, those to be registered to be
    the stack's); None when targets are left alone. ``existing``: what :func:`read` found of the group, whose
    registered targets need no check."""
    field = group['field']
    registered = set(d['Target']['Id'] for d in (existing or {}).get('health') or [])
    if (group['target_filter'] is None and group['targets'] and existing and existing['raw'].get('VpcId') == vpc_id
            and set(group['targets']) <= registered):
        return sorted(group['targets'])
    if group['target_filter'] is not None:
        f = group['target_filter']
        filters = [{'Name': 'tag:%s' % STACK_TAG, 'Values': [f['stack']]}, {'Name': 'tag:%s' % ROLE_TAG, 'Values': [f['role']]},
                   {'Name': 'instance-state-name', 'Values': ['running']}]
        instances = [i for r in ec2.paginate('describe_instances', 'Reservations', Filters=filters) for i in r['Instances']]
        if not instances:
            ctx.warn('%s.target_filter: no running instance of stack %s with role %s' % (field, f['stack'], f['role']))
        where = '%s.target_filter' % field
    elif group['targets']:
        try:
            instances = [i for r in ec2.describe_instances(InstanceIds=group['targets'])['Reservations'] for i in r['Instances']]
        except Exception as exc:  # pylint: disable=broad-except
            if error_code(exc) in ('InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed'):
                raise ValidationError(field + '.targets', 'an instance does not exist in this account/region (%s)' % exc)
            raise
        where = '%s.targets' % field
        check_instance_owners(stack, instances, set(group['targets']) - registered, where)
    else:
        return None if group['targets'] is None else []
    outside = sorted('%s (in %s)' % (i['InstanceId'], i.get('VpcId')) for i in instances if i.get('VpcId') != vpc_id)
    if outside:
        raise ValidationError(where, 'instances outside the target group\'s VPC %s: %s; a target group only takes instances of '
                              'its own VPC' % (vpc_id, ', '.join(outside)))
    return sorted(i['InstanceId'] for i in instances)


def find(ctx, *, name, group_names=(), stack=None):
    """``{raw, state}``: the raw load balancer ``name`` (None when there is none) and what :func:`_read` found of it and
    of the target groups ``group_names``; None when none of them exists. With ``stack``, any of them that is not the
    stack's is refused (NotOwned, naming each), and so is a load balancer of another type under the name."""
    raw = _find_raw(ctx.client, name)
    state = _read(ctx, existing=raw, group_names=group_names or ())
    if raw is None and not state['groups']:
        return None
    _check_ownership(stack, raw, state)
    _check_type(raw)
    return {'raw': raw, 'state': state}


def _find_raw(elb, name):
    """The raw load balancer of that name, or None."""
    return describe_one(elb.describe_load_balancers, 'LoadBalancers', LB_NOT_FOUND, Names=[name])


def _attached_groups(elb, arn):
    """The target groups the load balancer ``arn`` forwards to; none is an empty list, whether the answer is an empty
    list or TargetGroupNotFound (the error DescribeTargetGroups documents for a filter that matches nothing)."""
    try:
        return elb.paginate('describe_target_groups', 'TargetGroups', LoadBalancerArn=arn)
    except Exception as exc:  # pylint: disable=broad-except
        if not_found(exc, 'TargetGroupNotFound'):
            return []
        raise


def _empty_state():
    """What :func:`_read` finds when nothing exists."""
    return {'attributes': {}, 'listeners': [], 'tags': {}, 'groups': {}, 'rules': {}}


def _read(ctx, *, existing, group_names=()):
    """Everything the views need, read side by side: the load balancer's attributes, tags and listeners,
    and the target groups of ``group_names`` (raw, attributes, tags, health) — those attached included."""
    elb = ctx.client
    arn = existing['LoadBalancerArn'] if existing else None
    names = list(group_names)
    state = _empty_state()
    attached = {}
    if arn:
        # The groups attached to the load balancer come with its other reads; only the named groups that
        # are not among them (none on a rerun) are looked up by name, in a second round.
        attrs, state['listeners'], found = gather(
            lambda: elb.describe_load_balancer_attributes(LoadBalancerArn=arn)['Attributes'],
            lambda: elb.paginate('describe_listeners', 'Listeners', LoadBalancerArn=arn),
            lambda: _attached_groups(elb, arn))
        state['attributes'] = dict((a['Key'], a['Value']) for a in attrs)
        attached = dict((g['TargetGroupName'], g) for g in found)
    missing = [n for n in names if n not in attached]
    by_name = dict(zip(missing, gather(*[lambda n=n: find_target_group(elb, name=n) for n in missing])))
    groups = dict((n, attached.get(n) or by_name.get(n)) for n in names if attached.get(n) or by_name.get(n))
    for name, g in attached.items():
        groups.setdefault(name, g)
    tg_reads = []
    for g in groups.values():
        tg_arn = g['TargetGroupArn']
        tg_reads += [lambda a=tg_arn: elb.describe_target_group_attributes(TargetGroupArn=a)['Attributes'],
                     lambda a=tg_arn: target_health(elb, a)]
    # each listener's rules (DescribeRules answers its default rule too, IsDefault: its default actions, read already)
    rule_reads = [lambda a=li['ListenerArn']: elb.paginate('describe_rules', 'Rules', ListenerArn=a) for li in state['listeners']]
    tag_arns = ([arn] if arn else []) + [g['TargetGroupArn'] for g in groups.values()]
    tg_results = gather(*(tg_reads + rule_reads + [lambda: tags_of(elb, tag_arns)]))
    tags = tg_results[-1]
    for li, rules in zip(state['listeners'], tg_results[len(tg_reads):-1]):
        state['rules'][li['ListenerArn']] = [r for r in rules if not r.get('IsDefault')]
    state['tags'] = tags.get(arn, {}) if arn else {}
    for n, g in enumerate(groups.values()):
        state['groups'][g['TargetGroupName']] = {'raw': g, 'attributes': dict((a['Key'], a['Value']) for a in tg_results[2 * n]),
                                                 'health': tg_results[2 * n + 1], 'tags': tags.get(g['TargetGroupArn'], {})}
    return state


# -- views -----------------------------------------------------------------------------------------

def _attr(attrs, key, defaults):
    """An attribute's value, or AWS's default for it when it was never set."""
    value = attrs.get(key)
    return value if value not in (None, '') else defaults.get(key, '')


def describe(raw, attributes=None, tags=None):
    """The snake_case view of a load balancer (raw: DescribeLoadBalancers' item; attributes: {key: value})."""
    a = attributes or {}
    zones = sorted(({'zone': z.get('ZoneName'), 'subnet_id': z.get('SubnetId')} for z in raw.get('AvailabilityZones', [])),
                   key=lambda z: z['zone'] or '')
    logs_on = _attr(a, 'access_logs.s3.enabled', LB_DEFAULTS) == 'true'
    return {'arn': real_id(raw.get('LoadBalancerArn')), 'name': raw.get('LoadBalancerName'), 'dns_name': raw.get('DNSName'),
            'canonical_hosted_zone_id': raw.get('CanonicalHostedZoneId'),
            'state': (raw.get('State') or {}).get('Code'), 'scheme': raw.get('Scheme'), 'vpc_id': raw.get('VpcId'),
            'zones': zones, 'subnets': sorted(z['subnet_id'] for z in zones),
            'security_groups': sorted(raw.get('SecurityGroups') or []),
            'idle_timeout': int(_attr(a, 'idle_timeout.timeout_seconds', LB_DEFAULTS)),
            'deletion_protection': _attr(a, 'deletion_protection.enabled', LB_DEFAULTS) == 'true',
            'access_logs': {'enabled': logs_on, 'bucket': a.get('access_logs.s3.bucket') or '', 'prefix': a.get('access_logs.s3.prefix') or ''},
            'tags': dict(tags or {})}


def describe_target_group(raw, attributes=None, tags=None, health=None):
    """The snake_case view of a target group, with each target's health."""
    a = attributes or {}
    sticky = _attr(a, 'stickiness.enabled', TG_DEFAULTS) == 'true'
    return {'arn': real_id(raw.get('TargetGroupArn')), 'name': raw.get('TargetGroupName'), 'protocol': raw.get('Protocol'),
            'port': raw.get('Port'), 'vpc_id': raw.get('VpcId'),
            'health_check': {'path': raw.get('HealthCheckPath'), 'interval': raw.get('HealthCheckIntervalSeconds'),
                             'timeout': raw.get('HealthCheckTimeoutSeconds'), 'healthy_threshold': raw.get('HealthyThresholdCount'),
                             'unhealthy_threshold': raw.get('UnhealthyThresholdCount'),
                             'matcher': (raw.get('Matcher') or {}).get('HttpCode')},
            'deregistration_delay': int(_attr(a, 'deregistration_delay.timeout_seconds', TG_DEFAULTS)),
            'stickiness': {'enabled': sticky, 'type': _attr(a, 'stickiness.type', TG_DEFAULTS),
                           'duration': int(_attr(a, 'stickiness.lb_cookie.duration_seconds', TG_DEFAULTS))},
            'tags': dict(tags or {}),
            'targets': sorted((health_view(d) for d in health or []), key=lambda t: (t['id'], t['port'] or 0))}


def describe_rule(raw, group_names):
    """The snake_case view of a listener rule (DescribeRules' item): the keys of RULE_KEYS as :func:`validate_rule` makes them
    (host names in lower case, values sorted, a redirect's components AWS leaves out filled with its defaults), so that a
    rule as AWS answers it and the same rule as a task gives it compare equal; ``group_names``: {target group arn: name}."""
    view = dict((k, None) for k in RULE_KEYS)
    view.update(arn=real_id(raw.get('RuleArn')), priority=int(raw['Priority']) if str(raw.get('Priority')).isdigit() else None)
    values = dict((c.get('Field'), aws_rules.condition_values(c)) for c in raw.get('Conditions') or [])
    view['host_header'] = sorted(set(str(v).lower() for v in values.get('host-header') or []))
    view['path_pattern'] = sorted(set(values.get('path-pattern') or []))
    actions = sorted(raw.get('Actions') or [{}], key=lambda a: a.get('Order') or 0)
    act = actions[-1]  # the last action routes (one before it may authenticate)
    view['action'] = act.get('Type')
    if act.get('Type') == 'forward':
        arn = act.get('TargetGroupArn') or ((act.get('ForwardConfig') or {}).get('TargetGroups') or [{}])[0].get('TargetGroupArn')
        view['target_group'] = group_names.get(arn, real_id(arn))
    elif act.get('Type') == 'redirect':
        config = act.get('RedirectConfig') or {}
        for key, aws, default in REDIRECT_DEFAULTS:
            view[key] = default if config.get(aws) is None else str(config[aws])
        view['redirect_status'] = int(str(config.get('StatusCode') or 'HTTP_301').replace('HTTP_', ''))
    return view


def _rule_differs(have, raw, want):
    """Whether the rule AWS has (its view ``have``, its answer ``raw``) is not the rule the task wants: a key of RULE_KEYS,
    another condition than host-header and path-pattern, or another action before the last one."""
    extra = [c.get('Field') for c in raw.get('Conditions') or [] if c.get('Field') not in ('host-header', 'path-pattern')]
    return bool(extra) or len(raw.get('Actions') or []) != 1 or any(have[k] != want[k] for k in RULE_KEYS)


def describe_listener(raw, group_names, rules=None):
    """The snake_case view of a listener; ``group_names``: {target group arn: name}; ``rules``: its rules but the default one
    (DescribeRules' items), by priority."""
    actions = raw.get('DefaultActions') or [{}]
    act = actions[0]
    https = raw.get('Protocol') == 'HTTPS'
    view = {'arn': real_id(raw.get('ListenerArn')), 'port': raw.get('Port'), 'protocol': raw.get('Protocol'),
            'certificate_arn': ((raw.get('Certificates') or [{}])[0].get('CertificateArn')) if https else None,
            'ssl_policy': raw.get('SslPolicy') if https else None, 'action': act.get('Type'), 'target_group': None,
            'redirect_port': None}
    if act.get('Type') == 'forward':
        arn = act.get('TargetGroupArn') or ((act.get('ForwardConfig') or {}).get('TargetGroups') or [{}])[0].get('TargetGroupArn')
        view['target_group'] = group_names.get(arn, real_id(arn))
    elif act.get('Type') == 'redirect':
        view['redirect_port'] = int((act.get('RedirectConfig') or {}).get('Port') or 443)
    view['rules'] = sorted((describe_rule(r, group_names) for r in rules or []), key=lambda r: r['priority'] or 0)
    return view


def _view_of(lb_raw, state):
    """The whole view (load balancer, listeners, target groups) of what ``read`` found."""
    if lb_raw is None:
        return None
    names = dict((g['raw']['TargetGroupArn'], n) for n, g in state['groups'].items())
    return {'load_balancer': describe(lb_raw, state['attributes'], state['tags']),
            'listeners': sorted((describe_listener(li, names, state['rules'].get(li['ListenerArn'])) for li in state['listeners']),
                                key=lambda li: li['port']),
            'target_groups': [describe_target_group(g['raw'], g['attributes'], g['tags'], g['health'])
                              for n, g in sorted(state['groups'].items())]}


# -- target groups ---------------------------------------------------------------------------------

def _tg_health_args(g, only=None):
    hc = g['health_check']
    args = dict((aws, hc[key]) for key, aws in HEALTH_KEYS)
    args['Matcher'] = {'HttpCode': hc['matcher']}
    if only is not None:
        args = dict((k, v) for k, v in args.items() if k in only)
    return args


def _tg_attributes(g):
    """The attributes the task sets (those it leaves out are not sent: unchanged, or AWS's default on a new group)."""
    out = {}
    if g['deregistration_delay'] is not None:
        out['deregistration_delay.timeout_seconds'] = str(g['deregistration_delay'])
    st = g['stickiness']
    if st is not None:
        out['stickiness.enabled'] = 'true' if st['enabled'] else 'false'
        if st['type'] is not None:
            out['stickiness.type'] = st['type']
        if st['duration'] is not None:
            out['stickiness.lb_cookie.duration_seconds'] = str(st['duration'])
    return out


def _attribute_changes(current, wanted, defaults):
    return [{'Key': k, 'Value': v} for k, v in sorted(wanted.items()) if _attr(current, k, defaults) != v]


def _create_target_group(ctx, g):
    kwargs = dict(Name=g['name'], Protocol=g['protocol'], Port=g['port'], VpcId=g['vpc_id'], TargetType='instance',
                  HealthCheckEnabled=True, HealthCheckProtocol=g['protocol'], **_tg_health_args(g))
    kwargs['Tags'] = dict_to_boto3_tags(g['tags'] or g['create_tags'])
    return create_or_find(lambda: ctx.call('create_target_group', **kwargs)['TargetGroups'][0],
                          lambda: find_target_group(ctx.client, name=g['name']))


def ensure_target_group(ctx, *, desired, existing=None):
    """One target group (as :func:`ensure`'s plan made it): made (or found again by name after a lost answer), health check,
    attributes, tags and targets converged. ``existing``: what :func:`read` found of it ({raw, attributes, tags, health}),
    or None. Only mutating calls: every refusal was the plan's."""
    g = desired
    if existing is None:
        planned_raw = {'TargetGroupArn': Pending('target_group', g['name']), 'TargetGroupName': g['name'], 'Protocol': g['protocol'],
                       'Port': g['port'], 'VpcId': g['vpc_id'], 'Matcher': {'HttpCode': g['health_check']['matcher']}}
        planned_raw.update(dict((aws, g['health_check'][key]) for key, aws in HEALTH_KEYS))

        def make():
            raw = _create_target_group(ctx, g)
            return raw['TargetGroupArn'], raw
        made = ctx.create('target_group', g['name'], make, planned_raw)
        raw = made.after
        before, current = None, {'raw': raw, 'attributes': {}, 'tags': dict(g['tags'] or g['create_tags']), 'health': []}
    else:
        raw, current = existing['raw'], existing
        before = describe_target_group(raw, existing['attributes'], existing['tags'], existing['health'])
    arn = raw['TargetGroupArn']
    changed = existing is None
    # a group this run made may be TargetGroupNotFound for a moment: its calls are tried again (bounded)
    codes = (TG_NOT_FOUND,) if existing is None else ()
    after = describe_target_group(raw, current['attributes'], current['tags'], current['health'])
    if existing is not None:
        wanted = _tg_health_args(g)
        differs = [k for k, v in wanted.items() if raw.get(k) != v]
        if differs:
            ctx.call('modify_target_group', TargetGroupArn=arn, **_tg_health_args(g, differs))
            changed = True
            after['health_check'] = dict(g['health_check'])
    attrs = _attribute_changes(current['attributes'], _tg_attributes(g), TG_DEFAULTS)
    if attrs:
        fresh(ctx, codes, 'target group %s' % g['name'],
              lambda: ctx.call('modify_target_group_attributes', TargetGroupArn=arn, Attributes=attrs))
        changed = True
        merged = dict(current['attributes'], **dict((a['Key'], a['Value']) for a in attrs))
        view = describe_target_group({}, merged)
        after['deregistration_delay'], after['stickiness'] = view['deregistration_delay'], view['stickiness']
    if existing is not None and g['tags'] is not None:
        tag_changed, after['tags'] = apply_elb_tags(ctx, arn, current['tags'], g['tags'])
        changed |= tag_changed
    if g.get('target_ids') is not None:
        changed |= _converge_targets(ctx, g, arn, current['health'], after, codes)
    return Change.of(changed, before, after, arn)


def _converge_targets(ctx, g, arn, health, after, codes=()):
    have = set((d['Target']['Id'], d['Target'].get('Port')) for d in health)
    want = set((i, g['target_port']) for i in g['target_ids'])
    add = sorted(want - have)
    remove = sorted(have - want) if g['purge_targets'] else []
    if add:
        fresh(ctx, codes, 'target group %s' % g['name'],
              lambda: ctx.call('register_targets', TargetGroupArn=arn, Targets=[{'Id': i, 'Port': p} for i, p in add]))
    if remove:
        ctx.call('deregister_targets', TargetGroupArn=arn, Targets=[{'Id': i, 'Port': p} for i, p in remove])
    if add or remove:
        kept = [t for t in after['targets'] if (t['id'], t['port']) not in set(remove)]
        kept += [{'id': i, 'port': p, 'health': 'initial' if is_id(arn) else None, 'reason': None, 'description': None} for i, p in add]
        after['targets'] = sorted(kept, key=lambda t: (t['id'], t['port'] or 0))
    return bool(add or remove)


# -- the load balancer -----------------------------------------------------------------------------

def _lb_attributes(desired):
    """The attributes the task sets; one it leaves out is not sent (unchanged, or AWS's default on a new one)."""
    out = {}
    if desired['idle_timeout'] is not None:
        out['idle_timeout.timeout_seconds'] = str(desired['idle_timeout'])
    if desired['deletion_protection'] is not None:
        out['deletion_protection.enabled'] = 'true' if desired['deletion_protection'] else 'false'
    logs = desired.get('access_logs')
    if logs is not None:
        out['access_logs.s3.enabled'] = 'true' if logs['enabled'] else 'false'
        if logs['enabled']:
            out['access_logs.s3.bucket'] = logs['bucket']
            if logs['prefix'] is not None:
                out['access_logs.s3.prefix'] = logs['prefix']
    return out


# https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerState.html, Code: "active |
# provisioning | active_impaired | failed". A new load balancer is provisioning, then active; active_impaired "is routing
# traffic but does not have the resources it needs to scale" (it serves: the wait ends there too); failed "cannot be set up".
READY_STATES = ('active', 'active_impaired')


def _state(lb):
    return (lb.get('State') or {}).get('Code')


def wait_active(ctx, arn, timeout, fresh=False):
    """The load balancer once active (provisioning before); failed, or gone, ends the wait with an error. ``fresh``: made
    by this run, so a LoadBalancerNotFound before it was ever seen is read again (at most elbv2.NEW_ID_TIMEOUT seconds).

    A wait of its own (waiters.wait_for), not AWS's LoadBalancerAvailable waiter: that waiter knows only ``active``
    (success) and ``provisioning`` (retry), and retries LoadBalancerNotFound for as long as it runs. It would wait out the
    whole timeout for a load balancer that went ``failed`` (AWS's Reason lost) or was deleted meanwhile, and never end on
    ``active_impaired``, which serves traffic."""
    seen = [not fresh]

    def read():
        found = ctx.client.describe_load_balancers(LoadBalancerArns=[arn])['LoadBalancers']
        return found[0] if found else None

    def fetch():
        if seen[0]:
            try:
                return read()
            except Exception as exc:  # pylint: disable=broad-except
                if not_found(exc, LB_NOT_FOUND):
                    return None
                raise
        lb = retry_not_found(read, (LB_NOT_FOUND,), 'the new load balancer %s' % arn,
                             timeout=min(NEW_ID_TIMEOUT, timeout or NEW_ID_TIMEOUT))
        seen[0] = True
        return lb

    def failed(lb):
        if lb is None:
            return 'it is gone (deleted while this task waited for it)'
        if _state(lb) == 'failed':
            return (lb.get('State') or {}).get('Reason') or 'its state is failed'
        return None
    return wait_for(fetch, lambda lb: lb is not None and _state(lb) in READY_STATES, 'load balancer %s to be active' % arn,
                    timeout=timeout, delay=3, failed=failed)


def _wait_gone(ctx, arn, timeout):
    """AWS's LoadBalancersDeleted waiter: done once DescribeLoadBalancers answers LoadBalancerNotFound."""
    aws_wait(ctx, 'LoadBalancersDeleted', 'load balancer %s to be deleted' % arn, timeout, delay=3, LoadBalancerArns=[arn])


def _create_load_balancer(ctx, desired):
    kwargs = dict(Name=desired['name'], Subnets=desired['subnets'], Scheme=desired['scheme'], Type='application',
                  IpAddressType='ipv4')
    if desired.get('security_group_ids'):
        kwargs['SecurityGroups'] = desired['security_group_ids']
    kwargs['Tags'] = dict_to_boto3_tags(desired.get('tags') or desired['create_tags'])
    raw = create_or_find(lambda: ctx.call('create_load_balancer', **kwargs)['LoadBalancers'][0],
                         lambda: _find_raw(ctx.client, desired['name']))
    return raw['LoadBalancerArn'], raw


def ensure(ctx, *, desired, existing=None):
    """The load balancer as ``desired`` (see :func:`validate`) against ``existing`` (what :func:`find` found, or None):
    the plan first (:func:`_plan`, reads only, every refusal), then target groups, the load balancer, its listeners;
    each recorded in ``ctx.plan``. Returns the Change of the whole (before/after: the view)."""
    existing, state = (existing or {}).get('raw'), (existing or {}).get('state') or _empty_state()
    desired = _plan(ctx, dict(desired), existing, state)
    before = _view_of(existing, state)
    groups_after, tg_arns = [], dict((n, g['raw']['TargetGroupArn']) for n, g in state['groups'].items())
    for g in desired['target_groups']:
        change = ctx.plan.record('target_group', g['name'], ensure_target_group(ctx, desired=g, existing=state['groups'].get(g['name'])))
        groups_after.append(change.after)
        tg_arns[g['name']] = change.id
    if existing is None:
        planned = {'LoadBalancerArn': Pending('load_balancer', desired['name']), 'LoadBalancerName': desired['name'],
                   'Scheme': desired['scheme'], 'VpcId': desired['vpc_id'], 'State': {'Code': 'provisioning'},
                   'SecurityGroups': desired.get('security_group_ids') or [],
                   'AvailabilityZones': [{'SubnetId': s} for s in desired['subnets']]}
        made = ctx.create('load_balancer', desired['name'], lambda: _create_load_balancer(ctx, desired), planned)
        raw, lb_before = made.after, None
        lb_after = describe(raw, {}, desired.get('tags') or desired['create_tags'])
        lb_changed = True
    else:
        raw = existing
        if _state(raw) not in READY_STATES and ctx.wait:
            # provisioning (a task with wait: false made it): waited for, not changed before it is active; failed: an error
            raw = ctx.live(wait_active, ctx, raw['LoadBalancerArn'], ctx.wait_timeout) or raw
        lb_before = describe(raw, state['attributes'], state['tags'])
        lb_after = dict(lb_before)
        lb_changed = False
        if lb_before['subnets'] != desired['subnets']:
            ctx.call('set_subnets', LoadBalancerArn=raw['LoadBalancerArn'], Subnets=desired['subnets'])
            lb_after['subnets'], lb_changed = list(desired['subnets']), True
        if desired.get('security_group_ids') is not None and lb_before['security_groups'] != desired['security_group_ids']:
            ctx.call('set_security_groups', LoadBalancerArn=raw['LoadBalancerArn'], SecurityGroups=desired['security_group_ids'])
            lb_after['security_groups'], lb_changed = list(desired['security_group_ids']), True
        if desired.get('tags') is not None:
            tag_changed, lb_after['tags'] = apply_elb_tags(ctx, raw['LoadBalancerArn'], state['tags'], desired['tags'])
            lb_changed |= tag_changed
    arn = raw['LoadBalancerArn']
    if existing is None and ctx.wait:
        raw = ctx.live(wait_active, ctx, arn, ctx.wait_timeout, True) or raw
        lb_after = describe(raw, {}, lb_after['tags'])
    attrs = _attribute_changes(state['attributes'], _lb_attributes(desired), LB_DEFAULTS)
    if attrs:
        fresh(ctx, (LB_NOT_FOUND,) if existing is None else (), 'load balancer %s' % desired['name'],
              lambda: ctx.call('modify_load_balancer_attributes', LoadBalancerArn=arn, Attributes=attrs))
        lb_changed = True
    if desired['idle_timeout'] is not None:
        lb_after['idle_timeout'] = desired['idle_timeout']
    if desired['deletion_protection'] is not None:
        lb_after['deletion_protection'] = bool(desired['deletion_protection'])
    logs = desired.get('access_logs')
    if logs is not None:
        lb_after['access_logs'] = {'enabled': logs['enabled'], 'bucket': logs['bucket'] if logs['enabled'] else lb_after['access_logs']['bucket'],
                                   'prefix': logs['prefix'] if logs['enabled'] and logs['prefix'] is not None
                                   else lb_after['access_logs']['prefix']}
    ctx.plan.record('load_balancer', desired['name'], Change.of(lb_changed, lb_before, lb_after, arn))
    made = set(c['id'] for c in ctx.plan.changes if c['action'] == 'create' and c['id'])
    listeners_after = _converge_listeners(ctx, desired, arn, state, tg_arns, made)
    after = {'load_balancer': lb_after, 'listeners': listeners_after, 'target_groups': sorted(groups_after, key=lambda g: g['name'])}
    return Change.of(ctx.plan.changed, before, after, arn)


def _listener_args(view, tg_arns):
    if view['action'] == 'forward':
        group = view['target_group']
        actions = [{'Type': 'forward', 'TargetGroupArn': tg_arns.get(group, group)}]
    else:
        actions = [{'Type': 'redirect', 'RedirectConfig': {'Protocol': 'HTTPS', 'Port': str(view['redirect_port']),
                                                           'StatusCode': 'HTTP_301'}}]
    args = {'Protocol': view['protocol'], 'Port': view['port'], 'DefaultActions': actions}
    if view['protocol'] == 'HTTPS':
        args.update(Certificates=[{'CertificateArn': view['certificate_arn']}], SslPolicy=view['ssl_policy'])
    return args


def _converge_listeners(ctx, desired, lb_arn, state, tg_arns, made=()):
    """The listeners of the plan (:func:`_plan`) made or modified, with their rules (:func:`_converge_rules`), and, when the
    task lists its listeners and ``purge_listeners``, the others deleted (their rules with them, as AWS deletes them); with
    no listeners in the task, those that exist are left alone. ``made``: the ARNs this run created (the load balancer,
    target groups): a listener or rule naming one is tried again while AWS does not see it yet."""
    names = dict((a, n) for n, a in tg_arns.items())
    names.update(dict((g['raw']['TargetGroupArn'], n) for n, g in state['groups'].items()))
    current = dict((li['Port'], li) for li in state['listeners'])

    def view(li):
        return describe_listener(li, names, state['rules'].get(li['ListenerArn']))
    plan = desired.get('listener_plan')
    if plan is None:
        return public(sorted((view(li) for li in state['listeners']), key=lambda li: li['port']))
    out = []
    for planned in plan:
        have = current.get(planned['port'])
        name = '%s:%d' % (desired['name'], planned['port'])
        change = ctx.plan.record('listener', name, _ensure_listener(ctx, lb_arn, planned, have and view(have), tg_arns, made, name))
        fresh_listener = have is None
        rules = _converge_rules(ctx, name, change.id, planned['rules'], state['rules'].get(change.id) or [],
                                dict(tg_arns=tg_arns, names=names, made=set(made) | (set([change.id]) if fresh_listener else set())))
        out.append(dict(change.after, rules=rules))
    wanted = set(li['port'] for li in plan)
    if desired['purge_listeners']:
        for port, have in sorted(current.items()):
            if port not in wanted:
                ctx.call('delete_listener', ListenerArn=have['ListenerArn'])
                ctx.plan.record('listener', '%s:%d' % (desired['name'], port), Change('delete', view(have), None, have['ListenerArn']))
    else:
        out += [view(li) for p, li in sorted(current.items()) if p not in wanted]
    return public(sorted(out, key=lambda li: li['port']))


def _ensure_listener(ctx, lb_arn, planned, before, tg_arns, made, name):
    """One listener of the plan against the view of the one on its port (``before``, None: none) -> its Change (its rules
    are :func:`_converge_rules`')."""
    want = dict((k, planned[k]) for k in LISTENER_KEYS)
    args = _listener_args(want, tg_arns)
    codes = _fresh_codes(lb_arn, args, made)
    if before is None:
        return ctx.create('listener', name, _listener_maker(ctx, lb_arn, want, args, codes), dict(want, arn=Pending('listener', name)))
    arn = before['arn']
    if all(before[k] == want[k] for k in LISTENER_KEYS):
        return Change('none', before, before, arn)
    fresh(ctx, codes, 'listener %s' % name, lambda: ctx.call('modify_listener', ListenerArn=arn, **args))
    return Change('update', before, dict(want, arn=arn), arn)


def _rule_args(view, tg_arns):
    """Conditions and Actions of CreateRule/ModifyRule for a rule's view (:func:`validate_rule`)."""
    if view['action'] == 'forward':
        action = {'Type': 'forward', 'TargetGroupArn': tg_arns.get(view['target_group'], view['target_group'])}
    else:
        action = {'Type': 'redirect', 'RedirectConfig': _redirect_config(view)}
    return {'Conditions': _conditions(view['host_header'], view['path_pattern']), 'Actions': [action]}


def _converge_rules(ctx, name, listener_arn, wanted, existing, known):
    """A listener's rules as the task gives them (``wanted``, by priority; None: those it has, left alone) against those it
    has (``existing``, DescribeRules' items but the default rule): by priority, a rule made (CreateRule), changed in place
    (ModifyRule: its conditions and actions), or kept; then each other rule deleted (DeleteRule). A rerun with nothing to
    change sends nothing. ``known``: tg_arns ({name: arn}), names ({arn: name}) and made (the ARNs this run created: a
    call naming one is tried again while AWS does not see it yet)."""
    have = dict((int(r['Priority']), (describe_rule(r, known['names']), r)) for r in existing)
    if wanted is None:
        return [v for p, (v, r) in sorted(have.items())]
    out = []
    for rule in wanted:
        want = dict((k, rule[k]) for k in RULE_KEYS)
        rule_name = '%s/%d' % (name, want['priority'])
        args = _rule_args(want, known['tg_arns'])
        codes = ((LISTENER_NOT_FOUND,) if listener_arn in known['made'] else ()) + \
            ((TG_NOT_FOUND,) if args['Actions'][0].get('TargetGroupArn') in known['made'] else ())
        found = have.get(want['priority'])
        if found is None:
            change = ctx.create('rule', rule_name, _rule_maker(ctx, listener_arn, want, args, codes, known['names']),
                                dict(want, arn=Pending('rule', rule_name)))
        elif not _rule_differs(found[0], found[1], want):
            change = Change('none', found[0], found[0], found[0]['arn'])
        else:
            fresh(ctx, codes, 'rule %s' % rule_name, lambda: ctx.call('modify_rule', RuleArn=found[0]['arn'], **args))
            change = Change('update', found[0], dict(want, arn=found[0]['arn']), found[0]['arn'])
        out.append(ctx.plan.record('rule', rule_name, change).after)
    keep = set(r['priority'] for r in wanted)
    for priority, (view, raw) in sorted(have.items()):
        if priority not in keep:
            ctx.call('delete_rule', RuleArn=raw['RuleArn'])
            ctx.plan.record('rule', '%s/%d' % (name, priority), Change('delete', view, None, raw['RuleArn']))
    return out


def _rule_maker(ctx, listener_arn, want, args, codes, names):
    """The ``make`` of a rule's create: CreateRule, found again by its priority after a lost answer (or when a retry of a
    lost create meets PriorityInUse), taken only when it is the rule wanted (another one there: PriorityInUse is raised);
    tried again while AWS answers one of ``codes``."""
    def make():
        raw = create_or_find(lambda: fresh(ctx, codes, 'rule %s/%d' % (listener_arn, want['priority']),
                                           lambda: ctx.call('create_rule', ListenerArn=listener_arn, Priority=want['priority'],
                                                            **args))['Rules'][0],
                             lambda: _find_rule(ctx, listener_arn, want, names), exists=('PriorityInUse',))
        return raw['RuleArn'], dict(want, arn=raw['RuleArn'])
    return make


def _find_rule(ctx, listener_arn, want, names):
    for rule in ctx.client.paginate('describe_rules', 'Rules', ListenerArn=listener_arn):
        if str(rule.get('Priority')) == str(want['priority']) and not _rule_differs(describe_rule(rule, names), rule, want):
            return rule
    return None


def _fresh_codes(lb_arn, args, made):
    """The NotFound codes a listener call may meet for what this run made: the load balancer, a target group it forwards to."""
    codes = []
    if lb_arn in made:
        codes.append(LB_NOT_FOUND)
    if any(a.get('TargetGroupArn') in made for a in args['DefaultActions']):
        codes.append(TG_NOT_FOUND)
    return tuple(codes)


def _listener_maker(ctx, lb_arn, want, args, codes=()):
    """The ``make`` of a listener's create: CreateListener, found again by its port after a lost answer; tried again
    while AWS answers one of ``codes`` (what this run made, not seen yet)."""
    def make():
        if not is_id(lb_arn):  # pragma: no cover - a Pending arn never reaches make: ctx.create does not call it then
            raise ValueError('no load balancer to add a listener to')
        raw = create_or_find(lambda: fresh(ctx, codes, 'listener %s:%d' % (lb_arn, want['port']),
                                           lambda: ctx.call('create_listener', LoadBalancerArn=lb_arn, **args))['Listeners'][0],
                             lambda: _find_listener(ctx, lb_arn, want['port']))
        return raw['ListenerArn'], dict(want, arn=raw['ListenerArn'])
    return make


def _find_listener(ctx, lb_arn, port):
    for li in ctx.client.paginate('describe_listeners', 'Listeners', LoadBalancerArn=lb_arn):
        if li['Port'] == port:
            return li
    return None


# -- removal ---------------------------------------------------------------------------------------

def _group_users(ctx, arn):
    """What holds a target group: the load balancers DescribeTargetGroups names for it."""
    group = find_target_group(ctx.client, arn=arn)
    return ['load balancer %s' % a for a in (group or {}).get('LoadBalancerArns') or []] or \
        ['no load balancer any more (AWS releases a target group a moment after its load balancer is gone)']


def _delete_target_group(ctx, arn, timeout):
    """DeleteTargetGroup; AWS answers ResourceInUse for a short while after its load balancer went
    (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeleteTargetGroup.html, Errors:
    ResourceInUse "A specified resource is in use."): sent again until the timeout, then waiters.StillInUse names the
    load balancers that use it."""
    retry_in_use(lambda: ctx.call('delete_target_group', TargetGroupArn=arn), ('ResourceInUse',), 'target group %s' % arn,
                 lambda: _group_users(ctx, arn), timeout=timeout, delay=2)


def delete(ctx, *, existing, desired=None):
    """Listeners, the load balancer (waited for until gone), then its target groups: those attached and those the task
    names. ``existing``: what :func:`find` found (its ``raw`` None: only the named target groups go). Deletion protection
    is turned off only when asked (``desired['deletion_protection']`` false); otherwise the error names the option.
    Every refusal (deletion protection, a group another load balancer forwards to; ownership and type: :func:`find`)
    comes before the first delete."""
    existing, state = existing['raw'], existing['state']
    disable_deletion_protection = (desired or {}).get('deletion_protection') is False
    before = _view_of(existing, state) or {'load_balancer': None, 'listeners': [],
                                           'target_groups': [describe_target_group(g['raw'], g['attributes'], g['tags'], g['health'])
                                                             for n, g in sorted(state['groups'].items())]}
    mine = existing['LoadBalancerArn'] if existing is not None else None
    for name, g in sorted(state['groups'].items()):
        others = sorted(a for a in g['raw'].get('LoadBalancerArns') or [] if a != mine)
        if others:
            raise ValidationError('target_groups', 'target group %s is used by another load balancer too (%s): refused, nothing was '
                                  'changed; AWS deletes a target group only when no load balancer uses it' % (name, ', '.join(others)))
    if existing is not None and state['attributes'].get('deletion_protection.enabled') == 'true' and not disable_deletion_protection:
        raise ValidationError('deletion_protection', 'load balancer %s has deletion protection on; set '
                              'deletion_protection: false in this task to turn it off and delete it' % existing['LoadBalancerName'])
    if existing is not None:
        arn = existing['LoadBalancerArn']
        if state['attributes'].get('deletion_protection.enabled') == 'true':
            ctx.call('modify_load_balancer_attributes', LoadBalancerArn=arn,
                     Attributes=[{'Key': 'deletion_protection.enabled', 'Value': 'false'}])
        names = dict((g['raw']['TargetGroupArn'], n) for n, g in state['groups'].items())
        for li in sorted(state['listeners'], key=lambda li: li['Port']):
            ctx.call('delete_listener', ListenerArn=li['ListenerArn'])
            ctx.plan.record('listener', '%s:%d' % (existing['LoadBalancerName'], li['Port']),
                            Change('delete', describe_listener(li, names, state['rules'].get(li['ListenerArn'])), None,
                                   li['ListenerArn']))
        ctx.call('delete_load_balancer', LoadBalancerArn=arn)
        ctx.plan.record('load_balancer', existing['LoadBalancerName'], Change('delete', before['load_balancer'], None, arn))
        if ctx.wait:
            ctx.live(_wait_gone, ctx, arn, ctx.wait_timeout)
    for name, g in sorted(state['groups'].items()):
        tg_arn = g['raw']['TargetGroupArn']
        _delete_target_group(ctx, tg_arn, ctx.wait_timeout if ctx.wait else 0)
        ctx.plan.record('target_group', name, Change('delete', describe_target_group(g['raw'], g['attributes'], g['tags'], g['health']),
                                                     None, tg_arn))
    changed = existing is not None or bool(state['groups'])
    return Change('delete' if changed else 'none', before if changed else None, None, existing and existing['LoadBalancerArn'])
