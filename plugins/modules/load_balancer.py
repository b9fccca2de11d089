#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: load_balancer
short_description: An Application Load Balancer with its listeners and target groups, in one task
version_added: 0.2.0
description:
  - Manages one Application Load Balancer (ELBv2, type C(application)), found by its name, together with the target
    groups it forwards to (found by their names) and its listeners (found by their ports).
  - Every option is checked before the first request; then the whole plan is made with reads only (C(DescribeSubnets),
    C(DescribeSecurityGroups), C(DescribeInstances), C(acm:DescribeCertificate)) and every refusal (another stack's
    resource, a scheme or VPC AWS cannot change, a target group's protocol or port, a listener without a certificate, a
    certificate that does not exist or is not issued...) comes before the first request that changes anything; an error
    names the option and how to fix it. Subnets the load balancer already has, listed targets already registered in
    their group and certificates a listener already has were checked by AWS when they were set, and are not read again.
  - Omitted means unchanged. An option left out leaves what exists as it is; the defaults documented as C(default on
    create) apply only to what the task creates.
  - A rerun with nothing to change sends reads only and reports RV(ignore:changed=false).
  - Creates whose answer is lost are found again by name before anything is created a second time.
  - O(state=absent) deletes the listeners, the load balancer (waiting until it is gone), then its target groups, those
    its listeners forward to and those named in O(target_groups).
  - Targets are registered here without waiting for them to be healthy; use M(seed.laravel_aws.target) to wait.
  - Every option AWS documents a rule for (names, ranges, windows, ELBv2's tags, keys 1-128 and values 0-256 letters,
    digits, spaces and V(+ - = . _ / @ :), a key not beginning with V(aws:)) is checked against the collection's table
    of AWS's rules before any call, in check mode too; the error names the option, AWS's rule, the error code AWS
    answers and the page the rule is from (never a secret's value).
author:
  - Seed Maintainers (@seed-maintainers)
options:
  name:
    description:
      - The load balancer's name, unique in the region. At most 32 letters, digits and hyphens, not beginning or
        ending with a hyphen, not beginning with C(internal-).
      - It is also the load balancer's C(Name) tag.
      - A load balancer of another type (network, gateway) under this name is refused.
    type: str
    required: true
  subnets:
    description:
      - Subnet ids, one per availability zone; two or more zones, all in one VPC (checked with C(DescribeSubnets)
        before any change). Required to create the load balancer.
      - A different list on an existing load balancer is set in place (C(SetSubnets)); left out, its subnets are
        unchanged. Subnets of another VPC than the load balancer's are refused.
    type: list
    elements: str
  security_groups:
    description:
      - Security groups of the load balancer, by name or id, in the subnets' VPC.
      - Not given, a new load balancer gets the VPC's default group and an existing one keeps its groups.
    type: list
    elements: str
  scheme:
    description:
      - V(internet-facing) (public addresses) or V(internal). AWS cannot change it later; another one than the existing
        load balancer's is refused before any change.
      - 'Default on create: V(internet-facing); left out on an existing one: unchanged.'
    type: str
    choices: [internet-facing, internal]
  idle_timeout:
    description:
      - Seconds a connection may stay idle (1-4000).
      - 'Default on create: 60 (AWS''s); left out on an existing one: unchanged.'
    type: int
  deletion_protection:
    description:
      - Whether AWS refuses to delete the load balancer.
      - 'Default on create: V(false) (AWS''s); left out on an existing one: unchanged.'
      - With O(state=absent) a protected load balancer is deleted only when this is set to V(false) in the task
        (protection is turned off first); otherwise the module fails naming this option.
    type: bool
  access_logs:
    description: Access logs written to S3. Not given, left as they are (off for a new load balancer).
    type: dict
    suboptions:
      enabled:
        description: Whether logs are written (giving O(access_logs) turns them on unless this is V(false)).
        type: bool
        default: true
      bucket:
        description: The S3 bucket (its policy must let Elastic Load Balancing write). Required when O(access_logs.enabled).
        type: str
      prefix:
        description: "The key prefix in the bucket. Default on create: none; left out: unchanged."
        type: str
  target_groups:
    description:
      - The target groups (type C(instance)) this load balancer forwards to, each found by its name.
      - AWS cannot change a target group's protocol, port or VPC; a different one is an error naming the group.
      - With O(state=absent) only O(target_groups[].name) is used.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The target group's name, unique in the region; at most 32 letters, digits and hyphens.
        type: str
        required: true
      protocol:
        description: "The protocol to the targets. Default on create: V(HTTP); left out on an existing group: unchanged."
        type: str
        choices: [HTTP, HTTPS]
      port:
        description: "The port of the targets (1-65535). Default on create: 80; left out on an existing group: unchanged."
        type: int
      target_port:
        description: The port targets are registered on. Defaults to the group's port.
        type: int
      health_check:
        description:
          - The health check, over the group's protocol to the traffic port.
          - Each key left out keeps the existing group's value; a new group gets AWS's default, given with each key.
        type: dict
        suboptions:
          path:
            description: "The path asked for; starts with C(/). Default on create: V(/); left out: unchanged."
            type: str
          interval:
            description: "Seconds between checks (5-300). Default on create: 30; left out: unchanged."
            type: int
          timeout:
            description:
              - Seconds without an answer that fail a check (2-120), shorter than the interval.
              - 'Default on create: 5; left out: unchanged.'
            type: int
          healthy_threshold:
            description: "Consecutive passes that make a target healthy (2-10). Default on create: 5; left out: unchanged."
            type: int
          unhealthy_threshold:
            description: "Consecutive failures that make a target unhealthy (2-10). Default on create: 2; left out: unchanged."
            type: int
          matcher:
            description:
              - The HTTP codes of a pass, 200-499, like V(200), V(200,302) or V(200-299).
              - "Default on create: V(200); left out: unchanged."
            type: str
      deregistration_delay:
        description:
          - Seconds a deregistered target keeps its connections (draining), 0-3600.
          - 'Default on create: 300 (AWS''s); left out on an existing group: unchanged.'
          - C(deregistration_delay_timeout) is the name M(community.aws.elb_target_group) gives it.
        type: int
        aliases: [deregistration_delay_timeout]
      stickiness:
        description: Sticky sessions with the load balancer's cookie. Not given, left as they are (off for a new group).
        type: dict
        suboptions:
          enabled:
            description: Whether sessions stick (giving O(target_groups[].stickiness) turns them on unless this is V(false)).
            type: bool
            default: true
          type:
            description: "The kind of stickiness. Default on create: V(lb_cookie) (AWS's); left out: unchanged."
            type: str
            choices: [lb_cookie]
          duration:
            description: "Seconds the cookie lasts (1-604800). Default on create: 86400 (AWS's); left out: unchanged."
            type: int
      targets:
        description:
          - Instance ids registered in the group; each must be in the group's VPC (checked before any change), and with
            O(stack) each instance registered must carry the stack's C(Stack) tag.
          - Not given (and no O(target_groups[].target_filter)), the group's targets are left as they are.
        type: list
        elements: str
      target_filter:
        description:
          - The targets are every running instance of a stack's role, found by the C(Stack) and C(Role) tags the
            M(seed.laravel_aws.instance) module sets. Mutually exclusive with O(target_groups[].targets).
          - With O(stack), O(target_groups[].target_filter.stack) must be that stack.
        type: dict
        suboptions:
          stack:
            description: The stack (its C(Stack) tag).
            type: str
            required: true
          role:
            description: The role (its C(Role) tag), for example V(web).
            type: str
            required: true
      purge_targets:
        description:
          - Deregister targets that are not in O(target_groups[].targets) (or the filter's instances).
          - The default V(true) is what amazon.aws's target group module does (its C(modify_targets)).
        type: bool
        default: true
  listeners:
    description:
      - The listeners, one per port.
      - Not given, the listeners are left as they are (a new load balancer has none). Given (even V([])), the
        listeners on other ports are deleted when O(purge_listeners) is set.
      - A key left out of a listener keeps the value of the listener already on that port; the defaults below apply to a
        new listener.
    type: list
    elements: dict
    suboptions:
      port:
        description: The port (1-65535).
        type: int
        required: true
      protocol:
        description: "The protocol clients speak. Default on create: V(HTTP); left out: unchanged."
        type: str
        choices: [HTTP, HTTPS]
      certificate_arn:
        description:
          - The certificate of an HTTPS listener (required to make one), the ARN of an ACM certificate such as the
            M(seed.laravel_aws.certificate) module returns, or one Amazon issued; left out, unchanged.
          - An ACM certificate newly set on a listener is checked before any change (C(acm:DescribeCertificate)) to
            exist in the load balancer's region and to be C(ISSUED). An IAM server certificate
            (C(arn:aws:iam::...:server-certificate/...)) is not checked by the module; AWS checks it when the listener is
            made or changed.
        type: str
      ssl_policy:
        description:
          - The TLS policy of an HTTPS listener.
          - 'Default on create: V(ELBSecurityPolicy-TLS13-1-2-2021-06) (TLS 1.2 and 1.3 only); left out: unchanged.'
        type: str
      action:
        description:
          - V(forward) to O(listeners[].target_group), or V(redirect) to HTTPS on O(listeners[].redirect_port) (301).
          - 'Default on create: V(forward); left out: unchanged.'
        type: str
        choices: [forward, redirect]
      target_group:
        description:
          - The name of the target group forwarded to, one of O(target_groups).
          - Left out, the group the listener forwards to already, else the only one of O(target_groups).
        type: str
      redirect_port:
        description: "The HTTPS port redirected to. Default on create: 443; left out: unchanged."
        type: int
      rules:
        description:
          - The listener's rules (all but its default action, which is O(listeners[].action)), each found by its priority. AWS
            evaluates them from the lowest priority to the highest, then the default action; a request that matches a rule's
            conditions gets that rule's action.
          - Left out, the listener's rules are left as they are. Given (even V([])), the listener has exactly these rules; a rule
            on a priority not listed is deleted (C(DeleteRule)), one that differs is changed in place (C(ModifyRule)), a missing
            one is made (C(CreateRule)).
          - A rule as AWS answers it and as given here compare equal when they mean the same (host names in any case, values in
            any order, a redirect's components left out being AWS's defaults), so a rerun changes nothing.
          - Every rule is checked against AWS's rules before any call (priorities 1-50000 and each once; one host-header and
            one path-pattern condition, up to three values each and five in all, five wildcards; the characters and lengths of
            host names and path patterns; a redirect that changes the URL); the error names the rule's option.
        type: list
        elements: dict
        suboptions:
          priority:
            description: The rule's priority, 1-50000, once in the listener; the lowest is evaluated first.
            type: int
            required: true
          host_header:
            description:
              - The host names the rule matches (one of them), case-insensitive; up to 128 letters, digits, C(-) and C(.) each,
                with the wildcards C(*) (any characters) and C(?) (one character), one C(.) at least and only letters after the
                last one, for example V(www.shop.example.com) or V(*.example.com).
              - At least one of O(listeners[].rules[].host_header) and O(listeners[].rules[].path_pattern); given both, a request
                matches when it matches both.
            type: list
            elements: str
          path_pattern:
            description:
              - The URL paths the rule matches (one of them), case-sensitive, without the query; up to 128 characters each of
                letters, digits and C(_ - . $ / ~ " ' @ + &) or colons, with the wildcards C(*) and C(?), for example V(/old/*).
            type: list
            elements: str
          action:
            description: V(redirect) the request (the C(redirect_*) options), or V(forward) it to O(listeners[].rules[].target_group).
            type: str
            required: true
            choices: [redirect, forward]
          target_group:
            description: The name of the target group a V(forward) rule forwards to, one of O(target_groups).
            type: str
          redirect_host:
            description:
              - The host redirected to, for example V(shop.example.com); it may use C(#{host}), the request's host.
              - 'Default: V(#{host}) (unchanged).'
            type: str
          redirect_protocol:
            description:
              - The protocol redirected to. AWS does not redirect an HTTPS listener's requests to HTTP.
              - 'Default: V(#{protocol}) (unchanged).'
            type: str
            choices: ['HTTP', 'HTTPS', '#{protocol}']
          redirect_port:
            description:
              - The port redirected to, 1-65535, or V(#{port}) (the port of the request).
              - 'Default: V(#{port}).'
            type: raw
          redirect_path:
            description:
              - The path redirected to, starting with C(/); it may use C(#{path}) (the request's path without its leading C(/)),
                C(#{host}) and C(#{port}).
              - 'Default: V(/#{path}) (unchanged).'
            type: str
          redirect_query:
            description:
              - The query redirected to, without its leading C(?) (AWS adds it when the query is not empty); it may use
                C(#{query}), the request's query.
              - 'Default: V(#{query}) (unchanged).'
            type: str
          redirect_status:
            description: The status of the redirect, V(301) (permanent) or V(302) (temporary). Default V(301).
            type: int
            choices: [301, 302]
  purge_listeners:
    description: Delete listeners on ports not in O(listeners) (only when O(listeners) is given).
    type: bool
    default: true
  state:
    description: V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait until a new load balancer is C(active) (C(provisioning) before; C(failed) ends the wait with AWS's reason), and
        until a deleted one is gone.
      - With V(false) the task returns right after the creates, the load balancer C(provisioning). A later task with the same
        options and O(wait=true) waits until that load balancer is active and changes nothing (C(changed=false)).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 600
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.tags
  - seed.laravel_aws.aws.owner
notes:
  - O(tags) go on the load balancer and on each target group (each with its own C(Name) tag).
  - With O(stack), the load balancer and each of its target groups (those named in O(target_groups) and those it
    forwards to) must carry C(Stack=<stack>), for O(state=present) and O(state=absent) alike; otherwise the task is
    refused before any change, naming each and its stack. What the module creates is tagged C(Stack=<stack>).
  - Needs the C(elasticloadbalancing) actions of docs/iam-policy.json (C(CreateRule), C(ModifyRule), C(DeleteRule) and
    C(DescribeRules) among them), C(ec2:DescribeSubnets),
    C(ec2:DescribeSecurityGroups), C(ec2:DescribeInstances) and C(acm:DescribeCertificate).
attributes:
  check_mode:
    support: full
    description: Reports what would change and changes nothing; a load balancer or target group to be made has a null arn.
  diff_mode:
    support: full
    description: Returns the load balancer, its listeners and target groups before and after.
'''

EXAMPLES = r'''
- name: The stack's ALB, HTTP redirected to HTTPS, forwarding to every running web instance
  seed.laravel_aws.load_balancer:
    name: demo-alb
    subnets: "{{ network.subnets.public | map(attribute='id') | list }}"
    security_groups: [demo-alb]
    target_groups:
      - name: demo-web
        port: 80
        health_check: {path: /health, interval: 15, timeout: 5, healthy_threshold: 2, matcher: '200-299'}
        deregistration_delay: 30
        target_filter: {stack: demo, role: web}
    listeners:
      - {port: 80, action: redirect, redirect_port: 443}
      - {port: 443, protocol: HTTPS, certificate_arn: "{{ cert.certificate.arn }}", target_group: demo-web}
    stack: demo
  register: alb

- name: The stack's own domain, www redirected to the apex (301, the path and query kept) before the default action
  seed.laravel_aws.load_balancer:
    name: demo-alb
    target_groups: [{name: demo-web}]
    listeners:
      - {port: 80, action: redirect, redirect_port: 443}
      - port: 443
        protocol: HTTPS
        certificate_arn: "{{ cert.certificate.arn }}"
        target_group: demo-web
        rules:
          - priority: 10
            host_header: [www.shop.example.com]
            action: redirect
            redirect_host: shop.example.com
            redirect_protocol: HTTPS
            redirect_port: 443
          - priority: 20
            path_pattern: ['/old/*']
            action: forward
            target_group: demo-web
    stack: demo

- name: Everything goes, listeners first, then the load balancer, then its target groups
  seed.laravel_aws.load_balancer:
    name: demo-alb
    stack: demo
    target_groups: [{name: demo-web}]
    state: absent
'''

RETURN = r'''
load_balancer:
  description: The load balancer; empty after O(state=absent). In check mode one to be made has RV(load_balancer.arn=null).
  returned: always
  type: dict
  contains:
    arn:
      description: Its ARN.
      type: str
    name:
      description: Its name.
      type: str
    dns_name:
      description: The DNS name clients connect to.
      type: str
      sample: demo-alb-1234567890.us-east-1.elb.amazonaws.com
    canonical_hosted_zone_id:
      description:
        - The hosted zone of its DNS name (its region's zone of ALBs), what an alias record to it names
          (M(seed.laravel_aws.route53_record)'s O(seed.laravel_aws.route53_record#module:alias.hosted_zone_id)).
        - Null in check mode for one to be made.
      type: str
      sample: Z35SXDOTRQ7X7K
      version_added: 0.2.0
    state:
      description: C(provisioning), C(active), C(active_impaired) or C(failed).
      type: str
    scheme:
      description: C(internet-facing) or C(internal).
      type: str
    vpc_id:
      description: Its VPC.
      type: str
    zones:
      description: Its availability zones, each with its subnet.
      type: list
      elements: dict
      sample: [{"zone": "us-east-1a", "subnet_id": "subnet-0123"}]
    subnets:
      description: Its subnet ids.
      type: list
      elements: str
    security_groups:
      description: Its security group ids.
      type: list
      elements: str
    idle_timeout:
      description: The idle timeout in seconds.
      type: int
    deletion_protection:
      description: Whether deletion protection is on.
      type: bool
    access_logs:
      description: The access log settings (enabled, bucket, prefix).
      type: dict
    tags:
      description: Its tags.
      type: dict
listeners:
  description: The listeners, by port.
  returned: always
  type: list
  elements: dict
  contains:
    arn:
      description: The listener's ARN (null in check mode for one to be made).
      type: str
    port:
      description: Its port.
      type: int
    protocol:
      description: HTTP or HTTPS.
      type: str
    certificate_arn:
      description: The certificate of an HTTPS listener.
      type: str
    ssl_policy:
      description: The TLS policy of an HTTPS listener.
      type: str
    action:
      description: C(forward) or C(redirect).
      type: str
    target_group:
      description: The name of the target group forwarded to.
      type: str
    redirect_port:
      description: The port redirected to.
      type: int
    rules:
      description:
        - The listener's rules but its default one, by priority (null ARNs in check mode for those to be made).
        - A redirect's components AWS was not given are its defaults (C(#{host}), C(#{protocol}), C(#{port}), C(/#{path}),
          C(#{query})); host names are in lower case. A rule this module does not manage (another condition or action) is
          shown with its action's type and the host and path conditions it has.
      type: list
      elements: dict
      sample:
        - arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/demo-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee
          priority: 10
          host_header: [www.shop.example.com]
          path_pattern: []
          action: redirect
          target_group: null
          redirect_host: shop.example.com
          redirect_protocol: HTTPS
          redirect_port: '443'
          redirect_path: '/#{path}'
          redirect_query: '#{query}'
          redirect_status: 301
target_groups:
  description: The target groups, by name.
  returned: always
  type: list
  elements: dict
  contains:
    arn:
      description: The group's ARN.
      type: str
    name:
      description: Its name.
      type: str
    protocol:
      description: Its protocol.
      type: str
    port:
      description: Its port.
      type: int
    vpc_id:
      description: Its VPC.
      type: str
    health_check:
      description: Its health check (path, interval, timeout, healthy_threshold, unhealthy_threshold, matcher).
      type: dict
    deregistration_delay:
      description: The draining time in seconds.
      type: int
    stickiness:
      description: The stickiness settings (enabled, type, duration).
      type: dict
    tags:
      description: Its tags.
      type: dict
    targets:
      description: Each target with its health as ELB last saw it.
      type: list
      elements: dict
      sample: [{"id": "i-0123", "port": 80, "health": "healthy", "reason": null, "description": null}]
changes:
  description: Each change made (or, in check mode, that would be made).
  returned: always
  type: list
  elements: dict
  sample: [{"action": "create", "resource": "target_group", "name": "demo-web", "id": "arn:aws:elasticloadbalancing:..."}]
diff:
  description: The load balancer, listeners and target groups before and after.
  returned: always
  type: dict
'''

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import resource_spec
from ansible_collections.seed.laravel_aws.plugins.module_utils.runner import run_module
from ansible_collections.seed.laravel_aws.plugins.module_utils import load_balancer

# Omitted means unchanged: an option with a state on AWS has no default here (None); a new resource gets the
# documented default on create (load_balancer.NEW_LB, NEW_GROUP, NEW_LISTENER, HEALTH_DEFAULTS, AWS's attributes).
HEALTH = dict(path=dict(type='str'), interval=dict(type='int'), timeout=dict(type='int'),
              healthy_threshold=dict(type='int'), unhealthy_threshold=dict(type='int'), matcher=dict(type='str'))
TARGET_GROUP = dict(
    name=dict(type='str', required=True),
    protocol=dict(type='str', choices=['HTTP', 'HTTPS']),
    port=dict(type='int'),
    target_port=dict(type='int'),
    health_check=dict(type='dict', options=HEALTH),
    deregistration_delay=dict(type='int', aliases=['deregistration_delay_timeout']),
    stickiness=dict(type='dict', options=dict(enabled=dict(type='bool', default=True),
                                              type=dict(type='str', choices=['lb_cookie']),
                                              duration=dict(type='int'))),
    targets=dict(type='list', elements='str'),
    target_filter=dict(type='dict', options=dict(stack=dict(type='str', required=True), role=dict(type='str', required=True))),
    purge_targets=dict(type='bool', default=True),
)
LISTENER = dict(
    port=dict(type='int', required=True),
    protocol=dict(type='str', choices=['HTTP', 'HTTPS']),
    certificate_arn=dict(type='str'),
    ssl_policy=dict(type='str'),
    action=dict(type='str', choices=['forward', 'redirect']),
    target_group=dict(type='str'),
    redirect_port=dict(type='int'),
    # omitted: the listener's rules left as they are; given (even []): exactly these (load_balancer.validate_rule)
    rules=dict(type='list', elements='dict', options=dict(
        priority=dict(type='int', required=True),
        host_header=dict(type='list', elements='str'),
        path_pattern=dict(type='list', elements='str'),
        action=dict(type='str', required=True, choices=['redirect', 'forward']),
        target_group=dict(type='str'),
        redirect_host=dict(type='str'),
        redirect_protocol=dict(type='str', choices=['HTTP', 'HTTPS', '#{protocol}']),
        redirect_port=dict(type='raw'),
        redirect_path=dict(type='str'),
        redirect_query=dict(type='str'),
        redirect_status=dict(type='int', choices=[301, 302]),
    )),
)
ARGUMENT_SPEC = resource_spec(dict(
    name=dict(type='str', required=True),
    subnets=dict(type='list', elements='str'),
    security_groups=dict(type='list', elements='str'),
    scheme=dict(type='str', choices=['internet-facing', 'internal']),
    idle_timeout=dict(type='int'),
    deletion_protection=dict(type='bool'),
    access_logs=dict(type='dict', options=dict(enabled=dict(type='bool', default=True), bucket=dict(type='str'),
                                               prefix=dict(type='str'))),
    target_groups=dict(type='list', elements='dict', default=[], options=TARGET_GROUP,
                       mutually_exclusive=[['targets', 'target_filter']]),
    listeners=dict(type='list', elements='dict', options=LISTENER),
    purge_listeners=dict(type='bool', default=True),
), waits=True, owner=True)


def main():
    run_module(load_balancer, ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
