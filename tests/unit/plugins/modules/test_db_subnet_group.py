"""db_subnet_group in-process against moto: create, rerun, check mode, diff, modify in place, tags, absent, and bad
input refused before any change (subnets in one zone, of two VPCs, names AWS refuses)."""
import boto3
import pytest

from ansible_collections.seed.laravel_aws.plugins.modules import db_subnet_group

from ...conftest import REGION, mutating


@pytest.fixture
def net(aws):
    vpc = aws.create_vpc(CidrBlock='10.80.0.0/16')['Vpc']['VpcId']

    def subnet(vpc_id, cidr, zone):
        return aws.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)['Subnet']['SubnetId']
    a, b, c = subnet(vpc, '10.80.0.0/24', 'us-east-1a'), subnet(vpc, '10.80.1.0/24', 'us-east-1b'), subnet(vpc, '10.80.2.0/24', 'us-east-1c')
    a2 = subnet(vpc, '10.80.3.0/24', 'us-east-1a')
    other = aws.create_vpc(CidrBlock='10.81.0.0/16')['Vpc']['VpcId']
    far = subnet(other, '10.81.0.0/24', 'us-east-1b')
    return {'vpc': vpc, 'a': a, 'b': b, 'c': c, 'a2': a2, 'far': far, 'rds': boto3.client('rds', region_name=REGION)}


def groups(net):
    return net['rds'].describe_db_subnet_groups()['DBSubnetGroups']


def test_create_rerun_modify_tags_and_absent(aws, run_module, calls, net):
    args = {'name': 'Demo-DB', 'subnets': [net['b'], net['a']], 'tags': {'Stack': 'demo'}}
    plan = run_module(db_subnet_group.main, args, check_mode=True, diff=True)
    assert plan['changed'] and mutating(calls) == [] and groups(net) == []
    assert plan['db_subnet_group']['arn'] is None and plan['diff']['before'] == {}
    assert plan['db_subnet_group']['availability_zones'] == ['us-east-1a', 'us-east-1b']
    made = run_module(db_subnet_group.main, args, diff=True)
    assert made['changed'], made
    group = made['db_subnet_group']
    assert group['name'] == 'demo-db' and group['arn'].endswith(':subgrp:demo-db') and group['description'] == 'demo-db'
    assert group['vpc_id'] == net['vpc'] and group['subnet_ids'] == sorted([net['a'], net['b']])
    assert group['tags'] == {'Stack': 'demo', 'Name': 'demo-db'} and group['status'] == 'Complete'
    assert mutating(calls) == ['create_db_subnet_group']
    del calls[:]
    again = run_module(db_subnet_group.main, args)
    assert again['changed'] is False and mutating(calls) == [] and again['db_subnet_group'] == group

    more = dict(args, subnets=[net['a'], net['b'], net['c']], description='three zones', tags={'Tier': 'db'})
    changed = run_module(db_subnet_group.main, more, diff=True)
    assert changed['changed'] and changed['db_subnet_group']['availability_zones'] == ['us-east-1a', 'us-east-1b', 'us-east-1c']
    assert changed['diff']['before']['description'] == 'demo-db' and changed['diff']['after']['description'] == 'three zones'
    (raw,) = groups(net)
    assert raw['DBSubnetGroupDescription'] == 'three zones' and len(raw['Subnets']) == 3
    tags = net['rds'].list_tags_for_resource(ResourceName=raw['DBSubnetGroupArn'])['TagList']
    assert sorted((t['Key'], t['Value']) for t in tags) == [('Name', 'demo-db'), ('Tier', 'db')]  # Stack purged
    del calls[:]
    assert run_module(db_subnet_group.main, more)['changed'] is False and mutating(calls) == []

    plan = run_module(db_subnet_group.main, {'name': 'demo-db', 'state': 'absent'}, check_mode=True)
    assert plan['changed'] and len(groups(net)) == 1 and mutating(calls) == []
    gone = run_module(db_subnet_group.main, {'name': 'demo-db', 'state': 'absent'}, diff=True)
    assert gone['changed'] and groups(net) == [] and gone['diff']['before']['name'] == 'demo-db'
    assert run_module(db_subnet_group.main, {'name': 'demo-db', 'state': 'absent'})['changed'] is False


@pytest.mark.parametrize('args, field, words', [
    ({'subnets': ['a', 'a2']}, 'subnets', 'two or more availability zones'),
    ({'subnets': ['a', 'far']}, 'subnets', '2 VPCs'),
    ({'subnets': ['a', 'subnet-0123456789abcdef0']}, 'subnets', 'does not exist'),
    ({'subnets': ['a', 'web']}, 'subnets', 'not a subnet id'),
    ({'name': 'default'}, 'name', 'default'),
    ({'name': 'db/one'}, 'name', 'letters, numbers, periods, underscores, spaces, or hyphens'),
    ({'name': '1db'}, 'name', 'First character must be a letter'),
    ({'name': 'x' * 256}, 'name', 'no more than 255'),
    ({'description': ''}, 'description', 'not blank'),
])
def test_bad_input_fails_before_any_change(aws, run_module, calls, net, args, field, words):
    full = {'name': 'demo-db', 'subnets': [net['a'], net['b']]}
    full.update(args)
    if 'subnets' in args:
        full['subnets'] = [net[s] if s in net else s for s in args['subnets']]
    result = run_module(db_subnet_group.main, full)
    assert result['failed'] and result['field'] == field, result
    assert words in result['msg'], result['msg']
    assert mutating(calls) == [] and groups(net) == []


