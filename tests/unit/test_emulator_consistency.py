"""The emulator's aws profile, as a client sees it (emulator.consistency): a new id unseen for a few Describe calls,
and idempotency tokens answered from the current state. The moto profile shows none of it.

The emulator runs in this process (moto's server app behind emulator.server.Recorder, on 127.0.0.1, port 0) and is
driven with boto3. Lags are seeded and counted in calls: a test knows how many Describe calls an id stays unseen
from a twin of the profile with the same seed, never from a clock."""
import json
import threading
import urllib.request

import pytest

pytest.importorskip('moto')

import boto3  # noqa: E402  pylint: disable=wrong-import-position
from botocore.config import Config  # noqa: E402  pylint: disable=wrong-import-position
from botocore.exceptions import ClientError  # noqa: E402  pylint: disable=wrong-import-position

from emulator import amis, server  # noqa: E402  pylint: disable=wrong-import-position
from emulator.consistency import LAG_SECONDS, Consistency  # noqa: E402  pylint: disable=wrong-import-position
from emulator.profile import Profile  # noqa: E402  pylint: disable=wrong-import-position

REGION = 'us-east-1'
SEED, LAG = 11, 3   # the aws profile's draws for this seed: 3, 3, 3, 1, 1, 3, 1, 0 (a twin Profile recomputes them)


def draws(count, seed=SEED, lag=LAG):
    """The lags the emulator's profile gives its next ``count`` new ids, in order."""
    twin = Profile(lag=lag, seed=seed)
    return [twin.draw_lag() for dummy in range(count)]


class Emulator:
    def __init__(self, url, recorder):
        self.url, self.recorder = url, recorder

    def client(self, service, region=REGION, **config):
        return boto3.client(service, endpoint_url=self.url, region_name=region, aws_access_key_id='testing',
                            aws_secret_access_key='testing', config=Config(**config) if config else None)

    def faults(self, **settings):
        request = urllib.request.Request(self.url + '/_seed/faults', data=json.dumps(settings).encode(), method='PUT')
        with urllib.request.urlopen(request) as answer:  # nosec: the emulator on 127.0.0.1
            return json.loads(answer.read())

    def actions(self):
        return [(r['action'], r['status']) for r in self.recorder.requests]


@pytest.fixture(scope='module')
def running():
    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from emulator.fidelity import patch_moto
    patch_moto()
    recorder = server.Recorder(DomainDispatcherApplication(create_backend_app), hooks=[Consistency()],
                               faults={'seed': SEED, 'lag': LAG})
    httpd = make_server('127.0.0.1', 0, recorder, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Emulator('http://127.0.0.1:%d' % httpd.server_port, recorder)
    finally:
        httpd.shutdown()
        thread.join(10)


@pytest.fixture
def emulator(running, monkeypatch):
    """A fresh emulator (moto reset, the aws profile seeded with SEED) for each test."""
    for key in ('AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_EC2'):
        monkeypatch.delenv(key, raising=False)
    urllib.request.urlopen(urllib.request.Request(running.url + '/moto-api/reset', data=b'', method='POST')).read()
    running.faults(seed=SEED, lag=LAG)
    with running.recorder.lock:
        running.recorder.requests = []
    return running


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    response = caught.value.response
    return response['ResponseMetadata']['HTTPStatusCode'], response['Error']['Code'], response['Error']['Message']


def unseen_for(describe, expected):
    """How many calls of ``describe()`` answer ``expected`` (an error tuple) before one answers; and that answer."""
    count = 0
    while True:
        try:
            answer = describe()
        except ClientError as exc:
            response = exc.response
            assert (response['ResponseMetadata']['HTTPStatusCode'], response['Error']['Code'], response['Error']['Message']) == expected
            count += 1
            assert count <= LAG, 'unseen for more Describe calls than the profile allows'
            continue
        return count, answer


def network(ec2):
    vpc = ec2.create_vpc(CidrBlock='10.40.0.0/16')['Vpc']['VpcId']
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock='10.40.1.0/24', AvailabilityZone='us-east-1a')['Subnet']['SubnetId']
    return vpc, subnet


def debian12(ec2):
    return ec2.describe_images(Owners=[amis.DEBIAN_OWNER], Filters=[{'Name': 'name', 'Values': ['debian-12-amd64-*']}])['Images'][0]['ImageId']


