# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress on a module's long wait, for the action plugins of the same names as the slow modules.

A module that waits (an RDS instance or a Redis cluster being made or changed takes minutes) prints nothing until
it returns, and in AWX a silent task of 30 minutes looks hung. The action plugin runs on the control node and runs
the module in three steps, so that a line shows the resource's status as it goes:

1. the module with ``wait: false``: it validates, makes its create or modify call, and returns at once;
2. every ``interval`` seconds a read: the module in check mode with only the resource's name, the connection options
   and ``stack`` (a check-mode run sends no mutating call: every one goes through Context.call, which only records it
   in check mode; and with no option to compare there is nothing to change), and a line with the status, until the
   status is the one the module's own wait waits for (or one at which that wait stops); right after a create, a read
   that does not find it yet (AWS's reads catch up within seconds) keeps the status the create answered, for up to
   UNSEEN_SECONDS, so that the last run finds it rather than asking for it again;
3. the module once more with the task's own ``wait`` and the time left of ``wait_timeout``, so the result, the return
   values and the error of a failed wait are the module's own.

The result is the last run's, with ``changed`` true when the first run changed something (and the diff's ``before``
of that first run). A resource that already exists and is still being made (a task with ``wait: false`` started it) is
not changed by the first run (the module sends no change with ``wait: false`` while AWS is making it): the lines show its
status, and the last run, which waits for it, compares and changes. Nothing but the resource's name, its status and the
time is printed: never an option or a result.

Without wait, in check mode, with async, with ``state: absent`` (a delete is not made twice: a rerun while it runs
would find it deleting) and with the options that send a secret on every run (a new master password, an AUTH token
rotation), the module runs once as before.

SEED_PROGRESS_INTERVAL (environment of ansible-playbook, seconds, at most the default 30) shortens the interval
between two reads; the tests use it.
"""
from __future__ import annotations

import math
import os
import time

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

display = Display()

INTERVAL = 30  # seconds between two reads
# RDS and ElastiCache are eventually consistent: a read right after the create may not find what it made. The reads
# after a create wait this long for it (each then keeps the status the create answered); the last run, which finds
# it or is refused the name, and finds it then, still answers if it never shows.
UNSEEN_SECONDS = 60
SLEEP = time.sleep  # the tests make these instant
CLOCK = time.monotonic

# The connection options of every AWS module and their aliases (module_utils/aws.py, aws_argument_spec): what a read
# needs besides the resource's name.
CONNECTION = ('region', 'aws_region', 'profile', 'aws_profile', 'endpoint_url', 'aws_endpoint_url', 'aws_ca_bundle',
              'aws_config', 'access_key', 'aws_access_key_id', 'secret_key', 'aws_secret_access_key', 'session_token',
              'aws_session_token', 'validate_certs', 'max_attempts', 'stack')


def interval():
    """The seconds between two reads: INTERVAL, or less with SEED_PROGRESS_INTERVAL."""
    try:
        value = float(os.environ.get('SEED_PROGRESS_INTERVAL', INTERVAL))
    except ValueError:
        return INTERVAL
    return min(value, INTERVAL) if value > 0 else INTERVAL


def duration(seconds):
    """1m30s, 45s, 30m, 1h05m: short enough for a line."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return '%dh%02dm' % (hours, minutes)
    if minutes:
        return '%dm%02ds' % (minutes, secs) if secs else '%dm' % minutes
    return '%ds' % secs


