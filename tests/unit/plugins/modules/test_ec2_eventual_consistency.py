"""The EC2 modules against AWS's eventual consistency, states and refusals, as the strict emulator plays them.

moto (in-process) is instant and lenient; :class:`Faults` makes a call answer as AWS does at the worst moment: a new id
unseen (NotFound) a few times, a delete refused (DependencyViolation) while something lingers, a NAT gateway pending or
deleting, an instance ending, a client token answered with the current state. Waits run on a fake clock (ec2.TIMING),
so nothing sleeps for real.
"""
import pytest
from botocore.exceptions import ClientError

from ansible_collections.seed.laravel_aws.plugins.module_utils import ec2 as ec2_utils
from ansible_collections.seed.laravel_aws.plugins.module_utils import retries, waiters
from ansible_collections.seed.laravel_aws.plugins.modules import (
    elastic_ip, instance, internet_gateway, key_pair, nat_gateway, network, route_table, security_group, subnet, vpc,
)

from ...conftest import mutating
from emulator.amis import DEBIAN_OWNER  # two images: moto's thousands of Amazon ones take seconds to list

REGION = 'us-east-1'


def error(code, operation, message='emulated'):
    return ClientError({'Error': {'Code': code, 'Message': message}, 'ResponseMetadata': {'HTTPStatusCode': 400}}, operation)


class Faults:
    """Rules on operations: ``fail(op, code, times)`` raises AWS's error ``times`` times (None: always), where
    ``when(kwargs)`` holds; ``answer(op, fn)`` lets ``fn(kwargs, send)`` answer instead of moto."""

    def __init__(self):
        self.rules = {}
        self.seen = []

    def fail(self, operation, code, times=2, when=None):
        state = {'left': times}

        def rule(kwargs, send):
            if (when is None or when(kwargs)) and (state['left'] is None or state['left'] > 0):
                if state['left'] is not None:
                    state['left'] -= 1
                raise error(code, operation)
            return send()
        self.rules.setdefault(operation, []).append(rule)
        return state

    def answer(self, operation, fn):
        self.rules.setdefault(operation, []).append(fn)

    def run(self, operation, method, kwargs):
        self.seen.append(operation)
        chain = list(self.rules.get(operation, []))

        def send(i=0):
            if i == len(chain):
                return method(**kwargs)
            return chain[i](kwargs, lambda: send(i + 1))
        return send()


@pytest.fixture
def faults(monkeypatch):
    f = Faults()
    original = retries.RetryingClient.call

    def call(self, operation, method, kwargs, retry_lost_answer=None):
        return original(self, operation, lambda **kw: f.run(operation, method, kw), kwargs, retry_lost_answer)
    monkeypatch.setattr(retries.RetryingClient, 'call', call)
    return f


@pytest.fixture
def slept(monkeypatch):
    """A fake clock for every wait and retry of the EC2 modules: sleeping moves it on, nothing sleeps for real."""
    now, naps = [0.0], []
    monkeypatch.setattr(waiters, 'CLOCK', lambda: now[0])  # the instance module's waits: AWS's waiters (waiters.aws_wait)
    monkeypatch.setattr(waiters, 'SLEEP', lambda seconds: sleep(seconds))  # pylint: disable=unnecessary-lambda

    def sleep(seconds):
        naps.append(seconds)
        now[0] += seconds
    monkeypatch.setitem(ec2_utils.TIMING, 'clock', lambda: now[0])
    monkeypatch.setitem(ec2_utils.TIMING, 'sleep', sleep)
    return naps


@pytest.fixture
def vpc_id(aws):
    return aws.create_vpc(CidrBlock='10.20.0.0/16')['Vpc']['VpcId']


@pytest.fixture
def subnet_id(aws, vpc_id):
    return aws.create_subnet(VpcId=vpc_id, CidrBlock='10.20.0.0/24', AvailabilityZone='us-east-1a')['Subnet']['SubnetId']


def lingering_interface(aws, subnet_id, groups=None, description='ELB app/demo-alb/50dc6c495c0c9188'):
    """A requester-managed interface as a deleted load balancer leaves it (moto cannot make one: its model is set)."""
    from moto.ec2.models import ec2_backends
    kwargs = {'Groups': groups} if groups else {}
    eni_id = aws.create_network_interface(SubnetId=subnet_id, Description=description, **kwargs)['NetworkInterface']['NetworkInterfaceId']
    eni = ec2_backends['123456789012'][REGION].get_network_interface(eni_id)
    eni.requester_managed, eni.interface_type = True, 'load_balancer'
    return eni_id


def gone_after(aws, eni_id, calls):
    """A rule that deletes the lingering interface after ``calls`` refused deletes (AWS cleaning up)."""
    count = [0]

    def rule(kwargs, send):
        count[0] += 1
        if count[0] == calls:
            aws.delete_network_interface(NetworkInterfaceId=eni_id)
        return send()
    return rule


# -- 1. a new id unseen for a moment: the next call that names it is sent again; a user's id fails at once -------------

