"""The stack with a domain of its own (test_domain.py's helpers), its www: redirected to the apex by a rule of the HTTPS
listener (the default), or aliased then not; and a zone the stack made, kept by teardown while it holds a record of the
user's. A file of its own so that the integration stage's workers share the domain's tests. No test here reaches a host.

test_www_redirected_by_a_rule_of_the_https_listener needs the load balancer's listener rules (listeners[].rules): it is
skipped until the module has them."""
import pytest

from test_one_path import guard, user  # noqa: F401  pylint: disable=unused-import
from test_domain import HAS_RULES, aliases, clients, ok, records, settings, the_load_balancer, zone_named

import stack_left  # scripts/, put on sys.path by test_one_path


def test_a_zone_the_stack_made_is_kept_while_it_holds_a_record_of_the_users(user, aws, tmp_path):
    """domain_www alias, then none: a second certificate (the first is left, named in a warning) and the www aliases
    removed; teardown removes both certificates."""
    ok(user('provision.yml', '-e', settings(user, tmp_path, domain='shop.example.com', domain_zone_create=True, domain_www='alias')))
    values = settings(user, tmp_path, domain='shop.example.com', domain_zone_create=True, domain_www='none')
    ok(user('provision.yml', '-e', values))
    c = clients(aws)
    assert len(stack_left.left_of_load_balancing(c['elbv2'], c['acm'], 'demo')) == 4  # the load balancer, its group, 2 certificates
    zid = zone_named(c['route53'], 'shop.example.com.')
    assert [a[:2] for a in aliases(c['route53'], zid)] == [('shop.example.com.', 'A'), ('shop.example.com.', 'AAAA')]
    c['route53'].change_resource_record_sets(HostedZoneId=zid, ChangeBatch={'Changes': [{'Action': 'CREATE', 'ResourceRecordSet': {
        'Name': 'shop.example.com.', 'Type': 'TXT', 'TTL': 300, 'ResourceRecords': [{'Value': '"mine"'}]}}]})
    gone = ok(user('teardown.yml', '-e', 'confirm=yes', '-e', values))
    assert 'is kept: delete those records and rerun teardown' in ' '.join(gone.stdout.split()), gone.stdout[-3000:]
    assert zone_named(c['route53'], 'shop.example.com.') == zid
    assert sorted((r['Name'], r['Type']) for r in records(c['route53'], zid)) == [
        ('shop.example.com.', 'NS'), ('shop.example.com.', 'SOA'), ('shop.example.com.', 'TXT')]
    assert stack_left.left_of_load_balancing(c['elbv2'], c['acm'], 'demo') == []
    assert stack_left.left_of_dns(c['route53'], c['acm'], 'demo', 'shop.example.com') == [
        'hosted zone shop.example.com. (%s)' % zid, 'record shop.example.com. TXT in zone %s' % zid]


@pytest.mark.skipif(not HAS_RULES, reason="needs the load balancer's listener rules (listeners[].rules)")
def test_www_redirected_by_a_rule_of_the_https_listener(user, aws, tmp_path):
    values = settings(user, tmp_path, domain='shop.example.com', domain_zone_create=True)  # domain_www: redirect, the default
    ok(user('provision.yml', '-e', values))
    c = clients(aws)
    lb, listeners = the_load_balancer(c)
    rules = [r for r in c['elbv2'].describe_rules(ListenerArn=listeners[443]['ListenerArn'])['Rules'] if not r.get('IsDefault')]
    assert len(rules) == 1, rules
    (rule,) = rules
    hosts = [v for cond in rule['Conditions'] if cond['Field'] == 'host-header'
             for v in (cond.get('HostHeaderConfig') or {}).get('Values') or cond.get('Values') or []]
    assert hosts == ['www.shop.example.com']
    (action,) = rule['Actions']
    assert action['Type'] == 'redirect' and action['RedirectConfig']['Host'] == 'shop.example.com'
    assert action['RedirectConfig']['StatusCode'] == 'HTTP_301' and action['RedirectConfig']['Protocol'] == 'HTTPS'
    zid = zone_named(c['route53'], 'shop.example.com.')
    assert [a[:2] for a in aliases(c['route53'], zid)] == [('shop.example.com.', 'A'), ('shop.example.com.', 'AAAA'),
                                                           ('www.shop.example.com.', 'A'), ('www.shop.example.com.', 'AAAA')]
    mark = len(aws.mutating())
    again = ok(user('provision.yml', '-e', values))
    assert 'changed=0' in again.stdout and aws.mutating()[mark:] == [], again.stdout[-3000:]
    ok(user('teardown.yml', '-e', 'confirm=yes', '-e', values))
    assert stack_left.left_of_dns(c['route53'], c['acm'], 'demo', 'shop.example.com') == []
    assert zone_named(c['route53'], 'shop.example.com.') is None
