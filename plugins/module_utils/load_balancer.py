# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An Application Load Balancer with its target groups and listeners. Used by load_balancer.

The resource contract (docs/architecture.md): :func:`find`, :func:`describe`, :func:`ensure` and
:func:`delete`, over a Context whose client is ELBv2's (EC2's reads go through ``ec2=``).

Order of work: :func:`validate` (no call), :func:`find` and :func:`read` (what exists), :func:`resolve`
(reads only: subnets, groups, targets; none whose answer what exists already gives), then target
groups, the load balancer (waited for until active), listeners.
Removal is the reverse: listeners, the load balancer (waited for until gone), its target groups.
Creates go through ``retries.create_or_find``: a lost answer is found again by name.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change, Pending, is_id, public, real_id
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import describe_one, group_ids_in_vpc, not_found
from ansible_collections.seed.laravel_aws.plugins.module_utils.elbv2 import (
    apply_elb_tags, find_target_group, health_view, tags_of, target_health, validate_instance_ids, validate_name,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find, error_code, gather
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import (
    NAME_TAG, ROLE_TAG, STACK_TAG, validate_stack_name,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import dict_to_boto3_tags, normalize_tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import wait_for

DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06'
MATCHER_RE = re.compile(r'^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$')
SUBNET_RE = re.compile(r'^subnet-[0-9a-f]{8,17}$')
CERT_ARN_RE = re.compile(r'^arn:aws[a-z-]*:(acm|iam)::?[a-z0-9-]*:\d{12}:(certificate|server-certificate)/.+$')
# What AWS reports for an attribute that was never set: an answer that leaves one out reads as this default.
LB_DEFAULTS = {'idle_timeout.timeout_seconds': '60', 'deletion_protection.enabled': 'false',
               'access_logs.s3.enabled': 'false', 'access_logs.s3.bucket': '', 'access_logs.s3.prefix': ''}
TG_DEFAULTS = {'deregistration_delay.timeout_seconds': '300', 'stickiness.enabled': 'false',
               'stickiness.type': 'lb_cookie', 'stickiness.lb_cookie.duration_seconds': '86400'}
HEALTH_KEYS = (('path', 'HealthCheckPath'), ('interval', 'HealthCheckIntervalSeconds'), ('timeout', 'HealthCheckTimeoutSeconds'),
               ('healthy_threshold', 'HealthyThresholdCount'), ('unhealthy_threshold', 'UnhealthyThresholdCount'))


def _between(value, low, high, field, what):
    if value is None or not low <= value <= high:
        raise ValidationError(field, '%s must be between %d and %d (got %r)' % (what, low, high, value))
    return value


# -- validation: no call ---------------------------------------------------------------------------

def validate_health_check(hc, field):
    """The health check of a target group; each error names its key and the range AWS takes."""
    hc = dict(hc or {})
    path = hc.get('path') or '/'
    if not path.startswith('/'):
        raise ValidationError(field + '.path', "%r must start with '/' (for example /health)" % path)
    if len(path) > 1024:
        raise ValidationError(field + '.path', 'at most 1024 characters')
    interval = _between(hc.get('interval', 30), 5, 300, field + '.interval', 'the interval (seconds)')
    timeout = _between(hc.get('timeout', 5), 2, 120, field + '.timeout', 'the timeout (seconds)')
    if timeout >= interval:
        raise ValidationError(field + '.timeout', 'the timeout (%ds) must be shorter than the interval (%ds); lower the timeout '
                              'or raise the interval' % (timeout, interval))
    healthy = _between(hc.get('healthy_threshold', 5), 2, 10, field + '.healthy_threshold', 'the healthy threshold')
    unhealthy = _between(hc.get('unhealthy_threshold', 2), 2, 10, field + '.unhealthy_threshold', 'the unhealthy threshold')
    matcher = str(hc.get('matcher') or '200').replace(' ', '')
    if not MATCHER_RE.match(matcher) or any(not 200 <= int(c) <= 499 for c in re.split('[-,]', matcher)):
        raise ValidationError(field + '.matcher', "%r is not an HTTP code matcher: codes 200-499, like '200', '200,302' or "
                              "'200-299'" % matcher)
    return {'path': path, 'interval': interval, 'timeout': timeout, 'healthy_threshold': healthy,
            'unhealthy_threshold': unhealthy, 'matcher': matcher}


def validate_target_group(tg, i, tags):
    field = 'target_groups[%d]' % i
    name = validate_name(tg.get('name'), field + '.name', 'target group')
    port = _between(tg.get('port'), 1, 65535, field + '.port', 'the port')
    target_port = tg.get('target_port') or port
    _between(target_port, 1, 65535, field + '.target_port', 'the port targets are registered on')
    delay = _between(tg.get('deregistration_delay'), 0, 3600, field + '.deregistration_delay', 'the deregistration delay (seconds)')
    stickiness = None
    if tg.get('stickiness') is not None:
        st = tg['stickiness']
        stickiness = {'enabled': bool(st.get('enabled', True)), 'type': st.get('type') or 'lb_cookie',
                      'duration': _between(st.get('duration', 86400), 1, 604800, field + '.stickiness.duration',
                                           'the cookie duration (seconds)')}
    targets = tg.get('targets')
    if targets is not None:
        targets = validate_instance_ids(targets, field + '.targets')
    target_filter = tg.get('target_filter')
    if target_filter is not None:
        validate_stack_name(target_filter.get('stack'), field + '.target_filter.stack')
        if not target_filter.get('role'):
            raise ValidationError(field + '.target_filter.role', 'a role is required (web, db, ...)')
    return {'name': name, 'field': field, 'protocol': tg.get('protocol') or 'HTTP', 'port': port, 'target_port': target_port,
            'health_check': validate_health_check(tg.get('health_check'), field + '.health_check'),
            'deregistration_delay': delay, 'stickiness': stickiness, 'targets': targets, 'target_filter': target_filter,
            'purge_targets': tg.get('purge_targets', True), 'tags': dict(tags or {}, **{NAME_TAG: name})}


def validate_listener(listener, i, group_names):
    field = 'listeners[%d]' % i
    port = _between(listener.get('port'), 1, 65535, field + '.port', 'the port')
    protocol = listener.get('protocol') or 'HTTP'
    cert, policy = listener.get('certificate_arn'), None
    if protocol == 'HTTPS':
        if not cert:
            raise ValidationError(field + '.certificate_arn', 'an HTTPS listener needs a certificate: give the ARN of an ACM '
                                  'certificate (the certificate module returns it as certificate.arn)')
        if not CERT_ARN_RE.match(cert):
            raise ValidationError(field + '.certificate_arn', '%r is not a certificate ARN (arn:aws:acm:...)' % cert)
        policy = listener.get('ssl_policy') or DEFAULT_SSL_POLICY
    elif cert:
        raise ValidationError(field + '.certificate_arn', 'only an HTTPS listener takes a certificate; set protocol: HTTPS '
                              'or drop certificate_arn')
    action = listener.get('action') or 'forward'
    view = {'port': port, 'protocol': protocol, 'certificate_arn': cert, 'ssl_policy': policy, 'action': action,
            'target_group': None, 'redirect_port': None}
    if action == 'forward':
        group = listener.get('target_group') or (group_names[0] if len(group_names) == 1 else None)
        if not group:
            raise ValidationError(field + '.target_group', 'a forward listener names the target group it forwards to (one of: %s)'
                                  % (', '.join(group_names) or 'none given in target_groups'))
        if group not in group_names:
            raise ValidationError(field + '.target_group', '%r is none of the target groups of this task (%s); add it to '
                                  'target_groups' % (group, ', '.join(group_names) or 'none'))
        view['target_group'] = group
    else:
        view['redirect_port'] = _between(listener.get('redirect_port') or 443, 1, 65535, field + '.redirect_port', 'the port')
        if view['redirect_port'] == port and protocol == 'HTTPS':
            raise ValidationError(field + '.redirect_port', 'an HTTPS listener redirecting to its own port would loop')
    return view


def validate(p):
    """The desired state from the module's options, every check that needs no call; ValidationError names the field."""
    name = validate_name(p['name'], 'name')
    tags = normalize_tags(p.get('tags'), added=(NAME_TAG,)) if p.get('tags') is not None else None
    desired = {'name': name, 'tags': dict(tags, **{NAME_TAG: name}) if tags is not None else None, 'state': p['state']}
    if p['state'] == 'absent':  # only the names: what goes is found by them
        groups = [{'name': validate_name(tg.get('name'), 'target_groups[%d].name' % i, 'target group'),
                   'field': 'target_groups[%d]' % i} for i, tg in enumerate(p.get('target_groups') or [])]
    else:
        groups = [validate_target_group(tg, i, tags) for i, tg in enumerate(p.get('target_groups') or [])]
    seen = set()
    for g in groups:
        if g['name'] in seen:
            raise ValidationError(g['field'] + '.name', 'target group %r is listed twice' % g['name'])
        seen.add(g['name'])
    if tags is None:  # tags not given: left as they are (a new resource gets its Name tag)
        for g in groups:
            g['tags'] = None
    desired['target_groups'] = groups
    if p['state'] == 'absent':
        return desired
    subnets = p.get('subnets') or []
    for s in subnets:
        if not isinstance(s, str) or not SUBNET_RE.match(s):
            raise ValidationError('subnets', '%r is not a subnet id (subnet-...)' % (s,))
    if len(set(subnets)) < 2:
        raise ValidationError('subnets', 'an Application Load Balancer needs subnets in two or more availability zones '
                              '(%d subnet given); add a subnet of another zone' % len(set(subnets)))
    listeners = [validate_listener(listener, i, [g['name'] for g in groups]) for i, listener in enumerate(p.get('listeners') or [])]
    ports = [listener['port'] for listener in listeners]
    for i, port in enumerate(ports):
        if port in ports[:i]:
            raise ValidationError('listeners[%d].port' % i, 'port %d has two listeners; one listener per port' % port)
    logs = p.get('access_logs')
    access_logs = None
    if logs is not None:
        access_logs = {'enabled': bool(logs.get('enabled', True)), 'bucket': logs.get('bucket') or '', 'prefix': logs.get('prefix') or ''}
        if access_logs['enabled'] and not access_logs['bucket']:
            raise ValidationError('access_logs.bucket', 'access logs need the S3 bucket they are written to')
    desired.update(subnets=sorted(set(subnets)), security_groups=p.get('security_groups'), scheme=p.get('scheme') or 'internet-facing',
                   idle_timeout=_between(p.get('idle_timeout'), 1, 4000, 'idle_timeout', 'the idle timeout (seconds)'),
                   deletion_protection=bool(p.get('deletion_protection')), access_logs=access_logs, listeners=listeners,
                   purge_listeners=p.get('purge_listeners', True))
    return desired


# -- reads: what exists, and what the names refer to -------------------------------------------------

def resolve(ctx, *, desired, ec2, existing=None, state=None):
    """Reads only, before any change: the subnets' one VPC and two or more zones, the security groups'
    ids in that VPC, each target group's instances (in that VPC). Fills ``desired`` in place.

    ``existing`` (the raw load balancer) and ``state`` (what :func:`read` found) spare the reads whose
    answer is already known: subnets the load balancer already has (AWS checked them when they were set:
    one VPC, one per zone), and listed targets all registered in their group already (registering checked
    they are in its VPC, which the group cannot leave)."""
    have = sorted(z.get('SubnetId') for z in (existing or {}).get('AvailabilityZones') or [])
    if existing is not None and existing.get('VpcId') and have == desired['subnets']:
        vpc_id = existing['VpcId']
    else:
        vpc_id = _subnets_vpc(ec2, desired['subnets'])
    desired['vpc_id'] = vpc_id
    if desired.get('security_groups') is not None:
        desired['security_group_ids'] = group_ids_in_vpc(ec2, vpc_id, desired['security_groups'], "the subnets' VPC")
    else:
        desired['security_group_ids'] = None
    groups = (state or {}).get('groups') or {}
    for g in desired['target_groups']:
        g['vpc_id'] = vpc_id
        g['target_ids'] = _targets(ctx, ec2, g, vpc_id, groups.get(g['name']))
    return desired


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


def _targets(ctx, ec2, group, vpc_id, existing=None):
    """The instance ids of a target group, checked to be in its VPC; None when targets are left alone.
    ``existing``: what :func:`read` found of the group, whose registered targets need no check."""
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
    else:
        return None if group['targets'] is None else []
    outside = sorted('%s (in %s)' % (i['InstanceId'], i.get('VpcId')) for i in instances if i.get('VpcId') != vpc_id)
    if outside:
        raise ValidationError(where, 'instances outside the target group\'s VPC %s: %s; a target group only takes instances of '
                              'its own VPC' % (vpc_id, ', '.join(outside)))
    return sorted(i['InstanceId'] for i in instances)


def find(ctx, *, name):
    """The raw load balancer of that name, or None."""
    return describe_one(ctx.client.describe_load_balancers, 'LoadBalancers', 'LoadBalancerNotFound', Names=[name])


def read(ctx, *, existing, group_names=()):
    """Everything the views need, read side by side: the load balancer's attributes, tags and listeners,
    and the target groups of ``group_names`` (raw, attributes, tags, health) — those attached included."""
    elb = ctx.client
    arn = existing['LoadBalancerArn'] if existing else None
    names = list(group_names)
    state = {'attributes': {}, 'listeners': [], 'tags': {}, 'groups': {}}
    attached = {}
    if arn:
        # The groups attached to the load balancer come with its other reads; only the named groups that
        # are not among them (none on a rerun) are looked up by name, in a second round.
        attrs, state['listeners'], found = gather(
            lambda: elb.describe_load_balancer_attributes(LoadBalancerArn=arn)['Attributes'],
            lambda: elb.paginate('describe_listeners', 'Listeners', LoadBalancerArn=arn),
            lambda: elb.paginate('describe_target_groups', 'TargetGroups', LoadBalancerArn=arn))
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
    tag_arns = ([arn] if arn else []) + [g['TargetGroupArn'] for g in groups.values()]
    tg_results = gather(*(tg_reads + [lambda: tags_of(elb, tag_arns)]))
    tags = tg_results[-1]
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


def describe_listener(raw, group_names):
    """The snake_case view of a listener; ``group_names``: {target group arn: name}."""
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
    return view


def view_of(lb_raw, state):
    """The whole view (load balancer, listeners, target groups) of what ``read`` found."""
    if lb_raw is None:
        return None
    names = dict((g['raw']['TargetGroupArn'], n) for n, g in state['groups'].items())
    return {'load_balancer': describe(lb_raw, state['attributes'], state['tags']),
            'listeners': sorted((describe_listener(li, names) for li in state['listeners']), key=lambda li: li['port']),
            'target_groups': [describe_target_group(g['raw'], g['attributes'], g['tags'], g['health'])
                              for n, g in sorted(state['groups'].items())]}


# -- target groups ---------------------------------------------------------------------------------

def _tg_health_args(g):
    hc = g['health_check']
    return {'HealthCheckProtocol': g['protocol'], 'HealthCheckPath': hc['path'], 'HealthCheckIntervalSeconds': hc['interval'],
            'HealthCheckTimeoutSeconds': hc['timeout'], 'HealthyThresholdCount': hc['healthy_threshold'],
            'UnhealthyThresholdCount': hc['unhealthy_threshold'], 'Matcher': {'HttpCode': hc['matcher']}}


def _tg_attributes(g):
    out = {'deregistration_delay.timeout_seconds': str(g['deregistration_delay'])}
    if g['stickiness'] is not None:
        out['stickiness.enabled'] = 'true' if g['stickiness']['enabled'] else 'false'
        out['stickiness.type'] = g['stickiness']['type']
        out['stickiness.lb_cookie.duration_seconds'] = str(g['stickiness']['duration'])
    return out


def _attribute_changes(current, wanted, defaults):
    return [{'Key': k, 'Value': v} for k, v in sorted(wanted.items()) if _attr(current, k, defaults) != v]


def _create_target_group(ctx, g):
    kwargs = dict(Name=g['name'], Protocol=g['protocol'], Port=g['port'], VpcId=g['vpc_id'], TargetType='instance',
                  HealthCheckEnabled=True, **_tg_health_args(g))
    kwargs['Tags'] = dict_to_boto3_tags(g['tags'] or {NAME_TAG: g['name']})
    return create_or_find(lambda: ctx.call('create_target_group', **kwargs)['TargetGroups'][0],
                          lambda: find_target_group(ctx.client, name=g['name']))


def ensure_target_group(ctx, *, desired, existing=None):
    """One target group: made (or found again by name after a lost answer), health check, attributes,
    tags and targets converged. ``existing``: what :func:`read` found of it ({raw, attributes, tags, health}), or None."""
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
        before, current = None, {'raw': raw, 'attributes': {}, 'tags': dict(g['tags'] or {NAME_TAG: g['name']}), 'health': []}
    else:
        raw, current = existing['raw'], existing
        before = describe_target_group(raw, existing['attributes'], existing['tags'], existing['health'])
        if raw.get('VpcId') != g['vpc_id'] or raw.get('Protocol') != g['protocol'] or raw.get('Port') != g['port']:
            raise ValidationError(g['field'] + '.name', 'target group %s exists with %s:%s in %s; AWS cannot change a target '
                                  'group\'s protocol, port or VPC (wanted %s:%s in %s): give another name, or delete it first'
                                  % (g['name'], raw.get('Protocol'), raw.get('Port'), raw.get('VpcId'), g['protocol'], g['port'],
                                     g['vpc_id']))
    arn = raw['TargetGroupArn']
    changed = existing is None
    after = describe_target_group(raw, current['attributes'], current['tags'], current['health'])
    if existing is not None:
        wanted = _tg_health_args(g)
        differs = dict((k, v) for k, v in wanted.items() if k != 'HealthCheckProtocol' and raw.get(k) != v)
        if differs:
            ctx.call('modify_target_group', TargetGroupArn=arn, **wanted)
            changed = True
            after['health_check'] = dict(g['health_check'])
    attrs = _attribute_changes(current['attributes'], _tg_attributes(g), TG_DEFAULTS)
    if attrs:
        ctx.call('modify_target_group_attributes', TargetGroupArn=arn, Attributes=attrs)
        changed = True
        merged = dict(current['attributes'], **dict((a['Key'], a['Value']) for a in attrs))
        view = describe_target_group({}, merged)
        after['deregistration_delay'], after['stickiness'] = view['deregistration_delay'], view['stickiness']
    if existing is not None and g['tags'] is not None:
        tag_changed, after['tags'] = apply_elb_tags(ctx, arn, current['tags'], g['tags'])
        changed |= tag_changed
    if g.get('target_ids') is not None:
        changed |= _converge_targets(ctx, g, arn, current['health'], after)
    return Change.of(changed, before, after, arn)


def _converge_targets(ctx, g, arn, health, after):
    have = set((d['Target']['Id'], d['Target'].get('Port')) for d in health)
    want = set((i, g['target_port']) for i in g['target_ids'])
    add = sorted(want - have)
    remove = sorted(have - want) if g['purge_targets'] else []
    if add:
        ctx.call('register_targets', TargetGroupArn=arn, Targets=[{'Id': i, 'Port': p} for i, p in add])
    if remove:
        ctx.call('deregister_targets', TargetGroupArn=arn, Targets=[{'Id': i, 'Port': p} for i, p in remove])
    if add or remove:
        kept = [t for t in after['targets'] if (t['id'], t['port']) not in set(remove)]
        kept += [{'id': i, 'port': p, 'health': 'initial' if is_id(arn) else None, 'reason': None, 'description': None} for i, p in add]
        after['targets'] = sorted(kept, key=lambda t: (t['id'], t['port'] or 0))
    return bool(add or remove)


# -- the load balancer -----------------------------------------------------------------------------

def _lb_attributes(desired):
    out = {'idle_timeout.timeout_seconds': str(desired['idle_timeout']),
           'deletion_protection.enabled': 'true' if desired['deletion_protection'] else 'false'}
    logs = desired.get('access_logs')
    if logs is not None:
        out['access_logs.s3.enabled'] = 'true' if logs['enabled'] else 'false'
        if logs['enabled']:
            out['access_logs.s3.bucket'] = logs['bucket']
            out['access_logs.s3.prefix'] = logs['prefix']
    return out


def wait_active(ctx, arn, timeout):
    def fetch():
        found = ctx.client.describe_load_balancers(LoadBalancerArns=[arn])['LoadBalancers']
        return found[0] if found else {}
    return wait_for(fetch, lambda lb: (lb.get('State') or {}).get('Code') == 'active', 'load balancer %s to be active' % arn,
                    timeout=timeout, delay=3, failed=lambda lb: (lb.get('State') or {}).get('Reason') or 'it failed'
                    if (lb.get('State') or {}).get('Code') == 'failed' else None)


def wait_gone(ctx, arn, timeout):
    def fetch():
        try:
            return ctx.client.describe_load_balancers(LoadBalancerArns=[arn])['LoadBalancers']
        except Exception as exc:  # pylint: disable=broad-except
            if not_found(exc, 'LoadBalancerNotFound'):
                return []
            raise
    wait_for(fetch, lambda found: not found, 'load balancer %s to be deleted' % arn, timeout=timeout, delay=3)


def _create_load_balancer(ctx, desired):
    kwargs = dict(Name=desired['name'], Subnets=desired['subnets'], Scheme=desired['scheme'], Type='application',
                  IpAddressType='ipv4')
    if desired.get('security_group_ids'):
        kwargs['SecurityGroups'] = desired['security_group_ids']
    kwargs['Tags'] = dict_to_boto3_tags(desired.get('tags') or {NAME_TAG: desired['name']})
    raw = create_or_find(lambda: ctx.call('create_load_balancer', **kwargs)['LoadBalancers'][0],
                         lambda: find(ctx, name=desired['name']))
    return raw['LoadBalancerArn'], raw


def ensure(ctx, *, desired, existing=None, state=None):
    """The load balancer as ``desired`` (see :func:`validate` and :func:`resolve`) against ``existing`` (raw, or None);
    ``state``: what :func:`read` found. Target groups first, then the load balancer, then its listeners; each
    recorded in ``ctx.plan``. Returns the Change of the whole (before/after: :func:`view_of`)."""
    state = state or read(ctx, existing=existing, group_names=[g['name'] for g in desired['target_groups']])
    before = view_of(existing, state)
    groups_after, tg_arns = [], {}
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
        lb_after = describe(raw, {}, desired.get('tags') or {NAME_TAG: desired['name']})
        lb_changed = True
    else:
        raw = existing
        lb_before = describe(raw, state['attributes'], state['tags'])
        lb_after = dict(lb_before)
        lb_changed = False
        if raw.get('Scheme') != desired['scheme']:
            raise ValidationError('scheme', 'load balancer %s is %s; AWS cannot change the scheme (wanted %s): delete it first, or '
                                  'keep scheme: %s' % (desired['name'], raw.get('Scheme'), desired['scheme'], raw.get('Scheme')))
        if raw.get('VpcId') != desired['vpc_id']:
            raise ValidationError('subnets', 'load balancer %s is in VPC %s, the subnets in %s: a load balancer cannot move to '
                                  'another VPC' % (desired['name'], raw.get('VpcId'), desired['vpc_id']))
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
        raw = ctx.live(wait_active, ctx, arn, ctx.wait_timeout) or raw
        lb_after = describe(raw, {}, lb_after['tags'])
    attrs = _attribute_changes(state['attributes'], _lb_attributes(desired), LB_DEFAULTS)
    if attrs:
        ctx.call('modify_load_balancer_attributes', LoadBalancerArn=arn, Attributes=attrs)
        lb_changed = True
    lb_after.update(idle_timeout=desired['idle_timeout'], deletion_protection=desired['deletion_protection'])
    if desired.get('access_logs') is not None:
        lb_after['access_logs'] = dict(desired['access_logs']) if desired['access_logs']['enabled'] else \
            {'enabled': False, 'bucket': lb_after['access_logs']['bucket'], 'prefix': lb_after['access_logs']['prefix']}
    ctx.plan.record('load_balancer', desired['name'], Change.of(lb_changed, lb_before, lb_after, arn))
    listeners_after = _converge_listeners(ctx, desired, arn, state, tg_arns)
    after = {'load_balancer': lb_after, 'listeners': listeners_after, 'target_groups': sorted(groups_after, key=lambda g: g['name'])}
    changed = ctx.plan.changed
    return Change.of(changed, before, after, arn)


def _listener_args(view, tg_arns):
    if view['action'] == 'forward':
        actions = [{'Type': 'forward', 'TargetGroupArn': tg_arns[view['target_group']]}]
    else:
        actions = [{'Type': 'redirect', 'RedirectConfig': {'Protocol': 'HTTPS', 'Port': str(view['redirect_port']),
                                                           'StatusCode': 'HTTP_301'}}]
    args = {'Protocol': view['protocol'], 'Port': view['port'], 'DefaultActions': actions}
    if view['protocol'] == 'HTTPS':
        args.update(Certificates=[{'CertificateArn': view['certificate_arn']}], SslPolicy=view['ssl_policy'])
    return args


def _converge_listeners(ctx, desired, lb_arn, state, tg_arns):
    names = dict((a, n) for n, a in tg_arns.items())
    names.update(dict((g['raw']['TargetGroupArn'], n) for n, g in state['groups'].items()))
    current = dict((li['Port'], li) for li in state['listeners'])
    out = []
    keys = ('port', 'protocol', 'certificate_arn', 'ssl_policy', 'action', 'target_group', 'redirect_port')
    for want in desired['listeners']:
        have = current.get(want['port'])
        name = '%s:%d' % (desired['name'], want['port'])
        if have is None:
            change = ctx.create('listener', name, _listener_maker(ctx, lb_arn, want, _listener_args(want, tg_arns)),
                                dict(want, arn=Pending('listener', name)))
        else:
            before = describe_listener(have, names)
            if all(before[k] == want[k] for k in keys):
                change = Change('none', before, before, have['ListenerArn'])
            else:
                ctx.call('modify_listener', ListenerArn=have['ListenerArn'], **_listener_args(want, tg_arns))
                change = Change('update', before, dict(want, arn=have['ListenerArn']), have['ListenerArn'])
        out.append(ctx.plan.record('listener', name, change).after)
    if desired['purge_listeners']:
        wanted = set(li['port'] for li in desired['listeners'])
        for port, have in sorted(current.items()):
            if port not in wanted:
                ctx.call('delete_listener', ListenerArn=have['ListenerArn'])
                ctx.plan.record('listener', '%s:%d' % (desired['name'], port), Change('delete', describe_listener(have, names), None,
                                                                                      have['ListenerArn']))
    else:
        out += [describe_listener(li, names) for p, li in sorted(current.items()) if p not in set(w['port'] for w in desired['listeners'])]
    return public(sorted(out, key=lambda li: li['port']))


def _listener_maker(ctx, lb_arn, want, args):
    """The ``make`` of a listener's create: CreateListener, found again by its port after a lost answer."""
    def make():
        if not is_id(lb_arn):  # pragma: no cover - a Pending arn only exists in check mode, where make is not called
            raise ValueError('no load balancer to add a listener to')
        raw = create_or_find(lambda: ctx.call('create_listener', LoadBalancerArn=lb_arn, **args)['Listeners'][0],
                             lambda: _find_listener(ctx, lb_arn, want['port']))
        return raw['ListenerArn'], dict(want, arn=raw['ListenerArn'])
    return make


def _find_listener(ctx, lb_arn, port):
    for li in ctx.client.paginate('describe_listeners', 'Listeners', LoadBalancerArn=lb_arn):
        if li['Port'] == port:
            return li
    return None


# -- removal ---------------------------------------------------------------------------------------

def _delete_target_group(ctx, arn, timeout):
    """DeleteTargetGroup; AWS answers ResourceInUse for a short while after its load balancer went: retried until the timeout."""
    def attempt():
        try:
            ctx.call('delete_target_group', TargetGroupArn=arn)
            return True
        except Exception as exc:  # pylint: disable=broad-except
            if error_code(exc) == 'ResourceInUse':
                return False
            raise
    wait_for(attempt, bool, 'target group %s to be free to delete' % arn, timeout=timeout, delay=2)


def delete(ctx, *, existing, state=None, group_names=(), disable_deletion_protection=False):
    """Listeners, the load balancer (waited for until gone), then its target groups and those of ``group_names``.
    ``existing``: the raw load balancer, or None (then only the named target groups go). Deletion protection
    is turned off only when asked (the option set to false); otherwise the error names the option."""
    state = state or read(ctx, existing=existing, group_names=group_names)
    before = view_of(existing, state) or {'load_balancer': None, 'listeners': [],
                                          'target_groups': [describe_target_group(g['raw'], g['attributes'], g['tags'], g['health'])
                                                            for n, g in sorted(state['groups'].items())]}
    if existing is not None:
        arn = existing['LoadBalancerArn']
        if state['attributes'].get('deletion_protection.enabled') == 'true':
            if not disable_deletion_protection:
                raise ValidationError('deletion_protection', 'load balancer %s has deletion protection on; set '
                                      'deletion_protection: false in this task to turn it off and delete it' % existing['LoadBalancerName'])
            ctx.call('modify_load_balancer_attributes', LoadBalancerArn=arn,
                     Attributes=[{'Key': 'deletion_protection.enabled', 'Value': 'false'}])
        names = dict((g['raw']['TargetGroupArn'], n) for n, g in state['groups'].items())
        for li in sorted(state['listeners'], key=lambda li: li['Port']):
            ctx.call('delete_listener', ListenerArn=li['ListenerArn'])
            ctx.plan.record('listener', '%s:%d' % (existing['LoadBalancerName'], li['Port']),
                            Change('delete', describe_listener(li, names), None, li['ListenerArn']))
        ctx.call('delete_load_balancer', LoadBalancerArn=arn)
        ctx.plan.record('load_balancer', existing['LoadBalancerName'], Change('delete', before['load_balancer'], None, arn))
        if ctx.wait:
            ctx.live(wait_gone, ctx, arn, ctx.wait_timeout)
    for name, g in sorted(state['groups'].items()):
        tg_arn = g['raw']['TargetGroupArn']
        _delete_target_group(ctx, tg_arn, ctx.wait_timeout if ctx.wait else 0)
        ctx.plan.record('target_group', name, Change('delete', describe_target_group(g['raw'], g['attributes'], g['tags'], g['health']),
                                                     None, tg_arn))
    changed = existing is not None or bool(state['groups'])
    return Change('delete' if changed else 'none', before if changed else None, None, existing and existing['LoadBalancerArn'])
