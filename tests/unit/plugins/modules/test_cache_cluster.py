"""cache_cluster in-process against moto: create and wait, rerun, check mode, diff, modify in place (node type,
security groups, tags with purge), refused changes, absent with and without a final snapshot, every bad input
(naming its field, before any change), a lost create answer, and the AUTH token never in a result or diff."""
import json

import boto3
import pytest
from ansible.module_utils import basic
from botocore.exceptions import ConnectionClosedError

from ansible_collections.seed.laravel_aws.plugins.module_utils import retries, waiters
from ansible_collections.seed.laravel_aws.plugins.modules import cache_cluster

from ...conftest import REGION, mutating

TOKEN = 'Sup3r-Secret-Redis-Token-42'


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    slept = []
    monkeypatch.setattr(waiters, 'SLEEP', slept.append)
    return slept


@pytest.fixture
def net(aws):
    vpc = aws.create_vpc(CidrBlock='10.81.0.0/16')['Vpc']['VpcId']
    a = aws.create_subnet(VpcId=vpc, CidrBlock='10.81.1.0/24', AvailabilityZone='us-east-1a')['Subnet']['SubnetId']
    b = aws.create_subnet(VpcId=vpc, CidrBlock='10.81.2.0/24', AvailabilityZone='us-east-1b')['Subnet']['SubnetId']
    sg = aws.create_security_group(GroupName='demo-redis', Description='redis', VpcId=vpc)['GroupId']
    other = aws.create_security_group(GroupName='demo-other', Description='other', VpcId=vpc)['GroupId']
    cache = boto3.client('elasticache', region_name=REGION)
    cache.create_cache_subnet_group(CacheSubnetGroupName='demo-cache', CacheSubnetGroupDescription='d', SubnetIds=[a, b])
    return {'vpc': vpc, 'sg': sg, 'other': other, 'cache': cache}


def args(**extra):
    out = {'name': 'demo-redis', 'num_cache_clusters': 2, 'cache_subnet_group_name': 'demo-cache', 'security_groups': ['demo-redis'],
           'auth_token': TOKEN, 'engine_version': '7.1', 'tags': {'Stack': 'demo'}}
    out.update(extra)
    return out


def clusters(net):
    return net['cache'].describe_replication_groups()['ReplicationGroups']


def no_token(result):
    assert TOKEN not in json.dumps(result), 'the AUTH token is in the result'


