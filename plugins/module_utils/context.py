# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The context every resource function takes, and the values it hands around.

:class:`Context` carries the client, check mode, tag purging, the wait settings and the
plan (:class:`Plan`, the change log). Check mode is decided here and nowhere else: a
resource function sends every mutating call through :meth:`Context.call`, which sends it,
or in check mode records it and answers ``None``.

An id that does not exist yet (what check mode would create) is a :class:`Pending`, never
a string that looks like an id: it cannot be mistaken for one, and it is ``None`` in what a
module returns.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class Pending:
    """The id of a resource check mode would create: ``Pending('internet_gateway', 'demo-igw')``."""

    __slots__ = ('kind', 'name')

    def __init__(self, kind, name):
        self.kind = kind
        self.name = name

    def __eq__(self, other):
        return isinstance(other, Pending) and (self.kind, self.name) == (other.kind, other.name)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((self.kind, self.name))

    def __repr__(self):
        return 'Pending(%r, %r)' % (self.kind, self.name)


def real_id(value):
    """``value``, or None for a :class:`Pending` id (what a module returns for what does not exist yet)."""
    return None if isinstance(value, Pending) else value


def public(value):
    """``value`` with every :class:`Pending` id replaced by None, for a module's result."""
    if isinstance(value, Pending):
        return None
    if isinstance(value, dict):
        return dict((k, public(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [public(v) for v in value]
    return value


def is_id(value):
    """True for an id that exists (a string), False for None and for a :class:`Pending`."""
    return bool(value) and not isinstance(value, Pending)


class Change:
    """What one ensure or delete did (or would do): action (create, update, delete, none), before, after, id."""

    __slots__ = ('action', 'before', 'after', 'id', 'notes', 'pending')

    def __init__(self, action, before, after, rid=None):
        self.action = action
        self.before = before
        self.after = after
        self.id = rid
        self.notes = []  # what could not be done in place, one sentence each
        self.pending = False  # a state the caller waits for

    @property
    def changed(self):
        return self.action != 'none'

    @classmethod
    def of(cls, changed, before, after, rid=None):
        """The record of a change: create when nothing was before, delete when nothing is after."""
        if not changed:
            action = 'none'
        else:
            action = 'create' if before is None else ('delete' if after is None else 'update')
        if rid is None:
            view = after or before or {}
            rid = view.get('id') or view.get('allocation_id')
        return cls(action, before, after, rid)


class Plan:
    """Every change a run made (or would make, in check mode): the result's changes and diff."""

    def __init__(self):
        self.changes = []
        self.before = {}
        self.after = {}

    def record(self, resource, name, change):
        if not change.changed:
            return change
        self.changes.append({'action': change.action, 'resource': resource, 'name': name, 'id': real_id(change.id)})
        key = '%s/%s' % (resource, name)
        if change.before is not None:
            self.before[key] = change.before
        if change.after is not None:
            self.after[key] = change.after
        return change

    @property
    def changed(self):
        return bool(self.changes)

    def diff(self):
        return {'before': self.before, 'after': self.after}


class Context:
    """The client, the run's settings and its plan, for every resource function."""

    def __init__(self, client, check_mode=False, purge_tags=True, wait=True, wait_timeout=600, warn=None, clients=None):
        self.client = client
        self.clients = clients  # service -> client, for another service's reads (aws())
        self.check_mode = bool(check_mode)
        self.purge_tags = purge_tags
        self.wait = wait
        self.wait_timeout = wait_timeout
        self.warn = warn or (lambda msg: None)
        self.plan = Plan()
        self.recorded = []  # the mutating calls check mode did not send: [(operation, kwargs)]
        self.made_ids = set()  # the ids this run's creates answered (ec2.note_made): calls naming them retry a NotFound
        # What a module of many resources (network) has read already, by kind ('addresses', 'subnets', 'tables' ...):
        # a resource's find picks from it instead of asking AWS again (known()).
        self.reads = {}

    def known(self, kind, read, keep=False):
        """The ``kind`` of resources the run has read already (:attr:`reads`), else ``read()``'s answer; ``keep``: kept
        as the run's ``kind`` (a find and the ensure after it judge from the same listing)."""
        if kind in self.reads:
            return self.reads[kind]
        found = read()
        if keep:
            self.reads[kind] = found
        return found

    @classmethod
    def of(cls, module, client, **settings):
        """The context of an AwsModule run: its check mode and warnings, the module's purge_tags/wait options."""
        p = module.params
        base = dict(purge_tags=p.get('purge_tags', True), wait=p.get('wait', True), wait_timeout=p.get('wait_timeout') or 600)
        base.update(settings)
        ctx = cls(client, check_mode=module.check_mode, warn=module.warn, **base)
        contexts = getattr(module, 'contexts', None)
        if contexts is not None:  # AwsModule.exit_json settles what the run made (ec2.settle_made)
            contexts.append(ctx)
        return ctx

    def aws(self, service):
        """The client of another ``service`` (``ctx.aws('ec2')`` for the subnets of an RDS subnet group)."""
        if self.clients is None:
            raise RuntimeError('this context has no clients but its own: give Context(..., clients=...)')
        return self.clients(service)

    def call(self, operation, service=None, **kwargs):
        """A mutating call: sent (its answer returned), or in check mode recorded (``None`` returned). ``service``: the
        call goes to that service's client (:meth:`aws`; a certificate's validation records in Route 53), else to
        :attr:`client`."""
        if self.check_mode:
            self.recorded.append((operation, kwargs))
            return None
        return getattr(self.client if service is None else self.aws(service), operation)(**kwargs)

    def live(self, func, *args, **kwargs):
        """``func(*args)`` only when calls are sent (a wait, a read that follows a create); else None."""
        return None if self.check_mode else func(*args, **kwargs)

    def create(self, kind, name, make, planned):
        """The Change of a create: ``make()`` makes the resource and returns (id, after view); in check
        mode nothing is made and the id is a :class:`Pending`, the view ``planned``."""
        if self.check_mode:
            return Change('create', None, planned, Pending(kind, name))
        rid, after = make()
        return Change('create', None, after, rid)
