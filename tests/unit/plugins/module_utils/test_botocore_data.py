"""The lean botocore loader must make the very same client as botocore's own, only faster."""
import os
import time

import botocore.session
from botocore.config import Config
from botocore.exceptions import UnknownServiceError
import pytest

from ansible_collections.seed.laravel_aws.plugins.module_utils import botocore_data


def client(loader=None):
    session = botocore.session.Session()
    session.set_credentials('testing', 'testing')
    if loader is not None:
        session.register_component('data_loader', loader)
    return session.create_client('ec2', region_name='us-east-1', endpoint_url='http://127.0.0.1:9',
                                 config=Config(retries={'total_max_attempts': 1}))


def load_every_module():
    """Every module of the collection imported (with the module_utils each imports), as the whole suite has them:
    what called_operations scans is the loaded code, so a test run alone must load it too."""
    import importlib
    folder = os.path.join(os.path.dirname(botocore_data.__file__), '..', 'modules')
    for name in sorted(os.listdir(folder)):
        if name.endswith('.py') and name != '__init__.py':
            importlib.import_module('%s.modules.%s' % (botocore_data.PACKAGE, name[:-3]))


@pytest.fixture
def operations(tmp_path):
    """What the collection's loaded code calls (no list is kept by hand)."""
    load_every_module()
    return botocore_data.called_operations(root=str(tmp_path), environ={})


@pytest.fixture
def lean(tmp_path):
    load_every_module()
    loader = botocore_data.lean_loader('ec2', root=str(tmp_path), environ={})
    assert loader is not None
    return loader


def test_strip_keeps_a_member_named_documentation():
    model = {'documentation': 'text', 'members': {'documentation': {'shape': 'String', 'documentation': 'x'}}}
    assert botocore_data.strip_documentation(model) == {'members': {'documentation': {'shape': 'String'}}}


def test_the_lean_client_has_the_collections_operations_as_the_stock_one_has_them(lean, operations):
    stock, ours = client().meta.service_model, client(lean).meta.service_model
    assert sorted(ours.operation_names) == sorted(operations)
    assert set(ours.shape_names) < set(stock.shape_names)
    for name in sorted(operations):
        a, b = stock.operation_model(name), ours.operation_model(name)
        assert list(a.input_shape.members) == list(b.input_shape.members)  # the order is the wire order
        assert (a.output_shape and list(a.output_shape.members)) == (b.output_shape and list(b.output_shape.members))
        assert a.idempotent_members == b.idempotent_members
        assert [e.name for e in a.error_shapes] == [e.name for e in b.error_shapes]
    for shape in ('Instance', 'SecurityGroup', 'IpPermission', 'TagSpecification', 'NatGateway', 'RouteTable'):
        assert stock.shape_for(shape).members.keys() == ours.shape_for(shape).members.keys()
    assert ours.documentation == ''


def _called_operations():
    """Every EC2 operation the collection's code calls: ec2.<op>(, paginate('<op>', get_paginator('<op>'),
    and the getattr(ec2, '<prefix>_%s' % direction) forms for ingress and egress."""
    import re
    root = os.path.join(os.path.dirname(botocore_data.__file__), '..')
    names = set()
    for folder, _dirs, files in os.walk(root):
        for f in files:
            if not f.endswith('.py'):
                continue
            with open(os.path.join(folder, f)) as handle:
                text = handle.read()
            names.update(re.findall(r"\b(?:ec2|client|raw)\.([a-z]+(?:_[a-z0-9]+)+)\(", text))
            names.update(re.findall(r"(?:paginate|get_paginator)\('([a-z_0-9]+)'", text))
            names.update(re.findall(r"ctx\.(?:call|live)\('([a-z_0-9]+)'", text))  # through the Context
            for pair in re.findall(r"operation = '([a-z_0-9]+)' if [^\n]* else '([a-z_0-9]+)'", text):
                names.update(pair)
            # 'revoke_security_group_%s' % direction, and ('authorize_security_group_%s', atoms) pairs
            for prefix in re.findall(r"'([a-z_]+)_%s'(?:, [a-z_]+\)| % (?:kind|direction))", text):
                names.update([prefix + '_ingress', prefix + '_egress'])
    return names


