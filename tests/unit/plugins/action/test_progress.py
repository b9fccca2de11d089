"""The rds_instance and cache_cluster action plugins: progress lines while the module waits, and the module's own result.

The plugin is run against a fake _execute_module that answers a scripted sequence (the module's first run without wait,
the check-mode reads, the last run with wait) and records what it was asked; the clock and the sleep are fake, so the
lines' times are exact. The reads' claim (a check-mode run with only the name and the connection options sends nothing)
is checked against the real modules in moto.
"""
import json

import pytest
import yaml
from unittest.mock import MagicMock

from ansible_collections.seed.laravel_aws.plugins.action import cache_cluster as cache_action
from ansible_collections.seed.laravel_aws.plugins.action import rds_instance as rds_action
from ansible_collections.seed.laravel_aws.plugins.plugin_utils import progress

PASSWORD = 'Sup3r-secret_pw!'
TOKEN = 'Sup3r-Secret-Redis-Token-42'


class Clock:
    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(progress, 'CLOCK', c)
    monkeypatch.setattr(progress, 'SLEEP', c.sleep)
    monkeypatch.delenv('SEED_PROGRESS_INTERVAL', raising=False)
    return c


@pytest.fixture
def lines(monkeypatch):
    shown = []
    monkeypatch.setattr(progress.display, 'display', lambda msg, *a, **k: shown.append(msg))
    return shown


def plugin(cls, args, answers, check_mode=False, async_val=0):
    """The action plugin of a task with ``args``; its module answers ``answers`` in turn. ``.runs``: (args, check mode)."""
    task = MagicMock()
    task.args = args
    task.check_mode = check_mode
    task.async_val = async_val
    task.action = 'seed.laravel_aws.' + cls.MODULE
    connection = MagicMock()
    connection.has_native_async = False
    connection._shell.tmpdir = None
    action = cls(task, connection, MagicMock(), MagicMock(), MagicMock(), MagicMock())
    action.runs = []
    queue = list(answers)

    def execute(module_name=None, module_args=None, task_vars=None, wrap_async=False, **kwargs):
        action.runs.append((dict(module_args if module_args is not None else task.args), task.check_mode))
        return json.loads(json.dumps(queue.pop(0)))
    action._execute_module = execute
    action._remove_tmp_path = lambda path: None
    return action


def db(status, **extra):
    return dict({'identifier': 'demo-db', 'status': status, 'endpoint': None}, **extra)


RDS_ARGS = {'identifier': 'demo-db', 'region': 'us-east-1', 'endpoint_url': 'http://127.0.0.1:5000', 'stack': 'demo',
            'master_user_password': PASSWORD, 'db_subnet_group_name': 'demo-db', 'instance_class': 'db.t4g.micro'}


def test_lines_show_the_status_as_it_goes_and_the_result_is_the_module_s_last_run(clock, lines):
    made = db('creating')
    done = db('available', endpoint={'address': 'demo-db.example', 'port': 5432})
    answers = [
        {'changed': True, 'rds_instance': made, 'diff': {'before': {}, 'after': made}, 'warnings': ['first']},
        {'changed': True, 'rds_instance': db('creating')},
        {'changed': False, 'rds_instance': db('available')},
        {'changed': False, 'rds_instance': done, 'diff': {'before': done, 'after': done}},
    ]
    action = plugin(rds_action.ActionModule, dict(RDS_ARGS), answers)
    result = action.run(task_vars={})
    assert lines == ['rds_instance demo-db: creating (0s of 30m)', 'rds_instance demo-db: creating (30s of 30m)',
                     'rds_instance demo-db: available (1m of 30m)']
    assert clock.slept == [30, 30]
    # the module's last run, with changed and the diff's before of the first (the create)
    assert result['rds_instance'] == done
    assert result['changed'] is True
    assert result['diff'] == {'before': {}, 'after': done}
    assert result['warnings'] == ['first']
    (first, check1), (read1, check2), (read2, check3), (last, check4) = action.runs
    assert first == dict(RDS_ARGS, wait=False) and not check1
    # the reads: check mode, the name, the connection and the stack only (never the password)
    expected_read = {'identifier': 'demo-db', 'region': 'us-east-1', 'endpoint_url': 'http://127.0.0.1:5000', 'stack': 'demo',
                     'state': 'present', 'wait': False}
    assert read1 == read2 == expected_read and check2 and check3
    # the last run: the task's own args and wait, the time left of wait_timeout
    assert last == dict(RDS_ARGS, wait_timeout=1740) and not check4
    assert PASSWORD not in ' '.join(lines)


