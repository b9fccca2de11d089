"""target in-process against moto: register and wait healthy, deregister and wait drained, rerun, check mode,
diff, bad input; health states injected where moto has only healthy and gone."""
import time

import boto3
import pytest

from ansible_collections.seed.laravel_aws.plugins.module_utils import elbv2, target as target_utils, waiters
from ansible_collections.seed.laravel_aws.plugins.modules import target

from ...conftest import REGION, mutating
from emulator.amis import DEBIAN_OWNER  # two images: moto's thousands of Amazon ones take seconds to list


@pytest.fixture
def group(aws):
    vpc = aws.create_vpc(CidrBlock='10.60.0.0/16')['Vpc']['VpcId']
    subnet = aws.create_subnet(VpcId=vpc, CidrBlock='10.60.0.0/24', AvailabilityZone='us-east-1a')['Subnet']['SubnetId']
    other = aws.create_vpc(CidrBlock='10.70.0.0/16')['Vpc']['VpcId']
    far_subnet = aws.create_subnet(VpcId=other, CidrBlock='10.70.0.0/24')['Subnet']['SubnetId']
    image = aws.describe_images(Owners=[DEBIAN_OWNER])['Images'][0]['ImageId']

    def run(subnet_id, count):
        return sorted(i['InstanceId'] for i in aws.run_instances(ImageId=image, MinCount=count, MaxCount=count,
                                                                 SubnetId=subnet_id)['Instances'])
    elb = boto3.client('elbv2', region_name=REGION)
    tg = elb.create_target_group(Name='demo-web', Protocol='HTTP', Port=80, VpcId=vpc)['TargetGroups'][0]
    return {'elb': elb, 'arn': tg['TargetGroupArn'], 'ids': run(subnet, 2), 'far': run(far_subnet, 1)}


def registered(group):
    return sorted(d['Target']['Id'] for d in group['elb'].describe_target_health(TargetGroupArn=group['arn'])['TargetHealthDescriptions'])


def test_register_rerun_and_deregister(aws, run_module, calls, group):
    args = {'target_group': 'demo-web', 'targets': group['ids']}
    plan = run_module(target.main, args, check_mode=True, diff=True)
    assert plan['changed'] and mutating(calls) == [] and registered(group) == []
    assert [t['id'] for t in plan['diff']['after']['targets']] == group['ids'] and plan['diff']['before']['targets'] == []
    made = run_module(target.main, args, diff=True)
    assert made['changed'] and registered(group) == group['ids']
    assert [(t['id'], t['port'], t['health']) for t in made['targets']] == [(i, 80, 'healthy') for i in group['ids']]
    assert made['target_group']['arn'] == group['arn'] and made['target_group']['name'] == 'demo-web'
    del calls[:]
    again = run_module(target.main, dict(args, target_group=group['arn']))  # by ARN too
    assert again['changed'] is False and mutating(calls) == []
    one = run_module(target.main, {'target_group': 'demo-web', 'targets': group['ids'][:1], 'state': 'absent'}, diff=True)
    assert one['changed'] and registered(group) == group['ids'][1:]
    assert [t['id'] for t in one['diff']['before']['targets']] == group['ids'][:1]
    del calls[:]
    assert run_module(target.main, {'target_group': 'demo-web', 'targets': group['ids'][:1], 'state': 'absent'})['changed'] is False
    assert mutating(calls) == []
    plan = run_module(target.main, dict(args, state='absent'), check_mode=True)
    assert plan['changed'] and registered(group) == group['ids'][1:]


def stub_health(monkeypatch, states):
    """DescribeTargetHealth answers ``states`` ({id: [(state, reason, description), ...]}), one entry per poll
    (the last one repeats); the waits sleep 0.05 s at most between polls."""
    polls = {'n': 0}

    def fake(client, arn):
        n = polls['n']
        polls['n'] += 1
        out = []
        for i, seq in states.items():
            state = seq[min(n, len(seq) - 1)]
            if state is None:
                continue
            out.append({'Target': {'Id': i, 'Port': 80},
                        'TargetHealth': dict({'State': state[0]}, **({'Reason': state[1], 'Description': state[2]} if state[1] else {}))})
        return out
    monkeypatch.setattr(elbv2, 'target_health', fake)
    monkeypatch.setattr(target_utils, 'target_health', fake)
    monkeypatch.setattr(waiters, 'SLEEP', lambda s: time.sleep(min(s, 0.05)))
    return polls


