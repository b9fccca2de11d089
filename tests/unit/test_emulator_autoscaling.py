"""EC2 Auto Scaling in the emulator as AWS behaves (emulator.autoscaling): instance refreshes (moto has none), each
instance's own launch template version, Pending and Terminating instances, DeleteAutoScalingGroup's refusals and
ForceDelete's "Delete in progress", CreateAutoScalingGroup's defaults, and sizes judged with the group's own. Driven
through an in-process emulator (moto's server app behind emulator.server's Recorder with the aws profile's hooks, on
127.0.0.1:0) with an injected clock, so no test sleeps; the moto profile keeps everything instant."""
import threading

import pytest

pytest.importorskip('moto')

import boto3  # noqa: E402  pylint: disable=wrong-import-position
from botocore.exceptions import ClientError  # noqa: E402  pylint: disable=wrong-import-position

from emulator import amis, profile as profile_mod  # noqa: E402  pylint: disable=wrong-import-position
from .emulator_clock import Clock  # noqa: E402  pylint: disable=wrong-import-position

REGION = 'us-east-1'
PACE = profile_mod.DEFAULT_PACE
PENDING = profile_mod.DURATIONS[('ec2', 'instance', 'pending')] * PACE
SHUTTING_DOWN = profile_mod.DURATIONS[('ec2', 'instance', 'shutting-down')] * PACE
REFRESH_PENDING = profile_mod.DURATIONS[('autoscaling', 'instance_refresh', 'pending')] * PACE
WARMUP = 60  # seconds of AWS's time, given as InstanceWarmup: WARMUP * PACE in the emulator


