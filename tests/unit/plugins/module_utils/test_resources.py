"""The resource table (module_utils/resources.py) against what is derived from it or written beside it: the action
group of meta/runtime.yml, the IAM policy, the operations the code calls, the services clients are made for, and the
order of the stack's teardown."""
import json
import os
import re

import botocore
import pytest
import yaml
from botocore.loaders import create_loader

from ansible_collections.seed.laravel_aws.plugins.module_utils import botocore_data, network, resources

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
# Words of a resource file that name an operation of a service the row does not call: cache_cluster's create_tags()
# and load_balancer's _create_tags() build tag lists (EC2's CreateTags is an EC2 resource's call); Route 53's
# list_tags_for_resource is its own (hostedzone), not RDS's or ElastiCache's of the same name; an Auto Scaling group's
# delete_tags is Auto Scaling's DeleteTags, not EC2's.
NOT_CALLS = {'elbv2': {'create_tags'}, 'acm': {'create_tags'}, 'rds': {'create_tags'}, 'elasticache': {'create_tags'},
             'route53': {'list_tags_for_resource'}, 'autoscaling': {'delete_tags'}}


def read(*parts):
    with open(os.path.join(ROOT, *parts)) as f:
        return f.read()


def named_actions(texts, row_service):
    """The IAM actions of the operations ``texts`` name (botocore_data's scan of the code, per service)."""
    words, prefixes = botocore_data._words_of(texts)
    words -= NOT_CALLS.get(row_service, set())
    stock = create_loader()
    out = set()
    for service, prefix in resources.IAM_PREFIX.items():
        version = stock.determine_latest_version(service, 'service-2')
        index = dict((botocore.xform_name(op), op) for op in stock.load_data('%s/%s/service-2' % (service, version))['operations'])
        for op in botocore_data._matching(index, words, prefixes, service):
            out.update(resources.actions_of(service, op))
    return out


def test_every_row_has_its_module_and_resource_file():
    for row in resources.TABLE:
        assert os.path.isfile(os.path.join(ROOT, 'plugins', 'modules', row.module + '.py')), row
        assert os.path.isfile(os.path.join(ROOT, 'plugins', 'module_utils', row.file + '.py')), row
        assert row.service in resources.IAM_PREFIX, row
        assert all(resources.service_of_action(a) for a in row.actions), row


def test_the_action_group_is_the_table():
    runtime = yaml.safe_load(read('meta', 'runtime.yml'))
    assert runtime['action_groups']['aws'] == resources.action_group()
    modules = sorted(f[:-3] for f in os.listdir(os.path.join(ROOT, 'plugins', 'modules')) if f.endswith('.py') and f != '__init__.py')
    # stack_vars is an action plugin's module (plugins/action/stack_vars.py): it calls no AWS API and takes no connection option
    assert sorted(resources.action_group() + ['stack_vars']) == modules


def test_the_services_are_the_tables():
    assert sorted(botocore_data.LEAN_SERVICES + botocore_data.OTHER_SERVICES) == sorted(resources.services())


@pytest.mark.parametrize('service', sorted(resources.IAM_PREFIX))
def test_the_table_holds_exactly_the_operations_the_code_calls(service):
    if service not in resources.services():
        pytest.skip('%s: no module calls it yet' % service)
    prefix = resources.IAM_PREFIX[service]
    code = set(a for op in botocore_data.collection_operations(service) for a in resources.actions_of(service, op))
    table = set(a for a in resources.actions() if a.startswith(prefix + ':'))
    assert sorted(code - table) == [], 'called by the code, missing from the table'
    assert sorted(table - code) == [], 'in the table, called by no code'


@pytest.mark.parametrize('row', resources.TABLE, ids=lambda r: r.name)
def test_a_row_holds_every_call_of_its_resource_file_and_module(row):
    texts = [read('plugins', 'module_utils', row.file + '.py'), read('plugins', 'modules', row.module + '.py')]
    missing = sorted(named_actions(texts, row.service) - set(row.actions))
    assert missing == [], '%s calls actions its row does not list' % row.name


def test_the_policy_is_the_tables():
    with open(os.path.join(ROOT, 'docs', 'iam-policy.json')) as f:
        assert json.load(f) == resources.policy(), 'run: python scripts/resource_table.py'
    guide = read('docs', 'iam-policy.md')
    assert json.loads(re.findall(r'```json\n(.*?)```', guide, re.S)[0]) == resources.policy()


def test_the_teardown_deletes_in_the_tables_order():
    tasks = yaml.safe_load(read('roles', 'stack', 'tasks', 'teardown.yml'))
    used = []
    for task in tasks:
        for key in task:
            name = key.rsplit('.', 1)[-1]
            if key.startswith('seed.laravel_aws.') and name in resources.ROWS and name not in used:
                used.append(name)
    order = resources.teardown_order()
    assert used == [n for n in order if n in used]
    # the network module removes its rows in the table's order too (network.STEPS, reversed)
    composed = dict((name, rows) for name, rows, dummy in resources.OTHER_MODULES)['network']
    assert 'network' in [k.rsplit('.', 1)[-1] for task in tasks for k in task]
    rows_of_step = {'security groups': ['security_group'], 'route tables': ['route_table'],
                    'NAT gateways and their addresses': ['nat_gateway', 'elastic_ip'], 'internet gateway': ['internet_gateway'],
                    'subnets': ['subnet'], 'vpc': ['vpc']}
    removed = [r for name, dummy, dummy2 in reversed(network.STEPS) for r in rows_of_step[name]]
    assert sorted(removed) == sorted(composed)
    assert removed == [n for n in order if n in composed]
    # and nothing of the network before the resources that use it
    assert max(resources.ROWS[n].teardown for n in used) < min(resources.ROWS[n].teardown for n in composed)
