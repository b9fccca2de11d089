"""The cold run's critical path: which of AWS's waits run side by side, which in series (`make bench-critical-path`).

    .venv/bin/python bench/critical_path.py [--label after] [--root PATH] [--db-tier rds --cache-tier redis]
    .venv/bin/python bench/critical_path.py --report

One cold site.yml on the demo (scripts/demo.sh clean, then scripts/demo.sh, then clean again; the base images are
there), at the emulator's default pace, with this file as a callback plugin (critical_path, below) that writes when each
play, task and host's run of a task starts and ends. From that timeline:
  measured   site.yml's wall time (the demo's "site.yml took") and, for each slow create (the NAT gateway, the
             instances, the RDS instance, the Redis cluster, the load balancer), the task that starts it, the task
             that waits for it (the same task when it waits inline), and what the control node did in between
  model      the same task graph at another pace (1.0: AWS's own typical durations, emulator/profile.py DURATIONS):
             every task keeps its measured time except AWS's part of a wait, which becomes the resource's duration at
             that pace, less what ran since it was started. A model, not a measurement: a cold run at AWS's own time
             takes 10-25 minutes, and the emulator's time behaviour is what is modelled.
--root runs the demo of another checkout (the serial playbooks before the change: a git worktree of the commit before
it, with .venv and .collections/ansible_collections/seed/laravel_aws linked to it). Raw timelines and figures:
bench/results/critical-path-<label>.json (not committed); --report writes bench/results-critical-path.md from every
label there.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

try:  # loaded by ansible-playbook as the callback plugin critical_path (ANSIBLE_CALLBACK_PLUGINS=bench/results/callback)
    from ansible.plugins.callback import CallbackBase
except ImportError:  # pragma: no cover - the bench's own run needs no ansible import
    CallbackBase = object

DOCUMENTATION = '''
    name: critical_path
    type: aggregate
    short_description: the bench's timeline of plays, tasks and hosts (bench/critical_path.py; not shipped)
    description:
      - Writes one JSON line per play start, task start, host start and host result to the file SEED_BENCH_TIMELINE names.
    requirements:
      - enabled as critical_path, from ANSIBLE_CALLBACK_PLUGINS=bench/results/callback (a link to this file)
'''

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # emulator.profile: AWS's durations
RESULTS = os.path.join(ROOT, 'bench', 'results')
REPORT = os.path.join(ROOT, 'bench', 'results-critical-path.md')
# What each slow create is in the task graph: its kind in emulator/profile.py DURATIONS (the transitional states a
# create goes through), the task that starts it, and the task that waits for it when that is another task.
SLOW = (
    ('NAT gateway', [('ec2', 'nat_gateway', 'pending')], r'^Network of the stack$',
     r'^The NAT gateway, waited for'),
    ('instances', [('ec2', 'instance', 'pending')], r'^Instances \(all roles in one task', None),
    ('RDS instance', [('rds', 'db_instance', 'creating'), ('rds', 'db_instance', 'backing-up')], r'The RDS instance \(PostgreSQL',
     r'The RDS instance, waited for'),
    ('Redis cluster', [('elasticache', 'replication_group', 'creating')], r'The Redis cluster \(ElastiCache',
     r'The Redis cluster, waited for'),
    ('load balancer', [('elbv2', 'load_balancer', 'provisioning')], r'^The load balancer in front of the web hosts',
     r'The load balancer, waited for'),
)
HOST_CONFIGURATION = 'The hosts, configured side by side'


class CallbackModule(CallbackBase):  # pylint: disable=too-few-public-methods
    """critical_path: plays, tasks and each host's run of a task, with wall-clock times, as JSON lines."""
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'critical_path'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        path = os.environ.get('SEED_BENCH_TIMELINE')
        self._out = open(path, 'a') if path else None  # pylint: disable=consider-using-with

    def _write(self, **record):
        if self._out:
            record['t'] = time.time()
            self._out.write(json.dumps(record) + '\n')
            self._out.flush()

    def v2_playbook_on_play_start(self, play):
        self._write(event='play', play=play.get_name(), hosts=str(play.hosts))

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._write(event='task', task=task.get_name(), uuid=task._uuid)  # pylint: disable=protected-access

    def v2_runner_on_start(self, host, task):
        self._write(event='start', host=host.get_name(), uuid=task._uuid)  # pylint: disable=protected-access

    def _result(self, result, status):
        self._write(event='end', host=result._host.get_name(), uuid=result._task._uuid, status=status)  # pylint: disable=protected-access

    def v2_runner_on_ok(self, result):
        self._result(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._result(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._result(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        self._write(event='stats')


# -- the timeline, read -----------------------------------------------------------------------------------------
def segments(records):
    """The run as the control node lived it, in order: one segment per task of a play on localhost, one per play on
    the hosts (their tasks interleave: strategy free, forks). Each: name, play, start, end, span (to the next
    segment's start: the gaps between tasks go with the task before), ran (some host did not skip it)."""
    play, tasks, order = None, {}, []
    for r in records:
        if r['event'] == 'play':
            play = {'name': r['play'], 'hosts': r['hosts']}
        elif r['event'] == 'task':
            key = r['uuid'] if play['hosts'] in ('localhost', "['localhost']") else 'play:%s:%d' % (play['name'], id(play))
            if key not in tasks:
                tasks[key] = {'name': r['task'] if not key.startswith('play:') else play['name'], 'play': play['name'],
                              'start': r['t'], 'end': r['t'], 'ran': False, 'host_play': key.startswith('play:'), 'uuids': set()}
                order.append(key)
            tasks[key]['uuids'].add(r['uuid'])
        elif r['event'] in ('start', 'end'):
            for key in reversed(order):
                if r['uuid'] in tasks[key]['uuids']:
                    tasks[key]['end'] = max(tasks[key]['end'], r['t'])
                    if r['event'] == 'end' and r['status'] != 'skipped':
                        tasks[key]['ran'] = True
                    break
    last = max([r['t'] for r in records] or [0])
    out = [tasks[k] for k in order]
    for i, seg in enumerate(out):
        seg['span'] = (out[i + 1]['start'] if i + 1 < len(out) else last) - seg['start']
        seg.pop('uuids')
    return out


def durations(pace):
    """{resource: seconds AWS's part of its create lasts at this pace} (emulator/profile.py DURATIONS)."""
    from emulator.profile import DURATIONS  # pylint: disable=import-outside-toplevel
    return dict((name, sum(DURATIONS[k] for k in kinds) * pace) for name, kinds, dummy, dummy2 in SLOW)


def effective_pace(root=ROOT):
    """The pace the emulator's time behaviour ran at in the checkout ``root``: its default pace once emulator/profile.py's
    hooks() include the lifecycle (AWS's states, each lasting its duration x the pace); 0 before (every create is ready
    at once, as moto answers). Read in a child process: the checkout's emulator, not this one's."""
    code = ('import sys; sys.path.insert(0, "."); from emulator import profile; '
            'print(profile.DEFAULT_PACE if any(type(h).__name__ == "Lifecycle" for h in profile.hooks()) else 0.0)')
    proc = subprocess.run([os.path.join(ROOT, '.venv', 'bin', 'python'), '-c', code], cwd=root, capture_output=True, text=True, check=False)
    try:
        return float(proc.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return 0.0


def graph(segs):
    """{resource: (index of its create, index of its wait)} (the same index when the create waits inline)."""
    found = {}
    for name, dummy, create, wait in SLOW:
        starts = [i for i, s in enumerate(segs) if not s['host_play'] and re.search(create, s['name']) and s['ran']]
        if not starts:
            continue
        waits = [i for i, s in enumerate(segs) if wait and not s['host_play'] and re.search(wait, s['name']) and i > starts[0]]
        # the wait that ran (site.yml's, after the hosts; provision.yml's own is skipped then), else the first (a wait
        # skipped because its resource was ready at once, as at pace 0, would have waited at another pace)
        ran = [i for i in waits if segs[i]['ran']]
        found[name] = (starts[0], (ran or waits)[0] if waits else starts[0])
    return found


def model(segs, pace, measured_pace):
    """The run replayed at ``pace``: (total seconds, rows {name, play, start, seconds, waited}, windows {resource: {start,
    ready, wait_start, wait_end}}). A segment keeps its measured span (the control node's work), less AWS's part of a
    wait at ``measured_pace``; that part becomes, at ``pace``, what is left of the resource's duration when the wait
    begins: max(0, ready - now), ready being when its create returned plus its duration."""
    at, was = durations(pace), durations(measured_pace)
    t0 = segs[0]['start'] if segs else 0.0
    edges = graph(segs)
    creates = dict((c, name) for name, (c, w) in edges.items())
    waits = dict((w, name) for name, (c, w) in edges.items())
    ready, ready_measured, windows, rows = {}, {}, {}, []
    t = 0.0
    for i, seg in enumerate(segs):
        span, waited = seg['span'], 0.0
        name = waits.get(i) or creates.get(i)
        if i in creates and i in waits:  # inline: the create and its wait in one task
            work = max(0.0, span - was[name])
            ready[name] = t + work + at[name]
            waited = at[name]
            windows[name] = {'start': t, 'ready': ready[name], 'wait_start': t + work, 'wait_end': ready[name]}
            span = work + waited
        elif i in creates:  # started, not waited for
            ready[name] = t + span + at[name]
            ready_measured[name] = seg['end'] - t0 + was[name]
            windows[name] = {'start': t, 'ready': ready[name]}
        elif i in waits:  # the wait, later: the control node's part of it, then what is left of AWS's
            work = max(0.0, span - max(0.0, ready_measured[name] - (seg['start'] - t0)))
            waited = max(0.0, ready[name] - (t + work))
            windows[name].update(wait_start=t + work, wait_end=t + work + waited)
            span = work + waited
        rows.append({'name': seg['name'], 'play': seg['play'], 'start': t, 'seconds': span, 'waited': waited})
        t += span
    return t, rows, windows


def critical_path(rows, windows):
    """The run as a chain: the control node's work and its waits in series, and each create's window with what ran
    beside it (the other creates, the control node's tasks)."""
    work = sum(r['seconds'] - r['waited'] for r in rows)
    waited = [(r['waited'], r['name']) for r in rows if r['waited'] >= 0.05]
    lines = ['in series: the control node\'s work %.0f s, and its waits for AWS %.0f s%s' % (
        work, sum(w for w, dummy in waited), (' (' + '; '.join('%s: %.1f s' % (n[:70], w) for w, n in waited) + ')') if waited else '')]
    names = sorted(windows, key=lambda n: windows[n]['start'])
    for name in names:
        w = windows[name]
        during = [r['name'][:50] for r in rows if r['start'] < w['ready'] and r['start'] + r['seconds'] > w['start']
                  and r['seconds'] - r['waited'] >= 1]
        beside = [o for o in names if o != name and windows[o]['start'] < w['ready'] - 0.01 and windows[o]['ready'] > w['start'] + 0.01]
        blocked = w.get('wait_end', w['ready']) - w.get('wait_start', w['ready'])
        lines.append('%s: made from %.0f s to %.0f s (%.0f s), the control node blocked on it %.0f s; side by side with: %s; '
                     'the control node meanwhile: %s' % (name, w['start'], w['ready'], w['ready'] - w['start'], blocked,
                                                         ', '.join(beside) or 'no other create', '; '.join(_unique(during)[:6]) or 'nothing'))
    return lines


def _unique(items):
    seen, out = set(), []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def ideal(rows, windows, at):
    """The target's bound: the longest single create's wait plus what cannot overlap it (the control node's work before
    that create could start and after its result is needed), or all the control node's work when that is longer."""
    work = sum(r['seconds'] - r['waited'] for r in rows)
    best = work
    for name, w in windows.items():
        needed = w.get('wait_end', w['ready'])
        before = sum(r['seconds'] - r['waited'] for r in rows if r['start'] + r['seconds'] <= w['start'] + 1e-6)
        after = sum(r['seconds'] - r['waited'] for r in rows if r['start'] >= needed - 1e-6)
        best = max(best, before + at[name] + after)
    return best


# -- the run ----------------------------------------------------------------------------------------------------
def run(cmd, root, env, log):
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=root, env=dict(os.environ, **env), capture_output=True, text=True, check=False)
    took = time.monotonic() - start
    with open(log, 'w') as f:
        f.write(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        sys.exit('bench-critical-path: %s failed (exit %d), see %s:\n%s' % (' '.join(cmd), proc.returncode, log, (proc.stdout + proc.stderr)[-3000:]))
    return took, proc.stdout + proc.stderr


def commit_of(root):
    """The checkout's commit, '+ changes' when its tracked files differ from it (a worktree with a change's files)."""
    commit = subprocess.run(['git', '-C', root, 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True, check=False).stdout.strip()
    dirty = subprocess.run(['git', '-C', root, 'status', '--porcelain', '--untracked-files=no'], capture_output=True, text=True,
                           check=False).stdout.strip()
    return commit + (' + changes' if dirty else '')


def load():
    """The machine's load average over the last 1 and 5 minutes (other work on a shared machine slows every task)."""
    with open('/proc/loadavg') as f:
        return ' '.join(f.read().split()[:2])


def measure(args):
    os.makedirs(RESULTS, exist_ok=True)
    root = os.path.abspath(args.root or ROOT)
    timeline = os.path.join(RESULTS, 'critical-path-%s.jsonl' % args.label)
    if os.path.exists(timeline):
        os.unlink(timeline)
    env = {'DB_TIER': args.db_tier, 'CACHE_TIER': args.cache_tier, 'WEB_COUNT': str(args.web_count), 'SEED_DEMO_QUIET': '1'}
    logs = os.path.join(RESULTS, 'critical-path-%s' % args.label)
    os.makedirs(logs, exist_ok=True)
    plugins = os.path.join(RESULTS, 'callback')  # this file alone, as the callback plugin (bench/ holds other scripts)
    os.makedirs(plugins, exist_ok=True)
    if not os.path.exists(os.path.join(plugins, 'critical_path.py')):
        os.symlink(os.path.abspath(__file__), os.path.join(plugins, 'critical_path.py'))
    run(['bash', 'scripts/demo.sh', 'clean'], root, env, os.path.join(logs, 'clean-before.log'))
    load_before = load()
    cold_env = dict(env, ANSIBLE_CALLBACK_PLUGINS=plugins, ANSIBLE_CALLBACKS_ENABLED='critical_path', SEED_BENCH_TIMELINE=timeline)
    dummy, out = run(['bash', 'scripts/demo.sh'], root, cold_env, os.path.join(logs, 'cold.log'))
    took = float(re.search(r'demo: site.yml took (\d+) s', out).group(1))
    run(['bash', 'scripts/demo.sh', 'clean'], root, env, os.path.join(logs, 'clean-after.log'))
    with open(timeline) as f:
        records = [json.loads(line) for line in f if line.strip()]
    data = {'label': args.label, 'commit': commit_of(root), 'date': time.strftime('%Y-%m-%d %H:%M'), 'tiers': [args.db_tier, args.cache_tier],
            'web_count': args.web_count, 'load': '%s -> %s' % (load_before, load()), 'site_seconds': took,
            'measured_pace': effective_pace(root), 'records': records}
    with open(os.path.join(RESULTS, 'critical-path-%s.json' % args.label), 'w') as f:
        json.dump(data, f)
    print('bench-critical-path: %s: site.yml took %.0f s' % (args.label, took))
    return data


def summarise(data):
    segs = segments(data['records'])
    measured_total = segs[-1]['start'] + segs[-1]['span'] - segs[0]['start'] if segs else 0
    out = {'label': data['label'], 'commit': data['commit'], 'load': data.get('load', 'n/a'), 'date': data['date'], 'tiers': data['tiers'],
           'web_count': data['web_count'],
           'site_seconds': data['site_seconds'], 'timeline_seconds': measured_total, 'measured_pace': data['measured_pace'], 'paces': {}}
    hosts = [s for s in segs if s['host_play'] and s['play'].startswith(HOST_CONFIGURATION)]
    out['host_configuration_seconds'] = sum(s['span'] for s in hosts)
    from emulator.profile import DEFAULT_PACE  # pylint: disable=import-outside-toplevel
    for pace in (DEFAULT_PACE, 1.0):
        total, rows, windows = model(segs, pace, data['measured_pace'])
        out['paces'][str(pace)] = {'total': total, 'ideal': ideal(rows, windows, durations(pace)), 'lines': critical_path(rows, windows),
                                   'waits': dict((n, durations(pace)[n]) for n in windows)}
    return out


def report(summaries):
    from emulator.profile import DEFAULT_PACE  # pylint: disable=import-outside-toplevel
    lines = ['# The cold run\'s critical path', '',
             'Written by `bench/critical_path.py --report` from the runs in bench/results/ (`bench/critical_path.py --label L [--root '
             'CHECKOUT] [--db-tier rds --cache-tier redis]`: one cold site.yml on the demo each, its timeline from the callback in '
             'that file). `site.yml` is the demo\'s "site.yml took"; `model` replays the run\'s task graph with AWS\'s part of each '
             'wait at a pace (emulator/profile.py DURATIONS x pace): at %s (the emulator\'s default) and at 1.0 (AWS\'s own typical '
             'durations: NAT gateway 90 s, instances 45 s, RDS 480 + 120 s, Redis 420 s, load balancer 150 s). The 1.0 column is '
             'a model, not a measurement. `bound` is the target\'s: the longest single create\'s wait plus the control node\'s work '
             'that cannot overlap it (before it can start, after its result is needed), or all the work when longer.'
             % DEFAULT_PACE, '',
             'Runs: `before` is the serial playbooks (a worktree of b1dc4f4), `after` the same commit with the overlap\'s playbooks '
             'and stack tasks (`+ changes`: playbooks/provision.yml, site.yml, roles/stack/tasks/data_tier.yml, waits.yml as '
             'committed in 0f87032), so the emulator and the modules are the same and only the playbooks differ. The emulator '
             'of that commit has no time behaviour (hooks() without the lifecycle): a measured wait is only the data plane\'s '
             '(a PostgreSQL or Redis container starting, an HAProxy); the waits at the pace are the model\'s. The machine (2 '
             'cores) was shared with other work: compare runs of a similar load (before-rds-redis-loaded ran at a load of 5).', '',
             '| run | commit | tiers | load (1, 5 min) before -> after | site.yml (measured) | pace the emulator ran at | model at %s | bound at %s '
             '| model at 1.0 | bound at 1.0 |' % (DEFAULT_PACE, DEFAULT_PACE), '|---|---|---|---|---|---|---|---|---|---|']
    for s in summaries:
        d, a = s['paces'][str(DEFAULT_PACE)], s['paces']['1.0']
        lines.append('| %s | %s | %s | %s | %.0f s | %s | %.0f s | %.0f s (%.2fx) | %.0f s | %.0f s (%.2fx) |' % (
            s['label'], s['commit'], ' '.join(s['tiers']), s['load'], s['site_seconds'], s['measured_pace'] or '0 (hooks() has no time behaviour yet)',
            d['total'], d['ideal'], d['total'] / d['ideal'] if d['ideal'] else 0, a['total'], a['ideal'], a['total'] / a['ideal'] if a['ideal'] else 0))
    lines += ['', '## Targets', '', '| run | target | figure | |', '|---|---|---|---|']
    for s in summaries:
        d = s['paces'][str(DEFAULT_PACE)]
        ratio = d['total'] / d['ideal'] if d['ideal'] else 0
        lines.append('| %s (%s) | cold run at pace %s <= 1.25 x bound | %.2fx (%.0f s / %.0f s) | %s |' % (
            s['label'], ' '.join(s['tiers']), DEFAULT_PACE, ratio, d['total'], d['ideal'], 'met' if ratio <= 1.25 else '**missed**'))
        if s['tiers'] == ['instance', 'none'] and s['web_count'] == 2:
            lines.append('| %s (%s) | make demo cold site.yml <= 1.3 x 119 s = %.0f s (bench/results-hosts.md) | %.0f s | %s |' % (
                s['label'], ' '.join(s['tiers']), 1.3 * 119, s['site_seconds'], 'met' if s['site_seconds'] <= 1.3 * 119 else '**missed**'))
    for s in summaries:
        for pace in (str(DEFAULT_PACE), '1.0'):
            lines += ['', '## %s (%s, %s), pace %s%s' % (s['label'], s['commit'], ' '.join(s['tiers']), pace,
                                                         ' (model)' if float(pace) != s['measured_pace'] else ''), '']
            lines += ['- ' + line for line in s['paces'][pace]['lines']]
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--label', default='after', help='the run\'s name in the report (before, after, ...)')
    parser.add_argument('--root', help='the checkout whose demo runs (default: this one)')
    parser.add_argument('--db-tier', default='instance', choices=['instance', 'rds'])
    parser.add_argument('--cache-tier', default='none', choices=['none', 'redis'])
    parser.add_argument('--web-count', type=int, default=2)
    parser.add_argument('--report', action='store_true', help='only write the report from bench/results/critical-path-*.json')
    args = parser.parse_args()
    if not args.report:
        measure(args)
    runs = []
    for name in sorted(os.listdir(RESULTS)):
        if name.startswith('critical-path-') and name.endswith('.json'):
            with open(os.path.join(RESULTS, name)) as f:
                runs.append(summarise(json.load(f)))
    runs.sort(key=lambda s: (s['tiers'], not s['label'].startswith('before'), s['label']))
    with open(REPORT, 'w') as f:
        f.write(report(runs))
    print('bench-critical-path: %s written' % os.path.relpath(REPORT, ROOT))


if __name__ == '__main__':
    main()
