"""The inventory options amazon.aws's aws_ec2 users rely on: include_filters, exclude_filters, assume_role_arn,
hostvars_prefix and hostvars_suffix (issue 36), and the modules' aws_ca_bundle and aws_config, as ansible-inventory runs
them against moto's server in this process.
"""
import json
import os
import socket
import subprocess
import threading

import pytest
from ansible.errors import AnsibleParserError

from ansible_collections.seed.laravel_aws.plugins.inventory.ec2 import InventoryModule

from .test_ec2 import BIN, ec2, env, hosts_of, launch, plain, server  # noqa: F401 pylint: disable=unused-import

ACCOUNT = '123456789012'  # moto's account


def write_inventory(tmp_path, **options):
    """An inventory file with only the options given (None: not written at all)."""
    config = {'plugin': 'seed.laravel_aws.ec2', 'regions': ['us-east-1'], 'stack': 'demo'}
    config.update(options)
    path = tmp_path / 'demo.ec2.yml'
    path.write_text(json.dumps(dict((k, v) for k, v in config.items() if v is not None)))
    return str(path)


def run_inventory(tmp_path, extra_env=None, **options):
    path = write_inventory(tmp_path, **options)
    e = env(tmp_path)
    e.update(extra_env or {})
    proc = subprocess.run([os.path.join(BIN, 'ansible-inventory'), '-i', path, '--list'], cwd=str(tmp_path),
                          env=e, capture_output=True, text=True, timeout=180, check=False)
    # ansible-core 2.17 folds a warning at 80 columns: the messages are checked unfolded, on every version
    proc.stderr = ' '.join(proc.stderr.split())
    return proc


def listed(proc):
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def validate(**options):
    """The plugin's checks of its options, as parse runs them before any request."""
    plugin = InventoryModule()
    base = {'regions': ['us-east-1'], 'stack': 'demo', 'role_tag': 'Role', 'hostnames': ['tag:Name'], 'filters': {}}
    base.update(options)
    plugin.get_option = base.get
    plugin._validate()


@pytest.fixture
def listener():
    """A TCP port that records every connection made to it: an endpoint no request may reach."""
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    sock.listen(16)
    seen = []

    def accept():
        while True:
            try:
                conn, dummy = sock.accept()
            except OSError:
                return
            seen.append(conn.recv(4096))
            conn.close()
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d' % sock.getsockname()[1], seen
    sock.close()


# -- include_filters / exclude_filters ----------------------------------------------------------------------------

def test_include_filters_add_the_instances_of_each_set_once(ec2, tmp_path):
    launch(ec2, {'Name': 'demo-web-1', 'Role': 'web', 'Team': 'a'})
    launch(ec2, {'Name': 'demo-db-1', 'Role': 'db', 'Team': 'b'})
    launch(ec2, {'Name': 'demo-bastion-1', 'Role': 'bastion'})
    launch(ec2, {'Name': 'demo-worker-1', 'Role': 'worker'})
    # demo-web-1 matches both sets: one host
    sets = [{'tag:Role': 'web'}, {'tag:Team': ['a', 'b']}]
    out = listed(run_inventory(tmp_path, endpoint_url=ec2.url, include_filters=sets))
    assert hosts_of(out) == ['demo-db-1', 'demo-web-1']
    assert out['web']['hosts'] == ['demo-web-1']
    # with filters too: its instances and those of each set
    out = listed(run_inventory(tmp_path, endpoint_url=ec2.url, filters={'tag:Role': 'bastion'}, include_filters=sets))
    assert hosts_of(out) == ['demo-bastion-1', 'demo-db-1', 'demo-web-1']


def test_exclude_filters_leave_out_what_they_match_whatever_else_matches_it(ec2, tmp_path):
    launch(ec2, {'Name': 'demo-web-1', 'Role': 'web'})
    launch(ec2, {'Name': 'demo-web-2', 'Role': 'web', 'Maintenance': 'true'})
    launch(ec2, {'Name': 'demo-db-1', 'Role': 'db', 'Maintenance': 'true'})
    launch(ec2, {'Name': 'demo-bastion-1', 'Role': 'bastion'})
    out = listed(run_inventory(tmp_path, endpoint_url=ec2.url, exclude_filters=[{'tag:Maintenance': 'true'}]))
    assert hosts_of(out) == ['demo-bastion-1', 'demo-web-1']
    out = listed(run_inventory(tmp_path, endpoint_url=ec2.url, filters={'tag:Role': 'web'}, include_filters=[{'tag:Role': 'db'}],
                               exclude_filters=[{'tag:Maintenance': 'true'}, {'tag:Role': 'bastion'}]))
    assert hosts_of(out) == ['demo-web-1']


