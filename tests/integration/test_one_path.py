"""The one path: inventory/aws and the playbooks, as a user runs them on AWS, against the emulator
(botocore's AWS_ENDPOINT_URL, nothing else). The preflight stops every bad start before the first
request that changes anything; the stack's name and region are written once. No test here may
reach a host: ssh goes through the guard with no address allowed but loopback."""
import json
import os
import re
import shutil
import subprocess
import sys

import boto3
import pytest
import yaml

from conftest import ROOT, ansible_env

sys.path.insert(0, os.path.join(ROOT, 'scripts'))
import stack_left  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope='module')
def guard(tmp_path_factory):
    """The ssh guard as an executable, as the demo installs it."""
    path = tmp_path_factory.mktemp('guard') / 'ssh'
    path.write_text('#!/bin/sh\nexec %s %s "$@"\n' % (sys.executable, os.path.join(ROOT, 'emulator', 'ssh_guard.py')))
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def user(aws, tmp_path, guard):
    """A user's home (no ~/.ssh), a key pair, and a runner of ansible-playbook -i inventory/aws."""
    home = tmp_path / 'home'
    home.mkdir()
    key = tmp_path / 'id_ed25519'
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', str(key)], check=True)

    def run(playbook, *args, inventory=os.path.join(ROOT, 'inventory', 'aws'), command='ansible-playbook', **env):
        environ = ansible_env(HOME=str(home), AWS_ENDPOINT_URL=aws.url, ANSIBLE_STDOUT_CALLBACK='default',
                              ANSIBLE_SSH_EXECUTABLE=guard, SEED_SSH_GUARD_ADDRESSES='', **env)
        environ.pop('SEED_DB_PASSWORD', None)
        environ.update(env)
        target = ([playbook if os.path.isabs(playbook) else os.path.join(ROOT, 'playbooks', playbook)]
                  if command == 'ansible-playbook' else [playbook])
        return subprocess.run([command, '-i', inventory] + target + list(args), cwd=str(tmp_path), env=environ,
                              check=False, capture_output=True, text=True, timeout=600)
    run.key = str(key)
    run.home = home
    return run


def vars_file(tmp_path, **values):
    path = tmp_path / 'my-stack.yml'
    path.write_text(yaml.safe_dump(values))
    return '@' + str(path)


def test_site_with_nothing_set_stops_in_preflight_naming_every_missing_setting(user, aws):
    proc = user('site.yml')
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert 'Missing settings (nothing was changed)' in out, out[-3000:]
    for name, where in (('stack_admin_cidr', 'your vars file'), ('stack_app_repo', 'your vars file'),
                        ('stack_db_password', 'SEED_DB_PASSWORD')):
        assert re.search(r'%s: set it in [^\n]*%s' % (name, where), out), (name, out[-3000:])
    assert aws.mutating() == []


@pytest.mark.parametrize('problem', ['no key file', 'public key of another key', 'no image', 'no zone', 'key pair of another key',
                                     'load balancer name of 33', 'tag value AWS refuses'])
def test_preflight_refuses_a_bad_start_before_any_change(user, aws, tmp_path, problem):
    values = {'stack_admin_cidr': '198.51.100.7/32', 'stack_app_repo': 'https://git.example.test/app.git', 'stack_ssh_private_key_file': user.key}
    expect = None
    if problem == 'no key file':
        values['stack_ssh_private_key_file'] = str(tmp_path / 'missing')
        expect = 'stack_ssh_private_key_file: %s' % values['stack_ssh_private_key_file']
    elif problem == 'public key of another key':
        other = tmp_path / 'other'
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', str(other)], check=True)
        values['stack_public_key_path'] = str(other) + '.pub'
        expect = 'is not the public half of stack_ssh_private_key_file'
    elif problem == 'no image':
        values['stack_instance_image'] = {'name': 'debian-99-amd64-*', 'owner': '136693071363'}
        expect = "no available x86_64 image named 'debian-99-amd64-*'"
    elif problem == 'no zone':
        values['stack_availability_zones'] = ['us-east-1a', 'us-east-1q']
        expect = "stack_availability_zones[1]: 'us-east-1q' is not an available zone of us-east-1"
    elif problem == 'load balancer name of 33':  # AWS's rule, from the table the modules read (aws_rules)
        values['stack_alb_name'] = 'a' * 33
        expect = "stack_alb_name: refused by AWS's rule for CreateLoadBalancer Name"
    elif problem == 'tag value AWS refuses':  # ELBv2's tag values take letters, spaces, numbers and _ . : / = + - @ only
        values['stack_tags'] = {'Owner': 'ops#1'}
        expect = "stack_tags: the value of tag 'Owner': refused by AWS's rule for CreateLoadBalancer Tags[].Value"
    else:
        other = tmp_path / 'other'
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', str(other)], check=True)
        aws.ec2().import_key_pair(KeyName='demo', PublicKeyMaterial=open(str(other) + '.pub', 'rb').read())
        aws.faults()  # the import above is the test's own
        expect = 'key pair demo in this region holds another key'
    before = len(aws.mutating())
    proc = user('site.yml', '-e', vars_file(tmp_path, **values), SEED_DB_PASSWORD='s3cret-s3cret')
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and expect in out, out[-3000:]
    assert aws.mutating()[before:] == []