def test_create_rerun_modify_and_absent(run_module, calls, net, quick):
    plan = run_module(cache_cluster.main, args(), check_mode=True, diff=True)
    no_token(plan)
    assert plan['changed'] and plan['cache_cluster']['arn'] is None and mutating(calls) == [] and clusters(net) == []
    assert plan['diff']['before'] == {} and plan['diff']['after']['member_clusters'] == ['demo-redis-001', 'demo-redis-002']

    made = run_module(cache_cluster.main, args(), diff=True)
    no_token(made)
    redis = made['cache_cluster']
    assert made['changed'] and redis['status'] == 'available' and quick, made  # waited through creating
    assert redis['arn'].endswith(':replicationgroup:demo-redis') and redis['member_clusters'] == ['demo-redis-001', 'demo-redis-002']
    assert redis['num_cache_clusters'] == 2 and redis['automatic_failover'] and redis['multi_az']
    assert redis['transit_encryption'] and redis['at_rest_encryption'] and redis['auth_token_enabled']
    assert redis['primary_endpoint']['address'].startswith('master.') and redis['primary_endpoint']['port'] == 6379
    assert redis['reader_endpoint']['address'].startswith('replica.') and redis['port'] == 6379
    assert redis['cache_subnet_group_name'] == 'demo-cache' and redis['security_group_ids'] == [net['sg']]
    assert redis['engine'] == 'redis' and redis['engine_version'] == '7.1' and redis['node_type'] == 'cache.t4g.micro'
    assert redis['snapshot_retention_limit'] == 0 and redis['preferred_maintenance_window'] and redis['tags'] == {'Stack': 'demo'}
    assert len(clusters(net)) == 1 and calls.count('create_replication_group') == 1

    del calls[:]
    again = run_module(cache_cluster.main, args(), diff=True)
    no_token(again)
    assert again['changed'] is False and mutating(calls) == [] and again['cache_cluster'] == redis

    del calls[:]
    plan = run_module(cache_cluster.main, args(node_type='cache.t4g.small'), check_mode=True, diff=True)
    assert plan['changed'] and mutating(calls) == [] and plan['diff']['after']['node_type'] == 'cache.t4g.small'
    scaled = run_module(cache_cluster.main, args(node_type='cache.t4g.small', security_groups=['demo-other'], apply_immediately=True,
                                                 tags={'Owner': 'ops'}), diff=True)
    no_token(scaled)
    assert scaled['changed'] and scaled['cache_cluster']['node_type'] == 'cache.t4g.small' and scaled['cache_cluster']['status'] == 'available'
    assert scaled['cache_cluster']['security_group_ids'] == [net['other']] and scaled['cache_cluster']['tags'] == {'Owner': 'ops'}
    assert scaled['diff']['before']['node_type'] == 'cache.t4g.micro' and scaled['diff']['after']['node_type'] == 'cache.t4g.small'
    kept = run_module(cache_cluster.main, args(node_type='cache.t4g.small', security_groups=['demo-other'], purge_tags=False))
    assert kept['changed'] and kept['cache_cluster']['tags'] == {'Owner': 'ops', 'Stack': 'demo'}
    listed = net['cache'].list_tags_for_resource(ResourceName=redis['arn'])['TagList']
    assert {t['Key']: t['Value'] for t in listed} == {'Owner': 'ops', 'Stack': 'demo'}
    del calls[:]
    same = run_module(cache_cluster.main, args(node_type='cache.t4g.small', security_groups=['demo-other'], purge_tags=False))
    assert same['changed'] is False and mutating(calls) == []

    rotated = run_module(cache_cluster.main, args(node_type='cache.t4g.small', security_groups=['demo-other'], purge_tags=False,
                                                  update_auth_token='always'), diff=True)
    no_token(rotated)
    assert rotated['changed'] and 'modify_replication_group' in calls

    del calls[:]
    plan = run_module(cache_cluster.main, {'name': 'demo-redis', 'state': 'absent'}, check_mode=True)
    assert plan['changed'] and mutating(calls) == [] and len(clusters(net)) == 1
    gone = run_module(cache_cluster.main, {'name': 'demo-redis', 'state': 'absent', 'final_snapshot_identifier': 'demo-redis-final'},
                      diff=True)
    no_token(gone)
    assert gone['changed'] and gone['cache_cluster'] == {} and gone['diff']['before']['name'] == 'demo-redis' and clusters(net) == []
    assert [s['SnapshotName'] for s in net['cache'].describe_snapshots()['Snapshots']] == ['demo-redis-final']
    del calls[:]
    assert run_module(cache_cluster.main, {'name': 'demo-redis', 'state': 'absent'})['changed'] is False
    assert mutating(calls) == []


def test_one_cluster_without_token_and_absent_without_snapshot(run_module, net):
    made = run_module(cache_cluster.main, {'name': 'demo-one', 'cache_subnet_group_name': 'demo-cache', 'transit_encryption': False})
    redis = made['cache_cluster']
    assert made['changed'] and redis['num_cache_clusters'] == 1 and not redis['automatic_failover'] and not redis['multi_az']
    assert not redis['transit_encryption'] and redis['at_rest_encryption'] and not redis['auth_token_enabled']
    gone = run_module(cache_cluster.main, {'name': 'demo-one', 'state': 'absent'})
    assert gone['changed'] and clusters(net) == [] and net['cache'].describe_snapshots()['Snapshots'] == []


