"""The aws profile's time and dependencies (emulator.lifecycle): resources walk AWS's states for their (paced) time,
requester-managed interfaces hold subnets, security groups and public addresses after their owner is gone, and a
certificate stays in use a while after its listener. Driven through an in-process emulator (moto's server app behind
emulator.server's Recorder, served on 127.0.0.1:0) with an injected clock, so no test sleeps; the moto profile shows
none of it."""
import threading

import pytest

pytest.importorskip('moto')

import boto3  # noqa: E402  pylint: disable=wrong-import-position
from botocore.exceptions import ClientError  # noqa: E402  pylint: disable=wrong-import-position

from emulator import amis, profile as profile_mod  # noqa: E402  pylint: disable=wrong-import-position
from tests.unit.plugins.modules.pem import self_signed  # noqa: E402  pylint: disable=wrong-import-position
from .emulator_clock import Clock  # noqa: E402  pylint: disable=wrong-import-position

REGION = 'us-east-1'
PACE = profile_mod.DEFAULT_PACE


def seconds(service, resource, state):
    return profile_mod.DURATIONS[(service, resource, state)] * PACE


@pytest.fixture(scope='module')
def served():
    """One emulator for the module: moto's server app behind the Recorder with the Lifecycle hook, on 127.0.0.1:0."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server
    from emulator import server
    from emulator.fidelity import patch_moto
    from emulator.lifecycle import Lifecycle
    patch_moto()
    recorder = server.Recorder(DomainDispatcherApplication(create_backend_app), hooks=[Lifecycle()])
    httpd = make_server('127.0.0.1', 0, recorder, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield recorder, 'http://127.0.0.1:%d' % httpd.server_port
    httpd.shutdown()


@pytest.fixture
def emu(served, monkeypatch):
    """A fresh emulator state (moto reset through the Recorder), the aws profile at the default pace, an injected clock,
    and a client factory."""
    import urllib.request
    recorder, url = served
    for key in ('AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_EC2'):
        monkeypatch.delenv(key, raising=False)
    recorder.faults.configure({'profile': 'aws', 'lag': 0})
    urllib.request.urlopen(urllib.request.Request(url + '/moto-api/reset', method='POST'), timeout=30).read()
    clock = Clock()
    recorder.faults.profile.clock = clock

    def client(service):
        return boto3.client(service, region_name=REGION, endpoint_url=url, aws_access_key_id='testing',
                            aws_secret_access_key='testing')

    class Emu:
        pass
    e = Emu()
    e.recorder, e.clock, e.client = recorder, clock, client
    e.ec2 = client('ec2')
    yield e
    recorder.faults.profile.clock = profile_mod.time.monotonic


def vpc_with_subnets(ec2, zones='ab'):
    vpc = ec2.create_vpc(CidrBlock='10.30.0.0/16')['Vpc']['VpcId']
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock='10.30.%d.0/24' % i, AvailabilityZone=REGION + z)['Subnet']['SubnetId']
               for i, z in enumerate(zones)]
    return vpc, subnets


def image(ec2):
    return amis.image_id(REGION, amis.IMAGES[0]['name'])


def code_of(exc):
    return exc.value.response['Error']['Code'], exc.value.response['Error']['Message']


def instance_state(ec2, iid):
    return ec2.describe_instances(InstanceIds=[iid])['Reservations'][0]['Instances'][0]['State']['Name']


def interfaces(ec2, **filters):
    return ec2.describe_network_interfaces(Filters=[{'Name': k.replace('_', '-'), 'Values': [v]} for k, v in filters.items()])[
        'NetworkInterfaces']


# -- EC2 instances -----------------------------------------------------------------------------------------
def test_an_instance_is_pending_then_running(emu):
    """"When you launch an instance, it enters the pending state ... After the instance is ready for you, it enters the
    running state" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html)."""
    subnet = vpc_with_subnets(emu.ec2)[1][0]
    made = emu.ec2.run_instances(ImageId=image(emu.ec2), MinCount=1, MaxCount=1, SubnetId=subnet)['Instances'][0]
    assert made['State']['Name'] == 'pending'
    assert instance_state(emu.ec2, made['InstanceId']) == 'pending'
    emu.clock.advance(seconds('ec2', 'instance', 'pending') - 0.1)
    assert instance_state(emu.ec2, made['InstanceId']) == 'pending'
    emu.clock.advance(0.1)
    assert instance_state(emu.ec2, made['InstanceId']) == 'running'


