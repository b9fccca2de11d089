"""The emulator's ACM (emulator.acm) as AWS issues a requested certificate: PENDING_VALIDATION, each domain's DNS
validation record shown a few seconds after the request, ISSUED only once every record resolves in the emulator's
Route 53 (the longest public zone of the name) and a while after, VALIDATION_TIMED_OUT after 72 hours, the body made
by the emulator's CA, and no listener on a certificate that is not issued. Driven through an in-process emulator
(moto's server app behind emulator.server's Recorder with the aws profile's hooks, on 127.0.0.1:0) with an injected
clock, so no test sleeps."""
import threading

import pytest

pytest.importorskip('moto')

import boto3  # noqa: E402  pylint: disable=wrong-import-position
from botocore.exceptions import ClientError  # noqa: E402  pylint: disable=wrong-import-position

from emulator import acm as emulator_acm, profile as profile_mod  # noqa: E402  pylint: disable=wrong-import-position
from .emulator_clock import Clock  # noqa: E402  pylint: disable=wrong-import-position

REGION = 'us-east-1'


def seconds(state):
    return profile_mod.DURATIONS[('acm', 'certificate', state)] * profile_mod.DEFAULT_PACE


@pytest.fixture(scope='module')
def served(tmp_path_factory):
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server
    from emulator import server
    from emulator.fidelity import patch_moto
    patch_moto()
    emulator_acm.use_ca_folder(str(tmp_path_factory.mktemp('ca')))
    recorder = server.Recorder(DomainDispatcherApplication(create_backend_app), hooks=profile_mod.hooks())
    httpd = make_server('127.0.0.1', 0, recorder, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield recorder, 'http://127.0.0.1:%d' % httpd.server_port
    httpd.shutdown()


@pytest.fixture
def emu(served, monkeypatch):
    import urllib.request
    recorder, url = served
    for key in ('AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_EC2'):
        monkeypatch.delenv(key, raising=False)
    recorder.faults.configure({'profile': 'aws', 'lag': 0})
    urllib.request.urlopen(urllib.request.Request(url + '/moto-api/reset', method='POST'), timeout=30).read()
    clock = Clock(5000.0)
    recorder.faults.profile.clock = clock

    def client(service):
        return boto3.client(service, region_name=REGION, endpoint_url=url, aws_access_key_id='testing',
                            aws_secret_access_key='testing')

    class Emu:
        pass
    e = Emu()
    e.recorder, e.clock, e.client, e.url = recorder, clock, client, url
    e.acm, e.route53 = client('acm'), client('route53')
    yield e
    recorder.faults.profile.clock = profile_mod.time.monotonic


def zone(emu, name, private=False):
    extra = {'VPC': {'VPCRegion': REGION, 'VPCId': emu.client('ec2').create_vpc(CidrBlock='10.9.0.0/16')['Vpc']['VpcId']},
             'HostedZoneConfig': {'PrivateZone': True}} if private else {}
    return emu.route53.create_hosted_zone(Name=name, CallerReference='%s-%s-%s' % (name, private, emu.clock.now), **extra)['HostedZone']['Id']


def upsert(emu, zone_id, name, value):
    emu.route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={'Changes': [{'Action': 'UPSERT', 'ResourceRecordSet': {
        'Name': name, 'Type': 'CNAME', 'TTL': 300, 'ResourceRecords': [{'Value': value}]}}]})


def detail(emu, arn):
    return emu.acm.describe_certificate(CertificateArn=arn)['Certificate']


def request(emu, domain='www.example.com', sans=None):
    kwargs = {'SubjectAlternativeNames': sans} if sans else {}
    return emu.acm.request_certificate(DomainName=domain, ValidationMethod='DNS', **kwargs)['CertificateArn']


def records(emu, arn):
    return [(o['DomainName'], o['ResourceRecord']['Name'], o['ResourceRecord']['Value'])
            for o in detail(emu, arn)['DomainValidationOptions'] if o.get('ResourceRecord')]


def code_of(exc):
    return exc.value.response['Error']['Code']


def test_the_records_appear_a_few_seconds_after_the_request_formed_as_acm_forms_them(emu):
    arn = request(emu, 'www.example.com', ['example.com', '*.example.com'])
    first = detail(emu, arn)
    assert first['Status'] == 'PENDING_VALIDATION' and records(emu, arn) == []
    assert 'NotAfter' not in first and [o['ValidationStatus'] for o in first['DomainValidationOptions']] == ['PENDING_VALIDATION'] * 3
    emu.clock.advance(seconds('records'))
    shown = records(emu, arn)
    assert [d for d, n, v in shown] == ['www.example.com', 'example.com', '*.example.com']
    for domain, name, value in shown:
        base = domain[2:] if domain.startswith('*.') else domain
        assert name.startswith('_') and name.endswith('.' + base + '.') and len(name.split('.')[0]) == 33
        assert value.startswith('_') and value.endswith('.acm-validations.aws.') and len(value.split('.')[1]) == 10
    assert shown[1][1:] == shown[2][1:]  # *.example.com is validated by example.com's record
    assert records(emu, arn) == shown  # the same domain, the same record
    with pytest.raises(ClientError) as refused:
        emu.acm.get_certificate(CertificateArn=arn)
    assert code_of(refused) == 'RequestInProgressException'


