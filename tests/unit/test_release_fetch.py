"""roles/laravel/files/laravel_release_fetch.py, the boot-time fetch of the current release on an instance the Auto Scaling
group launched: its Signature Version 4 is botocore's to the byte; against an S3 (moto's server) and an instance
metadata service (IMDSv2, a small stand-in here) it unpacks the release the pointer names and switches `current`, does
nothing when that release is here already, and refuses (exit 1, nothing switched) an archive whose SHA-256 is not the
pointer's, a pointer that names no valid release, an archive with a member outside the release, and a host without
credentials."""
import datetime
import hashlib
import importlib.machinery
import importlib.util
import io
import json
import os
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, 'roles', 'laravel', 'files', 'laravel_release_fetch.py')
CREDS = {'Code': 'Success', 'AccessKeyId': 'ASIAEXAMPLE', 'SecretAccessKey': 'secret/key+1', 'Token': 'session-token'}


def load():
    loader = importlib.machinery.SourceFileLoader('laravel_release_fetch', SCRIPT)
    spec = importlib.util.spec_from_loader('laravel_release_fetch', loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


fetch = load()


def test_the_signature_is_botocores():
    url = 'https://s3.eu-west-1.amazonaws.com/demo-artifacts/releases/demo/a%20b%2Bc.tar.gz?versionId=x~1'
    theirs = AWSRequest(method='GET', url=url, headers={'x-amz-content-sha256': fetch.EMPTY_SHA256})
    S3SigV4Auth(Credentials(CREDS['AccessKeyId'], CREDS['SecretAccessKey'], CREDS['Token']), 's3', 'eu-west-1').add_auth(theirs)
    when = datetime.datetime.strptime(theirs.headers['X-Amz-Date'], '%Y%m%dT%H%M%SZ').replace(tzinfo=datetime.timezone.utc)
    ours = fetch.signed_request(url, 'eu-west-1', CREDS, now=when)
    assert ours.get_header('Authorization') == theirs.headers['Authorization']
    assert ours.get_header('X-amz-security-token') == 'session-token'


class Metadata(BaseHTTPRequestHandler):
    """IMDSv2 as far as the script uses it: a token by PUT, the role's name and its credentials with the token."""
    role = 'demo-web'

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass

    def _send(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):  # pylint: disable=invalid-name
        ok = self.path == '/latest/api/token' and self.headers.get('X-aws-ec2-metadata-token-ttl-seconds')
        self._send(200 if ok else 400, 'tok' if ok else '')

    def do_GET(self):  # pylint: disable=invalid-name
        if self.headers.get('X-aws-ec2-metadata-token') != 'tok':
            return self._send(401, '')
        base = '/latest/meta-data/iam/security-credentials/'
        if self.path == base:
            return self._send(200 if self.role else 404, self.role or '')
        if self.role and self.path == base + self.role:
            return self._send(200, json.dumps(CREDS))
        return self._send(404, '')


def serve(handler):
    httpd = ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, 'http://127.0.0.1:%d' % httpd.server_port


@pytest.fixture
def world(tmp_path):
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server
    s3_server = make_server('127.0.0.1', 0, DomainDispatcherApplication(create_backend_app), threaded=True)
    threading.Thread(target=s3_server.serve_forever, daemon=True).start()
    endpoint = 'http://127.0.0.1:%d' % s3_server.server_port
    metadata, metadata_url = serve(Metadata)
    s3 = boto3.client('s3', region_name='us-east-1', endpoint_url=endpoint, aws_access_key_id='testing', aws_secret_access_key='testing')
    s3.create_bucket(Bucket='demo-artifacts')
    root = tmp_path / 'app'
    (root / 'releases').mkdir(parents=True)
    conf = {'bucket': 'demo-artifacts', 'region': 'us-east-1', 'pointer': 'releases/demo/current.json', 'root': str(root),
            's3_endpoint': endpoint, 'metadata_url': metadata_url}
    (tmp_path / 'conf.json').write_text(json.dumps(conf))
    yield s3, conf, root, str(tmp_path / 'conf.json')
    metadata.shutdown()
    s3_server.shutdown()


def archive(files, links=(), top='0a1b2c3d4e5f'):
    """A release's archive as the laravel role packs it: the release's directory and what is in it."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode='w:gz') as tar:
        info = tarfile.TarInfo(top)
        info.type, info.mode = tarfile.DIRTYPE, 0o2775
        tar.addfile(info)
        for name, data in files.items():
            name = name if name.startswith('../') else '%s/%s' % (top, name)
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o664
            tar.addfile(info, io.BytesIO(data))
        for name, target in links:
            info = tarfile.TarInfo('%s/%s' % (top, name))
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return out.getvalue()


def publish(s3, release, data, digest=None):
    key = 'releases/demo/%s.tar.gz' % release
    s3.put_object(Bucket='demo-artifacts', Key=key, Body=data, Metadata={'sha256': hashlib.sha256(data).hexdigest()})
    pointer = {'release': release, 'key': key, 'sha256': digest or hashlib.sha256(data).hexdigest()}
    s3.put_object(Bucket='demo-artifacts', Key='releases/demo/current.json', Body=json.dumps(pointer).encode())


def test_the_current_release_is_unpacked_and_switched_once(world, capsys):
    s3, dummy, root, conf = world
    publish(s3, '0a1b2c3d4e5f', archive({'public/index.php': b'<?php echo "v1";', '.seed-release': b''}, [('.env', '../../shared/.env')]))
    assert fetch.main(['fetch', conf]) == 0
    assert os.readlink(root / 'current') == str(root / 'releases' / '0a1b2c3d4e5f')
    assert (root / 'current' / 'public' / 'index.php').read_bytes() == b'<?php echo "v1";'
    assert os.readlink(root / 'current' / '.env') == '../../shared/.env'
    assert 'fetched from s3://demo-artifacts/releases/demo/0a1b2c3d4e5f.tar.gz' in capsys.readouterr().out
    assert fetch.main(['fetch', conf]) == 0  # the same release: nothing downloaded again
    assert 'is current here already' in capsys.readouterr().out

    publish(s3, '5f4e3d2c1b0a', archive({'public/index.php': b'<?php echo "v2";'}, top='5f4e3d2c1b0a'))
    assert fetch.main(['fetch', conf]) == 0
    assert (root / 'current' / 'public' / 'index.php').read_bytes() == b'<?php echo "v2";'


@pytest.mark.parametrize('case', ['checksum', 'pointer', 'outside', 'no role'])
def test_a_bad_artifact_or_host_is_refused_and_nothing_switched(world, capsys, case):
    s3, dummy, root, conf = world
    good = archive({'public/index.php': b'v1'})
    publish(s3, '0a1b2c3d4e5f', good)
    assert fetch.main(['fetch', conf]) == 0
    capsys.readouterr()
    if case == 'checksum':
        publish(s3, '5f4e3d2c1b0a', archive({'public/index.php': b'v2'}, top='5f4e3d2c1b0a'), digest=hashlib.sha256(b'other').hexdigest())
        said = 'not unpacked'
    elif case == 'pointer':
        s3.put_object(Bucket='demo-artifacts', Key='releases/demo/current.json', Body=b'{"release": "../x", "key": "k", "sha256": ""}')
        said = 'no valid release'
    elif case == 'outside':
        publish(s3, '5f4e3d2c1b0a', archive({'../../etc/cron.d/evil': b'* * * * * root true'}, top='5f4e3d2c1b0a'))
        said = 'outside the release'
    else:
        Metadata.role = ''
        said = 'instance profile'
    pauses = []
    try:
        assert fetch.main(['fetch', conf], pause=pauses.append) == 1
    finally:
        Metadata.role = 'demo-web'
    assert said in capsys.readouterr().err
    assert pauses == ([fetch.DELAY] * (fetch.ATTEMPTS - 1) if case == 'no role' else [])  # a refusal is not tried again
    assert os.readlink(root / 'current').endswith('0a1b2c3d4e5f')  # still the release it served
    assert not (root / 'releases' / '5f4e3d2c1b0a').exists() and not (root.parent / 'etc').exists()


def test_an_instance_launched_from_the_image_removes_the_scheduler_entry(world, monkeypatch, capsys):
    """The image host's crontab holds the scheduler's entry; an instance of its image (another instance id) removes it."""
    dummy, conf_data, dummy2, dummy3 = world
    crontab = {'text': '#Ansible: laravel app schedule:run\n* * * * * cd /var/www/app/current && php artisan schedule:run\n'
                       '#Ansible: other\n@daily true\n'}
    calls = []

    def fake_run(argv, **kwargs):
        calls.append(argv)
        if argv[-1] == '-l':
            return type('R', (), {'returncode': 0, 'stdout': crontab['text']})()
        crontab['text'] = kwargs['input']
        return type('R', (), {'returncode': 0, 'stdout': ''})()
    monkeypatch.setattr(fetch.subprocess, 'run', fake_run)
    monkeypatch.setattr(fetch, 'instance_id', lambda metadata=None: 'i-0launchedbythegroup')
    conf = dict(conf_data, scheduler_instance='i-0theimagehost', scheduler_user='admin', scheduler_entry='laravel app schedule:run')
    assert fetch.scheduler_off(conf) is True
    assert crontab['text'] == '#Ansible: other\n@daily true\n' and calls[0] == ['crontab', '-u', 'admin', '-l']
    assert 'the scheduler runs on i-0theimagehost, not here' in capsys.readouterr().out
    assert fetch.scheduler_off(conf) is False  # removed already: nothing written again
    monkeypatch.setattr(fetch, 'instance_id', lambda metadata=None: 'i-0theimagehost')
    crontab['text'] = '#Ansible: laravel app schedule:run\n* * * * * true\n'
    assert fetch.scheduler_off(conf) is False and 'schedule:run' in crontab['text']  # the image host keeps it
