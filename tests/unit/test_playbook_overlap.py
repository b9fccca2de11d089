"""The slow creates overlap (docs/architecture.md, "Slow creates overlap"): site.yml starts the RDS instance and the
Redis cluster without waiting before the instances are launched, the load balancer right after them,
all before the hosts are configured, and waits for them after that, where their result is first needed; a check run
plans and never waits.
Read from the playbooks as ansible-playbook runs them: imports and the stack role's task files expanded in order."""
import os

import pytest
import yaml

from conftest import ROOT

PLAYBOOKS = os.path.join(ROOT, 'playbooks')
STACK_TASKS = os.path.join(ROOT, 'roles', 'stack', 'tasks')
SLOW = {'rds_instance': 'the RDS instance', 'cache_cluster': 'the Redis cluster',
        'load_balancer': 'the load balancer'}
HOST_ROLES = {'seed.laravel_aws.apache', 'seed.laravel_aws.php', 'seed.laravel_aws.composer', 'seed.laravel_aws.postgresql'}
INCLUDES = ('ansible.builtin.include_role', 'ansible.builtin.import_role')


def module_of(task):
    """(short name, args) of a task's seed.laravel_aws module, or (None, None)."""
    for key, value in task.items():
        if key.startswith('seed.laravel_aws.'):
            return key.split('.')[-1], value or {}
    return None, None


def conditions(task, inherited):
    when = task.get('when', [])
    return list(inherited) + (when if isinstance(when, list) else [when])


def flatten(tasks, source, inherited=(), play=None, check_only=False):
    """The tasks in run order, blocks and the stack role's task files expanded: dicts of task, source, when, play and
    check_only (a read: the task, or the include that brought it, runs in check mode whatever the run's mode)."""
    out = []
    for task in tasks or []:
        when = conditions(task, inherited)
        if 'block' in task:
            out += flatten(task['block'], source, when, play, check_only)
            continue
        out.append({'task': task, 'source': source, 'when': when, 'play': play, 'check_only': check_only or task.get('check_mode') is True})
        for include in INCLUDES:
            spec = task.get(include)
            if isinstance(spec, dict) and spec.get('name') == 'seed.laravel_aws.stack' and spec.get('tasks_from'):
                name = spec['tasks_from']
                with open(os.path.join(STACK_TASKS, name + '.yml')) as f:
                    out += flatten(yaml.safe_load(f), 'roles/stack/tasks/%s.yml' % name, when, play,
                                   check_only or (spec.get('apply') or {}).get('check_mode') is True)
    return out


def run_order(playbook, imported_vars=None):
    """Every task of a playbook in the order ansible-playbook runs them, import_playbook expanded, with the play it
    belongs to ({name, hosts, vars}) and its conditions."""
    with open(os.path.join(PLAYBOOKS, playbook)) as f:
        plays = yaml.safe_load(f)
    out = []
    for play in plays:
        if 'ansible.builtin.import_playbook' in play:
            out += run_order(play['ansible.builtin.import_playbook'], dict(imported_vars or {}, **play.get('vars', {})))
            continue
        meta = {'name': play['name'], 'hosts': play['hosts'], 'vars': dict(imported_vars or {}, **play.get('vars', {})),
                'playbook': playbook}
        out += flatten(play.get('tasks'), 'playbooks/' + playbook, (), meta)
    return out


def is_host_configuration(entry):
    task = entry['task']
    for include in INCLUDES:
        spec = task.get(include)
        if isinstance(spec, dict):
            names = {spec.get('name')} | set(task.get('loop') or [])
            if names & HOST_ROLES:
                return True
    return False


def started_in_background(entry):
    """True when the task runs its module as an async job outside check mode (poll: 0, collected later)."""
    task = entry['task']
    value = task.get('async', 0)
    if isinstance(value, str) and '{{' in value:
        # the job's length outside check mode; in a check run the template gives 0 (the module plans in the foreground)
        assert "0 if ansible_check_mode else" in value.replace('  ', ' '), '%s: async in check mode' % task.get('name')
        return task.get('poll') == 0
    return bool(value) and task.get('poll') == 0


