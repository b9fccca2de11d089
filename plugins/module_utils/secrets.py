# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One rule per secret: what AWS (and the app's .env) accept, in one table.

The modules (``rds_instance``'s master password, ``cache_cluster``'s AUTH token), the preflight play
(through the ``secret_problem`` filter) and the laravel role's ``.env`` check all read :data:`RULES`,
so a secret refused by one is refused by all, before anything is made. A message never repeats the
secret itself.

A stack secret (:data:`STACK_SECRETS`) is every rule of the services it goes to: ``db_password`` is the
RDS master password (whatever ``stack_db_tier`` is now: a stack may move to RDS) and a ``.env`` value;
``cache_auth_token`` is the ElastiCache AUTH token and a ``.env`` value.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import string

PRINTABLE = frozenset(chr(c) for c in range(33, 127))  # printable ASCII without the space

RULES = {
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html, MasterUserPassword:
    # "Can include any printable ASCII character except "/", """, or "@". Can't contain spaces."
    # RDS for PostgreSQL: "Must contain from 8 to 128 characters."
    'rds_master_password': {
        'what': 'an RDS master password', 'min': 8, 'max': 128,
        'allowed': PRINTABLE - frozenset('/"@'),
        'says': '8 to 128 printable ASCII characters, none of / " @ or a space',
        'source': 'https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html',
    },
    # https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html, AuthToken:
    # "Must be only printable ASCII characters. Must be at least 16 characters and no more than 128 characters in
    # length. The only permitted printable special characters are !, &, #, $, ^, <, >, and -."
    'elasticache_auth_token': {
        'what': 'an ElastiCache AUTH token', 'min': 16, 'max': 128,
        'allowed': frozenset(string.ascii_letters + string.digits + '!&#$^<>-'),
        'says': '16 to 128 letters, digits and the special characters ! & # $ ^ < > - (no other)',
        'source': 'https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html',
    },
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
