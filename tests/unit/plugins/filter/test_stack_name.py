"""The stack_name filter: the playbooks name a stack's resources by the rule the modules and the inventory apply, and
spell it nowhere themselves."""
import glob
import os
import re

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.seed.laravel_aws.plugins.filter.stack import FilterModule, stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils import stack

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


@pytest.mark.parametrize('what, name', [('web', 'demo'), ('alb', 'demo-2'), ('cache', 'a'), ('db', 'x' * stack.STACK_MAX)])
def test_the_name_is_the_module_utils_rule(what, name):
    assert stack_name(what, name) == stack.resource_name(name, what) == '%s-%s' % (name, what)


@pytest.mark.parametrize('name', ['', 'Demo', 'demo_2', '-demo', 'demo-', 'x' * (stack.STACK_MAX + 1), None])
def test_a_stack_name_the_rule_refuses_fails_naming_the_setting_and_the_fix(name):
    with pytest.raises(AnsibleFilterError) as exc:
        stack_name('web', name)
    text = str(exc.value)
    assert text.startswith('stack_name: ') and 'not a usable stack name' in text and '-e stack_name=' in text


@pytest.mark.parametrize('what', ['', '  ', None])
def test_an_empty_resource_part_is_a_mistake_in_the_playbook(what):
    with pytest.raises(AnsibleFilterError, match='empty'):
        stack_name(what, 'demo')


def test_the_filter_is_registered():
    assert FilterModule().filters()['stack_name'] is stack_name


def test_no_playbook_or_role_spells_the_naming_rule_itself():
    """'{{ stack_name }}-web' in YAML is the rule spelled again: it must go through the filter."""
    files = glob.glob(os.path.join(ROOT, 'playbooks', '**', '*.yml'), recursive=True)
    files += glob.glob(os.path.join(ROOT, 'roles', '*', '*', '*.yml'))
    spelled = []
    for path in files:
        with open(path) as f:
            for number, line in enumerate(f, 1):
                if re.search(r'\{\{\s*stack_name\s*\}\}-|stack_name\s*~\s*[\'"]-', line):
                    spelled.append('%s:%d: %s' % (os.path.relpath(path, ROOT), number, line.strip()))
    assert spelled == [], '\n'.join(spelled)
