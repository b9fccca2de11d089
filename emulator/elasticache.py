"""ElastiCache where moto 5.2.5 answers otherwise than AWS, for the cache_subnet_group and cache_cluster modules.

patch_elasticache() (called by emulator.fidelity.patch_moto) changes moto's ElastiCache models and responses
in this process so that they answer as the ElastiCache API reference and botocore's service model say:

- DeleteCacheSubnetGroup and ModifyCacheSubnetGroup exist (moto has neither). A subnet group a replication
  group uses is not deleted (CacheSubnetGroupInUse); a modified group keeps its ARN and tags, and its subnets
  are checked as on create (one VPC, InvalidSubnet otherwise).
- A subnet group's Subnets carry SubnetAvailabilityZone {Name} (moto gives the zone as a bare string, which
  its serializer drops).
- CreateReplicationGroup with NumCacheClusters N (cluster mode disabled) makes N member clusters, the primary
  and N-1 replicas (moto makes one unless ReplicasPerNodeGroup is given), each a cache cluster
  DescribeCacheClusters shows with the group's subnet group, security groups, engine version, port,
  maintenance window and encryption settings; the node group has a ReaderEndpoint beside its PrimaryEndpoint.
- AWS's rules on create: AutomaticFailoverEnabled needs two or more clusters, MultiAZEnabled needs automatic
  failover, AuthToken needs TransitEncryptionEnabled (InvalidParameterCombination / InvalidParameterValue).
- Status: a new group is ``creating`` (in the create answer and the first describe after it), then
  ``available``; a modified one is ``modifying`` once, then ``available``; a deleted one is ``deleting`` (in the
  delete answer and the first describe after it), then gone, with its member clusters (moto keeps it for ever).
  In the aws profile, emulator.lifecycle makes each status last its time instead (the group carries ``seed_timed``).
- ModifyReplicationGroup also changes SecurityGroupIds, PreferredMaintenanceWindow, EngineVersion,
  SnapshotRetentionLimit and the AuthToken (AuthTokenUpdateStrategy ROTATE or SET), on the member clusters too;
  the engine version is upgraded only (InvalidParameterCombination for a downgrade); MultiAZEnabled without
  automatic failover is refused as on create.
- DeleteReplicationGroup with FinalSnapshotIdentifier makes that snapshot of the group.
- The AUTH token as AWS keeps it (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html, "Modifying the
  AUTH token on an existing cluster"; moto takes any token and any strategy): ModifyReplicationGroup's
  AuthTokenUpdateStrategy ROTATE (the default) adds the token and keeps the previous one (the two most recent; on a
  cluster that had none, the token and no token), SET is "allowed only after ROTATE" (a cluster with two tokens, or
  one and no token) and leaves the token alone, DELETE is only for moving to RBAC, which the emulator does not offer
  (InvalidParameterCombination for either), and a strategy needs the AuthToken it is for. The token itself follows
  the API reference's rule (InvalidParameterValue): on create (API_CreateReplicationGroup, AuthToken) 16-128
  characters, the only special ones ! & # $ ^ < > -; on modify (API_ModifyReplicationGroup, AuthToken) 16-128
  printable ones, none of / " @ %. The data plane (emulator.datatier) gives Redis the same tokens.
"""

import functools

# describes that still show a new (or modified, or deleted) group in its transitional status
TRANSITION_DESCRIBES = 1
DEFAULT_ENGINE_VERSION = '7.1'
DEFAULT_MAINTENANCE_WINDOW = 'sun:05:00-sun:06:00'
TOKEN_SPECIALS = frozenset('!&#$^<>-')  # API_CreateReplicationGroup, AuthToken
TOKEN_FORBIDDEN_ON_MODIFY = frozenset('/"@%')  # API_ModifyReplicationGroup, AuthToken


def token_problem(token, on_create=True):
    """None when AWS takes the AUTH token, else its InvalidParameterValue message."""
    text = str(token)
    if not 16 <= len(text) <= 128 or any(not 32 < ord(c) < 127 for c in text):
        return 'Invalid AuthToken provided. It must be 16 to 128 printable ASCII characters.'
    if on_create and any(not c.isalnum() and c not in TOKEN_SPECIALS for c in text):
        return 'Invalid AuthToken provided. The only permitted special characters are !, &, #, $, ^, <, >, and -.'
    if not on_create and set(text) & TOKEN_FORBIDDEN_ON_MODIFY:
        return 'Invalid AuthToken provided. It cannot contain /, ", @ or %.'
    return None


