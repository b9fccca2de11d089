"""AWS's parameter rules, enforced before moto sees a request (the aws profile only).

``ParamRules`` decodes each request into the params dict botocore built (query and ec2 protocols: the form's flattened
keys walked through botocore's service model; json protocol, ACM: the JSON body), then refuses

(a) what the service model forbids, as AWS's request validation does: a required member left out, a string or list
    outside its min/max length, a number outside its range, a string off its pattern or enum. The codes:
    EC2 answers MissingParameter ("The request must contain the parameter ...") and InvalidParameterValue
    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html); the query services (ELBv2, RDS,
    ElastiCache, IAM) MissingParameter and ValidationError ("The input fails to satisfy the constraints specified by an AWS
    service", https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/CommonErrors.html,
    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html,
    https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/CommonErrors.html); ACM (JSON) ValidationException
    (https://docs.aws.amazon.com/acm/latest/APIReference/CommonErrors.html). The message is AWS's validation sentence:
    "1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length less than or
    equal to 32" (values are never echoed: a password may be one).
(b) every row of the collection's table (checked first) of AWS's documented rules (plugins/module_utils/aws_rules.py), with the row's
    code and message.
"""

import base64
import binascii
import importlib.util
import json
import os
import re
import sys
import threading
import unicodedata

from urllib.parse import parse_qs

from emulator.server import Hook

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULES_FILE = os.path.join(ROOT, 'plugins', 'module_utils', 'aws_rules.py')


def load_rules():
    """The collection's aws_rules, by file path (it imports nothing of the collection, so it loads outside Ansible)."""
    name = 'seed_laravel_aws_aws_rules'
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, RULES_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module
    return module


aws_rules = load_rules()

# The signing name in the request's credential scope -> botocore's service name.
SIGNING = {'ec2': 'ec2', 'elasticloadbalancing': 'elbv2', 'rds': 'rds', 'elasticache': 'elasticache', 'acm': 'acm', 's3': 's3',
           'iam': 'iam', 'autoscaling': 'autoscaling'}
# Which service a JSON request is for, from X-Amz-Target's prefix.
TARGETS = {'CertificateManager': 'acm'}

_MODELS = {}
_LOCK = threading.Lock()


def model(service):
    with _LOCK:
        if service not in _MODELS:
            import botocore.session
            _MODELS[service] = botocore.session.get_session().get_service_model(service)
        return _MODELS[service]


def service_of(environ):
    target = environ.get('HTTP_X_AMZ_TARGET') or ''
    if target:
        return TARGETS.get(target.split('.', 1)[0].split('_', 1)[0])
    match = re.search(r'Credential=[^/]+/[^/]+/[^/]+/([^/]+)/', environ.get('HTTP_AUTHORIZATION', ''))
    return SIGNING.get(match.group(1)) if match else None


# -- decoding a form into botocore's params ---------------------------------------------------------------------
def _wire_name(member, name, protocol):
    ser = member.serialization
    if protocol == 'ec2':
        if 'queryName' in ser:
            return ser['queryName']
        if 'name' in ser:
            return ser['name'][0].upper() + ser['name'][1:]
        return name
    return ser.get('name', name)


def _scalar(shape, text):
    kind = shape.type_name
    if kind in ('integer', 'long'):
        try:
            return int(text)
        except ValueError:
            return text
    if kind in ('float', 'double'):
        try:
            return float(text)
        except ValueError:
            return text
    if kind == 'boolean':
        return {'true': True, 'false': False}.get(text.lower(), text)
    return text