def test_no_filter_brings_in_another_stack_when_stack_is_set(ec2, tmp_path):
    launch(ec2, {'Name': 'demo-web-1', 'Role': 'web'})
    launch(ec2, {'Name': 'shop-web-1', 'Role': 'web', 'Stack': 'shop'})
    launch(ec2, {'Name': 'shop-db-1', 'Role': 'db', 'Stack': 'shop'})
    out = listed(run_inventory(tmp_path, endpoint_url=ec2.url, include_filters=[{'tag:Stack': 'shop'}, {'tag:Role': ['web', 'db']}]))
    assert hosts_of(out) == ['demo-web-1']
    out = listed(run_inventory(tmp_path, endpoint_url=ec2.url, filters={'tag:Stack': ['shop', 'demo']}))
    assert hosts_of(out) == ['demo-web-1']
    # without stack, the sets choose alone
    out = listed(run_inventory(tmp_path, endpoint_url=ec2.url, stack=None, include_filters=[{'tag:Stack': 'shop'}]))
    assert hosts_of(out) == ['shop-db-1', 'shop-web-1']


@pytest.mark.parametrize('options,named', [
    ({'include_filters': {'tag:Role': 'web'}}, 'include_filters: give a list of filter sets'),
    ({'include_filters': ['tag:Role=web']}, 'include_filters[0]:'),
    ({'include_filters': [{'tag:Role': 'web'}, {'': 'x'}]}, 'include_filters[1]: a filter needs a name'),
    ({'exclude_filters': [{'tag:Role': None}]}, 'exclude_filters[0]: filter tag:Role: give a value'),
    ({'exclude_filters': [{'tag:Role': []}]}, 'exclude_filters[0]: filter tag:Role: give a value'),
    ({'exclude_filters': [{'tag:Maintenance': 'true'}, {}]}, 'exclude_filters[1]: an empty set matches every instance'),
    ({'filters': {'tag:Role': {'a': 'b'}}}, 'filters: filter tag:Role: give a value'),
])
def test_bad_filter_sets_are_refused_naming_the_option(options, named):
    with pytest.raises(AnsibleParserError) as caught:
        validate(**options)
    assert named in str(caught.value)


def test_a_bad_filter_set_is_refused_before_any_request(listener, tmp_path):
    url, seen = listener
    proc = run_inventory(tmp_path, {'AWS_ENDPOINT_URL': url}, endpoint_url=url, exclude_filters=[{}])
    assert proc.returncode != 0 and 'exclude_filters[0]: an empty set' in proc.stderr, proc.stderr
    assert seen == []


# -- assume_role_arn ------------------------------------------------------------------------------------------------

