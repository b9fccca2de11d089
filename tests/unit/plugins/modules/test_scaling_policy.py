"""scaling_policy in-process against moto (as emulator.fidelity patches it): a target tracking policy made on the CPU of
the stack's Auto Scaling group as asked (DescribePolicies), check mode and diff; a rerun that reads only; a new target
value put with the rest kept; ALBRequestCountPerTarget's resource label made of the load balancer's and the target
group's ARNs, or given; a target group not attached to the group refused; absent, and absent again; a missing group;
another stack's group refused before any change; a policy of another type refused; bad input refused before any call.

moto answers PutScalingPolicy without the PolicyARN and Alarms AWS answers (the policy's ARN is DescribePolicies'), and
makes no CloudWatch alarms: the ``aws_answer`` fixture stands in for AWS there."""
import boto3
import pytest

from ansible_collections.seed.laravel_aws.plugins.modules import scaling_policy

from ...conftest import REGION, mutating

STACK = [{'Key': 'Stack', 'Value': 'demo', 'PropagateAtLaunch': True}]


@pytest.fixture
def net(aws):
    """The stack's Auto Scaling group demo-web (no instances), an Application Load Balancer and its target group
    demo-web attached to the group, and a target group demo-other that is not."""
    vpc = aws.create_vpc(CidrBlock='10.20.0.0/16')['Vpc']['VpcId']
    subnets = [aws.create_subnet(VpcId=vpc, CidrBlock='10.20.%d.0/24' % i, AvailabilityZone=REGION + zone)['Subnet']['SubnetId']
               for i, zone in ((10, 'a'), (11, 'b'))]
    aws.create_launch_template(LaunchTemplateName='demo-web', LaunchTemplateData={'ImageId': 'ami-12345678', 'InstanceType': 't3.micro'})
    elb = boto3.client('elbv2', region_name=REGION)
    lb = elb.create_load_balancer(Name='demo-alb', Subnets=subnets)['LoadBalancers'][0]['LoadBalancerArn']
    tg, other = [elb.create_target_group(Name=name, Protocol='HTTP', Port=80, VpcId=vpc)['TargetGroups'][0]['TargetGroupArn']
                 for name in ('demo-web', 'demo-other')]
    elb.create_listener(LoadBalancerArn=lb, Protocol='HTTP', Port=80, DefaultActions=[{'Type': 'forward', 'TargetGroupArn': tg}])
    asg = boto3.client('autoscaling', region_name=REGION)
    asg.create_auto_scaling_group(AutoScalingGroupName='demo-web', MinSize=0, MaxSize=4, DesiredCapacity=0, VPCZoneIdentifier=subnets[0],
                                  LaunchTemplate={'LaunchTemplateName': 'demo-web'}, TargetGroupARNs=[tg], Tags=STACK)
    return {'lb': lb, 'tg': tg, 'other': other, 'asg': asg, 'subnet': subnets[0],
            'label': '%s/%s' % (lb.split(':loadbalancer/')[1], tg.split(':')[-1])}


@pytest.fixture
def aws_answer(monkeypatch):
    """PutScalingPolicy's answer as AWS's API reference gives it: the policy's ARN and the two alarms AWS made for it."""
    from moto.autoscaling import responses
    from moto.core.responses import ActionResult
    put = responses.AutoScalingResponse.put_scaling_policy

    def answer(self):
        put(self)
        policy = self.autoscaling_backend.policies[self._get_param('PolicyName')]
        alarms = [{'AlarmName': 'TargetTracking-%s-Alarm%s-0123' % (policy.auto_scaling_group_name, kind),
                   'AlarmARN': 'arn:aws:cloudwatch:%s:123456789012:alarm:TargetTracking-%s' % (REGION, kind)} for kind in ('High', 'Low')]
        return ActionResult({'PolicyARN': policy.arn, 'Alarms': alarms})
    monkeypatch.setattr(responses.AutoScalingResponse, 'put_scaling_policy', answer)


def args(**more):
    return dict({'name': 'demo-web-cpu', 'autoscaling_group': 'demo-web', 'stack': 'demo', 'metric': 'ASGAverageCPUUtilization',
                 'target_value': 50, 'estimated_instance_warmup': 120}, **more)


