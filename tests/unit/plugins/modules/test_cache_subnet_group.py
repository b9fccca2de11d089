"""cache_subnet_group in-process against moto: create, rerun, check mode, diff, modify in place, tags, absent,
bad input (each naming its field, before any change), a lost create answer."""
import boto3
import pytest
from ansible.module_utils import basic
from botocore.exceptions import ConnectionClosedError

from ansible_collections.seed.laravel_aws.plugins.module_utils import retries
from ansible_collections.seed.laravel_aws.plugins.modules import cache_subnet_group

from ...conftest import REGION, mutating


@pytest.fixture
def net(aws):
    vpc = aws.create_vpc(CidrBlock='10.80.0.0/16')['Vpc']['VpcId']
    a = aws.create_subnet(VpcId=vpc, CidrBlock='10.80.1.0/24', AvailabilityZone='us-east-1a')['Subnet']['SubnetId']
    b = aws.create_subnet(VpcId=vpc, CidrBlock='10.80.2.0/24', AvailabilityZone='us-east-1b')['Subnet']['SubnetId']
    other = aws.create_vpc(CidrBlock='10.90.0.0/16')['Vpc']['VpcId']
    far = aws.create_subnet(VpcId=other, CidrBlock='10.90.1.0/24', AvailabilityZone='us-east-1a')['Subnet']['SubnetId']
    return {'vpc': vpc, 'a': a, 'b': b, 'far': far, 'cache': boto3.client('elasticache', region_name=REGION)}


def groups(net):
    return net['cache'].describe_cache_subnet_groups()['CacheSubnetGroups']


def test_create_rerun_modify_tags_and_absent(run_module, calls, net, monkeypatch):
    warned = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, msg: warned.append(msg))
    args = {'name': 'Demo-Cache', 'subnets': [net['b'], net['a']], 'tags': {'Stack': 'demo'}}
    plan = run_module(cache_subnet_group.main, args, check_mode=True, diff=True)
    assert plan['changed'] and plan['cache_subnet_group']['arn'] is None and mutating(calls) == [] and groups(net) == []
    assert plan['diff']['before'] == {} and plan['diff']['after']['subnet_ids'] == sorted([net['a'], net['b']])

    made = run_module(cache_subnet_group.main, args, diff=True)
    group = made['cache_subnet_group']
    assert made['changed'] and group['name'] == 'demo-cache' and group['description'] == 'demo-cache'
    assert group['arn'].endswith(':subnetgroup:demo-cache') and group['vpc_id'] == net['vpc']
    assert group['subnet_ids'] == sorted([net['a'], net['b']]) and group['availability_zones'] == ['us-east-1a', 'us-east-1b']
    assert group['tags'] == {'Stack': 'demo'} and len(groups(net)) == 1

    del calls[:]
    again = run_module(cache_subnet_group.main, args, diff=True)
    assert again['changed'] is False and again['cache_subnet_group'] == group and mutating(calls) == []

    one_zone = run_module(cache_subnet_group.main, dict(args, subnets=[net['a']], description='Redis'), diff=True)
    assert one_zone['changed'] and one_zone['cache_subnet_group']['subnet_ids'] == [net['a']]
    assert one_zone['cache_subnet_group']['availability_zones'] == ['us-east-1a'] and warned == []  # one zone: accepted, nothing said
    assert one_zone['diff']['before']['description'] == 'demo-cache' and one_zone['diff']['after']['description'] == 'Redis'
    assert groups(net)[0]['CacheSubnetGroupDescription'] == 'Redis' and groups(net)[0]['ARN'] == group['arn']

    retag = run_module(cache_subnet_group.main, {'name': 'demo-cache', 'subnets': [net['a']], 'description': 'Redis', 'tags': {'Owner': 'ops'}})
    assert retag['changed'] and retag['cache_subnet_group']['tags'] == {'Owner': 'ops'}
    kept = run_module(cache_subnet_group.main, {'name': 'demo-cache', 'subnets': [net['a']], 'description': 'Redis',
                                                'tags': {'Stack': 'demo'}, 'purge_tags': False})
    assert kept['cache_subnet_group']['tags'] == {'Owner': 'ops', 'Stack': 'demo'}
    listed = net['cache'].list_tags_for_resource(ResourceName=group['arn'])['TagList']
    assert {t['Key']: t['Value'] for t in listed} == {'Owner': 'ops', 'Stack': 'demo'}

    del calls[:]
    plan = run_module(cache_subnet_group.main, {'name': 'demo-cache', 'state': 'absent'}, check_mode=True)
    assert plan['changed'] and mutating(calls) == [] and len(groups(net)) == 1
    gone = run_module(cache_subnet_group.main, {'name': 'demo-cache', 'state': 'absent'}, diff=True)
    assert gone['changed'] and gone['cache_subnet_group'] == {} and gone['diff']['before']['arn'] == group['arn'] and groups(net) == []
    del calls[:]
    assert run_module(cache_subnet_group.main, {'name': 'demo-cache', 'state': 'absent'})['changed'] is False
    assert mutating(calls) == []