@pytest.mark.parametrize('extra, field', [
    ({'auth_token': 'short-token'}, 'auth_token'),
    ({'auth_token': 'a-long-enough/token'}, 'auth_token'),
    ({'auth_token': 'a-long-enough"token'}, 'auth_token'),
    ({'auth_token': 'a-long-enough@token'}, 'auth_token'),
    ({'auth_token': 'a-long-enough-token', 'transit_encryption': False}, 'auth_token'),
    ({'name': 'r' * 41}, 'name'),
    ({'name': 'demo--redis'}, 'name'),
    ({'name': 'demo-redis-'}, 'name'),
    ({'name': '1demo'}, 'name'),
    ({'num_cache_clusters': 7}, 'num_cache_clusters'),
    ({'num_cache_clusters': 1, 'automatic_failover': True}, 'num_cache_clusters'),
    ({'name': 'demo-redis--x'}, 'name'),
    ({'preferred_maintenance_window': 'sun:05:00-sun:05:30'}, 'preferred_maintenance_window'),
    ({'tags': {'Owner': 'a*b'}}, 'tags'),
    ({'automatic_failover': False, 'multi_az': True}, 'multi_az'),
    ({'node_type': 't4g.micro'}, 'node_type'),
    ({'engine_version': 'seven'}, 'engine_version'),
    ({'port': 70000}, 'port'),
    ({'snapshot_retention_limit': 36}, 'snapshot_retention_limit'),
    ({'preferred_maintenance_window': 'sunday 5am'}, 'preferred_maintenance_window'),
    ({'security_groups': ['nope']}, 'security_groups'),
    ({'cache_subnet_group_name': 'no-such-group'}, 'cache_subnet_group_name'),
    ({'cache_subnet_group_name': None}, 'cache_subnet_group_name'),
    ({'kms_key_id': 'alias/redis', 'at_rest_encryption': False}, 'kms_key_id'),
    ({'tags': {'aws:x': 'y'}}, 'tags'),
])
def test_bad_input_names_the_field_before_any_change(run_module, calls, net, extra, field):
    result = run_module(cache_cluster.main, args(**extra))
    no_token(result)
    for value in extra.values():
        if isinstance(value, str) and 'token' in value:
            assert value not in json.dumps(result)
    assert result['failed'] and result['field'] == field and mutating(calls) == [], result
    assert clusters(net) == []


def test_check_mode_plans_a_cluster_in_a_subnet_group_not_made_yet(run_module, calls, net, monkeypatch):
    warned = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, msg: warned.append(msg))
    plan = run_module(cache_cluster.main, args(cache_subnet_group_name='planned-group'), check_mode=True, diff=True)
    no_token(plan)
    assert plan['changed'] and plan['cache_cluster']['cache_subnet_group_name'] == 'planned-group' and mutating(calls) == []
    assert plan['cache_cluster']['security_group_ids'] == ['demo-redis'] and any('does not exist (yet)' in w for w in warned)


def test_bad_final_snapshot_name(run_module, calls, net):
    result = run_module(cache_cluster.main, {'name': 'demo-redis', 'state': 'absent', 'final_snapshot_identifier': 'bad_name'})
    assert result['failed'] and result['field'] == 'final_snapshot_identifier' and mutating(calls) == []


@pytest.mark.parametrize('extra, field', [
    ({'transit_encryption': False, 'auth_token': None}, 'transit_encryption'),
    ({'at_rest_encryption': False}, 'at_rest_encryption'),
    ({'port': 6380}, 'port'),
    ({'num_cache_clusters': 3}, 'num_cache_clusters'),
    ({'engine_version': '6.2'}, 'engine_version'),
])
def test_what_cannot_change_in_place_is_refused_with_the_reason(run_module, calls, net, extra, field):
    run_module(cache_cluster.main, args())
    del calls[:]
    result = run_module(cache_cluster.main, args(**extra))
    no_token(result)
    assert result['failed'] and result['field'] == field and mutating(calls) == [], result
    assert 'create a new cluster' in result['msg'] or 'downgraded' in result['msg']


def test_another_subnet_group_is_refused(run_module, calls, net, aws):
    subnet = aws.describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [net['vpc']]}])['Subnets'][0]['SubnetId']
    net['cache'].create_cache_subnet_group(CacheSubnetGroupName='demo-other', CacheSubnetGroupDescription='d', SubnetIds=[subnet])
    run_module(cache_cluster.main, args())
    del calls[:]
    result = run_module(cache_cluster.main, args(cache_subnet_group_name='demo-other'))
    assert result['failed'] and result['field'] == 'cache_subnet_group_name' and mutating(calls) == []


