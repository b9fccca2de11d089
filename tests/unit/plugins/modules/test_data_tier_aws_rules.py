"""Every row of aws_rules for ELBv2, RDS, ElastiCache and ACM is either wired into the validation of the module that sends
the parameter, or listed in NOT_SENT with the reason the collection never sends it. A wired row's bad examples make the
module fail before any mutating call (in check mode too), naming the option and carrying AWS's rule, its error code and
its page (never a secret's value); its good examples pass the module's validation. A row added to the table later with
neither fails test_every_row_is_wired_or_not_sent."""
import json

import pytest

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules
from ansible_collections.seed.laravel_aws.plugins.module_utils import cache_cluster as cache_cluster_utils
from ansible_collections.seed.laravel_aws.plugins.module_utils import cache_subnet_group as cache_subnet_group_utils
from ansible_collections.seed.laravel_aws.plugins.module_utils import certificate as certificate_utils
from ansible_collections.seed.laravel_aws.plugins.module_utils import db_subnet_group as db_subnet_group_utils
from ansible_collections.seed.laravel_aws.plugins.module_utils import load_balancer as load_balancer_utils
from ansible_collections.seed.laravel_aws.plugins.module_utils import rds_instance as rds_instance_utils
from ansible_collections.seed.laravel_aws.plugins.modules import (
    cache_cluster, cache_subnet_group, certificate, db_subnet_group, load_balancer, rds_instance,
)

from ...conftest import REGION, mutating
from .pem import self_signed

SERVICES = ('elbv2', 'rds', 'elasticache', 'acm')
PEM = self_signed('site.example.com')
MODULES = {  # name: (module, its module_utils whose validate() runs before any call)
    'rds_instance': (rds_instance, rds_instance_utils), 'db_subnet_group': (db_subnet_group, db_subnet_group_utils),
    'cache_cluster': (cache_cluster, cache_cluster_utils), 'cache_subnet_group': (cache_subnet_group, cache_subnet_group_utils),
    'load_balancer': (load_balancer, load_balancer_utils), 'certificate': (certificate, certificate_utils),
}


@pytest.fixture(scope='module')
def aws():
    """moto's in-process AWS, started once for this file's hundreds of cases (each sends nothing that changes it: a
    refused value is refused before any call, a taken one stops at validate()); the shared fixture's start per case
    cost most of the file's time."""
    moto = pytest.importorskip('moto')
    import boto3
    from emulator.fidelity import patch_moto
    with pytest.MonkeyPatch.context() as patch:
        for name in ('AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_EC2'):
            patch.delenv(name, raising=False)
        patch.setenv('AWS_ACCESS_KEY_ID', 'testing')
        patch.setenv('AWS_SECRET_ACCESS_KEY', 'testing')
        patch.setenv('AWS_DEFAULT_REGION', REGION)
        patch_moto()
        with moto.mock_aws():
            yield boto3.client('ec2', region_name=REGION)


# -- minimal valid arguments of each module, with the option under test given ``v`` -----------------------------------

def rds(**extra):
    return dict({'identifier': 'demo-db', 'master_user_password': 'Secr3t-pass', 'db_subnet_group_name': 'demo-db'}, **extra)


def db_group(**extra):
    return dict({'name': 'demo-db', 'description': 'Subnets of demo', 'subnets': ['subnet-12345678', 'subnet-87654321']}, **extra)


def redis(**extra):
    return dict({'name': 'demo-redis', 'cache_subnet_group_name': 'demo-cache'}, **extra)


def cache_group(**extra):
    return dict({'name': 'demo-cache', 'description': 'Subnets of demo', 'subnets': ['subnet-12345678']}, **extra)


def alb(group=None, listener=None, **extra):
    tg = dict({'name': 'demo-web'}, **(group or {}))
    lst = dict({'port': 80, 'target_group': tg['name']}, **(listener or {}))
    return dict({'name': 'demo-alb', 'subnets': ['subnet-12345678', 'subnet-87654321'], 'target_groups': [tg], 'listeners': [lst]},
                **extra)


def health(key):
    return ('load_balancer', lambda v, x: alb({'health_check': {key: v}}), 'target_groups[0].health_check.%s' % key)


def cert(**extra):
    return dict({'name': 'demo-site', 'certificate': PEM[0], 'private_key': PEM[1]}, **extra)


