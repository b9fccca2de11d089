# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Instances of a stack's roles, each role with an exact count: the resource protocol (docs/architecture.md, runner.py)
over a set of instances, not one.

- :func:`validate` (no call): the roles this run manages (``specs``: ``name`` gives one role from the top-level options,
  ``roles`` several; None: every role of the stack, for ``state: absent`` only) and the options every role shares.
- :func:`resolve` (reads only): for each role to have instances, its subnets' VPC, its security group ids and its image
  (``inputs``); a subnet or group of another stack, an image or instance type that does not exist fails here.
- :func:`find` (``stack``, ``roles``): the live instances of the stack of those roles (all roles when None), raw: a
  list, empty when there is none. ``existing`` is that list, never None: a set that has no member yet is still the
  set ``ensure`` fills (and the view of ``state: absent`` names the roles even when nothing was there).
- :func:`ensure`: each role to its exact count: instances that stay converged in place (tags, security groups, state,
  type of a stopped one: :func:`_ensure_one`), those missing launched (:func:`_launch`, with a client token from
  stable inputs), then the surplus (highest index first) and strays terminated in one call, then one wait for what
  was started.
- :func:`delete`: terminates ``existing`` in one call (every instance of the roles, or of the stack).

The Change's before and after are the module's view (``RESULT = None``): ``instances``, ``by_role``, ``launched``,
``terminated``, ``terminated_instances``, ``not_applied``, ``user_data_sha256``; :func:`describe` is one instance's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re

