"""The network module: the whole spec in-process against moto, and its bad-input catalogue."""
import copy
import threading
import time

import pytest

from ansible_collections.seed.laravel_aws.plugins.module_utils import retries
from ansible_collections.seed.laravel_aws.plugins.modules import network

from ...conftest import mutating
from emulator.amis import DEBIAN_OWNER  # two images: moto's thousands of Amazon ones take seconds to list

SPEC = {
    'name': 'demo',
    'cidr_block': '10.20.0.0/16',
    'availability_zones': ['us-east-1a', 'us-east-1b'],
    'public_subnets': ['10.20.0.0/24', '10.20.1.0/24'],
    'private_subnets': ['10.20.10.0/24', '10.20.11.0/24'],
    'nat_gateway': 'single',
    'security_groups': [
        {'name': 'alb', 'rules': [{'proto': 'tcp', 'ports': [80, 443], 'cidr_ip': '0.0.0.0/0'}]},
        {'name': 'web', 'rules': [{'proto': 'tcp', 'ports': [80], 'group': 'alb'},
                                  {'proto': 'tcp', 'ports': [22], 'cidr_ip': '203.0.113.0/24'}]},
        {'name': 'db', 'rules': [{'proto': 'tcp', 'ports': [5432], 'group': 'web'}]},
    ],
    'tags': {'Owner': 'ops'},
}


def spec(**changes):
    """SPEC with changes; a None value leaves the option out, as a playbook that omits it."""
    out = copy.deepcopy(SPEC)
    out.update(changes)
    return dict((k, v) for k, v in out.items() if v is not None)


def stack_resources(ec2, stack='demo'):
    f = [{'Name': 'tag:Stack', 'Values': [stack]}]
    return {
        'vpcs': ec2.describe_vpcs(Filters=f)['Vpcs'],
        'subnets': ec2.describe_subnets(Filters=f)['Subnets'],
        'igws': ec2.describe_internet_gateways(Filters=f)['InternetGateways'],
        'nats': [n for n in ec2.describe_nat_gateways(Filter=f)['NatGateways'] if n['State'] != 'deleted'],
        'eips': ec2.describe_addresses(Filters=f)['Addresses'],
        'tables': ec2.describe_route_tables(Filters=f)['RouteTables'],
        'groups': ec2.describe_security_groups(Filters=f)['SecurityGroups'],
    }


def test_builds_the_network_then_converges_then_removes_it(aws, run_module, calls):
    net = run_module(network.main, spec())
    assert net['changed'] is True, net.get('msg')
    assert [s['cidr_block'] for s in net['subnets']['public']] == SPEC['public_subnets']
    assert [s['availability_zone'] for s in net['subnets']['private']] == SPEC['availability_zones']
    assert net['internet_gateway']['id'].startswith('igw-')
    assert len(net['nat_gateways']) == 1 and net['nat_gateways'][0]['subnet_id'] == net['subnets']['public'][0]['id']
    assert net['route_tables']['public']['routes'] == [{'dest': '0.0.0.0/0', 'target': net['internet_gateway']['id']}]
    assert net['route_tables']['private'][0]['routes'] == [{'dest': '0.0.0.0/0', 'target': net['nat_gateways'][0]['id']}]
    sgs = net['security_groups']
    assert sgs['db']['rules'] == [{'proto': 'tcp', 'ports': '5432', 'group_id': sgs['web']['id']}]
    found = stack_resources(aws)
    assert {k: len(v) for k, v in found.items()} == {'vpcs': 1, 'subnets': 4, 'igws': 1, 'nats': 1, 'eips': 1, 'tables': 2, 'groups': 3}
    public = [s for s in found['subnets'] if s['CidrBlock'] in SPEC['public_subnets']]
    assert all(s['MapPublicIpOnLaunch'] for s in public)

    del calls[:]
    again = run_module(network.main, spec())
    assert again['changed'] is False and again['changes'] == []
    assert mutating(calls) == []
    assert len(calls) <= 12, calls  # batched: one describe per resource type

    gone = run_module(network.main, {'name': 'demo', 'state': 'absent'})
    assert gone['changed'] is True
    assert {k: len(v) for k, v in stack_resources(aws).items()} == dict.fromkeys(found, 0)
    assert run_module(network.main, {'name': 'demo', 'state': 'absent'})['changed'] is False


