"""The network under AWS's strictness and unreliability (scripts/emulator.py faults):
throttling, lost answers, dependency rules, NAT gateways that stay pending."""
from test_network import NETWORK, task, tagged

CLEAN = {'vpc': 1, 'subnet': 4, 'internet_gateway': 1, 'nat_gateway': 1, 'elastic_ip': 1, 'route_table': 2, 'security_group': 3}
CREATES = ['CreateVpc', 'CreateSubnet', 'CreateSecurityGroup', 'CreateNatGateway', 'AllocateAddress', 'CreateInternetGateway',
           'CreateRouteTable']


def ids(aws):
    """Ids of everything tagged with the stack, to compare two runs."""
    ec2 = aws.ec2()
    f = [{'Name': 'tag:Stack', 'Values': ['demo']}]
    return sorted([v['VpcId'] for v in ec2.describe_vpcs(Filters=f)['Vpcs']]
                  + [s['SubnetId'] for s in ec2.describe_subnets(Filters=f)['Subnets']]
                  + [g['GroupId'] for g in ec2.describe_security_groups(Filters=f)['SecurityGroups']]
                  + [n['NatGatewayId'] for n in ec2.describe_nat_gateways(Filter=f)['NatGateways'] if n['State'] != 'deleted'])


def test_converges_under_20_percent_throttling(playbook, aws):
    aws.faults(throttle=0.2, seed=7)
    run = playbook([task('build', **NETWORK), task('rerun', **NETWORK)])
    assert run.rc == 0, run.stdout[-3000:]
    throttled = [r for r in aws.requests() if r.get('fault') == 'throttled']
    assert len(throttled) >= 5, 'the fault layer did not throttle: %d' % len(throttled)
    assert run.task('rerun')['changed'] is False
    aws.faults()
    assert tagged(aws) == CLEAN


def test_a_lost_answer_on_every_create_makes_no_duplicate(playbook, aws):
    aws.faults(lose=CREATES, lose_times=1)
    run = playbook([task('build', **NETWORK)])
    assert run.rc == 0, run.stdout[-3000:]
    lost = sorted(set(r['action'] for r in aws.requests() if r.get('fault') == 'lost'))
    assert lost == sorted(CREATES)
    assert tagged(aws) == CLEAN
    before = ids(aws)
    rerun = playbook([task('rerun', **NETWORK)])
    assert rerun.task('rerun')['changed'] is False
    assert ids(aws) == before


def test_teardown_under_strict_dependency_rules_leaves_nothing(playbook, aws):
    aws.faults(strict=True, pending=2)
    build = playbook([task('build', **NETWORK)])
    assert build.rc == 0, build.stdout[-3000:]
    assert build.task('build')['nat_gateways'][0]['state'] == 'available'  # waited through 'pending'
    gone = playbook([task('teardown', name='demo', state='absent')])
    assert gone.rc == 0, gone.stdout[-3000:]
    violations = [r for r in aws.requests() if r.get('fault') == 'DependencyViolation']
    assert violations == []
    assert set(tagged(aws).values()) == {0}


def test_strict_rules_are_enforced_by_the_emulator(playbook, aws):
    """The layer itself refuses what AWS refuses (so the teardown test can fail)."""
    aws.faults(strict=True)
    ec2 = aws.ec2()
    vpc = ec2.create_vpc(CidrBlock='10.9.0.0/16')['Vpc']['VpcId']
    igw = ec2.create_internet_gateway()['InternetGateway']['InternetGatewayId']
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    import botocore.exceptions
    import pytest
    with pytest.raises(botocore.exceptions.ClientError, match='DependencyViolation'):
        ec2.delete_internet_gateway(InternetGatewayId=igw)
    with pytest.raises(botocore.exceptions.ClientError, match='DependencyViolation'):
        ec2.delete_vpc(VpcId=vpc)
