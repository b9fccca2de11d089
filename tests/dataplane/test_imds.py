"""The instance metadata service inside the demo's instances (emulator/imds.py), against the running demo.

Run with the demo's environment (.cache/demo/env.sh), as the other tests here are. From inside a web host's container
(docker exec, python3's urllib: what any tool on the instance does): 169.254.169.254 answers IMDSv2 only (the
collection's instance module requires tokens), the instance's own id and address, and refuses a proxied token request.
Then an instance of the test's own, launched in a web subnet with an instance profile whose role may only read one
bucket: from inside it, the role's temporary credentials; with them the bucket's object is read and a write and an EC2
call are refused, from the host and from inside the instance through S3's public endpoint (its name, HTTPS, the NAT
gateway's route: emulator/endpoints.py). Everything it makes is deleted at the end. scripts/e2e.sh runs
it (step 7e)."""
import json
import os
import subprocess

import pytest

from demo_helpers import STATE, until as until_, web_hosts  # noqa: E402  pylint: disable=wrong-import-position
NAME = 'dp-imds'
BUCKET = 'dp-imds-artifacts'
TRUST = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'Service': 'ec2.amazonaws.com'},
                                                 'Action': 'sts:AssumeRole'}]}
READ = {'Version': '2012-10-17', 'Statement': [
    {'Effect': 'Allow', 'Action': 's3:GetObject', 'Resource': 'arn:aws:s3:::%s/*' % BUCKET},
    {'Effect': 'Allow', 'Action': 's3:ListBucket', 'Resource': 'arn:aws:s3:::%s' % BUCKET}]}
# What runs inside the instance: IMDSv1, a proxied token request, then a session and the items asked for, as JSON.
PROBE = r'''
import json, sys, urllib.error, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
def call(method, path, headers):
    request = urllib.request.Request('http://169.254.169.254' + path, method=method, headers=headers)
    try:
        with opener.open(request, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()
out = {'v1': call('GET', '/latest/meta-data/instance-id', {}),
       'forwarded': call('PUT', '/latest/api/token', {'X-aws-ec2-metadata-token-ttl-seconds': '60', 'X-Forwarded-For': '203.0.113.9'})}
status, token = call('PUT', '/latest/api/token', {'X-aws-ec2-metadata-token-ttl-seconds': '60'})
out['token'] = status
for path in sys.argv[1:]:
    out[path] = call('GET', path, {'X-aws-ec2-metadata-token': token})
print(json.dumps(out))
'''

# What runs inside the instance with a profile: its role's credentials from IMDSv2, then the release read from S3 through
# AWS's public endpoint (virtual-hosted style, HTTPS, signed with SigV4 by hand: the image has no SDK), and a write.
FETCH = r'''
import datetime, hashlib, hmac, json, sys, urllib.error, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
def call(method, url, headers, body=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with opener.open(request, timeout=20) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
token = call('PUT', 'http://169.254.169.254/latest/api/token', {'X-aws-ec2-metadata-token-ttl-seconds': '60'})[1].decode()
meta = lambda path: call('GET', 'http://169.254.169.254/latest/' + path, {'X-aws-ec2-metadata-token': token})[1].decode()
role = meta('meta-data/iam/security-credentials/')
creds = json.loads(meta('meta-data/iam/security-credentials/' + role))
region = meta('meta-data/placement/region')
def s3(method, bucket, key, body=b''):
    host, path = '%s.s3.%s.amazonaws.com' % (bucket, region), '/' + key
    amz = datetime.datetime.now(datetime.timezone.utc).strftime('%Y%m%dT%H%M%SZ')
    digest = hashlib.sha256(body).hexdigest()
    headers = {'host': host, 'x-amz-content-sha256': digest, 'x-amz-date': amz, 'x-amz-security-token': creds['Token']}
    signed = ';'.join(sorted(headers))
    canonical = '\n'.join([method, path, '', ''.join('%s:%s\n' % (k, headers[k]) for k in sorted(headers)), signed, digest])
    scope = '%s/%s/s3/aws4_request' % (amz[:8], region)
    key_ = ('AWS4' + creds['SecretAccessKey']).encode()
    for part in (amz[:8], region, 's3', 'aws4_request'):
        key_ = hmac.new(key_, part.encode(), hashlib.sha256).digest()
    text = '\n'.join(['AWS4-HMAC-SHA256', amz, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    headers['Authorization'] = 'AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s' % (
        creds['AccessKeyId'], scope, signed, hmac.new(key_, text.encode(), hashlib.sha256).hexdigest())
    status, data = call(method, 'https://' + host + path, headers, body or None)
    return [status, data.decode(errors='replace')]
print(json.dumps({'read': s3('GET', sys.argv[1], sys.argv[2]), 'write': s3('PUT', sys.argv[1], sys.argv[2], b'changed')}))
'''


def until(what, check, timeout=180):
    return until_(what, check, timeout=timeout, every=1)