def policies(net, group='demo-web'):
    return dict((p['PolicyName'], p) for p in net['asg'].describe_policies(AutoScalingGroupName=group)['ScalingPolicies'])


def test_made_as_asked_and_a_rerun_changes_nothing(run_module, calls, net):
    plan = run_module(scaling_policy.main, args(), check_mode=True, diff=True)
    assert plan['changed'] and mutating(calls) == [] and policies(net) == {}, plan
    assert plan['diff']['before'] == {} and plan['scaling_policy']['target_value'] == 50.0 and plan['scaling_policy']['arn'] is None
    del calls[:]
    made = run_module(scaling_policy.main, args(), diff=True)
    assert made['changed'] and mutating(calls) == ['put_scaling_policy'], (made, calls)
    raw = policies(net)['demo-web-cpu']
    assert raw['PolicyType'] == 'TargetTrackingScaling' and raw['EstimatedInstanceWarmup'] == 120
    assert raw['TargetTrackingConfiguration'] == {'PredefinedMetricSpecification': {'PredefinedMetricType': 'ASGAverageCPUUtilization'},
                                                  'TargetValue': 50.0, 'DisableScaleIn': False}
    view = made['scaling_policy']
    assert (view['metric'], view['target_value'], view['disable_scale_in'], view['estimated_instance_warmup']) == \
        ('ASGAverageCPUUtilization', 50.0, False, 120)
    assert made['diff']['before'] == {} and made['diff']['after']['name'] == 'demo-web-cpu'
    del calls[:]
    again = run_module(scaling_policy.main, args(), diff=True)
    assert again['changed'] is False and mutating(calls) == [] and calls == ['describe_auto_scaling_groups', 'describe_policies']
    assert again['scaling_policy']['arn'] == raw['PolicyARN'] and again['diff']['before'] == again['diff']['after']


def test_the_view_takes_aws_answer(run_module, net, aws_answer):
    made = run_module(scaling_policy.main, args())
    assert made['scaling_policy']['arn'] == policies(net)['demo-web-cpu']['PolicyARN']
    assert made['scaling_policy']['alarms'] == ['TargetTracking-demo-web-AlarmHigh-0123', 'TargetTracking-demo-web-AlarmLow-0123']


def test_a_new_target_value_is_put_and_the_options_left_out_are_kept(run_module, calls, net):
    run_module(scaling_policy.main, args(disable_scale_in=True))
    del calls[:]
    plan = run_module(scaling_policy.main, {'name': 'demo-web-cpu', 'autoscaling_group': 'demo-web', 'stack': 'demo', 'target_value': 60},
                      check_mode=True, diff=True)
    assert plan['changed'] and mutating(calls) == [] and policies(net)['demo-web-cpu']['TargetTrackingConfiguration']['TargetValue'] == 50.0
    assert (plan['diff']['before']['target_value'], plan['diff']['after']['target_value']) == (50.0, 60.0)
    out = run_module(scaling_policy.main, {'name': 'demo-web-cpu', 'autoscaling_group': 'demo-web', 'stack': 'demo', 'target_value': 60})
    assert out['changed'] and mutating(calls) == ['put_scaling_policy']
    raw = policies(net)['demo-web-cpu']
    assert raw['TargetTrackingConfiguration'] == {'PredefinedMetricSpecification': {'PredefinedMetricType': 'ASGAverageCPUUtilization'},
                                                  'TargetValue': 60.0, 'DisableScaleIn': True}
    assert raw['EstimatedInstanceWarmup'] == 120 and out['scaling_policy']['arn'] == raw['PolicyARN']
    del calls[:]
    assert run_module(scaling_policy.main, args(target_value=60.0, disable_scale_in=True))['changed'] is False and mutating(calls) == []