NET = {'name': 'demo', 'cidr_block': '10.30.0.0/16', 'availability_zones': ['us-east-1a'], 'public_subnets': ['10.30.0.0/24'],
       'security_groups': [{'name': 'web', 'rules': [{'proto': 'tcp', 'ports': [80], 'group': 'alb'}]},
                           {'name': 'alb', 'rules': [{'proto': 'tcp', 'ports': [443], 'cidr_ip': '0.0.0.0/0'}]}]}


@pytest.mark.parametrize('operation, code', [
    ('modify_vpc_attribute', 'InvalidVpcID.NotFound'),
    ('create_subnet', 'InvalidVpcID.NotFound'),
    ('modify_subnet_attribute', 'InvalidSubnetID.NotFound'),
    ('attach_internet_gateway', 'InvalidInternetGatewayID.NotFound'),
    ('create_route_table', 'InvalidVpcID.NotFound'),
    ('create_route', 'InvalidRouteTableID.NotFound'),
    ('create_route', 'InvalidGatewayID.NotFound'),
    ('associate_route_table', 'InvalidSubnetID.NotFound'),
    ('create_security_group', 'InvalidVpcID.NotFound'),
    ('authorize_security_group_ingress', 'InvalidGroup.NotFound'),
])
def test_network_survives_new_ids_unseen_for_a_moment(aws, run_module, faults, slept, operation, code):
    faults.fail(operation, code, times=2)
    result = run_module(network.main, NET)
    assert not result.get('failed'), result['msg']
    assert faults.seen.count(operation) >= 3 and slept  # refused twice, then sent again after a (fake) pause
    assert result['security_groups']['web']['rules'][0]['group_id'] == result['security_groups']['alb']['id']


@pytest.mark.parametrize('operation, code', [('describe_subnets', 'InvalidSubnetID.NotFound'),
                                             ('describe_security_groups', 'InvalidGroup.NotFound')])
def test_network_returns_its_new_subnets_and_groups_only_once_reads_see_them(aws, run_module, faults, slept, operation, code):
    # The next task (instance, load balancer) names these ids and, rightly, gives a user's id no second try: the network
    # returns them only once a read by id sees them.
    unseen = faults.fail(operation, code, times=2, when=lambda kw: kw.get('SubnetIds') or kw.get('GroupIds'))
    result = run_module(network.main, NET)
    assert not result.get('failed'), result['msg']
    assert unseen['left'] == 0 and slept  # read by id until seen, on the fake clock


def test_vpc_module_retries_its_new_vpc(aws, run_module, faults, slept):
    faults.fail('modify_vpc_attribute', 'InvalidVpcID.NotFound', times=2)
    result = run_module(vpc.main, {'name': 'demo-vpc', 'cidr_block': '10.40.0.0/16', 'dns_hostnames': True})
    assert result['changed'] and result['vpc']['dns_hostnames'] is True


def test_an_id_the_user_gave_that_is_not_found_fails_at_once(aws, run_module, faults, slept, vpc_id, subnet_id):
    """A route table of an earlier run (nothing made in this one) and a subnet given by the user: NotFound is an error."""
    run_module(route_table.main, {'vpc_id': vpc_id, 'name': 'demo-private'})
    faults.fail('associate_route_table', 'InvalidSubnetID.NotFound', times=None)
    result = run_module(route_table.main, {'vpc_id': vpc_id, 'name': 'demo-private', 'subnet_ids': [subnet_id]})
    assert result['failed'] and 'InvalidSubnetID.NotFound' in result['msg']
    assert faults.seen.count('associate_route_table') == 1 and slept == []


def test_a_new_id_that_never_shows_fails_after_the_bound(aws, run_module, faults, slept, vpc_id):
    faults.fail('modify_subnet_attribute', 'InvalidSubnetID.NotFound', times=None)
    result = run_module(subnet.main, {'vpc_id': vpc_id, 'cidr_block': '10.20.5.0/24', 'map_public_ip_on_launch': True, 'name': 'a'})
    assert result['failed'] and 'InvalidSubnetID.NotFound' in result['msg'] and 'CreateSubnet' in result['msg']
    assert result['changed'] is True  # the subnet was made: said so
    assert ec2_utils.FRESH_TIMEOUT - 1 <= sum(slept) <= ec2_utils.FRESH_TIMEOUT + 1  # asked again until the bound, no longer


def test_security_group_rules_of_a_new_group(aws, run_module, faults, slept, vpc_id):
    faults.fail('authorize_security_group_ingress', 'InvalidGroup.NotFound', times=2)
    result = run_module(security_group.main, {'vpc_id': vpc_id, 'name': 'demo-web',
                                              'rules': [{'proto': 'tcp', 'ports': [80], 'cidr_ip': '10.0.0.0/8'}]})
    assert result['changed'] and result['security_group']['rules'][0]['ports'] == '80'


