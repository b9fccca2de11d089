"""playbooks/status.yml as a user runs it (inventory/aws, against the emulator): a stack provisioned with the managed
data tier, read back from AWS by its Stack tag alone - every resource the stack has (as scripts/stack_left.py lists
them), its state and hourly cost, and the total; what another stack owns is never shown; nothing is changed. The
total it reads back is what the stack_cost filter estimated for the same settings before anything was made."""
import os
import re
import shutil
import textwrap

import boto3
import pytest
import yaml

from conftest import ROOT
from test_one_path import guard, user, vars_file  # noqa: F401  pylint: disable=unused-import

from ansible_collections.seed.laravel_aws.plugins.filter import cost

import stack_left  # scripts/, put on sys.path by test_one_path

SETTINGS = dict(stack_web_count=1, stack_db_tier='rds', stack_cache_tier='redis')
SECRETS = dict(SEED_DB_PASSWORD='s3cret-s3cret', SEED_RDS_MASTER_PASSWORD='m4ster-s3cret', SEED_CACHE_AUTH_TOKEN='token-0123456789abcdef')


def clients(aws):
    kw = dict(region_name='us-east-1', endpoint_url=aws.url, aws_access_key_id='testing', aws_secret_access_key='testing')
    return dict((name, boto3.client(name, **kw)) for name in ('ec2', 'elbv2', 'acm', 'rds', 'elasticache'))


def result_of(out, task):
    """The result the default callback prints (with -v, in YAML as ansible.cfg asks) for the task named ``task``."""
    start = out.index('ok: [localhost] =>', out.index('TASK [%s]' % task))
    block = []
    for line in out[start:].splitlines()[1:]:
        if line and not line.startswith(' '):
            break
        block.append(line)
    return yaml.safe_load(textwrap.dedent('\n'.join(block)))


def status(user, *args, **env):
    """status.yml's results: the stack_info task's and the debug message's."""
    proc = user('status.yml', '-v', *args, **env)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return (result_of(proc.stdout, 'Every resource tagged with the stack (reads only)'),
            result_of(proc.stdout, 'Each resource, its state and its hourly cost, and the total')['msg'])


@pytest.fixture
def provisioned(user, aws, tmp_path):  # noqa: F811
    values = vars_file(tmp_path, stack_admin_cidr='198.51.100.7/32', stack_ssh_private_key_file=user.key, **SETTINGS)
    proc = user('provision.yml', '-e', values, **SECRETS)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    c = clients(aws)
    # another stack's resources, named as demo's are: never shown
    ec2 = c['ec2']
    other = ec2.create_vpc(CidrBlock='10.90.0.0/16', TagSpecifications=[{'ResourceType': 'vpc', 'Tags': [
        {'Key': 'Stack', 'Value': 'demo-2'}, {'Key': 'Name', 'Value': 'demo-vpc'}]}])['Vpc']['VpcId']
    stray = ec2.create_security_group(GroupName='demo-web', Description='no stack', VpcId=other)['GroupId']
    aws.faults()  # what the test made is its own
    return {'values': values, 'clients': c, 'others': [other, stray]}


def listed_ids(c, stack):
    """The ids of what scripts/stack_left.py finds of the stack (its lines end with an id, or an id and a state)."""
    found = stack_left.left_of_stack(c['ec2'], stack) + stack_left.left_of_load_balancing(c['elbv2'], c['acm'], stack)
    data, kept = stack_left.left_of_data_tier(c['rds'], c['elasticache'], stack)
    return sorted(re.sub(r' \([a-z-]+\)$', '', line).split()[-1] for line in found + data + kept)


def test_status_reads_the_stack_back_by_its_tag(user, aws, provisioned):  # noqa: F811
    before = len(aws.mutating())
    info, lines = status(user)
    assert aws.mutating()[before:] == [], aws.mutating()[before:]

    resources = info['resources']
    ids = set(r['id'] for r in resources)
    wanted = listed_ids(provisioned['clients'], 'demo')
    assert len(wanted) > 20 and set(wanted) <= ids, sorted(set(wanted) - ids)
    assert not ids & set(provisioned['others'])
    kinds = set(r['kind'] for r in resources)
    assert {'vpc', 'subnet', 'nat_gateway', 'elastic_ip', 'instance', 'volume', 'load_balancer', 'target_group', 'rds_instance',
            'db_subnet_group', 'cache_cluster', 'cache_subnet_group', 'key_pair', 'security_group'} <= kinds, kinds
    roles = sorted(r['details']['role'] for r in resources if r['kind'] == 'instance')
    assert roles == ['bastion', 'web'] and all(r['state'] == 'running' for r in resources if r['kind'] == 'instance')
    (lb,) = [r for r in resources if r['kind'] == 'load_balancer']
    assert lb['name'] == 'demo-alb' and lb['details']['dns_name']

    # the message: a title with the total, a line per resource with its state, the total
    totals = info['cost']['totals']
    assert totals['complete'] is True
    assert lines[0] == 'Stack demo in us-east-1 now (%d resources): $%.4f an hour, $%.2f a month' % (
        len(resources), totals['hourly'], totals['monthly'])
    for r in resources:
        label = r['name'] or r['id']
        assert any(label in line and ('[%s]' % r['state'] if r['state'] else '') in line for line in lines[1:]), (label, r['state'])
    assert [line for line in lines if line.lstrip().startswith('total ')][0].split()[-2:] == [
        '$%.4f/h' % totals['hourly'], '$%.2f/month' % totals['monthly']]

    # what it reads back is what the estimate said before anything was made, from the same settings
    estimate = cost.stack_cost(SETTINGS)
    assert totals['hourly'] == pytest.approx(estimate['totals']['hourly'], abs=1e-6), (
        info['cost']['lines'], estimate['lines'])


def test_status_of_a_stack_with_nothing(user, aws, tmp_path):  # noqa: F811
    inventory = tmp_path / 'inventory'
    shutil.copytree(os.path.join(ROOT, 'inventory', 'aws'), str(inventory))
    config = inventory / 'ec2.yml'
    config.write_text(config.read_text().replace('stack: demo', 'stack: shop'))
    info, lines = status(user, inventory=str(inventory))
    assert info['resources'] == [] and lines == ['Stack shop: nothing tagged Stack=shop in us-east-1']
    assert aws.mutating() == []
