"""The instances EC2 Auto Scaling launches are data-plane instances like RunInstances' (emulator.asg_dataplane, the seam
emulator.autoscaling calls): a container each, from the launch template's image, at the address EC2 gave it in the
group's subnet, with its version's key and user data and the group's propagated tags; removed when the group terminates
it; its target registrations served by the load balancers' HAProxy; the network's rules computed again; and an instance
the group's health checks find unhealthy replaced.

Driven in-process: moto's server app behind emulator.server's Recorder with the aws profile's hooks, the data plane, the
load balancers' stand-in, the network's rules and the groups' seam, on 127.0.0.1:0, with an injected clock. Docker is a
stand-in that records each call (no container starts); a container's boot is a gate the test opens; HAProxy's checks are
what the test says they are; nft is a list the rulesets are appended to."""
import ipaddress
import os
import threading

import pytest

pytest.importorskip('moto')

import boto3  # noqa: E402  pylint: disable=wrong-import-position

from emulator import amis, profile as profile_mod  # noqa: E402  pylint: disable=wrong-import-position
from .emulator_clock import Clock  # noqa: E402  pylint: disable=wrong-import-position

REGION = 'us-east-1'
PACE = profile_mod.DEFAULT_PACE
PENDING = profile_mod.DURATIONS[('ec2', 'instance', 'pending')] * PACE
SHUTTING_DOWN = profile_mod.DURATIONS[('ec2', 'instance', 'shutting-down')] * PACE
STOPPING = profile_mod.DURATIONS[('ec2', 'instance', 'stopping')] * PACE
REFRESH_PENDING = profile_mod.DURATIONS[('autoscaling', 'instance_refresh', 'pending')] * PACE
GRACE = 60  # seconds of AWS's time: GRACE * PACE in the emulator
DEBIAN12, DEBIAN13 = (amis.image_id(REGION, i['name']) for i in amis.IMAGES)
USER_DATA = '#!/bin/sh\necho hello > /tmp/hello\n'


