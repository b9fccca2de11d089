"""launch_template through ansible-playbook against the emulator as strict as AWS (throttled, its parameter rules
enforced, SourceVersion inherited as AWS does): made, rerun with reads only, check mode, one changed option making one
version made the default, a lost answer on each create made once, absent, and bad input refused before any call, and by
the emulator too. What is asserted is what a user sees: the template as boto3 reads it, the module's results, and the
requests the emulator recorded."""
import base64

import boto3
import pytest

from conftest import READS

A = 'seed.laravel_aws.launch_template'
STRICT = {'strict': True, 'throttle': 0.2, 'seed': 35}
DEBIAN_OWNER = '136693071363'
SCRIPT = '#!/bin/sh\necho booted > /var/tmp/booted\n'


def ec2_client(aws):
    return boto3.client('ec2', region_name='us-east-1', endpoint_url=aws.url, aws_access_key_id='testing',
                        aws_secret_access_key='testing')


def forget(aws):
    aws._get('/_seed/requests', method='DELETE')  # pylint: disable=protected-access


def changes(aws):
    return [r['action'] for r in aws.requests() if not r['action'].startswith(READS) and r.get('fault') != 'throttled']


@pytest.fixture
def parts(aws):
    ec2 = ec2_client(aws)
    ami = sorted(ec2.describe_images(Owners=[DEBIAN_OWNER])['Images'], key=lambda i: i['ImageId'])[0]['ImageId']
    vpc = ec2.create_vpc(CidrBlock='10.30.0.0/16')['Vpc']['VpcId']
    group = ec2.create_security_group(GroupName='it-web', Description='web', VpcId=vpc)['GroupId']
    return ec2, ami, group


def task(**options):
    return {'name': 'template', A: dict({'name': 'it-web', 'stack': 'it'}, **options), 'ignore_errors': True}


def test_made_rerun_changed_once_and_deleted(playbook, aws, parts):
    ec2, ami, group = parts
    wanted = dict(image_id=ami, instance_type='t3.small', security_group_ids=[group], user_data=SCRIPT, iam_instance_profile='it-web',
                  metadata_options={'http_put_response_hop_limit': 2}, instance_tags={'Role': 'web'}, tags={'Tier': 'web'})
    aws.faults(**STRICT)
    forget(aws)
    plan = playbook([task(**wanted)], check=True, diff=True)
    assert plan.task('template')['changed'] and changes(aws) == [] and ec2.describe_launch_templates()['LaunchTemplates'] == []

    made = playbook([task(**wanted)], diff=True)
    result = made.task('template')
    assert made.rc == 0 and result['changed'], result.get('msg')
    assert changes(aws) == ['CreateLaunchTemplate']
    data = ec2.describe_launch_template_versions(LaunchTemplateName='it-web')['LaunchTemplateVersions'][0]['LaunchTemplateData']
    assert data['MetadataOptions']['HttpTokens'] == 'required' and data['BlockDeviceMappings'][0]['DeviceName'] == '/dev/xvda'
    assert data['BlockDeviceMappings'][0]['Ebs']['Encrypted'] is True and base64.b64decode(data['UserData']).decode() == SCRIPT

    forget(aws)
    again = playbook([task(**wanted)])
    assert again.task('template')['changed'] is False and changes(aws) == []

    medium = dict(wanted)
    medium['instance_type'] = 't3.medium'
    bigger = playbook([task(**medium)], diff=True)
    assert bigger.task('template')['changed'] and changes(aws) == ['CreateLaunchTemplateVersion', 'ModifyLaunchTemplate']
    got = ec2.describe_launch_templates(LaunchTemplateNames=['it-web'])['LaunchTemplates'][0]
    assert got['LatestVersionNumber'] == 2 and got['DefaultVersionNumber'] == 2
    two = ec2.describe_launch_template_versions(LaunchTemplateName='it-web', Versions=['2'])['LaunchTemplateVersions'][0]
    assert two['LaunchTemplateData'] == dict(data, InstanceType='t3.medium')  # the rest inherited from version 1

    forget(aws)
    gone = playbook([task(state='absent')])
    assert gone.task('template')['changed'] and changes(aws) == ['DeleteLaunchTemplate']
    assert ec2.describe_launch_templates()['LaunchTemplates'] == []


def test_a_lost_answer_makes_no_second_template_and_no_second_version(playbook, aws, parts):
    ec2, ami, group = parts
    wanted = dict(image_id=ami, instance_type='t3.small', security_group_ids=[group])
    aws.faults(lose=['CreateLaunchTemplate'], lose_times=1, **STRICT)
    forget(aws)
    made = playbook([task(**wanted)])
    assert made.rc == 0 and made.task('template')['changed'], made.task('template').get('msg')
    assert len(ec2.describe_launch_templates()['LaunchTemplates']) == 1  # found again by name, never made twice

    # a new version's answer lost: the run fails, the next one finds the version made and only makes it the default
    aws.faults(lose=['CreateLaunchTemplateVersion'], lose_times=1, **STRICT)
    medium = dict(wanted)
    medium['instance_type'] = 't3.medium'
    lost = playbook([task(**medium)])
    assert lost.task('template').get('failed')
    forget(aws)
    again = playbook([task(**medium)])
    assert again.task('template')['changed'] and changes(aws) == ['ModifyLaunchTemplate'], again.task('template').get('msg')
    got = ec2.describe_launch_templates(LaunchTemplateNames=['it-web'])['LaunchTemplates'][0]
    assert got['LatestVersionNumber'] == 2 and got['DefaultVersionNumber'] == 2


def test_bad_input_is_refused_before_any_call_and_by_the_emulator_too(playbook, aws, parts):
    ec2, ami, dummy = parts
    aws.faults(**STRICT)
    forget(aws)
    refused = playbook([{'name': 'template', A: {'name': 'it web', 'image_id': ami, 'instance_type': 't3.small'}, 'ignore_errors': True}])
    result = refused.task('template')
    assert result['failed'] and result['field'] == 'name' and 'API_CreateLaunchTemplate.html' in result['msg'] and aws.requests() == []
    imds1 = playbook([task(image_id=ami, instance_type='t3.small', metadata_options={'http_tokens': 'optional'})])
    assert imds1.task('template')['failed'] and 'http_tokens' in imds1.task('template')['msg'] and aws.requests() == []
    for name, data, code in (('it web', {'ImageId': ami}, 'InvalidLaunchTemplateName.MalformedException'),
                             ('it-web', {'ImageId': ami, 'UserData': base64.b64encode(b'x' * 16385).decode()}, 'InvalidUserData.Malformed'),
                             ('it-web', {'ImageId': ami, 'MetadataOptions': {'HttpPutResponseHopLimit': 65}}, 'InvalidParameterValue')):
        with pytest.raises(ec2.exceptions.ClientError) as caught:
            ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData=data)
        assert caught.value.response['Error']['Code'] == code
