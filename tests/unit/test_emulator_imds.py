"""The instance metadata service (emulator.imds) and the credentials it hands out: IMDSv2's sessions (a token per
instance, its TTL, X-Forwarded-For refused, IMDSv1 refused when the launch template requires tokens, the service turned
off), the items an instance reads, the instance profile's role assumed by EC2 (refused when its trust policy does not
name EC2), and every request signed with those credentials checked as AWS checks it: token, expiry, signature, then the
role's policies (AccessDenied naming the action, UnauthorizedOperation for EC2). A launch template's profile and
metadata options reach the instances launched from it, by RunInstances and by an Auto Scaling group."""
import base64
import json
import threading
import urllib.request

import pytest

pytest.importorskip('moto')

import boto3  # noqa: E402  pylint: disable=wrong-import-position
from botocore.exceptions import ClientError  # noqa: E402  pylint: disable=wrong-import-position

from emulator import imds, server  # noqa: E402  pylint: disable=wrong-import-position
from emulator import profile as profile_mod  # noqa: E402  pylint: disable=wrong-import-position
from .emulator_clock import Clock  # noqa: E402  pylint: disable=wrong-import-position

REGION = 'us-east-1'
TRUST_EC2 = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'Service': 'ec2.amazonaws.com'},
                                                     'Action': 'sts:AssumeRole'}]}
TRUST_LAMBDA = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'Service': 'lambda.amazonaws.com'},
                                                        'Action': 'sts:AssumeRole'}]}
READ_ARTIFACTS = {'Version': '2012-10-17', 'Statement': [
    {'Effect': 'Allow', 'Action': 's3:GetObject', 'Resource': 'arn:aws:s3:::demo-artifacts/*'},
    {'Effect': 'Allow', 'Action': 's3:ListBucket', 'Resource': 'arn:aws:s3:::demo-artifacts'},
    {'Effect': 'Deny', 'Action': 's3:GetObject', 'Resource': 'arn:aws:s3:::demo-artifacts/secret/*'}]}
USER_DATA = '#!/bin/sh\necho booted\n'


@pytest.fixture(scope='module')
def running():
    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from emulator.fidelity import patch_moto
    patch_moto()
    recorder = server.Recorder(DomainDispatcherApplication(create_backend_app), hooks=profile_mod.hooks())
    httpd = make_server('127.0.0.1', 0, recorder, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield 'http://127.0.0.1:%d' % httpd.server_port
    finally:
        httpd.shutdown()
        thread.join(10)


@pytest.fixture
def emu(running, monkeypatch):
    url = running
    for key in ('AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_SESSION_TOKEN'):
        monkeypatch.delenv(key, raising=False)
    urllib.request.urlopen(urllib.request.Request(url + '/moto-api/reset', data=b'', method='POST')).read()  # nosec: 127.0.0.1
    # the moto profile: no pacing or propagation to wait out here; the credentials are checked in either profile
    request = urllib.request.Request(url + '/_seed/faults', data=json.dumps({'profile': 'moto'}).encode(), method='PUT')
    urllib.request.urlopen(request).read()  # nosec: 127.0.0.1
    clock = Clock(1_800_000_000.0)
    monkeypatch.setattr(imds.CREDENTIALS, 'now', clock)

    def client(service, **keys):
        keys = keys or {'aws_access_key_id': 'testing', 'aws_secret_access_key': 'testing'}
        return boto3.client(service, endpoint_url=url, region_name=REGION, **keys)
    client.clock = clock
    return client


def profile(emu, name, trust=None, policy=None):
    trust, policy = trust or TRUST_EC2, policy or READ_ARTIFACTS
    iam = emu('iam')
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName=name, PolicyName='artifacts', PolicyDocument=json.dumps(policy))
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)


def template(emu, name, profile_name=None, tokens='required'):
    data = {'ImageId': image(emu), 'InstanceType': 't3.micro', 'UserData': base64.b64encode(USER_DATA.encode()).decode(),
            'MetadataOptions': {'HttpTokens': tokens, 'HttpEndpoint': 'enabled', 'HttpPutResponseHopLimit': 1}}
    if profile_name:
        data['IamInstanceProfile'] = {'Name': profile_name}
    return emu('ec2').create_launch_template(LaunchTemplateName=name, LaunchTemplateData=data)['LaunchTemplate']['LaunchTemplateId']


def image(emu):
    return emu('ec2').describe_images(Owners=['amazon'])['Images'][0]['ImageId']