from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change, is_id
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import (
    apply_tags, find_image, fresh_call, not_found, note_made, refuse_other_stack, tag_specifications,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import error_code, gather
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import (
    INDEX_TAG, LIVE_INSTANCE_STATES, NAME_TAG, ROLE_TAG, STACK_TAG, instance_view, resource_name, validate_stack_name,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import normalize_tags, tag_filters
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import WaitFailed, aws_wait

NAME = 'instance'
KEY = ('stack', 'roles')
RESULT = None  # the result is the view: instances, by_role, launched, terminated ...
MODULE_OPTIONS = {'mutually_exclusive': [['image_id', 'image'], ['name', 'roles']]}
EMPTY = {'instances': [], 'by_role': {}, 'launched': [], 'terminated': [], 'terminated_instances': [], 'not_applied': [],
         'user_data_sha256': {}}

# what an entry of roles may set for itself; the top-level option is its default
ROLE_KEYS = ('exact_count', 'image_id', 'instance_type', 'subnet_ids', 'security_groups', 'user_data', 'iam_instance_profile',
             'root_volume', 'tags')
NAME_RE = re.compile(r'^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$')
AMI_RE = re.compile(r'^ami-[0-9a-f]{8,17}$')
SUBNET_RE = re.compile(r'^subnet-[0-9a-f]{8,17}$')
INSTANCE_TYPE_RE = re.compile(r'^[a-z][a-z0-9-]*\.[a-z0-9-]+$')
# the other names of these options (the module's aliases; count is deprecated): an error names the one the task wrote
ALIASES = {'exact_count': ('count',), 'subnet_ids': ('vpc_subnet_id', 'subnet_id'), 'security_groups': ('security_group',),
           'iam_instance_profile': ('instance_role',)}


def describe(raw):
    """One instance's view (stack.instance_view: the names the module documents)."""
    return instance_view(raw)


def written(params, option):
    """The name ``params`` (the module's, or an entry of roles) gave ``option`` by: an alias the task wrote, else its own."""
    return next((alias for alias in ALIASES.get(option, ()) if params.get(alias) is not None), option)


def role_specs(p):
    """The roles this run manages, each with its settings and the option path of each setting.

    ``name`` gives one role from the top-level options; ``roles`` gives several, each entry
    overriding the top-level options it sets. None: every role of the stack (state absent only).
    """
    if p['roles'] is None:
        if p['name'] is None:
            return None
        spec = dict((k, p[k]) for k in ROLE_KEYS)
        spec.update(name=p['name'], fields=dict((k, written(p, k)) for k in ROLE_KEYS + ('name',)))
        return [spec]
    specs = []
    for i, entry in enumerate(p['roles']):
        spec = {'name': entry['name'], 'fields': {'name': 'roles[%d].name' % i}}
        for k in ROLE_KEYS:
            own = entry.get(k) is not None
            spec[k] = entry[k] if own else p[k]
            spec['fields'][k] = 'roles[%d].%s' % (i, written(entry, k)) if own else written(p, k)
        if entry.get('tags') is not None and p['tags'] is not None:
            spec['tags'] = dict(p['tags'], **entry['tags'])  # the role's tags on top of the common ones
        specs.append(spec)
    return specs


def validate(p):
    """The desired set: every check that needs no API call, for every role, before anything is read or changed."""
    specs = _validate_specs(p)
    return {'stack': p['stack'], 'state': p['state'], 'specs': specs, 'roles': None if specs is None else [s['name'] for s in specs],
            'image': p['image'], 'key_name': p['key_name'], 'metadata_options': p['metadata_options'], 'purge_tags': p['purge_tags']}


def _validate_specs(p):
    """The roles' settings (:func:`role_specs`), each checked."""
    validate_stack_name(p['stack'], 'stack')
    if p['exact_count'] < 0:
        raise ValidationError(written(p, 'exact_count'), 'must be 0 or more (got %d); use state: absent to remove them all'
                              % p['exact_count'])
    specs = role_specs(p)
    if specs is None:
        if p['state'] != 'absent':
            raise ValidationError('name', 'give name (one role) or roles (several roles in one task)')
        return None
    if p['max_instances'] < 1:
        raise ValidationError('max_instances', 'must be 1 or more (got %d)' % p['max_instances'])
    if p['state'] != 'absent':
        total = sum(spec['exact_count'] for spec in specs if spec['exact_count'] > 0)
        if total > p['max_instances']:
            biggest = max(specs, key=lambda spec: spec['exact_count'])
            raise ValidationError(biggest['fields']['exact_count'], '%d instances in one task is more than max_instances (%d); '
                                  'check the count, or raise max_instances if you mean it' % (total, p['max_instances']))
    seen = {}
    for spec in specs:
        f = spec['fields']
        if not NAME_RE.match(spec['name'] or ''):
            raise ValidationError(f['name'], '%r: use letters, digits and dashes (it goes into names and tags)' % spec['name'])
        if spec['name'] in seen:
            raise ValidationError(f['name'], 'role %r is already given as %s; give each role once' % (spec['name'], seen[spec['name']]))
        seen[spec['name']] = f['name']
        validate_role(p, spec)
    return specs


def validate_role(p, spec):
    f = spec['fields']
    if spec['exact_count'] < 0:
        raise ValidationError(f['exact_count'], 'must be 0 or more (got %d); use state: absent to remove them all' % spec['exact_count'])
    spec['user_tags'] = normalize_tags(spec['tags'], f['tags'], added=(STACK_TAG, ROLE_TAG, NAME_TAG, INDEX_TAG))
    if p['state'] == 'absent' or spec['exact_count'] == 0:
        return
    if not spec['image_id'] and not p['image']:
        raise ValidationError(f['image_id'], 'give image_id, or image: {name: pattern, owner: account}')
    if spec['image_id'] and not AMI_RE.match(spec['image_id']):
        raise ValidationError(f['image_id'], '%r is not an AMI id (ami- and hexadecimal digits)' % spec['image_id'])
    if not INSTANCE_TYPE_RE.match(spec['instance_type'] or ''):
        raise ValidationError(f['instance_type'], '%r is not an instance type (for example t3.micro)' % spec['instance_type'])
    if not spec['subnet_ids']:
        raise ValidationError(f['subnet_ids'], 'give the subnets to launch in (the instances are spread over them)')
    for i, s in enumerate(spec['subnet_ids']):
        if not SUBNET_RE.match(str(s)):
            raise ValidationError('%s[%d]' % (f['subnet_ids'], i), '%r is not a subnet id (subnet-...)' % s)
    vol = spec['root_volume'] or {}
    if vol.get('size') is not None and not 1 <= vol['size'] <= 16384:
        raise ValidationError(f['root_volume'] + '.size', 'must be 1-16384 GiB (got %s)' % vol['size'])


def client_token(stack, name, index, spec, attempt=0):
    raw = json.dumps([stack, name, index, spec, attempt], sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()[:64]


def missing_ids(describe, ids, id_key, codes):
    """The ids of ``ids`` that ``describe(ids)`` does not know: one call, or one per id when AWS answers NotFound."""
    if not ids:
        return []
    try:
        found = set(item[id_key] for item in describe(list(ids)))
        return [i for i in ids if i not in found]
    except Exception as exc:  # pylint: disable=broad-except
        if not not_found(exc, *codes):
            raise
    missing = []
    for i in ids:
        try:
            if not describe([i]):
                missing.append(i)
        except Exception as exc:  # pylint: disable=broad-except
            if not not_found(exc, *codes):
                raise
            missing.append(i)
    return missing


def _missing_plan_inputs(ec2, specs):
    """(image ids, instance types) the plan uses that do not exist: reads only, before anything changes."""
    used = [s for s in specs or [] if s['exact_count']]
    images = sorted(set(s['image_id'] for s in used if s['image_id']))
    types = sorted(set(s['instance_type'] for s in used))
    return gather(
        lambda: missing_ids(lambda ids: ec2.describe_images(ImageIds=ids)['Images'], images, 'ImageId',
                            ('InvalidAMIID.NotFound', 'InvalidAMIID.Malformed', 'InvalidAMIID.Unavailable')),
        lambda: missing_ids(lambda ids: ec2.describe_instance_types(InstanceTypes=ids)['InstanceTypes'], types, 'InstanceType',
                            ('InvalidInstanceType',)))


def refuse_missing(spec, missing):
    """A ValidationError naming the field when the role's image or instance type does not exist."""
    missing_images, missing_types = missing
    f = spec['fields']
    if spec['image_id'] in missing_images:
        raise ValidationError(f['image_id'], 'image %s does not exist in this region (or is not shared with this account); '
                              'nothing was changed' % spec['image_id'])
    if spec['instance_type'] in missing_types:
        raise ValidationError(f['instance_type'], 'instance type %s is not offered in this region; nothing was changed'
                              % spec['instance_type'])


class Network:
    """Subnets and security groups, described once per run however many roles use them.

    A security group is given by id, by its name in the VPC, or by the short name the stack's
    network spec gave it: ``web`` is the group ``<stack>-web`` when the VPC has no group named ``web``.
    A subnet or group tagged with another stack is refused (a stack's instances never go into another
    stack's network, whose teardown they would block); one of no stack may be used.
    """

    def __init__(self, ec2, stack):
        self.ec2 = ec2
        self.stack = stack
        self.subnets = {}
        self.groups = {}  # vpc id -> {name or id: id}
        self.group_tags = {}  # group id -> the raw group (its tags)

    def fetch_subnets(self, subnet_ids):
        wanted = sorted(set(s for s in subnet_ids if s not in self.subnets))
        if wanted:
            def describe_subnets(ids):
                found = self.ec2.describe_subnets(SubnetIds=ids)['Subnets']
                for s in found:
                    self.subnets[s['SubnetId']] = s
                return found
            for s in missing_ids(describe_subnets, wanted, 'SubnetId', ('InvalidSubnetID.NotFound', 'InvalidSubnetID.Malformed')):
                self.subnets[s] = None  # reported, naming the field, by resolve()

    def vpc_of(self, subnet_ids, field):
        """The one VPC of the subnets; ValidationError naming the field otherwise."""
        self.fetch_subnets(subnet_ids)
        for i, s in enumerate(subnet_ids):
            if self.subnets.get(s) is None:
                raise ValidationError('%s[%d]' % (field, i), 'subnet %s does not exist in this region; nothing was changed' % s)
        subnets = [self.subnets[s] for s in subnet_ids]
        for i, s in enumerate(subnets):
            refuse_other_stack(self.stack, s, 'subnet', s['SubnetId'], '%s[%d]' % (field, i))
        vpcs = sorted(set(s['VpcId'] for s in subnets))
        if len(vpcs) > 1:
            raise ValidationError(field, 'the subnets are in different VPCs (%s); give subnets of one VPC'
                                  % ', '.join('%s in %s' % (s['SubnetId'], s['VpcId']) for s in subnets))
        return vpcs[0]

    def known_groups(self, vpc_id):
        if vpc_id not in self.groups:
            known = self.groups[vpc_id] = {}
            for g in self.ec2.paginate('describe_security_groups', 'SecurityGroups', Filters=[{'Name': 'vpc-id', 'Values': [vpc_id]}]):
                known[g['GroupName']] = g['GroupId']
                known[g['GroupId']] = g['GroupId']
                self.group_tags[g['GroupId']] = g
        return self.groups[vpc_id]

    def resolve(self, subnet_ids, groups, subnets_field='subnet_ids', groups_field='security_groups'):
        """(vpc_id, [group ids]); all subnets in one VPC, group names resolved in it."""
        vpc_id = self.vpc_of(subnet_ids, subnets_field)
        known = self.known_groups(vpc_id) if groups else {}
        ids = []
        for i, g in enumerate(groups):
            gid = known.get(g) or (known.get(resource_name(self.stack, g)) if not g.startswith('sg-') else None)
            if gid is None:
                if g.startswith('sg-'):
                    raise ValidationError('%s[%d]' % (groups_field, i), 'security group %s is not in VPC %s, the VPC of the subnets' % (g, vpc_id))
                raise ValidationError('%s[%d]' % (groups_field, i), 'no security group named %r (nor %r, its name in the stack) in VPC %s '
                                      '(the VPC of the subnets)' % (g, resource_name(self.stack, g), vpc_id))
            group = self.group_tags[gid]
            refuse_other_stack(self.stack, group, 'security group', '%s (%s)' % (group['GroupName'], gid), '%s[%d]' % (groups_field, i))
            ids.append(gid)
        return vpc_id, sorted(set(ids))


def find(ctx, *, stack, roles=None):
    """The live instances of the stack, of the given roles (all roles when None), in one paginated describe: a list
    (empty when there is none, never None: see the module docstring)."""
    filters = tag_filters({STACK_TAG: stack}) + [{'Name': 'instance-state-name', 'Values': list(LIVE_INSTANCE_STATES)}]
    if roles is not None:
        filters.append({'Name': 'tag:%s' % ROLE_TAG, 'Values': list(roles)})
    found = []
    for r in ctx.client.paginate('describe_instances', 'Reservations', Filters=filters):
        found.extend(r['Instances'])
    # a filter value is a pattern on AWS (ec2.exactly_tagged); the stack-name and role rules allow no wildcard, and
    # what is terminated or changed is checked against the exact values once more all the same
    return [i for i in found if _tag(i, STACK_TAG) == stack and (roles is None or _tag(i, ROLE_TAG) in roles)]


def _tag(inst, key):
    return dict((t['Key'], t.get('Value')) for t in inst.get('Tags') or []).get(key)


# AWS's waiter of each state an instance is waited for (botocore's waiters-2 model of EC2)
WAITERS = {'running': 'InstanceRunning', 'stopped': 'InstanceStopped', 'terminated': 'InstanceTerminated'}


def wait_state(ctx, ids, want, timeout):
    """The instances ``ids`` (raw) once all are ``want``: pending -> running, stopping -> stopped, shutting-down ->
    terminated (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html), by AWS's own waiter
    (:data:`WAITERS`, waiters.aws_wait). An id AWS does not show yet (eventual consistency right after RunInstances) is
    waited for until running or stopped; one waited for until terminated was found by this run, and is no NotFound.
    An instance that goes where it cannot come back from (shutting-down or terminated while it should run) is an error
    naming AWS's reason for each."""
    ids = list(ids)
    what = 'instances %s to be %s' % (', '.join(ids), want)
    try:
        unseen = () if want == 'terminated' else ('InvalidInstanceID.NotFound',)
        answer = aws_wait(ctx, WAITERS[want], what, timeout, not_found=unseen, InstanceIds=ids)
    except WaitFailed:
        # the waiter says only that one failed: one read names each that did, and AWS's reason
        insts = [i for r in ctx.client.describe_instances(InstanceIds=ids)['Reservations'] for i in r['Instances']]
        raise WaitFailed(what, '; '.join('%s went to %s: %s' % (i['InstanceId'], i['State']['Name'], _reason(i))
                                         for i in insts if i['State']['Name'] != want) or 'AWS\'s waiter %s saw a failed state' % WAITERS[want])
    return [i for r in answer['Reservations'] for i in r['Instances']]


def _reason(inst):
    return (inst.get('StateReason') or {}).get('Message') or inst.get('StateTransitionReason') or 'AWS gave no reason'


def launch_kwargs(desired, spec, image_id, subnet_id, group_ids, tags):
    vol = spec['root_volume'] or {}
    meta = desired['metadata_options'] or {}
    kwargs = dict(
        ImageId=image_id, InstanceType=spec['instance_type'], MinCount=1, MaxCount=1, SubnetId=subnet_id,
        TagSpecifications=tag_specifications('instance', tags) + tag_specifications('volume', tags),
        MetadataOptions={'HttpTokens': meta.get('http_tokens') or 'required',
                         'HttpPutResponseHopLimit': meta.get('http_put_response_hop_limit') or 1,
                         'HttpEndpoint': 'enabled'},
        BlockDeviceMappings=[{'DeviceName': vol.get('device_name') or '/dev/xvda',
                              'Ebs': {'VolumeSize': vol.get('size') or 8, 'VolumeType': vol.get('type') or 'gp3',
                                      'Encrypted': vol.get('encrypted', True) is not False, 'DeleteOnTermination': True}}])
    if group_ids:
        kwargs['SecurityGroupIds'] = group_ids
    if desired['key_name']:
        kwargs['KeyName'] = desired['key_name']
    if spec['user_data']:
        kwargs['UserData'] = spec['user_data']
    if spec['iam_instance_profile']:
        key = 'Arn' if spec['iam_instance_profile'].startswith('arn:') else 'Name'
        kwargs['IamInstanceProfile'] = {key: spec['iam_instance_profile']}
    return kwargs


def plan_role(current, wanted):
    """(keep {index: instance}, doomed [instance]) for one role: scale down highest index first, strays go."""
    by_index = {}
    extras = []
    for inst in current:
        d = describe(inst)
        if d['index'] in by_index or d['index'] < 1:
            extras.append(inst)  # a duplicate index or one made by hand: removed like a scale-down
        else:
            by_index[d['index']] = inst
    doomed = [by_index[i] for i in sorted(by_index, reverse=True) if i > wanted] + extras
    keep = dict((i, inst) for i, inst in by_index.items() if i <= wanted)
    return keep, doomed


def _ensure_one(ctx, *, desired, existing=None):
    """One instance as ``desired`` says (see :func:`desired_instance`): launched when ``existing`` is None,
    else converged in place. The Change carries ``notes`` (what cannot change in place) and
    ``pending`` (to be waited for)."""
    if existing is None:
        return _launch(ctx, desired)
    d = describe(existing)
    before = dict(d)
    changed, d['tags'] = apply_tags(ctx, d['id'], d['tags'], desired['tags'], desired['purge_tags'])
    notes = not_in_place(d, desired)
    if desired['group_ids'] and d['security_group_ids'] != desired['group_ids']:
        d['security_group_ids'] = desired['group_ids']
        ctx.call('modify_instance_attribute', InstanceId=d['id'], Groups=desired['group_ids'])
    pending = converge_state(ctx, d, desired['state'])
    if d['instance_type'] != desired['instance_type']:
        if d['state'] == 'stopped':
            if pending:  # stopped by this run: wait, then resize
                ctx.live(wait_state, ctx, [d['id']], 'stopped', ctx.wait_timeout)
            d['instance_type'] = desired['instance_type']
            ctx.call('modify_instance_attribute', InstanceId=d['id'], InstanceType={'Value': desired['instance_type']})
        else:
            notes.append('%s is a %s; stop it (state: stopped) to change its type to %s'
                         % (desired['name'], d['instance_type'], desired['instance_type']))
    change = Change.of(changed or d != before, before, d)
    change.notes, change.pending = notes, pending
    return change


def not_in_place(d, desired):
    """The differences an instance that stays cannot take: one sentence each."""
    notes, name, subnets = [], desired['name'], desired['subnet_ids']
    if d['image_id'] != desired['image_id']:
        notes.append('%s runs image %s, not %s: replace the instance to change it' % (name, d['image_id'], desired['image_id']))
    if d['subnet_id'] != desired['subnet_id'] and desired['subnet_id'] in subnets and d['subnet_id'] not in subnets:
        notes.append('%s is in subnet %s, not in %s: an instance cannot move' % (name, d['subnet_id'], ', '.join(subnets)))
    return notes


def converge_state(ctx, d, state):
    """Start or stop an instance that stays; True when it must be waited for."""
    if state == 'running' and d['state'] in ('stopped', 'stopping'):
        d['state'] = 'running'
        ctx.call('start_instances', InstanceIds=[d['id']])
        return True
    if state == 'stopped' and d['state'] in ('running', 'pending'):
        d['state'] = 'stopped'
        ctx.call('stop_instances', InstanceIds=[d['id']])
        return True
    return state == 'running' and d['state'] == 'pending'


# How many client tokens a launch tries (see :func:`_launch`)
TOKEN_ATTEMPTS = 20


def _launch(ctx, desired):
    """RunInstances with a client token from stable inputs, so a retried or rerun launch cannot make a second instance.

    AWS answers a token it knows with that instance in its CURRENT state, and IdempotentParameterMismatch when the
    token was used with other parameters (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html):
    an instance of the same inputs launched and terminated before (shutting-down, terminated), or launched with
    other user data or tags, is not this run's, and the next attempt's token is tried."""
    planned = dict((k, desired[k]) for k in ('name', 'role', 'index', 'state', 'instance_type', 'image_id', 'subnet_id',
                                             'vpc_id', 'tags'))
    planned.update(id=None, security_group_ids=desired['group_ids'])

    def make():
        kwargs = dict(desired['launch'])
        inst, seen = None, []
        for attempt in range(TOKEN_ATTEMPTS):
            kwargs['ClientToken'] = client_token(desired['stack'], desired['role'], desired['index'], desired['token_spec'], attempt)
            try:
                inst = ctx.call('run_instances', **kwargs)['Instances'][0]
            except Exception as exc:  # pylint: disable=broad-except
                if error_code(exc) != 'IdempotentParameterMismatch':
                    raise
                seen.append('token %d: used with other parameters' % attempt)
                continue
            if inst['State']['Name'] not in ('terminated', 'shutting-down'):
                break
            seen.append('token %d: %s (%s)' % (attempt, inst['InstanceId'], inst['State']['Name']))
            inst = None
        if inst is None:
            raise ValidationError(desired.get('field') or 'name', 'instance %s: each of %d client tokens gave back an instance that '
                                  'is no more (%s); nothing was launched' % (desired['name'], TOKEN_ATTEMPTS, '; '.join(seen[-3:])))
        note_made(ctx, inst['InstanceId'])
        if desired['state'] == 'stopped':
            fresh_call(ctx, 'stop_instances', InstanceIds=[inst['InstanceId']])
        tags = inst.get('Tags') or [{'Key': k, 'Value': v} for k, v in desired['tags'].items()]
        return inst['InstanceId'], describe(dict(inst, Tags=tags))
    change = ctx.create('instance', desired['name'], make, planned)
    change.pending = is_id(change.id)
    return change


def delete(ctx, *, existing, desired=None):
    """Terminate ``existing`` (what :func:`find` found: every instance of the roles, or of the stack), in one call,
    and wait when the context says so; the Change's after is the module's view (nothing left, what was terminated)."""
    desired = desired or {'specs': None, 'state': 'absent'}
    existing = existing or []
    if desired['specs'] is None:  # every instance of the stack
        doomed = list(existing)
    else:  # the roles', each highest index first (as a scale-down to 0)
        doomed = [inst for spec in desired['specs']
                  for inst in plan_role([i for i in existing if describe(i)['role'] == spec['name']], 0)[1]]
    before = _view(desired, _by_name(existing))
    _terminate(ctx, doomed)
    changed, after = _result(desired, {}, {}, [], doomed, [])
    return Change.of(changed, before, after)


def _terminate(ctx, instances):
    """Terminate ``instances`` (raw) in one call, and wait when the context says so."""
    if not instances:
        return
    ids = [i['InstanceId'] for i in instances]
    ctx.call('terminate_instances', InstanceIds=ids)
    if ctx.wait:
        ctx.live(wait_state, ctx, ids, 'terminated', ctx.wait_timeout)


def desired_instance(desired, plan, index):
    """What :func:`_ensure_one` is given for instance ``index`` of a planned role."""
    spec, image_id, vpc_id, group_ids = plan['spec'], plan['image_id'], plan['vpc_id'], plan['group_ids']
    stack, role = desired['stack'], spec['name']
    name = resource_name(stack, '%s-%d' % (role, index))
    subnet_id = spec['subnet_ids'][(index - 1) % len(spec['subnet_ids'])]
    tags = dict(spec['user_tags'] or {})
    tags.update({STACK_TAG: stack, ROLE_TAG: role, NAME_TAG: name, INDEX_TAG: str(index)})
    token_spec = {'image': image_id, 'type': spec['instance_type'], 'groups': group_ids, 'key': desired['key_name'], 'subnet': subnet_id}
    return {'stack': stack, 'role': role, 'index': index, 'name': name, 'state': desired['state'], 'image_id': image_id,
            'instance_type': spec['instance_type'], 'subnet_id': subnet_id, 'subnet_ids': spec['subnet_ids'], 'vpc_id': vpc_id,
            'group_ids': group_ids, 'tags': tags, 'purge_tags': desired['purge_tags'] if spec['tags'] is not None else False,
            'token_spec': token_spec, 'launch': launch_kwargs(desired, spec, image_id, subnet_id, group_ids, tags)}


def resolve(ctx, *, desired):
    """Reads only, before anything changes: the subnets (one VPC a role, none of another stack), the security groups
    (ids, names or the network spec's short names), the images and instance types (they exist), the image looked up by
    ``image``; each role's ``vpc_id``, ``group_ids`` and ``image_id`` in ``desired['inputs']``. A bad one fails here,
    naming its option."""
    specs = [spec for spec in desired['specs'] if spec['exact_count']]
    ec2 = ctx.client
    network = Network(ec2, desired['stack'])
    dummy, missing, image = gather(
        lambda: network.fetch_subnets([s for spec in specs for s in spec['subnet_ids']]),
        lambda: _missing_plan_inputs(ec2, specs),
        lambda: find_image(ec2, desired['image']) if any(not spec['image_id'] for spec in specs) else None)
    inputs = {}
    for spec in specs:
        vpc_id, group_ids = network.resolve(spec['subnet_ids'], spec['security_groups'],
                                            spec['fields']['subnet_ids'], spec['fields']['security_groups'])
        refuse_missing(spec, missing)
        inputs[spec['name']] = {'image_id': spec['image_id'] or image, 'vpc_id': vpc_id, 'group_ids': group_ids}
    return dict(desired, inputs=inputs)


def ensure(ctx, *, desired, existing=None):
    """The roles of ``desired`` (resolved: :func:`resolve`) with their exact counts, against ``existing`` (what
    :func:`find` found, a list): what stays converged in place (:func:`_ensure_one`) and what is missing launched,
    before anything is terminated, so a launch that fails has destroyed nothing; then the surplus of each role (highest
    index first) and strays terminated in one call, and what was started waited for once. What cannot change in place
    is warned about (``not_applied``). The Change's before and after are the module's view."""
    current = existing or []
    before = _by_name(current)
    plans, doomed = [], []
    for spec in desired['specs']:
        keep, gone = plan_role([i for i in current if describe(i)['role'] == spec['name']], spec['exact_count'])
        doomed.extend(gone)
        if spec['exact_count']:
            plans.append(dict(desired['inputs'][spec['name']], spec=spec, wanted=spec['exact_count'], keep=keep))
    after, launched, pending, not_applied = converge(ctx, desired, plans)
    # then scale down and remove strays, all roles in one call: only once every launch went through
    _terminate(ctx, doomed)
    if pending and ctx.wait:
        want = 'stopped' if desired['state'] == 'stopped' else 'running'
        for inst in ctx.live(wait_state, ctx, pending, want, ctx.wait_timeout) or []:
            d = describe(inst)
            after[d['name']] = d
    for msg in not_applied:
        ctx.warn(msg)
    changed, view = _result(desired, before, after, launched, doomed, not_applied)
    return Change.of(changed, _view(desired, before), view)


def converge(ctx, desired, plans):
    """What stays converged and what is missing launched. Returns ({name: view}, launched names, pending ids, not_applied)."""
    after, launched, pending, not_applied = {}, [], [], []
    for role_plan in plans:
        for index in range(1, role_plan['wanted'] + 1):
            one = desired_instance(desired, role_plan, index)
            change = _ensure_one(ctx, desired=one, existing=role_plan['keep'].get(index))
            if index not in role_plan['keep']:
                launched.append(one['name'])
            after[one['name']] = change.after
            not_applied.extend(change.notes)
            if change.pending:
                pending.append(change.after['id'])
    return after, launched, pending, not_applied


def _by_name(instances):
    return dict((describe(i)['name'] or i['InstanceId'], describe(i)) for i in instances)


def _view(desired, by_name, launched=(), terminated=(), not_applied=()):
    """The module's result (RESULT = None: its keys are the result's) of the instances ``by_name``."""
    specs = desired['specs'] or []
    order = dict((spec['name'], n) for n, spec in enumerate(specs))
    listed = sorted(by_name.values(), key=lambda d: (order.get(d['role'], len(order)), d['index']))
    by_role = dict((spec['name'], [d for d in listed if d['role'] == spec['name']]) for spec in specs)
    user_data_sha256 = dict((spec['name'], hashlib.sha256(spec['user_data'].encode()).hexdigest() if spec['user_data'] else None)
                            for spec in specs)
    return dict(instances=listed, by_role=by_role, launched=list(launched), terminated=[d['name'] or d['id'] for d in terminated],
                terminated_instances=list(terminated), not_applied=list(not_applied), user_data_sha256=user_data_sha256)


def _result(desired, before, after, launched, doomed, not_applied):
    """(changed, the module's view) of a run that launched ``launched`` and terminated ``doomed``."""
    keys = ('tags', 'state', 'security_group_ids', 'instance_type')
    terminated = [describe(i) for i in doomed]
    changed = bool(launched or terminated) or any(
        before.get(n) and any(before[n][k] != d[k] for k in keys) for n, d in after.items())
    return changed, _view(desired, after, launched, terminated, not_applied)