def test_internet_gateway_attached_right_after_its_create(aws, run_module, faults, slept, vpc_id):
    faults.fail('attach_internet_gateway', 'InvalidInternetGatewayID.NotFound', times=2)
    result = run_module(internet_gateway.main, {'vpc_id': vpc_id, 'name': 'demo-igw'})
    assert result['changed'] and result['internet_gateway']['attached']
    assert aws.describe_internet_gateways(Filters=[{'Name': 'attachment.vpc-id', 'Values': [vpc_id]}])['InternetGateways']


def test_nat_gateway_with_its_new_address_and_unseen_at_first(aws, run_module, faults, slept, subnet_id):
    faults.fail('create_nat_gateway', 'InvalidAllocationID.NotFound', times=2)
    faults.fail('describe_nat_gateways', 'NatGatewayNotFound', times=2, when=lambda kw: kw.get('NatGatewayIds'))
    result = run_module(nat_gateway.main, {'name': 'demo-nat', 'subnet_id': subnet_id})
    assert result['changed'] and result['nat_gateway']['state'] == 'available'
    assert len(aws.describe_addresses()['Addresses']) == 1


def test_key_pair_imported_and_unseen_for_a_moment(aws, run_module, faults, slept):
    faults.fail('describe_key_pairs', 'InvalidKeyPair.NotFound', times=2, when=lambda kw: 'import_key_pair' in faults.seen)
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    public = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                                            serialization.PublicFormat.OpenSSH).decode()
    result = run_module(key_pair.main, {'name': 'demo', 'public_key': public})
    assert result['changed'] and result['key_pair']['fingerprint'], result.get('msg')
    assert faults.seen.count('import_key_pair') == 1


# -- 2. deletes and detaches AWS refuses for a while ------------------------------------------------------------------

def test_subnet_delete_waits_for_a_lingering_interface(aws, run_module, faults, slept, vpc_id, subnet_id):
    eni = lingering_interface(aws, subnet_id)
    faults.answer('delete_subnet', gone_after(aws, eni, 4))  # AWS deletes it itself, a while after the load balancer
    faults.fail('delete_subnet', 'DependencyViolation', times=None, when=lambda kw: eni in [
        e['NetworkInterfaceId'] for e in aws.describe_network_interfaces()['NetworkInterfaces']])
    result = run_module(subnet.main, {'vpc_id': vpc_id, 'cidr_block': '10.20.0.0/24', 'state': 'absent'})
    assert result['changed'] and not result.get('failed'), result.get('msg')
    assert faults.seen.count('delete_subnet') == 4 and len(slept) == 3
    assert aws.describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [vpc_id]}])['Subnets'] == []


def test_subnet_delete_names_what_still_holds_it_when_the_time_is_out(aws, run_module, faults, slept, vpc_id, subnet_id):
    eni = lingering_interface(aws, subnet_id)
    faults.fail('delete_subnet', 'DependencyViolation', times=None)
    result = run_module(subnet.main, {'vpc_id': vpc_id, 'cidr_block': '10.20.0.0/24', 'state': 'absent', 'wait_timeout': 120})
    assert result['failed']
    for words in (eni, 'ELB app/demo-alb/50dc6c495c0c9188', 'requester-managed', 'load_balancer', 'available', 'after 120s'):
        assert words in result['msg']
    assert 119 <= sum(slept) <= 121


def test_subnet_in_check_mode_plans_the_delete_without_waiting(aws, run_module, faults, slept, calls, vpc_id, subnet_id):
    lingering_interface(aws, subnet_id)
    faults.fail('delete_subnet', 'DependencyViolation', times=None)
    result = run_module(subnet.main, {'vpc_id': vpc_id, 'cidr_block': '10.20.0.0/24', 'state': 'absent'}, check_mode=True)
    assert result['changed'] and not result.get('failed') and mutating(calls) == [] and slept == []


def test_an_interface_a_user_made_is_named_at_once(aws, run_module, faults, slept, calls, vpc_id, subnet_id):
    eni = aws.create_network_interface(SubnetId=subnet_id, Description='mine')['NetworkInterface']['NetworkInterfaceId']
    result = run_module(subnet.main, {'vpc_id': vpc_id, 'cidr_block': '10.20.0.0/24', 'state': 'absent'})
    assert result['failed'] and eni in result['msg'] and mutating(calls) == [] and slept == []


def test_security_group_delete_waits_then_names_the_interfaces(aws, run_module, faults, slept, vpc_id, subnet_id):
    made = run_module(security_group.main, {'vpc_id': vpc_id, 'name': 'demo-alb'})['security_group']
    eni = lingering_interface(aws, subnet_id, groups=[made['id']])
    faults.fail('delete_security_group', 'DependencyViolation', times=None)
    result = run_module(security_group.main, {'vpc_id': vpc_id, 'name': 'demo-alb', 'state': 'absent', 'wait_timeout': 60})
    assert result['failed'] and eni in result['msg'] and 'requester-managed' in result['msg'] and 'after 60s' in result['msg']

    faults.rules.clear()
    faults.fail('delete_security_group', 'DependencyViolation', times=2)
    aws.delete_network_interface(NetworkInterfaceId=eni)
    del slept[:]
    result = run_module(security_group.main, {'vpc_id': vpc_id, 'name': 'demo-alb', 'state': 'absent'})
    assert result['changed'] and not result.get('failed') and len(slept) == 2


