# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded, jittered retries for AWS calls.

Every API call of every module goes through :class:`RetryingClient`, so the
policy lives in one place:

* throttling codes and 5xx answers are retried with full-jitter exponential
  backoff, a bounded number of times;
* a lost answer (connection reset, read timeout) is retried only for calls that
  are safe to repeat: reads (``Describe*``, ``Get*``, ``List*``) and calls that
  carry a ``ClientToken``. For any other mutating call the error goes back to
  the module, which finds what the lost call may have made (by its tags) before
  it tries again.

A failed call's exception carries the operation's name (``seed_operation``), so
an error names the call that failed even when reads ran side by side
(:func:`gather`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import time
from concurrent.futures import ThreadPoolExecutor

try:
    from botocore.exceptions import ClientError, ConnectionError as BotoConnectionError
    from botocore.exceptions import ReadTimeoutError, EndpointConnectionError, ConnectionClosedError
    LOST_ANSWER_ERRORS = (BotoConnectionError, ReadTimeoutError, EndpointConnectionError, ConnectionClosedError)
except ImportError:  # boto3 missing is reported by the module, not here
    ClientError = None
    LOST_ANSWER_ERRORS = ()

THROTTLING_CODES = frozenset((
    'Throttling',
    'ThrottlingException',
    'ThrottledException',
    'RequestThrottledException',
    'RequestLimitExceeded',
    'TooManyRequestsException',
    'ProvisionedThroughputExceededException',
    'TransactionInProgressException',
    'RequestThrottled',
    'SlowDown',
    'PriorRequestNotComplete',
    'EC2ThrottledException',
))

SERVER_CODES = frozenset((
    'InternalError',
    'InternalFailure',
    'ServiceUnavailable',
    'Unavailable',
    'RequestTimeout',
    'RequestTimeoutException',
))

READ_PREFIXES = ('describe_', 'get_', 'list_', 'head_')

# Calls that are safe to send again when their answer was lost, and the error codes that,
# on the second try, mean "the lost call already did it".
ALREADY_DONE = (
    (('delete_', 'release_', 'disassociate_', 'detach_', 'revoke_', 'terminate_', 'remove_role_from_instance_profile'),
     ('NotFound', 'InvalidPermission.NotFound', 'Gateway.NotAttached', 'InvalidAssociationID.NotFound',
      'ResourceNotFoundException', 'NoSuchEntity')),
    (('authorize_',), ('InvalidPermission.Duplicate',)),
    (('create_route', 'replace_route'), ('RouteAlreadyExists',)),  # exact names: not create_route_table
    (('associate_route_table', 'attach_internet_gateway'), ('Resource.AlreadyAssociated',)),
    (('modify_', 'create_tags', 'delete_tags', 'update_', 'replace_route_table_association',
      'start_instances', 'stop_instances'), ()),
    # ELBv2 and ACM calls that set a state (repeating one sets the same state again)
    (('add_tags', 'remove_tags', 'set_subnets', 'set_security_groups', 'register_targets', 'deregister_targets',
      'add_tags_to_certificate', 'remove_tags_from_certificate'), ()),
    # IAM calls that set a state: a policy put or attached again, tags set again, are the same state
    (('put_role_policy', 'attach_role_policy', 'put_role_permissions_boundary', 'tag_role', 'untag_role', 'tag_instance_profile',
      'untag_instance_profile'), ()),
)

DEFAULT_ATTEMPTS = 8
DEFAULT_BASE_DELAY = 0.25
DEFAULT_MAX_DELAY = 8.0


def error_code(exc):
    """The AWS error code of a ClientError, or None."""
    response = getattr(exc, 'response', None) or {}
    return response.get('Error', {}).get('Code')


def http_status(exc):
    response = getattr(exc, 'response', None) or {}
    return response.get('ResponseMetadata', {}).get('HTTPStatusCode')


def is_retryable_error(exc):
    """True for throttling and server-side (5xx) errors."""
    if ClientError is None or not isinstance(exc, ClientError):
        return False
    code = error_code(exc)
    if code in THROTTLING_CODES or code in SERVER_CODES:
        return True
    status = http_status(exc)
    return bool(status and 500 <= int(status) < 600)


def is_lost_answer(exc):
    return bool(LOST_ANSWER_ERRORS) and isinstance(exc, LOST_ANSWER_ERRORS)


def backoff_delays(attempts=DEFAULT_ATTEMPTS, base=DEFAULT_BASE_DELAY, cap=DEFAULT_MAX_DELAY, rng=None):
    """Full-jitter exponential backoff: attempts-1 delays, each in [0, min(cap, base*2**n)]."""
    rng = rng or random
    for n in range(attempts - 1):
        yield rng.uniform(0, min(cap, base * (2 ** n)))


def call_is_repeatable(operation, kwargs):
    """A call whose answer was lost may be sent again if it is a read, carries a ClientToken,
    or is one whose repeat is harmless (see ALREADY_DONE). Creates without a token are not:
    the module finds what the lost call made (by its tags) before creating again."""
    if operation.startswith(READ_PREFIXES) or kwargs.get('ClientToken') or kwargs.get('IdempotencyToken'):
        return True  # ACM's RequestCertificate: "ACM recognizes that you are requesting only one certificate"
    if operation == 'change_resource_record_sets':  # UPSERTs only: sent again, they set the same records
        return all(c.get('Action') == 'UPSERT' for c in (kwargs.get('ChangeBatch') or {}).get('Changes') or [{}])
    if operation == 'import_certificate' and kwargs.get('CertificateArn'):
        return True  # a re-import under the same ARN: sent again, the ARN holds the same certificate
    return any(_matches(operation, names) for names, dummy in ALREADY_DONE)


def _matches(operation, names):
    """Names ending in _ are prefixes; the others match exactly."""
    return any(operation.startswith(n) if n.endswith('_') else operation == n for n in names)


def already_done(operation, exc):
    """True when, after a lost answer, the repeat fails because the first call did the work."""
    code = error_code(exc) or ''
    for names, codes in ALREADY_DONE:
        if _matches(operation, names):
            return any(code == c or (c == 'NotFound' and code.endswith('NotFound')) for c in codes)
    return False


class RetryingClient:
    """Wraps a botocore client; every method call goes through :meth:`call`."""

    def __init__(self, client, attempts=DEFAULT_ATTEMPTS, base_delay=DEFAULT_BASE_DELAY,
                 max_delay=DEFAULT_MAX_DELAY, sleep=time.sleep, on_call=None, on_done=None):
        self.client = client
        # on_done(operation, kwargs, response): after every call that succeeded (AwsModule keeps
        # the mutating ones, so a later failure can say what the run had already changed)
        self.on_done = on_done
        self.attempts = max(1, int(attempts))
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self.on_call = on_call
        self.retries = 0

    def __getattr__(self, name):
        if name == 'client':  # not set yet (copy, pickle): never recurse
            raise AttributeError(name)
        method = getattr(self.client, name)
        if not callable(method) or name.startswith('_') or name in ('get_paginator', 'get_waiter', 'can_paginate'):
            return method

        def wrapper(**kwargs):
            return self.call(name, method, kwargs)
        wrapper.__name__ = name
        return wrapper

    def call(self, operation, method, kwargs, retry_lost_answer=None):
        if retry_lost_answer is None:
            retry_lost_answer = call_is_repeatable(operation, kwargs)
        delays = backoff_delays(self.attempts, self.base_delay, self.max_delay)
        lost_before = False
        while True:
            try:
                if self.on_call:
                    self.on_call(operation, kwargs)
                response = method(**kwargs)
                if self.on_done:
                    self.on_done(operation, kwargs, response)
                return response
            except Exception as exc:  # pylint: disable=broad-except
                if lost_before and already_done(operation, exc):
                    if self.on_done:
                        self.on_done(operation, kwargs, {})
                    return {}
                lost = is_lost_answer(exc)
                lost_before = lost_before or lost
                retry = is_retryable_error(exc) or (retry_lost_answer and lost)
                delay = next(delays, None) if retry else None
                if delay is None:
                    _name_operation(exc, operation)
                    raise
                self.retries += 1
                self.sleep(delay)

    def paginate(self, operation, result_key, **kwargs):
        """All pages of a read, each page through the retry policy; returns the joined list.
        EC2 and ACM page with NextToken; ELBv2 answers NextMarker and is asked with Marker."""
        items = []
        while True:
            page = getattr(self, operation)(**kwargs)
            items.extend(page.get(result_key, []))
            if page.get('NextToken'):
                kwargs = dict(kwargs, NextToken=page['NextToken'])
            elif page.get('NextMarker'):
                kwargs = dict(kwargs, Marker=page['NextMarker'])
            else:
                return items


def _name_operation(exc, operation):
    try:
        exc.seed_operation = operation
    except AttributeError:  # pragma: no cover - exceptions with __slots__
        pass


def operation_of(exc, default=None):
    """The operation whose call raised ``exc`` (see RetryingClient.call), else ``default``."""
    return getattr(exc, 'seed_operation', None) or default


MAX_PARALLEL_READS = 8


def gather(*reads):
    """Run independent reads side by side; their results, in order.

    Each read is a callable without arguments (a lambda around client calls).
    On AWS every call costs a round trip (tens of milliseconds, more from far
    away), so the reads a module needs before it can plan go out together. Only
    reads belong here: nothing that changes anything, so the order in which they
    land cannot matter. Every read finishes (or fails) before this returns; the
    first failure, in the order given, is raised.
    """
    if len(reads) < 2:
        return [read() for read in reads]
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_READS, len(reads))) as pool:
        futures = [pool.submit(read) for read in reads]
    return [future.result() for future in futures]


