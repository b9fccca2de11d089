# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An RDS for PostgreSQL DB instance, found by its identifier (unique per region). The resource of the rds_instance
module.

The resource protocol (docs/architecture.md; module_utils/runner.py): :func:`validate`, :func:`resolve`,
:func:`find`, :func:`describe`, :func:`ensure`, :func:`delete`, over a Context whose client is RDS's. The module's
result has two keys, ``rds_instance`` (the view) and, with state absent, ``final_snapshot``: so :data:`RESULT` is
None and a Change's before and after are ``{'rds_instance': view}`` (:func:`result`), plus ``final_snapshot`` after
a delete. :func:`validate` checks the options without a call; :func:`resolve` checks them with reads (the orderable
instance options of the region, the DB subnet group and its VPC, the security groups there) before any change.
CreateDBInstance carries no token, but the identifier is the identity: a lost answer is found again by identifier
(``retries.create_or_find``) before creating again. What AWS changes in place goes out in one ModifyDBInstance; what
it cannot change is refused first.

An option left out is left as it is on an existing instance (:func:`settle` gives it its default only to create).
With a stack, the instance found by its identifier is changed or deleted only when it is tagged with that stack.

The master password is never part of a view, a diff or a message; its rule is secrets.RULES' (one rule per secret).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import group_ids_in_vpc, not_found
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.rds import NEW_ID_TIMEOUT, paginate
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, check_owner, validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import apply_resource_tags, boto3_tags_to_dict, dict_to_boto3_tags, normalize_tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import aws_wait, retry_not_found, wait_for

NAME = 'rds_instance'
KEY = ('identifier', 'stack')
RESULT = None  # the result is the view's keys: rds_instance, and final_snapshot with state absent
EMPTY = {'rds_instance': {}, 'final_snapshot': None}

# The identifiers, the master user and password, the database name, the windows, the port, storage and the tags are
# checked against aws_rules' rows of RDS (AWS's documented rules, with their pages), for each operation that sends them.
CREATE, MODIFY = 'CreateDBInstance', 'ModifyDBInstance'
TAG_OPERATIONS = (CREATE, 'AddTagsToResource')
VERSION_RE = re.compile(r'^[0-9]+(\.[0-9]+)*$')
# RDS for PostgreSQL: the names RDS keeps for itself, and the SQL reserved words PostgreSQL refuses as a role name
RESERVED_USERNAMES = frozenset(['rdsadmin', 'rdsrepladmin', 'rds_superuser', 'rds_replication', 'rds_password', 'rdstopmgr',
                                'public', 'all', 'user', 'current_user', 'session_user', 'select', 'table', 'grant', 'none'])
STORAGE_TYPES = ('gp2', 'gp3', 'io1', 'io2')
MIN_STORAGE = {'gp2': 20, 'gp3': 20, 'io1': 100, 'io2': 100}
MAX_STORAGE = 65536
GP3_IOPS_FROM = 400  # GiB: below this gp3 has its 3000 baseline IOPS and takes no iops of its own
FAILED_STATES = ('failed', 'incompatible-parameters', 'incompatible-network', 'incompatible-restore', 'restore-error',
                 'storage-full', 'inaccessible-encryption-credentials')
MISSING = 'DBInstanceNotFound'
# What an option left out is when the instance is created; on an existing instance it is left as it is.
CREATE_DEFAULTS = {'engine': 'postgres', 'instance_class': 'db.t4g.micro', 'storage_type': 'gp3', 'publicly_accessible': False,
                   'storage_encrypted': True, 'multi_az': False, 'backup_retention_period': 7, 'deletion_protection': False,
                   'auto_minor_version_upgrade': True, 'copy_tags_to_snapshot': True, 'port': 5432, 'master_username': 'postgres'}
DAYS = ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')
DAY, WEEK = 1440, 7 * 1440  # minutes
SNAPSHOT_MISSING = 'DBSnapshotNotFound'
# option: (AWS's field, how a desired value is compared): the settings ModifyDBInstance changes in place
IN_PLACE = (
    ('instance_class', 'DBInstanceClass'), ('allocated_storage', 'AllocatedStorage'), ('max_allocated_storage', 'MaxAllocatedStorage'),
    ('storage_type', 'StorageType'), ('iops', 'Iops'), ('multi_az', 'MultiAZ'), ('engine_version', 'EngineVersion'),
    ('backup_retention_period', 'BackupRetentionPeriod'), ('preferred_backup_window', 'PreferredBackupWindow'),
    ('preferred_maintenance_window', 'PreferredMaintenanceWindow'), ('deletion_protection', 'DeletionProtection'),
    ('auto_minor_version_upgrade', 'AutoMinorVersionUpgrade'), ('publicly_accessible', 'PubliclyAccessible'),
    ('copy_tags_to_snapshot', 'CopyTagsToSnapshot'),
    ('db_parameter_group_name', 'DBParameterGroupName'), ('vpc_security_group_ids', 'VpcSecurityGroupIds'),
    ('port', 'DBPortNumber'), ('db_subnet_group_name', 'DBSubnetGroupName'),
)
PENDING_KEYS = {'DBInstanceClass': 'instance_class', 'AllocatedStorage': 'allocated_storage', 'MultiAZ': 'multi_az',
                'EngineVersion': 'engine_version', 'BackupRetentionPeriod': 'backup_retention_period', 'Iops': 'iops',
                'StorageType': 'storage_type', 'Port': 'port', 'DBSubnetGroupName': 'db_subnet_group_name',
                'MasterUserPassword': 'master_user_password', 'DBInstanceIdentifier': 'identifier'}


def hidden(p):
    """The master password: never shown by Ansible (the option is no_log already; this keeps it out of any message too)."""
    return [p['master_user_password']] if p.get('master_user_password') else []


def result(view, **more):
    """What a Change of this resource holds as before and after: ``{'rds_instance': view}`` (the module's result, and
    its diff), with ``more`` (``final_snapshot``)."""
    return dict(more, rds_instance=view)


