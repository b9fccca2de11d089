"""launch_template in-process against moto (as emulator.fidelity patches it): made with IMDSv2 and an encrypted root
volume on the image's root device, rerun with reads only, check mode and diff, one changed option making exactly one
new version made the default, options left out unchanged, user data compared decoded, tags purged, the default version
by number, absent, another stack's template refused, bad input refused before any call."""
import base64

import pytest

from ansible_collections.seed.laravel_aws.plugins.modules import launch_template

from ...conftest import mutating
from emulator.amis import DEBIAN_OWNER  # two images: moto's thousands of Amazon ones take seconds to list

SCRIPT = '#!/bin/sh\necho booted > /var/tmp/booted\n'


@pytest.fixture
def ami(aws):
    return sorted(aws.describe_images(Owners=[DEBIAN_OWNER])['Images'], key=lambda i: i['ImageId'])[0]['ImageId']


@pytest.fixture
def group(aws):
    vpc = aws.create_vpc(CidrBlock='10.20.0.0/16')['Vpc']['VpcId']
    return aws.create_security_group(GroupName='demo-web', Description='web', VpcId=vpc)['GroupId']


def args(ami, group, **more):
    return dict({'name': 'demo-web', 'stack': 'demo', 'image_id': ami, 'instance_type': 't3.small', 'security_group_ids': [group],
                 'user_data': SCRIPT, 'iam_instance_profile': 'demo-web', 'instance_tags': {'Role': 'web'},
                 'metadata_options': {'http_put_response_hop_limit': 2}, 'root_volume': {'size': 16}, 'tags': {'Tier': 'web'}}, **more)


def versions(aws, name='demo-web'):
    return aws.describe_launch_template_versions(LaunchTemplateName=name)['LaunchTemplateVersions']


def test_made_as_asked_and_a_rerun_changes_nothing(aws, run_module, calls, ami, group):
    plan = run_module(launch_template.main, args(ami, group), check_mode=True, diff=True)
    assert plan['changed'] and mutating(calls) == [] and plan['launch_template']['id'] is None and plan['diff']['before'] == {}
    assert aws.describe_launch_templates()['LaunchTemplates'] == []
    del calls[:]
    made = run_module(launch_template.main, args(ami, group), diff=True)
    assert made['changed'] and mutating(calls) == ['create_launch_template'], calls
    view = made['launch_template']
    assert view['id'].startswith('lt-') and view['latest_version'] == 1 and view['default_version'] == 1
    assert view['tags'] == {'Tier': 'web', 'Stack': 'demo'}
    data = versions(aws)[0]['LaunchTemplateData']
    assert data['MetadataOptions'] == {'HttpTokens': 'required', 'HttpEndpoint': 'enabled', 'HttpPutResponseHopLimit': 2}
    assert data['BlockDeviceMappings'] == [{'DeviceName': '/dev/xvda', 'Ebs': {
        'VolumeType': 'gp3', 'Encrypted': True, 'DeleteOnTermination': True, 'VolumeSize': 16}}]
    assert base64.b64decode(data['UserData']).decode() == SCRIPT and data['IamInstanceProfile'] == {'Name': 'demo-web'}
    assert sorted(s['ResourceType'] for s in data['TagSpecifications']) == ['instance', 'volume']
    assert view['data']['instance_tags'] == {'Role': 'web', 'Stack': 'demo'} and view['data']['security_group_ids'] == [group]
    del calls[:]
    again = run_module(launch_template.main, args(ami, group))
    assert again['changed'] is False and mutating(calls) == [] and again['launch_template'] == view


