"""Run modules in-process against moto's in-process mock of AWS.

``run_module(main, args)`` runs a module's main() and returns its result dict;
``calls`` lists every API operation the module sent, so a test can assert that
bad input failed before any request.
"""
import contextlib
import json
import os
import sys

import pytest

from ansible.module_utils import basic

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19 (scripts/venvs.sh runs these tests on 2.17 too)
    @contextlib.contextmanager
    def patch_module_args(args):
        old = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode()
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = old

from ansible_collections.seed.laravel_aws.plugins.module_utils import retries

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
REGION = 'us-east-1'
READS = ('describe_', 'get_', 'list_', 'head_')


def _parse_each_model_once():
    """botocore's JSON files (service models, endpoints, rules) parsed once per test process, not once per client: moto
    resets boto3's default session for every test and every module run makes its own session, so each would parse
    EC2's model again (a third of a module test's time). A file is known by its path and its modification time; what a
    loader answers is read-only to botocore (merging sdk-extras into a model is idempotent), so the one parse is shared.
    Test speed only: the collection's own loading is untouched."""
    from botocore import loaders
    parsed = {}
    load = loaders.JSONFileLoader._load_file  # pylint: disable=protected-access

    def load_once(self, full_path, open_method):
        try:
            key = (type(self), full_path, os.stat(full_path).st_mtime_ns)
        except OSError:
            return None
        if key not in parsed:
            parsed[key] = load(self, full_path, open_method)
        return parsed[key]
    loaders.JSONFileLoader._load_file = load_once  # pylint: disable=protected-access


_parse_each_model_once()


class ModuleExit(Exception):
    def __init__(self, result):
        super().__init__(result)
        self.result = result


@pytest.fixture
def aws(monkeypatch):
    """moto's in-process AWS with fake credentials; yields a boto3 EC2 client."""
    moto = pytest.importorskip('moto')
    import boto3
    for key in ('AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_EC2'):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv('AWS_ACCESS_KEY_ID', 'testing')
    monkeypatch.setenv('AWS_SECRET_ACCESS_KEY', 'testing')
    monkeypatch.setenv('AWS_DEFAULT_REGION', REGION)
    from emulator.fidelity import patch_moto
    patch_moto()  # moto answering as AWS does where the collection depends on it, as in the emulator
    with moto.mock_aws():
        yield boto3.client('ec2', region_name=REGION)


@pytest.fixture
def calls(monkeypatch):
    """Every operation sent through the shared retrying client."""
    seen = []
    original = retries.RetryingClient.call

    def spy(self, operation, method, kwargs, retry_lost_answer=None):
        seen.append(operation)
        return original(self, operation, method, kwargs, retry_lost_answer)
    monkeypatch.setattr(retries.RetryingClient, 'call', spy)
    return seen


def mutating(calls):
    return [c for c in calls if not c.startswith(READS)]


@pytest.fixture
def run_module(monkeypatch):
    def exit_json(self, **kwargs):
        kwargs.setdefault('changed', False)
        raise ModuleExit(json.loads(json.dumps(kwargs, default=str)))

    def fail_json(self, msg, **kwargs):
        kwargs['failed'] = True
        kwargs['msg'] = msg
        raise ModuleExit(json.loads(json.dumps(kwargs, default=str)))
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)

    def run(main, args, check_mode=False, diff=False):
        args = dict(args)
        args.setdefault('region', REGION)
        args['_ansible_check_mode'] = check_mode
        args['_ansible_diff'] = diff
        with patch_module_args(args):
            with pytest.raises(ModuleExit) as caught:
                main()
        return caught.value.result
    return run