def _between(p, field, low, high):
    value = p.get(field)
    if value is not None and not low <= value <= high:
        raise ValidationError(field, 'must be between %d and %d (got %d)' % (low, high, value))
    return value


def _rule(operations, parameter, value, field, params=None):
    """aws_rules' rows of RDS's ``operations`` for ``parameter`` (every operation the option is sent in): a value one
    refuses is refused here, naming the option and AWS's rule (never the value). RDS for PostgreSQL: the collection's
    one engine."""
    for operation in operations:
        aws_rules.refuse_by_rules('rds', operation, parameter, value, field, params=dict(params or {}, Engine='postgres'))
    return value


def _minutes(text):
    hour, minute = text.split(':')
    return int(hour) * 60 + int(minute)


def check_storage(storage_type, allocated, most, iops, iops_given=True):
    """AWS's storage rules for RDS for PostgreSQL on the whole of it: ``allocated`` GiB of ``storage_type``, the autoscaling
    limit ``most`` (None: none), ``iops`` (None: none); the iops rules of gp2 and gp3 only when ``iops_given``."""
    low = MIN_STORAGE[storage_type]
    if not low <= allocated <= MAX_STORAGE:
        raise ValidationError('allocated_storage', 'RDS for PostgreSQL on %s storage takes %d to %d GiB (got %d)'
                              % (storage_type, low, MAX_STORAGE, allocated))
    if most is not None and not allocated < most <= MAX_STORAGE:
        raise ValidationError('max_allocated_storage', 'the storage autoscaling limit must be more than allocated_storage (%d) '
                              'and at most %d GiB (got %d)' % (allocated, MAX_STORAGE, most))
    if storage_type in ('io1', 'io2') and iops is None:
        raise ValidationError('iops', 'required with storage_type %s (1000 to 256000)' % storage_type)
    if iops is not None and iops_given:
        if storage_type == 'gp2':
            raise ValidationError('iops', 'gp2 storage takes no iops; use gp3, io1 or io2, or leave iops out')
        if storage_type == 'gp3' and allocated < GP3_IOPS_FROM:
            raise ValidationError('iops', 'gp3 storage below %d GiB has its baseline of 3000 IOPS and takes no iops; leave iops out '
                                  'or allocate %d GiB or more' % (GP3_IOPS_FROM, GP3_IOPS_FROM))
        if not 1000 <= iops <= 256000:
            raise ValidationError('iops', 'must be between 1000 and 256000 (got %d)' % iops)


def _maintenance_span(window):
    """(first minute of the week, length in minutes) of a ddd:hh24:mi-ddd:hh24:mi window; it may wrap the week's end
    (sun:23:45-mon:00:15 is 30 minutes)."""
    start, end = [DAYS.index(part[:3]) * DAY + _minutes(part[4:]) for part in window.split('-')]
    return start, (end - start) % WEEK


def _backup_span(window):
    """(first minute of the day, length in minutes) of a daily hh24:mi-hh24:mi window; it may wrap midnight."""
    start, end = [_minutes(t) for t in window.split('-')]
    return start, (end - start) % DAY


def windows_conflict(backup, maintenance):
    """True when the daily backup window and the weekly maintenance window meet on some day. The backup runs every day, so
    every minute of the maintenance window (from its weekday's start through its end, across midnight or the week's end)
    counts; windows that touch count as meeting (a backup may run past its window, and AWS does not document that windows may touch)."""
    b_start, b_len = _backup_span(backup)
    m_start, m_len = _maintenance_span(maintenance)
    return any((m_start + i - b_start) % DAY <= b_len for i in range(m_len + 1))


def check_windows(backup, maintenance, kept=None):
    """Refuse a backup window that conflicts with the maintenance window, naming both; ``kept``: which of the two
    (``backup`` or ``maintenance``) is the instance's current one, not given in this run."""
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html, PreferredBackupWindow:
    # "Must not conflict with the preferred maintenance window." (PreferredMaintenanceWindow: "Must not conflict with the
    # preferred backup window.") AWS refuses it only after the request (InvalidParameterValue); here it is refused first.
    if backup and maintenance and windows_conflict(backup, maintenance):
        mark = " (the instance's, not given here)"
        raise ValidationError('preferred_maintenance_window' if kept == 'backup' else 'preferred_backup_window',
                              'preferred_backup_window %s%s and preferred_maintenance_window %s%s overlap (both UTC; the daily '
                              'backup window must not meet the weekly maintenance window on its day, midnight included): move '
                              'one of them' % (backup, mark if kept == 'backup' else '', maintenance, mark if kept == 'maintenance' else ''))


def validate_windows(p):
    """The two windows, lowercased, each in AWS's format and at least 30 minutes long (aws_rules' rows of
    PreferredBackupWindow and PreferredMaintenanceWindow), and not in conflict when both are given (one given alone is
    checked against the instance's other window by :func:`settle`)."""
    backup, maintenance = p.get('preferred_backup_window'), p.get('preferred_maintenance_window')
    if backup is not None:
        backup = _rule((CREATE, MODIFY), 'PreferredBackupWindow', backup.lower(), 'preferred_backup_window')
    if maintenance is not None:
        maintenance = _rule((CREATE, MODIFY), 'PreferredMaintenanceWindow', maintenance.lower(), 'preferred_maintenance_window')
    check_windows(backup, maintenance)
    return backup, maintenance


def validate_absent(p, desired):
    if p.get('skip_final_snapshot'):
        return dict(desired, final_snapshot_identifier=None, skip_final_snapshot=True,
                    delete_automated_backups=p.get('delete_automated_backups', False))
    snap = p.get('final_snapshot_identifier')
    if not snap:
        raise ValidationError('final_snapshot_identifier', 'required with state: absent (the name of the snapshot RDS takes '
                              'before deleting), unless skip_final_snapshot is true')
    _rule(('DeleteDBInstance',), 'FinalDBSnapshotIdentifier', snap, 'final_snapshot_identifier')
    return dict(desired, final_snapshot_identifier=snap, skip_final_snapshot=False,
                delete_automated_backups=p.get('delete_automated_backups', False))


