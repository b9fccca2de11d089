"""stack_info in-process against moto: a small stack made with boto3 (network, instances, load balancer, certificate,
RDS and its final snapshot, Redis) beside another stack whose names start the same, and resources of no stack. Only the
stack's resources are listed, each with its state and the hourly cost the price table gives it in that state; the
other stack's never; reads only, in check mode too; an unknown instance type makes the total unknown, never a guess."""
from decimal import Decimal

import boto3
import pytest

from ansible_collections.seed.laravel_aws.plugins.module_utils import prices
from ansible_collections.seed.laravel_aws.plugins.modules import stack_info

from ...conftest import REGION, mutating
from .pem import self_signed
from emulator.amis import DEBIAN_OWNER

H = prices.HOURS_PER_MONTH


def near(value):
    """A figure as the module returns it: rounded to 8 places."""
    return pytest.approx(value, abs=1e-8)


def tags(stack, name=None, **extra):
    out = ([{'Key': 'Stack', 'Value': stack}] if stack else []) + ([{'Key': 'Name', 'Value': name}] if name else [])
    return out + [{'Key': k, 'Value': v} for k, v in extra.items()]


def spec(kind, stack, name=None, **extra):
    return [{'ResourceType': kind, 'Tags': tags(stack, name, **extra)}]