def test_present_waits_until_every_target_is_healthy(aws, run_module, monkeypatch, group):
    a, b = group['ids']
    polls = stub_health(monkeypatch, {a: [None, ('initial', 'Elb.RegistrationInProgress', 'registering'), ('healthy', None, None)],
                                      b: [None, ('initial', 'Elb.InitialHealthChecking', 'checking'), ('initial', 'x', 'y'),
                                          ('healthy', None, None)]})
    made = run_module(target.main, {'target_group': 'demo-web', 'targets': [a, b]})
    assert made['changed'] and [t['health'] for t in made['targets']] == ['healthy', 'healthy']
    assert polls['n'] == 4  # find, then three polls: the last one sees both healthy


def test_a_timeout_names_the_target_and_its_last_reason(aws, run_module, monkeypatch, group):
    a, b = group['ids']
    stub_health(monkeypatch, {a: [('healthy', None, None)],
                              b: [('unhealthy', 'Target.ResponseCodeMismatch', 'Health checks failed with these codes: [500]')]})
    failed = run_module(target.main, {'target_group': 'demo-web', 'targets': [a, b], 'wait_timeout': 1})
    assert failed['failed'] and b in failed['msg'] and 'Target.ResponseCodeMismatch' in failed['msg']
    assert '[500]' in failed['msg'] and '%s is unhealthy' % b in failed['msg'] and '%s is' % a not in failed['msg']


def test_absent_waits_until_draining_is_over(aws, run_module, monkeypatch, group):
    a, b = group['ids']
    group['elb'].register_targets(TargetGroupArn=group['arn'], Targets=[{'Id': a}])
    polls = stub_health(monkeypatch, {a: [('healthy', None, None), ('draining', 'Target.DeregistrationInProgress', 'draining'),
                                          ('unused', 'Target.NotRegistered', 'not registered')],
                                      b: [None]})
    gone = run_module(target.main, {'target_group': 'demo-web', 'targets': [a, b], 'state': 'absent'})
    assert gone.get('changed') and polls['n'] == 3, gone
    stub_health(monkeypatch, {a: [('draining', 'Target.DeregistrationInProgress', 'Target deregistration is in progress')]})
    timeout = run_module(target.main, {'target_group': 'demo-web', 'targets': [a], 'state': 'absent', 'wait_timeout': 1})
    assert timeout['failed'] and '%s is draining' % a in timeout['msg'] and 'Target.DeregistrationInProgress' in timeout['msg']
    assert 'changed' not in timeout or timeout['changed'] is False  # already draining: nothing sent


@pytest.mark.parametrize('args, field, words', [
    ({'target_group': 'w' * 33}, 'target_group', 'maximum of 32 characters'),
    ({'target_group': 'arn:aws:elasticloadbalancing:us-east-1:1:tg'}, 'target_group', 'not a target group ARN'),
    ({'targets': ['web-1']}, 'targets', 'not an instance id'),
    ({'targets': []}, 'targets', 'one or more'),
    ({'port': 70000}, 'port', 'between 1 and 65535'),
])
def test_bad_input_fails_before_any_call(aws, run_module, calls, group, args, field, words):
    full = dict({'target_group': 'demo-web', 'targets': group['ids']}, **args)
    result = run_module(target.main, full)
    assert result['failed'] and result['field'] == field and words in result['msg'], result['msg']
    assert calls == []


def test_a_target_outside_the_vpc_or_a_missing_group_is_refused(aws, run_module, calls, group):
    result = run_module(target.main, {'target_group': 'demo-web', 'targets': group['ids'] + group['far']})
    assert result['failed'] and result['field'] == 'targets' and group['far'][0] in result['msg'] and 'VPC' in result['msg']
    missing = run_module(target.main, {'target_group': 'nope', 'targets': group['ids']})
    assert missing['failed'] and missing['field'] == 'target_group'
    assert mutating(calls) == [] and registered(group) == []


