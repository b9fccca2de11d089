"""The collection as users get it: ansible-doc renders, a build installs."""
import os
import subprocess

from conftest import ROOT, ansible_env

MODULES = ['vpc', 'subnet', 'internet_gateway', 'elastic_ip', 'nat_gateway', 'route_table', 'security_group', 'network', 'key_pair', 'instance',
           'load_balancer', 'target', 'certificate']


def test_ansible_doc_renders_every_module():
    for name in MODULES:
        proc = subprocess.run(['ansible-doc', 'seed.laravel_aws.%s' % name], cwd=ROOT, env=ansible_env(),
                              check=False, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert 'EXAMPLES' in proc.stdout and 'RETURN VALUES' in proc.stdout


def test_build_makes_a_tarball_that_installs(tmp_path):
    env = ansible_env()
    build = subprocess.run(['ansible-galaxy', 'collection', 'build', '--output-path', str(tmp_path), ROOT],
                           env=env, check=False, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    (tarball,) = [p for p in os.listdir(tmp_path) if p.endswith('.tar.gz')]
    assert tarball == 'seed-laravel_aws-0.1.0.tar.gz'
    size = os.path.getsize(os.path.join(tmp_path, tarball))
    assert size < 5 * 1024 * 1024, 'the tarball carries something it should not (%d bytes)' % size
    dest = tmp_path / 'installed'
    install = subprocess.run(['ansible-galaxy', 'collection', 'install', '--force', '--no-deps', '-p', str(dest),
                              os.path.join(tmp_path, tarball)], env=env, check=False, capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    installed = dest / 'ansible_collections' / 'seed' / 'laravel_aws'
    assert (installed / 'plugins' / 'modules' / 'vpc.py').is_file()
    assert (installed / 'MANIFEST.json').is_file()