def test_every_operation_the_code_calls_is_in_the_lean_model(operations):
    by_python_name = dict((botocore.xform_name(op), op) for op in client().meta.service_model.operation_names)
    called = _called_operations()
    assert len(called) > 40  # the scan works
    unknown = sorted(n for n in called if n in by_python_name and by_python_name[n] not in operations and n not in botocore_data.NOT_EC2)
    assert unknown == []
    loader = botocore.session.get_session().get_component('data_loader')
    others = set(botocore.xform_name(op) for service in botocore_data.OTHER_SERVICES
                 for op in loader.load_service_model(service, 'service-2')['operations'])
    assert sorted(n for n in called if n not in by_python_name and n not in others and n not in ('get_paginator', 'get_waiter', 'create_client')) == []


def test_a_new_call_in_the_code_is_in_the_lean_model_with_no_list_to_extend(tmp_path, monkeypatch):
    """Writing ec2.describe_flow_logs( in a module_utils file is all it takes: the lean model is derived from the
    loaded code, so RetryingClient needs no full-client fallback (it has none)."""
    import importlib.util
    import inspect
    import sys
    from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import RetryingClient
    source = tmp_path / 'flow_logs.py'
    source.write_text("def find(ctx):\n    return ctx.client.describe_flow_logs()['FlowLogs']\n"
                      "def revoke(ctx, kind):\n    return ctx.call('revoke_client_vpn_%s' % kind)\n")
    name = botocore_data.PACKAGE + '.module_utils.flow_logs'
    spec = importlib.util.spec_from_file_location(name, str(source))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    before = botocore_data.called_operations(root=str(tmp_path), environ={})
    assert 'DescribeFlowLogs' not in before
    monkeypatch.setitem(sys.modules, name, module)
    after = botocore_data.called_operations(root=str(tmp_path), environ={})
    assert after - before == {'DescribeFlowLogs', 'RevokeClientVpnIngress'}
    lean = client(botocore_data.lean_loader('ec2', root=str(tmp_path), environ={}))
    assert 'DescribeFlowLogs' in lean.meta.service_model.operation_names and callable(lean.describe_flow_logs)
    assert 'fallback' not in inspect.signature(RetryingClient).parameters
    with pytest.raises(AttributeError):
        RetryingClient(client(botocore_data.lean_loader('ec2', root=str(tmp_path), environ={}, operations=frozenset(['DescribeVpcs'])))).describe_subnets


def test_source_given_as_bytes_counts_as_source(monkeypatch):
    """ansible's collection loader, which loads the inventory plugin in ansible-inventory, returns bytes from
    get_source (zipimport, in a module, returns str): both are read, or the inventory gets botocore's full model."""
    import sys
    import types

    class BytesLoader:
        @staticmethod
        def get_source(name):
            return b"def find(c):\n    return c.describe_flow_logs()\n"
    name = botocore_data.PACKAGE + '.module_utils.bytes_source'
    module = types.ModuleType(name)
    module.__loader__ = BytesLoader()
    monkeypatch.setitem(sys.modules, name, module)
    assert 'describe_flow_logs' in botocore_data.code_words()[0]


