"""The walk: every resource module of the collection (found by listing plugins/modules, so a new one without a case
here fails), given `stack: demo` and state=absent, meets a resource of the same name that stack `demo-2` owns, and must
refuse it before it acts: failed, naming both stacks, no mutating call, the resource still there. Each module's own
tests go further (present with a change, untagged resources, ids given by the user, prefixes of names)."""
import glob
import importlib
import os

import boto3
import pytest

from ...conftest import REGION, mutating
from .pem import self_signed

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
MODULES = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(ROOT, 'plugins', 'modules', '*.py')))
READS_ONLY = {'preflight', 'stack_vars', 'stack_info'}
OWNER = [{'Key': 'Stack', 'Value': 'demo-2'}]


def spec(kind, name):
    return [{'ResourceType': kind, 'Tags': [{'Key': 'Name', 'Value': name}] + OWNER}]


def client(name):
    return boto3.client(name, region_name=REGION)


def vpc_and_subnets(ec2, stack='demo'):
    vid = ec2.create_vpc(CidrBlock='10.20.0.0/16', TagSpecifications=[{'ResourceType': 'vpc', 'Tags': [
        {'Key': 'Name', 'Value': '%s-vpc' % stack}, {'Key': 'Stack', 'Value': stack}]}])['Vpc']['VpcId']
    subnets = [ec2.create_subnet(VpcId=vid, CidrBlock='10.20.%d.0/24' % i, AvailabilityZone='%s%s' % (REGION, zone),
                                 TagSpecifications=[{'ResourceType': 'subnet', 'Tags': [{'Key': 'Stack', 'Value': stack}]}])['Subnet']['SubnetId']
               for i, zone in ((10, 'a'), (11, 'b'))]
    return vid, subnets


def case_vpc(ec2):
    vid = ec2.create_vpc(CidrBlock='10.0.0.0/16', TagSpecifications=spec('vpc', 'demo-vpc'))['Vpc']['VpcId']
    return {'name': 'demo-vpc', 'cidr_block': '10.0.0.0/16'}, lambda: ec2.describe_vpcs(VpcIds=[vid])['Vpcs']


def case_subnet(ec2):
    vid, _s = vpc_and_subnets(ec2)
    sid = ec2.create_subnet(VpcId=vid, CidrBlock='10.20.1.0/24', TagSpecifications=spec('subnet', 'demo-public'))['Subnet']['SubnetId']
    return {'vpc_id': vid, 'cidr_block': '10.20.1.0/24', 'name': 'demo-public'}, lambda: ec2.describe_subnets(SubnetIds=[sid])['Subnets']


def case_internet_gateway(ec2):
    vid, _s = vpc_and_subnets(ec2)
    gid = ec2.create_internet_gateway(TagSpecifications=spec('internet-gateway', 'demo-igw'))['InternetGateway']['InternetGatewayId']
    ec2.attach_internet_gateway(InternetGatewayId=gid, VpcId=vid)
    return {'vpc_id': vid, 'name': 'demo-igw'}, lambda: ec2.describe_internet_gateways(InternetGatewayIds=[gid])['InternetGateways'][0]['Attachments']


def case_nat_gateway(ec2):
    _v, subnets = vpc_and_subnets(ec2)
    eip = ec2.allocate_address(Domain='vpc', TagSpecifications=spec('elastic-ip', 'demo-nat'))['AllocationId']
    nid = ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=eip, TagSpecifications=spec('natgateway', 'demo-nat'))['NatGateway']['NatGatewayId']

    def live():
        return [n for n in ec2.describe_nat_gateways(NatGatewayIds=[nid])['NatGateways'] if n['State'] in ('pending', 'available')]
    return {'name': 'demo-nat', 'subnet_id': subnets[0]}, live


def case_elastic_ip(ec2):
    eip = ec2.allocate_address(Domain='vpc', TagSpecifications=spec('elastic-ip', 'demo-eip'))['AllocationId']
    return {'name': 'demo-eip'}, lambda: ec2.describe_addresses(AllocationIds=[eip])['Addresses']


def case_route_table(ec2):
    vid, _s = vpc_and_subnets(ec2)
    tid = ec2.create_route_table(VpcId=vid, TagSpecifications=spec('route-table', 'demo-public'))['RouteTable']['RouteTableId']
    return {'vpc_id': vid, 'name': 'demo-public'}, lambda: ec2.describe_route_tables(RouteTableIds=[tid])['RouteTables']