@pytest.mark.parametrize('args, field', [
    ({'name': 'demo_cache'}, 'name'),
    ({'name': 'x' * 256}, 'name'),
    ({'subnets': ['sub-1']}, 'subnets'),
    ({'subnets': ['subnet-0123456789abcdef0']}, 'subnets'),  # does not exist
    ({'tags': {'aws:x': 'y'}}, 'tags'),
])
def test_bad_input_names_the_field_before_any_change(run_module, calls, net, args, field):
    full = {'name': 'demo-cache', 'subnets': [net['a']]}
    full.update(args)
    result = run_module(cache_subnet_group.main, full)
    assert result['failed'] and result['field'] == field and mutating(calls) == [], result


def test_subnets_of_two_vpcs_are_refused(run_module, calls, net):
    result = run_module(cache_subnet_group.main, {'name': 'demo-cache', 'subnets': [net['a'], net['far']]})
    assert result['failed'] and result['field'] == 'subnets' and '2 VPCs' in result['msg'] and mutating(calls) == []
    assert groups(net) == []


def test_a_group_in_use_is_not_deleted_and_the_error_names_the_clusters_in_it(run_module, net, monkeypatch):
    from ansible_collections.seed.laravel_aws.plugins.module_utils import waiters
    now = [0.0]
    monkeypatch.setattr(waiters, 'CLOCK', lambda: now[0])
    monkeypatch.setattr(waiters, 'SLEEP', lambda s: now.__setitem__(0, now[0] + s))
    run_module(cache_subnet_group.main, {'name': 'demo-cache', 'subnets': [net['a'], net['b']]})
    net['cache'].create_replication_group(ReplicationGroupId='demo-redis', ReplicationGroupDescription='d', CacheSubnetGroupName='demo-cache')
    result = run_module(cache_subnet_group.main, {'name': 'demo-cache', 'state': 'absent', 'wait_timeout': 60})
    assert result['failed'] and 'still in use after 60s' in result['msg'] and 'of replication group demo-redis' in result['msg']
    assert len(groups(net)) == 1 and 60 <= now[0] <= 80
    once = run_module(cache_subnet_group.main, {'name': 'demo-cache', 'state': 'absent', 'wait': False})
    assert once['failed'] and 'of replication group demo-redis' in once['msg'] and now[0] <= 80  # one try, no wait


def test_a_lost_create_answer_is_found_not_made_twice(run_module, calls, net, monkeypatch):
    original = retries.RetryingClient.call
    lost = []

    def losing(self, operation, method, kwargs, retry_lost_answer=None):
        if operation == 'create_cache_subnet_group' and not lost:
            method(**kwargs)
            lost.append(operation)
            raise ConnectionClosedError(endpoint_url='https://elasticache.us-east-1.amazonaws.com')
        return original(self, operation, method, kwargs, retry_lost_answer)
    monkeypatch.setattr(retries.RetryingClient, 'call', losing)
    made = run_module(cache_subnet_group.main, {'name': 'demo-cache', 'subnets': [net['a']]})
    assert made['changed'] and lost and made['cache_subnet_group']['subnet_ids'] == [net['a']] and len(groups(net)) == 1


