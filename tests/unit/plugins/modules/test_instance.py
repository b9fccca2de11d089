"""instance against moto in-process: exact count, tokens, scale up/down, in-place changes, bad input."""
import pytest

from ansible_collections.seed.laravel_aws.plugins.modules import instance, network
from ansible_collections.seed.laravel_aws.plugins.module_utils import instance as instance_utils

from ...conftest import mutating
from emulator.amis import DEBIAN_OWNER  # two images: moto's thousands of Amazon ones take seconds to list


@pytest.fixture
def net(aws, run_module):
    return run_module(network.main, {
        'name': 'demo', 'cidr_block': '10.20.0.0/16', 'availability_zones': ['us-east-1a', 'us-east-1b'],
        'public_subnets': ['10.20.0.0/24', '10.20.1.0/24'], 'private_subnets': ['10.20.10.0/24', '10.20.11.0/24'],
        'nat_gateway': 'single', 'security_groups': [{'name': 'web', 'rules': [{'ports': 80, 'cidr_ip': '0.0.0.0/0'}]},
                                                     {'name': 'db', 'rules': [{'ports': 5432, 'group': 'web'}]}]})


@pytest.fixture
def ami(aws):
    return sorted(aws.describe_images(Owners=[DEBIAN_OWNER])['Images'], key=lambda i: i['ImageId'])[0]['ImageId']


def web(net, ami, **extra):
    args = {'stack': 'demo', 'name': 'web', 'count': 2, 'image_id': ami, 'instance_type': 't3.micro',
            'subnet_ids': [s['id'] for s in net['subnets']['public']], 'security_groups': ['demo-web']}
    args.update(extra)
    return args


def live(ec2, role='web'):
    out = []
    for r in ec2.describe_instances(Filters=[{'Name': 'tag:Role', 'Values': [role]},
                                             {'Name': 'instance-state-name', 'Values': ['pending', 'running', 'stopped']}])['Reservations']:
        out.extend(r['Instances'])
    return sorted(out, key=lambda i: [t['Value'] for t in i['Tags'] if t['Key'] == 'Name'][0])


def test_launch_spread_rerun_scale(aws, run_module, calls, net, ami):
    made = run_module(instance.main, web(net, ami))
    assert made['changed'] and made['launched'] == ['demo-web-1', 'demo-web-2']
    insts = made['instances']
    assert [i['name'] for i in insts] == ['demo-web-1', 'demo-web-2']
    assert [i['subnet_id'] for i in insts] == [s['id'] for s in net['subnets']['public']]
    assert all(i['state'] == 'running' and i['private_ip'] for i in insts)
    raw = live(aws)
    assert raw[0]['MetadataOptions']['HttpTokens'] == 'required'
    assert {t['Key']: t['Value'] for t in raw[0]['Tags']}['Stack'] == 'demo'
    tokens = [c for c in calls if c == 'run_instances']
    assert len(tokens) == 2

    del calls[:]
    again = run_module(instance.main, web(net, ami))
    assert again['changed'] is False and again['launched'] == [] and mutating(calls) == []

    up = run_module(instance.main, web(net, ami, count=3))
    assert up['launched'] == ['demo-web-3'] and up['instances'][2]['subnet_id'] == net['subnets']['public'][0]['id']
    third = up['instances'][2]['id']
    del calls[:]
    plan = run_module(instance.main, web(net, ami, count=2), check_mode=True)  # what a playbook drains first
    assert plan['changed'] and mutating(calls) == [] and len(live(aws)) == 3
    assert [(d['name'], d['id'], d['role'], d['index'], d['state']) for d in plan['terminated_instances']] == [
        ('demo-web-3', third, 'web', 3, 'running')]
    down = run_module(instance.main, web(net, ami, count=2))
    assert down['terminated'] == ['demo-web-3'] and len(live(aws)) == 2
    assert [d['id'] for d in down['terminated_instances']] == [third]
    assert run_module(instance.main, web(net, ami, count=2))['terminated_instances'] == []
    gone = run_module(instance.main, web(net, ami, state='absent'))
    assert sorted(gone['terminated']) == ['demo-web-1', 'demo-web-2'] and live(aws) == []


def test_check_mode_launches_nothing(aws, run_module, calls, net, ami):
    del calls[:]
    plan = run_module(instance.main, web(net, ami), check_mode=True)
    assert plan['changed'] and plan['launched'] == ['demo-web-1', 'demo-web-2'] and plan['instances'][0]['id'] is None
    assert mutating(calls) == [] and live(aws) == []


def test_client_token_depends_on_stack_name_index_spec():
    a = instance_utils.client_token('demo', 'web', 1, {'image': 'ami-1'})
    assert a == instance_utils.client_token('demo', 'web', 1, {'image': 'ami-1'})
    assert a != instance_utils.client_token('demo', 'web', 2, {'image': 'ami-1'})
    assert a != instance_utils.client_token('demo', 'db', 1, {'image': 'ami-1'})


