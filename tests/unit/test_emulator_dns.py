"""The emulator's DNS (emulator.dns): each VPC's resolver answering from the emulator's Route 53 as its name servers do
(a change seen once it is INSYNC, a deleted record gone the same way, an alias to a load balancer as its address, nothing
forwarded anywhere), the proxy resolving a domain through it, and the CA bundle of the demo (emulator.ca). Driven
through an in-process emulator (moto's server app behind emulator.server's Recorder with the Route 53 hook and the DNS
hook, on 127.0.0.1:0) with an injected clock and a stand-in for docker, so no test sleeps or starts a container; the
config is also served by Debian's dnsmasq on loopback when it is installed (scripts/setup.sh installs it)."""
import os
import shutil
import socket
import stat
import struct
import subprocess
import threading
import time
import urllib.request

import pytest

pytest.importorskip('moto')

import boto3  # noqa: E402  pylint: disable=wrong-import-position

from emulator import ca, dns, profile as profile_mod, proxy, route53  # noqa: E402  pylint: disable=wrong-import-position
from .emulator_clock import Clock  # noqa: E402  pylint: disable=wrong-import-position

REGION = 'us-east-1'
INSYNC = profile_mod.DURATIONS[('route53', 'change', 'insync')] * profile_mod.DEFAULT_PACE
LB_ADDRESS = '10.9.255.242'


class DataPlane:
    """What emulator.dns needs of emulator.dataplane.DataPlane."""

    def __init__(self, folder):
        self.state_dir = str(folder)
        self.on_network = []
        self.nameservers = {}


class LoadBalancers:
    """What emulator.dns needs of emulator.loadbalancer.LoadBalancers: each load balancer's DNS name and address."""

    def __init__(self):
        self.lbs = []

    def state(self):
        return {'load_balancers': list(self.lbs)}


@pytest.fixture(scope='module')
def served(tmp_path_factory):
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server
    from emulator import server
    from emulator.fidelity import patch_moto
    patch_moto()
    plane, lbs = DataPlane(tmp_path_factory.mktemp('dataplane')), LoadBalancers()
    hook = dns.Dns(plane, lbs, passthrough=[], poll=False)
    recorder = server.Recorder(DomainDispatcherApplication(create_backend_app), hooks=[route53.Route53(), hook])
    httpd = make_server('127.0.0.1', 0, recorder, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield recorder, 'http://127.0.0.1:%d' % httpd.server_port, hook, lbs
    httpd.shutdown()


@pytest.fixture
def emu(served, monkeypatch):
    recorder, url, hook, lbs = served
    for key in ('AWS_PROFILE', 'AWS_ENDPOINT_URL'):
        monkeypatch.delenv(key, raising=False)
    restarted = []
    monkeypatch.setattr(dns, 'docker', lambda *args, **kwargs: restarted.append(args) or '')
    recorder.faults.configure({'profile': 'aws', 'lag': 0})
    urllib.request.urlopen(urllib.request.Request(url + '/moto-api/reset', method='POST'), timeout=30).read()
    clock = Clock()
    recorder.faults.profile.clock = clock
    lbs.lbs[:] = []

    class Emu:
        pass
    e = Emu()
    e.recorder, e.clock, e.hook, e.lbs, e.docker = recorder, clock, hook, lbs, restarted
    e.client = lambda service: boto3.client(service, region_name=REGION, endpoint_url=url, aws_access_key_id='testing',
                                            aws_secret_access_key='testing')
    e.r53 = e.client('route53')
    e.zone = e.r53.create_hosted_zone(Name='example.com', CallerReference='dns-%s' % time.time())['HostedZone']['Id']
    hook.step()
    yield e
    recorder.faults.profile.clock = profile_mod.time.monotonic


def change(emu, action, name, kind='A', values=('192.0.2.1',), ttl=300, alias=None):
    rrset = {'Name': name, 'Type': kind}
    if alias:
        rrset['AliasTarget'] = dict(alias, EvaluateTargetHealth=False)
    else:
        rrset.update(TTL=ttl, ResourceRecords=[{'Value': v} for v in values])
    emu.r53.change_resource_record_sets(HostedZoneId=emu.zone, ChangeBatch={'Changes': [{'Action': action, 'ResourceRecordSet': rrset}]})


def config(emu):
    emu.hook.step()
    with open(emu.hook.config) as f:
        return f.read()


def load_balancer(emu):
    ec2, elb = emu.client('ec2'), emu.client('elbv2')
    vpc = ec2.create_vpc(CidrBlock='10.9.0.0/16')['Vpc']['VpcId']
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock='10.9.%d.0/24' % i, AvailabilityZone=REGION + z)['Subnet']['SubnetId']
               for i, z in ((1, 'a'), (2, 'b'))]
    lb = elb.create_load_balancer(Name='shop-alb', Subnets=subnets)['LoadBalancers'][0]
    emu.lbs.lbs.append({'dns': lb['DNSName'], 'ip': LB_ADDRESS, 'name': 'shop-alb'})
    return lb


