"""Issue 19 (security and correctness), the module findings, against moto in-process.

Each test failed before its fix (checked by running it against the code of the commit before). Every refusal must
come before any mutating call.
"""
import json
import os

import pytest
from botocore.exceptions import ClientError

from ansible_collections.seed.laravel_aws.plugins.module_utils import key_pair as key_pair_file, network as network_utils, retries
from ansible_collections.seed.laravel_aws.plugins.modules import (
    instance, key_pair, network, route_table, security_group, vpc,
)

from ...conftest import mutating
from emulator.amis import DEBIAN_OWNER  # two images: moto's thousands of Amazon ones take seconds to list

NET = {'name': 'demo', 'cidr_block': '10.20.0.0/16', 'availability_zones': ['us-east-1a'],
       'public_subnets': ['10.20.0.0/24']}


def net(**extra):
    args = dict(NET)
    args.update(extra)
    return args


def group(rules, **extra):
    return dict({'name': 'web', 'rules': rules}, **extra)


def fail_on(monkeypatch, operation, code='InternalFailure', after=None):
    """Make one operation fail (once ``after`` has been called, if given)."""
    original = retries.RetryingClient.call
    seen = []

    def call(self, op, method, kwargs, retry_lost_answer=None):
        seen.append(op)
        if op == operation and (after is None or after in seen):
            exc = ClientError({'Error': {'Code': code, 'Message': 'injected'}}, op)
            exc.seed_operation = op
            raise exc
        return original(self, op, method, kwargs, retry_lost_answer)
    monkeypatch.setattr(retries.RetryingClient, 'call', call)


# -- finding 3: the world-SSH guard ----------------------------------------------------------------------------

@pytest.mark.parametrize('rules, field', [
    ([{'ports': 22, 'cidr_ipv6': '0::0/0'}], 'security_groups[0].rules[0].cidr_ipv6'),
    ([{'ports': 22, 'cidr_ipv6': '::0/0'}], 'security_groups[0].rules[0].cidr_ipv6'),
    ([{'ports': 22, 'cidr_ip': ['0.0.0.0/1', '128.0.0.0/1']}], 'security_groups[0].rules[0].cidr_ip'),
    ([{'ports': 22, 'cidr_ip': '0.0.0.0/1'}, {'ports': '20-30', 'cidr_ip': '128.0.0.0/1'}], 'security_groups[0].rules[0].cidr_ip'),
    ([{'ports': 3389, 'cidr_ipv6': ['::/1', '8000::/1']}], 'security_groups[0].rules[0].cidr_ipv6'),
    ([{'ports': 22, 'cidr_ipv6': 'not-a-cidr'}], 'security_groups[0].rules[0].cidr_ipv6'),
    ([{'ports': 22, 'cidr_ipv6': '2001:db8::1/32'}], 'security_groups[0].rules[0].cidr_ipv6'),
    ([{'proto': 'all', 'ports': 80, 'cidr_ip': '10.0.0.0/8'}], 'security_groups[0].rules[0].ports'),
])
def test_network_refuses_world_ssh_in_any_spelling_and_bad_ipv6(aws, run_module, calls, rules, field):
    out = run_module(network.main, net(security_groups=[group(rules)]))
    assert out['failed'] and out['field'] == field, out['msg']
    assert mutating(calls) == []


def test_security_group_refuses_the_same(aws, run_module, calls):
    vpc_id = aws.create_vpc(CidrBlock='10.9.0.0/16')['Vpc']['VpcId']
    del calls[:]
    for rules, field in (([{'ports': 22, 'cidr_ipv6': '0::0/0'}], 'rules[0].cidr_ipv6'),
                         ([{'ports': 22, 'cidr_ip': ['0.0.0.0/1', '128.0.0.0/1']}], 'rules[0].cidr_ip'),
                         ([{'ports': 443, 'cidr_ipv6': 'not-a-cidr'}], 'rules[0].cidr_ipv6'),
                         ([{'proto': 'all', 'ports': [22], 'cidr_ip': '10.0.0.0/8'}], 'rules[0].ports')):
        out = run_module(security_group.main, {'name': 'web', 'vpc_id': vpc_id, 'rules': rules})
        assert out['failed'] and out['field'] == field, out['msg']
    assert mutating(calls) == []


