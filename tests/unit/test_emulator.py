"""The emulator (a test fixture, but what the demo and every AWS test stand on): AWS's answers where
moto's differ, local clients only, fault settings checked, the ssh guard and the internet proxy
refusing every address that is not the demo's own."""
import json
import os
import socket
import stat
import subprocess
import sys
import urllib.request

import pytest

from tests.unit.conftest import REGION, ROOT

pytest.importorskip('moto')

from emulator import amis, proxy, server  # noqa: E402  pylint: disable=wrong-import-position
from emulator.__main__ import parse_args  # noqa: E402  pylint: disable=wrong-import-position


# -- AWS's answers (emulator.fidelity, applied by the aws fixture as in the emulator) ----------------
def network(ec2):
    vpc = ec2.create_vpc(CidrBlock='10.20.0.0/16')['Vpc']['VpcId']
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock='10.20.0.0/24', AvailabilityZone='us-east-1a')['Subnet']['SubnetId']
    return vpc, subnet


def debian12(ec2):
    images = ec2.describe_images(Owners=[amis.DEBIAN_OWNER], Filters=[{'Name': 'name', 'Values': ['debian-12-amd64-*']}])['Images']
    assert len(images) == 1 and images[0]['Name'].startswith('debian-12-amd64-')
    return images[0]['ImageId']


def test_debian_images_as_debian_publishes_them(aws):
    image = debian12(aws)
    assert image == amis.image_id(REGION, amis.IMAGES[0]['name'])
    assert amis.by_id(REGION)[image]['login_user'] == 'admin'
    names = [i['Name'] for i in aws.describe_images(Owners=[amis.DEBIAN_OWNER])['Images']]
    assert sorted(n.split('-')[1] for n in names) == ['12', '13']


def test_terminated_instance_leaves_no_interface(aws):
    subnet = network(aws)[1]
    instance = aws.run_instances(ImageId=debian12(aws), MinCount=1, MaxCount=1, SubnetId=subnet)['Instances'][0]
    attachment = instance['NetworkInterfaces'][0]['Attachment']
    assert attachment['DeleteOnTermination'] is True
    aws.terminate_instances(InstanceIds=[instance['InstanceId']])
    left = aws.describe_network_interfaces(Filters=[{'Name': 'subnet-id', 'Values': [subnet]}])['NetworkInterfaces']
    assert left == []
    aws.delete_subnet(SubnetId=subnet)  # nothing holds the subnet any more


def test_deleted_nat_gateway_frees_its_interface_and_address(aws):
    subnet = network(aws)[1]
    allocation = aws.allocate_address(Domain='vpc')['AllocationId']
    nat = aws.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)['NatGateway']['NatGatewayId']
    assert aws.describe_addresses(AllocationIds=[allocation])['Addresses'][0].get('AssociationId')
    aws.delete_nat_gateway(NatGatewayId=nat)
    assert aws.describe_network_interfaces(Filters=[{'Name': 'subnet-id', 'Values': [subnet]}])['NetworkInterfaces'] == []
    assert not aws.describe_addresses(AllocationIds=[allocation])['Addresses'][0].get('AssociationId')
    aws.release_address(AllocationId=allocation)


def test_nat_gateways_are_filtered_by_their_tags_as_aws_filters_them(aws):
    """DescribeNatGateways takes tag:<key>, tag-key and tag-value filters (EC2 API reference, DescribeNatGateways); moto
    answered every stack's gateways to a filter by one stack's tag, so a listing of stack demo-2 held demo's."""
    subnet = network(aws)[1]
    made = {}
    for stack in ('demo', 'demo-2'):
        allocation = aws.allocate_address(Domain='vpc')['AllocationId']
        made[stack] = aws.create_nat_gateway(SubnetId=subnet, AllocationId=allocation, TagSpecifications=[{
            'ResourceType': 'natgateway', 'Tags': [{'Key': 'Stack', 'Value': stack}]}])['NatGateway']['NatGatewayId']

    def ids(*filters):
        return sorted(n['NatGatewayId'] for n in aws.describe_nat_gateways(Filters=list(filters))['NatGateways'])
    assert ids({'Name': 'tag:Stack', 'Values': ['demo-2']}) == [made['demo-2']]
    assert ids({'Name': 'tag:Stack', 'Values': ['demo']}) == [made['demo']]
    assert ids({'Name': 'tag:Stack', 'Values': ['demo*']}) == sorted(made.values())  # a value is a pattern on AWS
    assert ids({'Name': 'tag-value', 'Values': ['demo-2']}) == [made['demo-2']]
    assert ids({'Name': 'tag-key', 'Values': ['Owner']}) == []
    assert ids({'Name': 'tag:Stack', 'Values': ['demo']}, {'Name': 'subnet-id', 'Values': [subnet]}) == [made['demo']]


def test_ed25519_fingerprint_is_the_one_ssh_keygen_prints(aws, tmp_path):
    key = tmp_path / 'k'
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', str(key)], check=True)
    public = (tmp_path / 'k.pub').read_text()
    printed = subprocess.run(['ssh-keygen', '-l', '-E', 'sha256', '-f', str(key) + '.pub'], check=True,
                             capture_output=True, text=True).stdout.split()[1]
    answer = aws.import_key_pair(KeyName='k', PublicKeyMaterial=public.encode())
    assert printed == 'SHA256:' + answer['KeyFingerprint'].rstrip('=')
    assert aws.describe_key_pairs(KeyNames=['k'])['KeyPairs'][0]['KeyFingerprint'] == answer['KeyFingerprint']


# -- local clients only, fault settings checked ------------------------------------------------
@pytest.fixture
def app():
    from werkzeug.test import Client
    recorder = server.make_app()
    recorder.allowed_hosts = {'127.0.0.1:5000', 'localhost:5000', '127.0.0.1', 'localhost'}
    return Client(recorder)


def test_a_web_page_cannot_read_or_change_the_emulator(app):
    for path in ('/moto-api/data.json', '/_seed/faults', '/_seed/requests'):
        answer = app.get(path, headers={'Origin': 'https://evil.example', 'Host': '127.0.0.1:5000'})
        assert answer.status_code == 403, path
    rebound = app.get('/moto-api/data.json', headers={'Host': 'evil.example:5000'})
    assert rebound.status_code == 403
    preflight = app.open('/', method='OPTIONS', headers={'Host': '127.0.0.1:5000', 'Access-Control-Request-Method': 'POST'})
    assert preflight.status_code == 403 and not any(k.lower().startswith('access-control') for k in preflight.headers.keys())
    own = app.get('/moto-api/data.json', headers={'Host': '127.0.0.1:5000'})
    assert own.status_code == 200
    assert not any(k.lower().startswith('access-control') for k in own.headers.keys())


