"""Single network modules in-process against moto: create, rerun, check mode, diff, tags, absent, bad input."""
import pytest

from ansible_collections.seed.laravel_aws.plugins.modules import elastic_ip, internet_gateway, nat_gateway, route_table
from ansible_collections.seed.laravel_aws.plugins.modules import security_group, subnet

from ...conftest import mutating


@pytest.fixture
def vpc_id(aws):
    return aws.create_vpc(CidrBlock='10.20.0.0/16')['Vpc']['VpcId']


def tags_of(resource):
    return {t['Key']: t['Value'] for t in resource.get('Tags', [])}


# -- subnet -------------------------------------------------------------------

def subnet_args(vpc, **extra):
    args = {'vpc_id': vpc, 'cidr_block': '10.20.0.0/24', 'availability_zone': 'us-east-1a',
            'map_public_ip_on_launch': True, 'name': 'demo-public-a', 'tags': {'Stack': 'demo'}}
    args.update(extra)
    return args


def test_subnet_lifecycle(aws, run_module, calls, vpc_id):
    plan = run_module(subnet.main, subnet_args(vpc_id), check_mode=True, diff=True)
    assert plan['changed'] and plan['subnet']['id'] is None and plan['diff']['before'] == {}
    assert mutating(calls) == [] and aws.describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [vpc_id]}])['Subnets'] == []

    made = run_module(subnet.main, subnet_args(vpc_id))
    assert made['changed'] and made['subnet']['availability_zone'] == 'us-east-1a'
    (raw,) = aws.describe_subnets(SubnetIds=[made['subnet']['id']])['Subnets']
    assert raw['MapPublicIpOnLaunch'] is True and tags_of(raw) == {'Name': 'demo-public-a', 'Stack': 'demo'}

    del calls[:]
    again = run_module(subnet.main, subnet_args(vpc_id))
    assert again['changed'] is False and mutating(calls) == []

    retag = run_module(subnet.main, subnet_args(vpc_id, tags={'Tier': 'public'}, map_public_ip_on_launch=False), diff=True)
    assert retag['changed'] and retag['diff']['after']['tags'] == {'Name': 'demo-public-a', 'Tier': 'public'}
    (raw,) = aws.describe_subnets(SubnetIds=[made['subnet']['id']])['Subnets']
    assert raw['MapPublicIpOnLaunch'] is False and tags_of(raw) == {'Name': 'demo-public-a', 'Tier': 'public'}

    gone = run_module(subnet.main, subnet_args(vpc_id, state='absent'))
    assert gone['changed'] and aws.describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [vpc_id]}])['Subnets'] == []
    assert run_module(subnet.main, subnet_args(vpc_id, state='absent'))['changed'] is False


@pytest.mark.parametrize('extra, field, words', [
    ({'cidr_block': '10.20.0.1/24'}, 'cidr_block', 'canonical form is 10.20.0.0/24'),
    ({'cidr_block': '10.99.0.0/24'}, 'cidr_block', 'outside the VPC CIDR'),
    ({'availability_zone': 'us-east-1z'}, 'availability_zone', 'not in this region'),
    ({'vpc_id': 'igw-123'}, 'vpc_id', 'not a VPC id'),
    ({'vpc_id': 'vpc-00000000000000000'}, 'vpc_id', 'no VPC'),
])
def test_subnet_bad_input(aws, run_module, calls, vpc_id, extra, field, words):
    result = run_module(subnet.main, subnet_args(vpc_id, **extra))
    assert result['failed'] and result['field'] == field and words in result['msg']
    assert mutating(calls) == []


def test_subnet_overlap_is_refused(aws, run_module, calls, vpc_id):
    run_module(subnet.main, subnet_args(vpc_id))
    del calls[:]
    result = run_module(subnet.main, subnet_args(vpc_id, cidr_block='10.20.0.0/23'))
    assert result['failed'] and 'overlaps' in result['msg'] and mutating(calls) == []


def test_subnet_in_use_is_not_deleted(aws, run_module, vpc_id):
    sid = run_module(subnet.main, subnet_args(vpc_id))['subnet']['id']
    eni = aws.create_network_interface(SubnetId=sid)['NetworkInterface']['NetworkInterfaceId']
    result = run_module(subnet.main, subnet_args(vpc_id, state='absent'))
    assert result['failed'] and eni in result['msg']


# -- internet gateway ---------------------------------------------------------