def test_a_rerun_sends_its_reads_side_by_side(aws, run_module, monkeypatch):
    """On AWS each call is a round trip: the rerun's ten reads go out in two waves, not one by one."""
    run_module(network.main, spec())
    lock, state = threading.Lock(), {'now': 0, 'most': 0, 'sent': []}
    original = retries.RetryingClient.call

    def slow(self, operation, method, kwargs, retry_lost_answer=None):
        with lock:
            state['now'] += 1
            state['most'] = max(state['most'], state['now'])
            state['sent'].append(operation)
        try:
            time.sleep(0.05)  # a round trip
            return original(self, operation, method, kwargs, retry_lost_answer)
        finally:
            with lock:
                state['now'] -= 1
    monkeypatch.setattr(retries.RetryingClient, 'call', slow)
    again = run_module(network.main, spec())
    assert again['changed'] is False
    assert sorted(state['sent']) == sorted([
        'describe_availability_zones', 'describe_vpcs', 'describe_security_groups', 'describe_subnets',
        'describe_route_tables', 'describe_nat_gateways', 'describe_internet_gateways', 'describe_addresses',
        'describe_vpc_attribute', 'describe_vpc_attribute'])
    assert state['most'] >= 4, state


def test_check_mode_plans_everything_and_creates_nothing(aws, run_module, calls):
    plan = run_module(network.main, spec(), check_mode=True, diff=True)
    assert plan['changed'] is True
    kinds = sorted(set((c['resource'], c['action']) for c in plan['changes']))
    assert kinds == [(k, 'create') for k in ('elastic_ip', 'internet_gateway', 'nat_gateway', 'route_table',
                                             'security_group', 'subnet', 'vpc')]
    assert len(plan['changes']) == 1 + 4 + 1 + 1 + 1 + 2 + 3
    assert 'subnet/demo-public-us-east-1a' in plan['diff']['after']
    assert mutating(calls) == []
    assert {k: len(v) for k, v in stack_resources(aws).items()} == dict.fromkeys(stack_resources(aws), 0)


def test_per_az_nat_gives_each_zone_its_gateway_and_table(aws, run_module):
    net = run_module(network.main, spec(nat_gateway='per_az'))
    nats = net['nat_gateways']
    assert [n['availability_zone'] for n in nats] == SPEC['availability_zones']
    assert [t['routes'][0]['target'] for t in net['route_tables']['private']] == [n['id'] for n in nats]
    assert [t['subnet_ids'] for t in net['route_tables']['private']] == [[s['id']] for s in net['subnets']['private']]


def test_a_rule_change_is_applied_and_reported(aws, run_module):
    run_module(network.main, spec())
    groups = copy.deepcopy(SPEC['security_groups'])
    groups[1]['rules'][1]['cidr_ip'] = '198.51.100.0/24'
    changed = run_module(network.main, spec(security_groups=groups), diff=True)
    assert changed['changed'] and [c['name'] for c in changed['changes']] == ['demo-web']
    assert {'proto': 'tcp', 'ports': '22', 'cidr': '198.51.100.0/24'} in changed['security_groups']['web']['rules']


