"""A stack never touches another: every resource module can check the Stack tag of what it finds by name, and every
task of the collection's playbooks and roles that calls one gives it the stack. A new module, or a new task, that
forgets it fails here. (Each module's refusal itself, a resource of another stack or of none left untouched with no
mutating call, is walked in tests/unit/plugins/modules/test_ownership_walk_modules.py.)"""
import glob
import importlib
import os

import pytest
import yaml

from ansible.module_utils import basic

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(ROOT, 'plugins', 'modules', '*.py'))
                 if not p.endswith('__init__.py'))
NO_RESOURCE = {'preflight', 'stack_vars'}  # preflight reads only; stack_vars warns of renamed variables
# The option that names the stack: `stack`, but for network, whose name is the stack (every resource it makes or
# deletes is found by the Stack tag).
STACK_OPTION = dict((m, 'name' if m == 'network' else 'stack') for m in MODULES)


class Spec(Exception):
    pass


def argument_spec(name):
    module = importlib.import_module('ansible_collections.seed.laravel_aws.plugins.modules.%s' % name)

    def capture(self, argument_spec, **kwargs):
        raise Spec(argument_spec)
    original = basic.AnsibleModule.__init__
    basic.AnsibleModule.__init__ = capture
    try:
        module.main()
    except Spec as spec:
        return spec.args[0]
    finally:
        basic.AnsibleModule.__init__ = original
    raise AssertionError('%s built no AnsibleModule' % name)


@pytest.mark.parametrize('name', [m for m in MODULES if m not in NO_RESOURCE])
def test_every_resource_module_takes_the_stack(name):
    spec = argument_spec(name)
    assert STACK_OPTION[name] in spec, '%s has no %s option: it cannot check the Stack tag of what it finds' % (name, STACK_OPTION[name])
    assert spec[STACK_OPTION[name]].get('type', 'str') == 'str'


def tasks_of(node):
    """Every task (a mapping with a module key) in a play list, task list, block, rescue or always."""
    if isinstance(node, list):
        for item in node:
            yield from tasks_of(item)
    elif isinstance(node, dict):
        for key in ('tasks', 'pre_tasks', 'post_tasks', 'handlers', 'block', 'rescue', 'always'):
            if key in node:
                yield from tasks_of(node[key])
        yield node


def calls():
    files = glob.glob(os.path.join(ROOT, 'playbooks', '*.yml')) + glob.glob(os.path.join(ROOT, 'roles', '*', 'tasks', '*.yml'))
    for path in sorted(files):
        with open(path) as f:
            doc = yaml.safe_load(f)
        for task in tasks_of(doc):
            for key, args in task.items():
                if key.startswith('seed.laravel_aws.') and key.split('.')[-1] in MODULES:
                    yield os.path.relpath(path, ROOT), task.get('name', '?'), key.split('.')[-1], args or {}


CALLS = list(calls())


def user_zone_reads():
    """(path, task name) of the lookups of the domain's hosted zone, which may be the user's own (a zone the user
    brought carries no Stack tag, so a lookup naming the stack would refuse it): allowed without the stack only as
    reads, check_mode: true, with nothing to create or delete. Every change in such a zone names the stack (the
    records, route53_record's stack), and the stack's own zone is made and deleted by tasks that name it."""
    out = set()
    files = glob.glob(os.path.join(ROOT, 'playbooks', '*.yml')) + glob.glob(os.path.join(ROOT, 'roles', '*', 'tasks', '*.yml'))
    for path in sorted(files):
        with open(path) as f:
            doc = yaml.safe_load(f)
        for task in tasks_of(doc):
            args = task.get('seed.laravel_aws.route53_zone')
            if args is not None and 'stack' not in args and task.get('check_mode') is True:
                out.add((os.path.relpath(path, ROOT), task.get('name', '?')))
    return out


USER_ZONE_READS = user_zone_reads()


def test_a_zone_is_read_without_the_stack_only_in_check_mode():
    """The exemption above is for reads alone: none of them deletes, and each is a check-mode task."""
    assert USER_ZONE_READS, 'the walk found no lookup of the domain\'s zone: it proves nothing'
    for path, name, module, args in CALLS:
        if (path, name) in USER_ZONE_READS:
            assert args.get('state', 'present') == 'present', (path, name)


def test_the_walk_finds_the_deletes():
    """The walk itself: it must see teardown's deletes and the deploys' deregistrations, or it proves nothing."""
    seen = set((path, module) for path, _n, module, args in CALLS if args.get('state') == 'absent')
    teardown = ('load_balancer', 'certificate', 'rds_instance', 'db_subnet_group', 'cache_cluster', 'cache_subnet_group', 'instance',
                'key_pair', 'network')
    wanted = [('roles/stack/tasks/teardown.yml', m) for m in teardown]
    wanted += [('playbooks/provision.yml', 'target'), ('roles/stack/tasks/lb_out.yml', 'target')]  # lb_out: deploy's and rollback's
    for item in wanted:
        assert item in seen, item


OWNED_CALLS = [c for c in CALLS if c[2] not in NO_RESOURCE and (c[0], c[1]) not in USER_ZONE_READS]


@pytest.mark.parametrize('path,task,module,args', OWNED_CALLS, ids=['%s: %s' % (c[0], c[1]) for c in OWNED_CALLS])
def test_every_call_of_a_resource_module_names_the_stack(path, task, module, args):
    option = STACK_OPTION[module]
    assert str(args.get(option, '')).replace(' ', '') == '{{stack_name}}', \
        '%s, task %r: seed.laravel_aws.%s without %s: "{{ stack_name }}" could act on another stack\'s resource' % (path, task, module, option)