# -- what DNS answers: Route 53 as its name servers hold it ---------------------------------------------
def test_a_record_resolves_once_its_change_is_insync_and_stops_once_its_delete_is(emu):
    change(emu, 'CREATE', 'www.example.com.', values=('192.0.2.7',))
    assert 'www.example.com' not in config(emu)  # PENDING: not on Route 53's name servers yet
    assert emu.hook.names('www.example.com') == []
    emu.clock.now += INSYNC + 0.01
    text = config(emu)
    assert 'host-record=www.example.com,192.0.2.7,300' in text
    # the servers restarted on the new config (dnsmasq reads its records at start)
    assert any(a[:1] == ('exec',) and 'kill' in a[-1] for a in emu.docker) or not emu.hook.servers
    assert emu.hook.names('www.example.com') == ['192.0.2.7']
    change(emu, 'DELETE', 'www.example.com.', values=('192.0.2.7',))
    assert 'host-record=www.example.com,192.0.2.7' in config(emu)  # still answered until the delete is INSYNC
    emu.clock.now += INSYNC + 0.01
    assert 'www.example.com' not in config(emu) and emu.hook.names('www.example.com') == []


def test_the_moto_profile_answers_at_once(emu):
    emu.recorder.faults.configure({'profile': 'moto'})
    change(emu, 'CREATE', 'now.example.com.', values=('192.0.2.8',))
    assert 'host-record=now.example.com,192.0.2.8,300' in config(emu)


def test_an_alias_to_the_load_balancer_answers_its_address(emu):
    lb = load_balancer(emu)
    alias = {'DNSName': lb['DNSName'], 'HostedZoneId': lb['CanonicalHostedZoneId']}
    change(emu, 'CREATE', 'example.com.', alias=alias)
    change(emu, 'CREATE', 'example.com.', kind='AAAA', alias=alias)
    change(emu, 'CREATE', 'www.example.com.', alias=alias)
    emu.clock.now += INSYNC + 0.01
    text = config(emu)
    name = lb['DNSName'].lower()
    assert 'host-record=example.com,%s,60' % LB_ADDRESS in text and 'host-record=www.example.com,%s,60' % LB_ADDRESS in text
    # the load balancer's own names, as AWS's resolver answers them
    assert 'host-record=%s,%s,60' % (name, LB_ADDRESS) in text and 'host-record=dualstack.%s,%s,60' % (name, LB_ADDRESS) in text
    # no IPv6 in the data plane: the AAAA alias answers no address (and no v4 address for an AAAA query)
    assert text.count('host-record=example.com,') == 1
    # the proxy: the domain is the load balancer
    assert emu.hook.names('example.com') == [name] and emu.hook.names('WWW.example.com.') == [name]
    # the load balancer gone: the alias answers nothing, as Route 53's alias to a deleted target
    emu.lbs.lbs[:] = []
    assert 'example.com,%s' % LB_ADDRESS not in config(emu)


