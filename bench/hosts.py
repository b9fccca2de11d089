"""The host side's speed on the demo's stack: what a user waits for after the AWS side (`make bench-hosts`).

    .venv/bin/python bench/hosts.py [--runs 3] [--web-counts 2 4 8]

For each web count N and each run, on a stack made fresh for the run (make demo-clean, then make demo
with WEB_COUNT=N; the base images are there):
  cold      site.yml on the new instances, from the first task to the summary's first 200 from the app
            through the load balancer (the demo's "site.yml took")
  rerun     site.yml again, changed=0 (the demo's rerun, which fails on any change)
  release   deploy.yml of a new commit of the app: built on every web host, then each batch out of the
            load balancer, switched, health-checked and back (the demo's drain delay: 5 s), until every
            web host serves it (checked through the load balancer)
  same      deploy.yml of that commit again: changed=0
With the profile of the rerun and of the release (ansible.posix.profile_tasks and profile_roles): tasks
per host, seconds per task, the slowest tasks, the time per role. Then, with Mitogen for Ansible (from PyPI,
MITOGEN_VERSION, into .cache/mitogen; opt-in, never the default):
  rerun-mitogen  site.yml again with the mitogen_linear strategy (site_strategy=mitogen_free for the hosts' play)
  same-mitogen   deploy.yml of the same commit with mitogen_linear
A Mitogen phase that fails is recorded with its error, not retried. bench/hosts-baseline.json holds the medians
measured before issue 23's changes; the report sets the figures beside them.
Raw figures: bench/results/hosts.json (not committed); the report: bench/results-hosts.md.
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = os.path.join(ROOT, '.cache', 'demo')
RESULTS = os.path.join(ROOT, 'bench', 'results')
PHASES = ('cold', 'rerun', 'release', 'same')
PROFILE = 'ansible.posix.profile_tasks,ansible.posix.profile_roles'
MITOGEN_PHASES = ('rerun-mitogen', 'same-mitogen')
TARGETS = {'rerun': 30.0, 'release': 60.0, 'same': 20.0, 'cold': 240.0}
MITOGEN_VERSION = '0.3.54'
SKIP_MITOGEN = False
MITOGEN = os.path.join(ROOT, '.cache', 'mitogen', MITOGEN_VERSION)
BASELINE = os.path.join(ROOT, 'bench', 'hosts-baseline.json')


def run(cmd, env=None, log=None, check=True):
    """(seconds, output) of a command in the checkout; output also to log."""
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=dict(os.environ, **(env or {})), capture_output=True, text=True, check=False)
    took = time.monotonic() - start
    out = proc.stdout + proc.stderr
    if log:
        with open(log, 'w') as f:
            f.write(out)
    if check and proc.returncode != 0:
        sys.exit('bench-hosts: %s failed (exit %d):\n%s' % (' '.join(cmd), proc.returncode, out[-3000:]))
    return took, out


def demo_env():
    """The demo's environment (its env.sh), as a dict."""
    out = subprocess.run(['bash', '-c', '. "%s/env.sh" && env -0' % DEMO], capture_output=True, check=True).stdout
    return dict(item.split('=', 1) for item in out.decode().split('\0') if '=' in item)


def recap(text):
    """host -> {ok, changed, skipped, ...} of the last PLAY RECAP."""
    out = {}
    for line in text[text.rfind('PLAY RECAP'):].splitlines()[1:]:
        m = re.match(r'^(\S+)\s+: (.*)$', line)
        if not m:
            break
        out[m.group(1)] = dict((k, int(v)) for k, v in re.findall(r'(\w+)=(\d+)', m.group(2)))
    return out


def profile(text):
    """([(task, seconds)] of profile_tasks, [(role, seconds)] of profile_roles), slowest first."""
    def section(title):
        start = text.find(title)
        if start < 0:
            return []
        rows = []
        for line in text[start:].splitlines()[3:]:
            m = re.match(r'^(.*?) -+ (\d+\.\d+)s$', line.strip())
            if not m:
                if rows:
                    break
                continue
            rows.append((m.group(1).strip(), float(m.group(2))))
        return rows
    return section('TASKS RECAP'), section('ROLES RECAP')


