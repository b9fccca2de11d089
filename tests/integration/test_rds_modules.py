"""db_subnet_group and rds_instance through ansible-playbook against the emulator in its strict mode.

Every test runs with the emulator as strict and as unreliable as AWS: its dependency rules on, a tenth of the
requests throttled (RDS's too), and in the lost-answer test the answer of each create lost after the emulator did
the work. What is asserted is what a user sees: the resources as boto3 reads them from the emulator, the modules'
return values (changed, diff, the error's field), and the requests the emulator recorded (none that changes
anything on a rerun or in check mode; no create sent twice when its answer is lost). The master password never
appears in the output, even with -vvv.
"""
import subprocess

import boto3
import pytest
import yaml
from botocore.config import Config

from conftest import READS, ROOT, ansible_env

A = 'seed.laravel_aws.'
STRICT = {'strict': True, 'throttle': 0.1, 'seed': 17}
PASSWORD = 'Int3gration-pw_42'


def client(aws, service):
    """A boto3 client of the emulator that retries what the fault layer throttles."""
    return boto3.client(service, region_name='us-east-1', endpoint_url=aws.url, aws_access_key_id='testing',
                        aws_secret_access_key='testing', config=Config(retries={'max_attempts': 10, 'mode': 'standard'}))


def forget(aws):
    aws._get('/_seed/requests', method='DELETE')  # pylint: disable=protected-access


def attempts(aws):
    """Every mutating request the emulator received, throttled and lost ones included."""
    return [r['action'] for r in aws.requests() if not r['action'].startswith(READS)]


def done(aws):
    """The mutating requests the emulator carried out (not throttled): those lost included."""
    return [r['action'] for r in aws.requests() if not r['action'].startswith(READS) and r.get('fault') != 'throttled']


def lost(aws):
    return sorted(r['action'] for r in aws.requests() if r.get('fault') == 'lost')


@pytest.fixture
def play(playbook, aws):
    """``playbook`` with the connection options set on each task: the two modules are not in the collection's action
    group (meta/runtime.yml) yet, so the play's group/seed.laravel_aws.aws module_defaults do not reach them."""
    conn = {'region': 'us-east-1', 'endpoint_url': aws.url}

    def run(tasks, **kwargs):
        tasks = [dict(t, module_defaults={A + 'db_subnet_group': conn, A + 'rds_instance': conn}) for t in tasks]
        return playbook(tasks, **kwargs)
    return run


@pytest.fixture
def net(aws):
    """Made with boto3 before the faults are on: a VPC with subnets in us-east-1a and 1b and a security group."""
    ec2 = aws.ec2()
    vpc = ec2.create_vpc(CidrBlock='10.63.0.0/16')['Vpc']['VpcId']
    a = ec2.create_subnet(VpcId=vpc, CidrBlock='10.63.0.0/24', AvailabilityZone='us-east-1a')['Subnet']['SubnetId']
    b = ec2.create_subnet(VpcId=vpc, CidrBlock='10.63.1.0/24', AvailabilityZone='us-east-1b')['Subnet']['SubnetId']
    sg = ec2.create_security_group(GroupName='rdsit-db', Description='db', VpcId=vpc)['GroupId']
    return {'vpc': vpc, 'subnets': [a, b], 'sg': sg}


def group_task(title, **args):
    return {'name': title, A + 'db_subnet_group': args, 'register': 'group'}


def db_task(title, **args):
    return {'name': title, A + 'rds_instance': args, 'register': 'db'}


def db_args(**extra):
    args = {'identifier': 'rdsit-db', 'engine_version': '16.4', 'db_subnet_group_name': 'rdsit-db', 'security_groups': ['rdsit-db'],
            'db_name': 'laravel', 'master_username': 'laravel', 'master_user_password': PASSWORD, 'tags': {'Stack': 'rdsit'}}
    args.update(extra)
    return args