def test_a_data_plane_that_does_not_serve_yet_keeps_the_instance_pending(emu):
    """An instance is running when it is ready for you (same page): with a data plane, not before its container serves."""
    from emulator.server import ec2_backend
    subnet = vpc_with_subnets(emu.ec2)[1][0]
    iid = emu.ec2.run_instances(ImageId=image(emu.ec2), MinCount=1, MaxCount=1, SubnetId=subnet)['Instances'][0]['InstanceId']
    instance = ec2_backend(REGION).get_instance(iid)
    instance.seed_serving = 'starting'  # as emulator.dataplane marks it while its container boots
    emu.clock.advance(10 * seconds('ec2', 'instance', 'pending'))
    assert instance_state(emu.ec2, iid) == 'pending'
    instance.seed_serving = 'serving'
    assert instance_state(emu.ec2, iid) == 'running'


def test_a_stopped_instance_is_stopping_then_stopped_and_a_started_one_pending_then_running(emu):
    """StopInstances: "stopping ... stopped"; StartInstances: "pending ... running" (lifecycle page)."""
    subnet = vpc_with_subnets(emu.ec2)[1][0]
    iid = emu.ec2.run_instances(ImageId=image(emu.ec2), MinCount=1, MaxCount=1, SubnetId=subnet)['Instances'][0]['InstanceId']
    emu.clock.advance(seconds('ec2', 'instance', 'pending'))
    assert emu.ec2.stop_instances(InstanceIds=[iid])['StoppingInstances'][0]['CurrentState']['Name'] == 'stopping'
    assert instance_state(emu.ec2, iid) == 'stopping'
    emu.clock.advance(seconds('ec2', 'instance', 'stopping'))
    assert instance_state(emu.ec2, iid) == 'stopped'
    assert emu.ec2.start_instances(InstanceIds=[iid])['StartingInstances'][0]['CurrentState']['Name'] == 'pending'
    assert instance_state(emu.ec2, iid) == 'pending'
    emu.clock.advance(seconds('ec2', 'instance', 'pending'))
    assert instance_state(emu.ec2, iid) == 'running'


def test_a_terminated_instance_shuts_down_and_holds_its_subnet_and_group_meanwhile(emu):
    """TerminateInstances: "shutting-down ... The instance is preparing to be terminated", then terminated (lifecycle page);
    a subnet with instances cannot be deleted (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-deleting.html)."""
    vpc, (subnet, dummy) = vpc_with_subnets(emu.ec2)
    group = emu.ec2.create_security_group(GroupName='web', Description='web', VpcId=vpc)['GroupId']
    iid = emu.ec2.run_instances(ImageId=image(emu.ec2), MinCount=1, MaxCount=1, SubnetId=subnet,
                                SecurityGroupIds=[group])['Instances'][0]['InstanceId']
    emu.clock.advance(seconds('ec2', 'instance', 'pending'))
    answer = emu.ec2.terminate_instances(InstanceIds=[iid])['TerminatingInstances'][0]
    assert answer['CurrentState']['Name'] == 'shutting-down'
    assert instance_state(emu.ec2, iid) == 'shutting-down'
    with pytest.raises(ClientError) as refused:
        emu.ec2.delete_subnet(SubnetId=subnet)
    assert code_of(refused) == ('DependencyViolation', "The subnet '%s' has dependencies and cannot be deleted." % subnet)
    with pytest.raises(ClientError) as refused:
        emu.ec2.delete_security_group(GroupId=group)
    assert code_of(refused) == ('DependencyViolation', 'resource %s has a dependent object' % group)
    emu.clock.advance(seconds('ec2', 'instance', 'shutting-down'))
    assert instance_state(emu.ec2, iid) == 'terminated'
    emu.ec2.delete_security_group(GroupId=group)
    emu.ec2.delete_subnet(SubnetId=subnet)