def public_address(aws, subnet_id):
    eni = aws.create_network_interface(SubnetId=subnet_id, Description='Interface for NAT Gateway nat-0f1')['NetworkInterface']
    addr = aws.allocate_address(Domain='vpc')
    aws.associate_address(AllocationId=addr['AllocationId'], NetworkInterfaceId=eni['NetworkInterfaceId'])
    return eni['NetworkInterfaceId'], addr['PublicIp']


def test_internet_gateway_detach_waits_for_mapped_addresses(aws, run_module, faults, slept, vpc_id, subnet_id):
    run_module(internet_gateway.main, {'vpc_id': vpc_id, 'name': 'demo-igw'})
    eni, ip = public_address(aws, subnet_id)
    faults.fail('detach_internet_gateway', 'DependencyViolation', times=None)
    result = run_module(internet_gateway.main, {'vpc_id': vpc_id, 'name': 'demo-igw', 'state': 'absent', 'wait_timeout': 30})
    assert result['failed'] and ip in result['msg'] and eni in result['msg'] and 'Interface for NAT Gateway' in result['msg']

    faults.rules.clear()
    faults.fail('detach_internet_gateway', 'DependencyViolation', times=2)
    result = run_module(internet_gateway.main, {'vpc_id': vpc_id, 'name': 'demo-igw', 'state': 'absent'})
    assert result['changed'] and not result.get('failed')
    assert aws.describe_internet_gateways()['InternetGateways'] == []


def test_network_teardown_that_runs_out_of_time_says_what_it_deleted(aws, run_module, faults, slept):
    made = run_module(network.main, NET)
    public = made['subnets']['public'][0]['id']
    eni = lingering_interface(aws, public)
    faults.fail('delete_subnet', 'DependencyViolation', times=None)
    result = run_module(network.main, {'name': 'demo', 'state': 'absent', 'wait_timeout': 90})
    assert result['failed'] and result['changed'] is True
    assert eni in result['msg'] and 'requester-managed' in result['msg']
    assert 'DeleteSecurityGroup %s' % made['security_groups']['web']['id'] in result['msg']
    assert 'DeleteInternetGateway %s' % made['internet_gateway']['id'] in result['msg']


# -- 3. AWS's states --------------------------------------------------------------------------------------------------

def nat_states(faults, states, field='NatGatewayIds'):
    """describe_nat_gateways of one gateway answers ``states`` in turn (then what moto says)."""
    left = list(states)

    def rule(kwargs, send):
        answer = send()
        if kwargs.get(field) and left:
            state = left.pop(0)
            answer['NatGateways'] = [dict(n, **state) if isinstance(state, dict) else dict(n, State=state) for n in answer['NatGateways']]
        return answer
    faults.answer('describe_nat_gateways', rule)


def test_nat_gateway_pending_then_available(aws, run_module, faults, slept, subnet_id):
    nat_states(faults, ['pending', 'pending'])
    result = run_module(nat_gateway.main, {'name': 'demo-nat', 'subnet_id': subnet_id})
    assert result['nat_gateway']['state'] == 'available' and len(slept) == 2


def test_nat_gateway_that_fails_is_an_error_with_its_reason(aws, run_module, faults, slept, subnet_id):
    nat_states(faults, ['pending', {'State': 'failed', 'FailureCode': 'Gateway.NotAttached',
                                    'FailureMessage': 'Network vpc-1 has no Internet gateway attached'}] * 10)
    result = run_module(nat_gateway.main, {'name': 'demo-nat', 'subnet_id': subnet_id, 'wait_timeout': 30})
    assert result['failed'] and 'has no Internet gateway attached' in result['msg'] and 'failed' in result['msg']


def test_network_teardown_releases_the_address_only_once_the_nat_gateway_is_deleted(aws, run_module, faults, slept):
    spec = dict(NET, availability_zones=['us-east-1a'], private_subnets=['10.30.10.0/24'], nat_gateway='single', security_groups=[])
    run_module(network.main, spec)
    deleted = {'at': None}

    def deleting(kwargs, send):
        answer = send()
        if deleted['at'] is None and 'delete_nat_gateway' in faults.seen:
            deleted['at'] = len(faults.seen) + 4  # three more reads say deleting
        if deleted['at'] is not None and len(faults.seen) < deleted['at']:
            answer['NatGateways'] = [dict(n, State='deleting') for n in answer['NatGateways']]
        return answer
    faults.answer('describe_nat_gateways', deleting)

    def release(kwargs, send):  # AWS: the address is the NAT gateway's until it is deleted
        if deleted['at'] is None or len(faults.seen) < deleted['at']:
            raise error('InvalidIPAddress.InUse', 'ReleaseAddress', 'Address is in use')
        return send()
    faults.answer('release_address', release)
    result = run_module(network.main, {'name': 'demo', 'state': 'absent', 'wait': False})
    assert result['changed'] and not result.get('failed'), result.get('msg')
    assert aws.describe_addresses()['Addresses'] == [] and slept


