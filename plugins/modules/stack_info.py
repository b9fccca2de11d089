#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: stack_info
short_description: Every resource of a stack in AWS, found by its Stack tag alone, its state and what it costs by the hour
version_added: 0.2.0
description:
  - Lists every resource tagged C(Stack=<stack>) in the region, whatever made it, with its state and the hourly cost AWS
    bills for it in that state - the VPC, subnets, route tables, internet gateway, NAT gateways, Elastic IPs, security
    groups, key pair, instances (role, type, state, addresses) and their EBS volumes, the load balancer (state, DNS name,
    listeners), target groups (each target and its health), the ACM certificates the stack's listeners use or that are
    tagged with it, the RDS instance (status, class, Multi-AZ, storage) and its final snapshots, the ElastiCache Redis
    cluster (status, node type, nodes) and the DB and cache subnet groups.
  - Needs nothing but the stack's name - no inventory, no facts of an earlier play - so it shows what is there (and
    billed) even after a failed run, or what a teardown left behind.
  - Sends reads only (C(Describe*), C(List*)), so it behaves the same in check mode and never changes anything.
  - The costs come from the collection's one table of prices (On-Demand, C(us-east-1), with the day they were read and
    the source of each; the same table as the P(seed.laravel_aws.stack_cost#filter) filter and the README). They are an
    estimate - no traffic (a NAT gateway's data processing, a load balancer's LCUs, data transfer out), no free tier, no
    tax, no savings plan - to check against AWS's bill, never a quote. A resource of a type the table has no price
    for costs C(null) and makes the total C(null) (unknown, never guessed); what AWS does not charge for (a VPC, a
    subnet, a security group...) costs 0.
  - Values from AWS, tags above all, are returned as data; nothing in the result is decided by a tag but the C(Stack)
    tag each resource must carry exactly.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  stack:
    description:
      - The stack's name (1-39 lower-case letters, digits and single dashes, a letter first and no dash last), as the
        resources' C(Stack) tag carries it.
    type: str
    required: true
extends_documentation_fragment:
  - seed.laravel_aws.aws
attributes:
  check_mode:
    support: full
    description: Reads only; the same in check mode.
  diff_mode:
    support: none
    description: It changes nothing, so it has no diff.
notes:
  - Needs the IAM actions C(ec2:DescribeVpcs), C(ec2:DescribeSubnets), C(ec2:DescribeRouteTables),
    C(ec2:DescribeInternetGateways), C(ec2:DescribeNatGateways), C(ec2:DescribeAddresses), C(ec2:DescribeSecurityGroups),
    C(ec2:DescribeKeyPairs), C(ec2:DescribeInstances), C(ec2:DescribeVolumes), C(elasticloadbalancing:DescribeLoadBalancers),
    C(elasticloadbalancing:DescribeTargetGroups), C(elasticloadbalancing:DescribeTags),
    C(elasticloadbalancing:DescribeListeners), C(elasticloadbalancing:DescribeTargetHealth), C(acm:ListCertificates),
    C(acm:ListTagsForCertificate), C(acm:DescribeCertificate), C(rds:DescribeDBInstances), C(rds:DescribeDBSnapshots),
    C(rds:DescribeDBSubnetGroups), C(rds:ListTagsForResource), C(elasticache:DescribeReplicationGroups),
    C(elasticache:DescribeCacheSubnetGroups) and C(elasticache:ListTagsForResource) (all in docs/iam-policy.json).
  - The load balancers, target groups, certificates, RDS and ElastiCache resources of the region are listed and their
    tags read to find the stack's (these APIs filter by no tag), so an account with many of them takes a few seconds more.
seealso:
  - plugin: seed.laravel_aws.stack_cost
    plugin_type: filter
'''

EXAMPLES = r'''
- name: What stack shop is in AWS, and what it costs by the hour
  seed.laravel_aws.stack_info:
    stack: shop
    region: eu-west-1
  register: shop

- name: Each resource, its state and its hourly cost, and the total
  ansible.builtin.debug:
    msg: "{{ shop.cost | seed.laravel_aws.stack_cost_lines(title='Stack shop in eu-west-1') }}"

- name: The web hosts and their addresses
  ansible.builtin.debug:
    msg: "{{ shop.resources | selectattr('kind', 'equalto', 'instance') | selectattr('details.role', 'equalto', 'web')
             | map(attribute='details.private_ip') | list }}"

- name: Nothing left after a teardown
  seed.laravel_aws.stack_info:
    stack: "{{ stack_name }}"
    region: "{{ stack_region }}"
  register: left
  failed_when: left.resources | rejectattr('kind', 'equalto', 'db_snapshot') | list | length > 0
'''

RETURN = r'''
stack:
  description: The stack listed.
  returned: success
  type: str
  sample: shop
