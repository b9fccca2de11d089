"""Write bench/results.md from the JSON of bench/stack.py, bench/inventory.py and bench/alb.py, with the targets.

A section whose JSON is absent (the stack and inventory benches take long) is kept as the previous
results.md has it, its rows of the targets table too.

    .venv/bin/python bench/report.py [--stack bench/results/stack.json] [--inventory bench/results/inventory.json]
                                     [--alb bench/results/alb.json]
"""

import argparse
import glob
import json
import os
import platform
import re
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
    for namespace in ('amazon', 'community'):
        for manifest in glob.glob(os.path.join(ROOT, '.venv', 'lib', 'python3*', 'site-packages', 'ansible_collections',
                                               namespace, 'aws', 'MANIFEST.json')):
            with open(manifest) as f:
                found['%s.aws' % namespace] = json.load(f)['collection_info']['version']
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
            if 'error' in p:  # failed in every run: say so, with the error
                lines.append('| %s | %s | failed: %s | | | | |' % (name, phase, p['error'].replace('|', '/')))
                continue
            lines.append('| %s | %s | %.2f (%.2f-%.2f) | %d | %d | %d | %s |' % (
                name, phase, p['wall'], p['wall_min'], p['wall_max'], p['requests'], p['mutating'], p['changed'],
                len(p['left']) if 'left' in p else ''))
    failed = [phase for phase in data['phases'] if 'error' in ours[phase] or 'error' in theirs[phase]]
    if failed:  # no ratio against a phase that did not run
        return lines, [('%s: both collections measured' % phase, 'failed', False) for phase in failed]
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


def fmt_wall(p):
    return '%.2f (%.2f-%.2f)' % (p['wall'], p['wall_min'], p['wall_max'])


def actions_line(actions):
    return ', '.join('%s %d' % (a, n) if n > 1 else a for a, n in sorted(actions.items(), key=lambda kv: (-kv[1], kv[0])))


def alb_section(data, before=None):
    ours, theirs = data['collections'][OURS], data['collections'][THEIRS]
    lines = ['## Load balancer', '',
             'The reference stack\'s ALB: in the 2 public subnets with the alb security group, a target group (HTTP:80, health '
             'check /health every 15 s, timeout 5 s, 2 healthy / 2 unhealthy, 200-299, draining 30 s) with the 2 web instances '
             'registered, a listener on 80 redirecting to 443 (301) and one on 443 forwarding to the group with an imported '
             'self-signed certificate. Ours: one `seed.laravel_aws.load_balancer` task (its `targets` registers them). Theirs: '
             '`community.aws.elb_target_group` (the bundled amazon.aws has no target group module) and '
             '`amazon.aws.elb_application_lb`. A setup that is not measured makes the network, the 2 web instances and the '
             'certificate; a fresh emulator per measured run, one uncounted warm-up request. Wall time: median (min-max) of '
             '%d runs. `bench/alb.py`, playbooks `bench/playbooks/alb_*.yml`.' % data['runs'], '',
             '| collection | phase | wall s | requests | mutating | changed tasks |',
             '|---|---|---|---|---|---|']
    for name, phases in ((OURS, ours), (THEIRS, theirs)):
        for phase in data['phases']:
            p = phases[phase]
            lines.append('| %s | %s | %s | %d | %d | %d |' % (name, phase, fmt_wall(p), p['requests'], p['mutating'], p['changed']))
    wall = dict((ph, ours[ph]['wall'] / theirs[ph]['wall']) for ph in data['phases'])
    reqs = dict((ph, ours[ph]['requests'] / float(max(theirs[ph]['requests'], 1))) for ph in data['phases'])
    lines += ['', 'Ours/theirs: rerun wall %.2f, rerun requests %.2f (%d/%d); cold wall %.2f, cold requests %.2f (%d/%d).' % (
        wall['rerun'], reqs['rerun'], ours['rerun']['requests'], theirs['rerun']['requests'],
        wall['cold'], reqs['cold'], ours['cold']['requests'], theirs['cold']['requests'])]
    lines += ['', 'What the requests of a rerun are (the last run; the same in every run: %s):' % (
        'yes' if all(data['collections'][c]['rerun'].get('actions_same_every_run') for c in (OURS, THEIRS)) else '**no**'), '']
    for name, phases in ((OURS, ours), (THEIRS, theirs)):
        lines.append('- %s (%d): %s' % (name, phases['rerun']['requests'], actions_line(phases['rerun']['actions'])))
    if before:
        b = before['collections'][OURS]['rerun']
        lines += ['', 'Before this change of `load_balancer` (its rerun reads cut), the same bench measured our rerun at %s s, %d requests '
                  '(%s): %s.' % (fmt_wall(b), b['requests'], before.get('label', 'an earlier run'), actions_line(b['actions']))]
    lines += ['', 'Both made the same load balancer, listeners, target group settings and targets (read back after the cold run): %s.'
              % ('yes' if data.get('same_result') else '**no**')]
    fl = data.get('floor') or {}
    if 'no-op task' in fl:
        f0 = fl['no-op task']['wall']
        above = (ours['rerun']['wall'] - f0) / max(theirs['rerun']['wall'] - f0, 1e-9)
        lines += ['', 'The floor: `ansible-playbook` with one task that does nothing (`meta: noop`, `bench/playbooks/noop.yml`) takes '
                  '%s s on this machine, with one module task (`ansible.builtin.ping`, no AWS call) %s s, timed in the same '
                  'invocation. Every measured run pays it once: above the no-op floor the rerun takes %.2f s (ours) against %.2f s '
                  '(theirs), a ratio of %.2f. The target is judged on the raw wall times above, floor included.' % (
                      fmt_wall(fl['no-op task']), fmt_wall(fl['ping task']) if 'ping task' in fl else '-',
                      ours['rerun']['wall'] - f0, theirs['rerun']['wall'] - f0, above)]
        quarter = theirs['rerun']['wall'] / 4.0
        acts = ours['rerun']['actions']
        lines += ['', 'What the rerun targets ask: 1/4 of their rerun is %.2f s, %s the no-op floor of %.2f s, and %.2f requests; our '
                  'rerun sends %d requests, %s: the load balancer, its attributes, listeners and target group, the group\'s '
                  'attributes and target health, the tags of both and the security groups\' ids, each of which the rerun compares '
                  'or needs.' % (quarter, 'below' if quarter < f0 else 'above', f0, theirs['rerun']['requests'] / 4.0,
                                 ours['rerun']['requests'], 'one of each of %d reads' % len(acts) if all(n == 1 for n in acts.values())
                                 else '%d distinct reads' % len(acts))]
    targets = [
        ('load balancer rerun: wall <= 1/4 of theirs', '%.3f' % wall['rerun'], wall['rerun'] <= 0.25),
        ('load balancer rerun: requests <= 1/4 of theirs', '%.3f' % reqs['rerun'], reqs['rerun'] <= 0.25),
        ('load balancer rerun: changed=0', 'changed=%d' % ours['rerun']['changed'],
         all(c == 0 for c in ours['rerun'].get('changed_all', [ours['rerun']['changed']]))),
    ]
    return lines, targets


