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


# -- a certificate requested from ACM, validated by DNS -----------------------------------------------------------------
# moto in-process with the emulator's ACM rules (emulator.acm, applied by patch_moto as in the emulator): pending until
# the validation records resolve in (moto's) Route 53, issued by the emulator's CA. One fake clock drives both the
# emulator's time and the collection's waits (waiters.SLEEP/CLOCK), so nothing sleeps.

class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    def advance(self, by):
        self.now += max(by, 0.001)


@pytest.fixture
def clock(monkeypatch, tmp_path):
    from emulator import acm as emulator_acm, profile as profile_mod
    from ansible_collections.seed.laravel_aws.plugins.module_utils import waiters
    c = Clock()
    monkeypatch.setattr(emulator_acm, 'PROFILE', [profile_mod.Profile(clock=c)])
    monkeypatch.setattr(emulator_acm, 'STATE', {})
    monkeypatch.setattr(emulator_acm, 'CA_FOLDER', [str(tmp_path)])
    monkeypatch.setattr(waiters, 'SLEEP', c.advance)
    monkeypatch.setattr(waiters, 'CLOCK', c)
    return c


@pytest.fixture
def route53(aws):
    return boto3.client('route53', region_name=REGION)


def hosted_zone(route53, name='example.com'):
    return route53.create_hosted_zone(Name=name, CallerReference=name)['HostedZone']['Id'].rsplit('/', 1)[-1]


def cnames(route53, zone_id):
    return sorted((r['Name'], r['ResourceRecords'][0]['Value']) for r in
                  route53.list_resource_record_sets(HostedZoneId=zone_id)['ResourceRecordSets'] if r['Type'] == 'CNAME')


def requested(acm):
    return [s for s in acm.list_certificates(Includes={'keyTypes': ['RSA_2048', 'EC_prime256v1']})['CertificateSummaryList']
            if s['Type'] == 'AMAZON_ISSUED']


def request_args(**extra):
    out = {'name': 'demo-site', 'stack': 'demo', 'domain_name': 'example.com', 'subject_alternative_names': ['www.example.com']}
    out.update(extra)
    return out


def test_request_writes_the_records_waits_for_issued_and_reruns_with_reads_only(acm, route53, run_module, calls, clock):
    zone_id = hosted_zone(route53)
    plan = run_module(certificate.main, request_args(validation_zone_id=zone_id), check_mode=True, diff=True)
    assert plan['changed'] and plan['certificate']['arn'] is None and plan['certificate']['status'] == 'PENDING_VALIDATION'
    assert plan['diff']['before'] == {} and mutating(calls) == [] and requested(acm) == [] and cnames(route53, zone_id) == []

    made = run_module(certificate.main, request_args(validation_zone_id=zone_id, tags={'Tier': 'web'}), diff=True)
    cert = made['certificate']
    assert made['changed'] and not made.get('failed'), made.get('msg')
    assert cert['status'] == 'ISSUED' and cert['type'] == 'AMAZON_ISSUED' and cert['arn'].startswith('arn:aws:acm:')
    assert cert['domain_name'] == 'example.com' and cert['subject_alternative_names'] == ['www.example.com']
    assert cert['tags'] == {'Tier': 'web', 'Stack': 'demo', 'Name': 'demo-site'}
    assert sorted(r['domain_name'] for r in cert['validation_records']) == ['example.com', 'www.example.com']
    assert cnames(route53, zone_id) == sorted((r['name'], r['value']) for r in cert['validation_records'])
    assert sorted(set(mutating(calls))) == ['change_resource_record_sets', 'request_certificate']
    assert len(requested(acm)) == 1 and made['diff']['before'] == {}

    del calls[:]
    again = run_module(certificate.main, request_args(validation_zone_id=zone_id), diff=True)
    assert again['changed'] is False and mutating(calls) == [] and again['certificate']['arn'] == cert['arn'], again
    assert again['certificate']['tags'] == cert['tags']  # tags omitted: left as they are

    retag = run_module(certificate.main, request_args(validation_zone_id=zone_id, tags={'Owner': 'ops'}), diff=True)
    assert retag['changed'] and retag['certificate']['tags'] == {'Owner': 'ops', 'Stack': 'demo', 'Name': 'demo-site'}
    assert retag['diff']['before']['tags'] != retag['diff']['after']['tags']
    kept = run_module(certificate.main, request_args(validation_zone_id=zone_id, tags={'Tier': 'web'}, purge_tags=False))
    assert kept['changed'] and kept['certificate']['tags'] == {'Owner': 'ops', 'Tier': 'web', 'Stack': 'demo', 'Name': 'demo-site'}
    assert len(requested(acm)) == 1


