"""S3's integrity checks of an upload, which moto does not make: a PutObject or UploadPart whose body does not match the
checksum the client sent with it (Content-MD5, x-amz-checksum-sha256, -sha1, -crc32, in the headers or in the trailer of
an aws-chunked body) is refused with BadDigest, "The Content-MD5 or checksum value that you specified did not match what
the server received" (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html;
https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html), and nothing is stored. moto kept
whatever arrived: a client that sent an empty body (a file read to its end by a first try, sent again) with the
checksum of the whole file got a 200 and an empty object. In both profiles: it is S3's behaviour, not a strictness."""
import base64
import hashlib
import struct
import zlib

from emulator.server import Hook

CHECKED = ('PutObject', 'UploadPart')
BAD_DIGEST = ('400 Bad Request', 'BadDigest',
              'The Content-MD5 or checksum value that you specified did not match what the server received.')


def _crc32(data):
    return struct.pack('>I', zlib.crc32(data) & 0xffffffff)


DIGESTS = {'content-md5': lambda d: hashlib.md5(d).digest(),  # nosec: S3's own integrity header
           'x-amz-checksum-sha256': lambda d: hashlib.sha256(d).digest(),
           'x-amz-checksum-sha1': lambda d: hashlib.sha1(d).digest(),  # nosec: S3's own checksum algorithm
           'x-amz-checksum-crc32': _crc32}


def decode_chunked(body):
    """(data, trailer headers) of an aws-chunked body: ``<hex size>[;chunk-signature=...]\\r\\n<data>\\r\\n`` ... then a
    chunk of size 0 and the trailing headers."""
    data, rest = [], body
    while rest:
        line, dummy, rest = rest.partition(b'\r\n')
        size = int(line.split(b';', 1)[0] or b'0', 16)
        if size == 0:
            break
        data.append(rest[:size])
        rest = rest[size + 2:]
    trailer = {}
    for line in rest.split(b'\r\n'):
        name, sep, value = line.decode('latin-1').partition(':')
        if sep:
            trailer[name.strip().lower()] = value.strip()
    return b''.join(data), trailer


def sent_checksums(environ, body):
    """(the object's bytes, {header: base64 value}) of an upload as the client sent it."""
    headers = dict((k[5:].replace('_', '-').lower(), v) for k, v in environ.items() if k.startswith('HTTP_'))
    if environ.get('CONTENT_MD5'):
        headers['content-md5'] = environ['CONTENT_MD5']
    chunked = 'aws-chunked' in (environ.get('HTTP_CONTENT_ENCODING') or '') or \
        (headers.get('x-amz-content-sha256') or '').startswith('STREAMING-')
    data, trailer = decode_chunked(body) if chunked else (body, {})
    headers.update(trailer)
    return data, dict((k, v) for k, v in headers.items() if k in DIGESTS)


class ObjectIntegrity(Hook):
    """BadDigest for an upload whose body is not what its checksums say (see the module's docstring)."""

    def refuse(self, action, form, region, environ, body):
        if action not in CHECKED:
            return None
        data, sent = sent_checksums(environ, body or b'')
        for header, value in sorted(sent.items()):
            if base64.b64encode(DIGESTS[header](data)).decode('ascii') != value.strip():
                return BAD_DIGEST
        return None
