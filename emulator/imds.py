"""EC2's instance metadata service (IMDS) inside each data-plane instance, the instance profile's temporary credentials
it hands out, and AWS's check of every request signed with them against the role's policies.

What AWS does, and what stands in for it here:

- **The service is at 169.254.169.254, port 80, inside the instance** ("Access instance metadata for an EC2
  instance", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html). Here the packet
  filter (emulator.network) sends a container's TCP to 169.254.169.254:80 to a listener of this module on its VPC
  bridge's host address (the VPC router's, base plus one), which knows the instance by the connection's source address
  on that network. Security groups do not filter it, as on AWS.
- **IMDSv2 sessions.** ``PUT /latest/api/token`` with ``X-aws-ec2-metadata-token-ttl-seconds`` (1 to 21,600) answers a
  token for that many seconds, good on this instance only; a PUT without the header or with another value is refused
  400; a request carrying ``X-Forwarded-For`` is refused 403 (IMDS "does not accept" proxied token requests); a GET
  with a token that is not valid (another instance's, expired, made up) answers 401. Without a token the GET is an
  IMDSv1 request: answered when the instance's ``HttpTokens`` is ``optional``, 401 when ``required`` (the launch
  template's MetadataOptions, or RunInstances', or ModifyInstanceMetadataOptions). ``HttpEndpoint`` ``disabled``:
  403 to everything ("Error codes" of the page above; "Configure the instance metadata options",
  https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html).
- **What it answers:** the categories the collection and the tools on an instance read
  (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-metadata.html#instancedata-data-categories):
  ami-id, hostname, local-hostname, instance-id, instance-type, local-ipv4, public-ipv4 (only with a public address),
  mac, placement/availability-zone, placement/region, security-groups, iam/info and iam/security-credentials/<role>
  (only with an instance profile), tags/instance/<key> (only with ``InstanceMetadataTags`` enabled); user-data (404
  without); dynamic/instance-identity/document. A directory lists its entries one per line, sub-directories with a
  trailing slash; anything else is 404.
- **The profile's credentials** ("Retrieve security credentials from instance metadata",
  https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-metadata-security-credentials.html): the role of the
  instance profile associated with the instance, assumed by EC2 through STS (moto's STS: an ``ASIA`` key, a secret, a
  session token, six hours), given again until fewer than fifteen minutes are left ("new credentials available at least
  five minutes before the expiration of the old"). A role whose trust policy does not let ``ec2.amazonaws.com`` assume
  it gets no credentials: ``Code`` ``AssumeRoleUnauthorizedAccess``, as EC2 answers then.
- **Those credentials are checked on every request signed with them** (any profile: it is AWS's authentication, not a
  strictness of the aws profile), before moto sees it ("Policy evaluation logic",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
  the session token must be the key's (else InvalidClientTokenId, S3's InvalidToken, EC2's AuthFailure), the key not
  expired (ExpiredToken), the SigV4 signature of the Authorization header made with its secret (SignatureDoesNotMatch,
  EC2's AuthFailure; a presigned URL's signature is not checked); then the
  role's identity-based policies (inline and attached, moto's evaluation of Action, Resource and Condition): an
  explicit deny or no allow refuses the request (AccessDenied; EC2's UnauthorizedOperation; AccessDeniedException for
  the JSON services), naming the assumed role, the action and, for S3, the resource. sts:GetCallerIdentity is always
  allowed ("No permissions are required", API_GetCallerIdentity.html). The IAM action of an S3 operation is the one
  the Service Authorization Reference lists for it (S3_ACTIONS; ListObjectsV2 is s3:ListBucket, HeadObject
  s3:GetObject ...), its resource the bucket's or the object's ARN; an S3 operation not in the table is refused
  (stricter, never kinder). Other services: ``<service>:<Action>`` on resource ``*``, so a grant on a narrower
  resource of those services does not let a request in here (stricter: the collection's instance role grants S3 only).
  Bucket policies, session policies and permissions boundaries are not evaluated.
"""

import base64
import datetime
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote

from emulator.server import Hook, ec2_backend, s3_action, signing_service

ADDRESS = '169.254.169.254'
ACCOUNT = '123456789012'   # moto's default account
MAX_TOKEN_TTL = 21600
CREDENTIAL_SECONDS = 6 * 3600
RENEW_BEFORE = 15 * 60
EC2_PRINCIPAL = 'ec2.amazonaws.com'

