"""The demo's harness (scripts/demo.sh), without Docker or an emulator: the files it writes for the user's shell.

Each test runs the real script in a copy of the project's layout in a temporary folder (scripts/demo.sh,
inventory/aws/ec2.yml, a .venv/bin/python that is this Python), with a `docker` first on PATH that fails,
so nothing here can start a container; demo.sh is sourced for its functions, as bash allows.
"""
import os
import shutil
import stat
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECRETS = ('env.sh', 'db_password', 'rds_master_password', 'cache_auth_token', 'id_ed25519', 'alb.key')


@pytest.fixture
def demo(tmp_path):
    root = tmp_path / 'project'
    (root / 'scripts').mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, 'scripts', 'demo.sh'), str(root / 'scripts' / 'demo.sh'))
    (root / 'emulator').mkdir()
    shutil.copy(os.path.join(ROOT, 'emulator', 'ssh_guard.py'), str(root / 'emulator' / 'ssh_guard.py'))
    (root / 'inventory' / 'aws').mkdir(parents=True)
    # a region of another stack than the shipped file's: what demo-env exports must come from this file
    (root / 'inventory' / 'aws' / 'ec2.yml').write_text(
        'plugin: seed.laravel_aws.ec2\nregions: [eu-west-3, us-east-1]\nstack: demo\n')
    (root / '.venv' / 'bin').mkdir(parents=True)
    python = root / '.venv' / 'bin' / 'python'
    python.write_text('#!/bin/sh\nexec %s "$@"\n' % sys.executable)
    python.chmod(0o755)
    fake = tmp_path / 'fakebin'
    fake.mkdir()
    (fake / 'docker').write_text('#!/bin/sh\necho "no docker in this test" >&2\nexit 99\n')
    (fake / 'docker').chmod(0o755)
    folder = root / '.cache' / 'demo'
    folder.mkdir(parents=True)
    old = os.umask(0o022)
    try:
        (folder / 'db_password').write_text('Secret-db-1234567890\n')
        (folder / 'rds_master_password').write_text('Secret-master-1234567890\n')
        (folder / 'cache_auth_token').write_text('Secret-token-1234567890abcdef\n')
    finally:
        os.umask(old)
    env = dict(os.environ, PATH='%s:%s' % (fake, os.environ['PATH']))
    for name in ('SEED_EMULATOR_PORT', 'SEED_PROXY_PORT', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'DEMO_DOMAIN',
                 'DEMO_DOMAIN_ZONE'):
        env.pop(name, None)

    def bash(script, *args):
        return subprocess.run(['bash', '-c', script, 'test'] + list(args), cwd=str(root), env=env,
                              capture_output=True, text=True, check=False, timeout=60)
    bash.root, bash.folder = root, folder
    return bash


