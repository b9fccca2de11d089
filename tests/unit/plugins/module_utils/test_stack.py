"""The stack contract: one stack-name rule in network, instance, key_pair and the inventory plugin."""
import pytest

from ansible.errors import AnsibleParserError

from ansible_collections.seed.laravel_aws.plugins.inventory.ec2 import InventoryModule
from ansible_collections.seed.laravel_aws.plugins.module_utils import stack
from ansible_collections.seed.laravel_aws.plugins.modules import instance, key_pair, network

from ...conftest import mutating

NAMES = [('demo', True), ('UPPER', True), ('a' * 39, True), ('web-2', True), ('9lives', True),
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