def tags(module, build):
    """The Tags[].Key and Tags[].Value wirings of a module: the key or the value under test in its tags option."""
    return ((module, lambda v, x: build(tags={v: 'demo'}), 'tags'), (module, lambda v, x: build(tags={'Owner': v}), 'tags'))


RDS_TAGS, GROUP_TAGS = tags('rds_instance', rds), tags('db_subnet_group', db_group)
REDIS_TAGS, CACHE_GROUP_TAGS = tags('cache_cluster', redis), tags('cache_subnet_group', cache_group)
ALB_TAGS, CERT_TAGS = tags('load_balancer', alb), tags('certificate', cert)


def requested_cert(**extra):
    return dict({'name': 'demo-site', 'domain_name': 'www.example.com'}, **extra)


REQUEST_TAGS = tags('certificate', requested_cert)

# (service, operation, parameter): [(module, args(value, the row's other parameters), the option the error names)].
# The other parameters: a row's ``when`` and its pass_with/fail_with, as AWS's names (StorageType, AutomaticFailoverEnabled,
# TransitEncryptionEnabled), which the wiring turns into the module's options.
WIRED = {
    ('elbv2', 'CreateLoadBalancer', 'Name'): [('load_balancer', lambda v, x: alb(name=v), 'name')],
    ('elbv2', 'CreateTargetGroup', 'Name'): [('load_balancer', lambda v, x: alb({'name': v}), 'target_groups[0].name')],
    ('elbv2', 'CreateTargetGroup', 'Port'): [('load_balancer', lambda v, x: alb({'port': v}), 'target_groups[0].port')],
    ('elbv2', 'CreateListener', 'Port'): [('load_balancer', lambda v, x: alb(listener={'port': v}), 'listeners[0].port')],
    ('elbv2', 'ModifyTargetGroupAttributes', 'Attributes[Key=deregistration_delay.timeout_seconds].Value'): [
        ('load_balancer', lambda v, x: alb({'deregistration_delay': v}), 'target_groups[0].deregistration_delay')],
    ('elbv2', 'ModifyTargetGroupAttributes', 'Attributes[Key=stickiness.lb_cookie.duration_seconds].Value'): [
        ('load_balancer', lambda v, x: alb({'stickiness': {'duration': v}}), 'target_groups[0].stickiness.duration')],
    ('rds', 'CreateDBInstance', 'DBInstanceIdentifier'): [('rds_instance', lambda v, x: rds(identifier=v), 'identifier')],
    ('rds', 'DeleteDBInstance', 'FinalDBSnapshotIdentifier'): [
        ('rds_instance', lambda v, x: {'identifier': 'demo-db', 'state': 'absent', 'final_snapshot_identifier': v},
         'final_snapshot_identifier')],
    ('rds', 'CreateDBInstance', 'MasterUsername'): [('rds_instance', lambda v, x: rds(master_username=v), 'master_username')],
    ('rds', 'CreateDBInstance', 'DBName'): [('rds_instance', lambda v, x: rds(db_name=v), 'db_name')],
    ('rds', 'CreateDBInstance', 'AllocatedStorage'): [
        ('rds_instance', lambda v, x: rds(allocated_storage=v, storage_type=x.get('StorageType')), 'allocated_storage')],
    ('rds', 'CreateDBInstance', 'Port'): [('rds_instance', lambda v, x: rds(port=v), 'port')],
    ('rds', 'ModifyDBInstance', 'DBPortNumber'): [('rds_instance', lambda v, x: rds(port=v), 'port')],
    ('rds', 'CreateDBSubnetGroup', 'DBSubnetGroupName'): [('db_subnet_group', lambda v, x: db_group(name=v), 'name')],
    ('elasticache', 'CreateReplicationGroup', 'ReplicationGroupId'): [('cache_cluster', lambda v, x: redis(name=v), 'name')],
    ('elasticache', 'CreateReplicationGroup', 'ReplicationGroupDescription'): [
        ('cache_cluster', lambda v, x: redis(description=v), 'description')],
    ('elasticache', 'CreateReplicationGroup', 'NumCacheClusters'): [
        ('cache_cluster', lambda v, x: redis(num_cache_clusters=v, automatic_failover=x.get('AutomaticFailoverEnabled')),
         'num_cache_clusters')],
    ('elasticache', 'CreateReplicationGroup', 'AuthToken'): [
        ('cache_cluster', lambda v, x: redis(auth_token=v, transit_encryption=x.get('TransitEncryptionEnabled')), 'auth_token')],
    ('elasticache', 'ModifyReplicationGroup', 'AuthToken'): [
        ('cache_cluster', lambda v, x: redis(auth_token=v, update_auth_token='rotate'), 'auth_token')],
    ('elasticache', 'CreateCacheSubnetGroup', 'CacheSubnetGroupName'): [('cache_subnet_group', lambda v, x: cache_group(name=v), 'name')],
}
for _op in ('CreateTargetGroup', 'ModifyTargetGroup'):
    WIRED.update({('elbv2', _op, 'HealthCheckPath'): [health('path')],
                  ('elbv2', _op, 'HealthCheckIntervalSeconds'): [health('interval')],
                  ('elbv2', _op, 'HealthCheckTimeoutSeconds'): [health('timeout')],
                  ('elbv2', _op, 'HealthyThresholdCount'): [health('healthy_threshold')],
                  ('elbv2', _op, 'UnhealthyThresholdCount'): [health('unhealthy_threshold')],
                  ('elbv2', _op, 'Matcher.HttpCode'): [health('matcher')]})