@pytest.fixture(scope='module')
def served():
    """One emulator for the module: moto's server app behind the Recorder with the aws profile's hooks, on 127.0.0.1:0."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server
    from emulator import server
    from emulator.fidelity import patch_moto
    patch_moto()
    recorder = server.Recorder(DomainDispatcherApplication(create_backend_app), hooks=profile_mod.hooks())
    httpd = make_server('127.0.0.1', 0, recorder, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield recorder, 'http://127.0.0.1:%d' % httpd.server_port
    httpd.shutdown()


@pytest.fixture
def emu(served, monkeypatch):
    """A fresh emulator (moto reset), the aws profile at the default pace with no read lag, an injected clock, clients,
    and a VPC with a subnet in each of two zones, a security group and a launch template (version 1)."""
    import urllib.request
    recorder, url = served
    for key in ('AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_EC2'):
        monkeypatch.delenv(key, raising=False)
    recorder.faults.configure({'profile': 'aws', 'lag': 0})
    urllib.request.urlopen(urllib.request.Request(url + '/moto-api/reset', method='POST'), timeout=30).read()
    clock = Clock()
    recorder.faults.profile.clock = clock

    def client(service):
        return boto3.client(service, region_name=REGION, endpoint_url=url, aws_access_key_id='testing',
                            aws_secret_access_key='testing')

    class Emu:
        pass
    e = Emu()
    e.recorder, e.clock, e.ec2, e.asg, e.elbv2 = recorder, clock, client('ec2'), client('autoscaling'), client('elbv2')
    e.vpc = e.ec2.create_vpc(CidrBlock='10.50.0.0/16')['Vpc']['VpcId']
    e.subnets = [e.ec2.create_subnet(VpcId=e.vpc, CidrBlock='10.50.%d.0/24' % i, AvailabilityZone=REGION + z)['Subnet']['SubnetId']
                 for i, z in enumerate('ab')]
    e.group = e.ec2.create_security_group(GroupName='web', Description='web', VpcId=e.vpc)['GroupId']
    e.template = e.ec2.create_launch_template(LaunchTemplateName='web', LaunchTemplateData={
        'ImageId': amis.image_id(REGION, amis.IMAGES[0]['name']), 'InstanceType': 't3.micro',
        'SecurityGroupIds': [e.group]})['LaunchTemplate']['LaunchTemplateId']
    yield e
    recorder.faults.profile.clock = profile_mod.time.monotonic


def make_group(emu, name='web', desired=2, version='$Latest', **more):
    params = dict({'AutoScalingGroupName': name, 'MinSize': 1, 'MaxSize': 4, 'DesiredCapacity': desired,
                   'VPCZoneIdentifier': ','.join(emu.subnets),
                   'LaunchTemplate': {'LaunchTemplateId': emu.template, 'Version': version}}, **more)
    emu.asg.create_auto_scaling_group(**params)
    return name


def group_of(emu, name='web'):
    found = emu.asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])['AutoScalingGroups']
    return found[0] if found else None


def states(emu, name='web'):
    """{instance id: lifecycle state} of the group."""
    return dict((i['InstanceId'], i['LifecycleState']) for i in group_of(emu, name)['Instances'])


def ec2_state(emu, iid):
    return emu.ec2.describe_instances(InstanceIds=[iid])['Reservations'][0]['Instances'][0]['State']['Name']


def new_version(emu):
    return emu.ec2.create_launch_template_version(LaunchTemplateId=emu.template, SourceVersion='1',
                                                  LaunchTemplateData={'InstanceType': 't3.small'})


def refresh_of(emu, rid, name='web'):
    return emu.asg.describe_instance_refreshes(AutoScalingGroupName=name, InstanceRefreshIds=[rid])['InstanceRefreshes'][0]


def code_of(caught):
    return caught.value.response['Error']['Code'], caught.value.response['Error']['Message']


def in_service(emu, name='web'):
    emu.clock.advance(PENDING)
    assert set(states(emu, name).values()) == {'InService'}


# -- the instances' lifecycle --------------------------------------------------------------------------------------
def test_instances_are_pending_then_in_service_spread_over_the_zones(emu):
    """"These instances start in the Pending state ... When each instance is fully configured and passes the Amazon EC2
    health checks, it is attached to the Auto Scaling group and it enters the InService state"
    (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html), as long as the EC2 instance
    is pending; instances are distributed evenly over the group's zones, each in its zone's subnet
    (https://docs.aws.amazon.com/autoscaling/ec2/userguide/auto-scaling-benefits.html, "Instance distribution")."""
    make_group(emu)
    raw = group_of(emu)
    assert [(i['LifecycleState'], i['HealthStatus']) for i in raw['Instances']] == [('Pending', 'Healthy')] * 2
    ids = sorted(states(emu))
    assert [ec2_state(emu, i) for i in ids] == ['pending', 'pending']
    described = dict((i['InstanceId'], i) for r in emu.ec2.describe_instances(InstanceIds=ids)['Reservations'] for i in r['Instances'])
    assert sorted(d['Placement']['AvailabilityZone'] for d in described.values()) == [REGION + 'a', REGION + 'b']
    assert sorted(d['SubnetId'] for d in described.values()) == sorted(emu.subnets)
    assert sorted(i['AvailabilityZone'] for i in raw['Instances']) == [REGION + 'a', REGION + 'b']
    # a Pending instance counts toward the desired capacity: a change meanwhile launches none more
    emu.asg.update_auto_scaling_group(AutoScalingGroupName='web', HealthCheckGracePeriod=30)
    assert sorted(states(emu)) == ids
    emu.clock.advance(PENDING - 0.1)
    assert set(states(emu).values()) == {'Pending'}
    emu.clock.advance(0.1)
    assert set(states(emu).values()) == {'InService'} and [ec2_state(emu, i) for i in ids] == ['running', 'running']
    details = emu.asg.describe_auto_scaling_instances(InstanceIds=ids)['AutoScalingInstances']
    assert [d['LifecycleState'] for d in details] == ['InService', 'InService']


def test_each_instance_reports_the_version_it_was_launched_from(emu):
    """An instance keeps the configuration it was launched with ("Existing instances continue to run with the
    configuration that they were originally launched with",
    https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_UpdateAutoScalingGroup.html), and its LaunchTemplate says
    which version that is; moto answered the template's default version for every instance."""
    make_group(emu, desired=1)
    in_service(emu)
    new_version(emu)
    emu.asg.update_auto_scaling_group(AutoScalingGroupName='web', DesiredCapacity=2)
    raw = group_of(emu)
    assert raw['LaunchTemplate'] == {'LaunchTemplateId': emu.template, 'LaunchTemplateName': 'web', 'Version': '$Latest'}
    versions = sorted((i['LaunchTemplate']['Version'], i['LifecycleState']) for i in raw['Instances'])
    assert versions == [('1', 'InService'), ('2', 'Pending')]
    # the default version is still 1: moto would have said 1 for both
    assert emu.ec2.describe_launch_templates(LaunchTemplateIds=[emu.template])['LaunchTemplates'][0]['DefaultVersionNumber'] == 1
    details = emu.asg.describe_auto_scaling_instances()['AutoScalingInstances']
    assert sorted(d['LaunchTemplate']['Version'] for d in details) == ['1', '2']


def test_an_instance_joins_its_target_groups_once_running_and_leaves_them_terminating(emu):
    """Scale out: the instance is registered with the load balancer before it is marked InService, once its EC2 instance
    runs (ELBv2 refuses a target that is not running); scale in: it is deregistered, then Terminating until its EC2
    instance is terminated (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html);
    meanwhile it holds its subnet
    (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-deleting.html)."""
    tg = emu.elbv2.create_target_group(Name='web', Protocol='HTTP', Port=80, VpcId=emu.vpc)['TargetGroups'][0]['TargetGroupArn']
    make_group(emu, TargetGroupARNs=[tg])
    assert emu.elbv2.describe_target_health(TargetGroupArn=tg)['TargetHealthDescriptions'] == []  # registered once running
    in_service(emu)
    registered = emu.elbv2.describe_target_health(TargetGroupArn=tg)['TargetHealthDescriptions']
    assert sorted(t['Target']['Id'] for t in registered) == sorted(states(emu))
    emu.asg.update_auto_scaling_group(AutoScalingGroupName='web', MinSize=0, DesiredCapacity=0)
    raw = group_of(emu)
    assert raw['DesiredCapacity'] == 0 and [i['LifecycleState'] for i in raw['Instances']] == ['Terminating'] * 2
    assert emu.elbv2.describe_target_health(TargetGroupArn=tg)['TargetHealthDescriptions'] == []
    ids = [i['InstanceId'] for i in raw['Instances']]
    assert [ec2_state(emu, i) for i in ids] == ['shutting-down'] * 2
    for subnet in emu.subnets:
        with pytest.raises(ClientError) as refused:
            emu.ec2.delete_subnet(SubnetId=subnet)
        assert code_of(refused)[0] == 'DependencyViolation'
    emu.clock.advance(SHUTTING_DOWN)
    assert group_of(emu)['Instances'] == [] and [ec2_state(emu, i) for i in ids] == ['terminated'] * 2
    emu.ec2.delete_subnet(SubnetId=emu.subnets[0])


def test_an_instance_terminated_in_its_group_is_terminating_and_replaced(emu):
    """TerminateInstanceInAutoScalingGroup without decrementing: the instance is Terminating while it shuts down and a
    replacement is launched (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_TerminateInstanceInAutoScalingGroup.html);
    moto detached it first, so it was never Terminating in the group."""
    make_group(emu)
    in_service(emu)
    victim = sorted(states(emu))[0]
    emu.asg.terminate_instance_in_auto_scaling_group(InstanceId=victim, ShouldDecrementDesiredCapacity=False)
    now = states(emu)
    assert now[victim] == 'Terminating' and sorted(now.values()) == ['InService', 'Pending', 'Terminating']
    emu.clock.advance(max(PENDING, SHUTTING_DOWN))
    now = states(emu)
    assert victim not in now and sorted(now.values()) == ['InService', 'InService']


# -- deleting a group -----------------------------------------------------------------------------------------------
def test_a_group_with_instances_or_activities_is_not_deleted_without_force(emu):
    """"If the group has instances or scaling activities in progress, you must specify the option to force the deletion
    in order for it to succeed" (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DeleteAutoScalingGroup.html,
    Errors: ResourceInUse, ScalingActivityInProgress); moto deleted it."""
    make_group(emu)
    with pytest.raises(ClientError) as refused:
        emu.asg.delete_auto_scaling_group(AutoScalingGroupName='web')
    assert code_of(refused) == ('ResourceInUse', 'You cannot delete an AutoScalingGroup while there are instances or pending '
                                'Spot instance request(s) still in the group.')
    in_service(emu)
    emu.asg.update_auto_scaling_group(AutoScalingGroupName='web', MinSize=0, MaxSize=0, DesiredCapacity=0)
    with pytest.raises(ClientError) as refused:
        emu.asg.delete_auto_scaling_group(AutoScalingGroupName='web')
    assert code_of(refused) == ('ScalingActivityInProgress', 'You cannot delete an AutoScalingGroup while there are scaling '
                                'activities in progress for that group.')
    emu.clock.advance(SHUTTING_DOWN)
    emu.asg.delete_auto_scaling_group(AutoScalingGroupName='web')
    assert group_of(emu) is None


def test_force_delete_terminates_the_instances_and_the_group_is_delete_in_progress_until_they_are_gone(emu):
    """ForceDelete: "The force delete operation will also terminate the EC2 instances" (API_DeleteAutoScalingGroup); the
    group shows Status "Delete in progress" (API_AutoScalingGroup) until it is gone, and is not modified meanwhile
    ("The AutoScaling group may not be modified while it is pending delete")."""
    make_group(emu)
    in_service(emu)
    ids = sorted(states(emu))
    emu.asg.delete_auto_scaling_group(AutoScalingGroupName='web', ForceDelete=True)
    raw = group_of(emu)
    assert raw['Status'] == 'Delete in progress' and set(states(emu).values()) == {'Terminating'}
    assert [ec2_state(emu, i) for i in ids] == ['shutting-down'] * 2
    with pytest.raises(ClientError) as refused:
        emu.asg.update_auto_scaling_group(AutoScalingGroupName='web', MaxSize=5)
    assert code_of(refused) == ('ValidationError', 'The AutoScaling group may not be modified while it is pending delete')
    with pytest.raises(ClientError) as refused:
        make_group(emu)
    assert code_of(refused)[0] == 'AlreadyExists'
    emu.clock.advance(SHUTTING_DOWN - 0.1)
    assert group_of(emu)['Status'] == 'Delete in progress'
    emu.clock.advance(0.1)
    assert group_of(emu) is None and [ec2_state(emu, i) for i in ids] == ['terminated'] * 2
    make_group(emu)  # the name is free again


# -- CreateAutoScalingGroup -----------------------------------------------------------------------------------------
@pytest.mark.parametrize('given,stored', [(None, 0), (0, 0), (120, 120)])
def test_the_health_check_grace_period_is_0_unless_given(emu, given, stored):
    """CreateAutoScalingGroup's HealthCheckGracePeriod: "Default: 0 seconds"
    (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CreateAutoScalingGroup.html; "Its default value is 0
    seconds when you create an Auto Scaling group using the AWS CLI or an SDK",
    https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-check-grace-period.html); moto stored 300 for an absent or
    a 0 value."""
    make_group(emu, **({} if given is None else {'HealthCheckGracePeriod': given}))
    assert group_of(emu)['HealthCheckGracePeriod'] == stored


def test_a_taken_name_is_already_exists(emu):
    """AlreadyExists (API_CreateAutoScalingGroup, Errors); moto replaced the group and its instances' group."""
    make_group(emu, desired=1)
    with pytest.raises(ClientError) as refused:
        make_group(emu, desired=2)
    assert code_of(refused) == ('AlreadyExists', 'AutoScalingGroup by this name already exists - A group with the name web '
                                'already exists')
    assert group_of(emu)['DesiredCapacity'] == 1


# -- sizes ------------------------------------------------------------------------------------------------------------
def test_sizes_are_judged_with_the_groups_own(emu):
    """The desired capacity "must be greater than or equal to the minimum size of the group and less than or equal to the
    maximum size of the group" (API_UpdateAutoScalingGroup), judged with the group's sizes where the request leaves them
    out; moto took a DesiredCapacity of 5 in a group of at most 4, and a MaxSize below the MinSize."""
    make_group(emu)  # 1..4, 2
    for params, words in (({'DesiredCapacity': 5}, 'Desired capacity:5 must be between the specified min size:1 and max size:4'),
                          ({'DesiredCapacity': 0}, 'Desired capacity:0 must be between the specified min size:1 and max size:4'),
                          ({'MinSize': 2, 'DesiredCapacity': 5}, 'Desired capacity:5 must be between the specified min size:2 and '
                                                                 'max size:4'),
                          ({'MaxSize': 0}, 'Max bound, 0, must be greater than or equal to min bound, 1'),
                          ({'MinSize': 5}, 'Max bound, 4, must be greater than or equal to min bound, 5')):
        with pytest.raises(ClientError) as refused:
            emu.asg.update_auto_scaling_group(AutoScalingGroupName='web', **params)
        assert code_of(refused) == ('ValidationError', words), params
    with pytest.raises(ClientError) as refused:
        emu.asg.set_desired_capacity(AutoScalingGroupName='web', DesiredCapacity=5)
    assert code_of(refused) == ('ValidationError', 'New SetDesiredCapacity value 5 is above max value 4 for the AutoScalingGroup.')
    raw = group_of(emu)
    assert (raw['MinSize'], raw['MaxSize'], raw['DesiredCapacity'], len(raw['Instances'])) == (1, 4, 2, 2)


def test_a_new_max_below_the_desired_capacity_lowers_it_and_a_new_min_above_raises_it(emu):
    """"If you specify a new value for MaxSize without specifying a value for DesiredCapacity, and the new MaxSize is
    smaller than the current size of the group, this sets the group's DesiredCapacity to the new MaxSize value", and a
    MinSize larger likewise (API_UpdateAutoScalingGroup). moto compared with its count of instances: with one in Standby
    (out of the desired capacity, still in the group) a MinSize of 2 left the desired capacity at 1, below it."""
    make_group(emu, desired=3)
    in_service(emu)
    emu.asg.update_auto_scaling_group(AutoScalingGroupName='web', MaxSize=2)
    raw = group_of(emu)
    assert (raw['MaxSize'], raw['DesiredCapacity']) == (2, 2)
    assert sorted(states(emu).values()) == ['InService', 'InService', 'Terminating']
    emu.clock.advance(SHUTTING_DOWN)
    standby = sorted(states(emu))[0]
    emu.asg.enter_standby(AutoScalingGroupName='web', InstanceIds=[standby], ShouldDecrementDesiredCapacity=True)
    assert group_of(emu)['DesiredCapacity'] == 1 and len(states(emu)) == 2
    emu.asg.update_auto_scaling_group(AutoScalingGroupName='web', MinSize=2)
    raw = group_of(emu)
    assert (raw['MinSize'], raw['DesiredCapacity']) == (2, 2)
    assert sorted(states(emu).values()) == ['InService', 'Pending', 'Standby']


# -- instance refresh -----------------------------------------------------------------------------------------------
def test_a_refresh_replaces_the_instances_of_another_version_batch_by_batch(emu):
    """StartInstanceRefresh (moto has none): Pending, then InProgress; with MinHealthyPercentage 50 of 2 instances one is
    replaced at a time (terminated and launched together); an instance counts as updated once its replacement is InService
    and warmed up (PercentageComplete, InstancesToUpdate); then Successful
    (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StartInstanceRefresh.html, API_InstanceRefresh.html,
    API_RefreshPreferences.html). A second refresh meanwhile is refused, InstanceRefreshInProgress."""
    make_group(emu)
    in_service(emu)
    old = sorted(states(emu))
    new_version(emu)
    rid = emu.asg.start_instance_refresh(AutoScalingGroupName='web', Preferences={
        'MinHealthyPercentage': 50, 'InstanceWarmup': WARMUP, 'SkipMatching': True})['InstanceRefreshId']
    refresh = refresh_of(emu, rid)
    assert (refresh['Status'], refresh['PercentageComplete'], refresh['InstancesToUpdate']) == ('Pending', 0, 2)
    assert refresh['Strategy'] == 'Rolling' and refresh['Preferences']['MinHealthyPercentage'] == 50
    with pytest.raises(ClientError) as refused:
        emu.asg.start_instance_refresh(AutoScalingGroupName='web')
    assert code_of(refused) == ('InstanceRefreshInProgress', 'An Instance Refresh is already in progress and blocks the execution '
                                'of this Instance Refresh.')
    emu.clock.advance(REFRESH_PENDING)
    assert refresh_of(emu, rid)['Status'] == 'InProgress'
    now = states(emu)
    first = [i for i in now if i not in old]
    assert len(first) == 1 and now[first[0]] == 'Pending'
    assert sorted(now[i] for i in old) == ['InService', 'Terminating']  # one at a time: 1 of 2 kept in service
    emu.clock.advance(PENDING)
    refresh = refresh_of(emu, rid)
    assert states(emu)[first[0]] == 'InService' and refresh['PercentageComplete'] == 0
    assert refresh['StatusReason'] == ('Waiting for instances to warm up before continuing. For example: %s is warming up.'
                                       % first[0])
    emu.clock.advance(WARMUP * PACE)
    refresh = refresh_of(emu, rid)
    assert (refresh['Status'], refresh['PercentageComplete'], refresh['InstancesToUpdate']) == ('InProgress', 50, 1)
    now = states(emu)
    assert sorted(now[i] for i in old if i in now) == ['Terminating']  # the second old one, now being replaced
    emu.clock.advance(PENDING + WARMUP * PACE)
    refresh = refresh_of(emu, rid)
    assert (refresh['Status'], refresh['PercentageComplete'], refresh['InstancesToUpdate']) == ('Successful', 100, 0)
    assert refresh['EndTime'] > refresh['StartTime']
    raw = group_of(emu)
    live = [i for i in raw['Instances'] if i['LifecycleState'] == 'InService']
    assert len(live) == 2 and not set(i['InstanceId'] for i in live) & set(old)
    assert [i['LaunchTemplate']['Version'] for i in live] == ['2', '2']
    # a second refresh is taken now; with skip matching it has nothing to replace
    rid2 = emu.asg.start_instance_refresh(AutoScalingGroupName='web', Preferences={'SkipMatching': True})['InstanceRefreshId']
    assert refresh_of(emu, rid2)['InstancesToUpdate'] == 0
    emu.clock.advance(REFRESH_PENDING)
    assert refresh_of(emu, rid2)['Status'] == 'Successful'
    listed = emu.asg.describe_instance_refreshes(AutoScalingGroupName='web')['InstanceRefreshes']
    assert [r['InstanceRefreshId'] for r in listed] == [rid2, rid]


def test_the_batches_are_replayed_at_their_own_times_when_nobody_looks(emu):
    """The refresh is AWS's whether it is polled or not: one read after the whole time finds it Successful, the old
    instances shut down as long as their own time says."""
    make_group(emu)
    in_service(emu)
    old = sorted(states(emu))
    new_version(emu)
    rid = emu.asg.start_instance_refresh(AutoScalingGroupName='web', Preferences={
        'MinHealthyPercentage': 50, 'InstanceWarmup': WARMUP, 'SkipMatching': True})['InstanceRefreshId']
    emu.clock.advance(REFRESH_PENDING + 2 * (PENDING + WARMUP * PACE) + SHUTTING_DOWN)
    refresh = refresh_of(emu, rid)
    assert (refresh['Status'], refresh['PercentageComplete']) == ('Successful', 100)
    assert sorted(states(emu).values()) == ['InService', 'InService'] and not set(states(emu)) & set(old)
    assert [ec2_state(emu, i) for i in old] == ['terminated', 'terminated']


def test_without_skip_matching_every_instance_is_replaced(emu):
    """SkipMatching is false unless given: every instance is replaced, even those on the group's version
    (https://docs.aws.amazon.com/autoscaling/ec2/userguide/understand-instance-refresh-default-values.html); with it only
    those that don't match (userguide/asg-instance-refresh-skip-matching.html). MinHealthyPercentage 0 replaces all at once."""
    make_group(emu)
    in_service(emu)
    old = sorted(states(emu))
    rid = emu.asg.start_instance_refresh(AutoScalingGroupName='web', Preferences={'SkipMatching': True})['InstanceRefreshId']
    assert refresh_of(emu, rid)['InstancesToUpdate'] == 0
    emu.clock.advance(REFRESH_PENDING)
    assert refresh_of(emu, rid)['Status'] == 'Successful' and sorted(states(emu)) == old
    rid = emu.asg.start_instance_refresh(AutoScalingGroupName='web', Preferences={'MinHealthyPercentage': 0})['InstanceRefreshId']
    assert refresh_of(emu, rid)['InstancesToUpdate'] == 2
    emu.clock.advance(REFRESH_PENDING)
    now = states(emu)
    assert sorted(now[i] for i in old) == ['Terminating', 'Terminating']
    assert sorted(v for i, v in now.items() if i not in old) == ['Pending', 'Pending']
    emu.clock.advance(PENDING)  # no warmup: the grace period, 0 by default
    assert refresh_of(emu, rid)['Status'] == 'Successful'


def test_a_max_healthy_percentage_above_100_launches_before_terminating(emu):
    """MinHealthyPercentage 100 and MaxHealthyPercentage 200: the replacements are launched first and the old instances
    terminated once they are InService (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_InstanceMaintenancePolicy.html:
    "the maximum percentage of the group that can be in service and healthy, or pending")."""
    make_group(emu)
    in_service(emu)
    old = sorted(states(emu))
    new_version(emu)
    rid = emu.asg.start_instance_refresh(AutoScalingGroupName='web', Preferences={
        'MinHealthyPercentage': 100, 'MaxHealthyPercentage': 200, 'SkipMatching': True})['InstanceRefreshId']
    emu.clock.advance(REFRESH_PENDING)
    now = states(emu)
    assert [now[i] for i in old] == ['InService', 'InService'] and sorted(now.values()).count('Pending') == 2
    emu.clock.advance(PENDING)
    now = states(emu)
    assert [now[i] for i in old] == ['Terminating', 'Terminating'] and refresh_of(emu, rid)['Status'] == 'Successful'


def test_a_cancelled_refresh_finishes_the_replacement_under_way_and_starts_no_other(emu):
    """CancelInstanceRefresh: Cancelling, then Cancelled; "Cancellation does not roll back any replacements that have
    already been completed, but it prevents new replacements from being started" (API_InstanceRefresh, Status;
    https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CancelInstanceRefresh.html); without a refresh under way,
    ActiveInstanceRefreshNotFound."""
    make_group(emu)
    in_service(emu)
    old = sorted(states(emu))
    new_version(emu)
    rid = emu.asg.start_instance_refresh(AutoScalingGroupName='web', Preferences={
        'MinHealthyPercentage': 50, 'SkipMatching': True})['InstanceRefreshId']
    emu.clock.advance(REFRESH_PENDING)
    assert emu.asg.cancel_instance_refresh(AutoScalingGroupName='web')['InstanceRefreshId'] == rid
    assert refresh_of(emu, rid)['Status'] == 'Cancelling'
    emu.clock.advance(PENDING)
    refresh = refresh_of(emu, rid)
    assert refresh['Status'] == 'Cancelled' and 'EndTime' in refresh
    emu.clock.advance(SHUTTING_DOWN)
    now = states(emu)
    assert len(now) == 2 and len(set(now) & set(old)) == 1 and set(now.values()) == {'InService'}
    with pytest.raises(ClientError) as refused:
        emu.asg.cancel_instance_refresh(AutoScalingGroupName='web')
    assert code_of(refused)[0] == 'ActiveInstanceRefreshNotFound'


def test_a_group_under_refresh_is_not_deleted_without_force(emu):
    """A refresh is a scaling activity: DeleteAutoScalingGroup without ForceDelete is refused while it runs
    (API_DeleteAutoScalingGroup), and a group being deleted takes no refresh."""
    make_group(emu, desired=1, MinSize=0)
    in_service(emu)
    emu.asg.update_auto_scaling_group(AutoScalingGroupName='web', MinSize=0, DesiredCapacity=0)
    emu.clock.advance(SHUTTING_DOWN)
    emu.asg.start_instance_refresh(AutoScalingGroupName='web')
    with pytest.raises(ClientError) as refused:
        emu.asg.delete_auto_scaling_group(AutoScalingGroupName='web')
    assert code_of(refused)[0] == 'ScalingActivityInProgress'
    emu.clock.advance(REFRESH_PENDING)
    emu.asg.delete_auto_scaling_group(AutoScalingGroupName='web')
    assert group_of(emu) is None


# -- the moto profile ---------------------------------------------------------------------------------------------
def test_the_moto_profile_keeps_it_instant_and_lenient(emu):
    """The moto profile: instances InService at once, a refresh Successful at its first read, a group deleted at once
    (with its instances, as moto does); what moto lacked (the refresh, each instance's version, the defaults) stays."""
    emu.recorder.faults.configure({'profile': 'moto'})
    make_group(emu)
    assert set(states(emu).values()) == {'InService'} and group_of(emu)['HealthCheckGracePeriod'] == 0
    old = sorted(states(emu))
    new_version(emu)
    rid = emu.asg.start_instance_refresh(AutoScalingGroupName='web', Preferences={'SkipMatching': True})['InstanceRefreshId']
    assert refresh_of(emu, rid)['Status'] == 'Successful'
    raw = group_of(emu)
    assert [i['LaunchTemplate']['Version'] for i in raw['Instances']] == ['2', '2']
    assert not set(i['InstanceId'] for i in raw['Instances']) & set(old)
    emu.asg.delete_auto_scaling_group(AutoScalingGroupName='web')
    assert group_of(emu) is None


def test_switching_to_the_moto_profile_ends_every_walk(emu):
    """A test that switches the profile at run time finds every group, refresh and instance in its final state."""
    make_group(emu)
    in_service(emu)
    new_version(emu)
    rid = emu.asg.start_instance_refresh(AutoScalingGroupName='web', Preferences={'SkipMatching': True})['InstanceRefreshId']
    make_group(emu, name='gone')
    emu.asg.delete_auto_scaling_group(AutoScalingGroupName='gone', ForceDelete=True)
    assert group_of(emu, 'gone')['Status'] == 'Delete in progress'
    emu.recorder.faults.configure({'profile': 'moto'})
    assert refresh_of(emu, rid)['Status'] == 'Successful' and group_of(emu, 'gone') is None
    raw = group_of(emu)
    assert [(i['LifecycleState'], i['LaunchTemplate']['Version']) for i in raw['Instances']] == [('InService', '2')] * 2


# -- health checks and replacements ---------------------------------------------------------------------------------
def test_an_instance_stopped_or_terminated_outside_the_group_is_unhealthy_and_replaced(emu):
    """EC2 health checks: "If the instance is in any Amazon EC2 state other than running ... Amazon EC2 Auto Scaling
    considers the instance to be unhealthy and replaces it" (https://docs.aws.amazon.com/autoscaling/ec2/userguide/
    health-checks-overview.html), with no grace period for them (userguide/ec2-auto-scaling-health-checks.html); the
    instance is Terminating, HealthStatus Unhealthy, while its replacement launches (userguide/replace-unhealthy-instance.html).
    moto never replaced an instance terminated through EC2's API here, and ignored a stopped one."""
    make_group(emu, HealthCheckGracePeriod=300)
    in_service(emu)
    stopped, terminated = sorted(states(emu))
    emu.ec2.stop_instances(InstanceIds=[stopped])
    emu.ec2.terminate_instances(InstanceIds=[terminated])
    raw = dict((i['InstanceId'], (i['LifecycleState'], i['HealthStatus'])) for i in group_of(emu)['Instances'])
    assert raw[stopped] == raw[terminated] == ('Terminating', 'Unhealthy')
    new = [i for i in raw if i not in (stopped, terminated)]
    assert sorted(raw[i] for i in new) == [('Pending', 'Healthy')] * 2
    emu.clock.advance(max(PENDING, SHUTTING_DOWN))
    assert states(emu) == dict((i, 'InService') for i in new)
    assert group_of(emu)['DesiredCapacity'] == 2


class UnhealthyTargets:
    """A data plane (emulator.autoscaling.Plane) whose load balancer finds the given instances unhealthy."""

    def __init__(self):
        self.down, self.told = set(), []

    def launched(self, region, instances):
        self.told.append(('launched', sorted(i.id for i in instances)))

    def terminated(self, region, instance_ids):
        self.told.append(('terminated', sorted(instance_ids)))

    def targets_changed(self, region):
        self.told.append(('targets',))

    def target_health(self, region, target_group_arn, instance_id):
        return 'unhealthy' if instance_id in self.down else 'healthy'


@pytest.fixture
def plane():
    from emulator import autoscaling
    found = UnhealthyTargets()
    autoscaling.attach(found)
    yield found
    autoscaling.detach(found)


@pytest.mark.parametrize('check', ['ELB', 'EC2'])
def test_an_unhealthy_target_is_replaced_after_the_grace_period_with_elb_checks(emu, plane, check):
    """HealthCheckType ELB: an InService instance the load balancer reports unhealthy is marked Unhealthy and replaced once
    the grace period since it came into service is over ("The grace period prevents Amazon EC2 Auto Scaling from marking
    your newly launched instances Unhealthy ... after they enter the InService state",
    https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-check-grace-period.html); with EC2 checks (the default)
    the load balancer's view does not count. The data plane attached to emulator.autoscaling is told of each launch,
    termination and target change."""
    tg = emu.elbv2.create_target_group(Name='web', Protocol='HTTP', Port=80, VpcId=emu.vpc)['TargetGroups'][0]['TargetGroupArn']
    make_group(emu, TargetGroupARNs=[tg], HealthCheckType=check, HealthCheckGracePeriod=WARMUP)
    ids = sorted(states(emu))
    assert plane.told == [('launched', ids)]
    in_service(emu)
    assert ('targets',) in plane.told
    plane.down.add(ids[0])
    emu.clock.advance(WARMUP * PACE - 0.1)  # the grace period runs from InService
    assert states(emu) == dict((i, 'InService') for i in ids)
    emu.clock.advance(0.1)
    raw = dict((i['InstanceId'], (i['LifecycleState'], i['HealthStatus'])) for i in group_of(emu)['Instances'])
    if check == 'EC2':
        assert raw == dict((i, ('InService', 'Healthy')) for i in ids)
        return
    assert raw[ids[0]] == ('Terminating', 'Unhealthy') and raw[ids[1]] == ('InService', 'Healthy')
    (new,) = [i for i in raw if i not in ids]
    assert plane.told[-3:] == [('terminated', [ids[0]]), ('targets',), ('launched', [new])]
    assert [t['Target']['Id'] for t in emu.elbv2.describe_target_health(TargetGroupArn=tg)['TargetHealthDescriptions']] == [ids[1]]


def test_suspended_processes_keep_an_unhealthy_instance(emu, plane):
    """ReplaceUnhealthy suspended: the instance is marked Unhealthy, not replaced; HealthCheck suspended: not even marked
    (https://docs.aws.amazon.com/autoscaling/ec2/userguide/understand-how-suspending-processes-affects-your-group.html)."""
    tg = emu.elbv2.create_target_group(Name='web', Protocol='HTTP', Port=80, VpcId=emu.vpc)['TargetGroups'][0]['TargetGroupArn']
    make_group(emu, desired=1, TargetGroupARNs=[tg], HealthCheckType='ELB')
    in_service(emu)
    (iid,) = states(emu)
    emu.asg.suspend_processes(AutoScalingGroupName='web', ScalingProcesses=['HealthCheck'])
    plane.down.add(iid)
    assert [(i['InstanceId'], i['HealthStatus']) for i in group_of(emu)['Instances']] == [(iid, 'Healthy')]
    emu.asg.suspend_processes(AutoScalingGroupName='web', ScalingProcesses=['ReplaceUnhealthy'])
    emu.asg.resume_processes(AutoScalingGroupName='web', ScalingProcesses=['HealthCheck'])
    assert [(i['InstanceId'], i['LifecycleState'], i['HealthStatus']) for i in group_of(emu)['Instances']] == [
        (iid, 'InService', 'Unhealthy')]
    emu.asg.resume_processes(AutoScalingGroupName='web', ScalingProcesses=['ReplaceUnhealthy'])
    assert states(emu)[iid] == 'Terminating' and len(states(emu)) == 2


def test_a_group_launches_from_its_own_versions_key_and_groups(emu):
    """An instance is launched from the group's launch template version (its KeyName, SecurityGroupIds and tags); moto
    launched every instance with the template's default version's."""
    other = emu.ec2.create_security_group(GroupName='web2', Description='web2', VpcId=emu.vpc)['GroupId']
    emu.ec2.create_key_pair(KeyName='k2')
    emu.ec2.create_launch_template_version(LaunchTemplateId=emu.template, SourceVersion='1',
                                           LaunchTemplateData={'KeyName': 'k2', 'SecurityGroupIds': [other]})
    make_group(emu, desired=1)
    (iid,) = states(emu)
    raw = emu.ec2.describe_instances(InstanceIds=[iid])['Reservations'][0]['Instances'][0]
    assert raw['KeyName'] == 'k2' and [g['GroupId'] for g in raw['SecurityGroups']] == [other]
    assert {'Key': 'aws:ec2launchtemplate:version', 'Value': '2'} in raw['Tags']


def test_an_instance_set_unhealthy_is_replaced(emu):
    """SetInstanceHealth Unhealthy (a custom health check): "mark that particular instance as Unhealthy, which causes Amazon
    EC2 Auto Scaling to immediately replace it" (https://docs.aws.amazon.com/autoscaling/ec2/userguide/
    set-up-a-custom-health-check.html); moto only stored the mark."""
    make_group(emu)
    in_service(emu)
    victim, kept = sorted(states(emu))
    emu.asg.set_instance_health(InstanceId=victim, HealthStatus='Unhealthy', ShouldRespectGracePeriod=False)
    raw = dict((i['InstanceId'], (i['LifecycleState'], i['HealthStatus'])) for i in group_of(emu)['Instances'])
    assert raw[victim] == ('Terminating', 'Unhealthy') and raw[kept] == ('InService', 'Healthy') and len(raw) == 3
