"""The load balancer side and the data tier as AWS is: eventually consistent and slow.

A new id unseen for a few Describe calls (LoadBalancerNotFound, TargetGroupNotFound, DBInstanceNotFound,
ReplicationGroupNotFoundFault) right after the create; AWS's states in order (provisioning -> active; creating ->
backing-up -> available; modifying; deleting -> gone); deletes AWS refuses while something still holds the resource
(a DB or cache subnet group while an instance or cluster in it is being deleted, a certificate ACM still lists as used
by a listener that is gone). Scripted clients answer as AWS does; the clock is a fake one that the sleeps advance, so
nothing sleeps for real and no assertion depends on the machine's speed."""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.seed.laravel_aws.plugins.module_utils import (
    cache_cluster as cache_utils, cache_subnet_group as csg_utils, certificate as cert_utils, db_subnet_group as dsg_utils,
    elasticache, elbv2, load_balancer as lb_utils, rds_instance as rds_utils, waiters,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Context
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import StillInUse, WaitFailed

ARN_LB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/demo-web/0123456789abcdef'
ARN_TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-web/0123456789abcdef'
ARN_LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/demo-web/0123456789abcdef/fedcba9876543210'
ARN_CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555'
ARN_DB = 'arn:aws:rds:us-east-1:123456789012:db:demo-db'
ARN_RG = 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:demo-redis'


def error(code, operation='Call'):
    return ClientError({'Error': {'Code': code, 'Message': '%s (scripted)' % code}}, operation)


class Clock:
    """A clock the sleeps advance: time passes only when the code sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    @property
    def elapsed(self):
        return self.now - 1000.0


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    for mod in (rds_utils, elasticache, elbv2, dsg_utils, cert_utils, waiters):
        monkeypatch.setattr(mod, 'SLEEP', c.sleep, raising=False)
        monkeypatch.setattr(mod, 'CLOCK', c, raising=False)
    return c


MODEL_CLIENTS = {}


def model_client(service):
    """A client of ``service`` that is never called: only its waiters' models are read."""
    if service not in MODEL_CLIENTS:
        import botocore.session
        MODEL_CLIENTS[service] = botocore.session.get_session().create_client(
            service, region_name='us-east-1', aws_access_key_id='testing', aws_secret_access_key='testing')
    return MODEL_CLIENTS[service]


class Scripted:
    """A client whose operations answer from scripts: each call takes the next answer of its operation (the last one
    repeats); an answer that is an exception is raised. Every call is recorded as (operation, kwargs)."""

    def __init__(self, **scripts):
        self.scripts = dict((op, list(answers)) for op, answers in scripts.items())
        self.calls = []

    def __getattr__(self, operation):
        if operation.startswith('_') or operation not in self.__dict__.get('scripts', {}):
            raise AttributeError(operation)

        def call(**kwargs):
            self.calls.append((operation, kwargs))
            answers = self.scripts[operation]
            answer = answers.pop(0) if len(answers) > 1 else answers[0]
            if isinstance(answer, Exception):
                raise answer
            return answer(kwargs) if callable(answer) else answer
        return call

    def paginate(self, operation, result_key, **kwargs):
        return getattr(self, operation)(**kwargs)[result_key]

    def get_waiter(self, name):
        """AWS's own waiter ``name`` (botocore's model, for waiters.aws_wait), of whichever service has it: its polls
        come back to this client's scripts."""
        for service in ('rds', 'elasticache', 'elbv2'):
            model = model_client(service)
            if name in model.waiter_names:
                return model.get_waiter(name)
        raise AttributeError(name)

    def ops(self, name=None):
        return [op for op, dummy in self.calls if name is None or op == name]


def warnings_of(ctx):
    seen = []
    ctx.warn = seen.append
    return seen


# -- RDS -------------------------------------------------------------------------------------------

def db(status, pending=None, **extra):
    raw = {'DBInstanceIdentifier': 'demo-db', 'DBInstanceArn': ARN_DB, 'DBInstanceStatus': status, 'Engine': 'postgres',
           'EngineVersion': '16.4', 'DBInstanceClass': 'db.t4g.micro', 'AllocatedStorage': 20, 'StorageType': 'gp3',
           'StorageEncrypted': True, 'MultiAZ': False, 'PubliclyAccessible': False, 'BackupRetentionPeriod': 7,
           'DeletionProtection': False, 'AutoMinorVersionUpgrade': True, 'CopyTagsToSnapshot': True, 'MasterUsername': 'laravel',
           'DBName': 'laravel', 'DbInstancePort': 5432, 'DBSubnetGroup': {'DBSubnetGroupName': 'demo-db', 'VpcId': 'vpc-1'},
           'PendingModifiedValues': pending or {}, 'TagList': [{'Key': 'Stack', 'Value': 'demo'}]}
    raw.update(extra)
    return {'DBInstances': [raw]}


def rds_desired(**given):
    params = {'identifier': 'demo-db', 'engine_version': '16.4', 'db_subnet_group_name': 'demo-db', 'db_name': 'laravel',
              'master_username': 'laravel', 'master_user_password': 'Sup3r-secret_pw!', 'tags': {'Stack': 'demo'},
              'state': 'present', 'force_update_password': False, 'update_password': 'on_create', 'apply_immediately': False,
              'allow_public_database': False, 'skip_final_snapshot': False, 'delete_automated_backups': False}
    params.update(given)
    for key in ('engine', 'instance_class', 'allocated_storage', 'max_allocated_storage', 'storage_type', 'iops', 'security_groups',
                'publicly_accessible', 'storage_encrypted', 'kms_key_id', 'multi_az', 'backup_retention_period',
                'preferred_backup_window', 'preferred_maintenance_window', 'db_parameter_group_name', 'deletion_protection',
                'auto_minor_version_upgrade', 'copy_tags_to_snapshot', 'port', 'manage_master_user_password',
                'master_user_secret_kms_key_id', 'final_snapshot_identifier', 'stack'):
        params.setdefault(key, None)
    return rds_utils.validate(params)


def test_rds_create_waits_through_not_found_then_creating_backing_up_available(clock):
    client = Scripted(create_db_instance=[{'DBInstance': db('creating')['DBInstances'][0]}],
                      describe_db_instances=[error('DBInstanceNotFound'), error('DBInstanceNotFound'), db('creating'),
                                             db('backing-up'), db('available')])
    ctx = Context(client, wait=True, wait_timeout=1800)
    change = rds_utils.ensure(ctx, desired=rds_utils.settle(rds_desired()))
    assert change.action == 'create' and change.after['rds_instance']['status'] == 'available'
    assert client.ops() == ['create_db_instance'] + ['describe_db_instances'] * 5


def test_rds_a_new_instance_never_seen_is_an_error_after_the_bounded_retry_not_the_whole_wait(clock):
    client = Scripted(create_db_instance=[{'DBInstance': db('creating')['DBInstances'][0]}],
                      describe_db_instances=[error('DBInstanceNotFound')])
    ctx = Context(client, wait=True, wait_timeout=1800)
    with pytest.raises(ClientError) as info:
        rds_utils.ensure(ctx, desired=rds_utils.settle(rds_desired()))
    assert info.value.response['Error']['Code'] == 'DBInstanceNotFound'
    assert clock.elapsed <= rds_utils.NEW_ID_TIMEOUT + 10  # not the 1800 s of wait_timeout


def test_rds_wait_false_returns_at_once_after_the_create(clock):
    client = Scripted(create_db_instance=[{'DBInstance': db('creating')['DBInstances'][0]}],
                      describe_db_instances=[error('DBInstanceNotFound')])
    change = rds_utils.ensure(Context(client, wait=False), desired=rds_utils.settle(rds_desired()))
    assert change.after['rds_instance']['status'] == 'creating' and client.ops() == ['create_db_instance'] and clock.slept == []


def test_rds_a_second_task_with_wait_true_on_a_creating_instance_waits_and_changes_nothing(clock):
    client = Scripted(describe_db_instances=[db('creating'), db('backing-up'), db('available')])
    existing = db('creating', Endpoint=None)['DBInstances'][0]
    ctx = Context(client, wait=True, wait_timeout=1800)
    change = rds_utils.ensure(ctx, desired=rds_utils.settle(rds_desired(), existing), existing=existing)
    assert change.changed is False and change.after['rds_instance']['status'] == 'available'
    assert 'modify_db_instance' not in client.ops() and client.ops() == ['describe_db_instances'] * 3


def test_rds_wait_false_on_a_creating_instance_sends_no_modify_and_says_why(clock):
    client = Scripted(modify_db_instance=[error('InvalidDBInstanceState', 'ModifyDBInstance')])
    existing = db('creating')['DBInstances'][0]
    ctx = Context(client, wait=False)
    said = warnings_of(ctx)
    change = rds_utils.ensure(ctx, desired=rds_utils.settle(rds_desired(backup_retention_period=14), existing), existing=existing)
    assert change.changed is False and client.ops() == []
    assert len(said) == 1 and 'demo-db is creating' in said[0] and 'BackupRetentionPeriod' in said[0] and 'wait: true' in said[0]


def test_rds_a_modify_applied_now_is_waited_for_until_applied_not_at_the_first_available(clock):
    modified = db('available', {'DBInstanceClass': 'db.t4g.small'})
    client = Scripted(modify_db_instance=[{'DBInstance': modified['DBInstances'][0]}],
                      describe_db_instances=[modified, db('modifying', {'DBInstanceClass': 'db.t4g.small'}),
                                             db('available', DBInstanceClass='db.t4g.small')],
                      add_tags_to_resource=[{}], remove_tags_from_resource=[{}])
    existing = db('available')['DBInstances'][0]
    ctx = Context(client, wait=True, wait_timeout=1800)
    desired = rds_utils.settle(rds_desired(instance_class='db.t4g.small', apply_immediately=True), existing)
    change = rds_utils.ensure(ctx, desired=desired, existing=existing)
    after = change.after['rds_instance']
    assert change.changed and after['instance_class'] == 'db.t4g.small' and after['pending_modified_values'] == {}
    assert client.ops('describe_db_instances') == ['describe_db_instances'] * 3


@pytest.mark.parametrize('status', ['failed', 'incompatible-parameters', 'storage-full'])
def test_rds_a_failed_state_ends_the_create_wait_with_its_status(clock, status):
    client = Scripted(create_db_instance=[{'DBInstance': db('creating')['DBInstances'][0]}],
                      describe_db_instances=[db('creating'), db(status)])
    with pytest.raises(WaitFailed, match='its status is %s' % status):
        rds_utils.ensure(Context(client, wait=True, wait_timeout=1800), desired=rds_utils.settle(rds_desired()))


def test_rds_an_instance_gone_while_waited_for_is_an_error_at_once(clock):
    client = Scripted(describe_db_instances=[db('modifying'), error('DBInstanceNotFound')])
    with pytest.raises(WaitFailed, match='gone'):
        rds_utils.wait_available(Context(client, wait_timeout=1800), 'demo-db', 1800)
    assert clock.elapsed < 60


def test_rds_absent_on_an_instance_already_deleting_sends_no_second_delete_and_waits_until_gone(clock):
    client = Scripted(delete_db_instance=[error('InvalidDBInstanceState', 'DeleteDBInstance')],
                      describe_db_snapshots=[{'DBSnapshots': [{'DBSnapshotIdentifier': 'demo-db-final', 'Status': 'creating'}]}],
                      describe_db_instances=[db('deleting'), db('deleting'), error('DBInstanceNotFound')])
    existing = db('deleting')['DBInstances'][0]
    absent = rds_utils.validate({'identifier': 'demo-db', 'state': 'absent', 'final_snapshot_identifier': 'demo-db-final'})
    change = rds_utils.delete(Context(client, wait=True, wait_timeout=1800), existing=existing, desired=absent)
    assert change.action == 'none' and change.changed is False
    assert client.ops('delete_db_instance') == [] and client.ops('describe_db_instances') == ['describe_db_instances'] * 3
    assert change.after == {'rds_instance': {}, 'final_snapshot': {'identifier': 'demo-db-final', 'arn': None, 'status': 'creating'}}


def test_rds_present_on_an_instance_being_deleted_is_refused_naming_it(clock):
    existing = db('deleting')['DBInstances'][0]
    with pytest.raises(ValidationError, match='demo-db is being deleted'):
        rds_utils.ensure(Context(Scripted()), desired=rds_utils.settle(rds_desired(), existing), existing=existing)


def subnet_group(name='demo-db'):
    return {'raw': {'DBSubnetGroupName': name, 'DBSubnetGroupArn': 'arn:aws:rds:us-east-1:123456789012:subgrp:' + name,
                    'Subnets': [], 'VpcId': 'vpc-1'}, 'tags': {}}


def test_db_subnet_group_delete_waits_while_an_instance_in_it_is_deleting(clock):
    client = Scripted(delete_db_subnet_group=[error('InvalidDBSubnetGroupStateFault'), error('InvalidDBSubnetGroupStateFault'), {}])
    change = dsg_utils.delete(Context(client, wait=True, wait_timeout=1200), existing=subnet_group())
    assert change.action == 'delete' and client.ops() == ['delete_db_subnet_group'] * 3 and clock.elapsed > 0


def test_db_subnet_group_delete_names_the_instances_that_hold_it_when_the_time_is_out(clock):
    client = Scripted(delete_db_subnet_group=[error('InvalidDBSubnetGroupStateFault')],
                      describe_db_instances=[db('deleting')])
    with pytest.raises(StillInUse) as info:
        dsg_utils.delete(Context(client, wait=True, wait_timeout=300), existing=subnet_group())
    assert info.value.holders == ['DB instance demo-db (deleting)'] and 'DB subnet group demo-db' in str(info.value)
    assert 300 <= clock.elapsed <= 330


def test_db_subnet_group_delete_with_wait_false_tries_once_and_names_the_holders(clock):
    client = Scripted(delete_db_subnet_group=[error('InvalidDBSubnetGroupStateFault')], describe_db_instances=[db('deleting')])
    with pytest.raises(StillInUse, match='DB instance demo-db'):
        dsg_utils.delete(Context(client, wait=False), existing=subnet_group())
    assert client.ops('delete_db_subnet_group') == ['delete_db_subnet_group'] and clock.slept == []


# -- ElastiCache -----------------------------------------------------------------------------------

def group(status, endpoint=True, members=('demo-redis-001',)):
    node = {'NodeGroupMembers': [{'CacheClusterId': members[0], 'CurrentRole': 'primary'}]}
    if endpoint:
        node['PrimaryEndpoint'] = {'Address': 'demo-redis.cache.amazonaws.com', 'Port': 6379}
    return {'ReplicationGroups': [{'ReplicationGroupId': 'demo-redis', 'ARN': ARN_RG, 'Status': status, 'Description': 'demo-redis',
                                   'MemberClusters': list(members), 'NodeGroups': [node], 'CacheNodeType': 'cache.t4g.micro',
                                   'AutomaticFailover': 'disabled', 'MultiAZ': 'disabled', 'TransitEncryptionEnabled': True,
                                   'AtRestEncryptionEnabled': True, 'AuthTokenEnabled': False, 'SnapshotRetentionLimit': 0}]}


def member(status='available'):
    return {'CacheClusters': [{'CacheClusterId': 'demo-redis-001', 'CacheClusterStatus': status, 'Engine': 'redis',
                               'EngineVersion': '7.1.0', 'CacheSubnetGroupName': 'demo-cache', 'ReplicationGroupId': 'demo-redis',
                               'SecurityGroups': [{'SecurityGroupId': 'sg-1'}], 'PreferredMaintenanceWindow': 'sun:05:00-sun:06:00'}]}


def cache_desired(existing=None, **given):
    params = {'name': 'demo-redis', 'cache_subnet_group_name': 'demo-cache', 'state': 'present', 'update_auth_token': 'on_create',
              'apply_immediately': False, 'tags': None}
    params.update(given)
    for key in ('description', 'engine', 'engine_version', 'node_type', 'num_cache_clusters', 'port', 'security_groups',
                'transit_encryption', 'at_rest_encryption', 'kms_key_id', 'auth_token', 'automatic_failover', 'multi_az',
                'snapshot_retention_limit', 'preferred_maintenance_window', 'final_snapshot_identifier', 'stack'):
        params.setdefault(key, None)
    desired = cache_utils.settle(cache_utils.validate(params), cache_utils.describe_existing(existing) if existing else None)
    desired.setdefault('security_group_ids', None)
    return desired


def cache_client(groups, **more):
    scripts = dict(describe_replication_groups=groups, describe_cache_clusters=[member()], list_tags_for_resource=[{'TagList': []}])
    scripts.update(more)
    return Scripted(**scripts)


def test_cache_create_waits_through_not_found_then_creating_available(clock):
    client = cache_client([error('ReplicationGroupNotFoundFault'), error('ReplicationGroupNotFoundFault'),
                           group('creating', endpoint=False), group('available')],
                          create_replication_group=[{'ReplicationGroup': group('creating', endpoint=False)['ReplicationGroups'][0]}])
    change = cache_utils.ensure(Context(client, wait=True, wait_timeout=1800), desired=cache_desired())
    assert change.action == 'create' and change.after['status'] == 'available' and change.after['port'] == 6379


def test_cache_a_new_group_never_seen_is_an_error_after_the_bounded_retry(clock):
    client = cache_client([error('ReplicationGroupNotFoundFault')],
                          create_replication_group=[{'ReplicationGroup': group('creating', endpoint=False)['ReplicationGroups'][0]}])
    with pytest.raises(ClientError) as info:
        cache_utils.ensure(Context(client, wait=True, wait_timeout=1800), desired=cache_desired())
    assert info.value.response['Error']['Code'] == 'ReplicationGroupNotFoundFault'
    assert clock.elapsed <= elasticache.NEW_ID_TIMEOUT + 35


def test_cache_a_second_task_with_wait_true_on_a_creating_group_waits_and_changes_nothing(clock):
    # creating: no endpoint yet, so no port to compare; the task's port (6379 by default) is not a "change"
    client = cache_client([group('creating', endpoint=False), group('available')])
    existing = {'raw': group('creating', endpoint=False)['ReplicationGroups'][0], 'member': None, 'tags': {}}
    change = cache_utils.ensure(Context(client, wait=True, wait_timeout=1800), desired=cache_desired(existing, port=6379),
                                existing=existing)
    assert change.changed is False and change.after['status'] == 'available'
    assert 'modify_replication_group' not in client.ops()


def test_cache_wait_false_on_a_creating_group_sends_no_modify_and_says_why(clock):
    client = cache_client([group('creating')], modify_replication_group=[error('InvalidReplicationGroupState')])
    existing = {'raw': group('creating')['ReplicationGroups'][0], 'member': member('creating')['CacheClusters'][0], 'tags': {}}
    ctx = Context(client, wait=False)
    said = warnings_of(ctx)
    change = cache_utils.ensure(ctx, desired=cache_desired(existing, node_type='cache.t4g.small'), existing=existing)
    assert change.changed is False and 'modify_replication_group' not in client.ops()
    assert len(said) == 1 and 'demo-redis is creating' in said[0] and 'CacheNodeType' in said[0]


def test_cache_absent_on_a_creating_group_waits_until_available_then_deletes_and_waits_until_gone(clock):
    # creating, available (the wait), available (what it found), then after the delete: deleting, gone
    client = cache_client([group('creating'), group('available'), group('available'), group('deleting'),
                           error('ReplicationGroupNotFoundFault')], delete_replication_group=[{}])
    existing = {'raw': group('creating')['ReplicationGroups'][0], 'member': member()['CacheClusters'][0], 'tags': {}}
    change = cache_utils.delete(Context(client, wait=True, wait_timeout=1800), existing=existing)
    assert change.action == 'delete' and client.ops('delete_replication_group') == ['delete_replication_group']
    ops = [op for op in client.ops() if op != 'list_tags_for_resource' and op != 'describe_cache_clusters']
    assert ops.index('delete_replication_group') == 3 and ops[4:] == ['describe_replication_groups'] * 2


def cache_group(name='demo-cache'):
    return {'raw': {'CacheSubnetGroupName': name, 'ARN': 'arn:aws:elasticache:us-east-1:123456789012:subnetgroup:' + name,
                    'VpcId': 'vpc-1', 'Subnets': []}, 'tags': {}}


def test_cache_subnet_group_delete_waits_while_a_group_in_it_is_deleting(clock):
    client = Scripted(delete_cache_subnet_group=[error('CacheSubnetGroupInUse'), {}])
    change = csg_utils.delete(Context(client, wait=True, wait_timeout=1200), existing=cache_group())
    assert change.action == 'delete' and client.ops() == ['delete_cache_subnet_group'] * 2


def test_cache_subnet_group_delete_names_the_clusters_in_it_when_the_time_is_out(clock):
    client = Scripted(delete_cache_subnet_group=[error('CacheSubnetGroupInUse')], describe_cache_clusters=[member('deleting')])
    with pytest.raises(StillInUse) as info:
        csg_utils.delete(Context(client, wait=True, wait_timeout=120), existing=cache_group())
    assert info.value.holders == ['cache cluster demo-redis-001 (deleting) of replication group demo-redis']


# -- ELBv2 -----------------------------------------------------------------------------------------

def lb(state, reason=None):
    code = {'Code': state}
    if reason:
        code['Reason'] = reason
    return {'LoadBalancers': [{'LoadBalancerArn': ARN_LB, 'LoadBalancerName': 'demo-web', 'State': code}]}


def test_alb_wait_after_the_create_reads_through_not_found_then_provisioning_active(clock):
    client = Scripted(describe_load_balancers=[error('LoadBalancerNotFound'), error('LoadBalancerNotFound'), lb('provisioning'),
                                               lb('active')])
    raw = lb_utils.wait_active(Context(client, wait_timeout=600), ARN_LB, 600, True)
    assert raw['State']['Code'] == 'active' and len(client.ops()) == 4


def test_alb_not_found_for_an_existing_load_balancer_is_not_retried(clock):
    client = Scripted(describe_load_balancers=[lb('provisioning'), error('LoadBalancerNotFound')])
    with pytest.raises(WaitFailed, match='gone'):
        lb_utils.wait_active(Context(client, wait_timeout=600), ARN_LB, 600)


def test_alb_failed_state_ends_the_wait_with_its_reason(clock):
    client = Scripted(describe_load_balancers=[lb('provisioning'), lb('failed', 'no capacity in us-east-1a')])
    with pytest.raises(WaitFailed, match='no capacity in us-east-1a'):
        lb_utils.wait_active(Context(client, wait_timeout=600), ARN_LB, 600, True)


def target_group_plan():
    g = lb_utils.validate_target_group({'name': 'demo-web', 'deregistration_delay': 30, 'targets': ['i-0123456789abcdef0']}, 0, None)
    g.update(protocol='HTTP', port=80, vpc_id='vpc-1', target_ids=['i-0123456789abcdef0'], target_port=80,
             health_check=dict(lb_utils.HEALTH_DEFAULTS))
    return g


def test_a_new_target_group_is_changed_and_given_targets_through_target_group_not_found(clock):
    made = {'TargetGroupArn': ARN_TG, 'TargetGroupName': 'demo-web', 'Protocol': 'HTTP', 'Port': 80, 'VpcId': 'vpc-1'}
    client = Scripted(create_target_group=[{'TargetGroups': [made]}],
                      modify_target_group_attributes=[error('TargetGroupNotFound'), {}],
                      register_targets=[error('TargetGroupNotFound'), error('TargetGroupNotFound'), {}])
    change = lb_utils.ensure_target_group(Context(client, wait_timeout=600), desired=target_group_plan())
    assert change.action == 'create' and change.after['targets'][0]['id'] == 'i-0123456789abcdef0'
    assert client.ops() == ['create_target_group'] + ['modify_target_group_attributes'] * 2 + ['register_targets'] * 3


def test_an_existing_target_group_not_found_is_not_retried(clock):
    existing = {'raw': {'TargetGroupArn': ARN_TG, 'TargetGroupName': 'demo-web', 'Protocol': 'HTTP', 'Port': 80,
                        'Matcher': {'HttpCode': '200'}, 'HealthCheckPath': '/', 'HealthCheckIntervalSeconds': 30,
                        'HealthCheckTimeoutSeconds': 5, 'HealthyThresholdCount': 5, 'UnhealthyThresholdCount': 2},
                'attributes': {'deregistration_delay.timeout_seconds': '30'}, 'tags': {}, 'health': []}
    client = Scripted(register_targets=[error('TargetGroupNotFound'), {}])
    with pytest.raises(ClientError):
        lb_utils.ensure_target_group(Context(client, wait_timeout=600), desired=target_group_plan(), existing=existing)
    assert client.ops() == ['register_targets']


def test_a_target_group_delete_waits_while_aws_still_holds_it_then_names_the_load_balancer(clock):
    client = Scripted(delete_target_group=[error('ResourceInUse')],
                      describe_target_groups=[{'TargetGroups': [{'TargetGroupArn': ARN_TG, 'LoadBalancerArns': [ARN_LB]}]}])
    with pytest.raises(StillInUse) as info:
        lb_utils._delete_target_group(Context(client, wait_timeout=60), ARN_TG, 60)
    assert info.value.holders == ['load balancer %s' % ARN_LB] and len(client.ops('delete_target_group')) > 1


# -- ACM -------------------------------------------------------------------------------------------

def certificate(in_use_by):
    return {'raw': {'CertificateArn': ARN_CERT, 'InUseBy': list(in_use_by), 'Type': 'IMPORTED'}, 'tags': {'Name': 'demo-site'},
            'fingerprint': 'AA'}


def test_certificate_delete_waits_for_acm_to_release_a_deleted_listener(clock):
    acm = Scripted(delete_certificate=[error('ResourceInUseException'), error('ResourceInUseException'), {}])
    elb = Scripted(describe_listeners=[error('ListenerNotFound')])
    change = cert_utils.delete(Context(acm, wait=True, wait_timeout=300, clients={'elbv2': elb}.get), existing=certificate([ARN_LISTENER]))
    assert change.action == 'delete' and acm.ops() == ['delete_certificate'] * 3


def test_certificate_delete_waits_when_the_user_is_a_load_balancer_that_is_gone(clock):
    acm = Scripted(delete_certificate=[error('ResourceInUseException'), {}])
    elb = Scripted(describe_listeners=[error('LoadBalancerNotFound')])
    cert_utils.delete(Context(acm, wait=True, wait_timeout=300, clients={'elbv2': elb}.get), existing=certificate([ARN_LB]))
    assert acm.ops() == ['delete_certificate'] * 2


def test_certificate_delete_names_the_users_acm_still_lists_when_the_time_is_out(clock):
    acm = Scripted(delete_certificate=[error('ResourceInUseException')],
                   describe_certificate=[{'Certificate': {'CertificateArn': ARN_CERT, 'InUseBy': [ARN_LISTENER]}}])
    elb = Scripted(describe_listeners=[error('ListenerNotFound')])
    with pytest.raises(StillInUse) as info:
        cert_utils.delete(Context(acm, wait=True, wait_timeout=60, clients={'elbv2': elb}.get), existing=certificate([ARN_LISTENER]))
    assert ARN_LISTENER in info.value.holders[0] and 60 <= clock.elapsed <= 80


def test_certificate_used_by_a_live_listener_is_refused_at_once(clock):
    acm = Scripted(delete_certificate=[{}])
    elb = Scripted(describe_listeners=[{'Listeners': [{'ListenerArn': ARN_LISTENER, 'Certificates': [{'CertificateArn': ARN_CERT}]}]}])
    with pytest.raises(ValidationError, match='still used by %s' % ARN_LISTENER):
        cert_utils.delete(Context(acm, wait=True, wait_timeout=300, clients={'elbv2': elb}.get), existing=certificate([ARN_LISTENER]))
    assert acm.ops() == [] and clock.slept == []
