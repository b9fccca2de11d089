"""rds_instance in-process against moto (with the emulator's PostgreSQL catalogue): create, rerun, check mode, diff,
modify in place, tags, absent with and without a final snapshot, deletion protection, bad input refused before any
change, and the master password never in a result."""
import json

import boto3
import pytest

from ansible_collections.seed.laravel_aws.plugins.module_utils import waiters
from ansible_collections.seed.laravel_aws.plugins.modules import rds_instance

from ...conftest import REGION, mutating

PASSWORD = 'Sup3r-secret_pw!'


@pytest.fixture
def net(aws, monkeypatch):
    monkeypatch.setattr(waiters, 'SLEEP', lambda s: None)
    vpc = aws.create_vpc(CidrBlock='10.90.0.0/16')['Vpc']['VpcId']

    def subnet(vpc_id, cidr, zone):
        return aws.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)['Subnet']['SubnetId']
    a, b = subnet(vpc, '10.90.0.0/24', 'us-east-1a'), subnet(vpc, '10.90.1.0/24', 'us-east-1b')
    sg = aws.create_security_group(GroupName='demo-db', Description='db', VpcId=vpc)['GroupId']
    other = aws.create_vpc(CidrBlock='10.91.0.0/16')['Vpc']['VpcId']
    c, d = subnet(other, '10.91.0.0/24', 'us-east-1a'), subnet(other, '10.91.1.0/24', 'us-east-1b')
    rds = boto3.client('rds', region_name=REGION)
    rds.create_db_subnet_group(DBSubnetGroupName='demo-db', DBSubnetGroupDescription='db', SubnetIds=[a, b])
    rds.create_db_subnet_group(DBSubnetGroupName='far-db', DBSubnetGroupDescription='far', SubnetIds=[c, d])
    return {'vpc': vpc, 'sg': sg, 'rds': rds}


def args_of(**extra):
    args = {'identifier': 'demo-db', 'engine_version': '16.4', 'db_subnet_group_name': 'demo-db', 'security_groups': ['demo-db'],
            'db_name': 'laravel', 'master_username': 'laravel', 'master_user_password': PASSWORD, 'tags': {'Stack': 'demo'}}
    args.update(extra)
    return args


def instances(net):
    return net['rds'].describe_db_instances()['DBInstances']


