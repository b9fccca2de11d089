"""cache_subnet_group and cache_cluster through ansible-playbook against the emulator in its strict mode.

Every test runs with the emulator as strict and as unreliable as AWS: its dependency rules on, a tenth of the
requests throttled (ElastiCache's and EC2's reads among them), and the answer of each create (in the lost-answer
test) and of each delete (in the first test) lost after the emulator did the work. What is asserted is what a user sees: the resources as boto3 reads
them from the emulator, the modules' return values (changed, diff, the error's field), the requests the emulator
recorded (none that changes anything on a rerun or in check mode; no create sent twice when its answer is lost),
and that the AUTH token appears nowhere in ansible-playbook's output, even with -vvv.

The two modules are not in meta/runtime.yml's action group yet, so each task names the region and endpoint itself.
"""
import json
import subprocess

import boto3
import pytest
import yaml
from botocore.config import Config

from conftest import READS, ROOT, ansible_env

A = 'seed.laravel_aws.'
STRICT = {'strict': True, 'throttle': 0.1, 'seed': 21}
TOKEN = 'Integration-Redis-Token-0042'


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
def net(aws):
    """Made with boto3 before the faults are on: a VPC with subnets in us-east-1a and 1b and a security group."""
    ec2 = aws.ec2()
    vpc = ec2.create_vpc(CidrBlock='10.63.0.0/16')['Vpc']['VpcId']
    a = ec2.create_subnet(VpcId=vpc, CidrBlock='10.63.0.0/24', AvailabilityZone='us-east-1a')['Subnet']['SubnetId']
    b = ec2.create_subnet(VpcId=vpc, CidrBlock='10.63.1.0/24', AvailabilityZone='us-east-1b')['Subnet']['SubnetId']
    sg = ec2.create_security_group(GroupName='cacheit-redis', Description='redis', VpcId=vpc)['GroupId']
    return {'vpc': vpc, 'subnets': sorted([a, b]), 'sg': sg}


def group_task(aws, title, **args):
    args.update(region='us-east-1', endpoint_url=aws.url)
    return {'name': title, A + 'cache_subnet_group': args, 'register': 'group'}


def cluster_task(aws, title, **args):
    args.update(region='us-east-1', endpoint_url=aws.url)
    return {'name': title, A + 'cache_cluster': args, 'register': 'redis'}


def group_args(net, **extra):
    args = {'name': 'cacheit', 'subnets': net['subnets'], 'tags': {'Stack': 'cacheit'}}
    args.update(extra)
    return args


def cluster_args(**extra):
    args = {'name': 'cacheit-redis', 'num_cache_clusters': 2, 'cache_subnet_group_name': 'cacheit', 'security_groups': ['cacheit-redis'],
            'auth_token': TOKEN, 'engine_version': '7.1', 'tags': {'Stack': 'cacheit'}}
    args.update(extra)
    return args


def both(aws, net, **cluster):
    return [group_task(aws, 'subnet group', **group_args(net)), cluster_task(aws, 'redis', **cluster_args(**cluster))]


def verbose(tmp_path, tasks):
    """ansible-playbook -vvv with the default output (what a user reads in a CI log): (rc, stdout + stderr)."""
    play = [{'name': 'verbose', 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
             'vars': {'ansible_python_interpreter': '{{ ansible_playbook_python }}'}, 'tasks': tasks}]
    path = tmp_path / 'verbose.yml'
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    env = ansible_env()
    env.pop('ANSIBLE_STDOUT_CALLBACK')
    proc = subprocess.run(['ansible-playbook', '-vvv', '--diff', '-i', 'localhost,', str(path)], cwd=ROOT, env=env, check=False,
                          capture_output=True, text=True, timeout=600)
    return proc.returncode, proc.stdout + proc.stderr


def tags_of(cache, arn):
    return dict((t['Key'], t['Value']) for t in cache.list_tags_for_resource(ResourceName=arn)['TagList'])


def no_token(run):
    assert TOKEN not in run.stdout and TOKEN not in run.stderr, 'the AUTH token is in the output'


