# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Polling with a timeout, for what AWS makes eventually consistent."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time


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
             clock=time.monotonic, sleep=time.sleep):
    """Call ``fetch()`` until ``ready(result)``; return that result.

    ``failed(result)`` may return a message to stop early (a resource that went
    to ``failed``). Delays grow by half each poll up to ``max_delay``; the first
    poll is immediate, so a resource that is already ready costs one call.
    """
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
