"""The AWS modules' module_defaults are written once, in the stack role's defaults (stack_aws_module_defaults), and every
play that calls one takes them from there. Run for real: ansible-core takes a template as the value of a group's
module_defaults (2.17 to 2.20), and a module of the group gets the endpoint the play's variables name."""
import glob
import json
import os
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
GROUP = 'group/seed.laravel_aws.aws'


def plays():
    for path in sorted(glob.glob(os.path.join(ROOT, 'playbooks', '*.yml'))):
        with open(path) as f:
            for play in yaml.safe_load(f):
                if 'hosts' in play:
                    yield os.path.basename(path), play


@pytest.mark.parametrize('playbook, play', [p for p in plays() if 'module_defaults' in p[1]],
                         ids=['%s: %s' % (p[0], p[1]['name']) for p in plays() if 'module_defaults' in p[1]])
def test_every_play_takes_the_aws_defaults_from_the_stack_role(playbook, play):
    assert play['module_defaults'] == {GROUP: '{{ stack_aws_module_defaults }}'}, playbook
    assert 'seed.laravel_aws.stack' in play.get('roles', []), '%s: the stack role brings stack_aws_module_defaults' % playbook


def run(tmp_path, tasks, *args):
    path = tmp_path / 'play.yml'
    path.write_text(json.dumps([{'name': 'AWS', 'hosts': 'localhost', 'gather_facts': False, 'roles': ['seed.laravel_aws.stack'],
                                 'module_defaults': {GROUP: '{{ stack_aws_module_defaults }}'}, 'tasks': tasks}]))
    env = dict(os.environ)
    for name in [n for n in env if n.startswith('AWS_')]:
        env.pop(name)
    env.update({'ANSIBLE_CONFIG': os.path.join(ROOT, 'ansible.cfg'), 'ANSIBLE_COLLECTIONS_PATH': os.path.join(ROOT, '.collections'),
                'ANSIBLE_LOCALHOST_WARNING': 'false', 'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false', 'ANSIBLE_NOCOLOR': '1',
                'ANSIBLE_HOME': str(tmp_path / 'home'), 'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'tmp'), 'ANSIBLE_STDOUT_CALLBACK': 'default',
                'ANSIBLE_PYTHON_INTERPRETER': sys.executable, 'PATH': BIN + os.pathsep + env.get('PATH', ''),
                'AWS_ACCESS_KEY_ID': 'testing', 'AWS_SECRET_ACCESS_KEY': 'testing', 'AWS_MAX_ATTEMPTS': '1'})
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', str(path),
                           '-e', 'stack_name=demo', '-e', 'stack_region=eu-west-3'] + list(args),
                          cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False)
    proc.output = ' '.join((proc.stdout + proc.stderr).split())
    return proc


def test_the_defaults_hold_the_region_and_only_the_endpoint_and_profile_that_are_set(tmp_path):
    show = [{'name': 'Show', 'ansible.builtin.debug': {'msg': 'DEFAULTS={{ stack_aws_module_defaults | to_json }}'}}]
    proc = run(tmp_path, show)
    assert proc.returncode == 0 and 'DEFAULTS={"region": "eu-west-3"}' in proc.output, proc.output[-2000:]
    proc = run(tmp_path, show, '-e', 'stack_aws_endpoint_url=http://127.0.0.1:9', '-e', 'stack_aws_profile=ops')
    assert 'DEFAULTS={"region": "eu-west-3", "endpoint_url": "http://127.0.0.1:9", "profile": "ops"}' in proc.output, proc.output[-2000:]


def test_a_module_of_the_group_gets_them(tmp_path):
    # nothing listens on port 9: the error names the endpoint the module was given by module_defaults alone
    target = {'stack': 'demo', 'target_group': 'demo-web', 'targets': ['i-0123456789abcdef0'], 'wait': False}
    call = [{'name': 'Call', 'seed.laravel_aws.target': target}]
    proc = run(tmp_path, call, '-e', 'stack_aws_endpoint_url=http://127.0.0.1:9')
    assert proc.returncode != 0 and 'http://127.0.0.1:9/' in proc.output, proc.output[-2000:]