def case_security_group(ec2):
    vid, _s = vpc_and_subnets(ec2)
    gid = ec2.create_security_group(GroupName='demo-web', Description='web', VpcId=vid, TagSpecifications=spec('security-group', 'demo-web'))['GroupId']
    return {'vpc_id': vid, 'name': 'demo-web'}, lambda: ec2.describe_security_groups(GroupIds=[gid])['SecurityGroups']


def case_key_pair(ec2):
    ec2.create_key_pair(KeyName='demo', TagSpecifications=[{'ResourceType': 'key-pair', 'Tags': OWNER}])
    return {'name': 'demo'}, lambda: ec2.describe_key_pairs(KeyNames=['demo'])['KeyPairs']


def case_network(ec2):
    vid = ec2.create_vpc(CidrBlock='10.20.0.0/16', TagSpecifications=spec('vpc', 'demo-vpc'))['Vpc']['VpcId']
    return {'name': 'demo'}, lambda: ec2.describe_vpcs(VpcIds=[vid])['Vpcs']


def case_instance(ec2):
    """instance finds by the Stack tag itself: absent for demo must leave demo-2's instance running (not refuse)."""
    _v, subnets = vpc_and_subnets(ec2, 'demo-2')
    image = ec2.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    iid = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnets[0], TagSpecifications=[{'ResourceType': 'instance', 'Tags': [
        {'Key': 'Name', 'Value': 'demo-web-1'}, {'Key': 'Role', 'Value': 'web'}, {'Key': 'Index', 'Value': '1'}] + OWNER}])['Instances'][0]['InstanceId']
    return {}, lambda: [i for r in ec2.describe_instances(InstanceIds=[iid])['Reservations'] for i in r['Instances']
                        if i['State']['Name'] in ('pending', 'running')]


def load_balancer_of_demo_2(ec2):
    vid, subnets = vpc_and_subnets(ec2)
    elb = client('elbv2')
    tg = elb.create_target_group(Name='demo-web', Protocol='HTTP', Port=80, VpcId=vid, TargetType='instance', Tags=OWNER)['TargetGroups'][0]
    lb = elb.create_load_balancer(Name='demo-alb', Subnets=subnets, Tags=OWNER)['LoadBalancers'][0]
    return elb, lb, tg


def case_load_balancer(ec2):
    elb, lb, _tg = load_balancer_of_demo_2(ec2)
    return {'name': 'demo-alb', 'target_groups': [{'name': 'demo-web'}]}, \
        lambda: elb.describe_load_balancers(LoadBalancerArns=[lb['LoadBalancerArn']])['LoadBalancers']


def case_target(ec2):
    elb, _lb, tg = load_balancer_of_demo_2(ec2)
    _v, subnets = vpc_and_subnets(ec2, 'demo-2')
    image = ec2.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    iid = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnets[0],
                            TagSpecifications=[{'ResourceType': 'instance', 'Tags': OWNER}])['Instances'][0]['InstanceId']
    elb.register_targets(TargetGroupArn=tg['TargetGroupArn'], Targets=[{'Id': iid, 'Port': 80}])
    return {'target_group': 'demo-web', 'targets': [iid]}, \
        lambda: elb.describe_target_health(TargetGroupArn=tg['TargetGroupArn'])['TargetHealthDescriptions']


def case_certificate(ec2):
    pem, key = self_signed()
    acm = client('acm')
    arn = acm.import_certificate(Certificate=pem, PrivateKey=key, Tags=[{'Key': 'Name', 'Value': 'demo-alb'}] + OWNER)['CertificateArn']
    return {'name': 'demo-alb'}, lambda: [acm.describe_certificate(CertificateArn=arn)['Certificate']]


def case_db_subnet_group(ec2):
    _v, subnets = vpc_and_subnets(ec2)
    rds = client('rds')
    rds.create_db_subnet_group(DBSubnetGroupName='demo-db', DBSubnetGroupDescription='db', SubnetIds=subnets, Tags=OWNER)
    return {'name': 'demo-db'}, lambda: rds.describe_db_subnet_groups(DBSubnetGroupName='demo-db')['DBSubnetGroups']


def case_s3_bucket(ec2):  # pylint: disable=unused-argument
    s3 = client('s3')
    s3.create_bucket(Bucket='demo-artifacts')
    s3.put_bucket_tagging(Bucket='demo-artifacts', Tagging={'TagSet': OWNER})
    return {'name': 'demo-artifacts'}, lambda: [b for b in s3.list_buckets()['Buckets'] if b['Name'] == 'demo-artifacts']


