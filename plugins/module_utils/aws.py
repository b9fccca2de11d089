# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS session layer shared by every module of the collection.

``AwsModule`` wraps ``AnsibleModule``: it adds the common connection options
(region, profile, endpoint_url, credentials), builds the one botocore session,
hands out clients whose every call goes through the shared retry policy, and
turns validation and AWS errors into one clear ``fail_json``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import traceback

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.seed.laravel_aws.plugins.module_utils.botocore_data import LEAN_SERVICES, fast_session
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError, describe_error, fail_aws
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import (
    READ_PREFIXES, RetryingClient, DEFAULT_ATTEMPTS, operation_of,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import StillInUse, WaitFailed, WaitTimeout

try:
    # botocore, not boto3: a module needs a client only, and boto3's import (s3transfer and its
    # dependencies) costs about 0.1 s of every module's start-up
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
    HAS_BOTO3 = True
    BOTO3_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported at run time
    HAS_BOTO3 = False
    BOTO3_IMPORT_ERROR = exc
    BotoCoreError = ClientError = None

COLLECTION_VERSION = '0.1.0'
# us-east-1, eu-central-2, us-gov-west-1, cn-north-1: a typo fails here, not deep in botocore
REGION_RE = re.compile(r'^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$')
# What a mutating call made (the id in its answer) or acted on (the ids in its request), for
# "what the run had changed before the failure".
MADE_KEY = {'create_vpc': 'VpcId', 'create_subnet': 'SubnetId', 'create_security_group': 'GroupId',
            'create_internet_gateway': 'InternetGatewayId', 'create_nat_gateway': 'NatGatewayId',
            'allocate_address': 'AllocationId', 'create_route_table': 'RouteTableId', 'create_key_pair': 'KeyName',
            'import_key_pair': 'KeyName', 'run_instances': 'InstanceId', 'associate_route_table': 'AssociationId',
            'create_load_balancer': 'LoadBalancerArn', 'create_target_group': 'TargetGroupArn', 'create_listener': 'ListenerArn',
            'import_certificate': 'CertificateArn', 'create_db_subnet_group': 'DBSubnetGroupName',
            'create_db_instance': 'DBInstanceIdentifier', 'create_cache_subnet_group': 'CacheSubnetGroupName',
            'create_replication_group': 'ReplicationGroupId'}
REQUEST_KEYS = ('VpcId', 'SubnetId', 'GroupId', 'InternetGatewayId', 'NatGatewayId', 'AllocationId', 'AssociationId',
                'RouteTableId', 'KeyName', 'InstanceId', 'InstanceIds', 'Resources', 'DestinationCidrBlock',
                'ListenerArn', 'LoadBalancerArn', 'TargetGroupArn', 'CertificateArn', 'ResourceArns',
                'DBSubnetGroupName', 'DBInstanceIdentifier', 'CacheSubnetGroupName', 'ReplicationGroupId', 'ResourceName',
                'AutoScalingGroupName')


def _values_of(value, key, out, depth=0):
    if depth > 4:
        return out
    if isinstance(value, dict):
        for k, item in value.items():
            if k == key and isinstance(item, str):
                out.append(item)
            elif isinstance(item, (dict, list)):
                _values_of(item, key, out, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _values_of(item, key, out, depth + 1)
    return out


def made_ids(operation, kwargs, response):
    """The ids a successful mutating call made or acted on."""
    ids = _values_of(response or {}, MADE_KEY[operation], []) if operation in MADE_KEY else []
    if not ids:
        for key in REQUEST_KEYS:
            item = kwargs.get(key)
            ids.extend([item] if isinstance(item, str) else [i for i in item or [] if isinstance(i, str)])
    return list(dict.fromkeys(ids))


def aws_argument_spec():
    """The connection options every AWS module takes (see doc_fragments/aws.py)."""
    return dict(
        region=dict(type='str', aliases=['aws_region'],
                    fallback=(env_fallback, ['AWS_REGION', 'AWS_DEFAULT_REGION'])),
        profile=dict(type='str', aliases=['aws_profile'],
                     fallback=(env_fallback, ['AWS_PROFILE'])),
        # No fallback here: botocore resolves AWS_ENDPOINT_URL_<SERVICE> (for that service) and then AWS_ENDPOINT_URL
        # (for all) per client, as the AWS CLI does; the option, when given, is above both.
        endpoint_url=dict(type='str', aliases=['aws_endpoint_url']),
        aws_ca_bundle=dict(type='path', fallback=(env_fallback, ['AWS_CA_BUNDLE'])),
        aws_config=dict(type='dict'),
        access_key=dict(type='str', aliases=['aws_access_key_id'], no_log=False,
                        fallback=(env_fallback, ['AWS_ACCESS_KEY_ID'])),
        secret_key=dict(type='str', aliases=['aws_secret_access_key'], no_log=True,
                        fallback=(env_fallback, ['AWS_SECRET_ACCESS_KEY'])),
        session_token=dict(type='str', aliases=['aws_session_token'], no_log=True,
                           fallback=(env_fallback, ['AWS_SESSION_TOKEN'])),
        validate_certs=dict(type='bool', default=True),
        max_attempts=dict(type='int', default=DEFAULT_ATTEMPTS),
    )


COMMON = {
    'tags': dict(tags=dict(type='dict', aliases=['resource_tags']), purge_tags=dict(type='bool', default=True)),
    'state': dict(state=dict(type='str', default='present', choices=['present', 'absent'])),
    'waits': dict(wait=dict(type='bool', default=True), wait_timeout=dict(type='int', default=600)),
    'owner': dict(stack=dict(type='str')),
}


def resource_spec(options, tags=True, state=True, waits=False, owner=False):
    """A resource module's argument spec: its own ``options`` plus the options every resource module
    spells the same way (doc_fragments/aws.py): tags and purge_tags, state, wait and wait_timeout, and
    ``stack`` (the owner check of stack.check_owner, documented by the ``owner`` fragment)."""
    spec = {}
    for group, wanted in (('tags', tags), ('state', state), ('waits', waits), ('owner', owner)):
        if wanted:
            spec.update(COMMON[group])
    spec.update(options)
    return spec


# The options of a subnet group, the same for RDS (db_subnet_group) and ElastiCache (cache_subnet_group): a name, a
# description, the subnets (ids, or names of the stack's subnets), the wait for a group in use on delete.
SUBNET_GROUP_OPTIONS = dict(
    name=dict(type='str', required=True),
    description=dict(type='str'),
    subnets=dict(type='list', elements='str'),
    wait_timeout=dict(type='int', default=1200),
)


def validate_connection(params, need_region=True):
    """The connection options (see :func:`aws_argument_spec`), before any call; ValidationError names the field.
    The inventory plugin checks its options with this too."""
    p = params
    if bool(p.get('access_key')) != bool(p.get('secret_key')):
        missing = 'secret_key' if p.get('access_key') else 'access_key'
        raise ValidationError(missing, 'access_key and secret_key go together; give both, or neither to use profile/environment credentials')
    if p.get('max_attempts') is not None and p['max_attempts'] < 1:
        raise ValidationError('max_attempts', 'must be 1 or more')
    url = p.get('endpoint_url')
    if url and not str(url).startswith(('http://', 'https://')):
        raise ValidationError('endpoint_url', 'must start with http:// or https:// (got %r)' % url)
    if p.get('aws_config'):
        client_config(p['aws_config'])  # unknown keys or bad values are refused here, before any call
    if need_region and not p.get('region') and not p.get('profile'):
        raise ValidationError('region', 'no region given; set region (for example us-east-1) or AWS_REGION')
    if p.get('region') and not REGION_RE.match(str(p['region'])):
        raise ValidationError('region', '%r is not a region name; write it like us-east-1' % p['region'])


def new_session(params, lean=True):
    """A botocore session from the connection options: the access key (else the profile, else the
    environment), the region; ``lean`` with the fast loader of botocore_data.py (about 0.2 s less start-up)."""
    p = params
    session = botocore.session.Session(profile=p['profile'] if p.get('profile') and not p.get('access_key') else None)
    if p.get('access_key'):
        session.set_credentials(p['access_key'], p['secret_key'], p.get('session_token'))
    if p.get('region'):
        session.set_config_variable('region', p['region'])
    if lean:
        fast_session(session)
    return session


def session_region(session):
    """The region the session's environment or profile gives, or None."""
    return session.get_config_variable('region')


def client_config(aws_config=None, agent='seed.laravel_aws'):
    """botocore's Config: the user's ``aws_config`` (botocore.config.Config's parameters, as amazon.aws takes them)
    over the collection's timeouts, without botocore's own retries (:class:`RetryingClient` retries)."""
    base = dict(connect_timeout=10, read_timeout=60)
    try:
        base.update(aws_config or {})
        base['retries'] = {'total_max_attempts': 1, 'mode': 'standard'}
        base['user_agent_extra'] = ' '.join(filter(None, [str(base.get('user_agent_extra') or ''),
                                                          '%s/%s' % (agent, COLLECTION_VERSION)]))
        return Config(**base)
    except (TypeError, ValueError) as exc:
        raise ValidationError('aws_config', 'not a botocore Config: %s (see botocore.config.Config for its parameters)' % exc)


def verify_of(params):
    """What botocore's ``verify`` takes: False without certificate checks, the CA bundle given, or None (botocore's own
    choice: AWS_CA_BUNDLE, the profile's ca_bundle, else its bundled roots)."""
    if not params.get('validate_certs', True):
        return False
    return params.get('aws_ca_bundle') or None


def new_client(session, service, region=None, endpoint_url=None, verify=None, agent='seed.laravel_aws', aws_config=None):
    """A botocore client without botocore's own retries. Without ``endpoint_url`` botocore picks the endpoint:
    AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then the profile's, then AWS's public one."""
    return session.create_client(service, region_name=region, endpoint_url=endpoint_url or None, verify=verify,
                                 config=client_config(aws_config, agent))


AWS_OPTION_NAMES = frozenset(aws_argument_spec())


class AwsModule:
    """AnsibleModule plus the shared AWS session, clients and error handling."""

    def __init__(self, argument_spec, **kwargs):
        kwargs.setdefault('supports_check_mode', True)  # every module of the collection supports it
        spec = aws_argument_spec()
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, **kwargs)
        self.params = self.module.params
        self.contexts = []  # the resource contexts of this run (Context.of)
        self.check_mode = self.module.check_mode
        self._diff = self.module._diff
        self._sessions = {}
        self._clients = {}
        self.last_operation = None
        self.calls = 0
        # every mutating call that succeeded: [{operation, ids}] (see changes_made)
        self.changes_made = []
        self._exiting = False
        if not HAS_BOTO3:
            self.module.fail_json(msg=missing_required_lib('botocore'), exception=str(BOTO3_IMPORT_ERROR))
        self._validate_connection()

    # -- input -----------------------------------------------------------
    def _validate_connection(self):
        try:
            validate_connection(self.params)
        except ValidationError as err:
            self.fail_validation(err)

    def fail_validation(self, err):
        self.fail_json(msg=str(err), field=err.field)

    # -- session and clients ----------------------------------------------
    def session(self, lean=True):
        """The botocore session; ``lean`` (the default) with the fast loader of botocore_data.py."""
        key = 'lean' if lean else 'full'
        if key not in self._sessions:
            try:
                self._sessions[key] = new_session(self.params, lean)
            except BotoCoreError as exc:
                fail_aws(self.module, exc, msg='could not create an AWS session')
        return self._sessions[key]

    def _raw_client(self, service, lean=True):
        p = self.params
        try:
            return new_client(self.session(lean and service in LEAN_SERVICES), service, endpoint_url=p.get('endpoint_url'),
                              verify=verify_of(p), aws_config=p.get('aws_config'))
        except BotoCoreError as exc:
            fail_aws(self.module, exc, msg='could not create an AWS %s client' % service)

    def client(self, service='ec2'):
        """A client whose calls retry on throttling/5xx with jittered backoff."""
        if service not in self._clients:
            p = self.params
            self._clients[service] = RetryingClient(self._raw_client(service), attempts=p.get('max_attempts') or DEFAULT_ATTEMPTS,
                                                    on_call=self._record_call, on_done=self._record_done)
        return self._clients[service]

    def _record_call(self, operation, kwargs):
        self.last_operation = operation
        self.calls += 1

    def _record_done(self, operation, kwargs, response):
        if operation.startswith(READ_PREFIXES):
            return
        name = ''.join(part.capitalize() for part in operation.split('_'))
        ids = made_ids(operation, kwargs, response)
        self.changes_made.append({'operation': name, 'ids': ids})

    def _made_text(self):
        return '; '.join('%s %s' % (c['operation'], ', '.join(c['ids'])) if c['ids'] else c['operation']
                         for c in self.changes_made)

    # -- running -----------------------------------------------------------
    def run(self, func, *args, **kwargs):
        """Run the module body; every error becomes one clear fail_json, never a raw traceback."""
        try:
            return func(self, *args, **kwargs)
        except Exception as exc:  # pylint: disable=broad-except
            if self._exiting:  # raised by exit_json/fail_json themselves (a test harness): not ours to report
                raise
            if isinstance(exc, ValidationError):
                self.fail_validation(exc)
            elif isinstance(exc, (WaitTimeout, WaitFailed, StillInUse)):
                self.fail_json(msg=str(exc), exception=traceback.format_exc())
            elif HAS_BOTO3 and isinstance(exc, (ClientError, BotoCoreError)):
                operation = operation_of(exc, self.last_operation)
                text, details = describe_error(exc, operation)
                prefix = '%s failed' % operation if operation else 'AWS call failed'
                self.fail_json(msg='%s: %s' % (prefix, text), exception=traceback.format_exc(), **details)
            else:
                # an answer botocore could not parse (an endpoint that is not EC2), or a bug: named, not a traceback
                operation = operation_of(exc)
                details = {'operation': operation} if operation else {}
                prefix = '%s failed' % operation if operation else 'unexpected error'
                self.fail_json(msg='%s: %s: %s' % (prefix, type(exc).__name__, exc), exception=traceback.format_exc(), **details)

    def exit_json(self, **kwargs):
        # The EC2 ids the run made are returned only once a read by id sees them: the next task names them, and gives
        # a user's id no second try (EC2's eventual consistency).
        from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import settle_made
        for ctx in self.contexts:
            settle_made(ctx)
        self._exiting = True
        self.module.exit_json(**kwargs)

    def fail_json(self, **kwargs):
        """fail_json; after a mutating call it reports changed: true and names what the run had changed."""
        if self.changes_made:
            kwargs['changed'] = True
            kwargs['changes_made'] = list(self.changes_made)
            kwargs['msg'] = '%s (before this failure the run had already changed: %s)' % (kwargs.get('msg', ''), self._made_text())
        self._exiting = True
        self.module.fail_json(**kwargs)

    def warn(self, msg):
        self.module.warn(msg)
