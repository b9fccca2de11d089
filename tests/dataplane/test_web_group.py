"""The web tier as an Auto Scaling group (make demo WEB_TIER=asg), against the running demo: what a user of AWS would
check after site.yml.

- The group demo-web is at its desired capacity (2), its instances InService and healthy in the load balancer's target
  group, and the image host (the one web host Ansible configures) is not a target; the site answers through the load
  balancer as in the default demo.
- Each instance the group launched serves the release the pointer object names: `current` is that release, fetched at
  boot by laravel-release.service (active), with the SHA-256 the pointer says beside it; its .env holds no AWS key.
- Its credentials come from the instance profile, and read the releases and nothing else: the pointer is readable, a
  write to the bucket, a read outside the releases' prefix and an EC2 call are refused.
- Self-healing: an instance terminated through the API (TerminateInstanceInAutoScalingGroup, which drains it first) while
  a probe asks the load balancer every 50 ms: every answer is a 200, and the group's replacement serves the current
  release; the time from the terminate to the replacement's first healthy check is printed.

Run with the demo's environment: eval "$(make -s demo-env)"; .venv/bin/pytest -s tests/dataplane/test_web_group.py
"""
import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.exceptions import ClientError

from demo_helpers import require_demo, until as until_  # noqa: E402  pylint: disable=wrong-import-position

GROUP = 'demo-web'
CREDS = '''
import json, urllib.request
token = urllib.request.urlopen(urllib.request.Request('http://169.254.169.254/latest/api/token', method='PUT',
    headers={'X-aws-ec2-metadata-token-ttl-seconds': '60'}), timeout=5).read().decode()
base = 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'
get = lambda path: urllib.request.urlopen(urllib.request.Request(base + path, headers={'X-aws-ec2-metadata-token': token}), timeout=5).read()
print(get(get('').decode().split()[0]).decode())
'''


def until(what, check, timeout=300):
    return until_(what, check, timeout=timeout, every=1)


@pytest.fixture(scope='module')
def aws():
    require_demo()
    return dict((s, boto3.client(s, region_name='us-east-1')) for s in ('ec2', 'elbv2', 'autoscaling', 's3'))


def group(aws):
    found = aws['autoscaling'].describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])['AutoScalingGroups']
    assert found, 'no group %s: run make demo WEB_TIER=asg' % GROUP
    return found[0]


def health(aws, tg):
    return dict((d['Target']['Id'], d['TargetHealth']['State'])
                for d in aws['elbv2'].describe_target_health(TargetGroupArn=tg)['TargetHealthDescriptions'])


def in_service(aws):
    return sorted(i['InstanceId'] for i in group(aws)['Instances'] if i['LifecycleState'] == 'InService')


def docker(instance, *argv):
    proc = subprocess.run(['docker', 'exec', 'seed-%s' % instance] + list(argv), capture_output=True, text=True, check=False,
                          timeout=60)
    return proc.returncode, proc.stdout.strip(), proc.stderr.strip()


def lb_url(aws):
    """The site's address: https:// and the name its certificate is for (the demo's domain) when the load balancer has an
    HTTPS listener, else http:// and its DNS name."""
    lb = aws['elbv2'].describe_load_balancers(Names=['demo-alb'])['LoadBalancers'][0]
    for listener in aws['elbv2'].describe_listeners(LoadBalancerArn=lb['LoadBalancerArn'])['Listeners']:
        if listener['Port'] == 443:
            arn = listener['Certificates'][0]['CertificateArn']
            name = boto3.client('acm', region_name='us-east-1').describe_certificate(CertificateArn=arn)['Certificate']['DomainName']
            return 'https://%s' % name
    return 'http://%s' % lb['DNSName']


