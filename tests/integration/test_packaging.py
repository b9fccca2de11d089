"""The collection as users install it: the tarball's file list, an offline install
into an empty path with its declared dependencies, ansible-doc of every plugin and
role and the playbooks by FQCN from there, the execution environment's requirements
(ansible-builder introspect, ansible-builder create), and a fresh clone's
`ansible-galaxy collection install -r collections/requirements.yml`.

Galaxy is unreachable here: the dependencies come from the copies in the venv's
`ansible` package, made into artifacts by scripts/collection_artifact.py. Everything
runs with ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false, so those bundled copies are not
seen unless installed: only what is in the path under test counts.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml

from conftest import ROOT

BIN = os.path.join(ROOT, '.venv', 'bin')
GALAXY = yaml.safe_load(open(os.path.join(ROOT, 'galaxy.yml')))
FQCN = '%s.%s' % (GALAXY['namespace'], GALAXY['name'])

# What a user gets: plugins, roles, playbooks, meta, docs, README, changelog, licence, and the
# runtime requirement files that meta/execution-environment.yml names (ansible-builder reads
# them from the installed collection). MANIFEST.json and FILES.json are made by the build.
SHIPPED_TOP_LEVEL = {
    'plugins', 'roles', 'playbooks', 'meta', 'docs', 'changelogs',
    'README.md', 'CHANGELOG.md', 'COPYING', 'requirements.txt', 'bindep.txt',
    'MANIFEST.json', 'FILES.json',
}
SHIPPED_DIRS = ('plugins', 'roles', 'playbooks', 'meta', 'docs', 'changelogs')
# Test and development packages that must never reach a user's or an EE's Python.
DEV_PACKAGES = ('moto', 'molecule', 'pytest', 'testinfra', 'ansible-lint', 'yamllint', 'antsibull',
                'ansible-builder', 'ansible-navigator', 'ansible==', 'psycopg2')


def clean_env(**extra):
    """ansible with nothing but what a test installs: no ansible.cfg, no bundled collections,
    no AWS credentials, and nothing that could reach out (an AWS client would fail at once:
    no credentials, no instance metadata lookup, a closed loopback port as the endpoint)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'AWS_'))}
    env.update({
        'PATH': BIN + os.pathsep + env.get('PATH', ''),
        'AWS_EC2_METADATA_DISABLED': 'true',
        'AWS_ENDPOINT_URL': 'http://127.0.0.1:9',
        'AWS_SHARED_CREDENTIALS_FILE': os.devnull,
        'AWS_CONFIG_FILE': os.devnull,
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
        'ANSIBLE_DEPRECATION_WARNINGS': 'false',
    })
    env.update(extra)
    return env


def run(cmd, cwd, env, timeout=600):
    proc = subprocess.run(cmd, cwd=str(cwd), env=env, check=False, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, '%s failed (%d):\n%s\n%s' % (
        ' '.join(map(str, cmd)), proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


def tracked_files():
    """What a clone has: tracked files plus new ones not yet committed (nothing ignored)."""
    out = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard', '-z'], cwd=ROOT, check=True,
                         capture_output=True).stdout.decode()
    return sorted(p for p in out.split('\0') if p and os.path.lexists(os.path.join(ROOT, p)))


def copy_tree(dest, files):
    for rel in files:
        src = os.path.join(ROOT, rel)
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.islink(src):
            os.symlink(os.readlink(src), target)
        else:
            shutil.copy2(src, target)


@pytest.fixture(scope='module')
def work(tmp_path_factory):
    return tmp_path_factory.mktemp('packaging')


@pytest.fixture(scope='module')
def source(work):
    """A clone-like copy of the checkout, with litter planted where a build must not pick it up."""
    src = work / 'src'
    copy_tree(str(src), tracked_files())
    for litter in ('roles/apache/.cache/x', 'plugins/modules/.pytest_cache/v/x', 'docs/__pycache__/x.pyc',
                   'emulator/server.py', 'tests/output/x', '.cache/demo/x', 'build/x', 'context/Dockerfile',
                   'roles/php/tasks/main.yml.retry'):
        path = src / litter
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('litter\n')
    return src


@pytest.fixture(scope='module')
def tarball(work, source):
    out = work / 'dist'
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--output-path', str(out), str(source)],
        cwd=work, env=clean_env())
    (name,) = os.listdir(str(out))
    assert name == '%s-%s-%s.tar.gz' % (GALAXY['namespace'], GALAXY['name'], GALAXY['version'])
    return out / name


