"""preflight's checks of the stack's domain, in-process against moto: the names (RFC 1035 as Route 53 takes them, no
wildcard, the domain in its zone, ACM's 64 characters of a common name), domain_www only with a domain, the region's
canonical zone of ALBs, and the hosted zone (there unless it is to be made, one of its name, not another stack's); each
refusal names the variable, and none sends a request that changes anything."""
import boto3
import pytest

from ansible_collections.seed.laravel_aws.plugins.modules import preflight

from ...conftest import REGION, mutating


@pytest.fixture
def r53(aws):
    return boto3.client('route53', region_name=REGION)


def zone(r53, name, stack=None, reference=None):
    zid = r53.create_hosted_zone(Name=name, CallerReference=reference or name)['HostedZone']['Id'].rsplit('/', 1)[-1]
    if stack:
        r53.change_tags_for_resource(ResourceType='hostedzone', ResourceId=zid, AddTags=[{'Key': 'Stack', 'Value': stack}])
    return zid


@pytest.mark.parametrize('args, field, words', [
    ({'domain_www': 'alias'}, 'domain_www', 'domain_www: alias is set but domain is not'),
    ({'domain_www': 'none'}, 'domain_www', 'Set domain too'),
    ({'domain_zone': 'example.com'}, 'domain_zone', 'domain_zone: example.com is set but domain is not'),
    ({'domain': '*.shop.example.com'}, 'domain', 'wildcard'),
    ({'domain': 'shop.example.com', 'domain_zone': '*.example.com'}, 'domain_zone', 'wildcard'),
    ({'domain': ('a' * 60 + '.') * 4 + 'example.com'}, 'domain', 'a DNS name is at most 253'),
    ({'domain': 'a' * 64 + '.example.com'}, 'domain', 'a DNS label is at most 63'),
    ({'domain': 'shop_1.example.com'}, 'domain', 'letters, digits and hyphens only'),
    ({'domain': '-shop.example.com'}, 'domain', 'not beginning or ending with a hyphen'),
    ({'domain': 'shop..example.com'}, 'domain', 'empty label'),
    ({'domain': 'localhost'}, 'domain', 'not a fully qualified domain name'),
    ({'domain': 'shop.example.com', 'domain_zone': 'example.org'}, 'domain', 'is not in the hosted zone example.org (domain_zone)'),
    ({'domain': 'example.com', 'domain_zone': 'shop.example.com'}, 'domain', 'is not in the hosted zone shop.example.com'),
    ({'domain': 'notexample.com', 'domain_zone': 'example.com'}, 'domain', 'is not in the hosted zone'),
    ({'domain': 'b' * 55 + '.example.com'}, 'domain', 'at most 64 as its common name'),
    ({'domain': 'shop.example.com', 'region': 'xx-nowhere-9'}, 'region', 'no canonical hosted zone of Application Load Balancers'),
])
def test_bad_domain_settings_are_refused_naming_the_variable_before_any_call(aws, run_module, calls, args, field, words):
    out = run_module(preflight.main, args)
    assert out.get('failed') and out['field'] == field and words in out['msg'], out
    assert calls == []  # checked before the first request, reads included


def test_a_long_domain_is_taken_with_a_certificate_of_your_own(r53, run_module, calls):
    name = 'b' * 55 + '.example.com'
    zone(r53, 'example.com')
    out = run_module(preflight.main, {'domain': name, 'domain_zone': 'example.com', 'certificate_requested': False})
    assert not out.get('failed'), out
    assert out['domain']['name'] == name and mutating(calls) == []


def test_www_too_long_for_dns_is_refused_naming_domain(aws, run_module, calls):
    name = '.'.join(['c' * 63] * 3) + '.' + 'd' * 57 + '.com'  # 253 characters: www. makes it 257
    assert len(name) == 253
    out = run_module(preflight.main, {'domain': name, 'certificate_requested': False})
    assert out['failed'] and out['field'] == 'domain' and 'more than DNS allows' in out['msg'] and 'domain_www: none' in out['msg']
    assert calls == []


def test_a_missing_zone_is_an_error_naming_domain_zone_unless_it_is_to_be_made(r53, run_module, calls):
    out = run_module(preflight.main, {'domain': 'shop.example.com', 'domain_zone': 'example.com'})
    assert out['failed'] and out['field'] == 'domain_zone', out
    assert 'no public hosted zone named example.com' in out['msg'] and 'domain_zone_create: true' in out['msg']
    made = run_module(preflight.main, {'domain': 'shop.example.com', 'domain_zone_create': True, 'stack': 'shop'})
    assert made['domain'] == {'name': 'shop.example.com', 'www': 'www.shop.example.com', 'www_mode': 'redirect',
                              'zone': {'name': 'shop.example.com', 'id': None, 'exists': False, 'stack': None}}
    assert mutating(calls) == []


def test_the_zone_found_the_users_own_or_the_stacks(r53, run_module, calls):
    zid = zone(r53, 'example.com')
    found = run_module(preflight.main, {'domain': 'Shop.Example.com.', 'domain_zone': 'example.com.', 'domain_www': 'none',
                                        'stack': 'shop'})
    assert found['domain'] == {'name': 'shop.example.com', 'www': None, 'www_mode': 'none',
                               'zone': {'name': 'example.com', 'id': zid, 'exists': True, 'stack': None}}
    own = zone(r53, 'shop.example.org', stack='shop')
    mine = run_module(preflight.main, {'domain': 'shop.example.org', 'domain_www': 'alias', 'stack': 'shop'})
    assert mine['domain']['zone'] == {'name': 'shop.example.org', 'id': own, 'exists': True, 'stack': 'shop'}
    assert mine['domain']['www'] == 'www.shop.example.org' and mutating(calls) == []


def test_a_zone_of_another_stack_or_two_zones_of_the_name_are_refused_naming_domain_zone(r53, run_module, calls):
    zone(r53, 'other.example.com', stack='other')
    out = run_module(preflight.main, {'domain': 'other.example.com', 'stack': 'shop'})
    assert out['failed'] and out['field'] == 'domain_zone' and "belongs to stack 'other'" in out['msg'], out
    zone(r53, 'example.net', reference='one')
    zone(r53, 'example.net', reference='two')
    two = run_module(preflight.main, {'domain': 'www2.example.net', 'domain_zone': 'example.net'})
    assert two['failed'] and two['field'] == 'domain_zone' and '2 public hosted zones are named example.net' in two['msg']
    assert mutating(calls) == []


def test_no_domain_no_route53_read(aws, run_module, calls):
    out = run_module(preflight.main, {'domain': ''})
    assert not out.get('failed') and 'domain' not in out
    assert not [c for c in calls if 'hosted_zone' in c]