# After a lost create answer, how long a find by tags keeps looking before the create is sent again: what the lost call
# made may not show in AWS's reads for a few seconds (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html).
LOST_FIND_SECONDS = 10.0
LOST_FIND_TIMING = {'clock': time.monotonic, 'sleep': time.sleep}


def create_or_find(create, find, attempts=3, exists=()):
    """Call ``create()``; when its answer is lost, look for what it made with ``find()`` (by the tags the create
    carried), again for up to LOST_FIND_SECONDS while AWS's reads catch up, before creating again. Returns create()'s or
    find()'s result.

    ``exists``: the error codes by which AWS refuses a create because the name (or CIDR) is taken. Right after a run was
    interrupted, what it made may not show yet in the reads the next run made before creating (eventual consistency),
    so the refusal is met by the same find, for the same while: found, it is taken (``find`` checks that it is the
    stack's and raises otherwise); not found, the refusal is raised."""
    for dummy in range(attempts - 1):
        try:
            return create()
        except Exception as exc:  # pylint: disable=broad-except
            if error_code(exc) in exists:
                return _found_or_raise(find, exc)
            if not is_lost_answer(exc):
                raise
            found = _find_for_a_while(find)
            if found is not None:
                return found
    try:
        return create()
    except Exception as exc:  # pylint: disable=broad-except
        if error_code(exc) in exists:
            return _found_or_raise(find, exc)
        raise


def read_again(read, done):
    """``read()`` again, for up to LOST_FIND_SECONDS while AWS's reads catch up, until ``done(result)``: the last result
    read (done or not), None when the time allowed no read."""
    clock, sleep = LOST_FIND_TIMING['clock'], LOST_FIND_TIMING['sleep']
    deadline, delay, result = clock() + LOST_FIND_SECONDS, 0.5, None
    while clock() < deadline:
        sleep(delay)
        delay = min(2.0, delay * 2)
        result = read()
        if done(result):
            break
    return result


def _found_or_raise(find, exc):
    found = _find_for_a_while(find)
    if found is None:
        raise exc
    return found


def _find_for_a_while(find):
    clock, sleep = LOST_FIND_TIMING['clock'], LOST_FIND_TIMING['sleep']
    deadline, delay = clock() + LOST_FIND_SECONDS, 0.5
    found = find()
    while found is None and clock() < deadline:
        sleep(delay)
        delay = min(2.0, delay * 2)
        found = find()
    return found
