"""Integration tests: real ansible-playbook runs against the embedded emulator.

The ``emulator`` fixture starts scripts/emulator.py (moto's server app behind a
request recorder) on a free port of 127.0.0.1 for the session and stops it at
the end; ``emulator.reset()`` empties moto between tests. ``playbook(tasks)``
runs a play on localhost with the connection options set once through the
collection's action group, and returns the per-task results.
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
READS = ('Describe', 'Get', 'List', 'Head')  # S3's HeadBucket reads too


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Emulator:
    def __init__(self, log_dir):
        self.log = open(os.path.join(log_dir, 'emulator.log'), 'w')
        # The port is free when chosen and taken by the emulator a second later: something else on the machine (make
        # test runs e2e's demo beside this stage, and Docker publishes its ports) may take it first. Then the emulator
        # exits at once, and another port is tried.
        for attempt in range(3):
            if self._start():
                return
            self.log.write('(the emulator exited: another port, attempt %d)\n' % (attempt + 2))
            self.log.flush()
        raise RuntimeError('the emulator did not start three times; see %s' % self.log.name)

    def _start(self):
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.proc = subprocess.Popen(
            [sys.executable, '-m', 'emulator', '--port', str(self.port)], cwd=ROOT,
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                self._get('/_seed/health')
                return True
            except OSError:
                if self.proc.poll() is not None:
                    return False
                if time.monotonic() > deadline:
                    raise RuntimeError('the emulator did not start; see %s' % self.log.name)
                time.sleep(0.2)

    def _get(self, path, method='GET'):
        req = urllib.request.Request(self.url + path, method=method)
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b'null')

    def requests(self):
        return self._get('/_seed/requests')

    def mutating(self):
        return [r['action'] for r in self.requests() if not r['action'].startswith(READS)]

    def changes(self):
        """The mutating requests the emulator carried out (not throttled), since the last forget()."""
        return [r['action'] for r in self.requests() if not r['action'].startswith(READS) and r.get('fault') != 'throttled']

    def forget(self):
        """The request log emptied: what follows is the code under test's."""
        self._get('/_seed/requests', method='DELETE')

    def reset(self):
        self.faults()
        req = urllib.request.Request(self.url + '/moto-api/reset', method='POST')
        urllib.request.urlopen(req, timeout=30).read()
        self._get('/_seed/requests', method='DELETE')

    def faults(self, **settings):
        """Make the emulator as strict (and unreliable) as AWS: throttle, lose, strict, pending, seed."""
        req = urllib.request.Request(self.url + '/_seed/faults', data=json.dumps(settings).encode(), method='PUT')
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def settle(self):
        """What was made so far is seen by every read now (the aws profile's consistency lag is for the code under test)."""
        req = urllib.request.Request(self.url + '/_seed/settle', data=b'', method='POST')
        urllib.request.urlopen(req, timeout=30).read()

    def ec2(self):
        import boto3
        return boto3.client('ec2', region_name='us-east-1', endpoint_url=self.url,
                            aws_access_key_id='testing', aws_secret_access_key='testing')

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@pytest.fixture(scope='session')
def emulator(tmp_path_factory):
    emu = Emulator(str(tmp_path_factory.mktemp('emulator')))
    settle_after_the_tests_own_changes(emu)
    yield emu
    emu.stop()


def settle_after_the_tests_own_changes(emu):
    """A test's own boto3 changes (the VPC, subnets, instances it sets up) are seen at once, as if made a while ago: a
    user's ids exist before the run. Only what the collection makes meets AWS's eventual consistency (the aws profile)."""
    import boto3
    session = boto3._get_default_session()  # pylint: disable=protected-access

    def after_call(model=None, context=None, **kwargs):  # pylint: disable=unused-argument
        if model is not None and not model.name.startswith(READS):
            emu.settle()
    session.events.register('after-call', after_call)


@pytest.fixture
def aws(emulator):
    """A clean emulator for one test."""
    emulator.reset()
    return emulator


def ansible_env(**extra):
    env = dict(os.environ)
    env.update({
        'PATH': os.path.join(ROOT, '.venv', 'bin') + os.pathsep + env.get('PATH', ''),
        'ANSIBLE_CONFIG': os.path.join(ROOT, 'ansible.cfg'),
        'ANSIBLE_COLLECTIONS_PATH': os.path.join(ROOT, '.collections'),
        'ANSIBLE_STDOUT_CALLBACK': 'ansible.posix.json',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
        'AWS_ACCESS_KEY_ID': 'testing',
        'AWS_SECRET_ACCESS_KEY': 'testing',
    })
    for key in ('AWS_PROFILE', 'AWS_ENDPOINT_URL'):
        env.pop(key, None)
    env.update(extra)
    return env


class PlaybookRun:
    def __init__(self, proc, data):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.data = data

    def task(self, name):
        """The localhost result of the task with this name."""
        for play in self.data.get('plays', []):
            for task in play['tasks']:
                if task['task']['name'] == name:
                    return task['hosts']['localhost']
        raise KeyError('no task named %r; output: %s %s' % (name, self.stdout[-2000:], self.stderr[-2000:]))

    @property
    def stats(self):
        return self.data.get('stats', {}).get('localhost', {})


@pytest.fixture
def playbook(aws, tmp_path):
    def run(tasks, check=False, diff=False, extra_args=()):
        play = [{
            'name': 'integration',
            'hosts': 'localhost',
            'connection': 'local',
            'gather_facts': False,
            'vars': {'ansible_python_interpreter': '{{ ansible_playbook_python }}'},
            'module_defaults': {'group/seed.laravel_aws.aws': {'region': 'us-east-1', 'endpoint_url': aws.url}},
            'tasks': tasks,
        }]
        path = tmp_path / 'play.yml'
        path.write_text(yaml.safe_dump(play, sort_keys=False))
        cmd = ['ansible-playbook', '-i', 'localhost,', str(path)]
        if check:
            cmd.append('--check')
        if diff:
            cmd.append('--diff')
        cmd.extend(extra_args)
        proc = subprocess.run(cmd, cwd=ROOT, env=ansible_env(), check=False, capture_output=True, text=True, timeout=600)
        # Lines a plugin displays while the play runs (rds_instance's and cache_cluster's progress while they wait)
        # come before the json callback's document, which starts with a line '{'.
        start = proc.stdout.find('\n{') + 1 if not proc.stdout.startswith('{') else 0
        try:
            data = json.loads(proc.stdout[start:])
        except ValueError:
            raise AssertionError('ansible-playbook printed no JSON: %s\n%s' % (proc.stdout[-3000:], proc.stderr[-3000:]))
        return PlaybookRun(proc, data)
    return run


# The longest files first (seconds of test time on 2026-12-07, --durations): with --dist loadfile each file goes to one
# worker whole, in the order collected, so a long file collected last ran alone at the end while the other workers had
# nothing left. Within a file the order stays as written.
LONGEST_FIRST = ('test_reliability_stack.py', 'test_stacks_apart.py', 'test_domain.py', 'test_domain_www.py',
                 'test_rds_modules.py', 'test_cache_modules.py', 'test_fault_matrix.py', 'test_one_path.py')


def pytest_collection_modifyitems(items):
    rank = dict((name, i) for i, name in enumerate(LONGEST_FIRST))
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
