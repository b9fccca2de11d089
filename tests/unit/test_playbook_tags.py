"""Every phase of the playbooks has its tag: --tags / --skip-tags select what a user asks for, and what the chosen
phases need (the stack role's checks, the network's ids, the data tier's endpoints) runs with them."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
PHASES = {'preflight', 'network', 'instances', 'loadbalancer', 'datatier', 'hosts', 'deploy', 'summary'}


def tasks(playbook, *args):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'), ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.collections'),
               ANSIBLE_NOCOLOR='1', ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_LOCALHOST_WARNING='false')
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', '--list-tasks',
                           os.path.join(ROOT, 'playbooks', playbook)] + list(args),
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    plays, current = {}, None
    for line in proc.stdout.splitlines():
        play = re.match(r'\s+play #\d+ \([^)]*\): (.*?)\tTAGS', line)
        if play:
            current = play.group(1)
            plays.setdefault(current, [])
        elif current and '\tTAGS: ' in line and not line.strip().startswith('tasks:'):
            plays[current].append(line.strip().split('\tTAGS: ')[0])
    return plays


def flat(plays):
    return [task for names in plays.values() for task in names]


def test_every_phase_has_its_tag():
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'), ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.collections'))
    out = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', '--list-tags', 'playbooks/site.yml'],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True).stdout
    tags = set(t.strip() for found in re.findall(r'TASK TAGS: \[(.*?)\]', out) for t in found.split(','))
    assert PHASES <= tags, PHASES - tags


def test_tags_network_runs_the_network_and_nothing_on_the_hosts():
    plays = tasks('site.yml', '--tags', 'network')
    names = flat(plays)
    assert 'Network of the stack' in names
    assert 'Instances (all roles in one task, launched together and waited for once)' not in names
    assert 'The load balancer in front of the web hosts (HTTPS when it has a certificate)' not in names
    assert not any(plays[p] and not all(t.startswith('seed.laravel_aws.stack :') for t in plays[p])
                   for p in plays if p.startswith(('The release', 'The switch', 'The hosts'))), plays
    assert 'Required settings' in names  # preflight runs with whatever phases are chosen


def test_tags_loadbalancer_brings_the_network_it_needs():
    names = flat(tasks('site.yml', '--tags', 'loadbalancer'))
    assert 'The load balancer in front of the web hosts (HTTPS when it has a certificate)' in names
    assert 'Network of the stack' in names  # its subnets' ids
    assert 'Instances (all roles in one task, launched together and waited for once)' not in names


def test_skip_tags_deploy_configures_the_hosts_but_ships_nothing():
    plays = tasks('site.yml', '--skip-tags', 'deploy')
    names = flat(plays)
    assert 'Apache, PHP and Composer' in names and 'Network of the stack' in names
    assert 'Build' not in names and 'Switch' not in names


def test_tags_deploy_keeps_the_checks_and_the_data_tier_endpoints():
    names = flat(tasks('deploy.yml', '--tags', 'deploy'))
    assert 'Build' in names and 'Switch' in names
    assert "The data tier's endpoints (check mode, reads only)" in names
    assert 'seed.laravel_aws.stack : A stack name every module and the inventory take' in names


def test_skip_tags_preflight_skips_the_checks_but_not_the_endpoints():
    names = flat(tasks('deploy.yml', '--skip-tags', 'preflight'))
    assert 'Required settings' not in names
    assert "The data tier's endpoints (check mode, reads only)" in names


@pytest.mark.parametrize('playbook', ['site.yml', 'provision.yml', 'deploy.yml', 'summary.yml', 'preflight.yml'])
def test_every_play_has_a_phase_tag(playbook):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'), ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.collections'))
    out = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', '--list-tasks', 'playbooks/' + playbook],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True).stdout
    for line in out.splitlines():
        if '\tTAGS: ' in line and not line.strip().startswith(('seed.laravel_aws.stack :', 'play #')):
            tags = set(t.strip() for t in line.split('\tTAGS: [')[1].rstrip(']').split(','))
            assert tags & (PHASES | {'always'}), line
