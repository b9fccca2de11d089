"""The vpc module against moto in-process: create, rerun, check, diff, tags, absent, bad input."""
import pytest

from ansible_collections.seed.laravel_aws.plugins.modules import vpc as vpc_module

from ...conftest import mutating

ARGS = {'name': 'demo-vpc', 'cidr_block': '10.20.0.0/16', 'tags': {'Stack': 'demo'}}


def vpcs_named(ec2, name):
    return ec2.describe_vpcs(Filters=[{'Name': 'tag:Name', 'Values': [name]}])['Vpcs']


def test_create_returns_the_vpc_with_dns_and_tags(aws, run_module):
    result = run_module(vpc_module.main, ARGS)
    assert result['changed'] is True
    vpc = result['vpc']
    assert vpc['id'].startswith('vpc-')
    assert vpc['cidr_block'] == '10.20.0.0/16'
    assert vpc['state'] == 'available'
    assert vpc['dns_hostnames'] is True and vpc['dns_support'] is True
    assert vpc['tags'] == {'Name': 'demo-vpc', 'Stack': 'demo'}
    found = vpcs_named(aws, 'demo-vpc')
    assert [v['VpcId'] for v in found] == [vpc['id']]
    attr = aws.describe_vpc_attribute(VpcId=vpc['id'], Attribute='enableDnsHostnames')
    assert attr['EnableDnsHostnames']['Value'] is True


def test_rerun_is_unchanged_and_sends_no_mutating_call(aws, run_module, calls):
    first = run_module(vpc_module.main, ARGS)
    del calls[:]
    second = run_module(vpc_module.main, ARGS)
    assert second['changed'] is False
    assert second['vpc']['id'] == first['vpc']['id']
    assert mutating(calls) == []
    assert len(vpcs_named(aws, 'demo-vpc')) == 1


def test_check_mode_on_empty_account_creates_nothing(aws, run_module, calls):
    result = run_module(vpc_module.main, ARGS, check_mode=True, diff=True)
    assert result['changed'] is True
    assert result['vpc']['id'] is None
    assert result['vpc']['cidr_block'] == '10.20.0.0/16'
    assert result['diff']['before'] == {}
    assert result['diff']['after']['tags'] == {'Name': 'demo-vpc', 'Stack': 'demo'}
    assert mutating(calls) == []
    assert vpcs_named(aws, 'demo-vpc') == []


def test_diff_has_before_and_after_of_a_tag_change(aws, run_module):
    run_module(vpc_module.main, ARGS)
    result = run_module(vpc_module.main, dict(ARGS, tags={'Stack': 'demo', 'Owner': 'ops'}), diff=True)
    assert result['changed'] is True
    assert result['diff']['before']['tags'] == {'Name': 'demo-vpc', 'Stack': 'demo'}
    assert result['diff']['after']['tags'] == {'Name': 'demo-vpc', 'Stack': 'demo', 'Owner': 'ops'}


def test_purge_tags_removes_and_purge_false_keeps(aws, run_module):
    vpc_id = run_module(vpc_module.main, dict(ARGS, tags={'Stack': 'demo', 'Old': 'x'}))['vpc']['id']
    kept = run_module(vpc_module.main, dict(ARGS, tags={'New': 'y'}, purge_tags=False))
    assert kept['vpc']['tags'] == {'Name': 'demo-vpc', 'Stack': 'demo', 'Old': 'x', 'New': 'y'}
    purged = run_module(vpc_module.main, dict(ARGS, tags={'Stack': 'demo'}))
    assert purged['changed'] is True
    tags = {t['Key']: t['Value'] for t in aws.describe_vpcs(VpcIds=[vpc_id])['Vpcs'][0]['Tags']}
    assert tags == {'Name': 'demo-vpc', 'Stack': 'demo'}


def test_tags_not_given_are_left_alone(aws, run_module):
    run_module(vpc_module.main, ARGS)
    result = run_module(vpc_module.main, {'name': 'demo-vpc', 'cidr_block': '10.20.0.0/16'})
    assert result['changed'] is False
    assert result['vpc']['tags'] == {'Name': 'demo-vpc', 'Stack': 'demo'}


def test_dns_hostnames_can_be_turned_off(aws, run_module):
    vpc_id = run_module(vpc_module.main, ARGS)['vpc']['id']
    result = run_module(vpc_module.main, dict(ARGS, dns_hostnames=False))
    assert result['changed'] is True and result['vpc']['dns_hostnames'] is False
    attr = aws.describe_vpc_attribute(VpcId=vpc_id, Attribute='enableDnsHostnames')
    assert attr['EnableDnsHostnames']['Value'] is False


def test_absent_deletes_then_is_unchanged(aws, run_module):
    run_module(vpc_module.main, ARGS)
    gone = run_module(vpc_module.main, dict(ARGS, state='absent'), diff=True)
    assert gone['changed'] is True
    assert gone['diff']['before']['cidr_block'] == '10.20.0.0/16' and gone['diff']['after'] == {}
    assert vpcs_named(aws, 'demo-vpc') == []
    again = run_module(vpc_module.main, dict(ARGS, state='absent'))
    assert again['changed'] is False


