"""The emulator's load balancer data plane (emulator/loadbalancer.py), against the running demo.

scripts/e2e.sh runs this with the demo's environment (.cache/demo/env.sh: AWS_ENDPOINT_URL, the proxy):
an ALB made with boto3 in the demo's VPC, in front of its two web instances, must do what an ALB does --
HAProxy's real checks decide `initial` -> `healthy`, a failing check makes a target `unhealthy` with
AWS's reason, a deregistered target drains for the deregistration delay and is then gone, HTTP redirects
to HTTPS (under its DNS name, and on the ports published on 127.0.0.1, to the published HTTPS port),
and HTTPS is terminated with the certificate imported into ACM. Everything it makes is deleted at the end,
so the demo's teardown finds the stack as site.yml left it.

test_redirects_on_the_published_ports needs Docker and the seed/alb image only (no demo): the stand-in,
with moto in-process for its API, in a container of its own that it removes.
"""
import datetime
import hashlib
import http.client
import json
import os
import socket
import ssl
import urllib.request

import pytest

from demo_helpers import ROOT, STATE, until  # noqa: E402  pylint: disable=wrong-import-position


def proxy():
    url = urllib.request.urlparse(os.environ['http_proxy'])
    return url.hostname, url.port


def get(url, timeout=10):
    """(status, headers, body) of a GET through the demo's proxy (the emulator's internet), no redirect followed."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({'http': os.environ['http_proxy']}), NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def direct(host, port, path, host_header=None):
    """(status, headers) of a GET straight to a port on 127.0.0.1, with no proxy, no redirect followed."""
    conn = http.client.HTTPConnection('127.0.0.1', int(port), timeout=10)
    try:
        conn.request('GET', path, headers={'Host': host_header or '%s:%s' % (host, port)})
        resp = conn.getresponse()
        resp.read()
        return resp.status, dict((k.lower(), v) for k, v in resp.getheaders())
    finally:
        conn.close()


def self_signed(name):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False).sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
            hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest())


def health(elbv2, tg):
    return dict((d['Target']['Id'], d['TargetHealth']) for d in elbv2.describe_target_health(TargetGroupArn=tg)['TargetHealthDescriptions'])


def haproxy_stats(name):
    """{server: requests it was sent} from the stand-in's own statistics."""
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(os.path.join(STATE, 'alb', name, 'admin.sock'))
        s.sendall(b'show stat\n')
        text = b''.join(iter(lambda: s.recv(65536), b'')).decode()
    lines = text.splitlines()
    head = lines[0][2:].split(',')
    rows = [dict(zip(head, line.split(','))) for line in lines[1:] if line]
    return dict((r['svname'], int(r['lbtot'] or 0)) for r in rows if r['svname'] not in ('FRONTEND', 'BACKEND'))