PATCHED = []


def _version(text):
    try:
        return tuple(int(p) for p in str(text).split('.'))
    except ValueError:
        return (0,)


def member_view(group, cluster):
    """The member cache cluster as DescribeCacheClusters shows it, from its replication group."""
    cluster.security_groups = [{'SecurityGroupId': s, 'Status': 'active'} for s in group.security_group_ids or []]
    cluster.cache_node_type = group.cache_node_type
    cluster.engine_version = group.engine_version
    cluster.preferred_maintenance_window = group.preferred_maintenance_window
    cluster.snapshot_retention_limit = group.snapshot_retention_limit
    cluster.auth_token_enabled = group.auth_token_enabled
    cluster.transit_encryption_enabled = group.transit_encryption_enabled
    cluster.at_rest_encryption_enabled = group.at_rest_encryption_enabled
    cluster.cache_cluster_status = 'available' if group.status == 'available' else group.status
    cluster.replication_group_id = group.replication_group_id


def refresh_members(backend, group):
    for cid in group.member_clusters:
        cluster = backend.cache_clusters.get(cid)
        if cluster is not None:
            member_view(group, cluster)


def remove(backend, group):
    """A deleted group's time is over: it is gone, with its member clusters."""
    backend.replication_groups.pop(group.replication_group_id, None)
    for cid in group.member_clusters:
        backend.cache_clusters.pop(cid, None)