def case_s3_object(ec2):  # pylint: disable=unused-argument
    """An object is its bucket's: the bucket's Stack tag says whose it is."""
    s3 = client('s3')
    s3.create_bucket(Bucket='demo-artifacts')
    s3.put_bucket_tagging(Bucket='demo-artifacts', Tagging={'TagSet': OWNER})
    s3.put_object(Bucket='demo-artifacts', Key='releases/current.json', Body=b'{}')
    return {'bucket': 'demo-artifacts', 'key': 'releases/current.json'}, \
        lambda: s3.list_objects_v2(Bucket='demo-artifacts').get('Contents')


TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'


def case_iam_role(ec2):  # pylint: disable=unused-argument
    iam = client('iam')
    iam.create_role(RoleName='demo-web', AssumeRolePolicyDocument=TRUST, Tags=OWNER)
    return {'name': 'demo-web'}, lambda: [r for r in iam.list_roles()['Roles'] if r['RoleName'] == 'demo-web']


def case_instance_profile(ec2):  # pylint: disable=unused-argument
    iam = client('iam')
    iam.create_role(RoleName='demo-web', AssumeRolePolicyDocument=TRUST)
    iam.create_instance_profile(InstanceProfileName='demo-web', Tags=OWNER)
    iam.add_role_to_instance_profile(InstanceProfileName='demo-web', RoleName='demo-web')
    return {'name': 'demo-web'}, lambda: iam.get_instance_profile(InstanceProfileName='demo-web')['InstanceProfile']['Roles']


def case_launch_template(ec2):
    tid = ec2.create_launch_template(LaunchTemplateName='demo-web', LaunchTemplateData={'ImageId': 'ami-12345678', 'InstanceType': 't3.micro'},
                                     TagSpecifications=spec('launch-template', 'demo-web'))['LaunchTemplate']['LaunchTemplateId']
    return {'name': 'demo-web'}, lambda: ec2.describe_launch_templates(LaunchTemplateIds=[tid])['LaunchTemplates']


def case_image(ec2):
    """An image baked from demo-2's instance, under the name stack demo asks to deregister."""
    _v, subnets = vpc_and_subnets(ec2, 'demo-2')
    base = ec2.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    iid = ec2.run_instances(ImageId=base, MinCount=1, MaxCount=1, SubnetId=subnets[0],
                            TagSpecifications=spec('instance', 'demo-2-web-1'))['Instances'][0]['InstanceId']
    ami = ec2.create_image(InstanceId=iid, Name='demo-web-1a2b', TagSpecifications=spec('image', 'demo-web-1a2b'))['ImageId']
    return {'name': 'demo-web-1a2b'}, lambda: ec2.describe_images(ImageIds=[ami])['Images']


def case_autoscaling_group(ec2):
    _v, subnets = vpc_and_subnets(ec2, 'demo-2')
    ec2.create_launch_template(LaunchTemplateName='demo-web', LaunchTemplateData={'ImageId': 'ami-12345678', 'InstanceType': 't3.micro'})
    asg = client('autoscaling')
    asg.create_auto_scaling_group(AutoScalingGroupName='demo-web', MinSize=0, MaxSize=1, VPCZoneIdentifier=subnets[0],
                                  LaunchTemplate={'LaunchTemplateName': 'demo-web'}, Tags=[dict(t, PropagateAtLaunch=True) for t in OWNER])
    return {'name': 'demo-web'}, lambda: asg.describe_auto_scaling_groups(AutoScalingGroupNames=['demo-web'])['AutoScalingGroups']


def case_scaling_policy(ec2):
    """A policy carries no tags: its group's Stack tag is what says whose it is."""
    case_autoscaling_group(ec2)  # the group demo-web, of stack demo-2
    asg = client('autoscaling')
    asg.put_scaling_policy(AutoScalingGroupName='demo-web', PolicyName='demo-web-cpu', PolicyType='TargetTrackingScaling',
                           TargetTrackingConfiguration={'TargetValue': 50.0, 'PredefinedMetricSpecification': {
                               'PredefinedMetricType': 'ASGAverageCPUUtilization'}})
    return {'autoscaling_group': 'demo-web', 'name': 'demo-web-cpu'}, \
        lambda: asg.describe_policies(AutoScalingGroupName='demo-web')['ScalingPolicies']


