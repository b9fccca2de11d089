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
            ({'tags': {'aws:x': '1'}}, 'tags', 'the aws: prefix is reserved'),
            ({'tags': {'Owner': 'a*b'}}, 'tags', 'letters, numbers, spaces'),
            ({'name': 'aws:site'}, 'name', 'it cannot begin with aws:')):
        result = run_module(certificate.main, args(pem, **extra))
        assert result['failed'] and result['field'] == field and words in result['msg'], (field, result['msg'])
    missing = run_module(certificate.main, {'name': 'demo-site'})
    assert missing['failed'] and 'certificate' in missing['msg']
    assert calls == []


# -- issue 30: a private key where a certificate belongs; ownership ----------------------------------------------------

def real_run(monkeypatch, capsys, args):
    """The module through AnsibleModule's own exit (not the run_module fixture's): (the JSON it prints, what it logs).
    Ansible scrubs no_log values from that JSON's invocation and msg, and from the invocation it logs on the host."""
    import json
    from ansible.module_utils import basic
    from ...conftest import patch_module_args
    logged = []
    monkeypatch.setattr(basic.AnsibleModule, 'log', lambda self, msg, log_args=None: logged.append(repr((msg, log_args))))
    args = dict(args, region=REGION, _ansible_check_mode=False, _ansible_diff=True)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            certificate.main()
    out = capsys.readouterr().out
    return json.loads(out), out, '\n'.join(logged)


def traditional_key():
    """An EC key in OpenSSL's traditional form (-----BEGIN EC PRIVATE KEY-----) and its certificate."""
    from cryptography.hazmat.primitives import serialization
    cert, key = self_signed('www.example.com')
    loaded = serialization.load_pem_private_key(key.encode(), password=None)
    return cert, loaded.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                      serialization.NoEncryption()).decode()


@pytest.mark.parametrize('case, field', [
    ('swapped', 'certificate'),
    ('swapped, traditional key', 'certificate'),
    ('key as the chain', 'certificate_chain'),
    ('key after the certificate', 'certificate'),
])
def test_a_private_key_where_a_certificate_belongs_is_refused_and_never_shown(acm, monkeypatch, capsys, calls, pem, case, field):
    """Issue 30, case 9: with the certificate and key files swapped, the key was printed at -vvv (the task's invocation)."""
    cert, key = traditional_key() if 'traditional' in case else pem
    args = {'swapped': {'certificate': key, 'private_key': cert},
            'swapped, traditional key': {'certificate': key, 'private_key': cert},
            # the chain's and the key's files swapped
            'key as the chain': {'certificate': cert, 'private_key': self_signed('ca.example.com')[0], 'certificate_chain': key},
            'key after the certificate': {'certificate': cert + key, 'private_key': key}}[case]
    result, out, logged = real_run(monkeypatch, capsys, dict(args, name='demo-site', tags={'Stack': 'demo'}))
    body = [line for line in key.strip().splitlines() if not line.startswith('-----')]
    assert body and not any(line in out for line in body), 'the key is in what the module returns'
    assert not any(line in logged for line in body), 'the key is in what the module logs'
    assert result.get('failed') and result['field'] == field, result
    assert result['msg'].startswith(field + ': ') and 'swapped' in result['msg'], result['msg']
    assert '-----BEGIN' not in result['msg'] and key.strip() not in json_text(result)
    assert result['invocation']['module_args']['name'] == 'demo-site'  # the invocation is there, scrubbed
    assert calls == [] and imported(acm) == []


def json_text(value):
    import json
    return json.dumps(value)


def test_a_real_run_still_returns_the_certificate(acm, monkeypatch, capsys, pem):
    result, out, logged = real_run(monkeypatch, capsys, args(pem))
    assert result['changed'] and result['certificate']['domain_name'] == 'www.example.com' and len(imported(acm)) == 1
    assert pem[1].strip().splitlines()[1] not in out + logged