def patch_elasticache():
    """Apply the rules above; once per process."""
    if PATCHED:
        return
    from moto.core.responses import ActionResult, EmptyResult
    from moto.elasticache import exceptions
    from moto.elasticache.models import CacheCluster, CacheSubnetGroup, ElastiCacheBackend, ReplicationGroup
    from moto.elasticache.responses import ElastiCacheResponse

    class CacheSubnetGroupInUse(exceptions.ElastiCacheException):
        code = 'CacheSubnetGroupInUse'

    class InvalidReplicationGroupState(exceptions.ElastiCacheException):
        code = 'InvalidReplicationGroupState'

    def fix_zones(group):
        for subnet in group.subnets:
            zone = subnet.pop('subnet_availability_zone', None) or subnet.pop('Subnet_availability_zone', None)
            subnet['subnet_availability_zone'] = zone if isinstance(zone, dict) else {'Name': zone}
        return group

    subnet_group_init = CacheSubnetGroup.__init__

    @functools.wraps(subnet_group_init)
    def subnet_group_init_as_aws(self, *args, **kwargs):
        subnet_group_init(self, *args, **kwargs)
        fix_zones(self)
    CacheSubnetGroup.__init__ = subnet_group_init_as_aws

    def delete_cache_subnet_group(self, cache_subnet_group_name):
        if cache_subnet_group_name not in self.cache_subnet_groups:
            raise exceptions.CacheSubnetGroupNotFound(cache_subnet_group_name)
        users = sorted(g.replication_group_id for g in self.replication_groups.values()
                       if g.cache_subnet_group_name == cache_subnet_group_name)
        if users:
            raise CacheSubnetGroupInUse('Cache subnet group %s is currently in use by replication group %s.'
                                        % (cache_subnet_group_name, users[0]))
        group = self.cache_subnet_groups.pop(cache_subnet_group_name)
        self.tagging_service.delete_all_tags_for_resource(group.arn)
        return group

    def modify_cache_subnet_group(self, cache_subnet_group_name, cache_subnet_group_description, subnet_ids):
        if cache_subnet_group_name not in self.cache_subnet_groups:
            raise exceptions.CacheSubnetGroupNotFound(cache_subnet_group_name)
        old = self.cache_subnet_groups[cache_subnet_group_name]
        new = CacheSubnetGroup(account_id=self.account_id, region_name=self.region_name,
                               cache_subnet_group_name=cache_subnet_group_name,
                               cache_subnet_group_description=(cache_subnet_group_description
                                                               if cache_subnet_group_description is not None
                                                               else old.cache_subnet_group_description),
                               subnet_ids=subnet_ids or old.subnet_ids, tags=old.tags)
        self.cache_subnet_groups[cache_subnet_group_name] = new
        return new
    ElastiCacheBackend.delete_cache_subnet_group = delete_cache_subnet_group
    ElastiCacheBackend.modify_cache_subnet_group = modify_cache_subnet_group

    def delete_cache_subnet_group_response(self):
        self.elasticache_backend.delete_cache_subnet_group(self._get_param('CacheSubnetGroupName'))
        return EmptyResult()

    def modify_cache_subnet_group_response(self):
        group = self.elasticache_backend.modify_cache_subnet_group(
            self._get_param('CacheSubnetGroupName'), self._get_param('CacheSubnetGroupDescription'),
            self._get_param('SubnetIds', []))
        return ActionResult({'CacheSubnetGroup': group})
    ElastiCacheResponse.delete_cache_subnet_group = delete_cache_subnet_group_response
    ElastiCacheResponse.modify_cache_subnet_group = modify_cache_subnet_group_response

    members_disabled = ReplicationGroup._set_node_members_clusters_disabled  # pylint: disable=protected-access

    @functools.wraps(members_disabled)
    def members_disabled_as_aws(self, **kwargs):
        if not kwargs.get('replicas_per_node_group') and (kwargs.get('num_cache_clusters') or 1) > 1:
            kwargs['replicas_per_node_group'] = kwargs['num_cache_clusters'] - 1
        members_disabled(self, **kwargs)
        group = kwargs['node_group']
        group['reader_endpoint'] = {'address': group['reader_endpoint_address'], 'port': group['port']}
    ReplicationGroup._set_node_members_clusters_disabled = members_disabled_as_aws  # pylint: disable=protected-access

    def invalid_combination(message):
        return exceptions.InvalidParameterCombinationException(message)

    create_replication_group = ElastiCacheBackend.create_replication_group

    @functools.wraps(create_replication_group)
    def create_replication_group_as_aws(self, **kwargs):
        clusters = kwargs.get('num_cache_clusters') or 1
        if kwargs.get('replicas_per_node_group'):
            clusters = kwargs['replicas_per_node_group'] + 1
        if kwargs.get('automatic_failover_enabled') and clusters < 2:
            raise invalid_combination('When automatic failover is enabled, the replication group must have at least 2 cache clusters.')
        if kwargs.get('multi_az_enabled') and not kwargs.get('automatic_failover_enabled'):
            raise invalid_combination('Multi-AZ can be enabled only with automatic failover enabled.')
        if kwargs.get('auth_token') and not kwargs.get('transit_encryption_enabled'):
            raise exceptions.InvalidParameterValueException('The AUTH token is only supported when encryption in transit is enabled.')
        if kwargs.get('auth_token') and token_problem(kwargs['auth_token']):
            raise exceptions.InvalidParameterValueException(token_problem(kwargs['auth_token']))
        if kwargs.get('cache_subnet_group_name') and kwargs['cache_subnet_group_name'] not in self.cache_subnet_groups:
            raise exceptions.CacheSubnetGroupNotFound(kwargs['cache_subnet_group_name'])
        kwargs['engine_version'] = kwargs.get('engine_version') or DEFAULT_ENGINE_VERSION
        kwargs['preferred_maintenance_window'] = kwargs.get('preferred_maintenance_window') or DEFAULT_MAINTENANCE_WINDOW
        group = create_replication_group(self, **kwargs)
        group.security_group_ids = list(kwargs.get('security_group_ids') or [])
        group.port = int(kwargs.get('port') or 6379)
        group.status = 'creating'
        group.seed_transition = TRANSITION_DESCRIBES
        group.seed_tokens = 1 if kwargs.get('auth_token') else 0  # tokens that open it
        group.seed_open = not kwargs.get('auth_token')  # no token opens it too
        if group.cluster_mode != 'enabled':
            group.primary_cluster_id = group.member_clusters[0]
        for index, cid in enumerate(group.member_clusters):
            cluster = CacheCluster(
                account_id=self.account_id, region_name=self.region_name, cache_cluster_id=cid, cache_node_type=group.cache_node_type,
                replication_group_id=group.replication_group_id, az_mode=None,
                preferred_availability_zone=group.node_groups[0]['node_group_members'][index].get('preferred_availability_zone'),
                num_cache_nodes=1, engine=group.engine, engine_version=group.engine_version, cache_parameter_group_name=None,
                cache_subnet_group_name=group.cache_subnet_group_name, transit_encryption_enabled=group.transit_encryption_enabled,
                network_type=group.network_type, ip_discovery=group.ip_discovery, snapshot_name=None,
                preferred_maintenance_window=group.preferred_maintenance_window, port=group.port, notification_topic_arn=None,
                auto_minor_version_upgrade=True, snapshot_retention_limit=group.snapshot_retention_limit, snapshot_window=None,
                auth_token=None, outpost_mode=None, preferred_outpost_arn=None, preferred_availability_zones=None,
                cache_security_group_names=None, security_group_ids=group.security_group_ids, tags=None, snapshot_arns=None,
                preferred_outpost_arns=None, log_delivery_configurations=[], cache_node_ids_to_remove=None, cache_node_ids_to_reboot=None)
            self.cache_clusters[cid] = cluster
        refresh_members(self, group)
        return group
    ElastiCacheBackend.create_replication_group = create_replication_group_as_aws

    describe_replication_groups = ElastiCacheBackend.describe_replication_groups

    def step(backend, group):
        """One describe later: a transitional status counts down, then available (or gone, for deleting)."""
        if getattr(group, 'seed_timed', False):
            return True  # the aws profile: emulator.lifecycle walks its statuses in time
        left = getattr(group, 'seed_transition', 0)
        if left > 0:
            group.seed_transition = left - 1
            return True
        if group.status == 'deleting':
            remove(backend, group)
            return False
        if group.status in ('creating', 'modifying'):
            group.status = 'available'
            refresh_members(backend, group)
        return True

    @functools.wraps(describe_replication_groups)
    def describe_replication_groups_as_aws(self, replication_group_id=None):
        for group in list(self.replication_groups.values()):
            if replication_group_id is None or group.replication_group_id == replication_group_id:
                step(self, group)
        return describe_replication_groups(self, replication_group_id=replication_group_id)
    ElastiCacheBackend.describe_replication_groups = describe_replication_groups_as_aws

    def modify_replication_group_as_aws(self, replication_group_id, params):
        if replication_group_id not in self.replication_groups:
            raise exceptions.ReplicationGroupNotFound(replication_group_id)
        group = self.replication_groups[replication_group_id]
        if group.status != 'available':
            raise InvalidReplicationGroupState('Replication group %s is not in available state (%s).' % (replication_group_id, group.status))
        failover = params.get('AutomaticFailoverEnabled')
        failover_on = group.automatic_failover == 'enabled' if failover is None else failover
        if failover_on and len(group.member_clusters) < 2:
            raise invalid_combination('When automatic failover is enabled, the replication group must have at least 2 cache clusters.')
        multi_az = params.get('MultiAZEnabled')
        if (multi_az or (multi_az is None and group.multi_az == 'enabled')) and not failover_on:
            raise invalid_combination('Multi-AZ can be enabled only with automatic failover enabled.')
        version = params.get('EngineVersion')
        if version and _version(version) < _version(group.engine_version):
            raise invalid_combination('Cannot downgrade the engine version from %s to %s.' % (group.engine_version, version))
        if params.get('AuthToken') and not group.transit_encryption_enabled:
            raise exceptions.InvalidParameterValueException('The AUTH token is only supported when encryption in transit is enabled.')
        strategy = params.get('AuthTokenUpdateStrategy')
        tokens, open_ = getattr(group, 'seed_tokens', 1 if group.auth_token_enabled else 0), getattr(group, 'seed_open', False)
        if params.get('AuthToken'):
            if token_problem(params['AuthToken'], on_create=False):
                raise exceptions.InvalidParameterValueException(token_problem(params['AuthToken'], on_create=False))
            strategy = strategy or 'ROTATE'
            if strategy == 'SET' and not (tokens == 2 or (tokens == 1 and open_)):
                raise invalid_combination('The AUTH token update strategy SET is allowed only after ROTATE.')
            if strategy not in ('ROTATE', 'SET'):
                raise invalid_combination('The AUTH token update strategy %s is allowed only when moving to RBAC.' % strategy)
        elif strategy:
            raise invalid_combination('AuthTokenUpdateStrategy %s needs an AuthToken.' % strategy)
        for key, attr in (('ReplicationGroupDescription', 'description'), ('CacheNodeType', 'cache_node_type'),
                          ('EngineVersion', 'engine_version'), ('PreferredMaintenanceWindow', 'preferred_maintenance_window'),
                          ('SnapshotRetentionLimit', 'snapshot_retention_limit'), ('SecurityGroupIds', 'security_group_ids')):
            if params.get(key) is not None:
                setattr(group, attr, params[key])
        if failover is not None:
            group.automatic_failover = 'enabled' if failover else 'disabled'
        if multi_az is not None:
            group.multi_az = 'enabled' if multi_az else 'disabled'
        if params.get('AuthToken'):
            group.auth_token_enabled = True
            if strategy == 'SET':
                group.seed_tokens, group.seed_open = 1, False
            else:  # ROTATE: the new token beside the previous one (or beside no token, on a cluster that had none)
                group.seed_tokens, group.seed_open = (1, True) if not tokens else (2, False)
        group.status = 'modifying'
        group.seed_transition = TRANSITION_DESCRIBES
        refresh_members(self, group)
        return group
    ElastiCacheBackend.modify_replication_group_as_aws = modify_replication_group_as_aws

    def modify_replication_group_response(self):
        params = {}
        for key in ('ReplicationGroupDescription', 'CacheNodeType', 'EngineVersion', 'PreferredMaintenanceWindow', 'AuthToken',
                    'AuthTokenUpdateStrategy'):
            params[key] = self._get_param(key)
        params['SnapshotRetentionLimit'] = self._get_int_param('SnapshotRetentionLimit')
        params['AutomaticFailoverEnabled'] = self._get_bool_param('AutomaticFailoverEnabled')
        params['MultiAZEnabled'] = self._get_bool_param('MultiAZEnabled')
        params['SecurityGroupIds'] = self._get_param('SecurityGroupIds')
        group = self.elasticache_backend.modify_replication_group_as_aws(self._get_param('ReplicationGroupId'), params)
        return ActionResult({'ReplicationGroup': group})
    ElastiCacheResponse.modify_replication_group = modify_replication_group_response

    delete_replication_group = ElastiCacheBackend.delete_replication_group

    def delete_replication_group_as_aws(self, replication_group_id, retain_primary_cluster, final_snapshot_identifier=None):
        group = self.replication_groups.get(replication_group_id)
        if group is not None and group.status == 'deleting':
            raise InvalidReplicationGroupState('Replication group %s is already being deleted.' % replication_group_id)
        members = list(group.member_clusters) if group is not None else []
        if final_snapshot_identifier and group is not None:
            self.create_snapshot(snapshot_name=final_snapshot_identifier, replication_group_id=replication_group_id,
                                 cache_cluster_id=None, kms_key_id=None, tags=[])
        group = delete_replication_group(self, replication_group_id, retain_primary_cluster)
        group.member_clusters = members
        group.seed_transition = TRANSITION_DESCRIBES
        for cid in members:
            if cid in self.cache_clusters:
                self.cache_clusters[cid].cache_cluster_status = 'deleting'
        return group
    ElastiCacheBackend.delete_replication_group_as_aws = delete_replication_group_as_aws

    def delete_replication_group_response(self):
        group = self.elasticache_backend.delete_replication_group_as_aws(
            self._get_param('ReplicationGroupId'), self._get_bool_param('RetainPrimaryCluster'),
            self._get_param('FinalSnapshotIdentifier'))
        return ActionResult({'ReplicationGroup': group})
    ElastiCacheResponse.delete_replication_group = delete_replication_group_response
    PATCHED.append(True)
