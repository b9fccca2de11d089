"""Issue 30: a stack never changes or deletes what is not tagged with it, whatever the names.

For each EC2 module, a resource of stack ``demo-2`` or ``demo2`` (names of which ``demo`` is a prefix), or one of no
stack, under the name a run of stack ``demo`` looks for, is refused by that run (with a change to make, and with
state=absent), naming both, with no mutating call, and is still there afterwards. Ids given by the user of another
stack's resources are refused too; instance and network absent for ``demo`` leave every resource of ``demo-2`` and
``demo2`` made in the same moto.
"""
import pytest

from ansible_collections.seed.laravel_aws.plugins.modules import (
    elastic_ip, instance, internet_gateway, key_pair, nat_gateway, network, route_table, security_group, subnet, vpc,
)
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from ...conftest import mutating
from emulator.amis import DEBIAN_OWNER

OTHERS = ['demo-2', 'demo2', None]  # None: the same name, tagged with no stack
STATES = ['present', 'absent']


def tags_of(resource):
    return {t['Key']: t['Value'] for t in resource.get('Tags') or []}


def tagged(kind, name, owner, **extra):
    tags = dict(extra, Name=name)
    if owner:
        tags['Stack'] = owner
    return [{'ResourceType': kind, 'Tags': [{'Key': k, 'Value': v} for k, v in sorted(tags.items())]}]


def assert_refused(result, owner, calls, field='stack'):
    """Failed before any mutating call, naming the field, stack demo and the owner (or that there is none)."""
    assert result.get('failed'), result
    assert result['field'] == field, result
    msg = result['msg']
    assert "not to stack 'demo'" in msg and 'nothing was changed' in msg, msg
    assert ("belongs to stack %r" % owner if owner else 'has no Stack tag') in msg, msg
    assert not result.get('changed') and 'changes_made' not in result
    assert mutating(calls) == []


@pytest.fixture
def own_vpc(aws):
    """A VPC of stack demo: what the modules that take vpc_id work in."""
    return aws.create_vpc(CidrBlock='10.20.0.0/16', TagSpecifications=tagged('vpc', 'demo-vpc', 'demo'))['Vpc']['VpcId']


# -- vpc ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('state', STATES)
@pytest.mark.parametrize('owner', OTHERS)
def test_vpc_of_another_stack_is_refused(aws, run_module, calls, owner, state):
    vid = aws.create_vpc(CidrBlock='10.0.0.0/16', TagSpecifications=tagged('vpc', 'demo-vpc', owner))['Vpc']['VpcId']
    before = aws.describe_vpcs(VpcIds=[vid])['Vpcs'][0]
    args = {'name': 'demo-vpc', 'cidr_block': '10.0.0.0/16', 'stack': 'demo', 'state': state}
    if state == 'present':
        args.update(tags={'Owner': 'ops'}, dns_hostnames=False)
    del calls[:]
    assert_refused(run_module(vpc.main, args), owner, calls)
    by_id = dict(args, vpc_id=vid)
    del by_id['name']
    del calls[:]
    assert_refused(run_module(vpc.main, by_id), owner, calls, field='vpc_id')
    assert aws.describe_vpcs(VpcIds=[vid])['Vpcs'][0]['Tags'] == before['Tags']


def test_vpc_of_the_stack_is_taken_among_others_of_the_same_name(aws, run_module, calls):
    mine = aws.create_vpc(CidrBlock='10.0.0.0/16', TagSpecifications=tagged('vpc', 'shared-vpc', 'demo'))['Vpc']['VpcId']
    theirs = [aws.create_vpc(CidrBlock='10.0.0.0/16', TagSpecifications=tagged('vpc', 'shared-vpc', o))['Vpc']['VpcId']
              for o in OTHERS]
    made = run_module(vpc.main, {'name': 'shared-vpc', 'cidr_block': '10.0.0.0/16', 'stack': 'demo', 'tags': {'Owner': 'ops'}})
    assert made['changed'] and made['vpc']['id'] == mine
    assert tags_of(aws.describe_vpcs(VpcIds=[mine])['Vpcs'][0]) == {'Name': 'shared-vpc', 'Stack': 'demo', 'Owner': 'ops'}
    assert all('Owner' not in tags_of(v) for v in aws.describe_vpcs(VpcIds=theirs)['Vpcs'])
    gone = run_module(vpc.main, {'name': 'shared-vpc', 'cidr_block': '10.0.0.0/16', 'stack': 'demo', 'state': 'absent'})
    assert gone['changed'] and sorted(v['VpcId'] for v in aws.describe_vpcs(VpcIds=theirs)['Vpcs']) == sorted(theirs)
    assert aws.describe_vpcs(Filters=[{'Name': 'vpc-id', 'Values': [mine]}])['Vpcs'] == []