def launch(emu, **kw):
    ec2 = emu('ec2')
    vpc = ec2.create_vpc(CidrBlock='10.20.0.0/16')['Vpc']['VpcId']
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock='10.20.10.0/24', AvailabilityZone='us-east-1a')['Subnet']['SubnetId']
    (instance,) = ec2.run_instances(MinCount=1, MaxCount=1, SubnetId=subnet, **kw)['Instances']
    return moto_instance(instance['InstanceId'])


def moto_instance(instance_id):
    return server.ec2_backend(REGION).get_instance(instance_id)


def ask(metadata, instance, path, method='GET', **headers):
    status, body, extra = metadata.answer(method, path, headers, REGION, instance)
    return status, body.decode(), extra


def session(metadata, instance, ttl='21600'):
    status, token, extra = ask(metadata, instance, '/latest/api/token', 'PUT', **{'X-aws-ec2-metadata-token-ttl-seconds': ttl})
    assert status == 200 and extra == {'X-Aws-Ec2-Metadata-Token-Ttl-Seconds': ttl}
    return {'X-aws-ec2-metadata-token': token}


# -- IMDSv2 -------------------------------------------------------------------------------------------------------
def test_a_template_that_requires_tokens_refuses_imdsv1_and_answers_a_session_of_this_instance_only(emu):
    profile(emu, 'demo-web')
    lt = template(emu, 'demo-web', 'demo-web')
    web = launch(emu, LaunchTemplate={'LaunchTemplateId': lt})
    other = launch(emu, ImageId=image(emu), InstanceType='t3.micro')
    clock = Clock(5000.0)
    metadata = imds.Metadata(now=clock)
    assert web.metadata_options.http_tokens == 'required'
    assert ask(metadata, web, '/latest/meta-data/instance-id')[0] == 401             # IMDSv1: refused
    assert ask(metadata, other, '/latest/meta-data/instance-id') == (200, other.id, {})  # a RunInstances default: optional

    for ttl in ('', '0', '21601', 'ten'):
        assert ask(metadata, web, '/latest/api/token', 'PUT', **({'X-aws-ec2-metadata-token-ttl-seconds': ttl} if ttl else {}))[0] == 400
    assert ask(metadata, web, '/latest/api/token', 'GET', **{'X-aws-ec2-metadata-token-ttl-seconds': '60'})[0] == 405
    proxied = {'X-aws-ec2-metadata-token-ttl-seconds': '60', 'X-Forwarded-For': '203.0.113.9'}
    assert ask(metadata, web, '/latest/api/token', 'PUT', **proxied)[0] == 403
    token = session(metadata, web, '60')
    assert ask(metadata, web, '/latest/meta-data/instance-id', **token) == (200, web.id, {})
    assert ask(metadata, other, '/latest/meta-data/instance-id', **token)[0] == 401   # another instance's token
    assert ask(metadata, web, '/latest/meta-data/instance-id', **{'X-aws-ec2-metadata-token': 'made-up'})[0] == 401
    clock.advance(60)
    assert ask(metadata, web, '/latest/meta-data/instance-id', **token)[0] == 401     # expired

    emu('ec2').modify_instance_metadata_options(InstanceId=other.id, HttpEndpoint='disabled')
    assert ask(metadata, moto_instance(other.id), '/latest/meta-data/instance-id')[0] == 403


def test_the_items_an_instance_reads(emu):
    profile(emu, 'demo-web')
    web = launch(emu, LaunchTemplate={'LaunchTemplateId': template(emu, 'demo-web', 'demo-web')})
    metadata = imds.Metadata()
    token = session(metadata, web)
    status, listing, dummy = ask(metadata, web, '/latest/meta-data/', **token)
    assert status == 200
    for entry in ('ami-id', 'hostname', 'iam/', 'instance-id', 'instance-type', 'local-ipv4', 'placement/', 'security-groups'):
        assert entry in listing.splitlines(), listing
    assert 'public-ipv4' not in listing.splitlines()  # no public address
    assert ask(metadata, web, '/latest/meta-data/local-ipv4', **token)[1] == web.private_ip
    assert ask(metadata, web, '/latest/meta-data/placement/availability-zone', **token)[1] == 'us-east-1a'
    assert ask(metadata, web, '/latest/meta-data/placement/region', **token)[1] == REGION
    assert ask(metadata, web, '/latest/meta-data/hostname', **token)[1] == 'ip-%s.ec2.internal' % web.private_ip.replace('.', '-')
    assert ask(metadata, web, '/latest/user-data', **token)[1] == USER_DATA
    document = json.loads(ask(metadata, web, '/latest/dynamic/instance-identity/document', **token)[1])
    assert (document['instanceId'], document['region'], document['privateIp']) == (web.id, REGION, web.private_ip)
    assert ask(metadata, web, '/latest/meta-data/iam/security-credentials/', **token)[1] == 'demo-web'
    info = json.loads(ask(metadata, web, '/latest/meta-data/iam/info', **token)[1])
    assert info['Code'] == 'Success' and info['InstanceProfileArn'].endswith(':instance-profile/demo-web')
    assert ask(metadata, web, '/latest/meta-data/no-such-item', **token)[0] == 404
    assert ask(metadata, web, '/latest/meta-data/tags/instance/Name', **token)[0] == 404  # InstanceMetadataTags: disabled

    bare = launch(emu, ImageId=image(emu), InstanceType='t3.micro')  # no profile, no user data
    assert 'iam/' not in ask(metadata, bare, '/latest/meta-data/')[1].splitlines()
    assert ask(metadata, bare, '/latest/meta-data/iam/security-credentials/')[0] == 404
    assert ask(metadata, bare, '/latest/user-data')[0] == 404


