"""Benchmark: the reference stack's load balancer with seed.laravel_aws and with amazon.aws.

Measured: an Application Load Balancer in the two public subnets, its target group (HTTP:80,
health check /health every 15 s, timeout 5 s, 2 healthy / 2 unhealthy, 200-299; draining 30 s)
with the two web instances registered, a listener on 80 redirecting to 443 (301) and one on 443
forwarding to the target group with an imported certificate. Ours: one seed.laravel_aws.load_balancer
task (its targets option registers). Theirs: community.aws.elb_target_group (the bundled amazon.aws
has no target group module) then amazon.aws.elb_application_lb.

Each measured run gets a fresh emulator (bench/stack.py's: moto behind the request recorder, one
uncounted warm-up request). A setup that is not measured makes the network and the two web
instances (bench/playbooks/alb_setup.yml) and imports a self-signed certificate made with
`cryptography` (boto3 ImportCertificate); then the requests are cleared and the cold run and the
rerun are timed and counted, with the API actions of each. After the cold run what was made is read
back (uncounted) so both collections are checked to make the same thing. The floor, ansible-playbook
with one task that does nothing (and with one ping module task), is timed in the same invocation.
The collections and the floor alternate, so their ratios hold on a noisy machine.

    .venv/bin/python bench/alb.py [--runs 3] [--json bench/results/alb.json]
"""

import argparse
import collections
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from stack import READS, ROOT, Emulator, ansible_env  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOKS = {'seed.laravel_aws': 'bench/playbooks/alb_seed.yml', 'amazon.aws': 'bench/playbooks/alb_amazon.yml'}
PHASES = ('cold', 'rerun')
FLOORS = (('no-op task', []), ('ping task', ['-e', 'bench_ping=true']))