def test_vpc_name_is_matched_exactly_not_as_a_pattern(aws, run_module, calls):
    """On AWS a filter value is a pattern: 'demo*' would find demo2-vpc. The module compares names exactly."""
    vid = aws.create_vpc(CidrBlock='10.0.0.0/16', TagSpecifications=tagged('vpc', 'demo2-vpc', 'demo2'))['Vpc']['VpcId']
    del calls[:]
    result = run_module(vpc.main, {'name': 'demo*', 'cidr_block': '10.0.0.0/16', 'state': 'absent'})
    assert result['changed'] is False and mutating(calls) == []
    assert aws.describe_vpcs(VpcIds=[vid])['Vpcs'][0]['State'] == 'available'


def test_vpc_made_with_stack_is_tagged_with_it(aws, run_module):
    made = run_module(vpc.main, {'name': 'demo-vpc', 'cidr_block': '10.0.0.0/16', 'stack': 'demo'})
    assert made['changed'] and made['vpc']['tags'] == {'Name': 'demo-vpc', 'Stack': 'demo'}
    assert tags_of(aws.describe_vpcs(VpcIds=[made['vpc']['id']])['Vpcs'][0]) == {'Name': 'demo-vpc', 'Stack': 'demo'}
    result = run_module(vpc.main, {'name': 'demo-vpc', 'cidr_block': '10.0.0.0/16', 'stack': 'Demo_1'})
    assert result['failed'] and result['field'] == 'stack'


# -- subnet ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('state', STATES)
@pytest.mark.parametrize('owner', OTHERS)
def test_subnet_of_another_stack_is_refused(aws, run_module, calls, own_vpc, owner, state):
    sid = aws.create_subnet(VpcId=own_vpc, CidrBlock='10.20.1.0/24', AvailabilityZone='us-east-1a',
                            TagSpecifications=tagged('subnet', 'demo-public', owner))['Subnet']['SubnetId']
    args = {'vpc_id': own_vpc, 'cidr_block': '10.20.1.0/24', 'name': 'demo-public', 'stack': 'demo', 'state': state}
    if state == 'present':
        args.update(map_public_ip_on_launch=True, tags={'Owner': 'ops'})
    del calls[:]
    assert_refused(run_module(subnet.main, args), owner, calls)
    (raw,) = aws.describe_subnets(SubnetIds=[sid])['Subnets']
    assert raw['MapPublicIpOnLaunch'] is False and tags_of(raw) == tags_of(tagged('subnet', 'demo-public', owner)[0])


@pytest.mark.parametrize('owner', ['demo-2', 'demo2'])
def test_subnet_in_a_vpc_of_another_stack_is_refused(aws, run_module, calls, owner):
    vid = aws.create_vpc(CidrBlock='10.20.0.0/16', TagSpecifications=tagged('vpc', '%s-vpc' % owner, owner))['Vpc']['VpcId']
    del calls[:]
    result = run_module(subnet.main, {'vpc_id': vid, 'cidr_block': '10.20.1.0/24', 'name': 'demo-public', 'stack': 'demo'})
    assert_refused(result, owner, calls, field='vpc_id')
    assert aws.describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [vid]}])['Subnets'] == []


def test_subnet_made_with_stack_is_tagged_with_it_in_a_vpc_of_no_stack(aws, run_module):
    vid = aws.create_vpc(CidrBlock='10.20.0.0/16')['Vpc']['VpcId']  # made outside any stack: it may be used
    made = run_module(subnet.main, {'vpc_id': vid, 'cidr_block': '10.20.1.0/24', 'name': 'demo-public', 'stack': 'demo'})
    assert made['changed'] and made['subnet']['tags'] == {'Name': 'demo-public', 'Stack': 'demo'}


