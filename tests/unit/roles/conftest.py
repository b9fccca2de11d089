"""Run small plays on localhost (connection local, no become) with the collection's roles: checks, templates."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN = os.path.dirname(sys.executable)


@pytest.fixture
def play(tmp_path):
    def run(tasks, vars=None, vars_files=(), check=False, gather_facts=False):
        path = tmp_path / 'play.yml'
        path.write_text(json.dumps([{'hosts': 'localhost', 'connection': 'local', 'gather_facts': gather_facts,
                                     'vars': vars or {}, 'vars_files': [os.path.join(ROOT, f) for f in vars_files],
                                     'tasks': tasks}]))
        env = dict(os.environ)
        env.update({'ANSIBLE_CONFIG': os.path.join(ROOT, 'ansible.cfg'),
                    'ANSIBLE_COLLECTIONS_PATH': os.path.join(ROOT, '.collections'),
                    'ANSIBLE_LOCALHOST_WARNING': 'false', 'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
                    'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_HOME': str(tmp_path / 'home'),
                    'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'tmp'), 'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
                    'PATH': BIN + os.pathsep + env.get('PATH', '')})
        env.pop('ANSIBLE_STDOUT_CALLBACK', None)
        cmd = [os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', str(path)] + (['--check'] if check else [])
        proc = subprocess.run(cmd, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False)
        proc.output = proc.stdout + proc.stderr
        return proc
    return run
