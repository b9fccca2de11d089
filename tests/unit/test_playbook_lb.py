"""deploy.yml and rollback.yml take a batch out of the load balancer and back through the same two task files of the stack
role: one drain, one return, whatever switches the release in between."""
import os

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load(*parts):
    with open(os.path.join(ROOT, *parts)) as f:
        return yaml.safe_load(f)


def switch_play(playbook):
    plays = [p for p in load('playbooks', playbook) if p.get('serial')]
    assert len(plays) == 1, playbook
    return plays[0]


def flat(tasks):
    for task in tasks:
        if 'block' in task:
            yield from flat(task['block'])  # the work of a play that holds the deploy lock (its rescue releases it)
        else:
            yield task


def steps(play):
    out = []
    for task in flat(play['tasks']):
        for key in ('ansible.builtin.import_role', 'ansible.builtin.include_role'):
            if key in task:
                out.append('%s:%s' % (task[key]['name'].split('.')[-1], task[key].get('tasks_from', 'main')))
    return out


def test_deploy_and_rollback_leave_and_return_through_the_same_task_files():
    deploy, rollback = steps(switch_play('deploy.yml')), steps(switch_play('rollback.yml'))
    assert deploy == ['stack:lb_out', 'laravel:switch', 'stack:lb_in'], deploy
    assert rollback == ['stack:lb_out', 'laravel:rollback', 'stack:lb_in'], rollback


def test_no_playbook_calls_the_target_module_itself_to_drain_a_batch():
    for playbook in ('deploy.yml', 'rollback.yml'):
        text = open(os.path.join(ROOT, 'playbooks', playbook)).read()
        assert 'seed.laravel_aws.target' not in text, playbook


def test_the_drain_waits_for_the_deregistration_delay_and_the_return_for_the_health_check():
    (out,), (back,) = load('roles', 'stack', 'tasks', 'lb_out.yml'), load('roles', 'stack', 'tasks', 'lb_in.yml')
    assert out['seed.laravel_aws.target']['state'] == 'absent' and 'stack_alb_deregistration_delay' in out['seed.laravel_aws.target']['wait_timeout']
    assert 'state' not in back['seed.laravel_aws.target'] and 'stack_alb_health_check' in back['seed.laravel_aws.target']['wait_timeout']
    for task in (out, back):
        assert task['delegate_to'] == 'localhost' and task['run_once'] is True and task['become'] is False