# -- internet gateway -----------------------------------------------------------------------------------------

@pytest.mark.parametrize('state', ['present', 'detached', 'absent'])
@pytest.mark.parametrize('owner', OTHERS)
def test_internet_gateway_of_another_stack_is_refused(aws, run_module, calls, own_vpc, owner, state):
    gid = aws.create_internet_gateway(TagSpecifications=tagged('internet-gateway', 'demo-igw', owner))['InternetGateway']['InternetGatewayId']
    aws.attach_internet_gateway(InternetGatewayId=gid, VpcId=own_vpc)
    args = {'vpc_id': own_vpc, 'name': 'demo-igw', 'stack': 'demo', 'state': state}
    if state == 'present':
        args['tags'] = {'Owner': 'ops'}
    del calls[:]
    assert_refused(run_module(internet_gateway.main, args), owner, calls)
    (raw,) = aws.describe_internet_gateways(InternetGatewayIds=[gid])['InternetGateways']
    assert raw['Attachments'][0]['VpcId'] == own_vpc and 'Owner' not in tags_of(raw)


@pytest.mark.parametrize('owner', OTHERS)
def test_detached_internet_gateway_of_another_stack_is_not_taken(aws, run_module, calls, own_vpc, owner):
    gid = aws.create_internet_gateway(TagSpecifications=tagged('internet-gateway', 'demo-igw', owner))['InternetGateway']['InternetGatewayId']
    for state in ('present', 'absent'):
        del calls[:]
        assert_refused(run_module(internet_gateway.main, {'vpc_id': own_vpc, 'name': 'demo-igw', 'stack': 'demo', 'state': state}),
                       owner, calls)
    (raw,) = aws.describe_internet_gateways(InternetGatewayIds=[gid])['InternetGateways']
    assert raw['Attachments'] == []


# -- NAT gateway and its address ------------------------------------------------------------------------------

@pytest.fixture
def own_subnet(aws, own_vpc):
    return aws.create_subnet(VpcId=own_vpc, CidrBlock='10.20.0.0/24', AvailabilityZone='us-east-1a',
                             TagSpecifications=tagged('subnet', 'demo-public', 'demo'))['Subnet']['SubnetId']


@pytest.mark.parametrize('state', STATES)
@pytest.mark.parametrize('owner', OTHERS)
def test_nat_gateway_of_another_stack_is_refused(aws, run_module, calls, own_subnet, owner, state):
    eip = aws.allocate_address(Domain='vpc', TagSpecifications=tagged('elastic-ip', 'demo-nat', owner))['AllocationId']
    nid = aws.create_nat_gateway(SubnetId=own_subnet, AllocationId=eip,
                                 TagSpecifications=tagged('natgateway', 'demo-nat', owner))['NatGateway']['NatGatewayId']
    args = {'name': 'demo-nat', 'subnet_id': own_subnet, 'stack': 'demo', 'state': state}
    if state == 'present':
        args['tags'] = {'Owner': 'ops'}
    del calls[:]
    assert_refused(run_module(nat_gateway.main, args), owner, calls)
    (raw,) = aws.describe_nat_gateways(NatGatewayIds=[nid])['NatGateways']
    assert raw['State'] in ('pending', 'available') and 'Owner' not in tags_of(raw)
    assert aws.describe_addresses(AllocationIds=[eip])['Addresses'][0]['AllocationId'] == eip


@pytest.mark.parametrize('owner', OTHERS)
def test_nat_gateway_never_releases_an_address_of_another_stack(aws, run_module, calls, own_subnet, owner):
    eip = aws.allocate_address(Domain='vpc', TagSpecifications=tagged('elastic-ip', 'demo-nat', owner))['AllocationId']
    for state in STATES:  # present would take it for the new gateway, absent would release it
        del calls[:]
        assert_refused(run_module(nat_gateway.main, {'name': 'demo-nat', 'subnet_id': own_subnet, 'stack': 'demo', 'state': state}),
                       owner, calls)
    assert aws.describe_addresses(AllocationIds=[eip])['Addresses'][0]['AllocationId'] == eip
    assert aws.describe_nat_gateways()['NatGateways'] == []