def test_internet_gateway_lifecycle(aws, run_module, calls, vpc_id):
    args = {'vpc_id': vpc_id, 'name': 'demo-igw', 'tags': {'Stack': 'demo'}}
    plan = run_module(internet_gateway.main, args, check_mode=True)
    assert plan['changed'] and mutating(calls) == []
    made = run_module(internet_gateway.main, args, diff=True)
    assert made['changed'] and made['internet_gateway']['attached'] and made['diff']['before'] == {}
    (igw,) = aws.describe_internet_gateways(Filters=[{'Name': 'attachment.vpc-id', 'Values': [vpc_id]}])['InternetGateways']
    assert igw['InternetGatewayId'] == made['internet_gateway']['id']
    del calls[:]
    assert run_module(internet_gateway.main, args)['changed'] is False and mutating(calls) == []
    retag = run_module(internet_gateway.main, dict(args, tags={'Stack': 'demo', 'Owner': 'ops'}))
    assert retag['changed'] and retag['internet_gateway']['tags']['Owner'] == 'ops'
    detached = run_module(internet_gateway.main, dict(args, state='detached'))
    assert detached['changed'] and not detached['internet_gateway']['attached']
    # found again by its Name tag while detached: attached again, not duplicated
    again = run_module(internet_gateway.main, args)
    assert again['internet_gateway']['id'] == made['internet_gateway']['id'] and again['internet_gateway']['attached']
    assert run_module(internet_gateway.main, dict(args, state='absent'))['changed']
    assert aws.describe_internet_gateways(Filters=[{'Name': 'tag:Name', 'Values': ['demo-igw']}])['InternetGateways'] == []


# -- elastic IP ---------------------------------------------------------------

def test_elastic_ip_is_allocated_once_and_found_by_tag(aws, run_module, calls):
    args = {'name': 'demo-nat-a', 'tags': {'Stack': 'demo'}}
    plan = run_module(elastic_ip.main, args, check_mode=True)
    assert plan['changed'] and plan['address']['allocation_id'] is None and mutating(calls) == []
    made = run_module(elastic_ip.main, args)
    assert made['changed'] and made['address']['public_ip']
    del calls[:]
    again = run_module(elastic_ip.main, args)
    assert again['changed'] is False and again['address']['allocation_id'] == made['address']['allocation_id']
    assert mutating(calls) == []
    retag = run_module(elastic_ip.main, dict(args, tags={'Stack': 'demo', 'Owner': 'ops'}))
    assert retag['changed'] and retag['address']['allocation_id'] == made['address']['allocation_id']
    assert len(aws.describe_addresses()['Addresses']) == 1
    assert run_module(elastic_ip.main, dict(args, state='absent'))['changed']
    assert aws.describe_addresses()['Addresses'] == []


def test_elastic_ip_needs_a_name(aws, run_module, calls):
    result = run_module(elastic_ip.main, {'tags': {'Stack': 'demo'}})
    assert result['failed'] and result['field'] == 'name' and calls == []


# -- NAT gateway --------------------------------------------------------------

def test_nat_gateway_with_its_own_address(aws, run_module, calls, vpc_id):
    sid = aws.create_subnet(VpcId=vpc_id, CidrBlock='10.20.0.0/24', AvailabilityZone='us-east-1a')['Subnet']['SubnetId']
    args = {'name': 'demo-nat-a', 'subnet_id': sid, 'tags': {'Stack': 'demo'}}
    plan = run_module(nat_gateway.main, args, check_mode=True)
    assert plan['changed'] and mutating(calls) == []
    made = run_module(nat_gateway.main, args, diff=True)
    nat = made['nat_gateway']
    assert made['changed'] and nat['state'] == 'available' and nat['allocation_id'].startswith('eipalloc-')
    create = [c for c in calls if c == 'create_nat_gateway']
    assert create == ['create_nat_gateway']
    del calls[:]
    again = run_module(nat_gateway.main, args)
    assert again['changed'] is False and again['nat_gateway']['id'] == nat['id'] and mutating(calls) == []
    gone = run_module(nat_gateway.main, dict(args, state='absent'))
    assert gone['changed']
    states = [n['State'] for n in aws.describe_nat_gateways()['NatGateways']]
    assert states == ['deleted']
    assert aws.describe_addresses()['Addresses'] == []