def test_check_create_rerun_tags_and_absent(playbook, aws, net):
    cache = client(aws, 'elasticache')
    aws.faults(**STRICT)
    forget(aws)

    # check mode of both in one run: the cluster is planned in the subnet group the first task only planned
    plan = playbook(both(aws, net), check=True, diff=True)
    no_token(plan)
    assert plan.rc == 0 and plan.task('subnet group')['changed'] is True and plan.task('redis')['changed'] is True
    assert plan.task('subnet group')['cache_subnet_group']['arn'] is None and plan.task('subnet group')['diff']['before'] == {}
    assert plan.task('redis')['cache_cluster']['arn'] is None and plan.task('redis')['diff']['before'] == {}
    assert any('does not exist (yet)' in w for w in plan.task('redis').get('warnings', []))
    assert attempts(aws) == [] and cache.describe_cache_subnet_groups()['CacheSubnetGroups'] == []
    refused = playbook([dict(both(aws, net)[1], ignore_errors=True)])
    assert refused.task('redis')['field'] == 'cache_subnet_group_name' and attempts(aws) == []

    made = playbook(both(aws, net), diff=True)
    no_token(made)
    assert made.rc == 0, (made.task('subnet group').get('msg'), made.task('redis').get('msg'))
    group = made.task('subnet group')['cache_subnet_group']
    assert group['vpc_id'] == net['vpc'] and group['subnet_ids'] == net['subnets'] and group['availability_zones'] == ['us-east-1a', 'us-east-1b']
    redis = made.task('redis')['cache_cluster']
    (raw,) = cache.describe_replication_groups(ReplicationGroupId='cacheit-redis')['ReplicationGroups']
    assert redis['arn'] == raw['ARN'] and redis['status'] == 'available' and raw['Status'] == 'available'
    assert redis['member_clusters'] == sorted(raw['MemberClusters']) == ['cacheit-redis-001', 'cacheit-redis-002']
    assert redis['primary_endpoint']['address'] == raw['NodeGroups'][0]['PrimaryEndpoint']['Address']
    assert redis['reader_endpoint']['address'] == raw['NodeGroups'][0]['ReaderEndpoint']['Address']
    assert raw['AuthTokenEnabled'] and raw['TransitEncryptionEnabled'] and raw['AtRestEncryptionEnabled']
    assert raw['AutomaticFailover'] == 'enabled' and raw['MultiAZ'] == 'enabled'
    assert redis['security_group_ids'] == [net['sg']] and redis['cache_subnet_group_name'] == 'cacheit'
    assert tags_of(cache, raw['ARN']) == {'Stack': 'cacheit'} and tags_of(cache, group['arn']) == {'Stack': 'cacheit'}
    assert sorted(set(done(aws))) == ['CreateCacheSubnetGroup', 'CreateReplicationGroup']
    assert done(aws).count('CreateReplicationGroup') == 1

    forget(aws)
    again = playbook(both(aws, net), diff=True)
    no_token(again)
    assert again.rc == 0 and [again.task(t)['changed'] for t in ('subnet group', 'redis')] == [False, False]
    assert attempts(aws) == []

    forget(aws)
    retag = playbook([group_task(aws, 'subnet group', **group_args(net, tags={'Owner': 'ops'})),
                      cluster_task(aws, 'redis', **cluster_args(tags={'Owner': 'ops'}))], diff=True)
    no_token(retag)
    assert retag.rc == 0 and [retag.task(t)['changed'] for t in ('subnet group', 'redis')] == [True, True]
    assert tags_of(cache, raw['ARN']) == {'Owner': 'ops'} and tags_of(cache, group['arn']) == {'Owner': 'ops'}
    assert set(done(aws)) == {'AddTagsToResource', 'RemoveTagsFromResource'}
    assert retag.task('redis')['diff']['after']['tags'] == {'Owner': 'ops'}

    # each delete's answer lost once: sent again, the repeat finds the first one's work done
    aws.faults(lose=['DeleteReplicationGroup', 'DeleteCacheSubnetGroup'], lose_times=1, **STRICT)
    forget(aws)
    gone = playbook([cluster_task(aws, 'redis absent', name='cacheit-redis', state='absent', final_snapshot_identifier='cacheit-final'),
                     group_task(aws, 'subnet group absent', name='cacheit', state='absent')])
    assert gone.rc == 0 and [gone.task(t)['changed'] for t in ('redis absent', 'subnet group absent')] == [True, True]
    assert cache.describe_replication_groups()['ReplicationGroups'] == []
    assert cache.describe_cache_subnet_groups()['CacheSubnetGroups'] == []
    assert [s['SnapshotName'] for s in cache.describe_snapshots()['Snapshots']] == ['cacheit-final']
    assert lost(aws) == ['DeleteCacheSubnetGroup', 'DeleteReplicationGroup']
    forget(aws)
    rerun = playbook([cluster_task(aws, 'redis absent', name='cacheit-redis', state='absent'),
                      group_task(aws, 'subnet group absent', name='cacheit', state='absent')])
    assert [rerun.task(t)['changed'] for t in ('redis absent', 'subnet group absent')] == [False, False] and attempts(aws) == []


def test_bad_input_names_the_field_and_changes_nothing(playbook, aws, net):
    aws.faults(**STRICT)
    forget(aws)
    run = playbook([dict(cluster_task(aws, 'short token', **cluster_args(auth_token='too-short')), ignore_errors=True),
                    dict(cluster_task(aws, 'token without tls', **cluster_args(transit_encryption=False)), ignore_errors=True),
                    dict(group_task(aws, 'no subnets', name='cacheit', subnets=['subnet-0123456789abcdef0']), ignore_errors=True)])
    no_token(run)
    assert run.task('short token')['field'] == 'auth_token' and run.task('token without tls')['field'] == 'auth_token'
    assert run.task('no subnets')['field'] == 'subnets'
    assert attempts(aws) == []