def test_create_rerun_modify_and_absent_with_a_final_snapshot(aws, run_module, calls, net):
    plan = run_module(rds_instance.main, args_of(), check_mode=True, diff=True)
    assert plan['changed'] and mutating(calls) == [] and instances(net) == []
    assert plan['rds_instance']['arn'] is None and plan['rds_instance']['instance_class'] == 'db.t4g.micro'
    assert plan['diff']['before'] == {} and plan['diff']['after']['rds_instance']['vpc_security_group_ids'] == [net['sg']]
    made = run_module(rds_instance.main, args_of(), diff=True)
    assert made['changed'], made
    db = made['rds_instance']
    assert mutating(calls) == ['create_db_instance']
    assert (db['identifier'], db['status'], db['engine'], db['engine_version']) == ('demo-db', 'available', 'postgres', '16.4')
    assert (db['instance_class'], db['allocated_storage'], db['storage_type'], db['storage_encrypted']) == ('db.t4g.micro', 20, 'gp3', True)
    assert db['endpoint']['port'] == 5432 and db['endpoint']['address'].startswith('demo-db.')
    assert db['vpc_id'] == net['vpc'] and db['vpc_security_group_ids'] == [net['sg']] and db['db_subnet_group_name'] == 'demo-db'
    assert db['backup_retention_period'] == 7 and db['deletion_protection'] is False and db['publicly_accessible'] is False
    assert db['db_name'] == 'laravel' and db['master_username'] == 'laravel' and db['tags'] == {'Stack': 'demo'}
    (raw,) = instances(net)
    assert raw['DBInstanceIdentifier'] == 'demo-db' and raw['StorageEncrypted'] is True
    assert PASSWORD not in json.dumps(made) and PASSWORD not in json.dumps(plan)

    del calls[:]
    again = run_module(rds_instance.main, args_of())
    assert again['changed'] is False and mutating(calls) == [], again

    bigger = args_of(instance_class='db.t4g.small', backup_retention_period=14, tags={'Tier': 'db'}, apply_immediately=True)
    plan = run_module(rds_instance.main, bigger, check_mode=True, diff=True)
    assert plan['changed'] and mutating(calls) == [] and instances(net)[0]['DBInstanceClass'] == 'db.t4g.micro'
    diff = plan['diff']
    assert diff['after']['rds_instance']['instance_class'] == 'db.t4g.small' and diff['before']['rds_instance']['instance_class'] == 'db.t4g.micro'
    changed = run_module(rds_instance.main, bigger, diff=True)
    assert changed['changed'] and changed['rds_instance']['instance_class'] == 'db.t4g.small'
    assert changed['rds_instance']['backup_retention_period'] == 14 and changed['rds_instance']['tags'] == {'Tier': 'db'}
    diff = changed['diff']
    assert diff['before']['rds_instance']['backup_retention_period'] == 7 and diff['after']['rds_instance']['backup_retention_period'] == 14
    assert sorted(mutating(calls)) == ['add_tags_to_resource', 'modify_db_instance', 'remove_tags_from_resource']
    (raw,) = instances(net)
    assert (raw['DBInstanceClass'], raw['BackupRetentionPeriod']) == ('db.t4g.small', 14)
    del calls[:]
    assert run_module(rds_instance.main, bigger)['changed'] is False and mutating(calls) == []

    absent = {'identifier': 'demo-db', 'state': 'absent', 'final_snapshot_identifier': 'demo-db-final'}
    plan = run_module(rds_instance.main, absent, check_mode=True)
    assert plan['changed'] and len(instances(net)) == 1 and mutating(calls) == []
    gone = run_module(rds_instance.main, absent, diff=True)
    assert gone['changed'] and instances(net) == [] and gone['diff']['before']['rds_instance']['identifier'] == 'demo-db'
    assert gone['final_snapshot']['identifier'] == 'demo-db-final' and gone['final_snapshot']['arn']
    (snap,) = net['rds'].describe_db_snapshots(DBSnapshotIdentifier='demo-db-final')['DBSnapshots']
    assert snap['DBInstanceIdentifier'] == 'demo-db'
    # copy_tags_to_snapshot (default true): the final snapshot is found by the instance's tags
    tags = net['rds'].list_tags_for_resource(ResourceName=snap['DBSnapshotArn'])['TagList']
    assert {'Key': 'Tier', 'Value': 'db'} in tags, tags
    del calls[:]
    assert run_module(rds_instance.main, absent)['changed'] is False and mutating(calls) == []


def test_absent_without_a_snapshot_and_deletion_protection(aws, run_module, calls, net):
    made = run_module(rds_instance.main, args_of(deletion_protection=True))
    assert made['changed'] and made['rds_instance']['deletion_protection'] is True
    del calls[:]
    refused = run_module(rds_instance.main, {'identifier': 'demo-db', 'state': 'absent', 'skip_final_snapshot': True})
    assert refused['failed'] and refused['field'] == 'deletion_protection' and 'deletion_protection: false' in refused['msg']
    assert mutating(calls) == [] and len(instances(net)) == 1
    assert run_module(rds_instance.main, args_of(deletion_protection=False))['changed']
    gone = run_module(rds_instance.main, {'identifier': 'demo-db', 'state': 'absent', 'skip_final_snapshot': True})
    assert gone['changed'] and gone['final_snapshot'] is None and instances(net) == []
    assert net['rds'].describe_db_snapshots(SnapshotType='manual')['DBSnapshots'] == []


def test_an_existing_snapshot_name_is_refused_before_deleting(aws, run_module, calls, net):
    run_module(rds_instance.main, args_of())
    net['rds'].create_db_snapshot(DBInstanceIdentifier='demo-db', DBSnapshotIdentifier='taken')
    del calls[:]
    refused = run_module(rds_instance.main, {'identifier': 'demo-db', 'state': 'absent', 'final_snapshot_identifier': 'taken'})
    assert refused['failed'] and refused['field'] == 'final_snapshot_identifier' and 'exists already' in refused['msg']
    assert mutating(calls) == [] and len(instances(net)) == 1


def test_managed_password_returns_the_secret_arn(aws, run_module, net):
    made = run_module(rds_instance.main, args_of(master_user_password=None, manage_master_user_password=True))
    assert made['changed'] and made['rds_instance']['master_user_secret_arn'].startswith('arn:aws:secretsmanager:')


