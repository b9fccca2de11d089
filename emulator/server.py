"""The emulator's API layer: moto's server app behind a WSGI layer that records every
API request (action and HTTP status), makes moto answer as AWS does where the collection
depends on it (emulator.fidelity), hands instance lifecycles to the data plane
(emulator.dataplane), and, for tests, injects AWS's faults.

Extra endpoints (never reached by boto3, which speaks the AWS protocols):
    GET    /_seed/requests   the recorded requests as JSON [{"action", "status"}]
    DELETE /_seed/requests   forget them
    GET    /_seed/health     "ok" once the EC2 backend is built
    GET    /_seed/faults     the fault settings; PUT (JSON body) replaces them
    GET    /_seed/dataplane  the instances' containers and addresses (empty without a data plane)
    POST   /_seed/settle     every id made so far is seen by every read from now on (aws profile's consistency)

Faults (all off by default):
    throttle   a fraction (0-1) of requests answered RequestLimitExceeded/Throttling (400) or 503
    lose       actions whose answer is lost: moto does the work, then the connection is reset
               (lose_times: how many answers of each action are lost, default 1)
    strict     AWS's dependency rules that moto lacks: DeleteVpc with an attached internet
               gateway, subnets or security groups; DeleteSubnet with instances or interfaces;
               DeleteSecurityGroup used by an instance or referred to by another group;
               DeleteInternetGateway while attached -> DependencyViolation
    pending    NAT gateways and instances stay pending for this many describes
    profile    aws (the default: AWS's rules, consistency and time, emulator.profile) or moto (lenient)
    pace       the fraction of AWS's typical duration each transitional state lasts (aws profile)
    lag        Describe calls a new id may stay invisible, at most (aws profile; seeded by seed)

Only boto-style clients are served: a request with an Origin header (a web page) or a Host
that is not the loopback address the emulator listens on is refused, and moto's CORS headers
are never sent, so no web page the user opens can read the emulator's data (key pairs'
private keys among it) or change its faults.

The recording layer is what the tests and benchmarks count requests with, so
"fails before any request that changes anything" is checked, not assumed.
"""

import io
import json
import random
import re
import socket
import struct
import threading
import uuid
from urllib.parse import parse_qs
from xml.sax.saxutils import escape as xml_escape

from emulator import profile as profile_mod

READ_PREFIXES = ('Describe', 'Get', 'List', 'Head')
TOKEN_ACTIONS = ('RunInstances', 'CreateNatGateway')


# S3's REST API names no action in the request: it is the method, the path (/bucket or /bucket/key, path-style as botocore
# sends to an address) and the sub-resource of the query (?versioning). The operations of the S3 API reference
# (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html) the collection
# sends, and the object calls a test makes.
S3_SUBRESOURCES = {}
for _name in ('Versioning', 'Policy', 'Tagging', 'Encryption', 'OwnershipControls'):
    for _method, _verb in (('GET', 'Get'), ('PUT', 'Put'), ('DELETE', 'Delete')):
        S3_SUBRESOURCES[(_method, _name[0].lower() + _name[1:])] = '%sBucket%s' % (_verb, _name)
S3_SUBRESOURCES.update({('GET', 'publicAccessBlock'): 'GetPublicAccessBlock', ('PUT', 'publicAccessBlock'): 'PutPublicAccessBlock',
                        ('DELETE', 'publicAccessBlock'): 'DeletePublicAccessBlock', ('GET', 'location'): 'GetBucketLocation',
                        ('GET', 'versions'): 'ListObjectVersions', ('POST', 'delete'): 'DeleteObjects'})
S3_OBJECT_SUBRESOURCES = {('GET', 'tagging'): 'GetObjectTagging', ('PUT', 'tagging'): 'PutObjectTagging',
                          ('DELETE', 'tagging'): 'DeleteObjectTagging'}
S3_PLAIN = {('HEAD', False): 'HeadBucket', ('PUT', False): 'CreateBucket', ('DELETE', False): 'DeleteBucket',
            ('GET', True): 'GetObject', ('PUT', True): 'PutObject', ('DELETE', True): 'DeleteObject', ('HEAD', True): 'HeadObject'}


