"""The deploy lock (roles/stack/tasks/deploy_lock.yml, deploy_unlock.yml) run for real by ansible-playbook on localhost:
a second deploy is refused naming the holder, -e force_unlock=true breaks a stale lock, a failed deploy releases it, a
check run takes none. And deploy.yml and rollback.yml hold it as these plays do: taken first, released at the end and
in the rescue of every play after it."""
import json
import os
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)

# The shape of deploy.yml: the lock first, the work in a block whose rescue releases it, a last play that releases it.
PLAYBOOK = [
    {'name': 'Build', 'hosts': 'localhost', 'gather_facts': False, 'roles': ['seed.laravel_aws.stack'],
     'tasks': [{'name': 'The deploy lock', 'ansible.builtin.import_role': {'name': 'seed.laravel_aws.stack', 'tasks_from': 'deploy_lock'},
                'vars': {'stack_deploy_lock_playbook': 'deploy'}},
               {'name': 'Work', 'block': [{'name': 'Maybe fail', 'ansible.builtin.fail': {'msg': 'the build broke'},
                                           'when': 'fail_now | default(false) | bool'},
                                          {'name': 'Another run breaks the lock and takes it',
                                           'ansible.builtin.copy': {'content': '{{ steal_with | to_json }}', 'dest': '{{ stack_deploy_lock_file }}'},
                                           'when': 'steal_with is defined'}],
                'rescue': [{'name': 'Unlock', 'ansible.builtin.import_role': {'name': 'seed.laravel_aws.stack', 'tasks_from': 'deploy_unlock'},
                            'vars': {'stack_deploy_failed': True}}]}]},
    {'name': 'Released', 'hosts': 'localhost', 'gather_facts': False, 'roles': ['seed.laravel_aws.stack'],
     'tasks': [{'name': 'Unlock', 'ansible.builtin.import_role': {'name': 'seed.laravel_aws.stack', 'tasks_from': 'deploy_unlock'},
                'when': 'not keep_lock | default(false) | bool'}]},
]


@pytest.fixture
def deploy(tmp_path):
    path = tmp_path / 'deploy.yml'
    path.write_text(json.dumps(PLAYBOOK))
    lock = tmp_path / 'lib' / 'app.deploy.lock'

    def run(*args):
        env = dict(os.environ)
        env.update({'ANSIBLE_CONFIG': os.path.join(ROOT, 'ansible.cfg'), 'ANSIBLE_COLLECTIONS_PATH': os.path.join(ROOT, '.collections'),
                    'ANSIBLE_LOCALHOST_WARNING': 'false', 'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false', 'ANSIBLE_NOCOLOR': '1',
                    'ANSIBLE_HOME': str(tmp_path / 'home'), 'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'tmp'),
                    'ANSIBLE_PYTHON_INTERPRETER': sys.executable, 'PATH': BIN + os.pathsep + env.get('PATH', '')})
        env.pop('ANSIBLE_STDOUT_CALLBACK', None)
        # become as the user the test runs as: su from root asks no password; otherwise, no become at all
        become = ['-e', 'ansible_become_method=su'] if os.geteuid() == 0 else ['-e', '{"ansible_become": false}']
        cmd = [os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', str(path), '-e', 'stack_name=demo',
               '-e', 'stack_deploy_lock_host=localhost', '-e', 'stack_deploy_lock_file=%s' % lock] + become + list(args)
        proc = subprocess.run(cmd, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False)
        proc.output = ' '.join((proc.stdout + proc.stderr).split())  # the messages, unwrapped
        return proc
    run.lock = lock
    return run


def held(deploy):
    return json.loads(deploy.lock.read_text())


def test_a_deploy_takes_the_lock_and_releases_it_at_the_end(deploy):
    first = deploy('-e', 'keep_lock=true', '-e', 'stack_deploy_lock_holder=alice@ci')
    assert first.returncode == 0, first.output[-3000:]
    lock = held(deploy)
    assert lock['holder'] == 'alice@ci' and lock['playbook'] == 'deploy' and lock['since'].endswith('Z') and lock['version'] == 'main'
    done = deploy('-e', 'force_unlock=true')
    assert done.returncode == 0 and not deploy.lock.exists(), done.output[-3000:]


