# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stack contract: what every module and the inventory plugin agree a stack is.

* The stack-name rule (:data:`STACK_RE`): 1-39 lower-case letters, digits and single dashes,
  a letter first, no dash last. Every name built from it stays valid: ``<stack>-web`` for a
  security group (255 at most), ``<stack>-<role>-<n>`` Name tags (256 at most), and the RDS and
  ElastiCache identifiers ``<stack>-db`` / ``<stack>-cache`` (a letter first, no two dashes in a
  row). Lower case only, because AWS stores RDS and ElastiCache identifiers (and DB subnet group
  names) in lower case: ``Demo`` and ``demo`` would be one database there while their ``Stack``
  tags differ. No ``_``, because the inventory's group of a stack writes a dash as ``_``
  (:func:`stack_group`): ``demo-2`` and ``demo_2`` would be one group. The same names pass or
  fail in every module, the inventory plugin and the playbooks (the ``stack_group`` filter).
* Ownership (:func:`check_owner`): a resource found by name is changed or deleted only when its
  ``Stack`` tag is the stack's; one of another stack, or of none, is refused naming both.
* Resource names: ``<stack>-<what>`` (:func:`resource_name`).
* The tags the collection adds (:data:`ADDED_TAGS`, :func:`stack_tags`).
* The states counted as live (:data:`LIVE_INSTANCE_STATES`, :data:`LIVE_NAT_STATES`).
* The one view of an instance (:func:`instance_facts`), which the inventory plugin gives as
  host variables and the instance module renames with :func:`instance_view`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import boto3_tags_to_dict, normalize_tags

STACK_MAX = 39
STACK_RE = re.compile(r'^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){0,%d}$' % (STACK_MAX - 1))
STACK_RULE = ('1-%d lower-case letters, digits and single dashes, a letter first and no dash last (AWS compares RDS and '
              'ElastiCache names without case, and the inventory group of a stack writes a dash as _)' % STACK_MAX)

# The tags the collection sets itself; they count toward AWS's 50 tags per resource.
STACK_TAG, NAME_TAG, ROLE_TAG, INDEX_TAG, TIER_TAG = 'Stack', 'Name', 'Role', 'Index', 'Tier'
ADDED_TAGS = (STACK_TAG, NAME_TAG, ROLE_TAG, INDEX_TAG, TIER_TAG)

LIVE_INSTANCE_STATES = ('pending', 'running', 'stopping', 'stopped')
LIVE_NAT_STATES = ('pending', 'available')


def stack_name_problem(name):
    """None when ``name`` is a usable stack name, else the sentence saying why not."""
    if isinstance(name, str) and STACK_RE.match(name):
        return None
    return '%r is not a usable stack name: %s' % (name, STACK_RULE)


def validate_stack_name(name, field='stack'):
    """``name``, or a ValidationError naming ``field``."""
    problem = stack_name_problem(name)
    if problem:
        raise ValidationError(field, problem)
    return name


def stack_group(stack):
    """The inventory group of a stack's hosts: ``stack_<stack>`` with each dash written ``_`` (a group name
    is a Python identifier). The stack-name rule allows no ``_``, so no two stacks share a group."""
    return 'stack_%s' % str(stack).replace('-', '_')


class NotOwned(ValidationError):
    """A resource found by its name that belongs to another stack, or to none: refused before any change."""


def owner_problem(stack, tags, kind, name):
    """None when ``stack`` is None or the resource's ``tags`` (a dict) say ``Stack=<stack>``; else the sentence."""
    if stack is None:
        return None
    found = (tags or {}).get(STACK_TAG)
    if found == stack:
        return None
    whose = ('belongs to stack %r' % found) if found is not None else 'has no %s tag (it was not made by a stack)' % STACK_TAG
    return ('%s %s %s, not to stack %r: refused, nothing was changed. A stack changes and deletes only what is tagged '
            '%s=%s; choose another name, or remove it yourself if it is really yours' % (kind, name, whose, stack, STACK_TAG, stack))


