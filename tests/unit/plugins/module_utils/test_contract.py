"""The resource contract: every resource file of module_utils offers find, ensure and delete with one
keyword-only shape, over one Context that decides check mode; a new id in check mode is a Pending."""
import importlib
import inspect
import os
import re

import pytest

from ansible_collections.seed.laravel_aws.plugins.module_utils import context, resources

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
UTILS = os.path.join(ROOT, 'plugins', 'module_utils')
RESOURCES = tuple(row.file for row in resources.TABLE)  # the resource table's files


def resource_files():
    """The module_utils files that define an ensure(): each is a resource file."""
    names = []
    for name in sorted(os.listdir(UTILS)):
        if name.endswith('.py') and re.search(r'^def ensure\(', open(os.path.join(UTILS, name)).read(), re.M):
            names.append(name[:-3])
    return names


def test_every_resource_has_a_resource_file():
    assert sorted(resource_files()) == sorted(RESOURCES)


@pytest.mark.parametrize('name', RESOURCES)
def test_find_ensure_delete_have_one_keyword_only_shape(name):
    module = importlib.import_module('ansible_collections.seed.laravel_aws.plugins.module_utils.%s' % name)
    for func in ('find', 'ensure', 'delete'):
        params = list(inspect.signature(getattr(module, func)).parameters.values())
        assert params[0].name == 'ctx' and params[0].kind == params[0].POSITIONAL_OR_KEYWORD, (name, func)
        rest = params[1:]
        assert rest and all(p.kind == p.KEYWORD_ONLY for p in rest), (name, func, [str(p) for p in rest])
    ensure = inspect.signature(module.ensure).parameters
    assert ensure['desired'].default is inspect.Parameter.empty
    assert ensure['existing'].default is None
    assert 'existing' in inspect.signature(module.delete).parameters or name == 'instance'


def test_check_mode_records_and_sends_nothing():
    sent = []

    class Client:
        def __getattr__(self, operation):
            return lambda **kwargs: sent.append(operation) or {'ok': True}
    checked = context.Context(Client(), check_mode=True)
    assert checked.call('delete_vpc', VpcId='vpc-1') is None
    assert checked.recorded == [('delete_vpc', {'VpcId': 'vpc-1'})] and sent == []
    change = checked.create('vpc', 'demo-vpc', lambda: ('vpc-1', {}), {'id': None})
    assert change.action == 'create' and change.id == context.Pending('vpc', 'demo-vpc') and sent == []
    live = context.Context(Client(), check_mode=False)
    assert live.call('delete_vpc', VpcId='vpc-1') == {'ok': True} and sent == ['delete_vpc']
    assert live.create('vpc', 'demo-vpc', lambda: ('vpc-1', {'id': 'vpc-1'}), {'id': None}).id == 'vpc-1'


def test_a_pending_id_is_no_string_and_never_leaves_a_module():
    pending = context.Pending('internet_gateway', 'demo-igw')
    assert not isinstance(pending, str) and not context.is_id(pending) and context.is_id('igw-1')
    assert context.public({'routes': [{'target': pending}], 'id': 'rtb-1'}) == {'routes': [{'target': None}], 'id': 'rtb-1'}


def test_no_placeholder_ids_and_few_check_mode_branches():
    text = ''
    for folder, dummy, files in os.walk(os.path.join(ROOT, 'plugins')):
        text += ''.join(open(os.path.join(folder, f)).read() for f in files if f.endswith('.py'))
    assert '(new:' not in text
    branches = re.findall(r'^\s*(?:if|elif)\b.*\bcheck(?:_mode)?\b|\bif (?:not )?[\w.]*check(?:_mode)?\b', text, re.M)
    assert len(branches) <= 10, branches