def test_the_role_is_assumed_by_ec2_its_credentials_kept_then_renewed_and_refused_when_the_trust_is_not_ec2s(emu):
    profile(emu, 'demo-web')
    profile(emu, 'not-for-ec2', trust=TRUST_LAMBDA)
    web = launch(emu, LaunchTemplate={'LaunchTemplateId': template(emu, 'demo-web', 'demo-web')})
    odd = launch(emu, LaunchTemplate={'LaunchTemplateId': template(emu, 'odd', 'not-for-ec2')})
    metadata = imds.Metadata()
    first = json.loads(ask(metadata, web, '/latest/meta-data/iam/security-credentials/demo-web', **session(metadata, web))[1])
    assert first['Code'] == 'Success' and first['Type'] == 'AWS-HMAC' and first['AccessKeyId'].startswith('ASIA')
    assert first['Token'] and first['SecretAccessKey']
    again = json.loads(ask(metadata, web, '/latest/meta-data/iam/security-credentials/demo-web', **session(metadata, web))[1])
    assert again['AccessKeyId'] == first['AccessKeyId']
    emu.clock.advance(imds.CREDENTIAL_SECONDS - imds.RENEW_BEFORE)
    renewed = json.loads(ask(metadata, web, '/latest/meta-data/iam/security-credentials/demo-web', **session(metadata, web))[1])
    assert renewed['AccessKeyId'] != first['AccessKeyId']

    refused = json.loads(ask(metadata, odd, '/latest/meta-data/iam/security-credentials/not-for-ec2', **session(metadata, odd))[1])
    assert refused['Code'] == 'AssumeRoleUnauthorizedAccess' and 'AccessKeyId' not in refused
    assert 'EC2 cannot assume the role not-for-ec2' in refused['Message']


# -- the credentials, checked ------------------------------------------------------------------------------------
def credentials_of(emu, role='demo-web'):
    profile(emu, role)
    web = launch(emu, LaunchTemplate={'LaunchTemplateId': template(emu, role, role)})
    metadata = imds.Metadata()
    doc = json.loads(ask(metadata, web, '/latest/meta-data/iam/security-credentials/%s' % role, **session(metadata, web))[1])
    return web, {'aws_access_key_id': doc['AccessKeyId'], 'aws_secret_access_key': doc['SecretAccessKey'],
                 'aws_session_token': doc['Token']}


def code_of(call):
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response['Error']['Code'], caught.value.response['Error'].get('Message', '')


def test_the_instances_credentials_read_the_artifacts_and_nothing_else(emu):
    s3 = emu('s3')
    for bucket in ('demo-artifacts', 'other-bucket'):
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key='releases/current.json', Body=b'{"release": "abc"}')
    s3.put_object(Bucket='demo-artifacts', Key='secret/key', Body=b'no')
    web, keys = credentials_of(emu)
    mine = emu('s3', **keys)
    assert mine.get_object(Bucket='demo-artifacts', Key='releases/current.json')['Body'].read() == b'{"release": "abc"}'
    assert [o['Key'] for o in mine.list_objects_v2(Bucket='demo-artifacts')['Contents']] == ['releases/current.json', 'secret/key']
    assert emu('sts', **keys).get_caller_identity()['Arn'] == 'arn:aws:sts::123456789012:assumed-role/demo-web/%s' % web.id

    code, message = code_of(lambda: mine.put_object(Bucket='demo-artifacts', Key='releases/current.json', Body=b'x'))
    assert code == 'AccessDenied'
    assert 'assumed-role/demo-web/%s is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::demo-artifacts/releases/current.json' \
        % web.id in message and 'no identity-based policy allows' in message
    assert code_of(lambda: mine.get_object(Bucket='other-bucket', Key='releases/current.json'))[0] == 'AccessDenied'
    code, message = code_of(lambda: mine.get_object(Bucket='demo-artifacts', Key='secret/key'))
    assert code == 'AccessDenied' and 'explicit deny' in message
    assert code_of(lambda: mine.delete_bucket(Bucket='demo-artifacts'))[0] == 'AccessDenied'
    assert code_of(lambda: emu('ec2', **keys).describe_instances())[0] == 'UnauthorizedOperation'
    assert code_of(lambda: emu('iam', **keys).list_roles())[0] == 'AccessDenied'
    # nothing was changed by the refused calls; the demo's own keys are not the instance's and go on as before
    assert s3.get_object(Bucket='demo-artifacts', Key='releases/current.json')['Body'].read() == b'{"release": "abc"}'
    s3.put_object(Bucket='demo-artifacts', Key='releases/next.json', Body=b'{}')


