"""s3_object through ansible-playbook against the emulator as strict as AWS (throttled, its parameter rules enforced):
a release uploaded once with its SHA-256 (checked by S3 on the way, kept in its metadata), rerun with reads only, check
mode, a new content uploaded as a new version, tags, absent, another stack's bucket and bad input refused before any
change, and a lost answer on PutObject making one object. What is asserted is what a user sees: the object as boto3
reads it, the module's results, and the requests the emulator recorded."""
import hashlib

import boto3
from botocore.config import Config

A = 'seed.laravel_aws.s3_object'
STRICT = {'strict': True, 'throttle': 0.2, 'seed': 37}
BUCKET = 'it-artifacts'
KEY = 'releases/it/1a2b3c.tar.gz'


def s3_client(aws):
    return boto3.client('s3', region_name='us-east-1', endpoint_url=aws.url, aws_access_key_id='testing',
                        aws_secret_access_key='testing', config=Config(retries={'max_attempts': 10, 'mode': 'standard'}))


def bucket(s3, name=BUCKET, stack='it'):
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={'Status': 'Enabled'})
    s3.put_bucket_tagging(Bucket=name, Tagging={'TagSet': [{'Key': 'Stack', 'Value': stack}]})


def task(**options):
    return {'name': 'object', A: dict({'bucket': BUCKET, 'key': KEY, 'stack': 'it'}, **options), 'ignore_errors': True}


def test_uploaded_once_checked_versioned_tagged_and_deleted(playbook, aws, tmp_path):
    s3 = s3_client(aws)
    bucket(s3)
    release = tmp_path / 'release.tar.gz'
    release.write_bytes(b'release one\n' * 1000)
    digest = hashlib.sha256(release.read_bytes()).hexdigest()
    aws.faults(**STRICT)
    aws.forget()
    plan = playbook([task(src=str(release))], check=True, diff=True)
    assert plan.task('object')['changed'] and plan.task('object')['object']['sha256'] == digest and aws.changes() == []

    made = playbook([task(src=str(release), tags={'Release': '1a2b3c'})], diff=True)
    result = made.task('object')
    assert made.rc == 0 and result['changed'], result.get('msg')
    assert aws.changes() == ['PutObject'] and result['object']['version_id']
    head = s3.head_object(Bucket=BUCKET, Key=KEY)
    assert head['Metadata'] == {'sha256': digest} and head['ContentLength'] == 12000
    assert s3.get_object(Bucket=BUCKET, Key=KEY)['Body'].read() == release.read_bytes()
    assert s3.get_object_tagging(Bucket=BUCKET, Key=KEY)['TagSet'] == [{'Key': 'Release', 'Value': '1a2b3c'}]

    aws.forget()
    again = playbook([task(src=str(release), tags={'Release': '1a2b3c'})])
    assert again.task('object')['changed'] is False and aws.changes() == []

    retagged = playbook([task(src=str(release), tags={'Release': '1a2b3c', 'Current': 'yes'})], diff=True)
    assert retagged.task('object')['changed'] and aws.changes() == ['PutObjectTagging']

    aws.forget()
    text = playbook([task(content='{"release": "1a2b3c"}', content_type='application/json')])
    assert text.task('object')['changed'] and aws.changes() == ['PutObject'], text.task('object').get('msg')
    versions = s3.list_object_versions(Bucket=BUCKET, Prefix=KEY)['Versions']
    assert len(versions) == 2  # the first content kept as a version, as a versioned bucket keeps it
    assert s3.get_object(Bucket=BUCKET, Key=KEY)['Body'].read() == b'{"release": "1a2b3c"}'

    aws.forget()
    gone = playbook([task(state='absent')])
    assert gone.task('object')['changed'] and aws.changes() == ['DeleteObject']
    aws.forget()
    assert playbook([task(state='absent')]).task('object')['changed'] is False and aws.changes() == []


def test_a_lost_answer_makes_one_object(playbook, aws):
    s3 = s3_client(aws)
    bucket(s3)
    aws.faults(lose=['PutObject'], lose_times=1, **STRICT)
    made = playbook([task(content='one')])
    assert made.rc == 0 and made.task('object')['changed'], made.task('object').get('msg')
    assert len(s3.list_object_versions(Bucket=BUCKET, Prefix=KEY)['Versions']) == 1


def test_another_stacks_bucket_and_bad_input_are_refused_before_any_change(playbook, aws, tmp_path):
    s3 = s3_client(aws)
    bucket(s3, 'their-artifacts', stack='other')
    aws.faults(**STRICT)
    aws.forget()
    for options, field, said in ((dict(key='k' * 1025, content='x'), 'key', 'object-keys.html'),
                                 (dict(src=str(tmp_path / 'missing.tar.gz')), 'src', 'not a file'),
                                 (dict(), 'src', 'content'),
                                 (dict(content='x', tags=dict(('t%d' % i, 'v') for i in range(11))), 'tags', 'at most 10')):
        refused = playbook([task(**options)]).task('object')
        assert refused['failed'] and refused['field'] == field and said in refused['msg'], refused
    assert aws.requests() == []
    theirs = playbook([task(bucket='their-artifacts', content='x')]).task('object')
    assert theirs['failed'] and theirs['field'] == 'bucket' and "stack 'other'" in theirs['msg'], theirs
    missing = playbook([task(bucket='no-such-artifacts', content='x')]).task('object')
    assert missing['failed'] and missing['field'] == 'bucket' and 'does not exist' in missing['msg'], missing
    assert aws.changes() == []