def test_nat_gateway_absent_waits_before_releasing_its_address_even_without_wait(aws, run_module, faults, slept, subnet_id):
    run_module(nat_gateway.main, {'name': 'demo-nat', 'subnet_id': subnet_id})
    nat_states(faults, ['deleting', 'deleting'])
    result = run_module(nat_gateway.main, {'name': 'demo-nat', 'subnet_id': subnet_id, 'state': 'absent', 'wait': False})
    assert result['changed'] and len(slept) == 2 and aws.describe_addresses()['Addresses'] == []
    assert faults.seen.index('release_address') > max(i for i, op in enumerate(faults.seen) if op == 'describe_nat_gateways')


def test_nat_gateway_token_answered_with_current_state_or_mismatch(aws, run_module, faults, slept, subnet_id):
    tokens = []

    def create(kwargs, send):
        tokens.append(kwargs['ClientToken'])
        if len(tokens) == 1:
            raise error('IdempotentParameterMismatch', 'CreateNatGateway')
        if len(tokens) == 2:
            return {'NatGateway': {'NatGatewayId': 'nat-0deleted000000000', 'State': 'deleted', 'SubnetId': kwargs['SubnetId']}}
        return send()
    faults.answer('create_nat_gateway', create)
    result = run_module(nat_gateway.main, {'name': 'demo-nat', 'subnet_id': subnet_id})
    assert result['changed'] and result['nat_gateway']['id'] != 'nat-0deleted000000000' and len(set(tokens)) == 3


def test_instance_pending_then_running_and_unseen_at_first(aws, run_module, faults, slept, subnet_id, ami):
    faults.fail('describe_instances', 'InvalidInstanceID.NotFound', times=2, when=lambda kw: kw.get('InstanceIds'))
    result = run_module(instance.main, {'stack': 'demo', 'name': 'web', 'exact_count': 1, 'image_id': ami, 'instance_type': 't3.micro',
                                        'subnet_ids': [subnet_id]})
    assert not result.get('failed'), result.get('msg')
    assert result['instances'][0]['state'] == 'running' and slept


def test_an_instance_that_ends_while_it_should_run_is_an_error_with_aws_reason(aws, run_module, faults, slept, subnet_id, ami):
    def ended(kwargs, send):
        answer = send()
        if kwargs.get('InstanceIds'):
            for r in answer['Reservations']:
                r['Instances'] = [dict(i, State={'Code': 48, 'Name': 'terminated'},
                                       StateReason={'Code': 'Server.InsufficientInstanceCapacity',
                                                    'Message': 'Server.InsufficientInstanceCapacity: Insufficient capacity.'})
                                  for i in r['Instances']]
        return answer
    faults.answer('describe_instances', ended)
    result = run_module(instance.main, {'stack': 'demo', 'name': 'web', 'exact_count': 1, 'image_id': ami, 'instance_type': 't3.micro',
                                        'subnet_ids': [subnet_id], 'wait_timeout': 20})
    assert result['failed'] and result['changed'] is True
    assert 'went to terminated: Server.InsufficientInstanceCapacity: Insufficient capacity.' in result['msg']
    assert slept == []  # an error at once, not after wait_timeout


def test_instance_token_answered_with_a_terminated_instance_or_mismatch(aws, run_module, faults, slept, subnet_id, ami):
    tokens = []

    def run(kwargs, send):
        tokens.append(kwargs['ClientToken'])
        if len(tokens) == 1:
            raise error('IdempotentParameterMismatch', 'RunInstances')
        if len(tokens) < 4:
            answer = send()  # AWS answers the token's instance, terminated since: moto's, terminated
            aws.terminate_instances(InstanceIds=[answer['Instances'][0]['InstanceId']])
            answer['Instances'][0]['State'] = {'Code': 48, 'Name': 'terminated'}
            return answer
        return send()
    faults.answer('run_instances', run)
    result = run_module(instance.main, {'stack': 'demo', 'name': 'web', 'exact_count': 1, 'image_id': ami, 'instance_type': 't3.micro',
                                        'subnet_ids': [subnet_id]})
    assert not result.get('failed'), result.get('msg')
    assert len(set(tokens)) == 4 and result['instances'][0]['state'] == 'running'


def test_instance_tokens_all_used_is_a_clear_error(aws, run_module, faults, slept, subnet_id, ami):
    faults.fail('run_instances', 'IdempotentParameterMismatch', times=None)
    result = run_module(instance.main, {'stack': 'demo', 'name': 'web', 'exact_count': 1, 'image_id': ami, 'instance_type': 't3.micro',
                                        'subnet_ids': [subnet_id]})
    assert result['failed'] and 'client tokens' in result['msg'] and faults.seen.count('run_instances') == 20