def decode(shape, form, prefix, protocol, keys=None):
    """The value botocore serialised under ``prefix`` (None when nothing is there)."""
    keys = keys if keys is not None else sorted(form)
    kind = shape.type_name
    if kind == 'structure':
        out = {}
        for name, member in shape.members.items():
            wire = _wire_name(member, name, protocol)
            value = decode(member, form, '%s.%s' % (prefix, wire) if prefix else wire, protocol, keys)
            if value is not None:
                out[name] = value
        return out if (out or not prefix) else None
    if kind == 'list':
        if protocol == 'ec2':
            base = prefix
        elif shape.serialization.get('flattened'):
            name = shape.member.serialization.get('name')
            base = '.'.join(prefix.split('.')[:-1] + [name]) if name else prefix
        else:
            base = '%s.%s' % (prefix, shape.member.serialization.get('name', 'member'))
        if form.get(prefix) == '' and not any(k.startswith(base + '.') for k in keys):
            return []
        pattern = re.compile(r'^%s\.(\d+)(?:\.|$)' % re.escape(base))
        indices = sorted(set(int(m.group(1)) for m in (pattern.match(k) for k in keys) if m))
        if not indices:
            return None
        return [decode(shape.member, form, '%s.%d' % (base, i), protocol, keys) for i in indices]
    if kind == 'map':
        base = prefix if shape.serialization.get('flattened') else '%s.entry' % prefix
        pattern = re.compile(r'^%s\.(\d+)\.' % re.escape(base))
        indices = sorted(set(int(m.group(1)) for m in (pattern.match(k) for k in keys) if m))
        if not indices:
            return None
        kname, vname = shape.key.serialization.get('name', 'key'), shape.value.serialization.get('name', 'value')
        return dict((form.get('%s.%d.%s' % (base, i, kname)), decode(shape.value, form, '%s.%d.%s' % (base, i, vname), protocol, keys))
                    for i in indices)
    if prefix not in form:
        return None
    return _scalar(shape, form[prefix])


# -- botocore's model: required, lengths, ranges, patterns, enums -------------------------------------------------
_CATEGORY_CLASSES = {}


def _category_class(letter):
    """A character class body for \\p{<letter>} (Unicode general category), built once."""
    if letter not in _CATEGORY_CLASSES:
        ranges, start, prev = [], None, None
        for code in range(sys.maxunicode + 1):
            if 0xD800 <= code <= 0xDFFF:
                continue
            inside = unicodedata.category(chr(code))[0] == letter
            if inside and start is None:
                start = code
            if not inside and start is not None:
                ranges.append((start, prev))
                start = None
            prev = code
        if start is not None:
            ranges.append((start, prev))
        _CATEGORY_CLASSES[letter] = ''.join('\\U%08x' % a if a == b else '\\U%08x-\\U%08x' % (a, b) for a, b in ranges)
    return _CATEGORY_CLASSES[letter]


_PATTERNS = {}


def compiled(pattern):
    """A model pattern (Java/ECMA regex) as a Python one: \\p{L} and the like become Unicode classes. None: untranslatable."""
    if pattern not in _PATTERNS:
        out, depth, i = [], 0, 0
        while i < len(pattern):
            c = pattern[i]
            m = re.match(r'\\p\{(\w)\w*\}', pattern[i:])
            if m:
                body = _category_class(m.group(1))
                out.append(body if depth else '[%s]' % body)
                i += m.end()
                continue
            if c == '\\':
                out.append(pattern[i:i + 2])
                i += 2
                continue
            depth += 1 if c == '[' else -1 if c == ']' and depth else 0
            out.append(c)
            i += 1
        try:
            _PATTERNS[pattern] = re.compile(''.join(out))
        except re.error:
            _PATTERNS[pattern] = None
    return _PATTERNS[pattern]