def test_what_cannot_change_in_place_is_refused(aws, run_module, calls, net):
    run_module(rds_instance.main, args_of(allocated_storage=50))
    del calls[:]
    for extra, field in (({'allocated_storage': 30}, 'allocated_storage'), ({'storage_encrypted': False}, 'storage_encrypted'),
                         ({'db_subnet_group_name': 'far-db', 'security_groups': None}, 'db_subnet_group_name'),
                         ({'engine_version': '15.7'}, 'engine_version'), ({'db_name': 'other'}, 'db_name')):
        result = run_module(rds_instance.main, args_of(**dict({'allocated_storage': 50}, **extra)))
        assert result['failed'] and result['field'] == field, (extra, result)
    assert mutating(calls) == []


@pytest.mark.parametrize('extra, field, words', [
    ({'master_user_password': 'has/slash1'}, 'master_user_password', 'except "/"'),
    ({'master_user_password': 'has"quote1'}, 'master_user_password', 'printable ASCII character except'),
    ({'master_user_password': 'has@at1234'}, 'master_user_password', 'or "@"'),
    ({'master_user_password': 'has space1'}, 'master_user_password', 'any printable ASCII character'),
    ({'master_user_password': 'short'}, 'master_user_password', '8 to 128'),
    ({'master_user_password': None}, 'master_user_password', 'required to create'),
    ({'manage_master_user_password': True}, 'master_user_password', 'not both'),
    ({'instance_class': 'db.x9.huge'}, 'instance_class', 'db.t3.micro'),
    ({'engine_version': '16.99'}, 'engine_version', '16.4'),
    ({'engine_version': 'latest'}, 'engine_version', 'not a PostgreSQL version'),
    ({'publicly_accessible': True}, 'publicly_accessible', 'allow_public_database'),
    ({'allocated_storage': 10}, 'allocated_storage', '20 to 65536'),
    ({'storage_type': 'io1', 'allocated_storage': 50, 'iops': 3000}, 'allocated_storage', '100 to 65536'),
    ({'storage_type': 'io1', 'allocated_storage': 100}, 'iops', 'required'),
    ({'max_allocated_storage': 20}, 'max_allocated_storage', 'more than allocated_storage'),
    ({'backup_retention_period': 36}, 'backup_retention_period', 'from 0 to 35'),
    ({'preferred_backup_window': '3:00-3:30'}, 'preferred_backup_window', 'hh24:mi-hh24:mi'),
    ({'preferred_maintenance_window': 'sunday:05:00-sun:06:00'}, 'preferred_maintenance_window', 'ddd:hh24:mi'),
    ({'identifier': 'demo--db'}, 'identifier', 'two consecutive hyphens'),
    ({'identifier': '1db'}, 'identifier', 'First character must be a letter'),
    ({'identifier': 'db-'}, 'identifier', "Can't end with a hyphen"),
    ({'master_username': 'rdsadmin'}, 'master_username', 'reserved'),
    ({'master_username': '_admin'}, 'master_username', 'First character must be a letter'),
    ({'master_username': 'u' * 17}, 'master_username', '1 to 16'),
    ({'db_subnet_group_name': 'nope'}, 'db_subnet_group_name', 'create it first'),
    ({'db_subnet_group_name': None}, 'db_subnet_group_name', 'required to create'),
    ({'security_groups': ['nope']}, 'security_groups', 'no security group'),
])
def test_bad_input_fails_before_any_change(aws, run_module, calls, net, extra, field, words):
    result = run_module(rds_instance.main, args_of(**extra))
    assert result['failed'] and result['field'] == field and words in result['msg'], result
    assert mutating(calls) == [] and instances(net) == []
    assert PASSWORD not in json.dumps(result)


@pytest.mark.parametrize('extra, field, words', [
    ({}, 'final_snapshot_identifier', 'required with state: absent'),
    ({'final_snapshot_identifier': '1snap'}, 'final_snapshot_identifier', 'First character must be a letter'),
    ({'final_snapshot_identifier': 'snap--x'}, 'final_snapshot_identifier', 'two consecutive hyphens'),
    ({'final_snapshot_identifier': 'snap_x'}, 'final_snapshot_identifier', 'letters, numbers, or hyphens'),
])
def test_bad_absent_input_fails_before_any_call(aws, run_module, calls, net, extra, field, words):
    result = run_module(rds_instance.main, dict({'identifier': 'demo-db', 'state': 'absent'}, **extra))
    assert result['failed'] and result['field'] == field and words in result['msg'], result
    assert calls == []


