"""CreateImage of a data-plane instance (emulator.images), with Docker stood in for: the AMI pending until the instance's
container is committed, then available and mapped to the committed image with the source's login user; the container
stopped and started again around the commit (the default reboot), not with NoReboot; a failed commit makes a failed
AMI and still boots the instance again; DeregisterImage forgets the mapping and removes the local image; an instance
without a container makes an AMI of the API only."""
import threading

import pytest

pytest.importorskip('moto')

import boto3  # noqa: E402  pylint: disable=wrong-import-position

from emulator import amis, images, server  # noqa: E402  pylint: disable=wrong-import-position

REGION = 'us-east-1'


class FakePlane:
    def __init__(self):
        self.lock = threading.RLock()
        self.instances = {}
        self.writes = 0
        self.booted = []

    def write_state(self):
        self.writes += 1

    def _wait_booted(self, entry):
        self.booted.append(entry['id'])

    def _read_ports(self, entry):
        entry['ports'] = {'22': 40022}


@pytest.fixture
def emu(monkeypatch):
    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from emulator.fidelity import patch_moto
    patch_moto()
    calls, gate, failing = [], threading.Event(), []

    def docker(*args, **kw):  # pylint: disable=unused-argument
        calls.append(args[0])
        if args[0] == 'commit':
            gate.wait(10)
            if failing:
                raise RuntimeError('docker commit: no space left')
        return ''
    monkeypatch.setattr(images, 'docker', docker)
    plane = FakePlane()
    hook = images.Images(plane)
    recorder = server.Recorder(DomainDispatcherApplication(create_backend_app), hooks=[hook])
    httpd = make_server('127.0.0.1', 0, recorder, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = 'http://127.0.0.1:%d' % httpd.server_port
    import urllib.request
    urllib.request.urlopen(urllib.request.Request(url + '/moto-api/reset', data=b'', method='POST')).read()  # nosec
    calls.clear()
    ec2 = boto3.client('ec2', endpoint_url=url, region_name=REGION, aws_access_key_id='testing', aws_secret_access_key='testing')
    try:
        hook.failing = failing
        yield ec2, plane, hook, calls, gate
    finally:
        gate.set()
        httpd.shutdown()
        thread.join(10)
        amis.remove_made()


def running(ec2, plane, container=True):
    debian = amis.image_id(REGION, amis.IMAGES[0]['name'])
    (instance,) = ec2.run_instances(ImageId=debian, InstanceType='t3.micro', MinCount=1, MaxCount=1)['Instances']
    if container:
        plane.instances[instance['InstanceId']] = {'id': instance['InstanceId'], 'container': 'seed-%s' % instance['InstanceId'],
                                                   'state': 'running', 'ports': {}}
    return instance['InstanceId']


def state(ec2, image):
    return ec2.describe_images(ImageIds=[image])['Images'][0]['State']


def wait(hook):
    for thread in hook.threads:
        thread.join(10)


def test_an_image_is_pending_until_the_container_is_committed_then_boots_it_again(emu):
    ec2, plane, hook, calls, gate = emu
    instance = running(ec2, plane)
    image = ec2.create_image(InstanceId=instance, Name='web-baked')['ImageId']
    assert state(ec2, image) == 'pending'
    assert plane.instances[instance]['state'] == 'rebooting'
    gate.set()
    wait(hook)
    assert state(ec2, image) == 'available'
    assert calls == ['stop', 'commit', 'start']
    made = amis.by_id(REGION)[image]
    assert made == {'name': 'web-baked', 'container_image': 'seed/ami-made:%s' % image, 'login_user': 'admin'}
    assert plane.instances[instance]['state'] == 'running' and plane.booted == [instance]

    ec2.deregister_image(ImageId=image)
    assert image not in amis.by_id(REGION) and calls[-1] == 'rmi'


def test_no_reboot_commits_the_running_container(emu):
    ec2, plane, hook, calls, gate = emu
    instance = running(ec2, plane)
    gate.set()
    image = ec2.create_image(InstanceId=instance, Name='web-hot', NoReboot=True)['ImageId']
    wait(hook)
    assert state(ec2, image) == 'available' and calls == ['commit'] and plane.booted == []


def test_a_failed_commit_fails_the_image_and_the_instance_runs_again(emu):
    ec2, plane, hook, calls, gate = emu
    instance = running(ec2, plane)
    gate.set()
    hook.failing.append(True)
    image = ec2.create_image(InstanceId=instance, Name='fail')['ImageId']
    wait(hook)
    assert calls[:2] == ['stop', 'commit'] and calls[-1] == 'start'
    assert state(ec2, image) == 'failed' and image not in amis.by_id(REGION)
    assert plane.instances[instance]['state'] == 'running'


def test_an_instance_without_a_container_makes_an_image_of_the_api_only(emu):
    ec2, plane, hook, calls, dummy = emu
    instance = running(ec2, plane, container=False)
    image = ec2.create_image(InstanceId=instance, Name='api-only')['ImageId']
    assert state(ec2, image) == 'available' and calls == [] and image not in amis.by_id(REGION) and not hook.threads