def test_a_lost_create_answer_is_found_not_made_twice(run_module, calls, net, monkeypatch):
    original = retries.RetryingClient.call
    lost = []

    def losing(self, operation, method, kwargs, retry_lost_answer=None):
        if operation == 'create_replication_group' and not lost:
            method(**kwargs)
            lost.append(operation)
            raise ConnectionClosedError(endpoint_url='https://elasticache.us-east-1.amazonaws.com')
        return original(self, operation, method, kwargs, retry_lost_answer)
    monkeypatch.setattr(retries.RetryingClient, 'call', losing)
    made = run_module(cache_cluster.main, args())
    no_token(made)
    assert made['changed'] and lost and made['cache_cluster']['status'] == 'available' and len(clusters(net)) == 1


def test_a_wait_that_times_out_after_the_create_says_changed_and_names_the_cluster(run_module, net, monkeypatch):
    from emulator import elasticache as emulated
    monkeypatch.setattr(emulated, 'TRANSITION_DESCRIBES', 10 ** 6)  # creating for ever
    result = run_module(cache_cluster.main, args(wait_timeout=1))
    no_token(result)
    assert result['failed'] and result['changed'] is True, result
    assert 'demo-redis' in result['msg'] and 'CreateReplicationGroup' in result['msg'] and 'creating' in result['msg']


# -- issue 30 ---------------------------------------------------------------------------------------------------------

@pytest.fixture
def sent(monkeypatch):
    """Every call sent through the shared retrying client, with its arguments: [(operation, kwargs)]."""
    seen = []
    original = retries.RetryingClient.call

    def spy(self, operation, method, kwargs, retry_lost_answer=None):
        seen.append((operation, dict(kwargs)))
        return original(self, operation, method, kwargs, retry_lost_answer)
    monkeypatch.setattr(retries.RetryingClient, 'call', spy)
    return seen


def tags_of(net, arn):
    return {t['Key']: t['Value'] for t in net['cache'].list_tags_for_resource(ResourceName=arn)['TagList']}


def modifies(sent):
    return [k for op, k in sent if op == 'modify_replication_group']


@pytest.mark.parametrize('state', ['present', 'absent'])
@pytest.mark.parametrize('owner, stack', [('demo', 'demo-2'), ('demo', 'demo2'), (None, 'demo')])
def test_a_cluster_of_another_stack_or_of_none_is_refused(run_module, calls, net, owner, stack, state):
    """Teardown of stack Demo deleted demo's Redis cluster, found by its id (AWS folds its case). With ``stack``, one
    tagged with another stack, or with none, is refused before any change (no final snapshot either), naming both."""
    made = run_module(cache_cluster.main, args(tags={'Stack': owner} if owner else {}))
    arn = made['cache_cluster']['arn']
    if state == 'present':
        task = args(name='Demo-Redis', stack=stack, node_type='cache.t4g.small', apply_immediately=True, tags={'Tier': 'cache'})
    else:
        task = {'name': 'Demo-Redis', 'stack': stack, 'state': 'absent', 'final_snapshot_identifier': 'demo-redis-final'}
    del calls[:]
    refused = run_module(cache_cluster.main, task)
    no_token(refused)
    assert refused.get('failed') and refused['field'] == 'stack', refused
    assert 'cache cluster demo-redis' in refused['msg'] and 'not to stack %r' % stack in refused['msg'], refused['msg']
    assert ("belongs to stack 'demo'" if owner else 'has no Stack tag') in refused['msg'] and 'nothing was changed' in refused['msg']
    assert mutating(calls) == [] and not refused.get('changed')
    (raw,) = clusters(net)
    assert raw['Status'] == 'available' and raw['CacheNodeType'] == 'cache.t4g.micro'
    assert tags_of(net, arn) == ({'Stack': owner} if owner else {}) and net['cache'].describe_snapshots()['Snapshots'] == []


