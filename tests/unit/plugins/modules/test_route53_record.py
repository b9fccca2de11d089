"""route53_record in-process against moto: made, rerun in other words (case, no trailing dot, value order, an unquoted
TXT, an alias AWS keeps as dualstack.) with reads only, check mode, diff, an update, absent with the record's values,
absent again unchanged, another stack's zone refused, bad input refused before any call, a lost UPSERT answer sent
again, and the wait for INSYNC through AWS's waiter."""
import boto3
import pytest

from ansible_collections.seed.laravel_aws.plugins.module_utils import retries, waiters
from ansible_collections.seed.laravel_aws.plugins.modules import route53_record

from ...conftest import REGION, mutating

ALB_ZONE = 'Z35SXDOTRQ7X7K'  # us-east-1's ALBs (https://docs.aws.amazon.com/general/latest/gr/elb.html)
ALB = 'demo-alb-1234567890.us-east-1.elb.amazonaws.com'


@pytest.fixture
def r53(aws, monkeypatch):
    monkeypatch.setattr(waiters, 'SLEEP', lambda s: None)
    client = boto3.client('route53', region_name=REGION)
    zid = client.create_hosted_zone(Name='example.com', CallerReference='t')['HostedZone']['Id'].split('/')[-1]
    return client, zid


def records(client, zid):
    return dict(((r['Name'], r['Type']), r) for r in client.list_resource_record_sets(HostedZoneId=zid)['ResourceRecordSets']
                if r['Type'] not in ('SOA', 'NS'))


TXT = {'zone': 'example.com', 'name': 'example.com', 'type': 'TXT', 'values': ['v=spf1 -all', 'b'], 'ttl': 600}


def test_made_rerun_in_other_words_updated_and_deleted(r53, run_module, calls):
    client, zid = r53
    plan = run_module(route53_record.main, TXT, check_mode=True, diff=True)
    assert plan['changed'] and mutating(calls) == [] and records(client, zid) == {}
    made = run_module(route53_record.main, TXT, diff=True)
    assert made['changed'] and mutating(calls) == ['change_resource_record_sets'] and 'get_change' in calls
    got = records(client, zid)[('example.com.', 'TXT')]
    assert sorted(r['Value'] for r in got['ResourceRecords']) == ['"b"', '"v=spf1 -all"'] and got['TTL'] == 600
    del calls[:]
    again = run_module(route53_record.main, dict(TXT, zone='EXAMPLE.COM.', name='Example.Com.', values=['"b"', 'v=spf1 -all']))
    assert again['changed'] is False and mutating(calls) == [] and again['route53_record'] == made['route53_record']
    update = run_module(route53_record.main, dict(TXT, ttl=60), diff=True)
    assert update['changed'] and update['diff']['before']['ttl'] == 600 and update['route53_record']['ttl'] == 60
    gone = run_module(route53_record.main, {'zone': 'example.com', 'name': 'example.com', 'type': 'TXT', 'state': 'absent'},
                      diff=True)
    assert gone['changed'] and gone['route53_record'] == {} and records(client, zid) == {}
    del calls[:]
    assert run_module(route53_record.main, {'zone_id': zid, 'name': 'example.com', 'type': 'TXT', 'state': 'absent'})[
        'changed'] is False and mutating(calls) == []


def test_an_alias_to_an_alb_in_other_words_and_as_aws_keeps_it(r53, run_module, calls):
    client, zid = r53
    args = {'zone_id': '/hostedzone/' + zid, 'name': 'www.example.com', 'type': 'A',
            'alias': {'dns_name': ALB, 'hosted_zone_id': ALB_ZONE}}
    made = run_module(route53_record.main, args)
    assert made['changed'] and made['route53_record']['alias']['dns_name'] == ALB + '.'
    del calls[:]
    upper = dict(args, name='WWW.example.com.', alias={'dns_name': ALB.upper() + '.', 'hosted_zone_id': ALB_ZONE})
    assert run_module(route53_record.main, upper)['changed'] is False and mutating(calls) == []
    # AWS keeps an alias to an ALB as dualstack.<DNSName>
    target = {'DNSName': 'dualstack.' + ALB + '.', 'HostedZoneId': ALB_ZONE, 'EvaluateTargetHealth': False}
    client.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={'Changes': [{'Action': 'UPSERT', 'ResourceRecordSet': {
        'Name': 'www.example.com.', 'Type': 'A', 'AliasTarget': target}}]})
    del calls[:]
    assert run_module(route53_record.main, args)['changed'] is False and mutating(calls) == []


def test_a_wildcard_as_route53_answers_it(r53, run_module, calls):
    client, zid = r53
    client.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={'Changes': [{'Action': 'CREATE', 'ResourceRecordSet': {
        'Name': '\\052.example.com.', 'Type': 'A', 'TTL': 300, 'ResourceRecords': [{'Value': '192.0.2.9'}]}}]})
    del calls[:]
    same = run_module(route53_record.main, {'zone': 'example.com', 'name': '*.example.com', 'type': 'A', 'values': ['192.0.2.9']})
    assert same['changed'] is False and mutating(calls) == []