def make_stack(ec2, stack, image, web_type='t3.micro', data_tier=True):
    """A stack as provision.yml leaves it (smaller): {kind: [ids]} of what was made, tagged Stack=<stack>."""
    c = dict((n, boto3.client(n, region_name=REGION)) for n in ('elbv2', 'acm', 'rds', 'elasticache'))
    made = {}
    base = {'demo': '10.20', 'demo-2': '10.30'}.get(stack, '10.40')
    vpc = ec2.create_vpc(CidrBlock=base + '.0.0/16', TagSpecifications=spec('vpc', stack, stack + '-vpc'))['Vpc']['VpcId']
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock='%s.%d.0/24' % (base, n), AvailabilityZone=zone,
                                 TagSpecifications=spec('subnet', stack, '%s-%s' % (stack, what)))['Subnet']['SubnetId']
               for n, zone, what in ((0, 'us-east-1a', 'public-a'), (1, 'us-east-1b', 'public-b'), (10, 'us-east-1a', 'private-a'),
                                     (11, 'us-east-1b', 'private-b'))]
    igw = ec2.create_internet_gateway(TagSpecifications=spec('internet-gateway', stack, stack + '-igw'))['InternetGateway']['InternetGatewayId']
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    eip = ec2.allocate_address(Domain='vpc', TagSpecifications=spec('elastic-ip', stack, stack + '-nat-a'))['AllocationId']
    nat = ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=eip,
                                 TagSpecifications=spec('natgateway', stack, stack + '-nat-a'))['NatGateway']['NatGatewayId']
    table = ec2.create_route_table(VpcId=vpc, TagSpecifications=spec('route-table', stack, stack + '-private'))['RouteTable']['RouteTableId']
    sg = ec2.create_security_group(GroupName=stack + '-web', Description='web', VpcId=vpc,
                                   TagSpecifications=spec('security-group', stack, stack + '-web'))['GroupId']
    ec2.create_key_pair(KeyName=stack, TagSpecifications=spec('key-pair', stack, stack))
    key = stack  # a key pair is known by its name

    def run(role, itype, subnet, count=1):
        out = ec2.run_instances(ImageId=image, InstanceType=itype, MinCount=count, MaxCount=count, SubnetId=subnet,
                                TagSpecifications=spec('instance', stack, '%s-%s' % (stack, role), Role=role)
                                + spec('volume', stack, '%s-%s' % (stack, role)),
                                BlockDeviceMappings=[{'DeviceName': '/dev/xvda', 'Ebs': {'VolumeSize': 8, 'VolumeType': 'gp3'}}])
        return [i['InstanceId'] for i in out['Instances']]
    bastion = run('bastion', 't3.micro', subnets[0])
    web = run('web', web_type, subnets[2], count=2)
    db = run('db', 't3.small', subnets[2])
    ec2.stop_instances(InstanceIds=db)
    made.update(vpc=[vpc], subnet=subnets, internet_gateway=[igw], elastic_ip=[eip], nat_gateway=[nat], route_table=[table],
                security_group=[sg], key_pair=[key], instance=bastion + web + db)
    lb = c['elbv2'].create_load_balancer(Name=stack + '-alb', Subnets=subnets[:2], SecurityGroups=[sg], Scheme='internet-facing',
                                         Type='application', Tags=tags(stack))['LoadBalancers'][0]['LoadBalancerArn']
    group = c['elbv2'].create_target_group(Name=stack + '-web', Protocol='HTTP', Port=80, VpcId=vpc, TargetType='instance',
                                           Tags=tags(stack))['TargetGroups'][0]['TargetGroupArn']
    c['elbv2'].register_targets(TargetGroupArn=group, Targets=[{'Id': i, 'Port': 80} for i in web])
    pem, private = self_signed('%s.example.com' % stack)
    # imported without a Stack tag: listed because the stack's listener uses it
    cert = c['acm'].import_certificate(Certificate=pem, PrivateKey=private)['CertificateArn']
    c['elbv2'].create_listener(LoadBalancerArn=lb, Protocol='HTTPS', Port=443, Certificates=[{'CertificateArn': cert}],
                               DefaultActions=[{'Type': 'forward', 'TargetGroupArn': group}])
    made.update(load_balancer=[lb], target_group=[group], certificate=[cert])
    if data_tier:
        c['rds'].create_db_subnet_group(DBSubnetGroupName=stack + '-db', DBSubnetGroupDescription='db', SubnetIds=subnets[2:],
                                        Tags=tags(stack))
        c['rds'].create_db_instance(DBInstanceIdentifier=stack + '-db', Engine='postgres', DBInstanceClass='db.t4g.micro',
                                    AllocatedStorage=20, StorageType='gp3', MultiAZ=True, MasterUsername='seed_admin',
                                    MasterUserPassword='s3cret-s3cret', DBSubnetGroupName=stack + '-db', Tags=tags(stack))
        c['rds'].create_db_snapshot(DBInstanceIdentifier=stack + '-db', DBSnapshotIdentifier=stack + '-db-final-1',
                                    Tags=tags(stack))
        c['elasticache'].create_cache_subnet_group(CacheSubnetGroupName=stack + '-cache', CacheSubnetGroupDescription='c',
                                                   SubnetIds=subnets[2:], Tags=tags(stack))
        c['elasticache'].create_replication_group(ReplicationGroupId=stack + '-cache', ReplicationGroupDescription='c', Engine='redis',
                                                  CacheNodeType='cache.t4g.micro', NumCacheClusters=2,
                                                  CacheSubnetGroupName=stack + '-cache', Tags=tags(stack))
        made.update(db_subnet_group=[stack + '-db'], rds_instance=[stack + '-db'], db_snapshot=[stack + '-db-final-1'],
                    cache_subnet_group=[stack + '-cache'], cache_cluster=[stack + '-cache'])
    return made


@pytest.fixture
def image(aws):
    return aws.describe_images(Owners=[DEBIAN_OWNER])['Images'][0]['ImageId']


@pytest.fixture
def stacks(aws, image):
    """demo, demo-2 (a name demo's is a prefix of), and resources of no stack named like demo's."""
    demo = make_stack(aws, 'demo', image)
    other = make_stack(aws, 'demo-2', image)
    stray_vpc = aws.create_vpc(CidrBlock='10.50.0.0/16', TagSpecifications=spec('vpc', None, 'demo-vpc'))['Vpc']['VpcId']
    stray = aws.run_instances(ImageId=image, InstanceType='t3.micro', MinCount=1, MaxCount=1,
                              TagSpecifications=spec('instance', None, 'demo-web', Role='web'))['Instances'][0]['InstanceId']
    return {'demo': demo, 'demo-2': other, 'stray': [stray_vpc, stray]}


