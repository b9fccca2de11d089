#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: scaling_policy
short_description: A target tracking scaling policy of an EC2 Auto Scaling group, on its CPU or its requests per target
version_added: 0.2.0
description:
  - Creates, updates or deletes a target tracking scaling policy of an EC2 Auto Scaling group, found by the group's name
    and its own. The group keeps O(metric) near O(target_value), adding instances above it and (unless
    O(disable_scale_in)) removing them below, between the group's sizes.
  - O(metric=ASGAverageCPUUtilization) tracks the average CPU utilization of the group's instances, in percent.
    O(metric=ALBRequestCountPerTarget) tracks the average number of requests an Application Load Balancer sends each
    target of one target group per minute; that target group is named by AWS's resource label
    C(app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>), which the module makes from O(load_balancer_arn) and
    O(target_group_arn), or takes as O(resource_label). The target group must be attached to the Auto Scaling group.
  - An option left out is left as the policy has it. A rerun with the same options sends nothing but reads.
  - AWS makes the policy's CloudWatch alarms and deletes them with it; deleting the Auto Scaling group deletes its
    policies too.
  - With O(stack), the Auto Scaling group must be tagged C(Stack=<stack>), for a change and for O(state=absent) alike
    (a policy has no tags of its own); one of another stack, or of none, is refused before any change.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  name:
    description: The policy's name, 1-255 characters, unique within its Auto Scaling group.
    type: str
    required: true
  autoscaling_group:
    description: The name of the Auto Scaling group the policy scales; it must exist.
    type: str
    required: true
    aliases: [asg_name]
  metric:
    description:
      - The predefined metric the policy tracks. Needed for a new policy.
      - V(ALBRequestCountPerTarget) needs its target group (O(load_balancer_arn) and O(target_group_arn), or
        O(resource_label)); V(ASGAverageCPUUtilization) takes none.
    type: str
    choices: [ASGAverageCPUUtilization, ALBRequestCountPerTarget]
  target_value:
    description:
      - The value of O(metric) the group is kept near (a percentage of CPU, or requests per target per minute). Needed for
        a new policy.
    type: float
  load_balancer_arn:
    description:
      - The ARN of the Application Load Balancer whose requests O(metric=ALBRequestCountPerTarget) counts; with
        O(target_group_arn), the module makes the resource label of the two.
    type: str
  target_group_arn:
    description:
      - The ARN of the target group whose requests per target O(metric=ALBRequestCountPerTarget) counts, behind
        O(load_balancer_arn) and attached to the Auto Scaling group.
    type: str
  resource_label:
    description:
      - The resource label itself, C(app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>), instead of
        O(load_balancer_arn) and O(target_group_arn).
    type: str
  disable_scale_in:
    description:
      - Whether the policy never removes instances (it only adds them). AWS's default for a new policy is V(false).
    type: bool
  estimated_instance_warmup:
    description:
      - The seconds, 0 or more, until a new instance counts in the metric. Left out for a new policy, AWS takes the
        group's default instance warmup, else its default cooldown.
    type: int
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.state
  - seed.laravel_aws.aws.owner
  - seed.laravel_aws.aws.attributes
notes:
  - Needs the C(autoscaling) actions of the collection's IAM policy (docs/iam-policy.json). AWS makes the policy's
    CloudWatch alarms through the account's service-linked role C(AWSServiceRoleForAutoScaling).
  - A policy of the same name that is not a target tracking policy (step or simple scaling) is refused, not converted.
  - AWS recommends one target tracking policy per metric for a group; the module does not check the group's other policies.
'''

EXAMPLES = r'''
- name: Keep the web tier's CPU near 50 percent
  seed.laravel_aws.scaling_policy:
    name: demo-web-cpu
    autoscaling_group: demo-web
    stack: demo
    metric: ASGAverageCPUUtilization
    target_value: 50
    estimated_instance_warmup: 120

- name: And near 1000 requests per instance and minute through the load balancer
  seed.laravel_aws.scaling_policy:
    name: demo-web-requests
    autoscaling_group: demo-web
    stack: demo
    metric: ALBRequestCountPerTarget
    target_value: 1000
    load_balancer_arn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/demo-alb/0123456789abcdef
    target_group_arn: arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/demo-web/0123456789abcdef
    disable_scale_in: true

- name: A higher target (the rest as it is)
  seed.laravel_aws.scaling_policy:
    name: demo-web-cpu
    autoscaling_group: demo-web
    stack: demo
    target_value: 60

- name: Gone
  seed.laravel_aws.scaling_policy:
    name: demo-web-cpu
    autoscaling_group: demo-web
    stack: demo
    state: absent
'''

RETURN = r'''
scaling_policy:
  description: The policy; empty after O(state=absent).
  returned: always
  type: dict
  contains:
    name:
      description: Its name.
      type: str
      sample: demo-web-cpu
    autoscaling_group:
      description: The name of its Auto Scaling group.
      type: str
      sample: demo-web
    arn:
      description: Its ARN (null in check mode for a policy that would be made).
      type: str
    policy_type:
      description: C(TargetTrackingScaling).
      type: str
    metric:
      description: The predefined metric it tracks.
      type: str
      sample: ASGAverageCPUUtilization
    resource_label:
      description: The target group of C(ALBRequestCountPerTarget), as AWS's resource label; null for another metric.
      type: str
    target_value:
      description: The value it keeps the metric near.
      type: float
      sample: 50.0
    disable_scale_in:
      description: Whether it never removes instances.
      type: bool
    estimated_instance_warmup:
      description: Its instance warmup in seconds, null when it takes the group's.
      type: int
    enabled:
      description: Whether the policy is enabled (a policy disabled outside the module stays disabled).
      type: bool
    alarms:
      description: The names of the CloudWatch alarms AWS made for it, sorted.
      type: list
      elements: str
diff:
  description: The policy before and after.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import scaling_policy

ARGUMENT_SPEC = resource_spec(dict(
    name=dict(type='str', required=True),
    autoscaling_group=dict(type='str', required=True, aliases=['asg_name']),
    metric=dict(type='str', choices=['ASGAverageCPUUtilization', 'ALBRequestCountPerTarget']),
    target_value=dict(type='float'),
    load_balancer_arn=dict(type='str'),
    target_group_arn=dict(type='str'),
    resource_label=dict(type='str'),
    disable_scale_in=dict(type='bool'),
    estimated_instance_warmup=dict(type='int'),
), tags=False, owner=True)


def main():
    run_module(scaling_policy, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