def test_a_throttled_request_is_answered_in_its_services_protocol(app):
    """Throttling in JSON for ACM (X-Amz-Target), as botocore must read it to retry; EC2's XML for the query API."""
    host = {'Host': '127.0.0.1:5000'}
    assert app.put('/_seed/faults', data=json.dumps({'throttle': 1.0, 'seed': 1}), headers=host).status_code == 200
    acm = app.post('/', data='{}', headers=dict(host, **{'X-Amz-Target': 'CertificateManager.ListCertificates',
                                                         'Content-Type': 'application/x-amz-json-1.1'}))
    body = json.loads(acm.get_data(as_text=True))
    assert acm.status_code in (400, 503) and body['__type'] in ('RequestLimitExceeded', 'Throttling', 'Unavailable')
    assert acm.headers['Content-Type'] == 'application/x-amz-json-1.1'
    ec2 = app.post('/', data='Action=DescribeVpcs&Version=2016-11-15', headers=dict(host, **{
        'Content-Type': 'application/x-www-form-urlencoded'}))
    assert ec2.headers['Content-Type'] == 'text/xml' and '<Errors><Error><Code>' in ec2.get_data(as_text=True)


def test_deregistering_a_target_that_is_not_registered_succeeds(aws):
    """As the ELBv2 API reference says (a retried DeregisterTargets whose first answer was lost); moto refuses it."""
    import boto3
    vpc, subnet = network(aws)
    elb = boto3.client('elbv2', region_name=REGION)
    tg = elb.create_target_group(Name='tg', Protocol='HTTP', Port=80, VpcId=vpc)['TargetGroups'][0]['TargetGroupArn']
    instance = aws.run_instances(ImageId=debian12(aws), MinCount=1, MaxCount=1, SubnetId=subnet)['Instances'][0]['InstanceId']
    elb.register_targets(TargetGroupArn=tg, Targets=[{'Id': instance}])
    elb.deregister_targets(TargetGroupArn=tg, Targets=[{'Id': instance}])
    elb.deregister_targets(TargetGroupArn=tg, Targets=[{'Id': instance}])
    assert [t['Target']['Id'] for t in elb.describe_target_health(TargetGroupArn=tg)['TargetHealthDescriptions']
            if t['TargetHealth']['State'] != 'unused'] == []


def test_a_load_balancer_made_without_a_scheme_is_internet_facing(aws):
    """"The default is an Internet-facing load balancer" (CreateLoadBalancer, the ELBv2 API reference); moto answered
    no Scheme, and the data plane's network took such a load balancer for an internal one (no way in from outside)."""
    import boto3
    vpc = aws.create_vpc(CidrBlock='10.9.0.0/16')['Vpc']['VpcId']
    subnets = [aws.create_subnet(VpcId=vpc, CidrBlock='10.9.%d.0/24' % i, AvailabilityZone=REGION + zone)['Subnet']['SubnetId']
               for i, zone in enumerate('ab')]
    elb = boto3.client('elbv2', region_name=REGION)
    made = elb.create_load_balancer(Name='no-scheme', Subnets=subnets)['LoadBalancers'][0]
    assert made['Scheme'] == 'internet-facing'
    (found,) = elb.describe_load_balancers(Names=['no-scheme'])['LoadBalancers']
    assert found['Scheme'] == 'internet-facing'
    internal = elb.create_load_balancer(Name='inside', Subnets=subnets, Scheme='internal')['LoadBalancers'][0]
    assert internal['Scheme'] == 'internal'


@pytest.mark.parametrize('settings, field', [
    ({'throttle': 'x'}, 'throttle'), ({'throttle': 2}, 'throttle'), ({'lose': 'RunInstances'}, 'lose'),
    ({'strict': 'yes'}, 'strict'), ({'pending': -1}, 'pending'), ({'nonsense': 1}, 'unknown'),
])
def test_fault_settings_are_checked(app, settings, field):
    answer = app.put('/_seed/faults', data=json.dumps(settings), headers={'Host': '127.0.0.1:5000'})
    assert answer.status_code == 400 and field in answer.get_data(as_text=True)
    current = app.get('/_seed/faults', headers={'Host': '127.0.0.1:5000'}).get_json()
    assert current['throttle'] == 0.0 and current['lose'] == []  # nothing of the bad settings was taken


def test_only_a_loopback_address_is_listened_on(capsys):
    for host in ('localhost', '0.0.0.0', '10.1.2.3'):
        with pytest.raises(SystemExit):
            parse_args(['--host', host])
        assert 'loopback address' in capsys.readouterr().err


# -- the internet proxy ----------------------------------------------------------------------
def test_the_proxy_sends_nothing_to_an_address_that_is_not_an_instance():
    asked = []

    def resolve(host, port):
        asked.append((host, port))
        return None
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    httpd = proxy.serve(port, resolve)
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({'http': 'http://127.0.0.1:%d' % port}))
        with pytest.raises(urllib.error.HTTPError) as caught:
            opener.open('http://54.1.2.3/', timeout=10)
        assert caught.value.code == 403 and b'nothing was sent' in caught.value.read()
        assert asked == [('54.1.2.3', 80)]
    finally:
        httpd.shutdown()


# -- the ssh guard ------------------------------------------------------------------------------
# No test here lets anything dial an address that is not loopback: the guard runs a stand-in for the real ssh
# (it answers -G with OpenSSH's own `ssh -G`, which never connects, and records any other call), or the real ssh
# with every host mapped to 127.0.0.1 and its hop behind a ProxyCommand.
NEEDS_SSH = pytest.mark.skipif(not os.path.exists('/usr/bin/ssh'), reason='needs OpenSSH for ssh -G')
GUARD = os.path.join(ROOT, 'emulator', 'ssh_guard.py')


