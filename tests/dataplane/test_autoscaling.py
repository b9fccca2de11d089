"""An Auto Scaling group's instances on the emulator's data plane (emulator/asg_dataplane.py), against the running demo.

Run with the demo's environment (.cache/demo/env.sh: AWS_ENDPOINT_URL, the proxy), as tests/dataplane/test_load_balancer.py
is: a launch template of the demo's web image, key and security group, whose user data serves /up on port 80 (a
transient systemd unit); a group of two in the demo's web subnets behind a new ALB (the demo's load balancer group), with
ELB health checks. Each instance the group launches must be a container (the template's image, at the address EC2 gave
it), become a healthy target by HAProxy's own checks and answer through the load balancer; one whose server is stopped
must become unhealthy, be replaced by the group and lose its container; a scale-in must remove a container. Everything
it makes is deleted at the end, so the demo's teardown finds the stack as site.yml left it. scripts/e2e.sh runs it (step 7d).
"""
import base64
import json
import os
import subprocess
import urllib.request

import pytest

from demo_helpers import STATE, until as until_, web_hosts  # noqa: E402  pylint: disable=wrong-import-position
NAME = 'dp-asg'
USER_DATA = '''#!/bin/sh
set -e
mkdir -p /srv/dp-asg
echo ok > /srv/dp-asg/up
systemd-run --unit=dp-asg-up --property=Restart=no /usr/bin/python3 -m http.server 80 --directory /srv/dp-asg
'''


def until(what, check, timeout=240):
    return until_(what, check, timeout=timeout, every=1)