def test_a_changed_option_makes_one_version_and_the_rest_is_kept(aws, run_module, calls, ami, group):
    run_module(launch_template.main, args(ami, group))
    del calls[:]
    plan = run_module(launch_template.main, {'name': 'demo-web', 'stack': 'demo', 'instance_type': 't3.medium'}, check_mode=True,
                      diff=True)
    assert plan['changed'] and mutating(calls) == [] and len(versions(aws)) == 1
    assert plan['diff']['after']['data']['instance_type'] == 't3.medium' and plan['launch_template']['default_version'] == 2
    del calls[:]
    out = run_module(launch_template.main, {'name': 'demo-web', 'stack': 'demo', 'instance_type': 't3.medium'}, diff=True)
    assert out['changed'] and mutating(calls) == ['create_launch_template_version', 'modify_launch_template']
    assert out['launch_template']['latest_version'] == 2 and out['launch_template']['default_version'] == 2
    assert out['diff']['before']['data']['instance_type'] == 't3.small'
    new = [v for v in versions(aws) if v['VersionNumber'] == 2][0]
    assert new['DefaultVersion'] and new['LaunchTemplateData']['InstanceType'] == 't3.medium'
    old = [v for v in versions(aws) if v['VersionNumber'] == 1][0]['LaunchTemplateData']
    assert dict(old, InstanceType='t3.medium') == new['LaunchTemplateData']  # everything else inherited
    del calls[:]
    assert run_module(launch_template.main, args(ami, group, instance_type='t3.medium'))['changed'] is False and mutating(calls) == []


def test_user_data_is_compared_decoded(aws, run_module, calls, ami, group):
    run_module(launch_template.main, args(ami, group))
    del calls[:]
    assert run_module(launch_template.main, args(ami, group, user_data=SCRIPT))['changed'] is False
    out = run_module(launch_template.main, args(ami, group, user_data=SCRIPT + 'echo again\n'))
    assert out['changed'] and mutating(calls) == ['create_launch_template_version', 'modify_launch_template']
    sent = [v for v in versions(aws) if v['VersionNumber'] == 2][0]['LaunchTemplateData']['UserData']
    assert base64.b64decode(sent).decode() == SCRIPT + 'echo again\n'


def test_tags_purged_and_the_default_by_number(aws, run_module, calls, ami, group):
    run_module(launch_template.main, args(ami, group))
    run_module(launch_template.main, args(ami, group, instance_type='t3.medium'))
    del calls[:]
    out = run_module(launch_template.main, args(ami, group, instance_type='t3.medium', tags={'Owner': 'ops'}, default_version='1'))
    assert out['changed'] and mutating(calls) == ['modify_launch_template', 'delete_tags', 'create_tags']
    assert out['launch_template']['default_version'] == 1 and out['launch_template']['data']['instance_type'] == 't3.small'
    assert out['launch_template']['tags'] == {'Owner': 'ops', 'Stack': 'demo'}
    got = aws.describe_launch_templates(LaunchTemplateNames=['demo-web'])['LaunchTemplates'][0]
    assert dict((t['Key'], t['Value']) for t in got['Tags']) == {'Owner': 'ops', 'Stack': 'demo'} and got['DefaultVersionNumber'] == 1
    refused = run_module(launch_template.main, args(ami, group, default_version='9'))
    assert refused['failed'] and refused['field'] == 'default_version' and 'versions 1 to 2' in refused['msg']


def test_absent(aws, run_module, calls, ami, group):
    run_module(launch_template.main, args(ami, group))
    del calls[:]
    plan = run_module(launch_template.main, {'name': 'demo-web', 'stack': 'demo', 'state': 'absent'}, check_mode=True)
    assert plan['changed'] and mutating(calls) == []
    gone = run_module(launch_template.main, {'name': 'demo-web', 'stack': 'demo', 'state': 'absent'}, diff=True)
    assert gone['changed'] and gone['launch_template'] == {} and mutating(calls) == ['delete_launch_template']
    assert gone['diff']['before']['name'] == 'demo-web' and aws.describe_launch_templates()['LaunchTemplates'] == []
    assert run_module(launch_template.main, {'name': 'demo-web', 'state': 'absent'})['changed'] is False


@pytest.mark.parametrize('state', ['present', 'absent'])
def test_another_stacks_template_is_refused_before_any_change(aws, run_module, calls, ami, group, state):
    aws.create_launch_template(LaunchTemplateName='demo-web', LaunchTemplateData={'ImageId': ami, 'InstanceType': 't3.micro'},
                               TagSpecifications=[{'ResourceType': 'launch-template', 'Tags': [{'Key': 'Stack', 'Value': 'other'}]}])
    del calls[:]
    refused = run_module(launch_template.main, args(ami, group, state=state, instance_type='t3.large'))
    assert refused['failed'] and refused['field'] == 'stack' and "belongs to stack 'other'" in refused['msg'] and mutating(calls) == []
    assert len(versions(aws)) == 1


