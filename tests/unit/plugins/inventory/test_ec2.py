"""The inventory plugin as ansible-inventory and ansible-playbook run it, against moto's server in this process.

These run with whatever ansible-core the interpreter has (scripts/venvs.sh runs them on the lowest and the newest
version the collection claims): finding 1 of issue 19 only shows on ansible-core < 2.19, where plugin data is
trusted unless the plugin marks it unsafe.
"""
import json
import os
import socket
import subprocess
import sys

import pytest
from emulator.amis import DEBIAN_OWNER  # two images: moto's thousands of Amazon ones take seconds to list

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
BIN = os.path.dirname(sys.executable)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='module')
def server():
    moto_server = pytest.importorskip('moto.server')
    from emulator.fidelity import patch_moto
    patch_moto()  # moto as the emulator runs it (its Debian images among them), whichever tests ran before
    port = free_port()
    srv = moto_server.ThreadedMotoServer(ip_address='127.0.0.1', port=port, verbose=False)
    srv.start()
    yield 'http://127.0.0.1:%d' % port
    srv.stop()


@pytest.fixture
def ec2(server):
    import boto3
    import urllib.request
    urllib.request.urlopen(urllib.request.Request(server + '/moto-api/reset', method='POST'), timeout=30).read()
    client = boto3.client('ec2', region_name='us-east-1', endpoint_url=server,
                          aws_access_key_id='testing', aws_secret_access_key='testing')
    client.url = server
    return client


def launch(ec2, tags, count=1):
    image = sorted(ec2.describe_images(Owners=[DEBIAN_OWNER])['Images'], key=lambda i: i['ImageId'])[0]['ImageId']
    tags = dict({'Stack': 'demo'}, **tags)
    out = ec2.run_instances(ImageId=image, MinCount=count, MaxCount=count, InstanceType='t3.micro',
                            TagSpecifications=[{'ResourceType': 'instance',
                                                'Tags': [{'Key': k, 'Value': v} for k, v in tags.items()]}])
    return [i['InstanceId'] for i in out['Instances']]


def env(tmp_path):
    e = dict(os.environ)
    e.update({
        'PATH': BIN + os.pathsep + e.get('PATH', ''),
        'ANSIBLE_CONFIG': os.path.join(ROOT, 'ansible.cfg'),
        'ANSIBLE_COLLECTIONS_PATH': os.path.join(ROOT, '.collections'),
        'ANSIBLE_INVENTORY_ENABLED': 'seed.laravel_aws.ec2',
        'ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED': 'true',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
        'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'tmp'), 'ANSIBLE_HOME': str(tmp_path / 'home'),
        'AWS_ACCESS_KEY_ID': 'testing', 'AWS_SECRET_ACCESS_KEY': 'testing',
    })
    for key in ('AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_EC2', 'ANSIBLE_STDOUT_CALLBACK'):
        e.pop(key, None)
    return e


def inventory_file(ec2, tmp_path, **options):
    config = {'plugin': 'seed.laravel_aws.ec2', 'regions': ['us-east-1'], 'endpoint_url': ec2.url, 'stack': 'demo'}
    config.update(options)
    path = tmp_path / 'demo.ec2.yml'
    path.write_text(json.dumps(config))
    return str(path)


def ansible_inventory(ec2, tmp_path, *args, **options):
    path = inventory_file(ec2, tmp_path, **options)
    return subprocess.run([os.path.join(BIN, 'ansible-inventory'), '-i', path] + list(args), cwd=str(tmp_path),
                          env=env(tmp_path), capture_output=True, text=True, timeout=180, check=False)


def plain(value):
    if isinstance(value, dict):
        if set(value) == {'__ansible_unsafe'}:
            return value['__ansible_unsafe']
        return dict((k, plain(v)) for k, v in value.items())
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def hosts_of(listed):
    return sorted(plain(listed['_meta']['hostvars']))


# -- finding 1: every value from AWS is unsafe --------------------------------------------------------------------

