"""site.yml imports the preflight twice (through provision.yml, then deploy.yml): each phase is checked once per run, the
second import checks only what the first did not. Run for real on localhost with the app phase, which reads no AWS."""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
PREFLIGHT = os.path.join(ROOT, 'playbooks', 'preflight.yml')


def run(tmp_path, playbook, *args):
    path = tmp_path / 'site.yml'
    path.write_text(json.dumps(playbook))
    env = dict(os.environ)
    env.update({'ANSIBLE_CONFIG': os.path.join(ROOT, 'ansible.cfg'), 'ANSIBLE_COLLECTIONS_PATH': os.path.join(ROOT, '.collections'),
                'ANSIBLE_LOCALHOST_WARNING': 'false', 'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false', 'ANSIBLE_NOCOLOR': '1',
                'ANSIBLE_HOME': str(tmp_path / 'home'), 'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'tmp'), 'ANSIBLE_STDOUT_CALLBACK': 'default',
                'ANSIBLE_PYTHON_INTERPRETER': sys.executable, 'PATH': BIN + os.pathsep + env.get('PATH', '')})
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', str(path), '-e', 'stack_name=demo',
                           '-e', 'stack_app_repo=https://git.example.test/app.git', '-e', 'stack_db_password=s3cret-s3cret'] + list(args),
                          cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False)
    proc.output = proc.stdout + proc.stderr
    return proc


def results(output, task):
    """ok / skipping / failed of each run of the task, in order."""
    return re.findall(r'TASK \[%s\] \*+\n(ok|skipping|failed|fatal)' % re.escape(task), output)


def test_the_second_import_skips_what_the_first_checked(tmp_path):
    proc = run(tmp_path, [{'import_playbook': PREFLIGHT, 'vars': {'preflight_app': True}},
                          {'import_playbook': PREFLIGHT, 'vars': {'preflight_app': True}}])
    assert proc.returncode == 0, proc.output[-3000:]
    assert results(proc.output, 'Required settings') == ['ok', 'skipping'], proc.output[-3000:]
    assert 'stack demo: preflight passed (app)' in proc.output
    assert 'stack demo: preflight already passed in this run (app)' in proc.output


def test_a_phase_the_first_import_did_not_check_is_checked_by_the_second(tmp_path):
    # the second asks for the app again and for the hosts: the app is not checked twice, the hosts are (and fail: none here)
    proc = run(tmp_path, [{'import_playbook': PREFLIGHT, 'vars': {'preflight_app': True}},
                          {'import_playbook': PREFLIGHT, 'vars': {'preflight_app': True, 'preflight_hosts': True}}])
    assert proc.returncode != 0
    assert results(proc.output, 'Required settings') == ['ok', 'skipping'], proc.output[-3000:]
    assert "The stack's hosts in the inventory" in proc.output and 'No web and db hosts of stack demo' in proc.output


def test_alone_the_preflight_checks_what_it_is_asked(tmp_path):
    proc = run(tmp_path, [{'import_playbook': PREFLIGHT, 'vars': {'preflight_app': True}}], '-e', 'stack_app_repo=')
    assert proc.returncode != 0 and 'stack_app_repo: set it in' in proc.output, proc.output[-3000:]