@pytest.mark.parametrize('owner', ['demo-2', 'demo2'])
def test_nat_gateway_refuses_a_subnet_or_an_address_of_another_stack(aws, run_module, calls, own_vpc, own_subnet, owner):
    theirs = aws.create_subnet(VpcId=own_vpc, CidrBlock='10.20.5.0/24', AvailabilityZone='us-east-1a',
                               TagSpecifications=tagged('subnet', '%s-public' % owner, owner))['Subnet']['SubnetId']
    eip = aws.allocate_address(Domain='vpc', TagSpecifications=tagged('elastic-ip', '%s-eip' % owner, owner))['AllocationId']
    del calls[:]
    assert_refused(run_module(nat_gateway.main, {'name': 'demo-nat', 'subnet_id': theirs, 'stack': 'demo'}), owner, calls,
                   field='subnet_id')
    assert_refused(run_module(nat_gateway.main, {'name': 'demo-nat', 'subnet_id': own_subnet, 'allocation_id': eip, 'stack': 'demo'}),
                   owner, calls, field='allocation_id')
    assert aws.describe_nat_gateways()['NatGateways'] == []


# -- elastic IP -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize('state', STATES)
@pytest.mark.parametrize('owner', OTHERS)
def test_elastic_ip_of_another_stack_is_refused(aws, run_module, calls, owner, state):
    eip = aws.allocate_address(Domain='vpc', TagSpecifications=tagged('elastic-ip', 'demo-eip', owner))['AllocationId']
    args = {'name': 'demo-eip', 'stack': 'demo', 'state': state}
    if state == 'present':
        args['tags'] = {'Owner': 'ops'}
    del calls[:]
    assert_refused(run_module(elastic_ip.main, args), owner, calls)
    by_id = dict(args, allocation_id=eip)
    del by_id['name']
    assert_refused(run_module(elastic_ip.main, by_id), owner, calls, field='allocation_id')
    (raw,) = aws.describe_addresses(AllocationIds=[eip])['Addresses']
    assert 'Owner' not in tags_of(raw)
    assert len(aws.describe_addresses()['Addresses']) == 1


# -- route table ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize('state', STATES)
@pytest.mark.parametrize('owner', OTHERS)
def test_route_table_of_another_stack_is_refused(aws, run_module, calls, own_vpc, own_subnet, owner, state):
    tid = aws.create_route_table(VpcId=own_vpc, TagSpecifications=tagged('route-table', 'demo-public', owner))['RouteTable']['RouteTableId']
    aws.associate_route_table(RouteTableId=tid, SubnetId=own_subnet)
    args = {'vpc_id': own_vpc, 'name': 'demo-public', 'stack': 'demo', 'state': state}
    if state == 'present':
        args.update(tags={'Owner': 'ops'}, subnet_ids=[], purge_subnets=True)
    del calls[:]
    assert_refused(run_module(route_table.main, args), owner, calls)
    (raw,) = aws.describe_route_tables(RouteTableIds=[tid])['RouteTables']
    assert [a['SubnetId'] for a in raw['Associations']] == [own_subnet] and 'Owner' not in tags_of(raw)


@pytest.mark.parametrize('owner', ['demo-2', 'demo2'])
def test_route_table_refuses_a_subnet_of_another_stack(aws, run_module, calls, own_vpc, owner):
    theirs = aws.create_subnet(VpcId=own_vpc, CidrBlock='10.20.5.0/24',
                               TagSpecifications=tagged('subnet', '%s-public' % owner, owner))['Subnet']['SubnetId']
    del calls[:]
    result = run_module(route_table.main, {'vpc_id': own_vpc, 'name': 'demo-public', 'stack': 'demo', 'subnet_ids': [theirs]})
    assert_refused(result, owner, calls, field='subnet_ids[0]')
    tables = aws.describe_route_tables(Filters=[{'Name': 'vpc-id', 'Values': [own_vpc]}])['RouteTables']
    assert [tags_of(t).get('Name') for t in tables] == [None]  # the main table only


