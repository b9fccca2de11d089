"""The stack as users provision it (network, key pair, instances) and the inventory plugin that finds it."""
import json
import os
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from conftest import ROOT, ansible_env
from test_network import NETWORK

A = 'seed.laravel_aws.'
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
import stack_left  # noqa: E402  pylint: disable=wrong-import-position

DEBIAN_OWNER = '136693071363'  # the emulator's two Debian images (emulator/amis.py): moto's thousands of Amazon ones take seconds to list


PUBLIC_KEY = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
    serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def stack_tasks(web_count=2):
    pub = PUBLIC_KEY
    common = {'stack': 'demo', 'image_id': '{{ ami }}', 'key_name': 'demo'}
    return [
        {'name': 'ami', 'ansible.builtin.set_fact': {'ami': 'ami-03cf127a'}},
        {'name': 'network', A + 'network': NETWORK, 'register': 'net'},
        {'name': 'key', A + 'key_pair': {'name': 'demo', 'public_key': pub, 'tags': {'Stack': 'demo'}}},
        {'name': 'bastion', A + 'instance': dict(common, name='bastion', count=1,
                                                 subnet_ids="{{ net.subnets.public | map(attribute='id') | list }}",
                                                 security_groups=['demo-web'])},
        {'name': 'web', A + 'instance': dict(common, name='web', count=web_count,
                                             subnet_ids="{{ net.subnets.public | map(attribute='id') | list }}",
                                             security_groups=['demo-web']), 'register': 'web'},
        {'name': 'db', A + 'instance': dict(common, name='db', count=1,
                                            subnet_ids="{{ net.subnets.private[:1] | map(attribute='id') | list }}",
                                            security_groups=['demo-db'])},
    ]


def inventory(aws, tmp_path, *args, **options):
    config = {'plugin': 'seed.laravel_aws.ec2', 'regions': ['us-east-1'], 'endpoint_url': aws.url, 'stack': 'demo'}
    config.update(options)
    path = tmp_path / 'demo.ec2.yml'
    path.write_text(json.dumps(config))
    env = ansible_env(ANSIBLE_INVENTORY_ENABLED='seed.laravel_aws.ec2', ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED='true')
    proc = subprocess.run(['ansible-inventory', '-i', str(path)] + list(args), cwd=ROOT, env=env, check=False,
                          capture_output=True, text=True, timeout=120)
    return proc


def plain(value):
    """Values from AWS are marked unsafe (never templated); ansible-inventory shows them wrapped."""
    if isinstance(value, dict):
        if set(value) == {'__ansible_unsafe'}:
            return value['__ansible_unsafe']
        return dict((k, plain(v)) for k, v in value.items())
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


@pytest.fixture
def ami(aws):
    images = sorted(aws.ec2().describe_images(Owners=[DEBIAN_OWNER])['Images'], key=lambda i: i['ImageId'])
    return images[0]['ImageId']


def with_ami(tasks, ami):
    tasks[0]['ansible.builtin.set_fact']['ami'] = ami
    return tasks


