"""Where each service's calls go: botocore's own rules (AWS_ENDPOINT_URL_<SERVICE> for that service, then
AWS_ENDPOINT_URL for all), the module option above both; AWS_CA_BUNDLE and aws_config as amazon.aws users expect."""
import pytest

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError

SERVICES = ('ec2', 'rds', 'elbv2', 'acm', 'elasticache', 'sts')
ENV_KEYS = ['AWS_ENDPOINT_URL'] + ['AWS_ENDPOINT_URL_%s' % s for s in
                                   ('EC2', 'RDS', 'ELASTIC_LOAD_BALANCING_V2', 'ACM', 'ELASTICACHE', 'STS')]


@pytest.fixture
def clean_env(monkeypatch):
    for key in ENV_KEYS + ['AWS_PROFILE', 'AWS_CA_BUNDLE', 'AWS_CONFIG_FILE']:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv('AWS_CONFIG_FILE', '/nonexistent')
    monkeypatch.setenv('AWS_ACCESS_KEY_ID', 'testing')
    monkeypatch.setenv('AWS_SECRET_ACCESS_KEY', 'testing')
    return monkeypatch


def params(**over):
    p = dict((k, None) for k in aws.aws_argument_spec())
    p.update(region='us-east-1', validate_certs=True, max_attempts=8)
    p.update(over)
    return p


def endpoints(p):
    session = aws.new_session(p, lean=False)
    return dict((s, aws.new_client(session, s, endpoint_url=p.get('endpoint_url'), verify=aws.verify_of(p),
                                   aws_config=p.get('aws_config')).meta.endpoint_url) for s in SERVICES)


def test_the_ec2_variable_redirects_ec2_alone(clean_env):
    clean_env.setenv('AWS_ENDPOINT_URL_EC2', 'http://127.0.0.1:4001')
    got = endpoints(params())
    assert got['ec2'] == 'http://127.0.0.1:4001'
    assert got['rds'] == 'https://rds.us-east-1.amazonaws.com'
    assert got['elbv2'] == 'https://elasticloadbalancing.us-east-1.amazonaws.com'
    assert got['acm'] == 'https://acm.us-east-1.amazonaws.com'
    assert got['sts'].startswith('https://sts.')


def test_a_service_variable_wins_over_the_global_one(clean_env):
    clean_env.setenv('AWS_ENDPOINT_URL', 'http://127.0.0.1:4000')
    clean_env.setenv('AWS_ENDPOINT_URL_RDS', 'http://127.0.0.1:4002')
    got = endpoints(params())
    assert got['rds'] == 'http://127.0.0.1:4002'
    assert dict((s, u) for s, u in got.items() if s != 'rds') == dict((s, 'http://127.0.0.1:4000') for s in SERVICES if s != 'rds')


def test_the_option_is_above_both(clean_env):
    clean_env.setenv('AWS_ENDPOINT_URL', 'http://127.0.0.1:4000')
    clean_env.setenv('AWS_ENDPOINT_URL_EC2', 'http://127.0.0.1:4001')
    assert set(endpoints(params(endpoint_url='http://127.0.0.1:5000')).values()) == {'http://127.0.0.1:5000'}


def test_ca_bundle_from_the_environment_or_the_option(clean_env, tmp_path):
    bundle = tmp_path / 'ca.pem'
    bundle.write_text('')
    assert aws.verify_of(params()) is None  # botocore's own choice, which reads AWS_CA_BUNDLE
    assert aws.verify_of(params(aws_ca_bundle=str(bundle))) == str(bundle)
    assert aws.verify_of(params(aws_ca_bundle=str(bundle), validate_certs=False)) is False
    clean_env.setenv('AWS_CA_BUNDLE', str(bundle))
    session = aws.new_session(params(), lean=False)
    client = aws.new_client(session, 'ec2', verify=aws.verify_of(params()))
    assert client._endpoint.http_session._verify == str(bundle)


def test_aws_config_is_checked_before_any_call_and_keeps_the_collections_retries():
    config = aws.client_config({'connect_timeout': 3, 'proxies': {'https': 'http://127.0.0.1:3128'}, 'retries': {'max_attempts': 9}})
    assert config.connect_timeout == 3 and config.proxies == {'https': 'http://127.0.0.1:3128'}
    assert config.retries == {'total_max_attempts': 1, 'mode': 'standard'}
    with pytest.raises(ValidationError) as err:
        aws.validate_connection(params(aws_config={'no_such_setting': 1}))
    assert err.value.field == 'aws_config'


def test_a_module_calling_rds_is_not_sent_to_the_ec2_endpoint(aws, run_module, monkeypatch):
    """AWS_ENDPOINT_URL_EC2 set (to a port where nothing listens) must not redirect RDS: db_subnet_group reads RDS
    at its own endpoint (moto's, in this test) and answers."""
    from ansible_collections.seed.laravel_aws.plugins.modules import db_subnet_group
    monkeypatch.setenv('AWS_ENDPOINT_URL_EC2', 'http://127.0.0.1:9')
    out = run_module(db_subnet_group.main, {'name': 'nothing-here', 'state': 'absent', 'max_attempts': 1})
    assert not out.get('failed'), out['msg']
    assert out['changed'] is False