def test_a_lost_create_answer_is_found_by_identifier(aws, run_module, calls, net, monkeypatch):
    from botocore.exceptions import ConnectionClosedError
    from ansible_collections.seed.laravel_aws.plugins.module_utils import retries
    original = retries.RetryingClient.call
    lost = []

    def losing(self, operation, method, kwargs, retry_lost_answer=None):
        answer = original(self, operation, method, kwargs, retry_lost_answer)
        if operation == 'create_db_instance' and not lost:
            lost.append(operation)
            raise ConnectionClosedError(endpoint_url='https://rds.us-east-1.amazonaws.com')
        return answer
    monkeypatch.setattr(retries.RetryingClient, 'call', losing)
    made = run_module(rds_instance.main, args_of())
    assert made['changed'] and made['rds_instance']['arn'] and lost == ['create_db_instance']
    assert len(instances(net)) == 1 and mutating(calls).count('create_db_instance') == 1


def test_update_password_always_sends_it_and_never_shows_it(aws, run_module, calls, net):
    run_module(rds_instance.main, args_of())
    del calls[:]
    result = run_module(rds_instance.main, args_of(update_password='always', master_user_password='An0ther-pass'), diff=True)
    assert result['changed'] and mutating(calls) == ['modify_db_instance']
    assert 'An0ther-pass' not in json.dumps(result) and PASSWORD not in json.dumps(result)


def test_a_change_left_for_the_maintenance_window_is_pending_and_a_rerun_changes_nothing(aws, run_module, calls, net):
    run_module(rds_instance.main, args_of())
    later = args_of(instance_class='db.t4g.small', allocated_storage=40)
    pending = run_module(rds_instance.main, later, diff=True)
    assert pending['changed'] and pending['rds_instance']['instance_class'] == 'db.t4g.micro'
    assert pending['rds_instance']['pending_modified_values'] == {'instance_class': 'db.t4g.small', 'allocated_storage': 40}
    assert pending['diff']['after']['rds_instance']['pending_modified_values'] == {'instance_class': 'db.t4g.small', 'allocated_storage': 40}
    (raw,) = instances(net)
    assert raw['DBInstanceClass'] == 'db.t4g.micro' and raw['PendingModifiedValues']['DBInstanceClass'] == 'db.t4g.small'
    del calls[:]
    assert run_module(rds_instance.main, later)['changed'] is False and mutating(calls) == []
    now = run_module(rds_instance.main, dict(later, instance_class='db.t4g.medium', apply_immediately=True))
    assert now['changed'] and now['rds_instance']['instance_class'] == 'db.t4g.medium'
    assert now['rds_instance']['allocated_storage'] == 40 and now['rds_instance']['pending_modified_values'] == {}


def test_a_subnet_group_in_use_is_not_deleted_and_the_error_names_the_instance(aws, run_module, net, monkeypatch):
    from ansible_collections.seed.laravel_aws.plugins.modules import db_subnet_group
    now = [0.0]
    monkeypatch.setattr(waiters, 'CLOCK', lambda: now[0])
    monkeypatch.setattr(waiters, 'SLEEP', lambda s: now.__setitem__(0, now[0] + s))
    run_module(rds_instance.main, args_of())
    refused = run_module(db_subnet_group.main, {'name': 'demo-db', 'state': 'absent', 'wait_timeout': 60})
    assert refused['failed'] and 'still in use after 60s' in refused['msg'] and 'DB instance demo-db (available)' in refused['msg']
    assert 'InvalidDBSubnetGroupStateFault' in refused['msg'] and 60 <= now[0] <= 80
    assert len(net['rds'].describe_db_subnet_groups(DBSubnetGroupName='demo-db')['DBSubnetGroups']) == 1


# -- issue 30 ---------------------------------------------------------------------------------------------------------

@pytest.fixture
def sent(monkeypatch):
    """Every call sent through the shared retrying client, with its arguments: [(operation, kwargs)]."""
    from ansible_collections.seed.laravel_aws.plugins.module_utils import retries
    seen = []
    original = retries.RetryingClient.call

    def spy(self, operation, method, kwargs, retry_lost_answer=None):
        seen.append((operation, dict(kwargs)))
        return original(self, operation, method, kwargs, retry_lost_answer)
    monkeypatch.setattr(retries.RetryingClient, 'call', spy)
    return seen