# -- NAT gateways --------------------------------------------------------------------------------------------
def nat_state(ec2, nid):
    return ec2.describe_nat_gateways(NatGatewayIds=[nid])['NatGateways'][0]['State']


def test_a_nat_gateway_is_pending_then_available_with_its_requester_managed_interface(emu):
    """"pending ... available" (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-working-with.html); its
    network interface is requester-managed (https://docs.aws.amazon.com/vpc/latest/userguide/requester-managed-eni.html)."""
    subnet = vpc_with_subnets(emu.ec2)[1][0]
    allocation = emu.ec2.allocate_address(Domain='vpc')['AllocationId']
    nat = emu.ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)['NatGateway']
    assert nat['State'] == 'pending' and nat_state(emu.ec2, nat['NatGatewayId']) == 'pending'
    emu.clock.advance(seconds('ec2', 'nat_gateway', 'pending'))
    assert nat_state(emu.ec2, nat['NatGatewayId']) == 'available'
    (eni,) = interfaces(emu.ec2, subnet_id=subnet)
    assert eni['RequesterManaged'] is True and eni['InterfaceType'] == 'nat_gateway' and eni['Status'] == 'in-use'
    assert eni['Description'] == 'Interface for NAT Gateway %s' % nat['NatGatewayId']


def test_a_deleted_nat_gateway_is_deleting_keeps_its_interface_and_address_then_deleted(emu):
    """"deleting ... deleted": the gateway is visible as deleted, and its address is disassociated once it is deleted
    (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-working-with.html, "Delete a NAT gateway")."""
    vpc, (subnet, dummy) = vpc_with_subnets(emu.ec2)
    igw = emu.ec2.create_internet_gateway()['InternetGateway']['InternetGatewayId']
    emu.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    allocation = emu.ec2.allocate_address(Domain='vpc')['AllocationId']
    nid = emu.ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)['NatGateway']['NatGatewayId']
    emu.clock.advance(seconds('ec2', 'nat_gateway', 'pending'))
    emu.ec2.delete_nat_gateway(NatGatewayId=nid)
    assert nat_state(emu.ec2, nid) == 'deleting'
    assert emu.ec2.describe_addresses(AllocationIds=[allocation])['Addresses'][0].get('AssociationId')
    with pytest.raises(ClientError) as refused:
        emu.ec2.delete_subnet(SubnetId=subnet)
    assert code_of(refused)[0] == 'DependencyViolation'
    with pytest.raises(ClientError) as refused:
        emu.ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    assert code_of(refused) == ('DependencyViolation', 'Network %s has some mapped public address(es). Please unmap those public '
                                                       'address(es) before detaching the gateway.' % vpc)
    emu.clock.advance(seconds('ec2', 'nat_gateway', 'deleting'))
    assert nat_state(emu.ec2, nid) == 'deleted'
    assert not emu.ec2.describe_addresses(AllocationIds=[allocation])['Addresses'][0].get('AssociationId')
    assert interfaces(emu.ec2, subnet_id=subnet) == []
    emu.ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    emu.ec2.delete_subnet(SubnetId=subnet)


# -- load balancers --------------------------------------------------------------------------------------
def make_alb(emu, scheme='internet-facing'):
    vpc, subnets = vpc_with_subnets(emu.ec2)
    group = emu.ec2.create_security_group(GroupName='alb', Description='alb', VpcId=vpc)['GroupId']
    elbv2 = emu.client('elbv2')
    lb = elbv2.create_load_balancer(Name='shop', Subnets=subnets, SecurityGroups=[group], Scheme=scheme)['LoadBalancers'][0]
    return vpc, subnets, group, elbv2, lb