def test_in_place_and_not_in_place_changes(aws, run_module, net, ami):
    run_module(instance.main, web(net, ami, count=1))
    retag = run_module(instance.main, web(net, ami, count=1, tags={'Owner': 'ops'}))
    assert retag['changed'] and retag['instances'][0]['tags']['Owner'] == 'ops'
    other = sorted(aws.describe_images(Owners=[DEBIAN_OWNER])['Images'], key=lambda i: i['ImageId'])[1]['ImageId']
    drift = run_module(instance.main, web(net, ami, count=1, image_id=other, tags={'Owner': 'ops'}))
    assert drift['changed'] is False and any('image' in s for s in drift['not_applied'])
    bigger = run_module(instance.main, web(net, ami, count=1, instance_type='t3.small', tags={'Owner': 'ops'}))
    assert any('stop it' in s for s in bigger['not_applied'])
    stopped = run_module(instance.main, web(net, ami, count=1, instance_type='t3.small', state='stopped', tags={'Owner': 'ops'}))
    assert stopped['changed'] and stopped['instances'][0]['instance_type'] == 't3.small'
    assert live(aws)[0]['InstanceType'] == 't3.small'


@pytest.mark.parametrize('extra, field, words', [
    ({'count': -1}, 'count', 'must be 0 or more'),
    ({'security_groups': ['nope']}, 'security_groups[0]', "no security group named 'nope'"),
    ({'image_id': None, 'image': {'name': 'no-such-image-*', 'owner': 'amazon'}}, 'image', 'no available'),
    ({'image_id': 'img-1'}, 'image_id', 'not an AMI'),
    ({'subnet_ids': []}, 'subnet_ids', 'give the subnets'),
    ({'name': 'web server'}, 'name', 'letters, digits'),
])
def test_bad_input_launches_nothing(aws, run_module, calls, net, ami, extra, field, words):
    del calls[:]
    args = dict((k, v) for k, v in web(net, ami, **extra).items() if v is not None)
    result = run_module(instance.main, args)
    assert result['failed'] and result['field'] == field and words in result['msg'], result['msg']
    assert mutating(calls) == []


def test_subnets_of_two_vpcs_are_refused_naming_them(aws, run_module, calls, net, ami):
    other_vpc = aws.create_vpc(CidrBlock='10.99.0.0/16')['Vpc']['VpcId']
    other = aws.create_subnet(VpcId=other_vpc, CidrBlock='10.99.0.0/24')['Subnet']['SubnetId']
    del calls[:]
    result = run_module(instance.main, web(net, ami, subnet_ids=[net['subnets']['public'][0]['id'], other]))
    assert result['failed'] and other in result['msg'] and other_vpc in result['msg']
    assert mutating(calls) == []


def stack_roles(net, ami, **extra):
    """web x2 in the public subnets and db x1 in the first private one, in one task."""
    args = {'stack': 'demo', 'image_id': ami, 'key_name': None, 'security_groups': [],
            'roles': [{'name': 'web', 'count': 2, 'subnet_ids': [s['id'] for s in net['subnets']['public']],
                       'security_groups': ['demo-web']},
                      {'name': 'db', 'instance_type': 't3.small', 'subnet_ids': [net['subnets']['private'][0]['id']],
                       'security_groups': ['demo-db'], 'root_volume': {'size': 32}, 'tags': {'Backup': 'daily'}}]}
    args.update(extra)
    return dict((k, v) for k, v in args.items() if v is not None)


def test_roles_in_one_task_launch_together_and_wait_once(aws, run_module, calls, net, ami):
    del calls[:]
    made = run_module(instance.main, stack_roles(net, ami, tags={'Owner': 'ops'}))
    assert made['changed'] and made['launched'] == ['demo-web-1', 'demo-web-2', 'demo-db-1']
    assert [(i['role'], i['index']) for i in made['instances']] == [('web', 1), ('web', 2), ('db', 1)]
    assert [i['name'] for i in made['by_role']['web']] == ['demo-web-1', 'demo-web-2']
    db = made['by_role']['db'][0]
    assert db['instance_type'] == 't3.small' and db['subnet_id'] == net['subnets']['private'][0]['id']
    assert db['tags']['Owner'] == 'ops' and db['tags']['Backup'] == 'daily' and db['tags']['Role'] == 'db'
    assert 'Backup' not in made['by_role']['web'][0]['tags']
    # one describe to find them, three launches, one wait for all three (a loop waits once per role)
    assert calls.count('run_instances') == 3 and calls.count('describe_instances') == 2
    assert calls.count('describe_security_groups') == 1 and calls.count('describe_subnets') == 1
    raw = live(aws, 'db')[0]
    volume = aws.describe_volumes(VolumeIds=[raw['BlockDeviceMappings'][0]['Ebs']['VolumeId']])['Volumes'][0]
    assert volume['Size'] == 32 and volume['Encrypted']

    del calls[:]
    again = run_module(instance.main, stack_roles(net, ami, tags={'Owner': 'ops'}))
    assert again['changed'] is False and again['launched'] == [] and mutating(calls) == []
    # the same instances are what the one-role form manages: switching forms launches nothing
    web_alone = run_module(instance.main, web(net, ami, tags={'Owner': 'ops'}))
    assert web_alone['changed'] is False and [i['id'] for i in web_alone['instances']] == [i['id'] for i in made['by_role']['web']]


