# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one body of every resource module: params -> validate -> resolve -> find -> ensure or delete -> result.

A resource module is its documentation, its argument spec and one line::

    def main():
        run_module(db_subnet_group, ARGUMENT_SPEC)

The resource file (docs/architecture.md, "The resource protocol") offers:

- ``NAME``: its row of the resource table (resources.py: the service whose client ``ctx.client`` is);
- ``KEY``: the names of ``desired``'s values :func:`find` is called with (``('name', 'stack')``);
- ``validate(params)``: the desired resource from the module's options, checked before any call (ValidationError
  names the option); ``desired`` of ``state: absent`` holds what finding it needs;
- ``resolve(ctx, *, desired)`` (optional): names to ids, reads only (``ctx.aws('ec2')`` for another service);
  called for ``state: present`` only, unless ``RESOLVE_ABSENT`` is True: a resource inside another one the user names
  by id (a subnet in a VPC) checks that one even to delete, so nothing is deleted in another stack's VPC
  (``desired['state']`` then says which checks apply);
- ``find(ctx, *, <KEY>)``: the existing resource, or None;
- ``ensure(ctx, *, desired, existing)`` and ``delete(ctx, *, existing, desired)``: a context.Change each, every
  mutating call through ``ctx.call`` (check mode is decided there);
- ``RESULT`` (optional): the result's key for the resource, the row's name when left out; None: the view's own keys
  are the result's (``EMPTY`` when there is none);
- ``PLAN`` (optional, True): the result's ``changes`` are the run's records of each part (``ctx.plan``: a load
  balancer's target groups, listeners ...), whatever the state;
- ``MODULE_OPTIONS`` (optional): AnsibleModule's other keywords (mutually_exclusive, required_if ...);
- ``hidden(p)`` (optional): values of the options Ansible must never show (added to no_log_values before validate).

The runner returns ``changed`` from the Change (never hard-coded), the resource (``{}`` once deleted: ids of what
check mode would make are None), and the diff of before and after.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import AwsModule
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change, Context, public
from ansible_collections.seed.laravel_aws.plugins.module_utils.diff import make_diff
from ansible_collections.seed.laravel_aws.plugins.module_utils.resources import row


def run_module(resource, argument_spec):
    """The module of ``resource`` (its resource file) with ``argument_spec`` (aws.resource_spec's)."""
    m = AwsModule(argument_spec=argument_spec, **getattr(resource, 'MODULE_OPTIONS', {}))
    m.run(converge, resource)


def converge(m, resource):
    """One run: the module's result, through ``m.exit_json``."""
    if hasattr(resource, 'hidden'):
        m.module.no_log_values.update(resource.hidden(m.params))
    desired = resource.validate(m.params)
    ctx = Context.of(m, m.client(row(resource.NAME).service), clients=m.client)
    present = m.params.get('state', 'present') != 'absent'  # present, or another state to converge to (detached, stopped)
    if (present or getattr(resource, 'RESOLVE_ABSENT', False)) and hasattr(resource, 'resolve'):
        desired = resource.resolve(ctx, desired=desired)
    existing = resource.find(ctx, **dict((key, desired.get(key)) for key in resource.KEY))
    if present:
        change = resource.ensure(ctx, desired=desired, existing=existing)
    elif existing is None:
        change = Change('none', None, None)
    else:
        change = resource.delete(ctx, existing=existing, desired=desired)
    after = public(change.after)  # None once deleted (a target's deregistration leaves the group's view)
    key = getattr(resource, 'RESULT', resource.NAME)
    result = dict(after or getattr(resource, 'EMPTY', {})) if key is None else {key: after or {}}
    if getattr(resource, 'PLAN', False):
        result['changes'] = public(ctx.plan.changes)
    if change.notes:
        result['notes'] = list(change.notes)
    m.exit_json(changed=change.changed, diff=make_diff(change.before, after), **result)
