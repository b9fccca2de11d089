# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An IAM role, found by its name (unique in the account). Used by iam_role; instance_profile reads its trust policy.

The resource protocol (docs/architecture.md, runner.py). ``existing`` is ``{raw: {Role, Inline, Managed}, tags}``: the
role as GetRole answers it, its inline policies (name -> document) and the ARNs of its managed policies. Policy
documents are compared as JSON values, as IAM reads them (a single value is a list of one, the order of a list does not
count), never as text. A role's path cannot be changed (UpdateRole has no Path); IAM is eventually consistent
("changes that you make are not always immediately visible",
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency),
so a create whose answer was lost is found again by its name for a while before it is sent again.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find, gather
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, NotOwned, check_owner, owner_problem, validate_owner
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import boto3_tags_to_dict, dict_to_boto3_tags, merged_tags, put_named_tags
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import error_code_of

from urllib.parse import unquote

NAME = 'iam_role'
KEY = ('name', 'stack')
DEFAULT_SESSION = 3600  # "If you do not specify a value for this setting, the default value of one hour is applied" (API_CreateRole)
# Hard limits of the quotas page (aws_rules.IAM_QUOTAS): managed policies per role 10 by default, up to 20 on request;
# a role's inline policies 10,240 characters together, white space not counted (not adjustable).
MAX_MANAGED = 20
MAX_INLINE = 10240


