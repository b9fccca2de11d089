"""Following ``ctx`` from a module into its resource's ensure and out again (issue 33): every function that takes the
context is traced while the module creates, then changes its resource. Apart from the shared layer (context, ec2,
waiters, retries, tags, stack ...), the walk stays in the resource's own file, once: no back and forth between the
resource file and a second API on the raw client. A resource that is made of another one says so (a NAT gateway and
its own address)."""
import os
import sys

import pytest

from ansible_collections.seed.laravel_aws.plugins.modules import (
    elastic_ip, internet_gateway, nat_gateway, route_table, security_group, subnet, vpc,
)

# The shared layer every resource file uses; the walk leaves these out.
SHARED = {'context', 'ec2', 'waiters', 'retries', 'tags', 'stack', 'errors', 'aws_rules', 'diff', 'aws', 'runner',
          'botocore_data', 'resources'}
UTILS = os.sep + os.path.join('plugins', 'module_utils') + os.sep


def walk(run):
    """The module_utils files of every call whose function takes ``ctx``, in order, one entry per stretch."""
    seen = []

    def tracer(frame, event, arg):
        if event == 'call':
            code = frame.f_code
            if UTILS in code.co_filename and 'ctx' in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]:
                name = os.path.basename(code.co_filename)[:-3]
                if not seen or seen[-1] != name:
                    seen.append(name)
        return None
    sys.setprofile(None)
    sys.settrace(tracer)
    try:
        result = run()
    finally:
        sys.settrace(None)
    assert not result.get('failed'), result.get('msg')
    return seen


def own(seen):
    """The walk without the shared layer, one entry per stretch."""
    out = []
    for name in seen:
        if name not in SHARED and (not out or out[-1] != name):
            out.append(name)
    return out


@pytest.fixture
def vpc_id(aws):
    return aws.create_vpc(CidrBlock='10.20.0.0/16')['Vpc']['VpcId']


@pytest.fixture
def subnet_id(aws, vpc_id):
    return aws.create_subnet(VpcId=vpc_id, CidrBlock='10.20.9.0/24', AvailabilityZone='us-east-1a')['Subnet']['SubnetId']


def cases(vpc_id, subnet_id):
    return [
        ('vpc', vpc.main, {'name': 'walk', 'cidr_block': '10.30.0.0/16'}, {'tags': {'Owner': 'ops'}}),
        ('subnet', subnet.main, {'vpc_id': vpc_id, 'cidr_block': '10.20.1.0/24', 'name': 'walk'}, {'map_public_ip_on_launch': True}),
        ('internet_gateway', internet_gateway.main, {'vpc_id': vpc_id, 'name': 'walk'}, {'tags': {'Owner': 'ops'}}),
        ('elastic_ip', elastic_ip.main, {'name': 'walk'}, {'tags': {'Owner': 'ops'}}),
        ('route_table', route_table.main, {'vpc_id': vpc_id, 'name': 'walk'}, {'subnet_ids': [subnet_id]}),
        ('security_group', security_group.main, {'vpc_id': vpc_id, 'name': 'walk'},
         {'rules': [{'proto': 'tcp', 'ports': [80], 'cidr_ip': '10.0.0.0/8'}]}),
    ]


@pytest.mark.parametrize('index', range(6), ids=['vpc', 'subnet', 'internet_gateway', 'elastic_ip', 'route_table', 'security_group'])
def test_ctx_stays_in_the_resource_file_once(aws, run_module, vpc_id, subnet_id, index):
    name, main, args, change = cases(vpc_id, subnet_id)[index]
    made = walk(lambda: run_module(main, args))
    changed = walk(lambda: run_module(main, dict(args, **change)))
    for seen in (made, changed):
        assert own(seen) == [name], seen
        assert set(seen) - SHARED == {name}


def test_a_nat_gateway_walks_into_its_own_address_once_per_step(aws, run_module, subnet_id):
    """find looks for its address (elastic_ip.find), ensure allocates it (elastic_ip.ensure): one hop each, and back."""
    seen = walk(lambda: run_module(nat_gateway.main, {'name': 'walk', 'subnet_id': subnet_id}))
    assert own(seen) == ['nat_gateway', 'elastic_ip', 'nat_gateway', 'elastic_ip', 'nat_gateway'], seen
