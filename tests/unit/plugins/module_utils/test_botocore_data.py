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


@pytest.fixture
def lean(tmp_path):
    loader = botocore_data.lean_loader('ec2', root=str(tmp_path), environ={})
    assert loader is not None
    return loader


def test_strip_keeps_a_member_named_documentation():
    model = {'documentation': 'text', 'members': {'documentation': {'shape': 'String', 'documentation': 'x'}}}
    assert botocore_data.strip_documentation(model) == {'members': {'documentation': {'shape': 'String'}}}


def test_the_lean_client_has_every_operation_and_shape_of_the_stock_one(lean):
    stock, ours = client().meta.service_model, client(lean).meta.service_model
    assert ours.operation_names == stock.operation_names
    assert sorted(ours.shape_names) == sorted(stock.shape_names)
    for name in ('RunInstances', 'DescribeInstances', 'CreateVpc', 'AuthorizeSecurityGroupIngress', 'CreateNatGateway'):
        a, b = stock.operation_model(name), ours.operation_model(name)
        assert list(a.input_shape.members) == list(b.input_shape.members)  # the order is the wire order
        assert (a.output_shape and list(a.output_shape.members)) == (b.output_shape and list(b.output_shape.members))
        assert a.idempotent_members == b.idempotent_members
    assert ours.documentation == ''


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


def test_services_are_known_without_listing_them_all(lean):
    known = lean.list_available_services('service-2')
    assert 'ec2' in known and 's3' in known and 'no-such-service' not in known
    assert list(known) == botocore.session.Session().get_component('data_loader').list_available_services('service-2')
    with pytest.raises(UnknownServiceError):
        lean.load_service_model('no-such-service', 'service-2')


def test_written_once_per_botocore_version(tmp_path):
    path = botocore_data.lean_data_path('ec2', root=str(tmp_path), environ={})
    assert os.path.basename(path) == 'botocore-%s' % botocore.__version__
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