def launch(ec2, subnet, **extra):
    return ec2.run_instances(ImageId=debian12(ec2), MinCount=1, MaxCount=1, InstanceType='t3.micro', SubnetId=subnet, **extra)


# -- eventual consistency ------------------------------------------------------------------------------------------------
# "if you run a command to modify or describe the resource that you just created, its ID might not have propagated
# throughout the system, and you will get an error responding that the resource does not exist"
# (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html)

def test_a_new_instance_is_not_found_by_id_for_the_seeded_number_of_describes(emulator):
    """InvalidInstanceID.NotFound right after RunInstances ("This does not mean the instance does not exist")."""
    ec2 = emulator.client('ec2')
    emulator.faults(profile='moto')  # what the test stands on is seen at once
    subnet = network(ec2)[1]
    emulator.faults(seed=SEED, lag=LAG)  # the aws profile, drawn from the start: the instance gets lags[0]
    lags = draws(1)
    instance = launch(ec2, subnet)['Instances'][0]['InstanceId']
    assert lags[0] >= 1
    count, answer = unseen_for(lambda: ec2.describe_instances(InstanceIds=[instance]),
                               (400, 'InvalidInstanceID.NotFound', "The instance ID '%s' does not exist" % instance))
    assert count == lags[0]
    assert [i['InstanceId'] for r in answer['Reservations'] for i in r['Instances']] == [instance]


def test_several_unseen_instances_are_named_together(emulator):
    """AWS names every unknown id of a DescribeInstances: "The instance IDs '...' do not exist"."""
    ec2 = emulator.client('ec2')
    emulator.faults(profile='moto')
    subnet = network(ec2)[1]
    emulator.faults(seed=SEED, lag=LAG)
    made = [i['InstanceId'] for i in ec2.run_instances(ImageId=debian12(ec2), MinCount=2, MaxCount=2, SubnetId=subnet)['Instances']]
    assert min(draws(2)) >= 1
    assert error_of(ec2.describe_instances, InstanceIds=made) == (
        400, 'InvalidInstanceID.NotFound', "The instance IDs '%s' do not exist" % ', '.join(made))


# (create, describe by id, AWS's NotFound code and message) for each EC2 kind the collection creates.
EC2_KINDS = {
    'vpc': (lambda ec2, ctx: ec2.create_vpc(CidrBlock='10.50.0.0/16')['Vpc']['VpcId'],
            lambda ec2, i: ec2.describe_vpcs(VpcIds=[i]), 'InvalidVpcID.NotFound', "The vpc ID '%s' does not exist"),
    'subnet': (lambda ec2, ctx: ec2.create_subnet(VpcId=ctx['vpc'], CidrBlock='10.40.2.0/24')['Subnet']['SubnetId'],
               lambda ec2, i: ec2.describe_subnets(SubnetIds=[i]), 'InvalidSubnetID.NotFound', "The subnet ID '%s' does not exist"),
    'security group': (lambda ec2, ctx: ec2.create_security_group(GroupName='web', Description='web', VpcId=ctx['vpc'])['GroupId'],
                       lambda ec2, i: ec2.describe_security_groups(GroupIds=[i]), 'InvalidGroup.NotFound',
                       "The security group '%s' does not exist"),
    'route table': (lambda ec2, ctx: ec2.create_route_table(VpcId=ctx['vpc'])['RouteTable']['RouteTableId'],
                    lambda ec2, i: ec2.describe_route_tables(RouteTableIds=[i]), 'InvalidRouteTableID.NotFound',
                    "The routeTable ID '%s' does not exist"),
    'internet gateway': (lambda ec2, ctx: ec2.create_internet_gateway()['InternetGateway']['InternetGatewayId'],
                         lambda ec2, i: ec2.describe_internet_gateways(InternetGatewayIds=[i]), 'InvalidInternetGatewayID.NotFound',
                         "The internetGateway ID '%s' does not exist"),
    'elastic ip': (lambda ec2, ctx: ec2.allocate_address(Domain='vpc')['AllocationId'],
                   lambda ec2, i: ec2.describe_addresses(AllocationIds=[i]), 'InvalidAllocationID.NotFound',
                   "The allocation ID '%s' does not exist"),
    'nat gateway': (lambda ec2, ctx: ec2.create_nat_gateway(SubnetId=ctx['subnet'], AllocationId=ctx['allocation'])['NatGateway']['NatGatewayId'],
                    lambda ec2, i: ec2.describe_nat_gateways(NatGatewayIds=[i]), 'NatGatewayNotFound', 'NAT gateway %s was not found'),
}


