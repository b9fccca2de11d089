# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Redis cluster: an ElastiCache replication group with cluster mode disabled (one shard, a primary and 0-5
replicas), found by its id. The resource of the cache_cluster module.

The resource protocol (docs/architecture.md; module_utils/runner.py): :func:`validate`, :func:`resolve`,
:func:`find`, :func:`describe`, :func:`ensure`, :func:`delete`, over a Context whose client is ElastiCache's. The
replication group id is the identity (AWS keeps one per id), so a CreateReplicationGroup whose answer was lost is
found again by its id (``retries.create_or_find``), never made twice. What ModifyReplicationGroup changes is changed
in place; what it cannot change (encryption, the subnet group, the port, the number of clusters, the KMS key) is
refused before any change, with the reason. The replication group's answer lacks the subnet group, security groups,
engine version and maintenance window: they are read from its primary member cluster (DescribeCacheClusters). The
AUTH token is never returned nor shown in a diff: AWS never returns it either, only whether one is set.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules
from ansible_collections.seed.laravel_aws.plugins.module_utils.cache_subnet_group import validate_name as validate_subnet_group_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change, real_id
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import group_ids_in_vpc
from ansible_collections.seed.laravel_aws.plugins.module_utils.elasticache import (
    CACHE_CLUSTER_NOT_FOUND, FAILED_STATES, NEW_ID_TIMEOUT, REPLICATION_GROUP_NOT_FOUND, SUBNET_GROUP_NOT_FOUND, is_code,
    tags_of, wait_status,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find, gather
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, check_owner, validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import apply_resource_tags, dict_to_boto3_tags, normalize_tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import aws_wait, retry_not_found

NAME = 'cache_cluster'
KEY = ('name', 'stack')

NODE_TYPE_RE = re.compile(r'^cache\.[a-z0-9]+\.[a-z0-9]+$')
VERSION_RE = re.compile(r'^[0-9]+(\.([0-9]+|x))*$')
SNAPSHOT_RE = re.compile(r'^[A-Za-z][A-Za-z0-9-]{0,254}$')
MAX_CLUSTERS = 6  # a primary and up to 5 replicas
# The id, the description, the number of clusters, the AUTH token, the window, the retention and the tags are checked
# against aws_rules' rows of ElastiCache (AWS's documented rules, with their pages), for each operation that sends them.
CREATE, MODIFY = 'CreateReplicationGroup', 'ModifyReplicationGroup'
TAG_OPERATIONS = (CREATE, 'AddTagsToResource')
DEFAULT_PORT = 6379
# What an option left out is when the cluster is created; on an existing cluster it is left as it is.
CREATE_DEFAULTS = {'engine': 'redis', 'node_type': 'cache.t4g.micro', 'num_cache_clusters': 1, 'port': DEFAULT_PORT,
                   'transit_encryption': True, 'at_rest_encryption': True, 'snapshot_retention_limit': 0}
# update_auth_token: AWS's strategies (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html, "Modifying the
# AUTH token on an existing cluster"): ROTATE adds the token and keeps the previous one valid (the two most recent, or the
# new one and no token at all on a cluster that had none); SET, allowed only after a ROTATE, leaves the given token
# (the last one rotated in) the only one. Both with ApplyImmediately. 'always' (before issue 30) rotated: it is 'rotate'.
STRATEGIES = {'rotate': 'ROTATE', 'set': 'SET'}
UPDATE_ALIASES = {'always': 'rotate'}


def _rule(operations, parameter, value, field, params=None):
    """aws_rules' rows of ElastiCache's ``operations`` for ``parameter`` (every operation the option is sent in): a value
    one refuses is refused here, naming the option and AWS's rule (never the value)."""
    for operation in operations:
        aws_rules.refuse_by_rules('elasticache', operation, parameter, value, field, params=params)
    return value


def validate_name(value, field='name'):
    """A replication group id (aws_rules' row: 1-40 letters, digits or hyphens, a letter first, no two hyphens in a row,
    no hyphen last), lowercased as AWS stores it."""
    return _rule((CREATE,), 'ReplicationGroupId', str(value or ''), field).lower()


def validate_auth_token(token, update='on_create', transit_encryption=None, field='auth_token'):
    """The AUTH token against the rows of the operations that send it (the message never repeats the token): with
    ``update`` on_create only CreateReplicationGroup does (the row secrets.RULES' elasticache_auth_token views, shared with
    the preflight); with rotate or set, ModifyReplicationGroup on an existing cluster (:func:`settle` checks the create's row
    when there is none to modify). A ``transit_encryption`` given false refuses a token (the create's row on the
    combination); one left out is checked by :func:`settle`, which knows the cluster's."""
    _rule((CREATE,) if update == 'on_create' else (MODIFY,), 'AuthToken', token, field)
    if transit_encryption is not None:
        _rule((CREATE,), 'AuthToken', token, field, {'TransitEncryptionEnabled': transit_encryption})


def validate(p):
    """The desired cluster from the options, checked before any call. ValidationError names the field. An option left out
    is None (left as it is on an existing cluster; :func:`settle` gives it its default to create)."""
    stack = p.get('stack')
    if stack is not None:
        validate_stack_name(stack, 'stack')
    name = validate_name(p.get('name'))
    aws_rules.refuse_tags('elasticache', TAG_OPERATIONS, p.get('tags'))
    tags = normalize_tags(p.get('tags'), added=(STACK_TAG,) if stack else ()) if p.get('tags') is not None else None
    if tags is not None and stack:
        tags[STACK_TAG] = stack
    desired = {'name': name, 'tags': tags, 'stack': stack}
    if p.get('state') == 'absent':
        snap = p.get('final_snapshot_identifier')
        if snap is not None and not SNAPSHOT_RE.match(snap):
            raise ValidationError('final_snapshot_identifier', '%r is not a snapshot name: 1-255 letters, digits or hyphens, '
                                  'starting with a letter' % (snap,))
        desired['final_snapshot_identifier'] = snap
        return desired
    description = p.get('description')
    _rule((CREATE,), 'ReplicationGroupDescription', description, 'description')  # not given: the name, on create
    version = p.get('engine_version')
    if version is not None and not VERSION_RE.match(str(version)):
        raise ValidationError('engine_version', '%r is not an engine version; write it like 7.1' % (version,))
    node_type = p.get('node_type')
    if node_type is not None and not NODE_TYPE_RE.match(node_type):
        raise ValidationError('node_type', '%r is not a cache node type; write it like cache.t4g.micro' % (node_type,))
    count = p.get('num_cache_clusters')
    _rule((CREATE,), 'NumCacheClusters', count, 'num_cache_clusters', {'AutomaticFailoverEnabled': p.get('automatic_failover')})
    port = p.get('port')
    if port is not None and not 1 <= port <= 65535:
        raise ValidationError('port', 'the port must be between 1 and 65535 (got %r)' % port)
    if p.get('kms_key_id') and p.get('at_rest_encryption') is False:
        raise ValidationError('kms_key_id', 'a KMS key encrypts at rest: it needs at_rest_encryption: true')
    token = p.get('auth_token')
    update = UPDATE_ALIASES.get(p.get('update_auth_token') or 'on_create', p.get('update_auth_token') or 'on_create')
    validate_auth_token(token, update, p.get('transit_encryption'))
    if update != 'on_create' and token is None:
        raise ValidationError('auth_token', 'update_auth_token: %s sends auth_token to the cluster: give it' % update)
    retention = p.get('snapshot_retention_limit')
    _rule((CREATE, MODIFY), 'SnapshotRetentionLimit', retention, 'snapshot_retention_limit')
    window = p.get('preferred_maintenance_window')
    if window is not None:  # ddd:hh24:mi-ddd:hh24:mi (UTC), at least 60 minutes
        window = _rule((CREATE, MODIFY), 'PreferredMaintenanceWindow', window.lower(), 'preferred_maintenance_window')
    group = p.get('cache_subnet_group_name')
    desired.update(
        description=description, engine=p.get('engine'), engine_version=str(version) if version is not None else None,
        node_type=node_type, num_cache_clusters=count, automatic_failover=p.get('automatic_failover'), multi_az=p.get('multi_az'),
        port=port, cache_subnet_group_name=validate_subnet_group_name(group, 'cache_subnet_group_name') if group else None,
        security_groups=p.get('security_groups'), transit_encryption=p.get('transit_encryption'),
        at_rest_encryption=p.get('at_rest_encryption'), kms_key_id=p.get('kms_key_id'), auth_token=token, update_auth_token=update,
        snapshot_retention_limit=retention, preferred_maintenance_window=window, apply_immediately=bool(p.get('apply_immediately')))
    return desired


def settle(desired, before=None):
    """``desired`` made whole, without a call. To create (``before`` None), what is left out takes its default on create
    (automatic failover and Multi-AZ with two or more clusters); on an existing cluster (``before``: its view) it stays None,
    unchanged. The rules that tie options together are checked on the whole: the cluster's values stand in for those left out."""
    d = dict(desired)
    if before is None:
        for key, value in CREATE_DEFAULTS.items():
            if d.get(key) is None:
                d[key] = value
        if d['description'] is None:
            d['description'] = d['name']
        if d['automatic_failover'] is None:
            d['automatic_failover'] = d['num_cache_clusters'] > 1
        if d['multi_az'] is None:
            d['multi_az'] = d['automatic_failover']
    whole = dict((k, d[k] if d.get(k) is not None else (before or {}).get(k))
                 for k in ('num_cache_clusters', 'automatic_failover', 'multi_az', 'transit_encryption'))
    if whole['automatic_failover'] and (whole['num_cache_clusters'] or 0) < 2:
        raise ValidationError('automatic_failover', 'needs a replica to fail over to: set num_cache_clusters to 2 or more, or '
                              'automatic_failover: false')
    if whole['multi_az'] and not whole['automatic_failover']:
        raise ValidationError('multi_az', 'Multi-AZ needs automatic_failover: true (and num_cache_clusters 2 or more)')
    if before is None and d['auth_token'] is not None and d['update_auth_token'] != 'on_create':
        _rule((CREATE,), 'AuthToken', d['auth_token'], 'auth_token')  # to create, the token goes out in CreateReplicationGroup
    if d['auth_token'] is not None and not whole['transit_encryption']:
        raise ValidationError('auth_token', 'an AUTH token requires transit_encryption: true (Redis AUTH is only offered over TLS); '
                              'set transit_encryption: true or drop auth_token')
    return d


def _raw(client, name):
    try:
        groups = client.describe_replication_groups(ReplicationGroupId=name)['ReplicationGroups']
    except Exception as exc:  # pylint: disable=broad-except
        if is_code(exc, REPLICATION_GROUP_NOT_FOUND):
            return None
        raise
    return groups[0] if groups else None


def _member(client, raw):
    """The primary member cluster (DescribeCacheClusters), or the first member, or None."""
    members = raw.get('MemberClusters') or []
    primary = [m.get('CacheClusterId') for g in raw.get('NodeGroups') or [] for m in g.get('NodeGroupMembers') or []
               if m.get('CurrentRole') == 'primary']
    wanted = (primary or sorted(members) or [None])[0]
    if not wanted:
        return None
    try:
        clusters = client.describe_cache_clusters(CacheClusterId=wanted)['CacheClusters']
    except Exception as exc:  # pylint: disable=broad-except
        if is_code(exc, CACHE_CLUSTER_NOT_FOUND):
            return None
        raise
    return clusters[0] if clusters else None


def find(ctx, *, name, stack=None):
    """The replication group ``name``: {raw (DescribeReplicationGroups), member (its primary cluster), tags
    (ListTagsForResource)}, or None. With ``stack``, a cluster tagged with another stack, or with none, is refused
    (stack.NotOwned, naming both) before anything is changed or deleted: AWS compares ids without case, so a name never
    tells whose a cluster is."""
    raw = _raw(ctx.client, name)
    if raw is None:
        return None
    member, tags = gather(lambda: _member(ctx.client, raw), lambda: tags_of(ctx.client, raw['ARN']))
    check_owner(stack, tags, 'cache cluster', raw['ReplicationGroupId'])
    return {'raw': raw, 'member': member, 'tags': tags}


def _endpoint(value):
    if not value or not value.get('Address'):
        return None
    return {'address': value['Address'], 'port': value.get('Port')}


def _enabled(value):
    return str(value or '').lower() in ('enabled', 'enabling')


def describe(raw, member=None, tags=None, fallback=None):
    """The snake_case view (never the token). ``fallback``: values the member cluster gives, for when it is
    not readable yet (just created)."""
    member = member or {}
    fallback = fallback or {}
    group = (raw.get('NodeGroups') or [{}])[0]
    primary = _endpoint(group.get('PrimaryEndpoint'))
    pending = member.get('PendingModifiedValues') or {}
    members = sorted(raw.get('MemberClusters') or [])
    groups = member.get('SecurityGroups')
    return {
        'name': raw.get('ReplicationGroupId'), 'arn': real_id(raw.get('ARN')), 'description': raw.get('Description'),
        'status': raw.get('Status'), 'engine': raw.get('Engine') or member.get('Engine') or 'redis',
        'engine_version': pending.get('EngineVersion') or member.get('EngineVersion') or fallback.get('engine_version'),
        'node_type': pending.get('CacheNodeType') or raw.get('CacheNodeType'),
        'port': (primary or {}).get('port') or fallback.get('port'),
        'primary_endpoint': primary, 'reader_endpoint': _endpoint(group.get('ReaderEndpoint')),
        'member_clusters': members, 'num_cache_clusters': len(members),
        'automatic_failover': _enabled(raw.get('AutomaticFailover')), 'multi_az': _enabled(raw.get('MultiAZ')),
        'transit_encryption': bool(raw.get('TransitEncryptionEnabled')), 'at_rest_encryption': bool(raw.get('AtRestEncryptionEnabled')),
        'auth_token_enabled': bool(raw.get('AuthTokenEnabled')),
        'cache_subnet_group_name': member.get('CacheSubnetGroupName') or fallback.get('cache_subnet_group_name'),
        'security_group_ids': (sorted(g['SecurityGroupId'] for g in groups) if groups is not None
                               else list(fallback.get('security_group_ids') or [])),
        'snapshot_retention_limit': raw.get('SnapshotRetentionLimit', 0),
        'preferred_maintenance_window': member.get('PreferredMaintenanceWindow') or fallback.get('preferred_maintenance_window'),
        'tags': dict(tags or {}),
    }


def describe_existing(existing, fallback=None):
    return describe(existing['raw'], existing.get('member'), existing.get('tags'), fallback)


def hidden(p):
    """The AUTH token: never shown by Ansible (the option is no_log already; this keeps it out of any message too)."""
    return [p['auth_token']] if p.get('auth_token') else []


def _refuse(err):
    raise err


def resolve(ctx, *, desired):
    """``desired`` made whole (:func:`settle`, against the cluster :func:`find` finds, if any), then reads only, before
    any change: the subnet group (given, or the cluster's) exists, and the security groups' ids in its VPC (EC2's reads,
    ``ctx.aws('ec2')``). Returns it with ``security_group_ids`` (None: left alone)."""
    existing = find(ctx, name=desired['name'], stack=desired.get('stack'))
    before = describe_existing(existing) if existing else None
    desired = settle(desired, before)
    group = desired.get('cache_subnet_group_name') or (before['cache_subnet_group_name'] if before else None)
    desired['security_group_ids'] = None
    if existing is not None and desired.get('security_groups') is None:
        return desired  # no security group to look up: the subnet group (refused below if another) needs no read
    if existing is None and not group:
        raise ValidationError('cache_subnet_group_name', 'required to create a cache cluster: the cache subnet group it is placed in '
                              '(cache_subnet_group module)')
    if group is None:
        if desired.get('security_groups'):
            raise ValidationError('security_groups', 'the cluster has no cache subnet group whose VPC the groups could be found in; '
                                  'give security group ids')
        return desired
    try:
        vpc_id = ctx.client.describe_cache_subnet_groups(CacheSubnetGroupName=group)['CacheSubnetGroups'][0].get('VpcId')
    except Exception as exc:  # pylint: disable=broad-except
        if not is_code(exc, SUBNET_GROUP_NOT_FOUND):
            raise
        missing = ValidationError('cache_subnet_group_name', 'no cache subnet group %r in this account/region; create it first '
                                  '(cache_subnet_group module)' % group)
        if existing is not None:
            raise missing
        # A real run is refused here; a check run (a playbook's, where the cache_subnet_group task before this one only
        # planned the group) plans the cluster in it.
        ctx.live(_refuse, missing)
        ctx.warn('cache subnet group %s does not exist (yet): the cluster is planned in it, with its security groups as given; '
                 'a real run needs the group first' % group)
        desired['security_group_ids'] = list(desired.get('security_groups') or [])
        return desired
    if desired.get('security_groups') is not None:
        groups = desired['security_groups']
        desired['security_group_ids'] = group_ids_in_vpc(ctx.aws('ec2'), vpc_id, groups, "the cache subnet group's VPC") if groups else []
    return desired


def _version_tuple(text):
    return tuple(int(p) if p.isdigit() else 9999 for p in str(text).split('.'))


def _same_version(current, wanted):
    """7.1 asked, 7.1.0 running: the same (AWS reports the full version of the family asked for)."""
    return current == wanted or str(current or '').startswith(str(wanted) + '.')


def refused(desired, before):
    """What ModifyReplicationGroup cannot change, as sentences (empty: everything can be done in place)."""
    out = []
    for key, what, why in (
            ('transit_encryption', 'transit_encryption', 'encryption in transit is chosen when the cluster is created'),
            ('at_rest_encryption', 'at_rest_encryption', 'encryption at rest is chosen when the cluster is created'),
            ('port', 'port', 'the port is chosen when the cluster is created'),
            ('num_cache_clusters', 'num_cache_clusters', 'replicas are added and removed with IncreaseReplicaCount/'
                                                         'DecreaseReplicaCount, which this module does not call')):
        # before[key] None: not known yet (a group being created has no endpoint, so no port, until it is available)
        if desired[key] is not None and before[key] is not None and desired[key] != before[key]:
            out.append((what, '%s is %s, not %s: %s; create a new cluster (another name) and move to it'
                        % (what, before[key], desired[key], why)))
    group = desired.get('cache_subnet_group_name')
    if group and before['cache_subnet_group_name'] and group != before['cache_subnet_group_name']:
        out.append(('cache_subnet_group_name', 'the cluster is in cache subnet group %s, not %s: a replication group cannot move to '
                    'another subnet group; create a new cluster there' % (before['cache_subnet_group_name'], group)))
    version = desired.get('engine_version')
    if version and before['engine_version'] and not _same_version(before['engine_version'], version) \
            and _version_tuple(version) < _version_tuple(before['engine_version']):
        out.append(('engine_version', 'the engine runs %s: it cannot be downgraded to %s; give %s or a newer version'
                    % (before['engine_version'], version, before['engine_version'])))
    return out


def _modification(desired, before):
    """(ModifyReplicationGroup arguments, the view after) for what differs; ({}, before) when nothing does."""
    kwargs, after = {}, dict(before)
    for key, arg in (('description', 'ReplicationGroupDescription'), ('node_type', 'CacheNodeType'),
                     ('snapshot_retention_limit', 'SnapshotRetentionLimit'), ('automatic_failover', 'AutomaticFailoverEnabled'),
                     ('multi_az', 'MultiAZEnabled')):
        if desired[key] is not None and desired[key] != before[key]:
            kwargs[arg], after[key] = desired[key], desired[key]
    version = desired.get('engine_version')
    if version and not _same_version(before['engine_version'], version):
        kwargs['EngineVersion'], after['engine_version'] = version, version
    window = desired.get('preferred_maintenance_window')
    if window and window != before['preferred_maintenance_window']:
        kwargs['PreferredMaintenanceWindow'], after['preferred_maintenance_window'] = window, window
    ids = desired.get('security_group_ids')
    if ids is not None and ids != before['security_group_ids']:
        kwargs['SecurityGroupIds'], after['security_group_ids'] = ids, list(ids)
    return kwargs, after


def _create_args(desired):
    kwargs = {
        'ReplicationGroupId': desired['name'], 'ReplicationGroupDescription': desired['description'], 'Engine': desired['engine'],
        'CacheNodeType': desired['node_type'], 'NumCacheClusters': desired['num_cache_clusters'],
        'AutomaticFailoverEnabled': desired['automatic_failover'], 'MultiAZEnabled': desired['multi_az'], 'Port': desired['port'],
        'CacheSubnetGroupName': desired['cache_subnet_group_name'], 'TransitEncryptionEnabled': desired['transit_encryption'],
        'AtRestEncryptionEnabled': desired['at_rest_encryption'], 'SnapshotRetentionLimit': desired['snapshot_retention_limit'],
    }
    optional = (('engine_version', 'EngineVersion'), ('kms_key_id', 'KmsKeyId'), ('auth_token', 'AuthToken'),
                ('preferred_maintenance_window', 'PreferredMaintenanceWindow'), ('security_group_ids', 'SecurityGroupIds'))
    for key, arg in optional:
        if desired.get(key) is not None:
            kwargs[arg] = desired[key]
    tags = create_tags(desired)
    if tags:
        kwargs['Tags'] = dict_to_boto3_tags(tags)
    return kwargs


def create_tags(desired):
    """The tags a cluster is created with: the user's, and Stack=<stack> with a stack."""
    tags = dict(desired['tags'] or {})
    if desired.get('stack'):
        tags[STACK_TAG] = desired['stack']
    return tags


def token_change(ctx, desired, before):
    """The ModifyReplicationGroup arguments of an AUTH token change ({} for none). AWS never returns the token, so it
    cannot be compared: ``on_create`` never changes it on an existing cluster (it warns when the cluster has none to
    say so); ``rotate`` and ``set`` always send it, for a run that knows it changed."""
    update = desired['update_auth_token']
    if desired.get('auth_token') is None:
        return {}
    if update == 'on_create':
        if not before['auth_token_enabled']:
            ctx.warn('cache cluster %s has no AUTH token, and update_auth_token: on_create sets one only on a new cluster: '
                     'auth_token was not sent. Turn it on with update_auth_token: rotate (then the cluster takes the token and '
                     'no token), then set (the token alone)' % desired['name'])
        return {}
    return {'AuthToken': desired['auth_token'], 'AuthTokenUpdateStrategy': STRATEGIES[update]}


def _planned(desired, tags):
    n = desired['num_cache_clusters']
    return {
        'name': desired['name'], 'arn': None, 'description': desired['description'], 'status': 'creating', 'engine': desired['engine'],
        'engine_version': desired.get('engine_version'), 'node_type': desired['node_type'], 'port': desired['port'],
        'primary_endpoint': None, 'reader_endpoint': None, 'member_clusters': ['%s-%03d' % (desired['name'], i + 1) for i in range(n)],
        'num_cache_clusters': n, 'automatic_failover': desired['automatic_failover'], 'multi_az': desired['multi_az'],
        'transit_encryption': desired['transit_encryption'], 'at_rest_encryption': desired['at_rest_encryption'],
        'auth_token_enabled': desired.get('auth_token') is not None, 'cache_subnet_group_name': desired['cache_subnet_group_name'],
        'security_group_ids': list(desired.get('security_group_ids') or []), 'snapshot_retention_limit': desired['snapshot_retention_limit'],
        'preferred_maintenance_window': desired.get('preferred_maintenance_window'), 'tags': dict(tags or {}),
    }


def _reader(ctx, name, fresh):
    """A read of the replication group for a wait: its raw entry, or None once AWS answers ReplicationGroupNotFoundFault.
    With ``fresh`` (a group this run just created), a NotFound before the group was ever seen is read again, for at most
    elasticache.NEW_ID_TIMEOUT seconds (ElastiCache is eventually consistent), then raised; never for an id the user gave."""
    seen = [not fresh]

    def describe_it():
        return ctx.client.describe_replication_groups(ReplicationGroupId=name)['ReplicationGroups'][0]

    def read():
        if seen[0]:
            return _raw(ctx.client, name)
        raw = retry_not_found(describe_it, (REPLICATION_GROUP_NOT_FOUND,), 'the new cache cluster %s' % name,
                              timeout=min(NEW_ID_TIMEOUT, ctx.wait_timeout or NEW_ID_TIMEOUT))
        seen[0] = True
        return raw
    return read


def wait_available(ctx, name, fresh=False):
    """Wait until the group is ``available`` (creating or modifying before); what :func:`find` returns then. ``fresh``:
    the group was created by this run (see :func:`_reader`)."""
    wait_status(_reader(ctx, name, fresh), 'cache cluster %s to be available' % name, ctx.wait_timeout)
    return find(ctx, name=name)


def _settle(ctx, name, fallback, fresh=False):
    """The view after a change: waited for (``ctx.wait``), else as it is now (None while a new group is not seen yet);
    None in check mode."""
    found = ctx.live(wait_available, ctx, name, fresh) if ctx.wait else ctx.live(find, ctx, name=name)
    return describe_existing(found, fallback) if found else None


def _postponed(ctx, name, status, kwargs, before):
    """No change (kwargs, after) for a group AWS is still making or changing (``status``), with a warning naming what differs."""
    ctx.warn('cache cluster %s is %s: AWS changes a replication group only once it is available, so %s %s not changed by '
             'this run (wait: false); a run with wait: true waits for it, then changes what still differs'
             % (name, status, ', '.join(sorted(kwargs)), 'is' if len(kwargs) == 1 else 'are'))
    return {}, dict(before)


def ensure(ctx, *, desired, existing=None):
    """Create the cluster (``existing`` None) and wait until available, or change in place what
    ModifyReplicationGroup can change (refusing the rest before any call), rotate the AUTH token when asked,
    converge the tags. ``existing``: what :func:`find` returned; ``desired``: :func:`validate` then :func:`resolve`."""
    name = desired['name']
    if existing is None:
        tags = create_tags(desired)
        kwargs = _create_args(desired)
        planned = _planned(desired, tags)

        def made():
            found = find(ctx, name=name, stack=desired.get('stack'))
            return {'ReplicationGroup': found['raw']} if found is not None else None

        def make():
            # ReplicationGroupAlreadyExists: AWS refuses a taken name (the cluster an interrupted run made moments ago may not show yet):
            # found again, the stack's, it is taken
            raw = create_or_find(lambda: ctx.call('create_replication_group', **kwargs), made,
                                 exists=('ReplicationGroupAlreadyExists',))['ReplicationGroup']
            after = _settle(ctx, name, planned, fresh=True) or describe(raw, None, tags, planned)
            return raw['ARN'], after
        return ctx.create('cache_cluster', name, make, planned)
    raw = existing['raw']
    arn = raw['ARN']
    if raw.get('Status') == 'deleting':
        raise ValidationError('name', 'cache cluster %s is being deleted; wait until it is gone, then run again' % name)
    busy = raw.get('Status') not in ('available',) + FAILED_STATES
    # creating, modifying, snapshotting: AWS refuses ModifyReplicationGroup (InvalidReplicationGroupState) and a group
    # being created does not show all it is yet (no endpoint, no port): compared, and changed, once available
    waited = ctx.live(wait_available, ctx, name) if busy and ctx.wait else None
    if waited is not None:
        existing, raw, busy = waited, waited['raw'], False
    before = describe_existing(existing)
    problems = refused(desired, before)
    if problems:
        raise ValidationError(problems[0][0], '; '.join(text for dummy, text in problems))
    kwargs, after = _modification(desired, before)
    token = token_change(ctx, desired, before)
    if token and kwargs and not desired['apply_immediately']:
        raise ValidationError('apply_immediately', 'update_auth_token: %s changes the AUTH token at once (ApplyImmediately, as AWS '
                              'asks of a token change), and would apply the other changes of this run (%s) at once too: set '
                              'apply_immediately: true, or make them in another run' % (desired['update_auth_token'], ', '.join(sorted(kwargs))))
    apply_now = desired['apply_immediately'] or bool(token)
    if token:
        kwargs.update(token)
        after['auth_token_enabled'] = True
    if kwargs and busy:
        # wait: false on a group AWS is still making or changing: nothing is sent (AWS would refuse it); a run with wait:
        # true waits, then changes what still differs. Check mode (nothing waited for) plans the change.
        kwargs, after = ctx.live(_postponed, ctx, name, raw.get('Status'), kwargs, before) or (kwargs, after)
    changed = bool(kwargs)
    if kwargs:
        ctx.call('modify_replication_group', ReplicationGroupId=name, ApplyImmediately=apply_now, **kwargs)
        after['status'] = 'modifying'
    if desired['tags'] is not None:
        tags_changed, after['tags'] = apply_resource_tags(ctx, arn, existing['tags'], desired['tags'])
        changed = changed or tags_changed
    if kwargs:
        settled = _settle(ctx, name, after)
        if settled:
            # ApplyImmediately false: AWS applies in the maintenance window; the member shows what is pending
            after = dict(settled, tags=after['tags'])
    return Change.of(changed, before, after, arn)


def delete(ctx, *, existing, desired=None):
    """Delete the replication group with its member clusters (RetainPrimaryCluster false), after a final snapshot
    when ``desired`` (:func:`validate` of state absent) has a ``final_snapshot_identifier``; with ``ctx.wait``, wait
    until it is gone (AWS's ReplicationGroupDeleted waiter)."""
    final_snapshot_identifier = (desired or {}).get('final_snapshot_identifier')
    raw = existing['raw']
    name = raw['ReplicationGroupId']
    before = describe_existing(existing)
    action = 'none' if raw.get('Status') == 'deleting' else 'delete'
    if action == 'delete' and raw.get('Status') not in ('available',) + FAILED_STATES and ctx.wait:
        # creating, modifying, snapshotting: AWS refuses DeleteReplicationGroup (InvalidReplicationGroupState) until available
        ctx.live(wait_available, ctx, name)
    if action == 'delete':
        kwargs = {'ReplicationGroupId': name, 'RetainPrimaryCluster': False}
        if final_snapshot_identifier:
            kwargs['FinalSnapshotIdentifier'] = final_snapshot_identifier
        try:
            ctx.call('delete_replication_group', **kwargs)
        except Exception as exc:  # pylint: disable=broad-except
            # gone already, or being deleted: a lost answer's retry finds the first call's work done
            if is_code(exc, 'InvalidReplicationGroupState'):
                now = _raw(ctx.client, name)
                if now is not None and now.get('Status') != 'deleting':
                    raise
            elif not is_code(exc, REPLICATION_GROUP_NOT_FOUND):
                raise
    if ctx.wait:
        ctx.live(aws_wait, ctx, 'ReplicationGroupDeleted', 'cache cluster %s to be deleted' % name, ctx.wait_timeout,
                 ReplicationGroupId=name)
    return Change(action, before, None, raw['ARN'])
