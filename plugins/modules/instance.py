#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: instance
short_description: Named groups of EC2 instances with exact counts ("my 2 web servers and 1 db server")
version_added: 0.1.0
description:
  - Manages the instances tagged C(Stack=)O(stack) and C(Role=)O(name). They are named C(<stack>-<name>-1) to
    C(<stack>-<name>-N) and tagged C(Index); O(count) is exact, and scaling down removes the highest index first.
  - O(roles) manages several roles in one task, each entry setting what differs from the top-level options. All
    instances are launched (or terminated) first and waited for together, so on AWS the roles start in parallel
    rather than one after the other as with a loop over O(name). Roles of the stack that are not listed are left alone.
  - With O(state=absent) and neither O(name) nor O(roles), every instance of the stack is terminated.
  - Every RunInstances carries a client token derived from the stack, the name, the index and the launch spec, so a
    retry or a rerun cannot launch a duplicate.
  - Instances are spread round-robin over O(subnet_ids) (index 1 in the first subnet, 2 in the second, ...).
  - IMDSv2 is required and the root volume encrypted, by default.
  - Every image, subnet, security group and instance type is checked with reads while planning; a plan that cannot
    be carried out changes nothing. New instances are launched before surplus ones are terminated, so a failed launch
    never leaves a role with fewer instances than before.
  - Changes that can be made in place are applied (tags, security groups, the instance type of a stopped instance);
    those that cannot (image, subnet, the type of a running instance) are reported in RV(not_applied) and as warnings,
    never silently ignored.
author:
  - Seed Maintainers (@seed-maintainers)
