"""What a user of the site sees through the demo's load balancer (make demo prints it, e2e requires it).

    .venv/bin/python scripts/alb_check.py --state .cache/demo/dataplane/load_balancers.json \
        --certificate .cache/demo/alb.crt --endpoint-url http://127.0.0.1:5000 [--hosts N] [--requests 20]

    .venv/bin/python scripts/alb_check.py ... --domain shop.seed-demo.test --certificate .cache/demo/ca-bundle.pem

For the stack's load balancer, on its ports published on 127.0.0.1 (the TLS name and Host sent are its DNS name, or
with --domain the domain, as a browser sends them):
  - http:// answers 301 to the https:// URL;
  - https:// presents the certificate ACM holds for its 443 listener, valid for that name: the demo's own (SHA-256
    compared), or with --domain the one ACM issued, verified with the CA bundle given as --certificate (the
    emulator's CA signs what ACM issues);
  - in the emulator, its listeners are 80 and 443, it has one target group, and no security group of its
    VPC but its own takes traffic from 0.0.0.0/0;
  - N requests to / all answer 200, and the hosts that answered (X-Served-By) are exactly the healthy
    targets of its target group, as DescribeTargetHealth says;
  - requests to /session carrying the session cookie see the visits count 1, 2, 3, ... whichever host
    answers, and the cache's hits grow with them: sessions and cache are shared.
Prints one line per check; exits 1 on the first that fails.
"""
import argparse
import hashlib
import http.client
import json
import re
import ssl
import sys

import boto3

SESSION_COOKIE = re.compile(r'^([A-Za-z0-9_]*session)=([^;]*)')


class Failed(Exception):
    pass


def check(ok, msg):
    if not ok:
        raise Failed(msg)


def der_of_pem(pem):
    return ssl.PEM_cert_to_DER_cert(pem.strip() + '\n')


class LoadBalancer:
    def __init__(self, dns, ports, cafile):
        self.dns = dns
        self.ports = ports
        self.context = ssl.create_default_context(cafile=cafile)

    def get(self, path, cookie=None, tls=True):
        """(status, headers, body, peer certificate DER) of one request on a new connection."""
        if tls:
            conn = http.client.HTTPSConnection('127.0.0.1', self.ports['443'], timeout=10, context=self.context)
            # the TLS name and Host are the load balancer's DNS name, as a browser sends them
            conn.connect = self._connect_with_sni(conn)
        else:
            conn = http.client.HTTPConnection('127.0.0.1', self.ports['80'], timeout=10)
        headers = {'Host': self.dns}
        if cookie:
            headers['Cookie'] = cookie
        try:
            conn.request('GET', path, headers=headers)
            resp = conn.getresponse()
            body = resp.read().decode('utf-8', 'replace')
            peer = conn.sock.getpeercert(binary_form=True) if tls else None
            return resp.status, resp.headers, body, peer
        finally:
            conn.close()

    def _connect_with_sni(self, conn):
        def connect():
            sock = http.client.socket.create_connection((conn.host, conn.port), conn.timeout)
            conn.sock = self.context.wrap_socket(sock, server_hostname=self.dns)
        return connect


def target_hosts(elbv2, lb_name):
    """The healthy targets' host names (ip-a-b-c-d, as EC2 names them) of the load balancer's target groups."""
    ec2 = boto3.client('ec2', endpoint_url=elbv2.meta.endpoint_url, region_name=elbv2.meta.region_name)
    lb = elbv2.describe_load_balancers(Names=[lb_name])['LoadBalancers'][0]
    groups = elbv2.describe_target_groups(LoadBalancerArn=lb['LoadBalancerArn'])['TargetGroups']
    ids = []
    for group in groups:
        health = elbv2.describe_target_health(TargetGroupArn=group['TargetGroupArn'])['TargetHealthDescriptions']
        ids += [t['Target']['Id'] for t in health if t['TargetHealth']['State'] == 'healthy']
    if not ids:
        return lb, set()
    found = ec2.describe_instances(InstanceIds=ids)['Reservations']
    return lb, set('ip-' + i['PrivateIpAddress'].replace('.', '-') for r in found for i in r['Instances'])


def listener_certificate(elbv2, acm, lb):
    for listener in elbv2.describe_listeners(LoadBalancerArn=lb['LoadBalancerArn'])['Listeners']:
        if listener['Port'] == 443:
            arn = listener['Certificates'][0]['CertificateArn']
            return arn, acm.get_certificate(CertificateArn=arn)['Certificate']
    raise Failed('%s: no HTTPS listener on 443' % lb['LoadBalancerName'])


def emulator_state(elbv2, lb):
    """What the emulator holds: listeners 80 and 443 only, one target group, no 0.0.0.0/0 ingress but the ALB's."""
    ec2 = boto3.client('ec2', endpoint_url=elbv2.meta.endpoint_url, region_name=elbv2.meta.region_name)
    ports = sorted(x['Port'] for x in elbv2.describe_listeners(LoadBalancerArn=lb['LoadBalancerArn'])['Listeners'])
    check(ports == [80, 443], '%s has listeners on %s, not 80 and 443' % (lb['LoadBalancerName'], ports))
    groups = elbv2.describe_target_groups(LoadBalancerArn=lb['LoadBalancerArn'])['TargetGroups']
    check(len(groups) == 1, '%s forwards to %d target groups, not 1' % (lb['LoadBalancerName'], len(groups)))
    open_to_all = []
    for group in ec2.describe_security_groups(Filters=[{'Name': 'vpc-id', 'Values': [lb['VpcId']]}])['SecurityGroups']:
        if group['GroupId'] in lb.get('SecurityGroups', []):
            continue
        for rule in group['IpPermissions']:
            if any(r.get('CidrIp') == '0.0.0.0/0' for r in rule.get('IpRanges', [])):
                open_to_all.append('%s (%s) port %s' % (group['GroupName'], group['GroupId'], rule.get('FromPort', 'all')))
    check(not open_to_all, 'security groups other than the load balancer\'s take traffic from 0.0.0.0/0: %s'
          % ', '.join(open_to_all))
    print('  in the emulator: listeners 80 and 443, one target group (%s), and no security group but the load '
          'balancer\'s takes traffic from 0.0.0.0/0' % groups[0]['TargetGroupName'])