def signing_service(environ):
    """The service of the request's SigV4 credential scope (s3, ec2, elasticloadbalancing ...), or None."""
    match = re.search(r'Credential=[^/]+/[^/]+/[^/]+/([^/]+)/', environ.get('HTTP_AUTHORIZATION', ''))
    return match.group(1) if match else None


def s3_action(environ):
    """The S3 operation of a request (None for one the emulator does not name)."""
    method = environ.get('REQUEST_METHOD')
    bucket, dummy, key = (environ.get('PATH_INFO') or '/').lstrip('/').partition('/')
    if not bucket:
        return 'ListBuckets' if method == 'GET' else None
    query = parse_qs(environ.get('QUERY_STRING', ''), keep_blank_values=True)
    for name in query:
        if key and (method, name) in S3_OBJECT_SUBRESOURCES:  # /bucket/key?tagging: the object's
            return S3_OBJECT_SUBRESOURCES[(method, name)]
        if (method, name) in S3_SUBRESOURCES:
            return S3_SUBRESOURCES[(method, name)]
    if method == 'GET' and not key:
        return 'ListObjectsV2' if 'list-type' in query else 'ListObjects'
    return S3_PLAIN.get((method, bool(key)))


def s3_error(code, message):
    """An error answer as S3 writes it (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html)."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message><RequestId>%s</RequestId></Error>'
            % (xml_escape(code), xml_escape(message), uuid.uuid4())).encode()


_REST_ROUTES = {}


def rest_action(environ, service):
    """The operation of a REST request of ``service`` (Route 53: ChangeResourceRecordSets is POST
    /2013-04-01/hostedzone/{Id}/rrset), by botocore's model's method and URI templates; None when none matches."""
    if service not in _REST_ROUTES:
        from botocore.loaders import create_loader
        model = create_loader().load_service_model(service, 'service-2')
        routes = []
        for name, op in model['operations'].items():
            uri = op['http']['requestUri'].split('?', 1)[0].rstrip('/') or '/'
            pattern = re.sub(r'\\\{[^}]+\\\}', '[^/]+', re.escape(uri).replace('\\+', ''))
            routes.append((op['http']['method'], re.compile('^%s/?$' % pattern), uri.count('{'), name))
        _REST_ROUTES[service] = sorted(routes, key=lambda r: r[2])  # a literal segment before a {placeholder}
    method, path = environ.get('REQUEST_METHOD'), environ.get('PATH_INFO') or '/'
    return next((name for m, pattern, dummy, name in _REST_ROUTES[service] if m == method and pattern.match(path)), None)


def action_of(environ, body):
    """The API action of a request: the Action form field (EC2 query API), X-Amz-Target, or S3's and Route 53's REST
    operation."""
    target = environ.get('HTTP_X_AMZ_TARGET')
    if target:
        return target.rsplit('.', 1)[-1]
    if signing_service(environ) == 's3':
        return s3_action(environ) or '%s %s' % (environ.get('REQUEST_METHOD'), environ.get('PATH_INFO'))
    if signing_service(environ) == 'route53':  # a REST API too (emulator.route53)
        from emulator import route53
        return route53.action_of(environ) or '%s %s' % (environ.get('REQUEST_METHOD'), environ.get('PATH_INFO'))
    query = parse_qs(environ.get('QUERY_STRING', ''))
    if 'Action' in query:
        return query['Action'][0]
    if body:
        try:
            form = parse_qs(body.decode('utf-8', 'replace'))
        except ValueError:
            form = {}
        if 'Action' in form:
            return form['Action'][0]
    return '%s %s' % (environ.get('REQUEST_METHOD'), environ.get('PATH_INFO'))


def is_mutating(action):
    return not action.startswith(READ_PREFIXES) and ' ' not in action


DEFAULT_FAULTS = {'throttle': 0.0, 'lose': [], 'lose_times': 1, 'strict': False, 'pending': 0, 'seed': None,
                  'profile': profile_mod.DEFAULT_PROFILE, 'pace': profile_mod.DEFAULT_PACE, 'lag': profile_mod.DEFAULT_LAG}
THROTTLE_ANSWERS = (
    ('400 Bad Request', 'RequestLimitExceeded', 'Request limit exceeded.'),
    ('400 Bad Request', 'Throttling', 'Rate exceeded'),
    ('503 Service Unavailable', 'Unavailable', 'The service is unavailable. Please try again shortly.'),
)


def ec2_error(code, message):
    """An error answer as EC2 writes it (botocore's query parser reads the query services' errors from it too); the
    message escaped, so a rule that names & < > still parses."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>%s</Code><Message>%s</Message>'
            '</Error></Errors><RequestID>%s</RequestID></Response>' % (xml_escape(code), xml_escape(message), uuid.uuid4())).encode()