def test_network_teardown_waits_for_instances_shutting_down(aws, run_module, faults, slept, ami):
    made = run_module(network.main, NET)
    sid = made['subnets']['public'][0]['id']
    inst = aws.run_instances(ImageId=ami, MinCount=1, MaxCount=1, SubnetId=sid,
                             TagSpecifications=[{'ResourceType': 'instance', 'Tags': [{'Key': 'Stack', 'Value': 'demo'}]}])
    iid = inst['Instances'][0]['InstanceId']
    left = [3]  # terminated a moment ago: shutting-down for two more reads

    def shutting(kwargs, send):
        answer = send()
        if left[0] and any(i['InstanceId'] == iid for r in answer['Reservations'] for i in r['Instances']):
            left[0] -= 1
            if not left[0]:
                aws.terminate_instances(InstanceIds=[iid])
                return send()
            for r in answer['Reservations']:
                r['Instances'] = [dict(i, State={'Code': 32, 'Name': 'shutting-down'}) for i in r['Instances']]
        return answer
    faults.answer('describe_instances', shutting)
    result = run_module(network.main, {'name': 'demo', 'state': 'absent'})
    assert result['changed'] and not result.get('failed'), result.get('msg')
    assert slept


@pytest.fixture
def ami(aws):
    return sorted(aws.describe_images(Owners=[DEBIAN_OWNER])['Images'], key=lambda i: i['ImageId'])[0]['ImageId']


# -- AWS's documented parameter rules (aws_rules): refused by the module, naming its option, before any API call ----------

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules  # noqa: E402

# (module, the args a bad value goes into, the option the error names, the rule's operation and parameter)
WIRED = [
    (security_group, lambda v: {'vpc_id': 'vpc-12345678', 'name': v}, 'name', 'CreateSecurityGroup', 'GroupName'),
    (security_group, lambda v: {'vpc_id': 'vpc-12345678', 'name': 'demo-web', 'description': v}, 'description',
     'CreateSecurityGroup', 'Description'),
    (network, lambda v: dict(NET, security_groups=[{'name': 'web', 'description': v}]), 'security_groups[0].description',
     'CreateSecurityGroup', 'Description'),
    (key_pair, lambda v: {'name': v, 'public_key': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl'},
     'name', 'ImportKeyPair', 'KeyName'),
    (vpc, lambda v: {'name': 'demo-vpc', 'cidr_block': v}, 'cidr_block', 'CreateVpc', 'CidrBlock'),
    (vpc, lambda v: {'name': v, 'cidr_block': '10.0.0.0/16'}, 'name', 'CreateVpc', 'TagSpecifications[].Tags[].Value'),
    (subnet, lambda v: {'vpc_id': 'vpc-12345678', 'cidr_block': v}, 'cidr_block', 'CreateSubnet', 'CidrBlock'),
    (subnet, lambda v: {'vpc_id': 'vpc-12345678', 'cidr_block': '10.0.1.0/24', 'name': v}, 'name', 'CreateSubnet',
     'TagSpecifications[].Tags[].Value'),
    (internet_gateway, lambda v: {'vpc_id': 'vpc-12345678', 'name': v}, 'name', 'CreateInternetGateway', 'TagSpecifications[].Tags[].Value'),
    (route_table, lambda v: {'vpc_id': 'vpc-12345678', 'name': v}, 'name', 'CreateRouteTable', 'TagSpecifications[].Tags[].Value'),
    (nat_gateway, lambda v: {'subnet_id': 'subnet-12345678', 'name': v}, 'name', 'CreateNatGateway', 'TagSpecifications[].Tags[].Value'),
    (elastic_ip, lambda v: {'name': v}, 'name', 'AllocateAddress', 'TagSpecifications[].Tags[].Value'),
]
CASES = [pytest.param(module, args, field, bad, id='%s-%s-%r' % (module.__name__.rsplit('.', 1)[-1], parameter, bad[:20]))
         for module, args, field, operation, parameter in WIRED
         for row in aws_rules.rows_for('ec2', operation, parameter) for bad in row['bad']
         if isinstance(bad, str) and not (parameter == 'Description' and bad == '')]  # '': the default description is sent


@pytest.mark.parametrize('module, args, field, bad', CASES)
def test_what_aws_rules_refuse_is_refused_before_any_call(aws, run_module, calls, module, args, field, bad):
    result = run_module(module.main, args(bad))
    assert result['failed'] and result['field'] == field, result['msg']
    assert calls == []


def test_every_wired_row_has_a_bad_example():
    for dummy, dummy2, dummy3, operation, parameter in WIRED:
        assert any(r['bad'] for r in aws_rules.rows_for('ec2', operation, parameter)), (operation, parameter)


@pytest.mark.parametrize('module, args, operation, parameter', [
    (security_group, lambda v: {'vpc_id': 'vpc-12345678', 'name': 'demo-web', 'description': v}, 'CreateSecurityGroup', 'Description'),
    (key_pair, lambda v: {'name': v, 'public_key': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl'},
     'ImportKeyPair', 'KeyName'),
    (subnet, lambda v: {'vpc_id': 'vpc-12345678', 'cidr_block': '10.0.1.0/24', 'name': v}, 'CreateSubnet', 'TagSpecifications[].Tags[].Value'),
])
def test_the_error_names_aws_rule_and_its_page(aws, run_module, module, args, operation, parameter):
    row = aws_rules.rows_for('ec2', operation, parameter)[0]
    bad = [b for b in row['bad'] if isinstance(b, str)][0]
    result = run_module(module.main, args(bad))
    assert row['rule'] in result['msg'] and row['source'] in result['msg'] and row['code'] in result['msg']


def test_a_single_module_returns_its_new_id_only_once_reads_see_it(aws, run_module, faults, slept, vpc_id):
    # A playbook's next task names the id (subnet_id: "{{ made.subnet.id }}") and gives it no second try.
    unseen = faults.fail('describe_subnets', 'InvalidSubnetID.NotFound', times=2, when=lambda kw: kw.get('SubnetIds'))
    result = run_module(subnet.main, {'vpc_id': vpc_id, 'cidr_block': '10.20.7.0/24', 'name': 'seen'})
    assert not result.get('failed'), result['msg']
    assert unseen['left'] == 0 and slept


def hide_first_listings(faults, operation, key, times=1):
    """The first ``times`` listings (by filters, not by id) answer empty: what a run interrupted a moment ago made is not
    in AWS's reads yet."""
    left = [times]

    def rule(kwargs, send):
        if kwargs.get('Filters') and not (kwargs.get('SubnetIds') or kwargs.get('GroupIds')) and left[0] > 0:
            left[0] -= 1
            return {key: []}
        return send()
    faults.answer(operation, rule)
    return left


@pytest.mark.parametrize('operation, key', [('describe_subnets', 'Subnets'), ('describe_security_groups', 'SecurityGroups')])
def test_a_rerun_right_after_an_interrupted_one_takes_what_it_made(aws, run_module, faults, slept, monkeypatch, operation, key):
    """The first run made the subnets and groups; the rerun's listing does not show them yet, so its create is refused as
    taken (InvalidSubnet.Conflict, InvalidGroup.Duplicate): the rerun finds them again and takes them, with the rules they
    have (no InvalidPermission.Duplicate), and nothing is made twice."""
    now = [0.0]
    monkeypatch.setitem(retries.LOST_FIND_TIMING, 'clock', lambda: now[0])
    monkeypatch.setitem(retries.LOST_FIND_TIMING, 'sleep', lambda s: now.__setitem__(0, now[0] + s))
    first = run_module(network.main, NET)
    assert not first.get('failed'), first['msg']
    hidden = hide_first_listings(faults, operation, key)
    before = len(faults.seen)
    rerun = run_module(network.main, NET)
    assert not rerun.get('failed'), rerun['msg']
    assert hidden[0] == 0
    assert rerun['security_groups']['web']['id'] == first['security_groups']['web']['id']
    vpc = first['vpc']['id']
    assert len(aws.describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [vpc]}])['Subnets']) == 1
    groups = aws.describe_security_groups(Filters=[{'Name': 'vpc-id', 'Values': [vpc]}])['SecurityGroups']
    assert sorted(g['GroupName'] for g in groups) == ['default', 'demo-alb', 'demo-web']
    assert 'authorize_security_group_ingress' not in faults.seen[before:]