def test_a_load_balancer_is_provisioning_then_active(emu):
    """LoadBalancerState: "provisioning | active" (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/
    API_LoadBalancerState.html)."""
    dummy, dummy, dummy, elbv2, lb = make_alb(emu)
    assert lb['State']['Code'] == 'provisioning'

    def state():
        return elbv2.describe_load_balancers(LoadBalancerArns=[lb['LoadBalancerArn']])['LoadBalancers'][0]['State']['Code']
    assert state() == 'provisioning'
    emu.clock.advance(seconds('elbv2', 'load_balancer', 'provisioning'))
    assert state() == 'active'


def test_a_load_balancer_has_a_requester_managed_interface_per_subnet(emu):
    """A load balancer's nodes are requester-managed interfaces in its subnets, "ELB app/<name>/<id>", internet-facing ones
    with a public address (https://docs.aws.amazon.com/vpc/latest/userguide/requester-managed-eni.html;
    https://repost.aws/knowledge-center/elb-find-load-balancer-ip)."""
    dummy, subnets, group, dummy, lb = make_alb(emu)
    found = interfaces(emu.ec2, group_id=group)
    assert sorted(e['SubnetId'] for e in found) == sorted(subnets)
    description = 'ELB ' + lb['LoadBalancerArn'].split(':loadbalancer/')[1]
    for eni in found:
        assert eni['Description'] == description and description.startswith('ELB app/shop/')
        assert eni['RequesterManaged'] is True and eni['RequesterId'] == 'amazon-elb'
        assert eni['Status'] == 'in-use' and eni['InterfaceType'] == 'interface'
        assert eni['Groups'] == [{'GroupId': group, 'GroupName': 'alb'}]
        assert eni['Association']['PublicIp'] and eni['Association']['IpOwnerId'] == 'amazon'
        assert eni['Attachment']['InstanceOwnerId'] == 'amazon-elb' and eni['Attachment']['Status'] == 'attached'


def test_an_internal_load_balancers_interfaces_have_no_public_address(emu):
    dummy, dummy, group, dummy, dummy = make_alb(emu, scheme='internal')
    found = interfaces(emu.ec2, group_id=group)
    assert len(found) == 2 and not any(e.get('Association') for e in found)


def test_a_deleted_load_balancers_interfaces_stay_and_hold_subnets_groups_and_the_gateway(emu):
    """"When you delete the resource associated with a requester-managed network interface, the AWS service detaches the
    network interface and deletes it" (requester-managed-eni page): it takes a while, during which the group, the subnets
    and the internet gateway (mapped public addresses, https://docs.aws.amazon.com/vpc/latest/userguide/delete-igw.html)
    are still held."""
    vpc, subnets, group, elbv2, lb = make_alb(emu)
    igw = emu.ec2.create_internet_gateway()['InternetGateway']['InternetGatewayId']
    emu.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    elbv2.delete_load_balancer(LoadBalancerArn=lb['LoadBalancerArn'])
    linger = seconds('ec2', 'requester_managed_interface', 'in-use-after-delete')
    emu.clock.advance(linger - 0.1)
    assert len(interfaces(emu.ec2, group_id=group)) == 2
    with pytest.raises(ClientError) as refused:
        emu.ec2.delete_security_group(GroupId=group)
    assert code_of(refused) == ('DependencyViolation', 'resource %s has a dependent object' % group)
    with pytest.raises(ClientError) as refused:
        emu.ec2.delete_subnet(SubnetId=subnets[0])
    assert code_of(refused) == ('DependencyViolation', "The subnet '%s' has dependencies and cannot be deleted." % subnets[0])
    with pytest.raises(ClientError) as refused:
        emu.ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    assert code_of(refused)[0] == 'DependencyViolation' and 'mapped public address' in code_of(refused)[1]
    eni = interfaces(emu.ec2, group_id=group)[0]['NetworkInterfaceId']
    with pytest.raises(ClientError) as refused:
        emu.ec2.delete_network_interface(NetworkInterfaceId=eni)
    assert code_of(refused)[0] == 'InvalidNetworkInterface.InUse'
    emu.clock.advance(0.1)
    assert interfaces(emu.ec2, group_id=group) == []
    emu.ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    emu.ec2.delete_security_group(GroupId=group)
    for subnet in subnets:
        emu.ec2.delete_subnet(SubnetId=subnet)


