"""A dry run of the next release's changelog: `antsibull-changelog release` on a copy of the collection, then checks
that the release notes announce every module, plugin, role and playbook added since the last release (their
``version_added``, or for roles and playbooks their absence from the last release) and that no entry cites an internal
issue number. The repository is not changed.

    python scripts/changelog_dry_run.py [--version X.Y.Z]     (default: the next minor version after galaxy.yml's)
"""
import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COPY = ('changelogs', 'galaxy.yml', 'plugins', 'roles', 'playbooks', 'meta', 'README.md')


def docs_of(path):
    """The DOCUMENTATION of a Python plugin, or of a sidecar YAML file, as a dict."""
    if path.endswith('.yml'):
        return yaml.safe_load(open(path)).get('DOCUMENTATION') or {}
    for node in ast.parse(open(path).read()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', '') == 'DOCUMENTATION' for t in node.targets):
            return yaml.safe_load(node.value.value) or {}
    return {}


def added_in(version):
    """{kind: {name}} of the plugins whose version_added is `version` (modules, inventory, filter, action docs)."""
    found = {}
    for kind in ('modules', 'inventory', 'filter', 'lookup', 'callback'):
        folder = os.path.join(ROOT, 'plugins', kind)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if name.startswith('_') or not name.endswith(('.py', '.yml')):
                continue
            if kind == 'filter' and name.endswith('.py'):
                continue  # a filter file holds several filters; each is documented in its sidecar .yml
            doc = docs_of(path)
            if str(doc.get('version_added', '')) == version:
                found.setdefault('module' if kind == 'modules' else kind, set()).add(doc.get('module') or doc.get('name') or name.rsplit('.', 1)[0])
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--version')
    args = parser.parse_args()
    current = yaml.safe_load(open(os.path.join(ROOT, 'galaxy.yml')))['version']
    major, minor, _patch = (int(x) for x in current.split('.'))
    version = args.version or '%d.%d.0' % (major, minor + 1)
    expected = added_in(version)
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        coll = os.path.join(tmp, 'ansible_collections', 'seed', 'laravel_aws')
        os.makedirs(coll)
        for name in COPY:
            src = os.path.join(ROOT, name)
            (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, os.path.join(coll, name))
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=tmp)
        proc = subprocess.run(['antsibull-changelog', 'release', '--version', version], cwd=coll, env=env,
                              capture_output=True, text=True, check=False)
        if proc.returncode:
            sys.exit('changelog dry run: antsibull-changelog release failed:\n' + proc.stdout + proc.stderr)
        release = yaml.safe_load(open(os.path.join(coll, 'changelogs', 'changelog.yaml')))['releases'][version]
        notes = open(os.path.join(coll, 'CHANGELOG.md')).read()
    announced = {'module': {m['name'] for m in release.get('modules', [])}}
    for kind, plugins in (release.get('plugins') or {}).items():
        announced[kind] = {p['name'] for p in plugins}
    for kind, names in sorted(expected.items()):
        missing = names - announced.get(kind, set())
        if missing:
            problems.append('%s added in %s but not announced: %s' % (kind, version, ', '.join(sorted(missing))))
    for section, entries in (release.get('changes') or {}).items():
        for entry in entries if isinstance(entries, list) else []:
            if re.search(r'\(issue \d+|\bissue #?\d+\b', entry):
                problems.append('%s entry cites an internal issue number: %s' % (section, entry[:100]))
    # Playbooks are not plugins: one added since the last release must be named by an entry of the release's changes.
    released = yaml.safe_load(open(os.path.join(ROOT, 'changelogs', 'changelog.yaml'))).get('releases') or {}
    known = {o['name'] for r in released.values() for o in ((r.get('objects') or {}).get('playbook') or [])}
    text = yaml.safe_dump(release.get('changes') or {}) + yaml.safe_dump(release.get('objects') or {})
    for name in sorted(os.listdir(os.path.join(ROOT, 'playbooks'))):
        base = name.rsplit('.', 1)[0]
        if name.endswith('.yml') and base not in known and base != 'preflight' and not re.search(r'\b%s(\.yml)?\b' % re.escape(base), text):
            problems.append('playbook %s is new since the last release and no changelog entry names it' % name)
        elif name.endswith('.yml') and base not in known and base != 'preflight':
            announced.setdefault('playbook', set()).add(base)
    objects = release.get('objects') or {}
    counts = ', '.join('%d %s' % (len(v), k) for k, v in sorted(announced.items()) if v)
    counts += ''.join(', %d new %s' % (len(v), k) for k, v in sorted(objects.items()))
    if problems:
        sys.exit('changelog dry run of %s:\n  ' % version + '\n  '.join(problems))
    sections = ', '.join('%s %d' % (k, len(v)) for k, v in sorted((release.get('changes') or {}).items()) if isinstance(v, list))
    print('changelog dry run of %s: announces %s; entries: %s (%d lines of release notes)'
          % (version, counts or 'nothing new', sections, len(notes.splitlines())))


if __name__ == '__main__':
    main()
