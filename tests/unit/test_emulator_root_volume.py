"""emulator.fidelity.patch_root_volumes: a launch template that maps the image's root device with only its type and
encryption (the launch_template module's root_volume without a size) launches, its root volume made from the image's
snapshot at its size, as EC2 does; a mapping of another device without size or snapshot is still refused, as EC2
refuses it (MissingParameter)."""
import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from emulator.fidelity import patch_moto


@mock_aws
def test_the_root_device_without_a_size_takes_the_images_snapshot():
    patch_moto()
    ec2 = boto3.client('ec2', region_name='us-east-1')
    base = ec2.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    source = ec2.run_instances(ImageId=base, MinCount=1, MaxCount=1)['Instances'][0]['InstanceId']
    image = ec2.describe_images(ImageIds=[ec2.create_image(InstanceId=source, Name='root-volume-test')['ImageId']])['Images'][0]
    root = image['RootDeviceName']
    size = image['BlockDeviceMappings'][0]['Ebs']['VolumeSize']
    ec2.create_launch_template(LaunchTemplateName='rv', LaunchTemplateData={
        'ImageId': image['ImageId'], 'BlockDeviceMappings': [{'DeviceName': root, 'Ebs': {'VolumeType': 'gp3', 'Encrypted': True}}]})
    launched = ec2.run_instances(MinCount=1, MaxCount=1, LaunchTemplate={'LaunchTemplateName': 'rv'})['Instances'][0]
    volumes = ec2.describe_volumes(Filters=[{'Name': 'attachment.instance-id', 'Values': [launched['InstanceId']]}])['Volumes']
    mine = [v for v in volumes if v['Attachments'][0]['Device'] == root]
    assert len(mine) == 1 and mine[0]['Size'] == size and mine[0]['Encrypted'] is True
    assert mine[0]['SnapshotId'] == image['BlockDeviceMappings'][0]['Ebs']['SnapshotId']

    with pytest.raises(ClientError) as refused:
        ec2.run_instances(ImageId=image['ImageId'], MinCount=1, MaxCount=1,
                          BlockDeviceMappings=[{'DeviceName': '/dev/sdf', 'Ebs': {'VolumeType': 'gp3'}}])
    assert refused.value.response['Error']['Code'] == 'MissingParameter'
