# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stack contract for the playbooks: the same rules the modules and the inventory plugin apply."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules, secrets, stack


def stack_group(name):
    """The inventory group of a stack's hosts (``stack_<name>``, a dash written ``_``)."""
    problem = stack.stack_name_problem(str(name))
    if problem:
        raise AnsibleFilterError('stack_group: %s' % problem)
    return stack.stack_group(str(name))


def stack_name(what, stack_name):
    """The name of ``stack_name``'s resource ``what``: ``<stack>-<what>`` (the rule of module_utils/stack.py the modules
    and the inventory plugin apply). Fails on a stack name the stack-name rule refuses, or on an empty ``what``."""
    problem = stack.stack_name_problem(stack_name if isinstance(stack_name, str) else str(stack_name))
    if problem:
        raise AnsibleFilterError('stack_name: %s; set stack_name in the inventory (ec2.yml, stack:) or with -e stack_name=...' % problem)
    what = u'%s' % (what,) if what is not None else u''
    if not what.strip():
        raise AnsibleFilterError("stack_name: the resource's part of the name (the filter's input) is empty; write 'web' | "
                                 "seed.laravel_aws.stack_name(stack_name)")
    return stack.resource_name(stack_name, what)


def stack_name_problem(name):
    """'' when ``name`` is a usable stack name, else the sentence saying why not."""
    return stack.stack_name_problem(name if isinstance(name, str) else str(name)) or ''


def secret_problem(value, kind):
    """'' when the secret ``value`` meets the rule ``kind`` (db_password, cache_auth_token, or a rule of the
    table), else the sentence saying why not; the sentence never holds the value."""
    if kind not in secrets.STACK_SECRETS and kind not in secrets.RULES:
        raise AnsibleFilterError('secret_problem: no rule %r (known: %s)' % (
            kind, ', '.join(sorted(set(secrets.STACK_SECRETS) | set(secrets.RULES)))))
    return secrets.problem(kind, value) or ''


def aws_rule_problem(value, service, operation, parameter, params=None):
    """'' when AWS's documented rule for ``parameter`` of ``service``'s ``operation`` (the table the modules read,
    cited from AWS's pages) takes ``value``, else the sentence with the rule, AWS's error code and the page (never
    the value). ``params``: the rest of the request where a rule depends on it (the engine, the storage type). A
    preflight calls it for each variable that becomes a parameter, before anything is created."""
    if not aws_rules.rows_for(service, operation, parameter):
        raise AnsibleFilterError('aws_rule_problem: no rule for %s %s %s' % (service, operation, parameter))
    return aws_rules.refusal(service, operation, parameter, value, params=params) or ''


def aws_tags_problem(tags, service, operation):
    """'' when every key and value of ``tags`` (a dict) meets AWS's tag rules for ``service``'s ``operation``, else the
    first refusal, naming the key."""
    for key, value in (tags or {}).items():
        key, value = u'%s' % (key,), u'' if value is None else u'%s' % (value,)
        text = (aws_rules.refusal(service, operation, 'Tags[].Key', key, 'tag key %r' % key)
                or aws_rules.refusal(service, operation, 'Tags[].Value', value, 'the value of tag %r' % key))
        if text:
            return text
    return ''


class FilterModule(object):
    def filters(self):
        return {'stack_group': stack_group, 'stack_name': stack_name, 'stack_name_problem': stack_name_problem, 'secret_problem': secret_problem,
                'aws_rule_problem': aws_rule_problem, 'aws_tags_problem': aws_tags_problem}
