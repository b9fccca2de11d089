#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: rds_instance
short_description: An RDS for PostgreSQL DB instance, created, changed in place, or deleted with a final snapshot
version_added: 0.2.0
description:
  - Creates, modifies or deletes an RDS DB instance running PostgreSQL, found by its identifier (unique per region).
  - Before any change the options are checked, first without a call (names, storage limits, windows, the master
    password rule), then with reads - the region must offer the instance class with the engine version and the storage
    type (DescribeOrderableDBInstanceOptions), the DB subnet group must exist, and the security groups (names or ids)
    must be in its VPC. Each error names the option.
  - What AWS changes in place (class, storage, Multi-AZ, windows, retention, deletion protection, parameter group,
    security groups, minor version upgrades, an engine version upgrade, a DB subnet group of the same VPC) goes out
    in one ModifyDBInstance. Without O(apply_immediately) AWS applies some of it in the next maintenance window, and
    RV(rds_instance.pending_modified_values) shows what is pending; a rerun compares against it and changes nothing.
  - What AWS cannot change in place (the engine, O(storage_encrypted), O(kms_key_id), a DB subnet group of another VPC,
    less O(allocated_storage), a lower O(engine_version), O(db_name), O(master_username)) is refused with the reason,
    before any change.
  - An option left out is left as it is on an existing instance; its default (written "default on create") applies only
    when the instance is created. A task that gives only O(identifier) and one option changes only that option.
  - With O(stack), the instance found by O(identifier) must be tagged C(Stack=<stack>), for a change and for
    O(state=absent) alike (no final snapshot is taken either), since AWS compares identifiers without case, so C(Demo-db) is
    C(demo-db). One of another stack, or of none, is refused before any change, naming both.
  - A create whose answer was lost is found again by its identifier, never made twice.
  - AWS never returns the master password, so a rerun cannot tell that it changed; O(force_update_password) sets it (a
    run that knows it changed, for example after the old one no longer logs in).
  - The master password is never returned, shown in the diff, or logged.
  - Every option AWS documents a rule for (names, ranges, windows, RDS's tags, keys 1-128 and values 0-256 letters,
    digits, spaces and V(_ . / = + - @ :), neither beginning with V(aws:) or V(rds:)) is checked against the
    collection's table of AWS's rules before any call, in check mode too; the error names the option, AWS's rule, the
    error code AWS answers and the page the rule is from (never a secret's value).
author:
  - Seed Maintainers (@seed-maintainers)
options:
  identifier:
    description:
      - The DB instance identifier, 1-63 letters, digits and hyphens, the first a letter, no two hyphens in a row, no
        hyphen at the end. AWS keeps it in lowercase, so the module lowercases it.
      - C(db_instance_identifier) (and its C(instance_id) and C(id)) is the name M(amazon.aws.rds_instance) gives it.
    type: str
    required: true
    aliases: [db_instance_identifier, instance_id, id]
  engine:
    description: The database engine. Only V(postgres) (default on create).
    type: str
    choices: [postgres]
  engine_version:
    description:
      - The PostgreSQL version, for example V(16.4). Not given, AWS's default version at creation, and left alone after.
      - A higher version on an existing instance is an upgrade (a major one too); a lower one is refused.
    type: str
  instance_class:
    description:
      - The DB instance class, checked to be offered in the region with the engine version.
      - "Default on create: V(db.t4g.micro). Not given, an existing instance keeps its class."
      - C(db_instance_class) (and its C(class) and C(instance_type)) is the name M(amazon.aws.rds_instance) gives it.
    type: str
    aliases: [db_instance_class, class, instance_type]
  allocated_storage:
    description:
      - Storage in GiB. RDS for PostgreSQL takes 20 to 65536 GiB on gp2 and gp3, 100 to 65536 on io1 and io2.
      - Storage can grow in place, never shrink. Default on create 20 (100 for io1 and io2); not given, an existing
        instance keeps its storage.
    type: int
  max_allocated_storage:
    description: The storage autoscaling limit in GiB, more than O(allocated_storage). Not given, autoscaling is left alone.
    type: int
  storage_type:
    description: "The storage type. Default on create: V(gp3)."
    type: str
    choices: [gp2, gp3, io1, io2]
  iops:
    description:
      - Provisioned IOPS, 1000 to 256000. Required with io1 and io2; with gp3 only from 400 GiB; never with gp2.
    type: int
  db_subnet_group_name:
    description:
      - The DB subnet group the instance is placed in (M(seed.laravel_aws.db_subnet_group)). Required to create.
      - Another group of the same VPC is a change in place; one of another VPC is refused.
    type: str
    aliases: [subnet_group]
  security_groups:
    description:
      - VPC security groups, names or ids, of the DB subnet group's VPC. Not given, left alone (at creation, the VPC's
        default group).
      - C(vpc_security_group_ids) is the name M(amazon.aws.rds_instance) gives it (ids only there).
    type: list
    elements: str
    aliases: [vpc_security_group_ids]
  publicly_accessible:
    description:
      - Whether the instance has a public address. V(true) is refused unless O(allow_public_database) is V(true).
      - "Default on create: V(false)."
    type: bool
  allow_public_database:
    description: Allow O(publicly_accessible=true), a database reachable from the internet.
    type: bool
    default: false
  storage_encrypted:
    description: "Encrypt the storage. Cannot change on an existing instance. Default on create: V(true)."
    type: bool
  kms_key_id:
    description: The KMS key (id, ARN or alias) that encrypts the storage. Not given, the AWS managed key for RDS. Cannot change.
    type: str
  multi_az:
    description: "A standby in another availability zone. Default on create: V(false)."
    type: bool
  backup_retention_period:
    description: "Days automated backups are kept, 0 to 35 (0 turns automated backups off). Default on create: 7."
    type: int
  preferred_backup_window:
    description:
      - The daily backup window in UTC, V(hh24:mi-hh24:mi), at least 30 minutes. Not given, AWS chooses it.
      - It must not meet the maintenance window (O(preferred_maintenance_window), or the instance's when that is not
        given) on any day, across midnight too; windows that touch count as meeting. Refused before any call.
    type: str
    aliases: [backup_window]
  preferred_maintenance_window:
    description:
      - The weekly maintenance window in UTC, V(ddd:hh24:mi-ddd:hh24:mi), at least 30 minutes, for example
        V(sun:05:00-sun:06:00); it may wrap midnight or the week's end (V(sun:23:45-mon:00:15)).
      - It must not meet the backup window (see O(preferred_backup_window)).
    type: str
    aliases: [maintenance_window]
  db_parameter_group_name:
    description: The DB parameter group. Not given, the default group of the engine version (and left alone after).
    type: str
  deletion_protection:
    description: "Whether AWS refuses to delete the instance. O(state=absent) is refused while it is on. Default on create: V(false)."
    type: bool
  auto_minor_version_upgrade:
    description: "Whether AWS applies minor engine upgrades in the maintenance window. Default on create: V(true)."
    type: bool
  copy_tags_to_snapshot:
    description:
      - Whether the instance's tags are copied to its snapshots, the final snapshot of O(state=absent) included, so they
        are found by the same tags (a stack's C(Stack) tag, for one).
      - "Default on create: V(true)."
    type: bool
  port:
    description: "The port PostgreSQL listens on, 1150 to 65535. Default on create: 5432."
    type: int
  db_name:
    description: The database created with the instance, 1-63 letters, digits and underscores, the first a letter. Not given, none.
    type: str
  master_username:
    description:
      - The master user, 1-16 letters, digits and underscores, the first a letter, not a word RDS reserves (V(rdsadmin)).
      - "Default on create: V(postgres). It cannot change; not given, it is not compared."
    type: str
    aliases: [username]
  master_user_password:
    description:
      - The master password, 8-128 printable ASCII characters, none of V(/), V("), V(@) or a space (the collection's one
        rule for it, which the preflight play and the roles apply too).
      - Give it or O(manage_master_user_password), not both. Never returned, shown or logged.
      - Set when the instance is created; on an existing one only with O(force_update_password).
    type: str
    aliases: [password]
  force_update_password:
    description:
      - Set O(master_user_password) on an existing instance. AWS never returns a password, so the module cannot tell
        whether it differs; with V(true) it always sends it (one ModifyDBInstance, with the other changes of the run),
        waits until the instance is available again (C(resetting-master-credentials) ends) and reports a change.
      - For a run that knows the password changed (the stack's playbooks set it when the old one no longer logs in).
      - AWS applies a new master password at once; the ModifyDBInstance has C(ApplyImmediately) when the password is all
        it changes, else O(apply_immediately) decides for the other changes.
    type: bool
    default: false
  update_password:
    description:
      - V(on_create) sets O(master_user_password) only when the instance is made.
      - V(always) is O(force_update_password=true).
    type: str
    choices: [on_create, always]
    default: on_create
  manage_master_user_password:
    description:
      - AWS makes the master password and keeps it in Secrets Manager; RV(rds_instance.master_user_secret_arn) names the secret.
      - V(true) on an existing instance hands its password to Secrets Manager.
    type: bool
  master_user_secret_kms_key_id:
    description: The KMS key that encrypts the Secrets Manager secret, with O(manage_master_user_password) only.
    type: str
  apply_immediately:
    description: Apply changes now, not in the next maintenance window; the wait then lasts until the instance is no longer modifying.
    type: bool
    default: false
  skip_final_snapshot:
    description: With O(state=absent), delete without a final snapshot.
    type: bool
    default: false
  final_snapshot_identifier:
    description:
      - With O(state=absent), the name of the snapshot taken before deleting; required unless O(skip_final_snapshot).
      - 1-255 letters, digits and hyphens, the first a letter, no two hyphens in a row, no hyphen at the end. A
        snapshot already under that name is an error, before deleting.
      - C(final_db_snapshot_identifier) is the name M(amazon.aws.rds_instance) gives it.
    type: str
    aliases: [final_db_snapshot_identifier]
  delete_automated_backups:
    description: With O(state=absent), delete the automated backups too.
    type: bool
    default: false
  state:
    description: V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait until the instance is available (after a create or a change), or gone (after a delete).
      - A new instance goes C(creating), C(backing-up), C(available); a change applied now C(modifying) (or
        C(resetting-master-credentials)), C(available); a delete C(deleting), then gone. A status such as C(failed),
        C(incompatible-parameters), C(incompatible-network) or C(storage-full) ends the wait with an error naming it.
      - With V(false) the task returns right after the create, its status C(creating). A later task with the same options
        and O(wait=true) waits for that instance, then compares it (nothing to change, so C(changed=false)).
      - With V(false), an instance that is not C(available) yet is not changed (AWS refuses a change then); a warning names
        what differs, and a task with O(wait=true) waits, then changes it.
      - With O(state=absent), an instance already C(deleting) is not deleted again (C(changed=false)); the task waits until
        it is gone.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 1800
  tags:
    description:
      - Tags to set on the instance, as a dictionary. Not given, tags are left alone.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - Remove tags that are on the instance but not in O(tags).
      - Tags starting with C(aws:) are never removed. When O(tags) is not given, tags are left alone.
    type: bool
    default: true
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.owner
attributes:
  check_mode:
    support: full
    description:
      - Reports what would change and changes nothing; an instance to be made has RV(rds_instance.arn=null).
      - An instance whose DB subnet group does not exist yet (a playbook's check run, where the db_subnet_group task
        only planned it) is planned with a warning, its RV(rds_instance.vpc_security_group_ids) as given in O(security_groups).
  diff_mode:
    support: full
    description: Returns the instance before and after, never the password.
notes:
  - The module's calls need the C(rds:) permissions of those calls, and C(ec2:DescribeSubnets) and C(ec2:DescribeSecurityGroups).
  - 'While the task waits (O(wait=true), O(state=present)), a line shows the instance''s status every 30 seconds, for example
    C(rds_instance demo-db: creating (1m30s of 30m)). The action plugin of the same name runs the module without wait, reads
    the status in check mode, then runs it with the wait left of O(wait_timeout), so the result is the module''s. Without
    O(wait), in check mode, with C(async), with O(state=absent) or with O(force_update_password), the module runs once,
    with no lines.'
'''

EXAMPLES = r'''
- name: The stack's database
  seed.laravel_aws.rds_instance:
    identifier: demo-db
    engine_version: "16.4"
    instance_class: db.t4g.micro
    allocated_storage: 20
    max_allocated_storage: 100
    db_subnet_group_name: demo-db
    security_groups: [demo-db]
    db_name: laravel
    master_username: laravel
    manage_master_user_password: true
    backup_retention_period: 7
    preferred_backup_window: "03:00-03:30"
    preferred_maintenance_window: "sun:05:00-sun:06:00"
    stack: demo
  register: db

- name: A new master password (the old one no longer logs in); nothing else changes
  seed.laravel_aws.rds_instance:
    identifier: demo-db
    stack: demo
    master_user_password: "{{ vault_db_master_password }}"
    force_update_password: true

- name: Gone, with a final snapshot
  seed.laravel_aws.rds_instance:
    identifier: demo-db
    stack: demo
    state: absent
    final_snapshot_identifier: demo-db-final
'''

RETURN = r'''
rds_instance:
  description: The instance (never its password); empty after O(state=absent).
  returned: always
  type: dict
  contains:
    identifier:
      description: Its identifier.
      type: str
    arn:
      description: Its ARN (null in check mode for one to be made).
      type: str
    status:
      description: Its status, C(available) after the wait.
      type: str
    endpoint:
      description: Where it listens, C(address) and C(port) (null until AWS gives it).
      type: dict
    engine:
      description: C(postgres).
      type: str
    engine_version:
      description: The PostgreSQL version.
      type: str
    instance_class:
      description: The DB instance class.
      type: str
    allocated_storage:
      description: Storage in GiB.
      type: int
    max_allocated_storage:
      description: The storage autoscaling limit in GiB.
      type: int
    storage_type:
      description: The storage type.
      type: str
    iops:
      description: Provisioned IOPS, if any.
      type: int
    storage_encrypted:
      description: Whether the storage is encrypted.
      type: bool
    kms_key_id:
      description: The KMS key of the storage.
      type: str
    multi_az:
      description: Whether it has a standby in another zone.
      type: bool
    publicly_accessible:
      description: Whether it has a public address.
      type: bool
    db_subnet_group_name:
      description: Its DB subnet group.
      type: str
    vpc_id:
      description: Its VPC.
      type: str
    vpc_security_group_ids:
      description: Its security groups, sorted.
      type: list
      elements: str
    availability_zone:
      description: Its availability zone.
      type: str
    backup_retention_period:
      description: Days automated backups are kept.
      type: int
    preferred_backup_window:
      description: The daily backup window (UTC).
      type: str
    preferred_maintenance_window:
      description: The weekly maintenance window (UTC).
      type: str
    deletion_protection:
      description: Whether deletion protection is on.
      type: bool
    auto_minor_version_upgrade:
      description: Whether minor upgrades are applied automatically.
      type: bool
    copy_tags_to_snapshot:
      description: Whether its tags are copied to its snapshots.
      type: bool
    db_parameter_group_name:
      description: Its DB parameter group.
      type: str
    port:
      description: Its port.
      type: int
    db_name:
      description: The database created with it.
      type: str
    master_username:
      description: The master user.
      type: str
    master_user_secret_arn:
      description: The Secrets Manager secret of the master password, with O(manage_master_user_password).
      type: str
    pending_modified_values:
      description: What AWS has yet to apply (in the maintenance window), snake_case; a pending password shows as asterisks.
      type: dict
    tags:
      description: Its tags.
      type: dict
final_snapshot:
  description: With O(state=absent), the final snapshot taken (C(identifier), C(arn), C(status)); null without one.
  returned: when O(state=absent)
  type: dict
diff:
  description: The instance before and after, under C(rds_instance) as in the result (after a delete, with C(final_snapshot)),
    without secrets.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import rds_instance

ARGUMENT_SPEC = resource_spec(dict(
    identifier=dict(type='str', required=True, aliases=['db_instance_identifier', 'instance_id', 'id']),
    engine=dict(type='str', choices=['postgres']),
    engine_version=dict(type='str'),
    instance_class=dict(type='str', aliases=['db_instance_class', 'class', 'instance_type']),
    allocated_storage=dict(type='int'),
    max_allocated_storage=dict(type='int'),
    storage_type=dict(type='str', choices=['gp2', 'gp3', 'io1', 'io2']),
    iops=dict(type='int'),
    db_subnet_group_name=dict(type='str', aliases=['subnet_group']),
    security_groups=dict(type='list', elements='str', aliases=['vpc_security_group_ids']),
    publicly_accessible=dict(type='bool'),
    allow_public_database=dict(type='bool', default=False),
    storage_encrypted=dict(type='bool'),
    kms_key_id=dict(type='str'),
    multi_az=dict(type='bool'),
    backup_retention_period=dict(type='int'),
    preferred_backup_window=dict(type='str', aliases=['backup_window']),
    preferred_maintenance_window=dict(type='str', aliases=['maintenance_window']),
    db_parameter_group_name=dict(type='str'),
    deletion_protection=dict(type='bool'),
    auto_minor_version_upgrade=dict(type='bool'),
    copy_tags_to_snapshot=dict(type='bool'),
    port=dict(type='int'),
    db_name=dict(type='str'),
    master_username=dict(type='str', aliases=['username']),
    master_user_password=dict(type='str', no_log=True, aliases=['password']),
    force_update_password=dict(type='bool', default=False, no_log=False),
    update_password=dict(type='str', default='on_create', choices=['on_create', 'always'], no_log=False),
    manage_master_user_password=dict(type='bool', no_log=False),
    master_user_secret_kms_key_id=dict(type='str'),
    apply_immediately=dict(type='bool', default=False),
    skip_final_snapshot=dict(type='bool', default=False),
    final_snapshot_identifier=dict(type='str', aliases=['final_db_snapshot_identifier']),
    delete_automated_backups=dict(type='bool', default=False),
    wait_timeout=dict(type='int', default=1800),
), waits=True, owner=True)


def main():
    run_module(rds_instance, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