def probe(instance_id, *paths):
    proc = subprocess.run(['docker', 'exec', 'seed-%s' % instance_id, 'python3', '-c', PROBE] + list(paths),
                          capture_output=True, text=True, check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def demo():
    import boto3
    assert os.environ.get('AWS_ENDPOINT_URL') and os.path.isdir(STATE), \
        'needs the running demo and its environment: make demo; eval "$(make -s demo-env)"'
    clients = dict((s, boto3.client(s, region_name='us-east-1')) for s in ('ec2', 'iam', 's3'))
    webs = web_hosts(clients['ec2'])
    assert webs, 'the demo has no running web host'
    made = dict(clients, web=webs[0])
    yield made
    ec2, iam, s3 = clients['ec2'], clients['iam'], clients['s3']
    if made.get('instance'):
        ec2.terminate_instances(InstanceIds=[made['instance']])
    if made.get('profile'):
        iam.remove_role_from_instance_profile(InstanceProfileName=NAME, RoleName=NAME)
        iam.delete_instance_profile(InstanceProfileName=NAME)
    if made.get('role'):
        iam.delete_role_policy(RoleName=NAME, PolicyName='read')
        iam.delete_role(RoleName=NAME)
    if made.get('bucket'):
        for key in ('release.tar.gz',):
            s3.delete_object(Bucket=BUCKET, Key=key)
        s3.delete_bucket(Bucket=BUCKET)


def test_a_web_host_reads_its_own_metadata_with_imdsv2_only(demo):
    web = demo['web']
    out = probe(web['InstanceId'], '/latest/meta-data/instance-id', '/latest/meta-data/local-ipv4', '/latest/meta-data/iam/')
    assert out['v1'][0] == 401, out          # the instance module's default: http_tokens required
    assert out['forwarded'][0] == 403, out
    assert out['token'] == 200, out
    assert out['/latest/meta-data/instance-id'] == [200, web['InstanceId']]
    assert out['/latest/meta-data/local-ipv4'] == [200, web['PrivateIpAddress']]
    assert out['/latest/meta-data/iam/'][0] == 404  # the web hosts of web_tier instances have no profile


def test_an_instance_profiles_credentials_read_their_bucket_and_nothing_else(demo):
    import boto3
    from botocore.exceptions import ClientError
    ec2, iam, s3, web = demo['ec2'], demo['iam'], demo['s3'], demo['web']
    s3.create_bucket(Bucket=BUCKET)
    demo['bucket'] = True
    s3.put_object(Bucket=BUCKET, Key='release.tar.gz', Body=b'the release')
    iam.create_role(RoleName=NAME, AssumeRolePolicyDocument=json.dumps(TRUST))
    demo['role'] = True
    iam.put_role_policy(RoleName=NAME, PolicyName='read', PolicyDocument=json.dumps(READ))
    iam.create_instance_profile(InstanceProfileName=NAME)
    iam.add_role_to_instance_profile(InstanceProfileName=NAME, RoleName=NAME)
    demo['profile'] = True

    def run():  # IAM's eventual consistency: EC2 refuses a profile it cannot see yet, as on AWS
        try:
            return ec2.run_instances(
                ImageId=web['ImageId'], InstanceType=web['InstanceType'], KeyName=web['KeyName'], MinCount=1, MaxCount=1,
                SubnetId=web['SubnetId'], SecurityGroupIds=[g['GroupId'] for g in web['SecurityGroups']],
                IamInstanceProfile={'Name': NAME}, MetadataOptions={'HttpTokens': 'required'},
                TagSpecifications=[{'ResourceType': 'instance', 'Tags': [{'Key': 'Name', 'Value': NAME}]}])['Instances'][0]['InstanceId']
        except ClientError as err:
            if 'Invalid IAM Instance Profile' not in str(err):
                raise
            return None
    demo['instance'] = instance = until('RunInstances takes the new profile', run, timeout=60)
    until('the instance running', lambda: ec2.describe_instances(InstanceIds=[instance])['Reservations'][0]['Instances'][0]
          ['State']['Name'] == 'running')

    path = '/latest/meta-data/iam/security-credentials/%s' % NAME
    out = probe(instance, '/latest/meta-data/iam/security-credentials/', path)
    assert out['/latest/meta-data/iam/security-credentials/'] == [200, NAME], out
    status, text = out[path]
    doc = json.loads(text)
    assert status == 200 and doc['Code'] == 'Success' and doc['AccessKeyId'].startswith('ASIA'), doc
    keys = dict(aws_access_key_id=doc['AccessKeyId'], aws_secret_access_key=doc['SecretAccessKey'], aws_session_token=doc['Token'])
    mine = dict((s, boto3.client(s, region_name='us-east-1', **keys)) for s in ('s3', 'ec2', 'sts'))
    assert mine['s3'].get_object(Bucket=BUCKET, Key='release.tar.gz')['Body'].read() == b'the release'
    assert mine['sts'].get_caller_identity()['Arn'].endswith(':assumed-role/%s/%s' % (NAME, instance))
    for call, code in ((lambda: mine['s3'].put_object(Bucket=BUCKET, Key='release.tar.gz', Body=b'changed'), 'AccessDenied'),
                       (mine['ec2'].describe_instances, 'UnauthorizedOperation')):
        with pytest.raises(ClientError) as denied:
            call()
        assert denied.value.response['Error']['Code'] == code
    assert s3.get_object(Bucket=BUCKET, Key='release.tar.gz')['Body'].read() == b'the release'

    # from inside the instance: through the NAT gateway's route, S3's public endpoint (HTTPS, a virtual-hosted bucket)
    proc = subprocess.run(['docker', 'exec', 'seed-%s' % instance, 'python3', '-c', FETCH, BUCKET, 'release.tar.gz'],
                          capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    inside = json.loads(proc.stdout)
    assert inside['read'] == [200, 'the release'], inside
    assert inside['write'][0] == 403 and 'AccessDenied' in inside['write'][1], inside
    assert s3.get_object(Bucket=BUCKET, Key='release.tar.gz')['Body'].read() == b'the release'
