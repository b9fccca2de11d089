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


def test_a_group_in_use_is_not_deleted(run_module, net):
    run_module(cache_subnet_group.main, {'name': 'demo-cache', 'subnets': [net['a'], net['b']]})
    net['cache'].create_replication_group(ReplicationGroupId='demo-redis', ReplicationGroupDescription='d', CacheSubnetGroupName='demo-cache')
    result = run_module(cache_subnet_group.main, {'name': 'demo-cache', 'state': 'absent'})
    assert result['failed'] and result['field'] == 'state' and 'demo-redis' in result['msg'] and len(groups(net)) == 1


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