def test_cname_txt_and_mx_as_written(emu):
    acm_name, acm_value = '_3c9d.www.example.com.', '_7f1e.abcdefghij.acm-validations.aws.'
    change(emu, 'CREATE', 'example.com.', values=('192.0.2.9',))
    change(emu, 'CREATE', 'shop.example.com.', kind='CNAME', values=('example.com',))
    change(emu, 'CREATE', acm_name, kind='CNAME', values=(acm_value,))
    change(emu, 'CREATE', 'example.com.', kind='TXT', values=('"v=spf1 -all"', '"one" "two"'))
    change(emu, 'CREATE', 'example.com.', kind='MX', values=('10 mail.example.com.',))
    emu.clock.now += INSYNC + 0.01
    text = config(emu)
    assert 'cname=shop.example.com,example.com,300' in text  # a target dnsmasq knows: answered with its address
    assert 'dns-rr=%s,5,%s' % (acm_name.rstrip('.'), dns.wire_name(acm_value).hex()) in text  # any other: the CNAME itself
    assert 'dns-rr=example.com,16,%s' % (b'\x0bv=spf1 -all').hex() in text
    assert 'dns-rr=example.com,16,%s' % (b'\x03one\x03two').hex() in text
    assert 'dns-rr=example.com,15,000a%s' % dns.wire_name('mail.example.com').hex() in text
    assert emu.hook.names('shop.example.com') == ['192.0.2.9']


def test_a_name_below_a_zone_of_its_own_is_that_zones(emu):
    change(emu, 'CREATE', 'eu.example.com.', values=('192.0.2.10',))  # the parent's record of a delegated name
    child = emu.r53.create_hosted_zone(Name='eu.example.com', CallerReference='child-%s' % time.time())['HostedZone']['Id']
    emu.r53.change_resource_record_sets(HostedZoneId=child, ChangeBatch={'Changes': [{'Action': 'CREATE', 'ResourceRecordSet': {
        'Name': 'eu.example.com.', 'Type': 'A', 'TTL': 60, 'ResourceRecords': [{'Value': '192.0.2.11'}]}}]})
    emu.clock.now += INSYNC + 0.01
    text = config(emu)
    assert 'host-record=eu.example.com,192.0.2.11,60' in text and '192.0.2.10' not in text


def test_nothing_is_ever_forwarded(emu):
    change(emu, 'CREATE', 'www.example.com.')
    emu.clock.now += INSYNC + 0.01
    lines = config(emu).splitlines()
    assert 'no-resolv' in lines and 'no-hosts' in lines and 'address=/#/' in lines  # every other name: NXDOMAIN
    assert not [l for l in lines if l.startswith(('server=', 'resolv-file', 'rev-server', 'local=/'))], lines
    # the mirror, the one name from outside: the host's addresses, still no upstream
    text = dns.render({}, passthrough={'deb.debian.org': ['192.0.2.53']})
    assert 'host-record=deb.debian.org,192.0.2.53' in text and not [l for l in text.splitlines() if l.startswith('server=')]


def test_the_mirror_is_the_one_the_images_use(tmp_path):
    sources = tmp_path / 'debian.sources'
    sources.write_text('Types: deb\nURIs: http://deb.debian.org/debian-security\n\nTypes: deb\nURIs: http://mirror.example/debian\n')
    assert dns.mirror_hosts({}, [str(sources)]) == ['mirror.example']
    assert dns.mirror_hosts({'DEBIAN_MIRROR': 'http://other.example/debian'}, [str(sources)]) == ['other.example']
    listing = tmp_path / 'sources.list'
    listing.write_text('deb [arch=amd64] http://ftp.example/debian bookworm main\n')
    assert dns.mirror_hosts({}, [str(listing)]) == ['ftp.example']