def test_ipv6_is_canonicalised_so_a_rerun_changes_nothing(aws, run_module, calls):
    rules = [{'ports': 443, 'cidr_ipv6': '2001:0db8:0000::/32'}]
    made = run_module(network.main, net(security_groups=[group(rules)]))
    assert made['changed'], made.get('msg')
    assert made['security_groups']['web']['rules'] == [{'proto': 'tcp', 'cidr6': '2001:db8::/32', 'ports': '443'}]
    del calls[:]
    again = run_module(network.main, net(security_groups=[group(rules)]))
    assert again['changed'] is False and mutating(calls) == []


# -- finding 4: instance never destroys before it can build -------------------------------------------------------

@pytest.fixture
def stack(aws, run_module):
    made = run_module(network.main, net(security_groups=[group([{'ports': 80, 'cidr_ip': '0.0.0.0/0'}])]))
    ami = sorted(aws.describe_images(Owners=[DEBIAN_OWNER])['Images'], key=lambda i: i['ImageId'])[0]['ImageId']
    return {'subnets': [s['id'] for s in made['subnets']['public']], 'ami': ami}


def roles(stack, **db):
    return {'stack': 'demo', 'roles': [
        {'name': 'web', 'count': 1, 'image_id': stack['ami'], 'subnet_ids': stack['subnets'], 'security_groups': ['demo-web']},
        dict({'name': 'db', 'count': 1, 'image_id': stack['ami'], 'subnet_ids': stack['subnets']}, **db)]}


@pytest.mark.parametrize('bad, field', [
    ({'image_id': 'ami-0000dead'}, 'roles[1].image_id'),
    ({'instance_type': 'x9.nonexistent'}, 'roles[1].instance_type'),
    ({'subnet_ids': ['subnet-0000dead']}, 'roles[1].subnet_ids[0]'),
])
def test_a_plan_that_cannot_launch_terminates_nothing(aws, run_module, calls, stack, bad, field):
    assert run_module(instance.main, roles(stack))['changed']
    scale = roles(stack, **bad)
    scale['roles'][0]['count'] = 0  # web goes away, db would be launched with a bad value
    scale['roles'][1]['count'] = 2
    del calls[:]
    out = run_module(instance.main, scale)
    assert out['failed'] and out['field'] == field, out['msg']
    assert mutating(calls) == [], 'TerminateInstances before a launch that could not work'
    assert out.get('changed') is not True


def test_launch_comes_before_terminate(aws, run_module, calls, stack):
    assert run_module(instance.main, roles(stack))['changed']
    swap = roles(stack)
    swap['roles'][0]['count'] = 0
    swap['roles'][1]['count'] = 2
    del calls[:]
    out = run_module(instance.main, swap)
    assert out['launched'] == ['demo-db-2'] and out['terminated'] == ['demo-web-1']
    done = mutating(calls)
    assert done.index('run_instances') < done.index('terminate_instances')


# -- finding 5: a failure after a change says what changed ---------------------------------------------------------

def test_failure_after_a_create_reports_changed_and_names_it(aws, run_module, monkeypatch):
    fail_on(monkeypatch, 'create_subnet')
    out = run_module(network.main, net())
    assert out['failed'] and out['changed'] is True
    vpc_id = aws.describe_vpcs(Filters=[{'Name': 'tag:Name', 'Values': ['demo-vpc']}])['Vpcs'][0]['VpcId']
    assert 'CreateVpc %s' % vpc_id in out['msg'] and 'CreateSubnet' not in out['msg'].split('already changed')[1]
    assert out['changes_made'][0] == {'operation': 'CreateVpc', 'ids': [vpc_id]}
    assert out['operation'] == 'create_subnet' and out['error']['code'] == 'InternalFailure'


