"""s3_bucket in-process against moto: made private, encrypted and TLS-only, rerun with reads only, check mode, diff,
versioning, encryption, tags, a user's policy kept, another stack's bucket refused, a bucket with objects kept unless
delete_objects, bad names refused before any call."""
import json

import boto3
import pytest

from ansible_collections.seed.laravel_aws.plugins.modules import s3_bucket

from ...conftest import REGION, mutating


@pytest.fixture
def s3(aws):
    return boto3.client('s3', region_name=REGION)


def tags_of(s3, name):
    try:
        return dict((t['Key'], t['Value']) for t in s3.get_bucket_tagging(Bucket=name)['TagSet'])
    except s3.exceptions.ClientError as exc:
        assert exc.response['Error']['Code'] == 'NoSuchTagSet'
        return {}


def settings(s3, name):
    enc = s3.get_bucket_encryption(Bucket=name)['ServerSideEncryptionConfiguration']['Rules'][0]['ApplyServerSideEncryptionByDefault']
    policy = json.loads(s3.get_bucket_policy(Bucket=name)['Policy'])
    return {'block': s3.get_public_access_block(Bucket=name)['PublicAccessBlockConfiguration'],
            'encryption': enc, 'versioning': s3.get_bucket_versioning(Bucket=name).get('Status'),
            'sids': [st.get('Sid') for st in policy['Statement']],
            'tags': tags_of(s3, name)}


def test_made_private_encrypted_tls_only_and_a_rerun_changes_nothing(s3, run_module, calls):
    args = {'name': 'demo-artifacts', 'stack': 'demo', 'tags': {'Tier': 'artifacts'}}
    plan = run_module(s3_bucket.main, args, check_mode=True, diff=True)
    assert plan['changed'] and mutating(calls) == [] and s3.list_buckets()['Buckets'] == []
    assert plan['s3_bucket']['require_tls'] and plan['diff']['before'] == {}
    made = run_module(s3_bucket.main, args, diff=True)
    assert made['changed'] and mutating(calls) == ['create_bucket', 'put_bucket_policy', 'put_bucket_tagging']
    bucket = made['s3_bucket']
    assert bucket['arn'] == 'arn:aws:s3:::demo-artifacts' and bucket['public_access_blocked'] and bucket['versioning'] == 'Disabled'
    got = settings(s3, 'demo-artifacts')
    assert all(got['block'].values()) and len(got['block']) == 4 and got['encryption']['SSEAlgorithm'] == 'AES256'
    assert got['sids'] == ['DenyInsecureTransport'] and got['tags'] == {'Tier': 'artifacts', 'Stack': 'demo'}
    assert s3.get_bucket_ownership_controls(Bucket='demo-artifacts')['OwnershipControls']['Rules'][0]['ObjectOwnership'] \
        == 'BucketOwnerEnforced'
    del calls[:]
    again = run_module(s3_bucket.main, args)
    assert again['changed'] is False and mutating(calls) == [] and again['s3_bucket'] == bucket


def test_versioning_encryption_and_tags_change_in_place(s3, run_module, calls):
    run_module(s3_bucket.main, {'name': 'demo-artifacts'})
    args = {'name': 'demo-artifacts', 'versioning': True, 'encryption': 'aws:kms', 'kms_key_id': 'alias/demo', 'tags': {'A': '1'}}
    on = run_module(s3_bucket.main, args, diff=True)
    assert on['changed'] and on['diff']['before']['versioning'] == 'Disabled' and on['s3_bucket']['versioning'] == 'Enabled'
    got = settings(s3, 'demo-artifacts')
    assert got['versioning'] == 'Enabled' and got['encryption'] == {'SSEAlgorithm': 'aws:kms', 'KMSMasterKeyID': 'alias/demo'}
    del calls[:]
    # left out: versioning, encryption and tags stay as they are
    assert run_module(s3_bucket.main, {'name': 'demo-artifacts'})['changed'] is False and mutating(calls) == []
    off = run_module(s3_bucket.main, {'name': 'demo-artifacts', 'versioning': False, 'tags': {}})
    assert off['s3_bucket']['versioning'] == 'Suspended' and settings(s3, 'demo-artifacts')['versioning'] == 'Suspended'
    assert off['s3_bucket']['tags'] == {} and off['s3_bucket']['encryption'] == 'aws:kms'
    assert 'delete_bucket_tagging' in mutating(calls)


