"""emulator.s3_integrity: an upload whose body is not what its checksums say is refused with BadDigest, as S3 refuses it,
whether the checksum is a header or the trailer of an aws-chunked body; a body that matches passes, and so does an upload
without checksums. Then through boto3 against the emulator's app: the empty body of a retried file upload is refused and
nothing is stored."""
import base64
import hashlib
import threading

import boto3
import pytest
from botocore.exceptions import ClientError

from emulator.s3_integrity import BAD_DIGEST, ObjectIntegrity, decode_chunked

BODY = b'release\n' * 100


def b64(digest):
    return base64.b64encode(digest).decode('ascii')


def refuse(environ, body, action='PutObject'):
    return ObjectIntegrity().refuse(action, {}, 'us-east-1', environ, body)


def test_a_header_checksum_is_checked_against_the_body():
    good = {'HTTP_X_AMZ_CHECKSUM_SHA256': b64(hashlib.sha256(BODY).digest())}
    assert refuse(good, BODY) is None
    assert refuse(good, b'') == BAD_DIGEST and refuse(good, BODY[:-1]) == BAD_DIGEST
    assert refuse({'CONTENT_MD5': b64(hashlib.md5(BODY).digest())}, BODY) is None
    assert refuse({'CONTENT_MD5': b64(hashlib.md5(b'other').digest())}, BODY) == BAD_DIGEST
    assert refuse({}, BODY) is None  # no checksum sent: nothing to check
    assert refuse(good, b'', action='GetObject') is None


def test_an_aws_chunked_body_is_decoded_and_its_trailer_checked():
    chunked = (b'%x;chunk-signature=abc\r\n' % len(BODY)) + BODY + b'\r\n0\r\n'
    trailer = b'x-amz-checksum-crc32:%s\r\n\r\n'
    import struct
    import zlib
    crc = b64(struct.pack('>I', zlib.crc32(BODY) & 0xffffffff)).encode()
    assert decode_chunked(chunked + trailer % crc) == (BODY, {'x-amz-checksum-crc32': crc.decode()})
    env = {'HTTP_CONTENT_ENCODING': 'aws-chunked', 'HTTP_X_AMZ_TRAILER': 'x-amz-checksum-crc32'}
    assert refuse(env, chunked + trailer % crc) is None
    assert refuse(env, chunked + trailer % b'AAAAAA==') == BAD_DIGEST


@pytest.fixture
def s3():
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server
    from emulator import server
    from emulator.fidelity import patch_moto
    patch_moto()
    app = server.Recorder(DomainDispatcherApplication(create_backend_app), hooks=[ObjectIntegrity()])
    httpd = make_server('127.0.0.1', 0, app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield boto3.client('s3', region_name='us-east-1', endpoint_url='http://127.0.0.1:%d' % httpd.server_port,
                       aws_access_key_id='testing', aws_secret_access_key='testing')
    httpd.shutdown()


def test_through_the_emulator_an_empty_retry_is_refused_and_nothing_stored(s3):
    s3.create_bucket(Bucket='integrity-check')
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket='integrity-check', Key='k', Body=b'', ChecksumSHA256=b64(hashlib.sha256(BODY).digest()))
    assert caught.value.response['Error']['Code'] == 'BadDigest'
    assert s3.list_objects_v2(Bucket='integrity-check').get('KeyCount') == 0
    s3.put_object(Bucket='integrity-check', Key='k', Body=BODY, ChecksumSHA256=b64(hashlib.sha256(BODY).digest()))
    assert s3.get_object(Bucket='integrity-check', Key='k')['Body'].read() == BODY
    assert s3.head_object(Bucket='integrity-check', Key='k')['ContentLength'] == len(BODY)  # HEAD: the object's size