def test_the_inventory_plugin_loaded_by_ansible_gets_the_lean_model(tmp_path):
    """Loaded as ansible-inventory loads it (ansible's collection finder), the plugin's client is lean:
    it has DescribeInstances and a few dozen operations, not EC2's 800 (about 30 MiB and 0.2 s more)."""
    import subprocess
    import sys
    # the folder holding ansible_collections/ (botocore_data.py is ansible_collections/seed/laravel_aws/plugins/module_utils/)
    collections = botocore_data.__file__.split(os.sep + 'ansible_collections' + os.sep, maxsplit=1)[0]
    code = (
        "import sys\n"
        "from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder\n"
        "_AnsibleCollectionFinder(paths=[sys.argv[1]])._install()\n"
        "from ansible.plugins.loader import inventory_loader\n"
        "plugin = inventory_loader.get('seed.laravel_aws.ec2')\n"
        "m = sys.modules[type(plugin).__module__]\n"
        "client = m.new_client(m.new_session({}), 'ec2', region='us-east-1', endpoint_url='http://127.0.0.1:9')\n"
        "print(len(client.meta.service_model.operation_names), 'DescribeInstances' in client.meta.service_model.operation_names)\n")
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path), AWS_ACCESS_KEY_ID='testing', AWS_SECRET_ACCESS_KEY='testing')
    env.pop('AWS_DATA_PATH', None)
    out = subprocess.run([sys.executable, '-c', code, collections], env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out[1] == 'True' and 0 < int(out[0]) < 200, out


def test_the_lean_client_serializes_a_request_as_the_stock_one(lean):
    def request(c):
        seen = {}

        def grab(request, **_kwargs):
            seen['body'] = request.body
            raise RuntimeError('stop before sending')
        c.meta.events.register('before-send.ec2.*', grab)
        with pytest.raises(RuntimeError):
            c.run_instances(ImageId='ami-1', MinCount=1, MaxCount=1, ClientToken='t',
                            TagSpecifications=[{'ResourceType': 'instance', 'Tags': [{'Key': 'a', 'Value': 'b'}]}],
                            MetadataOptions={'HttpTokens': 'required'})
        return seen['body']
    assert request(client(lean)) == request(client())


@pytest.mark.parametrize('region', ['us-east-1', 'eu-central-1', 'cn-north-1', 'us-gov-west-1', 'us-iso-east-1'])
def test_the_trimmed_endpoints_resolve_ec2_as_botocore_does(lean, region):
    def resolved(loader=None):
        session = botocore.session.Session()
        session.set_credentials('testing', 'testing')
        if loader is not None:
            session.register_component('data_loader', loader)
        c = session.create_client('ec2', region_name=region)
        return c.meta.endpoint_url, c.meta.partition, c.meta.config.signature_version, c.meta.region_name
    assert resolved(lean) == resolved()


def test_the_lean_endpoints_list_only_ec2(lean):
    ours, stock = lean.load_data('endpoints'), botocore.session.Session().get_component('data_loader').load_data('endpoints')
    assert [sorted(p['services']) for p in ours['partitions']] == [['ec2']] * len(stock['partitions'])
    for mine, theirs in zip(ours['partitions'], stock['partitions']):
        assert dict(mine, services=None) == dict(theirs, services=None)
        assert mine['services']['ec2'] == theirs['services']['ec2']


def test_the_folder_changes_with_the_layout(operations):
    assert botocore_data.operations_key(operations) != botocore_data.operations_key(operations, layout=1)


def test_services_are_known_without_listing_them_all(lean):
    known = lean.list_available_services('service-2')
    assert 'ec2' in known and 's3' in known and 'no-such-service' not in known
    assert list(known) == botocore.session.Session().get_component('data_loader').list_available_services('service-2')
    with pytest.raises(UnknownServiceError):
        lean.load_service_model('no-such-service', 'service-2')


def test_written_once_per_botocore_version(tmp_path, operations):
    path = botocore_data.lean_data_path('ec2', root=str(tmp_path), environ={})
    assert os.path.basename(path) == 'botocore-%s-%s' % (botocore.__version__, botocore_data.operations_key(operations))
    files = sorted(os.path.join(d, f) for d, _dirs, names in os.walk(path) for f in names)
    assert [os.path.relpath(f, path) for f in files] == ['ec2/%s/service-2.json' % os.listdir(os.path.join(path, 'ec2'))[0],
                                                         'endpoints.json']
    stamps = [os.stat(f).st_mtime_ns for f in files]
    time.sleep(0.01)
    assert botocore_data.lean_data_path('ec2', root=str(tmp_path), environ={}) == path
    assert [os.stat(f).st_mtime_ns for f in files] == stamps


def test_a_users_data_path_or_an_unwritable_cache_falls_back_to_botocore(tmp_path):
    assert botocore_data.lean_loader('ec2', root=str(tmp_path), environ={'AWS_DATA_PATH': '/models'}) is None
    blocked = tmp_path / 'a-file'
    blocked.write_text('')
    assert botocore_data.lean_loader('ec2', root=str(blocked), environ={}) is None
    assert botocore_data.lean_loader('no-such-service', root=str(tmp_path), environ={}) is None
    assert not [n for n in os.listdir(str(tmp_path)) if n != 'a-file' and not os.path.isdir(str(tmp_path / n))]


def test_xdg_cache_home_is_honoured():
    assert botocore_data.cache_root({'XDG_CACHE_HOME': '/x'}) == '/x/seed.laravel_aws'


@pytest.mark.parametrize('value', ['2026-11-23T08:00:00.000Z', '2026-11-23T08:00:00Z', '2026-11-23T08:00:00.123456Z',
                                   '2026-11-23T08:00:00.1Z', '2026-11-23T08:00:00+02:00', '1700000000',
                                   'Sun, 22 Nov 2026 08:00:00 GMT'])
def test_the_fast_timestamp_parser_gives_what_botocore_gives(value):
    from botocore.utils import parse_timestamp
    ours, theirs = botocore_data.parse_timestamp(value), parse_timestamp(value)
    assert ours == theirs and str(ours) == str(theirs) and ours.utcoffset() == theirs.utcoffset()


def test_a_fast_session_parses_a_response_as_botocore_does():
    body = (b'<DescribeKeyPairsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>'
            b'<keySet><item><keyPairId>key-1</keyPairId><keyName>k</keyName><createTime>2026-11-23T08:00:00.000Z</createTime>'
            b'</item></keySet></DescribeKeyPairsResponse>')

    def parsed(session):
        shape = session.get_service_model('ec2').operation_model('DescribeKeyPairs').output_shape
        parser = session.get_component('response_parser_factory').create_parser('ec2')
        return parser.parse({'body': body, 'headers': {}, 'status_code': 200}, shape)
    ours, stock = parsed(botocore_data.fast_session(botocore.session.Session())), parsed(botocore.session.Session())
    assert ours == stock
    assert str(ours['KeyPairs'][0]['CreateTime']) == '2026-11-23 08:00:00+00:00'


def test_only_ec2_clients_come_from_the_lean_folder(monkeypatch, tmp_path):
    from ...conftest import patch_module_args  # ansible-core 2.19+ or its stand-in on 2.17
    from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import AwsModule
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))
    monkeypatch.delenv('AWS_DATA_PATH', raising=False)
    with patch_module_args({'region': 'eu-west-1', 'access_key': 'a', 'secret_key': 'b'}):
        m = AwsModule(argument_spec={})
    sts = m._raw_client('sts')
    assert list(m._sessions) == ['full']  # the lean endpoints.json knows no sts
    assert m._raw_client('ec2').meta.service_model.operation_names == sorted(botocore_data.called_operations())
    assert sorted(m._sessions) == ['full', 'lean']
    stock = botocore.session.Session()
    stock.set_credentials('a', 'b')
    assert sts.meta.endpoint_url == stock.create_client('sts', region_name='eu-west-1').meta.endpoint_url


def test_a_module_without_source_gets_the_full_model(monkeypatch, tmp_path):
    """Mitogen runs a module as __main__ with its runner as the spec's loader, which has no get_source: its words
    are unknown, so the client must get botocore's full model (a lean one missed describe_availability_zones)."""
    import sys
    import types
    from importlib.machinery import ModuleSpec

    class Runner:  # like ansible_mitogen's NewStyleRunner: a loader in name only
        pass
    name = botocore_data.PACKAGE + '.modules.run_by_mitogen'
    module = types.ModuleType('__main__')
    module.__spec__ = ModuleSpec(name, Runner())
    monkeypatch.setitem(sys.modules, '__main__', module)
    with pytest.raises(LookupError, match='run_by_mitogen'):
        botocore_data.code_words()
    assert botocore_data.lean_data_path('ec2', root=str(tmp_path), environ={}) is None
    # a package without source (a namespace package) is no reason to give up the lean model
    package = types.ModuleType(botocore_data.PACKAGE + '.doc_fragments')
    package.__spec__ = ModuleSpec(package.__name__, None, is_package=True)
    monkeypatch.setitem(sys.modules, '__main__', package)
    assert botocore_data.lean_data_path('ec2', root=str(tmp_path), environ={}) is not None