@pytest.mark.parametrize('kind', sorted(EC2_KINDS))
def test_a_new_ec2_id_is_answered_not_found_as_aws_words_it(emulator, kind):
    """Each kind's own NotFound (EC2 API reference, error codes), for as many of its Describe calls as drawn."""
    create, describe, code, message = EC2_KINDS[kind]
    ec2 = emulator.client('ec2')
    emulator.faults(profile='moto')  # what the test stands on is seen at once
    vpc, subnet = network(ec2)
    ctx = {'vpc': vpc, 'subnet': subnet, 'allocation': ec2.allocate_address(Domain='vpc')['AllocationId']}
    emulator.faults(seed=SEED, lag=LAG)
    made = create(ec2, ctx)
    assert draws(1)[0] >= 1
    count, answer = unseen_for(lambda: describe(ec2, made), (400, code, message % made))
    assert count == draws(1)[0]
    assert made in json.dumps(answer, default=str)


def test_a_listing_or_a_filter_omits_a_new_id_until_it_is_seen(emulator):
    """A Describe by filter or without ids answers without the new id (no error): the listing is what AWS has seen."""
    ec2 = emulator.client('ec2')
    emulator.faults(profile='moto')
    vpc, subnet = network(ec2)
    old = launch(ec2, subnet)['Instances'][0]['InstanceId']
    emulator.faults(seed=SEED, lag=LAG)
    new = launch(ec2, subnet)['Instances'][0]['InstanceId']
    listed = []
    for dummy in range(draws(1)[0] + 1):
        reservations = ec2.describe_instances(Filters=[{'Name': 'subnet-id', 'Values': [subnet]}])['Reservations']
        assert all(r['Instances'] for r in reservations)  # no reservation is left empty
        listed.append(sorted(i['InstanceId'] for r in reservations for i in r['Instances']))
    assert listed == [[old]] * draws(1)[0] + [sorted([old, new])]
    # a subnet listing omits a new subnet the same way
    emulator.faults(seed=SEED, lag=LAG)
    other = ec2.create_subnet(VpcId=vpc, CidrBlock='10.40.3.0/24')['Subnet']['SubnetId']
    first = [s['SubnetId'] for s in ec2.describe_subnets()['Subnets']]
    assert subnet in first and other not in first


def test_the_lag_counts_only_describes_of_the_ids_own_kind(emulator):
    """An id becomes seen by Describe calls of its kind: reading subnets does not make a new instance seen."""
    ec2 = emulator.client('ec2')
    emulator.faults(profile='moto')
    subnet = network(ec2)[1]
    emulator.faults(seed=SEED, lag=LAG)
    instance = launch(ec2, subnet)['Instances'][0]['InstanceId']
    for dummy in range(LAG + 1):
        ec2.describe_subnets(SubnetIds=[subnet])
    assert error_of(ec2.describe_instances, InstanceIds=[instance])[1] == 'InvalidInstanceID.NotFound'


def test_the_same_seed_gives_the_same_lags(emulator):
    """Seeded: a run repeats (the lags of a second run with the same seed are the first run's)."""
    ec2 = emulator.client('ec2')
    runs = []
    for dummy in range(2):
        emulator.faults(seed=SEED, lag=LAG)
        made = [ec2.create_internet_gateway()['InternetGateway']['InternetGatewayId'] for dummy2 in range(4)]
        counts = dict((i, 0) for i in made)
        for dummy3 in range(LAG + 1):
            seen = set(g['InternetGatewayId'] for g in ec2.describe_internet_gateways()['InternetGateways'])
            for i in made:
                counts[i] += i not in seen
        runs.append([counts[i] for i in made])
    assert runs[0] == runs[1] == draws(4)


