"""The stack contract: one stack-name rule in network, instance, key_pair and the inventory plugin."""
import pytest

from ansible.errors import AnsibleParserError

from ansible_collections.seed.laravel_aws.plugins.inventory.ec2 import InventoryModule
from ansible_collections.seed.laravel_aws.plugins.module_utils import stack
from ansible_collections.seed.laravel_aws.plugins.modules import instance, key_pair, network

from ...conftest import mutating

# Upper case is refused: AWS folds RDS and ElastiCache identifiers to lower case, so Demo and demo would share a
# database. '_' is refused: the inventory writes a dash as '_' in the stack's group, so demo-2 and demo_2 would share
# a group. A digit first, a dash last or two dashes in a row make RDS identifiers (<stack>-db) AWS refuses.
NAMES = [('demo', True), ('a' * 39, True), ('web-2', True), ('a1-b2-c3', True),
         ('UPPER', False), ('Demo', False), ('9lives', False), ('demo-', False), ('de--mo', False),
         ('a' * 40, False), ('has_underscore', False), ('-lead', False), ('', False), ('demo*', False), ('two words', False)]


def module_verdict(run_module, main, args, field):
    out = run_module(main, args, check_mode=True)
    if out.get('failed'):
        assert out['field'] == field, out
        assert 'not a usable stack name' in out['msg']
        return False
    return True


def inventory_verdict(name):
    plugin = InventoryModule()
    options = {'regions': ['us-east-1'], 'stack': name, 'role_tag': 'Role', 'hostnames': ['tag:Name'], 'filters': {}}
    plugin.get_option = options.get
    try:
        plugin._validate()
    except AnsibleParserError as exc:
        assert 'stack: ' in str(exc) and 'not a usable stack name' in str(exc)
        return False
    return True


@pytest.mark.parametrize('name,valid', NAMES)
def test_the_same_names_get_the_same_verdict_everywhere(aws, run_module, calls, name, valid):
    verdicts = {
        'network': module_verdict(run_module, network.main, {'name': name, 'state': 'absent'}, 'name'),
        'instance': module_verdict(run_module, instance.main, {'stack': name, 'state': 'absent'}, 'stack'),
        'key_pair': module_verdict(run_module, key_pair.main, {'name': 'k', 'stack': name, 'state': 'absent'}, 'stack'),
        'inventory': inventory_verdict(name),
        'stack contract': stack.stack_name_problem(name) is None,
    }
    assert verdicts == dict((k, valid) for k in verdicts)
    assert mutating(calls) == []


def test_every_name_the_network_builds_from_a_valid_stack_is_valid():
    longest = 'a' * stack.STACK_MAX
    from ansible_collections.seed.laravel_aws.plugins.module_utils.security_group import validate_group_name
    assert validate_group_name(stack.resource_name(longest, 'web'), 'name')
    assert len(stack.resource_name(longest, 'private-ap-southeast-1a')) <= 255


def test_the_instance_view_is_the_inventory_facts_renamed():
    raw = {'InstanceId': 'i-1', 'State': {'Name': 'running'}, 'PrivateIpAddress': '10.0.0.5',
           'Tags': [{'Key': 'Name', 'Value': 'demo-web-2'}, {'Key': 'Role', 'Value': 'web'}, {'Key': 'Index', 'Value': '2'}],
           'SecurityGroups': [{'GroupId': 'sg-2'}, {'GroupId': 'sg-1'}]}
    facts = stack.instance_facts(raw)
    view = stack.instance_view(raw)
    assert (view['id'], view['private_ip'], view['tags']) == (facts['instance_id'], facts['private_ip_address'], facts['ec2_tags'])
    assert (view['name'], view['role'], view['index'], view['security_group_ids']) == ('demo-web-2', 'web', 2, ['sg-1', 'sg-2'])


def test_no_two_usable_stack_names_share_a_group_or_a_case_folded_name():
    names = ['demo', 'demo-2', 'demo2', 'demo-2-a', 'demo-2a', 'd-e-m-o', 'dem-o']
    usable = [n for n in names if stack.stack_name_problem(n) is None]
    assert usable == names
    assert len(set(stack.stack_group(n) for n in usable)) == len(usable)
    assert len(set(n.lower() for n in usable)) == len(usable)
    assert stack.stack_group('demo-2') == 'stack_demo_2'


@pytest.mark.parametrize('tags,refused', [({'Stack': 'demo'}, False), ({'Stack': 'Demo'}, True), ({'Stack': 'demo-2'}, True),
                                          ({}, True), (None, True)])
def test_a_resource_found_by_name_is_acted_on_only_when_tagged_with_the_stack(tags, refused):
    problem = stack.owner_problem('demo', tags, 'RDS instance', 'demo-db')
    assert (problem is not None) == refused
    if refused:
        assert 'demo-db' in problem and "'demo'" in problem and 'nothing was changed' in problem
        with pytest.raises(stack.NotOwned) as err:
            stack.check_owner('demo', tags, 'RDS instance', 'demo-db')
        assert err.value.field == 'stack'
    assert stack.owner_problem(None, tags, 'RDS instance', 'demo-db') is None
