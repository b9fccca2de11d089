"""certificate in-process against moto: import, rerun, check mode, diff, re-import, tags, absent, bad input, lost answer."""
import boto3
import pytest
from botocore.exceptions import ConnectionClosedError

from ansible_collections.seed.laravel_aws.plugins.module_utils import retries
from ansible_collections.seed.laravel_aws.plugins.modules import certificate

from ...conftest import REGION, mutating
from .pem import self_signed


@pytest.fixture
def acm(aws):
    return boto3.client('acm', region_name=REGION)


@pytest.fixture
def pem():
    return self_signed('www.example.com')


def args(pem, **extra):
    out = {'name': 'demo-site', 'certificate': pem[0], 'private_key': pem[1], 'tags': {'Stack': 'demo'}}
    out.update(extra)
    return out


def imported(acm):
    return acm.list_certificates(Includes={'keyTypes': ['EC_prime256v1', 'RSA_2048']})['CertificateSummaryList']


def test_import_rerun_reimport_tags_and_absent(acm, run_module, calls, pem):
    made = run_module(certificate.main, args(pem), diff=True)
    cert = made['certificate']
    assert made['changed'] and made['diff']['before'] == {} and cert['arn'].startswith('arn:aws:acm:')
    assert cert['domain_name'] == 'www.example.com' and len(cert['fingerprint'].split(':')) == 32
    assert cert['not_after'].endswith('Z') and cert['tags'] == {'Stack': 'demo', 'Name': 'demo-site'}
    assert 'private_key' not in str(made['diff']) and pem[1] not in str(made)
    assert len(imported(acm)) == 1

    del calls[:]
    again = run_module(certificate.main, args(pem), diff=True)
    assert again['changed'] is False and again['certificate']['arn'] == cert['arn'] and mutating(calls) == []
    assert again['certificate']['fingerprint'] == cert['fingerprint']

    renewed = self_signed('www.example.com', days=90)
    plan = run_module(certificate.main, args(renewed), check_mode=True)
    assert plan['changed'] and plan['certificate']['fingerprint'] != cert['fingerprint']
    re = run_module(certificate.main, args(renewed), diff=True)
    assert re['changed'] and re['certificate']['arn'] == cert['arn'] and len(imported(acm)) == 1
    assert re['diff']['before']['fingerprint'] == cert['fingerprint'] and re['diff']['after']['fingerprint'] != cert['fingerprint']
    body = acm.get_certificate(CertificateArn=cert['arn'])['Certificate']
    assert body.strip() == renewed[0].strip()
    rerun = run_module(certificate.main, args(renewed), diff=True)
    assert rerun['changed'] is False, rerun

    retag = run_module(certificate.main, args(renewed, tags={'Owner': 'ops'}))
    assert retag['changed'] and retag['certificate']['tags'] == {'Owner': 'ops', 'Name': 'demo-site'}
    tags = {t['Key']: t['Value'] for t in acm.list_tags_for_certificate(CertificateArn=cert['arn'])['Tags']}
    assert tags == {'Owner': 'ops', 'Name': 'demo-site'}
    kept = run_module(certificate.main, args(renewed, tags={'Stack': 'demo'}, purge_tags=False))
    assert kept['changed'] and kept['certificate']['tags'] == {'Owner': 'ops', 'Name': 'demo-site', 'Stack': 'demo'}

    plan = run_module(certificate.main, {'name': 'demo-site', 'state': 'absent'}, check_mode=True)
    assert plan['changed'] and len(imported(acm)) == 1
    gone = run_module(certificate.main, {'name': 'demo-site', 'state': 'absent'}, diff=True)
    assert gone['changed'] and gone['certificate'] == {} and gone['diff']['before']['arn'] == cert['arn']
    assert imported(acm) == []
    del calls[:]
    assert run_module(certificate.main, {'name': 'demo-site', 'state': 'absent'})['changed'] is False
    assert mutating(calls) == []