@pytest.mark.parametrize('changes, field, words', [
    ({'public_subnets': ['10.20.0.0/24', '10.20.0.128/25']}, 'public_subnets[1]', 'overlaps'),
    ({'public_subnets': ['10.20.0.0/24', '10.30.1.0/24']}, 'public_subnets[1]', 'outside the VPC CIDR'),
    ({'private_subnets': ['10.20.10.0/24', '10.20.0.0/24']}, 'private_subnets[1]', 'overlaps'),
    ({'cidr_block': '10.20.1.0/16'}, 'cidr_block', 'canonical form is 10.20.0.0/16'),
    ({'public_subnets': ['10.20.0.1/24', '10.20.1.0/24']}, 'public_subnets[0]', 'canonical'),
    ({'public_subnets': ['10.20.0.0/24']}, 'public_subnets', 'one per zone'),
    ({'private_subnets': ['10.20.10.0/24', '10.20.11.0/24', '10.20.12.0/24']}, 'private_subnets', 'one per zone'),
    ({'nat_gateway': None}, 'nat_gateway', 'need a way out'),
    ({'public_subnets': [], 'nat_gateway': 'per_az'}, 'nat_gateway', 'public subnet'),
    ({'private_subnets': [], 'nat_gateway': 'single'}, 'nat_gateway', 'serves private subnets'),
    ({'availability_zones': ['us-east-1a', 'us-east-1a']}, 'availability_zones', 'listed twice'),
    ({'security_groups': [{'name': 'web', 'rules': [{'ports': 70000, 'cidr_ip': '0.0.0.0/0'}]}]},
     'security_groups[0].rules[0].ports', 'outside 0-65535'),
    ({'security_groups': [{'name': 'web', 'rules': []}, {'name': 'web', 'rules': []}]}, 'security_groups[1].name', 'listed twice'),
    ({'security_groups': [{'name': 'db', 'rules': [{'ports': 5432, 'group': 'nosuch'}]}]}, 'security_groups[0].rules[0].group', "'nosuch'"),
    ({'security_groups': [{'name': 'web', 'rules': [{'ports': 22, 'cidr_ip': '0.0.0.0/0'}]}]},
     'security_groups[0].rules[0].cidr_ip', 'allow_ssh_from_anywhere'),
    ({'security_groups': [{'name': 'web', 'rules': [{'ports': '0-1024', 'cidr_ipv6': '::/0'}]}]},
     'security_groups[0].rules[0].cidr_ipv6', 'SSH'),
    ({'security_groups': [{'name': 'web', 'rules': [{'proto': 'all', 'cidr_ip': '0.0.0.0/0'}]}]},
     'security_groups[0].rules[0].cidr_ip', 'SSH'),
    ({'security_groups': [{'name': 'web', 'allow_ssh_from_anywhere': 'maybe', 'rules': []}]},
     'security_groups[0].allow_ssh_from_anywhere', 'true or false'),
    ({'security_groups': [{'rules': []}]}, 'security_groups[0].name', 'needs a name'),
    ({'name': 'bad name!'}, 'name', 'stack name'),
    ({'cidr_block': None}, 'cidr_block', 'required'),
])
def test_bad_spec_fails_before_any_change(aws, run_module, calls, changes, field, words):
    result = run_module(network.main, spec(**changes))
    assert result['failed'] is True, result
    assert result['field'] == field, result['msg']
    assert words in result['msg'], result['msg']
    assert mutating(calls) == []


def test_unknown_zone_fails_before_any_change(aws, run_module, calls):
    result = run_module(network.main, spec(availability_zones=['us-east-1a', 'us-east-1q']))
    assert result['failed'] and result['field'] == 'availability_zones[1]' and 'us-east-1q' in result['msg']
    assert mutating(calls) == []


def test_absent_refuses_while_instances_run(aws, run_module):
    net = run_module(network.main, spec())
    image = aws.describe_images(Owners=[DEBIAN_OWNER])['Images'][0]['ImageId']
    inst = aws.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=net['subnets']['public'][0]['id'])['Instances'][0]
    result = run_module(network.main, {'name': 'demo', 'state': 'absent'})
    assert result['failed'] and inst['InstanceId'] in result['msg']
    assert len(stack_resources(aws)['vpcs']) == 1


@pytest.mark.parametrize('owner', ['demo', 'demo-2', None])
def test_absent_in_check_mode_plans_past_the_stacks_own_instances(aws, run_module, calls, monkeypatch, owner):
    """teardown.yml plans every delete in check mode before it deletes anything: the instances of the stack are still
    running then (the plan's instance task terminates them first), so a check run warns and plans the network's removal;
    an instance of another stack (or of none) in the VPC is nobody's plan to terminate, and is refused in check mode too."""
    from ansible.module_utils import basic
    warned = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, msg: warned.append(msg))
    net = run_module(network.main, spec())
    image = aws.describe_images(Owners=[DEBIAN_OWNER])['Images'][0]['ImageId']
    tags = [{'ResourceType': 'instance', 'Tags': [{'Key': 'Stack', 'Value': owner}]}] if owner else []
    inst = aws.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=net['subnets']['public'][0]['id'],
                             TagSpecifications=tags)['Instances'][0]
    del calls[:]
    plan = run_module(network.main, {'name': 'demo', 'state': 'absent'}, check_mode=True)
    if owner == 'demo':
        assert not plan.get('failed') and plan['changed'], plan
        assert any(inst['InstanceId'] in w and 'not in check mode refuses' in w for w in warned), warned
    else:
        assert plan['failed'] and inst['InstanceId'] in plan['msg'], plan
    assert mutating(calls) == []
    assert len(stack_resources(aws)['vpcs']) == 1
    real = run_module(network.main, {'name': 'demo', 'state': 'absent'})
    assert real['failed'] and inst['InstanceId'] in real['msg']