def test_nothing_shown_when_the_first_run_finds_it_available(clock, lines):
    answers = [{'changed': False, 'rds_instance': db('available')}, {'changed': False, 'rds_instance': db('available')}]
    action = plugin(rds_action.ActionModule, dict(RDS_ARGS), answers)
    result = action.run(task_vars={})
    assert lines == [] and clock.slept == []
    assert result['changed'] is False
    assert [check for dummy, check in action.runs] == [False, False]


@pytest.mark.parametrize('extra, check_mode, async_val', [
    ({'wait': False}, False, 0),
    ({'wait': 'no'}, False, 0),
    ({}, True, 0),
    ({}, False, 600),
    ({'state': 'absent', 'skip_final_snapshot': True}, False, 0),
    ({'force_update_password': True}, False, 0),
    ({'update_password': 'always'}, False, 0),
], ids=['wait-false', 'wait-no', 'check-mode', 'async', 'absent', 'force-update-password', 'update-password-always'])
def test_the_module_runs_once_as_before(clock, lines, extra, check_mode, async_val):
    answer = {'changed': True, 'rds_instance': db('creating'), 'diff': {'before': {}, 'after': db('creating')}}
    args = dict(RDS_ARGS, **extra)
    action = plugin(rds_action.ActionModule, args, [answer], check_mode=check_mode, async_val=async_val)
    result = action.run(task_vars={})
    assert action.runs == [(args, check_mode)]
    assert result['rds_instance'] == answer['rds_instance'] and result['changed'] is True
    assert lines == [] and clock.slept == []


def test_a_rotated_auth_token_runs_the_cache_module_once(clock, lines):
    args = {'name': 'demo-redis', 'auth_token': TOKEN, 'update_auth_token': 'rotate'}
    action = plugin(cache_action.ActionModule, args, [{'changed': True, 'cache_cluster': {'status': 'modifying'}}])
    action.run(task_vars={})
    assert action.runs == [(args, False)]


def test_a_failure_of_the_first_run_is_returned_as_it_is(clock, lines):
    failure = {'failed': True, 'msg': 'instance_class: db.x1 is not offered', 'changed': False}
    action = plugin(rds_action.ActionModule, dict(RDS_ARGS), [failure])
    result = action.run(task_vars={})
    assert result == failure
    assert len(action.runs) == 1 and lines == []


def test_the_wait_ends_with_wait_timeout_and_the_last_run_reports_it(clock, lines):
    """wait_timeout 70: reads at 30 s and 60 s, one at 70 s, then the last run with 1 s left reports the timeout as the
    module does, changed true since the first run made the instance."""
    timeout = {'failed': True, 'changed': False, 'msg': 'timed out after 1 s waiting for DB instance demo-db to be available'}
    answers = [{'changed': True, 'rds_instance': db('creating')}] + [{'changed': False, 'rds_instance': db('creating')}] * 3 + [timeout]
    action = plugin(rds_action.ActionModule, dict(RDS_ARGS, wait_timeout=70), answers)
    result = action.run(task_vars={})
    assert clock.slept == [30, 30, 10]
    assert lines[-1] == 'rds_instance demo-db: creating (1m10s of 1m10s)'
    assert result['failed'] is True and result['msg'] == timeout['msg']
    assert result['changed'] is True
    assert action.runs[-1] == (dict(RDS_ARGS, wait_timeout=1), False)


def test_a_failed_read_ends_the_progress_and_the_last_run_answers(clock, lines):
    answers = [{'changed': True, 'cache_cluster': {'status': 'creating'}}, {'failed': True, 'msg': 'throttled'},
               {'changed': False, 'cache_cluster': {'status': 'available'}}]
    action = plugin(cache_action.ActionModule, {'name': 'demo-redis', 'region': 'us-east-1', 'auth_token': TOKEN}, answers)
    result = action.run(task_vars={})
    assert result == {'changed': True, 'cache_cluster': {'status': 'available'}}
    assert [a.get('auth_token') for a, dummy in action.runs] == [TOKEN, None, TOKEN]
    assert lines == ['cache_cluster demo-redis: creating (0s of 30m)']


def test_a_failed_status_goes_straight_to_the_last_run(clock, lines):
    answers = [{'changed': True, 'cache_cluster': {'status': 'create-failed'}},
               {'failed': True, 'changed': False, 'msg': 'cache cluster demo-redis: status create-failed'}]
    action = plugin(cache_action.ActionModule, {'name': 'demo-redis'}, answers)
    result = action.run(task_vars={})
    assert result['failed'] and result['changed'] is True and len(action.runs) == 2 and lines == []