def test_a_lost_create_answer_is_found_by_name(aws, run_module, calls, net, monkeypatch):
    from botocore.exceptions import ConnectionClosedError
    from ansible_collections.seed.laravel_aws.plugins.module_utils import retries
    original = retries.RetryingClient.call
    lost = []

    def losing(self, operation, method, kwargs, retry_lost_answer=None):
        answer = original(self, operation, method, kwargs, retry_lost_answer)
        if operation == 'create_db_subnet_group' and not lost:
            lost.append(operation)
            raise ConnectionClosedError(endpoint_url='https://rds.us-east-1.amazonaws.com')
        return answer
    monkeypatch.setattr(retries.RetryingClient, 'call', losing)
    made = run_module(db_subnet_group.main, {'name': 'demo-db', 'subnets': [net['a'], net['b']]})
    assert made['changed'] and made['db_subnet_group']['arn'] and lost == ['create_db_subnet_group']
    assert len(groups(net)) == 1


# -- issue 30 ---------------------------------------------------------------------------------------------------------

def tags_of(net, arn):
    return {t['Key']: t['Value'] for t in net['rds'].list_tags_for_resource(ResourceName=arn)['TagList']}


@pytest.mark.parametrize('state', ['present', 'absent'])
@pytest.mark.parametrize('owner, stack', [('demo', 'demo-2'), ('demo', 'demo2'), (None, 'demo')])
def test_a_group_of_another_stack_or_of_none_is_refused(aws, run_module, calls, net, owner, stack, state):
    """Teardown of stack Demo deleted demo's DB subnet group: found by its name, which AWS keeps in lower case. With
    ``stack``, one tagged with another stack, or with none, is refused before any change, naming both."""
    made = run_module(db_subnet_group.main, {'name': 'demo-db', 'subnets': [net['a'], net['b']], 'tags': {'Stack': owner} if owner else {}})
    arn = made['db_subnet_group']['arn']
    task = {'name': 'Demo-DB', 'stack': stack, 'state': state}
    if state == 'present':
        task.update(subnets=[net['a'], net['b'], net['c']], description='moved', tags={'Tier': 'db'})
    del calls[:]
    refused = run_module(db_subnet_group.main, task)
    assert refused.get('failed') and refused['field'] == 'stack', refused
    assert 'DB subnet group demo-db' in refused['msg'] and 'not to stack %r' % stack in refused['msg'], refused['msg']
    assert ("belongs to stack 'demo'" if owner else 'has no Stack tag') in refused['msg'] and 'nothing was changed' in refused['msg']
    assert mutating(calls) == [] and not refused.get('changed')
    (raw,) = groups(net)
    assert raw['DBSubnetGroupDescription'] == 'demo-db' and len(raw['Subnets']) == 2
    assert tags_of(net, arn) == dict({'Name': 'demo-db'}, **({'Stack': owner} if owner else {}))


def test_the_stack_s_own_group_is_made_tagged_and_left_as_it_is_when_options_are_left_out(aws, run_module, calls, net):
    made = run_module(db_subnet_group.main, {'name': 'demo-db', 'stack': 'demo', 'description': 'the database',
                                             'subnets': [net['a'], net['b']]})
    assert made['changed'] and made['db_subnet_group']['tags'] == {'Name': 'demo-db', 'Stack': 'demo'}
    assert tags_of(net, made['db_subnet_group']['arn']) == {'Name': 'demo-db', 'Stack': 'demo'}
    del calls[:]
    for task in ({'name': 'demo-db', 'stack': 'demo', 'subnets': [net['a'], net['b']]}, {'name': 'demo-db', 'stack': 'demo'}):
        again = run_module(db_subnet_group.main, task)
        assert again.get('changed') is False and mutating(calls) == [], again  # the description was reset to the name
        assert again['db_subnet_group']['description'] == 'the database' and len(again['db_subnet_group']['subnet_ids']) == 2
    moved = run_module(db_subnet_group.main, {'name': 'demo-db', 'stack': 'demo', 'subnets': [net['a'], net['b'], net['c']]})
    assert moved['changed'] and moved['db_subnet_group']['description'] == 'the database'
    assert groups(net)[0]['DBSubnetGroupDescription'] == 'the database' and len(groups(net)[0]['Subnets']) == 3
    none = run_module(db_subnet_group.main, {'name': 'other-db'})
    assert none['failed'] and none['field'] == 'subnets' and 'required to create' in none['msg']
    gone = run_module(db_subnet_group.main, {'name': 'demo-db', 'stack': 'demo', 'state': 'absent'})
    assert gone['changed'] and groups(net) == []
