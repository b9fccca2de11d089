"""Benchmark: the reference network with seed.laravel_aws and with amazon.aws.

Each measured run gets a fresh emulator (scripts/emulator.py, moto behind a
request recorder) on a free port of 127.0.0.1, warmed up with one uncounted
request. Both collections run in the same invocation, alternating, so their
ratio holds on a noisy machine.

    .venv/bin/python bench/network.py [--runs 3] [--out bench/results-network.md]
"""

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLAYBOOKS = {'seed.laravel_aws': 'bench/playbooks/network_seed.yml', 'amazon.aws': 'bench/playbooks/network_amazon.yml'}
READS = ('Describe', 'Get', 'List')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Emulator:
    def __init__(self):
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.proc = subprocess.Popen([sys.executable, os.path.join(ROOT, 'scripts', 'emulator.py'), '--port', str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.requests()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError('emulator did not start')

    def requests(self, clear=False):
        req = urllib.request.Request(self.url + '/_seed/requests', method='DELETE' if clear else 'GET')
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def ansible_env():
    env = dict(os.environ)
    env.update({
        'PATH': os.path.join(ROOT, '.venv', 'bin') + os.pathsep + env.get('PATH', ''),
        'ANSIBLE_CONFIG': os.path.join(ROOT, 'ansible.cfg'),
        'ANSIBLE_COLLECTIONS_PATH': os.path.join(ROOT, '.collections'),
        'ANSIBLE_STDOUT_CALLBACK': 'ansible.posix.json',
        'AWS_ACCESS_KEY_ID': 'testing', 'AWS_SECRET_ACCESS_KEY': 'testing',
    })
    env.pop('AWS_PROFILE', None)
    return env


def play(playbook, url, extra=()):
    start = time.monotonic()
    proc = subprocess.run(['ansible-playbook', '-i', 'localhost,', playbook, '-e', 'endpoint_url=%s' % url] + list(extra),
                          cwd=ROOT, env=ansible_env(), capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError('%s failed:\n%s\n%s' % (playbook, proc.stdout[-4000:], proc.stderr[-2000:]))
    stats = json.loads(proc.stdout)['stats']['localhost']
    return wall, stats.get('changed', 0)


def measure(collection):
    emu = Emulator()
    try:
        row = {}
        for phase in ('cold', 'rerun'):
            emu.requests(clear=True)
            wall, changed = play(PLAYBOOKS[collection], emu.url)
            reqs = emu.requests()
            row[phase] = {'wall': wall, 'changed': changed, 'requests': len(reqs),
                          'mutating': len([r for r in reqs if not r['action'].startswith(READS)])}
        return row
    finally:
        emu.stop()


def summary(values):
    return '%.2f (%.2f-%.2f)' % (statistics.median(values), min(values), max(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--out', default=os.path.join(ROOT, 'bench', 'results-network.md'))
    args = parser.parse_args()
    rows = dict((c, []) for c in PLAYBOOKS)
    for i in range(args.runs):
        for collection in PLAYBOOKS:
            rows[collection].append(measure(collection))
            print('run %d %s: %s' % (i + 1, collection, json.dumps(rows[collection][-1])), flush=True)
    lines = ['# Network benchmark: seed.laravel_aws vs amazon.aws', '',
             'The reference network (VPC, 4 subnets in 2 zones, internet gateway, 1 NAT gateway with its EIP, '
             '2 route tables, 3 security groups) against a fresh moto server per run.', '',
             'Machine: %d cores, Python %s, %s. Runs: %d (wall time: median (min-max) seconds).'
             % (os.cpu_count(), platform.python_version(), platform.platform(), args.runs), '',
             '| collection | phase | wall s | requests | mutating | changed tasks |', '|---|---|---|---|---|---|']
    for collection, runs in rows.items():
        for phase in ('cold', 'rerun'):
            lines.append('| %s | %s | %s | %d | %d | %d |' % (
                collection, phase, summary([r[phase]['wall'] for r in runs]), runs[0][phase]['requests'],
                runs[0][phase]['mutating'], runs[0][phase]['changed']))
    ours, theirs = rows['seed.laravel_aws'], rows['amazon.aws']
    lines.append('')
    for phase in ('cold', 'rerun'):
        wall = statistics.median([r[phase]['wall'] for r in ours]) / statistics.median([r[phase]['wall'] for r in theirs])
        reqs = ours[0][phase]['requests'] / float(theirs[0][phase]['requests'])
        lines.append('- %s: ours/theirs wall time %.2f, requests %.2f' % (phase, wall, reqs))
    with open(args.out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