for _op in ('RegisterTargets', 'DeregisterTargets'):
    WIRED[('elbv2', _op, 'Targets[].Port')] = [('load_balancer', lambda v, x: alb({'target_port': v}), 'target_groups[0].target_port')]
for _op in ('CreateDBInstance', 'ModifyDBInstance'):
    WIRED.update({
        ('rds', _op, 'MasterUserPassword'): [('rds_instance', lambda v, x: rds(master_user_password=v), 'master_user_password')],
        ('rds', _op, 'BackupRetentionPeriod'): [('rds_instance', lambda v, x: rds(backup_retention_period=v), 'backup_retention_period')],
        ('rds', _op, 'PreferredBackupWindow'): [('rds_instance', lambda v, x: rds(preferred_backup_window=v), 'preferred_backup_window')],
        ('rds', _op, 'PreferredMaintenanceWindow'): [
            ('rds_instance', lambda v, x: rds(preferred_maintenance_window=v), 'preferred_maintenance_window')]})
for _op in ('CreateDBSubnetGroup', 'ModifyDBSubnetGroup'):
    WIRED[('rds', _op, 'DBSubnetGroupDescription')] = [('db_subnet_group', lambda v, x: db_group(description=v), 'description')]
for _op in ('CreateReplicationGroup', 'ModifyReplicationGroup'):
    WIRED.update({
        ('elasticache', _op, 'PreferredMaintenanceWindow'): [
            ('cache_cluster', lambda v, x: redis(preferred_maintenance_window=v), 'preferred_maintenance_window')],
        ('elasticache', _op, 'SnapshotRetentionLimit'): [
            ('cache_cluster', lambda v, x: redis(snapshot_retention_limit=v), 'snapshot_retention_limit')]})
for _op in ('CreateCacheSubnetGroup', 'ModifyCacheSubnetGroup'):
    WIRED[('elasticache', _op, 'CacheSubnetGroupDescription')] = [
        ('cache_subnet_group', lambda v, x: cache_group(description=v), 'description')]
for _service, _ops, _wirings in (('elbv2', ('AddTags', 'CreateLoadBalancer', 'CreateTargetGroup'), [ALB_TAGS]),
                                 ('rds', ('CreateDBInstance',), [RDS_TAGS]), ('rds', ('CreateDBSubnetGroup',), [GROUP_TAGS]),
                                 ('rds', ('AddTagsToResource',), [RDS_TAGS, GROUP_TAGS]),
                                 ('elasticache', ('CreateReplicationGroup',), [REDIS_TAGS]),
                                 ('elasticache', ('CreateCacheSubnetGroup',), [CACHE_GROUP_TAGS]),
                                 ('elasticache', ('AddTagsToResource',), [REDIS_TAGS, CACHE_GROUP_TAGS]),
                                 ('acm', ('ImportCertificate', 'AddTagsToCertificate'), [CERT_TAGS]),
                                 ('acm', ('RequestCertificate',), [REQUEST_TAGS])):
    for _op in _ops:
        WIRED[(_service, _op, 'Tags[].Key')] = [w[0] for w in _wirings]
        WIRED[(_service, _op, 'Tags[].Value')] = [w[1] for w in _wirings]

