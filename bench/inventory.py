"""Benchmark: ansible-inventory with seed.laravel_aws.ec2 and with amazon.aws.aws_ec2.

For each size (default 1000 and 5000 instances, made with boto3 in a fresh
emulator on 127.0.0.1), both plugins list the stack cold (no cache) and
cached (the second call of a cached config), under /usr/bin/time -v for the
wall time and the peak memory.

    .venv/bin/python bench/inventory.py [--sizes 1000 5000] [--out bench/results-inventory.md]
"""

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from network import ROOT, Emulator, ansible_env  # noqa: E402  pylint: disable=wrong-import-position

CONFIGS = {
    'seed.laravel_aws': ('bench.ec2.yml', {'plugin': 'seed.laravel_aws.ec2', 'stack': 'bench'}),
    'amazon.aws': ('bench.aws_ec2.yml', {'plugin': 'amazon.aws.aws_ec2', 'filters': {'tag:Stack': 'bench'},
                                         'keyed_groups': [{'key': 'tags.Role', 'separator': '', 'prefix': ''}],
                                         'hostnames': ['tag:Name', 'private-ip-address']}),
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


def timed_inventory(path):
    proc = subprocess.run(['/usr/bin/time', '-v', 'ansible-inventory', '-i', path, '--list'], cwd=ROOT, env=ansible_env(),
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    wall = re.search(r'Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)', proc.stderr)
    seconds = float(wall.group(3)) + 60 * int(wall.group(2)) + 3600 * int(wall.group(1) or 0)
    rss = int(re.search(r'Maximum resident set size \(kbytes\): (\d+)', proc.stderr).group(1))
    hosts = len(json.loads(proc.stdout)['_meta']['hostvars'])
    return seconds, rss / 1024.0, hosts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--sizes', type=int, nargs='+', default=[1000, 5000])
    parser.add_argument('--out', default=os.path.join(ROOT, 'bench', 'results-inventory.md'))
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        emu = Emulator()
        work = tempfile.mkdtemp(prefix='seed-bench-inv-')
        try:
            populate(emu, size)
            for collection, (name, config) in CONFIGS.items():
                for cached in (False, True):
                    cfg = dict(config, regions=['us-east-1'], endpoint_url=emu.url)
                    if cached:
                        cfg.update(cache=True, cache_plugin='ansible.builtin.jsonfile',
                                   cache_connection=os.path.join(work, collection + '-cache'))
                    path = os.path.join(work, name)
                    with open(path, 'w') as f:
                        json.dump(cfg, f)
                    if cached:
                        timed_inventory(path)  # fills the cache
                    emu.requests(clear=True)
                    wall, rss, hosts = timed_inventory(path)
                    requests = len(emu.requests())
                    row = (size, collection, 'cached' if cached else 'cold', wall, rss, hosts, requests)
                    rows.append(row)
                    print('%d %s %s: %.2f s, %.0f MiB, %d hosts, %d requests' % row, flush=True)
        finally:
            emu.stop()
            shutil.rmtree(work, ignore_errors=True)
    lines = ['# Inventory benchmark: seed.laravel_aws.ec2 vs amazon.aws.aws_ec2', '',
             '`ansible-inventory --list` of a stack of N instances in a fresh emulator; `/usr/bin/time -v`. '
             'Cached: the second call of a config with `cache: true`.', '',
             'Machine: %d cores, Python %s.' % (os.cpu_count(), platform.python_version()), '',
             '| instances | plugin | run | wall s | peak MiB | hosts | API requests |', '|---|---|---|---|---|---|---|']
    for row in rows:
        lines.append('| %d | %s | %s | %.2f | %.0f | %d | %d |' % row)
    lines.append('')
    for size in args.sizes:
        for run in ('cold', 'cached'):
            ours = [r for r in rows if r[0] == size and r[1] == 'seed.laravel_aws' and r[2] == run][0]
            theirs = [r for r in rows if r[0] == size and r[1] == 'amazon.aws' and r[2] == run][0]
            lines.append('- %d instances, %s: ours/theirs wall %.2f, memory %.2f' % (size, run, ours[3] / theirs[3], ours[4] / theirs[4]))
    with open(args.out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