def validate(p):
    """The desired instance from the options, checked before any call; ValidationError names the field. An option left
    out is None (left as it is; :func:`settle` gives it its default to create)."""
    stack = p.get('stack')
    if stack is not None:
        validate_stack_name(stack, 'stack')
    ident = _rule((CREATE,), 'DBInstanceIdentifier', p.get('identifier') or '', 'identifier').lower()  # AWS keeps it lowercase
    aws_rules.refuse_tags('rds', TAG_OPERATIONS, p.get('tags'))
    tags = normalize_tags(p.get('tags'), added=(STACK_TAG,) if stack else ()) if p.get('tags') is not None else None
    if tags is not None and stack:
        tags[STACK_TAG] = stack
    desired = {'identifier': ident, 'tags': tags, 'stack': stack}
    if p.get('state', 'present') == 'absent':
        return validate_absent(p, desired)
    if p.get('engine') not in (None, 'postgres'):
        raise ValidationError('engine', 'only postgres is supported (got %r)' % p.get('engine'))
    version = p.get('engine_version')
    if version is not None and not VERSION_RE.match(str(version)):
        raise ValidationError('engine_version', '%r is not a PostgreSQL version (for example 16.4)' % version)
    storage_type = p.get('storage_type')
    if storage_type is not None and storage_type not in STORAGE_TYPES:
        raise ValidationError('storage_type', 'one of %s (got %r)' % (', '.join(STORAGE_TYPES), storage_type))
    _rule((CREATE,), 'AllocatedStorage', p.get('allocated_storage'), 'allocated_storage', {'StorageType': storage_type})
    _between(p, 'max_allocated_storage', 1, MAX_STORAGE)
    backup, maintenance = validate_windows(p)
    _rule((CREATE, MODIFY), 'BackupRetentionPeriod', p.get('backup_retention_period'), 'backup_retention_period')
    _rule((CREATE,), 'Port', p.get('port'), 'port')
    _rule((MODIFY,), 'DBPortNumber', p.get('port'), 'port')
    if p.get('publicly_accessible') and not p.get('allow_public_database'):
        raise ValidationError('publicly_accessible', 'a database reachable from the internet is refused unless '
                              'allow_public_database is true as well; keep it private (publicly_accessible false) and reach it '
                              'from the VPC')
    if p.get('manage_master_user_password') and p.get('master_user_password'):
        raise ValidationError('master_user_password', 'give master_user_password or manage_master_user_password, not both: with '
                              'manage_master_user_password AWS keeps the password in Secrets Manager')
    if p.get('master_user_secret_kms_key_id') and not p.get('manage_master_user_password'):
        raise ValidationError('master_user_secret_kms_key_id', 'only with manage_master_user_password true')
    if p.get('kms_key_id') and p.get('storage_encrypted') is False:
        raise ValidationError('kms_key_id', 'a KMS key encrypts storage: set storage_encrypted true, or leave kms_key_id out')
    user = p.get('master_username')
    _rule((CREATE,), 'MasterUsername', user, 'master_username')
    if user is not None and user.lower() in RESERVED_USERNAMES:
        raise ValidationError('master_username', '%r is a reserved word of RDS for PostgreSQL; choose another name' % user)
    password = p.get('master_user_password')
    # the rows secrets.RULES' rds_master_password views (shared with the preflight and the roles); the value never shown
    _rule((CREATE, MODIFY), 'MasterUserPassword', password, 'master_user_password')
    force = bool(p.get('force_update_password')) or p.get('update_password') == 'always'
    if force and password is None:
        raise ValidationError('master_user_password', 'force_update_password sets master_user_password on the instance: give it')
    db_name = p.get('db_name')
    _rule((CREATE,), 'DBName', db_name, 'db_name')
    if db_name is not None and db_name.lower() in RESERVED_USERNAMES:
        raise ValidationError('db_name', '%r is a reserved word of RDS for PostgreSQL; choose another name' % db_name)
    groups = p.get('security_groups')
    desired.update(
        engine=p.get('engine'), engine_version=str(version) if version is not None else None,
        instance_class=p.get('instance_class'), allocated_storage=p.get('allocated_storage'),
        max_allocated_storage=p.get('max_allocated_storage'), storage_type=storage_type, iops=p.get('iops'),
        db_subnet_group_name=(p.get('db_subnet_group_name') or '').lower() or None,
        security_groups=list(groups) if groups is not None else None,
        publicly_accessible=p.get('publicly_accessible'), storage_encrypted=p.get('storage_encrypted'), kms_key_id=p.get('kms_key_id'),
        multi_az=p.get('multi_az'), backup_retention_period=p.get('backup_retention_period'),
        preferred_backup_window=backup, preferred_maintenance_window=maintenance,
        db_parameter_group_name=p.get('db_parameter_group_name'), deletion_protection=p.get('deletion_protection'),
        auto_minor_version_upgrade=p.get('auto_minor_version_upgrade'), port=p.get('port'),
        copy_tags_to_snapshot=p.get('copy_tags_to_snapshot'),
        db_name=db_name, master_username=user, master_user_password=password, force_update_password=force,
        manage_master_user_password=p.get('manage_master_user_password'),
        master_user_secret_kms_key_id=p.get('master_user_secret_kms_key_id'),
        apply_immediately=bool(p.get('apply_immediately')),
    )
    return desired