WIRED[('acm', 'RequestCertificate', 'DomainName')] = [('certificate', lambda v, x: requested_cert(domain_name=v), 'domain_name')]


# listener rules: the rule of listeners[0] (HTTP, port 80) with the value under test
def alb_rule(**rule):
    return alb(listener={'rules': [dict({'priority': 10, 'host_header': ['www.example.com'], 'action': 'redirect'}, **rule)]})


def rule_of_conditions(conditions):
    """A rule of the module's options with the values of a request's Conditions (one host-header, one path-pattern)."""
    values = dict((c['Field'], aws_rules.condition_values(c)) for c in conditions)
    return alb_rule(host_header=values.get('host-header'), path_pattern=values.get('path-pattern'), redirect_host='example.com')


def rule_of_redirect(config):
    """A redirect rule of the module's options from a request's RedirectConfig."""
    options = dict((key, config[aws]) for key, aws, dummy in load_balancer_utils.REDIRECT_DEFAULTS if aws in config)
    return alb_rule(redirect_status=int(config.get('StatusCode', 'HTTP_301')[5:]), **options)


RULE = 'listeners[0].rules[0]'
WIRED[('elbv2', 'CreateRule', 'Priority')] = [('load_balancer', lambda v, x: alb_rule(priority=v, redirect_host='example.com'),
                                               RULE + '.priority')]
for _op in ('CreateRule', 'ModifyRule'):
    WIRED.update({
        ('elbv2', _op, 'Conditions[].HostHeaderConfig.Values[]'): [
            ('load_balancer', lambda v, x: alb_rule(host_header=[v], redirect_host='example.com'), RULE + '.host_header')],
        ('elbv2', _op, 'Conditions[].PathPatternConfig.Values[]'): [
            ('load_balancer', lambda v, x: alb_rule(path_pattern=[v], redirect_host='example.com'), RULE + '.path_pattern')],
        ('elbv2', _op, 'Conditions'): [('load_balancer', lambda v, x: rule_of_conditions(v), RULE)],
        ('elbv2', _op, 'Actions[].RedirectConfig'): [('load_balancer', lambda v, x: rule_of_redirect(v), RULE)],
        ('elbv2', _op, 'Actions[].RedirectConfig.Port'): [
            ('load_balancer', lambda v, x: alb_rule(redirect_port=v, redirect_host='example.com'), RULE + '.redirect_port')],
        ('elbv2', _op, 'Actions[].RedirectConfig.Path'): [
            ('load_balancer', lambda v, x: alb_rule(redirect_path=v, redirect_host='example.com'), RULE + '.redirect_path')],
        ('elbv2', _op, 'Actions[].RedirectConfig.Host'): [
            ('load_balancer', lambda v, x: alb_rule(redirect_host=v, redirect_protocol='HTTPS'), RULE + '.redirect_host')],
        ('elbv2', _op, 'Actions[].RedirectConfig.Query'): [
            ('load_balancer', lambda v, x: alb_rule(redirect_query=v, redirect_host='example.com'), RULE + '.redirect_query')],
    })

# (service, operation, parameter): why the collection never sends a value the row refuses.
NOT_SENT = {
    ('acm', 'ImportCertificate', 'Tags'): 'certificate re-imports (ImportCertificate with CertificateArn) without Tags; it changes '
                                          'the tags with AddTagsToCertificate/RemoveTagsFromCertificate',
}


def rows():
    return [r for r in aws_rules.RULES if r['service'] in SERVICES]


def key(row):
    return (row['service'], row['operation'], row['parameter'])


def others(row, with_):
    """The row's other parameters: the first value of each ``when`` that is not None, then pass_with or fail_with."""
    out = dict((name, next((v for v in values if v is not None), None)) for name, values in row['when'].items())
    out.update(row[with_])
    return out


def label(row, module, value):
    return '%s-%s-%s-%s-%r' % (module, row['service'], row['operation'], row['parameter'], value if len(repr(value)) < 24 else repr(value)[:20])


BAD = [pytest.param(row, module, build, field, value, id=label(row, module, value))
       for row in rows() for module, build, field in WIRED.get(key(row), []) for value in row['bad']]
GOOD = [pytest.param(row, module, build, field, value, id=label(row, module, value))
        for row in rows() for module, build, field in WIRED.get(key(row), []) for value in row['good']]


