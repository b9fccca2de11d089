"""The emulator's network (emulator/network.py), against the running demo: its packets obey the stack's security groups
and routes, as on AWS. Each rule is taken away through the API and the packets watched, then put back:

- the web group's ingress from the load balancer's group revoked: both targets go unhealthy within the health check's
  window and the site answers 503; restored: healthy again;
- the database (the db host, or RDS) and the cache (Redis, with CACHE_TIER=redis) from the bastion: no answer
  (the connection times out); from a web host: it answers;
- a web host reached from the other one on 22: no answer; from the bastion: it answers;
- the private subnets' route to the NAT gateway deleted: apt-get update on a web host fails; restored: it works.

scripts/e2e.sh runs it with the demo's environment (.cache/demo/env.sh); alone: make demo; eval "$(make -s demo-env)";
pytest -q tests/dataplane/test_network.py. What it changes it puts back, so the demo's rerun still changes nothing.
"""
import json
import os
import ssl
import subprocess
import time
import http.client

import pytest

from demo_helpers import STATE, until  # noqa: E402  pylint: disable=wrong-import-position
STACK = 'demo'
# A TCP connection from inside a container: open, refused, or timeout (the packet dropped, as a security group drops it).
PROBE = r'''
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3])).close()
    print('open')
except socket.timeout:
    print('timeout')
except ConnectionRefusedError:
    print('refused')
except OSError as exc:
    print('error %s' % exc)
'''


@pytest.fixture(scope='module')
def aws():
    import boto3
    assert os.environ.get('AWS_ENDPOINT_URL') and os.path.isdir(STATE), \
        'needs the running demo and its environment: make demo; eval "$(make -s demo-env)" (scripts/e2e.sh runs this)'
    region = os.environ.get('AWS_REGION', 'us-east-1')
    return dict((name, boto3.client(name, region_name=region)) for name in ('ec2', 'elbv2', 'rds', 'elasticache'))


def instances(ec2, role):
    found = ec2.describe_instances(Filters=[{'Name': 'tag:Stack', 'Values': [STACK]}, {'Name': 'tag:Role', 'Values': [role]},
                                            {'Name': 'instance-state-name', 'Values': ['running']}])
    return sorted((i for r in found['Reservations'] for i in r['Instances']), key=lambda i: i['PrivateIpAddress'])


def container(instance):
    out = subprocess.run(['docker', 'ps', '-q', '--filter', 'label=seed.instance-id=%s' % instance['InstanceId']],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out, 'no container for %s' % instance['InstanceId']
    return out[0]


def probe(instance, host, port, timeout=4):
    proc = subprocess.run(['docker', 'exec', container(instance), 'python3', '-c', PROBE, host, str(port), str(timeout)],
                          capture_output=True, text=True, check=False, timeout=60)
    return (proc.stdout.strip() or proc.stderr.strip()).splitlines()[-1]


def group(ec2, name):
    found = ec2.describe_security_groups(Filters=[{'Name': 'group-name', 'Values': ['%s-%s' % (STACK, name)]},
                                                  {'Name': 'tag:Stack', 'Values': [STACK]}])['SecurityGroups']
    assert len(found) == 1, found
    return found[0]['GroupId']


def site_status():
    """The HTTPS listener of the demo's load balancer, on its port on 127.0.0.1 (the certificate is not what is tested)."""
    with open(os.path.join(STATE, 'load_balancers.json'), encoding='utf-8') as f:
        lbs = json.load(f)
    ports = [info['ports']['443'] for info in lbs.values() if info['name'] == '%s-alb' % STACK]
    assert ports, lbs
    conn = http.client.HTTPSConnection('127.0.0.1', ports[0], timeout=10, context=ssl._create_unverified_context())  # pylint: disable=protected-access
    try:
        conn.request('GET', '/up')
        return conn.getresponse().status
    finally:
        conn.close()


def test_the_web_hosts_take_http_only_from_the_load_balancers_group(aws):
    ec2, elbv2 = aws['ec2'], aws['elbv2']
    web, alb = group(ec2, 'web'), group(ec2, 'alb')
    tg = elbv2.describe_target_groups(Names=['%s-web' % STACK])['TargetGroups'][0]
    arn = tg['TargetGroupArn']

    def states():
        return dict((d['Target']['Id'], d['TargetHealth']['State'])
                    for d in elbv2.describe_target_health(TargetGroupArn=arn)['TargetHealthDescriptions'])
    assert set(states().values()) == {'healthy'} and len(states()) == 2, states()
    assert site_status() == 200
    # the window: the checks that fail in a row to make a target unhealthy, each at most an interval plus its timeout
    # (+ 6 s: the stand-in reads HAProxy's state every second or so, and a loaded machine runs late; a check that never
    # fails would still go past it)
    window = (tg['HealthCheckIntervalSeconds'] + tg['HealthCheckTimeoutSeconds']) * tg['UnhealthyThresholdCount'] + 6
    # the rule as the stack wrote it (its description too), so that putting it back leaves nothing for a rerun to change
    rule = [dict((k, v) for k, v in p.items() if k in ('IpProtocol', 'FromPort', 'ToPort'))
            for p in ec2.describe_security_groups(GroupIds=[web])['SecurityGroups'][0]['IpPermissions']
            if p.get('FromPort') == 80 and any(g['GroupId'] == alb for g in p.get('UserIdGroupPairs', []))]
    assert len(rule) == 1, rule
    pairs = [dict((k, v) for k, v in g.items() if k in ('GroupId', 'Description'))
             for p in ec2.describe_security_groups(GroupIds=[web])['SecurityGroups'][0]['IpPermissions']
             if p.get('FromPort') == 80 for g in p.get('UserIdGroupPairs', []) if g['GroupId'] == alb]
    rule = dict(rule[0], UserIdGroupPairs=pairs)
    ec2.revoke_security_group_ingress(GroupId=web, IpPermissions=[rule])
    try:
        started = time.monotonic()
        until('both targets unhealthy', lambda: set(states().values()) == {'unhealthy'}, timeout=window)
        took = time.monotonic() - started
        reasons = set(d['TargetHealth'].get('Reason') for d in elbv2.describe_target_health(TargetGroupArn=arn)['TargetHealthDescriptions'])
        assert reasons == {'Target.Timeout'}, reasons  # the checks' packets are dropped, not refused
        assert site_status() == 503
        print('revoked: both targets unhealthy in %.1f s (window %d s), the site answers 503' % (took, window))
    finally:
        ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[rule])
    window = (tg['HealthCheckIntervalSeconds'] + tg['HealthCheckTimeoutSeconds']) * tg['HealthyThresholdCount'] + 6
    until('both targets healthy again', lambda: set(states().values()) == {'healthy'}, timeout=window)
    until('the site answers again', lambda: site_status() == 200, timeout=10)