def test_load_balancers_and_target_groups_are_not_found_as_elbv2_says_it(emulator):
    """ELBv2 (API reference: LoadBalancerNotFound, TargetGroupNotFound, 400), by ARN and by name."""
    ec2, elb = emulator.client('ec2'), emulator.client('elbv2')
    emulator.faults(profile='moto')
    vpc, subnet = network(ec2)
    other = ec2.create_subnet(VpcId=vpc, CidrBlock='10.40.9.0/24', AvailabilityZone='us-east-1b')['Subnet']['SubnetId']
    emulator.faults(seed=SEED, lag=LAG)
    lb = elb.create_load_balancer(Name='web', Subnets=[subnet, other])['LoadBalancers'][0]['LoadBalancerArn']
    tg = elb.create_target_group(Name='web', Protocol='HTTP', Port=80, VpcId=vpc)['TargetGroups'][0]['TargetGroupArn']
    assert draws(2)[0] >= 3 and draws(2)[1] >= 2
    assert error_of(elb.describe_load_balancers, LoadBalancerArns=[lb]) == (400, 'LoadBalancerNotFound', 'One or more load balancers not found')
    assert error_of(elb.describe_load_balancers, Names=['web']) == (400, 'LoadBalancerNotFound', "Load balancers '[web]' not found")
    assert error_of(elb.describe_target_groups, TargetGroupArns=[tg]) == (400, 'TargetGroupNotFound', 'One or more target groups not found')
    assert error_of(elb.describe_target_groups, Names=['web']) == (400, 'TargetGroupNotFound', 'One or more target groups not found')
    # two of the load balancer's drawn Describe calls are spent; a listing omits it for the rest, then shows it
    listings = [[b['LoadBalancerArn'] for b in elb.describe_load_balancers()['LoadBalancers']] for dummy in range(draws(1)[0] - 1)]
    assert listings == [[]] * (draws(1)[0] - 2) + [[lb]]


def test_a_new_db_instance_is_not_found_as_rds_says_it(emulator):
    """RDS: DBInstanceNotFound, 404, "DBInstance <id> not found." (botocore's rds model: DBInstanceNotFoundFault)."""
    rds = emulator.client('rds')
    rds.create_db_instance(DBInstanceIdentifier='app', DBInstanceClass='db.t3.micro', Engine='postgres', MasterUsername='app',
                           MasterUserPassword='a-long-password-1', AllocatedStorage=20)
    count, answer = unseen_for(lambda: rds.describe_db_instances(DBInstanceIdentifier='app'),
                               (404, 'DBInstanceNotFound', 'DBInstance app not found.'))
    assert count == draws(1)[0] >= 1
    assert answer['DBInstances'][0]['DBInstanceIdentifier'] == 'app'


def test_a_new_replication_group_is_not_found_as_elasticache_says_it(emulator):
    """ElastiCache: ReplicationGroupNotFoundFault, 404 (botocore's elasticache model); a listing omits it meanwhile."""
    cache = emulator.client('elasticache')
    cache.create_replication_group(ReplicationGroupId='sessions', ReplicationGroupDescription='sessions', Engine='redis',
                                   CacheNodeType='cache.t3.micro', NumCacheClusters=1)
    assert draws(1)[0] >= 2
    assert cache.describe_replication_groups()['ReplicationGroups'] == []
    count, answer = unseen_for(lambda: cache.describe_replication_groups(ReplicationGroupId='sessions'),
                               (404, 'ReplicationGroupNotFoundFault', 'Replication group sessions not found.'))
    assert count == draws(1)[0] - 1
    assert answer['ReplicationGroups'][0]['ReplicationGroupId'] == 'sessions'


def test_the_moto_profile_sees_every_new_id_at_once(emulator):
    """The moto profile is lenient: no lag (what a test that needs a kinder emulator asks for)."""
    emulator.faults(profile='moto', seed=SEED, lag=LAG)
    ec2 = emulator.client('ec2')
    subnet = network(ec2)[1]
    instance = launch(ec2, subnet)['Instances'][0]['InstanceId']
    assert ec2.describe_instances(InstanceIds=[instance])['Reservations'][0]['Instances'][0]['InstanceId'] == instance
    assert ec2.describe_subnets(SubnetIds=[subnet])['Subnets'][0]['SubnetId'] == subnet