region:
  description: The region listed.
  returned: success
  type: str
  sample: eu-west-1
resources:
  description:
    - Every resource tagged C(Stack=<stack>), the network first, then the hosts, the load balancer and the data tier.
      Terminated instances, deleted or failed NAT gateways and deleted volumes are left out.
  returned: success
  type: list
  elements: dict
  contains:
    kind:
      description:
        - C(vpc), C(subnet), C(route_table), C(internet_gateway), C(nat_gateway), C(elastic_ip), C(security_group),
          C(key_pair), C(instance), C(volume), C(load_balancer), C(target_group), C(certificate), C(db_subnet_group),
          C(rds_instance), C(db_snapshot), C(cache_subnet_group) or C(cache_cluster).
      type: str
      sample: instance
    id:
      description: Its id (an ARN for load balancers, target groups and certificates; the name for key pairs, subnet groups, RDS and ElastiCache).
      type: str
      sample: i-0123456789abcdef0
    name:
      description: Its name (the C(Name) tag, or the name AWS keeps), or null.
      type: str
      sample: shop-web-1
    state:
      description:
        - Its state as AWS gives it (C(running), C(available), C(active)...); C(attached)/C(detached) for an internet
          gateway, C(associated)/C(unassociated) for an Elastic IP, the targets' health (C(2 healthy)) for a target
          group; null where AWS keeps no state (route tables, security groups, key pairs, cache subnet groups).
      type: str
      sample: running
    details:
      description:
        - What matters of it by kind - an instance's C(role), C(instance_type), C(availability_zone), C(private_ip),
          C(public_ip); a load balancer's C(dns_name), C(scheme), C(zones), C(listeners); a target group's C(targets)
          (C(id), C(port), C(health), C(reason), C(description)); an RDS instance's C(instance_class), C(multi_az),
          C(allocated_storage), C(storage_type), C(endpoint); a Redis cluster's C(node_type), C(nodes),
          C(primary_endpoint); a volume's C(volume_type), C(size), C(attached_to)...
      type: dict
      sample: {role: web, instance_type: t3.micro, availability_zone: eu-west-1a, private_ip: 10.20.10.5, public_ip: null}
    tags:
      description: Its tags, as data.
      type: dict
      sample: {Stack: shop, Name: shop-web-1, Role: web}
    hourly:
      description:
        - What AWS bills for it by the hour in its state now, in US dollars (0 for what AWS does not charge for, or an
          instance that is not running); null when the price table has no price for its type (unknown) or the cost is
          not estimated (a snapshot's storage).
      type: float
      sample: 0.0104
    monthly:
      description: C(hourly) for 730 hours.
      type: float
      sample: 7.59
    cost_note:
      description: Why its cost is what it is, where that needs saying (not billed while stopped, traffic not included...).
      type: str
counts:
  description: How many resources of each kind.
  returned: success
  type: dict
  sample: {vpc: 1, subnet: 4, instance: 3, load_balancer: 1}
cost:
  description:
    - The stack's cost in the shape the P(seed.laravel_aws.stack_cost#filter) filter gives an estimate, so
      P(seed.laravel_aws.stack_cost_lines#filter) prints it - one line per priced part of each resource (with its
      C(resource) kind, C(id) and C(state)), the totals, and where the prices come from.
  returned: success
  type: dict
  contains:
    lines:
      description:
        - C(item), C(quantity), C(unit) (C(hour) or C(GB-month)), C(unit_price), C(unit_price_hour), C(hourly), C(monthly),
          C(source) (C(page), the AWS pricing page; C(checked), the stored copy the figure was checked against, or null
          with a C(note)), C(unknown), C(note), C(resource), C(id), C(state).
      type: list
      elements: dict
    totals:
      description:
        - C(hourly) and C(monthly) (null when a line is unknown), C(known_hourly) and C(known_monthly) (the lines
          priced), C(complete), C(unknown) (the items without a price), C(not_estimated) (the items left out on purpose).
      type: dict
      sample: {hourly: 0.143, monthly: 104.4, known_hourly: 0.143, known_monthly: 104.4, complete: true, unknown: [], not_estimated: []}
    region:
      description: The region of the prices (C(us-east-1)); C(notes) says so when the stack is in another.
      type: str
    read_on:
      description: The day the prices were read.
      type: str
    basis:
      description: What the figures are (On-Demand, running all month, no traffic, no free tier, no tax).
      type: str
    not_included:
      description: What no figure includes (NAT gateway data processing, load balancer LCUs, data transfer out...).
      type: list
      elements: str
    notes:
      description: What else to know about these figures.
      type: list
      elements: str
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import AwsModule
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack_info import run


def main():
    m = AwsModule(argument_spec=dict(stack=dict(type='str', required=True)))
    m.run(run)


if __name__ == '__main__':
    main()