def settle(desired, existing=None):
    """``desired`` made whole, without a call: to create (``existing`` None), every option left out takes its default on
    create; on an existing instance, what is left out stays None (unchanged), and the rules that need the other options'
    values (storage, the two windows) are checked against the instance's current ones."""
    d = dict(desired)
    if existing is None:
        for key, value in CREATE_DEFAULTS.items():
            if d.get(key) is None:
                d[key] = value
        if d['allocated_storage'] is None:
            d['allocated_storage'] = MIN_STORAGE[d['storage_type']]
        check_storage(d['storage_type'], d['allocated_storage'], d['max_allocated_storage'], d['iops'])
        return d
    now = _effective(describe(existing))
    if any(d.get(k) is not None for k in ('storage_type', 'allocated_storage', 'max_allocated_storage', 'iops')):
        storage_type = d['storage_type'] or now['storage_type'] or 'gp3'
        allocated = d['allocated_storage'] if d['allocated_storage'] is not None else now['allocated_storage']
        most = d['max_allocated_storage'] if d['max_allocated_storage'] is not None else now['max_allocated_storage']
        iops = d['iops'] if d['iops'] is not None else (now['iops'] if storage_type == now['storage_type'] else None)
        if storage_type in MIN_STORAGE and allocated is not None:
            check_storage(storage_type, allocated, most, iops, d['iops'] is not None)
    backup, maintenance = d['preferred_backup_window'], d['preferred_maintenance_window']
    if backup is None and maintenance is not None:
        check_windows(now['preferred_backup_window'], maintenance, kept='backup')
    elif maintenance is None and backup is not None:
        check_windows(backup, now['preferred_maintenance_window'], kept='maintenance')
    return d


# -- reads that check the options ------------------------------------------------------------------

def _offered(client, **kwargs):
    return paginate(client, 'describe_orderable_db_instance_options', 'OrderableDBInstanceOptions', Engine='postgres',
                    MaxRecords=100, **kwargs)


def _few(values, n=8):
    values = sorted(set(values), key=lambda v: [int(x) if x.isdigit() else x for x in re.split(r'[.]', v)])
    return ', '.join(values[:n]) + (', ...' if len(values) > n else '')


def _check_orderable(client, desired):
    """The region offers the instance class, with the engine version (when given) and the storage type: one
    DescribeOrderableDBInstanceOptions read; an empty answer is an error naming the field and a few offered values."""
    query = {'DBInstanceClass': desired['instance_class']}
    if desired['engine_version']:
        query['EngineVersion'] = desired['engine_version']
    options = _offered(client, **query)
    if not options:
        versions = [o['EngineVersion'] for o in _offered(client, DBInstanceClass=desired['instance_class'])] \
            if desired['engine_version'] else []
        if versions:
            raise ValidationError('engine_version', 'PostgreSQL %s is not offered here on %s; offered versions: %s'
                                  % (desired['engine_version'], desired['instance_class'], _few(versions)))
        by_version = {'EngineVersion': desired['engine_version']} if desired['engine_version'] else {}
        classes = [o['DBInstanceClass'] for o in _offered(client, **by_version)]
        if not classes and desired['engine_version']:
            raise ValidationError('engine_version', 'PostgreSQL %s is not offered in this region' % desired['engine_version'])
        raise ValidationError('instance_class', '%s is not offered here for PostgreSQL%s; offered classes: %s'
                              % (desired['instance_class'], ' %s' % desired['engine_version'] if desired['engine_version'] else '',
                                 _few(classes)))
    storage = [o for o in options if o.get('StorageType') == desired['storage_type']]
    if not storage:
        raise ValidationError('storage_type', '%s storage is not offered for %s; offered: %s'
                              % (desired['storage_type'], desired['instance_class'], _few(o.get('StorageType') or '' for o in options)))
    if desired['multi_az'] and not any(o.get('MultiAZCapable') for o in storage):
        raise ValidationError('multi_az', '%s does not offer Multi-AZ here' % desired['instance_class'])


def _subnet_group(client, name):
    """The DB subnet group ``name`` (DescribeDBSubnetGroups), or None."""
    try:
        return client.describe_db_subnet_groups(DBSubnetGroupName=name)['DBSubnetGroups'][0]
    except Exception as exc:  # pylint: disable=broad-except
        if not_found(exc, 'DBSubnetGroupNotFoundFault'):
            return None
        raise


def _refuse(err):
    raise err


def resolve(ctx, *, desired):
    """The desired instance made whole (:func:`settle`, against the instance :func:`find` finds, if any) and checked
    with reads, before any change: the region offers its class, version and storage (one read, when they are to be
    created or changed), its DB subnet group exists (and its VPC is the instance's), the security groups (names or ids)
    are in that VPC (EC2's reads, ``ctx.aws('ec2')``). Returns the desired instance with vpc_id and
    vpc_security_group_ids (None: left as they are)."""
    existing = find(ctx, identifier=desired['identifier'], stack=desired.get('stack'))
    out = settle(desired, existing)
    name = out['db_subnet_group_name'] or (existing and (existing.get('DBSubnetGroup') or {}).get('DBSubnetGroupName'))
    if existing is None and not name:
        raise ValidationError('db_subnet_group_name', 'required to create a DB instance: the DB subnet group (of two or more zones) '
                              'it is placed in')
    if existing is None and not out['manage_master_user_password'] and out['master_user_password'] is None:
        raise ValidationError('master_user_password', 'required to create a DB instance, unless manage_master_user_password is '
                              'true (AWS then keeps the password in Secrets Manager)')
    offered = ('instance_class', 'engine_version', 'storage_type', 'multi_az')
    if existing is None or any(out[key] is not None for key in offered):
        now = _effective(describe(existing)) if existing is not None else {}
        _check_orderable(ctx.client, dict(out, **dict((k, now.get(k)) for k in offered if out[k] is None and k != 'engine_version')))
    out['vpc_security_group_ids'] = None
    if existing is not None and out['db_subnet_group_name'] is None and out['security_groups'] is None:
        return out  # neither the group nor the security groups change: nothing to read
    group = _subnet_group(ctx.client, name)
    if group is None:
        missing = ValidationError('db_subnet_group_name', 'no DB subnet group %s in this account/region; create it first (the '
                                  'db_subnet_group module)' % name)
        if existing is not None:
            raise missing
        # A real run is refused here; a check run (a playbook's, where the db_subnet_group task before this one only planned
        # the group) plans the instance in it, as cache_cluster does.
        ctx.live(_refuse, missing)
        ctx.warn('DB subnet group %s does not exist (yet): the instance is planned in it, with its security groups as given; '
                 'a real run needs the group first' % name)
        out.update(vpc_id=None, vpc_security_group_ids=list(out['security_groups'] or []))
        return out
    out['db_subnet_group_name'], out['vpc_id'] = group['DBSubnetGroupName'], group.get('VpcId')
    if existing is not None and not desired['db_subnet_group_name']:
        out['db_subnet_group_name'] = None  # not given: left as it is
    current_vpc = existing and (existing.get('DBSubnetGroup') or {}).get('VpcId')
    if current_vpc and out['vpc_id'] != current_vpc:
        raise ValidationError('db_subnet_group_name', 'DB subnet group %s is in VPC %s, instance %s is in %s: an instance does '
                              'not move to another VPC in place; give a DB subnet group of %s'
                              % (name, out['vpc_id'], desired['identifier'], current_vpc, current_vpc))
    out['vpc_security_group_ids'] = group_ids_in_vpc(ctx.aws('ec2'), out['vpc_id'], out['security_groups'], "the DB subnet group's VPC") \
        if out['security_groups'] is not None else None
    return out