@pytest.fixture
def stack():
    import boto3
    assert os.environ.get('AWS_ENDPOINT_URL') and os.path.isdir(STATE), \
        'needs the running demo and its environment: make demo; eval "$(make -s demo-env)" (scripts/e2e.sh runs this)'
    ec2 = boto3.client('ec2', region_name='us-east-1')
    elbv2 = boto3.client('elbv2', region_name='us-east-1')
    acm = boto3.client('acm', region_name='us-east-1')
    vpc = ec2.describe_vpcs(Filters=[{'Name': 'tag:Stack', 'Values': ['demo']}])['Vpcs'][0]['VpcId']
    subnets = ec2.describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [vpc]}, {'Name': 'tag:Tier', 'Values': ['public']}])['Subnets']
    if len(set(s['AvailabilityZone'] for s in subnets)) < 2:
        subnets = ec2.describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [vpc]}, {'Name': 'map-public-ip-on-launch', 'Values': ['true']}])['Subnets']
    webs = sorted(i['InstanceId'] for r in ec2.describe_instances(Filters=[
        {'Name': 'tag:Stack', 'Values': ['demo']}, {'Name': 'tag:Role', 'Values': ['web']},
        {'Name': 'instance-state-name', 'Values': ['running']}])['Reservations'] for i in r['Instances'])
    assert len(webs) == 2
    # the stack's load balancer group: the web hosts take HTTP from its members alone (emulator/network.py enforces it)
    alb_group = ec2.describe_security_groups(Filters=[{'Name': 'vpc-id', 'Values': [vpc]}, {'Name': 'group-name', 'Values': ['demo-alb']}])
    made = {'ec2': ec2, 'elbv2': elbv2, 'acm': acm, 'vpc': vpc, 'subnets': [s['SubnetId'] for s in subnets], 'webs': webs,
            'groups': [g['GroupId'] for g in alb_group['SecurityGroups']]}
    yield made
    if made.get('lb'):
        for listener in elbv2.describe_listeners(LoadBalancerArn=made['lb'])['Listeners']:
            elbv2.delete_listener(ListenerArn=listener['ListenerArn'])
        elbv2.delete_load_balancer(LoadBalancerArn=made['lb'])
    if made.get('tg'):
        elbv2.delete_target_group(TargetGroupArn=made['tg'])
    if made.get('cert'):
        acm.delete_certificate(CertificateArn=made['cert'])
    until('the stand-in is gone', lambda: all(v['name'] != 'dp-test' for v in json.load(open(os.path.join(STATE, 'load_balancers.json'))).values()),
          timeout=30)


