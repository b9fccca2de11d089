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
import fnmatch
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
    'plugins', 'roles', 'playbooks', 'meta', 'docs', 'changelogs', 'examples',
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


# The execution environment as a user builds it (docs/execution-environment.md): the definition and
# ansible-navigator's settings ship in docs/execution-environment/; a folder holding them, the collection's
# tarball and its dependencies' tarballs (and, optionally, CA certificates) is all `ansible-builder build` reads.
EE_DOCS = 'docs/execution-environment'
EE_SHIPPED = ('docs/execution-environment.md', EE_DOCS + '/execution-environment.yml',
              EE_DOCS + '/ansible-navigator.yml', 'meta/execution-environment.yml')
EE_FILES = ('execution-environment.yml', 'ansible-navigator.yml')
AAP_BASE = 'registry.redhat.io/ansible-automation-platform-25/ee-minimal-rhel9:latest'
# where ansible-builder installs the collections (ansible_builder.constants.base_collections_path)
EE_COLLECTIONS_PATH = '/usr/share/ansible/collections'
GLOB = re.compile(r'[*?\[]')


def shipped_text(tarball, name):
    with tarfile.open(str(tarball)) as tar:
        return tar.extractfile(name).read().decode()


def ee_definition(tarball):
    return yaml.safe_load(shipped_text(tarball, EE_DOCS + '/execution-environment.yml'))


def dev_pins():
    return dict(r.split('==') for r in requirement_lines(os.path.join(ROOT, 'requirements-dev.txt')))