def run(args):
    state = json.load(open(args.state))
    check(len(state) == 1, 'one load balancer expected in %s, found %d' % (args.state, len(state)))
    dns, info = next(iter(state.items()))
    lb_name = info['name']
    region = dns.split('.')[-4]
    elbv2 = boto3.client('elbv2', endpoint_url=args.endpoint_url, region_name=region)
    acm = boto3.client('acm', endpoint_url=args.endpoint_url, region_name=region)
    alb = LoadBalancer(args.domain or dns, info['ports'], args.certificate)
    site = args.domain or dns
    print('the load balancer %s (%s): http://127.0.0.1:%s/ and https://127.0.0.1:%s/'
          % (lb_name, dns, info['ports'].get('80'), info['ports'].get('443')))

    status, headers, _body, _peer = alb.get('/', tls=False)
    check(status == 301 and headers.get('Location') in ('https://%s/' % site, 'https://%s:443/' % site),
          'http://%s/ answered %s %s, not a redirect to https://%s/' % (site, status, headers.get('Location'), site))
    print('  http://%s/ -> %s %s' % (site, status, headers.get('Location')))

    lb, healthy = target_hosts(elbv2, lb_name)
    emulator_state(elbv2, lb)
    arn, acm_pem = listener_certificate(elbv2, acm, lb)
    if args.domain:  # ACM's own certificate for the domain: verified with the bundle in the handshake
        own = None
    else:
        with open(args.certificate) as f:
            own = hashlib.sha256(der_of_pem(f.read())).hexdigest()
    status, _headers, body, peer = alb.get('/')
    served = hashlib.sha256(peer).hexdigest()
    held = hashlib.sha256(der_of_pem(acm_pem)).hexdigest()
    check(served == held == (own or held), 'https://%s/ presented the certificate SHA-256 %s; ACM holds %s for %s%s'
          % (site, served, held, arn, ', the demo made %s' % own if own else ''))
    check(status == 200, 'https://%s/ answered %s: %s' % (site, status, body[:200]))
    print('  https://%s/ -> %d, certificate SHA-256 %s... (%s, %s)' % (
        site, status, served[:16], 'issued by ACM for the domain, verified with %s' % args.certificate if args.domain
        else 'the one imported into ACM', arn))

    check(len(healthy) >= args.hosts, 'the target group has %d healthy targets (%s), %d expected'
          % (len(healthy), ', '.join(sorted(healthy)), args.hosts))
    answered = {}
    for n in range(args.requests):
        status, headers, body, _peer = alb.get('/')
        check(status == 200, 'request %d to https://%s/ answered %s: %s' % (n + 1, dns, status, body[:200]))
        host = headers.get('X-Served-By', '?')
        answered[host] = answered.get(host, 0) + 1
    check(set(answered) == healthy, '%d requests were answered by %s; the healthy targets are %s'
          % (args.requests, answered, ', '.join(sorted(healthy))))
    print('  %d requests to /, all 200, answered by every healthy target: %s' % (
        args.requests, ', '.join('%s %d' % kv for kv in sorted(answered.items()))))

    cookie, seen, hits = None, set(), []
    for n in range(1, args.requests + 1):
        status, headers, body, _peer = alb.get('/session', cookie=cookie)
        check(status == 200, 'request %d to /session answered %s: %s' % (n, status, body[:200]))
        data = json.loads(body)
        check(data['visits'] == n, 'request %d to /session (host %s) counted %s visits: the session did not follow '
              'from the other host (session driver %s)' % (n, data['host'], data['visits'], data['session_driver']))
        seen.add(data['host'])
        hits.append(data['hits'])
        for value in headers.get_all('Set-Cookie') or []:
            m = SESSION_COOKIE.match(value)
            if m:
                cookie = '%s=%s' % (m.group(1), m.group(2))
        check(cookie, '/session set no session cookie')
    check(len(seen) >= min(2, len(healthy)), 'the %d requests to /session all landed on %s' % (args.requests, seen))
    check(hits == sorted(hits) and len(set(hits)) == len(hits), 'the shared cache counted %s' % hits)
    print('  one session over %d requests to /session: visits 1..%d, answered by %s (session driver %s, cache store %s, '
          'hits %d..%d)' % (args.requests, args.requests, ', '.join(sorted(seen)), data['session_driver'],
                            data['cache_store'], hits[0], hits[-1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--state', required=True, help="the data plane's load_balancers.json")
    parser.add_argument('--certificate', required=True,
                        help='the PEM certificate the load balancer should present (with --domain: the CA bundle that verifies it)')
    parser.add_argument('--domain', help='the name the site is asked under (TLS name and Host), the stack\'s domain')
    parser.add_argument('--endpoint-url', required=True)
    parser.add_argument('--hosts', type=int, default=2, help='healthy targets expected, at least')
    parser.add_argument('--requests', type=int, default=20)
    args = parser.parse_args()
    try:
        run(args)
    except Failed as e:
        print('alb check: FAILED: %s' % e, file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
