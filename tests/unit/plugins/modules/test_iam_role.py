"""iam_role in-process against moto: made with its trust policy, policies and tags, rerun with reads only (also with the
documents written another way), check mode, diff, policies and tags exactly as given, a path that cannot change, absent
out of its instance profiles (each the stack's), another stack's role refused, bad input refused before any call."""
import json

import boto3
import pytest

from ansible_collections.seed.laravel_aws.plugins.modules import iam_role

from ...conftest import REGION, mutating

TRUST = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'Service': 'ec2.amazonaws.com'},
                                                 'Action': 'sts:AssumeRole'}]}
READ = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': ['s3:GetObject'], 'Resource': 'arn:aws:s3:::demo-a/*'}]}


@pytest.fixture
def iam(aws):
    return boto3.client('iam', region_name=REGION)


def policy_arn(iam, name):
    return iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(READ))['Policy']['Arn']


def args(**more):
    return dict({'name': 'demo-web', 'stack': 'demo', 'assume_role_policy_document': TRUST, 'tags': {'Tier': 'web'}}, **more)


def test_made_with_its_policies_and_a_rerun_changes_nothing(iam, run_module, calls):
    managed = policy_arn(iam, 'demo-ssm')
    wanted = args(inline_policies={'read-artifacts': READ}, managed_policy_arns=[managed], description='Web hosts of demo')
    plan = run_module(iam_role.main, wanted, check_mode=True, diff=True)
    assert plan['changed'] and mutating(calls) == [] and plan['iam_role']['arn'] is None and plan['diff']['before'] == {}
    assert plan['iam_role']['inline_policies'] == {'read-artifacts': READ} and iam.list_roles()['Roles'] == []
    made = run_module(iam_role.main, wanted, diff=True)
    assert made['changed'] and mutating(calls) == ['create_role', 'put_role_policy', 'attach_role_policy'], mutating(calls)
    role = made['iam_role']
    assert role['arn'].endswith(':role/demo-web') and role['role_id'] and role['path'] == '/' and role['max_session_duration'] == 3600
    assert role['tags'] == {'Tier': 'web', 'Stack': 'demo'} and role['managed_policy_arns'] == [managed]
    got = iam.get_role(RoleName='demo-web')['Role']
    assert got['AssumeRolePolicyDocument'] == TRUST and got['Description'] == 'Web hosts of demo'
    assert iam.get_role_policy(RoleName='demo-web', PolicyName='read-artifacts')['PolicyDocument'] == READ
    del calls[:]
    again = run_module(iam_role.main, wanted)
    assert again['changed'] is False and mutating(calls) == [] and again['iam_role'] == role
    # the same documents written another way: one value for a list of one, another order, JSON text
    other = {'Statement': {'Action': ['sts:AssumeRole'], 'Principal': {'Service': ['ec2.amazonaws.com']}, 'Effect': 'Allow'},
             'Version': '2012-10-17'}
    read = dict(READ, Statement=[dict(READ['Statement'][0], Action='s3:GetObject', Resource=['arn:aws:s3:::demo-a/*'])])
    same = run_module(iam_role.main, args(assume_role_policy_document=json.dumps(other), inline_policies={'read-artifacts': read}))
    assert same['changed'] is False and mutating(calls) == [], mutating(calls)


def test_policies_and_tags_become_exactly_those_given(iam, run_module, calls):
    first, second = policy_arn(iam, 'demo-one'), policy_arn(iam, 'demo-two')
    run_module(iam_role.main, args(inline_policies={'a': READ, 'b': READ}, managed_policy_arns=[first]))
    del calls[:]
    # left out: policies kept as they are
    assert run_module(iam_role.main, {'name': 'demo-web', 'stack': 'demo'})['changed'] is False and mutating(calls) == []
    trust = dict(TRUST, Statement=[dict(TRUST['Statement'][0], Principal={'Service': 'ecs-tasks.amazonaws.com'})])
    done = run_module(iam_role.main, args(assume_role_policy_document=trust, inline_policies={'b': READ},
                                          managed_policy_arns=[second], tags={'Owner': 'ops'}, max_session_duration=7200), diff=True)
    assert done['changed'] and done['diff']['before']['managed_policy_arns'] == [first]
    assert sorted(mutating(calls)) == ['attach_role_policy', 'delete_role_policy', 'detach_role_policy', 'tag_role', 'untag_role',
                                       'update_assume_role_policy', 'update_role']
    role = iam.get_role(RoleName='demo-web')['Role']
    assert role['MaxSessionDuration'] == 7200 and role['AssumeRolePolicyDocument'] == trust
    assert iam.list_role_policies(RoleName='demo-web')['PolicyNames'] == ['b']
    assert [p['PolicyArn'] for p in iam.list_attached_role_policies(RoleName='demo-web')['AttachedPolicies']] == [second]
    assert dict((t['Key'], t['Value']) for t in role['Tags']) == {'Owner': 'ops', 'Stack': 'demo'}
    kept = run_module(iam_role.main, dict(args(tags={'More': '1'}), purge_tags=False))
    assert kept['iam_role']['tags'] == {'Owner': 'ops', 'More': '1', 'Stack': 'demo'}
    none = run_module(iam_role.main, args(inline_policies={}, managed_policy_arns=[]))
    assert none['iam_role']['inline_policies'] == {} and none['iam_role']['managed_policy_arns'] == []


def test_a_path_cannot_change(iam, run_module, calls):
    run_module(iam_role.main, args(path='/seed/'))
    del calls[:]
    refused = run_module(iam_role.main, args(path='/other/'))
    assert refused['failed'] and refused['field'] == 'path' and 'cannot be changed' in refused['msg'] and mutating(calls) == []


def test_absent_takes_it_out_of_its_profiles_and_removes_its_policies(iam, run_module, calls):
    run_module(iam_role.main, args(inline_policies={'a': READ}, managed_policy_arns=[policy_arn(iam, 'demo-one')]))
    iam.create_instance_profile(InstanceProfileName='demo-web', Tags=[{'Key': 'Stack', 'Value': 'demo'}])
    iam.add_role_to_instance_profile(InstanceProfileName='demo-web', RoleName='demo-web')
    del calls[:]
    plan = run_module(iam_role.main, {'name': 'demo-web', 'stack': 'demo', 'state': 'absent'}, check_mode=True)
    assert plan['changed'] and mutating(calls) == [] and iam.get_role(RoleName='demo-web')
    gone = run_module(iam_role.main, {'name': 'demo-web', 'stack': 'demo', 'state': 'absent'}, diff=True)
    assert gone['changed'] and gone['iam_role'] == {} and gone['diff']['before']['name'] == 'demo-web'
    assert mutating(calls) == ['remove_role_from_instance_profile', 'delete_role_policy', 'detach_role_policy', 'delete_role']
    assert iam.list_roles()['Roles'] == [] and iam.get_instance_profile(InstanceProfileName='demo-web')['InstanceProfile']['Roles'] == []
    assert run_module(iam_role.main, {'name': 'demo-web', 'state': 'absent'})['changed'] is False


def test_a_role_in_another_stacks_profile_is_not_taken_out(iam, run_module, calls):
    run_module(iam_role.main, args())
    iam.create_instance_profile(InstanceProfileName='theirs', Tags=[{'Key': 'Stack', 'Value': 'other'}])
    iam.add_role_to_instance_profile(InstanceProfileName='theirs', RoleName='demo-web')
    del calls[:]
    refused = run_module(iam_role.main, {'name': 'demo-web', 'stack': 'demo', 'state': 'absent'})
    assert refused['failed'] and refused['field'] == 'stack' and 'theirs' in refused['msg'] and mutating(calls) == []
    assert iam.get_instance_profile(InstanceProfileName='theirs')['InstanceProfile']['Roles'][0]['RoleName'] == 'demo-web'


@pytest.mark.parametrize('state', ['present', 'absent'])
def test_another_stacks_role_is_refused_before_any_change(iam, run_module, calls, state):
    iam.create_role(RoleName='demo-web', AssumeRolePolicyDocument=json.dumps(TRUST), Tags=[{'Key': 'Stack', 'Value': 'other'}])
    del calls[:]
    refused = run_module(iam_role.main, args(state=state, description='mine'))
    assert refused['failed'] and refused['field'] == 'stack' and "belongs to stack 'other'" in refused['msg'] and mutating(calls) == []


@pytest.mark.parametrize('more, field, words', [
    ({'name': 'demo web'}, 'name', 'ValidationError'),
    ({'name': 'r' * 65}, 'name', 'got 65 characters'),
    ({'path': 'seed'}, 'path', 'forward slash'),
    ({'max_session_duration': 60}, 'max_session_duration', '3600'),
    ({'description': 'd' * 1001}, 'description', '1000'),
    ({'assume_role_policy_document': '{not json'}, 'assume_role_policy_document', 'not a JSON policy document'),
    ({'assume_role_policy_document': dict(TRUST, Id='i' * 4096)}, 'assume_role_policy_document', 'LimitExceeded'),
    ({'inline_policies': {'a b': READ}}, 'inline_policies', "the policy name 'a b'"),
    ({'inline_policies': {'a': dict(READ, Id='i' * 6000), 'b': dict(READ, Id='i' * 6000)}}, 'inline_policies', '10240'),
    ({'managed_policy_arns': ['ReadOnlyAccess']}, 'managed_policy_arns', 'not a managed policy ARN'),
    ({'managed_policy_arns': ['arn:aws:iam::aws:policy/P%d' % i for i in range(21)]}, 'managed_policy_arns', 'at most 20'),
    ({'tags': {'aws:x': '1'}}, 'tags', 'aws:'),
    ({'stack': 'Demo!'}, 'stack', ''),
])
def test_bad_input_is_refused_before_any_call(iam, run_module, calls, more, field, words):
    del calls[:]
    result = run_module(iam_role.main, args(**more))
    assert result['failed'] and result['field'] == field and words in result['msg'], result
    assert calls == []


def test_a_new_role_needs_its_trust_policy(iam, run_module, calls):
    del calls[:]
    result = run_module(iam_role.main, {'name': 'demo-web'})
    assert result['failed'] and result['field'] == 'assume_role_policy_document' and mutating(calls) == []