def test_a_second_deploy_is_refused_naming_the_holder_and_leaves_the_lock_alone(deploy):
    assert deploy('-e', 'keep_lock=true', '-e', 'stack_deploy_lock_holder=alice@ci').returncode == 0
    before = deploy.lock.read_text()
    second = deploy('-e', 'stack_deploy_lock_holder=bob@laptop')
    assert second.returncode != 0
    assert 'Another deploy of stack demo holds the lock: alice@ci since %s (deploy, version main)' % held(deploy)['since'] in second.output
    assert '-e force_unlock=true' in second.output and 'Nothing was changed' in second.output
    assert deploy.lock.read_text() == before  # the refused run released nothing: the holder's lock is still there


def test_force_unlock_breaks_a_stale_lock_and_names_whose_it_was(deploy):
    assert deploy('-e', 'keep_lock=true', '-e', 'stack_deploy_lock_holder=alice@ci').returncode == 0
    broken = deploy('-e', 'force_unlock=true', '-e', 'keep_lock=true', '-e', 'stack_deploy_lock_holder=bob@laptop')
    assert broken.returncode == 0, broken.output[-3000:]
    assert 'force_unlock: broke the deploy lock of stack demo held by alice@ci' in broken.output
    assert held(deploy)['holder'] == 'bob@laptop'


def test_a_failed_deploy_releases_the_lock_and_still_fails_saying_what_failed(deploy):
    failed = deploy('-e', 'fail_now=true')
    assert failed.returncode != 0
    assert 'Maybe fail failed: the build broke. The deploy lock was released' in failed.output, failed.output[-3000:]
    assert not deploy.lock.exists()
    assert deploy().returncode == 0  # the next deploy is not refused


def test_a_release_leaves_a_lock_another_run_took_since(deploy):
    """Run A's lock broken by run B's force_unlock while A still runs: A's release must not free B's lock."""
    other = {'holder': 'carol@ci', 'since': '2026-01-01T00:00:00Z', 'playbook': 'deploy', 'version': 'v2', 'id': 'run-other'}
    run = deploy('-e', json.dumps({'steal_with': other}))
    assert run.returncode == 0, run.output[-3000:]
    assert held(deploy) == other


def test_check_mode_takes_no_lock_and_says_who_holds_it(deploy):
    free = deploy('--check')
    assert free.returncode == 0 and not deploy.lock.exists() and 'the deploy lock is free' in free.output, free.output[-3000:]
    assert deploy('-e', 'keep_lock=true', '-e', 'stack_deploy_lock_holder=alice@ci').returncode == 0
    busy = deploy('--check')
    assert busy.returncode == 0 and 'the deploy lock is held by alice@ci' in busy.output
    assert held(deploy)['holder'] == 'alice@ci'


def imported(task, tasks_from):
    return (task.get('ansible.builtin.import_role') or {}).get('tasks_from') == tasks_from


@pytest.mark.parametrize('playbook', ['deploy.yml', 'rollback.yml'])
def test_the_playbook_holds_the_lock_from_its_first_change_to_its_end(playbook):
    with open(os.path.join(ROOT, 'playbooks', playbook)) as f:
        plays = [p for p in yaml.safe_load(f) if 'hosts' in p]
    first = next(i for i, p in enumerate(plays) if any(imported(t, 'deploy_lock') for t in p.get('tasks', [])))
    assert imported(plays[first]['tasks'][0], 'deploy_lock'), 'the lock is the first task of %s' % plays[first]['name']
    for play in plays[first:-1]:
        work = [t for t in play['tasks'] if not imported(t, 'deploy_lock')]
        assert len(work) == 1 and 'block' in work[0], '%s: its work in one block' % play['name']
        rescue = work[0].get('rescue') or []
        assert [t for t in rescue if imported(t, 'deploy_unlock') and t.get('vars', {}).get('stack_deploy_failed') is True], \
            '%s: a failure releases the lock' % play['name']
    assert [t for t in plays[-1]['tasks'] if imported(t, 'deploy_unlock')], 'the last play releases the lock'