def test_a_missing_target_group_is_an_error_to_register_in_and_nothing_to_leave(aws, run_module, calls, group):
    missing = run_module(target.main, {'target_group': 'gone-web', 'targets': group['ids']})
    assert missing['failed'] and missing['field'] == 'target_group' and 'create it first' in missing['msg']
    del calls[:]
    left = run_module(target.main, {'target_group': 'gone-web', 'targets': group['ids'], 'state': 'absent'})
    assert left['changed'] is False and left['target_group'] is None and left['targets'] == []
    assert mutating(calls) == []


# -- issue 30: a stack registers and deregisters only its own instances, in its own target group ---------------------

def tag(aws, elb, group, owners):
    """Tags the group and each instance: owners = {'group': stack or None, id: stack or None}."""
    for key, stack in owners.items():
        if stack is None:
            continue
        if key == 'group':
            elb.add_tags(ResourceArns=[group['arn']], Tags=[{'Key': 'Stack', 'Value': stack}])
        else:
            aws.create_tags(Resources=[key], Tags=[{'Key': 'Stack', 'Value': stack}])


@pytest.mark.parametrize('owner', ['demo-2', None])
@pytest.mark.parametrize('state', ['present', 'absent'])
def test_another_stacks_target_group_is_refused(aws, run_module, calls, group, owner, state):
    a, b = group['ids']
    tag(aws, group['elb'], group, {'group': owner, a: 'demo', b: 'demo'})
    if state == 'absent':
        group['elb'].register_targets(TargetGroupArn=group['arn'], Targets=[{'Id': a}, {'Id': b}])
    before = registered(group)
    del calls[:]
    refused = run_module(target.main, {'target_group': 'demo-web', 'targets': [a, b], 'stack': 'demo', 'state': state, 'wait': False})
    assert refused.get('failed') and refused['field'] == 'stack', refused
    assert 'target group demo-web' in refused['msg'] and "stack 'demo'" in refused['msg']
    assert ("belongs to stack 'demo-2'" if owner else 'has no Stack tag') in refused['msg']
    assert mutating(calls) == [] and registered(group) == before


@pytest.mark.parametrize('state', ['present', 'absent'])
def test_another_stacks_instances_are_neither_registered_nor_deregistered(aws, run_module, calls, group, state):
    """Every instance the task registers or deregisters must carry the stack's tag: one of stack demo-2 and one of no stack
    are refused, both named, with one DescribeInstances and no change."""
    a, b = group['ids']
    tag(aws, group['elb'], group, {'group': 'demo', a: 'demo-2'})  # b: no Stack tag
    if state == 'absent':
        group['elb'].register_targets(TargetGroupArn=group['arn'], Targets=[{'Id': a}, {'Id': b}])
    before = registered(group)
    del calls[:]
    refused = run_module(target.main, {'target_group': 'demo-web', 'targets': [a, b], 'stack': 'demo', 'state': state, 'wait': False})
    assert refused.get('failed') and refused['field'] == 'targets', refused
    assert "%s (stack 'demo-2')" % a in refused['msg'] and '%s (no Stack tag)' % b in refused['msg'] and "stack 'demo'" in refused['msg']
    assert mutating(calls) == [] and calls.count('describe_instances') == 1 and registered(group) == before


def test_a_stack_registers_and_deregisters_its_own(aws, run_module, calls, group):
    a, b = group['ids']
    tag(aws, group['elb'], group, {'group': 'demo', a: 'demo', b: 'demo'})
    args = {'target_group': 'demo-web', 'targets': [a, b], 'stack': 'demo', 'wait': False}
    assert run_module(target.main, args)['changed'] and registered(group) == [a, b]
    del calls[:]
    assert run_module(target.main, args)['changed'] is False and mutating(calls) == []
    assert 'describe_instances' in calls  # the VPC check, as without a stack
    assert run_module(target.main, dict(args, state='absent'))['changed'] and registered(group) == []
    del calls[:]
    assert run_module(target.main, dict(args, state='absent'))['changed'] is False
    assert 'describe_instances' not in calls and mutating(calls) == []  # nothing to deregister: no instance read
    assert run_module(target.main, dict(args, stack='Demo'))['field'] == 'stack'