def test_never_issued_by_time_alone_and_timed_out_after_72_hours(emu):
    arn = request(emu)
    emu.clock.advance(seconds('records') + seconds('validating') + 3600)
    assert detail(emu, arn)['Status'] == 'PENDING_VALIDATION'
    emu.clock.advance(seconds('validation-timeout'))
    timed_out = detail(emu, arn)
    assert timed_out['Status'] == 'VALIDATION_TIMED_OUT'
    assert [o['ValidationStatus'] for o in timed_out['DomainValidationOptions']] == ['FAILED']


def test_issued_once_every_record_resolves_then_a_while_by_the_emulators_ca(emu, tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    arn = request(emu, 'example.com', ['www.example.com'])
    zone_id = zone(emu, 'example.com')
    emu.clock.advance(seconds('records'))
    (d1, n1, v1), (d2, n2, v2) = records(emu, arn)
    upsert(emu, zone_id, n1, v1)
    emu.clock.advance(seconds('validating') * 2)
    assert detail(emu, arn)['Status'] == 'PENDING_VALIDATION'  # one record of two
    upsert(emu, zone_id, n2, 'elsewhere.example.net.')
    emu.clock.advance(seconds('validating') * 2)
    assert detail(emu, arn)['Status'] == 'PENDING_VALIDATION'  # another value is not the record
    upsert(emu, zone_id, n2, v2.rstrip('.').upper())  # DNS names: case and the final dot do not matter
    assert detail(emu, arn)['Status'] == 'PENDING_VALIDATION'  # seen now, issued a while later
    emu.clock.advance(seconds('validating'))
    issued = detail(emu, arn)
    assert issued['Status'] == 'ISSUED' and [o['ValidationStatus'] for o in issued['DomainValidationOptions']] == ['SUCCESS'] * 2
    got = emu.acm.get_certificate(CertificateArn=arn)
    cert = x509.load_pem_x509_certificate(got['Certificate'].encode())
    root = x509.load_pem_x509_certificate(got['CertificateChain'].encode())
    root.public_key().verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
    with open(emulator_acm.ca.ensure(emulator_acm.ca_folder())[0], 'rb') as f:
        assert x509.load_pem_x509_certificate(f.read()) == root
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert sorted(names) == ['example.com', 'www.example.com']
    from emulator.loadbalancer import acm_certificate
    body, key = acm_certificate(REGION, arn)  # what an HTTPS listener of the data plane serves
    assert x509.load_pem_x509_certificate(body.encode()) == cert and 'PRIVATE KEY' in key


def test_the_record_counts_only_in_the_public_zone_dns_would_ask(emu):
    arn = request(emu, 'shop.example.com')
    parent, child = zone(emu, 'example.com'), zone(emu, 'shop.example.com')
    private = zone(emu, 'shop.example.com', private=True)
    emu.clock.advance(seconds('records'))
    ((dummy, name, value),) = records(emu, arn)
    for zone_id in (parent, private):  # not where DNS resolves shop.example.com (the longest public zone)
        upsert(emu, zone_id, name, value)
    emu.clock.advance(seconds('validating') * 3)
    assert detail(emu, arn)['Status'] == 'PENDING_VALIDATION'
    upsert(emu, child, name, value)
    detail(emu, arn)
    emu.clock.advance(seconds('validating'))
    assert detail(emu, arn)['Status'] == 'ISSUED'


def test_a_listener_cannot_use_a_certificate_that_is_not_issued(emu):
    ec2, elbv2 = emu.client('ec2'), emu.client('elbv2')
    vpc = ec2.create_vpc(CidrBlock='10.8.0.0/16')['Vpc']['VpcId']
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock='10.8.%d.0/24' % i, AvailabilityZone=REGION + z)['Subnet']['SubnetId']
               for i, z in ((1, 'a'), (2, 'b'))]
    lb = elbv2.create_load_balancer(Name='acm-alb', Subnets=subnets)['LoadBalancers'][0]['LoadBalancerArn']
    arn = request(emu)
    action = [{'Type': 'fixed-response', 'FixedResponseConfig': {'StatusCode': '200'}}]
    with pytest.raises(ClientError) as refused:
        elbv2.create_listener(LoadBalancerArn=lb, Protocol='HTTPS', Port=443, Certificates=[{'CertificateArn': arn}],
                              DefaultActions=action)
    assert code_of(refused) == 'CertificateNotFound' and arn in str(refused.value)
    zone_id = zone(emu, 'example.com')
    emu.clock.advance(seconds('records'))
    ((dummy, name, value),) = records(emu, arn)
    upsert(emu, zone_id, name, value)
    detail(emu, arn)
    emu.clock.advance(seconds('validating'))
    listener = elbv2.create_listener(LoadBalancerArn=lb, Protocol='HTTPS', Port=443, Certificates=[{'CertificateArn': arn}],
                                     DefaultActions=action)['Listeners'][0]
    assert listener['Certificates'][0]['CertificateArn'] == arn


def test_route53_calls_are_named_and_recorded(emu):
    zone(emu, 'example.org')
    actions = [r['action'] for r in emu.recorder.requests]
    assert 'CreateHostedZone' in actions


def test_the_moto_profile_issues_at_once(emu):
    emu.recorder.faults.configure({'profile': 'moto'})
    arn = request(emu)
    assert detail(emu, arn)['Status'] == 'ISSUED'
