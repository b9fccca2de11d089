#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: autoscaling_group
short_description: An EC2 Auto Scaling group, its instances waited for and refreshed when its launch template version changes
version_added: 0.2.0
description:
  - Creates, updates or deletes an EC2 Auto Scaling group, found by its name, that keeps O(desired_capacity) instances
    (between O(min_size) and O(max_size)) launched from a launch template in O(subnets), registered in
    O(target_group_arns).
  - An option left out is left as the group has it. A rerun with the same options sends nothing but reads.
  - Changing the group's launch template (or the version it names, or the version V($Latest)/V($Default) stands for)
    replaces no instance by itself. With O(instance_refresh), the instances launched from another template or version
    than the group's are replaced by an instance refresh (rolling, skipping the instances that already match); with
    O(wait), the module waits for it, and fails naming its status and AWS's reason when it fails or is cancelled (an
    instance that failed its health check, for example).
  - With O(wait), the module returns once the group has O(desired_capacity) instances, all C(InService) and healthy,
    and, with target groups, once they are C(healthy) in each; a timeout names the instances not ready and their state.
  - One O(wait_timeout) bounds the whole wait of a run (the refresh, the instances, their health in the target groups).
  - O(state=absent) sets the group's sizes to 0, waits for its instances to be terminated (AWS refuses to delete a group
    that still has instances; this wait, up to O(wait_timeout), is made with or without O(wait)), then deletes it, and
    with O(wait) waits until it is gone. O(force_delete) deletes it at once with its instances instead.
  - With O(stack), the group found must be tagged C(Stack=<stack>), for a change and for O(state=absent) alike; the
    launch template, subnets and target groups it names must be of no other stack.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  name:
    description: The group's name, 1-255 ASCII characters from C(!) to C(~) but the colon C(:).
    type: str
    required: true
    aliases: [group_name]
  min_size:
    description: The fewest instances the group keeps; needed for a new group.
    type: int
  max_size:
    description: The most instances the group keeps, at least O(min_size); needed for a new group.
    type: int
  desired_capacity:
    description:
      - The number of instances the group keeps, between O(min_size) and O(max_size) (those of the group when left out).
      - Left out for a new group, O(min_size).
    type: int
  subnets:
    description:
      - The subnets the instances are launched in (C(VPCZoneIdentifier)), by id, all in one VPC and of no other stack.
        Needed for a new group. Given, the group has exactly these.
    type: list
    elements: str
    aliases: [vpc_zone_identifier]
  launch_template:
    description:
      - The launch template the group launches its instances from, by name or id (one of the two), and its version.
        Needed for a new group.
      - The template must exist and be of no other stack; a version number must be one it has.
    type: dict
    suboptions:
      name:
        description: The template's name.
        type: str
        aliases: [launch_template_name]
      id:
        description: The template's id (C(lt-...)).
        type: str
        aliases: [launch_template_id]
      version:
        description:
          - V($Latest), V($Default) or a version number. AWS launches from the version it stands for at each launch.
        type: str
        default: $Default
  target_group_arns:
    description:
      - The target groups the group registers its instances in, by ARN; they must exist and be of no other stack.
      - Given, the group has exactly these (V([]) detaches them all).
    type: list
    elements: str
  health_check_type:
    description: Whether an instance's health is EC2's status checks only, or also its target groups' health checks.
    type: str
    choices: [EC2, ELB]
  health_check_grace_period:
    description:
      - The seconds after an instance comes into service before a failed health check counts, 0 or more (0 turns it
        off; AWS's default for a new group).
    type: int
    aliases: [health_check_period]
  propagate_at_launch:
    description:
      - Whether the group's tags are given to the instances it launches.
      - Left out, a tag of the group keeps its own setting and a new tag is propagated.
    type: bool
  instance_refresh:
    description:
      - Replace the instances launched from another launch template or version than the group's by an instance refresh
        (AWS's StartInstanceRefresh, rolling). Left out, no instance is replaced.
      - A refresh AWS is still working on is waited for, never started twice.
    type: dict
    suboptions:
      min_healthy_percentage:
        description: The percentage of the desired capacity kept in service and healthy during the refresh, 0-100 (AWS's default 90).
        type: int
      max_healthy_percentage:
        description:
          - The percentage of the desired capacity that may be in service or pending during the refresh, 100-200; needs
            O(instance_refresh.min_healthy_percentage), at most 100 below it.
        type: int
      instance_warmup:
        description: Seconds a new instance is given after it is C(InService) before the next is replaced, 0 or more.
        type: int
      skip_matching:
        description: Leave alone the instances already launched from the group's template and version.
        type: bool
        default: true
  force_delete:
    description:
      - With O(state=absent), delete the group and terminate its instances at once (AWS's C(ForceDelete)), without
        first setting its sizes to 0 and waiting for its instances to be terminated.
    type: bool
    default: false
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.state
  - seed.laravel_aws.aws.waits
  - seed.laravel_aws.aws.tags
  - seed.laravel_aws.aws.owner
  - seed.laravel_aws.aws.attributes
notes:
  - Needs the C(autoscaling) actions of the collection's IAM policy (docs/iam-policy.json). Creating a group that
    launches from a template also needs C(ec2:RunInstances), C(ec2:CreateTags) and, for a template with an instance
    profile, C(iam:PassRole) (in the same policy); the first group of an account makes AWS's service-linked role
    C(AWSServiceRoleForAutoScaling), which needs C(iam:CreateServiceLinkedRole) once.
  - O(tags) are the group's; with O(propagate_at_launch) they are given to the instances it launches too (the volumes'
    tags are the launch template's).
'''

EXAMPLES = r'''
- name: The web tier, two instances behind the load balancer
  seed.laravel_aws.autoscaling_group:
    name: demo-web
    stack: demo
    launch_template:
      name: demo-web
      version: $Latest
    min_size: 2
    max_size: 4
    desired_capacity: 2
    subnets: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]
    target_group_arns:
      - arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/demo-web/0123456789abcdef
    health_check_type: ELB
    health_check_grace_period: 120
    tags:
      Role: web
    instance_refresh:
      min_healthy_percentage: 50
      instance_warmup: 60

- name: Three instances now (the rest as it is)
  seed.laravel_aws.autoscaling_group:
    name: demo-web
    stack: demo
    desired_capacity: 3

- name: Gone, its instances terminated first
  seed.laravel_aws.autoscaling_group:
    name: demo-web
    stack: demo
    state: absent
'''

RETURN = r'''
autoscaling_group:
  description: The group; empty after O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: Its name.
      type: str
      sample: demo-web
    arn:
      description: Its ARN (null in check mode for a group that would be made).
      type: str
    status:
      description: C(Delete in progress) while AWS deletes it, else null.
      type: str
    min_size:
      description: The fewest instances.
      type: int
      sample: 2
    max_size:
      description: The most instances.
      type: int
      sample: 4
    desired_capacity:
      description: The instances it keeps.
      type: int
      sample: 2
    launch_template:
      description: C(id), C(name) and C(version) (as given, V($Latest) for example) of its launch template.
      type: dict
    subnets:
      description: Its subnets' ids, sorted.
      type: list
      elements: str
    target_group_arns:
      description: Its target groups, sorted.
      type: list
      elements: str
    health_check_type:
      description: C(EC2) or C(ELB).
      type: str
    health_check_grace_period:
      description: The grace period in seconds.
      type: int
    tags:
      description: The group's tags.
      type: dict
    propagate_at_launch:
      description: The keys of the tags given to the instances it launches, sorted.
      type: list
      elements: str
    instances:
      description: Its instances, by id.
      type: list
      elements: dict
      contains:
        id:
          description: The instance id.
          type: str
        lifecycle_state:
          description: C(Pending), C(InService), C(Terminating) ...
          type: str
        health_status:
          description: C(Healthy) or C(Unhealthy).
          type: str
        availability_zone:
          description: Its zone.
          type: str
        launch_template_version:
          description: The version of the launch template it was launched from.
          type: str
    instance_refresh:
      description: The instance refresh this run started or waited for (not there when there was none).
      returned: when instances were refreshed
      type: dict
      contains:
        id:
          description: Its id (null in check mode).
          type: str
        status:
          description: C(Pending), C(InProgress), C(Successful) ...
          type: str
        status_reason:
          description: AWS's reason for its status.
          type: str
diff:
  description: The group before and after.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import autoscaling_group

ARGUMENT_SPEC = resource_spec(dict(
    name=dict(type='str', required=True, aliases=['group_name']),
    min_size=dict(type='int'),
    max_size=dict(type='int'),
    desired_capacity=dict(type='int'),
    subnets=dict(type='list', elements='str', aliases=['vpc_zone_identifier']),
    launch_template=dict(type='dict', options=dict(
        name=dict(type='str', aliases=['launch_template_name']),
        id=dict(type='str', aliases=['launch_template_id']),
        version=dict(type='str', default='$Default'),
    )),
    target_group_arns=dict(type='list', elements='str'),
    health_check_type=dict(type='str', choices=['EC2', 'ELB']),
    health_check_grace_period=dict(type='int', aliases=['health_check_period']),
    propagate_at_launch=dict(type='bool'),
    instance_refresh=dict(type='dict', options=dict(
        min_healthy_percentage=dict(type='int'),
        max_healthy_percentage=dict(type='int'),
        instance_warmup=dict(type='int'),
        skip_matching=dict(type='bool', default=True),
    )),
    force_delete=dict(type='bool', default=False),
), waits=True, owner=True)


def main():
    run_module(autoscaling_group, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