@pytest.fixture(scope='module')
def dependency_artifacts(work):
    """galaxy.yml's dependencies as artifacts, from the venv's `ansible` package."""
    out = work / 'deps'
    paths = {}
    for name in sorted(GALAXY['dependencies']) + ['community.docker', 'community.library_inventory_filtering_v1']:
        proc = run([os.path.join(BIN, 'python'), os.path.join(ROOT, 'scripts', 'collection_artifact.py'), name, str(out)],
                   cwd=work, env=clean_env())
        paths[name] = proc.stdout.strip()
    return paths


def install(dest, artifacts, cwd, no_deps=False):
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--offline', '-p', str(dest)]
        + (['--no-deps'] if no_deps else []) + list(artifacts), cwd=cwd, env=clean_env())
    return dest


@pytest.fixture(scope='module')
def installed(work, tarball, dependency_artifacts):
    """The tarball and its declared dependencies, nothing else, in an empty path."""
    deps = [dependency_artifacts[name] for name in sorted(GALAXY['dependencies'])]
    return install(work / 'installed', [str(tarball)] + deps, cwd=work)


def members(path):
    with tarfile.open(str(path)) as tar:
        return sorted(m.name for m in tar.getmembers())


def test_tarball_ships_exactly_what_users_need(tarball, source):
    names = members(tarball)
    assert {n.split('/')[0] for n in names} == SHIPPED_TOP_LEVEL
    # No hidden file, bytecode, retry file or litter at any depth.
    for name in names:
        parts = name.split('/')
        assert not any(p.startswith('.') for p in parts), name
        assert '__pycache__' not in parts and not name.endswith(('.pyc', '.retry')), name
    # Everything of the shipped folders that a clone has is in it (litter aside).
    wanted = sorted(rel for rel in tracked_files() if rel.split('/')[0] in SHIPPED_DIRS
                    and not any(p.startswith('.') for p in rel.split('/')))
    missing = [rel for rel in wanted if rel not in names]
    assert not missing, missing
    manifest = json.load(tarfile.open(str(tarball)).extractfile('MANIFEST.json'))
    info = manifest['collection_info']
    assert info['license'] == ['GPL-3.0-or-later']
    assert info['dependencies'] == GALAXY['dependencies']


def test_galaxy_dependencies_have_lower_bounds_only():
    for name, spec in GALAXY['dependencies'].items():
        assert re.fullmatch(r'>=\d+\.\d+\.\d+', spec), (name, spec)
    assert 'community.docker' not in GALAXY['dependencies']


def test_licence_file_matches_galaxy():
    text = open(os.path.join(ROOT, 'COPYING')).read()
    assert GALAXY['license'] == ['GPL-3.0-or-later']
    assert 'GNU GENERAL PUBLIC LICENSE' in text and 'Version 3, 29 June 2007' in text


def test_offline_install_has_exactly_the_declared_dependencies(installed):
    found = sorted('%s.%s' % (ns, name)
                   for ns in os.listdir(str(installed / 'ansible_collections'))
                   for name in os.listdir(str(installed / 'ansible_collections' / ns)))
    assert found == sorted([FQCN] + list(GALAXY['dependencies']))


def test_ansible_doc_renders_every_plugin_and_role(installed):
    env = clean_env(ANSIBLE_COLLECTIONS_PATH=str(installed))
    base = installed / 'ansible_collections' / GALAXY['namespace'] / GALAXY['name']
    modules = sorted(f[:-3] for f in os.listdir(str(base / 'plugins' / 'modules')) if f.endswith('.py'))
    inventories = sorted(f[:-3] for f in os.listdir(str(base / 'plugins' / 'inventory')) if f.endswith('.py'))
    roles = sorted(os.listdir(str(base / 'roles')))
    assert modules and inventories and roles
    listed = json.loads(run([os.path.join(BIN, 'ansible-doc'), '-l', '-j', FQCN], cwd=installed, env=env).stdout)
    assert sorted(listed) == ['%s.%s' % (FQCN, m) for m in modules]
    for name in modules:
        out = run([os.path.join(BIN, 'ansible-doc'), '%s.%s' % (FQCN, name)], cwd=installed, env=env).stdout
        assert 'EXAMPLES' in out and 'RETURN VALUES' in out, name
    for name in inventories:
        out = run([os.path.join(BIN, 'ansible-doc'), '-t', 'inventory', '%s.%s' % (FQCN, name)], cwd=installed, env=env).stdout
        assert 'EXAMPLES' in out, name
    for name in roles:
        out = run([os.path.join(BIN, 'ansible-doc'), '-t', 'role', '%s.%s' % (FQCN, name)], cwd=installed, env=env).stdout
        assert re.search(r'ENTRY POINT: \W*main\W', out), name