# -- the resource ---------------------------------------------------------------------------------

def find(ctx, *, identifier, stack=None):
    """The DescribeDBInstances entry of ``identifier``, or None. With ``stack``, an instance tagged with another stack, or
    with none, is refused (stack.NotOwned, naming both) before anything is changed or deleted: AWS compares identifiers
    without case, so a name never tells whose an instance is."""
    try:
        found = ctx.client.describe_db_instances(DBInstanceIdentifier=identifier)['DBInstances']
    except Exception as exc:  # pylint: disable=broad-except
        if not_found(exc, MISSING):
            return None
        raise
    raw = found[0] if found else None
    if raw is not None:
        check_owner(stack, boto3_tags_to_dict(raw.get('TagList')), 'RDS instance', raw['DBInstanceIdentifier'])
    return raw


def _pending(raw):
    pending = raw.get('PendingModifiedValues') or {}
    out = {}
    for key, value in pending.items():
        if key == 'MasterUserPassword':
            out['master_user_password'] = '********'
        elif key in PENDING_KEYS:
            out[PENDING_KEYS[key]] = value
        elif isinstance(value, (str, int, bool)):
            out[re.sub(r'(?<!^)(?=[A-Z][a-z])', '_', key).lower()] = value
    return out


def describe(raw):
    """The snake_case view of a DescribeDBInstances entry (never the password)."""
    endpoint = raw.get('Endpoint') or {}
    group = raw.get('DBSubnetGroup') or {}
    secret = raw.get('MasterUserSecret') or {}
    params = raw.get('DBParameterGroups') or [{}]
    return {
        'identifier': raw.get('DBInstanceIdentifier'), 'arn': raw.get('DBInstanceArn'), 'status': raw.get('DBInstanceStatus'),
        'endpoint': {'address': endpoint.get('Address'), 'port': endpoint.get('Port')} if endpoint else None,
        'engine': raw.get('Engine'), 'engine_version': raw.get('EngineVersion'), 'instance_class': raw.get('DBInstanceClass'),
        'allocated_storage': raw.get('AllocatedStorage'), 'max_allocated_storage': raw.get('MaxAllocatedStorage'),
        'storage_type': raw.get('StorageType'), 'iops': raw.get('Iops'), 'storage_encrypted': raw.get('StorageEncrypted'),
        'kms_key_id': raw.get('KmsKeyId'), 'multi_az': raw.get('MultiAZ'), 'publicly_accessible': bool(raw.get('PubliclyAccessible')),
        'db_subnet_group_name': group.get('DBSubnetGroupName'), 'vpc_id': group.get('VpcId'),
        'vpc_security_group_ids': sorted(g['VpcSecurityGroupId'] for g in raw.get('VpcSecurityGroups') or []),
        'availability_zone': raw.get('AvailabilityZone'), 'backup_retention_period': raw.get('BackupRetentionPeriod'),
        'preferred_backup_window': raw.get('PreferredBackupWindow'), 'preferred_maintenance_window': raw.get('PreferredMaintenanceWindow'),
        'deletion_protection': raw.get('DeletionProtection'), 'auto_minor_version_upgrade': raw.get('AutoMinorVersionUpgrade'),
        'copy_tags_to_snapshot': bool(raw.get('CopyTagsToSnapshot')),
        'db_parameter_group_name': params[0].get('DBParameterGroupName'), 'port': endpoint.get('Port') or raw.get('DbInstancePort'),
        'db_name': raw.get('DBName'), 'master_username': raw.get('MasterUsername'), 'master_user_secret_arn': secret.get('SecretArn'),
        'pending_modified_values': _pending(raw), 'tags': boto3_tags_to_dict(raw.get('TagList')),
    }


def _planned(desired, tags):
    """The view of an instance check mode would create."""
    return {
        'identifier': desired['identifier'], 'arn': None, 'status': 'creating', 'endpoint': None, 'engine': 'postgres',
        'engine_version': desired['engine_version'], 'instance_class': desired['instance_class'],
        'allocated_storage': desired['allocated_storage'], 'max_allocated_storage': desired['max_allocated_storage'],
        'storage_type': desired['storage_type'], 'iops': desired['iops'], 'storage_encrypted': desired['storage_encrypted'],
        'kms_key_id': desired['kms_key_id'], 'multi_az': desired['multi_az'], 'publicly_accessible': desired['publicly_accessible'],
        'db_subnet_group_name': desired['db_subnet_group_name'], 'vpc_id': desired.get('vpc_id'),
        'vpc_security_group_ids': desired.get('vpc_security_group_ids') or [], 'availability_zone': None,
        'backup_retention_period': desired['backup_retention_period'], 'preferred_backup_window': desired['preferred_backup_window'],
        'preferred_maintenance_window': desired['preferred_maintenance_window'], 'deletion_protection': desired['deletion_protection'],
        'auto_minor_version_upgrade': desired['auto_minor_version_upgrade'], 'db_parameter_group_name': desired['db_parameter_group_name'],
        'copy_tags_to_snapshot': desired['copy_tags_to_snapshot'],
        'port': desired['port'], 'db_name': desired['db_name'], 'master_username': desired['master_username'],
        'master_user_secret_arn': None, 'pending_modified_values': {}, 'tags': dict(tags or {}),
    }


