"""Benchmark: the reference stack with seed.laravel_aws and with amazon.aws.

The reference stack: the network (VPC, 4 subnets in 2 zones, internet gateway,
1 NAT gateway with its EIP, 2 route tables, 3 security groups), an imported
ed25519 key pair, two web instances (one per public subnet) and a db instance
in a private subnet, all tagged Stack=bench.

Each measured run gets a fresh emulator (scripts/emulator.py: moto behind a
request recorder) on a free port of 127.0.0.1, warmed up with one uncounted
DescribeImages (moto builds its EC2 backend on the first call). Phases: cold
run, idempotent rerun, teardown, teardown rerun; after the teardown nothing of
the stack may be left. Both collections run in the same invocation,
alternating, so their ratio holds on a noisy machine.

    .venv/bin/python bench/stack.py [--runs 3] [--json bench/results/stack.json]
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
from stack_left import left_of_stack  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOKS = {
    'seed.laravel_aws': {'up': ['bench/playbooks/stack_seed.yml'],
                         'down': ['bench/playbooks/stack_seed.yml', '-e', 'bench_state=absent']},
    'amazon.aws': {'up': ['bench/playbooks/stack_amazon.yml'], 'down': ['bench/playbooks/teardown_amazon.yml']},
}
PHASES = (('cold', 'up'), ('rerun', 'up'), ('teardown', 'down'), ('teardown rerun', 'down'))
READS = ('Describe', 'Get', 'List')
PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDzMkH0tXcn64hDybNQ22kTgn0tfLKQMPC6S+gOcJZP/ bench@seed'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Emulator:
    def __init__(self, memo_reads=False):
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.proc = subprocess.Popen([sys.executable, '-m', 'emulator', '--port', str(self.port)]
                                     + (['--memo-reads'] if memo_reads else []),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.requests()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError('emulator did not start')
        self.image_id = sorted(self.ec2().describe_images(Owners=['amazon'])['Images'], key=lambda i: i['ImageId'])[0]['ImageId']
        self.requests(clear=True)  # the warm-up is not counted

    def ec2(self):
        import boto3
        return boto3.client('ec2', region_name='us-east-1', endpoint_url=self.url, aws_access_key_id='testing',
                            aws_secret_access_key='testing')

    def requests(self, clear=False):
        req = urllib.request.Request(self.url + '/_seed/requests', method='DELETE' if clear else 'GET')
        with urllib.request.urlopen(req, timeout=30) as resp:
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


def play(args, emu):
    start = time.monotonic()
    proc = subprocess.run(['ansible-playbook', '-i', 'localhost,'] + args +
                          ['-e', json.dumps({'endpoint_url': emu.url, 'image_id': emu.image_id, 'public_key': PUBLIC_KEY})],
                          cwd=ROOT, env=ansible_env(), capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError('%s failed:\n%s\n%s' % (args[0], proc.stdout[-4000:], proc.stderr[-2000:]))
    stats = json.loads(proc.stdout)['stats']['localhost']
    return wall, stats.get('changed', 0)


def failure_line(text):
    """The failed task's message out of ansible-playbook's JSON output (the last "msg"), else the output's end."""
    msgs = [line.split('"msg": ', 1)[1].strip().rstrip(',') for line in text.splitlines() if '"msg": ' in line]
    return (msgs[-1] if msgs else text.strip().splitlines()[-1] if text.strip() else 'failed')[:400]


def measure(collection):
    """One run's phases. A phase that fails (a peer's module refused by the strict emulator, say) is recorded with
    the end of its output, and the run's later phases are not measured: the bench reports it instead of stopping."""
    emu = Emulator()
    try:
        row = {}
        for phase, direction in PHASES:
            emu.requests(clear=True)
            try:
                wall, changed = play(PLAYBOOKS[collection][direction], emu)
            except RuntimeError as err:
                row[phase] = {'error': failure_line(str(err)), 'requests': len(emu.requests())}
                return row
            reqs = emu.requests()
            row[phase] = {'wall': wall, 'changed': changed, 'requests': len(reqs),
                          'mutating': len([r for r in reqs if not r['action'].startswith(READS)])}
            if phase == 'cold':
                row[phase]['made'] = len(left_of_stack(emu.ec2(), 'bench'))
            if direction == 'down':
                row[phase]['left'] = left_of_stack(emu.ec2(), 'bench')
        return row
    finally:
        emu.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--json', default=os.path.join(ROOT, 'bench', 'results', 'stack.json'))
    parser.add_argument('--collections', nargs='+', choices=sorted(PLAYBOOKS), default=sorted(PLAYBOOKS),
                        help='measure only these (a before/after of one collection at two commits)')
    args = parser.parse_args()
    rows = dict((c, []) for c in PLAYBOOKS if c in args.collections)
    for i in range(args.runs):
        for collection in rows:
            rows[collection].append(measure(collection))
            print('run %d %s: %s' % (i + 1, collection, json.dumps(rows[collection][-1])), flush=True)
    result = {'runs': args.runs, 'phases': [phase[0] for phase in PHASES], 'collections': {}}
    for collection, runs in rows.items():
        out = result['collections'][collection] = {}
        for phase in result['phases']:
            good = [r[phase] for r in runs if phase in r and 'error' not in r[phase]]
            errors = [r[phase]['error'] for r in runs if 'error' in r.get(phase, {})]
            if not good:  # failed (or never reached) in every run: the error, no figures
                out[phase] = {'error': errors[0] if errors else 'not reached: an earlier phase failed'}
                continue
            walls = [p['wall'] for p in good]
            out[phase] = dict(good[-1], wall=statistics.median(walls), wall_min=min(walls), wall_max=max(walls),
                              requests_all=[p['requests'] for p in good], failed_runs=len(runs) - len(good))
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, 'w') as f:
        json.dump(result, f, indent=1)
    print('wrote %s' % args.json)


if __name__ == '__main__':
    main()