def tasks_of(net, **db_extra):
    return [group_task('group', name='rdsit-db', subnets=net['subnets'], tags={'Stack': 'rdsit'}),
            db_task('db', **db_args(**db_extra))]


def test_check_create_rerun_tags_and_absent_with_a_final_snapshot(play, aws, net):
    rds = client(aws, 'rds')
    aws.faults(**STRICT)
    forget(aws)
    group, db = tasks_of(net)
    plan = play([dict(group, check_mode=True)], diff=True)
    assert plan.rc == 0 and plan.task('group')['changed'], plan.task('group').get('msg')
    assert plan.task('group')['db_subnet_group']['arn'] is None and plan.task('group')['diff']['before'] == {}
    assert attempts(aws) == [] and rds.describe_db_subnet_groups()['DBSubnetGroups'] == []
    plan = play([group, dict(db, check_mode=True)], diff=True)
    assert plan.rc == 0, (plan.task('group').get('msg'), plan.task('db').get('msg'))
    assert plan.task('db')['changed'] and plan.task('db')['rds_instance']['arn'] is None
    assert plan.task('db')['diff']['after']['rds_instance']['identifier'] == 'rdsit-db' and plan.task('db')['diff']['before'] == {}
    assert done(aws) == ['CreateDBSubnetGroup'] and rds.describe_db_instances()['DBInstances'] == []

    forget(aws)
    made = play(tasks_of(net), diff=True)
    assert made.rc == 0, (made.task('group').get('msg'), made.task('db').get('msg'))
    assert made.task('group')['changed'] is False and made.task('db')['changed']
    assert done(aws) == ['CreateDBInstance']
    (raw,) = rds.describe_db_instances()['DBInstances']
    db = made.task('db')['rds_instance']
    assert db['arn'] == raw['DBInstanceArn'] and db['status'] == 'available' and db['vpc_id'] == net['vpc']
    assert raw['DBSubnetGroup']['DBSubnetGroupName'] == 'rdsit-db' and [g['VpcSecurityGroupId'] for g in raw['VpcSecurityGroups']] == [net['sg']]
    assert (raw['Engine'], raw['EngineVersion'], raw['DBInstanceClass'], raw['StorageEncrypted']) == ('postgres', '16.4', 'db.t4g.micro', True)
    assert PASSWORD not in made.stdout and PASSWORD not in made.stderr

    forget(aws)
    again = play(tasks_of(net))
    assert again.rc == 0 and [again.task(t)['changed'] for t in ('group', 'db')] == [False, False]
    assert attempts(aws) == []

    forget(aws)
    plan = play([dict(db_task('db', **db_args(tags={'Stack': 'rdsit', 'Tier': 'db'})), check_mode=True)], diff=True)
    assert plan.task('db')['changed'] and plan.task('db')['diff']['after']['rds_instance']['tags'] == {'Stack': 'rdsit', 'Tier': 'db'}
    assert attempts(aws) == []
    tagged = play([db_task('db', **db_args(tags={'Stack': 'rdsit', 'Tier': 'db'}))])
    assert tagged.task('db')['changed'] and done(aws) == ['AddTagsToResource']
    tags = dict((t['Key'], t['Value']) for t in rds.list_tags_for_resource(ResourceName=raw['DBInstanceArn'])['TagList'])
    assert tags == {'Stack': 'rdsit', 'Tier': 'db'}

    forget(aws)
    gone = play([db_task('db', identifier='rdsit-db', state='absent', final_snapshot_identifier='rdsit-db-final'),
                 group_task('group', name='rdsit-db', state='absent')])
    assert gone.rc == 0, (gone.task('db').get('msg'), gone.task('group').get('msg'))
    assert gone.task('db')['final_snapshot']['identifier'] == 'rdsit-db-final'
    assert rds.describe_db_instances()['DBInstances'] == [] and rds.describe_db_subnet_groups()['DBSubnetGroups'] == []
    assert [s['DBSnapshotIdentifier'] for s in rds.describe_db_snapshots(SnapshotType='manual')['DBSnapshots']] == ['rdsit-db-final']
    assert sorted(done(aws)) == ['DeleteDBInstance', 'DeleteDBSubnetGroup']