# The IAM action of each S3 operation the emulator names (emulator.server.s3_action), from the Service Authorization
# Reference, "Actions defined by Amazon S3" (https://docs.aws.amazon.com/service-authorization/latest/reference/
# list_amazons3.html): True when its resource is the object (bucket/key), else the bucket.
S3_ACTIONS = {
    'GetObject': ('s3:GetObject', True), 'HeadObject': ('s3:GetObject', True), 'PutObject': ('s3:PutObject', True),
    'DeleteObject': ('s3:DeleteObject', True), 'DeleteObjects': ('s3:DeleteObject', False),
    'GetObjectTagging': ('s3:GetObjectTagging', True), 'PutObjectTagging': ('s3:PutObjectTagging', True),
    'DeleteObjectTagging': ('s3:DeleteObjectTagging', True),
    'ListObjects': ('s3:ListBucket', False), 'ListObjectsV2': ('s3:ListBucket', False), 'HeadBucket': ('s3:ListBucket', False),
    'ListObjectVersions': ('s3:ListBucketVersions', False), 'ListBuckets': ('s3:ListAllMyBuckets', None),
    'CreateBucket': ('s3:CreateBucket', False), 'DeleteBucket': ('s3:DeleteBucket', False),
    'GetBucketLocation': ('s3:GetBucketLocation', False),
    'GetBucketVersioning': ('s3:GetBucketVersioning', False), 'PutBucketVersioning': ('s3:PutBucketVersioning', False),
    'GetBucketPolicy': ('s3:GetBucketPolicy', False), 'PutBucketPolicy': ('s3:PutBucketPolicy', False),
    'DeleteBucketPolicy': ('s3:DeleteBucketPolicy', False),
    'GetBucketTagging': ('s3:GetBucketTagging', False), 'PutBucketTagging': ('s3:PutBucketTagging', False),
    'DeleteBucketTagging': ('s3:PutBucketTagging', False),
    'GetBucketEncryption': ('s3:GetEncryptionConfiguration', False),
    'PutBucketEncryption': ('s3:PutEncryptionConfiguration', False),
    'DeleteBucketEncryption': ('s3:PutEncryptionConfiguration', False),
    'GetBucketOwnershipControls': ('s3:GetBucketOwnershipControls', False),
    'PutBucketOwnershipControls': ('s3:PutBucketOwnershipControls', False),
    'DeleteBucketOwnershipControls': ('s3:PutBucketOwnershipControls', False),
    'GetPublicAccessBlock': ('s3:GetBucketPublicAccessBlock', False),
    'PutPublicAccessBlock': ('s3:PutBucketPublicAccessBlock', False),
    'DeletePublicAccessBlock': ('s3:PutBucketPublicAccessBlock', False),
}
# The signing name of a service whose IAM prefix is another (CloudWatch signs as monitoring).
IAM_PREFIXES = {'monitoring': 'cloudwatch'}


def _iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def _role_of(region, instance):
    """(instance profile, role) of the instance's profile association, either None."""
    ec2 = ec2_backend(region)
    association = getattr(ec2, 'iam_instance_profile_associations', {}).get(instance.id) if ec2 is not None else None
    profile = getattr(association, 'iam_instance_profile', None)
    roles = list(getattr(profile, 'roles', None) or [])
    return profile, (roles[0] if roles else None)


def _listed(value):
    return value if isinstance(value, list) else [value]


def ec2_may_assume(role):
    """Whether the role's trust policy lets EC2 assume it: an Allow of sts:AssumeRole to the service principal
    ec2.amazonaws.com, and no Deny of it."""
    try:
        doc = role.assume_role_policy_document
        doc = json.loads(doc) if isinstance(doc, str) else doc
    except ValueError:
        return False
    allowed = False
    for statement in _listed((doc or {}).get('Statement') or []):
        actions = [a.lower() for a in _listed(statement.get('Action') or [])]
        principal = statement.get('Principal') or {}
        services = _listed(principal.get('Service') or []) if isinstance(principal, dict) else []
        if principal == '*' or (isinstance(principal, dict) and principal.get('AWS') == '*'):
            services = [EC2_PRINCIPAL]
        if EC2_PRINCIPAL in services and any(a in ('sts:assumerole', 'sts:*', '*') for a in actions):
            if statement.get('Effect') == 'Deny':
                return False
            allowed = allowed or statement.get('Effect') == 'Allow'
    return allowed