def commit_release(label):
    """A new commit of the sample app pushed to the demo's git server; its id."""
    work = tempfile.mkdtemp()
    repo = os.path.join(DEMO, 'git', 'laravel-app.git')
    subprocess.run(['git', 'clone', '-q', repo, work + '/app'], check=True)
    with open(work + '/app/public/bench.txt', 'w') as f:
        f.write('%s\n' % label)
    git = ['git', '-C', work + '/app', '-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid']
    subprocess.run(git + ['add', 'public/bench.txt'], check=True)
    subprocess.run(git + ['commit', '-qm', 'bench release %s' % label], check=True)
    subprocess.run(git + ['push', '-q', 'origin', 'HEAD:main'], check=True)
    return subprocess.run(git + ['rev-parse', 'HEAD'], check=True, capture_output=True, text=True).stdout.strip()


def mitogen_strategies():
    """The folder of Mitogen's strategy plugins, installed from PyPI once (pip --target)."""
    plugins = os.path.join(MITOGEN, 'ansible_mitogen', 'plugins', 'strategy')
    if not os.path.isdir(plugins):
        run([sys.executable, '-m', 'pip', 'install', '-q', '--no-deps', '--target', MITOGEN, 'mitogen==%s' % MITOGEN_VERSION])
    return plugins


def mitogen_phase(denv, cmd, log):
    """(seconds, None) of a changed=0 run with Mitogen, or (None, the error)."""
    env = dict(denv, ANSIBLE_STRATEGY_PLUGINS=mitogen_strategies(), ANSIBLE_STRATEGY='mitogen_linear')
    took, out = run(cmd, env=env, log=log, check=False)
    if 'PLAY RECAP' not in out or re.search(r'(failed|unreachable)=[1-9]', out[out.rfind('PLAY RECAP'):]):
        errors = re.findall(r'^(?:fatal: .*|\[ERROR\]: .*)$', out, re.M) or [out.strip().splitlines()[-1] if out.strip() else 'no output']
        return None, errors[0][:300]
    changed = dict((h, r['changed']) for h, r in recap(out).items() if r.get('changed'))
    if changed:
        return None, 'changed something: %s' % changed
    return took, None


ANATOMY_PLAY = """- hosts: "{{ anatomy_host }}"
  gather_facts: false
  become: true
  tasks:
""" + ''.join('    - ansible.builtin.ping:\n' for dummy in range(10))


def anatomy(denv, host, log):
    """Where the seconds of a task go on one web host over SSH (10 pings with become, ANSIBLE_DEBUG's timestamps; the
    first, which opens the connection, left out): medians in ms of the controller before the command, ssh and sudo
    up to sudo's answer, the module's transfer, its run to its output, and the controller after it; the payload's KB."""
    with tempfile.NamedTemporaryFile('w', suffix='.yml', delete=False) as f:
        f.write(ANATOMY_PLAY)
    try:
        dummy, out = run(['ansible-playbook', '-i', 'inventory/aws', f.name, '-e', 'anatomy_host=%s' % host],
                         env=dict(denv, ANSIBLE_DEBUG='1'), log=log)
    finally:
        os.unlink(f.name)
    stamp = re.compile(r'^\s*\d+ (\d+\.\d+): (.*)$')
    tasks, current = [], None
    for line in out.splitlines():
        m = stamp.match(line)
        if not m:
            continue
        t, what = float(m.group(1)), m.group(2)
        if what.startswith('entering _queue_task()') and 'ping' in what:
            current = {'queued': t}
            tasks.append(current)
        elif current is None:
            continue
        elif what.startswith('_low_level_execute_command(): executing:') and 'BECOME-SUCCESS' in what:
            current['exec'] = t
        elif what.startswith('become_success'):
            current['become'] = t
        elif what.startswith('Sent initial data'):
            current['sent'] = t
            current['kb'] = int(re.search(r'\((\d+) bytes\)', what).group(1)) / 1024.0
        elif what.startswith('_low_level_execute_command() done'):
            current['done'] = t
        elif what.startswith('_execute() done') or what.startswith('done running TaskExecutor'):
            current.setdefault('result', t)
    whole = [x for x in tasks[1:] if all(k in x for k in ('queued', 'exec', 'become', 'sent', 'done', 'result'))]
    if not whole:
        return None

    def ms(a, b):
        return round(statistics.median([(x[b] - x[a]) * 1000 for x in whole]))
    return {'tasks': len(whole), 'controller_before': ms('queued', 'exec'), 'ssh_and_sudo': ms('exec', 'become'),
            'transfer': ms('become', 'sent'), 'module_run': ms('sent', 'done'), 'controller_after': ms('done', 'result'),
            'whole': ms('queued', 'result'), 'payload_kb': round(statistics.median([x['kb'] for x in whole]))}


