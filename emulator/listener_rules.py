"""Listener rules as AWS keeps them, where moto's ELBv2 is kinder (applied to moto by emulator.fidelity.patch_moto).

The rules of a request's shape (priorities 1-50000, the conditions' values, counts and wildcards, a redirect to itself)
are rows of the collection's table (plugins/module_utils/aws_rules.py), which emulator.params enforces on every request
of the aws profile. What depends on what exists is here, for the emulator and for the unit tests' in-process moto alike:

- CreateRule: more than 100 rules on one load balancer (its listeners' default rules not counted) -> TooManyRules
  ("Rules per Application Load Balancer (not counting default rules): 100",
  https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html); a priority the listener
  has already -> PriorityInUse (moto's own answer, kept).
- CreateRule, ModifyRule: two conditions of one of host-header, http-request-method, path-pattern and source-ip ->
  ValidationError ("Each rule can optionally include up to one of each of the following conditions: host-header,
  http-request-method, path-pattern, and source-ip",
  https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html; the collection never sends
  two, so this rule is the emulator's, not a row of the table its validation reads).
- CreateRule, ModifyRule: a redirect of an HTTPS listener's requests to HTTP -> InvalidLoadBalancerAction ("You can't
  redirect HTTPS to HTTP", https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html#redirect-actions).
- DeleteRule of a rule that does not exist -> RuleNotFound (API_DeleteRule, Errors: "The specified rule does not exist.";
  moto answers success); of a listener's default rule -> OperationNotPermitted (a default rule goes with its listener).
- DeleteRule, ModifyRule: a target group that no listener or rule of the load balancer forwards to any more is no longer
  the load balancer's (its LoadBalancerArns; moto keeps it there for ever, and DescribeTargetGroups by the load balancer
  would still list it).
"""

import functools

MAX_RULES = 100  # per load balancer, default rules not counted
ONCE_EACH = ('host-header', 'http-request-method', 'path-pattern', 'source-ip')


def _error(code, message):
    from moto.elbv2.exceptions import ELBClientError
    return ELBClientError(code, message)


def _rules_of(listener):
    return [r for r in listener.rules.values() if not getattr(r, 'is_default', False)]


def _find(backend, rule_arn):
    """(load balancer, listener, rule) of a rule's ARN, or (None, None, None)."""
    for lb in backend.load_balancers.values():
        for listener in lb.listeners.values():
            for rule in listener.rules.values():
                if rule.arn == rule_arn:
                    return lb, listener, rule
    return None, None, None


def _check_conditions(conditions):
    fields = [c.get('Field') for c in conditions or []]
    twice = sorted(set(f for f in fields if f in ONCE_EACH and fields.count(f) > 1))
    if twice:
        raise _error('ValidationError', "A rule can only have one '%s' condition" % twice[0])


def _check_redirects(listener, actions):
    for action in actions or []:
        config = (action.get('RedirectConfig') or {}) if action.get('Type') == 'redirect' else {}
        if listener is not None and listener.protocol == 'HTTPS' and config.get('Protocol') == 'HTTP':
            raise _error('InvalidLoadBalancerAction', 'The requested action is not valid. You cannot redirect HTTPS to HTTP.')


def _release_groups(backend, lb):
    """The target groups the load balancer ``lb`` no longer forwards to (no default action, no rule) leave its LoadBalancerArns."""
    using = set()
    for listener in lb.listeners.values():
        actions = list(listener.default_actions or [])
        for rule in _rules_of(listener):
            actions += list(rule.actions or [])
        for action in actions:
            data = getattr(action, 'data', action)
            using.update(backend._get_target_group_arns_from(action_data=data))  # pylint: disable=protected-access
    for arn, group in backend.target_groups.items():
        if lb.arn in group.load_balancer_arns and arn not in using:
            group.load_balancer_arns[:] = [a for a in group.load_balancer_arns if a != lb.arn]


def patch_rules():
    """Apply the rules above to moto's ELBv2 backend; once per process (emulator.fidelity.patch_moto)."""
    from moto.elbv2.models import ELBv2Backend
    create_rule, modify_rule, delete_rule = ELBv2Backend.create_rule, ELBv2Backend.modify_rule, ELBv2Backend.delete_rule

    @functools.wraps(create_rule)
    def create_rule_as_aws(self, listener_arn, conditions, priority, actions, tags=None):
        listeners = self.describe_listeners(None, [listener_arn])
        listener = listeners[0] if listeners else None
        if listener is not None:
            lb = self.load_balancers.get(listener.load_balancer_arn)
            count = sum(len(_rules_of(li)) for li in (lb.listeners.values() if lb is not None else [listener]))
            if count >= MAX_RULES:
                raise _error('TooManyRules', 'You\'ve reached the limit on the number of rules per load balancer (%d)' % MAX_RULES)
            _check_conditions(conditions)
            _check_redirects(listener, actions)
        return create_rule(self, listener_arn, conditions, priority, actions, tags)
    ELBv2Backend.create_rule = create_rule_as_aws

    @functools.wraps(modify_rule)
    def modify_rule_as_aws(self, rule_arn, conditions, actions):
        lb, listener, dummy = _find(self, rule_arn)
        _check_conditions(conditions)
        _check_redirects(listener, actions)
        rule = modify_rule(self, rule_arn, conditions, actions)
        if lb is not None:
            _release_groups(self, lb)
        return rule
    ELBv2Backend.modify_rule = modify_rule_as_aws

    @functools.wraps(delete_rule)
    def delete_rule_as_aws(self, arn):
        lb, dummy, rule = _find(self, arn)
        if rule is None:
            raise _error('RuleNotFound', 'The specified rule does not exist.')
        if getattr(rule, 'is_default', False):
            raise _error('OperationNotPermitted', 'A default rule cannot be deleted; it is deleted with its listener')
        delete_rule(self, arn)
        _release_groups(self, lb)
    ELBv2Backend.delete_rule = delete_rule_as_aws
