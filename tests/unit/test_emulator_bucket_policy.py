"""emulator.fidelity.bucket_policy_permission: a bucket policy's statement applies only when its Condition holds, as IAM
evaluates it. A TLS-only bucket (s3_bucket's DenyInsecureTransport) takes the emulator's requests, which stand for
requests to AWS's HTTPS endpoints; a Deny without condition still denies; an Allow to everyone permits; another
principal's statement is left to the request's credentials; an unknown condition key makes its statement not apply.
Then through moto's S3 with the patch: the TLS-only bucket answers HeadObject (moto answered 403 to every request)."""
import json
import threading

import boto3
from moto.iam.access_control import PermissionResult

from emulator.fidelity import bucket_policy_permission, patch_moto

ARN = 'arn:aws:s3:::demo-artifacts'
TLS_ONLY = {'Sid': 'DenyInsecureTransport', 'Effect': 'Deny', 'Principal': '*', 'Action': 's3:*', 'Resource': [ARN, ARN + '/*'],
            'Condition': {'Bool': {'aws:SecureTransport': 'false'}}}


def permission(*statements, action='s3:GetObject', resource=ARN + '/releases/x'):
    return bucket_policy_permission(json.dumps({'Version': '2012-10-17', 'Statement': list(statements)}), action, resource)


def test_a_statement_applies_only_when_its_condition_holds():
    assert permission(TLS_ONLY) == PermissionResult.NEUTRAL
    assert permission(dict(TLS_ONLY, Condition={'Bool': {'aws:SecureTransport': 'true'}})) == PermissionResult.DENIED
    assert permission(dict(TLS_ONLY, Condition=None)) == PermissionResult.DENIED
    assert permission(dict(TLS_ONLY, Condition={'StringEquals': {'aws:SourceVpce': 'vpce-1'}})) == PermissionResult.NEUTRAL
    allow = {'Effect': 'Allow', 'Principal': '*', 'Action': ['s3:GetObject'], 'Resource': ARN + '/releases/*'}
    assert permission(allow) == PermissionResult.PERMITTED
    assert permission(allow, action='s3:PutObject') == PermissionResult.NEUTRAL
    assert permission(allow, resource=ARN + '/other') == PermissionResult.NEUTRAL
    assert permission(dict(allow, Principal={'AWS': 'arn:aws:iam::123456789012:root'})) == PermissionResult.NEUTRAL
    assert permission(allow, dict(TLS_ONLY, Condition=None)) == PermissionResult.DENIED  # a Deny wins


def test_a_tls_only_bucket_answers_through_moto():
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server
    patch_moto()
    srv = make_server('127.0.0.1', 0, DomainDispatcherApplication(create_backend_app), threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        s3 = boto3.client('s3', region_name='us-east-1', endpoint_url='http://127.0.0.1:%d' % srv.server_port,
                          aws_access_key_id='testing', aws_secret_access_key='testing')
        s3.create_bucket(Bucket='demo-artifacts')
        s3.put_object(Bucket='demo-artifacts', Key='releases/x', Body=b'x')
        s3.put_bucket_policy(Bucket='demo-artifacts', Policy=json.dumps({'Version': '2012-10-17', 'Statement': [TLS_ONLY]}))
        assert s3.head_object(Bucket='demo-artifacts', Key='releases/x')['ContentLength'] == 1
        s3.put_bucket_policy(Bucket='demo-artifacts', Policy=json.dumps({'Version': '2012-10-17', 'Statement': [
            dict(TLS_ONLY, Condition=None, Action='s3:PutObject')]}))
        try:
            s3.put_object(Bucket='demo-artifacts', Key='releases/y', Body=b'y')
            raise AssertionError('a Deny without condition let PutObject in')
        except s3.exceptions.ClientError as exc:
            assert exc.response['Error']['Code'] in ('403', 'AccessDenied')
    finally:
        srv.shutdown()
