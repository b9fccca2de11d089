import pytest

from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import WaitTimeout, wait_for


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_returns_first_ready_result_without_sleeping_when_ready():
    clock = Clock()
    assert wait_for(lambda: 'available', lambda s: s == 'available', 'x', clock=clock, sleep=clock.sleep) == 'available'
    assert clock.now == 0


def test_polls_until_ready():
    states = iter(['pending', 'pending', 'available'])
    clock = Clock()
    assert wait_for(lambda: next(states), lambda s: s == 'available', 'x', clock=clock, sleep=clock.sleep) == 'available'
    assert clock.now > 0


def test_times_out_with_the_last_state():
    clock = Clock()
    with pytest.raises(WaitTimeout, match='last seen: pending'):
        wait_for(lambda: 'pending', lambda s: False, 'NAT gateway', timeout=30, clock=clock, sleep=clock.sleep)
    assert clock.now == pytest.approx(30)


def test_failed_state_stops_early():
    clock = Clock()
    with pytest.raises(RuntimeError, match='went to failed'):
        wait_for(lambda: 'failed', lambda s: False, 'x', failed=lambda s: 'went to failed' if s == 'failed' else None,
                 clock=clock, sleep=clock.sleep)


# -- aws_wait: AWS's own waiters (botocore's waiters-2 model) through the collection's polling ---------------------

class Scripted:
    """A client whose waiter models are botocore's own and whose reads answer from a script (a dict or a ClientError
    each, the last one again)."""

    def __init__(self, service, answers):
        import botocore.session
        session = botocore.session.get_session()
        self.real = session.create_client(service, region_name='us-east-1', aws_access_key_id='x', aws_secret_access_key='x')
        self.answers = list(answers)
        self.reads = 0

    def get_waiter(self, name):
        return self.real.get_waiter(name)

    def __getattr__(self, operation):
        def read(**kwargs):
            self.reads += 1
            answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
            if isinstance(answer, Exception):
                raise answer
            return answer
        return read


def client_error(code, operation='DescribeVpcs'):
    from botocore.exceptions import ClientError
    return ClientError({'Error': {'Code': code, 'Message': '%s does not exist' % code}}, operation)


@pytest.fixture
def instant(monkeypatch):
    from ansible_collections.seed.laravel_aws.plugins.module_utils import waiters
    clock = Clock()
    monkeypatch.setattr(waiters, 'CLOCK', clock)
    monkeypatch.setattr(waiters, 'SLEEP', clock.sleep)
    return clock


def context(client):
    from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Context
    return Context(client)


def test_aws_wait_polls_until_aws_waiter_says_success(instant):
    from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import aws_wait
    pending, available = ({'Vpcs': [{'VpcId': 'vpc-1', 'State': s}]} for s in ('pending', 'available'))
    client = Scripted('ec2', [pending, pending, available])
    assert aws_wait(context(client), 'VpcAvailable', 'VPC vpc-1', 60, VpcIds=['vpc-1']) == available
    assert client.reads == 3 and 0 < instant.now < 60


def test_aws_wait_stops_on_a_failure_acceptor(instant):
    from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import WaitFailed, aws_wait
    client = Scripted('ec2', [{'NatGateways': [{'NatGatewayId': 'nat-1', 'State': 'failed'}]}])
    with pytest.raises(WaitFailed, match='NAT gateway nat-1'):
        aws_wait(context(client), 'NatGatewayAvailable', 'NAT gateway nat-1', 600, NatGatewayIds=['nat-1'])
    assert client.reads == 1


def test_aws_wait_polls_a_new_id_aws_does_not_show_yet_only_when_told(instant):
    from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import aws_wait
    answers = [client_error('InvalidVpcID.NotFound'), {'Vpcs': [{'VpcId': 'vpc-1', 'State': 'available'}]}]
    with pytest.raises(Exception, match='InvalidVpcID.NotFound'):  # VpcAvailable has no NotFound acceptor
        aws_wait(context(Scripted('ec2', answers)), 'VpcAvailable', 'VPC vpc-1', 60, VpcIds=['vpc-1'])
    made = Scripted('ec2', answers)
    aws_wait(context(made), 'VpcAvailable', 'VPC vpc-1', 60, not_found=('InvalidVpcID.NotFound',), VpcIds=['vpc-1'])
    assert made.reads == 2


def test_aws_wait_times_out_naming_what_and_the_last_answer(instant):
    from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import WaitTimeout, aws_wait
    client = Scripted('elbv2', [{'LoadBalancers': [{'State': {'Code': 'provisioning'}}]}])
    with pytest.raises(WaitTimeout, match='timed out after 30s waiting for load balancer web'):
        aws_wait(context(client), 'LoadBalancerAvailable', 'load balancer web', 30, Names=['web'])
    assert instant.now == pytest.approx(30) and client.reads > 3


def test_aws_wait_on_moto_with_the_retrying_client(aws):
    """The real path: a module's client (retries on throttling) and botocore's waiter model of the lean EC2 model."""
    from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import RetryingClient
    from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import aws_wait
    vpc = aws.create_vpc(CidrBlock='10.9.0.0/16')['Vpc']['VpcId']
    out = aws_wait(context(RetryingClient(aws)), 'VpcAvailable', 'VPC', 30, VpcIds=[vpc])
    assert out['Vpcs'][0]['State'] == 'available'
