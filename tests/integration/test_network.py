"""The network as a user builds it: one ansible-playbook task against the emulator."""
import copy

NETWORK = {
    'name': 'demo',
    'cidr_block': '10.20.0.0/16',
    'availability_zones': ['us-east-1a', 'us-east-1b'],
    'public_subnets': ['10.20.0.0/24', '10.20.1.0/24'],
    'private_subnets': ['10.20.10.0/24', '10.20.11.0/24'],
    'nat_gateway': 'single',
    'security_groups': [
        {'name': 'alb', 'rules': [{'proto': 'tcp', 'ports': [80, 443], 'cidr_ip': '0.0.0.0/0'}]},
        {'name': 'web', 'rules': [{'proto': 'tcp', 'ports': [80], 'group': 'alb'},
                                  {'proto': 'tcp', 'ports': [22], 'cidr_ip': '203.0.113.0/24'}]},
        {'name': 'db', 'rules': [{'proto': 'tcp', 'ports': [5432], 'group': 'web'}]},
    ],
    'tags': {'Owner': 'ops'},
}


def task(title, **args):
    return {'name': title, 'seed.laravel_aws.network': args, 'register': 'net'}


def tagged(aws, stack='demo'):
    """Everything in the emulator tagged with the stack, by type (deleted NAT gateways excluded)."""
    ec2 = aws.ec2()
    f = [{'Name': 'tag:Stack', 'Values': [stack]}]
    return {
        'vpc': len(ec2.describe_vpcs(Filters=f)['Vpcs']),
        'subnet': len(ec2.describe_subnets(Filters=f)['Subnets']),
        'internet_gateway': len(ec2.describe_internet_gateways(Filters=f)['InternetGateways']),
        'nat_gateway': len([n for n in ec2.describe_nat_gateways(Filter=f)['NatGateways'] if n['State'] != 'deleted']),
        'elastic_ip': len(ec2.describe_addresses(Filters=f)['Addresses']),
        'route_table': len(ec2.describe_route_tables(Filters=f)['RouteTables']),
        'security_group': len(ec2.describe_security_groups(Filters=f)['SecurityGroups']),
    }


def test_network_in_one_task_rerun_and_teardown(playbook, aws):
    run = playbook([task('build', **NETWORK)])
    assert run.rc == 0, run.stdout[-3000:]
    net = run.task('build')
    assert net['changed'] is True
    assert net['vpc']['id'].startswith('vpc-')
    assert [s['cidr_block'] for s in net['subnets']['private']] == NETWORK['private_subnets']
    assert set(net['security_groups']) == {'alb', 'web', 'db'}
    assert tagged(aws) == {'vpc': 1, 'subnet': 4, 'internet_gateway': 1, 'nat_gateway': 1, 'elastic_ip': 1,
                           'route_table': 2, 'security_group': 3}
    cold = len(aws.requests())

    aws._get('/_seed/requests', method='DELETE')
    rerun = playbook([task('rerun', **NETWORK)])
    assert rerun.task('rerun')['changed'] is False
    assert aws.mutating() == []
    print('network: cold run %d requests, rerun %d requests' % (cold, len(aws.requests())))

    gone = playbook([task('teardown', name='demo', state='absent'), task('teardown again', name='demo', state='absent')])
    assert gone.rc == 0, gone.stdout[-3000:]
    assert gone.task('teardown')['changed'] is True and gone.task('teardown again')['changed'] is False
    # moto leaves two things AWS does not: the VPC's default network ACL (untagged, so not counted here)
    # and the network interface of a deleted NAT gateway (untagged too). Nothing tagged with the stack remains.
    assert set(tagged(aws).values()) == {0}


def test_check_mode_on_a_fresh_emulator_creates_nothing(playbook, aws):
    run = playbook([task('plan', **NETWORK)], check=True, diff=True)
    assert run.rc == 0, run.stdout[-3000:]
    plan = run.task('plan')
    assert plan['changed'] is True and len(plan['changes']) == 13
    assert 'nat_gateway/demo-nat-us-east-1a' in plan['diff']['after']
    assert aws.mutating() == []
    assert set(tagged(aws).values()) == {0}


def test_bad_spec_fails_naming_the_field_with_no_mutating_request(playbook, aws):
    bad = copy.deepcopy(NETWORK)
    bad['public_subnets'] = ['10.20.0.0/24', '10.21.0.0/24']
    run = playbook([task('bad', **bad)])
    assert run.rc != 0
    result = run.task('bad')
    assert result['field'] == 'public_subnets[1]' and 'outside the VPC CIDR' in result['msg']
    assert aws.mutating() == []