def test_the_stack_s_own_cluster_is_made_tagged_and_deleted(run_module, calls, net):
    made = run_module(cache_cluster.main, args(stack='demo', tags={'Tier': 'cache'}))
    assert made['changed'] and made['cache_cluster']['tags'] == {'Stack': 'demo', 'Tier': 'cache'}
    assert tags_of(net, made['cache_cluster']['arn']) == {'Stack': 'demo', 'Tier': 'cache'}
    gone = run_module(cache_cluster.main, {'name': 'demo-redis', 'stack': 'demo', 'state': 'absent'})
    assert gone['changed'] and clusters(net) == []


def test_options_left_out_leave_an_existing_cluster_as_it_is(run_module, calls, sent, net):
    """An existing 2-node cluster needed num_cache_clusters on every run (the default 1 was refused); and description,
    node type, retention, port and encryption defaults would have undone what the cluster has. Left out: unchanged."""
    made = run_module(cache_cluster.main, args(stack='demo', description='sessions', node_type='cache.t4g.small',
                                               snapshot_retention_limit=5, port=6380))
    assert made['changed'], made
    del calls[:]
    again = run_module(cache_cluster.main, {'name': 'demo-redis', 'stack': 'demo'}, diff=True)
    assert again.get('changed') is False and mutating(calls) == [], again
    view = again['cache_cluster']
    assert (view['num_cache_clusters'], view['automatic_failover'], view['multi_az']) == (2, True, True)
    assert (view['description'], view['node_type'], view['snapshot_retention_limit'], view['port']) == ('sessions', 'cache.t4g.small', 5, 6380)
    assert view['transit_encryption'] and view['at_rest_encryption'] and view['auth_token_enabled']
    del sent[:]
    one = run_module(cache_cluster.main, {'name': 'demo-redis', 'stack': 'demo', 'snapshot_retention_limit': 7})
    assert one['changed'] and modifies(sent) == [{'ReplicationGroupId': 'demo-redis', 'ApplyImmediately': False,
                                                  'SnapshotRetentionLimit': 7}]
    assert run_module(cache_cluster.main, {'name': 'demo-redis', 'num_cache_clusters': 1, 'automatic_failover': False,
                                           'multi_az': False})['field'] == 'num_cache_clusters'


def test_a_new_token_is_sent_only_when_asked_rotate_then_set(run_module, calls, sent, net, quick):
    """A changed token never reached ElastiCache: AWS never returns it. on_create (the default) leaves it; rotate adds it
    beside the old one, set leaves it alone, each one ModifyReplicationGroup with ApplyImmediately, waited for."""
    run_module(cache_cluster.main, args(stack='demo'))
    new = 'N3w-Redis-Token-2024'
    del calls[:]
    kept = run_module(cache_cluster.main, args(stack='demo', auth_token=new))
    assert kept['changed'] is False and mutating(calls) == []
    plan = run_module(cache_cluster.main, {'name': 'demo-redis', 'stack': 'demo', 'auth_token': new, 'update_auth_token': 'rotate'},
                      check_mode=True)
    assert plan['changed'] and mutating(calls) == [] and new not in json.dumps(plan)
    for update, strategy in (('rotate', 'ROTATE'), ('set', 'SET')):
        del sent[:], quick[:]
        done = run_module(cache_cluster.main, {'name': 'demo-redis', 'stack': 'demo', 'auth_token': new, 'update_auth_token': update},
                          diff=True)
        assert done['changed'] is True and done['cache_cluster']['status'] == 'available' and quick, done  # waited through modifying
        assert modifies(sent) == [{'ReplicationGroupId': 'demo-redis', 'ApplyImmediately': True, 'AuthToken': new,
                                   'AuthTokenUpdateStrategy': strategy}]
        assert new not in json.dumps(done) and TOKEN not in json.dumps(done)
    bad = run_module(cache_cluster.main, {'name': 'demo-redis', 'update_auth_token': 'rotate'})
    assert bad['failed'] and bad['field'] == 'auth_token'
    del calls[:]
    mixed = run_module(cache_cluster.main, {'name': 'demo-redis', 'auth_token': new, 'update_auth_token': 'rotate',
                                            'node_type': 'cache.t4g.medium'})
    assert mixed['failed'] and mixed['field'] == 'apply_immediately' and mutating(calls) == []