def test_absent_without_a_final_snapshot_and_bad_input(play, aws, net):
    rds = client(aws, 'rds')
    aws.faults(**STRICT)
    made = play(tasks_of(net))
    assert made.rc == 0, made.task('db').get('msg')
    forget(aws)
    bad = play([dict(db_task('no snapshot name', identifier='rdsit-db', state='absent'), ignore_errors=True),
                dict(db_task('public', **db_args(publicly_accessible=True)), ignore_errors=True),
                dict(db_task('slash', **db_args(identifier='rdsit-two', master_user_password='bad/password1')), ignore_errors=True)])
    assert bad.task('no snapshot name')['field'] == 'final_snapshot_identifier'
    assert bad.task('public')['field'] == 'publicly_accessible'
    assert bad.task('slash')['field'] == 'master_user_password'
    assert attempts(aws) == [] and len(rds.describe_db_instances()['DBInstances']) == 1
    gone = play([db_task('db', identifier='rdsit-db', state='absent', skip_final_snapshot=True)])
    assert gone.rc == 0 and gone.task('db')['changed'] and gone.task('db')['final_snapshot'] is None
    assert rds.describe_db_instances()['DBInstances'] == [] and rds.describe_db_snapshots(SnapshotType='manual')['DBSnapshots'] == []


def test_a_lost_answer_on_each_create_makes_no_duplicate(play, aws, net):
    rds = client(aws, 'rds')
    aws.faults(lose=['CreateDBSubnetGroup', 'CreateDBInstance'], lose_times=1, **STRICT)
    forget(aws)
    run = play(tasks_of(net))
    assert run.rc == 0, (run.task('group').get('msg'), run.task('db').get('msg'))
    assert lost(aws) == ['CreateDBInstance', 'CreateDBSubnetGroup']
    assert sorted(done(aws)) == ['CreateDBInstance', 'CreateDBSubnetGroup']  # each once: found again by its name
    assert len(rds.describe_db_instances()['DBInstances']) == 1 and len(rds.describe_db_subnet_groups()['DBSubnetGroups']) == 1
    assert run.task('db')['rds_instance']['arn'] == rds.describe_db_instances()['DBInstances'][0]['DBInstanceArn']
    forget(aws)
    again = play(tasks_of(net))
    assert [again.task(t)['changed'] for t in ('group', 'db')] == [False, False] and attempts(aws) == []


