"""route53_zone in-process against moto: found by name (case and trailing dot aside), made only with create, rerun with
reads only, check mode, diff, comment and tags with purge, deleted only when the stack's and empty (foreign records
named, never deleted), two zones of one name refused, bad input before any call, a lost create answer found again."""
import boto3
import pytest

from ansible_collections.seed.laravel_aws.plugins.module_utils import retries, waiters
from ansible_collections.seed.laravel_aws.plugins.modules import route53_zone

from ...conftest import REGION, mutating


@pytest.fixture
def r53(aws, monkeypatch):
    monkeypatch.setattr(waiters, 'SLEEP', lambda s: None)
    monkeypatch.setitem(retries.LOST_FIND_TIMING, 'sleep', lambda s: None)
    return boto3.client('route53', region_name=REGION)


def tags_of(r53, zid):
    return dict((t['Key'], t['Value']) for t in r53.list_tags_for_resource(ResourceType='hostedzone', ResourceId=zid)
                ['ResourceTagSet'].get('Tags', []))


ARGS = {'name': 'Demo.Example.com', 'create': True, 'stack': 'demo', 'comment': 'demo', 'tags': {'Tier': 'dns'}}


def test_made_then_a_rerun_in_other_words_changes_nothing(r53, run_module, calls):
    plan = run_module(route53_zone.main, ARGS, check_mode=True, diff=True)
    assert plan['changed'] and mutating(calls) == [] and r53.list_hosted_zones()['HostedZones'] == []
    assert plan['route53_zone']['id'] is None and plan['diff']['before'] == {}
    made = run_module(route53_zone.main, ARGS, diff=True)
    zone = made['route53_zone']
    assert made['changed'] and mutating(calls) == ['create_hosted_zone', 'change_tags_for_resource']
    assert zone['name'] == 'demo.example.com.' and not zone['id'].startswith('/') and zone['name_servers']
    assert tags_of(r53, zone['id']) == {'Tier': 'dns', 'Stack': 'demo'} and zone['private'] is False
    del calls[:]
    again = run_module(route53_zone.main, dict(ARGS, name='demo.example.com.'), diff=True)
    assert again['changed'] is False and mutating(calls) == [] and again['route53_zone'] == zone


def test_a_missing_zone_is_an_error_without_create(r53, run_module, calls):
    refused = run_module(route53_zone.main, {'name': 'example.com'})
    assert refused['failed'] and refused['field'] == 'name' and 'create: true' in refused['msg'] and mutating(calls) == []


def test_comment_and_tags_with_purge(r53, run_module, calls):
    zid = run_module(route53_zone.main, ARGS)['route53_zone']['id']
    kept = run_module(route53_zone.main, {'name': 'demo.example.com', 'stack': 'demo', 'tags': {'Owner': 'ops'},
                                          'purge_tags': False})
    assert kept['changed'] and tags_of(r53, zid) == {'Tier': 'dns', 'Stack': 'demo', 'Owner': 'ops'}
    purged = run_module(route53_zone.main, {'name': 'demo.example.com', 'stack': 'demo', 'tags': {'Owner': 'ops'},
                                            'comment': 'other'}, diff=True)
    assert purged['changed'] and tags_of(r53, zid) == {'Stack': 'demo', 'Owner': 'ops'}
    assert purged['diff']['before']['comment'] == 'demo' and purged['route53_zone']['comment'] == 'other'
    assert r53.get_hosted_zone(Id=zid)['HostedZone']['Config']['Comment'] == 'other'


