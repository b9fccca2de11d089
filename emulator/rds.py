"""Where moto's RDS answers otherwise than AWS, for the db_subnet_group and rds_instance modules.

patch_rds() (called by emulator.fidelity.patch_moto) changes moto's RDS models so that:

- DescribeOrderableDBInstanceOptions knows PostgreSQL: a catalogue of real versions (14.x-17.x),
  instance classes (db.t3/db.t4g micro to large, db.m6g/db.m7g/db.r6g large) and storage types
  (gp2, gp3, io1, io2) with AWS's storage limits, filtered by Engine, EngineVersion and
  DBInstanceClass as AWS filters (moto knows only aurora-postgresql and neptune, and ignores
  DBInstanceClass).
- CreateDBInstance of postgres without EngineVersion gets the default version of the catalogue
  (moto's is 9.3.3, which AWS no longer offers).
- CreateDBSubnetGroup of a name that exists answers DBSubnetGroupAlreadyExists (moto replaces the
  group); one whose subnets are in fewer than two availability zones answers
  DBSubnetGroupDoesNotCoverEnoughAZs, as AWS does.
- ModifyDBSubnetGroup keeps the group (moto drops it from the region: the next describe says
  DBSubnetGroupNotFoundFault).
- DeleteDBSubnetGroup of a group an instance still uses answers InvalidDBSubnetGroupStateFault (moto
  deletes it from under the instance).
- ModifyDBInstance without ApplyImmediately leaves what AWS applies in the next maintenance window
  (class, storage, storage type, IOPS, engine version, Multi-AZ, DB subnet group) in
  PendingModifiedValues, as AWS does; moto applies everything at once. With ApplyImmediately, what
  was pending is applied too.
- ModifyDBInstance's states, as AWS's: a new MasterUserPassword makes the instance
  `resetting-master-credentials`, with MasterUserPassword in PendingModifiedValues until it is applied
  ("Between the time of the request and the completion of the request, the MasterUserPassword element
  exists in the PendingModifiedValues element", API_ModifyDBInstance); changes applied at once make it
  `modifying`. Either lasts TRANSITION_DESCRIBES describes, then `available` (moto stays `available`); in the
  aws profile, emulator.lifecycle makes it last its time instead (the instance carries ``seed_timed``).
- The backup and maintenance windows: moto refuses a maintenance window that wraps the week's end
  (sun:23:45-mon:00:15, the example of AWS's own CreateDBInstance page: "Must be at least 30 minutes"),
  and lets a backup window shorter than 30 minutes through; the check here is AWS's rule
  (API_CreateDBInstance, PreferredBackupWindow: "Must be at least 30 minutes. Must not conflict with
  the preferred maintenance window"), the daily backup window against every day of the weekly one,
  across midnight and the week's end, answered as AWS answers it: InvalidParameterValue "The backup
  window and maintenance window must not overlap." Windows that touch conflict, as in moto.
"""

import functools

# AWS's default PostgreSQL version when CreateDBInstance names none (what the catalogue marks default)
DEFAULT_POSTGRES = '16.4'
POSTGRES_VERSIONS = ('14.12', '14.15', '15.7', '15.10', '16.3', '16.4', '16.6', '17.2', '17.4')
POSTGRES_CLASSES = ('db.t3.micro', 'db.t3.small', 'db.t3.medium', 'db.t3.large',
                    'db.t4g.micro', 'db.t4g.small', 'db.t4g.medium', 'db.t4g.large',
                    'db.m6g.large', 'db.m7g.large', 'db.r6g.large')
# storage type: (min GiB, max GiB, supports iops)
STORAGE = {'gp2': (20, 65536, False), 'gp3': (20, 65536, True), 'io1': (100, 65536, True), 'io2': (100, 65536, True)}
ZONES = ('a', 'b', 'c', 'd', 'e', 'f')
# describes that still show a modified instance in its transitional status
TRANSITION_DESCRIBES = 1
DAYS = ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')
DAY, WEEK = 1440, 7 * 1440
# ModifyDBInstance's parameters AWS defers to the maintenance window, and their PendingModifiedValues names
DEFERRED = (('db_instance_class', 'DBInstanceClass'), ('allocated_storage', 'AllocatedStorage'), ('storage_type', 'StorageType'),
            ('iops', 'Iops'), ('engine_version', 'EngineVersion'), ('multi_az', 'MultiAZ'),
            ('db_subnet_group_name', 'DBSubnetGroupName'))