def test_a_lost_answer_on_each_create_makes_no_duplicate_and_verbose_output_hides_the_token(playbook, aws, net, tmp_path):
    cache = client(aws, 'elasticache')
    creates = ['CreateCacheSubnetGroup', 'CreateReplicationGroup']
    aws.faults(lose=creates, lose_times=1, **STRICT)
    forget(aws)
    run = playbook(both(aws, net))
    no_token(run)
    assert run.rc == 0, (run.task('subnet group').get('msg'), run.task('redis').get('msg'))
    assert lost(aws) == creates
    assert [run.task(t)['changed'] for t in ('subnet group', 'redis')] == [True, True]
    assert [done(aws).count(a) for a in creates] == [1, 1]  # found again by name, never sent twice
    assert len(cache.describe_replication_groups()['ReplicationGroups']) == 1
    assert len(cache.describe_cache_subnet_groups()['CacheSubnetGroups']) == 1
    assert TOKEN not in json.dumps(run.data)

    forget(aws)
    rc, output = verbose(tmp_path, both(aws, net))
    assert rc == 0 and 'changed=0' in output and attempts(aws) == [], output[-3000:]
    assert TOKEN not in output
    rc, output = verbose(tmp_path, both(aws, net, update_auth_token='always'))  # the token sent in a ModifyReplicationGroup
    assert rc == 0 and 'changed=1' in output and 'ModifyReplicationGroup' in done(aws), output[-3000:]
    assert TOKEN not in output


# -- issue 30 ---------------------------------------------------------------------------------------------------------

def test_another_stack_s_cache_is_neither_changed_nor_deleted(playbook, aws, net):
    """teardown.yml -e stack_name=Demo deleted stack demo's Redis cluster and its subnet group (AWS folds the names'
    case). A task of another stack, or one on a resource of none, is refused before anything is sent."""
    cache = client(aws, 'elasticache')
    aws.faults(**STRICT)
    made = playbook([group_task(aws, 'subnet group', **group_args(net, stack='cacheit', tags=None)),
                     cluster_task(aws, 'redis', **cluster_args(stack='cacheit', tags=None))])
    assert made.rc == 0, made.task('redis').get('msg')
    forget(aws)
    other = playbook([dict(cluster_task(aws, 'redis', name='CACHEIT-redis', stack='cacheit-2', state='absent',
                                        final_snapshot_identifier='cacheit-final'), ignore_errors=True),
                      dict(group_task(aws, 'subnet group', name='CacheIt', stack='cacheit2', state='absent'), ignore_errors=True),
                      dict(cluster_task(aws, 'rotate', name='cacheit-redis', stack='cacheit-2', auth_token='An0ther-Redis-Token',
                                        update_auth_token='rotate'), ignore_errors=True)])
    no_token(other)
    for title, kind in (('redis', 'cache cluster cacheit-redis'), ('subnet group', 'cache subnet group cacheit'),
                        ('rotate', 'cache cluster cacheit-redis')):
        result = other.task(title)
        assert result['failed'] and result['field'] == 'stack' and kind in result['msg'], result
        assert "belongs to stack 'cacheit'" in result['msg'] and 'nothing was changed' in result['msg']
    assert attempts(aws) == []
    assert len(cache.describe_replication_groups()['ReplicationGroups']) == 1 and len(cache.describe_cache_subnet_groups()['CacheSubnetGroups']) == 1
    assert cache.describe_snapshots()['Snapshots'] == []


def test_a_new_token_rotated_in_then_set_alone(playbook, aws, net):
    """What the stack's playbooks do when the old token no longer opens the cluster: rotate (the old and the new both
    valid while the web hosts switch), then set (the new alone). A rerun with a new token and no update_auth_token sends
    nothing; set before any rotation is refused, as AWS refuses it."""
    aws.faults(**STRICT)
    assert playbook(both(aws, net, stack='cacheit')).rc == 0
    new = 'N3w-Integration-Token-42'
    forget(aws)
    rerun = playbook(both(aws, net, stack='cacheit', auth_token=new))
    assert rerun.task('redis')['changed'] is False and attempts(aws) == []
    early = playbook([dict(cluster_task(aws, 'set', name='cacheit-redis', stack='cacheit', auth_token=new, update_auth_token='set'),
                           ignore_errors=True)])
    assert early.task('set')['failed'] and 'InvalidParameterCombination' in early.task('set')['msg']
    forget(aws)
    for update in ('rotate', 'set'):
        run = playbook([cluster_task(aws, update, name='cacheit-redis', stack='cacheit', auth_token=new, update_auth_token=update)])
        assert run.rc == 0 and run.task(update)['changed'] is True, run.task(update).get('msg')
        assert run.task(update)['cache_cluster']['status'] == 'available'
        assert new not in run.stdout and new not in run.stderr
    assert done(aws) == ['ModifyReplicationGroup', 'ModifyReplicationGroup']