def create_tags(desired):
    """The tags an instance is created with: the user's, and Stack=<stack> with a stack."""
    tags = dict(desired['tags'] or {})
    if desired.get('stack'):
        tags[STACK_TAG] = desired['stack']
    return tags


def _create_args(desired):
    d = desired
    kwargs = dict(DBInstanceIdentifier=d['identifier'], Engine='postgres', DBInstanceClass=d['instance_class'],
                  AllocatedStorage=d['allocated_storage'], StorageType=d['storage_type'], DBSubnetGroupName=d['db_subnet_group_name'],
                  PubliclyAccessible=d['publicly_accessible'], StorageEncrypted=d['storage_encrypted'], MultiAZ=d['multi_az'],
                  BackupRetentionPeriod=d['backup_retention_period'], DeletionProtection=d['deletion_protection'],
                  AutoMinorVersionUpgrade=d['auto_minor_version_upgrade'], Port=d['port'], MasterUsername=d['master_username'],
                  CopyTagsToSnapshot=d['copy_tags_to_snapshot'],
                  Tags=dict_to_boto3_tags(create_tags(d)))
    optional = (('engine_version', 'EngineVersion'), ('max_allocated_storage', 'MaxAllocatedStorage'), ('iops', 'Iops'),
                ('kms_key_id', 'KmsKeyId'), ('preferred_backup_window', 'PreferredBackupWindow'),
                ('preferred_maintenance_window', 'PreferredMaintenanceWindow'), ('db_parameter_group_name', 'DBParameterGroupName'),
                ('db_name', 'DBName'), ('vpc_security_group_ids', 'VpcSecurityGroupIds'),
                ('master_user_secret_kms_key_id', 'MasterUserSecretKmsKeyId'))
    for key, name in optional:
        if d.get(key) is not None:
            kwargs[name] = d[key]
    if d['manage_master_user_password']:
        kwargs['ManageMasterUserPassword'] = True
    elif d['master_user_password'] is not None:
        kwargs['MasterUserPassword'] = d['master_user_password']
    return kwargs


def _version_key(version):
    return [int(x) for x in re.findall(r'[0-9]+', version or '')]


def _refusals(desired, view):
    """What AWS cannot change in place: one sentence each, the field first."""
    out = []
    if view['engine'] and view['engine'] != 'postgres':
        out.append(('engine', 'instance %s runs %s; the engine cannot change (make a new instance)' % (view['identifier'], view['engine'])))
    if desired['storage_encrypted'] is not None and bool(view['storage_encrypted']) != desired['storage_encrypted']:
        out.append(('storage_encrypted', 'instance %s has storage_encrypted %s; encryption cannot change on an existing instance '
                    '(restore a snapshot copy into a new one)' % (view['identifier'], str(bool(view['storage_encrypted'])).lower())))
    if desired['kms_key_id'] and view['kms_key_id'] and desired['kms_key_id'] not in (view['kms_key_id'], view['kms_key_id'].split('/')[-1]):
        out.append(('kms_key_id', 'instance %s is encrypted with %s; its KMS key cannot change in place' % (view['identifier'], view['kms_key_id'])))
    if view['allocated_storage'] and desired['allocated_storage'] is not None and desired['allocated_storage'] < view['allocated_storage']:
        out.append(('allocated_storage', 'instance %s has %d GiB; storage cannot shrink (give %d or more)'
                    % (view['identifier'], view['allocated_storage'], view['allocated_storage'])))
    if desired['engine_version'] and view['engine_version'] and _version_key(desired['engine_version']) < _version_key(view['engine_version']):
        out.append(('engine_version', 'instance %s runs PostgreSQL %s; a version cannot go down (%s)'
                    % (view['identifier'], view['engine_version'], desired['engine_version'])))
    if desired['db_name'] and view['db_name'] and desired['db_name'] != view['db_name']:
        out.append(('db_name', 'instance %s was created with db_name %s; the initial database cannot change' % (view['identifier'], view['db_name'])))
    if view['master_username'] and desired['master_username'] is not None and desired['master_username'] != view['master_username']:
        out.append(('master_username', 'instance %s has master user %s; it cannot change (give master_username %s)'
                    % (view['identifier'], view['master_username'], view['master_username'])))
    return out


def _effective(view):
    """The view with what is pending applied: a rerun compares against what the instance will be."""
    out = dict(view)
    for key, value in view['pending_modified_values'].items():
        if key in out and key not in ('master_user_password', 'identifier'):
            out[key] = value
    return out


def plan_modify(desired, view):
    """(ModifyDBInstance arguments, the view after) of what differs; refusals raised first."""
    for field, reason in _refusals(desired, view):
        raise ValidationError(field, reason)
    current = _effective(view)
    kwargs, after = {}, dict(view)
    for key, name in IN_PLACE:
        want = desired.get(key)
        if want is None:
            continue
        have = current.get(key)
        if isinstance(want, list):
            want, have = sorted(want), sorted(have or [])
        if want != have:
            kwargs[name] = want
            after[key] = want
    if 'EngineVersion' in kwargs and _version_key(kwargs['EngineVersion'])[:1] != _version_key(current['engine_version'])[:1]:
        kwargs['AllowMajorVersionUpgrade'] = True
    if desired['manage_master_user_password'] and not view['master_user_secret_arn']:
        kwargs['ManageMasterUserPassword'] = True
        if desired['master_user_secret_kms_key_id']:
            kwargs['MasterUserSecretKmsKeyId'] = desired['master_user_secret_kms_key_id']
    elif desired['master_user_password'] is not None and desired['force_update_password']:
        # AWS never returns the password, so it cannot be compared: force_update_password (a run that knows it changed)
        # sends it, and the task reports a change
        kwargs['MasterUserPassword'] = desired['master_user_password']
        if view['master_user_secret_arn']:
            kwargs['ManageMasterUserPassword'] = False
    return kwargs, after