def test_an_alb_in_front_of_the_web_hosts(stack):
    elbv2, acm = stack['elbv2'], stack['acm']
    lb = elbv2.create_load_balancer(Name='dp-test', Subnets=stack['subnets'][:2], Scheme='internet-facing', Type='application',
                                    SecurityGroups=stack['groups'])
    stack['lb'] = lb_arn = lb['LoadBalancers'][0]['LoadBalancerArn']
    dns = lb['LoadBalancers'][0]['DNSName']
    stack['tg'] = tg = elbv2.create_target_group(
        Name='dp-test-web', Protocol='HTTP', Port=80, VpcId=stack['vpc'], HealthCheckPath='/up', HealthCheckIntervalSeconds=5,
        HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2, UnhealthyThresholdCount=2, Matcher={'HttpCode': '200'},
    )['TargetGroups'][0]['TargetGroupArn']
    elbv2.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[{'Key': 'deregistration_delay.timeout_seconds', 'Value': '3'}])
    pem, key, fingerprint = self_signed(dns)
    stack['cert'] = cert = acm.import_certificate(Certificate=pem, PrivateKey=key)['CertificateArn']
    elbv2.create_listener(LoadBalancerArn=lb_arn, Protocol='HTTP', Port=80, DefaultActions=[
        {'Type': 'redirect', 'RedirectConfig': {'Protocol': 'HTTPS', 'Port': '443', 'StatusCode': 'HTTP_301'}}])
    elbv2.create_listener(LoadBalancerArn=lb_arn, Protocol='HTTPS', Port=443, Certificates=[{'CertificateArn': cert}],
                          SslPolicy='ELBSecurityPolicy-TLS13-1-2-2021-06', DefaultActions=[{'Type': 'forward', 'TargetGroupArn': tg}])
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{'Id': i} for i in stack['webs']])

    # initial, then healthy by HAProxy's own checks of /up
    states = health(elbv2, tg)
    assert set(states) == set(stack['webs'])
    assert all(s['State'] in ('initial', 'healthy') for s in states.values()), states
    until('both targets healthy', lambda: all(s['State'] == 'healthy' for s in health(elbv2, tg).values()))

    # HTTP redirects to HTTPS; HTTPS answers with the imported certificate; both hosts take requests
    status, headers, dummy = get('http://%s/' % dns)
    assert status == 301 and headers['location'] == 'https://%s/' % dns, (status, headers)
    # on 127.0.0.1, as the demo prints it for a browser: to where its HTTPS listener is published
    published = json.load(open(os.path.join(STATE, 'load_balancers.json')))[dns]['ports']
    status, headers = direct('127.0.0.1', published['80'], '/')
    assert status == 301 and headers['location'] == 'https://127.0.0.1:%s/' % published['443'], (status, headers)
    context = ssl.create_default_context(cadata=pem.decode())
    for dummy in range(10):
        conn = http.client.HTTPSConnection(*proxy(), timeout=10, context=context)
        conn.set_tunnel(dns, 443)
        conn.request('GET', '/')
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 200 and b'Hello from Laravel' in body, (resp.status, body[:300])
        assert hashlib.sha256(conn.sock.getpeercert(binary_form=True)).hexdigest() == fingerprint
        conn.close()
    stats = haproxy_stats('dp-test')
    assert all(stats.get(i, 0) >= 3 for i in stack['webs']), stats

    # a failing check: unhealthy, with AWS's reason; back to healthy when it passes again
    elbv2.modify_target_group(TargetGroupArn=tg, HealthCheckPath='/no-such-page')

    def unhealthy():
        states = health(elbv2, tg)
        return states if all(s['State'] == 'unhealthy' for s in states.values()) else None
    states = until('both unhealthy', unhealthy)
    assert all(s['Reason'] == 'Target.ResponseCodeMismatch' and '404' in s['Description'] for s in states.values()), states
    elbv2.modify_target_group(TargetGroupArn=tg, HealthCheckPath='/up')
    until('healthy again', lambda: all(s['State'] == 'healthy' for s in health(elbv2, tg).values()))

    # deregistered: draining for the delay (no new request reaches it), then gone
    first, second = stack['webs']
    elbv2.deregister_targets(TargetGroupArn=tg, Targets=[{'Id': first}])
    states = health(elbv2, tg)
    assert states[first]['State'] == 'draining' and states[first]['Reason'] == 'Target.DeregistrationInProgress', states
    before = haproxy_stats('dp-test')
    for dummy in range(6):
        conn = http.client.HTTPSConnection(*proxy(), timeout=10, context=context)
        conn.set_tunnel(dns, 443)
        conn.request('GET', '/')
        assert conn.getresponse().status == 200
        conn.close()
    after = haproxy_stats('dp-test')
    assert after[first] == before[first] and after[second] == before[second] + 6, (before, after)
    until('the drained target gone', lambda: first not in health(elbv2, tg), timeout=30)
    published = json.load(open(os.path.join(STATE, 'load_balancers.json')))[dns]['ports']
    assert sorted(published) == ['443', '80']