def postgres_options(region, engine_version=None, instance_class=None):
    """The OrderableDBInstanceOptions of PostgreSQL in ``region``, filtered as AWS filters them."""
    out = []
    for version in POSTGRES_VERSIONS:
        if engine_version and version != engine_version:
            continue
        for klass in POSTGRES_CLASSES:
            if instance_class and klass != instance_class:
                continue
            for storage, (low, high, iops) in sorted(STORAGE.items()):
                option = {
                    'Engine': 'postgres', 'EngineVersion': version, 'DBInstanceClass': klass,
                    'LicenseModel': 'postgresql-license',
                    'AvailabilityZones': [{'Name': region + z} for z in ZONES],
                    'MultiAZCapable': True, 'ReadReplicaCapable': True, 'Vpc': True,
                    'SupportsStorageEncryption': True, 'StorageType': storage, 'SupportsIops': iops,
                    'SupportsEnhancedMonitoring': True, 'SupportsIAMDatabaseAuthentication': True,
                    'SupportsPerformanceInsights': True, 'MinStorageSize': low, 'MaxStorageSize': high,
                    'SupportsStorageAutoscaling': True, 'SupportsKerberosAuthentication': True,
                    'SupportedEngineModes': ['provisioned'], 'SupportsClusters': False,
                    'SupportedNetworkTypes': ['IPV4', 'DUAL'],
                }
                if iops:
                    option.update(MinIopsPerDbInstance=1000 if storage != 'gp3' else 3000, MaxIopsPerDbInstance=256000)
                out.append(option)
    return out


def _minutes(text):
    hour, minute = text.split(':')
    return int(hour) * 60 + int(minute)


def window_problem(maintenance, backup):
    """AWS's answer to a pair of windows (either may be None): None when valid, else the message of its
    InvalidParameterValue. https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html"""
    m_start = m_len = b_start = b_len = None
    if maintenance:
        window = str(maintenance).lower()
        try:
            start, end = [DAYS.index(part[:3]) * DAY + _minutes(part[4:]) for part in window.split('-')]
        except (ValueError, IndexError):
            return ('Invalid maintenance window format: %s. Should be specified as a range ddd:hh24:mi-ddd:hh24:mi (24H Clock UTC). '
                    'Example: Sun:23:45-Mon:00:15' % maintenance)
        m_start, m_len = start, (end - start) % WEEK
        if m_len < 30:
            return 'The maintenance window must be at least 30 minutes.'
        if m_len > DAY:
            return 'Maintenance window must be less than 24 hours.'  # moto's limit, kept
    if backup:
        try:
            start, end = [_minutes(t) for t in str(backup).split('-')]
        except ValueError:
            return 'Invalid backup window format: %s. Should be specified as a range hh24:mi-hh24:mi (24H Clock UTC).' % backup
        b_start, b_len = start, (end - start) % DAY
        if b_len < 30:
            return 'The backup window must be at least 30 minutes.'
    if m_len is not None and b_len is not None and any((m_start + i - b_start) % DAY <= b_len for i in range(m_len + 1)):
        return 'The backup window and maintenance window must not overlap.'
    return None


def settle(database):
    """A modification is over: the instance is available, and a new master password no longer pending."""
    database.status = 'available'
    pending = dict(getattr(database, 'pending_modified_values', None) or {})
    pending.pop('MasterUserPassword', None)
    database.pending_modified_values = pending


