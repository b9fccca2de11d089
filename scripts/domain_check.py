"""What a user of the demo's domain sees, asked as a browser asks: through the demo's proxy (which resolves names
through the emulator's Route 53), verified with the demo's CA bundle (which holds the emulator's CA, as a browser
holds Amazon's roots). make e2e requires it.

    .venv/bin/python scripts/domain_check.py site --domain shop.seed-demo.test --zone seed-demo.test \
        --ca-bundle .cache/demo/ca-bundle.pem --proxy 127.0.0.1:5080 --endpoint-url http://127.0.0.1:5000
    .venv/bin/python scripts/domain_check.py ticks --domain ... --since 2026-12-06T21:40:00Z
    .venv/bin/python scripts/domain_check.py absent --domain ... --zone ... --endpoint-url ...

site:   https://<domain>/ answers 200 with the certificate ACM issued (type AMAZON_ISSUED, not imported) for the
        domain and www.<domain>, the one ACM holds; http://<domain>/ answers 301 to https://<domain>/;
        https://www.<domain>/a?b=1 answers 301 to https://<domain>/a?b=1; the sample app's /link builds an
        https://<domain>/ link and /go redirects to https://<domain>/...; the session cookie is Secure; the zone
        holds the A and AAAA aliases of the domain and www to the load balancer, and the certificate's validation
        CNAMEs.
ticks:  the scheduled command (seed:tick) ran exactly once in every whole minute since --since (UTC), by one host.
absent: ACM holds no certificate for the domain, and the zone the demo made for it is gone.
Prints one line per check; exits 1 on the first that fails.
"""
import argparse
import datetime
import hashlib
import http.client
import json
import ssl
import sys

import boto3


class Failed(Exception):
    pass


def check(ok, msg):
    if not ok:
        raise Failed(msg)


class Browser:
    """Requests through the HTTP proxy: http:// as absolute-form requests, https:// in a CONNECT tunnel, the TLS
    name being the host asked for, verified with the CA bundle."""

    def __init__(self, proxy, cafile):
        host, port = proxy.rsplit(':', 1)
        self.proxy = (host.split('//')[-1], int(port))
        self.context = ssl.create_default_context(cafile=cafile)

    def get(self, url, cookie=None):
        """(status, headers, body, peer certificate as DER and as parsed) of one GET on a new connection."""
        scheme, rest = url.split('://', 1)
        host, _sep, path = rest.partition('/')
        headers = {'Cookie': cookie} if cookie else {}
        if scheme == 'https':
            conn = http.client.HTTPSConnection(*self.proxy, timeout=15, context=self.context)
            conn.set_tunnel(host, 443)
            target = '/' + path
        else:
            conn = http.client.HTTPConnection(*self.proxy, timeout=15)
            target = url
        try:
            conn.request('GET', target, headers=headers)
            resp = conn.getresponse()
            body = resp.read().decode('utf-8', 'replace')
            peer = (conn.sock.getpeercert(binary_form=True), conn.sock.getpeercert()) if scheme == 'https' else (None, None)
            return resp.status, resp.headers, body, peer
        finally:
            conn.close()


def client(service, args):
    return boto3.client(service, endpoint_url=args.endpoint_url, region_name=args.region)


def issued_certificate(acm, domain):
    """The certificate ACM issued for the domain (its summary and PEM), or None."""
    for page in acm.get_paginator('list_certificates').paginate(Includes={'keyTypes': ['RSA_2048', 'EC_prime256v1']}):
        for summary in page['CertificateSummaryList']:
            if summary['DomainName'] == domain:
                cert = acm.describe_certificate(CertificateArn=summary['CertificateArn'])['Certificate']
                return cert, acm.get_certificate(CertificateArn=summary['CertificateArn'])['Certificate']
    return None


def zone_of(route53, zone):
    found = [z for z in route53.list_hosted_zones_by_name(DNSName=zone)['HostedZones']
             if z['Name'] == zone + '.' and not z['Config'].get('PrivateZone')]
    return found[0] if found else None


def record_sets(route53, zone_id):
    out = []
    for page in route53.get_paginator('list_resource_record_sets').paginate(HostedZoneId=zone_id):
        out += page['ResourceRecordSets']
    return out