def iam_setup(url, caller_may_assume=True):
    """An IAM user that may only assume a role, and a role that may list instances: (the user's keys, the role's ARN)."""
    import boto3
    iam = boto3.client('iam', region_name='us-east-1', endpoint_url=url,
                       aws_access_key_id='testing', aws_secret_access_key='testing')
    iam.create_user(UserName='caller')
    key = iam.create_access_key(UserName='caller')['AccessKey']
    if caller_may_assume:
        iam.put_user_policy(UserName='caller', PolicyName='assume', PolicyDocument=json.dumps({
            'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 'sts:AssumeRole', 'Resource': '*'}]}))
    # trusting the user itself (moto does not read an account's root as every identity of the account, as AWS does)
    role = iam.create_role(RoleName='inventory-reader', AssumeRolePolicyDocument=json.dumps({
        'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'AWS': 'arn:aws:iam::%s:user/caller' % ACCOUNT},
                                                'Action': 'sts:AssumeRole'}]}))['Role']
    iam.put_role_policy(RoleName='inventory-reader', PolicyName='list', PolicyDocument=json.dumps({
        'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 'ec2:DescribeInstances', 'Resource': '*'}]}))
    return {'AWS_ACCESS_KEY_ID': key['AccessKeyId'], 'AWS_SECRET_ACCESS_KEY': key['SecretAccessKey']}, role['Arn']


# moto's enable_iam_authentication: the server (in this process) checks every request's signature and IAM permissions

def test_assume_role_arn_lists_the_instances_with_the_roles_credentials(ec2, tmp_path):
    launch(ec2, {'Name': 'demo-web-1', 'Role': 'web'})
    caller, arn = iam_setup(ec2.url)
    assert arn == 'arn:aws:iam::%s:role/inventory-reader' % ACCOUNT
    from moto.core.authorization import enable_iam_authentication
    with enable_iam_authentication():
        # the caller itself may not list instances: what it lists, it lists as the role
        alone = run_inventory(tmp_path, caller, endpoint_url=ec2.url)
        assert alone.returncode != 0 and 'not authorized to perform: ec2:DescribeInstances' in alone.stderr, alone.stderr[-2000:]
        out = listed(run_inventory(tmp_path, caller, endpoint_url=ec2.url, assume_role_arn=arn))
        # amazon.aws's alias
        aliased = listed(run_inventory(tmp_path, caller, endpoint_url=ec2.url, iam_role_arn=arn))
    assert hosts_of(out) == hosts_of(aliased) == ['demo-web-1']
    assert plain(out['_meta']['hostvars']['demo-web-1'])['role'] == 'web'


def test_a_refused_assume_role_names_the_option_and_the_role(ec2, tmp_path):
    launch(ec2, {'Name': 'demo-web-1', 'Role': 'web'})
    caller, arn = iam_setup(ec2.url, caller_may_assume=False)
    from moto.core.authorization import enable_iam_authentication
    with enable_iam_authentication():
        proc = run_inventory(tmp_path, caller, endpoint_url=ec2.url, assume_role_arn=arn)
    assert proc.returncode != 0
    assert 'assume_role_arn: AssumeRole of %s was refused' % arn in proc.stderr and 'sts:AssumeRole' in proc.stderr, proc.stderr[-2000:]
    assert caller['AWS_SECRET_ACCESS_KEY'] not in proc.stderr


def test_sts_follows_the_endpoint_rules_of_the_other_calls(ec2, tmp_path, listener):
    """Without endpoint_url, botocore's rules for each service: AWS_ENDPOINT_URL_STS (AWS_ENDPOINT_URL_EC2 for EC2),
    else AWS_ENDPOINT_URL. The service's own variable comes first, and EC2's is never STS's."""
    launch(ec2, {'Name': 'demo-web-1', 'Role': 'web'})
    caller, arn = iam_setup(ec2.url)
    dead, seen = listener
    from moto.core.authorization import enable_iam_authentication
    with enable_iam_authentication():
        # AWS_ENDPOINT_URL for both
        out = listed(run_inventory(tmp_path, dict(caller, AWS_ENDPOINT_URL=ec2.url), assume_role_arn=arn))
        assert hosts_of(out) == ['demo-web-1']
        # each service its own
        out = listed(run_inventory(tmp_path, dict(caller, AWS_ENDPOINT_URL=dead, AWS_ENDPOINT_URL_EC2=ec2.url,
                                                  AWS_ENDPOINT_URL_STS=ec2.url), assume_role_arn=arn))
        assert hosts_of(out) == ['demo-web-1']
        assert seen == []
        # EC2's variable is EC2's only: STS goes to AWS_ENDPOINT_URL_STS even when it does not answer
        proc = run_inventory(tmp_path, dict(caller, AWS_ENDPOINT_URL_EC2=ec2.url, AWS_ENDPOINT_URL_STS=dead), assume_role_arn=arn)
    assert proc.returncode != 0 and 'assume_role_arn: AssumeRole of %s' % arn in proc.stderr, proc.stderr[-2000:]
    assert seen and all(b'/sts/aws4_request' in request for request in seen)  # signed for STS: the AssumeRole


@pytest.mark.parametrize('arn', [
    'inventory-reader',
    'arn:aws:iam::123456789012:user/inventory-reader',
    'arn:aws:iam::12345:role/inventory-reader',
    'arn:aws:iam:us-east-1:123456789012:role/inventory-reader',
    'arn:aws:sts::123456789012:assumed-role/inventory-reader/s',
    'arn:aws:iam::123456789012:role/',
    'arn:aws:iam::123456789012:role/two words',
    'arn:aws:iam::123456789012:role/' + 'a' * 65,
    'arn:aws:iam::123456789012:role//reader',
    'arn:aws:iam::123456789012:role/reader\n',
])
def test_a_bad_role_arn_is_refused_naming_the_option(arn):
    with pytest.raises(AnsibleParserError) as caught:
        validate(assume_role_arn=arn)
    assert 'assume_role_arn: %r is not the ARN of an IAM role' % arn in str(caught.value)


@pytest.mark.parametrize('arn', ['arn:aws:iam::123456789012:role/inventory-reader', 'arn:aws:iam::123456789012:role/ops/team/reader',
                                 'arn:aws-cn:iam::123456789012:role/r', 'arn:aws-us-gov:iam::123456789012:role/a+b=c,d.e@f-g_h'])
def test_role_arns_are_taken(arn):
    validate(assume_role_arn=arn)


def test_a_bad_role_arn_is_refused_before_any_request(listener, tmp_path):
    url, seen = listener
    proc = run_inventory(tmp_path, {'AWS_ENDPOINT_URL': url, 'AWS_ENDPOINT_URL_STS': url}, endpoint_url=url,
                         assume_role_arn='arn:aws:iam::123456789012:user/bob')
    assert proc.returncode != 0 and 'assume_role_arn:' in proc.stderr and 'not the ARN of an IAM role' in proc.stderr, proc.stderr
    assert seen == []


# -- hostvars_prefix / hostvars_suffix -----------------------------------------------------------------------------

def test_hostvars_prefix_and_suffix_rename_the_instances_variables_only(ec2, tmp_path):
    launch(ec2, {'Name': 'demo-web-1', 'Role': 'web', 'Owner': 'ops'})
    out = listed(run_inventory(tmp_path, endpoint_url=ec2.url, hostvars_prefix='aws_', hostvars_suffix='_ec2',
                               compose={'owner': 'aws_ec2_tags_ec2.Owner', 'kind': 'aws_instance_type_ec2'},
                               keyed_groups=[{'key': 'aws_role_ec2', 'prefix': 'role'}]))
    hostvars = plain(out['_meta']['hostvars']['demo-web-1'])
    plain_names = {'instance_id', 'instance_type', 'private_ip_address', 'ec2_tags', 'role', 'stack', 'region'}
    assert not plain_names & set(hostvars), hostvars
    assert hostvars['aws_instance_id_ec2'].startswith('i-') and hostvars['aws_ec2_tags_ec2']['Owner'] == 'ops'
    assert hostvars['aws_role_ec2'] == 'web' and hostvars['aws_stack_ec2'] == 'demo'
    # the connection variables keep their names; compose and keyed_groups see the new names
    assert hostvars['ansible_host'] == (hostvars['aws_public_ip_address_ec2'] or hostvars['aws_private_ip_address_ec2'])
    assert 'StrictHostKeyChecking=accept-new' in hostvars['ansible_ssh_common_args']
    assert hostvars['owner'] == 'ops' and hostvars['kind'] == 't3.micro'
    assert out['role_web']['hosts'] == ['demo-web-1'] and out['web']['hosts'] == ['demo-web-1']
    # the group all's variables too (ansible-inventory --list shows them with each host)
    assert hostvars['ec2_inventory_stack'] == 'demo' and 'aws_ec2_inventory_stack_ec2' not in hostvars
    # a prefix alone, as amazon.aws's aws_ prefix
    hostvars = plain(listed(run_inventory(tmp_path, endpoint_url=ec2.url, hostvars_prefix='aws_'))['_meta']['hostvars']['demo-web-1'])
    assert hostvars['aws_instance_type'] == 't3.micro' and 'instance_type' not in hostvars and 'ansible_host' in hostvars


@pytest.mark.parametrize('options,named', [
    ({'hostvars_prefix': 'aws-'}, 'hostvars_prefix:'),
    ({'hostvars_prefix': '1aws_'}, 'hostvars_prefix:'),
    ({'hostvars_prefix': 'a b'}, 'hostvars_prefix:'),
    ({'hostvars_prefix': '{{ x }}'}, 'hostvars_prefix:'),
    ({'hostvars_prefix': 'ansible_'}, "hostvars_prefix: 'ansible_' would give values from AWS the names of Ansible's own"),
    ({'hostvars_prefix': 'Ansible_ec2_'}, 'hostvars_prefix:'),
    ({'hostvars_suffix': '-ec2'}, 'hostvars_suffix:'),
    ({'hostvars_suffix': '.x'}, 'hostvars_suffix:'),
    ({'hostvars_prefix': 'aws_\n'}, 'hostvars_prefix:'),
])
def test_hostvars_affixes_that_make_no_variable_name_are_refused(options, named):
    with pytest.raises(AnsibleParserError) as caught:
        validate(**options)
    assert named in str(caught.value)


def test_hostvars_affixes_that_make_variable_names_are_taken():
    validate(hostvars_prefix='aws_', hostvars_suffix='_ec2')
    validate(hostvars_prefix='_', hostvars_suffix='2')
    validate(hostvars_prefix='', hostvars_suffix='')


# -- aws_ca_bundle / aws_config ------------------------------------------------------------------------------------

def tls_pair(tmp_path):
    """A CA (its PEM file) and a certificate it signed for 127.0.0.1 (certificate and key files), made on the spot."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    import ipaddress

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'test CA')])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, '127.0.0.1')]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = dict((name, tmp_path / ('%s.pem' % name)) for name in ('ca', 'cert', 'key'))
    paths['ca'].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths['cert'].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths['key'].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return dict((name, str(path)) for name, path in paths.items())


@pytest.fixture
def tls_server(server, tmp_path):
    """moto (the same backends as the server of ``ec2``) behind TLS on 127.0.0.1, with a certificate of a private CA:
    (its https URL, the CA's PEM file)."""
    import ssl
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server
    pair = tls_pair(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pair['cert'], pair['key'])
    srv = make_server('127.0.0.1', 0, DomainDispatcherApplication(create_backend_app), True, request_handler=MotoRequestHandler,
                      ssl_context=context)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield 'https://127.0.0.1:%d' % srv.server_address[1], pair['ca']
    srv.shutdown()
    thread.join()


def test_aws_ca_bundle_verifies_the_endpoint_with_that_ca(ec2, tmp_path, tls_server):
    launch(ec2, {'Name': 'demo-web-1', 'Role': 'web'})
    url, ca = tls_server
    # botocore's own roots do not know the private CA: refused
    proc = run_inventory(tmp_path, endpoint_url=url)
    assert proc.returncode != 0 and 'CERTIFICATE_VERIFY_FAILED' in proc.stderr, proc.stderr[-2000:]
    # the option, or AWS_CA_BUNDLE as for the modules
    assert hosts_of(listed(run_inventory(tmp_path, endpoint_url=url, aws_ca_bundle=ca))) == ['demo-web-1']
    assert hosts_of(listed(run_inventory(tmp_path, {'AWS_CA_BUNDLE': ca}, endpoint_url=url))) == ['demo-web-1']
    # another CA's bundle is no way around the check
    (tmp_path / 'other').mkdir()
    other = tls_pair(tmp_path / 'other')['ca']
    proc = run_inventory(tmp_path, endpoint_url=url, aws_ca_bundle=other)
    assert proc.returncode != 0 and 'CERTIFICATE_VERIFY_FAILED' in proc.stderr, proc.stderr[-2000:]


def test_aws_config_is_every_clients_config(ec2, tmp_path, listener):
    url, seen = listener
    launch(ec2, {'Name': 'demo-web-1', 'Role': 'web'})
    config = {'user_agent_extra': 'probe/36', 'connect_timeout': 5, 'read_timeout': 5}
    assert hosts_of(listed(run_inventory(tmp_path, endpoint_url=ec2.url, aws_config=config))) == ['demo-web-1']
    # what reaches an endpoint: EC2's request, then STS's (assume_role_arn), each with the configured user agent
    proc = run_inventory(tmp_path, endpoint_url=url, aws_config=config)
    assert proc.returncode != 0 and seen, proc.stderr[-2000:]
    assert all(b'probe/36' in request and b'/ec2/aws4_request' in request for request in seen), seen
    del seen[:]
    proc = run_inventory(tmp_path, {'AWS_ENDPOINT_URL_STS': url}, endpoint_url=None, aws_config=config,
                         assume_role_arn='arn:aws:iam::%s:role/inventory-reader' % ACCOUNT)
    assert proc.returncode != 0 and seen, proc.stderr[-2000:]
    assert all(b'probe/36' in request and b'/sts/aws4_request' in request for request in seen), seen


@pytest.mark.parametrize('config', [{'no_such_parameter': 1}, {'connect_timeout': 5, 'max_pool_connection': 3}])  # a typo
def test_a_bad_aws_config_is_refused_naming_the_option(config):
    with pytest.raises(AnsibleParserError) as caught:
        validate(aws_config=config)
    assert 'aws_config' in str(caught.value)


def test_a_bad_aws_config_is_refused_before_any_request(listener, tmp_path):
    url, seen = listener
    proc = run_inventory(tmp_path, {'AWS_ENDPOINT_URL': url}, endpoint_url=url, aws_config={'no_such_parameter': 1})
    assert proc.returncode != 0 and 'aws_config: not a botocore Config' in proc.stderr, proc.stderr[-2000:]
    assert seen == []