class Credentials:
    """The keys EC2 handed to instances (access key id -> what it is), shared by the metadata service and the check."""

    def __init__(self, now=time.time):
        self.now = now
        self.lock = threading.Lock()
        self.keys = {}       # access key id -> {'secret', 'token', 'expires', 'role', 'role_arn', 'session', 'arn'}
        self.current = {}    # (instance id, role arn) -> access key id

    def clear(self):
        with self.lock:
            self.keys, self.current = {}, {}

    def for_instance(self, region, instance, role):
        """The credentials document of ``role`` for ``instance`` (the JSON IMDS answers), minted when none is current."""
        now = self.now()
        if not ec2_may_assume(role):
            return {'Code': 'AssumeRoleUnauthorizedAccess', 'LastUpdated': _iso(now),
                    'Message': 'EC2 cannot assume the role %s. Please see documentation at '
                               'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html.' % role.name}
        with self.lock:
            key = self.current.get((instance.id, role.arn))
            entry = self.keys.get(key) if key else None
            if entry is None or entry['expires'] - now < RENEW_BEFORE:
                entry = self._mint(region, instance, role, now)
                self.keys[entry['key']] = entry
                self.current[(instance.id, role.arn)] = entry['key']
        return {'Code': 'Success', 'LastUpdated': _iso(entry['made']), 'Type': 'AWS-HMAC', 'AccessKeyId': entry['key'],
                'SecretAccessKey': entry['secret'], 'Token': entry['token'], 'Expiration': _iso(entry['expires'])}

    @staticmethod
    def _mint(region, instance, role, now):
        from moto.sts.models import sts_backends
        sts = sts_backends[ACCOUNT]['aws']
        assumed = sts.assume_role(region_name=region, role_session_name=instance.id, role_arn=role.arn, policy=None,
                                  duration=CREDENTIAL_SECONDS, external_id=None)
        return {'key': assumed.access_key_id, 'secret': assumed.secret_access_key, 'token': assumed.session_token,
                'made': now, 'expires': now + CREDENTIAL_SECONDS, 'role': role.name, 'role_arn': role.arn,
                'session': instance.id, 'arn': 'arn:aws:sts::%s:assumed-role/%s/%s' % (ACCOUNT, role.name, instance.id)}

    def entry(self, access_key):
        with self.lock:
            found = self.keys.get(access_key)
            return dict(found) if found else None


CREDENTIALS = Credentials()