# -- idempotency tokens ---------------------------------------------------------------------------------------------------
# "If you retry a request that completed successfully using the same client token and the same parameters, the retry
# succeeds without performing any further actions ... the result might contain updated information, such as the current
# creation status"; other parameters under the same token: IdempotentParameterMismatch
# (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html)

def test_a_repeated_run_instances_token_answers_the_instances_as_they_are_now(emulator):
    """The same token after a terminate: the same reservation, the instance terminated; nothing new is launched."""
    ec2 = emulator.client('ec2')
    emulator.faults(profile='moto')
    subnet = network(ec2)[1]
    emulator.faults(seed=SEED, lag=0)
    first = launch(ec2, subnet, ClientToken='web-0')
    instance = first['Instances'][0]['InstanceId']
    assert first['Instances'][0]['State']['Name'] == 'pending'
    ec2.terminate_instances(InstanceIds=[instance])
    again = launch(ec2, subnet, ClientToken='web-0')
    assert again['ReservationId'] == first['ReservationId']
    assert [(i['InstanceId'], i['State']['Name']) for i in again['Instances']] == [(instance, 'terminated')]
    assert [i['InstanceId'] for r in ec2.describe_instances()['Reservations'] for i in r['Instances']] == [instance]


def test_a_repeated_nat_gateway_token_answers_the_gateway_as_it_is_now(emulator):
    """CreateNatGateway under the same token after a delete: the deleted gateway, no second one."""
    ec2 = emulator.client('ec2')
    emulator.faults(profile='moto')
    subnet = network(ec2)[1]
    allocation = ec2.allocate_address(Domain='vpc')['AllocationId']
    emulator.faults(seed=SEED, lag=0)
    first = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation, ClientToken='nat-a')['NatGateway']
    ec2.delete_nat_gateway(NatGatewayId=first['NatGatewayId'])
    again = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation, ClientToken='nat-a')['NatGateway']
    assert (again['NatGatewayId'], again['State']) == (first['NatGatewayId'], 'deleted')
    assert [n['NatGatewayId'] for n in ec2.describe_nat_gateways()['NatGateways']] == [first['NatGatewayId']]


def test_a_repeated_route_table_token_answers_the_table_as_it_is_now(emulator):
    """CreateRouteTable under the same token: the same table with the routes it has now, no second one; after a delete,
    the first answer (a route table has no state to tell); other tags under it: IdempotentParameterMismatch."""
    ec2 = emulator.client('ec2')
    emulator.faults(profile='moto')
    vpc, subnet = network(ec2)
    emulator.faults(seed=SEED, lag=0)
    tags = [{'ResourceType': 'route-table', 'Tags': [{'Key': 'Name', 'Value': 'demo-private'}]}]
    first = ec2.create_route_table(VpcId=vpc, ClientToken='rt-a', TagSpecifications=tags)['RouteTable']
    gateway = ec2.create_internet_gateway()['InternetGateway']['InternetGatewayId']
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    ec2.create_route(RouteTableId=first['RouteTableId'], DestinationCidrBlock='0.0.0.0/0', GatewayId=gateway)
    again = ec2.create_route_table(VpcId=vpc, ClientToken='rt-a', TagSpecifications=tags)['RouteTable']
    assert again['RouteTableId'] == first['RouteTableId']
    assert '0.0.0.0/0' in [r.get('DestinationCidrBlock') for r in again['Routes']]
    mine = [t['RouteTableId'] for t in ec2.describe_route_tables(Filters=[{'Name': 'vpc-id', 'Values': [vpc]}])['RouteTables']
            if not any(a.get('Main') for a in t.get('Associations', []))]
    assert mine == [first['RouteTableId']]
    other = [{'ResourceType': 'route-table', 'Tags': [{'Key': 'Name', 'Value': 'demo-public'}]}]
    assert error_of(ec2.create_route_table, VpcId=vpc, ClientToken='rt-a', TagSpecifications=other)[:2] == (
        400, 'IdempotentParameterMismatch')
    ec2.delete_route(RouteTableId=first['RouteTableId'], DestinationCidrBlock='0.0.0.0/0')
    ec2.delete_route_table(RouteTableId=first['RouteTableId'])
    gone = ec2.create_route_table(VpcId=vpc, ClientToken='rt-a', TagSpecifications=tags)['RouteTable']
    assert gone['RouteTableId'] == first['RouteTableId']
    assert not [t for t in ec2.describe_route_tables(Filters=[{'Name': 'vpc-id', 'Values': [vpc]}])['RouteTables']
                if not any(a.get('Main') for a in t.get('Associations', []))]