def test_requests_per_target_name_their_target_group_by_its_label(run_module, calls, net):
    made = run_module(scaling_policy.main, args(name='demo-web-requests', metric='ALBRequestCountPerTarget', target_value=1000,
                                                load_balancer_arn=net['lb'], target_group_arn=net['tg']))
    assert made['changed'] and mutating(calls) == ['put_scaling_policy']
    spec = policies(net)['demo-web-requests']['TargetTrackingConfiguration']['PredefinedMetricSpecification']
    lb_id, tg_id = net['lb'].split('/')[-1], net['tg'].split('/')[-1]
    assert spec == {'PredefinedMetricType': 'ALBRequestCountPerTarget',
                    'ResourceLabel': 'app/demo-alb/%s/targetgroup/demo-web/%s' % (lb_id, tg_id)}
    assert made['scaling_policy']['resource_label'] == net['label']
    del calls[:]
    # the label itself is the same policy; then back to the CPU, the label dropped with its metric
    same = run_module(scaling_policy.main, {'name': 'demo-web-requests', 'autoscaling_group': 'demo-web', 'resource_label': net['label']})
    assert same['changed'] is False and mutating(calls) == []
    cpu = run_module(scaling_policy.main, {'name': 'demo-web-requests', 'autoscaling_group': 'demo-web', 'metric': 'ASGAverageCPUUtilization'})
    assert cpu['changed'] and cpu['scaling_policy']['resource_label'] is None
    assert policies(net)['demo-web-requests']['TargetTrackingConfiguration']['PredefinedMetricSpecification'] == {
        'PredefinedMetricType': 'ASGAverageCPUUtilization'}


def test_a_target_group_not_attached_to_the_group_is_refused(run_module, calls, net):
    out = run_module(scaling_policy.main, args(metric='ALBRequestCountPerTarget', load_balancer_arn=net['lb'], target_group_arn=net['other']))
    assert out['failed'] and out['field'] == 'target_group_arn' and 'targetgroup/demo-other/' in out['msg'], out
    assert 'is not attached to Auto Scaling group demo-web' in out['msg'] and 'API_PredefinedMetricSpecification' in out['msg']
    assert mutating(calls) == [] and policies(net) == {}
    # in check mode an earlier task of the run would attach it: planned
    plan = run_module(scaling_policy.main, args(metric='ALBRequestCountPerTarget', resource_label=net['label'].replace(
        net['tg'].split(':')[-1], net['other'].split(':')[-1])), check_mode=True)
    assert plan['changed'] and not plan.get('failed') and mutating(calls) == []


def test_absent_deletes_and_again_changes_nothing(run_module, calls, net):
    run_module(scaling_policy.main, args())
    del calls[:]
    plan = run_module(scaling_policy.main, {'name': 'demo-web-cpu', 'autoscaling_group': 'demo-web', 'stack': 'demo', 'state': 'absent'},
                      check_mode=True)
    assert plan['changed'] and mutating(calls) == [] and 'demo-web-cpu' in policies(net)
    gone = run_module(scaling_policy.main, {'name': 'demo-web-cpu', 'autoscaling_group': 'demo-web', 'stack': 'demo', 'state': 'absent'},
                      diff=True)
    assert gone['changed'] and gone['scaling_policy'] == {} and gone['diff']['before']['name'] == 'demo-web-cpu'
    assert mutating(calls) == ['delete_policy'] and policies(net) == {}
    del calls[:]
    again = run_module(scaling_policy.main, {'name': 'demo-web-cpu', 'autoscaling_group': 'demo-web', 'stack': 'demo', 'state': 'absent'})
    assert again['changed'] is False and mutating(calls) == []


def test_a_missing_group(run_module, calls, net):
    out = run_module(scaling_policy.main, args(autoscaling_group='demo-gone'))
    assert out['failed'] and out['field'] == 'autoscaling_group' and 'no Auto Scaling group demo-gone' in out['msg']
    plan = run_module(scaling_policy.main, args(autoscaling_group='demo-gone'), check_mode=True)  # an earlier task makes it
    assert plan['changed'] and plan['scaling_policy']['autoscaling_group'] == 'demo-gone'
    gone = run_module(scaling_policy.main, {'name': 'demo-web-cpu', 'autoscaling_group': 'demo-gone', 'state': 'absent'})
    assert gone['changed'] is False and mutating(calls) == []