# -- security group -------------------------------------------------------------------------------------------

@pytest.mark.parametrize('state', STATES)
@pytest.mark.parametrize('owner', OTHERS)
def test_security_group_of_another_stack_is_refused(aws, run_module, calls, own_vpc, owner, state):
    gid = aws.create_security_group(GroupName='demo-web', Description='web', VpcId=own_vpc,
                                    TagSpecifications=tagged('security-group', 'demo-web', owner))['GroupId']
    args = {'vpc_id': own_vpc, 'name': 'demo-web', 'stack': 'demo', 'state': state}
    if state == 'present':
        args['rules'] = [{'proto': 'tcp', 'ports': 80, 'cidr_ip': '10.0.0.0/8'}]
    del calls[:]
    assert_refused(run_module(security_group.main, args), owner, calls)
    (raw,) = aws.describe_security_groups(GroupIds=[gid])['SecurityGroups']
    assert raw['IpPermissions'] == []


@pytest.mark.parametrize('owner', ['demo-2', 'demo2'])
def test_security_group_in_a_vpc_of_another_stack_is_refused(aws, run_module, calls, owner):
    vid = aws.create_vpc(CidrBlock='10.20.0.0/16', TagSpecifications=tagged('vpc', '%s-vpc' % owner, owner))['Vpc']['VpcId']
    del calls[:]
    result = run_module(security_group.main, {'vpc_id': vid, 'name': 'demo-web', 'stack': 'demo'})
    assert_refused(result, owner, calls, field='vpc_id')
    assert [g['GroupName'] for g in aws.describe_security_groups(Filters=[{'Name': 'vpc-id', 'Values': [vid]}])['SecurityGroups']] == ['default']


# -- key pair -------------------------------------------------------------------------------------------------

def ssh_public():
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


@pytest.mark.parametrize('case', ['same key', 're-import', 'absent'])
@pytest.mark.parametrize('owner', OTHERS)
def test_key_pair_of_another_stack_is_refused(aws, run_module, calls, owner, case):
    key = ssh_public()
    spec = [{'ResourceType': 'key-pair', 'Tags': [{'Key': 'Stack', 'Value': owner}]}] if owner else []
    aws.import_key_pair(KeyName='demo', PublicKeyMaterial=key.encode(), TagSpecifications=spec)
    before = aws.describe_key_pairs(KeyNames=['demo'])['KeyPairs'][0]
    args = {'name': 'demo', 'stack': 'demo'}
    args.update({'same key': {'public_key': key}, 're-import': {'public_key': ssh_public(), 'force': True},
                 'absent': {'state': 'absent'}}[case])
    del calls[:]
    assert_refused(run_module(key_pair.main, args), owner, calls)
    after = aws.describe_key_pairs(KeyNames=['demo'])['KeyPairs'][0]
    assert (after['KeyPairId'], after['KeyFingerprint'], tags_of(after)) == (before['KeyPairId'], before['KeyFingerprint'], tags_of(before))


# -- instance -------------------------------------------------------------------------------------------------

def network_args(stack, second):
    return {'name': stack, 'cidr_block': '10.%d.0.0/16' % second, 'availability_zones': ['us-east-1a'],
            'public_subnets': ['10.%d.0.0/24' % second], 'private_subnets': ['10.%d.10.0/24' % second], 'nat_gateway': 'single',
            'security_groups': [{'name': 'web', 'rules': [{'ports': 80, 'cidr_ip': '0.0.0.0/0'}]},
                                {'name': 'db', 'rules': [{'ports': 5432, 'group': 'web'}]}]}


STACKS = (('demo', 20), ('demo-2', 30), ('demo2', 40))


@pytest.fixture
def ami(aws):
    return sorted(aws.describe_images(Owners=[DEBIAN_OWNER])['Images'], key=lambda i: i['ImageId'])[0]['ImageId']


