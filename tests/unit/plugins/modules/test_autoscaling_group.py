"""autoscaling_group in-process against moto (as emulator.fidelity patches it): made with its sizes, subnets, launch
template, target group, health check and tags, its instances waited for; check mode and diff; a rerun that reads only;
an option left out unchanged; tags purged and their propagation; target groups attached and detached; an instance refresh
when the version the group launches changes, waited for, and its failure named; a wait that times out naming the
instances not ready; absent (sizes to 0, then delete; or ForceDelete) and absent again; another stack's group, template
or subnet refused before any change; bad input refused before any call.

The instance refresh and each instance's launched version are the emulator's (emulator.autoscaling, which patch_moto
applies in-process); a refresh that fails is AWS's answer set by ``refresh_outcome`` (below), the emulator's refreshes
having no health check to fail them."""
import boto3
import pytest

from ansible_collections.seed.laravel_aws.plugins.module_utils import waiters
from ansible_collections.seed.laravel_aws.plugins.modules import autoscaling_group

from ...conftest import REGION, mutating
from emulator.amis import DEBIAN_OWNER  # two images: moto's thousands of Amazon ones take seconds to list

STACK = [{'Key': 'Stack', 'Value': 'demo'}]


@pytest.fixture(autouse=True)
def instant(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(waiters, 'CLOCK', lambda: now[0])
    monkeypatch.setattr(waiters, 'SLEEP', lambda s: now.__setitem__(0, now[0] + s))
    return now


@pytest.fixture
def refresh_outcome(monkeypatch):
    """A refresh that fails, as AWS answers one (the emulator's refreshes succeed: no health check of its fails them):
    DescribeInstanceRefreshes answers the newest refresh with ``outcome`` (status, reason) once it is set."""
    from moto.autoscaling import responses
    outcome = {}
    describe = responses.AutoScalingResponse.describe_instance_refreshes

    def failing(self):
        answer = describe(self)
        listed = answer.result['InstanceRefreshes']
        if outcome and listed:
            listed[0].update(Status=outcome['status'], StatusReason=outcome['reason'])
        return answer
    monkeypatch.setattr(responses.AutoScalingResponse, 'describe_instance_refreshes', failing)
    return outcome


@pytest.fixture
def net(aws):
    ami = sorted(aws.describe_images(Owners=[DEBIAN_OWNER])['Images'], key=lambda i: i['ImageId'])[0]['ImageId']
    vpc = aws.create_vpc(CidrBlock='10.20.0.0/16')['Vpc']['VpcId']
    subnets = [aws.create_subnet(VpcId=vpc, CidrBlock='10.20.%d.0/24' % i, AvailabilityZone=REGION + zone, TagSpecifications=[
        {'ResourceType': 'subnet', 'Tags': STACK}])['Subnet']['SubnetId'] for i, zone in ((10, 'a'), (11, 'b'))]
    template = aws.create_launch_template(LaunchTemplateName='demo-web', LaunchTemplateData={'ImageId': ami, 'InstanceType': 't3.micro'},
                                          TagSpecifications=[{'ResourceType': 'launch-template', 'Tags': STACK}])['LaunchTemplate']
    elb = boto3.client('elbv2', region_name=REGION)
    tg = elb.create_target_group(Name='demo-web', Protocol='HTTP', Port=80, VpcId=vpc, TargetType='instance',
                                 Tags=STACK)['TargetGroups'][0]['TargetGroupArn']
    return {'ami': ami, 'vpc': vpc, 'subnets': sorted(subnets), 'template': template['LaunchTemplateId'], 'tg': tg, 'elb': elb,
            'asg': boto3.client('autoscaling', region_name=REGION)}


def args(net, **more):
    return dict({'name': 'demo-web', 'stack': 'demo', 'min_size': 1, 'max_size': 3, 'desired_capacity': 2, 'subnets': net['subnets'],
                 'launch_template': {'name': 'demo-web', 'version': '$Latest'}, 'target_group_arns': [net['tg']],
                 'health_check_type': 'ELB', 'health_check_grace_period': 120, 'tags': {'Role': 'web'}}, **more)


def group(net, name='demo-web'):
    found = net['asg'].describe_auto_scaling_groups(AutoScalingGroupNames=[name])['AutoScalingGroups']
    return found[0] if found else None


def tags(raw):
    return dict((t['Key'], (t['Value'], t['PropagateAtLaunch'])) for t in raw['Tags'])


def test_made_as_asked_and_a_rerun_changes_nothing(run_module, calls, net):
    plan = run_module(autoscaling_group.main, args(net), check_mode=True, diff=True)
    assert plan['changed'] and mutating(calls) == [] and group(net) is None, plan
    assert plan['diff']['before'] == {} and plan['autoscaling_group']['desired_capacity'] == 2
    del calls[:]
    made = run_module(autoscaling_group.main, args(net), diff=True)
    assert made['changed'] and mutating(calls) == ['create_auto_scaling_group'], (made, calls)
    raw = group(net)
    assert (raw['MinSize'], raw['MaxSize'], raw['DesiredCapacity']) == (1, 3, 2)
    assert sorted(raw['VPCZoneIdentifier'].split(',')) == net['subnets'] and raw['TargetGroupARNs'] == [net['tg']]
    assert raw['LaunchTemplate'] == {'LaunchTemplateId': net['template'], 'LaunchTemplateName': 'demo-web', 'Version': '$Latest'}
    assert (raw['HealthCheckType'], raw['HealthCheckGracePeriod']) == ('ELB', 120)
    assert tags(raw) == {'Role': ('web', True), 'Stack': ('demo', True)}
    view = made['autoscaling_group']
    assert [i['lifecycle_state'] for i in view['instances']] == ['InService', 'InService']
    assert view['propagate_at_launch'] == ['Role', 'Stack'] and made['diff']['after']['subnets'] == net['subnets']
    healthy = net['elb'].describe_target_health(TargetGroupArn=net['tg'])['TargetHealthDescriptions']
    assert sorted(h['Target']['Id'] for h in healthy) == sorted(i['id'] for i in view['instances'])
    del calls[:]
    again = run_module(autoscaling_group.main, args(net), diff=True)
    assert again['changed'] is False and mutating(calls) == [] and again['autoscaling_group'] == view


def test_an_option_left_out_is_left_as_it_is(run_module, calls, net):
    run_module(autoscaling_group.main, args(net))
    del calls[:]
    plan = run_module(autoscaling_group.main, {'name': 'demo-web', 'stack': 'demo', 'desired_capacity': 3}, check_mode=True, diff=True)
    assert plan['changed'] and mutating(calls) == [] and group(net)['DesiredCapacity'] == 2
    assert (plan['diff']['before']['desired_capacity'], plan['diff']['after']['desired_capacity']) == (2, 3)
    out = run_module(autoscaling_group.main, {'name': 'demo-web', 'stack': 'demo', 'desired_capacity': 3})
    assert out['changed'] and mutating(calls) == ['update_auto_scaling_group'] and len(out['autoscaling_group']['instances']) == 3
    raw = group(net)
    assert (raw['MinSize'], raw['MaxSize'], raw['DesiredCapacity'], raw['HealthCheckGracePeriod']) == (1, 3, 3, 120)
    assert tags(raw) == {'Role': ('web', True), 'Stack': ('demo', True)} and raw['TargetGroupARNs'] == [net['tg']]


def test_tags_purged_their_propagation_and_target_groups_detached(run_module, calls, net):
    run_module(autoscaling_group.main, args(net, tags={'Role': 'web', 'Owner': 'ops'}))
    del calls[:]
    out = run_module(autoscaling_group.main, args(net, tags={'Role': 'app'}, propagate_at_launch=False, target_group_arns=[]))
    assert out['changed'] and mutating(calls) == ['detach_load_balancer_target_groups', 'delete_tags', 'create_or_update_tags']
    raw = group(net)
    assert tags(raw) == {'Role': ('app', False), 'Stack': ('demo', False)} and raw['TargetGroupARNs'] == []
    assert out['autoscaling_group']['propagate_at_launch'] == [] and out['autoscaling_group']['tags'] == {'Role': 'app', 'Stack': 'demo'}
    del calls[:]
    kept = run_module(autoscaling_group.main, args(net, tags={'Tier': 'front'}, purge_tags=False, target_group_arns=[net['tg']]))
    assert kept['changed'] and mutating(calls) == ['attach_load_balancer_target_groups', 'create_or_update_tags']
    assert tags(group(net)) == {'Role': ('app', False), 'Stack': ('demo', False), 'Tier': ('front', True)}
    del calls[:]
    assert run_module(autoscaling_group.main, {'name': 'demo-web', 'stack': 'demo'})['changed'] is False and mutating(calls) == []


def test_a_new_version_is_rolled_out_by_an_instance_refresh(run_module, calls, net):
    made = run_module(autoscaling_group.main, args(net, instance_refresh={'min_healthy_percentage': 50}))
    first = sorted(i['id'] for i in made['autoscaling_group']['instances'])
    boto3.client('ec2', region_name=REGION).create_launch_template_version(
        LaunchTemplateId=net['template'], SourceVersion='1', LaunchTemplateData={'InstanceType': 't3.small'})
    del calls[:]
    plan = run_module(autoscaling_group.main, args(net, instance_refresh={'min_healthy_percentage': 50}), check_mode=True, diff=True)
    assert plan['changed'] and mutating(calls) == [] and plan['diff']['after']['instance_refresh']['id'] is None
    out = run_module(autoscaling_group.main, args(net, instance_refresh={'min_healthy_percentage': 50}))
    assert out['changed'] and mutating(calls) == ['start_instance_refresh'], calls
    assert out['autoscaling_group']['instance_refresh']['status'] == 'Successful'
    started = net['asg'].describe_instance_refreshes(AutoScalingGroupName='demo-web')['InstanceRefreshes'][0]
    assert started['Status'] == 'Successful' and started['InstanceRefreshId'] == out['autoscaling_group']['instance_refresh']['id']
    assert started['Preferences']['MinHealthyPercentage'] == 50 and started['Preferences']['SkipMatching'] is True
    now = out['autoscaling_group']['instances']
    assert [i['launch_template_version'] for i in now] == ['2', '2'] and not set(first) & set(i['id'] for i in now)
    del calls[:]
    again = run_module(autoscaling_group.main, args(net, instance_refresh={'min_healthy_percentage': 50}))
    assert again['changed'] is False and mutating(calls) == []
    # a version by number: the group is updated, then refreshed back to version 1
    back = run_module(autoscaling_group.main, args(net, launch_template={'id': net['template'], 'version': '1'}, instance_refresh={}))
    assert back['changed'] and mutating(calls) == ['update_auto_scaling_group', 'start_instance_refresh']
    assert [i['launch_template_version'] for i in back['autoscaling_group']['instances']] == ['1', '1']
    assert group(net)['LaunchTemplate']['Version'] == '1'


@pytest.mark.parametrize('status', ['Failed', 'Cancelled'])
def test_a_refresh_that_fails_stops_the_wait_naming_its_reason(run_module, calls, net, refresh_outcome, status):
    run_module(autoscaling_group.main, args(net))
    boto3.client('ec2', region_name=REGION).create_launch_template_version(
        LaunchTemplateId=net['template'], SourceVersion='1', LaunchTemplateData={'InstanceType': 't3.small'})
    reason = 'Instance i-0123456789abcdef0 failed its ELB health check while replacing instances'
    refresh_outcome.update(status=status, reason=reason)
    del calls[:]
    out = run_module(autoscaling_group.main, args(net, instance_refresh={}))
    assert out['failed'] and out['changed'] and mutating(calls) == ['start_instance_refresh']
    assert 'it is %s: %s' % (status, reason) in out['msg'] and 'StartInstanceRefresh demo-web' in out['msg'], out['msg']


def test_a_timeout_names_the_instances_not_ready(run_module, calls, net, instant):
    from moto.autoscaling.models import autoscaling_backends
    from moto.core import DEFAULT_ACCOUNT_ID
    run_module(autoscaling_group.main, args(net))
    late = autoscaling_backends[DEFAULT_ACCOUNT_ID][REGION].autoscaling_groups['demo-web'].instance_states[0]
    late.lifecycle_state = 'Pending'
    del calls[:]
    out = run_module(autoscaling_group.main, args(net, wait_timeout=60))
    assert out['failed'] and not out.get('changed') and mutating(calls) == []
    assert 'timed out after 60' in out['msg'] and '1 of 2 instances InService and healthy' in out['msg']
    assert 'not ready: %s (Pending, Healthy)' % late.instance.id in out['msg'] and 60 <= instant[0] <= 80, out['msg']
    assert not run_module(autoscaling_group.main, args(net, wait=False)).get('failed')


def test_absent_sizes_to_zero_then_deletes_and_again_changes_nothing(run_module, calls, net):
    made = run_module(autoscaling_group.main, args(net))
    ids = [i['id'] for i in made['autoscaling_group']['instances']]
    del calls[:]
    plan = run_module(autoscaling_group.main, {'name': 'demo-web', 'stack': 'demo', 'state': 'absent'}, check_mode=True)
    assert plan['changed'] and mutating(calls) == [] and group(net) is not None
    gone = run_module(autoscaling_group.main, {'name': 'demo-web', 'stack': 'demo', 'state': 'absent'}, diff=True)
    assert gone['changed'] and gone['autoscaling_group'] == {} and gone['diff']['before']['name'] == 'demo-web'
    assert mutating(calls) == ['update_auto_scaling_group', 'delete_auto_scaling_group'] and group(net) is None
    states = [i['State']['Name'] for r in boto3.client('ec2', region_name=REGION).describe_instances(InstanceIds=ids)['Reservations']
              for i in r['Instances']]
    assert states == ['terminated', 'terminated']
    del calls[:]
    again = run_module(autoscaling_group.main, {'name': 'demo-web', 'stack': 'demo', 'state': 'absent'})
    assert again['changed'] is False and mutating(calls) == []


def test_force_delete_deletes_at_once(run_module, net, monkeypatch):
    from ansible_collections.seed.laravel_aws.plugins.module_utils import retries
    run_module(autoscaling_group.main, args(net))
    sent = []
    call = retries.RetryingClient.call

    def spy(self, operation, method, kwargs, retry_lost_answer=None):
        sent.append((operation, kwargs))
        return call(self, operation, method, kwargs, retry_lost_answer)
    monkeypatch.setattr(retries.RetryingClient, 'call', spy)
    out = run_module(autoscaling_group.main, {'name': 'demo-web', 'stack': 'demo', 'state': 'absent', 'force_delete': True})
    assert out['changed'] and [(o, k) for o, k in sent if not o.startswith('describe_')] == [
        ('delete_auto_scaling_group', {'AutoScalingGroupName': 'demo-web', 'ForceDelete': True})] and group(net) is None


@pytest.mark.parametrize('state', ['present', 'absent'])
def test_another_stacks_group_is_refused_before_any_change(run_module, calls, net, state):
    net['asg'].create_auto_scaling_group(AutoScalingGroupName='demo-web', MinSize=0, MaxSize=1, VPCZoneIdentifier=net['subnets'][0],
                                         LaunchTemplate={'LaunchTemplateId': net['template']},
                                         Tags=[{'Key': 'Stack', 'Value': 'other', 'PropagateAtLaunch': True}])
    del calls[:]
    out = run_module(autoscaling_group.main, args(net, state=state))
    assert out['failed'] and out['field'] == 'stack' and "belongs to stack 'other'" in out['msg'] and mutating(calls) == []
    assert group(net)['MaxSize'] == 1


def test_what_it_names_must_exist_and_be_of_no_other_stack(aws, run_module, calls, net):
    aws.create_launch_template(LaunchTemplateName='other-web', LaunchTemplateData={'ImageId': net['ami']},
                               TagSpecifications=[{'ResourceType': 'launch-template', 'Tags': [{'Key': 'Stack', 'Value': 'other'}]}])
    other = aws.create_subnet(VpcId=net['vpc'], CidrBlock='10.20.12.0/24', TagSpecifications=[
        {'ResourceType': 'subnet', 'Tags': [{'Key': 'Stack', 'Value': 'other'}]}])['Subnet']['SubnetId']
    for bad, field, words in (({'launch_template': {'name': 'other-web'}}, 'launch_template', "belongs to stack 'other'"),
                              ({'launch_template': {'name': 'nope-web'}}, 'launch_template', 'no launch template nope-web'),
                              ({'launch_template': {'name': 'demo-web', 'version': '7'}}, 'launch_template.version', 'versions 1 to 1'),
                              ({'subnets': [other]}, 'subnets', "belongs to stack 'other'"),
                              ({'subnets': ['subnet-0123456789abcdef0']}, 'subnets', 'does not exist')):
        del calls[:]
        out = run_module(autoscaling_group.main, args(net, **bad))
        assert out['failed'] and out['field'] == field and words in out['msg'] and mutating(calls) == [], (bad, out)
    plan = run_module(autoscaling_group.main, args(net, launch_template={'name': 'next-web'}), check_mode=True)  # an earlier task makes it
    assert plan['changed'] and mutating(calls) == [] and plan['autoscaling_group']['launch_template']['name'] == 'next-web'


@pytest.mark.parametrize('bad,field,words', [
    ({'name': 'demo:web'}, 'name', 'no colon'),
    ({'name': 'demo web'}, 'name', 'ASCII character 33 to 126'),
    ({'desired_capacity': 5}, 'desired_capacity', 'desired_capacity 5: refused'),
    ({'min_size': 4}, 'max_size', 'at least the minimum size'),
    ({'min_size': -1}, 'min_size', '0 or more'),
    ({'health_check_grace_period': -1}, 'health_check_grace_period', 'health-check-grace-period.html'),
    ({'launch_template': {'name': 'demo-web', 'id': 'lt-0123456789abcdef0'}}, 'launch_template', 'one of the two'),
    ({'launch_template': {'id': 'web'}}, 'launch_template.id', 'not a launch template id'),
    ({'launch_template': {'name': 'demo-web', 'version': 'latest'}}, 'launch_template.version', '$Latest, $Default or a version'),
    ({'subnets': ['web']}, 'subnets', 'not a subnet id'),
    ({'subnets': []}, 'subnets', 'leave subnets out'),
    ({'target_group_arns': ['demo-web']}, 'target_group_arns', 'not a target group ARN'),
    ({'instance_refresh': {'min_healthy_percentage': 101}}, 'instance_refresh.min_healthy_percentage', 'Value range is 0 to 100'),
    ({'instance_refresh': {'max_healthy_percentage': 150}}, 'instance_refresh', 'must also specify MinHealthyPercentage'),
    ({'instance_refresh': {'min_healthy_percentage': 50, 'max_healthy_percentage': 200}}, 'instance_refresh', 'cannot be greater than 100'),
    ({'tags': {'aws:x': '1'}}, 'tags', 'aws:'),
])
def test_bad_input_is_refused_before_any_call(aws, run_module, calls, bad, field, words):
    del calls[:]
    out = run_module(autoscaling_group.main, dict({'name': 'demo-web', 'min_size': 1, 'max_size': 3}, **bad))
    assert out['failed'] and out['field'] == field and words in out['msg'] and calls == [], (out, calls)


def test_sizes_are_checked_with_the_groups_own(run_module, calls, net):
    run_module(autoscaling_group.main, args(net))
    del calls[:]
    out = run_module(autoscaling_group.main, {'name': 'demo-web', 'desired_capacity': 5})
    assert out['failed'] and out['field'] == 'desired_capacity' and "max_size 3 (the group's)" in out['msg'] and mutating(calls) == []
    assert "https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_UpdateAutoScalingGroup.html" in out['msg']
    new = run_module(autoscaling_group.main, {'name': 'demo-new', 'min_size': 1, 'max_size': 2})
    assert new['failed'] and new['field'] == 'launch_template' and 'a new Auto Scaling group needs' in new['msg'] and mutating(calls) == []