def form_of(body):
    try:
        return dict((k, v[0]) for k, v in parse_qs(body.decode('utf-8', 'replace')).items())
    except ValueError:
        return {}


def region_of(environ):
    match = re.search(r'Credential=[^/]+/[^/]+/([^/]+)/', environ.get('HTTP_AUTHORIZATION', ''))
    return match.group(1) if match else 'us-east-1'


class FaultError(ValueError):
    """A fault setting that is not one the emulator knows, or not of its type."""


def validate_faults(settings):
    """The fault settings, checked: every key known, every value of its type and range."""
    if not isinstance(settings, dict):
        raise FaultError('the fault settings are a JSON object, for example {"throttle": 0.2}')
    unknown = sorted(set(settings) - set(DEFAULT_FAULTS))
    if unknown:
        raise FaultError('unknown fault setting(s) %s; known: %s' % (', '.join(unknown), ', '.join(sorted(DEFAULT_FAULTS))))
    out = {}
    for key, value in settings.items():
        if key == 'throttle':
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise FaultError('throttle: a fraction from 0 to 1 (got %r)' % (value,))
            value = float(value)
        elif key == 'lose':
            if not isinstance(value, list) or not all(isinstance(a, str) and re.match(r'^[A-Z][A-Za-z0-9]+$', a) for a in value):
                raise FaultError('lose: a list of API action names, for example ["RunInstances"] (got %r)' % (value,))
        elif key in ('lose_times', 'pending'):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1000:
                raise FaultError('%s: a whole number from 0 to 1000 (got %r)' % (key, value))
        elif key == 'strict':
            if not isinstance(value, bool):
                raise FaultError('strict: true or false (got %r)' % (value,))
        elif key in ('profile', 'pace', 'lag'):
            try:
                profile_mod.Profile(**{'name' if key == 'profile' else key: value})
            except profile_mod.ProfileError as exc:
                raise FaultError(str(exc))
        elif key == 'seed':
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise FaultError('seed: a whole number or null (got %r)' % (value,))
        out[key] = value
    return out


