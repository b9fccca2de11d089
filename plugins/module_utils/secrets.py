# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One rule per secret: what AWS (and the app's .env) accept, in one table.

The modules (``rds_instance``'s master password, ``cache_cluster``'s AUTH token), the preflight play
(through the ``secret_problem`` filter) and the laravel role's ``.env`` check all read :data:`RULES`,
so a secret refused by one is refused by all, before anything is made. A message never repeats the
secret itself.

The AWS rules here are views of the rows of :mod:`aws_rules` (AWS's parameter rules, one row per documented rule,
with its page): ``rds_master_password`` is CreateDBInstance's MasterUserPassword (RDS for PostgreSQL),
``elasticache_auth_token`` CreateReplicationGroup's AuthToken. Only ``dotenv_value`` is the collection's own.

A stack secret (:data:`STACK_SECRETS`) is every rule of the services it goes to: ``db_password`` is the
RDS master password (whatever ``stack_db_tier`` is now: a stack may move to RDS) and a ``.env`` value;
``cache_auth_token`` is the ElastiCache AUTH token and a ``.env`` value.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules


def _view(key, what, says):
    """A secrets rule from its aws_rules row: its lengths and characters are the row's."""
    row = aws_rules.row_by_key(key)
    low, high = row['check']['length']
    return {'what': what, 'min': low, 'max': high, 'allowed': frozenset(row['check']['chars']),
            'says': says % {'min': low, 'max': high}, 'source': row['source'],
            'service': row['service'], 'operation': row['operation'], 'parameter': row['parameter']}


RULES = {
    'rds_master_password': _view('rds_master_password', 'an RDS master password',
                                 '%(min)d to %(max)d printable ASCII characters, none of / " @ or a space'),
    'elasticache_auth_token': _view('elasticache_auth_token', 'an ElastiCache AUTH token',
                                    '%(min)d to %(max)d letters, digits and the special characters ! & # $ ^ < > - (no other)'),
    # The laravel role writes .env values single-quoted (dotenv takes them literally): no ' and no line break.
    'dotenv_value': {
        'what': 'a .env value', 'min': 0, 'max': None,
        'forbidden': frozenset("'\r\n\x00"),
        'says': "free of single quotes (') and line breaks (the value is written single-quoted in .env)",
        'source': 'roles/laravel/templates/env.j2',
    },
}

STACK_SECRETS = {
    'db_password': ('rds_master_password', 'dotenv_value'),
    'cache_auth_token': ('elasticache_auth_token', 'dotenv_value'),
}


def _one(rule, value):
    n = len(value)
    if n < rule['min'] or (rule['max'] is not None and n > rule['max']):
        return '%s must be %s (got %d characters)' % (rule['what'], rule['says'], n)
    bad = set(value) - rule['allowed'] if 'allowed' in rule else set(value) & rule['forbidden']
    if bad:
        names = ', '.join(sorted('a space' if c == ' ' else 'a line break' if c in '\r\n' else
                                 ('a NUL' if c == '\x00' else 'a non-printable character' if not 32 <= ord(c) < 127 else repr(c))
                                 for c in bad))
        return '%s must be %s; it holds %s' % (rule['what'], rule['says'], names)
    return None


def problem(kind, value):
    """None when ``value`` meets the rule ``kind`` (a key of :data:`RULES`, or of :data:`STACK_SECRETS` for all of
    that secret's rules), else the first sentence saying why not. The sentence never holds the value."""
    kinds = STACK_SECRETS.get(kind, (kind,))
    text = '' if value is None else str(value)
    for name in kinds:
        found = _one(RULES[name], text)
        if found:
            return found
    return None
