"""The shared retry policy: what is retried, how often, and what is never repeated."""
import threading
import time

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from ansible_collections.seed.laravel_aws.plugins.module_utils import retries


def client_error(code, status=400, op='CreateVpc'):
    return ClientError({'Error': {'Code': code, 'Message': code},
                        'ResponseMetadata': {'HTTPStatusCode': status}}, op)


class Flaky:
    """A fake client whose methods fail with the given errors, then answer."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.sent = 0

    def _answer(self, **kwargs):
        self.sent += 1
        if self.errors:
            raise self.errors.pop(0)
        return {'ok': True, 'kwargs': kwargs}

    describe_vpcs = create_vpc = run_instances = _answer


def wrap(fake, attempts=5):
    slept = []
    return retries.RetryingClient(fake, attempts=attempts, sleep=slept.append), slept


@pytest.mark.parametrize('code, status', [
    ('RequestLimitExceeded', 400), ('Throttling', 400), ('InternalError', 500),
    ('ServiceUnavailable', 503), ('Whatever', 502),
])
def test_throttling_and_5xx_are_retried(code, status):
    fake = Flaky(client_error(code, status), client_error(code, status))
    client, slept = wrap(fake)
    assert client.create_vpc(CidrBlock='10.0.0.0/16')['ok']
    assert fake.sent == 3 and len(slept) == 2 and client.retries == 2


def test_retries_are_bounded_and_the_last_error_is_raised():
    fake = Flaky(*[client_error('Throttling')] * 10)
    client, slept = wrap(fake, attempts=4)
    with pytest.raises(ClientError):
        client.describe_vpcs()
    assert fake.sent == 4 and len(slept) == 3


def test_client_errors_are_not_retried():
    fake = Flaky(client_error('InvalidParameterValue'))
    client, slept = wrap(fake)
    with pytest.raises(ClientError):
        client.create_vpc()
    assert fake.sent == 1 and slept == []


def test_lost_answer_is_retried_for_reads_and_client_token_calls_only():
    lost = EndpointConnectionError(endpoint_url='http://127.0.0.1:1')
    reads = wrap(Flaky(lost))[0]
    assert reads.describe_vpcs()['ok']
    tokened = wrap(Flaky(lost))[0]
    assert tokened.run_instances(ClientToken='abc')['ok']
    plain = Flaky(lost)
    client = wrap(plain)[0]
    with pytest.raises(EndpointConnectionError):
        client.create_vpc(CidrBlock='10.0.0.0/16')
    assert plain.sent == 1


def test_backoff_is_jittered_and_capped():
    delays = list(retries.backoff_delays(attempts=10, base=0.5, cap=4.0))
    assert len(delays) == 9
    assert all(0 <= d <= min(4.0, 0.5 * 2 ** n) for n, d in enumerate(delays))


def test_paginate_joins_pages():
    class Pages:
        def describe_vpcs(self, **kwargs):
            if kwargs.get('NextToken'):
                return {'Vpcs': [2]}
            return {'Vpcs': [1], 'NextToken': 't'}
    client = retries.RetryingClient(Pages())
    assert client.paginate('describe_vpcs', 'Vpcs') == [1, 2]


def test_paginate_follows_elbv2_markers():
    class Pages:
        def describe_listeners(self, **kwargs):
            if kwargs.get('Marker') == 'm':
                return {'Listeners': [2]}
            assert 'NextToken' not in kwargs
            return {'Listeners': [1], 'NextMarker': 'm'}
    client = retries.RetryingClient(Pages())
    assert client.paginate('describe_listeners', 'Listeners', LoadBalancerArn='arn') == [1, 2]


def test_a_failed_call_names_its_operation():
    client, dummy = wrap(Flaky(client_error('InvalidParameterValue')))
    with pytest.raises(ClientError) as err:
        client.create_vpc()
    assert retries.operation_of(err.value) == 'create_vpc'
    client, dummy = wrap(Flaky(*[client_error('Throttling')] * 3), attempts=2)
    with pytest.raises(ClientError) as err:
        client.describe_vpcs()
    assert retries.operation_of(err.value) == 'describe_vpcs'
    assert retries.operation_of(ValueError('not a call'), 'fallback') == 'fallback'


def test_gather_runs_reads_side_by_side_and_keeps_their_order():
    # Three reads that each wait for the other two: run one after another, they would time out.
    barrier = threading.Barrier(3, timeout=10)

    def read(value):
        def run():
            barrier.wait()
            return value
        return run
    assert retries.gather(read('a'), read('b'), read('c')) == ['a', 'b', 'c']
    assert retries.gather(lambda: 'alone') == ['alone'] and retries.gather() == []


def test_gather_raises_the_first_failure_in_order_after_every_read_has_finished():
    finished = []

    def slow_ok():
        time.sleep(0.2)
        finished.append('slow')
        return 1
    client, dummy = wrap(Flaky(client_error('UnauthorizedOperation')))
    with pytest.raises(ClientError) as err:
        retries.gather(slow_ok, client.describe_vpcs, lambda: 1 / 0)
    assert retries.operation_of(err.value) == 'describe_vpcs'
    assert finished == ['slow']  # nothing is left running behind the error


def test_after_a_lost_create_the_find_looks_again_while_reads_catch_up(monkeypatch):
    """What a lost create made may not show in a read for a few seconds (EC2's eventual consistency): the find looks
    again, on a fake clock, and the create is not sent a second time."""
    now = [0.0]
    monkeypatch.setitem(retries.LOST_FIND_TIMING, 'clock', lambda: now[0])
    monkeypatch.setitem(retries.LOST_FIND_TIMING, 'sleep', lambda s: now.__setitem__(0, now[0] + s))
    creates, finds = [], []

    def create():
        creates.append(1)
        raise EndpointConnectionError(endpoint_url='http://127.0.0.1:1')

    def find():
        finds.append(now[0])
        return {'id': 'made'} if len(finds) >= 3 else None  # unseen by the first two reads
    assert retries.create_or_find(create, find) == {'id': 'made'}
    assert creates == [1] and len(finds) == 3 and now[0] < retries.LOST_FIND_SECONDS


def _taken(code):
    return ClientError({'Error': {'Code': code, 'Message': 'taken'}}, 'CreateSubnet')


def test_create_refused_as_taken_takes_what_a_find_sees_after_the_lag(monkeypatch):
    """An interrupted run made the subnet moments ago, unseen by this run's reads: CreateSubnet answers
    InvalidSubnet.Conflict, the find looks again until AWS's reads show it, and the subnet is taken, not created twice."""
    now = [0.0]
    monkeypatch.setitem(retries.LOST_FIND_TIMING, 'clock', lambda: now[0])
    monkeypatch.setitem(retries.LOST_FIND_TIMING, 'sleep', lambda s: now.__setitem__(0, now[0] + s))
    creates, finds = [], []

    def create():
        creates.append(1)
        raise _taken('InvalidSubnet.Conflict')

    def find():
        finds.append(now[0])
        return {'SubnetId': 'subnet-1'} if len(finds) >= 3 else None
    assert retries.create_or_find(create, find, exists=('InvalidSubnet.Conflict',)) == {'SubnetId': 'subnet-1'}
    assert creates == [1] and len(finds) == 3


def test_create_refused_as_taken_raises_the_refusal_when_nothing_shows(monkeypatch):
    now = [0.0]
    monkeypatch.setitem(retries.LOST_FIND_TIMING, 'clock', lambda: now[0])
    monkeypatch.setitem(retries.LOST_FIND_TIMING, 'sleep', lambda s: now.__setitem__(0, now[0] + s))

    def create():
        raise _taken('InvalidGroup.Duplicate')
    with pytest.raises(ClientError) as err:
        retries.create_or_find(create, lambda: None, exists=('InvalidGroup.Duplicate',))
    assert retries.error_code(err.value) == 'InvalidGroup.Duplicate' and now[0] >= retries.LOST_FIND_SECONDS


def test_create_refused_for_another_reason_is_not_looked_for():
    finds = []

    def create():
        raise _taken('InvalidParameterValue')
    with pytest.raises(ClientError):
        retries.create_or_find(create, lambda: finds.append(1), exists=('InvalidSubnet.Conflict',))
    assert finds == []


def test_a_taken_name_of_another_stack_is_refused_not_taken():
    """The find checks the owner: a group of another stack under the name raises NotOwned, never adopted."""
    from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import NotOwned, check_owner

    def create():
        raise _taken('InvalidGroup.Duplicate')

    def find():
        check_owner('shop', {'Stack': 'blog'}, 'security group', 'web')
    with pytest.raises(NotOwned):
        retries.create_or_find(create, find, exists=('InvalidGroup.Duplicate',))