def test_failure_after_terminate_reports_changed(aws, run_module, monkeypatch, stack):
    made = run_module(instance.main, roles(stack))
    web_id = made['by_role']['web'][0]['id']
    fail_on(monkeypatch, 'describe_instances', 'UnauthorizedOperation', after='terminate_instances')  # the wait after it
    down = roles(stack)
    down['roles'][0]['count'] = 0
    out = run_module(instance.main, dict(down, wait=True))
    assert out['failed'] and out['changed'] is True
    assert 'TerminateInstances %s' % web_id in out['msg']


def test_a_validation_failure_before_any_change_still_says_unchanged(aws, run_module):
    out = run_module(network.main, net(cidr_block='10.20.0.0/33'))
    assert out['failed'] and 'changed' not in out and 'changes_made' not in out


# -- finding 6: the 50-tag limit counts the tags the modules add ---------------------------------------------------

@pytest.mark.parametrize('module, args, field, count', [
    (network, net(), 'tags', 48),  # 48 + Stack, Name, Tier: CreateVpc went through, CreateSubnet failed
    (vpc, {'name': 'demo-vpc', 'cidr_block': '10.20.0.0/16'}, 'tags', 50),  # 50 + Name
])
def test_fifty_tags_count_the_modules_own(aws, run_module, calls, module, args, field, count):
    tags = dict(('k%d' % i, 'v') for i in range(count))
    out = run_module(module.main, dict(args, tags=tags))
    assert out['failed'] and out['field'] == field and 'the module adds' in out['msg'], out['msg']
    assert mutating(calls) == []


def test_fifty_tags_in_instance_count_stack_role_name_index(aws, run_module, calls, stack):
    del calls[:]
    tags = dict(('k%d' % i, 'v') for i in range(47))
    out = run_module(instance.main, {'stack': 'demo', 'name': 'web', 'image_id': stack['ami'], 'subnet_ids': stack['subnets'],
                                     'tags': tags})
    assert out['failed'] and out['field'] == 'tags', out['msg']
    assert mutating(calls) == []


# -- finding 7: key_pair never leaves a key pair nobody can use --------------------------------------------------

def test_a_dangling_symlink_fails_before_the_key_pair_is_made(aws, run_module, calls, tmp_path):
    pem = tmp_path / 'demo.pem'
    os.symlink(str(tmp_path / 'nowhere' / 'x.pem'), str(pem))
    out = run_module(key_pair.main, {'name': 'demo', 'private_key_path': str(pem)})
    assert out['failed'] and out['field'] == 'private_key_path', out['msg']
    assert mutating(calls) == [] and aws.describe_key_pairs()['KeyPairs'] == []


def test_a_write_that_fails_deletes_the_key_pair(aws, run_module, monkeypatch, tmp_path):
    pem = tmp_path / 'demo.pem'

    def broken(fd, material):
        os.close(fd)
        raise OSError(28, 'No space left on device')
    original = key_pair_file._write_private_key
    monkeypatch.setattr(key_pair_file, '_write_private_key', broken)
    out = run_module(key_pair.main, {'name': 'demo', 'private_key_path': str(pem)})
    assert out['failed'] and out['changed'] is True and 'deleted' in out['msg']
    assert aws.describe_key_pairs()['KeyPairs'] == [] and not os.path.lexists(str(pem))
    monkeypatch.setattr(key_pair_file, '_write_private_key', original)
    again = run_module(key_pair.main, {'name': 'demo', 'private_key_path': str(pem)})
    assert again['changed'] and 'PRIVATE KEY' in pem.read_text()


def test_an_existing_key_pair_without_its_private_key_file_is_an_error(aws, run_module, calls, tmp_path):
    pem = tmp_path / 'demo.pem'
    assert run_module(key_pair.main, {'name': 'demo', 'private_key_path': str(pem)})['changed']
    os.unlink(str(pem))
    del calls[:]
    out = run_module(key_pair.main, {'name': 'demo', 'private_key_path': str(pem)})
    assert out['failed'] and out['field'] == 'private_key_path' and 'missing' in out['msg']
    assert mutating(calls) == []
    forced = run_module(key_pair.main, {'name': 'demo', 'private_key_path': str(pem), 'force': True})
    assert forced['changed'] and 'PRIVATE KEY' in pem.read_text()


