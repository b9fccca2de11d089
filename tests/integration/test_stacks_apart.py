"""Stacks side by side in one account: a stack's playbooks never delete, modify or deregister what another stack
owns, whatever the names (issue: teardown.yml -e stack_name=Demo deleted stack demo's database and cache, which AWS
names without case; the bastion check of preflight was skipped for any stack name with a dash).

Three stacks, demo, demo-2 and demo2 (names that are prefixes of each other, and one that the inventory's group
writes with '_'), each with the managed data tier (RDS and Redis), provisioned with inventory/aws as a user does;
every resource of each is listed by its Stack tag before and after each teardown. No test here reaches a host."""
import json
import os
import re
import shutil

import boto3
import pytest
import yaml

from test_one_path import guard, user, vars_file  # noqa: F401  pylint: disable=unused-import
from conftest import ROOT

import stack_left  # scripts/, put on sys.path by test_one_path

STACKS = ('demo', 'demo-2', 'demo2')


def clients(aws):
    kw = dict(region_name='us-east-1', endpoint_url=aws.url, aws_access_key_id='testing', aws_secret_access_key='testing')
    return dict((name, boto3.client(name, **kw)) for name in ('ec2', 'elbv2', 'acm', 'rds', 'elasticache'))


def everything_of(c, stack):
    """Every resource tagged Stack=<stack>, by id, without the states that move on their own."""
    found = stack_left.left_of_stack(c['ec2'], stack) + stack_left.left_of_load_balancing(c['elbv2'], c['acm'], stack)
    data, kept = stack_left.left_of_data_tier(c['rds'], c['elasticache'], stack)
    return sorted(re.sub(r' \([a-z-]+\)$', '', line) for line in found + data + kept)


def inventory_of(tmp_path, stack):
    folder = tmp_path / ('inventory-' + stack)
    shutil.copytree(os.path.join(ROOT, 'inventory', 'aws'), str(folder))
    config = folder / 'ec2.yml'
    config.write_text(config.read_text().replace('stack: demo', 'stack: %s' % stack))
    return str(folder)


@pytest.fixture
def three_stacks(user, aws, tmp_path):  # noqa: F811
    values = vars_file(tmp_path, stack_admin_cidr='198.51.100.7/32', stack_ssh_private_key_file=user.key,
                       stack_db_tier='rds', stack_cache_tier='redis', stack_web_count=1)
    secrets = dict(SEED_DB_PASSWORD='s3cret-s3cret', SEED_RDS_MASTER_PASSWORD='m4ster-s3cret', SEED_CACHE_AUTH_TOKEN='token-0123456789abcdef')
    inventories = {}
    for stack in STACKS:
        inventories[stack] = inventory_of(tmp_path, stack)
        proc = user('provision.yml', '-e', values, inventory=inventories[stack], **secrets)
        assert proc.returncode == 0, (stack, (proc.stdout + proc.stderr)[-4000:])
    c = clients(aws)
    for stack in STACKS:
        made = everything_of(c, stack)
        assert any(line.startswith('RDS instance %s-db' % stack) for line in made), made
        assert any(line.startswith('Redis cluster %s-cache' % stack) for line in made), made
    return dict(values=values, secrets=secrets, inventories=inventories, clients=c)


def teardown(user, stacks, stack, *extra):  # noqa: F811
    return user('teardown.yml', '-e', 'confirm=yes', '-e', 'stack_skip_final_snapshot=true', *extra, inventory=stacks['inventories'][stack])


def teardowns_leave_every_resource_of_the_others(user, aws, three_stacks):  # noqa: F811
    c = three_stacks['clients']
    before = dict((s, everything_of(c, s)) for s in STACKS)

    # Demo is demo to RDS and ElastiCache: the stack-name rule refuses it before anything is read or changed.
    mark = len(aws.mutating())
    proc = teardown(user, three_stacks, 'demo', '-e', 'stack_name=Demo')
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and 'stack_name: ' in out and 'lower-case' in out, out[-3000:]
    assert aws.mutating()[mark:] == []
    assert dict((s, everything_of(c, s)) for s in STACKS) == before

    proc = teardown(user, three_stacks, 'demo-2')
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    # the plan's pass (check mode) says nothing was deleted; the real pass says it once
    assert proc.stdout.count('RDS instance demo-2-db deleted') == 1, proc.stdout[-4000:]
    assert everything_of(c, 'demo-2') == []
    assert everything_of(c, 'demo') == before['demo'] and everything_of(c, 'demo2') == before['demo2']

    proc = teardown(user, three_stacks, 'demo2')
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert everything_of(c, 'demo2') == []
    assert everything_of(c, 'demo') == before['demo']