@pytest.fixture
def stacks(aws, run_module, ami):
    """Three stacks whose names are prefixes of one another, each with its network and its instances."""
    nets = {}
    for stack, second in STACKS:
        nets[stack] = run_module(network.main, network_args(stack, second))
        assert nets[stack]['changed'], nets[stack]
        made = run_module(instance.main, {
            'stack': stack, 'image_id': ami, 'roles': [
                {'name': 'web', 'count': 2, 'subnet_ids': [nets[stack]['subnets']['public'][0]['id']], 'security_groups': ['web']},
                {'name': 'db', 'count': 1, 'subnet_ids': [nets[stack]['subnets']['private'][0]['id']], 'security_groups': ['db']}]})
        assert len(made['launched']) == 3, made
    return nets


def inventory(ec2, stack):
    """Every live resource tagged Stack=<stack> exactly, by kind."""
    f = [{'Name': 'tag:Stack', 'Values': [stack]}]

    def ids(items, key):
        return sorted(i[key] for i in items if tags_of(i).get('Stack') == stack)
    return {
        'vpcs': ids(ec2.describe_vpcs(Filters=f)['Vpcs'], 'VpcId'),
        'subnets': ids(ec2.describe_subnets(Filters=f)['Subnets'], 'SubnetId'),
        'igws': ids(ec2.describe_internet_gateways(Filters=f)['InternetGateways'], 'InternetGatewayId'),
        'nats': ids([n for n in ec2.describe_nat_gateways(Filter=f)['NatGateways'] if n['State'] in ('pending', 'available')],
                    'NatGatewayId'),
        'eips': ids(ec2.describe_addresses(Filters=f)['Addresses'], 'AllocationId'),
        'tables': ids(ec2.describe_route_tables(Filters=f)['RouteTables'], 'RouteTableId'),
        'groups': ids(ec2.describe_security_groups(Filters=f)['SecurityGroups'], 'GroupId'),
        'instances': ids([i for r in ec2.describe_instances(Filters=f)['Reservations'] for i in r['Instances']
                          if i['State']['Name'] not in ('shutting-down', 'terminated')], 'InstanceId'),
    }


def test_instance_and_network_absent_leave_the_stacks_whose_names_start_alike(aws, run_module, stacks):
    kept = dict((s, inventory(aws, s)) for s in ('demo-2', 'demo2'))
    assert all(len(kept[s]['instances']) == 3 and len(kept[s]['groups']) == 2 and kept[s]['nats'] for s in kept), kept
    mine = inventory(aws, 'demo')
    assert len(mine['instances']) == 3 and mine['vpcs']

    gone = run_module(instance.main, {'stack': 'demo', 'state': 'absent'})
    assert sorted(gone['terminated']) == ['demo-db-1', 'demo-web-1', 'demo-web-2']
    assert dict((s, inventory(aws, s)) for s in kept) == kept

    removed = run_module(network.main, {'name': 'demo', 'state': 'absent'})
    assert removed['changed'] and all(c['action'] == 'delete' for c in removed['changes'])
    assert set(c['id'] for c in removed['changes']) <= set(i for ids in mine.values() for i in ids)
    assert dict((s, inventory(aws, s)) for s in kept) == kept
    assert inventory(aws, 'demo') == dict((k, []) for k in mine)

    # and the other two still converge as they were: nothing of theirs was touched
    for stack, second in STACKS[1:]:
        again = run_module(network.main, network_args(stack, second))
        assert again['changed'] is False, again['changes']


def test_instance_refuses_subnets_of_another_stack(aws, run_module, calls, stacks, ami):
    for other in ('demo-2', 'demo2'):
        theirs = stacks[other]
        del calls[:]
        result = run_module(instance.main, {'stack': 'demo', 'name': 'web', 'count': 3, 'image_id': ami,
                                            'subnet_ids': [theirs['subnets']['public'][0]['id']], 'security_groups': ['web']})
        assert_refused(result, other, calls, field='subnet_ids[0]')
    assert len(inventory(aws, 'demo')['instances']) == 3