def test_nat_gateway_client_token_is_stable():
    from ansible_collections.seed.laravel_aws.plugins.module_utils.nat_gateway import client_token
    assert client_token('subnet-1', 'n', 'eipalloc-1') == client_token('subnet-1', 'n', 'eipalloc-1')
    assert client_token('subnet-1', 'n', 'eipalloc-1') != client_token('subnet-2', 'n', 'eipalloc-1')
    assert len(client_token('subnet-1', 'n', 'eipalloc-1')) <= 64


# -- route table --------------------------------------------------------------

def test_route_table_routes_and_subnets(aws, run_module, calls, vpc_id):
    igw = aws.create_internet_gateway()['InternetGateway']['InternetGatewayId']
    aws.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    s1 = aws.create_subnet(VpcId=vpc_id, CidrBlock='10.20.0.0/24')['Subnet']['SubnetId']
    s2 = aws.create_subnet(VpcId=vpc_id, CidrBlock='10.20.1.0/24')['Subnet']['SubnetId']
    args = {'vpc_id': vpc_id, 'name': 'demo-public', 'routes': [{'dest': '0.0.0.0/0', 'gateway_id': igw}],
            'subnet_ids': [s1, s2], 'tags': {'Stack': 'demo'}}
    plan = run_module(route_table.main, args, check_mode=True)
    assert plan['changed'] and mutating(calls) == []
    made = run_module(route_table.main, args)
    table = made['route_table']
    assert table['routes'] == [{'dest': '0.0.0.0/0', 'target': igw}] and table['subnet_ids'] == sorted([s1, s2])
    del calls[:]
    assert run_module(route_table.main, args)['changed'] is False and mutating(calls) == []
    # a route added outside Ansible is kept by default ...
    aws.create_route(RouteTableId=table['id'], DestinationCidrBlock='192.168.0.0/16', GatewayId=igw)
    kept = run_module(route_table.main, args)
    assert kept['changed'] is False and {'dest': '192.168.0.0/16', 'target': igw} in kept['route_table']['routes']
    # ... and removed when asked
    purged = run_module(route_table.main, dict(args, purge_routes=True, subnet_ids=[s1], purge_subnets=True), diff=True)
    assert purged['changed'] and purged['route_table']['routes'] == [{'dest': '0.0.0.0/0', 'target': igw}]
    assert purged['route_table']['subnet_ids'] == [s1]
    (raw,) = aws.describe_route_tables(RouteTableIds=[table['id']])['RouteTables']
    assert sorted(a['SubnetId'] for a in raw['Associations'] if a.get('SubnetId')) == [s1]
    assert run_module(route_table.main, dict(args, state='absent'))['changed']
    assert aws.describe_route_tables(Filters=[{'Name': 'tag:Name', 'Values': ['demo-public']}])['RouteTables'] == []


@pytest.mark.parametrize('routes, field', [
    ([{'dest': '0.0.0.0/0'}], 'routes[0]'),
    ([{'dest': '10.0.0.1/8', 'gateway_id': 'igw-1'}], 'routes[0].dest'),
    ([{'dest': '0.0.0.0/0', 'gateway_id': 'nat-1'}], 'routes[0].gateway_id'),
    ([{'dest': '0.0.0.0/0', 'gateway_id': 'igw-1', 'nat_gateway_id': 'nat-1'}], 'routes[0]'),
])
def test_route_table_bad_routes(aws, run_module, calls, vpc_id, routes, field):
    result = run_module(route_table.main, {'vpc_id': vpc_id, 'name': 'x', 'routes': routes})
    assert result['failed'] and result['field'] == field, result['msg']
    assert calls == []


# -- security group -----------------------------------------------------------

def sg_args(vpc, **extra):
    args = {'name': 'demo-web', 'description': 'web', 'vpc_id': vpc, 'tags': {'Stack': 'demo'},
            'rules': [{'proto': 'tcp', 'ports': [80, 443], 'cidr_ip': '0.0.0.0/0'},
                      {'proto': 'tcp', 'ports': '8000-8100', 'cidr_ip': ['10.0.0.0/8', '192.168.0.0/16'], 'description': 'apps'},
                      {'proto': 'all', 'group': 'self'}]}
    args.update(extra)
    return args