def test_roles_leave_unlisted_roles_alone_and_absent_without_name_removes_the_stack(aws, run_module, calls, net, ami):
    run_module(instance.main, stack_roles(net, ami))
    only_web = run_module(instance.main, stack_roles(net, ami, roles=[{'name': 'web', 'count': 1, 'subnet_ids': [net['subnets']['public'][0]['id']],
                                                                      'security_groups': ['demo-web']}]))
    assert only_web['terminated'] == ['demo-web-2'] and list(only_web['by_role']) == ['web']
    assert len(live(aws, 'db')) == 1 and len(live(aws, 'web')) == 1

    plan = run_module(instance.main, {'stack': 'demo', 'state': 'absent'}, check_mode=True)
    assert plan['changed'] and sorted(plan['terminated']) == ['demo-db-1', 'demo-web-1']
    assert len(live(aws, 'db')) == 1 and len(live(aws, 'web')) == 1
    # another stack, in a network of its own (the subnets and groups of stack demo are refused to it)
    other_net = run_module(network.main, {'name': 'other', 'cidr_block': '10.30.0.0/16', 'availability_zones': ['us-east-1a'],
                                          'public_subnets': ['10.30.0.0/24'], 'security_groups': [{'name': 'web'}]})
    other = run_module(instance.main, dict(web(other_net, ami, count=1), stack='other', security_groups=['other-web']))
    gone = run_module(instance.main, {'stack': 'demo', 'state': 'absent'})
    assert sorted(gone['terminated']) == ['demo-db-1', 'demo-web-1'] and live(aws, 'db') == []
    assert [i['InstanceId'] for i in live(aws, 'web')] == [other['instances'][0]['id']]  # another stack is not touched
    again = run_module(instance.main, {'stack': 'demo', 'state': 'absent'})
    assert again['changed'] is False


@pytest.mark.parametrize('roles, field, words', [
    ([{'name': 'web'}, {'name': 'web'}], 'roles[1].name', 'already given as roles[0].name'),
    ([{'name': 'web', 'count': -2}], 'roles[0].count', 'must be 0 or more'),
    ([{'name': 'web', 'subnet_ids': ['vpc-1']}], 'roles[0].subnet_ids[0]', 'not a subnet id'),
    ([{'name': 'web', 'image_id': 'img-1'}], 'roles[0].image_id', 'not an AMI'),
    ([{'name': 'web', 'root_volume': {'size': 0}}], 'roles[0].root_volume.size', '1-16384'),
    ([{'name': 'web', 'tags': {'aws:x': '1'}}], 'roles[0].tags', "reserved prefix 'aws:'"),
    ([{'name': 'web'}, {'name': 'db', 'security_groups': ['nope']}], 'roles[1].security_groups[0]', "no security group named 'nope'"),
    ([{'name': 'web', 'security_groups': ['demo-web']}], 'subnet_ids', 'give the subnets'),
])
def test_bad_roles_change_nothing(aws, run_module, calls, net, ami, roles, field, words):
    run_module(instance.main, web(net, ami))  # two web instances that a bad run must not scale down
    del calls[:]
    args = {'stack': 'demo', 'image_id': ami, 'roles': [dict(r, count=r.get('count', 1)) for r in roles]}
    if field != 'subnet_ids':
        args['subnet_ids'] = [s['id'] for s in net['subnets']['public']]
    result = run_module(instance.main, args)
    assert result['failed'] and result['field'] == field and words in result['msg'], result['msg']
    assert mutating(calls) == [] and len(live(aws)) == 2


def test_a_role_is_needed_unless_removing_the_whole_stack(aws, run_module, calls, ami):
    del calls[:]
    result = run_module(instance.main, {'stack': 'demo', 'image_id': ami})
    assert result['failed'] and result['field'] == 'name' and 'roles' in result['msg'] and calls == []


def test_security_groups_take_the_short_names_of_the_network_spec(aws, run_module, net, ami):
    by_short = run_module(instance.main, web(net, ami, count=1, security_groups=['web']), check_mode=True)
    assert not by_short.get('failed'), by_short
    assert by_short['instances'][0]['security_group_ids'] == [net['security_groups']['web']['id']]
    # a group of the VPC named exactly as given comes first: 'web' is '<stack>-web' only when no group is named 'web'
    vpc_id = net['vpc']['id']
    plain = aws.create_security_group(GroupName='web', Description='not the stack one', VpcId=vpc_id)['GroupId']
    exact = run_module(instance.main, web(net, ami, count=1, security_groups=['web']), check_mode=True)
    assert exact['instances'][0]['security_group_ids'] == [plain]
    missing = run_module(instance.main, web(net, ami, count=1, security_groups=['cache']), check_mode=True)
    assert missing['failed'] and missing['field'] == 'security_groups[0]' and 'demo-cache' in missing['msg']