def by_kind(result):
    out = {}
    for r in result['resources']:
        out.setdefault(r['kind'], []).append(r)
    return out


def ids(result):
    return set(r['id'] for r in result['resources'])


def test_lists_only_the_stacks_resources_with_states_and_costs(aws, run_module, calls, stacks):
    del calls[:]
    result = run_module(stack_info.main, {'stack': 'demo'})
    assert not result.get('failed'), result
    assert result['changed'] is False and result['stack'] == 'demo' and result['region'] == REGION
    assert mutating(calls) == []
    kinds = by_kind(result)
    demo = stacks['demo']
    for kind, made in demo.items():
        assert sorted(r['id'] for r in kinds.get(kind, [])) == sorted(made), kind
    other = set(i for made in stacks['demo-2'].values() for i in made) | set(stacks['stray'])
    assert not ids(result) & other, ids(result) & other
    # every volume listed is a root volume of one of demo's instances, one each
    volumes = kinds['volume']
    assert sorted(a for v in volumes for a in v['details']['attached_to']) == sorted(demo['instance'])
    assert set(kinds) == set(demo) | {'volume'}
    assert result['counts'] == dict((k, len(v)) for k, v in kinds.items())

    # states and costs, from the price table
    ec2_price = dict((t, float(prices.EC2[t].amount)) for t in ('t3.micro', 't3.small'))
    instances = dict((r['details']['role'], r) for r in kinds['instance'] if r['details']['role'] != 'web')
    webs = [r for r in kinds['instance'] if r['details']['role'] == 'web']
    assert [w['state'] for w in webs] == ['running', 'running'] and instances['db']['state'] == 'stopped'
    ipv4 = float(prices.PUBLIC_IPV4.amount)
    for r in webs + [instances['bastion']]:
        extra = ipv4 if r['details']['public_ip'] else 0
        assert r['hourly'] == near(ec2_price['t3.micro'] + extra), r
        assert r['details']['instance_type'] == 't3.micro' and r['details']['private_ip']
    assert instances['db']['hourly'] == 0 and 'stopped' in instances['db']['cost_note']
    for v in volumes:
        assert v['details'] == dict(v['details'], volume_type='gp3', size=8)
        assert v['hourly'] == near(8 * 0.08 / H)
    (nat,) = kinds['nat_gateway']
    assert nat['state'] == 'available' and nat['hourly'] == near(0.045)
    (eip,) = kinds['elastic_ip']
    assert eip['state'] == 'associated' and eip['hourly'] == near(0.005)
    (lb,) = kinds['load_balancer']
    assert lb['state'] == 'active' and lb['name'] == 'demo-alb' and lb['details']['dns_name']
    assert lb['details']['zones'] == ['us-east-1a', 'us-east-1b'] and [li['port'] for li in lb['details']['listeners']] == [443]
    assert lb['hourly'] == near(0.0225 + 2 * 0.005)
    (group,) = kinds['target_group']
    assert sorted(t['id'] for t in group['details']['targets']) == sorted(demo['instance'][1:3]) and group['hourly'] == 0
    (cert,) = kinds['certificate']
    assert cert['details']['used_by_load_balancer'] == 'demo-alb' and cert['hourly'] == 0
    (db,) = kinds['rds_instance']
    assert db['details']['multi_az'] is True and db['details']['instance_class'] == 'db.t4g.micro'
    assert db['details']['allocated_storage'] == 20 and db['details']['storage_type'] == 'gp3'
    assert db['hourly'] == near(0.032 + 20 * 0.23 / H)  # Multi-AZ: the class and the storage twice
    (snap,) = kinds['db_snapshot']
    assert snap['hourly'] is None and 'not estimated' in snap['cost_note']
    (redis,) = kinds['cache_cluster']
    assert redis['details']['node_type'] == 'cache.t4g.micro' and len(redis['details']['nodes']) == 2
    assert redis['hourly'] == near(2 * 0.016)
    for kind in ('vpc', 'subnet', 'route_table', 'internet_gateway', 'security_group', 'key_pair', 'db_subnet_group',
                 'cache_subnet_group'):
        assert all(r['hourly'] == 0 for r in kinds[kind]), kind
    assert kinds['internet_gateway'][0]['state'] == 'attached'

    # the total: every resource's hourly cost (the snapshot not estimated), each line with its state
    cost = result['cost']
    expected = sum(r['hourly'] for r in result['resources'] if r['hourly'] is not None)
    assert cost['totals']['hourly'] == pytest.approx(expected, abs=1e-6) and cost['totals']['complete'] is True
    assert cost['totals']['monthly'] == pytest.approx(expected * H, abs=0.01)
    assert cost['totals']['not_estimated'] == ['DB snapshot demo-db-final-1']
    assert cost['region'] == 'us-east-1' and cost['read_on'] == prices.READ_ON and cost['notes']
    state = dict(((r['kind'], r['id']), r['state']) for r in result['resources'])
    assert all(ln['state'] == state[ln['resource'], ln['id']] for ln in cost['lines'])
    assert set((ln['resource'], ln['id']) for ln in cost['lines']) == set(state)