def collects(entry):
    """The async job a task waits for (the register name of the task that started it), or None."""
    spec = entry['task'].get('ansible.builtin.async_status')
    if not isinstance(spec, dict) or spec.get('mode') == 'cleanup':
        return None
    return spec['jid'].strip('{} ').split('.')[0]


def wait_of(entry):
    """True (the task waits for a slow create: inline or collecting its job), False (starts it without waiting: wait:
    false or in the background) or None (neither)."""
    if collects(entry):
        return True
    module, args = module_of(entry['task'])
    if module not in SLOW:
        return None
    if started_in_background(entry):
        return False
    value = args.get('wait', True)  # every slow module waits unless told not to
    return bool(value)


def waited_module(tasks, entry):
    """The slow module a waiting task waits for: its own, or the one whose job it collects."""
    job = collects(entry)
    if job is None:
        return module_of(entry['task'])[0]
    aliases = {'stack_alb_started': 'provision_alb'}
    starters = [e for e in tasks if e['task'].get('register') == aliases.get(job, job)]
    assert starters, 'no task starts the job %s' % job
    return module_of(starters[0]['task'])[0]


def skipped_in_check_mode(entry):
    return any('not ansible_check_mode' in str(c) for c in entry['when'])


def deferred(entry):
    """A task provision.yml skips when site.yml imports it (site.yml waits later)."""
    return entry['play'] is not None and entry['play']['vars'].get('provision_defer_waits') is True and any(
        'not provision_defer_waits' in str(c) for c in entry['when'])


@pytest.fixture(scope='module')
def site():
    """site.yml's tasks up to deploy.yml (the provision, hosts and wait plays), as a cold run takes them."""
    tasks = run_order('site.yml')
    first_deploy = next(i for i, e in enumerate(tasks) if e['play'] and e['play']['playbook'] == 'deploy.yml')
    return tasks[:first_deploy], tasks[first_deploy:]


def index(tasks, predicate, last=False):
    found = [i for i, e in enumerate(tasks) if predicate(e)]
    assert found, 'no such task'
    return found[-1] if last else found[0]


@pytest.mark.parametrize('module', sorted(SLOW))
def test_each_slow_create_starts_without_waiting_before_the_instances_and_the_hosts(site, module):
    tasks, dummy = site
    start = index(tasks, lambda e: module_of(e['task'])[0] == module and not e['check_only'])
    assert tasks[start]['play']['name'] == 'Provision the stack'
    assert wait_of(tasks[start]) is False, '%s: its first task waits (%s)' % (SLOW[module], tasks[start]['task'].get('name'))
    instances = index(tasks, lambda e: module_of(e['task'])[0] == 'instance' and not e['check_only'])
    if module == 'load_balancer':
        # its target filter registers every running web host: one beyond stack_web_count is terminated first
        assert start > instances, 'the load balancer would register the web hosts the instances task then terminates'
    else:
        assert start < instances, '%s starts after the instances are launched' % SLOW[module]
    assert start < index(tasks, is_host_configuration)
    assert wait_of(tasks[start]) is False


@pytest.mark.parametrize('module', sorted(SLOW))
def test_the_data_tier_and_the_load_balancer_are_waited_for_after_the_hosts_are_configured(site, module):
    tasks, dummy = site
    waits = [i for i, e in enumerate(tasks) if wait_of(e) and not deferred(e) and waited_module(tasks, e) == module]
    assert waits, 'site.yml never waits for %s' % SLOW[module]
    assert min(waits) > index(tasks, is_host_configuration, last=True), '%s is waited for before the hosts are configured' % SLOW[module]
    for i in waits:
        assert tasks[i]['play']['hosts'] == 'localhost'


def test_the_network_runs_once_and_waits_for_its_nat_gateway(site):
    # A second network task moments after the first reads the network by its tags before AWS's reads show what the first
    # made (eventual consistency), and makes a second route table: the network is one task, which waits for its NAT.
    tasks, dummy = site
    networks = [e for e in tasks if module_of(e['task'])[0] == 'network' and not e['check_only']]
    assert len(networks) == 1 and module_of(networks[0]['task'])[1].get('wait') is True
    assert tasks.index(networks[0]) < index(tasks, is_host_configuration)