# -- the servers: one per VPC network, at its base address plus two ---------------------------------------
def test_a_vpc_network_gets_its_resolver_at_base_plus_two(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(dns, 'docker', lambda *args, **kwargs: calls.append(args) or '')
    plane = DataPlane(tmp_path)
    hook = dns.Dns(plane, LoadBalancers(), passthrough=[], poll=False)
    plane.on_network[0]('vpc-1', 'seed-vpc-1', '10.20.0.0/16')
    (run,) = [c for c in calls if c[0] == 'run']
    assert run[run.index('--ip') + 1] == '10.20.0.2' and run[run.index('--network') + 1] == 'seed-vpc-1'
    assert '--pull' in run and run[run.index('--pull') + 1] == 'never'  # never a registry
    assert 'seed.emulator=dataplane' in run  # removed with the data plane
    assert plane.nameservers == {'seed-vpc-1': '10.20.0.2'} and hook.state()['dns']['servers']['seed-vpc-1']['address'] == '10.20.0.2'


def test_without_the_image_the_instances_keep_dockers_resolver(tmp_path, monkeypatch):
    def docker(*args, **kwargs):
        if args[0] == 'run':
            raise RuntimeError('docker run -d: Error response from daemon: No such image: seed/dns:bookworm')
        return ''
    monkeypatch.setattr(dns, 'docker', docker)
    plane = DataPlane(tmp_path)
    hook = dns.Dns(plane, LoadBalancers(), passthrough=[], poll=False)
    plane.on_network[0]('vpc-1', 'seed-vpc-1', '10.20.0.0/16')
    assert plane.nameservers == {} and hook.no_image


def test_an_instance_asks_its_vpcs_resolver(tmp_path, monkeypatch, aws):
    from emulator import dataplane
    calls = []
    monkeypatch.setattr(dataplane, 'docker', lambda *args, **kwargs: calls.append(args) or '')
    monkeypatch.setattr(dataplane.DataPlane, '_wait_booted', staticmethod(lambda entry: None))
    plane = dataplane.DataPlane(str(tmp_path))
    plane.on_network.append(lambda vpc_id, network, cidr: plane.nameservers.update({network: dns.resolver_address(cidr)}))
    backend = dataplane.ec2_backend(REGION)
    vpc = aws.create_vpc(CidrBlock='10.30.0.0/16')['Vpc']['VpcId']
    subnet = aws.create_subnet(VpcId=vpc, CidrBlock='10.30.1.0/24')['Subnet']['SubnetId']
    from emulator import amis
    image = aws.describe_images(Owners=[amis.DEBIAN_OWNER])['Images'][0]['ImageId']
    instance = aws.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet)['Instances'][0]
    entry = {'id': instance['InstanceId'], 'name': None, 'container': 'seed-x', 'private_ip': instance['PrivateIpAddress'],
             'public_ip': None, 'ports': {}, 'state': 'pending', 'error': None, 'vpc_id': vpc, 'stack': ''}
    plane._boot(backend, backend.get_instance(instance['InstanceId']), {'container_image': 'seed/ami-debian:12'}, entry, str(tmp_path))
    (run,) = [c for c in calls if c[0] == 'run']
    assert entry['state'] == 'running', entry
    assert run[run.index('--dns') + 1] == '10.30.0.2'


