"""instance_profile in-process against moto: made with its role and tags and read back until it shows the role, rerun
with reads only, check mode, diff, the role replaced or taken out, tags purged, absent, another stack's profile
refused, a role that does not trust EC2 (or does not exist) refused before any change, bad input before any call."""
import json

import boto3
import pytest

from ansible_collections.seed.laravel_aws.plugins.modules import instance_profile

from ...conftest import REGION, mutating

TRUST = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'Service': 'ec2.amazonaws.com'},
                                                 'Action': 'sts:AssumeRole'}]}


@pytest.fixture
def iam(aws):
    client = boto3.client('iam', region_name=REGION)
    for name in ('demo-web', 'demo-worker'):
        client.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
    return client


def args(**more):
    return dict({'name': 'demo-web', 'stack': 'demo', 'role': 'demo-web', 'tags': {'Tier': 'web'}}, **more)


def test_made_with_its_role_and_a_rerun_changes_nothing(iam, run_module, calls):
    plan = run_module(instance_profile.main, args(), check_mode=True, diff=True)
    assert plan['changed'] and mutating(calls) == [] and plan['instance_profile']['arn'] is None
    assert plan['instance_profile']['role'] == 'demo-web' and plan['diff']['before'] == {}
    assert iam.list_instance_profiles()['InstanceProfiles'] == []
    del calls[:]
    made = run_module(instance_profile.main, args(), diff=True)
    assert made['changed'] and mutating(calls) == ['create_instance_profile', 'add_role_to_instance_profile']
    assert calls[-1] == 'get_instance_profile'  # the wait: read until it shows the role
    profile = made['instance_profile']
    assert profile['arn'].endswith(':instance-profile/demo-web') and profile['role'] == 'demo-web'
    assert profile['role_arn'].endswith(':role/demo-web') and profile['tags'] == {'Tier': 'web', 'Stack': 'demo'}
    del calls[:]
    again = run_module(instance_profile.main, args())
    assert again['changed'] is False and mutating(calls) == [] and again['instance_profile'] == profile
    by_arn = run_module(instance_profile.main, args(role=profile['role_arn']))
    assert by_arn['changed'] is False and mutating(calls) == []


def test_the_role_is_replaced_or_taken_out_and_tags_purged(iam, run_module, calls):
    run_module(instance_profile.main, args())
    del calls[:]
    swapped = run_module(instance_profile.main, args(role='demo-worker', tags={'Owner': 'ops'}), diff=True)
    assert swapped['changed'] and swapped['diff']['before']['role'] == 'demo-web' and swapped['instance_profile']['role'] == 'demo-worker'
    assert mutating(calls) == ['remove_role_from_instance_profile', 'add_role_to_instance_profile', 'untag_instance_profile',
                               'tag_instance_profile']
    got = iam.get_instance_profile(InstanceProfileName='demo-web')['InstanceProfile']
    assert [r['RoleName'] for r in got['Roles']] == ['demo-worker']
    assert dict((t['Key'], t['Value']) for t in got['Tags']) == {'Owner': 'ops', 'Stack': 'demo'}
    out = run_module(instance_profile.main, {'name': 'demo-web', 'stack': 'demo', 'role': ''})
    assert out['changed'] and out['instance_profile']['role'] is None
    assert iam.get_instance_profile(InstanceProfileName='demo-web')['InstanceProfile']['Roles'] == []


def test_absent_takes_the_role_out_and_keeps_it(iam, run_module, calls):
    run_module(instance_profile.main, args())
    del calls[:]
    plan = run_module(instance_profile.main, {'name': 'demo-web', 'stack': 'demo', 'state': 'absent'}, check_mode=True)
    assert plan['changed'] and mutating(calls) == []
    gone = run_module(instance_profile.main, {'name': 'demo-web', 'stack': 'demo', 'state': 'absent'}, diff=True)
    assert gone['changed'] and gone['instance_profile'] == {} and gone['diff']['before']['role'] == 'demo-web'
    assert mutating(calls) == ['remove_role_from_instance_profile', 'delete_instance_profile']
    assert iam.list_instance_profiles()['InstanceProfiles'] == [] and iam.get_role(RoleName='demo-web')
    assert run_module(instance_profile.main, {'name': 'demo-web', 'state': 'absent'})['changed'] is False


@pytest.mark.parametrize('state', ['present', 'absent'])
def test_another_stacks_profile_is_refused_before_any_change(iam, run_module, calls, state):
    iam.create_instance_profile(InstanceProfileName='demo-web', Tags=[{'Key': 'Stack', 'Value': 'other'}])
    del calls[:]
    refused = run_module(instance_profile.main, args(state=state))
    assert refused['failed'] and refused['field'] == 'stack' and "belongs to stack 'other'" in refused['msg'] and mutating(calls) == []


def test_a_role_that_does_not_trust_ec2_or_does_not_exist_is_refused_before_any_change(iam, run_module, calls):
    lambda_trust = dict(TRUST, Statement=[dict(TRUST['Statement'][0], Principal={'Service': 'lambda.amazonaws.com'})])
    iam.create_role(RoleName='demo-fn', AssumeRolePolicyDocument=json.dumps(lambda_trust))
    del calls[:]
    refused = run_module(instance_profile.main, args(role='demo-fn'))
    assert refused['failed'] and refused['field'] == 'role' and 'lambda.amazonaws.com' in refused['msg'], refused
    assert 'ec2.amazonaws.com' in refused['msg'] and mutating(calls) == []
    missing = run_module(instance_profile.main, args(role='demo-nobody'))
    assert missing['failed'] and missing['field'] == 'role' and 'does not exist' in missing['msg'] and mutating(calls) == []
    planned = run_module(instance_profile.main, args(role='demo-nobody'), check_mode=True)
    assert planned['changed'] and planned['instance_profile']['role'] == 'demo-nobody'  # check mode: an earlier task may make it


@pytest.mark.parametrize('more, field, words', [
    ({'name': 'demo web'}, 'name', 'ValidationError'),
    ({'name': 'p' * 129}, 'name', 'got 129 characters'),
    ({'path': '/seed'}, 'path', 'forward slash'),
    ({'role': 'arn:aws:iam::123456789012:user/bob'}, 'role', 'role ARN'),
    ({'tags': {'a*b': '1'}}, 'tags', 'a tag key'),
])
def test_bad_input_is_refused_before_any_call(iam, run_module, calls, more, field, words):
    del calls[:]
    result = run_module(instance_profile.main, args(**more))
    assert result['failed'] and result['field'] == field and words in result['msg'], result
    assert calls == []
