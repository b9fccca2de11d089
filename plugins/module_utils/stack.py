# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stack contract: what every module and the inventory plugin agree a stack is.

* The stack-name rule (:data:`STACK_RE`): 1-39 letters, digits and dashes, starting with a
  letter or a digit. It is the tightest rule the collection had (network's): every name built
  from it stays valid, ``<stack>-web`` for a security group (255 at most), ``<stack>-<role>-<n>``
  Name tags (256 at most) and ``<stack>-public-<zone>`` alike, and it holds no character (``_``)
  that some AWS names refuse. The same names pass or fail in ``network``, ``instance``,
  ``key_pair`` and the inventory plugin.
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
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import boto3_tags_to_dict

STACK_MAX = 39
STACK_RE = re.compile(r'^[a-zA-Z0-9][a-zA-Z0-9-]{0,%d}$' % (STACK_MAX - 1))
STACK_RULE = '1-%d letters, digits and dashes, starting with a letter or digit (it goes into names and tags)' % STACK_MAX

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
