"""Route 53 in the emulator as strict as AWS (emulator.route53): changes PENDING until their time is over, change
batches AWS refuses refused with its codes, caller references unique for good, aliases to ALBs kept as AWS keeps them,
an ALB's canonical hosted zone as AWS answers it. Driven through an in-process emulator (moto's server app behind
emulator.server's Recorder on 127.0.0.1:0) with an injected clock, so no test sleeps; the moto profile shows none of it."""
import threading

import pytest

pytest.importorskip('moto')

import boto3  # noqa: E402  pylint: disable=wrong-import-position
from botocore.exceptions import ClientError  # noqa: E402  pylint: disable=wrong-import-position

from emulator import profile as profile_mod, route53 as emulated  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.seed.laravel_aws.plugins.module_utils import route53 as collection  # noqa: E402  pylint: disable=wrong-import-position
from .emulator_clock import Clock  # noqa: E402  pylint: disable=wrong-import-position

REGION = 'us-east-1'


@pytest.fixture(scope='module')
def served():
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server
    from emulator import server
    from emulator.fidelity import patch_moto
    patch_moto()
    recorder = server.Recorder(DomainDispatcherApplication(create_backend_app), hooks=[emulated.Route53()])
    httpd = make_server('127.0.0.1', 0, recorder, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield recorder, 'http://127.0.0.1:%d' % httpd.server_port
    httpd.shutdown()


@pytest.fixture
def emu(served, monkeypatch):
    import urllib.request
    recorder, url = served
    for key in ('AWS_PROFILE', 'AWS_ENDPOINT_URL'):
        monkeypatch.delenv(key, raising=False)
    recorder.faults.configure({'profile': 'aws', 'lag': 0})
    urllib.request.urlopen(urllib.request.Request(url + '/moto-api/reset', method='POST'), timeout=30).read()
    clock = Clock()
    recorder.faults.profile.clock = clock

    def client(service):
        return boto3.client(service, region_name=REGION, endpoint_url=url, aws_access_key_id='testing',
                            aws_secret_access_key='testing')
    r53 = client('route53')
    zid = r53.create_hosted_zone(Name='example.com', CallerReference='one')['HostedZone']['Id'].split('/')[-1]
    yield recorder, clock, client, r53, zid
    recorder.faults.profile.clock = profile_mod.time.monotonic


def change(r53, zid, action, name='www.example.com.', kind='A', values=('192.0.2.1',), ttl=60, alias=None):
    rrset = {'Name': name, 'Type': kind}
    if alias:
        rrset['AliasTarget'] = dict(alias, EvaluateTargetHealth=False)
    else:
        rrset.update(TTL=ttl, ResourceRecords=[{'Value': v} for v in values])
    return r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={'Changes': [{'Action': action, 'ResourceRecordSet': rrset}]})


def refused(call):
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response['Error']


def test_a_change_is_pending_until_its_time_is_over(emu):
    recorder, clock, dummy, r53, zid = emu
    info = change(r53, zid, 'CREATE')['ChangeInfo']
    assert info['Status'] == 'PENDING' and info['Id'] != '/change/C2682N5HXP0BZ4'
    assert r53.get_change(Id=info['Id'])['ChangeInfo']['Status'] == 'PENDING'
    clock.now += profile_mod.DURATIONS[('route53', 'change', 'insync')] * profile_mod.DEFAULT_PACE + 0.01
    assert r53.get_change(Id=info['Id'])['ChangeInfo']['Status'] == 'INSYNC'
    assert refused(lambda: r53.get_change(Id='CNOSUCHCHANGE'))['Code'] == 'NoSuchChange'
    assert [r['action'] for r in recorder.requests][-3:] == ['GetChange', 'GetChange', 'GetChange']


def test_aws_refusals_of_a_change_batch(emu):
    dummy, dummy2, dummy3, r53, zid = emu
    change(r53, zid, 'CREATE')
    error = refused(lambda: change(r53, zid, 'CREATE'))
    assert error['Code'] == 'InvalidChangeBatch' and 'but it already exists' in error['Message']
    error = refused(lambda: change(r53, zid, 'DELETE', values=('192.0.2.9',)))
    assert error['Code'] == 'InvalidChangeBatch' and 'do not match the current values' in error['Message']
    error = refused(lambda: change(r53, zid, 'DELETE', name='nothing.example.com.'))
    assert 'but it was not found' in error['Message']
    error = refused(lambda: change(r53, zid, 'UPSERT', kind='CNAME', values=('other.example.org',)))
    assert error['Code'] == 'InvalidChangeBatch' and 'conflicts with other records' in error['Message']
    change(r53, zid, 'DELETE')  # with its values: taken


def test_a_caller_reference_is_used_once_for_good(emu):
    dummy, dummy2, dummy3, r53, zid = emu
    r53.delete_hosted_zone(Id=zid)
    error = refused(lambda: r53.create_hosted_zone(Name='example.com', CallerReference='one'))
    assert error['Code'] == 'HostedZoneAlreadyExists'


def test_an_alias_must_target_a_load_balancer_of_the_region_and_its_zone(emu):
    dummy, dummy2, client, r53, zid = emu
    ec2, elb = client('ec2'), client('elbv2')
    vpc = ec2.create_vpc(CidrBlock='10.9.0.0/16')['Vpc']['VpcId']
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock='10.9.%d.0/24' % i, AvailabilityZone=REGION + z)['Subnet']['SubnetId']
               for i, z in ((1, 'a'), (2, 'b'))]
    lb = elb.create_load_balancer(Name='demo-alb', Subnets=subnets)['LoadBalancers'][0]
    assert lb['CanonicalHostedZoneId'] == emulated.ALB_ZONES[REGION]
    nowhere = {'DNSName': 'nope-1.us-east-1.elb.amazonaws.com', 'HostedZoneId': 'Z35SXDOTRQ7X7K'}
    error = refused(lambda: change(r53, zid, 'UPSERT', alias=nowhere))
    assert error['Code'] == 'InvalidChangeBatch' and 'does not lie within the target zone' in error['Message']
    error = refused(lambda: change(r53, zid, 'UPSERT', alias={'DNSName': lb['DNSName'], 'HostedZoneId': 'Z1H1FL5HABSF5'}))
    assert error['Code'] == 'InvalidChangeBatch'
    change(r53, zid, 'UPSERT', alias={'DNSName': lb['DNSName'].upper(), 'HostedZoneId': lb['CanonicalHostedZoneId']})
    (kept,) = [r for r in r53.list_resource_record_sets(HostedZoneId=zid)['ResourceRecordSets'] if r['Type'] == 'A']
    assert kept['AliasTarget']['DNSName'] == 'dualstack.%s.' % lb['DNSName'].lower()


def test_the_moto_profile_is_moto(emu):
    recorder, dummy, dummy2, r53, zid = emu
    recorder.faults.configure({'profile': 'moto'})
    assert change(r53, zid, 'CREATE')['ChangeInfo']['Status'] == 'INSYNC'


def test_the_collections_alb_zones_are_awss():
    assert collection.ALB_ZONES == emulated.ALB_ZONES