# -- ACM ---------------------------------------------------------------------------------------------------
def test_a_certificate_stays_in_use_a_while_after_its_listener_and_refuses_deletion_meanwhile(emu):
    """"the certificate might remain in use for a while after the listener is deleted"
    (https://docs.aws.amazon.com/acm/latest/userguide/troubleshooting-delete.html); DeleteCertificate of a certificate in use:
    ResourceInUseException (https://docs.aws.amazon.com/acm/latest/APIReference/API_DeleteCertificate.html)."""
    dummy, dummy, dummy, elbv2, lb = make_alb(emu)
    acm = emu.client('acm')
    cert, key = self_signed('shop.example.com')
    arn = acm.import_certificate(Certificate=cert.encode(), PrivateKey=key.encode())['CertificateArn']
    listener = elbv2.create_listener(LoadBalancerArn=lb['LoadBalancerArn'], Protocol='HTTPS', Port=443,
                                     Certificates=[{'CertificateArn': arn}], DefaultActions=[
                                         {'Type': 'fixed-response', 'FixedResponseConfig': {'StatusCode': '200'}}])['Listeners'][0]
    assert acm.describe_certificate(CertificateArn=arn)['Certificate']['InUseBy']
    elbv2.delete_listener(ListenerArn=listener['ListenerArn'])
    assert acm.describe_certificate(CertificateArn=arn)['Certificate']['InUseBy']
    with pytest.raises(ClientError) as refused:
        acm.delete_certificate(CertificateArn=arn)
    assert code_of(refused)[0] == 'ResourceInUseException'
    emu.clock.advance(seconds('acm', 'certificate', 'in-use-after-delete'))
    assert not acm.describe_certificate(CertificateArn=arn)['Certificate'].get('InUseBy')
    acm.delete_certificate(CertificateArn=arn)


# -- RDS ---------------------------------------------------------------------------------------------------
def make_db(emu, **extra):
    vpc, subnets = vpc_with_subnets(emu.ec2)
    group = emu.ec2.create_security_group(GroupName='db', Description='db', VpcId=vpc)['GroupId']
    rds = emu.client('rds')
    rds.create_db_subnet_group(DBSubnetGroupName='shop-db', DBSubnetGroupDescription='db', SubnetIds=subnets)
    made = rds.create_db_instance(DBInstanceIdentifier='shop-db', Engine='postgres', DBInstanceClass='db.t3.micro',
                                  AllocatedStorage=20, MasterUsername='shop', MasterUserPassword='secret-password-1',
                                  DBSubnetGroupName='shop-db', VpcSecurityGroupIds=[group], **extra)['DBInstance']
    return rds, made, group, subnets


def db_status(rds):
    return rds.describe_db_instances(DBInstanceIdentifier='shop-db')['DBInstances'][0]['DBInstanceStatus']


def test_a_db_instance_is_creating_then_backing_up_then_available(emu):
    """"creating ... backing-up ... available" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html,
    DB instance status)."""
    rds, made, dummy, dummy = make_db(emu)
    assert made['DBInstanceStatus'] == 'creating' and db_status(rds) == 'creating'
    emu.clock.advance(seconds('rds', 'db_instance', 'creating'))
    assert db_status(rds) == 'backing-up'
    emu.clock.advance(seconds('rds', 'db_instance', 'backing-up'))
    assert db_status(rds) == 'available'


