# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An EC2 launch template, found by its name, and the version instances are launched from. Used by launch_template.

The resource protocol (docs/architecture.md, runner.py). ``existing`` is ``{raw: the LaunchTemplate of
DescribeLaunchTemplates, tags, latest, default}`` (``latest`` and ``default``: the LaunchTemplateVersion of
DescribeLaunchTemplateVersions). A template's versions never change ("You can't modify a launch template version",
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-launch-template-versions.html): the options are applied to
the latest version's data, and when that changes the data a new version is made from it (SourceVersion: "the new version
inherits the launch parameters from the source version", the parameters given overwrite theirs, API_CreateLaunchTemplateVersion),
with only the top-level parameters that changed; an option left out keeps what the latest version has. What AWS fills in
and the module does not set is never compared, so it causes no version. The default version is then set
(ModifyLaunchTemplate): the latest, or the number asked for.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import copy
import hashlib
import re

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import (
    apply_tags, not_found, refuse_by_rules, refuse_other_stack, resource_tags, tag_specifications,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, check_owner, validate_owner
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import boto3_tags_to_dict, dict_to_boto3_tags, normalize_tags

NAME = 'launch_template'
KEY = ('name', 'stack')
NOT_FOUND = 'InvalidLaunchTemplateName.NotFoundException'
PROPAGATED = ('instance', 'volume')  # the resource types instance_tags go to
OPS = ('CreateLaunchTemplate', 'CreateLaunchTemplateVersion')


def _rule(parameter, value, field, what=None):
    for operation in OPS:
        refuse_by_rules(operation, parameter, value, field, what)


def _user_data(text):
    """The base64 CreateLaunchTemplateVersion takes ("The user data must be base64-encoded"), of the text as UTF-8."""
    return base64.b64encode(text.encode('utf-8')).decode('ascii')


def _decoded(value):
    try:
        return base64.b64decode(value or '').decode('utf-8')
    except (binascii.Error, ValueError):
        return value


def _profile_name(value):
    return value.rsplit('/', 1)[-1] if value else value


def validate(p):
    """The desired template from the options, every rule of AWS's checked before any call."""
    refuse_by_rules('CreateLaunchTemplate', 'LaunchTemplateName', p['name'], 'name')
    stack, tags = validate_owner(p, added=())
    for key, value in (tags or {}).items():
        refuse_by_rules('CreateLaunchTemplate', 'TagSpecifications[].Tags[].Key', key, 'tags', 'a tag key')
        refuse_by_rules('CreateLaunchTemplate', 'TagSpecifications[].Tags[].Value', value, 'tags', 'the value of tag %r' % key)
    instance_tags = normalize_tags(p.get('instance_tags'), 'instance_tags', added=(STACK_TAG,) if stack else ())
    for key, value in (instance_tags or {}).items():
        refuse_by_rules('RunInstances', 'TagSpecifications[].Tags[].Key', key, 'instance_tags', 'a tag key')
        refuse_by_rules('RunInstances', 'TagSpecifications[].Tags[].Value', value, 'instance_tags', 'the value of tag %r' % key)
    if p.get('image_id') is not None and not re.match(r'^ami-[0-9a-f]{8,17}$', p['image_id']):
        raise ValidationError('image_id', 'not an AMI id (ami- and 8 or 17 hex digits)')
    groups = p.get('security_group_ids')
    # an empty list would be sent as no parameter at all, which a new version inherits from its source: never what was asked
    if groups == []:
        raise ValidationError('security_group_ids', 'give one group id or more; leave security_group_ids out to keep the groups')
    if instance_tags == {} and not stack:
        raise ValidationError('instance_tags', 'give one tag or more (or stack); leave instance_tags out to keep the tags')
    refuse_by_rules('CreateKeyPair', 'KeyName', p.get('key_name'), 'key_name')
    for group in groups or []:
        if not re.match(r'^sg-[0-9a-f]{8,17}$', group):
            raise ValidationError('security_group_ids', '%r is not a security group id (sg- and 8 or 17 hex digits)' % group)
    user_data = _user_data(p['user_data']) if p.get('user_data') is not None else None
    _rule('LaunchTemplateData.UserData', user_data, 'user_data', 'the user data')
    meta = dict(p.get('metadata_options') or {})
    meta.setdefault('http_tokens', 'required')
    meta.setdefault('http_endpoint', 'enabled')
    _rule('LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit', meta.get('http_put_response_hop_limit'),
          'metadata_options.http_put_response_hop_limit')
    volume = dict(p.get('root_volume') or {})
    for key, default in (('type', 'gp3'), ('encrypted', True), ('delete_on_termination', True)):
        if volume.get(key) is None:
            volume[key] = default
    _rule('LaunchTemplateData.BlockDeviceMappings[].Ebs', {'VolumeType': volume['type'], 'VolumeSize': volume.get('size')},
          'root_volume.size', 'the root volume')
    if volume['type'] in ('io1', 'io2') and not volume.get('iops'):
        raise ValidationError('root_volume.iops', 'an %s volume needs its iops: give root_volume.iops' % volume['type'])
    if volume.get('iops') and volume['type'] not in ('io1', 'io2', 'gp3'):
        raise ValidationError('root_volume.iops', 'a %s volume takes no iops; leave root_volume.iops out' % volume['type'])
    profile = p.get('iam_instance_profile')
    if profile and profile.startswith('arn:') and ':instance-profile/' not in profile:
        raise ValidationError('iam_instance_profile', 'an instance profile name, or its ARN (arn:aws:iam::<account>:instance-profile/<name>)')
    if profile:
        aws_rules.refuse_by_rules('iam', 'CreateInstanceProfile', 'InstanceProfileName', _profile_name(profile), 'iam_instance_profile')
    default = u'%s' % (p.get('default_version') or 'latest')
    if default != 'latest' and not (default.isdigit() and int(default) >= 1):
        raise ValidationError('default_version', "latest, or a version number (1 or more)")
    _rule('VersionDescription', p.get('version_description'), 'version_description')
    return dict(name=p['name'], stack=stack, tags=tags, image_id=p.get('image_id'), instance_type=p.get('instance_type'),
                key_name=p.get('key_name'), security_group_ids=sorted(set(groups)) if groups is not None else None,
                user_data=user_data, metadata=meta, root_volume=volume, iam_instance_profile=profile, instance_tags=instance_tags,
                default_version=default, version_description=p.get('version_description'), root_device=volume.get('device_name'),
                snapshot_size=None)


def _image(ctx, image_id):
    """The image (raw), or None when there is none of that id."""
    try:
        images = ctx.client.describe_images(ImageIds=[image_id])['Images']
    except Exception as exc:  # pylint: disable=broad-except
        if not_found(exc, 'InvalidAMIID.NotFound', 'InvalidAMIID.Unavailable', 'InvalidAMIID.Malformed'):
            return None
        raise
    return images[0] if images else None


def _root_of(image):
    """(the image's root device name, the size of its root snapshot or None)."""
    device = image.get('RootDeviceName')
    for mapping in image.get('BlockDeviceMappings') or []:
        if mapping.get('DeviceName') == device:
            return device, (mapping.get('Ebs') or {}).get('VolumeSize')
    return device, None


def resolve(ctx, *, desired):
    """The image exists (its root device name and snapshot size read) and the security groups exist, none another
    stack's; reads only. In check mode a missing group is a warning (an earlier task of the same run would make it)."""
    d = dict(desired)
    if d['image_id']:
        image = _image(ctx, d['image_id'])
        if image is None:
            raise ValidationError('image_id', 'no image %s in this account/region' % d['image_id'])
        device, d['snapshot_size'] = _root_of(image)
        d['root_device'] = d['root_device'] or device
        size = d['root_volume'].get('size')
        if size and d['snapshot_size'] and size < d['snapshot_size']:
            raise ValidationError('root_volume.size', 'image %s has a root snapshot of %d GiB: the root volume must be at least as '
                                  'large (EC2 refuses a smaller one at launch); give %d or more, or leave size out'
                                  % (d['image_id'], d['snapshot_size'], d['snapshot_size']))
    if d['security_group_ids']:
        try:
            found = ctx.client.describe_security_groups(GroupIds=d['security_group_ids'])['SecurityGroups']
        except Exception as exc:  # pylint: disable=broad-except
            if not not_found(exc, 'InvalidGroup.NotFound'):
                raise
            if not ctx.check_mode:
                raise ValidationError('security_group_ids', 'a security group does not exist in this account/region (%s)' % exc)
            ctx.warn('a security group does not exist (yet): %s' % exc)
            found = []
        for group in found:
            refuse_other_stack(d['stack'], group, 'security group', group['GroupId'], 'security_group_ids')
        if len(set(g.get('VpcId') for g in found)) > 1:
            raise ValidationError('security_group_ids', 'the groups are in %d VPCs; an instance\'s groups are all of its VPC'
                                  % len(set(g.get('VpcId') for g in found)))
    return d


def _versions(ctx, template_id, *numbers):
    answer = ctx.client.describe_launch_template_versions(LaunchTemplateId=template_id, Versions=[str(n) for n in numbers])
    return dict((v['VersionNumber'], v) for v in answer['LaunchTemplateVersions'])


def find(ctx, *, name, stack=None):
    """{raw, tags, latest, default} of the template named ``name``, or None; another stack's (or, with ``stack``, an
    untagged one) refused, naming both, before any change."""
    try:
        found = ctx.client.describe_launch_templates(LaunchTemplateNames=[name])['LaunchTemplates']
    except Exception as exc:  # pylint: disable=broad-except
        if not_found(exc, NOT_FOUND):  # AWS's answer for a name it does not know: not found, no failure
            return None
        raise
    if not found:
        return None
    raw = found[0]
    tags = resource_tags(raw)
    check_owner(stack, tags, 'launch template', '%s (%s)' % (name, raw['LaunchTemplateId']))
    latest, default = raw['LatestVersionNumber'], raw['DefaultVersionNumber']
    versions = _versions(ctx, raw['LaunchTemplateId'], *sorted(set((latest, default))))
    return {'raw': raw, 'tags': tags, 'latest': versions[latest], 'default': versions[default]}


def _data_view(data, version):
    data = data or {}
    meta = data.get('MetadataOptions') or {}
    mappings = data.get('BlockDeviceMappings') or []
    root = dict(mappings[0]) if mappings else {}
    ebs = root.get('Ebs') or {}
    profile = data.get('IamInstanceProfile') or {}
    specs = dict((s.get('ResourceType'), boto3_tags_to_dict(s.get('Tags'))) for s in data.get('TagSpecifications') or [])
    user_data = data.get('UserData')
    return {
        'version': version, 'image_id': data.get('ImageId'), 'instance_type': data.get('InstanceType'), 'key_name': data.get('KeyName'),
        'security_group_ids': sorted(data.get('SecurityGroupIds') or []),
        'metadata_options': {'http_tokens': meta.get('HttpTokens'), 'http_endpoint': meta.get('HttpEndpoint'),
                             'http_put_response_hop_limit': meta.get('HttpPutResponseHopLimit')},
        'root_volume': {'device_name': root.get('DeviceName'), 'size': ebs.get('VolumeSize'), 'type': ebs.get('VolumeType'),
                        'encrypted': ebs.get('Encrypted'), 'delete_on_termination': ebs.get('DeleteOnTermination'),
                        'iops': ebs.get('Iops')},
        'iam_instance_profile': profile.get('Arn') or profile.get('Name'),
        'user_data_sha256': hashlib.sha256(_decoded(user_data).encode('utf-8')).hexdigest() if user_data else None,
        'instance_tags': specs.get('instance', {}),
    }


def describe(raw, tags=None, default=None):
    """The snake_case view: id, name, latest_version, default_version, tags and the default version's data."""
    return {'id': raw.get('LaunchTemplateId'), 'name': raw['LaunchTemplateName'], 'latest_version': raw.get('LatestVersionNumber'),
            'default_version': raw.get('DefaultVersionNumber'), 'tags': dict(tags if tags is not None else resource_tags(raw)),
            'data': _data_view((default or {}).get('LaunchTemplateData'), raw.get('DefaultVersionNumber'))}


def _comparable(data):
    """The data as compared: user data decoded, lists as sets, the metadata options' State (AWS's, not asked for) left out."""
    out = copy.deepcopy(data)
    if 'UserData' in out:
        out['UserData'] = _decoded(out['UserData'])
    if 'SecurityGroupIds' in out:
        out['SecurityGroupIds'] = sorted(set(out['SecurityGroupIds']))
    (out.get('MetadataOptions') or {}).pop('State', None)
    if 'IamInstanceProfile' in out:
        profile = out['IamInstanceProfile']
        out['IamInstanceProfile'] = _profile_name(profile.get('Arn') or profile.get('Name'))
    if 'TagSpecifications' in out:
        out['TagSpecifications'] = sorted((s.get('ResourceType'), sorted(boto3_tags_to_dict(s.get('Tags')).items()))
                                          for s in out['TagSpecifications'])
    return out


def _applied(d, current):
    """The latest version's data with the options given applied (an option left out keeps its part)."""
    data = copy.deepcopy(current or {})
    for key, option in (('ImageId', 'image_id'), ('InstanceType', 'instance_type'), ('KeyName', 'key_name'),
                        ('SecurityGroupIds', 'security_group_ids'), ('UserData', 'user_data')):
        if d[option] is not None:
            data[key] = d[option]
    meta = dict(data.get('MetadataOptions') or {})
    meta.pop('State', None)  # answered by AWS, never sent
    meta.update(HttpTokens=d['metadata']['http_tokens'], HttpEndpoint=d['metadata']['http_endpoint'])
    if d['metadata'].get('http_put_response_hop_limit') is not None:
        meta['HttpPutResponseHopLimit'] = d['metadata']['http_put_response_hop_limit']
    data['MetadataOptions'] = meta
    mappings = data.get('BlockDeviceMappings') or []
    device = d['root_device'] or (mappings[0]['DeviceName'] if mappings else None)
    if device is None:
        raise ValidationError('root_volume.device_name', 'the root device name is not known: give image_id (its root device is '
                              'read from the image) or root_volume.device_name')
    root = next((m for m in mappings if m.get('DeviceName') == device), None)
    if root is None and mappings and not d['root_volume'].get('device_name'):
        root = mappings[0]  # the root the module wrote first, on another image's root device: moved to this image's
        root['DeviceName'] = device
    elif root is None:
        root = {'DeviceName': device}
        mappings.insert(0, root)
    volume, ebs = d['root_volume'], dict(root.get('Ebs') or {})
    ebs.update(VolumeType=volume['type'], Encrypted=volume['encrypted'], DeleteOnTermination=volume['delete_on_termination'])
    for key, option in (('VolumeSize', 'size'), ('Iops', 'iops')):
        if volume.get(option):
            ebs[key] = volume[option]
    if volume['type'] not in ('io1', 'io2', 'gp3'):
        ebs.pop('Iops', None)
    root['Ebs'] = ebs
    data['BlockDeviceMappings'] = mappings
    if d['iam_instance_profile'] is not None:
        profile = d['iam_instance_profile']
        if _profile_name(profile) != _profile_name((data.get('IamInstanceProfile') or {}).get('Arn') or
                                                   (data.get('IamInstanceProfile') or {}).get('Name')):
            data['IamInstanceProfile'] = {'Arn': profile} if profile.startswith('arn:') else {'Name': profile}
    if d['instance_tags'] is not None or d['stack']:
        specs = [s for s in data.get('TagSpecifications') or [] if s.get('ResourceType') not in PROPAGATED]
        for kind in PROPAGATED:
            had = next((boto3_tags_to_dict(s.get('Tags')) for s in data.get('TagSpecifications') or [] if s.get('ResourceType') == kind), {})
            tags = dict(d['instance_tags'] if d['instance_tags'] is not None else had)
            if d['stack']:
                tags[STACK_TAG] = d['stack']
            if tags:
                specs.append({'ResourceType': kind, 'Tags': dict_to_boto3_tags(tags)})
        data['TagSpecifications'] = specs
    return data


def _template_tags(d, current=None):
    tags = dict(d['tags'] if d['tags'] is not None else current or {})
    if d['stack']:
        tags[STACK_TAG] = d['stack']
    return tags


def _create(ctx, d):
    for option in ('image_id', 'instance_type'):
        if not d[option]:
            raise ValidationError(option, 'a new launch template needs %s' % option)
    if d['default_version'] not in ('latest', '1'):
        raise ValidationError('default_version', 'launch template %s does not exist yet: its only version will be 1' % d['name'])
    data, tags = _applied(d, {}), _template_tags(d)
    kwargs = dict(LaunchTemplateName=d['name'], LaunchTemplateData=data, TagSpecifications=tag_specifications('launch-template', tags))
    if d['version_description']:
        kwargs['VersionDescription'] = d['version_description']
    raw = {'LaunchTemplateId': None, 'LaunchTemplateName': d['name'], 'LatestVersionNumber': 1, 'DefaultVersionNumber': 1,
           'Tags': dict_to_boto3_tags(tags)}
    planned = describe(raw, tags, {'LaunchTemplateData': data})

    def make():
        made = create_or_find(lambda: {'raw': ctx.call('create_launch_template', **kwargs)['LaunchTemplate']},
                              lambda: find(ctx, name=d['name'], stack=d['stack']),
                              exists=('InvalidLaunchTemplateName.AlreadyExistsException',))
        after = describe(dict(made['raw'], LatestVersionNumber=1, DefaultVersionNumber=1), tags, {'LaunchTemplateData': data})
        return after['id'], after
    return ctx.create('launch_template', d['name'], make, planned)


def ensure(ctx, *, desired, existing=None):
    """Make the template; or a new version of it when the options change the latest version's data, its default version
    and its tags as ``desired`` says."""
    d = desired
    if existing is None:
        return _create(ctx, d)
    raw, tags = existing['raw'], existing['tags']
    tid, latest = raw['LaunchTemplateId'], raw['LatestVersionNumber']
    current = existing['latest'].get('LaunchTemplateData') or {}
    if d['root_device'] is None and not (current.get('BlockDeviceMappings') or []) and current.get('ImageId'):
        image = _image(ctx, current['ImageId'])
        d = dict(d, root_device=_root_of(image)[0] if image else None)
    data = _applied(d, current)
    changed_keys = sorted(k for k in data if _comparable({k: data[k]}) != _comparable({k: current.get(k)}))
    if d['default_version'] == 'latest':
        wanted = latest + (1 if changed_keys else 0)
    else:
        wanted = int(d['default_version'])
        if wanted > latest:
            raise ValidationError('default_version', 'launch template %s has versions 1 to %d: version %d does not exist (a new '
                                  'version is the default only with default_version: latest)' % (d['name'], latest, wanted))
    known = {raw['DefaultVersionNumber']: existing['default'], latest: existing['latest'], latest + 1: {'LaunchTemplateData': data}}
    default = known[wanted] if wanted in known else _versions(ctx, tid, wanted)[wanted]
    before, new_raw = describe(raw, tags, existing['default']), dict(raw)
    if changed_keys:
        kwargs = dict(LaunchTemplateId=tid, SourceVersion=str(latest), LaunchTemplateData=dict((k, data[k]) for k in changed_keys))
        if d['version_description']:
            kwargs['VersionDescription'] = d['version_description']
        made = ctx.call('create_launch_template_version', **kwargs)
        new_raw['LatestVersionNumber'] = made['LaunchTemplateVersion']['VersionNumber'] if made else latest + 1
        if d['default_version'] == 'latest':
            wanted = new_raw['LatestVersionNumber']
    if wanted != raw['DefaultVersionNumber']:
        ctx.call('modify_launch_template', LaunchTemplateId=tid, DefaultVersion=str(wanted))
        new_raw['DefaultVersionNumber'] = wanted
    new_tags, tagged = tags, False
    if d['tags'] is not None or d['stack']:
        tagged, new_tags = apply_tags(ctx, tid, tags, _template_tags(d, tags), ctx.purge_tags if d['tags'] is not None else False)
    changed = bool(changed_keys) or new_raw['DefaultVersionNumber'] != raw['DefaultVersionNumber'] or tagged
    return Change.of(changed, before, describe(new_raw, new_tags, default), tid)


def delete(ctx, *, existing, desired=None):  # pylint: disable=unused-argument
    """Delete the template and all its versions."""
    before = describe(existing['raw'], existing['tags'], existing['default'])
    ctx.call('delete_launch_template', LaunchTemplateId=before['id'])
    return Change('delete', before, None, before['id'])