@pytest.mark.parametrize('value, seconds', [(None, 30), ('2', 2.0), ('0.5', 0.5), ('90', 30), ('0', 30), ('soon', 30)])
def test_seed_progress_interval_only_shortens_it(monkeypatch, value, seconds):
    if value is None:
        monkeypatch.delenv('SEED_PROGRESS_INTERVAL', raising=False)
    else:
        monkeypatch.setenv('SEED_PROGRESS_INTERVAL', value)
    assert progress.interval() == seconds


@pytest.mark.parametrize('cls, module', [(rds_action.ActionModule, 'rds_instance'), (cache_action.ActionModule, 'cache_cluster')])
def test_the_plugins_know_the_module_s_options(cls, module):
    """The name option with its aliases, the wait default and wait_timeout's default, as the module documents them."""
    mod = __import__('ansible_collections.seed.laravel_aws.plugins.modules.' + module, fromlist=['DOCUMENTATION'])
    options = yaml.safe_load(mod.DOCUMENTATION)['options']
    name = cls.NAME_OPTIONS[0]
    assert options[name].get('required') is True
    assert list(cls.NAME_OPTIONS[1:]) == list(options[name].get('aliases', []))
    assert options['wait_timeout']['default'] == cls.WAIT_TIMEOUT
    assert options['wait']['default'] is True


def test_duration_reads_short():
    assert [progress.duration(s) for s in (0, 45, 60, 90, 1800, 3900)] == ['0s', '45s', '1m', '1m30s', '30m', '1h05m']


# -- the reads against the real modules: nothing sent but reads, the status returned -------------------------------

def read_args_of(cls, args, clock):
    """The args the plugin reads with for a task of ``args`` (its second run), and its check mode."""
    answers = [{'changed': True, cls.RESULT_KEY: {'status': 'creating'}}, {'changed': False, cls.RESULT_KEY: {'status': 'available'}},
               {'changed': False, cls.RESULT_KEY: {'status': 'available'}}]
    action = plugin(cls, args, answers)
    action.run(task_vars={})
    return action.runs[1]


def test_the_rds_read_is_a_check_mode_run_that_sends_nothing(aws, run_module, calls, clock, lines, monkeypatch):
    import boto3
    from ansible_collections.seed.laravel_aws.plugins.module_utils import waiters
    from ansible_collections.seed.laravel_aws.plugins.modules import rds_instance
    from ...conftest import REGION, mutating
    import emulator.rds
    monkeypatch.setattr(waiters, 'SLEEP', lambda s: None)
    monkeypatch.setattr(emulator.rds, 'TRANSITION_DESCRIBES', 5)  # the instance stays modifying through the reads
    vpc = aws.create_vpc(CidrBlock='10.90.0.0/16')['Vpc']['VpcId']
    subnets = [aws.create_subnet(VpcId=vpc, CidrBlock='10.90.%d.0/24' % i, AvailabilityZone='us-east-1' + z)['Subnet']['SubnetId']
               for i, z in enumerate('ab')]
    aws.create_security_group(GroupName='demo-db', Description='db', VpcId=vpc)
    rds = boto3.client('rds', region_name=REGION)
    rds.create_db_subnet_group(DBSubnetGroupName='demo-db', DBSubnetGroupDescription='db', SubnetIds=subnets)
    task = {'identifier': 'demo-db', 'region': REGION, 'stack': 'demo', 'engine_version': '16.4', 'db_subnet_group_name': 'demo-db',
            'security_groups': ['demo-db'], 'db_name': 'laravel', 'master_username': 'laravel', 'master_user_password': PASSWORD,
            'instance_class': 'db.t4g.small', 'tags': {'Owner': 'ops'}, 'wait': False}
    assert run_module(rds_instance.main, task)['changed'] is True
    rds.modify_db_instance(DBInstanceIdentifier='demo-db', BackupRetentionPeriod=3, ApplyImmediately=True)  # differs from the task
    read, check_mode = read_args_of(rds_action.ActionModule, dict(task, wait=True), clock)
    assert check_mode is True and PASSWORD not in json.dumps(read)
    del calls[:]
    result = run_module(rds_instance.main, read, check_mode=True)
    assert mutating(calls) == []
    assert result['changed'] is False
    assert result['rds_instance']['status'] == 'modifying'
    assert rds.describe_db_instances()['DBInstances'][0]['DBInstanceStatus'] == 'modifying'