@pytest.mark.parametrize('owner', ['demo-2', None])
def test_another_stacks_certificate_is_refused(acm, run_module, calls, pem, owner):
    """Ownership: with stack demo, a certificate named demo-site of stack demo-2, or of none, is neither re-imported,
    retagged nor deleted; the refusal names both, before any call that changes anything."""
    made = run_module(certificate.main, args(pem, tags={'Stack': owner} if owner else {}))
    arn = made['certificate']['arn']
    tags = {t['Key']: t['Value'] for t in acm.list_tags_for_certificate(CertificateArn=arn)['Tags']}
    renewed = self_signed('www.example.com', days=90)
    for attempt in (args(renewed, stack='demo', tags=None), args(pem, stack='demo', tags={'Owner': 'ops'}),
                    {'name': 'demo-site', 'stack': 'demo', 'state': 'absent'}):
        del calls[:]
        refused = run_module(certificate.main, dict((k, v) for k, v in attempt.items() if v is not None))
        assert refused.get('failed') and refused['field'] == 'stack', refused
        assert 'certificate demo-site' in refused['msg'] and "stack 'demo'" in refused['msg']
        assert ("belongs to stack 'demo-2'" if owner else 'has no Stack tag') in refused['msg']
        assert mutating(calls) == []
    assert [c['CertificateArn'] for c in imported(acm)] == [arn]
    assert {t['Key']: t['Value'] for t in acm.list_tags_for_certificate(CertificateArn=arn)['Tags']} == tags
    assert acm.get_certificate(CertificateArn=arn)['Certificate'].strip() == pem[0].strip()


def test_a_stack_tags_its_certificate_and_deletes_only_its_own(acm, run_module, calls, pem):
    made = run_module(certificate.main, {'name': 'demo-site', 'certificate': pem[0], 'private_key': pem[1], 'stack': 'demo'})
    assert made['changed'] and made['certificate']['tags'] == {'Name': 'demo-site', 'Stack': 'demo'}
    del calls[:]
    again = run_module(certificate.main, {'name': 'demo-site', 'certificate': pem[0], 'private_key': pem[1], 'stack': 'demo'})
    assert again['changed'] is False and mutating(calls) == []
    assert run_module(certificate.main, dict(args(pem, tags={'Stack': 'demo-2'}), stack='demo'))['field'] == 'tags'
    assert run_module(certificate.main, {'name': 'demo-site', 'stack': 'demo', 'state': 'absent'})['changed'] and imported(acm) == []


@pytest.mark.parametrize('owner', ['demo', 'demo-2'])
def test_absent_in_check_mode_plans_past_the_stacks_own_listener(aws, acm, pem, run_module, calls, monkeypatch, owner):
    """teardown.yml plans every delete in check mode first: the certificate is still used by the listener of the stack's
    load balancer then (the plan deletes that first), so a check run warns and plans; a listener of another stack's load
    balancer is nobody's plan to remove, and is refused in check mode too. A real run refuses while any listener uses it."""
    from ansible.module_utils import basic
    warned = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, msg: warned.append(msg))
    made = run_module(certificate.main, args(pem, stack='demo', name='demo-alb'))
    arn = made['certificate']['arn']
    vpc = aws.create_vpc(CidrBlock='10.20.0.0/16')['Vpc']['VpcId']
    subnets = [aws.create_subnet(VpcId=vpc, CidrBlock='10.20.%d.0/24' % i, AvailabilityZone=REGION + z)['Subnet']['SubnetId']
               for i, z in ((1, 'a'), (2, 'b'))]
    elb = boto3.client('elbv2', region_name=REGION)
    lb = elb.create_load_balancer(Name='%s-alb' % owner, Subnets=subnets, Tags=[{'Key': 'Stack', 'Value': owner}])['LoadBalancers'][0]
    tg = elb.create_target_group(Name='%s-web' % owner, Protocol='HTTP', Port=80, VpcId=vpc)['TargetGroups'][0]
    elb.create_listener(LoadBalancerArn=lb['LoadBalancerArn'], Protocol='HTTPS', Port=443, Certificates=[{'CertificateArn': arn}],
                        DefaultActions=[{'Type': 'forward', 'TargetGroupArn': tg['TargetGroupArn']}])
    del calls[:]
    plan = run_module(certificate.main, {'name': 'demo-alb', 'stack': 'demo', 'state': 'absent'}, check_mode=True)
    if owner == 'demo':
        assert not plan.get('failed') and plan['changed'], plan
        assert any(arn in w and 'not in check mode refuses' in w for w in warned), warned
    else:
        assert plan['failed'] and 'still used by' in plan['msg'], plan
    assert mutating(calls) == []
    real = run_module(certificate.main, {'name': 'demo-alb', 'stack': 'demo', 'state': 'absent'})
    assert real['failed'] and 'still used by' in real['msg']
    assert acm.describe_certificate(CertificateArn=arn)['Certificate']['CertificateArn'] == arn
