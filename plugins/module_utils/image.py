# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An AMI of the account, made from one of its instances (CreateImage) and found by its name. Used by image.

The resource protocol (docs/architecture.md, runner.py). ``existing`` is the Image of DescribeImages (owner self).
An image's name is unique among the account's images of a region ("AMI names must be unique", InvalidAMIName.Duplicate,
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateImage.html), so the name finds it. An image cannot be
changed once made, its tags aside: a new configuration is a new image under a new name (the playbooks put a fingerprint
of what was baked in the name). CreateImage reboots the instance unless ``no_reboot`` ("Amazon EC2 powers down and
reboots the instance before creating the AMI", same page), so the instance is read first: it must be the stack's, and
running or stopped. The image is ``pending`` for minutes while its snapshots are made; ``wait`` waits for
``available`` with AWS's waiter ImageAvailable, which stops on ``failed``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules
from ansible_collections.seed.laravel_aws.plugins.module_utils.context import Change
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import apply_tags, note_made, resource_tags, tag_specifications
from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import create_or_find
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import STACK_TAG, check_owner, validate_owner
from ansible_collections.seed.laravel_aws.plugins.module_utils.waiters import aws_wait, error_code_of

NAME = 'image'
KEY = ('name', 'stack')
# the states an instance can be imaged in (API_CreateImage: "from an Amazon EBS-backed instance that is either running
# or stopped")
IMAGEABLE = ('running', 'stopped')


def validate(p):
    """The desired image: name, stack, tags (None: left as they are), instance_id, description, no_reboot,
    delete_snapshots."""
    aws_rules.refuse_by_rules('ec2', 'CreateImage', 'Name', p['name'], 'name')
    if p.get('description') is not None:
        aws_rules.refuse_by_rules('ec2', 'CreateImage', 'Description', p['description'], 'description')
    stack, tags = validate_owner(p, added=())
    if tags is not None:
        aws_rules.refuse_tags('ec2', ('CreateTags',), tags)
    instance = p.get('instance_id')
    if p.get('state', 'present') == 'present' and not instance:
        raise ValidationError('instance_id', 'the instance to make the image from is needed to create it (i-...): give '
                              'instance_id, or state: absent to deregister the image')
    if instance and not instance.startswith('i-'):
        raise ValidationError('instance_id', '%r is not an instance id (i-...)' % instance)
    return dict(name=p['name'], stack=stack, tags=tags, instance_id=instance, description=p.get('description'),
                no_reboot=p.get('no_reboot', False), delete_snapshots=p.get('delete_snapshots', True))


def _instance(ctx, instance_id):
    try:
        found = ctx.client.describe_instances(InstanceIds=[instance_id])['Reservations']
    except Exception as exc:  # pylint: disable=broad-except
        if error_code_of(exc) in ('InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed'):
            return None
        raise
    return next((i for r in found for i in r.get('Instances') or []), None)


def find(ctx, *, name, stack=None):
    """The account's image named ``name`` in the region (not a deregistered one), or None; another stack's refused."""
    images = ctx.client.describe_images(Owners=['self'], Filters=[{'Name': 'name', 'Values': [name]}]).get('Images') or []
    images = [i for i in images if i.get('State') != 'deregistered']
    if not images:
        return None
    image = images[0]
    check_owner(stack, resource_tags(image), 'image', '%s (%s)' % (name, image['ImageId']))
    return image


def describe(raw):
    """The snake_case view: id, name, state, description, creation_date, snapshot_ids, root_device_name, tags."""
    return {'id': raw.get('ImageId'), 'name': raw.get('Name'), 'state': raw.get('State'), 'description': raw.get('Description'),
            'creation_date': raw.get('CreationDate'), 'root_device_name': raw.get('RootDeviceName'),
            'snapshot_ids': [m['Ebs']['SnapshotId'] for m in raw.get('BlockDeviceMappings') or []
                             if (m.get('Ebs') or {}).get('SnapshotId')],
            'tags': resource_tags(raw)}


def wait(ctx, *, image_id, timeout):
    """The image once ``available`` (AWS's waiter ImageAvailable, which stops on ``failed`` with the image's reason)."""
    answer = aws_wait(ctx, 'ImageAvailable', 'image %s to be available' % image_id, timeout, not_found=('InvalidAMIID.NotFound',),
                      reason=lambda r: '; '.join((i.get('StateReason') or {}).get('Message') or 'failed' for i in r.get('Images') or []),
                      ImageIds=[image_id])
    return answer['Images'][0]


def _check_instance(ctx, d):
    """The instance ``desired`` names, read: it must exist, be the stack's, and be running or stopped."""
    inst = _instance(ctx, d['instance_id'])
    if inst is None:
        raise ValidationError('instance_id', 'instance %s does not exist in this region' % d['instance_id'])
    check_owner(d['stack'], resource_tags(inst), 'instance', d['instance_id'], field='instance_id')
    state = (inst.get('State') or {}).get('Name')
    if state not in IMAGEABLE:
        raise ValidationError('instance_id', 'instance %s is %s: an image is made from a running or stopped instance'
                              % (d['instance_id'], state))
    return inst


def ensure(ctx, *, desired, existing=None):
    """Make the image from the instance (tagged, its snapshots too), waited for with ``wait``; or an existing one's tags
    made as ``desired`` says (an image cannot change otherwise)."""
    d = desired
    tags = dict(d['tags'] or {}, **({STACK_TAG: d['stack']} if d['stack'] else {}))
    if existing is not None:
        before = describe(existing)
        after = dict(before)
        changed = False
        if d['tags'] is not None or d['stack']:
            wanted = tags if d['tags'] is not None else dict(before['tags'], **tags)
            changed, after['tags'] = apply_tags(ctx, before['id'], before['tags'], wanted, ctx.purge_tags if d['tags'] is not None else False)
        if before['state'] == 'pending' and ctx.wait:  # made by an earlier run that did not wait
            ready = ctx.live(wait, ctx, image_id=before['id'], timeout=ctx.wait_timeout)
            after = dict(describe(ready), tags=after['tags']) if ready else after
        return Change.of(changed, before, after, before['id'])
    _check_instance(ctx, d)
    kwargs = dict(InstanceId=d['instance_id'], Name=d['name'], NoReboot=bool(d['no_reboot']),
                  TagSpecifications=tag_specifications('image', tags) + tag_specifications('snapshot', tags))
    if d['description'] is not None:
        kwargs['Description'] = d['description']
    planned = {'id': None, 'name': d['name'], 'state': 'pending', 'description': d['description'], 'creation_date': None,
               'root_device_name': None, 'snapshot_ids': [], 'tags': tags}

    def make():
        made = create_or_find(lambda: {'ImageId': ctx.call('create_image', **kwargs)['ImageId']},
                              lambda: find(ctx, name=d['name'], stack=d['stack']), exists=('InvalidAMIName.Duplicate',))
        note_made(ctx, made['ImageId'])
        if ctx.wait:
            return made['ImageId'], describe(wait(ctx, image_id=made['ImageId'], timeout=ctx.wait_timeout))
        return made['ImageId'], dict(planned, id=made['ImageId'], **({'state': made['State']} if 'State' in made else {}))
    return ctx.create('image', d['name'], make, planned)


def delete(ctx, *, existing, desired):
    """Deregister the image, then (``delete_snapshots``) delete its snapshots, those tagged with the stack when it has one
    (a snapshot outlives its image otherwise, and is billed)."""
    before = describe(existing)
    ctx.call('deregister_image', ImageId=before['id'])
    if desired['delete_snapshots'] and before['snapshot_ids']:
        snapshots = ctx.client.describe_snapshots(SnapshotIds=before['snapshot_ids']).get('Snapshots') or []
        for snap in snapshots:
            if desired['stack'] is None or resource_tags(snap).get(STACK_TAG) == desired['stack']:
                ctx.call('delete_snapshot', SnapshotId=snap['SnapshotId'])
    return Change('delete', before, None, before['id'])