def docker_ready():
    import subprocess
    try:
        return subprocess.run(['docker', 'image', 'inspect', os.environ.get('SEED_ALB_IMAGE', 'seed/alb:bookworm')],
                              capture_output=True, check=False, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(not docker_ready(), reason='needs Docker and the seed/alb image (make images)')
def test_redirects_on_the_published_ports(tmp_path, monkeypatch):
    """AWS's redirect action, on the ports the stand-in publishes on 127.0.0.1: a redirect to one of the load balancer's
    listener ports goes to where that listener is published; under the DNS name it names the listener's port, as AWS
    does; #{port}, #{host}, #{path} and #{query} as AWS's documentation has them."""
    moto = pytest.importorskip('moto')
    import boto3
    monkeypatch.syspath_prepend(ROOT)
    from emulator import loadbalancer
    for key in ('AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_EC2', 'AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2',
                'AWS_ENDPOINT_URL_ACM', 'http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY'):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv('AWS_ACCESS_KEY_ID', 'testing')
    monkeypatch.setenv('AWS_SECRET_ACCESS_KEY', 'testing')

    class DataPlane:
        state_dir = str(tmp_path)

        @staticmethod
        def network_for(backend, vpc_id):
            return 'bridge'
    with moto.mock_aws():
        region = 'us-east-1'
        ec2 = boto3.client('ec2', region_name=region)
        elbv2 = boto3.client('elbv2', region_name=region)
        acm = boto3.client('acm', region_name=region)
        vpc = ec2.create_vpc(CidrBlock='10.20.0.0/16')['Vpc']['VpcId']
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock='10.20.%d.0/24' % i, AvailabilityZone='us-east-1' + z)['Subnet']['SubnetId']
                   for i, z in ((0, 'a'), (1, 'b'))]
        lb = elbv2.create_load_balancer(Name='dp-redirects', Subnets=subnets)['LoadBalancers'][0]
        dns = lb['DNSName']
        tg = elbv2.create_target_group(Name='dp-redirects-web', Protocol='HTTP', Port=80, VpcId=vpc)['TargetGroups'][0]['TargetGroupArn']
        pem, key, dummy = self_signed(dns)
        cert = acm.import_certificate(Certificate=pem, PrivateKey=key)['CertificateArn']
        for port, protocol, action in (
                (80, 'HTTP', {'Type': 'redirect', 'RedirectConfig': {'Protocol': 'HTTPS', 'Port': '443', 'StatusCode': 'HTTP_301'}}),
                (443, 'HTTPS', {'Type': 'forward', 'TargetGroupArn': tg}),
                (8080, 'HTTP', {'Type': 'redirect', 'RedirectConfig': {
                    'Path': '/new/#{path}', 'Query': '#{query}&from=#{port}', 'StatusCode': 'HTTP_302'}}),
                (8081, 'HTTP', {'Type': 'redirect', 'RedirectConfig': {'Host': 'www.example.com', 'StatusCode': 'HTTP_301'}})):
            kwargs = {'Certificates': [{'CertificateArn': cert}]} if protocol == 'HTTPS' else {}
            elbv2.create_listener(LoadBalancerArn=lb['LoadBalancerArn'], Protocol=protocol, Port=port, DefaultActions=[action], **kwargs)
        lbs = loadbalancer.LoadBalancers(DataPlane())
        lbs.stopping.set()
        try:
            lbs.sync(region)
            ports = json.load(open(str(tmp_path / 'load_balancers.json')))[dns]['ports']
            assert sorted(ports) == ['443', '80', '8080', '8081'] and all(int(p) not in (80, 443, 8080, 8081) for p in ports.values())

            def answers():
                try:
                    return direct('127.0.0.1', ports['80'], '/')[0] == 301
                except OSError:
                    return False
            until('HAProxy answers', answers, timeout=30)
            # on 127.0.0.1: the HTTPS listener's published port, path and query kept
            status, headers = direct('127.0.0.1', ports['80'], '/shop/cart?item=1&n=2')
            assert (status, headers['location']) == (301, 'https://127.0.0.1:%s/shop/cart?item=1&n=2' % ports['443'])
            status, headers = direct('localhost', ports['80'], '/')
            assert headers['location'] == 'https://localhost:%s/' % ports['443']
            # under the DNS name (through the emulator's proxy, which keeps the Host): the listener's port, 443
            status, headers = direct('127.0.0.1', ports['80'], '/shop?x=1', host_header=dns)
            assert (status, headers['location']) == (301, 'https://%s/shop?x=1' % dns)
            # #{port} (the Port kept) is the port the client used; #{path} without its "/", #{query}, "?" only before a query
            status, headers = direct('127.0.0.1', ports['8080'], '/old/page?a=b')
            assert (status, headers['location']) == (302, 'http://127.0.0.1:%s/new/old/page?a=b&from=%s' % (ports['8080'], ports['8080']))
            status, headers = direct('127.0.0.1', ports['8080'], '/', host_header='%s:8080' % dns)
            assert headers['location'] == 'http://%s:8080/new/?&from=8080' % dns
            # another host: its own port (#{port}, the listener's), nothing of 127.0.0.1's
            status, headers = direct('127.0.0.1', ports['8081'], '/a')
            assert (status, headers['location']) == (301, 'http://www.example.com:8081/a')
        finally:
            lbs.clean()


