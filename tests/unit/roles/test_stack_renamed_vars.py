"""The stack role's variables carry its prefix since 0.2.0; their old names work, with a deprecation warning, until 0.3.0."""
import os
import re

import yaml

from .conftest import ROOT

STACK = os.path.join(ROOT, 'roles', 'stack')
RENAMED = yaml.safe_load(open(os.path.join(STACK, 'vars', 'main.yml')))['stack_renamed_vars']
DEFAULTS = yaml.safe_load(open(os.path.join(STACK, 'defaults', 'main.yml')))
OPTIONS = yaml.safe_load(open(os.path.join(STACK, 'meta', 'argument_specs.yml')))['argument_specs']['main']['options']


def show(*names):
    return [{'ansible.builtin.import_role': {'name': 'seed.laravel_aws.stack'}},
            {'ansible.builtin.debug': {'msg': 'VALUES=' + ' '.join('%s={{ %s }}' % (n, n) for n in names)}}]


def test_an_old_name_still_sets_the_new_one_with_a_deprecation_warning(play):
    proc = play(show('stack_web_count', 'stack_region', 'stack_vpc_cidr'),
                vars={'stack_name': 'demo', 'web_count': 5, 'aws_region': 'eu-west-1'})
    assert proc.returncode == 0, proc.output
    assert 'VALUES=stack_web_count=5 stack_region=eu-west-1 stack_vpc_cidr=10.20.0.0/16' in proc.output
    text = ' '.join(proc.output.split())  # ansible-core 2.17 folds warnings at 80 columns
    assert 'The variable web_count is now stack_web_count' in text and 'The variable aws_region is now stack_region' in text
    assert '0.3.0' in text


def test_no_old_name_no_warning_and_the_defaults(play):
    proc = play(show('stack_web_count', 'stack_db_tier'), vars={'stack_name': 'demo'})
    assert proc.returncode == 0, proc.output
    assert 'VALUES=stack_web_count=2 stack_db_tier=instance' in proc.output
    assert 'DEPRECATION' not in proc.output


def test_every_renamed_variable_is_an_option_of_the_role_and_every_option_is_prefixed():
    for old, new in RENAMED.items():
        assert new in OPTIONS, '%s -> %s: not an option of roles/stack/meta/argument_specs.yml' % (old, new)
        assert not old.startswith('stack_') and new.startswith('stack_')
    for name in list(DEFAULTS) + list(OPTIONS):
        assert name.startswith('stack_'), '%s: the stack role\'s variables carry its prefix' % name
        assert not name.startswith('ansible_'), '%s: a connection variable is the inventory\'s, not a role default' % name
    new_since_the_rename = {'stack_deploy_lock_host', 'stack_deploy_lock_file', 'stack_deploy_lock_holder',
                            'stack_aws_module_defaults', 'stack_app_scheduler', 'stack_app_url', 'stack_app_trusted_proxies',
                            'stack_alb_https', 'stack_alb_dns_name', 'stack_domain', 'stack_domain_zone', 'stack_domain_zone_create',
                            'stack_domain_www', 'stack_domain_names', 'stack_domain_certificate_requested',
                            'stack_domain_certificate_name', 'stack_domain_certificate_timeout',
                            'stack_web_tier', 'stack_asg_min_size', 'stack_asg_max_size', 'stack_asg_desired_capacity',
                            'stack_asg_health_check_grace_period', 'stack_asg_target_requests', 'stack_asg_instance_warmup',
                            'stack_asg_min_healthy_percentage', 'stack_web_image_revision', 'stack_artifact_bucket', 'stack_artifact_prefix',
                            'stack_artifact_local_dir'}  # never had an old name
    unnamed = set(DEFAULTS) - set(RENAMED.values()) - {'stack_name', 'stack_tags', 'stack_renamed_vars'} - new_since_the_rename
    assert not unnamed, 'defaults without their old name in vars/main.yml: %s' % sorted(unnamed)


def test_no_playbook_or_role_task_reads_an_old_name():
    # A variable in a Jinja expression or a when/that/loop condition; module options of the same name (network's
    # public_subnets, ...) are keys, not variables, and a filter's argument in quotes is a rule's name.
    old = re.compile(r'(?<![A-Za-z0-9_.\'"])(%s)(?![A-Za-z0-9_\'"])' % '|'.join(sorted(RENAMED, key=len, reverse=True)))
    jinja = re.compile(r'\{\{.*?\}\}|\{%.*?%\}', re.S)
    found = []
    folders = [os.path.join(ROOT, 'playbooks')] + [os.path.join(ROOT, 'roles', r, 'tasks') for r in os.listdir(os.path.join(ROOT, 'roles'))]
    for folder in folders:
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            path = os.path.join(folder, name)
            text = open(path).read()
            expressions = jinja.findall(text) + re.findall(r'^\s*(?:when|that|failed_when|changed_when|until):\s*(.+)$', text, re.M)
            for expression in expressions:
                for match in old.finditer(expression):
                    found.append('%s: %s in %s' % (os.path.relpath(path, ROOT), match.group(1), expression[:80]))
    assert not found, '\n'.join(found)