def test_security_group_lifecycle(aws, run_module, calls, vpc_id):
    plan = run_module(security_group.main, sg_args(vpc_id), check_mode=True)
    assert plan['changed'] and plan['security_group']['id'] is None and mutating(calls) == []
    made = run_module(security_group.main, sg_args(vpc_id))
    gid = made['security_group']['id']
    (raw,) = aws.describe_security_groups(GroupIds=[gid])['SecurityGroups']
    perms = {(p['IpProtocol'], p.get('FromPort')): p for p in raw['IpPermissions']}
    assert set(perms) == {('tcp', 80), ('tcp', 443), ('tcp', 8000), ('-1', None)}
    assert perms[('-1', None)]['UserIdGroupPairs'][0]['GroupId'] == gid
    assert raw['IpPermissionsEgress'][0]['IpProtocol'] == '-1'  # default egress kept
    del calls[:]
    again = run_module(security_group.main, sg_args(vpc_id))
    assert again['changed'] is False and mutating(calls) == []
    fewer = run_module(security_group.main, sg_args(vpc_id, rules=[{'ports': 443, 'cidr_ip': '0.0.0.0/0'}]), diff=True)
    assert fewer['changed'] and fewer['security_group']['rules'] == [{'proto': 'tcp', 'ports': '443', 'cidr': '0.0.0.0/0'}]
    (raw,) = aws.describe_security_groups(GroupIds=[gid])['SecurityGroups']
    assert [(p['IpProtocol'], p['FromPort']) for p in raw['IpPermissions']] == [('tcp', 443)]
    kept = run_module(security_group.main, sg_args(vpc_id, rules=[{'ports': 22, 'cidr_ip': '203.0.113.0/24'}], purge_rules=False))
    assert kept['changed'] and len(kept['security_group']['rules']) == 2
    assert run_module(security_group.main, sg_args(vpc_id, state='absent'))['changed']
    assert aws.describe_security_groups(Filters=[{'Name': 'group-name', 'Values': ['demo-web']}])['SecurityGroups'] == []


def test_security_group_rule_by_group_name_and_delete_blocked_by_reference(aws, run_module, vpc_id):
    alb = run_module(security_group.main, sg_args(vpc_id, name='demo-alb', rules=[{'ports': 80, 'cidr_ip': '0.0.0.0/0'}]))
    web = run_module(security_group.main, sg_args(vpc_id, rules=[{'ports': 80, 'group': 'demo-alb'}]))
    assert web['security_group']['rules'] == [{'proto': 'tcp', 'ports': '80', 'group_id': alb['security_group']['id']}]
    blocked = run_module(security_group.main, sg_args(vpc_id, name='demo-alb', state='absent'))
    assert blocked['failed'] and web['security_group']['id'] in blocked['msg']


@pytest.mark.parametrize('rules, field, words', [
    ([{'ports': 70000, 'cidr_ip': '0.0.0.0/0'}], 'rules[0].ports', 'outside 0-65535'),
    ([{'ports': '90-80', 'cidr_ip': '0.0.0.0/0'}], 'rules[0].ports', 'backwards'),
    ([{'ports': 80}], 'rules[0]', 'needs a source'),
    ([{'proto': 'tcpp', 'ports': 80, 'cidr_ip': '0.0.0.0/0'}], 'rules[0].proto', 'not a protocol'),
    ([{'ports': 80, 'cidr_ip': '10.0.0.1/8'}], 'rules[0].cidr_ip', 'canonical'),
    ([{'ports': 80, 'group': 'missing'}], 'rules[0].group', "no security group named 'missing'"),
    ([{'ports': 80, 'cidr': '0.0.0.0/0'}], 'rules[0]', 'unknown keys'),
    ([{'proto': 'tcp', 'cidr_ip': '0.0.0.0/0'}], 'rules[0].ports', 'need ports'),
    ([{'ports': 22, 'cidr_ip': '0.0.0.0/0'}], 'rules[0].cidr_ip', 'allow_ssh_from_anywhere'),
    ([{'ports': 80, 'cidr_ip': '0.0.0.0/0'}, {'ports': 3389, 'cidr_ipv6': '::/0'}], 'rules[1].cidr_ipv6', 'RDP'),
])
def test_security_group_bad_rules(aws, run_module, calls, vpc_id, rules, field, words):
    result = run_module(security_group.main, sg_args(vpc_id, rules=rules))
    assert result['failed'] and result['field'] == field and words in result['msg'], result['msg']
    assert mutating(calls) == []


def test_ssh_from_anywhere_needs_the_explicit_override(aws, run_module, vpc_id):
    rules = [{'ports': 22, 'cidr_ip': '0.0.0.0/0'}]
    made = run_module(security_group.main, sg_args(vpc_id, rules=rules, allow_ssh_from_anywhere=True))
    assert made['changed'] and made['security_group']['rules'] == [{'proto': 'tcp', 'ports': '22', 'cidr': '0.0.0.0/0'}]