def test_the_database_answers_the_web_hosts_and_not_the_bastion(aws):
    ec2 = aws['ec2']
    bastion, webs = instances(ec2, 'bastion')[0], instances(ec2, 'web')
    dbs = instances(ec2, 'db')
    if dbs:
        address, port = dbs[0]['PrivateIpAddress'], 5432
    else:
        found = aws['rds'].describe_db_instances()['DBInstances']
        found = [d for d in found if d['DBInstanceIdentifier'].startswith(STACK)]
        assert found, 'no db host and no RDS instance of the stack'
        address, port = found[0]['Endpoint']['Address'], found[0]['Endpoint']['Port']
    assert probe(bastion, address, port) == 'timeout'
    for web in webs:
        assert probe(web, address, port) == 'open', web['InstanceId']


def test_the_cache_answers_the_web_hosts_and_not_the_bastion(aws):
    groups = [g for g in aws['elasticache'].describe_replication_groups()['ReplicationGroups']
              if g['ReplicationGroupId'].startswith(STACK)]
    if not groups:
        pytest.skip('the stack has no Redis (CACHE_TIER=redis makes one)')
    endpoint = groups[0]['NodeGroups'][0]['PrimaryEndpoint']
    ec2 = aws['ec2']
    assert probe(instances(ec2, 'bastion')[0], endpoint['Address'], endpoint['Port']) == 'timeout'
    for web in instances(ec2, 'web'):
        assert probe(web, endpoint['Address'], endpoint['Port']) == 'open', web['InstanceId']


def test_ssh_to_a_web_host_only_from_the_bastion(aws):
    ec2 = aws['ec2']
    first, second = instances(ec2, 'web')[:2]
    assert probe(first, second['PrivateIpAddress'], 22) == 'timeout'
    assert probe(second, first['PrivateIpAddress'], 22) == 'timeout'
    assert probe(instances(ec2, 'bastion')[0], first['PrivateIpAddress'], 22) == 'open'


def apt_update(instance):
    proc = subprocess.run(['docker', 'exec', container(instance), 'timeout', '60', 'apt-get', '-o', 'Acquire::http::Timeout=8',
                           '-o', 'Acquire::Retries=0', 'update', '-qq', '--error-on=any'], capture_output=True, text=True, check=False, timeout=120)
    return proc.returncode, proc.stdout + proc.stderr


def test_a_private_host_reaches_the_mirror_only_through_the_nat_gateway(aws):
    ec2 = aws['ec2']
    web = instances(ec2, 'web')[0]
    tables = ec2.describe_route_tables(Filters=[{'Name': 'association.subnet-id', 'Values': [web['SubnetId']]}])['RouteTables']
    assert len(tables) == 1, tables
    table = tables[0]['RouteTableId']
    nat = [r['NatGatewayId'] for r in tables[0]['Routes'] if r.get('DestinationCidrBlock') == '0.0.0.0/0' and r.get('NatGatewayId')]
    assert nat, tables[0]['Routes']
    code, out = apt_update(web)
    assert code == 0, out
    ec2.delete_route(RouteTableId=table, DestinationCidrBlock='0.0.0.0/0')
    try:
        code, out = apt_update(web)
        assert code != 0, 'apt-get update worked with no route to the NAT gateway: %s' % out
        print('no route to the NAT gateway: apt-get update failed (%s)' % out.strip().splitlines()[-1:])
    finally:
        ec2.create_route(RouteTableId=table, DestinationCidrBlock='0.0.0.0/0', NatGatewayId=nat[0])
    code, out = apt_update(web)
    assert code == 0, out