def served_everywhere(env, label, web_count):
    """True when 4 x web_count requests through the load balancer all get the release."""
    alb = sorted(json.load(open(os.path.join(DEMO, 'dataplane', 'load_balancers.json'))))[0]
    for dummy in range(4 * web_count):
        proc = subprocess.run(['curl', '-fsS', '--max-time', '5', 'https://%s/bench.txt' % alb], env=env, capture_output=True, text=True, check=False)
        if proc.stdout.strip() != label:
            return False
    return True


def deploy_once(denv, commit, log):
    """(seconds, output, recap) of deploy.yml of commit."""
    cmd = ['ansible-playbook', '-i', 'inventory/aws', 'playbooks/deploy.yml', '-e', '@%s/vars.yml' % DEMO, '-e', 'stack_app_version=%s' % commit]
    took, out = run(cmd, env=denv, log=log)
    return took, out, recap(out)


def mitogen_phases(denv, commit, figures, errors, logs, web_count, index):
    """The opt-in Mitogen phases of one run, into figures and errors."""
    site = ['ansible-playbook', '-i', 'inventory/aws', 'playbooks/site.yml', '-e', '@%s/vars.yml' % DEMO, '-e', 'site_strategy=mitogen_free']
    figures['rerun-mitogen'], errors['rerun-mitogen'] = mitogen_phase(
        denv, site, os.path.join(logs, 'rerun-mitogen-%d-%d.log' % (web_count, index)))
    same = ['ansible-playbook', '-i', 'inventory/aws', 'playbooks/deploy.yml', '-e', '@%s/vars.yml' % DEMO, '-e', 'stack_app_version=%s' % commit]
    figures['same-mitogen'], errors['same-mitogen'] = mitogen_phase(
        denv, same, os.path.join(logs, 'same-mitogen-%d-%d.log' % (web_count, index)))


def one_run(web_count, index, logs):
    """The four phases on a fresh stack of web_count web hosts: (seconds by phase, profiles, tasks per host)."""
    env = {'WEB_COUNT': str(web_count), 'SEED_DEMO_QUIET': '1'}
    run(['bash', 'scripts/demo.sh', 'clean'], env=env)
    figures, profiles = {}, {}
    dummy, out = run(['bash', 'scripts/demo.sh'], env=env, log=os.path.join(logs, 'cold-%d-%d.log' % (web_count, index)))
    figures['cold'] = float(re.search(r'demo: site.yml took (\d+) s', out).group(1))
    dummy, out = run(['bash', 'scripts/demo.sh'], env=env, log=os.path.join(logs, 'rerun-%d-%d.log' % (web_count, index)))
    figures['rerun'] = float(re.search(r'changed nothing \(changed=0 on every host\) in (\d+) s', out).group(1))
    with open(os.path.join(DEMO, 'rerun.log')) as f:
        rerun_log = f.read()
    profiles['rerun'] = profile(rerun_log)
    hosts = recap(rerun_log)
    denv = dict(os.environ, **demo_env())
    denv['ANSIBLE_CALLBACKS_ENABLED'] = PROFILE
    label = 'bench release %d-%d %d' % (web_count, index, time.time())
    commit = commit_release(label)
    start = time.monotonic()
    dummy, out, dummy = deploy_once(denv, commit, os.path.join(logs, 'release-%d-%d.log' % (web_count, index)))
    while not served_everywhere(denv, label, web_count):  # deploy.yml ends once every host is healthy again
        if time.monotonic() - start > 600:
            sys.exit('bench-hosts: %d web hosts do not all serve %s 10 minutes after its deploy' % (web_count, commit))
        time.sleep(0.5)
    figures['release'] = time.monotonic() - start
    profiles['release'] = profile(out)
    took, out, after = deploy_once(denv, commit, os.path.join(logs, 'same-%d-%d.log' % (web_count, index)))
    changed = dict((h, r.get('changed', 0)) for h, r in after.items() if r.get('changed'))
    if changed:
        sys.exit('bench-hosts: deploy.yml of the same commit changed something: %s' % changed)
    figures['same'] = took
    errors = {}
    web_hosts = sorted(h for h in hosts if '-web-' in h)
    task_anatomy = anatomy(denv, web_hosts[0], os.path.join(logs, 'anatomy-%d-%d.log' % (web_count, index))) if web_hosts else None
    if SKIP_MITOGEN:
        errors.update(dict((p, 'not run (--no-mitogen)') for p in MITOGEN_PHASES))
        figures.update(dict((p, None) for p in MITOGEN_PHASES))
    else:
        mitogen_phases(denv, commit, figures, errors, logs, web_count, index)
    web = [h for h in hosts if '-web-' in h]
    tasks = max(hosts[h].get('ok', 0) + hosts[h].get('skipped', 0) for h in web) if web else 0
    return {'web_count': web_count, 'run': index, 'seconds': figures, 'tasks_per_web_host': tasks,
            'tasks_per_web_host_ran': max(hosts[h].get('ok', 0) for h in web) if web else 0, 'profiles': profiles,
            'errors': dict((k, v) for k, v in errors.items() if v), 'anatomy': task_anatomy}