def case_rds_instance(ec2):
    _v, subnets = vpc_and_subnets(ec2)
    rds = client('rds')
    rds.create_db_subnet_group(DBSubnetGroupName='demo-db', DBSubnetGroupDescription='db', SubnetIds=subnets, Tags=OWNER)
    rds.create_db_instance(DBInstanceIdentifier='demo-db', Engine='postgres', DBInstanceClass='db.t4g.micro', AllocatedStorage=20,
                           MasterUsername='seed_admin', MasterUserPassword='s3cret-s3cret', DBSubnetGroupName='demo-db', Tags=OWNER)
    return {'identifier': 'demo-db', 'skip_final_snapshot': True}, \
        lambda: rds.describe_db_instances(DBInstanceIdentifier='demo-db')['DBInstances']


def case_cache_subnet_group(ec2):
    _v, subnets = vpc_and_subnets(ec2)
    cache = client('elasticache')
    cache.create_cache_subnet_group(CacheSubnetGroupName='demo-cache', CacheSubnetGroupDescription='c', SubnetIds=subnets, Tags=OWNER)
    return {'name': 'demo-cache'}, lambda: cache.describe_cache_subnet_groups(CacheSubnetGroupName='demo-cache')['CacheSubnetGroups']


def case_cache_cluster(ec2):
    _v, subnets = vpc_and_subnets(ec2)
    cache = client('elasticache')
    cache.create_cache_subnet_group(CacheSubnetGroupName='demo-cache', CacheSubnetGroupDescription='c', SubnetIds=subnets, Tags=OWNER)
    cache.create_replication_group(ReplicationGroupId='demo-cache', ReplicationGroupDescription='c', Engine='redis',
                                   CacheNodeType='cache.t4g.micro', NumCacheClusters=1, CacheSubnetGroupName='demo-cache', Tags=OWNER)
    return {'name': 'demo-cache'}, lambda: cache.describe_replication_groups(ReplicationGroupId='demo-cache')['ReplicationGroups']


def _zone_of_demo_2():
    r53 = client('route53')
    zid = r53.create_hosted_zone(Name='demo.example.com', CallerReference='demo-2')['HostedZone']['Id'].split('/')[-1]
    r53.change_tags_for_resource(ResourceType='hostedzone', ResourceId=zid, AddTags=OWNER)
    return r53, zid


def case_route53_zone(ec2):  # pylint: disable=unused-argument
    r53, zid = _zone_of_demo_2()
    return {'name': 'demo.example.com'}, lambda: [z for z in r53.list_hosted_zones()['HostedZones'] if z['Id'].endswith(zid)]


def case_route53_record(ec2):  # pylint: disable=unused-argument
    """Records carry no tags: their zone's Stack tag is what says whose they are."""
    r53, zid = _zone_of_demo_2()
    r53.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={'Changes': [{'Action': 'CREATE', 'ResourceRecordSet': {
        'Name': 'www.demo.example.com.', 'Type': 'A', 'TTL': 60, 'ResourceRecords': [{'Value': '192.0.2.1'}]}}]})
    return {'zone': 'demo.example.com', 'name': 'www.demo.example.com', 'type': 'A'}, \
        lambda: [r for r in r53.list_resource_record_sets(HostedZoneId=zid)['ResourceRecordSets'] if r['Type'] == 'A']


CASES = dict((name[len('case_'):], f) for name, f in list(globals().items()) if name.startswith('case_'))


def test_every_resource_module_has_a_case():
    assert sorted(CASES) == sorted(m for m in MODULES if m not in READS_ONLY)


@pytest.mark.parametrize('name', sorted(CASES))
def test_a_resource_of_another_stack_is_never_deleted(aws, run_module, calls, name):
    args, still_there = CASES[name](aws)
    assert still_there(), 'the case made nothing to delete'
    module = importlib.import_module('ansible_collections.seed.laravel_aws.plugins.modules.%s' % name)
    args = dict(args, state='absent', **({'name': 'demo'} if name == 'network' else {'stack': 'demo'}))
    del calls[:]
    result = run_module(module.main, args)
    if name == 'instance':  # found by its Stack tag: another stack's instance is not its own, and is left running
        assert not result.get('failed') and result['changed'] is False, result
    else:
        assert result.get('failed'), result
        assert "belongs to stack 'demo-2'" in result['msg'] and "not to stack 'demo'" in result['msg'], result['msg']
        assert not result.get('changed'), result
    assert mutating(calls) == [], mutating(calls)
    assert still_there(), '%s deleted what stack demo-2 owns' % name