# -- finding 8: counts are bounded ------------------------------------------------------------------------------

def test_an_absurd_count_fails_at_once(aws, run_module, calls, stack):
    del calls[:]
    args = {'stack': 'demo', 'name': 'web', 'count': 10000000, 'image_id': stack['ami'], 'subnet_ids': stack['subnets']}
    out = run_module(instance.main, args, check_mode=True)
    assert out['failed'] and out['field'] == 'count' and 'max_instances' in out['msg']
    assert calls == []
    many = run_module(instance.main, dict(args, count=3, max_instances=2), check_mode=True)
    assert many['failed'] and many['field'] == 'count'
    ok = run_module(instance.main, dict(args, count=101, max_instances=200), check_mode=True)
    assert ok['changed'] and len(ok['launched']) == 101


# -- finding 13: no raw tracebacks ----------------------------------------------------------------------------------

def test_a_region_typo_is_a_validation_error(aws, run_module, calls):
    out = run_module(vpc.main, {'name': 'demo-vpc', 'cidr_block': '10.20.0.0/16', 'region': 'us-east-1x'})
    assert out['failed'] and out['field'] == 'region' and calls == []


def test_a_numeric_route_target_names_the_field(aws, run_module, calls):
    vpc_id = aws.create_vpc(CidrBlock='10.9.0.0/16')['Vpc']['VpcId']
    del calls[:]
    out = run_module(route_table.main, {'name': 'rt', 'vpc_id': vpc_id, 'routes': [{'dest': '0.0.0.0/0', 'gateway_id': 12345}]})
    assert out['failed'] and out['field'] == 'routes[0].gateway_id', out['msg']
    assert calls == []


def test_an_unexpected_exception_ends_in_fail_json(aws, run_module, monkeypatch):
    def boom(*args, **kwargs):
        raise KeyError('Vpcs')
    monkeypatch.setattr(network_utils, 'converge', boom)
    out = run_module(network.main, net())
    assert out['failed'] and 'KeyError' in out['msg']


def test_a_waiter_that_sees_failed_ends_in_fail_json(aws, run_module, monkeypatch):
    from ansible_collections.seed.laravel_aws.plugins.module_utils import waiters

    def failing(*args, **kwargs):
        raise waiters.WaitFailed('NAT gateway nat-1 to become available', 'it went to failed')
    monkeypatch.setattr(network_utils, 'converge', failing)
    out = run_module(network.main, net())
    assert out['failed'] and 'went to failed' in out['msg']


# -- finding 15: user data is never logged ---------------------------------------------------------------------------

def test_user_data_is_no_log_and_its_hash_is_returned(aws, run_module, stack, monkeypatch):
    secret = '#!/bin/sh\necho DB_PASSWORD=hunter2-secret > /etc/app\n'
    made = []

    from ansible_collections.seed.laravel_aws.plugins.module_utils import runner

    class Spy(runner.AwsModule):  # the module's AwsModule is the runner's (run_module)
        def __init__(self, *args, **kwargs):
            super(Spy, self).__init__(*args, **kwargs)
            made.append(self)
    monkeypatch.setattr(runner, 'AwsModule', Spy)
    out = run_module(instance.main, {'stack': 'demo', 'name': 'web', 'image_id': stack['ami'], 'subnet_ids': stack['subnets'],
                                     'user_data': secret})
    assert out['changed']
    assert 'hunter2-secret' not in json.dumps(out)
    assert secret in made[0].module.no_log_values  # masked in every log and result, -vvv included
    roles_secret = run_module(instance.main, {'stack': 'demo', 'roles': [{'name': 'db', 'count': 0, 'user_data': 'role-secret-42'}]})
    assert roles_secret['changed'] is False and 'role-secret-42' in made[1].module.no_log_values
    import hashlib
    assert out['user_data_sha256'] == {'web': hashlib.sha256(secret.encode()).hexdigest()}
