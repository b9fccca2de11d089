"""The stack with a domain of its own, through inventory/aws and the playbooks as a user runs them, against the emulator
(whose ACM issues a requested certificate only once its DNS validation records resolve in its Route 53, as AWS does):
the zone made (domain_zone_create) or the user's own found, the certificate requested and ISSUED, the 443 listener with
it and port 80 redirected, A and AAAA aliases of the domain (and www) to the load balancer; a rerun changes nothing and
sends no mutating request; teardown leaves no record, certificate or zone of the stack and a zone the user brought as it
was. Bad settings stop in the preflight before any request that changes anything. No test here reaches a host.
(test_domain_www.py: www redirected or aliased, and a zone the stack made kept while it holds a user's record; a file of
its own so that the integration stage's workers share the domain's tests.)"""
import os
import re

import boto3
import pytest

from test_one_path import guard, user, vars_file  # noqa: F401  pylint: disable=unused-import
from conftest import ROOT

import stack_left  # scripts/, put on sys.path by test_one_path

with open(os.path.join(ROOT, 'plugins', 'modules', 'load_balancer.py')) as _f:
    HAS_RULES = re.search(r'''\brules['"]?\s*[=:]\s*dict\(''', _f.read()) is not None  # the listeners' option


def clients(aws):
    kw = dict(region_name='us-east-1', endpoint_url=aws.url, aws_access_key_id='testing', aws_secret_access_key='testing')
    return dict((name, boto3.client(name, **kw)) for name in ('ec2', 'elbv2', 'acm', 'route53'))


def settings(user, tmp_path, **domain):
    return vars_file(tmp_path, stack_admin_cidr='198.51.100.7/32', stack_ssh_private_key_file=user.key, stack_web_count=1,
                     **domain)


def zone_named(route53, name):
    found = [z for z in route53.list_hosted_zones()['HostedZones'] if z['Name'] == name]
    return found[0]['Id'].rsplit('/', 1)[-1] if found else None


def records(route53, zid):
    return route53.list_resource_record_sets(HostedZoneId=zid)['ResourceRecordSets']


def aliases(route53, zid):
    return sorted((r['Name'], r['Type'], r['AliasTarget']['DNSName']) for r in records(route53, zid) if r.get('AliasTarget'))


def the_load_balancer(c):
    (lb,) = c['elbv2'].describe_load_balancers(Names=['demo-alb'])['LoadBalancers']
    listeners = dict((l['Port'], l) for l in c['elbv2'].describe_listeners(LoadBalancerArn=lb['LoadBalancerArn'])['Listeners'])
    return lb, listeners


def ok(proc):
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-5000:]
    return proc


def test_a_zone_made_for_the_domain_certificate_issued_aliases_rerun_and_teardown(user, aws, tmp_path):
    values = settings(user, tmp_path, domain='shop.example.com', domain_zone_create=True, domain_www='alias')
    made = ok(user('provision.yml', '-e', values))
    assert 'https://shop.example.com (shop.example.com, www.shop.example.com; www: alias)' in ' '.join(made.stdout.split())
    c = clients(aws)
    zid = zone_named(c['route53'], 'shop.example.com.')
    assert zid, c['route53'].list_hosted_zones()
    tags = c['route53'].list_tags_for_resource(ResourceType='hostedzone', ResourceId=zid)['ResourceTagSet']['Tags']
    assert {'Key': 'Stack', 'Value': 'demo'} in tags

    lb, listeners = the_load_balancer(c)
    assert sorted(listeners) == [80, 443]
    assert listeners[80]['DefaultActions'][0]['Type'] == 'redirect'
    assert listeners[80]['DefaultActions'][0]['RedirectConfig']['Port'] == '443'
    assert listeners[443]['Protocol'] == 'HTTPS' and listeners[443]['DefaultActions'][0]['Type'] == 'forward'
    arn = listeners[443]['Certificates'][0]['CertificateArn']
    cert = c['acm'].describe_certificate(CertificateArn=arn)['Certificate']
    assert cert['Status'] == 'ISSUED' and cert['DomainName'] == 'shop.example.com'
    assert sorted(cert['SubjectAlternativeNames']) == ['shop.example.com', 'www.shop.example.com']
    target = 'dualstack.%s.' % lb['DNSName'].lower()
    assert aliases(c['route53'], zid) == [('shop.example.com.', 'A', target), ('shop.example.com.', 'AAAA', target),
                                          ('www.shop.example.com.', 'A', target), ('www.shop.example.com.', 'AAAA', target)]
    validation = sorted(o['ResourceRecord']['Name'] for o in cert['DomainValidationOptions'])
    assert sorted(r['Name'] for r in records(c['route53'], zid) if r['Type'] == 'CNAME') == validation

    left = stack_left.left_of_dns(c['route53'], c['acm'], 'demo', 'shop.example.com')  # what scripts/stack_left.py reports
    assert 'hosted zone shop.example.com. (%s)' % zid in left
    assert 'record www.shop.example.com. AAAA in zone %s' % zid in left and 'record shop.example.com. A in zone %s' % zid in left
    assert len([line for line in left if line.startswith('record _')]) == 2, left

    mark = len(aws.mutating())
    again = ok(user('provision.yml', '-e', values))
    assert 'changed=0' in again.stdout and 'failed=0' in again.stdout, again.stdout[-3000:]
    checked = ok(user('provision.yml', '-e', values, '--check'))
    assert 'changed=0' in checked.stdout and 'failed=0' in checked.stdout, checked.stdout[-3000:]
    assert aws.mutating()[mark:] == []

    ok(user('teardown.yml', '-e', 'confirm=yes', '-e', values))
    assert stack_left.left_of_dns(c['route53'], c['acm'], 'demo', 'shop.example.com') == []
    assert stack_left.left_of_load_balancing(c['elbv2'], c['acm'], 'demo') == []
    assert zone_named(c['route53'], 'shop.example.com.') is None