def apply_now(desired, kwargs):
    """ApplyImmediately of a ModifyDBInstance: apply_immediately, or true when the master password is all it changes.
    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html, MasterUserPassword: "the change is
    asynchronously applied as soon as possible" whatever ApplyImmediately says, so a password sent with changes left for
    the maintenance window (apply_immediately false) still applies now, and those changes wait."""
    return bool(desired['apply_immediately'] or set(kwargs) <= set(['MasterUserPassword', 'ManageMasterUserPassword']))


# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html#Overview.DBInstance.Status ("Viewing
# Amazon RDS DB instance status"): a new instance goes creating -> backing-up -> available; a change applied now makes it
# modifying (or resetting-master-credentials, renaming, storage-optimization ...) until it is available again; the states
# of FAILED_STATES need a user's action. Any other status is one a wait waits through.
SETTLED = ('available',)
# ModifyDBInstance's fields that PendingModifiedValues shows until AWS applies them (ModifyDBInstance's DBPortNumber is Port there)
PENDING_OF = dict((name, name) for name in PENDING_KEYS if name != 'DBInstanceIdentifier')
PENDING_OF['DBPortNumber'] = 'Port'


def _settled(raw, applied=()):
    """Available, and no master password pending (a reset shows it in PendingModifiedValues until it is applied), nor
    any of ``applied`` (PendingModifiedValues' names of what a modify with ApplyImmediately sent: right after the call the
    status may still read available, the change not begun)."""
    pending = raw.get('PendingModifiedValues') or {}
    return raw.get('DBInstanceStatus') in SETTLED and 'MasterUserPassword' not in pending and not any(k in pending for k in applied)


def _reader(ctx, identifier, fresh):
    """A read of the instance for a wait: its DescribeDBInstances entry, or None once AWS answers DBInstanceNotFound. With
    ``fresh`` (an instance this run just created), a DBInstanceNotFound before the instance was ever seen is read again,
    for at most rds.NEW_ID_TIMEOUT seconds (RDS is eventually consistent), then raised: never for an identifier the user
    gave, whose NotFound means it is gone."""
    seen = [not fresh]

    def describe_it():
        return ctx.client.describe_db_instances(DBInstanceIdentifier=identifier)['DBInstances'][0]

    def read():
        try:
            if seen[0]:
                return describe_it()
            raw = retry_not_found(describe_it, (MISSING,), 'the new DB instance %s' % identifier,
                                  timeout=min(NEW_ID_TIMEOUT, ctx.wait_timeout or NEW_ID_TIMEOUT))
        except Exception as exc:  # pylint: disable=broad-except
            if seen[0] and not_found(exc, MISSING):
                return None
            raise
        seen[0] = True
        return raw
    return read


def _failed(raw):
    if raw is None:
        return 'it is gone (deleted while this task waited for it)'
    status = raw.get('DBInstanceStatus')
    return 'its status is %s' % status if status in FAILED_STATES else None


def wait_available(ctx, identifier, timeout, what='available', fresh=False, applied=()):
    """The instance once its status is ``available`` and nothing asked of it pending (after a create: creating, backing-up,
    available; after a modify with apply_immediately: modifying, available; after a new master password:
    resetting-master-credentials, available). A status of FAILED_STATES, or the instance gone, stops the wait with an
    error. ``fresh``: the instance was created by this run (see :func:`_reader`); ``applied``: see :func:`_settled`.

    Not AWS's DBInstanceAvailable waiter, which checks less than this wait needs: it succeeds at the first
    ``available`` while PendingModifiedValues still holds what was just applied (a new master password, a class
    applied now: right after ModifyDBInstance the status may still read available), and it fails only on deleted,
    deleting, failed, incompatible-restore and incompatible-parameters, so an instance in storage-full,
    incompatible-network or inaccessible-encryption-credentials would be polled until wait_timeout (30 minutes)."""
    return wait_for(_reader(ctx, identifier, fresh), lambda raw: raw is not None and _settled(raw, applied),
                    'DB instance %s to be %s' % (identifier, what), timeout=timeout, delay=5, max_delay=30, failed=_failed)


def _wait_gone(ctx, identifier):
    """Until DescribeDBInstances answers DBInstanceNotFound (deleting takes minutes, longer with a final snapshot):
    AWS's DBInstanceDeleted waiter."""
    aws_wait(ctx, 'DBInstanceDeleted', 'DB instance %s to be deleted' % identifier, ctx.wait_timeout, delay=5,
             DBInstanceIdentifier=identifier)


def busy(raw):
    """True for a status a wait waits through (creating, backing-up, modifying ...): AWS refuses ModifyDBInstance then
    (InvalidDBInstanceState)."""
    return raw.get('DBInstanceStatus') not in SETTLED + ('stopped', 'stopping', 'deleting') + FAILED_STATES


def _postponed(ctx, ident, status, kwargs, before):
    """No change (kwargs, after) for an instance AWS is still making or changing (``status``), with a warning naming what differs."""
    ctx.warn('DB instance %s is %s: AWS changes an instance only once it is available, so %s %s not changed by this run '
             '(wait: false); a run with wait: true waits for it, then changes what still differs'
             % (ident, status, ', '.join(sorted(kwargs)), 'is' if len(kwargs) == 1 else 'are'))
    return {}, dict(before)


def _wrapped(change, **more):
    """``change`` (of views) as this resource's Change: its before and after under ``rds_instance`` (:func:`result`)."""
    out = Change(change.action, None if change.before is None else result(change.before),
                 result(change.after or {}, **more), change.id)
    out.notes, out.pending = change.notes, change.pending
    return out


def ensure(ctx, *, desired, existing=None):
    """Create the instance (``existing`` None) or modify in place what differs; tags converged; with ``ctx.wait``, waits
    until it is available. ``desired``: what :func:`resolve` returned; ``existing``: what :func:`find` returned. The
    Change's before and after are ``{'rds_instance': view}``."""
    return _wrapped(_converge(ctx, desired, existing))