def test_a_record_removed_from_the_zone_is_written_again_and_only_it(acm, route53, run_module, calls, clock):
    zone_id = hosted_zone(route53)
    made = run_module(certificate.main, request_args(validation_zone_id=zone_id))
    (name, value) = cnames(route53, zone_id)[0]
    route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={'Changes': [{'Action': 'DELETE', 'ResourceRecordSet': {
        'Name': name, 'Type': 'CNAME', 'TTL': 300, 'ResourceRecords': [{'Value': value}]}}]})
    del calls[:]
    again = run_module(certificate.main, request_args(validation_zone_id=zone_id))
    assert again['changed'] and mutating(calls) == ['change_resource_record_sets'] and name in again['notes'][0]
    assert len(cnames(route53, zone_id)) == 2 and again['certificate']['arn'] == made['certificate']['arn']


def test_without_a_zone_the_records_are_returned_and_nothing_is_written(acm, route53, run_module, calls, clock):
    zone_id = hosted_zone(route53)
    made = run_module(certificate.main, request_args(wait=False))
    cert = made['certificate']
    assert made['changed'] and cert['status'] == 'PENDING_VALIDATION' and cnames(route53, zone_id) == []
    records = cert['validation_records']
    assert [(r['domain_name'], r['type']) for r in sorted(records, key=lambda r: r['domain_name'])] == [
        ('example.com', 'CNAME'), ('www.example.com', 'CNAME')]
    assert all(r['name'].endswith(r['domain_name'] + '.') and r['value'].endswith('.acm-validations.aws.') for r in records)
    assert 'change_resource_record_sets' not in calls and 'get_hosted_zone' not in calls


def test_the_timeout_names_the_records_acm_has_not_seen_and_the_status(acm, route53, run_module, calls, clock):
    failed = run_module(certificate.main, request_args(wait_timeout=120))
    assert failed['failed'] and failed['changed'] and 'status PENDING_VALIDATION' in failed['msg'], failed['msg']
    arn = requested(acm)[0]['CertificateArn']
    for option in acm.describe_certificate(CertificateArn=arn)['Certificate']['DomainValidationOptions']:
        record = option['ResourceRecord']
        assert '%s CNAME %s' % (record['Name'], record['Value']) in failed['msg']
    assert 'write it in the DNS zone of www.example.com' in failed['msg']
    zone_id = hosted_zone(route53)
    in_zone = run_module(certificate.main, request_args(wait_timeout=120, subject_alternative_names=[],
                                                        domain_name='shop.example.com', validation_zone_id=zone_id))
    assert in_zone['changed'] and in_zone['certificate']['status'] == 'ISSUED', in_zone.get('msg')


def test_absent_deletes_the_requested_certificate_and_the_records_it_wrote(acm, route53, run_module, calls, clock):
    zone_id = hosted_zone(route53)
    route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={'Changes': [{'Action': 'UPSERT', 'ResourceRecordSet': {
        'Name': 'www.example.com.', 'Type': 'CNAME', 'TTL': 300, 'ResourceRecords': [{'Value': 'lb.example.net.'}]}}]})
    made = run_module(certificate.main, request_args(validation_zone_id=zone_id))['certificate']
    absent = request_args(validation_zone_id=zone_id, state='absent')
    plan = run_module(certificate.main, absent, check_mode=True, diff=True)
    assert plan['changed'] and len(requested(acm)) == 1 and len(cnames(route53, zone_id)) == 3
    refused = run_module(certificate.main, dict(absent, stack='other'))
    assert refused['failed'] and refused['field'] == 'stack' and len(requested(acm)) == 1
    gone = run_module(certificate.main, absent, diff=True)
    assert gone['changed'] and gone['certificate'] == {} and gone['diff']['before']['arn'] == made['arn']
    assert requested(acm) == [] and cnames(route53, zone_id) == [('www.example.com.', 'lb.example.net.')]
    del calls[:]
    assert run_module(certificate.main, absent)['changed'] is False and mutating(calls) == []