def patch_rds():
    """Apply the rules above to moto's RDS classes (emulator.fidelity.patch_moto calls it once)."""
    from moto.rds.exceptions import RDSClientError
    from moto.rds.models import DBInstance, RDSBackend
    from moto.rds.responses import RDSResponse

    DBInstance.default_engine_versions['postgres'] = DEFAULT_POSTGRES
    import moto.rds.models as rds_models
    rds_models.valid_preferred_maintenance_window = window_problem  # CreateDBInstance and ModifyDBInstance call it

    orderable = RDSResponse.describe_orderable_db_instance_options

    @functools.wraps(orderable)
    def orderable_as_aws(self):
        if self.params.get('Engine') != 'postgres':
            return orderable(self)
        from moto.core.responses import PaginatedResult
        options = postgres_options(self.region, self.params.get('EngineVersion'), self.params.get('DBInstanceClass'))
        return PaginatedResult({'OrderableDBInstanceOptions': options})
    RDSResponse.describe_orderable_db_instance_options = orderable_as_aws

    create_subnet_group = RDSBackend.create_subnet_group

    @functools.wraps(create_subnet_group)
    def create_subnet_group_as_aws(self, subnet_name, description, subnets, tags):
        if subnet_name.lower() in self.subnet_groups or subnet_name in self.subnet_groups:
            raise RDSClientError('DBSubnetGroupAlreadyExists', 'DB subnet group \'%s\' already exists.' % subnet_name)
        if len(set(s.availability_zone for s in subnets)) < 2:
            raise RDSClientError('DBSubnetGroupDoesNotCoverEnoughAZs',
                                 'The DB subnet group doesn\'t meet Availability Zone (AZ) coverage requirement. '
                                 'Current AZ coverage: %s. Add subnets to cover at least 2 AZs.'
                                 % ', '.join(sorted(set(s.availability_zone for s in subnets))))
        return create_subnet_group(self, subnet_name.lower(), description, subnets, tags)
    RDSBackend.create_subnet_group = create_subnet_group_as_aws

    modify_subnet_group = RDSBackend.modify_db_subnet_group

    @functools.wraps(modify_subnet_group)
    def modify_subnet_group_as_aws(self, subnet_name, description, subnets):
        group = modify_subnet_group(self, subnet_name, description, subnets)
        self.subnet_groups[group.name] = group
        return group
    RDSBackend.modify_db_subnet_group = modify_subnet_group_as_aws

    delete_subnet_group = RDSBackend.delete_subnet_group

    @functools.wraps(delete_subnet_group)
    def delete_subnet_group_as_aws(self, subnet_name):
        users = sorted(ident for ident, db in self.databases.items()
                       if getattr(getattr(db, 'db_subnet_group', None), 'name', None) == subnet_name.lower())
        if users:
            raise RDSClientError('InvalidDBSubnetGroupStateFault', 'Cannot delete the subnet group \'%s\' because at least one '
                                 'database instance: %s is still using it.' % (subnet_name, ', '.join(users)))
        return delete_subnet_group(self, subnet_name)
    RDSBackend.delete_subnet_group = delete_subnet_group_as_aws

    modify_instance = RDSBackend.modify_db_instance

    @functools.wraps(modify_instance)
    def modify_instance_as_aws(self, db_instance_identifier, db_kwargs):
        database = self.describe_db_instances(db_instance_identifier)[0]
        pending = dict(getattr(database, 'pending_modified_values', None) or {})
        if str(db_kwargs.get('apply_immediately')).lower() == 'true':
            for key, name in DEFERRED:
                if name in pending and db_kwargs.get(key) is None:
                    db_kwargs[key] = pending[name]
            pending = {}
        else:
            for key, name in DEFERRED:
                value = db_kwargs.get(key)
                if value is not None:
                    db_kwargs.pop(key)
                    pending[name] = value
        applied = [k for k, v in db_kwargs.items() if v is not None and k not in ('db_instance_identifier', 'apply_immediately')]
        result = modify_instance(self, db_instance_identifier, db_kwargs)
        if db_kwargs.get('master_user_password') is not None:
            pending['MasterUserPassword'] = '****'
            result.status = 'resetting-master-credentials'
            result.seed_transition = TRANSITION_DESCRIBES
        elif applied:
            result.status = 'modifying'
            result.seed_transition = TRANSITION_DESCRIBES
        result.pending_modified_values = pending
        return result
    RDSBackend.modify_db_instance = modify_instance_as_aws

    describe_instances = RDSBackend.describe_db_instances

    @functools.wraps(describe_instances)
    def describe_instances_as_aws(self, db_instance_identifier=None, filters=None):
        found = describe_instances(self, db_instance_identifier, filters)
        for database in found:
            if getattr(database, 'seed_timed', False):
                continue  # the aws profile: emulator.lifecycle walks its states in time
            left = getattr(database, 'seed_transition', 0)
            if left > 0:
                database.seed_transition = left - 1
            elif getattr(database, 'status', None) in ('modifying', 'resetting-master-credentials'):
                settle(database)
        return found
    RDSBackend.describe_db_instances = describe_instances_as_aws