def test_absent_in_check_mode_keeps_the_vpc(aws, run_module):
    run_module(vpc_module.main, ARGS)
    result = run_module(vpc_module.main, dict(ARGS, state='absent'), check_mode=True)
    assert result['changed'] is True
    assert len(vpcs_named(aws, 'demo-vpc')) == 1


def test_absent_with_dependents_fails_and_names_them(aws, run_module):
    vpc_id = run_module(vpc_module.main, ARGS)['vpc']['id']
    subnet = aws.create_subnet(VpcId=vpc_id, CidrBlock='10.20.1.0/24')['Subnet']['SubnetId']
    result = run_module(vpc_module.main, dict(ARGS, state='absent'))
    assert result['failed'] is True
    assert subnet in result['msg'] and 'dependents' in result['msg']
    assert len(vpcs_named(aws, 'demo-vpc')) == 1


@pytest.mark.parametrize('cidr, field, words', [
    ('10.10.10.0/20', 'cidr_block', 'canonical form is 10.10.0.0/20'),
    ('10.10.0.0', 'cidr_block', 'no prefix length'),
    ('10.300.0.0/16', 'cidr_block', 'not an IPv4 CIDR'),
    ('10.0.0.0/8', 'cidr_block', 'between /16 and /28'),
    ('fd00::/56', 'cidr_block', 'not an IPv4 CIDR'),
])
def test_bad_cidr_fails_before_any_request(aws, run_module, calls, cidr, field, words):
    result = run_module(vpc_module.main, dict(ARGS, cidr_block=cidr))
    assert result['failed'] is True
    assert result['field'] == field
    assert words in result['msg']
    assert calls == []
    assert aws.describe_vpcs(Filters=[{'Name': 'tag:Name', 'Values': ['demo-vpc']}])['Vpcs'] == []


@pytest.mark.parametrize('args, field', [
    ({'cidr_block': '10.0.0.0/16'}, 'name'),
    ({'name': 'x'}, 'cidr_block'),
    ({'name': '  '}, 'name'),
    ({'name': 'x', 'cidr_block': '10.0.0.0/16', 'dns_support': False, 'dns_hostnames': True}, 'dns_hostnames'),
    ({'name': 'x', 'cidr_block': '10.0.0.0/16', 'tags': {'aws:x': 'y'}}, 'tags'),
    ({'name': 'x', 'cidr_block': '10.0.0.0/16', 'endpoint_url': '127.0.0.1:5000'}, 'endpoint_url'),
    ({'vpc_id': 'subnet-1', 'state': 'absent'}, 'vpc_id'),
])
def test_bad_input_names_the_field(aws, run_module, calls, args, field):
    result = run_module(vpc_module.main, args)
    assert result['failed'] is True
    assert result['field'] == field, result['msg']
    assert result['msg'].startswith(field)
    assert mutating(calls) == []


def test_missing_region_is_a_clear_error(aws, run_module, monkeypatch):
    monkeypatch.delenv('AWS_DEFAULT_REGION')
    monkeypatch.delenv('AWS_REGION', raising=False)
    result = run_module(vpc_module.main, dict(ARGS, region=None))
    assert result['failed'] is True and result['field'] == 'region'


def test_two_matching_vpcs_fail_instead_of_guessing(aws, run_module):
    ids = []
    for dummy in range(2):
        v = aws.create_vpc(CidrBlock='10.20.0.0/16')['Vpc']['VpcId']
        aws.create_tags(Resources=[v], Tags=[{'Key': 'Name', 'Value': 'demo-vpc'}])
        ids.append(v)
    result = run_module(vpc_module.main, ARGS)
    assert result['failed'] is True
    assert all(i in result['msg'] for i in ids)
    assert len(vpcs_named(aws, 'demo-vpc')) == 2


def test_same_name_other_cidr_fails_instead_of_a_second_vpc(aws, run_module):
    run_module(vpc_module.main, ARGS)
    result = run_module(vpc_module.main, dict(ARGS, cidr_block='10.30.0.0/16'))
    assert result['failed'] is True and result['field'] == 'cidr_block'
    assert '10.20.0.0/16' in result['msg']
    assert len(vpcs_named(aws, 'demo-vpc')) == 1


def test_manage_by_vpc_id(aws, run_module):
    vpc_id = run_module(vpc_module.main, ARGS)['vpc']['id']
    result = run_module(vpc_module.main, {'vpc_id': vpc_id, 'tags': {'Stack': 'demo', 'X': '1'}})
    assert result['changed'] is True and result['vpc']['tags']['X'] == '1'
    missing = run_module(vpc_module.main, {'vpc_id': 'vpc-0000000000000000', 'tags': {}})
    assert missing['failed'] is True and missing['field'] == 'vpc_id'


def test_access_key_without_secret_key_is_refused(aws, run_module, calls, monkeypatch):
    monkeypatch.delenv('AWS_SECRET_ACCESS_KEY')
    result = run_module(vpc_module.main, dict(ARGS, access_key='AKIAEXAMPLE'))
    assert result['failed'] is True and result['field'] == 'secret_key'
    assert calls == []