def test_a_taken_subnet_of_another_stack_is_refused(aws, run_module, faults, slept, monkeypatch, vpc_id):
    now = [0.0]
    monkeypatch.setitem(retries.LOST_FIND_TIMING, 'clock', lambda: now[0])
    monkeypatch.setitem(retries.LOST_FIND_TIMING, 'sleep', lambda s: now.__setitem__(0, now[0] + s))
    aws.create_subnet(VpcId=vpc_id, CidrBlock='10.20.7.0/24',
                      TagSpecifications=[{'ResourceType': 'subnet', 'Tags': [{'Key': 'Stack', 'Value': 'blog'}]}])
    hide_first_listings(faults, 'describe_subnets', 'Subnets')
    result = run_module(subnet.main, {'vpc_id': vpc_id, 'cidr_block': '10.20.7.0/24', 'name': 'a', 'stack': 'shop'})
    assert result['failed'] and "stack 'blog'" in result['msg']
    assert aws.describe_subnets(Filters=[{'Name': 'cidr-block', 'Values': ['10.20.7.0/24']}])['Subnets'][0]['Tags'] == [
        {'Key': 'Stack', 'Value': 'blog'}]


def tokens_as_aws(faults):
    """CreateRouteTable with a known ClientToken answers the first answer (moto in-process ignores the token)."""
    known = {}

    def rule(kwargs, send):
        token = kwargs.get('ClientToken')
        if token in known:
            return known[token]
        known[token] = send()
        return known[token]
    faults.answer('create_route_table', rule)
    return known


def private_tables(aws, vpc):
    return [t['RouteTableId'] for t in aws.describe_route_tables(Filters=[{'Name': 'vpc-id', 'Values': [vpc]}])['RouteTables']
            if not any(a.get('Main') for a in t.get('Associations', []))]