def test_every_row_is_wired_or_not_sent():
    keys = set(key(r) for r in rows())
    neither = sorted(k for k in keys if k not in WIRED and k not in NOT_SENT)
    assert neither == [], 'rows of aws_rules no module checks, and not in NOT_SENT: %s' % neither
    both = sorted(set(WIRED) & set(NOT_SENT))
    stale = sorted((set(WIRED) | set(NOT_SENT)) - keys)
    assert both == [] and stale == [], (both, stale)
    assert all(r['bad'] for r in rows() if key(r) in WIRED)  # every wired row is met with a value it refuses


def _refused_with_the_rule(result, module, field):
    """The module refused, naming ``field``, with AWS's rule (one of the rows wired to that option), its code and its page."""
    assert result.get('failed'), 'the module took a value AWS refuses: %s' % result
    msg = result['msg']
    if 'field' not in result:  # Ansible's own type check of the option (an int option given a word): no call either
        assert field.rsplit('.', 1)[-1] in msg, msg
        return
    assert result['field'] == field and field in msg and "refused by AWS's rule" in msg, msg
    wired = [r for r in rows() if any(m == module and f == field for m, dummy, f in WIRED.get(key(r), []))]
    assert any(r['rule'] in msg and r['code'] in msg and r['source'] in msg for r in wired), msg


@pytest.mark.parametrize('row, module, build, field, value', BAD)
def test_a_value_the_table_refuses_is_refused_before_any_mutating_call(aws, run_module, calls, row, module, build, field, value):
    result = run_module(MODULES[module][0].main, build(value, others(row, 'fail_with')))
    _refused_with_the_rule(result, module, field)
    assert mutating(calls) == [], calls
    if row['secret'] and isinstance(value, str) and len(value) > 3:
        assert value not in json.dumps(result), 'a secret is in the result'


CHECK_MODE = [pytest.param(row, module, build, field, row['bad'][0], id=label(row, module, row['bad'][0]))
              for row in rows() for module, build, field in WIRED.get(key(row), [])[:1]]


@pytest.mark.parametrize('row, module, build, field, value', CHECK_MODE)
def test_check_mode_refuses_it_too(aws, run_module, calls, row, module, build, field, value):
    result = run_module(MODULES[module][0].main, build(value, others(row, 'fail_with')), check_mode=True)
    _refused_with_the_rule(result, module, field)
    assert mutating(calls) == [], calls


class Validated(Exception):
    """Raised once the module's validate() has returned: the values passed validation (the rest of the run is not this
    test's)."""


@pytest.mark.parametrize('row, module, build, field, value', GOOD)
def test_a_value_the_table_takes_passes_validation(aws, run_module, calls, monkeypatch, row, module, build, field, value):
    utils = MODULES[module][1]
    original, passed = utils.validate, []

    def validate(p):
        passed.append(original(p))
        raise Validated()
    monkeypatch.setattr(utils, 'validate', validate)
    result = run_module(MODULES[module][0].main, build(value, others(row, 'pass_with')), check_mode=True)
    assert passed and 'Validated' in result.get('msg', ''), result.get('msg')
    assert calls == []


def test_a_reimport_sends_no_tags(aws, run_module, calls, monkeypatch):
    """NOT_SENT's row: AWS refuses tags with CertificateArn, so a re-import never carries them."""
    sent = []
    from ansible_collections.seed.laravel_aws.plugins.module_utils import retries
    original = retries.RetryingClient.call

    def spy(self, operation, method, kwargs, retry_lost_answer=None):
        sent.append((operation, dict(kwargs)))
        return original(self, operation, method, kwargs, retry_lost_answer)
    monkeypatch.setattr(retries.RetryingClient, 'call', spy)
    assert not run_module(certificate.main, cert(tags={'Stack': 'demo'})).get('failed')
    other = self_signed('site.example.com')
    again = run_module(certificate.main, cert(certificate=other[0], private_key=other[1], tags={'Stack': 'demo', 'Tier': 'web'}))
    assert again['changed'] and not again.get('failed'), again.get('msg')
    imports = [kw for op, kw in sent if op == 'import_certificate']
    assert len(imports) == 2 and 'CertificateArn' in imports[1] and 'Tags' not in imports[1]
    assert aws_rules.check_request('acm', 'ImportCertificate', imports[1]) == []