# -- the metadata service's answers ------------------------------------------------------------------------------
class Metadata:
    """IMDS's answers for one request (see the module's docstring): ``answer(method, path, headers, region, instance)``
    -> (status, body bytes, headers); ``headers`` a mapping of the request's headers (any case)."""

    def __init__(self, credentials=None, now=time.time):
        self.credentials = credentials or CREDENTIALS
        self.now = now
        self.lock = threading.Lock()
        self.tokens = {}  # token -> (instance id, expires)

    def answer(self, method, path, headers, region, instance):
        headers = dict((k.lower(), v) for k, v in headers.items())
        options = instance.metadata_options
        if getattr(options, 'http_endpoint', 'enabled') == 'disabled' or 'x-forwarded-for' in headers:
            return 403, b'Forbidden', {}
        path = re.sub('/+', '/', path.split('?', 1)[0])
        if path.rstrip('/') == '/latest/api/token':
            return self._token(method, headers, instance)
        if method not in ('GET', 'HEAD'):
            return 405, b'Method Not Allowed', {}
        token = headers.get('x-aws-ec2-metadata-token')
        if token is not None:
            with self.lock:
                held = self.tokens.get(token)
            if held is None or held[0] != instance.id or held[1] <= self.now():
                return 401, b'Unauthorized', {}
        elif getattr(options, 'http_tokens', 'optional') == 'required':
            return 401, b'Unauthorized', {}
        return self._item(path, region, instance)

    def _token(self, method, headers, instance):
        if method != 'PUT':
            return 405, b'Method Not Allowed', {}
        ttl = headers.get('x-aws-ec2-metadata-token-ttl-seconds', '')
        if not re.fullmatch(r'[0-9]{1,5}', ttl.strip()) or not 1 <= int(ttl) <= MAX_TOKEN_TTL:
            return 400, b'Bad Request', {}
        token = base64.urlsafe_b64encode(secrets.token_bytes(42)).decode()
        with self.lock:
            now = self.now()
            self.tokens = dict((t, v) for t, v in self.tokens.items() if v[1] > now)
            self.tokens[token] = (instance.id, now + int(ttl))
        return 200, token.encode(), {'X-Aws-Ec2-Metadata-Token-Ttl-Seconds': str(int(ttl))}

    def tree(self, region, instance):
        """{path below /latest/: text}: every item this instance has."""
        domain = 'ec2.internal' if region == 'us-east-1' else '%s.compute.internal' % region
        host = 'ip-%s.%s' % (instance.private_ip.replace('.', '-'), domain)
        zone = getattr(instance.placement, 'zone', None) or ''
        items = {'meta-data/ami-id': instance.image_id, 'meta-data/hostname': host, 'meta-data/local-hostname': host,
                 'meta-data/instance-id': instance.id, 'meta-data/instance-type': instance.instance_type,
                 'meta-data/local-ipv4': instance.private_ip, 'meta-data/placement/availability-zone': zone,
                 'meta-data/placement/region': region,
                 'meta-data/security-groups': '\n'.join(g.name for g in instance.security_groups)}
        nic = (getattr(instance, 'nics', {}) or {}).get(0)
        if getattr(nic, 'mac_address', None):
            items['meta-data/mac'] = nic.mac_address
        if instance.public_ip:
            items['meta-data/public-ipv4'] = instance.public_ip
        if getattr(instance.metadata_options, 'instance_metadata_tags', 'disabled') == 'enabled':
            for tag in ec2_backend(region).describe_tags(filters={'resource-id': [instance.id]}):
                if '/' not in tag['key'] and tag['key'] not in ('.', '..'):
                    items['meta-data/tags/instance/%s' % tag['key']] = tag['value']
        profile, role = _role_of(region, instance)
        if profile is not None:
            items['meta-data/iam/info'] = json.dumps({
                'Code': 'Success', 'LastUpdated': _iso(self.now()), 'InstanceProfileArn': profile.arn,
                'InstanceProfileId': profile.id}, indent=2)
            if role is not None:
                items['meta-data/iam/security-credentials/%s' % role.name] = role
        if instance.user_data:  # moto keeps it base64-encoded (its Base64EncodedString): IMDS answers the bytes given
            items['user-data'] = base64.b64decode(instance.user_data.as_bytes())
        items['dynamic/instance-identity/document'] = json.dumps({
            'accountId': ACCOUNT, 'architecture': 'x86_64', 'availabilityZone': zone, 'imageId': instance.image_id,
            'instanceId': instance.id, 'instanceType': instance.instance_type, 'privateIp': instance.private_ip,
            'region': region, 'version': '2017-09-30'}, indent=2)
        return items

    def _item(self, path, region, instance):
        if not path.startswith('/latest/'):
            return (200, b'latest', {}) if path == '/' else (404, b'Not Found', {})
        want = path[len('/latest/'):]
        items = self.tree(region, instance)
        leaf = items.get(want.rstrip('/')) if not want.endswith('/') or want.rstrip('/') in items else None
        if leaf is not None:
            if not isinstance(leaf, (str, bytes)):  # the role: its credentials, fresh or current
                leaf = json.dumps(self.credentials.for_instance(region, instance, leaf), indent=2)
            return 200, leaf if isinstance(leaf, bytes) else leaf.encode(), {}
        prefix = want.rstrip('/') + '/' if want.strip('/') else ''
        below = sorted(set(p[len(prefix):].split('/', 1)[0] + ('/' if '/' in p[len(prefix):] else '')
                           for p in items if p.startswith(prefix)))
        if not below:
            return 404, b'Not Found', {}
        return 200, '\n'.join(below).encode(), {}