def test_the_users_own_zone_keeps_its_records_and_is_never_deleted(user, aws, tmp_path):
    """domain_www none in a zone the user brought (a parent of the domain), which holds records of the user's: one of them
    at www.<domain>, which the stack does not write with none and must not delete."""
    c = clients(aws)
    zid = c['route53'].create_hosted_zone(Name='example.org', CallerReference='users-own')['HostedZone']['Id'].rsplit('/', 1)[-1]
    mine = [{'Name': 'example.org.', 'Type': 'TXT', 'TTL': 300, 'ResourceRecords': [{'Value': '"v=spf1 -all"'}]},
            {'Name': 'mail.example.org.', 'Type': 'A', 'TTL': 300, 'ResourceRecords': [{'Value': '192.0.2.10'}]},
            {'Name': 'www.shop.example.org.', 'Type': 'A', 'TTL': 300, 'ResourceRecords': [{'Value': '192.0.2.11'}]}]
    c['route53'].change_resource_record_sets(HostedZoneId=zid, ChangeBatch={'Changes': [
        {'Action': 'CREATE', 'ResourceRecordSet': r} for r in mine]})
    before = sorted((r['Name'], r['Type']) for r in records(c['route53'], zid))
    values = settings(user, tmp_path, domain='shop.example.org', domain_zone='example.org', domain_www='none')

    ok(user('provision.yml', '-e', values))
    lb, listeners = the_load_balancer(c)
    cert = c['acm'].describe_certificate(CertificateArn=listeners[443]['Certificates'][0]['CertificateArn'])['Certificate']
    assert cert['Status'] == 'ISSUED' and cert['SubjectAlternativeNames'] == ['shop.example.org']
    target = 'dualstack.%s.' % lb['DNSName'].lower()
    assert aliases(c['route53'], zid) == [('shop.example.org.', 'A', target), ('shop.example.org.', 'AAAA', target)]
    tags = c['route53'].list_tags_for_resource(ResourceType='hostedzone', ResourceId=zid)['ResourceTagSet'].get('Tags') or []
    assert not [t for t in tags if t['Key'] == 'Stack']  # the user's zone is never tagged with the stack
    left = stack_left.left_of_dns(c['route53'], c['acm'], 'demo', 'shop.example.org')
    assert sorted(left) == sorted(['record shop.example.org. A in zone %s' % zid, 'record shop.example.org. AAAA in zone %s' % zid]
                                  + ['record %s CNAME in zone %s (certificate validation)' % (o['ResourceRecord']['Name'], zid)
                                     for o in cert['DomainValidationOptions']]), left

    ok(user('teardown.yml', '-e', 'confirm=yes', '-e', values))
    after = sorted((r['Name'], r['Type']) for r in records(c['route53'], zid))
    assert after == before, after
    kept = dict(((r['Name'], r['Type']), r) for r in records(c['route53'], zid))
    assert kept[('www.shop.example.org.', 'A')]['ResourceRecords'] == [{'Value': '192.0.2.11'}]
    assert stack_left.left_of_dns(c['route53'], c['acm'], 'demo', 'shop.example.org') == []
    assert stack_left.left_of_load_balancing(c['elbv2'], c['acm'], 'demo') == []


@pytest.mark.parametrize('domain, expect', [
    ({'domain_www': 'alias'}, 'domain_www: alias is set but domain is not'),
    ({'domain': 'shop.example.net'}, 'domain_zone: no public hosted zone named shop.example.net'),
    ({'domain': '*.example.net', 'domain_zone_create': True}, 'domain: *.example.net holds a wildcard'),
    ({'domain': 'a' * 64 + '.example.net', 'domain_zone_create': True}, 'a DNS label is at most 63'),
    ({'domain': 'shop.example.net', 'domain_zone': 'example.com', 'domain_zone_create': True},
     'domain: shop.example.net is not in the hosted zone example.com (domain_zone)'),
])
def test_bad_domain_settings_stop_in_the_preflight_before_any_change(user, aws, tmp_path, domain, expect):
    before = len(aws.mutating())
    proc = user('provision.yml', '-e', settings(user, tmp_path, **domain))
    out = ' '.join((proc.stdout + proc.stderr).split())
    assert proc.returncode != 0 and expect in out, out[-3000:]
    assert aws.mutating()[before:] == []