@pytest.mark.parametrize('bad,field,words', [
    ({'name': 'ab'}, 'name', 'InvalidLaunchTemplateName.MalformedException'),
    ({'name': 'demo web'}, 'name', '3-128 characters'),
    ({'image_id': 'img-1'}, 'image_id', 'not an AMI id'),
    ({'security_group_ids': ['web']}, 'security_group_ids', 'not a security group id'),
    ({'user_data': 'x' * 16385}, 'user_data', '16 KB'),
    ({'metadata_options': {'http_put_response_hop_limit': 65}}, 'metadata_options.http_put_response_hop_limit', '1 to 64'),
    ({'root_volume': {'size': 16385}}, 'root_volume.size', 'gp3 and gp2 1-16,384 GiB'),
    ({'root_volume': {'type': 'io2'}}, 'root_volume.iops', 'needs its iops'),
    ({'iam_instance_profile': 'arn:aws:iam::123456789012:role/web'}, 'iam_instance_profile', 'instance-profile'),
    ({'default_version': 'newest'}, 'default_version', 'latest, or a version number'),
    ({'instance_tags': {'aws:x': '1'}}, 'instance_tags', 'aws:'),
    ({'security_group_ids': []}, 'security_group_ids', 'leave security_group_ids out'),
    ({'instance_tags': {}}, 'instance_tags', 'leave instance_tags out'),
    ({'key_name': ' demo'}, 'key_name', 'leading or trailing spaces'),
])
def test_bad_input_is_refused_before_any_call(aws, run_module, calls, bad, field, words):
    del calls[:]
    out = run_module(launch_template.main, dict({'name': 'demo-web', 'image_id': 'ami-0123456789abcdef0', 'instance_type': 't3.small'},
                                                **bad))
    assert out['failed'] and out['field'] == field and words in out['msg'] and calls == [], (out, calls)


def test_imdsv1_is_refused(aws, run_module, calls):
    out = run_module(launch_template.main, {'name': 'demo-web', 'metadata_options': {'http_tokens': 'optional'}})
    assert out['failed'] and 'http_tokens' in out['msg'] and calls == []


def test_what_it_names_must_exist(aws, run_module, calls, ami, group):
    missing = run_module(launch_template.main, args('ami-0123456789abcdef0', group))
    assert missing['failed'] and missing['field'] == 'image_id' and mutating(calls) == []
    small = run_module(launch_template.main, args(ami, group, root_volume={'size': 8}))  # its root snapshot is 15 GiB
    assert small['failed'] and small['field'] == 'root_volume.size' and 'give 15 or more' in small['msg'] and mutating(calls) == []
    no_group = run_module(launch_template.main, args(ami, 'sg-0123456789abcdef0'))
    assert no_group['failed'] and no_group['field'] == 'security_group_ids' and mutating(calls) == []
    plan = run_module(launch_template.main, args(ami, 'sg-0123456789abcdef0'), check_mode=True)  # an earlier task would make it
    assert plan['changed'] and mutating(calls) == []


def test_another_image_moves_the_root_volume_to_its_root_device(aws, run_module, calls, ami, group):
    run_module(launch_template.main, args(ami, group))
    other = aws.register_image(Name='sda-image', RootDeviceName='/dev/sda1', VirtualizationType='hvm', Architecture='x86_64',
                               BlockDeviceMappings=[{'DeviceName': '/dev/sda1', 'Ebs': {'VolumeSize': 8}}])['ImageId']
    del calls[:]
    moved = run_module(launch_template.main, args(other, group))
    assert moved['changed'] and mutating(calls) == ['create_launch_template_version', 'modify_launch_template']
    root = {'device_name': '/dev/sda1', 'size': 16, 'type': 'gp3', 'encrypted': True, 'delete_on_termination': True, 'iops': None}
    assert moved['launch_template']['data']['root_volume'] == root
    data = [v for v in versions(aws) if v['VersionNumber'] == 2][0]['LaunchTemplateData']
    assert [m['DeviceName'] for m in data['BlockDeviceMappings']] == ['/dev/sda1']  # no second, blank volume
    by_arn = args(other, group, iam_instance_profile='arn:aws:iam::123456789012:instance-profile/demo-web')
    del calls[:]
    assert run_module(launch_template.main, by_arn)['changed'] is False and mutating(calls) == []  # the same profile