def test_check_mode_imports_nothing(acm, run_module, calls, pem):
    plan = run_module(certificate.main, args(pem), check_mode=True, diff=True)
    assert plan['changed'] and plan['certificate']['arn'] is None and plan['certificate']['domain_name'] == 'www.example.com'
    assert plan['diff']['before'] == {} and mutating(calls) == [] and imported(acm) == []


def test_another_name_is_another_certificate(acm, run_module, pem):
    one = run_module(certificate.main, args(pem))['certificate']['arn']
    two = run_module(certificate.main, args(pem, name='demo-other'))['certificate']['arn']
    assert one != two and len(imported(acm)) == 2


def test_a_lost_answer_on_import_imports_once(acm, run_module, monkeypatch, pem):
    original = retries.RetryingClient.call
    lost = []

    def call(self, op, method, kwargs, retry_lost_answer=None):
        if op == 'import_certificate' and not lost:
            lost.append(op)

            def answered_then_lost(**kw):
                method(**kw)
                raise ConnectionClosedError(endpoint_url='https://acm.%s.amazonaws.com' % REGION)
            return original(self, op, answered_then_lost, kwargs, retry_lost_answer)
        return original(self, op, method, kwargs, retry_lost_answer)
    monkeypatch.setattr(retries.RetryingClient, 'call', call)
    made = run_module(certificate.main, args(pem))
    assert lost == ['import_certificate'] and made['changed'] and not made.get('failed'), made.get('msg')
    (summary,) = imported(acm)
    assert made['certificate']['arn'] == summary['CertificateArn']
    assert run_module(certificate.main, args(pem))['changed'] is False


def test_a_certificate_in_use_is_not_deleted(aws, acm, run_module, pem):
    arn = run_module(certificate.main, args(pem))['certificate']['arn']
    elb = boto3.client('elbv2', region_name=REGION)
    vpc = aws.create_vpc(CidrBlock='10.50.0.0/16')['Vpc']['VpcId']
    subnets = [aws.create_subnet(VpcId=vpc, CidrBlock='10.50.%d.0/24' % i, AvailabilityZone='us-east-1' + z)['Subnet']['SubnetId']
               for i, z in enumerate('ab')]
    lb = elb.create_load_balancer(Name='demo-alb', Subnets=subnets)['LoadBalancers'][0]['LoadBalancerArn']
    elb.create_listener(LoadBalancerArn=lb, Protocol='HTTPS', Port=443, Certificates=[{'CertificateArn': arn}],
                        DefaultActions=[{'Type': 'fixed-response', 'FixedResponseConfig': {'StatusCode': '200'}}])
    if not acm.describe_certificate(CertificateArn=arn)['Certificate'].get('InUseBy'):
        pytest.skip('this moto does not record what uses a certificate')
    refused = run_module(certificate.main, {'name': 'demo-site', 'state': 'absent'})
    assert refused['failed'] and refused['field'] == 'state' and 'still used by' in refused['msg'] and 'demo-alb' in refused['msg']
    elb.delete_load_balancer(LoadBalancerArn=lb)
    assert run_module(certificate.main, {'name': 'demo-site', 'state': 'absent'})['changed'] and imported(acm) == []


def test_bad_input_fails_before_any_call(acm, run_module, calls, pem):
    other = self_signed('other.example.com')
    for extra, field, words in (
            ({'private_key': other[1]}, 'private_key', 'does not match the certificate'),
            ({'certificate': 'not a pem'}, 'certificate', 'PEM'),
            ({'certificate': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'}, 'certificate', 'not a PEM X.509'),
            ({'private_key': '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'}, 'private_key', 'not an unencrypted'),
            ({'certificate_chain': 'junk'}, 'certificate_chain', 'PEM'),
            ({'tags': {'aws:x': '1'}}, 'tags', 'reserved prefix')):
        result = run_module(certificate.main, args(pem, **extra))
        assert result['failed'] and result['field'] == field and words in result['msg'], (field, result['msg'])
    missing = run_module(certificate.main, {'name': 'demo-site'})
    assert missing['failed'] and 'certificate' in missing['msg']
    assert calls == []