def test_a_db_instance_is_not_modified_while_it_is_created(emu):
    """ModifyDBInstance: InvalidDBInstanceState "The DB instance isn't in a valid state."
    (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html, Errors)."""
    rds = make_db(emu)[0]
    with pytest.raises(ClientError) as refused:
        rds.modify_db_instance(DBInstanceIdentifier='shop-db', MasterUserPassword='secret-password-2', ApplyImmediately=True)
    assert code_of(refused)[0] == 'InvalidDBInstanceState'


def test_a_new_master_password_resets_the_credentials_for_a_while(emu):
    """"Between the time of the request and the completion of the request, the MasterUserPassword element exists in the
    PendingModifiedValues element" (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html)."""
    rds = make_db(emu)[0]
    emu.clock.advance(seconds('rds', 'db_instance', 'creating') + seconds('rds', 'db_instance', 'backing-up'))
    rds.modify_db_instance(DBInstanceIdentifier='shop-db', MasterUserPassword='secret-password-2', ApplyImmediately=True)
    for dummy in range(3):  # describes do not end it (emulator.rds's moto-profile rule), its time does
        described = rds.describe_db_instances(DBInstanceIdentifier='shop-db')['DBInstances'][0]
        assert described['DBInstanceStatus'] == 'resetting-master-credentials'
        assert 'MasterUserPassword' in described['PendingModifiedValues']
    emu.clock.advance(seconds('rds', 'db_instance', 'resetting-master-credentials'))
    described = rds.describe_db_instances(DBInstanceIdentifier='shop-db')['DBInstances'][0]
    assert described['DBInstanceStatus'] == 'available' and 'MasterUserPassword' not in described.get('PendingModifiedValues', {})


def test_a_modification_applied_at_once_is_modifying_for_a_while(emu):
    """"modifying: The DB instance is being modified because of a customer request" (DB instance status page)."""
    rds = make_db(emu)[0]
    emu.clock.advance(seconds('rds', 'db_instance', 'creating') + seconds('rds', 'db_instance', 'backing-up'))
    rds.modify_db_instance(DBInstanceIdentifier='shop-db', BackupRetentionPeriod=3, ApplyImmediately=True)
    assert db_status(rds) == 'modifying'
    emu.clock.advance(seconds('rds', 'db_instance', 'modifying'))
    assert db_status(rds) == 'available'


def test_a_db_instance_has_a_requester_managed_interface_that_outlives_it(emu):
    """An RDS DB instance has a requester-managed interface in its VPC (requester-managed-eni page), "RDSNetworkInterface",
    deleted a while after the instance."""
    rds, dummy, group, subnets = make_db(emu)
    (eni,) = interfaces(emu.ec2, group_id=group)
    assert eni['Description'] == 'RDSNetworkInterface' and eni['RequesterManaged'] is True and eni['RequesterId'] == 'amazon-rds'
    assert eni['SubnetId'] in subnets and eni['Status'] == 'in-use'
    emu.clock.advance(seconds('rds', 'db_instance', 'creating') + seconds('rds', 'db_instance', 'backing-up'))
    rds.delete_db_instance(DBInstanceIdentifier='shop-db', SkipFinalSnapshot=True)
    emu.clock.advance(seconds('rds', 'db_instance', 'deleting'))
    with pytest.raises(ClientError):
        rds.describe_db_instances(DBInstanceIdentifier='shop-db')
    assert len(interfaces(emu.ec2, group_id=group)) == 1
    with pytest.raises(ClientError) as refused:
        emu.ec2.delete_security_group(GroupId=group)
    assert code_of(refused)[0] == 'DependencyViolation'
    emu.clock.advance(seconds('ec2', 'requester_managed_interface', 'in-use-after-delete'))
    assert interfaces(emu.ec2, group_id=group) == []
    emu.ec2.delete_security_group(GroupId=group)