def test_a_wrong_secret_a_missing_token_and_an_expired_key_are_refused(emu):
    emu('s3').create_bucket(Bucket='demo-artifacts')
    dummy, keys = credentials_of(emu)
    wrong = dict(keys, aws_secret_access_key='not-the-secret')
    assert code_of(lambda: emu('s3', **wrong).list_objects_v2(Bucket='demo-artifacts'))[0] == 'SignatureDoesNotMatch'
    assert code_of(lambda: emu('ec2', **wrong).describe_instances())[0] == 'AuthFailure'
    untokened = dict((k, v) for k, v in keys.items() if k != 'aws_session_token')
    assert code_of(lambda: emu('s3', **untokened).list_objects_v2(Bucket='demo-artifacts'))[0] == 'InvalidToken'
    assert code_of(lambda: emu('sts', **untokened).get_caller_identity())[0] == 'InvalidClientTokenId'
    emu('s3', **keys).list_objects_v2(Bucket='demo-artifacts')
    emu.clock.advance(imds.CREDENTIAL_SECONDS)
    assert code_of(lambda: emu('s3', **keys).list_objects_v2(Bucket='demo-artifacts'))[0] == 'ExpiredToken'


# -- what a launch template gives its instances -------------------------------------------------------------------
def test_a_groups_instances_get_the_templates_profile_and_metadata_options(emu):
    profile(emu, 'demo-web')
    lt = template(emu, 'demo-web', 'demo-web')
    ec2 = emu('ec2')
    vpc = ec2.create_vpc(CidrBlock='10.30.0.0/16')['Vpc']['VpcId']
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock='10.30.10.0/24', AvailabilityZone='us-east-1a')['Subnet']['SubnetId']
    emu('autoscaling').create_auto_scaling_group(AutoScalingGroupName='demo-web', MinSize=2, MaxSize=2, DesiredCapacity=2,
                                                 LaunchTemplate={'LaunchTemplateId': lt, 'Version': '$Latest'},
                                                 VPCZoneIdentifier=subnet)
    ids = [i['InstanceId'] for i in emu('autoscaling').describe_auto_scaling_groups(
        AutoScalingGroupNames=['demo-web'])['AutoScalingGroups'][0]['Instances']]
    assert len(ids) == 2
    described = [i for r in ec2.describe_instances(InstanceIds=ids)['Reservations'] for i in r['Instances']]
    assert [i['MetadataOptions']['HttpTokens'] for i in described] == ['required', 'required']
    associations = ec2.describe_iam_instance_profile_associations(Filters=[{'Name': 'instance-id', 'Values': ids}])
    assert sorted(a['InstanceId'] for a in associations['IamInstanceProfileAssociations']) == sorted(ids)
    assert all(a['IamInstanceProfile']['Arn'].endswith(':instance-profile/demo-web')
               for a in associations['IamInstanceProfileAssociations'])

    # the launch's own options win over the template's
    given = launch(emu, LaunchTemplate={'LaunchTemplateId': lt}, MetadataOptions={'HttpTokens': 'optional'})
    assert given.metadata_options.http_tokens == 'optional'


