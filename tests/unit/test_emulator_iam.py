"""The emulator's IAM (emulator.iam, the aws profile): the quotas moto reports but does not enforce (trust policy
length, inline policy size per role, managed policies per role: LimitExceeded), and a new instance profile, or a role
just added to one, unseen by GetInstanceProfile and refused by RunInstances until its propagation time is over. The
moto profile shows none of it."""
import json
import threading
import urllib.request

import pytest

pytest.importorskip('moto')

import boto3  # noqa: E402  pylint: disable=wrong-import-position
from botocore.exceptions import ClientError  # noqa: E402  pylint: disable=wrong-import-position

from emulator import server  # noqa: E402  pylint: disable=wrong-import-position
from emulator.iam import Iam  # noqa: E402  pylint: disable=wrong-import-position
from .emulator_clock import Clock  # noqa: E402  pylint: disable=wrong-import-position

TRUST = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'Service': 'ec2.amazonaws.com'},
                                                 'Action': 'sts:AssumeRole'}]}


@pytest.fixture(scope='module')
def running():
    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from emulator.fidelity import patch_moto
    patch_moto()
    recorder = server.Recorder(DomainDispatcherApplication(create_backend_app), hooks=[Iam()])
    clock = Clock()
    recorder.faults.profile.clock = clock
    httpd = make_server('127.0.0.1', 0, recorder, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield 'http://127.0.0.1:%d' % httpd.server_port, recorder, clock
    finally:
        httpd.shutdown()
        thread.join(10)


def faults(url, **settings):
    request = urllib.request.Request(url + '/_seed/faults', data=json.dumps(settings).encode(), method='PUT')
    urllib.request.urlopen(request).read()  # nosec: the emulator on 127.0.0.1


@pytest.fixture
def emu(running, monkeypatch):
    url, recorder, clock = running
    for key in ('AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_IAM'):
        monkeypatch.delenv(key, raising=False)
    urllib.request.urlopen(urllib.request.Request(url + '/moto-api/reset', data=b'', method='POST')).read()
    faults(url, pace=1.0)

    def client(service):
        return boto3.client(service, endpoint_url=url, region_name='us-east-1', aws_access_key_id='testing',
                            aws_secret_access_key='testing')
    client.url, client.clock = url, clock
    return client


def code_of(call, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response['Error']['Code'], caught.value.response['Error']['Message']


def test_the_quotas_moto_does_not_enforce(emu):
    iam = emu('iam')
    long_trust = dict(TRUST, Statement=[dict(TRUST['Statement'][0], Sid='s' * 2048)])
    assert code_of(iam.create_role, RoleName='demo', AssumeRolePolicyDocument=json.dumps(long_trust))[0] == 'LimitExceeded'
    iam.create_role(RoleName='demo', AssumeRolePolicyDocument=json.dumps(TRUST, indent=8))  # white space is not counted
    big = json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 's3:GetObject', 'Resource': [
        'arn:aws:s3:::demo/%04d' % i for i in range(240)]}]})  # about 6,100 characters
    iam.put_role_policy(RoleName='demo', PolicyName='a', PolicyDocument=big)
    iam.put_role_policy(RoleName='demo', PolicyName='a', PolicyDocument=big)  # replaced, not added
    code, message = code_of(iam.put_role_policy, RoleName='demo', PolicyName='b', PolicyDocument=big)
    assert code == 'LimitExceeded' and 'for role demo' in message
    doc = json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 's3:GetObject', 'Resource': '*'}]})
    arns = [iam.create_policy(PolicyName='p%d' % i, PolicyDocument=doc)['Policy']['Arn'] for i in range(11)]
    for arn in arns[:10]:
        iam.attach_role_policy(RoleName='demo', PolicyArn=arn)
    iam.attach_role_policy(RoleName='demo', PolicyArn=arns[0])  # already attached: no new one
    assert code_of(iam.attach_role_policy, RoleName='demo', PolicyArn=arns[10]) == (
        'LimitExceeded', 'Cannot exceed quota for PoliciesPerRole: 10')


def test_a_new_profile_and_its_role_propagate_before_iam_and_ec2_see_them(emu):
    iam, ec2 = emu('iam'), emu('ec2')
    iam.create_role(RoleName='demo', AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.create_instance_profile(InstanceProfileName='demo')
    assert code_of(iam.get_instance_profile, InstanceProfileName='demo')[0] == 'NoSuchEntity'
    image = ec2.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    code, message = code_of(ec2.run_instances, ImageId=image, MinCount=1, MaxCount=1, IamInstanceProfile={'Name': 'demo'})
    assert code == 'InvalidParameterValue' and 'Invalid IAM Instance Profile name' in message
    emu.clock.now += 11
    assert iam.get_instance_profile(InstanceProfileName='demo')['InstanceProfile']['Roles'] == []
    iam.add_role_to_instance_profile(InstanceProfileName='demo', RoleName='demo')
    assert iam.get_instance_profile(InstanceProfileName='demo')['InstanceProfile']['Roles'] == []  # not seen yet
    arn = 'arn:aws:iam::123456789012:instance-profile/demo'
    assert code_of(ec2.run_instances, ImageId=image, MinCount=1, MaxCount=1, IamInstanceProfile={'Arn': arn})[0] == 'InvalidParameterValue'
    emu.clock.now += 11
    assert [r['RoleName'] for r in iam.get_instance_profile(InstanceProfileName='demo')['InstanceProfile']['Roles']] == ['demo']
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, IamInstanceProfile={'Name': 'demo'})


def test_the_moto_profile_shows_none_of_it(emu):
    faults(emu.url, profile='moto')
    iam = emu('iam')
    iam.create_role(RoleName='demo', AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.create_instance_profile(InstanceProfileName='demo')
    iam.add_role_to_instance_profile(InstanceProfileName='demo', RoleName='demo')
    assert [r['RoleName'] for r in iam.get_instance_profile(InstanceProfileName='demo')['InstanceProfile']['Roles']] == ['demo']