def test_instance_refuses_a_group_of_another_stack_in_its_own_vpc(aws, run_module, calls, stacks, ami):
    mine = stacks['demo']
    gid = aws.create_security_group(GroupName='demo-2-web', Description='theirs', VpcId=mine['vpc']['id'],
                                    TagSpecifications=tagged('security-group', 'demo-2-web', 'demo-2'))['GroupId']
    del calls[:]
    result = run_module(instance.main, {'stack': 'demo', 'name': 'web', 'count': 3, 'image_id': ami,
                                        'subnet_ids': [mine['subnets']['public'][0]['id']], 'security_groups': ['2-web']})
    assert_refused(result, 'demo-2', calls, field='security_groups[0]')
    assert gid in result['msg'] and len(inventory(aws, 'demo')['instances']) == 3


# -- network --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('state', STATES)
@pytest.mark.parametrize('owner', OTHERS)
def test_network_refuses_a_vpc_of_another_stack_under_its_name(aws, run_module, calls, owner, state):
    vid = aws.create_vpc(CidrBlock='10.20.0.0/16', TagSpecifications=tagged('vpc', 'demo-vpc', owner))['Vpc']['VpcId']
    args = dict(network_args('demo', 20), tags={'Owner': 'ops'}) if state == 'present' else {'name': 'demo', 'state': 'absent'}
    del calls[:]
    assert_refused(run_module(network.main, args), owner, calls)
    (raw,) = aws.describe_vpcs(VpcIds=[vid])['Vpcs']
    assert tags_of(raw) == tags_of(tagged('vpc', 'demo-vpc', owner)[0])
    assert aws.describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [vid]}])['Subnets'] == []


@pytest.mark.parametrize('what', ['subnet', 'security group', 'route table', 'internet gateway', 'NAT gateway'])
@pytest.mark.parametrize('owner', OTHERS)
def test_network_refuses_a_resource_of_another_stack_in_its_vpc_before_any_change(aws, run_module, calls, owner, what):
    """The owner of everything the run would change is checked up front: nothing is changed first (the VPC's
    new tag here), then refused."""
    made = run_module(network.main, network_args('demo', 20))
    vid = made['vpc']['id']
    public = made['subnets']['public'][0]['id']
    again = dict(network_args('demo', 20), tags={'Owner': 'ops'})
    if what == 'subnet':  # a second zone, whose private CIDR another stack's subnet has taken already
        theirs = aws.create_subnet(VpcId=vid, CidrBlock='10.20.11.0/24', AvailabilityZone='us-east-1b',
                                   TagSpecifications=tagged('subnet', 'theirs', owner))['Subnet']['SubnetId']
        again.update(availability_zones=['us-east-1a', 'us-east-1b'], public_subnets=['10.20.0.0/24', '10.20.1.0/24'],
                     private_subnets=['10.20.10.0/24', '10.20.11.0/24'])
    elif what == 'security group':
        theirs = made['security_groups']['web']['id']
        aws.delete_tags(Resources=[theirs], Tags=[{'Key': 'Stack'}])
        if owner:
            aws.create_tags(Resources=[theirs], Tags=[{'Key': 'Stack', 'Value': owner}])
    elif what == 'route table':
        theirs = made['route_tables']['public']['id']
        aws.delete_tags(Resources=[theirs], Tags=[{'Key': 'Stack'}])
        if owner:
            aws.create_tags(Resources=[theirs], Tags=[{'Key': 'Stack', 'Value': owner}])
    elif what == 'internet gateway':
        theirs = made['internet_gateway']['id']
        aws.delete_tags(Resources=[theirs], Tags=[{'Key': 'Stack'}])
        if owner:
            aws.create_tags(Resources=[theirs], Tags=[{'Key': 'Stack', 'Value': owner}])
    else:
        theirs = made['nat_gateways'][0]['id']
        aws.delete_tags(Resources=[theirs], Tags=[{'Key': 'Stack'}])
        if owner:
            aws.create_tags(Resources=[theirs], Tags=[{'Key': 'Stack', 'Value': owner}])
    before = inventory(aws, 'demo')
    del calls[:]
    result = run_module(network.main, again)
    assert_refused(result, owner, calls)
    assert theirs in result['msg'] or what in ('NAT gateway',), result['msg']
    assert inventory(aws, 'demo') == before
    assert 'Owner' not in tags_of(aws.describe_vpcs(VpcIds=[vid])['Vpcs'][0])
    assert public in [s['SubnetId'] for s in aws.describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [vid]}])['Subnets']]
