#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: cache_cluster
short_description: A Redis cluster on ElastiCache (a replication group of one shard), encrypted, with replicas and failover
version_added: 0.2.0
description:
  - Creates, changes in place or deletes a Redis cluster as an ElastiCache replication group with cluster mode
    disabled, one shard of a primary and 0-5 replicas; only a replication group offers encryption at rest and
    automatic failover.
  - The cluster is found by its id (O(name)), so a rerun creates nothing, and a create whose answer was lost is
    found again instead of made twice.
  - What C(ModifyReplicationGroup) can change is changed in place (node type, engine version upgrade, security
    groups, backup retention, maintenance window, automatic failover, Multi-AZ, description, the AUTH token).
    What it cannot (encryption in transit or at rest, the subnet group, the port, the number of clusters) is
    refused before any change, with the reason.
  - An option left out is left as it is on an existing cluster; its default (written "default on create") applies only
    when the cluster is created. A task that gives only O(name) and one option changes only that option.
  - With O(stack), the cluster found by O(name) must be tagged C(Stack=<stack>), for a change and for O(state=absent)
    alike (no final snapshot is taken either), since AWS compares ids without case. One of another stack, or of none, is
    refused before any change, naming both.
  - Before any change the input is checked (names, the AUTH token's rules) and the subnet group and security
    groups are read; each error names the option to fix.
  - The AUTH token is never returned and never shown in a diff; AWS never returns it either, only whether one is set,
    so a rerun cannot tell that it changed; O(update_auth_token) says when to send it.
  - With O(wait), waits until the cluster is C(available) (a new cluster takes minutes on AWS), and after
    O(state=absent) until it is gone.
  - The subnet group must exist (its VPC is where the security groups are looked up). In check mode, a new cluster
    whose subnet group does not exist yet (a playbook's check run, where the subnet group task only planned it) is
    planned with a warning, its RV(cache_cluster.security_group_ids) as given in O(security_groups).
  - Every option AWS documents a rule for (names, ranges, windows, ElastiCache's tags, keys 1-128 and values 0-256
    letters, digits, spaces and V(_ . / = + - @ :), a key not beginning with V(aws:)) is checked against the
    collection's table of AWS's rules before any call, in check mode too; the error names the option, AWS's rule, the
    error code AWS answers and the page the rule is from (never a secret's value).
author:
  - Seed Maintainers (@seed-maintainers)
options:
  name:
    description:
      - The replication group id, 1-40 letters, digits or hyphens, starting with a letter, without two hyphens in a
        row and not ending with a hyphen. Lowercased, as AWS stores it.
    type: str
    required: true
  description:
    description: "The cluster's description. Default on create: O(name)."
    type: str
  engine:
    description: "The engine. Default on create: V(redis)."
    type: str
    choices: [redis]
  engine_version:
    description:
      - The engine version, for example V(7.1). Not given, AWS's default for a new cluster, and left alone after.
      - A higher version upgrades the cluster in place; a lower one is refused.
    type: str
    aliases: [cache_engine_version]
  node_type:
    description: "The node type of every member cluster. Changed in place (a scaling). Default on create: V(cache.t4g.micro)."
    type: str
  num_cache_clusters:
    description:
      - The number of clusters, 1-6, the primary and its replicas. On create, 2 or more turn on O(automatic_failover)
        and O(multi_az) unless told otherwise.
      - "Default on create: 1. Fixed once created; a different number is refused, and not given, it is not compared."
    type: int
  automatic_failover:
    description:
      - Promote a replica when the primary fails. Needs 2 or more clusters.
      - "Default on create: true when O(num_cache_clusters) is 2 or more."
    type: bool
  multi_az:
    description: "Keep the replicas in other zones than the primary. Needs automatic failover. Default on create: O(automatic_failover)."
    type: bool
  port:
    description: "The port Redis listens on. Fixed once created. Default on create: 6379."
    type: int
    aliases: [cache_port]
  cache_subnet_group_name:
    description:
      - The cache subnet group the cluster is placed in (M(seed.laravel_aws.cache_subnet_group)). Required to create.
      - Fixed once created; another group is refused.
    type: str
    aliases: [cache_subnet_group]
  security_groups:
    description:
      - Security groups by name or id, in the VPC of the subnet group. Not given, left alone (the VPC's default group on create).
      - C(security_group_ids) is the name M(community.aws.elasticache) gives it (ids only there).
    type: list
    elements: str
    aliases: [security_group_ids]
  transit_encryption:
    description: "TLS between clients and Redis. Fixed once created. Default on create: V(true)."
    type: bool
  at_rest_encryption:
    description: "Encryption of the data on disk and of backups. Fixed once created. Default on create: V(true)."
    type: bool
  kms_key_id:
    description: The KMS key for encryption at rest. Not given, AWS's own key.
    type: str
  auth_token:
    description:
      - "The Redis AUTH password, 16-128 letters, digits and the special characters C(! & # $ ^ < > -) only (AWS's rule,
        the collection's one rule for it, which the preflight play and the roles apply too). Requires transit encryption."
      - "Sent to an existing cluster (O(update_auth_token=rotate) or V(set)), AWS's rule of ModifyReplicationGroup applies:
        16-128 printable ASCII characters, none of V(/), V(\"), V(@) or V(%); to create, the rule above."
      - Never returned, logged or shown in a diff.
    type: str
  update_auth_token:
    description:
      - When O(auth_token) is sent. AWS never returns the token, so the module cannot tell whether it changed.
      - V(on_create) sets it when the cluster is created, and never changes the token of an existing cluster (on one that
        has no token it warns that the token was not sent).
      - V(rotate) adds it to the existing cluster (ModifyReplicationGroup with C(AuthToken), C(AuthTokenUpdateStrategy=ROTATE),
        C(ApplyImmediately)) and waits until the cluster is available; the previous token and the new one both open it
        (on a cluster that had no token, the new one and no token), so clients can switch.
      - V(set) leaves O(auth_token) the only token (C(AuthTokenUpdateStrategy=SET)); AWS allows it only after a
        V(rotate), with the token rotated in.
      - V(always) is the name V(rotate) had before (it rotated).
      - V(rotate), V(set) and V(always) send the token on every run and report a change; they are for a run that knows the
        token changed (the stack's playbooks rotate when the old token no longer opens the cluster, and set once every
        web host has the new one). The token changes at once, so the other changes of such a run need
        O(apply_immediately=true).
      - See U(https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html).
    type: str
    choices: [on_create, rotate, set, always]
    default: on_create
  snapshot_retention_limit:
    description: "Days of automatic daily backups kept, 0 (none, AWS's default) to 35. Default on create: 0."
    type: int
  preferred_maintenance_window:
    description:
      - The weekly maintenance window, UTC, V(ddd:hh24:mi-ddd:hh24:mi), at least 60 minutes (AWS's minimum for ElastiCache),
        for example V(sun:05:00-sun:06:00). Not given, AWS chooses one.
    type: str
  apply_immediately:
    description:
      - Apply changes now rather than in the next maintenance window.
      - Not applied immediately, a change of node type or engine version is pending until the window; the cluster
        shows it as pending, so a rerun changes nothing.
    type: bool
    default: false
  final_snapshot_identifier:
    description: With O(state=absent), the name of a final backup taken before the cluster is deleted. Not given, none is taken.
    type: str
  state:
    description: V(present) or V(absent). Absent deletes the cluster with every member cluster.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait until the cluster is C(available) (C(creating) or C(modifying) before), or after O(state=absent) until it is
        gone (C(deleting) before). A status of C(create-failed) or C(incompatible-network) ends the wait with an error.
      - With V(false) the task returns right after the create, its status C(creating). A later task with the same options
        and O(wait=true) waits for that cluster, then compares it (nothing to change, so C(changed=false)).
      - With V(false), a cluster that is not C(available) yet is not changed (AWS refuses a change then); a warning names
        what differs, and a task with O(wait=true) waits, then changes it.
      - With O(state=absent), a cluster that is still C(creating) or C(modifying) is waited for first (AWS deletes an
        available one only).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 1800
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.tags
  - seed.laravel_aws.aws.owner
attributes:
  check_mode:
    support: full
    description: Reports what would change, changes nothing and does not wait; a cluster to be created has RV(cache_cluster.arn=null).
  diff_mode:
    support: full
    description: Returns the cluster before and after (never the AUTH token).
notes:
  - 'While the task waits (O(wait=true), O(state=present)), a line shows the cluster''s status every 30 seconds, for example
    C(cache_cluster demo-cache: creating (1m30s of 30m)). The action plugin of the same name runs the module without wait,
    reads the status in check mode, then runs it with the wait left of O(wait_timeout), so the result is the module''s.
    Without O(wait), in check mode, with C(async), with O(state=absent) or with O(update_auth_token) other than
    V(on_create), the module runs once, with no lines.'
'''

EXAMPLES = r'''
- name: Redis for Laravel's cache and sessions, a primary and a replica in another zone
  seed.laravel_aws.cache_cluster:
    name: demo-redis
    engine_version: "7.1"
    node_type: cache.t4g.small
    num_cache_clusters: 2
    cache_subnet_group_name: demo-cache
    security_groups: [demo-redis]
    auth_token: "{{ vault_redis_auth_token }}"
    stack: demo
  register: redis

- name: A new AUTH token, the old one still valid while the clients switch
  seed.laravel_aws.cache_cluster:
    name: demo-redis
    stack: demo
    auth_token: "{{ vault_redis_auth_token }}"
    update_auth_token: rotate

- name: The new token alone, once every client has it
  seed.laravel_aws.cache_cluster:
    name: demo-redis
    stack: demo
    auth_token: "{{ vault_redis_auth_token }}"
    update_auth_token: set

- name: Laravel's REDIS_HOST
  ansible.builtin.debug:
    msg: "{{ redis.cache_cluster.primary_endpoint.address }}"

- name: Gone, after a last backup
  seed.laravel_aws.cache_cluster:
    name: demo-redis
    stack: demo
    final_snapshot_identifier: demo-redis-final
    state: absent
'''

RETURN = r'''
cache_cluster:
  description: The cluster (never its AUTH token); empty after O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: The replication group id.
      type: str
      sample: demo-redis
    arn:
      description: Its ARN (null in check mode for one to be created).
      type: str
      sample: arn:aws:elasticache:us-east-1:123456789012:replicationgroup:demo-redis
    description:
      description: Its description.
      type: str
    status:
      description: C(creating), C(available), C(modifying) or C(deleting).
      type: str
    engine:
      description: C(redis).
      type: str
    engine_version:
      description: The engine version it runs (or will, once a pending change is applied).
      type: str
    node_type:
      description: The node type (or the pending one).
      type: str
    port:
      description: The port.
      type: int
    primary_endpoint:
      description: Where clients write, the primary's endpoint (null until AWS gives it).
      type: dict
      contains:
        address:
          description: The host name.
          type: str
        port:
          description: The port.
          type: int
    reader_endpoint:
      description: Where clients read, spread over the replicas (null until AWS gives it).
      type: dict
      contains:
        address:
          description: The host name.
          type: str
        port:
          description: The port.
          type: int
    member_clusters:
      description: The ids of its member clusters, sorted.
      type: list
      elements: str
    num_cache_clusters:
      description: How many member clusters it has.
      type: int
    automatic_failover:
      description: Whether automatic failover is on.
      type: bool
    multi_az:
      description: Whether Multi-AZ is on.
      type: bool
    transit_encryption:
      description: Whether encryption in transit is on.
      type: bool
    at_rest_encryption:
      description: Whether encryption at rest is on.
      type: bool
    auth_token_enabled:
      description: Whether Redis AUTH is on (the token itself is never returned).
      type: bool
    cache_subnet_group_name:
      description: Its cache subnet group.
      type: str
    security_group_ids:
      description: Its security groups, sorted.
      type: list
      elements: str
    snapshot_retention_limit:
      description: Days of automatic backups kept.
      type: int
    preferred_maintenance_window:
      description: Its weekly maintenance window (UTC).
      type: str
    tags:
      description: Its tags.
      type: dict
diff:
  description: The cluster before and after (never the AUTH token).
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import cache_cluster

ARGUMENT_SPEC = resource_spec(dict(
    name=dict(type='str', required=True),
    description=dict(type='str'),
    engine=dict(type='str', choices=['redis']),
    engine_version=dict(type='str', aliases=['cache_engine_version']),
    node_type=dict(type='str'),
    num_cache_clusters=dict(type='int'),
    automatic_failover=dict(type='bool'),
    multi_az=dict(type='bool'),
    port=dict(type='int', aliases=['cache_port']),
    cache_subnet_group_name=dict(type='str', aliases=['cache_subnet_group']),
    security_groups=dict(type='list', elements='str', aliases=['security_group_ids']),
    transit_encryption=dict(type='bool'),
    at_rest_encryption=dict(type='bool'),
    kms_key_id=dict(type='str'),
    auth_token=dict(type='str', no_log=True),
    update_auth_token=dict(type='str', default='on_create', choices=['on_create', 'rotate', 'set', 'always'], no_log=False),
    snapshot_retention_limit=dict(type='int'),
    preferred_maintenance_window=dict(type='str'),
    apply_immediately=dict(type='bool', default=False),
    final_snapshot_identifier=dict(type='str'),
    wait=dict(type='bool', default=True),
    wait_timeout=dict(type='int', default=1800),
), owner=True)


def main():
    run_module(cache_cluster, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