def test_set_without_a_rotation_is_refused_as_aws_refuses_it(run_module, net):
    run_module(cache_cluster.main, args())
    result = run_module(cache_cluster.main, {'name': 'demo-redis', 'auth_token': 'An0ther-Redis-Token', 'update_auth_token': 'set'})
    assert result['failed'] and 'InvalidParameterCombination' in result['msg'] and 'ROTATE' in result['msg'], result


def test_on_create_warns_that_a_cluster_without_a_token_keeps_none(run_module, calls, net, monkeypatch):
    warned = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, msg: warned.append(msg))
    run_module(cache_cluster.main, args(auth_token=None))
    del calls[:]
    result = run_module(cache_cluster.main, args())
    assert result['changed'] is False and mutating(calls) == [] and not result['cache_cluster']['auth_token_enabled']
    assert any('update_auth_token: rotate' in w for w in warned) and not any(TOKEN in w for w in warned)


@pytest.mark.parametrize('token', ['a-long-enough_token', 'a-long-enough%token', 'a-long-enough token', 'a-long-enough*token',
                                   'a-long-enough(token)', 'a-long-enough.token'])
def test_a_token_aws_refuses_is_refused_with_the_shared_rule(run_module, calls, net, token):
    """The ElastiCache rule of secrets.RULES: AWS takes only ! & # $ ^ < > - as special characters (the local copy
    refused / " @ only)."""
    result = run_module(cache_cluster.main, args(auth_token=token))
    assert result['failed'] and result['field'] == 'auth_token' and '!, &, #, $, ^, <, >, and -' in result['msg'], result
    assert token not in json.dumps(result) and mutating(calls) == [] and clusters(net) == []


def test_the_data_plane_gives_redis_the_tokens_aws_would_accept(monkeypatch):
    """emulator.datatier: a create sets one token, ROTATE keeps the previous one beside the new one (the two most
    recent), SET leaves the new one alone; Redis's default user gets exactly those, from standard input."""
    from emulator import datatier
    tier = datatier.DataTier(dataplane=None)
    monkeypatch.setattr(tier, 'sync', lambda region: False)
    form = {'ReplicationGroupId': 'Demo-Redis', 'AuthToken': 'first-token-0000001'}
    tier.after('CreateReplicationGroup', form, b'', REGION)
    tier.after('ModifyReplicationGroup', dict(form, AuthToken='second-token-000002'), b'', REGION)  # ROTATE by default
    assert tier.tokens['demo-redis'] == ('first-token-0000001', 'second-token-000002')
    tier.after('ModifyReplicationGroup', dict(form, AuthToken='third-token-0000003', AuthTokenUpdateStrategy='ROTATE'), b'', REGION)
    assert tier.tokens['demo-redis'] == ('second-token-000002', 'third-token-0000003')
    tier.after('ModifyReplicationGroup', dict(form, AuthToken='third-token-0000003', AuthTokenUpdateStrategy='SET'), b'', REGION)
    assert tier.tokens['demo-redis'] == ('third-token-0000003',)

    ran = []
    monkeypatch.setattr(datatier.subprocess, 'run', lambda argv, **kw: ran.append((argv, kw)))

    class Group:
        transit_encryption_enabled = True
    entry = {'container': 'seed-redis-demo-redis', 'names': ['master.demo-redis'], 'port': 6379, 'secret': ('old-token-00000000',)}
    tier._update_secret(('redis', 'demo-redis'), entry, Group())  # pylint: disable=protected-access
    ((argv, kw),) = ran
    assert kw['input'] == 'ACL SETUSER default on resetpass >third-token-0000003\n' and kw['env']['REDISCLI_AUTH'] == 'old-token-00000000'
    assert not any('token' in a for a in argv) and entry['secret'] == ('third-token-0000003',)
