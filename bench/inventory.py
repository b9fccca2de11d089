"""Benchmark: ansible-inventory with seed.laravel_aws.ec2 and with amazon.aws.aws_ec2.

For each size (default 1000 and 5000 instances, made with boto3 in a fresh
emulator on 127.0.0.1), both plugins list the stack cold (no cache) and
cached (a cached config whose cache an unmeasured call filled), under
/usr/bin/time -v for the wall time, the CPU time of ansible-inventory and the
peak memory; --repeat (3) measured calls of each, the four configs alternating,
give the median (and min, max) on a noisy machine.

moto needs about a minute to serialise 5000 instances, close to botocore's 60 s
read timeout, and that minute is the emulator's, not a plugin's. So the
emulator runs with --memo-reads (a repeated Describe request is answered with
moto's own answer for the same state) and each plugin lists the stack once,
unmeasured, before its measured runs: the measured figures are the plugins'.
A run that does not list every instance fails the benchmark.

    .venv/bin/python bench/inventory.py [--sizes 1000 5000] [--repeat 3] [--json bench/results/inventory.json]
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stack import ROOT, Emulator, ansible_env  # noqa: E402  pylint: disable=wrong-import-position

CONFIGS = {
    # Both name hosts the same way. moto draws private addresses at random, and a few of 5000 collide,
    # so a private address would not name every host in amazon.aws (ours appends the instance id).
    'seed.laravel_aws': ('bench.ec2.yml', {'plugin': 'seed.laravel_aws.ec2', 'stack': 'bench',
                                           'hostnames': ['tag:Name', 'instance-id']}),
    'amazon.aws': ('bench.aws_ec2.yml', {'plugin': 'amazon.aws.aws_ec2', 'filters': {'tag:Stack': 'bench'},
                                         'keyed_groups': [{'key': 'tags.Role', 'separator': '', 'prefix': ''}],
                                         'hostnames': ['tag:Name', 'instance-id']}),
}


def populate(emu, count):
    import boto3
    ec2 = boto3.client('ec2', region_name='us-east-1', endpoint_url=emu.url, aws_access_key_id='testing',
                       aws_secret_access_key='testing')
    image = sorted(ec2.describe_images(Owners=['amazon'])['Images'], key=lambda i: i['ImageId'])[0]['ImageId']
    made = 0
    while made < count:
        n = min(500, count - made)
        role = 'web' if made % 1000 < 800 else 'db'
        ec2.run_instances(ImageId=image, MinCount=n, MaxCount=n, InstanceType='t3.micro', TagSpecifications=[{
            'ResourceType': 'instance', 'Tags': [{'Key': 'Stack', 'Value': 'bench'}, {'Key': 'Role', 'Value': role}]}])
        made += n


def timed_inventory(path, expected):
    """Wall time, CPU time (user + system of ansible-inventory alone: the emulator is another process),
    peak memory and host count of one ansible-inventory --list."""
    proc = subprocess.run(['/usr/bin/time', '-v', 'ansible-inventory', '-i', path, '--list'], cwd=ROOT, env=ansible_env(),
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    wall = re.search(r'Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)', proc.stderr)
    seconds = float(wall.group(3)) + 60 * int(wall.group(2)) + 3600 * int(wall.group(1) or 0)
    cpu = sum(float(re.search(r'%s time \(seconds\): ([\d.]+)' % kind, proc.stderr).group(1)) for kind in ('User', 'System'))
    rss = int(re.search(r'Maximum resident set size \(kbytes\): (\d+)', proc.stderr).group(1))
    hosts = len(json.loads(proc.stdout)['_meta']['hostvars'])
    if hosts != expected:
        raise RuntimeError('%s listed %d hosts, not %d:\n%s' % (path, hosts, expected, proc.stderr[-3000:]))
    return seconds, cpu, rss / 1024.0, hosts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--sizes', type=int, nargs='+', default=[1000, 5000])
    parser.add_argument('--repeat', type=int, default=3, help='measured calls of each config (median, min, max)')
    parser.add_argument('--json', default=os.path.join(ROOT, 'bench', 'results', 'inventory.json'))
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        emu = Emulator(memo_reads=True)
        work = tempfile.mkdtemp(prefix='seed-bench-inv-')
        try:
            populate(emu, size)
            configs = []
            for collection, (name, config) in CONFIGS.items():
                for cached in (False, True):
                    cfg = dict(config, regions=['us-east-1'], endpoint_url=emu.url)
                    if cached:
                        cfg.update(cache=True, cache_plugin='ansible.builtin.jsonfile',
                                   cache_connection=os.path.join(work, collection + '-cache'))
                    path = os.path.join(work, ('cached-' if cached else 'cold-') + name)
                    with open(path, 'w') as f:
                        json.dump(cfg, f)
                    timed_inventory(path, size)  # not measured: fills the emulator's memo, then the plugin's cache
                    configs.append((collection, 'cached' if cached else 'cold', path))
            samples = dict((c[:2], []) for c in configs)
            for _round in range(args.repeat):  # the configs alternate, so a noisy moment touches both plugins
                for collection, run, path in configs:
                    emu.requests(clear=True)
                    wall, cpu, rss, hosts = timed_inventory(path, size)
                    samples[(collection, run)].append({'wall': wall, 'cpu': cpu, 'peak_mib': rss, 'hosts': hosts,
                                                       'requests': len(emu.requests())})
            for (collection, run), got in samples.items():
                walls = [g['wall'] for g in got]
                row = {'instances': size, 'plugin': collection, 'run': run, 'measured': len(got),
                       'wall': statistics.median(walls), 'wall_min': min(walls), 'wall_max': max(walls),
                       'cpu': statistics.median(g['cpu'] for g in got), 'peak_mib': max(g['peak_mib'] for g in got),
                       'hosts': got[-1]['hosts'], 'requests': max(g['requests'] for g in got)}
                rows.append(row)
                print(json.dumps(row), flush=True)
        finally:
            emu.stop()
            shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, 'w') as f:
        json.dump({'rows': rows}, f, indent=1)
    print('wrote %s' % args.json)


if __name__ == '__main__':
    main()
