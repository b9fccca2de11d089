# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""before/after for diff mode."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy


def make_diff(before, after, header=None):
    """Ansible's diff dict. ``None`` stands for "does not exist" and shows as {}."""
    diff = {'before': copy.deepcopy(before) if before is not None else {},
            'after': copy.deepcopy(after) if after is not None else {}}
    if header:
        diff['before_header'] = header
        diff['after_header'] = header
    return diff


def changed_keys(before, after):
    """Top-level keys whose values differ."""
    before = before or {}
    after = after or {}
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