def test_a_deleted_db_instance_is_deleting_then_gone_with_its_final_snapshot(emu):
    """"deleting: The DB instance is being deleted" (DB instance status page); FinalDBSnapshotIdentifier: "The DB snapshot
    created before the DB instance is deleted" (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html)."""
    rds = make_db(emu)[0]
    emu.clock.advance(seconds('rds', 'db_instance', 'creating') + seconds('rds', 'db_instance', 'backing-up'))
    answer = rds.delete_db_instance(DBInstanceIdentifier='shop-db', FinalDBSnapshotIdentifier='shop-db-final')['DBInstance']
    assert answer['DBInstanceStatus'] == 'deleting' and db_status(rds) == 'deleting'
    with pytest.raises(ClientError) as refused:
        rds.delete_db_instance(DBInstanceIdentifier='shop-db', SkipFinalSnapshot=True)
    assert code_of(refused)[0] == 'InvalidDBInstanceState'
    emu.clock.advance(seconds('rds', 'db_instance', 'deleting'))
    with pytest.raises(ClientError) as gone:
        rds.describe_db_instances(DBInstanceIdentifier='shop-db')
    assert code_of(gone)[0] == 'DBInstanceNotFound'
    assert rds.describe_db_snapshots(DBSnapshotIdentifier='shop-db-final')['DBSnapshots']


# -- ElastiCache -----------------------------------------------------------------------------------------------
def make_group(emu):
    vpc, subnets = vpc_with_subnets(emu.ec2)
    group = emu.ec2.create_security_group(GroupName='cache', Description='cache', VpcId=vpc)['GroupId']
    cache = emu.client('elasticache')
    cache.create_cache_subnet_group(CacheSubnetGroupName='shop-cache', CacheSubnetGroupDescription='cache', SubnetIds=subnets)
    made = cache.create_replication_group(ReplicationGroupId='shop-cache', ReplicationGroupDescription='cache', Engine='redis',
                                          CacheNodeType='cache.t3.micro', NumCacheClusters=2, CacheSubnetGroupName='shop-cache',
                                          SecurityGroupIds=[group])['ReplicationGroup']
    return cache, made, group


def group_status(cache):
    return cache.describe_replication_groups(ReplicationGroupId='shop-cache')['ReplicationGroups'][0]['Status']


def test_a_replication_group_is_creating_then_available_and_modifying_then_available(emu):
    """Status: "creating, available, modifying, deleting ..."
    (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ReplicationGroup.html)."""
    cache, made, dummy = make_group(emu)
    assert made['Status'] == 'creating'
    for dummy in range(3):  # describes do not end it, its time does
        assert group_status(cache) == 'creating'
    members = cache.describe_cache_clusters()['CacheClusters']
    assert len(members) == 2 and set(c['CacheClusterStatus'] for c in members) == {'creating'}
    emu.clock.advance(seconds('elasticache', 'replication_group', 'creating'))
    assert group_status(cache) == 'available'
    assert set(c['CacheClusterStatus'] for c in cache.describe_cache_clusters()['CacheClusters']) == {'available'}
    cache.modify_replication_group(ReplicationGroupId='shop-cache', SnapshotRetentionLimit=2, ApplyImmediately=True)
    assert group_status(cache) == 'modifying' and group_status(cache) == 'modifying'
    emu.clock.advance(seconds('elasticache', 'replication_group', 'modifying'))
    assert group_status(cache) == 'available'