class Faults:
    """What makes the emulator as strict (and as unreliable) as AWS, for tests."""

    def __init__(self, settings=None):
        self.lock = threading.Lock()
        self.profile = profile_mod.Profile()
        self.configure(settings or {})

    def configure(self, settings):
        settings = validate_faults(settings)
        with self.lock:
            self.settings = dict(DEFAULT_FAULTS)
            self.settings.update(settings)
            self.rng = random.Random(self.settings['seed'])
            self.lost = {}
            self.pending = {}
        self.profile.configure(self.settings['profile'], self.settings['pace'], self.settings['lag'], self.settings['seed'])

    def throttle(self):
        p = self.settings['throttle']
        if p and self.rng.random() < p:
            return self.rng.choice(THROTTLE_ANSWERS)
        return None

    def should_lose(self, action):
        with self.lock:
            if action not in self.settings['lose']:
                return False
            done = self.lost.get(action, 0)
            if done >= self.settings['lose_times']:
                return False
            self.lost[action] = done + 1
            return True

    # -- AWS rules moto does not enforce --------------------------------
    def dependency_violation(self, action, form, region):
        if not (self.settings['strict'] or self.profile.strict):
            return None
        backend = ec2_backend(region)
        if backend is None:
            return None
        check = getattr(self, '_check_' + action, None)
        return check(backend, form) if check else None

    @staticmethod
    def _live_instances(backend, **filters):
        out = []
        for reservation in backend.all_reservations(filters=filters or None):
            out.extend(i for i in reservation.instances if i.state not in ('terminated', 'shutting-down'))
        return out

    def _check_DeleteVpc(self, backend, form):
        vpc_id = form.get('VpcId')
        found = ['internet gateway %s' % g.id for g in backend.internet_gateways.values() if g.vpc and g.vpc.id == vpc_id]
        found += ['subnet %s' % s.id for s in backend.describe_subnets(filters={'vpc-id': [vpc_id]})]
        found += ['security group %s' % g.id for g in backend.describe_security_groups(filters={'vpc-id': [vpc_id]})
                  if g.name != 'default']
        if found:
            return "The vpc '%s' has dependencies and cannot be deleted (%s)." % (vpc_id, ', '.join(found))
        return None

    def _check_DeleteSubnet(self, backend, form):
        subnet_id = form.get('SubnetId')
        instances = self._live_instances(backend, **{'subnet-id': [subnet_id]})
        gone_nat_enis = set(n._eni.id for n in backend.nat_gateways.values()  # pylint: disable=protected-access
                            if n.state in ('deleting', 'deleted') and getattr(n, '_eni', None))
        enis = [e for e in backend.get_all_network_interfaces(filters={'subnet-id': [subnet_id]})
                if e.id not in gone_nat_enis and not (e.instance and e.instance.state == 'terminated')]
        if instances or enis:
            return "The subnet '%s' has dependencies and cannot be deleted." % subnet_id
        return None

    def _check_DeleteSecurityGroup(self, backend, form):
        group_id = form.get('GroupId')
        users = [i.id for i in self._live_instances(backend) if group_id in [g.id for g in i.security_groups]]
        refs = []
        for g in backend.describe_security_groups():
            if g.id == group_id:
                continue
            for rule in list(g.ingress_rules) + list(g.egress_rules):
                if (getattr(rule, 'source_group', None) or {}).get('GroupId') == group_id:
                    refs.append(g.id)
        if users or refs:
            return 'resource %s has a dependent object' % group_id
        return None

    def _check_DeleteInternetGateway(self, backend, form):
        igw = backend.internet_gateways.get(form.get('InternetGatewayId'))
        if igw is not None and igw.vpc is not None:
            return "The internetGateway '%s' has dependencies and cannot be deleted." % igw.id
        return None

    # -- eventual consistency -------------------------------------------
    def after_create(self, action, response_body, region):
        if not self.settings['pending']:
            return
        backend = ec2_backend(region)
        text = response_body.decode('utf-8', 'replace')
        with self.lock:
            if action == 'CreateNatGateway':
                for nat_id in set(re.findall(r'<natGatewayId>(nat-[0-9a-f]+)</natGatewayId>', text)):
                    backend.nat_gateways[nat_id].state = 'pending'
                    self.pending[nat_id] = self.settings['pending']
            elif action == 'RunInstances':
                for instance_id in set(re.findall(r'<instanceId>(i-[0-9a-f]+)</instanceId>', text)):
                    instance = backend.get_instance(instance_id)
                    instance._state.name, instance._state.code = 'pending', 0  # pylint: disable=protected-access
                    self.pending[instance_id] = self.settings['pending']

    def before_describe(self, action, region):
        if not self.pending or action not in ('DescribeNatGateways', 'DescribeInstances', 'DescribeInstanceStatus'):
            return
        backend = ec2_backend(region)
        with self.lock:
            for rid, left in list(self.pending.items()):
                kind_matches = rid.startswith('nat-') == (action == 'DescribeNatGateways')
                if not kind_matches:
                    continue
                if left > 0:
                    self.pending[rid] = left - 1
                    continue
                del self.pending[rid]
                if rid.startswith('nat-'):
                    nat = backend.nat_gateways.get(rid)
                    if nat is not None and nat.state == 'pending':
                        nat.state = 'available'
                else:
                    instance = backend.get_instance(rid)
                    if instance.state == 'pending':
                        instance._state.name, instance._state.code = 'running', 16  # pylint: disable=protected-access


def ec2_backend(region):
    try:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ec2.models import ec2_backends
        return ec2_backends[DEFAULT_ACCOUNT_ID][region]
    except Exception:  # pylint: disable=broad-except
        return None