def tags_of(net, arn):
    return {t['Key']: t['Value'] for t in net['rds'].list_tags_for_resource(ResourceName=arn)['TagList']}


def snapshots(net):
    return net['rds'].describe_db_snapshots(SnapshotType='manual')['DBSnapshots']


@pytest.mark.parametrize('state', ['present', 'absent'])
@pytest.mark.parametrize('owner, stack', [('demo', 'demo-2'), ('demo', 'demo2'), (None, 'demo')])
def test_an_instance_of_another_stack_or_of_none_is_refused(aws, run_module, calls, net, owner, stack, state):
    """Teardown of stack Demo deleted demo's database: found by its identifier, which AWS compares without case. With
    ``stack``, one tagged with another stack, or with none, is refused before any change (no final snapshot either)."""
    made = run_module(rds_instance.main, args_of(tags={'Stack': owner} if owner else {}))
    assert made['changed'], made
    arn = made['rds_instance']['arn']
    before = instances(net)[0]
    if state == 'present':
        args = args_of(identifier='Demo-DB', stack=stack, instance_class='db.t4g.small', apply_immediately=True, tags={'Tier': 'db'})
    else:
        args = {'identifier': 'Demo-DB', 'stack': stack, 'state': 'absent', 'final_snapshot_identifier': 'demo-db-final'}
    del calls[:]
    refused = run_module(rds_instance.main, args)
    assert refused.get('failed') and refused['field'] == 'stack', refused
    assert "RDS instance demo-db" in refused['msg'] and "not to stack %r" % stack in refused['msg'], refused['msg']
    assert ("belongs to stack 'demo'" if owner else 'has no Stack tag') in refused['msg'] and 'nothing was changed' in refused['msg']
    assert mutating(calls) == [] and not refused.get('changed')
    (after,) = instances(net)
    assert after['DBInstanceClass'] == before['DBInstanceClass'] == 'db.t4g.micro' and after['DBInstanceStatus'] == 'available'
    assert tags_of(net, arn) == ({'Stack': owner} if owner else {}) and snapshots(net) == []


def test_the_stack_s_own_instance_is_made_tagged_changed_and_deleted(aws, run_module, calls, net):
    made = run_module(rds_instance.main, args_of(stack='demo', tags={'Tier': 'db'}))
    assert made['changed'] and made['rds_instance']['tags'] == {'Stack': 'demo', 'Tier': 'db'}
    assert tags_of(net, made['rds_instance']['arn']) == {'Stack': 'demo', 'Tier': 'db'}
    bad = run_module(rds_instance.main, args_of(stack='Demo'))
    assert bad['failed'] and bad['field'] == 'stack' and 'lower-case' in bad['msg']
    changed = run_module(rds_instance.main, {'identifier': 'demo-db', 'stack': 'demo', 'backup_retention_period': 3})
    assert changed['changed'] and changed['rds_instance']['backup_retention_period'] == 3
    assert changed['rds_instance']['tags'] == {'Stack': 'demo', 'Tier': 'db'}
    gone = run_module(rds_instance.main, {'identifier': 'demo-db', 'stack': 'demo', 'state': 'absent', 'skip_final_snapshot': True})
    assert gone['changed'] and instances(net) == []


def test_options_left_out_leave_an_existing_instance_as_it_is(aws, run_module, calls, sent, net):
    """A task that gives only the identifier (and the stack) changes nothing: no option with a state on AWS has a default
    that would undo what the instance has (class, storage, Multi-AZ, retention, protection, port, user...)."""
    made = run_module(rds_instance.main, args_of(
        stack='demo', instance_class='db.t4g.small', storage_type='gp2', allocated_storage=30, multi_az=True,
        backup_retention_period=14, deletion_protection=True, auto_minor_version_upgrade=False, copy_tags_to_snapshot=False,
        port=5433, storage_encrypted=False, publicly_accessible=True, allow_public_database=True,
        preferred_backup_window='03:00-03:30', preferred_maintenance_window='sun:05:00-sun:06:00'))
    assert made['changed'], made
    del calls[:]
    again = run_module(rds_instance.main, {'identifier': 'demo-db', 'stack': 'demo'}, diff=True)
    assert again['changed'] is False and mutating(calls) == [], again
    view = again['rds_instance']
    assert (view['instance_class'], view['storage_type'], view['allocated_storage'], view['multi_az']) == ('db.t4g.small', 'gp2', 30, True)
    assert (view['backup_retention_period'], view['deletion_protection'], view['auto_minor_version_upgrade']) == (14, True, False)
    assert (view['copy_tags_to_snapshot'], view['port'], view['storage_encrypted'], view['publicly_accessible']) == (False, 5433, False, True)
    assert view['master_username'] == 'laravel' and view['tags'] == {'Stack': 'demo'}
    # one option given: that option only
    del sent[:]
    one = run_module(rds_instance.main, {'identifier': 'demo-db', 'stack': 'demo', 'backup_retention_period': 10})
    assert one['changed'] and [k for op, k in sent if op == 'modify_db_instance'] == [
        {'DBInstanceIdentifier': 'demo-db', 'ApplyImmediately': False, 'BackupRetentionPeriod': 10}]


