# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An IAM instance profile, found by its name, and the one role it carries ("an instance profile can contain only one
IAM role", https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html).
Used by instance_profile.

The resource protocol (docs/architecture.md, runner.py). ``existing`` is ``{raw: the InstanceProfile of
GetInstanceProfile, tags}``. The role must exist and trust ec2.amazonaws.com (EC2 assumes it for the instance: "the
role's trust policy must allow the EC2 service principal", id_roles_use_switch-role-ec2.html); both are read before any
change. IAM is eventually consistent: a new profile, or a role just added to one, is not seen at once by IAM's reads
nor by EC2 (RunInstances answers "Invalid IAM Instance Profile name" for a few seconds,
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency),
so after a change, with ``wait``, :func:`wait` reads the profile until it shows its role.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.iam_role import principals, read_document, trusts_service
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, check_owner, validate_owner
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import boto3_tags_to_dict, dict_to_boto3_tags, merged_tags, put_named_tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import error_code_of, wait_for

NAME = 'instance_profile'
KEY = ('name', 'stack')
EC2 = 'ec2.amazonaws.com'
EC2_ROLES = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html'


def validate(p):
    """The desired profile: name, stack, tags (None: left as they are), path, role (a role's name; '': none; None: as it is)."""
    aws_rules.refuse_by_rules('iam', 'CreateInstanceProfile', 'InstanceProfileName', p['name'], 'name')
    aws_rules.refuse_by_rules('iam', 'CreateInstanceProfile', 'Path', p.get('path'), 'path')
    stack, tags = validate_owner(p, added=())
    aws_rules.refuse_tags('iam', ('CreateInstanceProfile', 'TagInstanceProfile'), tags)
    role = p.get('role')
    if role and role.startswith('arn:'):  # arn:aws:iam::<account>:role/<path>/<name>
        if ':role/' not in role:
            raise ValidationError('role', 'a role name, or a role ARN (arn:aws:iam::<account>:role/<name>)')
        role = role.rsplit('/', 1)[-1]
    if role:
        aws_rules.refuse_by_rules('iam', 'CreateRole', 'RoleName', role, 'role', 'the role name')
    return dict(name=p['name'], stack=stack, tags=tags, path=p.get('path'), role=role)


def resolve(ctx, *, desired):
    """The role named exists and EC2 may assume it; reads only. In check mode a missing role is a warning (an earlier task
    of the same check run would make it)."""
    role = desired['role']
    if not role:
        return desired
    try:
        found = ctx.client.get_role(RoleName=role)['Role']
    except Exception as exc:  # pylint: disable=broad-except
        if error_code_of(exc) != 'NoSuchEntity':
            raise
        if ctx.check_mode:
            ctx.warn('IAM role %s does not exist (yet): the instance profile would carry it' % role)
            return desired
        raise ValidationError('role', 'IAM role %s does not exist: make it first (seed.laravel_aws.iam_role)' % role)
    trust = read_document(found.get('AssumeRolePolicyDocument'))
    if not trusts_service(trust, EC2):
        raise ValidationError('role', 'IAM role %s trusts %s, not %s: an instance profile\'s role is assumed by EC2 for the '
                              'instance, so its trust policy must allow the service principal %s the action sts:AssumeRole (%s)'
                              % (role, principals(trust), EC2, EC2, EC2_ROLES))
    return desired


def _get(ctx, name):
    try:
        return ctx.client.get_instance_profile(InstanceProfileName=name)['InstanceProfile']
    except Exception as exc:  # pylint: disable=broad-except
        if error_code_of(exc) == 'NoSuchEntity':
            return None
        raise


def find(ctx, *, name, stack=None):
    """{raw: the profile, tags}, or None; another stack's (or, with ``stack``, an untagged one) refused naming both."""
    raw = _get(ctx, name)
    if raw is None:
        return None
    tags = boto3_tags_to_dict(raw.get('Tags'))
    check_owner(stack, tags, 'IAM instance profile', name)
    return {'raw': raw, 'tags': tags}


def _role_of(raw):
    roles = raw.get('Roles') or []
    return roles[0] if roles else {}


def describe(raw, tags=None):
    """The snake_case view: name, arn, instance_profile_id, path, role, role_arn, tags."""
    role = _role_of(raw)
    return {'name': raw['InstanceProfileName'], 'arn': raw.get('Arn'), 'instance_profile_id': raw.get('InstanceProfileId'),
            'path': raw.get('Path') or '/', 'role': role.get('RoleName'), 'role_arn': role.get('Arn'), 'tags': dict(tags or {})}


def wait(ctx, *, name, role, timeout):
    """The profile once GetInstanceProfile shows it carrying ``role`` (None: no role). AWS's waiter
    InstanceProfileExists stops at the first answer, whatever role it shows, and a role just added is not seen at once
    (IAM's eventual consistency): so a poll of its own, NoSuchEntity included, through the waiter layer's wait_for."""
    wanted = [role] if role else []
    return wait_for(lambda: _get(ctx, name), lambda raw: raw is not None and [r['RoleName'] for r in raw.get('Roles') or []] == wanted,
                    'IAM instance profile %s to show role %s' % (name, role or '(none)'), timeout=timeout, delay=1.0, max_delay=5.0)


def _converge(ctx, d, raw, tags):
    """The role and the tags made as ``desired`` says; (names of what changed, the view before, the view after)."""
    before = describe(raw, tags)
    name, done, after = before['name'], [], dict(before)
    if d['role'] is not None and (d['role'] or None) != before['role']:
        if before['role']:  # one role per profile: the old one leaves first
            ctx.call('remove_role_from_instance_profile', InstanceProfileName=name, RoleName=before['role'])
        if d['role']:
            ctx.call('add_role_to_instance_profile', InstanceProfileName=name, RoleName=d['role'])
        after.update(role=d['role'] or None, role_arn=None)
        done.append('role')
    new_tags = merged_tags(tags, d['tags'], ctx.purge_tags) if d['tags'] is not None else dict(tags)
    if d['stack']:
        new_tags[STACK_TAG] = d['stack']
    if put_named_tags(ctx, ('untag_instance_profile', 'tag_instance_profile'), {'InstanceProfileName': name}, tags, new_tags):
        after['tags'], done = new_tags, done + ['tags']
    if 'role' in done and ctx.wait and not ctx.check_mode:
        after = describe(wait(ctx, name=name, role=after['role'], timeout=ctx.wait_timeout), new_tags)
    return done, before, after


def ensure(ctx, *, desired, existing=None):
    """Create the profile (with its tags), add its role; or bring an existing one's role and tags to ``desired``."""
    d = desired
    if existing is not None:
        if d['path'] is not None and d['path'] != (existing['raw'].get('Path') or '/'):
            raise ValidationError('path', 'IAM instance profile %s is at path %s: a profile\'s path cannot be changed; leave path '
                                  'out, or delete the profile and make it again' % (d['name'], existing['raw'].get('Path')))
        done, before, after = _converge(ctx, d, existing['raw'], existing['tags'])
        return Change.of(bool(done), before, after, before['arn'])
    tags = dict(d['tags'] or {}, **({STACK_TAG: d['stack']} if d['stack'] else {}))
    kwargs = dict(InstanceProfileName=d['name'], Path=d['path'] or '/', **({'Tags': dict_to_boto3_tags(tags)} if tags else {}))
    planned = {'name': d['name'], 'arn': None, 'instance_profile_id': None, 'path': kwargs['Path'], 'role': d['role'] or None,
               'role_arn': None, 'tags': tags}

    def make():
        made = create_or_find(lambda: {'raw': ctx.call('create_instance_profile', **kwargs)['InstanceProfile'], 'tags': tags},
                              lambda: find(ctx, name=d['name'], stack=d['stack']), exists=('EntityAlreadyExists',))
        dummy, dummy2, after = _converge(ctx, d, made['raw'], made['tags'])
        return after['arn'], after
    return ctx.create('instance_profile', d['name'], make, planned)


def delete(ctx, *, existing, desired):  # pylint: disable=unused-argument
    """Take its role out (AWS refuses to delete a profile that has one), then delete it."""
    before = describe(existing['raw'], existing['tags'])
    if before['role']:
        ctx.call('remove_role_from_instance_profile', InstanceProfileName=before['name'], RoleName=before['role'])
    ctx.call('delete_instance_profile', InstanceProfileName=before['name'])
    return Change('delete', before, None, before['arn'])