def test_check_mode_on_a_new_account_plans_the_network_and_changes_nothing(user, aws, tmp_path):
    """provision.yml --check before anything exists: the network, key pair and certificate are planned; what
    would be placed in subnets that do not exist yet (instances, load balancer) is named, not planned; no
    request changes anything."""
    cert, key = tmp_path / 'alb.crt', tmp_path / 'alb.key'
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
                    '-days', '2', '-subj', '/CN=*.us-east-1.elb.amazonaws.com', '-keyout', str(key), '-out', str(cert)],
                   check=True, capture_output=True)
    stack = vars_file(tmp_path, stack_admin_cidr='198.51.100.7/32', stack_ssh_private_key_file=user.key,
                      stack_alb_certificate_file=str(cert), stack_alb_certificate_key_file=str(key))
    proc = user('provision.yml', '-e', stack, '--check')
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    flat = ' '.join(out.split())  # the callback folds long messages
    assert 'the instances (bastion 1, web 2, db 1) and the load balancer demo-alb are not planned' in flat, out[-3000:]
    assert re.search(r'changed=[1-9]', out) and 'failed=0' in out
    assert aws.mutating() == []


def test_stack_and_region_are_written_once(user, aws, tmp_path):
    """Change stack and region in inventory/aws/ec2.yml only: what is provisioned, what the inventory
    finds, where the database is, and what teardown removes all follow."""
    inventory = tmp_path / 'inventory'
    shutil.copytree(os.path.join(ROOT, 'inventory', 'aws'), str(inventory))
    config = inventory / 'ec2.yml'
    text = config.read_text()
    assert 'regions: [us-east-1]' in text and 'stack: demo' in text
    config.write_text(text.replace('regions: [us-east-1]', 'regions: [eu-west-1]').replace('stack: demo', 'stack: shop'))
    stack = vars_file(tmp_path, stack_admin_cidr='198.51.100.7/32', stack_ssh_private_key_file=user.key)

    proc = user('provision.yml', '-e', stack, inventory=str(inventory))
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    ec2 = aws.ec2()
    eu = boto3.client('ec2', region_name='eu-west-1', endpoint_url=aws.url, aws_access_key_id='testing', aws_secret_access_key='testing')
    vpcs = eu.describe_vpcs(Filters=[{'Name': 'tag:Stack', 'Values': ['shop']}])['Vpcs']
    assert [dict((t['Key'], t['Value']) for t in v['Tags'])['Name'] for v in vpcs] == ['shop-vpc']
    zones = sorted(set(s['AvailabilityZone'] for s in eu.describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [vpcs[0]['VpcId']]}])['Subnets']))
    assert zones == ['eu-west-1a', 'eu-west-1b']
    assert ec2.describe_vpcs(Filters=[{'Name': 'tag:Stack', 'Values': ['shop']}])['Vpcs'] == []  # nothing in us-east-1
    assert eu.describe_key_pairs(KeyNames=['shop'])['KeyPairs']

    listed = user('--list', inventory=str(inventory), command='ansible-inventory')
    assert listed.returncode == 0, listed.stderr[-3000:]
    groups = json.loads(listed.stdout)
    assert sorted(groups['stack_shop']['hosts']) == ['shop-bastion-1', 'shop-db-1', 'shop-web-1', 'shop-web-2']
    hostvars = groups['_meta']['hostvars']
    db_ip = hostvars['shop-db-1']['private_ip_address']
    db_ip = db_ip.get('__ansible_unsafe', db_ip) if isinstance(db_ip, dict) else db_ip
    show = tmp_path / 'show.yml'
    show.write_text(yaml.safe_dump([{'name': 'show', 'hosts': 'localhost', 'gather_facts': False, 'roles': ['seed.laravel_aws.stack'],
                                     'tasks': [{'ansible.builtin.debug': {
                                         'msg': '{{ [stack_name, stack_region, stack_availability_zones, stack_db_host] }}'}}]}]))
    shown = user(str(show), inventory=str(inventory))
    assert re.search(r"- shop\n\s+- eu-west-1\n\s+-\s+- eu-west-1a\n\s+- eu-west-1b\n\s+- %s\n" % re.escape(db_ip), shown.stdout), \
        shown.stdout[-2000:]  # stack_db_host is the db instance's private address, never a Name tag

    # A stack whose bastion is gone: deploy.yml stops in preflight, naming the private host (and never dials it).
    bastion = [i['InstanceId'] for r in eu.describe_instances(Filters=[{'Name': 'tag:Role', 'Values': ['bastion']}])['Reservations']
               for i in r['Instances']]
    eu.terminate_instances(InstanceIds=bastion)
    proc = user('deploy.yml', '-e', stack, '-e', 'stack_app_repo=https://git.example.test/app.git', inventory=str(inventory),
                SEED_DB_PASSWORD='s3cret-s3cret')
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and 'Private hosts with no bastion to reach them through: shop-db-1' in out, out[-3000:]
    assert 'ESTABLISH SSH' not in out and 'ssh guard' not in out

    proc = user('teardown.yml', '-e', 'confirm=yes', inventory=str(inventory))
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert stack_left.left_of_stack(eu, 'shop') == []


def test_the_collection_knows_no_emulator():
    """Nothing in plugins, roles, playbooks or inventory/aws knows about the emulator or containers; the word
    "emulator" is in the documentation of endpoint_url only."""
    found, emulator = [], []
    for top in ('plugins', 'roles', 'playbooks', os.path.join('inventory', 'aws')):
        for folder, dummy, files in os.walk(os.path.join(ROOT, top)):
            for name in files:
                path = os.path.join(folder, name)
                with open(path, encoding='utf-8', errors='replace') as f:
                    lines = f.read().splitlines()
                for number, line in enumerate(lines, 1):
                    if re.search(r'local_containers|moto|docker', line, re.I):
                        found.append('%s:%d: %s' % (os.path.relpath(path, ROOT), number, line.strip()))
                    near = ' '.join(lines[max(0, number - 3):number]).lower()  # the option's name and its description
                    if re.search(r'emulator', line, re.I) and 'endpoint' not in near:
                        emulator.append('%s:%d: %s' % (os.path.relpath(path, ROOT), number, line.strip()))
    assert found == [] and emulator == []
