#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: network
short_description: A whole VPC network from one declarative spec, converged in one task
version_added: 0.1.0
description:
  - Builds, converges or removes a stack's network in one module run, with the same code as the single resource modules
    (M(seed.laravel_aws.vpc), M(seed.laravel_aws.subnet), M(seed.laravel_aws.internet_gateway), M(seed.laravel_aws.elastic_ip),
    M(seed.laravel_aws.nat_gateway), M(seed.laravel_aws.route_table), M(seed.laravel_aws.security_group)).
  - "What it makes, each tagged C(Stack=<name>) and C(Name=<name>-<what>): the VPC C(<name>-vpc); a public subnet per zone
    C(<name>-public-<zone>) and optionally a private one C(<name>-private-<zone>); the internet gateway C(<name>-igw);
    NAT gateways C(<name>-nat-<zone>) with their elastic IPs; the route tables C(<name>-public) and C(<name>-private)
    (or C(<name>-private-<zone>) per zone); security groups C(<name>-<group>)."
  - The whole spec is validated before any API call; a bad value fails with a message naming the field and the fix.
  - Lookups are batched, one describe per resource type for the whole VPC, so a rerun that changes nothing costs a dozen reads.
  - When the VPC exists but lacks parts of the spec, it is read again for up to 10 seconds before they are made. AWS's
    reads may not show for some seconds what a run interrupted a moment ago made, and an internet gateway or an address
    has no client token or unique name that would stop a second one. Adding parts to a stack costs those seconds once.
  - A stack never changes or deletes what is not tagged with it. The VPC is found by its exact name C(<name>-vpc) and
    its C(Stack) tag; every resource of it the run would change (a subnet by its CIDR, the internet gateway attached to
    it, NAT gateways, route tables and security groups by their names) must be tagged C(Stack=<name>). One of another
    stack, or of none, is refused before the first change, naming both, and nothing is changed.
  - With O(state=absent) everything tagged with the stack is removed in dependency order
    (NAT gateways, elastic IPs, route tables, internet gateway, security groups, subnets, VPC).
    Instances still running in the VPC stop the removal, and are named.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  name:
    description: The stack name. C(Stack) tag on everything, and the prefix of every C(Name) tag.
    type: str
    required: true
  cidr_block:
    description: The VPC's IPv4 CIDR, V(/16) to V(/28), canonical.
    type: str
  availability_zones:
    description: The zones to spread over, in order; one public (and private) subnet per zone.
    type: list
    elements: str
    default: []
  public_subnets:
    description: One CIDR per zone, same order as O(availability_zones). Instances launched there get a public address.
    type: list
    elements: str
    default: []
  private_subnets:
    description: One CIDR per zone, same order as O(availability_zones). Optional.
    type: list
    elements: str
    default: []
  nat_gateway:
    description:
      - How private subnets reach out. V(single) is one NAT gateway in the first public subnet, V(per_az) one per zone,
        V(none) no outbound access.
      - Required when O(private_subnets) are given, so a private network without egress is always a choice made on purpose.
    type: str
    choices: [none, single, per_az]
  dns_hostnames:
    description: Public DNS hostnames for instances.
    type: bool
    default: true
  security_groups:
    description:
      - Security groups of the stack, created first and then given their rules, so groups can refer to each other.
      - Each is C(name), C(description) (optional), C(rules) (ingress) and C(rules_egress) (optional; the default
        allow-all egress is kept when not given).
      - "A rule: C(proto) (tcp, udp, icmp, all; default tcp), C(ports) (a port, a list, or a range V(8000-8100)),
        and a source: C(cidr_ip) (one or a list), C(cidr_ipv6), or C(group) (a name from this spec, a group of the VPC
        by its full name, an id, or V(self)); C(description) optional."
      - "SSH (22) and RDP (3389) from the whole internet are refused before any API call: V(0.0.0.0/0), V(::/0) in
        any spelling (V(0::0/0)), or ranges that together cover it (V(0.0.0.0/1) and V(128.0.0.0/1)). Give the admin
        CIDR, or set C(allow_ssh_from_anywhere=true) on that group if the whole internet really must reach them."
      - IPv6 CIDRs are validated and canonicalised like IPv4 ones. C(proto=all) with C(ports) is refused (it would open
        every port).
    type: list
    elements: dict
    default: []
    suboptions:
      name: {description: "The group's short name; the group is named C(<name>-<short name>). Required.", type: str}
      description: {description: "The group's description. Default C(<name> <short name>).", type: str}
      rules: {description: Ingress rules (see above)., type: list, elements: dict}
      rules_egress: {description: Egress rules; the default allow-all egress is kept when not given., type: list, elements: dict}
      allow_ssh_from_anywhere: {description: "Allow SSH/RDP from the whole internet on this group (a boolean).", type: raw, default: false}
      tags: {description: "Tags of this group, added to O(tags).", type: dict}
  purge_rules:
    description: Remove rules of the stack's groups that are not in the spec.
    type: bool
    default: true
  state:
    description: V(present) converges the network, V(absent) removes everything tagged with the stack.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait for NAT gateways to become available (C(pending), then C(available); C(failed) is an error with AWS's
        failure message).
      - With O(state=absent) each NAT gateway is waited for until C(deleted) whatever this says, since AWS frees its
        elastic IP and its network interface (which hold the address and the subnet) only then.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for each resource.
      - With O(state=absent), also how long a delete or detach AWS refuses with C(DependencyViolation) is sent again
        (requester-managed network interfaces of deleted load balancers, NAT gateways, RDS instances or cache clusters
        hold subnets and security groups for some minutes; public addresses still mapped keep the internet gateway
        attached). When the time is out the error names what still holds the resource, and what the run had deleted
        before.
    type: int
    default: 600
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.tags
attributes:
  check_mode:
    support: full
    description: Returns the full plan (RV(changes)) and the resources that would result; ids of new resources are null.
  diff_mode:
    support: full
    description: The diff names every resource that would be created, changed or deleted.
