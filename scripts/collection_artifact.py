"""Make a collection artifact (the tarball `ansible-galaxy collection build` makes)
from an installed collection, such as one bundled in the `ansible` pip package.

Galaxy is unreachable here, so the execution environment (scripts/ee.sh) and the
packaging test install this collection's dependencies from the copies that the
venv's `ansible` package carries. An installed collection keeps MANIFEST.json and
FILES.json; the artifact is those two plus every file FILES.json lists, each
checked against its sha256 (ansible-galaxy checks them again on install).

    python scripts/collection_artifact.py community.general OUTPUT_DIR
    python scripts/collection_artifact.py /path/to/ansible_collections/ns/name OUTPUT_DIR

Prints the artifact's path: OUTPUT_DIR/<namespace>-<name>-<version>.tar.gz.
"""
import hashlib
import io
import json
import os
import sys
import tarfile


def installed_path(name):
    """The directory of an installed collection: a path, or an FQCN looked up in
    ANSIBLE_COLLECTIONS_PATH and then in this Python's sys.path (where the `ansible`
    package puts its collections)."""
    if os.path.isdir(name):
        return os.path.abspath(name)
    namespace, collection = (name.split('.', 1) + [''])[:2]
    roots = [p for p in os.environ.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep) if p] + sys.path
    for root in roots:
        path = os.path.join(root, 'ansible_collections', namespace, collection)
        if os.path.isfile(os.path.join(path, 'MANIFEST.json')):
            return os.path.abspath(path)
    raise SystemExit('collection_artifact: no installed %s (with a MANIFEST.json) found' % name)


def sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 16), b''):
            digest.update(block)
    return digest.hexdigest()


def make_artifact(src, out_dir):
    with open(os.path.join(src, 'MANIFEST.json')) as f:
        manifest = json.load(f)
    with open(os.path.join(src, 'FILES.json')) as f:
        files = json.load(f)
    info = manifest['collection_info']
    # The `ansible` package leaves out parts of its collections (tests/, CI files):
    # FILES.json is rewritten to list what is there, and MANIFEST.json to match it.
    kept, dropped = [], 0
    for entry in files['files']:
        path = os.path.join(src, entry['name'])
        if entry['name'] != '.' and not os.path.lexists(path):
            dropped += 1
            continue
        if entry['ftype'] == 'file' and sha256(path) != entry['chksum_sha256']:
            raise SystemExit('collection_artifact: %s differs from its FILES.json' % path)
        kept.append(entry)
    files_json = json.dumps(dict(files, files=kept), indent=4).encode()
    manifest['file_manifest_file']['chksum_sha256'] = hashlib.sha256(files_json).hexdigest()
    manifest_json = json.dumps(manifest, indent=4).encode()
    os.makedirs(out_dir, exist_ok=True)
    dest = os.path.join(out_dir, '%s-%s-%s.tar.gz' % (info['namespace'], info['name'], info['version']))
    with tarfile.open(dest, 'w:gz') as tar:
        for arcname, data in (('MANIFEST.json', manifest_json), ('FILES.json', files_json)):
            member = tarfile.TarInfo(arcname)
            member.size, member.mode = len(data), 0o644
            tar.addfile(member, io.BytesIO(data))
        for entry in kept:
            if entry['name'] != '.':
                tar.add(os.path.join(src, entry['name']), arcname=entry['name'], recursive=False)
    if dropped:
        sys.stderr.write('collection_artifact: %s: %d files of FILES.json are not installed, left out\n'
                         % (os.path.basename(dest), dropped))
    return dest


def main(argv):
    if len(argv) != 3:
        raise SystemExit(__doc__)
    print(make_artifact(installed_path(argv[1]), argv[2]))


if __name__ == '__main__':
    main(sys.argv)