def test_force_update_password_sets_it_once_waits_and_never_shows_it(aws, run_module, calls, sent, net, monkeypatch):
    """A changed master password never reached RDS: AWS never returns it, so a rerun says changed: false. The playbooks
    call the module with force_update_password when the old one no longer logs in: one ModifyDBInstance (only the
    password, ApplyImmediately), a wait through resetting-master-credentials, changed: true, no password in the result."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.rds.models import rds_backends
    waits = []
    monkeypatch.setattr(waiters, 'SLEEP', waits.append)
    run_module(rds_instance.main, args_of(stack='demo', instance_class='db.t4g.small', multi_az=True))
    stored = rds_backends[DEFAULT_ACCOUNT_ID][REGION].databases['demo-db']
    assert stored._master_user_password == PASSWORD  # pylint: disable=protected-access

    new = 'N3w-master_pass!'
    del calls[:]
    rerun = run_module(rds_instance.main, args_of(stack='demo', master_user_password=new))
    assert rerun['changed'] is False and mutating(calls) == []  # the module cannot see a new password...

    plan = run_module(rds_instance.main, {'identifier': 'demo-db', 'stack': 'demo', 'master_user_password': new,
                                          'force_update_password': True}, check_mode=True, diff=True)
    assert plan['changed'] and mutating(calls) == [] and new not in json.dumps(plan)
    del sent[:], waits[:]
    forced = run_module(rds_instance.main, {'identifier': 'demo-db', 'stack': 'demo', 'master_user_password': new,
                                            'force_update_password': True, 'wait': True}, diff=True)
    assert forced['changed'] is True, forced
    modifies = [k for op, k in sent if op == 'modify_db_instance']
    assert modifies == [{'DBInstanceIdentifier': 'demo-db', 'ApplyImmediately': True, 'MasterUserPassword': new}]
    statuses = [op for op, k in sent if op == 'describe_db_instances']
    assert waits and len(statuses) >= 3  # find, then the wait through resetting-master-credentials to available
    assert forced['rds_instance']['status'] == 'available' and forced['rds_instance']['pending_modified_values'] == {}
    assert forced['rds_instance']['instance_class'] == 'db.t4g.small' and forced['rds_instance']['multi_az'] is True
    assert stored._master_user_password == new  # pylint: disable=protected-access
    assert new not in json.dumps(forced) and PASSWORD not in json.dumps(forced)

    bad = run_module(rds_instance.main, {'identifier': 'demo-db', 'force_update_password': True})
    assert bad['failed'] and bad['field'] == 'master_user_password' and 'force_update_password' in bad['msg']


def test_a_password_with_other_changes_keeps_their_window(aws, run_module, sent, net):
    run_module(rds_instance.main, args_of())
    del sent[:]
    both = run_module(rds_instance.main, args_of(master_user_password='An0ther-pass', force_update_password=True,
                                                 instance_class='db.t4g.small'))
    assert both['changed']
    (modify,) = [k for op, k in sent if op == 'modify_db_instance']
    assert modify['ApplyImmediately'] is False and modify['MasterUserPassword'] == 'An0ther-pass'
    assert both['rds_instance']['pending_modified_values'] == {'instance_class': 'db.t4g.small'}


@pytest.mark.parametrize('backup, maintenance', [
    ('03:00-03:30', 'sun:03:15-sun:04:00'),      # inside
    ('03:00-03:30', 'wed:03:30-wed:04:00'),      # touching
    ('23:45-00:15', 'mon:00:00-mon:00:30'),      # the backup window wraps midnight
    ('00:00-00:30', 'sat:23:30-sun:00:30'),      # the maintenance window wraps midnight
    ('00:05-00:35', 'sun:23:45-mon:00:15'),      # ... and the week's end
    ('03:00-03:30', 'mon:22:00-tue:06:00'),      # on its second day
])
def test_overlapping_backup_and_maintenance_windows_are_refused_before_any_call(aws, run_module, calls, net, backup, maintenance):
    result = run_module(rds_instance.main, args_of(preferred_backup_window=backup, preferred_maintenance_window=maintenance))
    assert result['failed'] and result['field'] == 'preferred_backup_window', result
    assert 'preferred_backup_window %s' % backup in result['msg'] and 'preferred_maintenance_window %s' % maintenance in result['msg']
    assert calls == [] and instances(net) == []


def test_windows_that_do_not_meet_are_taken_and_one_given_alone_is_checked_against_the_instance(aws, run_module, calls, net):
    made = run_module(rds_instance.main, args_of(preferred_backup_window='03:00-03:30', preferred_maintenance_window='sun:23:45-mon:00:15'))
    assert made['changed'] and made['rds_instance']['preferred_maintenance_window'] == 'sun:23:45-mon:00:15', made
    del calls[:]
    late = run_module(rds_instance.main, {'identifier': 'demo-db', 'preferred_maintenance_window': 'tue:02:45-tue:03:15'})
    assert late['failed'] and late['field'] == 'preferred_maintenance_window', late
    assert 'preferred_backup_window 03:00-03:30 (the instance' in late['msg'] and 'tue:02:45-tue:03:15' in late['msg']
    assert mutating(calls) == []
    short = run_module(rds_instance.main, {'identifier': 'demo-db', 'preferred_maintenance_window': 'tue:02:45-tue:03:00'})
    assert short['failed'] and short['field'] == 'preferred_maintenance_window' and '30 minutes' in short['msg']


def test_the_emulator_answers_the_windows_as_aws(aws, net):
    """moto refused AWS's own example window (Sun:23:45-Mon:00:15) and let a 10-minute backup window through."""
    from botocore.exceptions import ClientError
    base = dict(Engine='postgres', DBInstanceClass='db.t4g.micro', MasterUsername='laravel', MasterUserPassword=PASSWORD,
                AllocatedStorage=20, DBSubnetGroupName='demo-db')
    net['rds'].create_db_instance(DBInstanceIdentifier='wraps', PreferredMaintenanceWindow='Sun:23:45-Mon:00:15',
                                  PreferredBackupWindow='03:00-03:30', **base)
    for ident, backup, maintenance in (('short', '03:00-03:10', 'sun:05:00-sun:06:00'), ('meets', '00:00-00:30', 'sun:23:45-mon:00:15')):
        with pytest.raises(ClientError) as caught:
            net['rds'].create_db_instance(DBInstanceIdentifier=ident, PreferredMaintenanceWindow=maintenance,
                                          PreferredBackupWindow=backup, **base)
        assert caught.value.response['Error']['Code'] == 'InvalidParameterValue'
    assert [i['DBInstanceIdentifier'] for i in instances(net)] == ['wraps']


def test_check_mode_plans_an_instance_in_a_subnet_group_not_made_yet(aws, run_module, calls, net, monkeypatch):
    """A playbook's check run: the db_subnet_group task before only planned the group. rds_instance failed there; it plans,
    as cache_cluster does, with a warning. A real run still refuses."""
    from ansible.module_utils import basic
    warned = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, msg: warned.append(msg))
    plan = run_module(rds_instance.main, args_of(db_subnet_group_name='planned-db', stack='demo'), check_mode=True, diff=True)
    assert plan.get('changed') is True and not plan.get('failed'), plan
    assert plan['rds_instance']['db_subnet_group_name'] == 'planned-db' and plan['rds_instance']['vpc_security_group_ids'] == ['demo-db']
    assert any('does not exist (yet)' in w for w in warned) and mutating(calls) == [] and instances(net) == []
    real = run_module(rds_instance.main, args_of(db_subnet_group_name='planned-db'))
    assert real['failed'] and real['field'] == 'db_subnet_group_name' and 'create it first' in real['msg']
