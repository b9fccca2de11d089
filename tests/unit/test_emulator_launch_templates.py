"""The emulator's launch templates (emulator.launch_templates, through emulator.fidelity's patch_moto, in-process here as
the unit tests' moto runs): a version made with SourceVersion inherits the source's data, a SourceVersion the template
does not have is refused, the template's own tags stay out of its data and are answered as they are now."""
import base64

import pytest
from botocore.exceptions import ClientError


STACK = [{'Key': 'Stack', 'Value': 'demo'}]


@pytest.fixture
def template(aws):
    made = aws.create_launch_template(
        LaunchTemplateName='demo-web', TagSpecifications=[{'ResourceType': 'launch-template', 'Tags': STACK}],
        LaunchTemplateData={'ImageId': 'ami-12345678', 'InstanceType': 't3.micro', 'UserData': base64.b64encode(b'#!/bin/sh\n').decode(),
                            'TagSpecifications': [{'ResourceType': 'instance', 'Tags': STACK}]})
    return made['LaunchTemplate']['LaunchTemplateId']


def data(aws, tid, version):
    return aws.describe_launch_template_versions(LaunchTemplateId=tid, Versions=[version])['LaunchTemplateVersions'][0]['LaunchTemplateData']


def test_a_version_inherits_its_source_version(aws, template):
    made = aws.create_launch_template_version(LaunchTemplateId=template, SourceVersion='1', LaunchTemplateData={'InstanceType': 't3.small'})
    assert made['LaunchTemplateVersion']['VersionNumber'] == 2
    assert data(aws, template, '2') == dict(data(aws, template, '1'), InstanceType='t3.small')
    alone = aws.create_launch_template_version(LaunchTemplateId=template, LaunchTemplateData={'InstanceType': 't3.large'})
    assert alone['LaunchTemplateVersion']['LaunchTemplateData'] == {'InstanceType': 't3.large'}  # no source: only what is given
    with pytest.raises(ClientError) as refused:
        aws.create_launch_template_version(LaunchTemplateId=template, SourceVersion='9', LaunchTemplateData={})
    assert refused.value.response['Error']['Code'] == 'InvalidLaunchTemplateId.VersionNotFound'


def test_the_templates_tags_are_its_own_and_current(aws, template):
    assert [s['ResourceType'] for s in data(aws, template, '1')['TagSpecifications']] == ['instance']
    aws.create_tags(Resources=[template], Tags=[{'Key': 'Owner', 'Value': 'ops'}])
    aws.delete_tags(Resources=[template], Tags=[{'Key': 'Stack'}])
    got = aws.describe_launch_templates(LaunchTemplateIds=[template])['LaunchTemplates'][0]['Tags']
    assert got == [{'Key': 'Owner', 'Value': 'ops'}]