@pytest.mark.skipif(not docker_ready(), reason='needs Docker and the seed/alb image (make images)')
def test_listener_rules_by_priority(tmp_path, monkeypatch):
    """A listener's rules, served by HAProxy before its default action, in priority order: www redirected to the apex (the
    host in any case, its port ignored), a path pattern with AWS's wildcard, the default action when no rule matches."""
    moto = pytest.importorskip('moto')
    import boto3
    monkeypatch.syspath_prepend(ROOT)
    from emulator import loadbalancer
    for key in ('AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_EC2', 'AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2',
                'http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY'):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv('AWS_ACCESS_KEY_ID', 'testing')
    monkeypatch.setenv('AWS_SECRET_ACCESS_KEY', 'testing')

    class DataPlane:
        state_dir = str(tmp_path)

        @staticmethod
        def network_for(backend, vpc_id):
            return 'bridge'
    with moto.mock_aws():
        region = 'us-east-1'
        ec2 = boto3.client('ec2', region_name=region)
        elbv2 = boto3.client('elbv2', region_name=region)
        vpc = ec2.create_vpc(CidrBlock='10.21.0.0/16')['Vpc']['VpcId']
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock='10.21.%d.0/24' % i, AvailabilityZone='us-east-1' + z)['Subnet']['SubnetId']
                   for i, z in ((0, 'a'), (1, 'b'))]
        lb = elbv2.create_load_balancer(Name='dp-rules', Subnets=subnets)['LoadBalancers'][0]
        listener = elbv2.create_listener(LoadBalancerArn=lb['LoadBalancerArn'], Protocol='HTTP', Port=8082, DefaultActions=[
            {'Type': 'redirect', 'RedirectConfig': {'Host': 'default.example.com', 'StatusCode': 'HTTP_301'}}])['Listeners'][0]
        for priority, condition, config in (
                (20, {'Field': 'path-pattern', 'PathPatternConfig': {'Values': ['/old/*']}},
                 {'Path': '/new/#{path}', 'StatusCode': 'HTTP_302'}),
                (10, {'Field': 'host-header', 'HostHeaderConfig': {'Values': ['www.shop.example.com']}},
                 {'Protocol': 'HTTPS', 'Port': '443', 'Host': 'shop.example.com', 'StatusCode': 'HTTP_301'})):
            elbv2.create_rule(ListenerArn=listener['ListenerArn'], Priority=priority, Conditions=[condition],
                              Actions=[{'Type': 'redirect', 'RedirectConfig': config}])
        lbs = loadbalancer.LoadBalancers(DataPlane())
        lbs.stopping.set()
        try:
            lbs.sync(region)
            port = json.load(open(str(tmp_path / 'load_balancers.json')))[lb['DNSName']]['ports']['8082']

            def answers():
                try:
                    return direct('127.0.0.1', port, '/', host_header='other.example.com')[0] == 301
                except OSError:
                    return False
            until('HAProxy answers', answers, timeout=30)
            status, headers = direct('127.0.0.1', port, '/x/y?a=1', host_header='WWW.Shop.Example.com:%s' % port)
            assert (status, headers['location']) == (301, 'https://shop.example.com/x/y?a=1')
            # both rules match: the lower priority acts
            status, headers = direct('127.0.0.1', port, '/old/a', host_header='www.shop.example.com')
            assert (status, headers['location']) == (301, 'https://shop.example.com/old/a')
            status, headers = direct('127.0.0.1', port, '/old/a?b=2', host_header='other.example.com')
            assert (status, headers['location']) == (302, 'http://other.example.com:8082/new/old/a?b=2')
            # no rule matches (the path is case-sensitive, the host not www's): the default action
            status, headers = direct('127.0.0.1', port, '/OLD/a', host_header='wwwxshop.example.com')
            assert (status, headers['location']) == (301, 'http://default.example.com:8082/OLD/a')
        finally:
            lbs.clean()