def syntax_check(playbook, collections_path):
    return subprocess.run([os.path.join(BIN, 'ansible-playbook'), '%s.%s' % (FQCN, playbook), '--syntax-check'],
                          cwd=str(collections_path), env=clean_env(ANSIBLE_COLLECTIONS_PATH=str(collections_path)),
                          check=False, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize('playbook', ['provision', 'deploy', 'rollback', 'summary'])
def test_playbooks_by_fqcn_pass_syntax_check_with_the_declared_dependencies(installed, playbook):
    proc = syntax_check(playbook, installed)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


def shipped_playbooks_use(collection):
    folder = os.path.join(ROOT, 'playbooks')
    return any(collection + '.' in open(os.path.join(folder, f)).read() for f in os.listdir(folder) if f.endswith('.yml'))


# Ansible resolves every module when it loads a playbook: demo-only community.docker tasks in
# the shipped playbooks (the stand-in containers) make site/teardown fail without that
# collection, which is no dependency. Expected to fail exactly while the playbooks name it.
@pytest.mark.xfail(shipped_playbooks_use('community.docker'), strict=True,
                   reason='the shipped playbooks call community.docker, which galaxy.yml does not depend on')
@pytest.mark.parametrize('playbook', ['site', 'teardown'])
def test_site_and_teardown_pass_syntax_check_with_the_declared_dependencies(installed, playbook):
    proc = syntax_check(playbook, installed)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


@pytest.mark.parametrize('playbook', ['site', 'teardown'])
def test_site_and_teardown_pass_syntax_check_with_collections_requirements(work, tarball, dependency_artifacts, playbook):
    """With what collections/requirements.yml lists, as an AWX project installs it."""
    wanted = yaml.safe_load(open(os.path.join(ROOT, 'collections', 'requirements.yml')))['collections']
    names = sorted(c['name'] for c in wanted if c.get('type') != 'dir')
    dest = work / 'with-requirements'
    if not dest.exists():
        install(dest, [str(tarball)] + [dependency_artifacts[n] for n in names]
                + [dependency_artifacts['community.library_inventory_filtering_v1']], cwd=work)
    proc = syntax_check(playbook, dest)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


def introspect(path):
    proc = run([os.path.join(BIN, 'ansible-builder'), 'introspect', str(path)], cwd=path, env=clean_env())
    data = yaml.safe_load(proc.stdout.split('\n', 1)[1] if proc.stdout.startswith('#') else proc.stdout)
    return data or {}


def requirement_lines(path):
    return [line.strip() for line in open(path) if line.strip() and not line.startswith('#')]


def test_introspect_lists_only_runtime_requirements(work, tarball):
    alone = install(work / 'alone', [str(tarball)], cwd=work, no_deps=True)
    data = introspect(alone)
    python = [entry.split('#')[0].strip() for entry in data.get('python', [])]
    system = [entry.split('#')[0].strip() for entry in data.get('system', [])]
    assert python == requirement_lines(os.path.join(ROOT, 'requirements.txt'))
    assert system == requirement_lines(os.path.join(ROOT, 'bindep.txt'))
    for entry in python:
        assert not entry.lower().startswith(DEV_PACKAGES), entry
    assert {p.split('>')[0] for p in python} == {'botocore', 'boto3', 'cryptography'}


def test_runtime_requirements_have_lower_bounds_and_dev_pins_are_apart():
    runtime = requirement_lines(os.path.join(ROOT, 'requirements.txt'))
    assert runtime and all(re.fullmatch(r'[a-z0-9-]+>=[0-9.]+', r) for r in runtime), runtime
    dev = requirement_lines(os.path.join(ROOT, 'requirements-dev.txt'))
    assert all('==' in r for r in dev), dev
    pins = dict(r.split('==') for r in dev)
    for name in ('moto[server]', 'molecule', 'pytest', 'ansible-builder', 'ansible-navigator', 'antsibull-changelog'):
        assert name in pins, name
    # The dev pins satisfy the runtime bounds.
    from packaging.requirements import Requirement
    for line in runtime:
        req = Requirement(line)
        assert req.specifier.contains(pins[req.name]), (line, pins[req.name])


def test_ansible_builder_create_writes_the_build_context(work):
    """The EE definition as ansible-builder reads it (no Docker: `make ee` builds it). In build/ee, the folder
    execution-environment.yml's additional_build_files name: a fresh clone has none until prepare writes it."""
    ee_dir = work.__class__(os.path.join(ROOT, 'build', 'ee'))
    env = clean_env()
    run(['bash', os.path.join(ROOT, 'scripts', 'ee.sh'), 'create'], cwd=ROOT, env=env)
    context = ee_dir / 'context'
    dockerfile = (context / 'Dockerfile').read_text()
    assert 'ARG EE_BASE_IMAGE="seed/debian:bookworm"' in dockerfile
    assert 'ARG PKGMGR="/usr/bin/apt-get"' in dockerfile
    assert '--offline' in dockerfile
    assert 'ansible-core==' in dockerfile and 'ansible-runner==' in dockerfile
    assert sorted(os.listdir(str(context / '_build' / 'collections'))) == [
        'community-general.tar.gz', 'community-postgresql.tar.gz', 'seed-laravel_aws.tar.gz']
    galaxy = yaml.safe_load((context / '_build' / 'requirements.yml').read_text())
    assert [c['name'] for c in galaxy['collections']][0] == 'collections/seed-laravel_aws.tar.gz'
    excluded = (context / '_build' / 'exclude-collections.txt').read_text().split()
    assert excluded == ['community.postgresql']
    for name in ('moto', 'molecule', 'pytest'):
        assert name not in dockerfile


def test_fresh_clone_works_after_installing_collections_requirements(work):
    """ansible.cfg and collections/requirements.yml: what a user does after `git clone`."""
    clone = work / 'clone'
    copy_tree(str(clone), [f for f in tracked_files() if not f.startswith('.collections/')])
    home = work / 'home'
    home.mkdir()
    env = clean_env(ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='true', HOME=str(home))
    check = [os.path.join(BIN, 'ansible-playbook'), '-i', 'inventory/aws', 'playbooks/site.yml', '--syntax-check']
    before = subprocess.run(check, cwd=str(clone), env=env, check=False, capture_output=True, text=True, timeout=300)
    assert before.returncode != 0 and 'seed.laravel_aws' in before.stdout + before.stderr
    # The `ansible` package's collections count as installed (Galaxy is unreachable here).
    proc = run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '-r', 'collections/requirements.yml'],
               cwd=clone, env=env)
    assert os.path.isfile(str(clone / '.collections' / 'ansible_collections' / 'seed' / 'laravel_aws' / 'MANIFEST.json')), proc.stdout
    after = subprocess.run(check, cwd=str(clone), env=env, check=False, capture_output=True, text=True, timeout=300)
    assert after.returncode == 0, after.stdout[-2000:] + after.stderr[-2000:]
    assert 'playbook: playbooks/site.yml' in after.stdout