def test_bad_input_of_a_request_fails_before_any_call(acm, route53, run_module, calls, clock, pem):
    zone_id = hosted_zone(route53, 'example.org')
    label = 'a' * 64
    for extra, field, words in (
            ({'domain_name': 'a' * 61 + '.com'}, 'domain_name', 'cannot exceed 64 octets'),
            ({'subject_alternative_names': ['.'.join(['a' * 63] * 4)]}, 'subject_alternative_names', 'at most 253'),
            ({'subject_alternative_names': [label + '.example.com']}, 'subject_alternative_names', 'at most 63'),
            ({'domain_name': 'www.*.example.com'}, 'domain_name', 'leftmost label'),
            ({'domain_name': 'w*.example.com'}, 'domain_name', 'leftmost label'),
            ({'domain_name': 'bad_name.example.com'}, 'domain_name', 'letters, digits and hyphens'),
            ({'subject_alternative_names': ['n%d.example.com' % i for i in range(101)]}, 'subject_alternative_names', 'at most 100'),
            ({'validation_method': 'EMAIL'}, 'validation_method', 'only DNS'),
            ({'certificate': pem[0], 'private_key': pem[1]}, 'certificate', 'not both'),
            ({'validation_zone_id': 'not a zone'}, 'validation_zone_id', 'hosted zone id'),
            ({'tags': {'aws:x': '1'}}, 'tags', 'the aws: prefix is reserved')):
        del calls[:]
        result = run_module(certificate.main, request_args(**extra))
        assert result['failed'] and result['field'] == field and words in result['msg'], (field, result['msg'])
        assert calls == [], (field, calls)
    del calls[:]
    outside = run_module(certificate.main, request_args(validation_zone_id=zone_id))
    assert outside['failed'] and outside['field'] == 'domain_name' and 'not in zone' in outside['msg'], outside['msg']
    assert calls == ['get_hosted_zone'] and requested(acm) == []


def test_a_lost_answer_on_request_makes_one_certificate(acm, run_module, monkeypatch, clock):
    original = retries.RetryingClient.call
    lost = []

    def call(self, op, method, kwargs, retry_lost_answer=None):
        if op == 'request_certificate' and not lost:
            lost.append(kwargs['IdempotencyToken'])

            def answered_then_lost(**kw):  # the first answer lost; the retry (same token) answered
                answer = method(**kw)
                if len(lost) == 1:
                    lost.append(answer['CertificateArn'])
                    raise ConnectionClosedError(endpoint_url='https://acm.%s.amazonaws.com' % REGION)
                return answer
            return original(self, op, answered_then_lost, kwargs, retry_lost_answer)
        return original(self, op, method, kwargs, retry_lost_answer)
    monkeypatch.setattr(retries.RetryingClient, 'call', call)
    made = run_module(certificate.main, request_args(wait=False))
    assert lost and not made.get('failed') and made['changed'], made
    (summary,) = requested(acm)
    assert made['certificate']['arn'] == summary['CertificateArn'] == lost[1]
    assert run_module(certificate.main, request_args(wait=False))['changed'] is False


def test_a_certificate_acm_will_not_issue_is_named_and_deleted_on_request(acm, run_module, calls, clock):
    from emulator import profile as profile_mod
    arn = run_module(certificate.main, request_args(wait=False))['certificate']['arn']
    clock.advance(profile_mod.DURATIONS[('acm', 'certificate', 'validation-timeout')])
    del calls[:]
    refused = run_module(certificate.main, request_args(wait=False))
    assert refused['failed'] and arn in refused['msg'] and 'VALIDATION_TIMED_OUT' in refused['msg'] and 'state: absent' in refused['msg']
    assert mutating(calls) == []
    gone = run_module(certificate.main, request_args(state='absent'))
    assert gone.get('changed') and requested(acm) == [], gone
    again = run_module(certificate.main, request_args(wait=False))
    assert again['changed'] and again['certificate']['arn'] != arn