def test_another_stacks_zone_is_refused_and_an_untagged_one_shared(r53, run_module, calls):
    client, zid = r53
    args = {'zone': 'example.com', 'name': 'a.example.com', 'type': 'A', 'values': ['192.0.2.1'], 'stack': 'demo'}
    assert run_module(route53_record.main, args)['changed']
    client.change_tags_for_resource(ResourceType='hostedzone', ResourceId=zid, AddTags=[{'Key': 'Stack', 'Value': 'demo-2'}])
    del calls[:]
    refused = run_module(route53_record.main, dict(args, state='absent'))
    assert refused['failed'] and "belongs to stack 'demo-2'" in refused['msg'] and mutating(calls) == []


def test_a_lost_upsert_answer_is_sent_again(r53, run_module, calls, monkeypatch):
    from botocore.exceptions import ConnectionClosedError
    client, zid = r53
    original, lost = retries.RetryingClient.call, []
    monkeypatch.setattr(retries, 'backoff_delays', lambda *a, **k: iter([0] * 7))

    def losing(self, operation, method, kwargs, retry_lost_answer=None):
        def done_then_lost(**kw):
            if lost:
                return method(**kw)
            lost.append(method(**kw))  # Route 53 did it; the answer never came back
            raise ConnectionClosedError(endpoint_url='https://route53.amazonaws.com')
        wrapped = done_then_lost if operation == 'change_resource_record_sets' else method
        return original(self, operation, wrapped, kwargs, retry_lost_answer)
    monkeypatch.setattr(retries.RetryingClient, 'call', losing)
    made = run_module(route53_record.main, {'zone': 'example.com', 'name': 'a.example.com', 'type': 'A', 'values': ['192.0.2.1']})
    assert lost and made['changed'] and list(records(client, zid)) == [('a.example.com.', 'A')]


def test_the_wait_polls_get_change_until_insync(r53, run_module, calls, monkeypatch):
    """moto answers INSYNC at once (the emulator does not, emulator.route53): here GetChange says PENDING twice."""
    import botocore.client
    answers = ['PENDING', 'PENDING']
    make = botocore.client.BaseClient._make_api_call

    def pending(self, name, params):
        out = make(self, name, params)
        if name == 'GetChange' and answers:
            out['ChangeInfo']['Status'] = answers.pop()
        return out
    monkeypatch.setattr(botocore.client.BaseClient, '_make_api_call', pending)
    run_module(route53_record.main, {'zone': 'example.com', 'name': 'a.example.com', 'type': 'A', 'values': ['192.0.2.1']})
    assert calls.count('get_change') == 3


@pytest.mark.parametrize('args, field, words', [
    ({'name': ('a' * 60 + '.') * 4 + 'example.com'}, 'name', '253'),
    ({'name': 'a' * 64 + '.example.com'}, 'name', '63'),
    ({'name': 'www.*.example.com'}, 'name', 'leftmost label'),
    ({'name': 'www.example.org'}, 'name', 'not in zone'),
    ({'name': 'example.com', 'type': 'CNAME', 'values': ['x.example.org']}, 'type', 'apex'),
    ({'values': []}, 'values', 'at least one value'),
    ({'values': ['300.1.1.1']}, 'values[0]', 'IPv4'),
    ({'values': None, 'ttl': 60, 'alias': {'dns_name': ALB, 'hosted_zone_id': ALB_ZONE}}, 'ttl', 'alias'),
    ({'alias': {'dns_name': ALB, 'hosted_zone_id': ALB_ZONE}}, 'values', 'alias'),
    ({'values': None, 'alias': {'dns_name': ALB, 'hosted_zone_id': 'Z1H1FL5HABSF5'}}, 'alias.hosted_zone_id', 'Z35SXDOTRQ7X7K'),
    ({'values': None, 'alias': {'dns_name': 'demo-1.eu-west-1.elb.amazonaws.com', 'hosted_zone_id': 'Z32O12XQLNTSW2'}},
     'alias.dns_name', 'an ALB of another region'),
    ({'zone_id': 'Z1'}, 'zone', 'one of them'),
    ({'stack': 'Demo!'}, 'stack', ''),
])
def test_bad_input_is_refused_before_any_call(r53, run_module, calls, args, field, words):
    base = {'zone': 'example.com', 'name': 'www.example.com', 'type': 'A', 'values': ['192.0.2.1']}
    base.update(args)
    result = run_module(route53_record.main, dict((k, v) for k, v in base.items() if v is not None))
    assert result['failed'] and result['field'] == field and words in result['msg'], result
    assert calls == []