def test_a_deleted_replication_group_is_deleting_then_gone_and_its_interfaces_linger(emu):
    """A replication group has a requester-managed interface per member cluster ("ElastiCache <cluster-id>"), which stays a
    while after the group is gone (requester-managed-eni page)."""
    cache, dummy, group = make_group(emu)
    found = interfaces(emu.ec2, group_id=group)
    members = sorted(c['CacheClusterId'] for c in cache.describe_cache_clusters()['CacheClusters'])
    assert sorted(e['Description'] for e in found) == ['ElastiCache %s' % m for m in members]
    assert all(e['RequesterManaged'] and e['RequesterId'] == 'amazon-elasticache' for e in found)
    emu.clock.advance(seconds('elasticache', 'replication_group', 'creating'))
    assert cache.delete_replication_group(ReplicationGroupId='shop-cache')['ReplicationGroup']['Status'] == 'deleting'
    for dummy in range(3):  # describes do not end it, its time does
        assert group_status(cache) == 'deleting'
    emu.clock.advance(seconds('elasticache', 'replication_group', 'deleting'))
    with pytest.raises(ClientError) as gone:
        cache.describe_replication_groups(ReplicationGroupId='shop-cache')
    assert code_of(gone)[0] == 'ReplicationGroupNotFoundFault'
    assert cache.describe_cache_clusters()['CacheClusters'] == []
    assert len(interfaces(emu.ec2, group_id=group)) == 2
    emu.clock.advance(seconds('ec2', 'requester_managed_interface', 'in-use-after-delete'))
    assert interfaces(emu.ec2, group_id=group) == []
    emu.ec2.delete_security_group(GroupId=group)


# -- the moto profile ---------------------------------------------------------------------------------------
def test_the_moto_profile_shows_none_of_it(emu):
    """The moto profile is moto as it is: everything at once, no requester-managed interface, no lingering."""
    emu.recorder.faults.configure({'profile': 'moto'})
    vpc, subnets, group, elbv2, lb = make_alb(emu)
    assert interfaces(emu.ec2, group_id=group) == []
    subnet = subnets[0]
    iid = emu.ec2.run_instances(ImageId=image(emu.ec2), MinCount=1, MaxCount=1, SubnetId=subnet)['Instances'][0]['InstanceId']
    assert instance_state(emu.ec2, iid) == 'running'
    emu.ec2.terminate_instances(InstanceIds=[iid])
    assert instance_state(emu.ec2, iid) == 'terminated'
    allocation = emu.ec2.allocate_address(Domain='vpc')['AllocationId']
    nid = emu.ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)['NatGateway']['NatGatewayId']
    assert nat_state(emu.ec2, nid) == 'available'
    emu.ec2.delete_nat_gateway(NatGatewayId=nid)
    assert nat_state(emu.ec2, nid) == 'deleted'
    elbv2.delete_load_balancer(LoadBalancerArn=lb['LoadBalancerArn'])
    emu.ec2.delete_security_group(GroupId=group)
    emu.ec2.delete_subnet(SubnetId=subnets[1])


def test_switching_to_the_moto_profile_ends_every_walk(emu):
    """A test that switches the profile at run time (PUT /_seed/faults) finds every resource in its final state."""
    dummy, dummy, group, elbv2, lb = make_alb(emu)
    emu.recorder.faults.configure({'profile': 'moto'})
    assert elbv2.describe_load_balancers(LoadBalancerArns=[lb['LoadBalancerArn']])['LoadBalancers'][0]['State']['Code'] == 'active'
    assert interfaces(emu.ec2, group_id=group) == []


def test_the_servers_pending_fault_still_works_in_the_moto_profile(emu):
    """emulator.server's `pending` fault (describes a NAT gateway stays pending) is the moto world's, and keeps working."""
    emu.recorder.faults.configure({'profile': 'moto', 'pending': 2})
    subnet = vpc_with_subnets(emu.ec2)[1][0]
    allocation = emu.ec2.allocate_address(Domain='vpc')['AllocationId']
    nid = emu.ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)['NatGateway']['NatGatewayId']
    assert [nat_state(emu.ec2, nid) for dummy in range(3)] == ['pending', 'pending', 'available']
