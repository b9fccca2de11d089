"""CreateImage of a data-plane instance (emulator/images.py), against the running demo.

Run with the demo's environment (.cache/demo/env.sh), as the other tests here are. An instance of the test's own, in a
web subnet from the demo's web image, gets a file on its disk; CreateImage (the default: with a reboot) makes an AMI that
is pending, then available, while the instance reboots and runs again; an instance launched from the AMI has the file,
runs its own user data and has host keys of its own (cloud-init's first boot of a new instance id). Everything it makes
is deleted at the end. scripts/e2e.sh runs it (step 7e)."""
import os
import subprocess
import time

import pytest

from demo_helpers import STATE, until as until_, web_hosts  # noqa: E402  pylint: disable=wrong-import-position
NAME = 'dp-image'
USER_DATA = '#!/bin/sh\necho "$(cat /etc/baked-marker) then launched" > /etc/launched-marker\n'


def until(what, check, timeout=240):
    return until_(what, check, timeout=timeout, every=1)


def inside(instance_id, *command):
    proc = subprocess.run(['docker', 'exec', 'seed-%s' % instance_id] + list(command), capture_output=True, text=True,
                          check=False, timeout=60)
    return proc.returncode, proc.stdout.strip()


def state_of(ec2, instance_id):
    return ec2.describe_instances(InstanceIds=[instance_id])['Reservations'][0]['Instances'][0]['State']['Name']


@pytest.fixture
def demo():
    import boto3
    assert os.environ.get('AWS_ENDPOINT_URL') and os.path.isdir(STATE), \
        'needs the running demo and its environment: make demo; eval "$(make -s demo-env)"'
    ec2 = boto3.client('ec2', region_name='us-east-1')
    webs = web_hosts(ec2)
    assert webs, 'the demo has no running web host'
    made = {'ec2': ec2, 'web': webs[0], 'instances': []}
    yield made
    if made['instances']:
        ec2.terminate_instances(InstanceIds=made['instances'])
    if made.get('image'):
        ec2.deregister_image(ImageId=made['image'])


def launch(demo, image, user_data=None):
    web = demo['web']
    kw = {'UserData': user_data} if user_data else {}  # botocore encodes RunInstances' user data in base64 itself
    (instance,) = demo['ec2'].run_instances(
        ImageId=image, InstanceType=web['InstanceType'], KeyName=web['KeyName'], MinCount=1, MaxCount=1,
        SubnetId=web['SubnetId'], SecurityGroupIds=[g['GroupId'] for g in web['SecurityGroups']],
        TagSpecifications=[{'ResourceType': 'instance', 'Tags': [{'Key': 'Name', 'Value': NAME}]}], **kw)['Instances']
    demo['instances'].append(instance['InstanceId'])
    until('%s running' % instance['InstanceId'], lambda: state_of(demo['ec2'], instance['InstanceId']) == 'running')
    return instance['InstanceId']


def test_an_image_of_an_instance_boots_its_disk_as_a_new_instance(demo):
    ec2 = demo['ec2']
    source = launch(demo, demo['web']['ImageId'])
    assert inside(source, 'sh', '-c', 'echo baked > /etc/baked-marker')[0] == 0
    key_before = inside(source, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub')[1]

    demo['image'] = image = ec2.create_image(InstanceId=source, Name='%s-%d' % (NAME, time.time()))['ImageId']
    first = until('the image described', lambda: ec2.describe_images(ImageIds=[image])['Images'][0]['State'])
    assert first == 'pending'  # until its container is committed
    until('the image available', lambda: ec2.describe_images(ImageIds=[image])['Images'][0]['State'] == 'available')
    # the source was rebooted for it (the default), and runs again
    until('the source booted again', lambda: inside(source, 'systemctl', 'is-active', '--quiet', 'ssh')[0] == 0)
    assert state_of(ec2, source) == 'running'

    copy = launch(demo, image, USER_DATA)
    until('the copy booted', lambda: inside(copy, 'systemctl', 'is-active', '--quiet', 'ssh')[0] == 0)
    assert inside(copy, 'cat', '/etc/launched-marker') == (0, 'baked then launched')  # its disk, and its own user data
    assert inside(copy, 'cat', '/var/lib/cloud/data/instance-id') == (0, copy)
    key_after = inside(copy, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub')[1]
    assert key_after and key_after != key_before  # host keys of its own