# -- the listeners on the data plane's VPC networks -----------------------------------------------------------------
class MetadataService:
    """One listener per VPC network of the data plane, on the bridge's host address (the VPC router's); the packet filter
    (emulator.network) sends 169.254.169.254:80 there. ``dataplane.metadata`` holds vpc id -> (address, port)."""

    def __init__(self, dataplane, metadata=None, log=None):
        self.dataplane = dataplane
        self.metadata = metadata or Metadata()
        self.log = log or (lambda msg: None)
        dataplane.metadata = getattr(dataplane, 'metadata', {})
        from emulator.dataplane import HostListeners
        self.listeners = HostListeners(dataplane.metadata, self.log, 'imds')
        dataplane.on_network.append(self.network_added)

    def instance_at(self, vpc_id, address):
        """(region, moto instance) of the data plane's instance at ``address`` on the VPC's network, or None."""
        for entry in list(dict(self.dataplane.instances).values()):
            if entry.get('vpc_id') == vpc_id and entry.get('private_ip') == address and entry.get('region'):
                ec2 = ec2_backend(entry['region'])
                try:
                    return entry['region'], ec2.get_instance(entry['id'])
                except Exception:  # pylint: disable=broad-except  # terminated meanwhile
                    return None
        return None

    def network_added(self, vpc_id, network, cidr):  # pylint: disable=unused-argument
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'
            server_version = 'EC2ws'
            sys_version = ''

            def _serve(self):
                length = int(self.headers.get('Content-Length') or 0)
                if length:
                    self.rfile.read(length)
                found = service.instance_at(vpc_id, self.client_address[0])
                if found is None:  # not an instance's address: nothing answers there on AWS
                    status, body, extra = 404, b'Not Found', {}
                else:
                    status, body, extra = service.metadata.answer(self.command, self.path, dict(self.headers.items()), *found)
                self.send_response(status)
                self.send_header('Content-Type', 'text/plain')
                self.send_header('Content-Length', str(len(body)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                if self.command != 'HEAD':
                    self.wfile.write(body)

            do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _serve

            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass

        def make(address):
            httpd = ThreadingHTTPServer((address, 0), Handler)
            httpd.daemon_threads = True
            return httpd
        httpd = self.listeners.add(vpc_id, cidr, make)
        if httpd is not None:
            self.log('imds: the instances of %s reach %s:80 (served at %s:%d)' % ((vpc_id, ADDRESS) + httpd.server_address[:2]))

    def close(self):
        self.listeners.close()


# -- the check of requests signed with an instance's credentials -----------------------------------------------------
def access_key_of(environ):
    """The access key id of a SigV4 request (the Authorization header, or a presigned URL's X-Amz-Credential)."""
    match = re.search(r'Credential=([^/,\s]+)/', environ.get('HTTP_AUTHORIZATION', ''))
    if match:
        return match.group(1)
    query = parse_qs(environ.get('QUERY_STRING', ''))
    credential = (query.get('X-Amz-Credential') or [''])[0]
    return credential.split('/', 1)[0] or None


def iam_action(environ, action):
    """(IAM action, resource ARN) of a request: S3's from S3_ACTIONS, else <service>:<Action> on ``*``; None for an S3
    operation the table does not name."""
    service = signing_service(environ) or ''
    if service == 's3':
        operation = s3_action(environ)
        if operation not in S3_ACTIONS:
            return None
        name, on_object = S3_ACTIONS[operation]
        bucket, dummy, key = (environ.get('PATH_INFO') or '/').lstrip('/').partition('/')
        if on_object is None:
            return name, '*'
        return name, 'arn:aws:s3:::%s%s' % (bucket, ('/' + key) if on_object else '')
    return '%s:%s' % (IAM_PREFIXES.get(service, service), action), '*'


def signature_matches(environ, body, secret):
    """Whether the request's SigV4 signature (Authorization header) was made with ``secret`` (botocore's signer on the
    request as received)."""
    from botocore.auth import S3SigV4Auth, SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials
    auth = environ.get('HTTP_AUTHORIZATION', '')
    match = re.match(r'AWS4-HMAC-SHA256 Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request,\s*SignedHeaders=([^,]+),'
                     r'\s*Signature=([0-9a-f]+)$', auth.strip())
    if not match:
        return False
    key, region, service, signed, signature = match.groups()
    headers = {}
    host = environ.get('seed.signed_host') or environ.get('HTTP_HOST')  # a virtual-hosted S3 request: as signed
    for name in signed.split(';'):
        if name == 'host':
            value = host
        elif name in ('content-type', 'content-length'):
            value = environ.get(name.upper().replace('-', '_'))
        else:
            value = environ.get('HTTP_' + name.upper().replace('-', '_'))
        if value is None:
            return False
        headers[name] = value
    raw = environ.get('seed.signed_uri') or environ.get('RAW_URI') or environ.get('REQUEST_URI') or (
        quote(environ.get('PATH_INFO') or '/') + ('?' + environ['QUERY_STRING'] if environ.get('QUERY_STRING') else ''))
    request = AWSRequest(method=environ.get('REQUEST_METHOD'), url='%s://%s%s' % (
        environ.get('wsgi.url_scheme', 'http'), host or 'localhost', raw), headers=headers, data=body)
    request.context['timestamp'] = headers.get('x-amz-date', '')
    signer = (S3SigV4Auth if service == 's3' else SigV4Auth)(BotoCredentials(key, secret), service, region)
    canonical = signer.canonical_request(request)
    return signer.signature(signer.string_to_sign(request, canonical), request) == signature


def permitted(role_name, action, resource):
    """moto's evaluation of the role's identity-based policies: 'denied' (an explicit deny), 'allowed' or None (no
    statement allows it: an implicit deny)."""
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.iam.models import iam_backends
    iam = iam_backends[ACCOUNT]['aws']
    policies = [iam.get_role_policy(role_name, name)[1] for name in iam.list_role_policies(role_name)]
    policies += list(iam.list_attached_role_policies(role_name)[0])
    result = None
    for policy in policies:
        verdict = IAMPolicy(policy).is_action_permitted(action, resource)
        if verdict == PermissionResult.DENIED:
            return 'denied'
        if verdict == PermissionResult.PERMITTED:
            result = 'allowed'
    return result


class InstanceCredentials(Hook):
    """AWS's authentication and authorization of a request signed with an instance's credentials (the module's
    docstring); every other request is left to moto as before."""

    def __init__(self, credentials=None):
        self.credentials = credentials or CREDENTIALS

    def reset(self):
        self.credentials.clear()

    def refuse(self, action, form, region, environ, body):
        key = access_key_of(environ)
        entry = self.credentials.entry(key) if key else None
        if entry is None:
            return None
        scope = (parse_qs(environ.get('QUERY_STRING', '')).get('X-Amz-Credential') or [''])[0].split('/')
        service = signing_service(environ) or (scope[3] if len(scope) > 3 else '')
        token = environ.get('HTTP_X_AMZ_SECURITY_TOKEN') or (parse_qs(environ.get('QUERY_STRING', '')).get('X-Amz-Security-Token') or [None])[0]
        if token != entry['token']:
            return self._invalid(service, 'token')
        if self.credentials.now() >= entry['expires']:
            return '400 Bad Request', 'ExpiredToken', 'The security token included in the request is expired'
        if environ.get('HTTP_AUTHORIZATION') and not signature_matches(environ, body, entry['secret']):
            return self._invalid(service, 'signature')
        wanted = iam_action(environ, action)
        if wanted is not None and wanted[0] == 'sts:GetCallerIdentity':
            return None
        verdict = permitted(entry['role'], *wanted) if wanted is not None else None
        if verdict == 'allowed':
            return None
        name, resource = wanted if wanted is not None else ('s3:%s' % action, '*')
        why = 'with an explicit deny in an identity-based policy' if verdict == 'denied' else \
            'because no identity-based policy allows the %s action' % name
        message = 'User: %s is not authorized to perform: %s%s %s' % (
            entry['arn'], name, (' on resource: %s' % resource) if resource != '*' else '', why)
        if service == 'ec2':
            return '403 Forbidden', 'UnauthorizedOperation', 'You are not authorized to perform this operation. ' + message
        if environ.get('HTTP_X_AMZ_TARGET'):
            return '400 Bad Request', 'AccessDeniedException', message
        return '403 Forbidden', 'AccessDenied', message

    @staticmethod
    def _invalid(service, what):
        if service == 'ec2':
            return '401 Unauthorized', 'AuthFailure', 'AWS was not able to validate the provided access credentials'
        if what == 'signature':
            return ('403 Forbidden', 'SignatureDoesNotMatch', 'The request signature we calculated does not match the '
                    'signature you provided. Check your key and signing method.')
        if service == 's3':
            return '400 Bad Request', 'InvalidToken', 'The provided token is malformed or otherwise invalid.'
        return '403 Forbidden', 'InvalidClientTokenId', 'The security token included in the request is invalid.'