def self_signed(common_name='bench.example.com', days=30):
    """(certificate PEM, private key PEM) of a new self-signed EC P-256 certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def client(emu, service):
    import boto3
    return boto3.client(service, region_name='us-east-1', endpoint_url=emu.url, aws_access_key_id='testing',
                        aws_secret_access_key='testing')


def play(playbook, extra, args=()):
    """(wall seconds, changed tasks, the json callback's output) of one ansible-playbook run."""
    start = time.monotonic()
    proc = subprocess.run(['ansible-playbook', '-i', 'localhost,', playbook] + list(args) + ['-e', json.dumps(extra)],
                          cwd=ROOT, env=ansible_env(), capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError('%s failed:\n%s\n%s' % (playbook, proc.stdout[-4000:], proc.stderr[-2000:]))
    out = json.loads(proc.stdout)
    return wall, out['stats']['localhost'].get('changed', 0), out


def setup(emu):
    """The network, 2 web instances and the certificate; the measured playbooks' variables."""
    out = play('bench/playbooks/alb_setup.yml', {'endpoint_url': emu.url, 'image_id': emu.image_id})[2]
    given = out['plays'][0]['tasks'][-1]['hosts']['localhost']['msg']
    cert, key = self_signed()
    given['certificate_arn'] = client(emu, 'acm').import_certificate(Certificate=cert, PrivateKey=key)['CertificateArn']
    given['endpoint_url'] = emu.url
    if len(given['instances']) != 2 or len(given['subnets']) != 2:
        raise RuntimeError('setup made %r' % given)
    return given


def redirect_of(config):
    return config and '%s:%s %s' % (config.get('Protocol'), config.get('Port'), config.get('StatusCode'))


def made(emu, given):
    """What exists after the cold run, in the terms both playbooks set (read with boto3, not counted)."""
    elb = client(emu, 'elbv2')
    lbs = elb.describe_load_balancers(Names=['bench-alb'])['LoadBalancers']
    tg = elb.describe_target_groups(Names=['bench-web'])['TargetGroups'][0]
    attrs = dict((a['Key'], a['Value']) for a in elb.describe_target_group_attributes(TargetGroupArn=tg['TargetGroupArn'])['Attributes'])
    listeners = []
    for li in sorted(elb.describe_listeners(LoadBalancerArn=lbs[0]['LoadBalancerArn'])['Listeners'], key=lambda li: li['Port']):
        act = li['DefaultActions'][0]
        listeners.append({'port': li['Port'], 'protocol': li['Protocol'], 'action': act['Type'],
                          'forward_to': act.get('TargetGroupArn') == tg['TargetGroupArn'] or None,
                          'redirect': redirect_of(act.get('RedirectConfig')),
                          'certificate': [c['CertificateArn'] == given['certificate_arn'] for c in li.get('Certificates') or []],
                          'ssl_policy': li.get('SslPolicy') if li['Protocol'] == 'HTTPS' else None})
    targets = sorted((d['Target']['Id'], d['Target'].get('Port'))
                     for d in elb.describe_target_health(TargetGroupArn=tg['TargetGroupArn'])['TargetHealthDescriptions'])
    return {'load_balancers': len(lbs), 'scheme': lbs[0]['Scheme'], 'subnets': len(lbs[0]['AvailabilityZones']),
            'security_groups': len(lbs[0].get('SecurityGroups') or []),
            'target_group': {'protocol': tg['Protocol'], 'port': tg['Port'], 'health_check': {
                'protocol': tg.get('HealthCheckProtocol'), 'path': tg.get('HealthCheckPath'),
                'interval': tg.get('HealthCheckIntervalSeconds'), 'timeout': tg.get('HealthCheckTimeoutSeconds'),
                'healthy': tg.get('HealthyThresholdCount'), 'unhealthy': tg.get('UnhealthyThresholdCount'),
                'matcher': (tg.get('Matcher') or {}).get('HttpCode')},
                'deregistration_delay': attrs.get('deregistration_delay.timeout_seconds')},
            'target_ports': [t[1] for t in targets], 'targets_are_the_web_instances': sorted(t[0] for t in targets) == given['instances'],
            'listeners': listeners}


def measure(collection):
    emu = Emulator()
    try:
        given = setup(emu)
        row = {}
        for phase in PHASES:
            emu.requests(clear=True)
            wall, changed, _out = play(PLAYBOOKS[collection], given)
            reqs = emu.requests()
            row[phase] = {'wall': wall, 'changed': changed, 'requests': len(reqs),
                          'mutating': len([r for r in reqs if not r['action'].startswith(READS)]),
                          'actions': dict(collections.Counter(r['action'] for r in reqs)),
                          'failed_requests': len([r for r in reqs if r.get('status', 200) >= 400])}
            if phase == 'cold':
                row['made'] = made(emu, given)
        return row
    finally:
        emu.stop()


def floor(args):
    return play('bench/playbooks/noop.yml', {}, args)[0]


def spread(values):
    return {'wall': statistics.median(values), 'wall_min': min(values), 'wall_max': max(values), 'walls': values}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--json', default=os.path.join(ROOT, 'bench', 'results', 'alb.json'))
    args = parser.parse_args()
    rows = dict((c, []) for c in PLAYBOOKS)
    floors = dict((name, []) for name, _a in FLOORS)
    for i in range(args.runs):
        for name, extra in FLOORS:
            floors[name].append(floor(extra))
        for collection in PLAYBOOKS:
            rows[collection].append(measure(collection))
            print('run %d %s: %s' % (i + 1, collection, json.dumps(rows[collection][-1])), flush=True)
        print('run %d floor: %s' % (i + 1, json.dumps(dict((n, w[-1]) for n, w in floors.items()))), flush=True)
    result = {'runs': args.runs, 'phases': list(PHASES), 'collections': {},
              'floor': dict((name, spread(walls)) for name, walls in floors.items())}
    for collection, runs in rows.items():
        out = result['collections'][collection] = {'made': runs[-1]['made'],
                                                   'made_same_every_run': all(r['made'] == runs[-1]['made'] for r in runs)}
        for phase in PHASES:
            out[phase] = dict(runs[-1][phase], **spread([r[phase]['wall'] for r in runs]))
            out[phase].update(requests_all=[r[phase]['requests'] for r in runs], changed_all=[r[phase]['changed'] for r in runs],
                              actions_same_every_run=all(r[phase]['actions'] == runs[-1][phase]['actions'] for r in runs))
    made_by = [result['collections'][c]['made'] for c in PLAYBOOKS]
    result['same_result'] = all(m == made_by[0] for m in made_by)
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, 'w') as f:
        json.dump(result, f, indent=1)
    print('same result: %s' % result['same_result'])
    print('wrote %s' % args.json)


if __name__ == '__main__':
    main()