def ee_folder_with(work, name, tarball, artifacts=(), ca=False):
    """A folder as the doc lays it out: the two shipped files taken out of the tarball, and the tarballs given."""
    folder = work / name
    folder.mkdir()
    for path in artifacts:
        shutil.copy(str(path), str(folder))
    for file_name in EE_FILES:
        (folder / file_name).write_text(shipped_text(tarball, '%s/%s' % (EE_DOCS, file_name)))
    if ca:
        (folder / 'notes.txt').write_text('not for the image\n')
        (folder / 'ca-bundle.crt').write_text('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
    return folder


@pytest.fixture(scope='module')
def ee_folder(work, tarball, dependency_artifacts):
    """The tarballs, the shipped files and a CA bundle (and a stray file the definition must not pick up)."""
    deps = [dependency_artifacts[name] for name in sorted(GALAXY['dependencies'])]
    return ee_folder_with(work, 'ee-folder', tarball, [tarball] + deps, ca=True)


def builder_create(folder):
    run([os.path.join(BIN, 'ansible-builder'), 'create', '--output-filename', 'Dockerfile'], cwd=folder, env=clean_env())
    return (folder / 'context' / 'Dockerfile').read_text()


def context_copies(dockerfile):
    """The sources of each COPY from the build context (not --from another stage)."""
    return [line.split()[1:-1] for line in dockerfile.splitlines()
            if line.startswith('COPY ') and not line.startswith('COPY --from')]


def assert_every_copy_has_a_source(context, dockerfile):
    """Podman (buildah) fails a COPY whose sources all match nothing; Docker fails one with no literal source
    either: each COPY must name a file or folder the context holds, and only paths under _build."""
    for sources in context_copies(dockerfile):
        assert all(src.startswith('_build') for src in sources), sources
        present = [src for src in sources if not GLOB.search(src) and os.path.exists(str(context / src))]
        assert present, 'COPY %s: no source in the build context' % ' '.join(sources)


def test_tarball_ships_the_execution_environment_files(tarball):
    names = members(tarball)
    for name in EE_SHIPPED:
        assert name in names, name
    meta = yaml.safe_load(shipped_text(tarball, 'meta/execution-environment.yml'))
    for kind in ('python', 'system'):
        assert meta['dependencies'][kind] in names, meta['dependencies'][kind]
    # every path of the collection the guide names (the tar command, the table) is in the tarball
    guide = shipped_text(tarball, 'docs/execution-environment.md')
    named = set(re.findall(r'(?<![\w/.-])((?:docs|meta)/[\w./-]+\.(?:yml|md))', guide))
    assert set(EE_SHIPPED[1:]) <= named, named
    for name in named:
        assert name in names, 'docs/execution-environment.md names %s, which the tarball does not ship' % name


def test_ee_definition_installs_the_collection_and_what_galaxy_yml_says(tarball):
    ee = ee_definition(tarball)
    assert ee['version'] == 3
    wanted = {c['name']: c.get('version') for c in ee['dependencies']['galaxy']['collections']}
    assert wanted == dict({FQCN: '==' + GALAXY['version']}, **GALAXY['dependencies'])
    from packaging.specifiers import SpecifierSet
    core = ee['dependencies']['ansible_core']['package_pip']
    assert core == 'ansible-core==' + dev_pins()['ansible-core'], 'the image runs the ansible-core the tests run'
    runtime = yaml.safe_load(shipped_text(tarball, 'meta/runtime.yml'))
    assert SpecifierSet(runtime['requires_ansible']).contains(core.split('==')[1]), (core, runtime['requires_ansible'])
    assert re.fullmatch(r'ansible-runner==[0-9.]+', ee['dependencies']['ansible_runner']['package_pip'])
    assert ee['dependencies']['exclude']['all_from_collections'] == ['community.postgresql']


def test_ee_definition_runs_python_3_11_or_later_on_the_aap_base_image(tarball):
    """ee-minimal-rhel9's /usr/bin/python3 is RHEL 9's 3.9; ansible-core 2.19 needs 3.11 or later."""
    ee = ee_definition(tarball)
    assert ee['images']['base_image']['name'] == AAP_BASE
    interpreter = ee['dependencies']['python_interpreter']
    match = re.fullmatch(r'/usr/bin/python3\.(\d+)', interpreter['python_path'])
    assert match and int(match.group(1)) >= 11, interpreter
    assert interpreter['package_system'] == 'python3.%s' % match.group(1)
    assert ee['options']['package_manager_path'] == '/usr/bin/microdnf'


def test_ee_definition_names_only_files_of_the_documented_folder(tarball, ee_folder):
    ee = ee_definition(tarball)
    files = sorted(os.listdir(str(ee_folder)))
    matched = set()
    for entry in ee['additional_build_files']:
        src = entry['src']
        assert not os.path.isabs(src) and '/' not in src and '..' not in src, 'not a name in the folder: %s' % src
        hits = [f for f in files if fnmatch.fnmatch(f, src)]
        assert hits, '%s matches nothing in the folder of the doc (%s)' % (src, files)
        matched.update(hits)
    tarballs = sorted(f for f in files if f.endswith('.tar.gz'))
    assert len(tarballs) == 1 + len(GALAXY['dependencies'])
    assert sorted(matched) == sorted(tarballs + ['ca-bundle.crt']), matched
    dests = {entry['dest'] for entry in ee['additional_build_files']}
    steps = '\n'.join(line for section in ee['additional_build_steps'].values() for line in section)
    for line in steps.splitlines():
        if line.startswith('COPY'):
            sources = line.split()[1:-1]
            # requirements.yml, which ansible-builder always writes, keeps the COPY valid without the optional files
            assert '_build/requirements.yml' in sources, line
            for src in sources:
                assert src == '_build/requirements.yml' or src.split('/')[1] in dests, line


def test_ansible_builder_create_in_the_documented_folder(ee_folder):
    dockerfile = builder_create(ee_folder)
    context = ee_folder / 'context'
    assert 'ARG EE_BASE_IMAGE="%s"' % AAP_BASE in dockerfile
    assert 'ARG PYCMD="/usr/bin/python3.11"' in dockerfile and 'ARG PKGMGR="/usr/bin/microdnf"' in dockerfile
    assert 'ansible-core==' in dockerfile and 'ansible-runner==' in dockerfile
    assert sorted(os.listdir(str(context / '_build' / 'collections'))) == sorted(
        f for f in os.listdir(str(ee_folder)) if f.endswith('.tar.gz'))
    assert os.listdir(str(context / '_build' / 'certs')) == ['ca-bundle.crt']
    assert not (context / '_build' / 'notes.txt').exists()
    assert_every_copy_has_a_source(context, dockerfile)
    galaxy = yaml.safe_load((context / '_build' / 'requirements.yml').read_text())
    assert [c['name'] for c in galaxy['collections']] == [FQCN] + sorted(GALAXY['dependencies'])
    assert (context / '_build' / 'exclude-collections.txt').read_text().split() == ['community.postgresql']
    for name in ('moto', 'molecule', 'pytest'):
        assert name not in dockerfile


def test_ansible_builder_create_with_the_definition_alone(work, tarball):
    """With no tarball beside it the collections come by name from Galaxy: the build context still holds
    every COPY's source."""
    folder = ee_folder_with(work, 'ee-galaxy', tarball)
    dockerfile = builder_create(folder)
    context = folder / 'context'
    assert not (context / '_build' / 'collections').exists()
    assert_every_copy_has_a_source(context, dockerfile)
    galaxy = yaml.safe_load((context / '_build' / 'requirements.yml').read_text())
    assert {c['name'] for c in galaxy['collections']} == {FQCN} | set(GALAXY['dependencies'])


def test_ee_navigator_settings_run_the_image_the_definition_builds(tarball):
    import jsonschema
    from importlib import resources
    settings = yaml.safe_load(shipped_text(tarball, EE_DOCS + '/ansible-navigator.yml'))
    schema = json.loads(resources.files('ansible_navigator.data').joinpath('ansible-navigator.json').read_text())
    jsonschema.validate(settings, schema)
    navigator = settings['ansible-navigator']
    ee = navigator['execution-environment']
    assert ee['enabled'] is True
    assert ee['image'] == ee_definition(tarball)['options']['tags'][0]
    assert ee['pull']['policy'] == 'missing'
    assert navigator['mode'] == 'stdout'
    assert ee['environment-variables']['set'] == {'ANSIBLE_COLLECTIONS_PATH': EE_COLLECTIONS_PATH}
    passed = ee['environment-variables']['pass']
    for name in ('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION'):
        assert name in passed, name
    # every environment variable the shipped roles and playbooks read
    read = set()
    with tarfile.open(str(tarball)) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.startswith(('roles/', 'playbooks/')) and member.name.endswith('.yml'):
                text = tar.extractfile(member).read().decode()
                read.update(re.findall(r"lookup\('(?:ansible\.builtin\.)?env', '([A-Z0-9_]+)'\)", text))
    # HOME is the execution environment's own (every container has one; provision.yml keeps its async jobs there), never
    # the host's: it is not passed
    assert read and read - {'HOME'} <= set(passed), sorted(read - {'HOME'} - set(passed))


def test_ee_doc_debian_build_is_what_make_ee_runs():
    """The doc's command for the Debian base is the one scripts/ee.sh build (make ee, e2e) runs."""
    guide = open(os.path.join(ROOT, 'docs', 'execution-environment.md')).read()
    script = open(os.path.join(ROOT, 'scripts', 'ee.sh')).read()
    documented = dict(re.findall(r'--build-arg (\w+)=(\S+)', guide))
    ran = dict(re.findall(r'--build-arg "?(\w+)=([^"\s)]+)', script.split('DEBIAN_ARGS=(', 1)[1].split(')', 1)[0]))
    ran['EE_BASE_IMAGE'] = ran['EE_BASE_IMAGE'].replace('$BASE', re.search(r'BASE=\$\{SEED_EE_BASE_IMAGE:-([^}]+)\}', script).group(1))
    assert documented == ran
    assert ran['EE_BASE_IMAGE'] == 'seed/debian:bookworm'


def test_ee_sh_prepares_the_folder_of_the_doc_and_nothing_else(work):
    """scripts/ee.sh prepare (make ee's first step): its folder (build/ee, here SEED_EE_DIR: make test runs e2e's
    make ee beside this stage) holds the tarballs, the two files as the tarball ships them, and the CA bundle pip
    uses; create writes the build context there."""
    ee_dir = str(work / 'ee-sh')
    env = clean_env(SEED_EE_DIR=ee_dir)
    run(['bash', os.path.join(ROOT, 'scripts', 'ee.sh'), 'create'], cwd=ROOT, env=env)
    files = sorted(f for f in os.listdir(ee_dir) if f != 'context')
    ca = [env[k] for k in ('PIP_CERT', 'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE') if env.get(k) and os.path.getsize(env[k])]
    expected = re.compile(r'ansible-navigator\.yml %scommunity-general-[0-9.]+\.tar\.gz '
                          r'community-postgresql-[0-9.]+\.tar\.gz execution-environment\.yml '
                          r'seed-laravel_aws-%s\.tar\.gz' % ('ca-bundle\\.crt ' if ca else '', re.escape(GALAXY['version'])))
    assert expected.fullmatch(' '.join(files)), files
    if ca:
        assert open(os.path.join(ee_dir, 'ca-bundle.crt')).read() == open(ca[0]).read()
    for name in EE_FILES:
        assert open(os.path.join(ee_dir, name)).read() == open(os.path.join(ROOT, EE_DOCS, name)).read(), name
    dockerfile = open(os.path.join(ee_dir, 'context', 'Dockerfile')).read()
    assert_every_copy_has_a_source(work.__class__(os.path.join(ee_dir, 'context')), dockerfile)


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