'''

EXAMPLES = r'''
- name: The demo network in one task
  seed.laravel_aws.network:
    name: demo
    cidr_block: 10.20.0.0/16
    availability_zones: [us-east-1a, us-east-1b]
    public_subnets: [10.20.0.0/24, 10.20.1.0/24]
    private_subnets: [10.20.10.0/24, 10.20.11.0/24]
    nat_gateway: single
    security_groups:
      - name: alb
        rules: [{proto: tcp, ports: [80, 443], cidr_ip: 0.0.0.0/0}]
      - name: web
        rules:
          - {proto: tcp, ports: [80], group: alb}
          - {proto: tcp, ports: [22], cidr_ip: 203.0.113.0/24, description: admin ssh}
      - name: db
        rules: [{proto: tcp, ports: [5432], group: web}]
    tags: {Owner: ops}
  register: net

- name: Use what it made
  ansible.builtin.debug:
    msg: "web group {{ net.security_groups.web.id }} in {{ net.subnets.public | map(attribute='id') | join(', ') }}"

- name: Remove all of it
  seed.laravel_aws.network:
    name: demo
    state: absent
'''

RETURN = r'''
vpc:
  description: The VPC (see M(seed.laravel_aws.vpc)).
  returned: state=present
  type: dict
subnets:
  description: C(public) and C(private), lists of subnets (id, cidr_block, availability_zone, ...) in the order given.
  returned: state=present
  type: dict
internet_gateway:
  description: The internet gateway (id, vpc_id, attached, tags); empty without public subnets.
  returned: state=present
  type: dict
nat_gateways:
  description: The NAT gateways (id, subnet_id, allocation_id, public_ip, state, availability_zone).
  returned: state=present
  type: list
  elements: dict
route_tables:
  description: C(public) (a route table) and C(private) (a list of route tables).
  returned: state=present
  type: dict
security_groups:
  description: The stack's security groups by their short name; each has id, name, rules, rules_egress, tags.
  returned: state=present
  type: dict
  sample: {"web": {"id": "sg-0123", "name": "demo-web"}}
changes:
  description: Every resource created, changed or deleted (or that would be, in check mode).
  returned: always
  type: list
  elements: dict
  sample: [{"action": "create", "resource": "subnet", "name": "demo-public-us-east-1a", "id": null}]
diff:
  description: Before and after of each resource that changes, keyed C(<type>/<name>).
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import AwsModule, resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.network import run


def main():
    m = AwsModule(
        argument_spec=resource_spec(dict(
            name=dict(type='str', required=True),
            cidr_block=dict(type='str'),
            availability_zones=dict(type='list', elements='str', default=[]),
            public_subnets=dict(type='list', elements='str', default=[]),
            private_subnets=dict(type='list', elements='str', default=[]),
            nat_gateway=dict(type='str', choices=['none', 'single', 'per_az']),
            dns_hostnames=dict(type='bool', default=True),
            security_groups=dict(type='list', elements='dict', default=[], options=dict(
                # name and allow_ssh_from_anywhere are checked by validate(), so the error names the entry
                name=dict(type='str'),
                description=dict(type='str'),
                rules=dict(type='list', elements='dict'),
                rules_egress=dict(type='list', elements='dict'),
                allow_ssh_from_anywhere=dict(type='raw', default=False),
                tags=dict(type='dict'))),
            purge_rules=dict(type='bool', default=True),
        ), waits=True),
    )
    m.run(run)


if __name__ == '__main__':
    main()