def test_tags_are_never_templated_in_compose_keyed_groups_or_plays(ec2, tmp_path):
    marker = tmp_path / 'pwned'
    evil = "{{ lookup('pipe', 'touch %s') }}" % marker
    launch(ec2, {'Name': 'demo-web-1', 'Role': 'web', 'Owner': evil, 'Team': evil})
    options = {'compose': {'owner': 'ec2_tags.Owner', 'team_upper': 'ec2_tags.Team | upper'},
               'keyed_groups': [{'key': 'ec2_tags.Team', 'prefix': 'team'}],
               'groups': {'evil': "ec2_tags.Owner is defined"}}
    listed = ansible_inventory(ec2, tmp_path, '--list', **options)
    assert listed.returncode == 0, listed.stderr
    assert not marker.exists(), 'a tag was templated (and ran a command) during ansible-inventory --list'
    hostvars = plain(json.loads(listed.stdout)['_meta']['hostvars'])
    assert hostvars['demo-web-1']['owner'] == evil

    # And in a play that prints the tag and the composed variable.
    play = tmp_path / 'play.yml'
    play.write_text(json.dumps([{'hosts': 'web', 'gather_facts': False, 'connection': 'local', 'tasks': [
        {'ansible.builtin.debug': {'msg': '{{ ec2_tags.Owner }} {{ owner }} {{ team_upper }} {{ inventory_hostname }}'}},
    ]}]))
    run = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', inventory_file(ec2, tmp_path, **options), str(play)],
                         cwd=str(tmp_path), env=env(tmp_path), capture_output=True, text=True, timeout=180, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert not marker.exists(), 'a tag was templated (and ran a command) in a play'
    assert 'pwned' in run.stdout and 'LOOKUP' in run.stdout, run.stdout  # printed as text, never run


# -- finding 2: tags do not choose identities ---------------------------------------------------------------------

@pytest.mark.parametrize('name', ['localhost', '127.0.0.1', '10.0.0.5', 'all', '::1'])
def test_reserved_or_ip_host_names_from_tags_are_refused(ec2, tmp_path, name):
    ids = launch(ec2, {'Name': name, 'Role': 'web'})
    proc = ansible_inventory(ec2, tmp_path, '--list')
    assert proc.returncode != 0
    assert ids[0] in proc.stderr and 'refused host names' in proc.stderr


def test_a_host_named_like_a_group_is_refused(ec2, tmp_path):
    ids = launch(ec2, {'Name': 'web', 'Role': 'web'})
    proc = ansible_inventory(ec2, tmp_path, '--list')
    assert proc.returncode != 0 and ids[0] in proc.stderr and 'name of a group' in proc.stderr


def test_duplicate_host_names_are_refused_naming_both_instances(ec2, tmp_path):
    ids = launch(ec2, {'Name': 'demo-web-1', 'Role': 'web'}, count=2)
    proc = ansible_inventory(ec2, tmp_path, '--list')
    assert proc.returncode != 0
    assert all(i in proc.stderr for i in ids) and 'distinct Name tags' in proc.stderr
    # instance-id first: every instance is a host of its own
    ok = ansible_inventory(ec2, tmp_path, '--list', hostnames=['instance-id'])
    assert ok.returncode == 0, ok.stderr
    assert hosts_of(json.loads(ok.stdout)) == sorted(ids)


def test_two_bastions_in_a_stack_need_the_bastion_option(ec2, tmp_path):
    first = launch(ec2, {'Name': 'demo-bastion-1', 'Role': 'bastion'})
    second = launch(ec2, {'Name': 'aaa-bastion', 'Role': 'bastion'})
    proc = ansible_inventory(ec2, tmp_path, '--list')
    assert proc.returncode != 0
    assert first[0] in proc.stderr and second[0] in proc.stderr and 'bastion option' in proc.stderr
    ok = ansible_inventory(ec2, tmp_path, '--list', bastion='admin@203.0.113.10')
    assert ok.returncode == 0, ok.stderr


# -- finding 8: a region listed twice, an instance found twice --------------------------------------------------

def test_a_region_listed_twice_lists_each_host_once(ec2, tmp_path):
    launch(ec2, {'Name': 'demo-web-1', 'Role': 'web'})
    launch(ec2, {'Name': 'demo-web-2', 'Role': 'web'})
    proc = ansible_inventory(ec2, tmp_path, '--list', regions=['us-east-1', 'us-east-1'])
    assert proc.returncode == 0, proc.stderr
    listed = json.loads(proc.stdout)
    assert hosts_of(listed) == ['demo-web-1', 'demo-web-2']
    assert sorted(listed['web']['hosts']) == ['demo-web-1', 'demo-web-2']