def check_certificate(args, browser):
    status, _headers, body, (der, parsed) = browser.get('https://%s/' % args.domain)
    check(status == 200, 'https://%s/ answered %s: %s' % (args.domain, status, body[:200]))
    names = sorted(v for k, v in parsed.get('subjectAltName', ()) if k == 'DNS')
    found = issued_certificate(client('acm', args), args.domain)
    check(found, 'ACM holds no certificate for %s' % args.domain)
    cert, pem = found
    check(cert['Type'] == 'AMAZON_ISSUED' and cert['Status'] == 'ISSUED',
          'the certificate of %s in ACM is %s, %s: requested and issued expected' % (args.domain, cert['Type'], cert['Status']))
    want = sorted([args.domain, 'www.' + args.domain])
    check(names == want == sorted(cert['SubjectAlternativeNames']),
          'https://%s/ presented a certificate for %s; ACM issued %s; %s expected' % (args.domain, names, cert['SubjectAlternativeNames'], want))
    served = hashlib.sha256(der).hexdigest()
    check(served == hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem.strip() + '\n')).hexdigest(),
          'https://%s/ presented a certificate (SHA-256 %s) that is not the one ACM issued (%s)' % (args.domain, served, cert['CertificateArn']))
    print('  https://%s/ -> 200, the certificate ACM issued for %s (AMAZON_ISSUED, verified with %s)'
          % (args.domain, ' and '.join(names), args.ca_bundle))
    return cert


def check_redirects(args, browser):
    for url, path in (('http://%s/' % args.domain, ''), ('https://www.%s/a?b=1' % args.domain, 'a?b=1'),
                      ('http://www.%s/a?b=1' % args.domain, None)):
        status, headers, body, _peer = browser.get(url)
        location = headers.get('Location')
        if path is None:  # http://www. goes to https://www. first, or straight to the apex: either way https
            check(status == 301 and (location or '').startswith('https://'), '%s answered %s %s' % (url, status, location))
        else:  # AWS's redirect names the port when the listener's is not the scheme's default; 443 is either way
            want = ['https://%s%s/%s' % (args.domain, port, path) for port in ('', ':443')]
            check(status == 301 and location in want, '%s answered %s %s, not 301 to %s: %s' % (url, status, location, want[0], body[:200]))
        print('  %s -> %d %s' % (url, status, location))


def check_app(args, browser):
    apex = 'https://%s/' % args.domain
    status, _headers, body, _peer = browser.get(apex + 'link')
    check(status == 200 and body.strip() == apex + 'greetings', '%slink answered %s %r, not the link %sgreetings' % (apex, status, body[:200], apex))
    go, headers, _body, _peer = browser.get(apex + 'go')
    check(go in (301, 302) and headers.get('Location') == apex + 'greetings',
          '%sgo answered %s %s, not a redirect to %sgreetings' % (apex, go, headers.get('Location'), apex))
    status, headers, _body, _peer = browser.get(apex + 'session')
    cookies = [c for c in headers.get_all('Set-Cookie') or [] if c.split('=', 1)[0].endswith('session')]
    check(status == 200 and cookies, '%ssession answered %s with no session cookie' % (apex, status))
    check(all('secure' in [a.strip().lower() for a in c.split(';')[1:]] for c in cookies),
          'the session cookie is not Secure: %s' % cookies)
    print('  the app behind the load balancer: /link -> %sgreetings, /go -> %s %sgreetings, the session cookie Secure'
          % (apex, go, apex))