NET_PRIVATE = dict(NET, private_subnets=['10.30.1.0/24'], nat_gateway='single')


def test_a_rerun_that_cannot_list_the_route_tables_yet_makes_no_second_one(aws, run_module, faults, slept):
    """The interrupted run made the route tables; the rerun's listing does not show them yet: each named table is
    created with a client token from its VPC, Name and Stack, so AWS answers the table made before, not a new one."""
    known = tokens_as_aws(faults)
    first = run_module(network.main, NET_PRIVATE)
    assert not first.get('failed'), first['msg']
    vpc = first['vpc']['id']
    tables = private_tables(aws, vpc)
    assert len(tables) == 2 and len(known) == 2
    hide_first_listings(faults, 'describe_route_tables', 'RouteTables', times=1)
    rerun = run_module(network.main, NET_PRIVATE)
    assert not rerun.get('failed'), rerun['msg']
    assert sorted(private_tables(aws, vpc)) == sorted(tables)


def test_a_token_that_answers_a_deleted_table_moves_to_the_next(aws, run_module, faults, slept, vpc_id):
    """Torn down and built again in the same VPC: the token answers the deleted table, which no read shows; the next
    token makes a new one."""
    known = tokens_as_aws(faults)
    made = run_module(route_table.main, {'vpc_id': vpc_id, 'name': 'demo-private'})
    assert run_module(route_table.main, {'vpc_id': vpc_id, 'name': 'demo-private', 'state': 'absent'})['changed']
    again = run_module(route_table.main, {'vpc_id': vpc_id, 'name': 'demo-private'})
    assert not again.get('failed'), again['msg']
    assert again['route_table']['id'] != made['route_table']['id'] and len(known) == 2
    assert private_tables(aws, vpc_id) == [again['route_table']['id']]


def hide_listing(faults, operation, key, times=1, when=None):
    """The first ``times`` calls of ``operation`` (where ``when(kwargs)``) answer empty: AWS's reads not caught up yet."""
    left = [times]

    def rule(kwargs, send):
        if left[0] > 0 and (when is None or when(kwargs)):
            left[0] -= 1
            return {key: []}
        return send()
    faults.answer(operation, rule)
    return left


def test_a_rerun_that_cannot_list_the_gateway_and_address_yet_reads_again(aws, run_module, faults, monkeypatch):
    """The interrupted run made the internet gateway and the NAT's address (neither has a client token or a unique
    name); the rerun's first listing lacks them, so the network is read again, and neither is made twice."""
    now = [0.0]
    monkeypatch.setitem(retries.LOST_FIND_TIMING, 'clock', lambda: now[0])
    monkeypatch.setitem(retries.LOST_FIND_TIMING, 'sleep', lambda s: now.__setitem__(0, now[0] + s))
    first = run_module(network.main, NET_PRIVATE)
    assert not first.get('failed'), first['msg']
    igws = hide_listing(faults, 'describe_internet_gateways', 'InternetGateways')
    eips = hide_listing(faults, 'describe_addresses', 'Addresses')
    before = len(faults.seen)
    rerun = run_module(network.main, NET_PRIVATE)
    assert not rerun.get('failed'), rerun['msg']
    assert igws == [0] and eips == [0] and 0 < now[0] < retries.LOST_FIND_SECONDS
    assert rerun['changed'] is False
    assert not [op for op in faults.seen[before:] if op.startswith(('create_', 'allocate_', 'attach_'))]
    assert len(aws.describe_internet_gateways()['InternetGateways']) == 1 and len(aws.describe_addresses()['Addresses']) == 1


def test_a_cold_run_and_a_whole_stack_are_not_read_again(aws, run_module, faults, monkeypatch):
    now = [0.0]
    monkeypatch.setitem(retries.LOST_FIND_TIMING, 'clock', lambda: now[0])
    monkeypatch.setitem(retries.LOST_FIND_TIMING, 'sleep', lambda s: now.__setitem__(0, now[0] + s))
    assert not run_module(network.main, NET_PRIVATE).get('failed')
    assert not run_module(network.main, NET_PRIVATE).get('failed')
    assert now[0] == 0  # no second read: nothing was missing (the cold run had no VPC to read)


def test_a_part_added_to_a_stack_is_made_after_the_reads_time(aws, run_module, faults, monkeypatch):
    """A subnet added to the spec: the listing lacks it, and keeps lacking it: read again for the bound, then made."""
    now = [0.0]
    monkeypatch.setitem(retries.LOST_FIND_TIMING, 'clock', lambda: now[0])
    monkeypatch.setitem(retries.LOST_FIND_TIMING, 'sleep', lambda s: now.__setitem__(0, now[0] + s))
    assert not run_module(network.main, NET).get('failed')
    more = dict(NET, availability_zones=['us-east-1a', 'us-east-1b'], public_subnets=['10.30.0.0/24', '10.30.2.0/24'])
    result = run_module(network.main, more)
    assert not result.get('failed'), result['msg']
    assert result['changed'] and now[0] >= retries.LOST_FIND_SECONDS
    assert len(result['subnets']['public']) == 2