def a_refused_delete_stops_teardown_before_anything_is_deleted(user, aws, three_stacks):  # noqa: F811
    """Deletion protection on the RDS instance: teardown used to delete the load balancer, then stop on the database,
    leaving the site offline and the teardown unfinished. Now every delete is planned first."""
    c = three_stacks['clients']
    c['rds'].modify_db_instance(DBInstanceIdentifier='demo2-db', DeletionProtection=True, ApplyImmediately=True)
    before = everything_of(c, 'demo2')
    mark = len(aws.mutating())
    proc = teardown(user, three_stacks, 'demo2')
    out = ' '.join((proc.stdout + proc.stderr).split())
    assert proc.returncode != 0 and 'deletion protection' in out.lower(), out[-3000:]
    assert [a for a in aws.mutating()[mark:] if a != 'ModifyDBInstance'] == []
    assert everything_of(c, 'demo2') == before  # the load balancer among them

    c['rds'].modify_db_instance(DBInstanceIdentifier='demo2-db', DeletionProtection=False, ApplyImmediately=True)


def the_bastion_check_of_a_stack_with_a_dash(user, aws, three_stacks):  # noqa: F811
    """Preflight's "every private host is behind a bastion" looked up group stack_demo-2, while the inventory names it
    stack_demo_2: a stack with a dash passed with no bastion. The same check for demo2 and demo-2."""
    ec2 = three_stacks['clients']['ec2']
    for stack in ('demo-2', 'demo2'):
        bastion = [i['InstanceId'] for r in ec2.describe_instances(Filters=[
            {'Name': 'tag:Stack', 'Values': [stack]}, {'Name': 'tag:Role', 'Values': ['bastion']}])['Reservations'] for i in r['Instances']]
        ec2.terminate_instances(InstanceIds=bastion)
        mark = len(aws.mutating())
        proc = user('deploy.yml', '-e', three_stacks['values'], '-e', 'stack_app_repo=https://git.example.test/app.git',
                    inventory=three_stacks['inventories'][stack], **three_stacks['secrets'])
        out = proc.stdout + proc.stderr
        assert proc.returncode != 0 and 'Private hosts with no bastion to reach them through: %s-web-1' % stack in out, out[-3000:]
        assert 'ESTABLISH SSH' not in out
        assert aws.mutating()[mark:] == []


def the_inventory_lists_the_instances_and_never_the_control_node(user, aws, three_stacks):  # noqa: F811
    """inventory/aws put localhost in all: ansible -i inventory/aws all -b -m apt ... ran on the user's own machine."""
    inventory = three_stacks['inventories']['demo-2']
    listed = user('--list', inventory=inventory, command='ansible-inventory')
    assert listed.returncode == 0, listed.stderr[-3000:]
    groups = json.loads(listed.stdout)
    hosts = set(groups['_meta']['hostvars'])
    assert 'localhost' not in hosts and '127.0.0.1' not in hosts
    assert sorted(groups['stack_demo_2']['hosts']) == ['demo-2-bastion-1', 'demo-2-web-1']
    every = user('all', '--list-hosts', inventory=inventory, command='ansible')
    assert every.returncode == 0, every.stderr[-2000:]
    assert sorted(every.stdout.split()[2:]) == ['demo-2-bastion-1', 'demo-2-web-1'], every.stdout
    # the stack's name and region still reach the control node's plays (the implicit localhost)
    show = os.path.join(os.path.dirname(inventory), 'show.yml')
    with open(show, 'w') as f:
        yaml.safe_dump([{'name': 'show', 'hosts': 'localhost', 'gather_facts': False, 'roles': ['seed.laravel_aws.stack'],
                         'tasks': [{'ansible.builtin.debug': {'msg': 'STACK={{ stack_name }} REGION={{ stack_region }}'}}]}], f)
    shown = user(show, inventory=inventory)
    assert shown.returncode == 0 and 'STACK=demo-2 REGION=us-east-1' in shown.stdout, shown.stdout[-2000:]


def test_stacks_side_by_side(user, aws, three_stacks):  # noqa: F811
    """One provisioning of the three stacks (about a minute), then each behaviour in turn."""
    the_inventory_lists_the_instances_and_never_the_control_node(user, aws, three_stacks)
    the_bastion_check_of_a_stack_with_a_dash(user, aws, three_stacks)
    a_refused_delete_stops_teardown_before_anything_is_deleted(user, aws, three_stacks)
    teardowns_leave_every_resource_of_the_others(user, aws, three_stacks)