def policy_document(value, field):
    """A policy document given as JSON text or a dict (the module's ``json`` options), as a dict; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ValidationError(field, 'not a JSON policy document (%s): give a dict or JSON text' % exc)
    if not isinstance(value, dict) or 'Statement' not in value:
        raise ValidationError(field, 'a policy document is a JSON object with a Statement (and Version "2012-10-17")')
    return value


def policy_text(doc):
    """A document as IAM is sent it: compact JSON (IAM does not count white space, but the request's length does)."""
    return json.dumps(doc, separators=(',', ':'))


def read_document(value):
    """A document as IAM answers it: botocore decodes it to a dict; a client without that handler gets URL-encoded text."""
    if isinstance(value, str):
        return json.loads(unquote(value))
    return value


def canonical(value):
    """A policy's JSON as IAM reads it: every value a list (a single value, or a single statement, is a list of one),
    sorted, without repeats; an object (a Principal, a Condition) stays one."""
    if isinstance(value, dict):
        return dict((k, canonical([v] if k == 'Statement' and isinstance(v, dict) else v)) for k, v in value.items())
    items = [canonical(v) if isinstance(v, dict) else v for v in (value if isinstance(value, list) else [value])]
    unique = dict((json.dumps(v, sort_keys=True), v) for v in items)
    return [unique[k] for k in sorted(unique)]


def same_policy(a, b):
    return canonical(a) == canonical(b)


def trusts_service(doc, service):
    """Whether the trust policy ``doc`` lets the AWS service principal ``service`` assume the role."""
    for statement in canonical(doc or {}).get('Statement') or []:
        principal = statement.get('Principal')  # an object, or ['*']
        actions = set(a.lower() for a in statement.get('Action') or [])
        if statement.get('Effect') == ['Allow'] and isinstance(principal, dict) and service in (principal.get('Service') or []) \
                and actions & set(('sts:assumerole', 'sts:*', '*')):
            return True
    return False


def principals(doc):
    """The principals a trust policy names, for a message."""
    out = []
    for statement in canonical(doc or {}).get('Statement') or []:
        principal = statement.get('Principal') or statement.get('NotPrincipal') or []
        out += ['%s %s' % (k, v) for k, vs in sorted(principal.items()) for v in vs] if isinstance(principal, dict) else principal
    return ', '.join(out) or 'no principal'


def validate(p):
    """The desired role: name, stack, tags (None: left as they are), path, trust, description, max_session, inline
    (None: left as they are), managed (None: left as they are), boundary ('' : none; None: as it is)."""
    aws_rules.refuse_by_rules('iam', 'CreateRole', 'RoleName', p['name'], 'name')
    aws_rules.refuse_by_rules('iam', 'CreateRole', 'Path', p.get('path'), 'path')
    aws_rules.refuse_by_rules('iam', 'CreateRole', 'Description', p.get('description'), 'description')
    aws_rules.refuse_by_rules('iam', 'CreateRole', 'MaxSessionDuration', p.get('max_session_duration'), 'max_session_duration')
    stack, tags = validate_owner(p, added=())
    aws_rules.refuse_tags('iam', ('CreateRole', 'TagRole'), tags)
    trust = policy_document(p.get('assume_role_policy_document'), 'assume_role_policy_document')
    if trust is not None:
        aws_rules.refuse_by_rules('iam', 'CreateRole', 'AssumeRolePolicyDocument', policy_text(trust), 'assume_role_policy_document')
    inline = None
    if p.get('inline_policies') is not None:
        inline = {}
        for name, doc in sorted(p['inline_policies'].items()):
            aws_rules.refuse_by_rules('iam', 'PutRolePolicy', 'PolicyName', name, 'inline_policies', 'the policy name %r' % name)
            inline[name] = policy_document(doc, 'inline_policies')
        size = sum(len(''.join(policy_text(doc).split())) for doc in inline.values())
        if size > MAX_INLINE:
            raise ValidationError('inline_policies', 'the inline policies come to %d characters but white space; IAM takes %d for all '
                                  'of a role\'s inline policies together (AWS answers LimitExceeded; %s): move some into a '
                                  'managed policy and give its ARN in managed_policy_arns' % (size, MAX_INLINE, aws_rules.IAM_QUOTAS))
    managed = None
    if p.get('managed_policy_arns') is not None:
        managed = sorted(set(p['managed_policy_arns']))
        bad = [arn for arn in managed if not arn.startswith('arn:') or ':policy/' not in arn]
        if bad:
            raise ValidationError('managed_policy_arns', '%s is not a managed policy ARN (arn:aws:iam::aws:policy/<name> or '
                                  'arn:aws:iam::<account>:policy/<name>)' % bad[0])
        if len(managed) > MAX_MANAGED:
            raise ValidationError('managed_policy_arns', '%d managed policies: IAM attaches at most %d to a role (10 unless the '
                                  'quota was raised; %s)' % (len(managed), MAX_MANAGED, aws_rules.IAM_QUOTAS))
    boundary = p.get('permissions_boundary')
    if boundary and (not boundary.startswith('arn:') or ':policy/' not in boundary):
        raise ValidationError('permissions_boundary', 'a managed policy ARN, or "" for none')
    return dict(name=p['name'], stack=stack, tags=tags, path=p.get('path'), trust=trust, description=p.get('description'),
                max_session=p.get('max_session_duration'), inline=inline, managed=managed, boundary=boundary)


def _pages(client, operation, key, **kwargs):
    """Every item of an IAM listing (IsTruncated and Marker)."""
    out = []
    while True:
        page = getattr(client, operation)(**kwargs)
        out += page.get(key) or []
        if not page.get('IsTruncated'):
            return out
        kwargs = dict(kwargs, Marker=page['Marker'])


def find(ctx, *, name, stack=None):
    """{raw: {Role, Inline, Managed}, tags}, or None; another stack's role (or one with no Stack tag, with ``stack``) is
    refused naming both."""
    c = ctx.client
    try:
        role = c.get_role(RoleName=name)['Role']
    except Exception as exc:  # pylint: disable=broad-except
        if error_code_of(exc) == 'NoSuchEntity':
            return None
        raise
    tags = boto3_tags_to_dict(role.get('Tags'))
    check_owner(stack, tags, 'IAM role', name)
    names, attached = gather(lambda: _pages(c, 'list_role_policies', 'PolicyNames', RoleName=name),
                             lambda: _pages(c, 'list_attached_role_policies', 'AttachedPolicies', RoleName=name))
    inline = dict((n, read_document(c.get_role_policy(RoleName=name, PolicyName=n)['PolicyDocument'])) for n in names)
    return {'raw': {'Role': role, 'Inline': inline, 'Managed': [a['PolicyArn'] for a in attached]}, 'tags': tags}


def describe(raw, tags=None):
    """The snake_case view: name, arn, role_id, path, description, max_session_duration, assume_role_policy_document,
    permissions_boundary, inline_policies, managed_policy_arns, tags."""
    role = raw['Role']
    return {'name': role['RoleName'], 'arn': role.get('Arn'), 'role_id': role.get('RoleId'), 'path': role.get('Path') or '/',
            'description': role.get('Description'), 'max_session_duration': role.get('MaxSessionDuration') or DEFAULT_SESSION,
            'assume_role_policy_document': read_document(role.get('AssumeRolePolicyDocument')),
            'permissions_boundary': (role.get('PermissionsBoundary') or {}).get('PermissionsBoundaryArn'),
            'inline_policies': dict(raw.get('Inline') or {}), 'managed_policy_arns': sorted(raw.get('Managed') or []),
            'tags': dict(tags or {})}


def _converge(ctx, d, before, tags):
    """Each setting of ``before`` (a view) that differs from ``desired``, sent; (names of what changed, the view after)."""
    name, done, after = before['name'], [], dict(before)
    if d['trust'] is not None and not same_policy(d['trust'], before['assume_role_policy_document']):
        ctx.call('update_assume_role_policy', RoleName=name, PolicyDocument=policy_text(d['trust']))
        after['assume_role_policy_document'], done = d['trust'], done + ['trust policy']
    description = before['description'] if d['description'] is None else d['description']
    session = d['max_session'] or before['max_session_duration']
    if (description, session) != (before['description'], before['max_session_duration']):
        # UpdateRole without MaxSessionDuration sets one hour (API_UpdateRole): both are sent, the one kept as it is
        ctx.call('update_role', RoleName=name, MaxSessionDuration=session, **({'Description': description} if description is not None else {}))
        after.update(description=description, max_session_duration=session)
        done.append('settings')
    if d['boundary'] is not None and (d['boundary'] or None) != before['permissions_boundary']:
        if d['boundary']:
            ctx.call('put_role_permissions_boundary', RoleName=name, PermissionsBoundary=d['boundary'])
        else:
            ctx.call('delete_role_permissions_boundary', RoleName=name)
        after['permissions_boundary'], done = d['boundary'] or None, done + ['permissions boundary']
    if d['inline'] is not None:
        old = before['inline_policies']
        for policy in sorted(set(old) - set(d['inline'])):  # deleted first: the size quota counts all of them together
            ctx.call('delete_role_policy', RoleName=name, PolicyName=policy)
        for policy, doc in sorted(d['inline'].items()):
            if policy not in old or not same_policy(doc, old[policy]):
                ctx.call('put_role_policy', RoleName=name, PolicyName=policy, PolicyDocument=policy_text(doc))
        if set(old) != set(d['inline']) or any(not same_policy(doc, old[k]) for k, doc in d['inline'].items()):
            after['inline_policies'], done = dict(d['inline']), done + ['inline policies']
    if d['managed'] is not None and d['managed'] != before['managed_policy_arns']:
        for arn in sorted(set(before['managed_policy_arns']) - set(d['managed'])):  # detached first: the quota per role
            ctx.call('detach_role_policy', RoleName=name, PolicyArn=arn)
        for arn in sorted(set(d['managed']) - set(before['managed_policy_arns'])):
            ctx.call('attach_role_policy', RoleName=name, PolicyArn=arn)
        after['managed_policy_arns'], done = list(d['managed']), done + ['managed policies']
    new_tags = merged_tags(tags, d['tags'], ctx.purge_tags) if d['tags'] is not None else dict(tags)
    if d['stack']:
        new_tags[STACK_TAG] = d['stack']
    if put_named_tags(ctx, ('untag_role', 'tag_role'), {'RoleName': name}, tags, new_tags):
        after['tags'], done = new_tags, done + ['tags']
    return done, after


def ensure(ctx, *, desired, existing=None):
    """Create the role (with its tags), then put what differs; ``existing``: what :func:`find` returned."""
    d = desired
    if existing is not None:
        before = describe(existing['raw'], existing['tags'])
        if d['path'] is not None and d['path'] != before['path']:
            raise ValidationError('path', 'IAM role %s is at path %s: a role\'s path cannot be changed (UpdateRole takes none); '
                                  'leave path out, or delete the role and make it again' % (d['name'], before['path']))
        done, after = _converge(ctx, d, before, existing['tags'])
        return Change.of(bool(done), before, after, before['arn'])
    if d['trust'] is None:
        raise ValidationError('assume_role_policy_document', 'IAM role %s does not exist: to create it, give the trust policy '
                              '(who may assume it, for example the service principal ec2.amazonaws.com)' % d['name'])
    tags = dict(d['tags'] or {}, **({STACK_TAG: d['stack']} if d['stack'] else {}))
    kwargs = dict(RoleName=d['name'], Path=d['path'] or '/', AssumeRolePolicyDocument=policy_text(d['trust']),
                  MaxSessionDuration=d['max_session'] or DEFAULT_SESSION)
    kwargs.update(dict((k, v) for k, v in (('Description', d['description']), ('PermissionsBoundary', d['boundary'] or None),
                                           ('Tags', dict_to_boto3_tags(tags) or None)) if v is not None))
    fresh = {'RoleName': d['name'], 'Path': kwargs['Path'], 'AssumeRolePolicyDocument': d['trust'],
             'Description': d['description'], 'MaxSessionDuration': kwargs['MaxSessionDuration'],
             'PermissionsBoundary': {'PermissionsBoundaryArn': d['boundary']} if d['boundary'] else None}
    planned = describe({'Role': fresh, 'Inline': d['inline'], 'Managed': d['managed']}, tags)

    def make():
        made = create_or_find(lambda: {'raw': {'Role': dict(ctx.call('create_role', **kwargs)['Role'], **fresh)}, 'tags': tags},
                              lambda: find(ctx, name=d['name'], stack=d['stack']), exists=('EntityAlreadyExists',))
        dummy, after = _converge(ctx, d, describe(made['raw'], made['tags']), made['tags'])
        return after['arn'], after
    return ctx.create('iam_role', d['name'], make, planned)


def delete(ctx, *, existing, desired):
    """Take the role out of its instance profiles (each must be the stack's too, with ``stack``: refused before any
    change, naming them), delete its inline policies, detach its managed ones, then delete it."""
    before = describe(existing['raw'], existing['tags'])
    name = before['name']
    profiles = [p['InstanceProfileName'] for p in _pages(ctx.client, 'list_instance_profiles_for_role', 'InstanceProfiles', RoleName=name)]
    if desired.get('stack'):
        foreign = [profile for profile in profiles if owner_problem(desired['stack'], boto3_tags_to_dict(
            ctx.client.get_instance_profile(InstanceProfileName=profile)['InstanceProfile'].get('Tags')), '', profile)]
        if foreign:
            raise NotOwned('stack', 'IAM role %s is in instance profile %s, not tagged %s=%s: refused, nothing was changed. Remove '
                           'the role from it (or delete it) first' % (name, ', '.join(foreign), STACK_TAG, desired['stack']))
    for profile in profiles:
        ctx.call('remove_role_from_instance_profile', InstanceProfileName=profile, RoleName=name)
    for policy in sorted(before['inline_policies']):
        ctx.call('delete_role_policy', RoleName=name, PolicyName=policy)
    for arn in before['managed_policy_arns']:
        ctx.call('detach_role_policy', RoleName=name, PolicyArn=arn)
    ctx.call('delete_role', RoleName=name)
    return Change('delete', before, None, before['arn'])