# -- issue 30 ---------------------------------------------------------------------------------------------------------

def tags_of(net, arn):
    return {t['Key']: t['Value'] for t in net['cache'].list_tags_for_resource(ResourceName=arn)['TagList']}


@pytest.mark.parametrize('state', ['present', 'absent'])
@pytest.mark.parametrize('owner, stack', [('demo', 'demo-2'), ('demo', 'demo2'), (None, 'demo')])
def test_a_group_of_another_stack_or_of_none_is_refused(run_module, calls, net, owner, stack, state):
    """Teardown of stack Demo deleted demo's cache subnet group: found by its name, which AWS keeps in lower case. With
    ``stack``, one tagged with another stack, or with none, is refused before any change, naming both."""
    made = run_module(cache_subnet_group.main, {'name': 'demo-cache', 'subnets': [net['a']], 'tags': {'Stack': owner} if owner else {}})
    arn = made['cache_subnet_group']['arn']
    task = {'name': 'Demo-Cache', 'stack': stack, 'state': state}
    if state == 'present':
        task.update(subnets=[net['a'], net['b']], description='moved', tags={'Tier': 'cache'})
    del calls[:]
    refused = run_module(cache_subnet_group.main, task)
    assert refused.get('failed') and refused['field'] == 'stack', refused
    assert 'cache subnet group demo-cache' in refused['msg'] and 'not to stack %r' % stack in refused['msg'], refused['msg']
    assert ("belongs to stack 'demo'" if owner else 'has no Stack tag') in refused['msg'] and 'nothing was changed' in refused['msg']
    assert mutating(calls) == [] and not refused.get('changed')
    (raw,) = groups(net)
    assert raw['CacheSubnetGroupDescription'] == 'demo-cache' and len(raw['Subnets']) == 1
    assert tags_of(net, arn) == ({'Stack': owner} if owner else {})


def test_the_stack_s_own_group_is_made_tagged_and_left_as_it_is_when_options_are_left_out(run_module, calls, net):
    made = run_module(cache_subnet_group.main, {'name': 'demo-cache', 'stack': 'demo', 'description': 'Redis', 'subnets': [net['a']]})
    assert made['changed'] and made['cache_subnet_group']['tags'] == {'Stack': 'demo'}
    assert tags_of(net, made['cache_subnet_group']['arn']) == {'Stack': 'demo'}
    del calls[:]
    for task in ({'name': 'demo-cache', 'stack': 'demo', 'subnets': [net['a']]}, {'name': 'demo-cache', 'stack': 'demo'}):
        again = run_module(cache_subnet_group.main, task)
        assert again.get('changed') is False and mutating(calls) == [], again  # the description was reset to the name
        assert again['cache_subnet_group']['description'] == 'Redis' and again['cache_subnet_group']['subnet_ids'] == [net['a']]
    moved = run_module(cache_subnet_group.main, {'name': 'demo-cache', 'stack': 'demo', 'subnets': [net['a'], net['b']]})
    assert moved['changed'] and moved['cache_subnet_group']['description'] == 'Redis'
    assert groups(net)[0]['CacheSubnetGroupDescription'] == 'Redis' and len(groups(net)[0]['Subnets']) == 2
    none = run_module(cache_subnet_group.main, {'name': 'other-cache'})
    assert none['failed'] and none['field'] == 'subnets' and 'required to create' in none['msg']
    gone = run_module(cache_subnet_group.main, {'name': 'demo-cache', 'stack': 'demo', 'state': 'absent'})
    assert gone['changed'] and groups(net) == []