@pytest.fixture(scope='module')
def served(tmp_path_factory):
    """One emulator for the module, with the data plane's hooks; docker, the boot, HAProxy's socket and nft stood in."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server
    from emulator import asg_dataplane, dataplane, dns, loadbalancer, network, server
    from emulator.fidelity import patch_moto
    patch_moto()
    patches = pytest.MonkeyPatch()
    calls = []
    gate = threading.Event()
    gate.set()

    def docker(*args, **kwargs):  # pylint: disable=unused-argument
        calls.append(args)
        return ''
    patches.setattr(dataplane, 'docker', docker)
    patches.setattr(loadbalancer, 'docker', docker)
    patches.setattr(dataplane.DataPlane, '_wait_booted', staticmethod(lambda entry: gate.wait(30)))
    patches.setattr(loadbalancer.LoadBalancers, '_wait_ready', lambda self, entry, old_worker=None: None)
    patches.setattr(loadbalancer.LoadBalancers, '_command', staticmethod(lambda entry, command, timeout=5: ''))
    patches.setattr(dns, 'mirror_hosts', lambda *args, **kwargs: [])
    state = str(tmp_path_factory.mktemp('dataplane'))
    plane = dataplane.DataPlane(state)
    lbs = loadbalancer.LoadBalancers(plane)
    lbs.stopping.set()  # no poller: the test calls step() with HAProxy's checks as it says
    applied = []
    rules = network.Network(plane, lbs, apply=applied.append, poll=False)
    groups = asg_dataplane.GroupInstances(plane, lbs, rules, poll=False)  # no poller: the test ticks
    recorder = server.Recorder(DomainDispatcherApplication(create_backend_app),
                               hooks=profile_mod.hooks() + [plane, lbs, rules, groups])
    httpd = make_server('127.0.0.1', 0, recorder, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()

    class Served:
        pass
    s = Served()
    s.recorder, s.url, s.calls, s.gate, s.plane, s.lbs, s.applied, s.groups, s.state = (
        recorder, 'http://127.0.0.1:%d' % httpd.server_port, calls, gate, plane, lbs, applied, groups, state)
    yield s
    gate.set()
    httpd.shutdown()
    groups.stop()
    patches.undo()


@pytest.fixture
def emu(served, monkeypatch):
    """A fresh emulator (moto reset), the aws profile with no read lag, an injected clock, clients, and a VPC with a
    subnet in each of two zones, a security group, two key pairs and a launch template (version 1: Debian 12, key k1,
    user data)."""
    import urllib.request
    for key in ('AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_EC2'):
        monkeypatch.delenv(key, raising=False)
    served.recorder.faults.configure({'profile': 'aws', 'lag': 0})
    urllib.request.urlopen(urllib.request.Request(served.url + '/moto-api/reset', method='POST'), timeout=30).read()
    del served.calls[:], served.applied[:]
    served.gate.set()
    clock = Clock()
    served.recorder.faults.profile.clock = clock
    served.lbs.clock = clock  # HAProxy's intervals and the deregistration delay, on the same clock

    def client(service):
        return boto3.client(service, region_name=REGION, endpoint_url=served.url, aws_access_key_id='testing',
                            aws_secret_access_key='testing')
    e = served
    e.clock, e.ec2, e.asg, e.elbv2 = clock, client('ec2'), client('autoscaling'), client('elbv2')
    e.vpc = e.ec2.create_vpc(CidrBlock='10.60.0.0/16')['Vpc']['VpcId']
    e.subnets = [e.ec2.create_subnet(VpcId=e.vpc, CidrBlock='10.60.%d.0/24' % i, AvailabilityZone=REGION + z)['Subnet']['SubnetId']
                 for i, z in enumerate('ab')]
    e.group = e.ec2.create_security_group(GroupName='web', Description='web', VpcId=e.vpc)['GroupId']
    e.other_group = e.ec2.create_security_group(GroupName='web2', Description='web2', VpcId=e.vpc)['GroupId']
    for name in ('k1', 'k2'):
        e.ec2.create_key_pair(KeyName=name)
    import base64
    e.template = e.ec2.create_launch_template(LaunchTemplateName='web', LaunchTemplateData={
        'ImageId': DEBIAN12, 'InstanceType': 't3.micro', 'KeyName': 'k1', 'SecurityGroupIds': [e.group],
        'UserData': base64.b64encode(USER_DATA.encode()).decode()})['LaunchTemplate']['LaunchTemplateId']
    yield e
    served.gate.set()
    booted(e)
    served.recorder.faults.profile.clock = profile_mod.time.monotonic


def booted(emu):
    """Every container boot started so far is over (the stand-in's gate open)."""
    for thread in list(emu.plane.threads):
        thread.join(30)
        assert not thread.is_alive()


def make_group(emu, desired=2, **more):
    params = dict({'AutoScalingGroupName': 'web', 'MinSize': 1, 'MaxSize': 4, 'DesiredCapacity': desired,
                   'VPCZoneIdentifier': ','.join(emu.subnets),
                   'LaunchTemplate': {'LaunchTemplateId': emu.template, 'Version': '$Latest'},
                   'Tags': [{'Key': 'Name', 'Value': 'shop-web', 'PropagateAtLaunch': True},
                            {'Key': 'Stack', 'Value': 'shop', 'PropagateAtLaunch': True}]}, **more)
    emu.asg.create_auto_scaling_group(**params)


def instances(emu):
    """{instance id: (lifecycle state, health status)} of the group."""
    found = emu.asg.describe_auto_scaling_groups(AutoScalingGroupNames=['web'])['AutoScalingGroups']
    return dict((i['InstanceId'], (i['LifecycleState'], i['HealthStatus'])) for i in found[0]['Instances']) if found else {}


def lifecycle(emu):
    return dict((i, s) for i, (s, dummy) in instances(emu).items())


def described(emu, ids):
    return dict((i['InstanceId'], i) for r in emu.ec2.describe_instances(InstanceIds=list(ids))['Reservations']
                for i in r['Instances'])


def containers(emu):
    """{instance id: the arguments of its `docker run`} of every instance container started."""
    out = {}
    for call in emu.calls:
        if call[0] == 'run' and '--name' in call and call[call.index('--name') + 1].startswith('seed-i-'):
            out[call[call.index('--name') + 1][len('seed-'):]] = call
    return out


def removed(emu):
    return [c[2][len('seed-'):] for c in emu.calls if c[:2] == ('rm', '-f') and c[2].startswith('seed-i-')]


def label(run, name):
    return [run[i + 1] for i, a in enumerate(run) if a == '--label' and run[i + 1].startswith(name + '=')][0].split('=', 1)[1]


def metadata(emu, iid, name):
    with open(os.path.join(emu.state, 'instances', iid, name)) as f:
        return f.read()


def public_key(name):
    from emulator.server import ec2_backend
    return ec2_backend(REGION).key_pairs[name].public_key.strip() + '\n'


def members(emu):
    """The instances that the last ruleset applied has chains for (emulator.network: members of their groups)."""
    text = emu.applied[-1]
    return sorted(line.split()[1][len('in_'):].replace('_', '-') for line in text.splitlines()
                  if line.startswith('  chain in_i_'))


def in_service(emu):
    booted(emu)
    emu.clock.advance(PENDING)
    assert set(lifecycle(emu).values()) == {'InService'}


# -- launches ---------------------------------------------------------------------------------------------------------
def test_a_group_of_two_starts_two_containers_as_run_instances_does(emu):
    """Each instance the group launches is a container as RunInstances' are: the launch template's image, the address EC2
    gave it in the group's subnet of its zone, its key pair's public key and user data as the instance reads them, the
    tags the group propagates at launch; a member of its security groups in the network's rules."""
    make_group(emu)
    booted(emu)
    ids = sorted(lifecycle(emu))
    assert len(ids) == 2 and sorted(containers(emu)) == ids
    raw = described(emu, ids)
    subnets = dict((s['SubnetId'], s) for s in emu.ec2.describe_subnets(SubnetIds=emu.subnets)['Subnets'])
    assert sorted(raw[i]['SubnetId'] for i in ids) == sorted(emu.subnets)  # one in each zone
    for iid in ids:
        run = containers(emu)[iid]
        assert run[-2:] == ('seed/ami-debian:12', '/lib/systemd/systemd')
        address = run[run.index('--ip') + 1]
        assert address == raw[iid]['PrivateIpAddress']
        assert ipaddress.ip_address(address) in ipaddress.ip_network(subnets[raw[iid]['SubnetId']]['CidrBlock'])
        assert run[run.index('--network') + 1] == 'seed-%s' % emu.vpc
        assert label(run, 'seed.name') == 'shop-web' and label(run, 'seed.stack') == 'shop'
        assert metadata(emu, iid, 'user-data') == USER_DATA
        assert metadata(emu, iid, 'public-keys') == public_key('k1')
        assert [g['GroupId'] for g in raw[iid]['SecurityGroups']] == [emu.group]
    emu.asg.describe_auto_scaling_groups()  # a request: the network's rules computed again
    assert members(emu) == ids


def test_the_groups_pending_waits_for_the_boot_as_ec2s_does(emu):
    """Pending "until the instance is fully configured" (userguide/ec2-auto-scaling-lifecycle.html): the container's boot
    keeps the EC2 instance pending past its pending time, and with it the group's instance; then InService."""
    emu.gate.clear()
    make_group(emu, desired=1)
    emu.clock.advance(PENDING * 3)
    (iid,) = lifecycle(emu)
    assert lifecycle(emu)[iid] == 'Pending' and described(emu, [iid])[iid]['State']['Name'] == 'pending'
    emu.gate.set()
    booted(emu)
    assert lifecycle(emu)[iid] == 'InService' and described(emu, [iid])[iid]['State']['Name'] == 'running'


def test_the_moto_profile_waits_for_the_boot_too(emu):
    """The moto profile: no time of AWS's, but an instance is pending until its container has booted, as a RunInstances
    instance is."""
    emu.recorder.faults.configure({'profile': 'moto'})
    emu.gate.clear()
    make_group(emu, desired=1)
    (iid,) = lifecycle(emu)
    assert lifecycle(emu)[iid] == 'Pending'
    emu.gate.set()
    booted(emu)
    assert lifecycle(emu)[iid] == 'InService' and containers(emu)[iid][-2] == 'seed/ami-debian:12'


def test_an_instance_runs_with_its_versions_key_and_groups(emu):
    """A group on $Latest launches from the latest version: its key pair and security groups (moto took the template's
    default version's), so the container trusts that version's key and the network's rules make it a member of that
    version's groups."""
    emu.ec2.create_launch_template_version(LaunchTemplateId=emu.template, SourceVersion='1', LaunchTemplateData={
        'ImageId': DEBIAN13, 'KeyName': 'k2', 'SecurityGroupIds': [emu.other_group]})
    make_group(emu, desired=1)
    booted(emu)
    (iid,) = lifecycle(emu)
    raw = described(emu, [iid])[iid]
    assert raw['KeyName'] == 'k2' and [g['GroupId'] for g in raw['SecurityGroups']] == [emu.other_group]
    assert {'Key': 'aws:ec2launchtemplate:version', 'Value': '2'} in raw['Tags']
    assert metadata(emu, iid, 'public-keys') == public_key('k2')
    assert containers(emu)[iid][-2] == 'seed/ami-debian:13'


# -- terminations -----------------------------------------------------------------------------------------------------
def test_scale_in_and_a_termination_in_the_group_remove_their_containers(emu):
    """Scale-in, TerminateInstanceInAutoScalingGroup and ForceDelete terminate instances as TerminateInstances does: their
    containers are removed, and they are no longer members of their groups in the network's rules."""
    make_group(emu)
    in_service(emu)
    ids = sorted(lifecycle(emu))
    emu.asg.update_auto_scaling_group(AutoScalingGroupName='web', DesiredCapacity=1)
    now = lifecycle(emu)
    (gone,) = [i for i in ids if now[i] == 'Terminating']
    (kept,) = [i for i in ids if i != gone]
    assert removed(emu) == [gone] and sorted(emu.plane.instances) == [kept]
    assert members(emu) == [kept]
    emu.clock.advance(SHUTTING_DOWN)
    emu.asg.terminate_instance_in_auto_scaling_group(InstanceId=kept, ShouldDecrementDesiredCapacity=False)
    (new,) = [i for i in lifecycle(emu) if i not in ids]
    booted(emu)
    assert removed(emu) == [gone, kept] and sorted(emu.plane.instances) == [new] and new in containers(emu)
    emu.asg.delete_auto_scaling_group(AutoScalingGroupName='web', ForceDelete=True)
    assert removed(emu) == [gone, kept, new] and emu.plane.instances == {}
    assert members(emu) == []


def test_a_refresh_replaces_the_containers_when_nobody_asks(emu):
    """An instance refresh's replacements are containers of the new version's image, and the instances it replaces lose
    theirs; its batches go on at their time with no request (the data plane's tick), as on AWS."""
    make_group(emu)
    in_service(emu)
    old = sorted(lifecycle(emu))
    emu.ec2.create_launch_template_version(LaunchTemplateId=emu.template, SourceVersion='1',
                                           LaunchTemplateData={'ImageId': DEBIAN13})
    rid = emu.asg.start_instance_refresh(AutoScalingGroupName='web', Preferences={'MinHealthyPercentage': 0})['InstanceRefreshId']
    emu.clock.advance(REFRESH_PENDING)
    emu.groups.tick()  # no request: the poller's tick
    booted(emu)
    new = sorted(i for i in containers(emu) if i not in old)
    assert len(new) == 2 and sorted(removed(emu)) == old
    assert [containers(emu)[i][-2] for i in new] == ['seed/ami-debian:13'] * 2
    assert sorted(emu.plane.instances) == new
    emu.clock.advance(PENDING)
    emu.groups.tick()
    refresh = emu.asg.describe_instance_refreshes(AutoScalingGroupName='web', InstanceRefreshIds=[rid])['InstanceRefreshes'][0]
    assert refresh['Status'] == 'Successful'
    assert sorted(i for i, s in lifecycle(emu).items() if s == 'InService') == new


# -- the load balancer --------------------------------------------------------------------------------------------------
def load_balanced(emu, **more):
    """A target group behind an ALB's listener, and the group in it with ELB health checks and a grace period."""
    tg = emu.elbv2.create_target_group(Name='web', Protocol='HTTP', Port=80, VpcId=emu.vpc, HealthCheckPath='/up',
                                       HealthCheckIntervalSeconds=5, HealthyThresholdCount=2, UnhealthyThresholdCount=2,
                                       )['TargetGroups'][0]['TargetGroupArn']
    lb = emu.elbv2.create_load_balancer(Name='shop', Subnets=emu.subnets)['LoadBalancers'][0]['LoadBalancerArn']
    emu.elbv2.create_listener(LoadBalancerArn=lb, Protocol='HTTP', Port=80, DefaultActions=[{'Type': 'forward', 'TargetGroupArn': tg}])
    make_group(emu, **dict({'TargetGroupARNs': [tg], 'HealthCheckType': 'ELB', 'HealthCheckGracePeriod': GRACE}, **more))
    return tg


def haproxy(emu):
    with open(os.path.join(emu.state, 'alb', 'shop', 'haproxy.cfg')) as f:
        return f.read()


def servers(emu):
    """{server name: its line} of the target group's backend in HAProxy's config."""
    return dict((line.split()[1], line) for line in haproxy(emu).splitlines() if line.startswith('  server '))


def checks(emu, down=()):
    """HAProxy's checks as the test says: every server of the backend up, those of ``down`` failing with a 500."""
    def stat(entry):  # pylint: disable=unused-argument
        out = {}
        for tg_targets in emu.lbs.targets.values():
            for tid in tg_targets:
                out[('tg_web', tid)] = ({'status': 'DOWN', 'check': 'L7STS', 'code': '500', 'rise': 0, 'health': 0} if tid in down
                                        else {'status': 'UP', 'check': 'L7OK', 'code': '200', 'rise': 2, 'health': 3})
        return out
    emu.lbs._servers = stat  # pylint: disable=protected-access
    emu.lbs.step()


def health(emu, tg):
    return dict((d['Target']['Id'], d['TargetHealth']['State'])
                for d in emu.elbv2.describe_target_health(TargetGroupArn=tg)['TargetHealthDescriptions'])


def test_haproxy_serves_the_groups_instances_and_drains_those_it_terminates(emu):
    """The group registers its instances once running: they become servers of the target group's backend with its health
    check, initial (weight 0) until HAProxy's checks pass, as after RegisterTargets; one the group terminates drains for
    the target group's deregistration delay, as after DeregisterTargets."""
    tg = load_balanced(emu)
    booted(emu)
    assert servers(emu) == {}
    emu.clock.advance(PENDING)
    ids = sorted(lifecycle(emu))
    raw = described(emu, ids)
    assert sorted(servers(emu)) == ids
    for iid in ids:
        assert servers(emu)[iid] == '  server %s %s:80 check weight 0' % (iid, raw[iid]['PrivateIpAddress'])
    assert 'http-check send meth GET uri /up' in haproxy(emu) and 'default-server inter 5s rise 2 fall 2' in haproxy(emu)
    assert health(emu, tg) == dict((i, 'initial') for i in ids)
    checks(emu)
    assert health(emu, tg) == dict((i, 'healthy') for i in ids)
    emu.asg.update_auto_scaling_group(AutoScalingGroupName='web', DesiredCapacity=1)
    (gone,) = [i for i, s in lifecycle(emu).items() if s == 'Terminating']
    assert health(emu, tg)[gone] == 'draining' and emu.lbs.targets[tg][gone]['state'] == 'draining'


def test_an_unhealthy_target_after_the_grace_period_is_replaced(emu):
    """HealthCheckType ELB: an InService instance whose target HAProxy finds unhealthy is left alone during the grace
    period, then marked Unhealthy and replaced: terminated (its container removed, its target draining) while a new one
    launches (https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-check-grace-period.html,
    userguide/replace-unhealthy-instance.html)."""
    tg = load_balanced(emu)
    in_service(emu)
    ids = sorted(lifecycle(emu))
    checks(emu)
    victim = ids[0]
    checks(emu, down=[victim])
    assert health(emu, tg)[victim] == 'unhealthy'
    emu.clock.advance(GRACE * PACE - 0.1)
    assert instances(emu) == dict((i, ('InService', 'Healthy')) for i in ids)  # within the grace period
    emu.clock.advance(0.1)
    now = instances(emu)
    assert now[victim] == ('Terminating', 'Unhealthy') and now[ids[1]] == ('InService', 'Healthy')
    (new,) = [i for i in now if i not in ids]
    assert now[new] == ('Pending', 'Healthy')
    assert removed(emu) == [victim]
    booted(emu)
    assert containers(emu)[new][-2] == 'seed/ami-debian:12'
    assert health(emu, tg)[victim] == 'draining'
    emu.clock.advance(PENDING)
    assert lifecycle(emu)[new] == 'InService'
    assert sorted(servers(emu)) == sorted([victim, ids[1], new])  # the victim drains, the new one is initial
    assert health(emu, tg)[new] == 'initial'


def test_an_instance_whose_app_never_comes_up_is_replaced(emu):
    """A target that fails its checks from its registration on is unhealthy after UnhealthyThresholdCount intervals (2 of
    5 s here, emulator.loadbalancer), and the group replaces its instance once the grace period is over."""
    load_balanced(emu)
    in_service(emu)
    ids = sorted(lifecycle(emu))
    checks(emu, down=[ids[0]])
    assert emu.lbs.targets[list(emu.lbs.targets)[0]][ids[0]]['state'] == 'initial'
    emu.clock.advance(5 * 2)
    checks(emu, down=[ids[0]])
    assert instances(emu)[ids[0]] == ('Terminating', 'Unhealthy') and ids[0] in removed(emu)
    assert len(instances(emu)) == 3


def test_an_unhealthy_target_of_a_group_with_ec2_checks_is_left_alone(emu):
    """HealthCheckType EC2 (the default): the load balancer's view does not count
    (https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-checks-overview.html)."""
    tg = load_balanced(emu, HealthCheckType='EC2')
    in_service(emu)
    ids = sorted(lifecycle(emu))
    checks(emu)
    checks(emu, down=ids)
    assert health(emu, tg) == dict((i, 'unhealthy') for i in ids)
    emu.clock.advance(GRACE * PACE * 2)
    assert instances(emu) == dict((i, ('InService', 'Healthy')) for i in ids) and removed(emu) == []


def test_an_instance_stopped_outside_the_group_is_replaced(emu):
    """EC2 health checks: an instance in any state but running is unhealthy and replaced
    (https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-checks-overview.html), with no grace period for them
    (userguide/ec2-auto-scaling-health-checks.html)."""
    make_group(emu, HealthCheckGracePeriod=GRACE)
    in_service(emu)
    ids = sorted(lifecycle(emu))
    victim = ids[0]
    emu.ec2.stop_instances(InstanceIds=[victim])
    assert ('stop', 'seed-%s' % victim) in emu.calls
    now = instances(emu)
    assert now[victim] == ('Terminating', 'Unhealthy')
    (new,) = [i for i in now if i not in ids]
    assert removed(emu) == [victim]
    booted(emu)
    assert new in containers(emu)
    emu.clock.advance(max(PENDING, SHUTTING_DOWN))
    assert sorted(lifecycle(emu).items()) == sorted([(ids[1], 'InService'), (new, 'InService')])


def test_an_instance_terminated_outside_the_group_is_replaced(emu):
    """TerminateInstances of a group's instance: its container removed (the data plane's RunInstances path), the group
    launches a replacement, a container too."""
    make_group(emu)
    in_service(emu)
    ids = sorted(lifecycle(emu))
    emu.ec2.terminate_instances(InstanceIds=[ids[0]])
    booted(emu)
    now = instances(emu)
    assert now[ids[0]] == ('Terminating', 'Unhealthy')
    new = [i for i in now if i not in ids]
    assert len(new) == 1 and new[0] in containers(emu) and removed(emu) == [ids[0]]
    assert sorted(emu.plane.instances) == sorted([ids[1], new[0]])
    emu.clock.advance(max(PENDING, SHUTTING_DOWN))
    assert sorted(lifecycle(emu).items()) == sorted([(ids[1], 'InService'), (new[0], 'InService')])