def reset_connection(environ):
    """Drop the answer: shut the TCP connection down (with a reset) so the client sees it lost."""
    sock = environ.get('werkzeug.socket')
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class Recorder:
    """WSGI middleware: record (action, status) of every request to the wrapped app, refuse
    anything but a local API client, and let the hooks (fidelity, data plane) see each call."""

    def __init__(self, app, log_path=None, faults=None, memo_reads=False, hooks=(), allowed_hosts=None):
        self.app = app
        self.lock = threading.Lock()
        self.requests = []
        # memo_reads: the answer to a Describe* request is kept and given again for the same
        # request until the next mutating request. It keeps moto's own cost out of a benchmark
        # (moto serialises 5000 instances in about a minute, close to botocore's read timeout);
        # the answer is the one moto gave for the same state, so nothing a client sees changes.
        self.memo_reads = memo_reads
        self.memo = {}
        self.faults = Faults(faults)
        self.tokens = {}
        self.hooks = list(hooks)
        for hook in self.hooks:
            hook.profile = self.faults.profile  # the profile in force, read at each request
        # Host headers a request may carry (None: any loopback address); set by serve().
        self.allowed_hosts = allowed_hosts
        self.log = open(log_path, 'a', buffering=1) if log_path else None  # pylint: disable=consider-using-with

    def foreign(self, environ):
        """Why a request is not from a local API client, or None. boto3 never sends Origin; a browser
        always does on a cross-site request, and a DNS-rebinding page sends its own Host."""
        if environ.get('HTTP_ORIGIN'):
            return 'requests with an Origin header (from a web page) are refused'
        host = (environ.get('HTTP_HOST') or '').lower()
        if environ.get('seed.from_vpc'):  # an instance, through AWS's public endpoints' names (emulator.endpoints)
            return None
        if self.allowed_hosts is not None and host not in self.allowed_hosts:
            return 'Host %r is not this emulator (%s)' % (host, ', '.join(sorted(self.allowed_hosts)))
        return None

    def __call__(self, environ, start_response):
        why = self.foreign(environ)
        if why:
            data = why.encode()
            start_response('403 Forbidden', [('Content-Type', 'text/plain'), ('Content-Length', str(len(data)))])
            return [data]
        path = environ.get('PATH_INFO', '')
        if environ.get('REQUEST_METHOD') == 'OPTIONS':  # a CORS preflight: never answered with CORS headers
            start_response('403 Forbidden', [('Content-Length', '0')])
            return []
        if path.startswith('/_seed/'):
            return self.control(environ, start_response, path)
        length = int(environ.get('CONTENT_LENGTH') or 0)
        body = environ['wsgi.input'].read(length) if length else b''
        environ['wsgi.input'] = io.BytesIO(body)
        action = action_of(environ, body)
        if ' ' in action:  # not an AWS API call (moto's own endpoints)
            if path.startswith('/moto-api/reset'):
                self.tokens = {}
                self.faults.configure(self.faults.settings)
                for hook in self.hooks:
                    hook.reset()
            return self.app(environ, self.no_cors(start_response))
        region = region_of(environ)

        throttled = self.faults.throttle()
        if throttled:
            status, code, message = throttled
            if signing_service(environ) == 's3':  # S3's own answer to too many requests (ErrorResponses.html)
                status, code, message = '503 Slow Down', 'SlowDown', 'Please reduce your request rate.'

            self.record(action, int(status.split(' ', 1)[0]), fault='throttled')
            return self.error(start_response, status, code, message, environ)
        form = form_of(body)
        for hook in self.hooks:
            refused = hook.refuse(action, form, region, environ, body)
            if refused:
                status, code, message = refused
                self.record(action, int(status.split(' ', 1)[0]), fault=code)
                return self.error(start_response, status, code, message, environ)
        violation = self.faults.dependency_violation(action, form, region)
        if violation:
            self.record(action, 400, fault='DependencyViolation')
            return self.error(start_response, '400 Bad Request', 'DependencyViolation', violation)
        self.faults.before_describe(action, region)
        for hook in self.hooks:
            hook.before(action, form, region)

        # A hook may answer itself (the aws profile's idempotency tokens, emulator.consistency: what the
        # token made, as it is now); moto and the other hooks do not see the request then.
        for hook in self.hooks:
            answer = hook.answer(action, form, region)
            if answer is not None:
                self.record(action, 200, fault='idempotent-replay')
                start_response('200 OK', [('Content-Type', 'text/xml'), ('Content-Length', str(len(answer))),
                                          ('x-amzn-RequestId', str(uuid.uuid4()))])
                return [answer]

        # AWS de-duplicates a create that carries a ClientToken; moto does not. Unless a hook answered
        # (above), the first answer is kept and given again for the same token (the moto profile).
        token_key = (action, region, form.get('ClientToken')) if action in TOKEN_ACTIONS and form.get('ClientToken') else None
        if token_key and token_key in self.tokens:
            self.record(action, 200, fault='idempotent-replay')
            data, headers = self.tokens[token_key]
            start_response('200 OK', headers)
            return [data]

        memo_key = memo_entry = None
        if self.memo_reads:
            if is_mutating(action):
                with self.lock:
                    self.memo = {}
            elif action.startswith('Describe'):
                memo_key = (region, body)
                with self.lock:
                    entry = self.memo.get(memo_key)
                    if entry is None:
                        self.memo[memo_key] = memo_entry = entry = {'ready': threading.Event()}
                if memo_entry is None:
                    entry['ready'].wait()  # the same request is in flight (a client's retry): share its answer
                    if 'answer' in entry:
                        self.record(action, 200, fault='memo')
                        data, headers = entry['answer']
                        start_response('200 OK', headers)
                        return [data]
                    memo_key = None

        seen = {}

        def recording_start_response(status, headers, exc_info=None):  # pylint: disable=unused-argument
            seen['status'] = int(status.split(' ', 1)[0])
            seen['headers'] = headers
            return lambda data: None

        payload = b''.join(self.app(environ, recording_start_response))
        status = seen.get('status', 500)
        if 200 <= status < 300:  # Route 53's CreateHostedZone answers 201 Created
            for hook in self.hooks:
                payload = hook.after(action, form, payload, region)
        # A HEAD answer has no body but the Content-Length of what a GET would carry (S3's HeadObject: the object's size,
        # https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html); any other answer's is its body's.
        head = environ.get('REQUEST_METHOD') == 'HEAD' and not payload
        headers = [(k, v) for k, v in seen.get('headers', [])
                   if (head or k.lower() != 'content-length') and not k.lower().startswith('access-control-')]
        if not head or not any(k.lower() == 'content-length' for k, v in headers):
            headers.append(('Content-Length', str(len(payload))))
        if memo_entry is not None:
            if status == 200:
                memo_entry['answer'] = (payload, headers)
            else:
                with self.lock:
                    if self.memo.get(memo_key) is memo_entry:
                        del self.memo[memo_key]
            memo_entry['ready'].set()
        if status == 200:
            self.faults.after_create(action, payload, region)
            if token_key:
                self.tokens[token_key] = (payload, headers)
        if self.faults.should_lose(action):
            self.record(action, status, fault='lost')
            reset_connection(environ)
            start_response('500 Lost', [('Content-Length', '0')])  # never reaches the client
            return []
        self.record(action, status)
        start_response('%d %s' % (status, 'OK' if status == 200 else 'Error'), headers)
        return [payload]

    @staticmethod
    def no_cors(start_response):
        def wrapped(status, headers, exc_info=None):
            return start_response(status, [(k, v) for k, v in headers if not k.lower().startswith('access-control-')], exc_info)
        return wrapped

    @staticmethod
    def error(start_response, status, code, message, environ=None):
        """An error answer in the request's protocol: JSON for the services called with X-Amz-Target
        (ACM, Secrets Manager: botocore reads `__type` there), EC2's XML for the query services."""
        if environ is not None and environ.get('HTTP_X_AMZ_TARGET'):
            data = json.dumps({'__type': code, 'message': message}).encode()
            content_type = environ.get('CONTENT_TYPE') or 'application/x-amz-json-1.1'
        elif environ is not None and signing_service(environ) == 's3':
            data, content_type = s3_error(code, message), 'application/xml'
        elif environ is not None and signing_service(environ) == 'route53':
            from emulator.route53 import error_body
            data, content_type = error_body(code, message), 'text/xml'
        else:
            data, content_type = ec2_error(code, message), 'text/xml'
        start_response(status, [('Content-Type', content_type), ('Content-Length', str(len(data))),
                                ('x-amzn-RequestId', str(uuid.uuid4()))])
        return [data]

    def record(self, action, status, fault=None):
        entry = {'action': action, 'status': status}
        if fault:
            entry['fault'] = fault
        with self.lock:
            self.requests.append(entry)
        if self.log:
            self.log.write('%s %s%s\n' % (action, status, ' ' + fault if fault else ''))

    def control(self, environ, start_response, path):
        method = environ['REQUEST_METHOD']
        status = '200 OK'
        if path == '/_seed/requests':
            if method == 'DELETE':
                with self.lock:
                    self.requests = []
                payload = []
            else:
                with self.lock:
                    payload = list(self.requests)
        elif path == '/_seed/health':
            payload = 'ok'
        elif path == '/_seed/faults':
            payload = None
            if method in ('PUT', 'POST'):
                length = int(environ.get('CONTENT_LENGTH') or 0)
                try:
                    self.faults.configure(json.loads(environ['wsgi.input'].read(length) or b'{}'))
                except (ValueError, FaultError) as exc:
                    status, payload = '400 Bad Request', {'error': str(exc)}
            if payload is None:
                payload = self.faults.settings
        elif path == '/_seed/settle' and method in ('PUT', 'POST'):
            # what was made so far is seen by every read now (tests: what a test makes for itself was made "a while
            # ago"; only what the code under test makes meets AWS's eventual consistency)
            for hook in self.hooks:
                getattr(hook, 'settle', lambda: None)()
            payload = 'settled'
        elif path == '/_seed/dataplane':
            payload = {}
            for hook in self.hooks:
                payload.update(hook.state())
        else:
            start_response('404 Not Found', [('Content-Type', 'text/plain')])
            return [b'unknown control path']
        data = json.dumps(payload).encode()
        start_response(status, [('Content-Type', 'application/json'), ('Content-Length', str(len(data)))])
        return [data]