def test_the_cache_read_is_a_check_mode_run_that_sends_nothing(aws, run_module, calls, clock, lines, monkeypatch):
    import boto3
    from ansible_collections.seed.laravel_aws.plugins.module_utils import waiters
    from ansible_collections.seed.laravel_aws.plugins.modules import cache_cluster
    from ...conftest import REGION, mutating
    import emulator.elasticache
    monkeypatch.setattr(waiters, 'SLEEP', lambda s: None)
    monkeypatch.setattr(emulator.elasticache, 'TRANSITION_DESCRIBES', 5)  # the cluster stays creating through the reads
    vpc = aws.create_vpc(CidrBlock='10.81.0.0/16')['Vpc']['VpcId']
    subnets = [aws.create_subnet(VpcId=vpc, CidrBlock='10.81.%d.0/24' % i, AvailabilityZone='us-east-1' + z)['Subnet']['SubnetId']
               for i, z in enumerate('ab')]
    aws.create_security_group(GroupName='demo-redis', Description='redis', VpcId=vpc)
    cache = boto3.client('elasticache', region_name=REGION)
    cache.create_cache_subnet_group(CacheSubnetGroupName='demo-cache', CacheSubnetGroupDescription='d', SubnetIds=subnets)
    task = {'name': 'demo-redis', 'region': REGION, 'stack': 'demo', 'num_cache_clusters': 2, 'cache_subnet_group_name': 'demo-cache',
            'security_groups': ['demo-redis'], 'auth_token': TOKEN, 'engine_version': '7.1', 'wait': False}
    assert run_module(cache_cluster.main, task)['changed'] is True
    read, check_mode = read_args_of(cache_action.ActionModule, dict(task, wait=True, node_type='cache.t4g.small'), clock)
    assert check_mode is True and TOKEN not in json.dumps(read)
    del calls[:]
    result = run_module(cache_cluster.main, read, check_mode=True)
    assert mutating(calls) == []
    assert result['changed'] is False
    assert result['cache_cluster']['status'] == 'creating'
    assert cache.describe_replication_groups()['ReplicationGroups'][0]['Status'] == 'creating'


def test_reads_right_after_a_create_that_do_not_find_it_yet_keep_its_status(clock, lines):
    """RDS's reads catch up a moment after CreateDBInstance: a check-mode read that does not find the new instance
    (it fails: a read has none of the options a create needs; or it plans a create) is not the end of the progress."""
    made = db('creating', arn='arn:aws:rds:us-east-1:123456789012:db:demo-db')
    done = db('available', arn=made['arn'])
    answers = [
        {'changed': True, 'rds_instance': made, 'diff': {'before': {}, 'after': made}},
        {'failed': True, 'msg': 'db_subnet_group_name is required to create DB instance demo-db'},
        {'changed': True, 'rds_instance': db('creating', arn=None)},
        {'changed': False, 'rds_instance': db('backing-up', arn=made['arn'])},
        {'changed': False, 'rds_instance': done},
        {'changed': False, 'rds_instance': done, 'diff': {'before': done, 'after': done}},
    ]
    action = plugin(rds_action.ActionModule, dict(RDS_ARGS), answers)
    result = action.run(task_vars={})
    assert lines == ['rds_instance demo-db: creating (0s of 30m)', 'rds_instance demo-db: creating (30s of 30m)',
                     'rds_instance demo-db: creating (1m of 30m)', 'rds_instance demo-db: backing-up (1m30s of 30m)',
                     'rds_instance demo-db: available (2m of 30m)']
    assert result['changed'] is True and result['rds_instance'] == done and len(action.runs) == 6


def test_a_create_never_seen_by_the_reads_goes_to_the_last_run_after_unseen_seconds(clock, lines):
    made = db('creating', arn='arn:aws:rds:us-east-1:123456789012:db:demo-db')
    unseen = {'failed': True, 'msg': 'db_subnet_group_name is required to create DB instance demo-db'}
    last = {'failed': True, 'msg': 'the last run answers as the module does'}
    answers = [{'changed': True, 'rds_instance': made, 'diff': {'before': {}, 'after': made}}, unseen, unseen, last]
    action = plugin(rds_action.ActionModule, dict(RDS_ARGS), answers)
    result = action.run(task_vars={})
    assert progress.UNSEEN_SECONDS == 60 and clock.slept == [30, 30]  # the read at 60 s is the last: no more waiting
    assert result['failed'] is True and result['msg'] == last['msg'] and result['changed'] is True
    assert action.runs[-1] == (dict(RDS_ARGS, wait_timeout=1740), False)


def test_a_failed_read_of_what_was_there_before_still_ends_the_progress(clock, lines):
    there = db('modifying', arn='arn:aws:rds:us-east-1:123456789012:db:demo-db')
    answers = [{'changed': True, 'rds_instance': there, 'diff': {'before': db('available'), 'after': there}},
               {'failed': True, 'msg': 'throttled'}, {'changed': False, 'rds_instance': db('available')}]
    action = plugin(rds_action.ActionModule, dict(RDS_ARGS), answers)
    action.run(task_vars={})
    assert len(action.runs) == 3 and lines == ['rds_instance demo-db: modifying (0s of 30m)']