def test_provision_alone_waits_for_everything_it_started(site):
    tasks = run_order('provision.yml')
    for module in SLOW:
        waits = [e for e in tasks if wait_of(e) and waited_module(tasks, e) == module]
        assert waits and not any(deferred(e) for e in waits), 'provision.yml alone leaves %s unwaited' % SLOW[module]


def test_site_defers_only_the_waits_it_runs_itself(site):
    tasks, dummy = site
    skipped = {waited_module(tasks, e) for e in tasks if deferred(e) and wait_of(e)}
    waited_later = {waited_module(tasks, e) for e in tasks if wait_of(e) and e['play']['playbook'] == 'site.yml'}
    assert skipped and skipped == waited_later


def test_a_check_run_never_waits(site):
    tasks, dummy = site
    waits = [e for e in tasks if wait_of(e) and not e['check_only']]
    assert len(waits) >= len(SLOW)
    for entry in waits:
        assert skipped_in_check_mode(entry), '%s waits in a check run' % entry['task'].get('name')


def test_the_helpers_read_what_they_should(tmp_path):
    """The readers above see a wait, a start without waiting, a collected job and a host role (so the tests above
    can fail)."""
    play = tmp_path / 'p.yml'
    play.write_text(yaml.safe_dump([{'name': 'p', 'hosts': 'localhost', 'tasks': [
        {'name': 'a', 'seed.laravel_aws.rds_instance': {'identifier': 'x'}},
        {'name': 'b', 'seed.laravel_aws.load_balancer': {'name': 'x', 'wait': False}},
        {'name': 'c', 'ansible.builtin.include_role': {'name': '{{ r }}'}, 'loop': ['seed.laravel_aws.php']},
        {'name': 'd', 'seed.laravel_aws.cache_cluster': {'name': 'x'}, 'async': '{{ 0 if ansible_check_mode else 60 }}', 'poll': 0,
         'register': 'job'},
        {'name': 'e', 'ansible.builtin.async_status': {'jid': '{{ job.ansible_job_id }}'}, 'when': 'not ansible_check_mode'}]}]))
    entries = flatten(yaml.safe_load(play.read_text())[0]['tasks'], 'p.yml', play={'vars': {'provision_defer_waits': True}})
    assert [wait_of(e) for e in entries] == [True, False, None, False, True]
    assert [is_host_configuration(e) for e in entries] == [False, False, True, False, False]
    assert waited_module(entries, entries[4]) == 'cache_cluster'
    assert not skipped_in_check_mode(entries[0]) and skipped_in_check_mode(entries[4]) and not deferred(entries[0])
    with pytest.raises(AssertionError):
        started_in_background({'task': {'name': 'f', 'async': '{{ 60 }}', 'poll': 0}})


def test_a_job_reports_its_changes_once_and_is_found_where_it_was_written(site):
    """A started job is not a change (its collection reports the module's changed: a rerun says changed=0), and the
    plays that start and collect jobs name one async folder ($HOME's), where async_status looks for them."""
    tasks, dummy = site
    jobs = [e for e in tasks if started_in_background(e) and not e['check_only']]
    assert {module_of(e['task'])[0] for e in jobs} == {'rds_instance', 'cache_cluster', 'load_balancer'}
    for entry in jobs:
        assert 'ansible_job_id is not defined' in str(entry['task'].get('changed_when')), entry['task']['name']
    plays = {e['play']['name']: e['play'] for e in tasks if e['play'] and (e in jobs or collects(e))}
    assert len(plays) == 2  # provision.yml's, and site.yml's waits
    for name in plays:
        with open(os.path.join(PLAYBOOKS, plays[name]['playbook'])) as f:
            play = next(p for p in yaml.safe_load(f) if p.get('name') == name)
        assert "lookup('ansible.builtin.env', 'HOME')" in play['vars']['ansible_async_dir'], name