options:
  stack:
    description: The stack; the C(Stack) tag and the first part of the names.
    type: str
    required: true
  name:
    description:
      - The role of these instances (C(web), C(db), C(bastion), ...); the C(Role) tag.
      - Required unless O(roles) is given, or O(state=absent) for every role of the stack.
    type: str
  roles:
    description:
      - Several roles in one task. Each entry's options default to the top-level option of the same name.
      - Mutually exclusive with O(name).
    type: list
    elements: dict
    suboptions:
      name:
        description: The role (the C(Role) tag).
        type: str
        required: true
      count:
        description: How many instances of this role, exactly. Default O(count).
        type: int
      image_id:
        description: The AMI of this role. Default O(image_id) or O(image).
        type: str
      instance_type:
        description: The instance type of this role. Default O(instance_type).
        type: str
      subnet_ids:
        description: Subnets to spread this role over. Default O(subnet_ids).
        type: list
        elements: str
      security_groups:
        description: Security groups of this role, by name or id. Default O(security_groups).
        type: list
        elements: str
      user_data:
        description:
          - User data of this role's new instances. Default O(user_data).
          - Never logged or returned (it often carries secrets); RV(user_data_sha256) shows when it changes.
        type: str
      iam_instance_profile:
        description: Instance profile of this role. Default O(iam_instance_profile).
        type: str
      root_volume:
        description: The root volume of this role, as O(root_volume). Default O(root_volume).
        type: dict
        suboptions:
          size:
            description: Size in GiB.
            type: int
            default: 8
          type:
            description: Volume type.
            type: str
            default: gp3
          encrypted:
            description: Encrypt the volume.
            type: bool
            default: true
          device_name:
            description: The root device name.
            type: str
            default: /dev/xvda
      tags:
        description: Tags of this role, added to (and overriding) O(tags).
        type: dict
  count:
    description: How many instances of this role, exactly (with O(roles), the default of each entry).
    type: int
    default: 1
  max_instances:
    description:
      - The most instances one task may ask for, all roles together; more is an error before any API call (a typo such
        as O(count=10000000) would otherwise plan ten million launches). Raise it if you mean it.
    type: int
    default: 100
  image_id:
    description: The AMI. Give this or O(image).
    type: str
  image:
    description: Find the newest available AMI whose name matches C(name) (wildcards allowed), owned by C(owner).
    type: dict
    suboptions:
      name:
        description: Name pattern, for example C(debian-12-amd64-*).
        type: str
        required: true
      owner:
        description: The owner account, alias (C(amazon)) or id.
        type: str
        required: true
      architecture:
        description: Only images of this architecture.
        type: str
        default: x86_64
  instance_type:
    description: The instance type.
    type: str
    default: t3.micro
  subnet_ids:
    description: Subnets to spread over, all in one VPC.
    type: list
    elements: str
  security_groups:
    description: Security groups of the instances, by name (in the subnets' VPC) or id.
    type: list
    elements: str
    default: []
  key_name:
    description: The key pair for SSH.
    type: str
  user_data:
    description:
      - User data (cloud-init) for new instances.
      - Never logged or returned, not even at C(-vvv) (it often carries secrets); RV(user_data_sha256) shows when it changes.
    type: str
  root_volume:
    description: The root EBS volume.
    type: dict
    suboptions:
      size:
        description: Size in GiB.
        type: int
        default: 8
      type:
        description: Volume type.
        type: str
        default: gp3
      encrypted:
        description: Encrypt the volume.
        type: bool
        default: true
      device_name:
        description: The root device name.
        type: str
        default: /dev/xvda
  iam_instance_profile:
    description: An instance profile name or ARN.
    type: str
  metadata_options:
    description: Instance metadata service settings.
    type: dict
    suboptions:
      http_tokens:
        description: V(required) is IMDSv2 only.
        type: str
        choices: [required, optional]
        default: required
      http_put_response_hop_limit:
        description: Hop limit for IMDS answers.
        type: int
        default: 1
  state:
    description: V(running), V(stopped), or V(absent) (terminates them all).
    type: str
    choices: [running, stopped, absent]
    default: running
  wait:
    description: Wait until the instances reach the state.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 600
extends_documentation_fragment:
  - seed.laravel_aws.aws
  - seed.laravel_aws.aws.tags
attributes:
  check_mode:
    support: full
    description: Reports the instances that would be launched, changed or terminated; changes nothing.
  diff_mode:
    support: full
    description: Returns the instances before and after, by name.
'''

EXAMPLES = r'''
- name: Two web servers in the public subnets
  seed.laravel_aws.instance:
    stack: demo
    name: web
    count: 2
    image: {name: 'debian-12-amd64-*', owner: '136693071363'}
    instance_type: t3.micro
    subnet_ids: "{{ net.subnets.public | map(attribute='id') }}"
    security_groups: [demo-web]
    key_name: demo
    root_volume: {size: 16, type: gp3}
    tags: {Owner: ops}
  register: web

- name: Remove them
  seed.laravel_aws.instance:
    stack: demo
    name: web
    state: absent

- name: Web and db servers in one task, launched together and waited for once
  seed.laravel_aws.instance:
    stack: demo
    image: {name: 'debian-12-amd64-*', owner: '136693071363'}
    key_name: demo
    roles:
      - {name: web, count: 2, subnet_ids: "{{ net.subnets.public | map(attribute='id') }}", security_groups: [demo-web]}
      - name: db
        instance_type: t3.small
        subnet_ids: ["{{ net.subnets.private[0].id }}"]
        security_groups: [demo-db]
        root_volume: {size: 32}
  register: servers

- name: Every instance of the stack, whatever its role
  seed.laravel_aws.instance:
    stack: demo
    state: absent
'''

RETURN = r'''
instances:
  description:
    - The instances of the role(s), by role (in the order of O(roles)) then index. In check mode, instances to be
      launched have RV(instances[].id=null).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Instance id.
      type: str
    name:
      description: The C(Name) tag, C(<stack>-<name>-<index>).
      type: str
    role:
      description: The role (the C(Role) tag).
      type: str
    index:
      description: The index within the role.
      type: int
    state:
      description: The instance state.
      type: str
    instance_type:
      description: The type.
      type: str
    image_id:
      description: The AMI.
      type: str
    private_ip:
      description: Private IPv4 address.
      type: str
    public_ip:
      description: Public IPv4 address, if any.
      type: str
    private_dns:
      description: Private DNS name.
      type: str
    public_dns:
      description: Public DNS name, if any.
      type: str
    subnet_id:
      description: The subnet.
      type: str
    vpc_id:
      description: The VPC.
      type: str
    availability_zone:
      description: The zone.
      type: str
    security_group_ids:
      description: Security groups.
      type: list
      elements: str
    tags:
      description: The tags.
      type: dict
by_role:
  description: The same instances as RV(instances), by role (for example C(result.by_role.web)).
  returned: always
  type: dict
  sample: {web: [{name: demo-web-1, index: 1}, {name: demo-web-2, index: 2}], db: [{name: demo-db-1, index: 1}]}
launched:
  description: Names of instances launched by this run.
  returned: always
  type: list
  elements: str
terminated:
  description: Names of instances terminated by this run.
  returned: always
  type: list
  elements: str
user_data_sha256:
  description: The SHA-256 of each role's user data (null without user data), by role; the user data itself is never returned.
  returned: always
  type: dict
  sample: {web: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, db: null}
not_applied:
  description: Differences that cannot be applied in place, one sentence each.
  returned: always
  type: list
  elements: str
diff:
  description: The instances before and after, by name.
  returned: always
  type: dict
'''

import hashlib
import json
import re

from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import AwsModule
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import ensure_tags, find_image, not_found, resource_tags, tag_specifications
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import gather
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import validate_stack_name
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import normalize_tags, tag_filters
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import wait_for

LIVE = ['pending', 'running', 'stopping', 'stopped']
# what an entry of roles may set for itself; the top-level option is its default
ROLE_KEYS = ('count', 'image_id', 'instance_type', 'subnet_ids', 'security_groups', 'user_data', 'iam_instance_profile',
             'root_volume', 'tags')
NAME_RE = re.compile(r'^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$')
AMI_RE = re.compile(r'^ami-[0-9a-f]{8,17}$')
SUBNET_RE = re.compile(r'^subnet-[0-9a-f]{8,17}$')
INSTANCE_TYPE_RE = re.compile(r'^[a-z][a-z0-9-]*\.[a-z0-9-]+$')


def describe(i):
    tags = resource_tags(i)
    try:
        index = int(tags.get('Index', '0'))
    except ValueError:
        index = 0
    return {
        'id': i['InstanceId'], 'name': tags.get('Name'), 'role': tags.get('Role'), 'index': index, 'state': i['State']['Name'],
        'instance_type': i.get('InstanceType'), 'image_id': i.get('ImageId'),
        'private_ip': i.get('PrivateIpAddress'), 'public_ip': i.get('PublicIpAddress'),
        'private_dns': i.get('PrivateDnsName'), 'public_dns': i.get('PublicDnsName') or None,
        'subnet_id': i.get('SubnetId'), 'vpc_id': i.get('VpcId'),
        'availability_zone': i.get('Placement', {}).get('AvailabilityZone'),
        'security_group_ids': sorted(g['GroupId'] for g in i.get('SecurityGroups', [])),
        'key_name': i.get('KeyName'), 'tags': tags,
    }


def role_specs(p):
    """The roles this run manages, each with its settings and the option path of each setting.

    ``name`` gives one role from the top-level options; ``roles`` gives several, each entry
    overriding the top-level options it sets. None: every role of the stack (state absent only).
    """
    if p['roles'] is None:
        if p['name'] is None:
            return None
        spec = dict((k, p[k]) for k in ROLE_KEYS)
        spec.update(name=p['name'], fields=dict((k, k) for k in ROLE_KEYS + ('name',)))
        return [spec]
    specs = []
    for i, entry in enumerate(p['roles']):
        spec = {'name': entry['name'], 'fields': {'name': 'roles[%d].name' % i}}
        for k in ROLE_KEYS:
            own = entry.get(k) is not None
            spec[k] = entry[k] if own else p[k]
            spec['fields'][k] = 'roles[%d].%s' % (i, k) if own else k
        if entry.get('tags') is not None and p['tags'] is not None:
            spec['tags'] = dict(p['tags'], **entry['tags'])  # the role's tags on top of the common ones
        specs.append(spec)
    return specs


def validate(p):
    """Every check that needs no API call, for every role, before anything is read or changed."""
    validate_stack_name(p['stack'], 'stack')
    if p['count'] < 0:
        raise ValidationError('count', 'must be 0 or more (got %d); use state: absent to remove them all' % p['count'])
    specs = role_specs(p)
    if specs is None:
        if p['state'] != 'absent':
            raise ValidationError('name', 'give name (one role) or roles (several roles in one task)')
        return None
    seen = {}
    if p['max_instances'] < 1:
        raise ValidationError('max_instances', 'must be 1 or more (got %d)' % p['max_instances'])
    if p['state'] != 'absent':
        total = sum(spec['count'] for spec in specs if spec['count'] > 0)
        if total > p['max_instances']:
            biggest = max(specs, key=lambda spec: spec['count'])
            raise ValidationError(biggest['fields']['count'], '%d instances in one task is more than max_instances (%d); '
                                  'check the count, or raise max_instances if you mean it' % (total, p['max_instances']))
    for spec in specs:
        f = spec['fields']
        if not NAME_RE.match(spec['name'] or ''):
            raise ValidationError(f['name'], '%r: use letters, digits and dashes (it goes into names and tags)' % spec['name'])
        if spec['name'] in seen:
            raise ValidationError(f['name'], 'role %r is already given as %s; give each role once' % (spec['name'], seen[spec['name']]))
        seen[spec['name']] = f['name']
        if spec['count'] < 0:
            raise ValidationError(f['count'], 'must be 0 or more (got %d); use state: absent to remove them all' % spec['count'])
        spec['user_tags'] = normalize_tags(spec['tags'], f['tags'], added=('Stack', 'Role', 'Name', 'Index'))
        if p['state'] == 'absent' or spec['count'] == 0:
            continue
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
    return specs


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


def missing_plan_inputs(ec2, specs):
    """(image ids, instance types) the plan uses that do not exist: reads only, before anything changes."""
    used = [s for s in specs or [] if s['count']]
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
    """Subnets and security groups, described once per run however many roles use them."""

    def __init__(self, ec2):
        self.ec2 = ec2
        self.subnets = {}
        self.groups = {}  # vpc id -> {name or id: id}

    def fetch_subnets(self, subnet_ids):
        wanted = sorted(set(s for s in subnet_ids if s not in self.subnets))
        if wanted:
            def describe(ids):
                found = self.ec2.describe_subnets(SubnetIds=ids)['Subnets']
                for s in found:
                    self.subnets[s['SubnetId']] = s
                return found
            for s in missing_ids(describe, wanted, 'SubnetId', ('InvalidSubnetID.NotFound', 'InvalidSubnetID.Malformed')):
                self.subnets[s] = None  # reported, naming the field, by resolve()

    def resolve(self, subnet_ids, groups, subnets_field='subnet_ids', groups_field='security_groups'):
        """(vpc_id, [group ids]); all subnets in one VPC, group names resolved in it."""
        self.fetch_subnets(subnet_ids)
        for i, s in enumerate(subnet_ids):
            if self.subnets.get(s) is None:
                raise ValidationError('%s[%d]' % (subnets_field, i), 'subnet %s does not exist in this region; nothing was changed' % s)
        subnets = [self.subnets[s] for s in subnet_ids]
        vpcs = sorted(set(s['VpcId'] for s in subnets))
        if len(vpcs) > 1:
            raise ValidationError(subnets_field, 'the subnets are in different VPCs (%s); give subnets of one VPC'
                                  % ', '.join('%s in %s' % (s['SubnetId'], s['VpcId']) for s in subnets))
        vpc_id = vpcs[0]
        if groups and vpc_id not in self.groups:
            known = self.groups[vpc_id] = {}
            for g in self.ec2.paginate('describe_security_groups', 'SecurityGroups', Filters=[{'Name': 'vpc-id', 'Values': [vpc_id]}]):
                known[g['GroupName']] = g['GroupId']
                known[g['GroupId']] = g['GroupId']
        known = self.groups.get(vpc_id, {})
        ids = []
        for i, g in enumerate(groups):
            if g not in known:
                if g.startswith('sg-'):
                    raise ValidationError('%s[%d]' % (groups_field, i), 'security group %s is not in VPC %s, the VPC of the subnets' % (g, vpc_id))
                raise ValidationError('%s[%d]' % (groups_field, i), 'no security group named %r in VPC %s (the VPC of the subnets)' % (g, vpc_id))
            ids.append(known[g])
        return vpc_id, sorted(set(ids))


def existing_instances(ec2, stack, roles=None):
    """The live instances of the stack, of the given roles (all roles when None), in one paginated describe."""
    filters = tag_filters({'Stack': stack}) + [{'Name': 'instance-state-name', 'Values': LIVE}]
    if roles is not None:
        filters.append({'Name': 'tag:Role', 'Values': list(roles)})
    found = []
    for r in ec2.paginate('describe_instances', 'Reservations', Filters=filters):
        found.extend(r['Instances'])
    return found


def wait_state(ec2, ids, want, timeout):
    def fetch():
        out = []
        for r in ec2.describe_instances(InstanceIds=ids)['Reservations']:
            out.extend(r['Instances'])
        return out
    return wait_for(fetch, lambda insts: len(insts) == len(ids) and all(i['State']['Name'] == want for i in insts),
                    'instances %s to be %s' % (', '.join(ids), want), timeout=timeout, delay=2)


def launch_kwargs(p, spec, image_id, subnet_id, group_ids, tags):
    vol = spec['root_volume'] or {}
    meta = p['metadata_options'] or {}
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
    if p['key_name']:
        kwargs['KeyName'] = p['key_name']
    if spec['user_data']:
        kwargs['UserData'] = spec['user_data']
    if spec['iam_instance_profile']:
        key = 'Arn' if spec['iam_instance_profile'].startswith('arn:') else 'Name'
        kwargs['IamInstanceProfile'] = {key: spec['iam_instance_profile']}
    return kwargs


def plan_role(spec, current, wanted):
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


def converge_kept(m, ec2, spec, name, inst, image_id, subnet_id, group_ids, tags, pending, not_applied):
    """In-place changes of an instance that stays: tags, groups, state, type; what cannot change is reported."""
    p = m.params
    check = m.check_mode
    d = describe(inst)
    purge = p['purge_tags'] if spec['tags'] is not None else False
    dummy, d['tags'] = ensure_tags(ec2, d['id'], d['tags'], tags, purge, check)
    if d['image_id'] != image_id:
        not_applied.append('%s runs image %s, not %s: replace the instance to change it' % (name, d['image_id'], image_id))
    if d['subnet_id'] != subnet_id and subnet_id in spec['subnet_ids'] and d['subnet_id'] not in spec['subnet_ids']:
        not_applied.append('%s is in subnet %s, not in %s: an instance cannot move' % (name, d['subnet_id'], ', '.join(spec['subnet_ids'])))
    if group_ids and d['security_group_ids'] != group_ids:
        d['security_group_ids'] = group_ids
        if not check:
            ec2.modify_instance_attribute(InstanceId=d['id'], Groups=group_ids)
    if p['state'] == 'running' and d['state'] in ('stopped', 'stopping'):
        d['state'] = 'running'
        if not check:
            ec2.start_instances(InstanceIds=[d['id']])
            pending.append(d['id'])
    elif p['state'] == 'stopped' and d['state'] in ('running', 'pending'):
        d['state'] = 'stopped'
        if not check:
            ec2.stop_instances(InstanceIds=[d['id']])
            pending.append(d['id'])
    elif p['state'] == 'running' and d['state'] == 'pending' and not check:
        pending.append(d['id'])
    if d['instance_type'] != spec['instance_type']:
        if d['state'] == 'stopped':
            if not check and d['id'] in pending:  # stopped by this run: wait, then resize
                wait_state(ec2, [d['id']], 'stopped', p['wait_timeout'])
            d['instance_type'] = spec['instance_type']
            if not check:
                ec2.modify_instance_attribute(InstanceId=d['id'], InstanceType={'Value': spec['instance_type']})
        else:
            not_applied.append('%s is a %s; stop it (state: stopped) to change its type to %s'
                               % (name, d['instance_type'], spec['instance_type']))
    return d


def run(m):
    p = m.params
    specs = validate(p)
    ec2 = m.client('ec2')
    stack = p['stack']
    check = m.check_mode
    # 1. Plan every role with reads only: a bad image, instance type, subnet or group fails here, before anything changes.
    # The stack's instances, the subnets and the image do not depend on each other: read side by side.
    network = Network(ec2)
    present = specs is not None and p['state'] != 'absent'
    subnet_ids = [s for spec in specs if spec['count'] for s in spec['subnet_ids']] if present else []
    needs_image = present and any(spec['count'] and not spec['image_id'] for spec in specs)
    current, dummy, missing, image = gather(
        lambda: existing_instances(ec2, stack, None if specs is None else [s['name'] for s in specs]),
        lambda: network.fetch_subnets(subnet_ids),
        lambda: missing_plan_inputs(ec2, specs) if present else ([], []),
        lambda: find_image(ec2, p['image']) if needs_image else None)
    before = dict((describe(i)['name'] or i['InstanceId'], describe(i)) for i in current)
    launched, terminated, not_applied = [], [], []
    doomed = []
    plans = []
    if specs is None:  # state absent without a role: every instance of the stack
        doomed = list(current)
    else:
        for spec in specs:
            wanted = 0 if p['state'] == 'absent' else spec['count']
            mine = [i for i in current if describe(i)['role'] == spec['name']]
            keep, gone = plan_role(spec, mine, wanted)
            doomed.extend(gone)
            if not wanted:
                continue
            image_id = spec['image_id'] or image
            vpc_id, group_ids = network.resolve(spec['subnet_ids'], spec['security_groups'],
                                                spec['fields']['subnet_ids'], spec['fields']['security_groups'])
            refuse_missing(spec, missing)
            plans.append((spec, wanted, keep, image_id, vpc_id, group_ids))

    # 2. Converge what stays and launch what is missing first, so a launch that fails has destroyed nothing;
    # then wait once for all of them.
    after = {}
    pending = []
    for spec, wanted, keep, image_id, vpc_id, group_ids in plans:
        role = spec['name']
        launch_spec = {'image': image_id, 'type': spec['instance_type'], 'groups': group_ids, 'key': p['key_name']}
        base_tags = dict(spec['user_tags'] or {})
        base_tags.update({'Stack': stack, 'Role': role})
        for index in range(1, wanted + 1):
            name = '%s-%s-%d' % (stack, role, index)
            subnet_id = spec['subnet_ids'][(index - 1) % len(spec['subnet_ids'])]
            tags = dict(base_tags, Name=name, Index=str(index))
            if index in keep:
                after[name] = converge_kept(m, ec2, spec, name, keep[index], image_id, subnet_id, group_ids, tags, pending, not_applied)
                continue
            launched.append(name)
            if check:
                after[name] = {'id': None, 'name': name, 'role': role, 'index': index, 'state': p['state'],
                               'instance_type': spec['instance_type'], 'image_id': image_id, 'subnet_id': subnet_id,
                               'vpc_id': vpc_id, 'security_group_ids': group_ids, 'tags': tags}
                continue
            kwargs = launch_kwargs(p, spec, image_id, subnet_id, group_ids, tags)
            inst = None
            for attempt in range(3):
                kwargs['ClientToken'] = client_token(stack, role, index, dict(launch_spec, subnet=subnet_id), attempt)
                inst = ec2.run_instances(**kwargs)['Instances'][0]
                if inst['State']['Name'] not in ('terminated', 'shutting-down'):
                    break  # a token reused after a terminate gives back the terminated instance
            if p['state'] == 'stopped':
                ec2.stop_instances(InstanceIds=[inst['InstanceId']])
            pending.append(inst['InstanceId'])
            after[name] = describe(dict(inst, Tags=inst.get('Tags') or [{'Key': k, 'Value': v} for k, v in tags.items()]))

    # 3. Then scale down and remove strays, all roles in one call: only once every launch went through.
    if doomed:
        terminated = [describe(i)['name'] or i['InstanceId'] for i in doomed]
        if not check:
            ids = [i['InstanceId'] for i in doomed]
            ec2.terminate_instances(InstanceIds=ids)
            if p['wait']:
                wait_state(ec2, ids, 'terminated', p['wait_timeout'])

    if pending and p['wait'] and not check:
        want = 'stopped' if p['state'] == 'stopped' else 'running'
        for inst in wait_state(ec2, pending, want, p['wait_timeout']):
            d = describe(inst)
            after[d['name']] = d

    for msg in not_applied:
        m.warn(msg)
    order = dict((spec['name'], n) for n, spec in enumerate(specs or []))
    result = sorted(after.values(), key=lambda d: (order.get(d['role'], len(order)), d['index']))
    by_role = dict((spec['name'], [d for d in result if d['role'] == spec['name']]) for spec in specs or [])
    changed = bool(launched or terminated) or any(
        before.get(n) and (before[n]['tags'] != d['tags'] or before[n]['state'] != d['state']
                           or before[n]['security_group_ids'] != d['security_group_ids']
                           or before[n]['instance_type'] != d['instance_type']) for n, d in after.items())
    user_data_sha256 = dict((spec['name'], hashlib.sha256(spec['user_data'].encode()).hexdigest() if spec['user_data'] else None)
                            for spec in specs or [])
    m.exit_json(changed=changed, instances=result, by_role=by_role, launched=launched, terminated=terminated,
                not_applied=not_applied, user_data_sha256=user_data_sha256, diff={'before': before, 'after': dict((d['name'], d) for d in result)})


def main():
    m = AwsModule(
        argument_spec=dict(
            stack=dict(type='str', required=True),
            name=dict(type='str'),
            roles=dict(type='list', elements='dict', options=dict(
                name=dict(type='str', required=True),
                count=dict(type='int'),
                image_id=dict(type='str'),
                instance_type=dict(type='str'),
                subnet_ids=dict(type='list', elements='str'),
                security_groups=dict(type='list', elements='str'),
                user_data=dict(type='str', no_log=True),
                iam_instance_profile=dict(type='str'),
                root_volume=dict(type='dict', options=dict(
                    size=dict(type='int', default=8),
                    type=dict(type='str', default='gp3'),
                    encrypted=dict(type='bool', default=True),
                    device_name=dict(type='str', default='/dev/xvda'))),
                tags=dict(type='dict'))),
            count=dict(type='int', default=1),
            max_instances=dict(type='int', default=100),
            image_id=dict(type='str'),
            image=dict(type='dict', options=dict(
                name=dict(type='str', required=True),
                owner=dict(type='str', required=True),
                architecture=dict(type='str', default='x86_64'))),
            instance_type=dict(type='str', default='t3.micro'),
            subnet_ids=dict(type='list', elements='str'),
            security_groups=dict(type='list', elements='str', default=[]),
            key_name=dict(type='str', no_log=False),
            user_data=dict(type='str', no_log=True),
            root_volume=dict(type='dict', options=dict(
                size=dict(type='int', default=8),
                type=dict(type='str', default='gp3'),
                encrypted=dict(type='bool', default=True),
                device_name=dict(type='str', default='/dev/xvda'))),
            iam_instance_profile=dict(type='str'),
            metadata_options=dict(type='dict', options=dict(
                http_tokens=dict(type='str', default='required', choices=['required', 'optional']),
                http_put_response_hop_limit=dict(type='int', default=1))),
            tags=dict(type='dict', aliases=['resource_tags']),
            purge_tags=dict(type='bool', default=True),
            state=dict(type='str', default='running', choices=['running', 'stopped', 'absent']),
            wait=dict(type='bool', default=True),
            wait_timeout=dict(type='int', default=600),
        ),
        mutually_exclusive=[['image_id', 'image'], ['name', 'roles']],
        supports_check_mode=True,
    )
    m.run(run)


if __name__ == '__main__':
    main()