def check_owner(stack, tags, kind, name, field='stack'):
    """Raise :class:`NotOwned` (naming ``field``) unless the resource found as ``kind`` ``name`` with ``tags`` is
    the stack's. Every module that changes or deletes a resource it found by name calls this first."""
    problem = owner_problem(stack, tags, kind, name)
    if problem:
        raise NotOwned(field, problem)


def validate_owner(p, added=(NAME_TAG,)):
    """(stack, tags) from a module's ``stack`` and ``tags`` options, before any call: the stack name checked, the tags
    normalised (``added``: the tags the module sets itself, and Stack with a stack), a Stack tag of another stack refused.
    ``tags`` is None when the option was left out (the tags are then left as they are)."""
    stack = p.get('stack')
    if stack is not None:
        validate_stack_name(stack, 'stack')
    tags = None
    if p.get('tags') is not None:
        tags = normalize_tags(p['tags'], added=tuple(added) + ((STACK_TAG,) if stack is not None else ()))
        if stack is not None and tags.get(STACK_TAG, stack) != stack:
            raise ValidationError('tags', 'tags say Stack=%s, the task stack %s: give one stack' % (tags[STACK_TAG], stack))
    return stack, tags


def resource_name(stack, what):
    """The Name tag of a stack's resource: ``<stack>-<what>``."""
    return '%s-%s' % (stack, what)


def stack_tags(stack, tags=None, what=None, extra=None):
    """The user's ``tags``, then ``extra`` (Tier, Role...), then Stack and (with ``what``) Name."""
    out = dict(tags or {})
    out.update(extra or {})
    out[STACK_TAG] = stack
    if what is not None:
        out[NAME_TAG] = resource_name(stack, what)
    return out


def stack_filters(stack):
    """EC2 describe filters for the resources of a stack."""
    return [{'Name': 'tag:%s' % STACK_TAG, 'Values': [stack]}]


def instance_facts(inst, region=None):
    """The one view of an EC2 instance (the inventory's host variables)."""
    return {
        'instance_id': inst['InstanceId'], 'instance_type': inst.get('InstanceType'), 'image_id': inst.get('ImageId'),
        'state': inst['State']['Name'], 'region': region,
        'availability_zone': inst.get('Placement', {}).get('AvailabilityZone'),
        'subnet_id': inst.get('SubnetId'), 'vpc_id': inst.get('VpcId'),
        'private_ip_address': inst.get('PrivateIpAddress'), 'public_ip_address': inst.get('PublicIpAddress'),
        'private_dns_name': inst.get('PrivateDnsName'), 'public_dns_name': inst.get('PublicDnsName') or None,
        'key_name': inst.get('KeyName'), 'launch_time': str(inst.get('LaunchTime')),
        'security_group_ids': [g['GroupId'] for g in inst.get('SecurityGroups', [])],
        'ec2_tags': boto3_tags_to_dict(inst.get('Tags')),
    }


# instance module key: instance_facts key
VIEW_KEYS = (('id', 'instance_id'), ('state', 'state'), ('instance_type', 'instance_type'), ('image_id', 'image_id'),
             ('private_ip', 'private_ip_address'), ('public_ip', 'public_ip_address'), ('private_dns', 'private_dns_name'),
             ('public_dns', 'public_dns_name'), ('subnet_id', 'subnet_id'), ('vpc_id', 'vpc_id'),
             ('availability_zone', 'availability_zone'), ('key_name', 'key_name'), ('tags', 'ec2_tags'))


def instance_view(inst):
    """What the instance module returns of an instance: :func:`instance_facts` under the module's
    documented names, plus name, role and index from the stack's tags."""
    facts = instance_facts(inst)
    out = dict((key, facts[source]) for key, source in VIEW_KEYS)
    tags = out['tags']
    try:
        index = int(tags.get(INDEX_TAG, '0'))
    except ValueError:
        index = 0
    out.update(name=tags.get(NAME_TAG), role=tags.get(ROLE_TAG), index=index,
               security_group_ids=sorted(facts['security_group_ids']))
    return out
