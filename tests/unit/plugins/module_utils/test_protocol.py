"""The resource protocol (docs/architecture.md; module_utils/runner.py), walked over every row of the resource table:
each resource file offers the protocol's functions with its signatures and no raw-client API beside them, waits only
through the waiter layer, and its module is its documentation, its argument spec and one call of the runner."""
import ast
import inspect
import importlib
import os

import pytest

from ansible_collections.seed.laravel_aws.plugins.module_utils import resources

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
PACKAGE = 'ansible_collections.seed.laravel_aws.plugins'
# The names a raw botocore client goes by in the code: a public function that takes one is a second API beside the
# protocol (private helpers, _name, may take one: they are the resource file's own business).
CLIENT_NAMES = {'client', 'ec2', 'elb', 'elbv2', 'acm', 'rds', 'elasticache', 's3'}
# Issue 33 ported the first-generation files one by one; every row is on the protocol now, and a row that is not (a
# file being ported) is named here until it is (test_the_set_of_files_still_to_port_only_names_rows_that_fail).
NOT_YET = set()
PORTED = [r for r in resources.TABLE if r.name not in NOT_YET]


def resource_file(row):
    return importlib.import_module('%s.module_utils.%s' % (PACKAGE, row.file))


def params(func):
    return list(inspect.signature(func).parameters.values())


def keyword_only(func):
    """(first parameter's name, {keyword-only name: default}); AssertionError for any other kind of parameter."""
    first, rest = params(func)[0], params(func)[1:]
    assert first.kind == first.POSITIONAL_OR_KEYWORD and all(p.kind == p.KEYWORD_ONLY for p in rest), (func, params(func))
    return first.name, dict((p.name, p.default) for p in rest)


def problems(row, res=None, module_path=None):
    """What keeps ``row`` off the protocol, one sentence each (``res``, ``module_path``: its resource file and module,
    else the collection's)."""
    found = []
    try:
        res = res or resource_file(row)
    except ImportError as exc:
        return ['resource file: %s' % exc]
    if getattr(res, 'NAME', None) != row.name:
        found.append('NAME is %r, not the row %r' % (getattr(res, 'NAME', None), row.name))
    key = getattr(res, 'KEY', None)
    if not isinstance(key, tuple) or not all(isinstance(k, str) for k in key):
        found.append('KEY is no tuple of names: %r' % (key,))
        key = ()
    shapes = {'find': ('ctx', set(key)), 'ensure': ('ctx', {'desired', 'existing'}), 'delete': ('ctx', {'existing', 'desired'})}
    if hasattr(res, 'resolve'):
        shapes['resolve'] = ('ctx', {'desired'})
    for name, (first, names) in sorted(shapes.items()):
        func = getattr(res, name, None)
        try:
            got = keyword_only(func) if func else (None, {})
        except AssertionError as exc:
            found.append('%s: not ctx and keyword-only parameters: %s' % (name, exc))
            continue
        if got[0] != first or set(got[1]) != names:
            shape = (name, got[0], ', '.join(sorted(got[1])), name, first, ', '.join(sorted(names)))
            found.append('%s(%s, *, %s) is not %s(%s, *, %s)' % shape)
    if hasattr(res, 'ensure') and keyword_only(res.ensure)[1].get('existing', 1) is not None:
        found.append('ensure: existing has no default None')
    if not callable(getattr(res, 'validate', None)) or [p.name for p in params(res.validate)][:1] != ['p']:
        found.append('validate(p) missing')
    if not callable(getattr(res, 'describe', None)) or params(res.describe)[0].name != 'raw':
        found.append('describe(raw, ...) missing')
    for name, func in inspect.getmembers(res, inspect.isfunction):
        if func.__module__ != res.__name__ or name.startswith('_'):
            continue
        takes = CLIENT_NAMES & set(p.name for p in params(func))
        if takes:
            found.append('%s takes a raw client (%s): a second API beside the protocol' % (name, ', '.join(sorted(takes))))
    source = inspect.getsource(res)
    for word in ('time.sleep', 'time.monotonic', 'time.time()'):
        if word in source:
            found.append('%s: a wait of its own, not through the waiter layer (waiters.py)' % word)
    lines = source.splitlines()
    for i, line in enumerate(lines):  # AWS's waiters (aws_wait) where they exist; a poll of its own says why none fits
        if 'wait_for(' in line and not line.lstrip().startswith(('def ', '#', 'from ')):
            start = max([j for j in range(i + 1) if lines[j].startswith('def ')] or [0])  # its function, docstring included
            if not any('waiter' in before.lower() for before in lines[start:i + 1]):
                found.append('line %d: a wait of its own (wait_for) that does not say why no AWS waiter fits' % (i + 1))
    found.extend(module_problems(row, module_path or os.path.join(ROOT, 'plugins', 'modules', row.module + '.py')))
    return found