def test_a_public_bucket_is_made_private_and_a_users_statement_is_kept(s3, run_module):
    s3.create_bucket(Bucket='demo-site')
    s3.put_public_access_block(Bucket='demo-site', PublicAccessBlockConfiguration=dict(
        BlockPublicAcls=False, IgnorePublicAcls=False, BlockPublicPolicy=False, RestrictPublicBuckets=False))
    theirs = {'Sid': 'ReadByCdn', 'Effect': 'Allow', 'Principal': {'AWS': 'arn:aws:iam::123456789012:root'},
              'Action': 's3:GetObject', 'Resource': 'arn:aws:s3:::demo-site/*'}
    s3.put_bucket_policy(Bucket='demo-site', Policy=json.dumps({'Version': '2012-10-17', 'Statement': [theirs]}))
    done = run_module(s3_bucket.main, {'name': 'demo-site'})
    assert done['changed'] and done['s3_bucket']['public_access_blocked']
    got = settings(s3, 'demo-site')
    assert all(got['block'].values()) and got['sids'] == ['ReadByCdn', 'DenyInsecureTransport']
    plain = run_module(s3_bucket.main, {'name': 'demo-site', 'require_tls': False})
    assert plain['changed'] and settings(s3, 'demo-site')['sids'] == ['ReadByCdn']


def test_a_bucket_with_objects_is_kept_unless_delete_objects(s3, run_module, calls):
    # without the TLS-only statement: this test's client talks plain HTTP to moto, which applies bucket policies
    run_module(s3_bucket.main, {'name': 'demo-artifacts', 'versioning': True, 'stack': 'demo', 'require_tls': False})
    s3.put_object(Bucket='demo-artifacts', Key='releases/1.tar.gz', Body=b'one')
    s3.put_object(Bucket='demo-artifacts', Key='releases/1.tar.gz', Body=b'two')
    del calls[:]
    kept = run_module(s3_bucket.main, {'name': 'demo-artifacts', 'stack': 'demo', 'state': 'absent'})
    assert kept['failed'] and kept['field'] == 'delete_objects' and '2 object versions' in kept['msg']
    assert mutating(calls) == [] and s3.head_bucket(Bucket='demo-artifacts')
    plan = run_module(s3_bucket.main, {'name': 'demo-artifacts', 'stack': 'demo', 'state': 'absent', 'delete_objects': True},
                      check_mode=True)
    assert plan['changed'] and mutating(calls) == []
    gone = run_module(s3_bucket.main, {'name': 'demo-artifacts', 'stack': 'demo', 'state': 'absent', 'delete_objects': True},
                      diff=True)
    assert gone['changed'] and gone['s3_bucket'] == {} and gone['diff']['before']['name'] == 'demo-artifacts'
    assert s3.list_buckets()['Buckets'] == []
    assert run_module(s3_bucket.main, {'name': 'demo-artifacts', 'state': 'absent'})['changed'] is False


@pytest.mark.parametrize('state', ['present', 'absent'])
def test_another_stacks_bucket_is_refused_before_any_change(s3, run_module, calls, state):
    s3.create_bucket(Bucket='demo-artifacts')
    s3.put_bucket_tagging(Bucket='demo-artifacts', Tagging={'TagSet': [{'Key': 'Stack', 'Value': 'other'}]})
    del calls[:]
    refused = run_module(s3_bucket.main, {'name': 'demo-artifacts', 'stack': 'demo', 'state': state, 'versioning': True})
    assert refused['failed'] and refused['field'] == 'stack' and 'other' in refused['msg'] and mutating(calls) == []


@pytest.mark.parametrize('args, field, words', [
    ({'name': 'Demo-Artifacts'}, 'name', 'lowercase letters'),
    ({'name': 'ab'}, 'name', 'between 3 (min) and 63 (max)'),
    ({'name': 'demo..artifacts'}, 'name', 'two adjacent periods'),
    ({'name': '10.0.0.1'}, 'name', 'IP address'),
    ({'name': 'xn--demo'}, 'name', 'prefix'),
    ({'name': 'demo-s3alias'}, 'name', 'suffix'),
    ({'name': 'demo-artifacts', 'kms_key_id': 'alias/x'}, 'kms_key_id', 'encryption: aws:kms'),
    ({'name': 'demo-artifacts', 'stack': 'Demo!'}, 'stack', ''),
])
def test_bad_input_is_refused_before_any_call(s3, run_module, calls, args, field, words):
    del calls[:]
    result = run_module(s3_bucket.main, args)
    assert result['failed'] and result['field'] == field and words in result['msg'], result
    assert calls == []
