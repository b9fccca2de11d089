# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Polling with a timeout, for what AWS makes eventually consistent."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

try:
    from botocore import xform_name
except ImportError:  # the modules say so (aws.py: HAS_BOTO)
    xform_name = None

# The one sleep and clock of every wait and retry of the collection, read when called: a test makes waits instant by
# setting these two (monkeypatch.setattr(waiters, 'SLEEP', ...)), whatever resource waits.
SLEEP = time.sleep
CLOCK = time.monotonic


def pause(seconds):
    """SLEEP, as it is when called."""
    SLEEP(seconds)


def monotonic():
    """CLOCK, as it is when called."""
    return CLOCK()


class WaitTimeout(Exception):
    def __init__(self, what, timeout, last):
        super(WaitTimeout, self).__init__('timed out after %ss waiting for %s (last seen: %s)' % (timeout, what, last))
        self.what = what
        self.timeout = timeout
        self.last = last


class WaitFailed(RuntimeError):
    """The resource waited for went to a failed state."""

    def __init__(self, what, reason):
        super(WaitFailed, self).__init__('%s: %s' % (what, reason))
        self.what = what
        self.reason = reason


def wait_for(fetch, ready, what, timeout=300, delay=2.0, max_delay=15.0, failed=None,
             clock=None, sleep=None):
    """Call ``fetch()`` until ``ready(result)``; return that result.

    ``failed(result)`` may return a message to stop early (a resource that went
    to ``failed``). Delays grow by half each poll up to ``max_delay``; the first
    poll is immediate, so a resource that is already ready costs one call.
    """
    clock, sleep = clock or monotonic, sleep or pause
    deadline = clock() + timeout
    result = None
    while True:
        result = fetch()
        if ready(result):
            return result
        if failed is not None:
            reason = failed(result)
            if reason:
                raise WaitFailed(what, reason)
        now = clock()
        if now >= deadline:
            raise WaitTimeout(what, timeout, result)
        sleep(min(delay, max(0.0, deadline - now)))
        delay = min(max_delay, delay * 1.5)


def error_code_of(exc):
    """The AWS error code of a ClientError (``''`` for anything else)."""
    return ((getattr(exc, 'response', None) or {}).get('Error') or {}).get('Code') or ''


def retry_not_found(call, codes, what, timeout=60, delay=1.0, max_delay=8.0, clock=None, sleep=None):
    """``call()`` for an id this run just made, again while AWS answers one of the NotFound ``codes``.

    EC2, ELBv2, RDS and ElastiCache are eventually consistent: "If you run a Describe* command right after creating a
    resource, it might answer InvalidInstanceID.NotFound" (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html,
    "Eventual consistency in the Amazon EC2 API"). Only for ids the module made in this run: for an id the user gave,
    NotFound means it does not exist, and is an error at once. The retry is bounded by ``timeout`` seconds; after it
    the last NotFound is raised, so the error names the call and the id."""
    return _retry_while(call, codes, timeout, (delay, max_delay), clock, sleep, None)


def _retry_while(call, codes, timeout, delays, clock, sleep, out_of_time):
    """``call()``, again after a growing pause (``delays``: the first and the longest) while it raises an error of
    ``codes``, for ``timeout`` seconds; then the last error is raised, or what ``out_of_time(exc)`` returns."""
    delay, max_delay = delays
    clock, sleep = clock or monotonic, sleep or pause
    deadline = clock() + timeout
    while True:
        try:
            return call()
        except Exception as exc:  # pylint: disable=broad-except
            if error_code_of(exc) not in codes:
                raise
            now = clock()
            if now >= deadline:
                if out_of_time is None:
                    raise
                raise out_of_time(exc)
            sleep(min(delay, max(0.0, deadline - now)))
            delay = min(max_delay, delay * 1.5)


class StillInUse(RuntimeError):
    """A delete that AWS kept refusing (DependencyViolation, ...in use) until the timeout: ``holders`` names what holds it."""

    def __init__(self, what, timeout, holders, last):
        super(StillInUse, self).__init__('%s is still in use after %ss: %s (AWS: %s)' % (
            what, timeout, '; '.join(holders) if holders else 'AWS did not say by what', last))
        self.what = what
        self.timeout = timeout
        self.holders = holders
        self.last = last


def retry_in_use(call, codes, what, holders, timeout=300, delay=2.0, max_delay=15.0, clock=None, sleep=None):
    """``call()`` (a delete or a detach), again while AWS answers one of ``codes`` (``DependencyViolation``,
    ``ResourceInUseException``, ``CacheSubnetGroupInUse`` ...) and until ``timeout`` seconds have passed.

    A deleted load balancer, NAT gateway, RDS instance or cache cluster leaves requester-managed network interfaces
    that hold its subnets and security groups for minutes after it is gone
    (https://docs.aws.amazon.com/vpc/latest/userguide/requester-managed-eni.html), and a certificate stays in use by a
    listener for a while after the listener is deleted. When the time is out, ``holders()`` (a list of strings: the
    interfaces with their descriptions, the addresses ...) is read once and :class:`StillInUse` names them."""
    return _retry_while(call, codes, timeout, (delay, max_delay), clock, sleep,
                        lambda exc: StillInUse(what, timeout, holders() if holders else [], str(exc)))


def _error_of(response):
    return (response.get('Error') or {}) if isinstance(response, dict) else {}


def aws_wait(ctx, name, what, timeout, not_found=(), delay=2.0, reason=None, **params):
    """AWS's own waiter ``name`` of ``ctx.client``'s service (botocore's ``waiters-2`` model: ``VpcAvailable``,
    ``NatGatewayAvailable``, ``InstanceRunning``, ``LoadBalancerAvailable``, ``TargetInService``, ``DBInstanceAvailable``,
    ``ReplicationGroupAvailable`` ...) with ``params``; the last answer is returned.

    The waiter's acceptors decide (success, failure: :class:`WaitFailed`, retry); the polling is the collection's: the
    first poll at once, then a pause growing from ``delay`` to the waiter's own delay, through ``ctx.client`` (so every
    poll retries throttling like any read) and this module's clock and sleep, for ``timeout`` seconds
    (:class:`WaitTimeout`). ``not_found``: error codes that mean "not visible yet" for an id this run made
    (``InvalidVpcID.NotFound``), polled again where the waiter itself would stop; any other error no acceptor matches is
    raised as AWS answered it. ``reason(response)``: what a failure says (a NAT gateway's FailureMessage ...)."""
    config = ctx.client.get_waiter(xform_name(name)).config
    operation = getattr(ctx.client, xform_name(config.operation))
    clock = monotonic
    deadline = clock() + timeout
    last = 'no answer yet'
    while True:
        error = None
        try:
            response = operation(**params)
        except Exception as exc:  # pylint: disable=broad-except
            if not error_code_of(exc):
                raise
            error, response = exc, exc.response
        state = next((a.state for a in config.acceptors if a.matcher_func(response)), None)
        if state is None and error is not None and error_code_of(error) in not_found:
            state = 'retry'
        if state == 'success':
            return response
        if state == 'failure':
            said = reason(response) if reason and error is None else _error_of(response).get('Message')
            raise WaitFailed(what, said or 'AWS\'s waiter %s saw a failed state' % name)
        if state is None and error is not None:
            raise error
        last = error_code_of(error) if error is not None else 'not there yet (%s)' % name
        now = clock()
        if now >= deadline:
            raise WaitTimeout(what, timeout, last)
        pause(min(delay, max(0.0, deadline - now)))
        delay = min(float(config.delay), delay * 1.5)