def module_problems(row, path):
    with open(path) as f:
        tree = ast.parse(f.read())
    found = []
    funcs = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    if funcs != ['main']:
        found.append('module %s defines %s; a resource module defines main() only' % (row.module, funcs))
    main = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == 'main']
    body = main[0].body if main else []
    call = body[0].value if len(body) == 1 and isinstance(body[0], ast.Expr) else None
    if not (isinstance(call, ast.Call) and getattr(call.func, 'id', None) == 'run_module'
            and [getattr(a, 'id', None) for a in call.args] == [row.file, 'ARGUMENT_SPEC']):
        found.append('module %s: main() is not run_module(%s, ARGUMENT_SPEC)' % (row.module, row.file))
    return found


@pytest.mark.parametrize('row', PORTED, ids=lambda r: r.name)
def test_a_ported_resource_is_on_the_protocol(row):
    assert problems(row) == []


def test_the_set_of_files_still_to_port_only_names_rows_that_fail():
    assert NOT_YET <= set(resources.ROWS)
    done = sorted(name for name in NOT_YET if not problems(resources.ROWS[name]))
    assert done == [], 'on the protocol now: take them out of NOT_YET'


def test_no_two_modules_repeat_the_run_skeleton():
    """No module of the collection defines run(m) beside main(): resource modules call the runner, the others
    (network, preflight, stack_info) their own module_utils."""
    folder = os.path.join(ROOT, 'plugins', 'modules')
    runs = []
    for name in sorted(os.listdir(folder)):
        if name.endswith('.py') and name[:-3] in [r.module for r in PORTED]:
            with open(os.path.join(folder, name)) as f:
                tree = ast.parse(f.read())
            runs += [name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == 'run']
    assert runs == []


def test_the_walk_finds_what_is_off_the_protocol(tmp_path):
    """The walk itself: a resource file with a raw-client helper, a sleep of its own and finds and deletes of other
    shapes, and a module with its own run(), are each named."""
    import importlib.util
    utils = tmp_path / 'bad_utils.py'
    utils.write_text(
        "import time\nNAME = 'bad'\nKEY = ('name',)\n"
        "def validate(p):\n    return p\n"
        "def describe(raw):\n    return raw\n"
        "def find_bad(ec2, name):\n    return ec2.describe_bad(Name=name)\n"
        "def find(ctx, name):\n    time.sleep(1)\n"
        "def _poll(ctx):\n    return wait_for(lambda: 1, bool, 'it')\n"
        "def ensure(ctx, *, desired, existing=None):\n    pass\n"
        "def delete(ctx, *, existing):\n    pass\n")
    module = tmp_path / 'bad.py'
    module.write_text("def run(m):\n    pass\n\n\ndef main():\n    run(None)\n")
    spec = importlib.util.spec_from_file_location('bad_utils', str(utils))
    res = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(res)
    found = ' | '.join(problems(resources.Row('bad', 'ec2', ()), res, str(module)))
    for words in ('find: not ctx and keyword-only', 'delete(ctx, *, existing) is not', 'find_bad takes a raw client (ec2)',
                  'time.sleep', 'a wait of its own (wait_for)', "defines ['run', 'main']", 'main() is not run_module(bad, ARGUMENT_SPEC)'):
        assert words in found, (words, found)
    assert problems(resources.ROWS['db_subnet_group']) == []
