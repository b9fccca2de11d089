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

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.seed.laravel_aws.plugins.module_utils.botocore_data import LEAN_SERVICES, fast_session
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError, fail_aws
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import RetryingClient, DEFAULT_ATTEMPTS, operation_of
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import WaitTimeout

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


def aws_argument_spec():
    """The connection options every AWS module takes (see doc_fragments/aws.py)."""
    return dict(
        region=dict(type='str', aliases=['aws_region'],
                    fallback=(env_fallback, ['AWS_REGION', 'AWS_DEFAULT_REGION'])),
        profile=dict(type='str', aliases=['aws_profile'],
                     fallback=(env_fallback, ['AWS_PROFILE'])),
        endpoint_url=dict(type='str', aliases=['aws_endpoint_url'],
                          fallback=(env_fallback, ['AWS_ENDPOINT_URL_EC2', 'AWS_ENDPOINT_URL'])),
        access_key=dict(type='str', aliases=['aws_access_key_id'], no_log=False,
                        fallback=(env_fallback, ['AWS_ACCESS_KEY_ID'])),
        secret_key=dict(type='str', aliases=['aws_secret_access_key'], no_log=True,
                        fallback=(env_fallback, ['AWS_SECRET_ACCESS_KEY'])),
        session_token=dict(type='str', aliases=['aws_session_token'], no_log=True,
                           fallback=(env_fallback, ['AWS_SESSION_TOKEN'])),
        validate_certs=dict(type='bool', default=True),
        max_attempts=dict(type='int', default=DEFAULT_ATTEMPTS),
    )


AWS_OPTION_NAMES = frozenset(aws_argument_spec())


class AwsModule:
    """AnsibleModule plus the shared AWS session, clients and error handling."""

    def __init__(self, argument_spec, **kwargs):
        spec = aws_argument_spec()
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, **kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self._diff = self.module._diff
        self._sessions = {}
        self._clients = {}
        self.last_operation = None
        self.calls = 0
        if not HAS_BOTO3:
            self.module.fail_json(msg=missing_required_lib('botocore'), exception=str(BOTO3_IMPORT_ERROR))
        self._validate_connection()

    # -- input -----------------------------------------------------------
    def _validate_connection(self):
        p = self.params
        if bool(p.get('access_key')) != bool(p.get('secret_key')):
            missing = 'secret_key' if p.get('access_key') else 'access_key'
            self.fail_validation(ValidationError(
                missing, 'access_key and secret_key go together; give both, or neither to use profile/environment credentials'))
        if p.get('max_attempts') is not None and p['max_attempts'] < 1:
            self.fail_validation(ValidationError('max_attempts', 'must be 1 or more'))
        url = p.get('endpoint_url')
        if url and not url.startswith(('http://', 'https://')):
            self.fail_validation(ValidationError('endpoint_url', 'must start with http:// or https:// (got %r)' % url))
        if not p.get('region') and not p.get('profile'):
            self.fail_validation(ValidationError('region', 'no region given; set region (for example us-east-1) or AWS_REGION'))

    def fail_validation(self, err):
        self.module.fail_json(msg=str(err), field=err.field)

    # -- session and clients ----------------------------------------------
    def session(self, lean=True):
        """The botocore session; ``lean`` (the default) with the fast loader of botocore_data.py."""
        key = 'lean' if lean else 'full'
        if key not in self._sessions:
            p = self.params
            try:
                session = botocore.session.Session(profile=p['profile'] if p.get('profile') and not p.get('access_key') else None)
                if p.get('access_key'):
                    session.set_credentials(p['access_key'], p['secret_key'], p.get('session_token'))
                if p.get('region'):
                    session.set_config_variable('region', p['region'])
                if lean:
                    fast_session(session)  # about 0.2 s less start-up per module (see botocore_data.py)
            except BotoCoreError as exc:
                fail_aws(self.module, exc, msg='could not create an AWS session')
            self._sessions[key] = session
        return self._sessions[key]

    def _raw_client(self, service, lean=True):
        p = self.params
        lean = lean and service in LEAN_SERVICES  # the lean data folder knows only these
        config = Config(
            user_agent_extra='seed.laravel_aws/%s' % COLLECTION_VERSION,
            retries={'total_max_attempts': 1, 'mode': 'standard'},  # our RetryingClient retries
            connect_timeout=10, read_timeout=60)
        try:
            return self.session(lean).create_client(service, endpoint_url=p.get('endpoint_url') or None,
                                                    verify=p.get('validate_certs', True), config=config)
        except BotoCoreError as exc:
            fail_aws(self.module, exc, msg='could not create an AWS %s client' % service)

    def client(self, service='ec2'):
        """A client whose calls retry on throttling/5xx with jittered backoff."""
        if service not in self._clients:
            p = self.params
            self._clients[service] = RetryingClient(self._raw_client(service), attempts=p.get('max_attempts') or DEFAULT_ATTEMPTS,
                                                    on_call=self._record_call,
                                                    fallback=lambda: self._raw_client(service, lean=False))
        return self._clients[service]

    def _record_call(self, operation, kwargs):
        self.last_operation = operation
        self.calls += 1

    # -- running -----------------------------------------------------------
    def run(self, func, *args, **kwargs):
        """Run the module body; every known error becomes one clear fail_json."""
        try:
            return func(self, *args, **kwargs)
        except ValidationError as err:
            self.fail_validation(err)
        except WaitTimeout as err:
            self.module.fail_json(msg=str(err))
        except Exception as exc:  # pylint: disable=broad-except
            if HAS_BOTO3 and isinstance(exc, (ClientError, BotoCoreError)):
                fail_aws(self.module, exc, operation=operation_of(exc, self.last_operation))
            raise

    def exit_json(self, **kwargs):
        self.module.exit_json(**kwargs)

    def fail_json(self, **kwargs):
        self.module.fail_json(**kwargs)

    def warn(self, msg):
        self.module.warn(msg)