if __name__ == '__main__':
    sys.exit(pytest.main([__file__, '-q']))


LINK = re.compile(r'\]\(([^)\s]+)\)')
DOCS = ['README.md', 'CHANGELOG.md', 'docs', 'roles']


def markdown_files():
    for entry in DOCS:
        path = os.path.join(ROOT, entry)
        if os.path.isfile(path):
            yield path
            continue
        for folder, _dirs, files in os.walk(path):
            for name in files:
                if name.endswith('.md'):
                    yield os.path.join(folder, name)


def test_docs_link_only_inside_the_repository():
    """No link leaves the repository (or points at ../shared/), and every relative link resolves."""
    for path in markdown_files():
        text = open(path).read()
        assert '../shared/' not in text, path
        for target in LINK.findall(text):
            assert not re.match(r'[a-z]+:', target), '%s links outside the repository: %s' % (path, target)
            file_part = target.split('#')[0]
            if file_part:
                resolved = os.path.normpath(os.path.join(os.path.dirname(path), file_part))
                assert resolved.startswith(ROOT + os.sep), '%s: %s leaves the repository' % (path, target)
                assert os.path.exists(resolved), '%s: %s does not exist' % (path, target)


def test_docsite_links_name_files_of_the_collection():
    links = yaml.safe_load(open(os.path.join(ROOT, 'docs', 'docsite', 'links.yml')))
    assert set(links) <= {'edit_on_github', 'authors', 'description', 'issue_tracker', 'links', 'extra_links',
                          'communication'}
    for link in links.get('links', []) + links.get('extra_links', []):
        assert set(link) == {'description', 'url'}, link
        assert os.path.isfile(os.path.join(ROOT, link['url'])), link


def test_make_help_lists_every_target_once():
    makefile = open(os.path.join(ROOT, 'Makefile')).read()
    targets = set(re.findall(r'^([a-z][a-z0-9-]*):(?!=)', makefile, re.M))
    proc = run(['make', '-s', '--no-print-directory', 'help'], cwd=ROOT, env=dict(os.environ))
    listed = re.findall(r'^\s+make (\S+)\s', proc.stdout, re.M)
    assert sorted(listed) == sorted(targets), 'not in make help: %s; not a target: %s' % (
        sorted(targets - set(listed)), sorted(set(listed) - targets))
    assert len(listed) == len(set(listed))