# -- the proxy: a domain through the emulator's Route 53 -------------------------------------------------------
def test_the_proxy_reaches_the_load_balancer_under_the_domain(emu):
    lb = load_balancer(emu)
    change(emu, 'CREATE', 'example.com.', alias={'DNSName': lb['DNSName'], 'HostedZoneId': lb['CanonicalHostedZoneId']})
    # the load balancer's "container": a web server on loopback that says which Host it was asked for
    import http.server

    class Site(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # pylint: disable=invalid-name
            data = ('host %s' % self.headers['Host']).encode()
            self.send_response(200)
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # pylint: disable=arguments-differ
            pass
    site = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Site)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    asked = []

    def direct(host, port):  # as emulator.loadbalancer.public_target: the load balancer's DNS name and listener port
        asked.append((host, port))
        return ('127.0.0.1', site.server_port) if host == lb['DNSName'].lower() and port == 80 else None
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    httpd = proxy.serve(port, proxy.through(direct, emu.hook.names))
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({'http': 'http://127.0.0.1:%d' % port}))
    try:
        with pytest.raises(urllib.error.HTTPError) as caught:  # PENDING: not a name of DNS yet
            opener.open('http://example.com/', timeout=10)
        assert caught.value.code == 403 and b'nothing was sent' in caught.value.read()
        emu.clock.now += INSYNC + 0.01
        with opener.open('http://example.com/', timeout=10) as answer:
            assert answer.read() == b'host example.com'  # the Host the browser sent (the redirect's #{host})
        assert ('example.com', 80) in asked and (lb['DNSName'].lower(), 80) in asked
        with pytest.raises(urllib.error.HTTPError) as caught:  # a name of no zone: refused, never resolved on the host
            opener.open('http://elsewhere.example.org/', timeout=10)
        assert caught.value.code == 403
        # CONNECT for https:// goes the same way, to the listener's port
        with socket.create_connection(('127.0.0.1', port), timeout=10) as s:
            s.sendall(b'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n')
            assert s.recv(200).startswith(b'HTTP/1.1 403')  # no 443 listener here: refused, nothing sent
        assert ('example.com', 443) in asked and (lb['DNSName'].lower(), 443) in asked
    finally:
        httpd.shutdown()
        site.shutdown()


# -- the CA bundle --------------------------------------------------------------------------------------------
def test_the_ca_bundle_holds_the_systems_roots_the_demos_certificate_and_the_emulators_ca(tmp_path):
    system, alb = tmp_path / 'system.crt', tmp_path / 'alb.crt'
    system.write_text('-----BEGIN CERTIFICATE-----\nSYSTEM\n-----END CERTIFICATE-----\n')
    alb.write_text('-----BEGIN CERTIFICATE-----\nALB\n-----END CERTIFICATE-----')
    out = tmp_path / 'demo' / 'ca-bundle.pem'
    out.parent.mkdir()
    cert = ca.write_bundle(str(tmp_path / 'dataplane'), str(out), [str(alb)], system=str(system))
    with open(cert) as f:
        root = f.read()
    text = out.read_text()
    assert text.startswith(system.read_text()) and 'ALB\n-----END CERTIFICATE-----\n' in text and text.endswith(root)
    assert stat.S_IMODE(os.stat(str(out)).st_mode) == 0o644
    # the same CA next time (ACM's certificates and the instances' trust stay valid)
    ca.write_bundle(str(tmp_path / 'dataplane'), str(out), system=str(tmp_path / 'none'))
    assert out.read_text() == root
    # what ACM issues verifies with the bundle
    from cryptography import x509
    leaf = x509.load_pem_x509_certificate(ca.issue(str(tmp_path / 'dataplane'), ['shop.example.com'])[0].encode())
    assert leaf.issuer == x509.load_pem_x509_certificate(root.encode()).subject


# -- dnsmasq itself, on loopback ----------------------------------------------------------------------------------
DNSMASQ = shutil.which('dnsmasq') or ('/usr/sbin/dnsmasq' if os.path.exists('/usr/sbin/dnsmasq') else None)


