# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""laravel_release_fetch.py: the release the stack's artifact bucket names as current, on this host, before Apache starts.

An instance that an Auto Scaling group launches from the web tier's image runs this at boot (laravel-release.service,
ordered before apache2.service, which requires it): with the instance profile's temporary credentials (IMDSv2), it
reads the pointer object (JSON: release, key, sha256), and, unless the release is already here with that checksum
(the image's own, usually), downloads the release's archive, checks its SHA-256 against the pointer's and against
the object's own x-amz-meta-sha256, unpacks it beside the others (releases/<release>), and switches `current` to it
with a rename. Any failure exits non-zero with the reason on stderr (the journal): Apache then does not start, the
load balancer's health check never passes, and the instance never takes traffic; the group replaces it.

Python's standard library only (no AWS SDK on the host): IMDSv2
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html) and a Signature
Version 4 GET (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html).
Configuration: /etc/laravel-release.json (written by the laravel role), or the file given as the first argument.
Run as `python3 /usr/local/lib/seed-laravel/laravel_release_fetch.py [config]` (laravel-release.service does): the
interpreter is named, as Debian has no `python` and Amazon Linux's /usr/bin/python3 is the one to use.
"""

import datetime
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

CONFIG = '/etc/laravel-release.json'
METADATA = 'http://169.254.169.254'
EMPTY_SHA256 = hashlib.sha256(b'').hexdigest()
TIMEOUT = 10
CHUNK = 1024 * 1024
ATTEMPTS = 6  # tries of the whole fetch, DELAY seconds apart, before the boot gives up
DELAY = 5


class FetchError(Exception):
    """A reason the release cannot be served: said on stderr, exit status 1 (after the tries a boot's network may need)."""


class Refused(FetchError):
    """What no second try changes: a bad pointer or archive."""


def _open(request, what):
    try:
        return urllib.request.urlopen(request, timeout=TIMEOUT)  # nosec: the instance's metadata and S3 endpoints only
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode('utf-8', 'replace')
        raise FetchError('%s: HTTP %d %s' % (what, exc.code, ' '.join(detail.split())[:300]))
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError('%s: %s' % (what, getattr(exc, 'reason', exc)))


def credentials(metadata=METADATA):
    """The instance profile's temporary credentials, through an IMDSv2 session."""
    token = _open(urllib.request.Request(metadata + '/latest/api/token', method='PUT',
                                         headers={'X-aws-ec2-metadata-token-ttl-seconds': '300'}),
                  'the instance metadata token (IMDSv2)').read().decode()
    header = {'X-aws-ec2-metadata-token': token}
    base = metadata + '/latest/meta-data/iam/security-credentials/'
    roles = _open(urllib.request.Request(base, headers=header), 'the instance profile (is one attached?)').read().decode().split()
    if not roles:
        raise FetchError('the instance has no instance profile: the release cannot be read from the bucket')
    creds = json.loads(_open(urllib.request.Request(base + roles[0], headers=header), 'the role credentials').read().decode())
    if creds.get('Code') != 'Success':
        raise FetchError('the role credentials: %s' % creds.get('Code'))
    return creds


def _hmac(key, text):
    return hmac.new(key, text.encode('utf-8'), hashlib.sha256).digest()


def signed_request(url, region, creds, now=None):
    """A GET of ``url`` signed with Signature Version 4 for S3 (the payload empty, its hash sent)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    stamp, day = now.strftime('%Y%m%dT%H%M%SZ'), now.strftime('%Y%m%d')
    parts = urllib.parse.urlsplit(url)
    path = urllib.parse.quote(urllib.parse.unquote(parts.path or '/'), safe='/~')
    query = '&'.join('%s=%s' % (urllib.parse.quote(k, safe='~'), urllib.parse.quote(v, safe='~'))
                     for k, v in sorted(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)))
    headers = {'host': parts.netloc, 'x-amz-content-sha256': EMPTY_SHA256, 'x-amz-date': stamp}
    if creds.get('Token'):
        headers['x-amz-security-token'] = creds['Token']
    names = ';'.join(sorted(headers))
    canonical = '\n'.join(['GET', path, query, ''.join('%s:%s\n' % (k, headers[k].strip()) for k in sorted(headers)), names,
                           EMPTY_SHA256])
    scope = '%s/%s/s3/aws4_request' % (day, region)
    to_sign = '\n'.join(['AWS4-HMAC-SHA256', stamp, scope, hashlib.sha256(canonical.encode('utf-8')).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(('AWS4' + creds['SecretAccessKey']).encode('utf-8'), day), region), 's3'), 'aws4_request')
    signature = hmac.new(key, to_sign.encode('utf-8'), hashlib.sha256).hexdigest()
    headers['Authorization'] = 'AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s' % (
        creds['AccessKeyId'], scope, names, signature)
    return urllib.request.Request(url, headers=dict((k, v) for k, v in headers.items() if k != 'host'))


def object_url(conf, key):
    endpoint = (conf.get('s3_endpoint') or 'https://s3.%s.amazonaws.com' % conf['region']).rstrip('/')
    return '%s/%s/%s' % (endpoint, conf['bucket'], urllib.parse.quote(key, safe='/~'))


def pointer(conf, creds):
    """The current release as the pointer object names it: {release, key, sha256}, each checked."""
    answer = _open(signed_request(object_url(conf, conf['pointer']), conf['region'], creds),
                   's3://%s/%s' % (conf['bucket'], conf['pointer']))
    try:
        current = json.loads(answer.read(65536).decode('utf-8'))
    except ValueError:
        raise Refused('s3://%s/%s is not JSON' % (conf['bucket'], conf['pointer']))
    release, key, digest = (current.get(k) for k in ('release', 'key', 'sha256'))
    if not (isinstance(release, str) and release.isalnum() and 0 < len(release) <= 64):
        raise Refused('the pointer names no valid release (letters and digits): %r' % (release,))
    if not (isinstance(digest, str) and len(digest) == 64 and all(c in '0123456789abcdef' for c in digest)):
        raise Refused('the pointer has no SHA-256 of the release (64 hex digits): %r' % (digest,))
    if not isinstance(key, str) or not key:
        raise Refused('the pointer names no object key for release %s' % release)
    return {'release': release, 'key': key, 'sha256': digest}


def download(conf, creds, current, dest):
    """The release's archive into ``dest``, its SHA-256 checked against the pointer's and the object's metadata."""
    answer = _open(signed_request(object_url(conf, current['key']), conf['region'], creds),
                   's3://%s/%s' % (conf['bucket'], current['key']))
    stated = answer.headers.get('x-amz-meta-sha256')
    digest = hashlib.sha256()
    with open(dest, 'wb') as out:
        for block in iter(lambda: answer.read(CHUNK), b''):
            digest.update(block)
            out.write(block)
    got = digest.hexdigest()
    if got != current['sha256'] or (stated and stated != got):
        raise Refused('the archive of release %s has SHA-256 %s, the pointer says %s%s: not unpacked' % (
            current['release'], got, current['sha256'], ' and the object %s' % stated if stated and stated != current['sha256'] else ''))


def _safe_members(archive, release):
    """Every member is the release's directory or inside it (``<release>/...``: the archive of the release directory
    itself), with no '..'; links may point anywhere relative, as a release's links to its shared directory do."""
    for member in archive.getmembers():
        name = os.path.normpath(member.name)
        inside = name == release or name.startswith(release + '/')
        if not inside or '/../' in '/%s/' % name or not (member.isfile() or member.isdir() or member.issym()):
            raise Refused('the archive of release %s holds %r, outside the release directory %s/ or not a file, a '
                          'directory or a link: not unpacked' % (release, member.name, release))
        yield member


def unpack(conf, current, archive_path):
    """releases/<release> from the archive (its files' owners and modes as packed), through a temporary directory."""
    releases = os.path.join(conf['root'], 'releases')
    target = os.path.join(releases, current['release'])
    work = tempfile.mkdtemp(prefix='.%s.' % current['release'], dir=releases)
    try:
        with tarfile.open(archive_path) as archive:
            archive.extractall(work, members=list(_safe_members(archive, current['release'])))  # nosec: members checked
        unpacked = os.path.join(work, current['release'])
        if not os.path.isdir(unpacked):
            raise Refused('the archive of release %s holds no directory %s/' % (current['release'], current['release']))
        if os.path.isdir(target):
            shutil.rmtree(target)
        os.rename(unpacked, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def switch(conf, target):
    """`current` to ``target`` by renaming a new link over it (never absent)."""
    current = os.path.join(conf['root'], 'current')
    link = current + '.new'
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(target, link)
    os.replace(link, current)


def here(conf, current):
    """True when `current` is the release already, unpacked from an archive of the same SHA-256."""
    target = os.path.join(conf['root'], 'releases', current['release'])
    mark = target + '.sha256'
    try:
        with open(mark) as handle:
            same = handle.read().strip() == current['sha256']
    except OSError:
        return False
    return same and os.path.realpath(os.path.join(conf['root'], 'current')) == os.path.realpath(target)


def instance_id(metadata=METADATA):
    token = _open(urllib.request.Request(metadata + '/latest/api/token', method='PUT',
                                         headers={'X-aws-ec2-metadata-token-ttl-seconds': '60'}), 'the instance metadata token').read()
    return _open(urllib.request.Request(metadata + '/latest/meta-data/instance-id',
                                        headers={'X-aws-ec2-metadata-token': token.decode()}), 'the instance id').read().decode()


def scheduler_off(conf, metadata=METADATA, log=None):
    """The app's scheduler entry removed from the crontab of ``conf['scheduler_user']``, unless this instance is
    ``conf['scheduler_instance']`` (the one host the scheduler runs on: an image baked from it carries the entry, and the
    instances launched from it must not run every job again). True when an entry was removed."""
    name, user = conf.get('scheduler_entry'), conf.get('scheduler_user')
    if not name or not user or instance_id(metadata) == conf.get('scheduler_instance'):
        return False
    listed = subprocess.run(['crontab', '-u', user, '-l'], capture_output=True, text=True, check=False)
    if listed.returncode != 0:
        return False  # no crontab: nothing to remove
    lines, out, skip = listed.stdout.splitlines(), [], False
    for line in lines:
        if line == '#Ansible: %s' % name:
            skip = True  # the marker of ansible.builtin.cron, then its job line
            continue
        if skip:
            skip = False
            continue
        out.append(line)
    if len(out) == len(lines):
        return False
    subprocess.run(['crontab', '-u', user, '-'], input='\n'.join(out) + '\n', text=True, check=True)
    (log or sys.stdout).write('the scheduler runs on %s, not here: its entry removed from the crontab of %s\n'
                              % (conf.get('scheduler_instance'), user))
    return True


def run(conf, metadata=METADATA, log=None):
    log = log or sys.stdout
    scheduler_off(conf, metadata, log)
    creds = credentials(metadata)
    current = pointer(conf, creds)
    if here(conf, current):
        log.write('release %s (sha256 %s) is current here already\n' % (current['release'], current['sha256']))
        return current
    with tempfile.NamedTemporaryFile(prefix='release-', suffix='.tar.gz', dir=conf.get('tmp') or None) as archive:
        download(conf, creds, current, archive.name)
        target = unpack(conf, current, archive.name)
    with open(target + '.sha256', 'w') as mark:
        mark.write(current['sha256'] + '\n')
    switch(conf, target)
    log.write('release %s (sha256 %s) fetched from s3://%s/%s and made current\n' % (
        current['release'], current['sha256'], conf['bucket'], current['key']))
    return current


def main(argv, pause=time.sleep):
    path = argv[1] if len(argv) > 1 else CONFIG
    try:
        with open(path) as handle:
            conf = json.load(handle)
        missing = [k for k in ('bucket', 'region', 'pointer', 'root') if not conf.get(k)]
        if missing:
            raise Refused('%s lacks %s' % (path, ', '.join(missing)))
        tries = max(1, int(conf.get('attempts') or ATTEMPTS))
        for attempt in range(1, tries + 1):
            try:
                run(conf, conf.get('metadata_url') or METADATA)
                break
            except Refused:
                raise
            except FetchError as exc:  # the network, the metadata service or S3 not answering yet at boot
                if attempt == tries:
                    raise
                sys.stderr.write('laravel_release_fetch: %s (try %d of %d; again in %ds)\n' % (exc, attempt, tries, DELAY))
                pause(DELAY)
    except (FetchError, OSError, ValueError, tarfile.TarError) as exc:
        sys.stderr.write('laravel_release_fetch: %s\n' % exc)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
