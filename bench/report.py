"""Write bench/results.md from the JSON of bench/stack.py and bench/inventory.py, with the targets.

    .venv/bin/python bench/report.py [--stack bench/results/stack.json] [--inventory bench/results/inventory.json]
"""

import argparse
import glob
import json
import os
import platform
from importlib import metadata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OURS, THEIRS = 'seed.laravel_aws', 'amazon.aws'


def versions():
    found = {'Python': platform.python_version()}
    for dist in ('ansible-core', 'ansible', 'boto3', 'moto'):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = 'missing'
    for manifest in glob.glob(os.path.join(ROOT, '.venv', 'lib', 'python3*', 'site-packages', 'ansible_collections',
                                           'amazon', 'aws', 'MANIFEST.json')):
        with open(manifest) as f:
            found['amazon.aws'] = json.load(f)['collection_info']['version']
    return found


def check(ok):
    return 'met' if ok else '**missed**'


def stack_section(data):
    ours, theirs = data['collections'][OURS], data['collections'][THEIRS]
    lines = ['## The reference stack', '',
             'Network (VPC, 4 subnets in 2 zones, internet gateway, NAT gateway with its EIP, 2 route tables, '
             '3 security groups), an imported ed25519 key pair, 2 web instances and 1 db instance; a fresh emulator per '
             'measured run, one uncounted warm-up request. Wall time: median (min-max) of %d runs. '
             '`bench/stack.py`, playbooks in `bench/playbooks/`.' % data['runs'], '',
             '| collection | phase | wall s | requests | mutating | changed tasks | left after |',
             '|---|---|---|---|---|---|---|']
    for name, phases in ((OURS, ours), (THEIRS, theirs)):
        for phase in data['phases']:
            p = phases[phase]
            lines.append('| %s | %s | %.2f (%.2f-%.2f) | %d | %d | %d | %s |' % (
                name, phase, p['wall'], p['wall_min'], p['wall_max'], p['requests'], p['mutating'], p['changed'],
                len(p['left']) if 'left' in p else ''))
    ratio = dict((phase, (ours[phase]['wall'] / theirs[phase]['wall'],
                          ours[phase]['requests'] / float(max(theirs[phase]['requests'], 1)))) for phase in data['phases'])
    targets = [
        ('cold run: wall <= 1/5 of theirs', '%.3f' % ratio['cold'][0], ratio['cold'][0] <= 0.2),
        ('cold run: requests <= 1/2 of theirs', '%.3f' % ratio['cold'][1], ratio['cold'][1] <= 0.5),
        ('rerun: wall <= 1/5 of theirs', '%.3f' % ratio['rerun'][0], ratio['rerun'][0] <= 0.2),
        ('rerun: requests <= 1/4 of theirs', '%.3f' % ratio['rerun'][1], ratio['rerun'][1] <= 0.25),
        ('rerun: changed=0', 'changed=%d' % ours['rerun']['changed'], ours['rerun']['changed'] == 0),
        ('teardown: wall <= 1/3 of theirs', '%.3f' % ratio['teardown'][0], ratio['teardown'][0] <= 1 / 3.0),
        ('teardown: nothing of the stack left', '%d left' % len(ours['teardown']['left']), not ours['teardown']['left']),
    ]
    return lines, targets


def inventory_section(data):
    rows = data['rows']
    lines = ['## Inventory', '',
             '`ansible-inventory --list` of N instances tagged with the stack, made with boto3 in a fresh emulator; '
             'under `/usr/bin/time -v`. CPU: user + system time of ansible-inventory alone (the emulator is another '
             'process). Cached: a config with `cache: true` whose cache was filled by an unmeasured call. Wall and CPU: '
             'median (wall min-max) of the measured calls, the configs of both plugins alternating; peak memory: the '
             'highest. `bench/inventory.py`.', '',
             '| instances | plugin | run | wall s | CPU s | peak MiB | hosts | API requests |',
             '|---|---|---|---|---|---|---|---|']
    for r in rows:
        spread = ' (%.2f-%.2f)' % (r['wall_min'], r['wall_max']) if 'wall_min' in r else ''
        lines.append('| %d | %s | %s | %.2f%s | %.2f | %.0f | %d | %d |' % (
            r['instances'], r['plugin'], r['run'], r['wall'], spread, r['cpu'], r['peak_mib'], r['hosts'], r['requests']))

    def get(size, plugin, run):
        return [r for r in rows if r['instances'] == size and r['plugin'] == plugin and r['run'] == run][0]
    targets = []
    lines.append('')
    for size in sorted(set(r['instances'] for r in rows)):
        for run in ('cold', 'cached'):
            o, t = get(size, OURS, run), get(size, THEIRS, run)
            lines.append('- %d instances, %s: ours/theirs wall %.2f, CPU %.2f, memory %.2f%s' % (
                size, run, o['wall'] / t['wall'], o['cpu'] / t['cpu'], o['peak_mib'] / t['peak_mib'],
                '' if t['hosts'] == size else ' (theirs listed %d hosts of %d)' % (t['hosts'], size)))
    if any(r['instances'] == 5000 for r in rows):
        o, t = get(5000, OURS, 'cached'), get(5000, THEIRS, 'cached')
        targets.append(('inventory 5000, cached: wall <= 1/5 of theirs', '%.3f' % (o['wall'] / t['wall']),
                        o['wall'] / t['wall'] <= 0.2))
        targets.append(('inventory 5000, cached: memory <= 1/2 of theirs', '%.3f' % (o['peak_mib'] / t['peak_mib']),
                        o['peak_mib'] / t['peak_mib'] <= 0.5))
        o, t = get(5000, OURS, 'cold'), get(5000, THEIRS, 'cold')
        targets.append(('inventory 5000, uncached: CPU <= 1/3 of theirs', '%.3f' % (o['cpu'] / t['cpu']),
                        o['cpu'] / t['cpu'] <= 1 / 3.0))
    return lines, targets


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--stack', default=os.path.join(ROOT, 'bench', 'results', 'stack.json'))
    parser.add_argument('--inventory', default=os.path.join(ROOT, 'bench', 'results', 'inventory.json'))
    parser.add_argument('--out', default=os.path.join(ROOT, 'bench', 'results.md'))
    args = parser.parse_args()
    v = versions()
    lines = ['# Benchmarks: seed.laravel_aws vs amazon.aws', '',
             'Both collections measured in the same invocation (`make bench`), on the same emulator build.', '',
             'Machine: %d cores, %s. Versions: %s.' % (os.cpu_count(), platform.platform(),
                                                       ', '.join('%s %s' % kv for kv in sorted(v.items()))), '']
    targets = []
    for path, section in ((args.stack, stack_section), (args.inventory, inventory_section)):
        if os.path.exists(path):
            with open(path) as f:
                body, t = section(json.load(f))
            lines += body + ['']
            targets += t
    lines += ['## Targets', '', '| target | ours/theirs | |', '|---|---|---|']
    lines += ['| %s | %s | %s |' % (name, value, check(ok)) for name, value, ok in targets]
    with open(args.out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