def test_verbose_output_of_a_create_never_holds_the_password(aws, net, tmp_path):
    """-vvv with the default callback and --diff: the module's arguments, result and diff as a user sees them."""
    aws.faults(**STRICT)
    conn = {'region': 'us-east-1', 'endpoint_url': aws.url}
    tasks = [dict(t, module_defaults={A + 'db_subnet_group': conn, A + 'rds_instance': conn}) for t in tasks_of(net)]
    path = tmp_path / 'play.yml'
    path.write_text(yaml.safe_dump([{'name': 'verbose', 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
                                     'vars': {'ansible_python_interpreter': '{{ ansible_playbook_python }}'}, 'tasks': tasks}]))
    env = ansible_env(ANSIBLE_STDOUT_CALLBACK='default')
    proc = subprocess.run(['ansible-playbook', '-i', 'localhost,', '-vvv', '--diff', str(path)], cwd=ROOT, env=env, check=False,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert 'rdsit-db' in proc.stdout and 'changed=2' in proc.stdout
    assert PASSWORD not in proc.stdout and PASSWORD not in proc.stderr
    assert client(aws, 'rds').describe_db_instances()['DBInstances'][0]['DBInstanceIdentifier'] == 'rdsit-db'


# -- issue 30 ---------------------------------------------------------------------------------------------------------

def test_another_stack_s_database_is_neither_changed_nor_deleted(play, aws, net):
    """teardown.yml -e stack_name=Demo deleted stack demo's database and its subnet group: AWS compares the names without
    case. Every task names its stack now, and a resource tagged with another one is refused before anything is sent."""
    rds = client(aws, 'rds')
    aws.faults(**STRICT)
    made = play([group_task('group', name='rdsit-db', subnets=net['subnets'], stack='rdsit'),
                 db_task('db', **db_args(stack='rdsit', tags=None))])
    assert made.rc == 0, made.task('db').get('msg')
    forget(aws)
    other = play([dict(db_task('db', identifier='RDSIT-db', stack='rdsit-2', state='absent',
                               final_snapshot_identifier='rdsit-db-final'), ignore_errors=True),
                  dict(group_task('group', name='RDSIT-db', stack='rdsit-2', state='absent'), ignore_errors=True),
                  dict(db_task('db modify', **db_args(identifier='rdsit-db', stack='rdsit2', instance_class='db.t4g.small')),
                       ignore_errors=True)])
    for title, kind in (('db', 'RDS instance rdsit-db'), ('group', 'DB subnet group rdsit-db'), ('db modify', 'RDS instance rdsit-db')):
        result = other.task(title)
        assert result['failed'] and result['field'] == 'stack' and kind in result['msg'], result
        assert "belongs to stack 'rdsit'" in result['msg'] and 'nothing was changed' in result['msg']
    assert attempts(aws) == []
    (raw,) = rds.describe_db_instances()['DBInstances']
    assert raw['DBInstanceClass'] == 'db.t4g.micro' and len(rds.describe_db_subnet_groups()['DBSubnetGroups']) == 1
    assert rds.describe_db_snapshots(SnapshotType='manual')['DBSnapshots'] == []
    tags = dict((t['Key'], t['Value']) for t in rds.list_tags_for_resource(ResourceName=raw['DBInstanceArn'])['TagList'])
    assert tags == {'Stack': 'rdsit'}


def test_a_new_master_password_is_sent_only_when_forced_and_windows_that_meet_are_refused(play, aws, net):
    aws.faults(**STRICT)
    assert play(tasks_of(net)).rc == 0
    forget(aws)
    new = 'N3w-Integration_pw'
    rerun = play([db_task('db', **db_args(master_user_password=new))])
    assert rerun.rc == 0 and rerun.task('db')['changed'] is False and attempts(aws) == []
    forced = play([db_task('db', identifier='rdsit-db', stack='rdsit', master_user_password=new, force_update_password=True,
                           apply_immediately=True)])
    assert forced.rc == 0 and forced.task('db')['changed'] is True, forced.task('db').get('msg')
    assert forced.task('db')['rds_instance']['status'] == 'available' and done(aws) == ['ModifyDBInstance']
    assert new not in forced.stdout and new not in forced.stderr
    forget(aws)
    meeting = db_args(preferred_backup_window='23:45-00:15', preferred_maintenance_window='mon:00:00-mon:00:30')
    windows = play([dict(db_task('db', **meeting), ignore_errors=True)])
    result = windows.task('db')
    assert result['failed'] and result['field'] == 'preferred_backup_window' and 'preferred_maintenance_window' in result['msg']
    assert aws.requests() == []  # refused before any call, as AWS would have after it


def test_a_check_run_plans_the_database_in_the_subnet_group_it_only_planned(play, aws, net):
    rds = client(aws, 'rds')
    aws.faults(**STRICT)
    forget(aws)
    group, db = tasks_of(net)
    plan = play([dict(group, check_mode=True), dict(db, check_mode=True)], diff=True)
    assert plan.rc == 0, plan.task('db').get('msg')
    assert plan.task('db')['changed'] and plan.task('db')['rds_instance']['db_subnet_group_name'] == 'rdsit-db'
    assert any('does not exist (yet)' in w for w in plan.task('db').get('warnings', []))
    assert attempts(aws) == [] and rds.describe_db_subnet_groups()['DBSubnetGroups'] == []