def _length(shape, value):
    if shape.type_name == 'blob' and isinstance(value, str):
        try:
            return len(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            return len(value)
    return len(value)


def _at(path):
    return path or 'request'


def model_problems(shape, value, path, problems):
    """Append (kind, path, sentence) for every constraint of the model ``value`` breaks."""
    meta = shape.metadata
    kind = shape.type_name
    if kind == 'structure':
        if not isinstance(value, dict):
            return
        for name in shape.required_members:
            if value.get(name) is None:
                problems.append(('missing', (path + '.' if path else '') + name, None))
        for name, member in shape.members.items():
            if value.get(name) is not None:
                model_problems(member, value[name], (path + '.' if path else '') + name, problems)
        return
    if kind == 'list':
        if not isinstance(value, list):
            return
        if 'min' in meta and len(value) < meta['min']:
            problems.append(('invalid', path, 'Member must have length greater than or equal to %d' % meta['min']))
        if 'max' in meta and len(value) > meta['max']:
            problems.append(('invalid', path, 'Member must have length less than or equal to %d' % meta['max']))
        for i, item in enumerate(value):
            model_problems(shape.member, item, '%s.%d' % (path, i + 1), problems)
        return
    if kind in ('string', 'blob'):
        if not isinstance(value, str):
            return
        n = _length(shape, value)
        if 'min' in meta and n < meta['min']:
            problems.append(('invalid', path, 'Member must have length greater than or equal to %d' % meta['min']))
        if 'max' in meta and n > meta['max']:
            problems.append(('invalid', path, 'Member must have length less than or equal to %d' % meta['max']))
        if kind == 'string' and meta.get('pattern'):
            regex = compiled(meta['pattern'])
            if regex is not None and not regex.search(value):
                problems.append(('invalid', path, 'Member must satisfy regular expression pattern: %s' % meta['pattern']))
        enum = getattr(shape, 'enum', None)
        if enum and value not in enum:
            problems.append(('invalid', path, 'Member must satisfy enum value set: [%s]' % ', '.join(enum)))
        return
    if kind in ('integer', 'long', 'float', 'double'):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(('invalid', path, 'Member must be a number'))
            return
        if 'min' in meta and value < meta['min']:
            problems.append(('invalid', path, 'Member must have value greater than or equal to %s' % meta['min']))
        if 'max' in meta and value > meta['max']:
            problems.append(('invalid', path, 'Member must have value less than or equal to %s' % meta['max']))


def model_refusal(service, protocol, problems):
    """AWS's answer to the first problem: (code, message)."""
    kind, path, sentence = problems[0]
    if kind == 'missing':
        if protocol == 'json':
            return 'ValidationException', "1 validation error detected: Value null at '%s' failed to satisfy constraint: " \
                                          "Member must not be null" % _camel(path)
        return 'MissingParameter', 'The request must contain the parameter %s' % path
    if protocol == 'json':
        return 'ValidationException', "1 validation error detected: Value at '%s' failed to satisfy constraint: %s" % (_camel(path), sentence)
    if protocol == 'ec2':
        return 'InvalidParameterValue', 'Invalid value for parameter %s: %s' % (path, sentence)
    return 'ValidationError', "1 validation error detected: Value at '%s' failed to satisfy constraint: %s" % (_camel(path), sentence)


def _camel(path):
    return '.'.join(p[:1].lower() + p[1:] for p in path.split('.'))


class ParamRules(Hook):
    """The aws profile's parameter rules: botocore's model, then the collection's table of AWS's documented rules."""

    def params(self, service, action, form, environ, body):
        """(protocol, input shape, params) of a request, or None when it is not one this hook knows."""
        svc = model(service)
        if action not in svc.operation_names:
            return None
        op = svc.operation_model(action)
        shape = op.input_shape
        if svc.protocol == 'rest-xml':  # S3: the bucket and the key are the path; the rows judge them, the model no more
            # (PATH_INFO: the path percent-decoded, its bytes as latin-1 by WSGI's rule; a key is UTF-8)
            path = (environ.get('PATH_INFO') or '/').encode('latin-1', 'replace').decode('utf-8', 'replace')
            bucket, dummy, key = path.lstrip('/').partition('/')
            return svc.protocol, None, dict({'Bucket': bucket}, **({'Key': key} if key else {}))
        if svc.protocol == 'json':
            try:
                params = json.loads(body.decode('utf-8') or '{}') if body else {}
            except ValueError:
                return None
            return svc.protocol, shape, params if isinstance(params, dict) else {}
        if shape is None:
            return svc.protocol, None, {}
        # The Recorder's form drops blank values (parse_qs' default); botocore sends an empty string as "Name=", and AWS
        # judges it: parse the body again, keeping them.
        try:
            form = dict((k, v[0]) for k, v in parse_qs(body.decode('utf-8', 'replace'), keep_blank_values=True).items())
        except ValueError:
            pass
        form = dict((k, v) for k, v in form.items() if k not in ('Action', 'Version'))
        return svc.protocol, shape, decode(shape, form, '', svc.protocol) or {}

    def refuse(self, action, form, region, environ, body):  # pylint: disable=unused-argument
        if self.profile is not None and not self.profile.strict:
            return None
        return self.judge(action, form, environ, body)

    def judge(self, action, form, environ, body):
        """None, or AWS's refusal ('400 Bad Request', code, message) of a request."""
        service = service_of(environ)
        if service is None:
            return None
        decoded = self.params(service, action, form, environ, body)
        if decoded is None:
            return None
        protocol, shape, params = decoded
        # The table's rows first: they carry the operation's own documented code (ACM's InvalidTagException for a tag,
        # ElastiCache's InvalidParameterCombination), where the model would give only the generic validation error.
        broken = aws_rules.check_request(service, action, params)
        if broken:
            dummy, code, message = broken[0]
            return ('400 Bad Request', code, message)
        if shape is not None:
            problems = []
            model_problems(shape, params, '', problems)
            if problems:
                code, message = model_refusal(service, protocol, problems)
                return ('400 Bad Request', code, message)
        return None