def spread(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return 'n/a'
    if len(values) == 1:
        return '%.0f' % values[0]
    return '%.0f (%.0f-%.0f)' % (statistics.median(values), values[0], values[-1])


def versions():
    found = {'Python': platform.python_version()}
    for dist in ('ansible-core', 'ansible'):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = 'missing'
    found['Docker'] = subprocess.run(['docker', 'version', '-f', '{{.Server.Version}}'], capture_output=True, text=True, check=False).stdout.strip()
    return found


def machine():
    cores = os.cpu_count()
    with open('/proc/meminfo') as f:
        mem = int(f.readline().split()[1]) // (1024 * 1024)
    return '%s, %d cores, %d GiB, kernel %s' % (platform.machine(), cores, mem, platform.release())


def side_by_side(data, before, label):
    """The runs of another commit (its bench/results/hosts.json, measured on this machine one after the other),
    phase by phase beside these: medians (min-max), and the tasks per web host."""
    lines = ['', '## Side by side: %s' % label, '',
             'Both measured on %s with the same options, one after the other on a quiet machine; seconds: median (min-max) '
             'of the runs, before | after.' % data['machine'], '',
             '| web hosts | phase | before (%s, %d runs) | after (%s, %d runs) |' % (
                 before.get('date', '?'), len(before['runs']), data['date'], len(data['runs'])), '|---|---|---|---|']
    for n in sorted(set(r['web_count'] for r in data['runs']) & set(r['web_count'] for r in before['runs'])):
        was = [r for r in before['runs'] if r['web_count'] == n]
        now = [r for r in data['runs'] if r['web_count'] == n]
        for phase in PHASES:
            cells = (spread([r['seconds'][phase] for r in was]), spread([r['seconds'][phase] for r in now]))
            lines.append('| %d | %s | %s | %s |' % ((n, phase) + cells))
        lines.append('| %d | tasks per web host (ran) | %d (%d) | %d (%d) |' % (
            n, was[0]['tasks_per_web_host'], was[0]['tasks_per_web_host_ran'], now[0]['tasks_per_web_host'],
            now[0]['tasks_per_web_host_ran']))
    return lines


def report(data, before=None, before_label=''):
    rows = data['runs']
    counts = sorted(set(r['web_count'] for r in rows))
    lines = ['# Host-side speed', '',
             'Written by `make bench-hosts` (`bench/hosts.py --runs %d --web-counts %s`) on %s. Machine: %s. %s.'
             % (data['runs_each'], ' '.join(str(c) for c in counts), data['date'], data['machine'],
                ', '.join('%s %s' % kv for kv in sorted(data['versions'].items()))), '',
             'Each run on a fresh demo stack (bastion, db, N web hosts behind the load balancer; the base images present): '
             '`cold` is site.yml from its first task to the summary\'s first 200 through the load balancer, `rerun` site.yml '
             'again (changed=0), `release` deploy.yml of a new commit until every web host serves it through the load '
             'balancer (drain delay 5 s), `same` deploy.yml of that commit again (changed=0). Seconds: median (min-max) '
             'of the runs.', '',
             '| web hosts | cold | rerun | release | same | tasks per web host (run) | s per task (rerun) |', '|---|---|---|---|---|---|---|']
    for n in counts:
        mine = [r for r in rows if r['web_count'] == n]
        per = [r['seconds']['rerun'] / r['tasks_per_web_host'] for r in mine if r['tasks_per_web_host']]
        lines.append('| %d | %s | %s | %s | %s | %d (%d) | %.2f |' % (
            n, spread([r['seconds']['cold'] for r in mine]), spread([r['seconds']['rerun'] for r in mine]),
            spread([r['seconds']['release'] for r in mine]), spread([r['seconds']['same'] for r in mine]),
            mine[0]['tasks_per_web_host'], mine[0]['tasks_per_web_host_ran'], statistics.median(per) if per else 0))
    baseline = load_baseline()
    if baseline:
        lines += ['', '## Before and after', '', 'Before: %s. Medians, seconds, before -> after.' % baseline['source'], '',
                  '| web hosts | cold | rerun | release | same |', '|---|---|---|---|---|']
        for n in counts:
            mine = [r for r in rows if r['web_count'] == n]
            was = baseline['medians'].get(str(n), {})
            cells = ['%s -> %s' % ('%.0f' % was[p] if p in was else 'n/a', spread([r['seconds'][p] for r in mine])) for p in PHASES]
            lines.append('| %d | %s |' % (n, ' | '.join(cells)))
    if before:
        lines += side_by_side(data, before, before_label)
    lines += ['', '## Mitogen for Ansible %s (opt-in; `mitogen_linear`, and `site_strategy=mitogen_free` for the hosts\' play)' % MITOGEN_VERSION, '',
              '| web hosts | rerun (default) | rerun (Mitogen) | same (default) | same (Mitogen) |', '|---|---|---|---|---|']
    for n in counts:
        mine = [r for r in rows if r['web_count'] == n]
        cells = [spread([r['seconds'].get(p) for r in mine]) for p in ('rerun', 'rerun-mitogen', 'same', 'same-mitogen')]
        lines.append('| %d | %s |' % (n, ' | '.join(cells)))
    failures = sorted(set('%s: %s' % kv for r in rows for kv in r.get('errors', {}).items()))
    if failures:
        lines += ['', 'Mitogen runs that failed (n/a above):', ''] + ['- %s' % f for f in failures]
    lines += ['', '## Targets (2 web hosts; growth from 2 to the largest count)', '', '| target | figure | |', '|---|---|---|']
    two = [r for r in rows if r['web_count'] == 2]
    for phase, limit in sorted(TARGETS.items()):
        if two:
            value = statistics.median([r['seconds'][phase] for r in two])
            lines.append('| %s <= %.0f s | %.0f s | %s |' % (phase, limit, value, 'met' if value <= limit else '**missed**'))
    mitogen = [r['seconds'].get('rerun-mitogen') for r in two if r['seconds'].get('rerun-mitogen') is not None]
    if two:
        value = statistics.median(mitogen) if len(mitogen) == len(two) else None
        lines.append('| rerun with Mitogen <= 15 s | %s | %s |' % ('%.0f s' % value if value is not None else 'failed in %d of %d runs' % (
            len(two) - len(mitogen), len(two)), 'met' if value is not None and value <= 15 else '**missed**'))
    if two and len(counts) > 1:
        big = [r for r in rows if r['web_count'] == counts[-1]]
        for phase in ('rerun', 'release'):
            growth = statistics.median([r['seconds'][phase] for r in big]) / statistics.median([r['seconds'][phase] for r in two])
            lines.append('| %s, 2 -> %d web hosts: <= 2x | %.2fx | %s |' % (phase, counts[-1], growth, 'met' if growth <= 2 else '**missed**'))
    anatomies = [r['anatomy'] for r in rows if r.get('anatomy')]
    if anatomies:
        def med(key):
            return statistics.median([a[key] for a in anatomies])
        lines += ['', '## Where a task\'s time goes (one web host, over SSH through the bastion)', '',
                  'A `ping` with become, %d times in each run after the first, from `ANSIBLE_DEBUG` timestamps; medians over the '
                  '%d runs, in ms: the controller before the command (worker, templating, the module\'s payload from its cache) '
                  '%.0f; ssh through the open connection and sudo, to sudo\'s answer %.0f; the payload\'s transfer (%.0f KB) %.0f; '
                  'the module\'s run on the host to its answer (Python starting, unpacking, importing) %.0f; the controller after '
                  'it %.0f; the task %.0f. Reading files, templates and packages come on top of the module\'s run; a `template` '
                  'is five SSH commands (home, temporary folder, stat, file, clean-up), a `file` or a `stat` one.'
                  % (anatomies[0]['tasks'], len(anatomies), med('controller_before'), med('ssh_and_sudo'), med('payload_kb'),
                     med('transfer'), med('module_run'), med('controller_after'), med('whole'))]
    for phase in ('rerun', 'release'):
        last = [r for r in rows if r['web_count'] == counts[0]][-1]
        tasks, roles = last['profiles'].get(phase, ([], []))
        lines += ['', '## Where the time goes: %s, %d web hosts (the last run)' % (phase, counts[0]), '',
                  'By role (profile_roles; a role\'s seconds summed over its tasks, the hosts running side by side): '
                  + ', '.join('%s %.1f s' % tuple(kv) for kv in roles[:8]) + '.', '',
                  'The slowest tasks (profile_tasks):', '']
        lines += ['- %s: %.2f s' % tuple(kv) for kv in tasks[:10]]
    return '\n'.join(lines) + '\n'


def load_baseline():
    """{source, medians: {web count: {phase: seconds}}} of bench/hosts-baseline.json, or None."""
    if not os.path.isfile(BASELINE):
        return None
    with open(BASELINE) as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--web-counts', type=int, nargs='+', default=[2, 4, 8])
    parser.add_argument('--no-mitogen', action='store_true', help='skip the opt-in Mitogen phases (a before/after of the default)')
    parser.add_argument('--report', action='store_true', help='only write results-hosts.md from bench/results/hosts.json')
    parser.add_argument('--before', metavar='JSON', help='with --report: the hosts.json of another commit, set side by side')
    parser.add_argument('--before-label', default='before and after', help='with --before: what the two commits are')
    args = parser.parse_args()
    global SKIP_MITOGEN  # pylint: disable=global-statement
    SKIP_MITOGEN = args.no_mitogen
    if args.report:
        with open(os.path.join(RESULTS, 'hosts.json')) as f:
            data = json.load(f)
        before = None
        if args.before:
            with open(args.before) as f:
                before = json.load(f)
        with open(os.path.join(ROOT, 'bench', 'results-hosts.md'), 'w') as f:
            f.write(report(data, before, args.before_label))
        return
    os.makedirs(RESULTS, exist_ok=True)
    logs = os.path.join(RESULTS, 'hosts-logs')
    os.makedirs(logs, exist_ok=True)
    data = {'runs_each': args.runs, 'date': time.strftime('%Y-%m-%d'), 'machine': machine(), 'versions': versions(), 'runs': []}
    for web_count in args.web_counts:
        for index in range(1, args.runs + 1):
            result = one_run(web_count, index, logs)
            print('bench-hosts: %d web hosts, run %d: %s' % (web_count, index, ', '.join(
                '%s %.0f s' % (p, result['seconds'][p]) for p in PHASES)), flush=True)
            data['runs'].append(result)
            with open(os.path.join(RESULTS, 'hosts.json'), 'w') as f:
                json.dump(data, f, indent=1)
    run(['bash', 'scripts/demo.sh', 'clean'])
    with open(os.path.join(ROOT, 'bench', 'results-hosts.md'), 'w') as f:
        f.write(report(data))
    print('bench-hosts: bench/results-hosts.md written')


if __name__ == '__main__':
    main()