def get(url, timeout=5):
    """GET through the demo's proxy (the load balancer's name resolves there), its CA trusted: (status, body)."""
    import ssl
    context = ssl.create_default_context(cafile=os.environ.get('SSL_CERT_FILE') or os.environ.get('REQUESTS_CA_BUNDLE'))
    proxies = {'http': os.environ['http_proxy'], 'https': os.environ.get('https_proxy') or os.environ['http_proxy']}
    opener = urllib.request.build_opener(urllib.request.ProxyHandler(proxies), urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
    except (urllib.error.URLError, OSError) as err:
        return 0, str(err).encode()


def settings(aws):
    """The image host's /etc/laravel-release.json (bucket, pointer, root), which every instance of its image has."""
    (host,) = image_hosts(aws)
    code, out, err = docker(host, 'cat', '/etc/laravel-release.json')
    assert code == 0, err
    return json.loads(out)


def image_hosts(aws):
    return [i['InstanceId'] for r in aws['ec2'].describe_instances(Filters=[
        {'Name': 'tag:Stack', 'Values': ['demo']}, {'Name': 'tag:Role', 'Values': ['web']},
        {'Name': 'instance-state-name', 'Values': ['running']}])['Reservations'] for i in r['Instances']]


def current_release(aws):
    conf = settings(aws)
    return json.loads(aws['s3'].get_object(Bucket=conf['bucket'], Key=conf['pointer'])['Body'].read())


def serves_current(aws, instance, pointer):
    root = settings(aws)['root']
    code, link, dummy = docker(instance, 'readlink', root + '/current')
    code2, mark, dummy = docker(instance, 'cat', '%s/releases/%s.sha256' % (root, pointer['release']))
    return code == 0 and link.endswith('/releases/' + pointer['release']) and code2 == 0 and mark == pointer['sha256']


def test_the_group_serves_the_current_release_behind_the_load_balancer(aws):
    g = group(aws)
    assert (g['MinSize'], g['DesiredCapacity'], g['MaxSize']) == (2, 2, 8) and g['HealthCheckType'] == 'ELB'
    (tg,) = g['TargetGroupARNs']
    ids = until('2 instances InService', lambda: in_service(aws) if len(in_service(aws)) == 2 else None)
    until('both healthy in the target group', lambda: health(aws, tg) == dict((i, 'healthy') for i in ids))
    image_host = image_hosts(aws)
    assert len(image_host) == 1 and image_host[0] not in health(aws, tg)

    pointer = current_release(aws)
    for instance in ids:
        assert serves_current(aws, instance, pointer), instance
        assert docker(instance, 'systemctl', 'is-active', 'laravel-release.service')[1] == 'active'
        code, env, dummy = docker(instance, 'cat', settings(aws)['root'] + '/shared/.env')
        assert code == 0 and 'APP_KEY=' in env
        assert not any(word in env for word in ('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AKIA', 'ASIA')), 'an AWS key in .env'
    status, body = get(lb_url(aws) + '/up')
    assert status == 200, body[:300]


def test_the_instances_credentials_read_the_releases_and_nothing_else(aws):
    (instance, dummy) = in_service(aws)
    code, out, err = docker(instance, 'python3', '-c', CREDS)
    assert code == 0, err
    doc = json.loads(out)
    assert doc['AccessKeyId'].startswith('ASIA')
    keys = dict(aws_access_key_id=doc['AccessKeyId'], aws_secret_access_key=doc['SecretAccessKey'], aws_session_token=doc['Token'])
    mine = dict((s, boto3.client(s, region_name='us-east-1', **keys)) for s in ('s3', 'ec2'))
    conf = settings(aws)
    bucket, pointer = conf['bucket'], conf['pointer']
    assert json.loads(mine['s3'].get_object(Bucket=bucket, Key=pointer)['Body'].read()) == current_release(aws)
    aws['s3'].put_object(Bucket=bucket, Key='elsewhere.txt', Body=b'not a release')
    for call, code in ((lambda: mine['s3'].put_object(Bucket=bucket, Key=pointer, Body=b'{}'), 'AccessDenied'),
                       (lambda: mine['s3'].get_object(Bucket=bucket, Key='elsewhere.txt'), 'AccessDenied'),
                       (lambda: mine['s3'].list_objects_v2(Bucket=bucket), 'AccessDenied'),
                       (mine['ec2'].describe_instances, 'UnauthorizedOperation')):
        with pytest.raises(ClientError) as denied:
            call()
        assert denied.value.response['Error']['Code'] == code
    aws['s3'].delete_object(Bucket=bucket, Key='elsewhere.txt')


def test_a_terminated_instance_is_replaced_with_the_site_answering_throughout(aws):
    (tg,) = group(aws)['TargetGroupARNs']
    ids = until('2 instances InService', lambda: in_service(aws) if len(in_service(aws)) == 2 else None)
    until('both healthy', lambda: health(aws, tg) == dict((i, 'healthy') for i in ids))
    url, answers, stop = lb_url(aws) + '/up', [], threading.Event()

    def probe():
        while not stop.is_set():
            answers.append(get(url, timeout=5)[0])
            time.sleep(0.05)
    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    try:
        victim = ids[0]
        started = time.monotonic()
        # through Auto Scaling, as an operator or a scale-in does: the instance leaves the target group and drains first
        # (EC2's TerminateInstances stops it at once, and requests in flight to it fail, on AWS as here)
        aws['autoscaling'].terminate_instance_in_auto_scaling_group(InstanceId=victim, ShouldDecrementDesiredCapacity=False)
        new = until('a replacement in the group', lambda: [i for i in in_service(aws) if i not in ids] or None, timeout=300)[0]
        until('the replacement healthy', lambda: health(aws, tg).get(new) == 'healthy', timeout=300)
        healed = time.monotonic() - started
    finally:
        stop.set()
        thread.join(10)
    print('\nself-healing: terminate of %s to the first healthy check of its replacement %s: %.1f s; %d probes, %s'
          % (victim, new, healed, len(answers), dict((s, answers.count(s)) for s in set(answers))))
    assert answers and set(answers) == {200}, dict((s, answers.count(s)) for s in set(answers))
    assert serves_current(aws, new, current_release(aws))
