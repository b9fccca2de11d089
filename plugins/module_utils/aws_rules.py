# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS's documented parameter rules, one table, for every operation the collection sends.

Each row of :data:`RULES` is one rule as AWS's API reference or user guide words it: the service (botocore's name),
the operation (the API's name), the parameter as a path into the request botocore builds (``Tags[].Key``,
``Attributes[Key=deregistration_delay.timeout_seconds].Value``), the rule, the page it comes from, the error code
AWS answers when it refuses, and examples that pass and fail. The modules' validation, the ``secret_problem`` filter
(through :mod:`secrets`, a view of the same rows) and the preflight all read this one table, so a value refused
by one is refused by all; the project's tests hold AWS's answers to the same rows.

Limits of the table: rows whose rule depends on the engine (RDS, PostgreSQL only: the collection's one engine) carry
``when``; a row applies to a request whose parameters match it (a parameter left out counts as ``None``).
Rules beyond what the rows hold (botocore's own model: required members, lengths, enums) are botocore's and AWS's.

Never echo a value: a message names the rule, the parameter and (for a length) the length, not what was given.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
import unicodedata

# -- sources ------------------------------------------------------------------------------------------------------
EC2_API = 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_%s.html'
ELB_API = 'https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_%s.html'
RDS_API = 'https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_%s.html'
EC_API = 'https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_%s.html'
ACM_API = 'https://docs.aws.amazon.com/acm/latest/APIReference/API_%s.html'
# "Tag restrictions": maximum key length 128 Unicode characters, value 256, the aws: prefix reserved; "Although EC2
# allows for any character in its tags, other AWS services are more restrictive." (the API reference's Tag shape says
# 127 for the key; the user guide, and AWS in practice, take 128).
EC2_TAGS = 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions'
# "Tag restrictions": key 128, value 256, "The aws: prefix is reserved for AWS use", letters, spaces and numbers
# representable in UTF-8 plus + - = . _ : / @.
ELB_TAGS = 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-tags.html'
# Tag: "from 1 to 128 Unicode characters in length and can't be prefixed with aws: or rds:" (the value: "to 256",
# the same prefixes), Java regex "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$".
RDS_TAGS = 'https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_Tag.html'
# "Tag restrictions": key 128 Unicode characters, value 256, aws: prefix reserved, letters, numbers, white space and
# _ . / = + - : @.
EC_TAGS = 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Tagging-Resources.html'
# "Tag restrictions": key 1-128, value 0-256, "the aws: prefix is reserved", letters, numbers, spaces and _ . : / = + - @;
# ImportCertificate/AddTagsToCertificate answer InvalidTagException ("you cannot specify a tag value that begins with aws:").
ACM_TAGS = 'https://docs.aws.amazon.com/acm/latest/userguide/tags-restrictions.html'
VPC_CIDR = 'https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html'  # "between a /16 netmask ... and /28"
SUBNET_CIDR = 'https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html'  # "between a /16 netmask ... and /28"
ALB_HEALTH = 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html'
KEY_PAIRS = 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/create-key-pairs.html'
# "User data is limited to 16 KB, in raw form, before it is base64-encoded."
USER_DATA = 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-add-user-data.html'
# "Amazon EBS volume types": the size of each type (gp3 and gp2 1 GiB-16 TiB, io1 4 GiB-16 TiB, io2 4 GiB-64 TiB, st1 and
# sc1 125 GiB-16 TiB, standard 1 GiB-1 TiB).
EBS_TYPES = 'https://docs.aws.amazon.com/ebs/latest/userguide/ebs-volume-types.html'
S3_NAMES = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html'
IAM_API = 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_%s.html'
AS_API = 'https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_%s.html'
# "Its default value is 0 seconds when you create an Auto Scaling group using the AWS CLI or an SDK. A value of 0 turns
# off the health check grace period."
AS_GRACE = 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-check-grace-period.html'
# "IAM and AWS STS quotas": role trust policy length 2,048 characters (adjustable to 4,096), role policy size 10,240
# characters for all of a role's inline policies, managed policies per role 10 (adjustable to 20), roles in an
# instance profile 1; "IAM doesn't count white space when calculating the size of a policy against these quotas".
IAM_QUOTAS = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html'
# "Tag naming rules": key 1-128 and value 0-256 characters of letters, numbers, spaces and _ . : / = + - @; "the aws:
# prefix is reserved for AWS use".
IAM_TAGS = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#id_tags_rules'
# "Condition basics": up to three match evaluations per condition, five per rule; up to five wildcard characters per rule
# (and zero or one of each of host-header, http-request-method, path-pattern and source-ip per rule, which the collection
# never breaks: it sends one of each at most). "Host conditions" and
# "Path conditions": the characters and lengths of their values.
ALB_CONDITIONS = 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html'
# "Redirect actions": protocol HTTP, HTTPS or #{protocol}, port 1-65535 or #{port}, the path starting with /; "you must
# modify at least one of the following components to avoid a redirect loop: protocol, hostname, port, or path".
ALB_REDIRECTS = 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html#redirect-actions'

TAG_SPECIAL = '_.:/=+-@'
PRINTABLE = ''.join(chr(c) for c in range(33, 127))  # printable ASCII without the space
SG_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-:/()#,@[]+=&;{}!$*'

# -- the checks a row may hold (all must pass) --------------------------------------------------------------------
DAYS = ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')
DAILY_RE = re.compile(r'^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$')
WEEKLY_RE = re.compile(r'^(%s):([01][0-9]|2[0-3]):([0-5][0-9])-(%s):([01][0-9]|2[0-3]):([0-5][0-9])$' % ('|'.join(DAYS), '|'.join(DAYS)))
MATCHER_RE = re.compile(r'^\d+(-\d+)?(,\d+(-\d+)?)*$')


def _tag_char(c):
    """\\p{L}, \\p{Z}, \\p{N} or one of _ . : / = + - @ (the tag character set of ELBv2, RDS, ElastiCache and ACM)."""
    return c in TAG_SPECIAL or unicodedata.category(c)[0] in 'LZN'


def _window_minutes(value, weekly):
    m = (WEEKLY_RE if weekly else DAILY_RE).match(value.lower())
    if not m:
        return None
    g = m.groups()
    if weekly:
        start = DAYS.index(g[0]) * 1440 + int(g[1]) * 60 + int(g[2])
        end = DAYS.index(g[3]) * 1440 + int(g[4]) * 60 + int(g[5])
        return (end - start) % (7 * 1440)
    return (int(g[2]) * 60 + int(g[3]) - int(g[0]) * 60 - int(g[1])) % 1440


def _int(value):
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _cidr_prefix(value):
    try:
        net = ipaddress.IPv4Network(u'%s' % value, strict=False)
    except ValueError:
        return None
    return net.prefixlen if '/' in str(value) else None


def _matcher_ok(value, low, high):
    text = str(value)
    if not MATCHER_RE.match(text):
        return False
    for part in text.split(','):
        bounds = [int(b) for b in part.split('-')]
        if not all(low <= b <= high for b in bounds) or bounds != sorted(bounds):
            return False
    return True


# -- checks of a whole structure: a listener rule's Conditions, a RedirectConfig ----------------------------------
CONDITION_CONFIGS = {'host-header': 'HostHeaderConfig', 'path-pattern': 'PathPatternConfig', 'http-header': 'HttpHeaderConfig',
                     'query-string': 'QueryStringConfig', 'http-request-method': 'HttpRequestMethodConfig',
                     'source-ip': 'SourceIpConfig'}
WILDCARD_FIELDS = ('host-header', 'path-pattern', 'http-header', 'query-string')


def condition_values(condition):
    """The match evaluations of one RuleCondition: its config's Values (the field's own, HostHeaderConfig...), else the
    legacy Values."""
    if not isinstance(condition, dict):
        return []
    config = condition.get(CONDITION_CONFIGS.get(condition.get('Field'), ''))
    values = config.get('Values') if isinstance(config, dict) else None
    return list(values or condition.get('Values') or [])


def _conditions(value):
    return [c for c in value if isinstance(c, dict)] if isinstance(value, list) else []


def _evaluations(value, limit):
    count = sum(len(condition_values(c)) for c in _conditions(value))
    return '%d match evaluations' % count if count > limit else None


def _condition_evaluations(value, limit):
    count = max([len(condition_values(c)) for c in _conditions(value)] or [0])
    return 'a condition of %d match evaluations' % count if count > limit else None


def _wildcards(value, limit):
    count = 0
    for c in _conditions(value):
        if c.get('Field') in WILDCARD_FIELDS:
            for v in condition_values(c):
                text = '%s%s' % (v.get('Key') or '', v.get('Value') or '') if isinstance(v, dict) else u'%s' % (v,)
                count += text.count('*') + text.count('?')
    return '%d wildcard characters' % count if count > limit else None


def _redirect_changes(value, dummy):
    """A RedirectConfig that keeps protocol, host, port and path as the request had them redirects to itself."""
    config = value if isinstance(value, dict) else {}
    kept = ((config.get('Protocol') or '#{protocol}') == '#{protocol}' and (config.get('Host') or '#{host}') == '#{host}'
            and (config.get('Port') or '#{port}') == '#{port}' and (config.get('Path') or '/#{path}') == '/#{path}')
    return 'a redirect to the same URL (a loop)' if kept else None


def _volume_size(value, sizes):
    """An EBS block device (its Ebs dict) whose VolumeSize is outside its VolumeType's range (gp2 when no type is given, as
    EBS takes it); none without a size (the snapshot's)."""
    ebs = value if isinstance(value, dict) else {}
    size, kind = _int(ebs.get('VolumeSize')), ebs.get('VolumeType') or 'gp2'
    if ebs.get('VolumeSize') is None or kind not in sizes:
        return None
    low, high = sizes[kind]
    return None if size is not None and low <= size <= high else 'a %s volume of a size outside %d-%d GiB' % (kind, low, high)


def _base64_bytes(value, limit):
    """Base64 text whose decoded bytes are more than ``limit`` (or that is not base64 at all)."""
    import base64
    import binascii
    try:
        raw = base64.b64decode(u'%s' % (value,), validate=True)
    except (binascii.Error, ValueError):
        return 'not base64'
    return '%d bytes before base64' % len(raw) if len(raw) > limit else None


def _healthy_span(value, limit):
    """Refresh preferences with MaxHealthyPercentage but no MinHealthyPercentage, or the two more than ``limit`` apart."""
    prefs = value if isinstance(value, dict) else {}
    high, low = _int(prefs.get('MaxHealthyPercentage')), _int(prefs.get('MinHealthyPercentage'))
    if prefs.get('MaxHealthyPercentage') is None:
        return None
    if prefs.get('MinHealthyPercentage') is None:
        return 'MaxHealthyPercentage without MinHealthyPercentage'
    return None if high is not None and low is not None and high - low <= limit else 'the two more than %d apart' % limit


def _label_for(value, metric):
    """A PredefinedMetricSpecification of type ``metric`` without a ResourceLabel, or of another type with one."""
    spec = value if isinstance(value, dict) else {}
    kind, label = spec.get('PredefinedMetricType'), spec.get('ResourceLabel')
    if (kind == metric) == bool(label):
        return None
    return '%s without a ResourceLabel' % metric if label is None else 'a ResourceLabel with %s' % kind


STRUCTURE_CHECKS = {'evaluations': _evaluations, 'condition_evaluations': _condition_evaluations, 'wildcards': _wildcards,
                    'redirect_changes': _redirect_changes, 'volume_size': _volume_size, 'base64_bytes': _base64_bytes,
                    'healthy_span': _healthy_span, 'label_for': _label_for}


def _fails(check, value, params):
    """None when ``value`` meets every check, else a short reason (never the value itself)."""
    for kind, arg in sorted(check.items()):
        if kind in STRUCTURE_CHECKS:
            reason = STRUCTURE_CHECKS[kind](value, arg)
            if reason:
                return reason
    return _fails_value(dict((k, v) for k, v in check.items() if k not in STRUCTURE_CHECKS), value, params)


def _fails_value(check, value, params):
    """:func:`_fails` for the checks of one value (or of the request's other parameters)."""
    for kind, arg in sorted(check.items()):
        if kind == 'forbidden_with':
            if params.get(arg) is not None:
                return 'not allowed together with %s' % arg
            continue
        if kind == 'bounds':  # (the parameter it is at least, the one it is at most): a bound left out is not judged
            n, low, high = _int(value), _int(params.get(arg[0])) if arg[0] else None, _int(params.get(arg[1])) if arg[1] else None
            if n is None or (low is not None and n < low) or (high is not None and n > high):
                return 'outside %s-%s' % (arg[0] or '', arg[1] or '')
            continue
        if kind == 'requires':
            name, wanted = arg
            if params.get(name) != wanted:
                return 'needs %s=%s' % (name, wanted)
            continue
        if kind in ('range',):
            n = _int(value)
            if n is None or not arg[0] <= n <= arg[1]:
                return 'outside %d-%d' % arg
            continue
        if kind == 'cidr':
            prefix = _cidr_prefix(value)
            if prefix is None or not arg[0] <= prefix <= arg[1]:
                return 'not an IPv4 CIDR block from /%d to /%d' % arg
            continue
        text = u'%s' % (value,) if value is not None else u''
        if kind == 'length':
            low, high = arg
            if len(text) < low or (high is not None and len(text) > high):
                return '%d characters' % len(text)
        elif kind == 'utf8_length':  # S3's object keys: bytes of their UTF-8 encoding
            size = len(text.encode('utf-8'))
            if size < arg[0] or size > arg[1]:
                return '%d bytes in UTF-8' % size
        elif kind == 'regex':
            if not re.match(arg + r'\Z', text):
                return 'not of the form AWS takes'
        elif kind == 'chars':
            if not all(c in arg for c in text):
                return 'holds a character AWS does not take'
        elif kind == 'nonspace':  # IAM's policy sizes: the characters but white space
            if len(''.join(text.split())) > arg:
                return '%d characters but white space' % len(''.join(text.split()))
        elif kind == 'tag_chars':
            if not all(_tag_char(c) for c in text):
                return 'holds a character AWS does not take in tags'
        elif kind == 'forbid':
            if any(c in arg for c in text):
                return 'holds a character AWS does not take'
        elif kind == 'not_prefix':
            if text.lower().startswith(tuple(p.lower() for p in arg)):
                return 'starts with a reserved prefix'
        elif kind == 'not_suffix':
            if text.lower().endswith(tuple(p.lower() for p in arg)):
                return 'ends with a reserved suffix'
        elif kind == 'not_values':
            if text.lower() in [v.lower() for v in arg]:
                return 'a reserved name'
        elif kind == 'strip':
            if text != text.strip():
                return 'leading or trailing spaces'
        elif kind == 'identifier':  # first a letter, no hyphen at the end, no two hyphens in a row
            if not text[:1].isalpha() or text.endswith('-') or '--' in text:
                return 'not of the form AWS takes'
        elif kind == 'window':
            minutes = _window_minutes(text, arg[0] == 'weekly')
            if minutes is None or minutes < arg[1]:
                return 'not a window of %d minutes or more in the form AWS takes' % arg[1]
        elif kind == 'matcher':
            if not _matcher_ok(text, arg[0], arg[1]):
                return 'not HTTP codes from %d to %d' % arg
        else:
            raise ValueError('unknown check %r' % kind)
    return None


# -- the rows ---------------------------------------------------------------------------------------------------
RULES = []


def _row(service, operation, parameter, rule, source, code, message, good, bad, check, when=None, secret=False, key=None,
         pass_with=None, fail_with=None):
    """One rule. ``pass_with``/``fail_with``: the other parameters the examples are sent with (a rule on a combination)."""
    RULES.append({'service': service, 'operation': operation, 'parameter': parameter, 'rule': rule, 'source': source,
                  'code': code, 'message': message, 'good': list(good), 'bad': list(bad), 'check': dict(check),
                  'when': dict(when or {}), 'secret': secret, 'key': key, 'pass_with': dict(pass_with or {}),
                  'fail_with': dict(fail_with or {})})


# ELBv2. Constraint violations are answered ValidationError ("The input fails to satisfy the constraints specified by
# an AWS service", https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/CommonErrors.html).
_ELB_NAME = {'length': (1, 32), 'regex': r'[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?'}
_row('elbv2', 'CreateLoadBalancer', 'Name',
     'can have a maximum of 32 characters, must contain only alphanumeric characters or hyphens, must not begin or end with a hyphen',
     ELB_API % 'CreateLoadBalancer', 'ValidationError',
     "The load balancer name can have a maximum of 32 characters, must contain only alphanumeric characters or hyphens, "
     "and must not begin or end with a hyphen",
     ['demo-alb', 'a', 'x' * 32], ['x' * 33, '-demo', 'demo-', 'demo_alb', ''], _ELB_NAME)
_row('elbv2', 'CreateLoadBalancer', 'Name', 'must not begin with "internal-"', ELB_API % 'CreateLoadBalancer', 'ValidationError',
     "The load balancer name must not begin with 'internal-'", ['demo-internal', 'internals'], ['internal-demo'],
     {'not_prefix': ('internal-',)})
_row('elbv2', 'CreateTargetGroup', 'Name',
     'can have a maximum of 32 characters, must contain only alphanumeric characters or hyphens, and must not begin or end with a hyphen',
     ELB_API % 'CreateTargetGroup', 'ValidationError',
     'The target group name can have a maximum of 32 characters, must contain only alphanumeric characters or hyphens, '
     'and must not begin or end with a hyphen', ['demo-web', 'x' * 32], ['x' * 33, 'demo-', '-web', 'demo.web'], _ELB_NAME)
for _op in ('CreateTargetGroup', 'ModifyTargetGroup'):
    _row('elbv2', _op, 'HealthCheckPath', 'the ping path: 1-1024 characters, beginning with /', ALB_HEALTH, 'ValidationError',
         "Health check path must begin with a '/' character and be 1-1024 characters long", ['/', '/up', '/' + 'x' * 1023],
         ['up', '/' + 'x' * 1024], {'length': (1, 1024), 'regex': r'/.*'})
    _row('elbv2', _op, 'HealthCheckIntervalSeconds', 'The range is 5-300.', ELB_API % _op, 'ValidationError',
         'Health check interval must be between 5 and 300 seconds', [5, 30, 300], [4, 301], {'range': (5, 300)})
    _row('elbv2', _op, 'HealthCheckTimeoutSeconds', 'The range is 2-120 seconds.', ELB_API % _op, 'ValidationError',
         'Health check timeout must be between 2 and 120 seconds', [2, 5, 120], [1, 121], {'range': (2, 120)})
    _row('elbv2', _op, 'HealthyThresholdCount', 'The range is 2-10.', ELB_API % _op, 'ValidationError',
         'Healthy threshold count must be between 2 and 10', [2, 10], [1, 11], {'range': (2, 10)})
    _row('elbv2', _op, 'UnhealthyThresholdCount', 'The range is 2-10.', ELB_API % _op, 'ValidationError',
         'Unhealthy threshold count must be between 2 and 10', [2, 10], [1, 11], {'range': (2, 10)})
    _row('elbv2', _op, 'Matcher.HttpCode',
         'For target groups with a protocol of HTTP or HTTPS, the range is 200-499 (values like 200, 200,202 or 200-299)',
         ELB_API % 'Matcher', 'ValidationError', 'Health check matcher HTTP code must be a code, list or range of codes from 200 to 499',
         ['200', '200,302', '200-299'], ['100', '500', '200-', 'ok', '299-200'], {'matcher': (200, 499)},
         when={'Protocol': (None, 'HTTP', 'HTTPS')})
for _op in ('CreateTargetGroup', 'CreateListener'):
    _row('elbv2', _op, 'Port', 'Valid Range: Minimum value of 1. Maximum value of 65535.', ELB_API % _op, 'ValidationError',
         'Port must be between 1 and 65535', [1, 80, 65535], [0, 65536], {'range': (1, 65535)})
for _op in ('RegisterTargets', 'DeregisterTargets'):
    _row('elbv2', _op, 'Targets[].Port', 'Valid Range: Minimum value of 1. Maximum value of 65535.', ELB_API % 'TargetDescription',
         'ValidationError', 'Port must be between 1 and 65535', [1, 8080, 65535], [0, 65536], {'range': (1, 65535)})
_row('elbv2', 'ModifyTargetGroupAttributes', 'Attributes[Key=deregistration_delay.timeout_seconds].Value',
     'deregistration_delay.timeout_seconds: The range is 0-3600 seconds.', ELB_API % 'TargetGroupAttribute', 'ValidationError',
     "'deregistration_delay.timeout_seconds' must be a number from 0 to 3600", ['0', '300', '3600'], ['-1', '3601', 'soon'],
     {'range': (0, 3600)})
_row('elbv2', 'ModifyTargetGroupAttributes', 'Attributes[Key=stickiness.lb_cookie.duration_seconds].Value',
     'stickiness.lb_cookie.duration_seconds: The range is 1 second to 1 week (604800 seconds).', ELB_API % 'TargetGroupAttribute',
     'ValidationError', "'stickiness.lb_cookie.duration_seconds' must be a number from 1 to 604800", ['1', '86400', '604800'],
     ['0', '604801'], {'range': (1, 604800)})
for _op, _path in (('AddTags', 'Tags'), ('CreateLoadBalancer', 'Tags'), ('CreateTargetGroup', 'Tags')):
    _row('elbv2', _op, _path + '[].Key', 'Maximum key length: 128 Unicode characters; the aws: prefix is reserved; letters, spaces, '
         'numbers and + - = . _ : / @', ELB_TAGS, 'ValidationError', 'Tag key must be 1-128 characters of letters, spaces, numbers and '
         '+ - = . _ : / @, and must not begin with aws:', ['Stack', 'Name', 'k' * 128, 'a b:c/d'], ['aws:name', 'k' * 129, 'a*b', ''],
         {'length': (1, 128), 'not_prefix': ('aws:',), 'tag_chars': True})
    _row('elbv2', _op, _path + '[].Value', 'Maximum value length: 256 Unicode characters; letters, spaces, numbers and + - = . _ : / @',
         ELB_TAGS, 'ValidationError', 'Tag value must be 0-256 characters of letters, spaces, numbers and + - = . _ : / @',
         ['demo', '', 'v' * 256], ['v' * 257, 'a*b'], {'length': (0, 256), 'tag_chars': True})

# Listener rules (CreateRule, ModifyRule). The priority: "Valid Range: Minimum value of 1. Maximum value of 50000."; a
# priority a rule of the listener has already: PriorityInUse (API_CreateRule, Errors), which only AWS's state can
# answer. A condition, an action AWS cannot take: ValidationError ("A rule can only have '5' condition values", as AWS
# words the first of these), InvalidLoadBalancerAction ("The requested action is not valid.") for a redirect to itself.
_row('elbv2', 'CreateRule', 'Priority', 'Valid Range: Minimum value of 1. Maximum value of 50000.', ELB_API % 'CreateRule',
     'ValidationError', 'Priority must be between 1 and 50000', [1, 10, 50000], [0, 50001], {'range': (1, 50000)})
_HOST = ('can be up to 128 characters; A-Z, a-z, 0-9, - and ., with the wildcards * and ?; at least one "."; only alphabetical '
         'characters after the final "."')
_PATH = 'can be up to 128 characters; A-Z, a-z, 0-9, _ - . $ / ~ " \' @ : + &, with the wildcards * and ?'
for _op in ('CreateRule', 'ModifyRule'):
    _row('elbv2', _op, 'Conditions[].HostHeaderConfig.Values[]', 'A host name ' + _HOST, ALB_CONDITIONS, 'ValidationError',
         "The 'host-header' value is not valid: " + _HOST, ['www.example.com', '*.example.com', 'WWW.Shop-1.example.com', 'w?w.a.io'],
         ['example', 'www.example.com1', 'www.example.', 'www_x.example.com', 'a' * 125 + '.com', ''],
         {'length': (1, 128), 'regex': r'[A-Za-z0-9*?.-]*\.[A-Za-z]+'})
    _row('elbv2', _op, 'Conditions[].PathPatternConfig.Values[]', 'A path pattern ' + _PATH, ALB_CONDITIONS, 'ValidationError',
         "The 'path-pattern' value is not valid: " + _PATH, ['/', '/old/*', "/a_b-c.d$e/~f\"g'h@i:j+k&l?"],
         ['/a b', '/caf\u00e9', '/' + 'p' * 128, '', '/a#b'], {'length': (1, 128), 'regex': r'[A-Za-z0-9_.$/~"\'@:+&*?-]*'})
    _row('elbv2', _op, 'Conditions', 'You can specify up to five match evaluations per rule.', ALB_CONDITIONS, 'ValidationError',
         "A rule can only have '5' condition values",
         [[{'Field': 'host-header', 'HostHeaderConfig': {'Values': ['a.example.com', 'b.example.com']}},
           {'Field': 'path-pattern', 'PathPatternConfig': {'Values': ['/a', '/b', '/c']}}]],
         [[{'Field': 'host-header', 'HostHeaderConfig': {'Values': ['a.example.com', 'b.example.com', 'c.example.com']}},
           {'Field': 'path-pattern', 'PathPatternConfig': {'Values': ['/a', '/b', '/c']}}]], {'evaluations': 5})
    _row('elbv2', _op, 'Conditions', 'You can specify up to three match evaluations per condition.', ALB_CONDITIONS,
         'ValidationError', "A condition can only have '3' values",
         [[{'Field': 'path-pattern', 'PathPatternConfig': {'Values': ['/a', '/b', '/c']}}]],
         [[{'Field': 'path-pattern', 'PathPatternConfig': {'Values': ['/a', '/b', '/c', '/d']}}]], {'condition_evaluations': 3})
    _row('elbv2', _op, 'Conditions', 'There is a limit of five wildcard characters per rule.', ALB_CONDITIONS, 'ValidationError',
         "A rule can only have '5' wildcards",
         [[{'Field': 'host-header', 'HostHeaderConfig': {'Values': ['*.example.com']}},
           {'Field': 'path-pattern', 'PathPatternConfig': {'Values': ['/a/*', '/b/*?', '/c*']}}]],
         [[{'Field': 'host-header', 'HostHeaderConfig': {'Values': ['*.example.com', '?.example.com']}},
           {'Field': 'path-pattern', 'PathPatternConfig': {'Values': ['/a/*', '/b/**?']}}]], {'wildcards': 5})
    _row('elbv2', _op, 'Actions[].RedirectConfig', 'You must modify at least one of the following components to avoid a redirect '
         'loop: protocol, hostname, port, or path.', ALB_REDIRECTS, 'InvalidLoadBalancerAction', 'The requested action is not valid.',
         [{'Host': 'example.com', 'StatusCode': 'HTTP_301'}, {'Protocol': 'HTTPS', 'StatusCode': 'HTTP_301'},
          {'Path': '/new/#{path}', 'StatusCode': 'HTTP_302'}],
         [{'StatusCode': 'HTTP_301'},
          {'Protocol': '#{protocol}', 'Host': '#{host}', 'Port': '#{port}', 'Path': '/#{path}', 'Query': 'x=1', 'StatusCode': 'HTTP_302'}],
         {'redirect_changes': True})
    _row('elbv2', _op, 'Actions[].RedirectConfig.Port', 'The port. You can specify a value from 1 to 65535 or #{port}.',
         ALB_REDIRECTS, 'ValidationError', 'The redirect port must be from 1 to 65535 or #{port}', ['#{port}', '443', '1', '65535'],
         ['0', '65536', 'https', '#{host}', ''],
         {'regex': r'(?:#\{port\}|[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])'})
    _row('elbv2', _op, 'Actions[].RedirectConfig.Path', 'The absolute path, starting with the leading "/" (1-128 characters).',
         ALB_REDIRECTS, 'ValidationError', "The redirect path must start with '/' and be 1-128 characters long",
         ['/#{path}', '/', '/new/#{path}'], ['#{path}', 'new', '/' + 'p' * 128], {'length': (1, 128), 'regex': r'/.*'})
    _row('elbv2', _op, 'Actions[].RedirectConfig.Host', 'The hostname (1-128 characters); it can contain #{host}.', ALB_REDIRECTS,
         'ValidationError', 'The redirect host must be 1-128 characters long', ['#{host}', 'shop.example.com', 'www.#{host}'],
         ['', 'h' * 129], {'length': (1, 128)})
    _row('elbv2', _op, 'Actions[].RedirectConfig.Query', 'The query parameters (0-128 characters).', ALB_REDIRECTS,
         'ValidationError', 'The redirect query must be 0-128 characters long', ['#{query}', '', 'a=1&b=#{host}'], ['q' * 129],
         {'length': (0, 128)})

# EC2. "InvalidParameterValue: A value specified in a parameter is not valid, is unsupported, or cannot be used";
# InvalidVpc.Range / InvalidSubnet.Range: "The CIDR block you specified for the VPC/subnet is not valid. The allowed
# block size is between a /28 netmask and /16 netmask." (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html)
_row('ec2', 'CreateSecurityGroup', 'GroupName', "Up to 255 characters in length. Valid characters: a-z, A-Z, 0-9, spaces, and "
     "._-:/()#,@[]+=&;{}!$*", EC2_API % 'CreateSecurityGroup', 'InvalidParameterValue',
     'Invalid value for parameter GroupName: up to 255 characters of a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*',
     ['demo-web', 'web (80/443)', 'x' * 255], ['x' * 256, 'caf\u00e9', 'tab\there', '', 'a"b'], {'length': (1, 255), 'chars': SG_CHARS})
_row('ec2', 'CreateSecurityGroup', 'GroupName', "Can't start with sg-.", EC2_API % 'CreateSecurityGroup', 'InvalidParameterValue',
     'Invalid value for parameter GroupName: group names may not be in the format sg-*', ['demo-sg', 'sgx'], ['sg-web', 'SG-web'],
     {'not_prefix': ('sg-',)})
_row('ec2', 'CreateSecurityGroup', 'Description', "Up to 255 characters in length. Valid characters: a-z, A-Z, 0-9, spaces, and "
     "._-:/()#,@[]+=&;{}!$*", EC2_API % 'CreateSecurityGroup', 'InvalidParameterValue',
     'Invalid value for parameter GroupDescription: up to 255 characters of a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*',
     ['Web servers of stack demo', 'x' * 255], ['x' * 256, "it's", 'caf\u00e9', ''], {'length': (1, 255), 'chars': SG_CHARS})
for _op in ('CreateKeyPair', 'ImportKeyPair'):
    _row('ec2', _op, 'KeyName', "Up to 255 ASCII characters; it can't include leading or trailing spaces", KEY_PAIRS,
         'InvalidParameterValue', 'Invalid value for parameter KeyName: up to 255 ASCII characters, no leading or trailing spaces',
         ['demo-key', 'my key', 'k' * 255], ['k' * 256, ' lead', 'trail ', 'cl\u00e9', ''],
         {'length': (1, 255), 'chars': PRINTABLE + ' ', 'strip': True})
_row('ec2', 'CreateVpc', 'CidrBlock', 'The allowed block size is between a /16 netmask (65,536 IP addresses) and /28 netmask '
     '(16 IP addresses).', VPC_CIDR, 'InvalidVpc.Range', 'The CIDR is invalid: the block size must be between /16 and /28',
     ['10.0.0.0/16', '10.0.0.0/28', '172.16.5.0/24'], ['10.0.0.0/8', '10.0.0.0/15', '10.0.0.0/29', '10.0.0.0', 'ten'], {'cidr': (16, 28)})
_row('ec2', 'CreateSubnet', 'CidrBlock', 'The allowed block size is between a /28 netmask and /16 netmask.', SUBNET_CIDR,
     'InvalidSubnet.Range', 'The CIDR is invalid: the block size must be between /16 and /28',
     ['10.0.1.0/24', '10.0.0.0/16', '10.0.0.16/28'], ['10.0.0.0/29', '10.0.0.0/15', 'x'], {'cidr': (16, 28)})
for _op in ('AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'RevokeSecurityGroupIngress', 'RevokeSecurityGroupEgress'):
    for _end in ('FromPort', 'ToPort'):
        _row('ec2', _op, 'IpPermissions[].%s' % _end, 'If the protocol is TCP or UDP, a port from 0 to 65535; for ICMP the type or '
             'code, -1 for all', EC2_API % 'IpPermission', 'InvalidParameterValue',
             'Invalid value for portRange: ports are -1 (all) or 0-65535', [-1, 0, 443, 65535], [-2, 65536], {'range': (-1, 65535)})
_EC2_TAGGED = (('CreateVpc', 'vpc'), ('CreateSubnet', 'subnet'), ('CreateSecurityGroup', 'security-group'),
               ('CreateInternetGateway', 'internet-gateway'), ('CreateRouteTable', 'route-table'), ('CreateNatGateway', 'natgateway'),
               ('AllocateAddress', 'elastic-ip'), ('CreateKeyPair', 'key-pair'), ('ImportKeyPair', 'key-pair'),
               ('RunInstances', 'instance'), ('CreateLaunchTemplate', 'launch-template'), ('CreateImage', 'image'))
for _op, _path in [('CreateTags', 'Tags')] + [(o, 'TagSpecifications[].Tags') for o, _rt in _EC2_TAGGED]:
    _row('ec2', _op, _path + '[].Key', 'Maximum key length: 128 Unicode characters; you cannot use the aws: prefix', EC2_TAGS,
         'InvalidParameterValue', "Tag keys must be 1-128 characters and tag keys starting with 'aws:' are reserved for internal use",
         ['Stack', 'Name', 'k' * 128, 'any*char'], ['aws:cloudformation', 'AWS:x', 'k' * 129, ''],
         {'length': (1, 128), 'not_prefix': ('aws:',)})
    _row('ec2', _op, _path + '[].Value', 'Maximum value length: 256 Unicode characters', EC2_TAGS, 'InvalidParameterValue',
         'Tag values must be at most 256 characters', ['demo', '', 'v' * 256], ['v' * 257], {'length': (0, 256)})
EC2_RESOURCE_TYPES = dict(_EC2_TAGGED)
# Launch templates. The name: "Constraints: 3-128 characters; only alphanumeric characters, parentheses, periods, slashes,
# hyphens and underscores" (InvalidLaunchTemplateName.MalformedException, API_CreateLaunchTemplate's Errors), the version
# description "Constraints: Maximum 255 characters"; the hop limit "Possible values: Integers from 1 to 64"
# (API_LaunchTemplateInstanceMetadataOptionsRequest); user data 16 KB before base64; a volume's size by its type.
_row('ec2', 'CreateLaunchTemplate', 'LaunchTemplateName', '3-128 characters; only alphanumeric characters, parentheses, periods, '
     'slashes, hyphens and underscores', EC2_API % 'CreateLaunchTemplate', 'InvalidLaunchTemplateName.MalformedException',
     'A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following '
     'characters: - ( ) . / _', ['demo-web', 'web(v2)/a_b.c', 'n' * 128], ['ab', 'n' * 129, 'demo web', 'demo:web', 'café'],
     {'length': (3, 128), 'regex': r'[a-zA-Z0-9().\-/_]+'})
_LAUNCH_SIZES = {'gp3': (1, 16384), 'gp2': (1, 16384), 'io1': (4, 16384), 'io2': (4, 65536), 'st1': (125, 16384),
                 'sc1': (125, 16384), 'standard': (1, 1024)}
for _op in ('CreateLaunchTemplate', 'CreateLaunchTemplateVersion'):
    _row('ec2', _op, 'VersionDescription', 'Constraints: Maximum 255 characters.', EC2_API % _op, 'InvalidParameterValue',
         'The version description must be at most 255 characters', ['', 'web tier', 'd' * 255], ['d' * 256], {'length': (0, 255)})
    _row('ec2', _op, 'LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit', 'Possible values: Integers from 1 to 64',
         EC2_API % 'LaunchTemplateInstanceMetadataOptionsRequest', 'InvalidParameterValue',
         'The HTTP PUT response hop limit must be an integer from 1 to 64', [1, 2, 64], [0, 65], {'range': (1, 64)})
    _row('ec2', _op, 'LaunchTemplateData.UserData', 'User data is limited to 16 KB, in raw form, before it is base64-encoded',
         USER_DATA, 'InvalidUserData.Malformed', 'User data is limited to 16384 bytes',
         ['', 'IyEvYmluL3NoCg==', 'QUFB' * 5461 + 'QQ=='], ['QUFB' * 5462, 'not base64!'], {'base64_bytes': 16384})
    _row('ec2', _op, 'LaunchTemplateData.TagSpecifications[].ResourceType', 'The type of resource to tag on creation. Valid Values '
         'are instance | volume | network-interface | spot-instances-request', EC2_API % 'LaunchTemplateTagSpecificationRequest',
         'InvalidParameterValue', 'The resource type to tag on creation must be instance, volume, network-interface or '
         'spot-instances-request', ['instance', 'volume', 'network-interface', 'spot-instances-request'],
         ['launch-template', 'vpc', ''], {'regex': r'(?:instance|volume|network-interface|spot-instances-request)'})
    _row('ec2', _op, 'LaunchTemplateData.BlockDeviceMappings[].Ebs', 'The size of each volume type: gp3 and gp2 1-16,384 GiB, io1 '
         '4-16,384 GiB, io2 4-65,536 GiB, st1 and sc1 125-16,384 GiB, standard 1-1,024 GiB', EBS_TYPES, 'InvalidParameterValue',
         'Volume size is out of the range of its volume type',
         [{'VolumeType': 'gp3', 'VolumeSize': 8}, {'VolumeType': 'gp3', 'VolumeSize': 16384}, {'VolumeType': 'io2', 'VolumeSize': 65536},
          {'VolumeType': 'gp3'}],
         [{'VolumeType': 'gp3', 'VolumeSize': 0}, {'VolumeType': 'gp3', 'VolumeSize': 16385}, {'VolumeType': 'io1', 'VolumeSize': 3},
          {'VolumeType': 'standard', 'VolumeSize': 1025}, {'VolumeSize': 16385}],
         {'volume_size': _LAUNCH_SIZES})

# RDS. "InvalidParameterValue: An invalid or out-of-range value was supplied for the input parameter";
# "InvalidParameterCombination: Parameters that must not be used together were used together"
# (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html).
_POSTGRES = {'Engine': (None, 'postgres')}
_row('rds', 'CreateDBInstance', 'DBInstanceIdentifier', 'Must contain from 1 to 63 letters, numbers, or hyphens. First character '
     "must be a letter. Can't end with a hyphen or contain two consecutive hyphens.", RDS_API % 'CreateDBInstance',
     'InvalidParameterValue', 'The parameter DBInstanceIdentifier is not a valid identifier. Identifiers must begin with a letter; '
     'must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.',
     ['demo-db', 'a', 'a' * 63], ['1db', 'db-', 'db--1', 'a' * 64, 'db_1', ''],
     {'length': (1, 63), 'regex': r'[A-Za-z0-9-]*', 'identifier': True})
_row('rds', 'DeleteDBInstance', 'FinalDBSnapshotIdentifier', 'Must be 1 to 255 letters, numbers, or hyphens. First character must '
     "be a letter. Can't end with a hyphen or contain two consecutive hyphens.", RDS_API % 'DeleteDBInstance', 'InvalidParameterValue',
     'The parameter FinalDBSnapshotIdentifier is not a valid identifier. Identifiers must begin with a letter; must contain only '
     'ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.',
     ['demo-final', 'a' * 255], ['final-', '9final', 'a--b', 'a' * 256], {'length': (1, 255), 'regex': r'[A-Za-z0-9-]*', 'identifier': True})
_row('rds', 'CreateDBInstance', 'MasterUsername', 'Must be 1 to 16 letters, numbers, or underscores. First character must be a letter.',
     RDS_API % 'CreateDBInstance', 'InvalidParameterValue', 'The parameter MasterUsername is not a valid identifier: 1 to 16 '
     'letters, numbers, or underscores, the first a letter.', ['laravel', 'app_admin', 'u' * 16], ['1admin', 'u' * 17, 'app-admin', ''],
     {'length': (1, 16), 'regex': r'[A-Za-z][A-Za-z0-9_]*'})
for _op in ('CreateDBInstance', 'ModifyDBInstance'):
    _row('rds', _op, 'MasterUserPassword', 'Can include any printable ASCII character except "/", """, or "@". RDS for PostgreSQL - '
         'Must contain from 8 to 128 characters.', RDS_API % _op, 'InvalidParameterValue',
         "The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '\"', ' ' may "
         "be used, 8 to 128 of them.", ['Secr3t-pass', 'p' * 128, "a#b$c%d&e'f"],
         ['short', 'p' * 129, 'has space', 'a/b12345', 'a@b12345', 'a"b12345', 'caf\u00e91234'],
         {'length': (8, 128), 'chars': ''.join(c for c in PRINTABLE if c not in '/"@')}, when=_POSTGRES, secret=True,
         key='rds_master_password' if _op == 'CreateDBInstance' else None)
_row('rds', 'CreateDBInstance', 'DBName', 'RDS for PostgreSQL: Must contain 1 to 63 letters, numbers, or underscores. Must begin with a '
     'letter. Subsequent characters can be letters, underscores, or digits (0-9).', RDS_API % 'CreateDBInstance', 'InvalidParameterValue',
     'The parameter DBName is not a valid identifier: 1 to 63 letters, numbers, or underscores, the first a letter.',
     ['laravel', 'app_db', 'd' * 63], ['1db', 'app-db', 'd' * 64, ''], {'length': (1, 63), 'regex': r'[A-Za-z][A-Za-z0-9_]*'},
     when=_POSTGRES)
_row('rds', 'CreateDBInstance', 'AllocatedStorage', 'RDS for PostgreSQL, General Purpose (SSD) storage (gp2, gp3): Must be an integer '
     'from 20 to 65536.', RDS_API % 'CreateDBInstance', 'InvalidParameterCombination',
     'Invalid storage size for engine name postgres and storage type gp2/gp3: from 20 to 65536 GiB', [20, 100, 65536], [5, 19, 65537],
     {'range': (20, 65536)}, when=dict(_POSTGRES, StorageType=(None, 'gp2', 'gp3')))
_row('rds', 'CreateDBInstance', 'AllocatedStorage', 'RDS for PostgreSQL, Provisioned IOPS storage (io1, io2): Must be an integer from '
     '100 to 65536.', RDS_API % 'CreateDBInstance', 'InvalidParameterCombination',
     'Invalid storage size for engine name postgres and storage type io1/io2: from 100 to 65536 GiB', [100, 65536], [20, 99, 65537],
     {'range': (100, 65536)}, when=dict(_POSTGRES, StorageType=('io1', 'io2')))
for _op in ('CreateDBInstance', 'ModifyDBInstance'):
    _row('rds', _op, 'BackupRetentionPeriod', 'Must be a value from 0 to 35.', RDS_API % _op, 'InvalidParameterValue',
         'The backup retention period must be between 0 and 35 days.', [0, 7, 35], [-1, 36], {'range': (0, 35)})
    _row('rds', _op, 'PreferredBackupWindow', 'Must be in the format hh24:mi-hh24:mi. Must be in Universal Coordinated Time (UTC). '
         'Must be at least 30 minutes.', RDS_API % _op, 'InvalidParameterValue',
         'The parameter PreferredBackupWindow must be in the format hh24:mi-hh24:mi and at least 30 minutes long.',
         ['03:00-03:30', '23:45-00:15'], ['03:00-03:29', '3:00-4:00', '03:00', '24:00-01:00'], {'window': ('daily', 30)})
    _row('rds', _op, 'PreferredMaintenanceWindow', 'Must be in the format ddd:hh24:mi-ddd:hh24:mi. The day values must be mon | tue | '
         'wed | thu | fri | sat | sun. Must be at least 30 minutes.', RDS_API % _op, 'InvalidParameterValue',
         'The parameter PreferredMaintenanceWindow must be in the format ddd:hh24:mi-ddd:hh24:mi and at least 30 minutes long.',
         ['sun:05:00-sun:05:30', 'sat:23:30-sun:00:30'], ['sun:05:00-sun:05:10', 'sunday:05:00-06:00', 'xyz:05:00-xyz:06:00'],
         {'window': ('weekly', 30)})
_row('rds', 'CreateDBInstance', 'Port', 'Valid Values: 1150-65535', RDS_API % 'CreateDBInstance', 'InvalidParameterValue',
     'Invalid port: valid values are 1150-65535.', [1150, 5432, 65535], [22, 1149, 65536], {'range': (1150, 65535)})
_row('rds', 'ModifyDBInstance', 'DBPortNumber', 'Valid Values: 1150-65535', RDS_API % 'ModifyDBInstance', 'InvalidParameterValue',
     'Invalid port: valid values are 1150-65535.', [1150, 5432, 65535], [80, 65536], {'range': (1150, 65535)})
_row('rds', 'CreateDBSubnetGroup', 'DBSubnetGroupName', 'Must contain no more than 255 letters, numbers, periods, underscores, spaces, '
     'or hyphens. Must not be default. First character must be a letter.', RDS_API % 'CreateDBSubnetGroup', 'InvalidParameterValue',
     'The parameter DBSubnetGroupName is not a valid identifier: up to 255 letters, numbers, periods, underscores, spaces or '
     'hyphens, the first a letter, not default.', ['demo-db', 'my group.1_a', 'g' * 255],
     ['1group', '-group', 'default', 'Default', 'g' * 256, 'a/b', ''],
     {'length': (1, 255), 'regex': r'[A-Za-z][A-Za-z0-9._ -]*', 'not_values': ('default',)})
for _op in ('CreateDBSubnetGroup', 'ModifyDBSubnetGroup'):
    _row('rds', _op, 'DBSubnetGroupDescription', 'The description for the DB subnet group (not blank).', RDS_API % _op,
         'InvalidParameterValue', 'The parameter DBSubnetGroupDescription must be provided and must not be blank.',
         ['Subnets of stack demo', 'x'], [''], {'length': (1, None)})
for _op in ('CreateDBInstance', 'CreateDBSubnetGroup', 'AddTagsToResource'):
    _row('rds', _op, 'Tags[].Key', "from 1 to 128 Unicode characters in length and can't be prefixed with aws: or rds:; Unicode letters, "
         "digits, white-space, '_', '.', ':', '/', '=', '+', '-', '@'", RDS_TAGS, 'InvalidParameterValue',
         'Tag keys must be 1-128 characters of letters, digits, white space and _ . : / = + - @, not prefixed with aws: or rds:',
         ['Stack', 'Name', 'k' * 128], ['aws:x', 'rds:x', 'k' * 129, 'a*b', ''],
         {'length': (1, 128), 'not_prefix': ('aws:', 'rds:'), 'tag_chars': True})
    _row('rds', _op, 'Tags[].Value', "up to 256 Unicode characters in length and can't be prefixed with aws: or rds:; Unicode letters, "
         "digits, white-space, '_', '.', ':', '/', '=', '+', '-', '@'", RDS_TAGS, 'InvalidParameterValue',
         'Tag values must be up to 256 characters of letters, digits, white space and _ . : / = + - @, not prefixed with aws: or rds:',
         ['demo', '', 'v' * 256], ['rds:x', 'aws:x', 'v' * 257, 'a*b'],
         {'length': (0, 256), 'not_prefix': ('aws:', 'rds:'), 'tag_chars': True})

# ElastiCache. InvalidParameterValue / InvalidParameterCombination, as RDS
# (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/CommonErrors.html and each operation's Errors).
_row('elasticache', 'CreateReplicationGroup', 'ReplicationGroupId', 'A name must contain from 1 to 40 alphanumeric characters or '
     'hyphens. The first character must be a letter. A name cannot end with a hyphen or contain two consecutive hyphens.',
     EC_API % 'CreateReplicationGroup', 'InvalidParameterValue', 'The parameter ReplicationGroupId is not a valid identifier: 1 to 40 '
     'alphanumeric characters or hyphens, the first a letter, no hyphen at the end and no two in a row.',
     ['demo-cache', 'a', 'a' * 40], ['1cache', 'cache-', 'ca--che', 'a' * 41, 'ca_che', ''],
     {'length': (1, 40), 'regex': r'[A-Za-z0-9-]*', 'identifier': True})
_row('elasticache', 'CreateReplicationGroup', 'ReplicationGroupDescription', 'A user-created description for the replication group '
     '(required, not blank).', EC_API % 'CreateReplicationGroup', 'InvalidParameterValue',
     'The parameter ReplicationGroupDescription must be provided and must not be blank.', ['Cache of stack demo'], [''],
     {'length': (1, None)})
_row('elasticache', 'CreateReplicationGroup', 'NumCacheClusters', 'The maximum permitted value for NumCacheClusters is 6 (1 primary '
     'plus 5 replicas).', EC_API % 'CreateReplicationGroup', 'InvalidParameterValue',
     'NumCacheClusters must be from 1 to 6 (1 primary plus 5 replicas).', [1, 2, 6], [0, 7], {'range': (1, 6)})
_row('elasticache', 'CreateReplicationGroup', 'NumCacheClusters', 'If AutomaticFailoverEnabled is true, the value of this parameter '
     'must be at least 2.', EC_API % 'CreateReplicationGroup', 'InvalidParameterCombination',
     'NumCacheClusters must be at least 2 when AutomaticFailoverEnabled is true.', [2, 6], [1], {'range': (2, 6)},
     when={'AutomaticFailoverEnabled': (True,)})
_row('elasticache', 'CreateReplicationGroup', 'AuthToken', 'Must be only printable ASCII characters. Must be at least 16 characters and '
     'no more than 128 characters in length. The only permitted printable special characters are !, &, #, $, ^, <, >, and -.',
     EC_API % 'CreateReplicationGroup', 'InvalidParameterValue', 'Invalid AuthToken provided: 16 to 128 printable ASCII characters, '
     'the only special characters ! & # $ ^ < > -.', ['0123456789abcdef', 'Tok-en!&#$^<>' + 'x' * 10, 't' * 128],
     ['short-token', 't' * 129, 'has space 0123456', 'percent%0123456789', 'slash/0123456789', 'at@0123456789abc'],
     {'length': (16, 128), 'chars': 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!&#$^<>-'}, secret=True,
     key='elasticache_auth_token')
_row('elasticache', 'CreateReplicationGroup', 'AuthToken', 'AuthToken can be specified only on replication groups where '
     'TransitEncryptionEnabled is true.', EC_API % 'CreateReplicationGroup', 'InvalidParameterCombination',
     'The AUTH token is only supported when encryption in-transit is enabled', ['0123456789abcdef'], ['0123456789abcdef'],
     {'requires': ('TransitEncryptionEnabled', True)}, secret=True, pass_with={'TransitEncryptionEnabled': True},
     fail_with={'TransitEncryptionEnabled': False})
_row('elasticache', 'ModifyReplicationGroup', 'AuthToken', "Must be only printable ASCII characters. Must be at least 16 characters "
     "and no more than 128 characters in length. Cannot contain any of the following characters: '/', '\"', or '@', '%'",
     EC_API % 'ModifyReplicationGroup', 'InvalidParameterValue', "Invalid AuthToken provided: 16 to 128 printable ASCII characters, "
     "none of / \" @ %.", ['0123456789abcdef', 'with*other(chars)ok', 't' * 128],
     ['short-token', 't' * 129, 'slash/0123456789', 'percent%01234567', 'space 0123456789'],
     {'length': (16, 128), 'chars': ''.join(c for c in PRINTABLE if c not in '/"@%')}, secret=True)
for _op in ('CreateReplicationGroup', 'ModifyReplicationGroup'):
    _row('elasticache', _op, 'PreferredMaintenanceWindow', 'in the format ddd:hh24:mi-ddd:hh24:mi (24H Clock UTC). The minimum '
         'maintenance window is a 60 minute period. Valid values for ddd are: sun mon tue wed thu fri sat', EC_API % _op,
         'InvalidParameterValue', 'Invalid maintenance window: ddd:hh24:mi-ddd:hh24:mi (UTC), at least 60 minutes.',
         ['sun:05:00-sun:06:00', 'sun:23:00-mon:01:30'], ['sun:05:00-sun:05:30', '05:00-06:00', 'sunday:05:00-sunday:06:00'],
         {'window': ('weekly', 60)})
    _row('elasticache', _op, 'SnapshotRetentionLimit', 'The maximum backup retention limit is 35 days.',
         'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/backups-automatic.html', 'InvalidParameterValue',
         'SnapshotRetentionLimit must be from 0 to 35 days.', [0, 1, 35], [-1, 36], {'range': (0, 35)})
_row('elasticache', 'CreateCacheSubnetGroup', 'CacheSubnetGroupName', 'Must contain no more than 255 alphanumeric characters or '
     'hyphens.', EC_API % 'CreateCacheSubnetGroup', 'InvalidParameterValue', 'The parameter CacheSubnetGroupName is not a valid '
     'identifier: up to 255 alphanumeric characters or hyphens.', ['demo-cache', 'Demo1', 'g' * 255], ['g' * 256, 'a_b', 'a b', ''],
     {'length': (1, 255), 'regex': r'[A-Za-z0-9-]*'})
for _op in ('CreateCacheSubnetGroup', 'ModifyCacheSubnetGroup'):
    _row('elasticache', _op, 'CacheSubnetGroupDescription', 'A description for the cache subnet group (required to create, not blank).',
         EC_API % _op, 'InvalidParameterValue', 'The parameter CacheSubnetGroupDescription must be provided and must not be blank.',
         ['Subnets of stack demo'], [''], {'length': (1, None)})
for _op in ('CreateReplicationGroup', 'CreateCacheSubnetGroup', 'AddTagsToResource'):
    _row('elasticache', _op, 'Tags[].Key', 'Maximum key length: 128 Unicode characters; aws: is reserved; letters, numbers, white space '
         'and _ . / = + - : @', EC_TAGS, 'InvalidParameterValue', 'Tag keys must be 1-128 characters of letters, numbers, white space '
         'and _ . / = + - : @, not prefixed with aws:', ['Stack', 'Name', 'k' * 128], ['aws:x', 'k' * 129, 'a*b', ''],
         {'length': (1, 128), 'not_prefix': ('aws:',), 'tag_chars': True})
    _row('elasticache', _op, 'Tags[].Value', 'Maximum value length: 256 Unicode characters; letters, numbers, white space and '
         '_ . / = + - : @', EC_TAGS, 'InvalidParameterValue', 'Tag values must be up to 256 characters of letters, numbers, white '
         'space and _ . / = + - : @', ['demo', '', 'v' * 256], ['v' * 257, 'a*b'], {'length': (0, 256), 'tag_chars': True})

# ACM (JSON protocol): InvalidTagException "One or both of the values that make up the key-value pair is not valid.
# For example, you cannot specify a tag value that begins with aws:." (API_ImportCertificate, Errors).
for _op in ('ImportCertificate', 'AddTagsToCertificate', 'RequestCertificate'):
    _row('acm', _op, 'Tags[].Key', 'Key 1-128 characters of letters, numbers, spaces and _ . : / = + - @; the aws: prefix is reserved',
         ACM_TAGS, 'InvalidTagException', 'One or both of the values that make up the key-value pair is not valid.',
         ['Stack', 'Name', 'k' * 128], ['aws:x', 'k' * 129, 'a*b', ''], {'length': (1, 128), 'not_prefix': ('aws:',), 'tag_chars': True})
    _row('acm', _op, 'Tags[].Value', 'Value 0-256 characters of letters, numbers, spaces and _ . : / = + - @; it cannot begin with aws:',
         ACM_TAGS, 'InvalidTagException', 'One or both of the values that make up the key-value pair is not valid.',
         ['demo', '', 'v' * 256], ['aws:x', 'v' * 257, 'a*b'], {'length': (0, 256), 'not_prefix': ('aws:',), 'tag_chars': True})
_row('acm', 'ImportCertificate', 'Tags', 'You cannot apply tags when reimporting a certificate.', ACM_API % 'ImportCertificate',
     'InvalidParameterException', 'You cannot apply tags when reimporting a certificate.',
     [[{'Key': 'Name', 'Value': 'demo'}]], [[{'Key': 'Name', 'Value': 'demo'}]], {'forbidden_with': 'CertificateArn'},
     fail_with={'CertificateArn': 'arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000'})
# RequestCertificate's DomainName: "the length of the domain name (technically, the Common Name) that you provide cannot
# exceed 64 octets (characters), including periods" (API_RequestCertificate); botocore's model holds the pattern and the
# 253 of a SAN. ACM answers ValidationException (CommonErrors) or InvalidDomainValidationOptionsException.
_row('acm', 'RequestCertificate', 'DomainName', 'cannot exceed 64 octets (characters), including periods',
     ACM_API % 'RequestCertificate', 'ValidationException',
     "1 validation error detected: Value at 'domainName' failed to satisfy constraint: Member must have length less than or "
     "equal to 64", ['www.example.com', '*.example.com', 'a' * 60 + '.com'], ['a' * 61 + '.com'], {'length': (1, 64)})

# S3. "General purpose bucket naming rules" (the error: InvalidBucketName, "The specified bucket is not valid.",
# https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html). botocore itself refuses only characters outside
# [a-zA-Z0-9.\-_] before sending; AWS the rest.
_S3_NAME_MESSAGE = 'The specified bucket is not valid.'
# Object keys: "The object key name is a sequence of Unicode characters with UTF-8 encoding of up to 1,024 bytes long"
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html); a longer one is answered KeyTooLongError
# ("Your key is too long", https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
_row('s3', 'PutObject', 'Key', 'a sequence of Unicode characters with UTF-8 encoding of up to 1,024 bytes long',
     'https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html', 'KeyTooLongError', 'Your key is too long',
     ['releases/demo/current.json', 'k' * 1024, u'\u00e9' * 512], ['k' * 1025, u'\u00e9' * 513], {'utf8_length': (1, 1024)})
_row('s3', 'CreateBucket', 'Bucket', 'must be between 3 (min) and 63 (max) characters long, consist only of lowercase letters, '
     'numbers, periods (.), and hyphens (-), and begin and end with a letter or number', S3_NAMES, 'InvalidBucketName',
     _S3_NAME_MESSAGE, ['demo-artifacts', 'abc', 'a' * 63, 'demo.artifacts.1'],
     ['ab', 'a' * 64, 'Demo-artifacts', 'demo_artifacts', '-demo', 'demo-', 'demo.'],
     {'length': (3, 63), 'regex': r'[a-z0-9][a-z0-9.-]*[a-z0-9]'})
_row('s3', 'CreateBucket', 'Bucket', 'must not contain two adjacent periods', S3_NAMES, 'InvalidBucketName', _S3_NAME_MESSAGE,
     ['demo.artifacts'], ['demo..artifacts'], {'regex': r'(?!.*\.\.).*'})
_row('s3', 'CreateBucket', 'Bucket', 'must not be formatted as an IP address (for example, 192.168.5.4)', S3_NAMES,
     'InvalidBucketName', _S3_NAME_MESSAGE, ['192.168.5', '10.0.0.1a'], ['192.168.5.4', '10.0.0.1'],
     {'regex': r'(?![0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$).*'})
_row('s3', 'CreateBucket', 'Bucket', 'must not start with the prefix xn--, sthree- or amzn-s3-demo-', S3_NAMES, 'InvalidBucketName',
     _S3_NAME_MESSAGE, ['demo-xn--artifacts', 'sthree'], ['xn--demo', 'sthree-demo', 'amzn-s3-demo-bucket'],
     {'not_prefix': ('xn--', 'sthree-', 'amzn-s3-demo-')})
_row('s3', 'CreateBucket', 'Bucket', 'must not end with the suffix -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3', S3_NAMES,
     'InvalidBucketName', _S3_NAME_MESSAGE, ['demo-s3alias1', 'demo-ol-s3'],
     # (no example ends with --x-s3: botocore sends such a name to S3 Express's zonal endpoint, not to CreateBucket's)
     ['demo-s3alias', 'demo--ol-s3', 'demo.mrap', 'demo--table-s3'],
     {'not_suffix': ('-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3')})

# EC2 Auto Scaling. A value its API refuses is answered ValidationError
# (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/CommonErrors.html). The group's name: "The name can contain any
# ASCII character 33 to 126 including most punctuation characters, digits, and upper and lowercased letters. You cannot
# use a colon (:) in the name." (API_CreateAutoScalingGroup); its sizes: the desired capacity "must be greater than or
# equal to the minimum size of the group and less than or equal to the maximum size of the group" (so the maximum is at
# least the minimum); an instance refresh's preferences (API_RefreshPreferences).
_row('autoscaling', 'CreateAutoScalingGroup', 'AutoScalingGroupName', '1-255 characters; any ASCII character 33 to 126 '
     '(no space), and no colon (:)', AS_API % 'CreateAutoScalingGroup', 'ValidationError',
     'The name of an Auto Scaling group can contain any ASCII character 33 to 126 except the colon (:)',
     ['demo-web', 'web_1.(a)/b', 'n' * 255], ['demo web', 'demo:web', 'caf\u00e9', '', 'n' * 256],
     {'length': (1, 255), 'regex': r'[!-9;-~]+'})
for _op in ('CreateAutoScalingGroup', 'UpdateAutoScalingGroup'):
    _row('autoscaling', _op, 'DesiredCapacity', 'must be greater than or equal to the minimum size of the group and less than '
         'or equal to the maximum size of the group', AS_API % _op, 'ValidationError',
         'Desired capacity must be between the specified min size and max size', [1, 2, 3], [0, 4],
         {'bounds': ('MinSize', 'MaxSize')}, pass_with={'MinSize': 1, 'MaxSize': 3}, fail_with={'MinSize': 1, 'MaxSize': 3})
    _row('autoscaling', _op, 'MaxSize', 'at least the minimum size of the group (the desired capacity is between the two)',
         AS_API % _op, 'ValidationError', 'Max bound must be greater than or equal to min bound', [2, 5], [0, 1],
         {'bounds': ('MinSize', None)}, pass_with={'MinSize': 2}, fail_with={'MinSize': 2})
    _row('autoscaling', _op, 'HealthCheckGracePeriod', 'seconds, 0 or more (0, the API\'s default, turns the grace period off; '
         'the API\'s Integer holds at most 2,147,483,647)', AS_GRACE, 'ValidationError',
         'The health check grace period must be 0 or more seconds', [0, 300], [-1], {'range': (0, 2147483647)})
_row('autoscaling', 'StartInstanceRefresh', 'Preferences.MinHealthyPercentage', 'Value range is 0 to 100',
     AS_API % 'RefreshPreferences', 'ValidationError', 'The minimum healthy percentage must be between 0 and 100',
     [0, 90, 100], [-1, 101], {'range': (0, 100)})
_row('autoscaling', 'StartInstanceRefresh', 'Preferences.MaxHealthyPercentage', 'Value range is 100 to 200',
     AS_API % 'RefreshPreferences', 'ValidationError', 'The maximum healthy percentage must be between 100 and 200',
     [100, 200], [99, 201], {'range': (100, 200)})
_row('autoscaling', 'StartInstanceRefresh', 'Preferences.InstanceWarmup', 'seconds, 0 or more', AS_API % 'RefreshPreferences',
     'ValidationError', 'The instance warmup must be 0 or more seconds', [0, 300], [-1], {'range': (0, 2147483647)})
_row('autoscaling', 'StartInstanceRefresh', 'Preferences', 'If you specify MaxHealthyPercentage, you must also specify '
     'MinHealthyPercentage, and the difference between them cannot be greater than 100', AS_API % 'RefreshPreferences',
     'ValidationError', 'MinHealthyPercentage is required with MaxHealthyPercentage, and the two at most 100 apart',
     [{}, {'MinHealthyPercentage': 90}, {'MinHealthyPercentage': 90, 'MaxHealthyPercentage': 110},
      {'MinHealthyPercentage': 0, 'MaxHealthyPercentage': 100}],
     [{'MaxHealthyPercentage': 150}, {'MinHealthyPercentage': 50, 'MaxHealthyPercentage': 200}], {'healthy_span': 100})
# A target tracking scaling policy (API_PutScalingPolicy): its name, "Length Constraints: Minimum length of 1. Maximum
# length of 255."; EstimatedInstanceWarmup, "The estimated time, in seconds, until a newly launched instance can contribute
# to the CloudWatch metrics"; its predefined metric (API_PredefinedMetricSpecification): ALBRequestCountPerTarget is the
# "Average Application Load Balancer request count per target", and ResourceLabel is "A label that uniquely identifies a
# specific Application Load Balancer target group from which to determine the average request count", made of "the final
# portion of the load balancer ARN and the final portion of the target group ARN", 1-1023 characters.
AS_LABEL = 'app/demo-alb/0123456789abcdef/targetgroup/demo-web/0123456789abcdef'
_row('autoscaling', 'PutScalingPolicy', 'PolicyName', 'Length Constraints: Minimum length of 1. Maximum length of 255.',
     AS_API % 'PutScalingPolicy', 'ValidationError', 'The name of a scaling policy must be 1-255 characters',
     ['demo-web-cpu', 'cpu at 50%', 'p' * 255], ['p' * 256, ''], {'length': (1, 255)})
_row('autoscaling', 'PutScalingPolicy', 'EstimatedInstanceWarmup', 'the estimated time, in seconds, until a newly launched '
     'instance can contribute to the CloudWatch metrics: 0 or more seconds', AS_API % 'PutScalingPolicy', 'ValidationError',
     'The estimated instance warmup must be 0 or more seconds', [0, 300], [-1], {'range': (0, 2147483647)})
_row('autoscaling', 'PutScalingPolicy', 'TargetTrackingConfiguration.PredefinedMetricSpecification.ResourceLabel',
     'app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>: the final portion of the '
     'load balancer ARN and the final portion of the target group ARN, separated by a forward slash (/); 1-1023 characters',
     AS_API % 'PredefinedMetricSpecification', 'ValidationError', 'The resource label is not valid: '
     'app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>',
     [AS_LABEL, 'app/my-alb/778d41231b141a0f/targetgroup/my-alb-target-group/943f017f100becff'],
     ['demo-web', 'app/demo-alb/0123456789abcdef', AS_LABEL.replace('app/', 'net/'), AS_LABEL.replace('/targetgroup/', '/'),
      'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-web/0123456789abcdef', ''],
     {'length': (1, 1023), 'regex': r'app/[A-Za-z0-9-]+/[0-9a-f]+/targetgroup/[A-Za-z0-9-]+/[0-9a-f]+'})
_row('autoscaling', 'PutScalingPolicy', 'TargetTrackingConfiguration.PredefinedMetricSpecification',
     'ResourceLabel names the Application Load Balancer target group whose average request count per target '
     'ALBRequestCountPerTarget tracks: that metric type needs one, and the others (the Auto Scaling group\'s own metrics) take none',
     AS_API % 'PredefinedMetricSpecification', 'ValidationError',
     'ResourceLabel is required for ALBRequestCountPerTarget, and only for it',
     [{'PredefinedMetricType': 'ASGAverageCPUUtilization'},
      {'PredefinedMetricType': 'ALBRequestCountPerTarget', 'ResourceLabel': AS_LABEL}],
     [{'PredefinedMetricType': 'ALBRequestCountPerTarget'},
      {'PredefinedMetricType': 'ASGAverageCPUUtilization', 'ResourceLabel': AS_LABEL}],
     {'label_for': 'ALBRequestCountPerTarget'})

# IAM. A request outside the model's lengths and patterns is answered ValidationError; a value over one of IAM's quotas
# LimitExceeded ("The request was rejected because it attempted to create resources beyond the current AWS account
# limits", https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html and each operation's Errors); a tag key
# with the reserved prefix InvalidInput. The names take the model's [\w+=,.@-]+ (ASCII word characters: the pattern
# is Java's, where \w is [a-zA-Z0-9_]).
_IAM_NAME = r'[A-Za-z0-9_+=,.@-]+'
_row('iam', 'CreateRole', 'RoleName', 'Length 1-64; upper and lowercase alphanumeric characters with no spaces, and _+=,.@-',
     IAM_API % 'CreateRole', 'ValidationError', "1 validation error detected: Value at 'roleName' failed to satisfy constraint: "
     "Member must have length less than or equal to 64 and satisfy regular expression pattern: [\\w+=,.@-]+",
     ['demo-web', 'a', 'r' * 64, 'Role_1+=,.@-'], ['r' * 65, '', 'demo web', 'demo/web', 'caf\u00e9'],
     {'length': (1, 64), 'regex': _IAM_NAME})
_row('iam', 'CreateInstanceProfile', 'InstanceProfileName', 'Length 1-128; upper and lowercase alphanumeric characters with no '
     'spaces, and _+=,.@-', IAM_API % 'CreateInstanceProfile', 'ValidationError',
     "1 validation error detected: Value at 'instanceProfileName' failed to satisfy constraint: Member must have length less "
     "than or equal to 128 and satisfy regular expression pattern: [\\w+=,.@-]+", ['demo-web', 'p' * 128], ['p' * 129, '', 'a b'],
     {'length': (1, 128), 'regex': _IAM_NAME})
_row('iam', 'PutRolePolicy', 'PolicyName', 'Length 1-128; upper and lowercase alphanumeric characters with no spaces, and _+=,.@-',
     IAM_API % 'PutRolePolicy', 'ValidationError', "1 validation error detected: Value at 'policyName' failed to satisfy "
     "constraint: Member must have length less than or equal to 128 and satisfy regular expression pattern: [\\w+=,.@-]+",
     ['read-artifacts', 'p' * 128], ['p' * 129, '', 'read artifacts'], {'length': (1, 128), 'regex': _IAM_NAME})
for _op in ('CreateRole', 'CreateInstanceProfile'):
    _row('iam', _op, 'Path', 'Length 1-512; a single forward slash (/), or a string that begins and ends with forward slashes '
         'of printable ASCII characters from ! (\\u0021) to ~ (\\u007E)', IAM_API % _op, 'ValidationError',
         "1 validation error detected: Value at 'path' failed to satisfy constraint: Member must satisfy regular expression "
         "pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)", ['/', '/seed/', '/seed/demo/'],
         ['seed', '/seed', '/a b/', '/' + 'p' * 511 + '/'], {'length': (1, 512), 'regex': r'(?:/|/[\x21-\x7e]+/)'})
for _op in ('CreateRole', 'UpdateRole'):
    _row('iam', _op, 'Description', 'Up to 1000 characters of tab, line feed, carriage return and \\u0020-\\u007E, '
         '\\u00A1-\\u00FF', IAM_API % _op, 'ValidationError', "1 validation error detected: Value at 'description' failed to "
         "satisfy constraint: Member must have length less than or equal to 1000", ['Web hosts of stack demo', 'd' * 1000],
         ['d' * 1001, 'emoji \U0001F600'], {'length': (0, 1000), 'regex': '[\t\n\r\x20-\x7e\xa1-\xff]*'})
    _row('iam', _op, 'MaxSessionDuration', 'from 1 hour to 12 hours: Minimum value of 3600. Maximum value of 43200.',
         IAM_API % _op, 'ValidationError', "1 validation error detected: Value at 'maxSessionDuration' failed to satisfy "
         "constraint: Member must have value between 3600 and 43200", [3600, 43200], [3599, 43201], {'range': (3600, 43200)})
_TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
for _op, _param in (('CreateRole', 'AssumeRolePolicyDocument'), ('UpdateAssumeRolePolicy', 'PolicyDocument')):
    _row('iam', _op, _param, 'Role trust policy length: 2,048 characters by default, which can be increased to 4,096 (IAM '
         "doesn't count white space)", IAM_QUOTAS, 'LimitExceeded', 'Cannot exceed quota for ACLSizePerRole: 4096',
         [_TRUST], [_TRUST[:-3] + ',"Sid":"' + 's' * 4096 + '"}]}'], {'nonspace': 4096})
_row('iam', 'PutRolePolicy', 'PolicyDocument', 'Role policy size cannot exceed 10,240 characters: the total of all the inline '
     "policies of a role (IAM doesn't count white space)", IAM_QUOTAS, 'LimitExceeded',
     'Maximum policy size of 10240 bytes exceeded for role', ['{"Version":"2012-10-17","Statement":[]}'],
     ['{"Version":"2012-10-17","Statement":[],"Id":"' + 'i' * 10240 + '"}'], {'nonspace': 10240})
for _op in ('CreateRole', 'TagRole', 'CreateInstanceProfile', 'TagInstanceProfile'):
    _row('iam', _op, 'Tags[].Key', 'Tag keys: 1-128 characters of letters, numbers, spaces and _ . : / = + - @',
         IAM_TAGS, 'ValidationError', "1 validation error detected: Value at 'tags.1.member.key' failed to satisfy constraint: "
         "Member must have length less than or equal to 128 and satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
         ['Stack', 'Name', 'k' * 128, 'a b:c/d'], ['k' * 129, 'a*b', ''], {'length': (1, 128), 'tag_chars': True})
    _row('iam', _op, 'Tags[].Key', "Tag keys can't begin with aws: (reserved for AWS use)", IAM_TAGS, 'InvalidInput',
         'User-defined tag keys can\'t start with "aws:". This prefix is reserved for AWS tags.',
         ['Stack', 'awsome'], ['aws:x', 'AWS:x'], {'not_prefix': ('aws:',)})
    _row('iam', _op, 'Tags[].Value', 'Tag values: 0-256 characters of letters, numbers, spaces and _ . : / = + - @', IAM_TAGS,
         'ValidationError', "1 validation error detected: Value at 'tags.1.member.value' failed to satisfy constraint: Member "
         "must have length less than or equal to 256 and satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*",
         ['demo', '', 'v' * 256], ['v' * 257, 'a*b'], {'length': (0, 256), 'tag_chars': True})

# Images. The name: "Constraints: 3-128 alphanumeric characters, parentheses (()), square brackets ([]), spaces ( ), periods
# (.), slashes (/), dashes (-), single quotes ('), at-signs (@), or underscores(_)" (API_CreateImage); the description:
# "Constraints: Maximum 255 characters" (API_CreateImage, RegisterImage).
_row('ec2', 'CreateImage', 'Name', "3-128 alphanumeric characters, parentheses, square brackets, spaces, periods, slashes, dashes, "
     "single quotes, at-signs or underscores", EC2_API % 'CreateImage', 'InvalidAMIName.Malformed',
     "AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'",
     ['demo-web-1a2b3c', "web (v2) [x]/a_b.c@d'e", 'n' * 128], ['ab', 'n' * 129, 'demo:web', 'café', 'a*b'],
     {'length': (3, 128), 'regex': r"[a-zA-Z0-9()\[\] ./\-'@_]+"})
_row('ec2', 'CreateImage', 'Description', 'Constraints: Maximum 255 characters.', EC2_API % 'CreateImage', 'InvalidParameterValue',
     'The description of an image must be at most 255 characters', ['', 'the web tier', 'd' * 255], ['d' * 256], {'length': (0, 255)})

# Every operation the collection sends: those with rows above, and those whose only documented rules are the ones
# botocore's model holds (required members, types, enums), which AWS checks from the model itself.
MODEL_ONLY = {
    'ec2': ('AllocateAddress', 'AssociateRouteTable', 'AttachInternetGateway', 'CreateInternetGateway', 'CreateNatGateway',
            'CreateRoute', 'CreateRouteTable', 'DeleteInternetGateway', 'DeleteKeyPair', 'DeleteNatGateway', 'DeleteRoute',
            'DeleteRouteTable', 'DeleteSecurityGroup', 'DeleteSubnet', 'DeleteTags', 'DeleteVpc', 'DescribeAddresses',
            'DescribeAvailabilityZones', 'DescribeImages', 'DeregisterImage', 'DescribeSnapshots', 'DeleteSnapshot',
            'DeleteLaunchTemplate', 'DescribeLaunchTemplates',
            'DescribeLaunchTemplateVersions', 'ModifyLaunchTemplate',
            'DescribeInstanceTypes', 'DescribeInstances', 'DescribeInternetGateways', 'DescribeKeyPairs', 'DescribeNatGateways',
            'DescribeNetworkInterfaces', 'DescribeRouteTables', 'DescribeSecurityGroups', 'DescribeSubnets',
            'DescribeVolumes', 'DescribeVpcAttribute', 'DescribeVpcs', 'DetachInternetGateway', 'DisassociateAddress', 'DisassociateRouteTable',
            'ModifyInstanceAttribute', 'ModifySubnetAttribute', 'ModifyVpcAttribute', 'ReleaseAddress', 'ReplaceRoute',
            'ReplaceRouteTableAssociation', 'StartInstances', 'StopInstances', 'TerminateInstances',
            'UpdateSecurityGroupRuleDescriptionsEgress', 'UpdateSecurityGroupRuleDescriptionsIngress'),
    'elbv2': ('DeleteListener', 'DeleteLoadBalancer', 'DeleteRule', 'DeleteTargetGroup', 'DescribeListeners',
              'DescribeLoadBalancerAttributes', 'DescribeLoadBalancers', 'DescribeRules', 'DescribeTags',
              'DescribeTargetGroupAttributes', 'DescribeTargetGroups', 'DescribeTargetHealth', 'ModifyListener',
              'ModifyLoadBalancerAttributes', 'RemoveTags', 'SetSecurityGroups', 'SetSubnets'),
    'rds': ('DeleteDBSubnetGroup', 'DescribeDBInstances', 'DescribeDBSnapshots', 'DescribeDBSubnetGroups',
            'DescribeOrderableDBInstanceOptions', 'ListTagsForResource', 'RemoveTagsFromResource'),
    'elasticache': ('DeleteCacheSubnetGroup', 'DeleteReplicationGroup', 'DescribeCacheClusters', 'DescribeCacheSubnetGroups',
                    'DescribeReplicationGroups', 'ListTagsForResource', 'RemoveTagsFromResource'),
    'acm': ('DeleteCertificate', 'DescribeCertificate', 'GetCertificate', 'ListCertificates', 'ListTagsForCertificate',
            'RemoveTagsFromCertificate'),
    # the validation records of a requested certificate
    'route53': ('ChangeResourceRecordSets', 'ChangeTagsForResource', 'CreateHostedZone', 'DeleteHostedZone', 'GetHostedZone',
                'ListHostedZonesByName', 'ListResourceRecordSets', 'UpdateHostedZoneComment'),
    's3': ('DeleteBucket', 'DeleteBucketPolicy', 'DeleteBucketTagging', 'DeleteObject', 'DeleteObjects', 'DeleteObjectTagging',
           'GetObjectTagging', 'HeadObject', 'PutObjectTagging', 'GetBucketEncryption', 'GetBucketLocation',
           'GetBucketPolicy', 'GetBucketTagging', 'GetBucketVersioning', 'GetPublicAccessBlock', 'HeadBucket',
           'ListObjectVersions', 'PutBucketEncryption', 'PutBucketPolicy', 'PutBucketTagging', 'PutBucketVersioning',
           'PutPublicAccessBlock'),
    'sts': ('AssumeRole', 'GetCallerIdentity'),
    'autoscaling': ('AttachLoadBalancerTargetGroups', 'CreateOrUpdateTags', 'DeleteAutoScalingGroup', 'DeletePolicy', 'DeleteTags',
                    'DescribeAutoScalingGroups', 'DescribeInstanceRefreshes', 'DescribePolicies', 'DetachLoadBalancerTargetGroups'),
    'iam': ('AddRoleToInstanceProfile', 'AttachRolePolicy', 'DeleteInstanceProfile', 'DeleteRole', 'DeleteRolePermissionsBoundary',
            'DeleteRolePolicy', 'DetachRolePolicy', 'GetInstanceProfile', 'GetRole', 'GetRolePolicy', 'ListAttachedRolePolicies',
            'ListInstanceProfilesForRole', 'ListRolePolicies', 'PutRolePermissionsBoundary', 'RemoveRoleFromInstanceProfile',
            'UntagInstanceProfile', 'UntagRole'),
}


def operations():
    """{service: sorted operation names}: every operation the collection sends (rows or model only)."""
    out = {}
    for row in RULES:
        out.setdefault(row['service'], set()).add(row['operation'])
    for service, ops in MODEL_ONLY.items():
        out.setdefault(service, set()).update(ops)
    return dict((s, sorted(ops)) for s, ops in out.items())


# -- paths ----------------------------------------------------------------------------------------------------
_STEP = re.compile(r'([A-Za-z0-9]+)(?:\[(?:([A-Za-z0-9]+)=([^\]]*))?\])?')


def parse_path(path):
    """'TagSpecifications[].Tags[].Key' -> [('TagSpecifications', 'each', None), ('Tags', 'each', None), ('Key', None, None)];
    'Attributes[Key=x.y].Value' -> [('Attributes', 'Key', 'x.y'), ('Value', None, None)]."""
    steps, pos = [], 0
    while pos < len(path):
        m = _STEP.match(path, pos)
        if not m:
            raise ValueError('bad parameter path %r' % path)
        name, key, wanted = m.groups()
        every = m.group(0).endswith('[]')
        steps.append((name, key if key else ('each' if every else None), wanted))
        pos = m.end()
        if pos < len(path):
            if path[pos] != '.':
                raise ValueError('bad parameter path %r' % path)
            pos += 1
    return steps


def resolve(params, path):
    """[(concrete path, value)] of every value at ``path`` in a request's params (absent: none)."""
    found = [('', params)]
    for name, select, wanted in parse_path(path):
        nxt = []
        for where, node in found:
            if not isinstance(node, dict) or node.get(name) is None:
                continue
            here = '%s.%s' % (where, name) if where else name
            value = node[name]
            if select is None:
                nxt.append((here, value))
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if select == 'each':
                        nxt.append(('%s[%d]' % (here, i), item))
                    elif isinstance(item, dict) and str(item.get(select)) == wanted:
                        nxt.append(('%s[%s=%s]' % (here, select, wanted), item))
        found = nxt
    return found


def _applies(row, params):
    for name, values in row['when'].items():
        if params.get(name) not in values:
            return False
    return True


def _message(row, path, reason):
    text = '%s %s: %s (AWS answers %s; %s)' % (row['operation'], path, row['rule'], row['code'], row['source'])
    if reason.endswith(' characters'):
        text += '; got %s' % reason
    return text


def rows_for(service, operation, parameter=None):
    return [r for r in RULES if r['service'] == service and r['operation'] == operation
            and (parameter is None or r['parameter'] == parameter)]


def problem(service, operation, parameter, value, params=None):
    """None when ``value`` of ``parameter`` (a row's path, such as 'AuthToken' or 'Tags[].Key') meets every rule of AWS's for
    it, else a message naming the first rule it breaks and the page it comes from. ``params``: the rest of the request
    (rows that depend on another parameter, such as the engine or TransitEncryptionEnabled, read it; left out, the rows
    on a combination of parameters are not judged). The message never holds the value."""
    combinations = params is not None
    params = params or {}
    for row in rows_for(service, operation, parameter):
        if not _applies(row, params) or (not combinations and set(row['check']) & set(('requires', 'forbidden_with', 'bounds'))):
            continue
        reason = _fails(row['check'], value, params)
        if reason:
            return _message(row, parameter, reason)
    return None


def refusal(service, operation, parameter, value, what=None, params=None):
    """The text a module refuses ``value`` of ``parameter`` with (the row's rule, AWS's error code and the page, never the
    value), or None when AWS's rules take it; ``what`` says how the option becomes the parameter (``the Name tag``).
    None values are not judged."""
    if value is None:
        return None
    found = problem(service, operation, parameter, value, params)
    if found:
        return "%srefused by AWS's rule for %s" % ('%s: ' % what if what else '', found)
    return None


def refuse_by_rules(service, operation, parameter, value, field, what=None, params=None):
    """Raise the collection's ValidationError naming the option ``field`` when ``value`` breaks a rule AWS documents for
    ``parameter`` of ``service``'s ``operation`` (this table of AWS's documented rules): the modules call it while
    they validate, before any API call. ``params``: the rest of the request, for the rows on a combination."""
    text = refusal(service, operation, parameter, value, what, params)
    if text:
        # imported here: this file imports nothing of the collection at load (a script may load it by its path alone)
        from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError  # pylint: disable=import-outside-toplevel
        raise ValidationError(field, text)


def refuse_tags(service, operations, tags, field='tags'):
    """Every tag of ``tags`` (a dict, as the user gave it; None: none) against the Tags[].Key and Tags[].Value rows of each
    of ``operations`` (those that send them: the create and the AddTags of the resource), naming the option ``field``."""
    if not isinstance(tags, dict):
        return  # None: none; not a dict: the module's own check says so
    for key, value in tags.items():
        key, value = u'%s' % (key,), u'' if value is None else u'%s' % (value,)
        for operation in operations:
            refuse_by_rules(service, operation, 'Tags[].Key', key, field, 'a tag key')
            refuse_by_rules(service, operation, 'Tags[].Value', value, field, 'the value of tag %r' % key)


def check_request(service, operation, params):
    """[(parameter path, code, message)] for every rule a whole request's params (as boto3 sends them) break."""
    out = []
    for row in rows_for(service, operation):
        if not _applies(row, params):
            continue
        for path, value in resolve(params, row['parameter']):
            reason = _fails(row['check'], value, params)
            if reason:
                out.append((path, row['code'], '%s (%s)' % (row['message'], path)))
    return out


def row_by_key(key):
    """The row a stack-level name refers to ('rds_master_password', 'elasticache_auth_token': secrets.RULES' views)."""
    for row in RULES:
        if row['key'] == key:
            return row
    raise KeyError(key)
