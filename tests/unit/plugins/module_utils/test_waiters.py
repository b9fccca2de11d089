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