def query(port, name, kind, timeout=5):
    """(rcode, [(type, rdata)]) of one query to 127.0.0.1:port (a connected socket: nothing listening is refused)."""
    qtype = {'A': 1, 'CNAME': 5, 'TXT': 16, 'AAAA': 28}[kind]
    packet = struct.pack('>HHHHHH', 0x5eed, 0x0100, 1, 0, 0, 0) + dns.wire_name(name) + struct.pack('>HH', qtype, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.connect(('127.0.0.1', port))
        s.send(packet)
        data = s.recv(4096)
    rcode, count = struct.unpack('>H', data[2:4])[0] & 0xf, struct.unpack('>H', data[6:8])[0]
    at = 12 + len(dns.wire_name(name)) + 4

    def skip_name(i):
        while data[i]:
            if data[i] & 0xc0 == 0xc0:
                return i + 2
            i += data[i] + 1
        return i + 1
    answers = []
    for dummy in range(count):
        at = skip_name(at)
        kind_, dummy2, dummy3, length = struct.unpack('>HHIH', data[at:at + 10])
        answers.append((kind_, data[at + 10:at + 10 + length]))
        at += 10 + length
    return rcode, answers


def start_dnsmasq(tmp_path, table):
    """(process, port) of dnsmasq serving table on 127.0.0.1, once it answers. The port is a free one when chosen, but
    another process (apt, dockerd: make test sets Docker up meanwhile) may take it before dnsmasq binds it; dnsmasq then
    exits ("Address already in use") and is started again on another port. Any other exit fails with its output."""
    for attempt in range(5):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        conf = tmp_path / 'dnsmasq.conf'
        conf.write_text(dns.render(table, passthrough={'deb.debian.org': ['192.0.2.53']}, port=port)
                        + 'listen-address=127.0.0.1\nbind-interfaces\n')
        proc = subprocess.Popen([DNSMASQ, '--keep-in-foreground', '--conf-file=%s' % conf,
                                 '--pid-file=%s' % (tmp_path / 'pid')], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                query(port, 'example.com', 'A', timeout=0.5)
                return proc, port
            except OSError:
                time.sleep(0.1)
        if proc.poll() is None:
            proc.kill()
            pytest.fail('dnsmasq did not answer on 127.0.0.1:%d within 20 s: %s' % (port, proc.communicate()[0].decode()))
        out = proc.communicate()[0].decode()
        if 'Address already in use' not in out:
            pytest.fail('dnsmasq exited with %s: %s' % (proc.returncode, out))
    pytest.fail('dnsmasq found no free port in 5 attempts: %s' % out)


@pytest.mark.skipif(DNSMASQ is None, reason='needs dnsmasq (Debian: dnsmasq-base; scripts/setup.sh installs it)')
def test_dnsmasq_answers_the_config_and_nothing_else(tmp_path):
    table = dns.answers({'example.com.': [
        {'Name': 'example.com.', 'Type': 'A', 'TTL': None, 'Values': [], 'Alias': ('dualstack.shop-1.us-east-1.elb.amazonaws.com.', 'Z')},
        {'Name': 'www.example.com.', 'Type': 'CNAME', 'TTL': '300', 'Values': ['example.com.'], 'Alias': None},
        {'Name': '_x.example.com.', 'Type': 'CNAME', 'TTL': '300', 'Values': ['_y.acm-validations.aws.'], 'Alias': None},
        {'Name': 'example.com.', 'Type': 'TXT', 'TTL': '300', 'Values': ['"v=spf1 -all"'], 'Alias': None},
    ]}, {'shop-1.us-east-1.elb.amazonaws.com': LB_ADDRESS})
    proc, port = start_dnsmasq(tmp_path, table)
    try:
        assert query(port, 'example.com', 'A') == (0, [(1, socket.inet_aton(LB_ADDRESS))])
        assert query(port, 'shop-1.us-east-1.elb.amazonaws.com', 'A') == (0, [(1, socket.inet_aton(LB_ADDRESS))])
        assert query(port, 'example.com', 'AAAA') == (0, [])  # a name with no IPv6 address: no data, not NXDOMAIN
        rcode, answers = query(port, 'www.example.com', 'A')
        assert rcode == 0 and answers == [(5, dns.wire_name('example.com')), (1, socket.inet_aton(LB_ADDRESS))]
        assert query(port, '_x.example.com', 'CNAME') == (0, [(5, dns.wire_name('_y.acm-validations.aws'))])
        assert query(port, 'example.com', 'TXT') == (0, [(16, b'\x0bv=spf1 -all')])
        assert query(port, 'deb.debian.org', 'A') == (0, [(1, socket.inet_aton('192.0.2.53'))])
        assert query(port, 'nowhere.example.org', 'A')[0] == 3  # NXDOMAIN, nothing forwarded
        assert query(port, 'nothing.example.com', 'A')[0] == 3
    finally:
        proc.terminate()
        out = proc.communicate(timeout=10)[0].decode()
    assert 'using nameserver' not in out, out  # no upstream at all