class ProgressAction(ActionBase):
    """The action plugin of a slow module. A subclass names the module and what its wait waits for."""

    _supports_check_mode = True
    _supports_async = True

    MODULE = None  # the module's short name, for the lines
    RESULT_KEY = None  # the key of the result that holds the resource's view (with its ``status``)
    NAME_OPTIONS = ()  # the option naming the resource, then its aliases
    WAIT_TIMEOUT = None  # the default of the module's wait_timeout
    SETTLED = ('available',)  # the status the module's wait waits for
    STOPS = ()  # statuses at which the module's wait stops (fails) or does not wait at all

    def resends(self, args):
        """True when the task sends a secret on every run (so the module must run once only)."""
        return False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        wrap_async = self._task.async_val and not self._connection.has_native_async
        plan = None if wrap_async else self._plan()
        if plan is None:
            result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
        else:
            result = merge_hash(result, self._with_progress(task_vars, *plan))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _plan(self):
        """(args, name, timeout) when the module waits and may run with progress; None to run it once as before."""
        args = dict(self._task.args)
        if self._task.check_mode or self._task.async_val:
            return None
        try:
            if args.get('state', 'present') != 'present' or not boolean(args.get('wait', True), strict=True):
                return None
            timeout = int(args.get('wait_timeout', self.WAIT_TIMEOUT))
        except (TypeError, ValueError):
            return None  # the module reports the bad value
        if timeout < 1 or self.resends(args):
            return None
        name = next((args[key] for key in self.NAME_OPTIONS if args.get(key)), None)
        if not isinstance(name, str):
            return None
        return args, name, timeout

    def _module(self, args, task_vars, check_mode=False):
        saved = self._task.check_mode
        self._task.check_mode = check_mode
        try:
            return self._execute_module(module_args=args, task_vars=task_vars)
        finally:
            self._task.check_mode = saved

    def _status(self, result):
        view = result.get(self.RESULT_KEY)
        return view.get('status') if isinstance(view, dict) else None

    def _found(self, result):
        """True when a read found the resource: a check-mode run that did not find it fails (the options a create needs
        are not in a read) or plans a create (a view with no ARN)."""
        view = result.get(self.RESULT_KEY)
        return not result.get('failed') and isinstance(view, dict) and bool(view.get('arn'))

    def _show(self, name, status, elapsed, timeout):
        display.display('%s %s: %s (%s of %s)' % (self.MODULE, name, status, duration(elapsed), duration(timeout)))

    def _with_progress(self, task_vars, args, name, timeout):
        start = CLOCK()
        first = self._module(dict(args, wait=False), task_vars)
        if first.get('failed'):
            return first
        status = self._status(first)
        read = dict((key, args[key]) for key in self.NAME_OPTIONS + CONNECTION if key in args)
        read.update(state='present', wait=False)
        every = interval()
        waited = False
        made = first.get('changed') and isinstance(first.get('diff'), dict) and not first['diff'].get('before')
        while status and status not in self.SETTLED + self.STOPS:
            elapsed = CLOCK() - start
            self._show(name, status, elapsed, timeout)
            if elapsed >= timeout:
                break
            SLEEP(min(every, timeout - elapsed))
            waited = True
            now = self._module(read, task_vars, check_mode=True)
            if made and not self._found(now) and CLOCK() - start < UNSEEN_SECONDS:
                continue  # just made, not in AWS's reads yet: the status the create answered holds
            if now.get('failed'):
                status = None  # unknown: the last run reports it as the module does
                break
            status = self._status(now)
            made = False
        if waited and status:
            self._show(name, status, CLOCK() - start, timeout)
        left = max(1, int(math.ceil(timeout - (CLOCK() - start))))
        final = self._module(dict(args, wait_timeout=left), task_vars)
        if first.get('changed'):
            final['changed'] = True
            if isinstance(first.get('diff'), dict) and isinstance(final.get('diff'), dict):
                final['diff'] = dict(final['diff'], before=first['diff'].get('before'))
        warnings = list(final.get('warnings') or [])
        # The first run's warnings, when it changed something (what it did is not done again). One that changed nothing
        # ran the same task, so the last run warns again of what still holds; what the first said of a resource it found
        # still being made (nothing sent with wait: false) the last run, which waited, has settled.
        for warning in first.get('warnings') or [] if first.get('changed') else []:
            if warning not in warnings:
                warnings.append(warning)
        if warnings:
            final['warnings'] = warnings
        return final