def dataplane():
    """The emulator's view of its containers (GET /_seed/dataplane), asked directly, not through the demo's proxy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(os.environ['AWS_ENDPOINT_URL'].rstrip('/') + '/_seed/dataplane', timeout=30) as resp:
        return json.load(resp)


def containers():
    """{instance id: its data plane entry} of the instances that have a container."""
    return dict((e['id'], e) for e in dataplane().get('instances', []))


def image_of(container):
    proc = subprocess.run(['docker', 'inspect', '-f', '{{.Config.Image}}', container], capture_output=True, text=True,
                          check=False, timeout=30)
    return proc.stdout.strip() if proc.returncode == 0 else None


def get(url, timeout=10):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({'http': os.environ['http_proxy']}))
    try:
        with opener.open(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@pytest.fixture
def made():
    import boto3
    assert os.environ.get('AWS_ENDPOINT_URL') and os.path.isdir(STATE), \
        'needs the running demo and its environment: make demo; eval "$(make -s demo-env)"'
    clients = dict((s, boto3.client(s, region_name='us-east-1')) for s in ('ec2', 'elbv2', 'autoscaling'))
    ec2 = clients['ec2']
    vpc = ec2.describe_vpcs(Filters=[{'Name': 'tag:Stack', 'Values': ['demo']}])['Vpcs'][0]['VpcId']
    webs = web_hosts(ec2)
    assert webs, 'the demo has no running web host'
    public = ec2.describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [vpc]}, {'Name': 'map-public-ip-on-launch', 'Values': ['true']}])
    alb_group = ec2.describe_security_groups(Filters=[{'Name': 'vpc-id', 'Values': [vpc]}, {'Name': 'group-name', 'Values': ['demo-alb']}])
    out = dict(clients, vpc=vpc, web=webs[0], web_subnets=sorted(set(w['SubnetId'] for w in webs)),
               public_subnets=[s['SubnetId'] for s in public['Subnets']],
               alb_groups=[g['GroupId'] for g in alb_group['SecurityGroups']])
    yield out
    asg, elbv2 = clients['autoscaling'], clients['elbv2']
    if out.get('group'):
        asg.delete_auto_scaling_group(AutoScalingGroupName=NAME, ForceDelete=True)
        until('the group deleted', lambda: not asg.describe_auto_scaling_groups(AutoScalingGroupNames=[NAME])['AutoScalingGroups'])
    if out.get('lb'):
        for listener in elbv2.describe_listeners(LoadBalancerArn=out['lb'])['Listeners']:
            elbv2.delete_listener(ListenerArn=listener['ListenerArn'])
        elbv2.delete_load_balancer(LoadBalancerArn=out['lb'])
    if out.get('tg'):
        elbv2.delete_target_group(TargetGroupArn=out['tg'])
    if out.get('template'):
        ec2.delete_launch_template(LaunchTemplateId=out['template'])
    gone = set(out.get('seen', ()))
    until('the containers of the group removed', lambda: not gone & set(containers()), timeout=60)


def states(made):
    found = made['autoscaling'].describe_auto_scaling_groups(AutoScalingGroupNames=[NAME])['AutoScalingGroups']
    return dict((i['InstanceId'], (i['LifecycleState'], i['HealthStatus'])) for i in found[0]['Instances']) if found else {}


def health(made):
    return dict((d['Target']['Id'], d['TargetHealth']['State'])
                for d in made['elbv2'].describe_target_health(TargetGroupArn=made['tg'])['TargetHealthDescriptions'])


def in_service(made, count):
    def ready():
        now = states(made)
        live = [i for i, (s, dummy) in now.items() if s == 'InService']
        return live if len(live) == count and len(now) == count else None
    return sorted(until('%d instances InService' % count, ready))


def test_a_groups_instances_are_containers_behind_haproxy_and_an_unhealthy_one_is_replaced(made):
    ec2, elbv2, asg = made['ec2'], made['elbv2'], made['autoscaling']
    web = made['web']
    made['template'] = ec2.create_launch_template(LaunchTemplateName=NAME, LaunchTemplateData={
        'ImageId': web['ImageId'], 'InstanceType': web['InstanceType'], 'KeyName': web['KeyName'],
        'SecurityGroupIds': [g['GroupId'] for g in web['SecurityGroups']],
        'UserData': base64.b64encode(USER_DATA.encode()).decode()})['LaunchTemplate']['LaunchTemplateId']
    made['tg'] = tg = elbv2.create_target_group(
        Name=NAME, Protocol='HTTP', Port=80, VpcId=made['vpc'], HealthCheckPath='/up', HealthCheckIntervalSeconds=5,
        HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2, UnhealthyThresholdCount=2)['TargetGroups'][0]['TargetGroupArn']
    elbv2.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[{'Key': 'deregistration_delay.timeout_seconds', 'Value': '3'}])
    lb = elbv2.create_load_balancer(Name=NAME, Subnets=made['public_subnets'][:2], SecurityGroups=made['alb_groups'])['LoadBalancers'][0]
    made['lb'], dns = lb['LoadBalancerArn'], lb['DNSName']
    elbv2.create_listener(LoadBalancerArn=made['lb'], Protocol='HTTP', Port=80, DefaultActions=[{'Type': 'forward', 'TargetGroupArn': tg}])
    asg.create_auto_scaling_group(
        AutoScalingGroupName=NAME, MinSize=1, MaxSize=3, DesiredCapacity=2, VPCZoneIdentifier=','.join(made['web_subnets']),
        LaunchTemplate={'LaunchTemplateId': made['template'], 'Version': '$Latest'}, TargetGroupARNs=[tg],
        HealthCheckType='ELB', HealthCheckGracePeriod=30, Tags=[{'Key': 'Name', 'Value': NAME, 'PropagateAtLaunch': True}])
    made['group'] = True

    # two containers, each at the address EC2 gave its instance, from the image of the template's ImageId
    ids = in_service(made, 2)
    made['seen'] = set(ids)
    raw = dict((i['InstanceId'], i) for r in ec2.describe_instances(InstanceIds=ids)['Reservations'] for i in r['Instances'])
    running = containers()
    for iid in ids:
        assert running[iid]['state'] == 'running' and running[iid]['private_ip'] == raw[iid]['PrivateIpAddress'], running.get(iid)
        assert running[iid]['name'] == NAME
    images = set(image_of(running[i]['container']) for i in ids)
    assert len(images) == 1 and None not in images, images
    assert image_of(containers()[web['InstanceId']]['container']) in images  # the web host's AMI, the same local image

    # healthy by HAProxy's own checks of /up, and answering through the load balancer
    until('both targets healthy', lambda: health(made) == dict((i, 'healthy') for i in ids), timeout=120)
    status, body = get('http://%s/up' % dns)
    assert (status, body.strip()) == (200, b'ok')

    # a server stopped: its target unhealthy, the group replaces the instance, its container removed
    victim, kept = ids
    subprocess.run(['docker', 'exec', running[victim]['container'], 'systemctl', 'stop', 'dp-asg-up'], check=True, timeout=60)
    until('the victim unhealthy and replaced', lambda: states(made).get(victim, ('gone', 'Unhealthy'))[1] == 'Unhealthy'
          and len(states(made)) >= 2, timeout=120)
    until('the victim\'s container removed', lambda: victim not in containers(), timeout=120)
    now = in_service(made, 2)
    assert kept in now and victim not in now
    (new,) = [i for i in now if i != kept]
    made['seen'].add(new)
    assert new in containers()
    until('the replacement healthy', lambda: health(made).get(new) == 'healthy', timeout=120)

    # scale-in: one container removed
    asg.update_auto_scaling_group(AutoScalingGroupName=NAME, DesiredCapacity=1)
    (left,) = in_service(made, 1)
    (gone,) = [i for i in (kept, new) if i != left]
    until('the scaled-in container removed', lambda: gone not in containers(), timeout=120)
    assert left in containers()