# -- AWS's public endpoints, as the instances reach them (emulator.endpoints) -------------------------------------
def signed_request(keys, method, url, body=b''):
    """(headers, body) of ``url`` signed by botocore with ``keys``, as the instance's SDK would send it."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    request = AWSRequest(method=method, url=url, data=body, headers={'X-Amz-Content-SHA256': 'UNSIGNED-PAYLOAD'})
    S3SigV4Auth(Credentials(keys['aws_access_key_id'], keys['aws_secret_access_key'], keys['aws_session_token']),
                's3', REGION).add_auth(request)
    return dict(request.headers.items()), body


def test_a_virtual_hosted_request_from_an_instance_is_answered_and_checked_as_signed(emu):
    from werkzeug.test import Client
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from emulator import endpoints
    s3 = emu('s3')
    s3.create_bucket(Bucket='demo-artifacts')
    s3.put_object(Bucket='demo-artifacts', Key='releases/current.json', Body=b'{"release": "abc"}')
    dummy, keys = credentials_of(emu)
    recorder = server.Recorder(DomainDispatcherApplication(create_backend_app), hooks=profile_mod.hooks(),
                               allowed_hosts={'127.0.0.1:5000'})
    from_vpc = Client(endpoints.vpc_app(recorder, 'vpc-1'))
    url = 'https://demo-artifacts.s3.us-east-1.amazonaws.com/releases/current.json'
    headers, dummy = signed_request(keys, 'GET', url)
    answer = from_vpc.get('/releases/current.json', base_url='https://demo-artifacts.s3.us-east-1.amazonaws.com', headers=headers)
    assert answer.status_code == 200 and answer.data == b'{"release": "abc"}', answer.data
    # the same request with a path that is not the one signed: refused; a write: refused by the role's policy
    answer = from_vpc.get('/releases/other.json', base_url='https://demo-artifacts.s3.us-east-1.amazonaws.com', headers=headers)
    assert answer.status_code == 403 and b'SignatureDoesNotMatch' in answer.data
    headers, body = signed_request(keys, 'PUT', url, b'changed')
    answer = from_vpc.put('/releases/current.json', base_url='https://demo-artifacts.s3.us-east-1.amazonaws.com',
                          headers=headers, data=body)
    assert answer.status_code == 403 and b'AccessDenied' in answer.data
    # the API on 127.0.0.1 still refuses a Host that is not its own
    assert Client(recorder).get('/demo-artifacts/releases/current.json', base_url='https://s3.amazonaws.com',
                                headers=headers).status_code == 403


@pytest.mark.parametrize('host, bucket, region', [
    ('demo-artifacts.s3.us-east-1.amazonaws.com', 'demo-artifacts', 'us-east-1'),
    ('demo-artifacts.s3.eu-west-3.amazonaws.com', 'demo-artifacts', 'eu-west-3'),
    ('demo-artifacts.s3.amazonaws.com', 'demo-artifacts', 'us-east-1'),
    ('my.dotted.bucket.s3-us-west-2.amazonaws.com', 'my.dotted.bucket', 'us-west-2'),
])
def test_virtual_hosted_style_is_the_path_style_request_it_stands_for(host, bucket, region):
    from emulator import endpoints
    environ = {'HTTP_HOST': host, 'PATH_INFO': '/releases/a b.tgz', 'RAW_URI': '/releases/a%20b.tgz?versionId=3'}
    endpoints.virtual_host(environ)
    assert environ['HTTP_HOST'] == 's3.%s.amazonaws.com' % region
    assert environ['PATH_INFO'] == '/%s/releases/a b.tgz' % bucket
    assert environ['RAW_URI'] == '/%s/releases/a%%20b.tgz?versionId=3' % bucket
    assert (environ['seed.signed_host'], environ['seed.signed_uri']) == (host, '/releases/a%20b.tgz?versionId=3')
    path_style = {'HTTP_HOST': 's3.us-east-1.amazonaws.com', 'PATH_INFO': '/b/k'}
    endpoints.virtual_host(path_style)
    assert path_style == {'HTTP_HOST': 's3.us-east-1.amazonaws.com', 'PATH_INFO': '/b/k'}


def test_the_vpc_resolver_answers_the_endpoints_and_the_names_below_them():
    from emulator import dns, endpoints
    names = endpoints.domains(['us-east-1', 'eu-west-3'])
    assert names == ['s3.amazonaws.com', 's3.us-east-1.amazonaws.com', 's3.eu-west-3.amazonaws.com',
                     'sts.amazonaws.com', 'sts.us-east-1.amazonaws.com', 'sts.eu-west-3.amazonaws.com']
    text = dns.render({}, endpoints=[(n, endpoints.ADDRESS) for n in names])
    assert 'address=/s3.us-east-1.amazonaws.com/198.51.100.53' in text.splitlines()
    assert 'address=/sts.amazonaws.com/198.51.100.53' in text.splitlines()
    assert '*.s3.us-east-1.amazonaws.com' in endpoints.certificate_names(['us-east-1'])