def old_sections(path):
    """{heading: lines} of the previous results.md, and its targets rows as (name, value, ok)."""
    sections, rows = {}, []
    if not os.path.exists(path):
        return sections, rows
    heading = None
    with open(path) as f:
        for line in f.read().splitlines():
            if line.startswith('## '):
                heading = line[3:].strip()
                sections[heading] = [line]
            elif heading:
                sections[heading].append(line)
    for line in sections.pop('Targets', []):
        m = re.match(r'^\| (.+?) \| (.+?) \| (met|\*\*missed\*\*) \|$', line)
        if m:
            rows.append((m.group(1), m.group(2), m.group(3) == 'met'))
    for heading in sections:
        while sections[heading] and not sections[heading][-1].strip():
            sections[heading].pop()
    with open(path) as f:
        text = f.read()
    # the machine the kept sections were measured on: carried over when they were kept before too
    then = re.search(r'; measured then on: (.+)\.$', text, re.M) or re.search(r'^Machine: (.+)\.$', text, re.M)
    sections['machine'] = then.group(1) if then else None
    return sections, rows


# Each section: its results.md heading, and which rows of the targets table are its own.
SECTIONS = (
    ('stack', 'The reference stack', stack_section, lambda t: not t.startswith(('inventory', 'load balancer'))),
    ('inventory', 'Inventory', inventory_section, lambda t: t.startswith('inventory')),
    ('alb', 'Load balancer', alb_section, lambda t: t.startswith('load balancer')),
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--stack', default=os.path.join(ROOT, 'bench', 'results', 'stack.json'))
    parser.add_argument('--inventory', default=os.path.join(ROOT, 'bench', 'results', 'inventory.json'))
    parser.add_argument('--alb', default=os.path.join(ROOT, 'bench', 'results', 'alb.json'))
    parser.add_argument('--alb-before', help='the JSON of an earlier bench/alb.py run, to show what a module change did')
    parser.add_argument('--alb-before-label', default='an earlier run', help='what that earlier run measured (a commit)')
    parser.add_argument('--out', default=os.path.join(ROOT, 'bench', 'results.md'))
    args = parser.parse_args()
    v = versions()
    lines = ['# Benchmarks: seed.laravel_aws vs amazon.aws', '',
             'Both collections measured in the same invocation (`make bench`), on the same emulator build.', '',
             'Machine: %d cores, %s. Versions: %s.' % (os.cpu_count(), platform.platform(),
                                                       ', '.join('%s %s' % kv for kv in sorted(v.items()))), '']
    old, old_targets = old_sections(args.out)
    targets, kept = [], []
    for key, heading, section, own in SECTIONS:
        path = getattr(args, key)
        if os.path.exists(path):
            with open(path) as f:
                data = json.load(f)
            if key == 'alb' and args.alb_before:
                with open(args.alb_before) as f:
                    before = dict(json.load(f), label=args.alb_before_label)
                body, t = section(data, before)
            else:
                body, t = section(data)
            lines += body + ['']
            targets += t
        elif heading in old:
            lines += old[heading] + ['']
            targets += [row for row in old_targets if own(row[0])]
            kept.append(heading)
    if kept:
        then = old.get('machine')
        lines[4:4] = ['Kept from the previous results.md (their raw results were not in bench/results/ this time): %s%s.'
                      % (', '.join(kept), '; measured then on: %s' % then if then and 'Machine: %s.' % then != lines[4] else ''), '']
    lines += ['## Targets', '', '| target | ours/theirs | |', '|---|---|---|']
    lines += ['| %s | %s | %s |' % (name, value, check(ok)) for name, value, ok in targets]
    with open(args.out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