def test_the_other_stack_sees_only_its_own(aws, run_module, stacks):
    result = run_module(stack_info.main, {'stack': 'demo-2'})
    mine = set(i for made in stacks['demo-2'].values() for i in made)
    assert mine <= ids(result)
    assert not ids(result) & (set(i for made in stacks['demo'].values() for i in made) | set(stacks['stray']))


def test_check_mode_reads_the_same_and_sends_only_reads(aws, run_module, calls, stacks):
    live = run_module(stack_info.main, {'stack': 'demo'})
    del calls[:]
    planned = run_module(stack_info.main, {'stack': 'demo'}, check_mode=True)
    assert calls and mutating(calls) == []
    # the same resources and costs (a state may move on between the two reads: the emulator's Redis becomes available)
    assert [(r['kind'], r['id'], r['hourly']) for r in planned['resources']] == [(r['kind'], r['id'], r['hourly']) for r in live['resources']]
    assert planned['cost']['totals'] == live['cost']['totals']


def test_an_unknown_instance_type_makes_the_total_unknown(aws, run_module, image):
    make_stack(aws, 'demo', image, web_type='t3.2xlarge', data_tier=False)
    result = run_module(stack_info.main, {'stack': 'demo'})
    webs = [r for r in result['resources'] if r['kind'] == 'instance' and r['details']['role'] == 'web']
    assert [w['hourly'] for w in webs] == [None, None]
    assert all('no price for EC2 instance type t3.2xlarge' in w['cost_note'] for w in webs)
    totals = result['cost']['totals']
    assert totals['hourly'] is None and totals['monthly'] is None and totals['complete'] is False
    assert totals['known_hourly'] == pytest.approx(sum(r['hourly'] for r in result['resources'] if r['hourly'] is not None), abs=1e-6)
    assert len(totals['unknown']) == 2


def test_a_stack_with_nothing_lists_nothing(aws, run_module, stacks):
    result = run_module(stack_info.main, {'stack': 'shop'})
    assert result['resources'] == [] and result['cost']['totals']['hourly'] == 0 and result['counts'] == {}


@pytest.mark.parametrize('name', ['Demo', 'demo_2', '-demo', 'demo-', 'a' * 40])
def test_a_bad_stack_name_fails_before_any_call(aws, run_module, calls, name):
    del calls[:]
    result = run_module(stack_info.main, {'stack': name})
    assert result['failed'] and result['field'] == 'stack' and 'not a usable stack name' in result['msg']
    assert calls == []


def test_the_cost_of_a_table_line_is_the_table_figure():
    """The module's costs are the table's: a priced line is quantity x the table's amount."""
    ln = prices.line('x', 3, prices.EC2['t3.small'])
    assert ln['hourly'] == 3 * Decimal('0.0208') and ln['monthly'] == 3 * Decimal('0.0208') * H