def guard_wrapper(path, log=None):
    """The demo's bin/ssh (scripts/demo.sh writes it): the guard, which knows itself by SEED_SSH_GUARD_SELF."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('#!/bin/sh\n%sSEED_SSH_GUARD_SELF=$0; export SEED_SSH_GUARD_SELF\nexec %s -S -E %s "$@"\n'
                    % ('echo "$@" >> %s\n' % log if log else '', sys.executable, GUARD))
    path.chmod(0o755)
    return path


@pytest.fixture
def guard(tmp_path):
    """The guard with a stand-in for the real ssh that answers -G as ssh does and records any other call."""
    record = tmp_path / 'dialled'
    fake = tmp_path / 'ssh'
    fake.write_text('#!/bin/sh\nif [ "$1" = -G ]; then echo "$@" >> %s; exec /usr/bin/ssh "$@"; fi\n'
                    'echo "$@" >> %s\n' % (tmp_path / 'resolved', record))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    addresses = tmp_path / 'addresses.json'
    addresses.write_text(json.dumps({'containers': ['10.20.10.4']}))
    config = tmp_path / 'ssh_config'
    config.write_text('Host 54.1.2.3\n  HostName 127.0.0.1\n  Port 2222\n  HostKeyAlias 54.1.2.3\n')
    wrapper = guard_wrapper(tmp_path / 'bin' / 'ssh')
    env = dict(os.environ, SEED_SSH_GUARD_SSH=str(fake), SEED_SSH_GUARD_ADDRESSES=str(addresses), SEED_SSH_GUARD_SELF=str(wrapper))
    env.pop('SEED_SSH_GUARD_CACHE', None)

    def run(*args, cache=None, config_file=None):
        proc = subprocess.run([sys.executable, GUARD, '-F', str(config_file or config)] + list(args),
                              env=dict(env, **({'SEED_SSH_GUARD_CACHE': str(cache)} if cache else {})),
                              capture_output=True, text=True, check=False, timeout=30)
        dialled = record.read_text().splitlines() if record.exists() else []
        return proc, dialled
    run.resolved = lambda: (tmp_path / 'resolved').read_text().splitlines() if (tmp_path / 'resolved').exists() else []
    run.addresses, run.config, run.wrapper = addresses, config, wrapper
    return run


@NEEDS_SSH
def test_guard_refuses_an_unmapped_address_before_anything_is_sent(guard):
    proc, dialled = guard('admin@54.9.9.9', 'true')
    assert proc.returncode == 255 and 'refused, nothing was sent' in proc.stderr and '54.9.9.9' in proc.stderr
    assert dialled == []
    proc, dialled = guard('-o', 'ProxyJump=admin@54.9.9.9', 'admin@10.20.10.4', 'true')
    assert proc.returncode == 255 and 'jump host' in proc.stderr and dialled == []
    proc, dialled = guard('-o', 'ProxyJump=admin@54.1.2.3', 'admin@10.20.10.99', 'true')  # in the VPC, no container
    assert proc.returncode == 255 and dialled == []
    proc, dialled = guard('admin@10.20.10.4', 'true')  # a private host's container, straight from the control node
    assert proc.returncode == 255 and 'neither 127.0.0.1' in proc.stderr and dialled == []
    proc, dialled = guard('-o', 'ProxyCommand=nc 54.9.9.9 22', 'admin@10.20.10.4', 'true')
    assert proc.returncode == 255 and 'ProxyCommand' in proc.stderr and dialled == []


@NEEDS_SSH
def test_guard_lets_mapped_and_container_addresses_through(guard):
    proc, dialled = guard('admin@54.1.2.3', 'true')  # mapped to 127.0.0.1 by the data plane's ssh_config
    assert proc.returncode == 0, proc.stderr
    proc, dialled = guard('-o', 'ProxyJump=admin@54.1.2.3', 'admin@10.20.10.4', 'true')
    assert proc.returncode == 0, proc.stderr
    assert len(dialled) == 2 and dialled[-1].endswith('admin@10.20.10.4 true')


@pytest.mark.parametrize('argv, options, destination, command', [
    (['admin@54.9.9.9', 'ls', '-G'], [], 'admin@54.9.9.9', ['ls', '-G']),
    (['-p', '22', 'h'], [('p', '22')], 'h', []),
    (['-p22', 'h', 'true'], [('p', '22')], 'h', ['true']),
    (['-Cp', '22', '-tt', 'h'], [('C', None), ('p', '22'), ('t', None), ('t', None)], 'h', []),
    (['-CL8080:x:80', 'h'], [('C', None), ('L', '8080:x:80')], 'h', []),
    (['-l', '-p', 'h'], [('l', '-p')], 'h', []),  # a value that looks like an option is still the value
    (['-o', 'ProxyCommand=nc x 22', '-oProxyJump=j', 'h'], [('o', 'ProxyCommand=nc x 22'), ('o', 'ProxyJump=j')], 'h', []),
    # ssh reads options again right after the destination, up to the first word that is not one
    (['h', '-L', '1:x:2', '-W', 'y:1', 'ls', '-W', 'z:1'], [('L', '1:x:2'), ('W', 'y:1')], 'h', ['ls', '-W', 'z:1']),
    (['h', '-G'], [('G', None)], 'h', []),
    (['h', 'echo', '-V', '-O', 'check'], [], 'h', ['echo', '-V', '-O', 'check']),
    # -- ends the options: before the destination, no options are read after it
    (['--', 'h', '-W', 'y:1'], [], 'h', ['-W', 'y:1']),
    (['-v', 'h', '--', '-W', 'y:1'], [('v', None)], 'h', ['-W', 'y:1']),
    # sftp -S and scp -S run ssh so
    (['-oForwardX11 no', '-oPermitLocalCommand no', '-l', 'admin', '-s', '--', '54.1.2.3', 'sftp'],
     [('o', 'ForwardX11 no'), ('o', 'PermitLocalCommand no'), ('l', 'admin'), ('s', None)], '54.1.2.3', ['sftp']),
    (['-V'], [('V', None)], None, []),
    (['-O', 'check', '-S', '/tmp/c', 'h'], [('O', 'check'), ('S', '/tmp/c')], 'h', []),
])
def test_guard_reads_ssh_arguments_as_ssh_does(argv, options, destination, command):
    from emulator import ssh_guard
    call = ssh_guard.parse(argv)
    assert (call.options, call.destination, argv[call.end:]) == (options, destination, command)


@pytest.mark.parametrize('argv, why', [
    (['-P', 'x', 'h'], '-P'),  # a flag in older OpenSSH, a tag with a value in newer ones: its next word cannot be told
    (['-CP', 'h'], '-P'),
    (['-Z', 'h'], 'unknown option -Z'),
    (['h', '-p'], '-p needs a value'),
])
def test_guard_refuses_arguments_it_cannot_read(argv, why):
    from emulator import ssh_guard
    with pytest.raises(ssh_guard.Refused) as caught:
        ssh_guard.parse(argv)
    assert why in str(caught.value)


@NEEDS_SSH
@pytest.mark.parametrize('args, why', [
    # the remote command is never read as options: these are commands, the destination is checked
    (('admin@54.9.9.9', 'ls', '-G'), '54.9.9.9'),
    (('admin@54.9.9.9', 'echo', '-V'), '54.9.9.9'),
    (('admin@54.9.9.9', 'true', '-O', 'check'), '54.9.9.9'),
    # forwards to an address that is not the demo's, before or after the destination, on the command line or by -o
    (('-L', '8080:54.9.9.9:80', 'admin@54.1.2.3', 'true'), 'the target of -L/LocalForward'),
    (('admin@54.1.2.3', '-L', '8080:54.9.9.9:80', 'true'), 'the target of -L/LocalForward'),
    (('-o', 'LocalForward=8080 54.9.9.9:80', 'admin@54.1.2.3'), 'the target of -L/LocalForward'),
    (('-R', '8080:54.9.9.9:80', 'admin@54.1.2.3'), 'the target of -R/RemoteForward'),
    (('-o', 'RemoteForward=8080 [54.9.9.9]:80', 'admin@54.1.2.3'), 'the target of -R/RemoteForward'),
    (('-R', '8080', 'admin@54.1.2.3'), 'SOCKS'),
    (('-D', '1080', 'admin@54.1.2.3'), 'SOCKS'),
    (('admin@54.1.2.3', '-D', '127.0.0.1:1080', 'true'), 'SOCKS'),
    (('-o', 'DynamicForward=1080', 'admin@54.1.2.3'), 'SOCKS'),
    (('-W', '54.9.9.9:22', 'admin@54.1.2.3'), 'the target of -W'),
    (('admin@54.1.2.3', '-W', '[54.9.9.9]:22'), 'the target of -W'),
    (('-w', '0:0', 'admin@54.1.2.3'), 'Tunnel'),
    (('-o', 'Tunnel=yes', 'admin@54.1.2.3'), 'Tunnel'),
    (('-X', 'admin@54.1.2.3'), 'X11'),
    (('-o', 'PermitLocalCommand=yes', '-o', 'LocalCommand=curl http://54.9.9.9/', 'admin@54.1.2.3'), 'LocalCommand'),
    (('-o', 'KnownHostsCommand=/usr/bin/curl http://54.9.9.9/', 'admin@54.1.2.3'), 'KnownHostsCommand'),
    (('-o', 'PKCS11Provider=/tmp/any.so', 'admin@54.1.2.3'), 'PKCS11Provider'),
    (('-o', 'EnableEscapeCommandline=yes', '-t', 'admin@54.1.2.3'), 'EnableEscapeCommandline'),
    (('-o', 'ProxyCommand=/bin/nc 54.9.9.9 22', 'admin@54.1.2.3'), 'ProxyCommand'),
    (('-P', 'admin@54.1.2.3'), '-P'),
])
def test_guard_refuses_every_way_around_it(guard, args, why):
    proc, dialled = guard(*args)
    assert proc.returncode == 255 and 'refused, nothing was sent' in proc.stderr and why in proc.stderr, proc.stderr
    assert dialled == []


@NEEDS_SSH
def test_guard_reads_forwards_and_proxies_of_config_files(guard, tmp_path):
    base = 'Host 54.1.2.3\n  HostName 127.0.0.1\n  Port 2222\n'
    for extra, why in [('  LocalForward 8080 54.9.9.9:80\n', 'the target of -L/LocalForward'),
                       ('  RemoteForward 8080 54.9.9.9:80\n', 'the target of -R/RemoteForward'),
                       ('  DynamicForward 1080\n', 'SOCKS'),
                       ('  ProxyCommand nc 54.9.9.9 22\n', 'ProxyCommand'),
                       ('  ProxyJump admin@54.9.9.9\n', '54.9.9.9')]:
        config = tmp_path / 'other_config'
        config.write_text(base + extra)
        proc, dialled = guard('admin@54.1.2.3', 'true', config_file=config)
        assert proc.returncode == 255 and why in proc.stderr and dialled == [], (extra, proc.stderr)
    # a config that runs a command to decide: refused before ssh -G (which would run it) is asked
    marker = tmp_path / 'ran'
    config.write_text(base + 'Match exec "touch %s"\n  Port 2223\n' % marker)
    for args in (('admin@54.1.2.3', 'true'), ('-G', 'admin@54.1.2.3'), ('-O', 'check', 'admin@54.1.2.3')):
        proc, dialled = guard(*args, config_file=config)
        assert proc.returncode == 255 and 'Match exec' in proc.stderr and dialled == [] and not marker.exists(), (args, proc.stderr)
    # an Include'd file is read too
    (tmp_path / 'included').write_text('Host 54.1.2.3\n  LocalForward 8080 54.9.9.9:80\n')
    config.write_text('Include %s\n' % (tmp_path / 'included') + base)
    proc, dialled = guard('admin@54.1.2.3', 'true', config_file=config)
    assert proc.returncode == 255 and 'LocalForward' in proc.stderr and dialled == []


@NEEDS_SSH
def test_guard_lets_the_demos_own_forwards_and_proxies_through(guard):
    for args in [('-L', '8080:10.20.10.4:80', 'admin@54.1.2.3', 'true'),   # to a container, from the host it reaches
                 ('-L', '8080:127.0.0.1:80', 'admin@54.1.2.3', 'true'),
                 ('-L', '/tmp/l.sock:/run/r.sock', 'admin@54.1.2.3', 'true'),  # Unix sockets: no address
                 ('-R', '8080:127.0.0.1:80', 'admin@54.1.2.3', 'true'),
                 ('-W', '[10.20.10.4]:22', 'admin@54.1.2.3'),               # how ssh runs a ProxyJump's hop
                 ('-l', 'admin', '-s', '--', '54.1.2.3', 'sftp'),
                 ('admin@54.1.2.3', 'ls', '-G', '-L', '1:54.9.9.9:2'),   # a remote command, not options
                 ('-o', 'ProxyCommand=%s -W %%h:%%p admin@54.1.2.3' % guard.wrapper, 'admin@10.20.10.4', 'true')]:
        proc, dialled = guard(*args)
        assert proc.returncode == 0, (args, proc.stderr)
        assert dialled[-1].endswith(' '.join(args[-2:])), (args, dialled)
    # the guard as ProxyCommand, but with a shell command after it
    proc, dialled = guard('-o', 'ProxyCommand=%s -W %%h:%%p admin@54.1.2.3; curl http://54.9.9.9/' % guard.wrapper, 'admin@10.20.10.4')
    assert proc.returncode == 255 and 'ProxyCommand' in proc.stderr
    # calls that send nothing pass through unchecked: ssh prints and exits, or asks the master it already has
    before = len(guard.resolved())
    for args in [('-V',), ('-G', 'admin@54.9.9.9'), ('-O', 'check', 'admin@54.9.9.9'), ('-Q', 'cipher')]:
        proc, dialled = guard(*args)
        assert proc.returncode == 0 and dialled[-1].endswith(' '.join(args)), (args, proc.stderr)
    assert len(guard.resolved()) == before
    # -O forward asks the master for a new forward: checked
    proc, dialled = guard('-O', 'forward', '-L', '8080:54.9.9.9:80', 'admin@54.1.2.3')
    assert proc.returncode == 255 and 'LocalForward' in proc.stderr


@NEEDS_SSH
def test_the_jump_hop_runs_the_guard_too(tmp_path):
    """OpenSSH runs a ProxyJump's hop as `<its argv[0]> -W [host]:port jump`: the guard execs ssh with its own
    wrapper as argv[0], so the hop is checked too (also in the execution environment, where PATH is the image's).
    Here the jump host is 127.0.0.1 port 1, where nothing listens: the hop fails there, nothing else is dialled."""
    log = tmp_path / 'calls'
    wrapper = guard_wrapper(tmp_path / 'bin' / 'ssh', log=log)
    config = tmp_path / 'ssh_config'
    config.write_text('Host 54.1.2.3\n  HostName 127.0.0.1\n  Port 1\n')
    addresses = tmp_path / 'addresses.json'
    addresses.write_text(json.dumps({'containers': ['10.20.10.4']}))
    env = dict(os.environ, SEED_SSH_GUARD_SSH='/usr/bin/ssh', SEED_SSH_GUARD_ADDRESSES=str(addresses))
    env.pop('SEED_SSH_GUARD_CACHE', None)
    proc = subprocess.run([str(wrapper), '-F', str(config), '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5',
                           '-o', 'ProxyJump=admin@54.1.2.3', 'admin@10.20.10.4', 'true'],
                          env=env, capture_output=True, text=True, check=False, timeout=60)
    calls = log.read_text().splitlines()
    assert proc.returncode == 255 and len(calls) == 2, (calls, proc.stderr)
    assert calls[1].split()[-3:] == ['-W', '[10.20.10.4]:22', '54.1.2.3'], calls


@NEEDS_SSH
def test_guard_cache_lets_the_same_call_through_and_checks_a_changed_one(guard, tmp_path):
    """A call found safe is let through again without ssh -G; another command to the same host is the same call;
    a changed address list or config is checked in full (and refused when no longer safe); a refusal is never cached."""
    cache = tmp_path / 'ok'
    jump = ('-o', 'ProxyJump=admin@54.1.2.3', '-o', 'ControlMaster=auto', 'admin@10.20.10.4')
    proc, dialled = guard(*jump, 'true', cache=cache)
    assert proc.returncode == 0, proc.stderr
    checks = len(guard.resolved())
    assert checks == 2 and len(os.listdir(str(cache))) == 1  # the destination and its jump host, once
    proc, dialled = guard(*jump, "/bin/sh -c 'echo other'", cache=cache)
    assert proc.returncode == 0 and len(guard.resolved()) == checks and dialled[-1].endswith("admin@10.20.10.4 /bin/sh -c 'echo other'")
    # options after the destination are options, not the command: part of what the cache knows a call by
    for after in (('-L', '8080:54.9.9.9:80'), ('-W', '54.9.9.9:22'), ('-D', '1080')):
        proc, dialled = guard(*(jump + after), cache=cache)
        assert proc.returncode == 255 and len(guard.resolved()) > checks, (after, proc.stderr)
    checks = len(guard.resolved())
    # the container is gone from the data plane: the same call is checked again, and refused
    guard.addresses.write_text(json.dumps({'containers': []}))
    proc, dialled = guard(*jump, 'true', cache=cache)
    assert proc.returncode == 255 and 'neither 127.0.0.1' in proc.stderr and len(guard.resolved()) > checks
    assert len(os.listdir(str(cache))) == 1
    # the config maps the public address elsewhere: checked in full, refused
    guard.addresses.write_text(json.dumps({'containers': ['10.20.10.4']}))
    guard.config.write_text('Host 54.1.2.3\n  HostName 54.9.9.9\n')
    proc, dialled = guard(*jump, 'true', cache=cache)
    assert proc.returncode == 255 and '54.9.9.9' in proc.stderr
    # a destination given by name is checked every time (a name may resolve elsewhere later)
    before = len(guard.resolved())
    for dummy in range(2):
        proc, dialled = guard('admin@localhost', 'true', cache=cache)
        assert proc.returncode == 0, proc.stderr
    assert len(guard.resolved()) == before + 2


# -- the load balancers' stand-in (emulator.loadbalancer), without Docker: its config and its answers -------
@pytest.fixture
def albs(aws, tmp_path, monkeypatch):
    import boto3
    from emulator import loadbalancer
    calls = []
    monkeypatch.setattr(loadbalancer, 'docker', lambda *args, **kwargs: calls.append(args) or '')
    monkeypatch.setattr(loadbalancer.LoadBalancers, '_wait_ready', lambda self, entry, old_worker=None: None)

    class DataPlane:
        state_dir = str(tmp_path)

        @staticmethod
        def network_for(backend, vpc_id):
            return 'seed-%s' % vpc_id
    lbs = loadbalancer.LoadBalancers(DataPlane())
    lbs.stopping.set()  # no poller: the test calls step() itself
    vpc, subnet_a = network(aws)
    subnet_b = aws.create_subnet(VpcId=vpc, CidrBlock='10.20.1.0/24', AvailabilityZone='us-east-1b')['Subnet']['SubnetId']
    web = aws.run_instances(ImageId=debian12(aws), MinCount=1, MaxCount=1, SubnetId=subnet_a)['Instances'][0]
    elbv2 = boto3.client('elbv2', region_name=REGION)
    lb = elbv2.create_load_balancer(Name='shop', Subnets=[subnet_a, subnet_b])['LoadBalancers'][0]
    tg = elbv2.create_target_group(Name='shop-web', Protocol='HTTP', Port=80, VpcId=vpc, HealthCheckPath='/up',
                                   HealthCheckIntervalSeconds=5, HealthyThresholdCount=3, UnhealthyThresholdCount=2,
                                   Matcher={'HttpCode': '200-202'})['TargetGroups'][0]['TargetGroupArn']
    elbv2.create_listener(LoadBalancerArn=lb['LoadBalancerArn'], Protocol='HTTP', Port=80, DefaultActions=[
        {'Type': 'redirect', 'RedirectConfig': {'Protocol': 'HTTPS', 'Port': '443', 'StatusCode': 'HTTP_301'}}])
    elbv2.create_listener(LoadBalancerArn=lb['LoadBalancerArn'], Protocol='HTTP', Port=8080,
                          DefaultActions=[{'Type': 'forward', 'TargetGroupArn': tg}])
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{'Id': web['InstanceId']}])
    lbs.sync(REGION)
    return lbs, calls, lb, tg, web, elbv2, tmp_path


def test_a_load_balancer_is_haproxy_with_the_target_groups_health_check(albs):
    lbs, calls, lb, dummy, web, dummy, tmp_path = albs
    run = [c for c in calls if c[0] == 'run'][0]
    published = json.loads((tmp_path / 'load_balancers.json').read_text())[lb['DNSName']]['ports']
    assert '127.0.0.1:%s:80' % published['80'] in run and '127.0.0.1:%s:8080' % published['8080'] in run
    assert 'seed/alb:bookworm' in run
    config = (tmp_path / 'alb' / 'shop' / 'haproxy.cfg').read_text()
    # under the DNS name: https://<name>/ (443, the default port of https, is not written)
    assert 'http-request redirect location "https://%[var(txn.seed_host)]/%[path,regsub(^/,)]%[var(txn.seed_query)]" code 301\n' in config
    assert 'http-check send meth GET uri /up' in config and 'http-check expect rstatus ^(200|201|202)$' in config
    assert 'default-server inter 5s rise 3 fall 2' in config
    # registered, not yet checked: a server that gets no request (weight 0)
    assert '  server %s %s:80 check weight 0' % (web['InstanceId'], web['PrivateIpAddress']) in config
    assert lbs.public_target(lb['DNSName'], 8080) is not None and lbs.public_target(lb['DNSName'], 9) is None


def lbs_ec2():
    from emulator.server import ec2_backend
    return ec2_backend(REGION)


def lbs_first(lbs):
    from emulator.loadbalancer import elbv2_backend
    return next(iter(elbv2_backend(REGION).load_balancers.values()))


def test_the_load_balancers_node_has_an_address_of_its_first_subnet_as_on_aws(albs, aws):
    """Targets see requests come from the load balancer's subnets (an app trusting its proxies by their CIDRs needs it):
    the highest address of the first subnet by zone that AWS does not reserve and nothing holds."""
    import ipaddress
    lbs, calls, lb, dummy, web, dummy, dummy = albs
    run = [c for c in calls if c[0] == 'run'][0]
    address = run[run.index('--ip') + 1]
    first = sorted(aws.describe_subnets(SubnetIds=[z['SubnetId'] for z in lb['AvailabilityZones']])['Subnets'],
                   key=lambda s: s['AvailabilityZone'])[0]
    cidr = ipaddress.ip_network(first['CidrBlock'])
    assert ipaddress.ip_address(address) == cidr.broadcast_address - 1 and address != web['PrivateIpAddress']
    # a second load balancer in the same subnet: the next address down, not the first one's
    from emulator import loadbalancer
    assert loadbalancer.node_address(lbs_ec2(), lbs_first(lbs), held=[address]) == str(cidr.broadcast_address - 2)


def self_signed_pem(name):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import datetime
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def test_a_redirect_on_a_published_port_goes_to_the_published_port_of_its_target(albs):
    """http://127.0.0.1:<80's port>/ redirects to https://127.0.0.1:<443's port>/, where the browser that asked finds the
    HTTPS listener (AWS redirects to the listener's port, 443, which is this port on 127.0.0.1); the ports are chosen
    before the container starts, so the config knows them (tests/dataplane has HAProxy answer it)."""
    import boto3
    lbs, calls, lb, tg, dummy, elbv2, tmp_path = albs
    pem, key = self_signed_pem(lb['DNSName'])
    cert = boto3.client('acm', region_name=REGION).import_certificate(Certificate=pem, PrivateKey=key)['CertificateArn']
    elbv2.create_listener(LoadBalancerArn=lb['LoadBalancerArn'], Protocol='HTTPS', Port=443, Certificates=[{'CertificateArn': cert}],
                          DefaultActions=[{'Type': 'forward', 'TargetGroupArn': tg}])
    lbs.sync(REGION)
    run = [c for c in calls if c[0] == 'run'][-1]
    published = json.loads((tmp_path / 'load_balancers.json').read_text())[lb['DNSName']]['ports']
    assert sorted(published) == ['443', '80', '8080'] and len(set(published.values())) == 3
    for port, local in published.items():
        assert '127.0.0.1:%s:%s' % (local, port) in run and int(local) not in (80, 443, 8080)
    config = (tmp_path / 'alb' / 'shop' / 'haproxy.cfg').read_text()
    listener_80 = config.split('frontend listener_80\n', 1)[1].split('\n\n', 1)[0]
    assert ('  http-request redirect location "https://%%[var(txn.seed_host)]:%s/%%[path,regsub(^/,)]%%[var(txn.seed_query)]" code 301 '
            'if { var(txn.seed_port) -m str %s }' % (published['443'], published['80'])) in listener_80
    assert listener_80.endswith('  http-request redirect location "https://%[var(txn.seed_host)]/%[path,regsub(^/,)]%[var(txn.seed_query)]" code 301')


@pytest.mark.parametrize('config, published, want', [
    # #{port} is the port the client used: the listener's under the DNS name, the published one on 127.0.0.1
    ({'Path': '/new/#{path}', 'Query': '#{query}&p=#{port}'}, {8080: 41000},
     ['set-var(txn.seed_client_port) str(8080)', 'set-var(txn.seed_client_port) str(41000) if { var(txn.seed_port) -m str 41000 }',
      'set-var-fmt(txn.seed_query) "%[query]&p=%[var(txn.seed_client_port)]"',
      'redirect location "http://%[var(txn.seed_host)]:41000/new/%[path,regsub(^/,)]%[var(txn.seed_query)]" code 302 '
      'if { var(txn.seed_port) -m str 41000 }',
      'redirect location "http://%[var(txn.seed_host)]:8080/new/%[path,regsub(^/,)]%[var(txn.seed_query)]" code 302']),
    # another host: no port of 127.0.0.1's; literal text is escaped for HAProxy ('%', '"', '$')
    ({'Host': 'www.#{host}', 'Port': '443', 'Protocol': 'HTTPS', 'Path': '/50%"$x'}, {8080: 41000, 443: 41001},
     ['redirect location "https://www.%[var(txn.seed_host)]/50%%\\"\\$x%[var(txn.seed_query)]" code 302']),
    # a port that is not one of this load balancer's listeners: as it is
    ({'Port': '9443', 'Protocol': 'HTTPS'}, {8080: 41000},
     ['redirect location "https://%[var(txn.seed_host)]:9443/%[path,regsub(^/,)]%[var(txn.seed_query)]" code 302']),
])
def test_redirect_keywords_as_aws_documents_them(config, published, want):
    from emulator.loadbalancer import redirect_lines
    lines = redirect_lines(8080, 'HTTP', dict(config, StatusCode='HTTP_302'), published, 'shop-1.us-east-1.elb.amazonaws.com')
    for line in want:
        assert '  http-request ' + line in lines, (line, lines)
    assert len([line for line in lines if ' redirect ' in line]) == len([line for line in want if line.startswith('redirect')])


def frontend(config, port):
    return config.split('frontend listener_%d\n' % port, 1)[1].split('\n\n', 1)[0].splitlines()


def test_listener_rules_are_served_by_priority_before_the_default_action(albs):
    """AWS evaluates a listener's rules from the lowest priority, then its default action: each rule's conditions are ACLs
    (host-header case-insensitive, without the port; path-pattern case-sensitive; * and ? as AWS's wildcards), the first
    rule that matches sets txn.seed_rule, and only its action runs (a redirect as the default action's, a forward as
    use_backend); the default action only when no rule matched."""
    lbs, calls, lb, tg, dummy, elbv2, tmp_path = albs
    listeners = dict((li['Port'], li['ListenerArn']) for li in elbv2.describe_listeners(LoadBalancerArn=lb['LoadBalancerArn'])['Listeners'])
    elbv2.create_rule(ListenerArn=listeners[8080], Priority=20, Conditions=[
        {'Field': 'path-pattern', 'PathPatternConfig': {'Values': ['/old/*', "/a'b$c.d?"]}}],
        Actions=[{'Type': 'forward', 'TargetGroupArn': tg}])
    elbv2.create_rule(ListenerArn=listeners[8080], Priority=10, Conditions=[
        {'Field': 'host-header', 'HostHeaderConfig': {'Values': ['www.shop.example.com', '*.Old.example.com']}}],
        Actions=[{'Type': 'redirect', 'RedirectConfig': {'Protocol': 'HTTPS', 'Port': '443', 'Host': 'shop.example.com', 'StatusCode': 'HTTP_301'}}])
    elbv2.create_rule(ListenerArn=listeners[80], Priority=5, Conditions=[{'Field': 'host-header', 'Values': ['api.example.com']}],
                      Actions=[{'Type': 'forward', 'TargetGroupArn': tg}])
    lbs.after('CreateRule', {}, b'', REGION)  # the hook: CreateRule changes what is served
    config = (tmp_path / 'alb' / 'shop' / 'haproxy.cfg').read_text()
    lines = frontend(config, 8080)
    marks = [i for i, line in enumerate(lines) if 'set-var(txn.seed_rule)' in line]
    assert [lines[i] for i in marks] == [
        '  http-request set-var(txn.seed_rule) int(10) if !{ var(txn.seed_rule) -m found } seed_rule_10_0',
        '  http-request set-var(txn.seed_rule) int(20) if !{ var(txn.seed_rule) -m found } seed_rule_20_0']
    assert ("  acl seed_rule_10_0 req.hdr(host),regsub(:[0-9]+$,) -i -m reg '^www[.]shop[.]example[.]com$' "
            "'^.*[.]Old[.]example[.]com$'") in lines
    assert "  acl seed_rule_20_0 path -m reg '^/old/.*$' '^/a'\\''b[$]c[.]d.$'" in lines
    assert ('  http-request redirect location "https://shop.example.com/%[path,regsub(^/,)]%[var(txn.seed_query)]" code 301 '
            'if { var(txn.seed_rule) -m int 10 }') in lines
    assert '  use_backend tg_shop-web if { var(txn.seed_rule) -m int 20 }' in lines and '  default_backend tg_shop-web' in lines
    assert lines.index('  use_backend tg_shop-web if { var(txn.seed_rule) -m int 20 }') > marks[-1]
    # the default redirect of listener 80 runs only when its rule did not match
    lines = frontend(config, 80)
    assert '  use_backend tg_shop-web if { var(txn.seed_rule) -m int 5 }' in lines
    assert lines[-1] == ('  http-request redirect location "https://%[var(txn.seed_host)]/%[path,regsub(^/,)]%[var(txn.seed_query)]" '
                         'code 301 if !{ var(txn.seed_rule) -m found }')
    assert all(line.endswith('!{ var(txn.seed_rule) -m found }') for line in lines if ' redirect ' in line)
    # a rule deleted: served no more (DeleteRule rewrites the config)
    (rule,) = [r for r in elbv2.describe_rules(ListenerArn=listeners[80])['Rules'] if not r['IsDefault']]
    elbv2.delete_rule(RuleArn=rule['RuleArn'])
    lbs.after('DeleteRule', {}, b'', REGION)
    lines = frontend((tmp_path / 'alb' / 'shop' / 'haproxy.cfg').read_text(), 80)
    assert not [line for line in lines if 'seed_rule' in line]


@pytest.mark.parametrize('pattern, matching, other', [
    ('www.shop.example.com', ['www.shop.example.com'], ['wwwxshop.example.com', 'www.shop.example.com.evil.io']),
    ('*.example.com', ['a.example.com', '.example.com', 'a.b.example.com'], ['example.com', 'a.example.co']),
    ('/old/?', ['/old/a'], ['/old/', '/old/ab']),
    ("/a'b$c+d", ["/a'b$c+d"], ["/a'b$cd", "/a'bc+d"]),
])
def test_a_rule_value_is_a_regex_of_the_whole_with_awss_wildcards(pattern, matching, other):
    import re
    from emulator.loadbalancer import wildcard_regex
    regex = wildcard_regex(pattern)
    assert '\\' not in regex
    for text in matching:
        assert re.match(regex, text), (regex, text)
    for text in other:
        assert not re.match(regex, text), (regex, text)


def test_listener_rules_refused_as_aws_refuses_them(albs):
    """What moto lets through and AWS does not (emulator.listener_rules)."""
    from botocore.exceptions import ClientError
    from emulator import listener_rules
    lbs, dummy, lb, tg, dummy, elbv2, dummy = albs
    listeners = dict((li['Port'], li['ListenerArn']) for li in elbv2.describe_listeners(LoadBalancerArn=lb['LoadBalancerArn'])['Listeners'])
    host = [{'Field': 'host-header', 'HostHeaderConfig': {'Values': ['www.shop.example.com']}}]
    forward = [{'Type': 'forward', 'TargetGroupArn': tg}]

    def code(call, **kwargs):
        with pytest.raises(ClientError) as caught:
            call(**kwargs)
        return caught.value.response['Error']['Code']
    made = elbv2.create_rule(ListenerArn=listeners[80], Priority=10, Conditions=host, Actions=forward)['Rules'][0]
    assert code(elbv2.create_rule, ListenerArn=listeners[80], Priority=10, Conditions=host, Actions=forward) == 'PriorityInUse'
    assert code(elbv2.create_rule, ListenerArn=listeners[80], Priority=11, Conditions=host + host, Actions=forward) == 'ValidationError'
    assert code(elbv2.modify_rule, RuleArn=made['RuleArn'], Conditions=host + host) == 'ValidationError'
    assert code(elbv2.delete_rule, RuleArn=made['RuleArn'] + '0') == 'RuleNotFound'
    (default,) = [r for r in elbv2.describe_rules(ListenerArn=listeners[80])['Rules'] if r['IsDefault']]
    assert code(elbv2.delete_rule, RuleArn=default['RuleArn']) == 'OperationNotPermitted'
    # the group is the load balancer's while a rule (or a listener) forwards to it, not once none does
    elbv2.modify_listener(ListenerArn=listeners[8080], DefaultActions=[
        {'Type': 'redirect', 'RedirectConfig': {'Protocol': 'HTTPS', 'StatusCode': 'HTTP_301'}}])
    assert tg in [g['TargetGroupArn'] for g in elbv2.describe_target_groups(LoadBalancerArn=lb['LoadBalancerArn'])['TargetGroups']]
    elbv2.delete_rule(RuleArn=made['RuleArn'])
    assert code(elbv2.describe_target_groups, LoadBalancerArn=lb['LoadBalancerArn']) == 'TargetGroupNotFound'
    # HTTPS is never redirected to HTTP
    import boto3
    pem, key = self_signed_pem(lb['DNSName'])
    cert = boto3.client('acm', region_name=REGION).import_certificate(Certificate=pem, PrivateKey=key)['CertificateArn']
    https = elbv2.create_listener(LoadBalancerArn=lb['LoadBalancerArn'], Protocol='HTTPS', Port=443, Certificates=[
        {'CertificateArn': cert}], DefaultActions=forward)['Listeners'][0]['ListenerArn']
    to_http = [{'Type': 'redirect', 'RedirectConfig': {'Protocol': 'HTTP', 'Port': '80', 'StatusCode': 'HTTP_301'}}]
    assert code(elbv2.create_rule, ListenerArn=https, Priority=1, Conditions=host, Actions=to_http) == 'InvalidLoadBalancerAction'
    assert elbv2.create_rule(ListenerArn=listeners[80], Priority=1, Conditions=host, Actions=to_http)['Rules']
    # at most 100 rules per load balancer, its default rules not counted
    for priority in range(2, 101):
        elbv2.create_rule(ListenerArn=listeners[80], Priority=priority, Conditions=host, Actions=forward)
    assert code(elbv2.create_rule, ListenerArn=https, Priority=7, Conditions=host, Actions=forward) == 'TooManyRules'
    assert listener_rules.MAX_RULES == 100


def test_target_health_is_the_stand_ins_not_motos(albs, monkeypatch):
    lbs, dummy, dummy, tg, web, elbv2, tmp_path = albs
    iid = web['InstanceId']
    # what moto says (healthy, it guesses), rewritten by the hook from HAProxy's view
    payload = ('<DescribeTargetHealthResponse xmlns="%s"><DescribeTargetHealthResult><TargetHealthDescriptions><member>'
               '<HealthCheckPort>80</HealthCheckPort><TargetHealth><State>healthy</State></TargetHealth>'
               '<Target><Port>80</Port><Id>%s</Id></Target></member></TargetHealthDescriptions></DescribeTargetHealthResult>'
               '</DescribeTargetHealthResponse>' % (lbs_ns(), iid)).encode()
    out = lbs.health_answer({'TargetGroupArn': tg}, payload).decode()
    assert '<State>initial</State>' in out and 'Elb.RegistrationInProgress' in out
    # HAProxy says it passed its checks: healthy, and it gets requests
    commands = []
    monkeypatch.setattr(type(lbs), '_servers', lambda self, entry: {('tg_shop-web', iid): {
        'status': 'UP', 'check': 'L7OK', 'code': '200', 'rise': 3, 'health': 3}})
    monkeypatch.setattr(type(lbs), '_command', staticmethod(lambda entry, command, timeout=5: commands.append(command) or ''))
    lbs.step()
    assert commands == ['set server tg_shop-web/%s weight 1' % iid]
    assert '<State>healthy</State>' in lbs.health_answer({'TargetGroupArn': tg}, payload).decode()
    # failing checks: unhealthy with AWS's reason
    monkeypatch.setattr(type(lbs), '_servers', lambda self, entry: {('tg_shop-web', iid): {
        'status': 'DOWN', 'check': 'L7STS', 'code': '404', 'rise': 3, 'health': 0}})
    lbs.step()
    out = lbs.health_answer({'TargetGroupArn': tg}, payload).decode()
    assert '<State>unhealthy</State>' in out and 'Target.ResponseCodeMismatch' in out and '[404]' in out
    # deregistered: draining (listed although moto no longer lists it), then gone after the delay
    elbv2.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[{'Key': 'deregistration_delay.timeout_seconds', 'Value': '0'}])
    elbv2.deregister_targets(TargetGroupArn=tg, Targets=[{'Id': iid}])
    lbs.sync(REGION)
    empty = ('<DescribeTargetHealthResponse xmlns="%s"><DescribeTargetHealthResult><TargetHealthDescriptions/>'
             '</DescribeTargetHealthResult></DescribeTargetHealthResponse>' % lbs_ns()).encode()
    out = lbs.health_answer({'TargetGroupArn': tg}, empty).decode()
    assert '<State>draining</State>' in out and iid in out
    lbs.step()
    assert iid not in lbs.health_answer({'TargetGroupArn': tg}, empty).decode()
    assert 'server %s' % iid not in (tmp_path / 'alb' / 'shop' / 'haproxy.cfg').read_text()


def test_a_target_that_never_passes_is_unhealthy_after_the_unhealthy_threshold(albs, monkeypatch):
    """A target whose checks fail from its registration on is not `initial` for ever: "If the health checks exceed
    UnhealthyThresholdCount consecutive failures, the load balancer takes the target out of service"
    (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html), so once its
    checks have failed for that many intervals (2 of 5 s here) it is `unhealthy` with AWS's reason (an Auto Scaling
    group with ELB health checks replaces it, emulator.autoscaling); it never got a request."""
    lbs, dummy, dummy, tg, web, dummy, dummy = albs
    iid = web['InstanceId']
    now = [lbs.targets[tg][iid]['since']]
    monkeypatch.setattr(lbs, 'clock', lambda: now[0])
    commands = []
    monkeypatch.setattr(type(lbs), '_command', staticmethod(lambda entry, command, timeout=5: commands.append(command) or ''))
    monkeypatch.setattr(type(lbs), '_servers', lambda self, entry: {('tg_shop-web', iid): {
        'status': 'DOWN', 'check': 'INI', 'code': '', 'rise': 0, 'health': 0}})
    now[0] += 60
    lbs.step()
    assert lbs.targets[tg][iid]['state'] == 'initial'  # not checked yet
    monkeypatch.setattr(type(lbs), '_servers', lambda self, entry: {('tg_shop-web', iid): {
        'status': 'DOWN', 'check': 'L4CON', 'code': '', 'rise': 0, 'health': 0}})
    now[0] = lbs.targets[tg][iid]['since'] + 10 - 0.1
    lbs.step()
    assert lbs.targets[tg][iid]['state'] == 'initial'
    now[0] += 0.1
    lbs.step()
    assert (lbs.targets[tg][iid]['state'], lbs.targets[tg][iid]['reason']) == ('unhealthy', 'Target.FailedHealthChecks')
    assert commands == []  # no weight: it never served
    # the app comes up: healthy, and now it gets requests
    monkeypatch.setattr(type(lbs), '_servers', lambda self, entry: {('tg_shop-web', iid): {
        'status': 'UP', 'check': 'L7OK', 'code': '200', 'rise': 3, 'health': 3}})
    lbs.step()
    assert lbs.targets[tg][iid]['state'] == 'healthy' and commands == ['set server tg_shop-web/%s weight 1' % iid]


def lbs_ns():
    from emulator.loadbalancer import NS
    return NS