def check_zone(args, cert):
    route53 = client('route53', args)
    zone = zone_of(route53, args.zone)
    check(zone, 'no public hosted zone %s' % args.zone)
    records = record_sets(route53, zone['Id'])
    lbs = client('elbv2', args).describe_load_balancers()['LoadBalancers']
    check(len(lbs) == 1, 'one load balancer expected, found %d' % len(lbs))
    lb_dns = lbs[0]['DNSName'].lower().rstrip('.')
    for name in (args.domain, 'www.' + args.domain):
        for rtype in ('A', 'AAAA'):
            got = [r for r in records if r['Name'].rstrip('.').lower() == name and r['Type'] == rtype]
            alias = got[0].get('AliasTarget', {}) if got else {}
            target = alias.get('DNSName', '').lower().rstrip('.')
            check(target in (lb_dns, 'dualstack.' + lb_dns),
                  'the zone %s holds no %s alias of %s to the load balancer %s (found %s)' % (args.zone, rtype, name, lb_dns, got))
    cnames = [o['ResourceRecord'] for o in cert['DomainValidationOptions'] if o.get('ResourceRecord')]
    check(len(cnames) == 2, 'ACM gives %d validation records for %s, 2 expected' % (len(cnames), args.domain))
    for want in cnames:
        got = [r for r in records if r['Name'].lower() == want['Name'].lower() and r['Type'] == 'CNAME']
        check(got and [v['Value'].lower() for v in got[0]['ResourceRecords']] == [want['Value'].lower()],
              'the zone %s does not hold the validation CNAME %s -> %s' % (args.zone, want['Name'], want['Value']))
    print('  the zone %s: A and AAAA aliases of %s and www to %s, and the %d validation CNAMEs' % (
        args.zone, args.domain, lb_dns, len(cnames)))


def site(args):
    browser = Browser(args.proxy, args.ca_bundle)
    cert = check_certificate(args, browser)
    check_redirects(args, browser)
    check_app(args, browser)
    check_zone(args, cert)


def ticks(args):
    """Every whole minute from --since to now: exactly one run of seed:tick, and one host ran them all."""
    since = datetime.datetime.strptime(args.since, '%Y-%m-%dT%H:%M:%SZ')
    first = since.replace(second=0) + datetime.timedelta(minutes=1)
    now = datetime.datetime.utcnow()
    last = now.replace(second=0, microsecond=0) - datetime.timedelta(minutes=1)  # the last whole minute ended
    if now.second < 5:  # the last minute's run may still be on its way
        last -= datetime.timedelta(minutes=1)
    minutes = []
    while first <= last:
        minutes.append(first.strftime('%Y-%m-%d %H:%M'))
        first += datetime.timedelta(minutes=1)
    check(len(minutes) >= args.minutes, 'only %d whole minutes since %s; %d wanted' % (len(minutes), args.since, args.minutes))
    status, _headers, body, _peer = Browser(args.proxy, args.ca_bundle).get('https://%s/ticks' % args.domain)
    check(status == 200, '/ticks answered %s: %s' % (status, body[:200]))
    data = json.loads(body)
    per_minute = data['per_minute'] or {}
    counts = dict((m, per_minute.get(m, 0)) for m in minutes)
    check(all(n == 1 for n in counts.values()), 'the scheduled command did not run exactly once a minute: %s' % counts)
    hosts = sorted(set(t['host'] for t in data['ticks'] if str(t['ran_at'])[:16] in counts))
    check(len(hosts) == 1, 'the scheduled command ran on %s in those minutes: one host expected' % hosts)
    print('  the scheduled command ran once a minute in each of the %d minutes %s to %s, on %s'
          % (len(minutes), minutes[0], minutes[-1], hosts[0]))


def absent(args):
    check(issued_certificate(client('acm', args), args.domain) is None, 'ACM still holds a certificate for %s' % args.domain)
    zone = zone_of(client('route53', args), args.zone)
    check(zone is None, 'the hosted zone %s the demo made is still there (%s)' % (args.zone, zone and zone['Id']))
    print('  after the teardown: no certificate for %s in ACM, no hosted zone %s' % (args.domain, args.zone))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('what', choices=['site', 'ticks', 'absent'])
    parser.add_argument('--domain', required=True)
    parser.add_argument('--zone', help='the hosted zone of the domain (default: the domain without its first label)')
    parser.add_argument('--ca-bundle', help='the CA bundle that verifies what ACM issues')
    parser.add_argument('--proxy', default='127.0.0.1:5080', help="the demo's HTTP proxy")
    parser.add_argument('--endpoint-url', default='http://127.0.0.1:5000')
    parser.add_argument('--region', default='us-east-1')
    parser.add_argument('--since', help='ticks: UTC, %%Y-%%m-%%dT%%H:%%M:%%SZ')
    parser.add_argument('--minutes', type=int, default=3, help='ticks: at least this many whole minutes')
    args = parser.parse_args()
    args.zone = args.zone or args.domain.split('.', 1)[1]
    try:
        {'site': site, 'ticks': ticks, 'absent': absent}[args.what](args)
    except Failed as err:
        print('domain_check %s: %s' % (args.what, err), file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