def mode(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def written(demo):
    """write_env, as prepare runs it, with the umask most shells have (022)."""
    proc = demo('umask 022; . scripts/demo.sh; write_env')
    assert proc.returncode == 0, proc.stderr


def test_demo_env_exports_the_region_of_the_inventory(demo):
    written(demo)
    proc = demo('bash scripts/demo.sh env')
    assert proc.returncode == 0, proc.stderr
    assert 'export AWS_REGION=eu-west-3\n' in proc.stdout and 'export AWS_DEFAULT_REGION=eu-west-3\n' in proc.stdout
    # what a user of `eval "$(make -s demo-env)"` gets: boto3 (and the AWS CLI, which reads the same variables)
    # knows the stack's region, no NoRegionError
    proc = demo('eval "$(bash scripts/demo.sh env)"; exec .venv/bin/python -c "import boto3; print(boto3.session.Session().region_name)"')
    assert proc.returncode == 0 and proc.stdout.strip() == 'eu-west-3', proc.stderr


def test_demo_env_refuses_a_region_that_is_not_one(demo):
    (demo.root / 'inventory' / 'aws' / 'ec2.yml').write_text("plugin: seed.laravel_aws.ec2\nregions: ['eu-west-3; rm -rf ~']\n")
    proc = demo('umask 022; . scripts/demo.sh; write_env')
    assert proc.returncode != 0 and 'regions' in proc.stderr and 'ec2.yml' in proc.stderr
    assert not (demo.folder / 'env.sh').exists()


def test_the_demos_secrets_are_private_from_their_creation(demo):
    # an older run's env.sh, readable by all, as demo.sh wrote it before
    old = demo.folder / 'env.sh'
    old.write_text("export SEED_DB_PASSWORD='Secret-db-1234567890'\n")
    old.chmod(0o644)
    (demo.folder / 'db_password').chmod(0o644)
    written(demo)
    env = (demo.folder / 'env.sh').read_text()
    assert "SEED_DB_PASSWORD='Secret-db-1234567890'" in env and "SEED_CACHE_AUTH_TOKEN='Secret-token-1234567890abcdef'" in env
    assert "SEED_RDS_MASTER_PASSWORD='Secret-master-1234567890'" in env
    assert mode(demo.folder / 'env.sh') == 0o600
    # a new file in its place (never the old one, readable by all, rewritten), and nothing left beside it
    assert sorted(p.name for p in demo.folder.iterdir()) == ['cache_auth_token', 'db_password', 'env.sh', 'rds_master_password']
    # an older run's secrets are made private before they are used
    proc = demo('umask 022; . scripts/demo.sh; private_files')
    assert proc.returncode == 0, proc.stderr
    assert mode(demo.folder / 'db_password') == 0o600 and mode(demo.folder / 'cache_auth_token') == 0o600
    assert mode(demo.folder / 'rds_master_password') == 0o600
    # and `make demo-env` of an older run's demo does the same
    (demo.folder / 'env.sh').chmod(0o644)
    proc = demo('bash scripts/demo.sh env')
    assert proc.returncode == 0 and 'SEED_DB_PASSWORD' in proc.stdout
    assert mode(demo.folder / 'env.sh') == 0o600


def test_a_new_env_file_is_never_readable_by_others(demo):
    """From its creation: with a umask that lets everyone read and no chmod run (bash's trace shows every command),
    a file of mode 0600 can only have been made so."""
    proc = demo('umask 000; . scripts/demo.sh; set -x; write_env')
    assert proc.returncode == 0, proc.stderr
    assert mode(demo.folder / 'env.sh') == 0o600
    assert 'chmod' not in proc.stderr, proc.stderr
    assert mode(demo.folder / 'db_password') == 0o644  # write_env itself changes no other file


def test_the_ssh_wrapper_knows_itself(demo, tmp_path):
    """bin/ssh exports SEED_SSH_GUARD_SELF (its own path): the guard runs ssh with it as argv[0], so that ssh runs
    a ProxyJump's hop through the guard too (emulator/ssh_guard.py)."""
    proc = demo('. scripts/demo.sh; ssh_wrappers')
    assert proc.returncode == 0, proc.stderr
    wrapper = demo.folder / 'bin' / 'ssh'
    assert mode(wrapper) == 0o755
    (demo.folder / 'bin' / 'ssh_guard.py').write_text('import os, sys\nprint(os.environ["SEED_SSH_GUARD_SELF"], sys.argv[1:])\n')
    out = subprocess.run([str(wrapper), '-V'], capture_output=True, text=True, check=True, timeout=30).stdout
    assert out.strip() == "%s ['-V']" % wrapper


def test_new_secrets_are_what_aws_takes(demo):
    """The demo's secrets are made as a user would choose them: the Redis auth token of the characters ElastiCache takes
    (token_urlsafe's '_' is refused by AWS), the passwords as RDS and .env take them; and each is made once."""
    import sys
    sys.path.insert(0, os.path.join(ROOT, '.collections'))
    from ansible_collections.seed.laravel_aws.plugins.module_utils import secrets
    for name in ('db_password', 'rds_master_password', 'cache_auth_token'):
        (demo.folder / name).unlink()
    for attempt in range(20):  # random secrets: enough draws that a '_' (1 in 64 a character) would show
        proc = demo('. scripts/demo.sh; new_secrets')
        assert proc.returncode == 0, proc.stderr
        values = dict((n, (demo.folder / n).read_text().strip()) for n in ('db_password', 'rds_master_password', 'cache_auth_token'))
        assert secrets.problem('cache_auth_token', values['cache_auth_token']) is None, values['cache_auth_token']
        assert secrets.problem('db_password', values['db_password']) is None
        assert secrets.problem('rds_master_password', values['rds_master_password']) is None
        assert all(mode(demo.folder / n) == 0o600 for n in values)
        again = demo('. scripts/demo.sh; new_secrets')
        assert again.returncode == 0 and (demo.folder / 'cache_auth_token').read_text().strip() == values['cache_auth_token']
        for name in values:
            (demo.folder / name).unlink()


def test_demo_env_points_every_client_at_the_demos_ca_bundle(demo):
    """curl, Python's ssl, requests and boto trust the same bundle (the system's CAs, the emulator's CA, the demo's
    certificate), and the proxy variables send them through the demo's proxy."""
    written(demo)
    env = (demo.folder / 'env.sh').read_text()
    bundle = str(demo.folder / 'ca-bundle.pem')
    for name in ('SSL_CERT_FILE', 'CURL_CA_BUNDLE', 'REQUESTS_CA_BUNDLE', 'AWS_CA_BUNDLE'):
        assert 'export %s="%s"\n' % (name, bundle) in env, name
    for name in ('http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY'):
        assert 'export %s="http://127.0.0.1:5080"\n' % name in env, name


def test_the_ca_bundle_holds_the_emulators_ca_and_the_demos_certificate(demo):
    shutil.rmtree(str(demo.root / 'emulator'))
    shutil.copytree(os.path.join(ROOT, 'emulator'), str(demo.root / 'emulator'), ignore=shutil.ignore_patterns('__pycache__'))
    (demo.folder / 'alb.crt').write_text('-----BEGIN CERTIFICATE-----\nALB\n-----END CERTIFICATE-----\n')
    proc = demo('. scripts/demo.sh; ca_bundle')
    assert proc.returncode == 0, proc.stderr
    bundle = (demo.folder / 'ca-bundle.pem').read_text()
    root = (demo.folder / 'dataplane' / 'ca.crt').read_text()  # made here, where the emulator's data plane finds it
    assert bundle.endswith('ALB\n-----END CERTIFICATE-----\n' + root)
    assert mode(demo.folder / 'dataplane' / 'ca.key') == 0o600
    if os.path.exists('/etc/ssl/certs/ca-certificates.crt'):
        with open('/etc/ssl/certs/ca-certificates.crt') as f:
            assert bundle.startswith(f.read().strip())


def test_the_demos_domain_is_a_switch(demo):
    proc = demo('. scripts/demo.sh; domain_vars')
    assert proc.returncode == 0, proc.stderr
    assert ('domain: shop.seed-demo.test\ndomain_zone: seed-demo.test\ndomain_zone_create: true\ndomain_www: redirect\n'
            in proc.stdout) and 'stack_alb_certificate_file' not in proc.stdout
    proc = demo('. scripts/demo.sh; alb_check_args')
    assert proc.stdout.split() == ['--certificate', str(demo.folder / 'ca-bundle.pem'), '--domain', 'shop.seed-demo.test']
    # DEMO_DOMAIN empty: no domain, the demo's imported certificate as before
    proc = demo('DEMO_DOMAIN= ; export DEMO_DOMAIN; . scripts/demo.sh; domain_vars; alb_check_args')
    assert proc.returncode == 0, proc.stderr
    assert 'stack_alb_certificate_file: %s/alb.crt\n' % demo.folder in proc.stdout and '\ndomain:' not in proc.stdout
    assert proc.stdout.split()[-2:] == ['--certificate', str(demo.folder / 'alb.crt')]
    proc = demo('DEMO_DOMAIN=www.example.org DEMO_DOMAIN_ZONE=example.org; export DEMO_DOMAIN DEMO_DOMAIN_ZONE; . scripts/demo.sh; domain_vars')
    assert 'domain: www.example.org\ndomain_zone: example.org\n' in proc.stdout
    for bad in ('Shop.Example', 'shop.example.com;id', '.example.com'):
        proc = demo('DEMO_DOMAIN="$1"; export DEMO_DOMAIN; . scripts/demo.sh; domain_vars', bad)
        assert proc.returncode == 2 and 'DEMO_DOMAIN' in proc.stderr, bad
    proc = demo('DEMO_DOMAIN=shop.example.com DEMO_DOMAIN_ZONE=example.org; export DEMO_DOMAIN DEMO_DOMAIN_ZONE; . scripts/demo.sh')
    assert proc.returncode == 2 and 'not in the zone' in proc.stderr