def test_stack_rerun_scale_and_inventory(playbook, aws, ami, tmp_path):
    run = playbook(with_ami(stack_tasks(), ami))
    assert run.rc == 0, run.stdout[-3000:]
    assert [i['name'] for i in run.task('web')['instances']] == ['demo-web-1', 'demo-web-2']

    aws._get('/_seed/requests', method='DELETE')
    rerun = playbook(with_ami(stack_tasks(), ami))
    assert rerun.rc == 0 and rerun.stats.get('changed') == 0, rerun.stats
    assert 'RunInstances' not in aws.mutating()

    up = playbook(with_ami(stack_tasks(web_count=3), ami))
    assert up.task('web')['launched'] == ['demo-web-3']
    down = playbook(with_ami(stack_tasks(web_count=2), ami))
    assert down.task('web')['terminated'] == ['demo-web-3']

    graph = inventory(aws, tmp_path, '--graph')
    assert graph.returncode == 0, graph.stderr
    assert '@web:' in graph.stdout and '@db:' in graph.stdout and '@bastion:' in graph.stdout
    for host in ('demo-web-1', 'demo-web-2', 'demo-db-1', 'demo-bastion-1'):
        assert host in graph.stdout
    assert 'demo-web-3' not in graph.stdout

    listed = json.loads(inventory(aws, tmp_path, '--list').stdout)
    hostvars = plain(listed['_meta']['hostvars'])
    bastion_ip = hostvars['demo-bastion-1']['public_ip_address']
    db = hostvars['demo-db-1']
    assert db['public_ip_address'] is None and db['ansible_host'] == db['private_ip_address']
    assert 'ProxyJump=admin@%s' % bastion_ip in db['ansible_ssh_common_args']
    web = hostvars['demo-web-1']
    assert web['ansible_host'] == web['public_ip_address'] and 'ProxyJump' not in web['ansible_ssh_common_args']
    assert 'StrictHostKeyChecking=accept-new' in web['ansible_ssh_common_args']
    assert web['role'] == 'web' and web['stack'] == 'demo' and web['instance_id'].startswith('i-')
    # The tags are ec2_tags: `tags` is reserved in Ansible and would warn on every run.
    assert web['ec2_tags']['Name'] == 'demo-web-1' and web['ec2_tags']['Role'] == 'web'
    assert 'tags' not in web
    assert 'reserved name' not in graph.stderr


def test_cache_makes_no_request_on_the_second_call(playbook, aws, ami, tmp_path):
    assert playbook(with_ami(stack_tasks(), ami)).rc == 0
    cache = {'cache': True, 'cache_plugin': 'ansible.builtin.jsonfile', 'cache_connection': str(tmp_path / 'cache')}
    first = inventory(aws, tmp_path, '--list', **cache)
    assert first.returncode == 0, first.stderr
    aws._get('/_seed/requests', method='DELETE')
    second = inventory(aws, tmp_path, '--list', **cache)
    assert second.returncode == 0
    assert aws.requests() == []
    assert json.loads(second.stdout) == json.loads(first.stdout)


def test_unknown_option_is_an_error(aws, tmp_path):
    proc = inventory(aws, tmp_path, '--list', stak='demo')
    assert proc.returncode != 0 and 'stak' in proc.stderr


def teardown_tasks():
    """playbooks/teardown.yml's order: instances, key pair, network."""
    return [{'name': 'instances ' + role, A + 'instance': {'stack': 'demo', 'name': role, 'state': 'absent', 'wait': True}}
            for role in ('web', 'db', 'bastion')] + [
        {'name': 'key', A + 'key_pair': {'name': 'demo', 'state': 'absent'}},
        {'name': 'network', A + 'network': {'name': 'demo', 'state': 'absent'}}]


def left_of_stack(aws):
    return stack_left.left_of_stack(aws.ec2(), 'demo')


def test_teardown_of_a_stack_with_instances_leaves_nothing(playbook, aws, ami):
    assert playbook(with_ami(stack_tasks(), ami)).rc == 0

    # The network refuses to go while an instance still uses it, names it, and deletes nothing.
    early = playbook([teardown_tasks()[-1]])
    assert early.rc != 0 and 'instance' in early.stdout and 'still' in early.stdout
    assert aws.mutating().count('DeleteVpc') == 0 and len(left_of_stack(aws)) > 10

    # Terminated instances keep their interfaces in moto (AWS deletes them with the instance):
    # the teardown must not take those for users of the groups and subnets. AWS's dependency
    # rules are enforced by the emulator meanwhile.
    aws.faults(strict=True)
    gone = playbook(teardown_tasks())
    assert gone.rc == 0, gone.stdout[-3000:]
    assert left_of_stack(aws) == []
    again = playbook(teardown_tasks())
    assert again.rc == 0 and again.stats.get('changed') == 0, again.stats