def _converge(ctx, desired, existing):
    ident = desired['identifier']
    if existing is None:
        kwargs = _create_args(desired)

        def make():
            # DBInstanceAlreadyExists: AWS refuses a taken name (the instance an interrupted run made moments ago may not show yet):
            # found again, the stack's, it is taken
            raw = create_or_find(lambda: ctx.call('create_db_instance', **kwargs)['DBInstance'],
                                 lambda: find(ctx, identifier=ident, stack=desired.get('stack')), exists=('DBInstanceAlreadyExists',))
            if ctx.wait:
                raw = wait_available(ctx, ident, ctx.wait_timeout, fresh=True)
            return raw['DBInstanceArn'], describe(raw)
        return ctx.create('rds_instance', ident, make, _planned(desired, create_tags(desired)))
    if existing.get('DBInstanceStatus') == 'deleting':
        raise ValidationError('identifier', 'DB instance %s is being deleted; wait until it is gone (state: absent waits for '
                              'that), then run again' % ident)
    if ctx.wait and busy(existing):
        # creating, backing-up, modifying ...: compared (and changed) once available, never before
        existing = ctx.live(wait_available, ctx, ident, ctx.wait_timeout) or existing
    before = describe(existing)
    kwargs, after = plan_modify(desired, before)
    if kwargs and busy(existing):
        # wait: false on an instance AWS is still making or changing: ModifyDBInstance would be refused (InvalidDBInstanceState),
        # and what differs may only be what AWS has not filled in yet. Nothing is sent; a run with wait: true waits, then changes.
        # Check mode (nothing waited for) plans the change.
        kwargs, after = ctx.live(_postponed, ctx, ident, existing['DBInstanceStatus'], kwargs, before) or (kwargs, after)
    changed = bool(kwargs)
    if kwargs:
        answer = ctx.call('modify_db_instance', DBInstanceIdentifier=ident, ApplyImmediately=apply_now(desired, kwargs), **kwargs)
        if answer:  # what AWS applied, and what it left for the maintenance window (pending_modified_values)
            after = describe(answer['DBInstance'])
    tags_changed, tags = apply_resource_tags(ctx, existing['DBInstanceArn'], before['tags'], desired['tags'])
    after['tags'] = tags
    if changed and ctx.wait:
        applied = [PENDING_OF[k] for k in kwargs if k in PENDING_OF] if apply_now(desired, kwargs) else []
        raw = ctx.live(wait_available, ctx, ident, ctx.wait_timeout, 'available after the change', applied=applied)
        if raw:
            after = dict(describe(raw), tags=tags)
    return Change.of(changed or tags_changed, before, after, existing['DBInstanceArn'])


def snapshot_view(raw):
    return {'identifier': raw.get('DBSnapshotIdentifier'), 'arn': raw.get('DBSnapshotArn'), 'status': raw.get('Status')} if raw else None


def find_snapshot(ctx, identifier):
    try:
        found = ctx.client.describe_db_snapshots(DBSnapshotIdentifier=identifier)['DBSnapshots']
    except Exception as exc:  # pylint: disable=broad-except
        if not_found(exc, SNAPSHOT_MISSING):
            return None
        raise
    return found[0] if found else None


def check_delete(ctx, *, existing, final_snapshot_identifier=None):
    """Reads before a delete: deletion protection off, no snapshot already under the final snapshot's name."""
    if existing.get('DeletionProtection'):
        raise ValidationError('deletion_protection', 'instance %s has deletion protection on, so AWS refuses to delete it; turn '
                              'it off first: run the task once with state: present and deletion_protection: false, then '
                              'state: absent' % existing['DBInstanceIdentifier'])
    if final_snapshot_identifier and find_snapshot(ctx, final_snapshot_identifier) is not None:
        raise ValidationError('final_snapshot_identifier', 'a DB snapshot %s exists already; give another final_snapshot_identifier '
                              '(or delete that snapshot)' % final_snapshot_identifier)


def delete(ctx, *, existing, desired=None):
    """Delete the instance (a final snapshot first, ``final_snapshot_identifier``, unless ``skip_final_snapshot``; with
    ``delete_automated_backups``: ``desired`` of state absent, :func:`validate`'s); with ``ctx.wait``, waits until it is
    gone. The Change's after holds ``final_snapshot``: what became of the snapshot (:func:`final_snapshot`)."""
    d = desired or {}
    skip = bool(d.get('skip_final_snapshot'))
    snap = None if skip else d.get('final_snapshot_identifier')
    change = _delete(ctx, existing, snap, skip, bool(d.get('delete_automated_backups')))
    return _wrapped(change, final_snapshot=None if skip else final_snapshot(ctx, identifier=snap))


def _delete(ctx, existing, final_snapshot_identifier, skip_final_snapshot, delete_automated_backups):
    ident = existing['DBInstanceIdentifier']
    if existing.get('DBInstanceStatus') == 'deleting':
        # deleted already (a rerun, or a task that did not wait): AWS refuses a second DeleteDBInstance (InvalidDBInstanceState),
        # and the final snapshot it is making is this delete's own. Nothing is sent; the wait waits for it to be gone.
        if ctx.wait:
            ctx.live(_wait_gone, ctx, ident)
        return Change('none', None, None, existing['DBInstanceArn'])
    check_delete(ctx, existing=existing, final_snapshot_identifier=None if skip_final_snapshot else final_snapshot_identifier)
    kwargs = dict(DBInstanceIdentifier=ident, SkipFinalSnapshot=bool(skip_final_snapshot), DeleteAutomatedBackups=bool(delete_automated_backups))
    if not skip_final_snapshot:
        kwargs['FinalDBSnapshotIdentifier'] = final_snapshot_identifier
    try:
        ctx.call('delete_db_instance', **kwargs)
    except Exception as exc:  # pylint: disable=broad-except
        if not not_found(exc, MISSING):  # a lost answer's repeat: the first call is deleting it
            raise
    if ctx.wait:
        ctx.live(_wait_gone, ctx, ident)
    return Change('delete', describe(existing), None, existing['DBInstanceArn'])


def final_snapshot(ctx, *, identifier):
    """{identifier, arn, status} of the final snapshot a delete took (in check mode, the one it would take)."""
    return snapshot_view(ctx.live(find_snapshot, ctx, identifier)) or {'identifier': identifier, 'arn': None, 'status': 'creating'}