@pytest.mark.parametrize('state', ['present', 'absent'])
def test_another_stacks_group_is_refused_before_any_change(run_module, calls, net, state):
    net['asg'].create_auto_scaling_group(AutoScalingGroupName='other-web', MinSize=0, MaxSize=1, VPCZoneIdentifier=net['subnet'],
                                         LaunchTemplate={'LaunchTemplateName': 'demo-web'},
                                         Tags=[{'Key': 'Stack', 'Value': 'other', 'PropagateAtLaunch': True}])
    net['asg'].put_scaling_policy(AutoScalingGroupName='other-web', PolicyName='other-web-cpu', PolicyType='TargetTrackingScaling',
                                  TargetTrackingConfiguration={'TargetValue': 70.0, 'PredefinedMetricSpecification': {
                                      'PredefinedMetricType': 'ASGAverageCPUUtilization'}})
    del calls[:]
    out = run_module(scaling_policy.main, args(name='other-web-cpu', autoscaling_group='other-web', state=state))
    assert out['failed'] and out['field'] == 'stack' and "belongs to stack 'other'" in out['msg'] and mutating(calls) == []
    assert policies(net, 'other-web')['other-web-cpu']['TargetTrackingConfiguration']['TargetValue'] == 70.0


def test_a_policy_of_another_type_is_not_converted(run_module, calls, net):
    net['asg'].put_scaling_policy(AutoScalingGroupName='demo-web', PolicyName='demo-web-cpu', PolicyType='SimpleScaling',
                                  AdjustmentType='ChangeInCapacity', ScalingAdjustment=1)
    del calls[:]
    out = run_module(scaling_policy.main, args())
    assert out['failed'] and out['field'] == 'name' and 'is a SimpleScaling policy' in out['msg'] and mutating(calls) == []


@pytest.mark.parametrize('bad,field,words', [
    ({'name': 'p' * 256}, 'name', 'PutScalingPolicy PolicyName'),
    ({'autoscaling_group': 'demo:web'}, 'autoscaling_group', 'no colon'),
    ({'stack': 'demo_web'}, 'stack', 'not a usable stack name'),
    ({'metric': 'ALBRequestCountPerTarget'}, 'metric', 'give load_balancer_arn and target_group_arn (or resource_label)'),
    ({'resource_label': 'app/demo-alb/0123456789abcdef/targetgroup/demo-web/0123456789abcdef'}, 'resource_label',
     'leave resource_label out, or set metric: ALBRequestCountPerTarget'),
    ({'metric': 'ALBRequestCountPerTarget', 'resource_label': 'demo-web'}, 'resource_label', 'app/<load-balancer-name>'),
    ({'metric': 'ALBRequestCountPerTarget', 'load_balancer_arn': 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/'
      'app/demo-alb/0123456789abcdef'}, 'target_group_arn', 'give target_group_arn too'),
    ({'metric': 'ALBRequestCountPerTarget', 'target_group_arn': 'demo-web', 'load_balancer_arn': 'arn:aws:elasticloadbalancing:'
      'us-east-1:123456789012:loadbalancer/app/demo-alb/0123456789abcdef'}, 'target_group_arn', 'not a target group ARN'),
    ({'metric': 'ALBRequestCountPerTarget', 'load_balancer_arn': 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/'
      'net/demo-nlb/0123456789abcdef', 'target_group_arn': 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/'
      'demo-web/0123456789abcdef'}, 'load_balancer_arn', 'not an Application Load Balancer ARN'),
    ({'resource_label': 'x', 'target_group_arn': 'y'}, 'resource_label', 'one of the two'),
    ({'estimated_instance_warmup': -1}, 'estimated_instance_warmup', 'API_PutScalingPolicy.html'),
])
def test_bad_input_is_refused_before_any_call(aws, run_module, calls, bad, field, words):
    del calls[:]
    out = run_module(scaling_policy.main, args(**bad))
    assert out['failed'] and out['field'] == field and words in out['msg'] and calls == [], (out, calls)


def test_a_new_policy_needs_its_metric_and_target(run_module, calls, net):
    for missing in ('metric', 'target_value'):
        out = run_module(scaling_policy.main, dict((k, v) for k, v in args().items() if k != missing))
        assert out['failed'] and out['field'] == missing and 'a new scaling policy needs it' in out['msg'] and mutating(calls) == []