def test_absent_only_when_empty_and_the_stacks(r53, run_module, calls):
    zid = run_module(route53_zone.main, ARGS)['route53_zone']['id']
    r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={'Changes': [{'Action': 'CREATE', 'ResourceRecordSet': {
        'Name': 'www.demo.example.com.', 'Type': 'A', 'TTL': 60, 'ResourceRecords': [{'Value': '192.0.2.1'}]}}]})
    del calls[:]
    gone = {'name': 'demo.example.com', 'stack': 'demo', 'state': 'absent'}
    refused = run_module(route53_zone.main, gone)
    assert refused['failed'] and 'www.demo.example.com. A' in refused['msg'] and mutating(calls) == []
    r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={'Changes': [{'Action': 'DELETE', 'ResourceRecordSet': {
        'Name': 'www.demo.example.com.', 'Type': 'A', 'TTL': 60, 'ResourceRecords': [{'Value': '192.0.2.1'}]}}]})
    other = run_module(route53_zone.main, dict(gone, stack='other'))
    assert other['failed'] and other['field'] == 'stack' and "belongs to stack 'demo'" in other['msg']
    plan = run_module(route53_zone.main, gone, check_mode=True)
    assert plan['changed'] and mutating(calls) == []
    done = run_module(route53_zone.main, gone, diff=True)
    assert done['changed'] and done['route53_zone'] == {} and done['diff']['before']['id'] == zid
    assert r53.list_hosted_zones()['HostedZones'] == []
    del calls[:]
    assert run_module(route53_zone.main, gone)['changed'] is False and mutating(calls) == []


def test_two_zones_of_one_name_are_named_unless_zone_id(r53, run_module, calls):
    ids = [r53.create_hosted_zone(Name='example.com', CallerReference=str(i))['HostedZone']['Id'].split('/')[-1] for i in (1, 2)]
    refused = run_module(route53_zone.main, {'name': 'EXAMPLE.com'})
    assert refused['failed'] and refused['field'] == 'zone_id' and all(i in refused['msg'] for i in ids)
    found = run_module(route53_zone.main, {'name': 'example.com', 'zone_id': '/hostedzone/' + ids[1]})
    assert found['changed'] is False and found['route53_zone']['id'] == ids[1] and mutating(calls) == []


@pytest.mark.parametrize('args, field, words', [
    ({'name': 'a' * 64 + '.example.com'}, 'name', '63'),
    ({'name': ('a' * 60 + '.') * 5 + 'com'}, 'name', '253'),
    ({'name': 'example.com', 'vpc_id': 'vpc-1'}, 'vpc_id', 'private: true'),
    ({'name': 'example.com', 'private': True, 'create': True}, 'vpc_id', 'vpc_region'),
    ({'name': 'example.com', 'state': 'absent'}, 'stack', 'Stack=<stack>'),
    ({'name': 'example.com', 'stack': 'Demo!'}, 'stack', ''),
])
def test_bad_input_is_refused_before_any_call(r53, run_module, calls, args, field, words):
    result = run_module(route53_zone.main, args)
    assert result['failed'] and result['field'] == field and words in result['msg'], result
    assert calls == []


def test_a_lost_create_answer_is_found_not_made_twice(r53, run_module, calls, monkeypatch):
    from botocore.exceptions import ConnectionClosedError
    original = retries.RetryingClient.call
    lost = []

    def losing(self, operation, method, kwargs, retry_lost_answer=None):
        answer = original(self, operation, method, kwargs, retry_lost_answer)
        if operation == 'create_hosted_zone' and not lost:
            lost.append(kwargs['CallerReference'])
            raise ConnectionClosedError(endpoint_url='https://route53.amazonaws.com')
        return answer
    monkeypatch.setattr(retries.RetryingClient, 'call', losing)
    made = run_module(route53_zone.main, ARGS)
    assert made['changed'] and lost and len(r53.list_hosted_zones()['HostedZones']) == 1
    assert tags_of(r53, made['route53_zone']['id'])['Stack'] == 'demo'


def test_the_caller_reference_is_stable_and_refused_again_as_aws_does(r53, run_module):
    """The same inputs give the same reference (a retried create is one Route 53 de-duplicates), the next attempt another
    (moto in-process does not refuse a reference twice; the emulator does: tests/unit/test_emulator_route53.py)."""
    from ansible_collections.seed.laravel_aws.plugins.module_utils import route53_zone as zone_utils
    d = zone_utils.validate(dict(ARGS, name='demo.example.com'))
    assert zone_utils.caller_reference(d) == zone_utils.caller_reference(dict(d)) != zone_utils.caller_reference(d, 1)