def test_the_same_token_with_other_parameters_is_a_mismatch(emulator):
    """IdempotentParameterMismatch (400), and nothing is launched."""
    ec2 = emulator.client('ec2')
    emulator.faults(profile='moto')
    subnet = network(ec2)[1]
    emulator.faults(seed=SEED, lag=0)
    launch(ec2, subnet, ClientToken='web-0')
    image = debian12(ec2)
    assert error_of(ec2.run_instances, ImageId=image, MinCount=1, MaxCount=1, InstanceType='t3.small', SubnetId=subnet,
                    ClientToken='web-0') == (
        400, 'IdempotentParameterMismatch',
        'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).')
    assert len(ec2.describe_instances()['Reservations']) == 1
    assert ('RunInstances', 400) in emulator.actions()


def test_a_token_is_per_region(emulator):
    """"You can use the same client token for the same request across different Regions": each Region launches one."""
    east, west = emulator.client('ec2'), emulator.client('ec2', region='us-west-2')
    emulator.faults(profile='moto')
    subnets = {'east': network(east)[1], 'west': network(west)[1]}
    emulator.faults(seed=SEED, lag=0)
    made = launch(east, subnets['east'], ClientToken='web-0')['Instances'][0]['InstanceId']
    other = west.run_instances(ImageId=debian12(west), MinCount=1, MaxCount=1, InstanceType='t3.micro', SubnetId=subnets['west'],
                               ClientToken='web-0')['Instances'][0]['InstanceId']
    assert other != made


def test_a_lost_answer_retried_with_its_token_launches_once(emulator):
    """A RunInstances whose answer is lost, retried by botocore with the same token: one instance, as AWS de-duplicates."""
    ec2 = emulator.client('ec2', retries={'mode': 'standard', 'max_attempts': 3})
    emulator.faults(profile='moto')
    subnet = network(ec2)[1]
    emulator.faults(seed=SEED, lag=0, lose=['RunInstances'])
    answer = launch(ec2, subnet, ClientToken='web-0')
    assert len(answer['Instances']) == 1
    assert len(ec2.describe_instances()['Reservations']) == 1
    assert [a for a in emulator.recorder.requests if a['action'] == 'RunInstances'][-1].get('fault') == 'idempotent-replay'


def test_the_moto_profile_replays_the_first_answer(emulator):
    """The moto profile keeps emulator.server's replay: the first answer as it was (pending), not the current state."""
    ec2 = emulator.client('ec2')
    emulator.faults(profile='moto', seed=SEED, lag=LAG)
    subnet = network(ec2)[1]
    first = launch(ec2, subnet, ClientToken='web-0')
    ec2.terminate_instances(InstanceIds=[first['Instances'][0]['InstanceId']])
    again = launch(ec2, subnet, ClientToken='web-0')
    assert again['Instances'][0]['State']['Name'] == first['Instances'][0]['State']['Name'] == 'pending'


def test_a_new_id_is_seen_once_seconds_have_passed_however_few_reads_were_made(emulator, monkeypatch):
    """AWS's reads catch up within seconds of a create: a run a minute later sees what the last one made, even when
    nothing read it meanwhile (a lag counted in reads alone would hide it for ever, which AWS never does)."""
    ec2 = emulator.client('ec2')
    emulator.faults(profile='moto')
    subnet = network(ec2)[1]
    emulator.faults(seed=SEED, lag=LAG)
    now = [1000.0]
    monkeypatch.setattr(emulator.recorder.faults.profile, 'clock', lambda: now[0])
    instance = launch(ec2, subnet)['Instances'][0]['InstanceId']
    now[0] += LAG_SECONDS + 0.1
    reservations = ec2.describe_instances(InstanceIds=[instance])['Reservations']
    assert [i['InstanceId'] for r in reservations for i in r['Instances']] == [instance]
