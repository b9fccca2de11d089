"""s3_bucket through ansible-playbook against the emulator as strict as AWS: S3's REST API named, throttled (503
SlowDown) and refused by AWS's bucket naming rules there too, a new bucket made as AWS makes it (SSE-S3, public access
blocked, ACLs off). What is asserted is what a user sees: the bucket as boto3 reads it from the emulator, the module's
result, and the requests the emulator recorded (none that changes anything on a rerun or in check mode)."""
import json

import boto3
from botocore.config import Config

from conftest import READS

A = 'seed.laravel_aws.'
STRICT = {'strict': True, 'throttle': 0.3, 'seed': 33}


def s3_client(aws):
    return boto3.client('s3', region_name='us-east-1', endpoint_url=aws.url, aws_access_key_id='testing',
                        aws_secret_access_key='testing', config=Config(retries={'max_attempts': 10, 'mode': 'standard'}))


def changes(aws):
    """The mutating requests the emulator carried out (not throttled)."""
    return [r['action'] for r in aws.requests() if not r['action'].startswith(READS) and r.get('fault') != 'throttled']


def bucket_task(title, **args):
    return {'name': title, A + 's3_bucket': args, 'register': 'bucket', 'ignore_errors': True}


def test_made_as_asked_rerun_with_reads_only_and_deleted_with_its_objects(playbook, aws):
    s3 = s3_client(aws)
    aws.faults(**STRICT)
    aws._get('/_seed/requests', method='DELETE')  # pylint: disable=protected-access
    args = {'name': 'it-artifacts', 'stack': 'it', 'versioning': True, 'tags': {'Tier': 'artifacts'}}
    plan = playbook([bucket_task('bucket', **args)], check=True, diff=True)
    assert plan.task('bucket')['changed'] and changes(aws) == [] and s3.list_buckets()['Buckets'] == []

    made = playbook([bucket_task('bucket', **args)], diff=True)
    result = made.task('bucket')
    assert made.rc == 0 and result['changed'], result.get('msg')
    assert result['s3_bucket']['versioning'] == 'Enabled' and result['s3_bucket']['public_access_blocked']
    assert any(r.get('fault') == 'throttled' for r in aws.requests()), aws.requests()
    assert sorted(set(changes(aws))) == ['CreateBucket', 'PutBucketPolicy', 'PutBucketTagging', 'PutBucketVersioning']
    block = s3.get_public_access_block(Bucket='it-artifacts')['PublicAccessBlockConfiguration']
    assert all(block.values()) and len(block) == 4
    rule = s3.get_bucket_encryption(Bucket='it-artifacts')['ServerSideEncryptionConfiguration']['Rules'][0]
    assert rule['ApplyServerSideEncryptionByDefault']['SSEAlgorithm'] == 'AES256'
    policy = json.loads(s3.get_bucket_policy(Bucket='it-artifacts')['Policy'])
    assert [st['Condition'] for st in policy['Statement']] == [{'Bool': {'aws:SecureTransport': 'false'}}]

    aws._get('/_seed/requests', method='DELETE')  # pylint: disable=protected-access
    again = playbook([bucket_task('bucket', **args)])
    assert again.task('bucket')['changed'] is False and changes(aws) == []

    kept = playbook([bucket_task('bucket', name='it-artifacts', stack='other', state='absent')])
    assert kept.task('bucket')['failed'] and kept.task('bucket')['field'] == 'stack' and changes(aws) == []
    gone = playbook([bucket_task('bucket', name='it-artifacts', stack='it', state='absent', delete_objects=True)])
    assert gone.task('bucket')['changed'] and 'DeleteBucket' in changes(aws)
    assert s3.list_buckets()['Buckets'] == []


def test_a_name_aws_refuses_is_refused_before_any_call_and_by_the_emulator_too(playbook, aws):
    aws._get('/_seed/requests', method='DELETE')  # pylint: disable=protected-access
    refused = playbook([bucket_task('bucket', name='It_Artifacts')])
    result = refused.task('bucket')
    assert result['failed'] and result['field'] == 'name' and 'InvalidBucketName' in result['msg']
    assert 'bucketnamingrules.html' in result['msg'] and aws.requests() == []
    aws.faults(strict=True)
    try:
        s3_client(aws).create_bucket(Bucket='it..artifacts')
        raise AssertionError('the emulator took a bucket name AWS refuses')
    except s3_client(aws).exceptions.ClientError as exc:
        assert exc.response['Error']['Code'] == 'InvalidBucketName'