class Hook:
    """What the API layer tells the fidelity layer, the aws profile and the data plane about each call.

    ``profile`` is the emulator's profile in force (emulator.profile.Profile), set by the Recorder."""

    profile = None

    def refuse(self, action, form, region, environ, body):  # pylint: disable=unused-argument
        """Before moto sees a request: None, or AWS's refusal ('400 Bad Request', code, message), which
        the client gets in the request's protocol instead of moto's answer."""
        return None

    def before(self, action, form, region):
        """Before moto sees a request."""

    def answer(self, action, form, region):  # pylint: disable=unused-argument
        """Before moto sees a request (after every hook's refuse and before): None, or a 200 answer of the
        hook's own (the XML body), given instead of moto's; no hook's after() sees it."""
        return None

    def after(self, action, form, payload, region):  # pylint: disable=unused-argument
        """After moto answered 200: returns the answer (possibly rewritten as AWS words it)."""
        return payload

    def reset(self):
        """moto's state was reset."""

    def state(self):
        """What /_seed/dataplane shows of this hook."""
        return {}


def make_app(log_path=None, faults=None, memo_reads=False, hooks=()):
    """moto's server app behind the Recorder: the aws profile's hooks (emulator.profile.hooks) first, so a
    request AWS refuses never reaches moto or the data plane, then the given ones (the data plane's)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    return Recorder(DomainDispatcherApplication(create_backend_app), log_path, faults, memo_reads,
                    profile_mod.hooks() + list(hooks))


def warm_up(app):
    """Build the EC2 backend once, before the first measured request (moto takes 1-1.5 s)."""
    from werkzeug.test import Client
    client = Client(app.app)  # straight to moto: no recording, no faults
    client.post('/', data='Action=DescribeRegions&Version=2016-11-15',
                headers={'Content-Type': 'application/x-www-form-urlencoded',
                         'Authorization': 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, '
                                          'SignedHeaders=host, Signature=0'})
