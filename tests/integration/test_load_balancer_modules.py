"""load_balancer, target and certificate through ansible-playbook against the emulator in its strict mode.

Every test runs with the emulator as strict and as unreliable as AWS (conftest's ``faults``): its
dependency rules on (they guard EC2 deletes, which these modules do not send), a tenth of the
requests throttled (ACM's too: the fault layer answers in each service's protocol), and in the lost-answer tests the answer of
each create lost after the emulator did the work. What is asserted is what a user sees: the
resources as boto3 reads them from the emulator, the modules' return values (changed, diff, the
error's field and message), and the requests the emulator recorded (none that changes anything
on a rerun, in check mode, or for bad input; no create sent twice when its answer is lost).

The emulator here has no data plane (no containers): DescribeTargetHealth is moto's, which calls a
registered running instance healthy at once. The waits for health are therefore only checked to
return what the emulator reports; HAProxy's real health checks are the data plane's tests.
"""
import importlib.util
import os

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import READS, ROOT

A = 'seed.laravel_aws.'
DEBIAN_OWNER = '136693071363'  # emulator.amis: two images (moto's thousands of Amazon ones take seconds to list)
STRICT = {'strict': True, 'throttle': 0.1, 'seed': 11}
CREATES = ['CreateTargetGroup', 'CreateLoadBalancer', 'CreateListener']

_spec = importlib.util.spec_from_file_location('pem', os.path.join(ROOT, 'tests', 'unit', 'plugins', 'modules', 'pem.py'))
pem = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pem)


def client(aws, service):
    """A boto3 client of the emulator that retries what the fault layer throttles."""
    return boto3.client(service, region_name='us-east-1', endpoint_url=aws.url, aws_access_key_id='testing',
                        aws_secret_access_key='testing', config=Config(retries={'max_attempts': 10, 'mode': 'standard'}))


def forget(aws):
    aws._get('/_seed/requests', method='DELETE')  # pylint: disable=protected-access


def attempts(aws):
    """Every mutating request the emulator received, throttled and lost ones included."""
    return [r['action'] for r in aws.requests() if not r['action'].startswith(READS)]


def done(aws):
    """The mutating requests the emulator carried out (not throttled): those lost included."""
    return [r['action'] for r in aws.requests() if not r['action'].startswith(READS) and r.get('fault') != 'throttled']


def tags_of(elb, arn):
    return dict((t['Key'], t['Value']) for t in elb.describe_tags(ResourceArns=[arn])['TagDescriptions'][0]['Tags'])


def registered(elb, arn):
    return sorted(d['Target']['Id'] for d in elb.describe_target_health(TargetGroupArn=arn)['TargetHealthDescriptions'])


def certificates(acm):
    return acm.list_certificates(Includes={'keyTypes': ['EC_prime256v1', 'RSA_2048']})['CertificateSummaryList']


@pytest.fixture
def net(aws):
    """Made with boto3 before the faults are on: a VPC with subnets in us-east-1a and 1b (and a second one in 1a),
    a security group, two web instances; another VPC with one instance; an imported certificate."""
    ec2 = aws.ec2()
    vpc = ec2.create_vpc(CidrBlock='10.61.0.0/16')['Vpc']['VpcId']

    def subnet(vpc_id, cidr, zone):
        return ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)['Subnet']['SubnetId']
    a, b, a2 = subnet(vpc, '10.61.0.0/24', 'us-east-1a'), subnet(vpc, '10.61.1.0/24', 'us-east-1b'), subnet(vpc, '10.61.2.0/24', 'us-east-1a')
    sg = ec2.create_security_group(GroupName='lbit-alb', Description='alb', VpcId=vpc)['GroupId']
    image = ec2.describe_images(Owners=[DEBIAN_OWNER])['Images'][0]['ImageId']

    def run(subnet_id, count):
        made = ec2.run_instances(ImageId=image, MinCount=count, MaxCount=count, SubnetId=subnet_id)['Instances']
        return sorted(i['InstanceId'] for i in made)
    other = ec2.create_vpc(CidrBlock='10.62.0.0/16')['Vpc']['VpcId']
    far_subnet = subnet(other, '10.62.0.0/24', 'us-east-1b')
    cert, key = pem.self_signed('lbit.example.com')
    cert_arn = client(aws, 'acm').import_certificate(Certificate=cert, PrivateKey=key)['CertificateArn']
    return {'vpc': vpc, 'subnets': [a, b], 'same_zone': a2, 'far_subnet': far_subnet, 'sg': sg, 'web': run(a, 2),
            'far': run(far_subnet, 1), 'cert': cert_arn}


def lb_args(net, **extra):
    args = {'name': 'lbit-alb', 'subnets': net['subnets'], 'security_groups': ['lbit-alb'], 'tags': {'Stack': 'lbit'},
            'target_groups': [{'name': 'lbit-web', 'port': 80, 'deregistration_delay': 30, 'targets': net['web'],
                               'health_check': {'path': '/health', 'interval': 15, 'healthy_threshold': 2, 'matcher': '200-299'}}],
            'listeners': [{'port': 80, 'action': 'redirect'},
                          {'port': 443, 'protocol': 'HTTPS', 'certificate_arn': net['cert'], 'target_group': 'lbit-web'}]}
    args.update(extra)
    return args


def lb_task(title, **args):
    return {'name': title, A + 'load_balancer': args, 'register': 'alb'}


def counts(elb):
    lbs = elb.describe_load_balancers()['LoadBalancers']
    listeners = [li for lb in lbs for li in elb.describe_listeners(LoadBalancerArn=lb['LoadBalancerArn'])['Listeners']]
    return len(lbs), len(elb.describe_target_groups()['TargetGroups']), len(listeners)


# -- load_balancer ----------------------------------------------------------------------------------

def test_load_balancer_check_create_rerun_tags_and_absent(playbook, aws, net):
    elb = client(aws, 'elbv2')
    aws.faults(**STRICT)
    forget(aws)

    # check mode first, in the same run: the create after it must still find nothing (diff before {}),
    # and the run's mutating requests be one create's
    made = playbook([dict(lb_task('plan', **lb_args(net)), check_mode=True), lb_task('create', **lb_args(net))], diff=True)
    result = made.task('plan')
    assert result['changed'] is True and not result.get('failed'), result.get('msg')
    assert result['load_balancer']['arn'] is None and result['target_groups'][0]['arn'] is None
    assert [li['arn'] for li in result['listeners']] == [None, None]
    assert sorted((c['resource'], c['action']) for c in result['changes']) == [
        ('listener', 'create'), ('listener', 'create'), ('load_balancer', 'create'), ('target_group', 'create')]
    assert result['diff']['before'] == {} and result['diff']['after']['load_balancer']['name'] == 'lbit-alb'

    result = made.task('create')
    assert made.rc == 0 and result['changed'] is True, result.get('msg')
    (raw,) = elb.describe_load_balancers(Names=['lbit-alb'])['LoadBalancers']
    lb = result['load_balancer']
    assert lb['arn'] == raw['LoadBalancerArn'] and lb['dns_name'] == raw['DNSName'] and lb['state'] == 'active'
    assert raw['VpcId'] == net['vpc'] and raw['SecurityGroups'] == [net['sg']] and raw['Scheme'] == 'internet-facing'
    assert sorted(z['ZoneName'] for z in raw['AvailabilityZones']) == ['us-east-1a', 'us-east-1b']
    assert tags_of(elb, raw['LoadBalancerArn']) == {'Stack': 'lbit', 'Name': 'lbit-alb'}
    (tg,) = elb.describe_target_groups(Names=['lbit-web'])['TargetGroups']
    assert (tg['HealthCheckPath'], tg['HealthCheckIntervalSeconds'], tg['HealthyThresholdCount'], tg['Matcher']) == (
        '/health', 15, 2, {'HttpCode': '200-299'})
    assert tags_of(elb, tg['TargetGroupArn']) == {'Stack': 'lbit', 'Name': 'lbit-web'}
    attrs = dict((a['Key'], a['Value']) for a in elb.describe_target_group_attributes(TargetGroupArn=tg['TargetGroupArn'])['Attributes'])
    assert attrs['deregistration_delay.timeout_seconds'] == '30'
    assert registered(elb, tg['TargetGroupArn']) == net['web']
    listeners = sorted(elb.describe_listeners(LoadBalancerArn=raw['LoadBalancerArn'])['Listeners'], key=lambda li: li['Port'])
    assert [(li['Port'], li['Protocol'], li['DefaultActions'][0]['Type']) for li in listeners] == [
        (80, 'HTTP', 'redirect'), (443, 'HTTPS', 'forward')]
    assert listeners[1]['Certificates'][0]['CertificateArn'] == net['cert']
    assert listeners[1]['DefaultActions'][0]['TargetGroupArn'] == tg['TargetGroupArn']
    assert listeners[0]['DefaultActions'][0]['RedirectConfig']['Port'] == '443'
    assert result['diff']['before'] == {} and result['diff']['after']['load_balancer']['arn'] == raw['LoadBalancerArn']
    assert counts(elb) == (1, 1, 2)
    # each made once; the load balancer's attributes are AWS's defaults (idle timeout 60, no protection): not sent
    assert sorted(done(aws)) == ['CreateListener', 'CreateListener', 'CreateLoadBalancer', 'CreateTargetGroup',
                                 'ModifyTargetGroupAttributes', 'RegisterTargets']

    forget(aws)
    again = playbook([lb_task('rerun', **lb_args(net))], diff=True)
    result = again.task('rerun')
    assert result['changed'] is False and result['changes'] == [], result.get('changes')
    assert result['diff']['before'] == result['diff']['after'] and result['load_balancer']['arn'] == raw['LoadBalancerArn']
    assert attempts(aws) == []

    retag = playbook([lb_task('retag', **lb_args(net, tags={'Stack': 'lbit', 'Owner': 'ops'}))], diff=True)
    result = retag.task('retag')
    assert result['changed'] is True
    assert 'Owner' not in result['diff']['before']['load_balancer']['tags'] and result['diff']['after']['load_balancer']['tags']['Owner'] == 'ops'
    assert tags_of(elb, raw['LoadBalancerArn']) == {'Stack': 'lbit', 'Owner': 'ops', 'Name': 'lbit-alb'}
    assert tags_of(elb, tg['TargetGroupArn']) == {'Stack': 'lbit', 'Owner': 'ops', 'Name': 'lbit-web'}

    forget(aws)
    purged = playbook([lb_task('purge', **lb_args(net, tags={'Owner': 'ops'}))])
    assert purged.task('purge')['changed'] is True
    assert tags_of(elb, raw['LoadBalancerArn']) == {'Owner': 'ops', 'Name': 'lbit-alb'}
    assert tags_of(elb, tg['TargetGroupArn']) == {'Owner': 'ops', 'Name': 'lbit-web'}
    assert done(aws) == ['RemoveTags', 'RemoveTags']  # Stack off the load balancer and its group: nothing else touched

    forget(aws)
    absent = {'name': 'lbit-alb', 'target_groups': [{'name': 'lbit-web'}], 'state': 'absent'}
    gone = playbook([lb_task('absent', **absent), lb_task('absent again', **absent)], diff=True)
    first, second = gone.task('absent'), gone.task('absent again')
    assert gone.rc == 0 and first['changed'] is True, first.get('msg')
    assert first['load_balancer'] == {} and first['diff']['after'] == {}
    assert first['diff']['before']['load_balancer']['name'] == 'lbit-alb'
    assert second['changed'] is False and second['changes'] == []
    assert counts(elb) == (0, 0, 0)
    # the second task sent nothing: every delete is the first task's, once
    assert sorted(done(aws)) == ['DeleteListener', 'DeleteListener', 'DeleteLoadBalancer', 'DeleteTargetGroup']


# -- listener rules ---------------------------------------------------------------------------------

WWW = {'priority': 10, 'host_header': ['www.lbit.example.com'], 'action': 'redirect', 'redirect_host': 'lbit.example.com',
       'redirect_protocol': 'HTTPS', 'redirect_port': 443}


def rules_args(net, rules):
    return lb_args(net, listeners=[{'port': 443, 'protocol': 'HTTPS', 'certificate_arn': net['cert'], 'target_group': 'lbit-web',
                                    'rules': rules}, {'port': 80, 'action': 'redirect'}])


def rules_on(elb, port):
    (raw,) = elb.describe_load_balancers(Names=['lbit-alb'])['LoadBalancers']
    (li,) = [li for li in elb.describe_listeners(LoadBalancerArn=raw['LoadBalancerArn'])['Listeners'] if li['Port'] == port]
    return li['ListenerArn'], sorted((r for r in elb.describe_rules(ListenerArn=li['ListenerArn'])['Rules'] if not r['IsDefault']),
                                     key=lambda r: int(r['Priority']))


def test_load_balancer_rules_www_to_the_apex_rerun_and_purge(playbook, aws, net):
    """www redirected to the apex by a listener rule, through ansible-playbook against the strict emulator: made once, a
    rerun with the host in another case reads only, a bad rule is refused before any request, the emulator refuses what
    AWS refuses, and rules: [] deletes the rule."""
    elb = client(aws, 'elbv2')
    aws.faults(**STRICT)
    forget(aws)
    old = {'priority': 20, 'path_pattern': ['/old/*'], 'action': 'forward', 'target_group': 'lbit-web'}
    made = playbook([lb_task('create', **rules_args(net, [WWW, old])),
                     lb_task('rerun', **rules_args(net, [old, dict(WWW, host_header=['WWW.LBIT.Example.com'])]))], diff=True)
    result = made.task('create')
    assert made.rc == 0 and result['changed'] is True, result.get('msg')
    listener, raw = rules_on(elb, 443)
    assert [(r['Priority'], r['Conditions'][0]['Field'], r['Actions'][0]['Type']) for r in raw] == [
        ('10', 'host-header', 'redirect'), ('20', 'path-pattern', 'forward')]
    assert raw[0]['Actions'][0]['RedirectConfig'] == {'Protocol': 'HTTPS', 'Port': '443', 'Host': 'lbit.example.com', 'Path': '/#{path}',
                                                      'Query': '#{query}', 'StatusCode': 'HTTP_301'}
    https = [li for li in result['listeners'] if li['port'] == 443][0]
    assert [(r['priority'], r['arn'], r['redirect_host']) for r in https['rules']] == [
        (10, raw[0]['RuleArn'], 'lbit.example.com'), (20, raw[1]['RuleArn'], None)]
    assert sorted(d for d in done(aws) if 'Rule' in d) == ['CreateRule', 'CreateRule']
    rerun = made.task('rerun')
    assert rerun['changed'] is False and rerun['changes'] == [], rerun.get('changes')
    assert [li for li in rerun['listeners'] if li['port'] == 443][0]['rules'] == https['rules']

    # a bad rule: refused before any request, naming the rule's option
    forget(aws)
    bad = playbook([lb_task('bad', **rules_args(net, [WWW, dict(old, priority=50001)]))])
    result = bad.task('bad')
    assert result.get('failed') is True and result['field'] == 'listeners[0].rules[1].priority', result.get('msg')
    assert '50000' in result['msg'] and attempts(aws) == []

    # what AWS refuses, the emulator refuses: a priority in use, a redirect to itself, four values in one condition
    host = [{'Field': 'host-header', 'HostHeaderConfig': {'Values': ['api.lbit.example.com']}}]
    forward = [{'Type': 'forward', 'TargetGroupArn': raw[1]['Actions'][0]['TargetGroupArn']}]
    for conditions, actions, code in (
            (host, forward, 'PriorityInUse'),
            (host, [{'Type': 'redirect', 'RedirectConfig': {'StatusCode': 'HTTP_301'}}], 'InvalidLoadBalancerAction'),
            ([{'Field': 'path-pattern', 'PathPatternConfig': {'Values': ['/a', '/b', '/c', '/d']}}], forward, 'ValidationError')):
        with pytest.raises(ClientError) as caught:
            elb.create_rule(ListenerArn=listener, Priority=10 if code == 'PriorityInUse' else 30, Conditions=conditions, Actions=actions)
        assert caught.value.response['Error']['Code'] == code
    assert [r['Priority'] for r in rules_on(elb, 443)[1]] == ['10', '20']

    forget(aws)
    purged = playbook([lb_task('purge', **rules_args(net, []))])
    assert purged.task('purge')['changed'] is True and rules_on(elb, 443)[1] == []
    assert sorted(d for d in done(aws)) == ['DeleteRule', 'DeleteRule']


# -- certificate ------------------------------------------------------------------------------------

def cert_task(title, **args):
    return {'name': title, A + 'certificate': args, 'register': 'cert'}


def acm_tags(acm, arn):
    return dict((t['Key'], t['Value']) for t in acm.list_tags_for_certificate(CertificateArn=arn)['Tags'])


def fingerprint(cert_pem):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    digest = x509.load_pem_x509_certificate(cert_pem.encode()).fingerprint(hashes.SHA256()).hex().upper()
    return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))


def test_certificate_check_import_rerun_renew_tags_and_absent(playbook, aws):
    acm = client(aws, 'acm')
    aws.faults(**STRICT)
    forget(aws)
    cert, key = pem.self_signed('www.lbit.example.com')
    args = {'name': 'lbit-site', 'certificate': cert, 'private_key': key, 'tags': {'Stack': 'lbit'}}

    made = playbook([dict(cert_task('plan', **args), check_mode=True), cert_task('import', **args)], diff=True)
    result = made.task('plan')
    assert result['changed'] is True and result['certificate']['arn'] is None, result.get('msg')
    assert result['certificate']['domain_name'] == 'www.lbit.example.com' and result['certificate']['fingerprint'] == fingerprint(cert)
    assert result['diff']['before'] == {} and result['diff']['after']['name'] == 'lbit-site'

    result = made.task('import')
    assert made.rc == 0 and result['changed'] is True, result.get('msg')
    (summary,) = certificates(acm)
    arn = summary['CertificateArn']
    assert result['certificate']['arn'] == arn and result['certificate']['fingerprint'] == fingerprint(cert)
    assert acm.get_certificate(CertificateArn=arn)['Certificate'].strip() == cert.strip()
    assert acm_tags(acm, arn) == {'Stack': 'lbit', 'Name': 'lbit-site'}
    assert result['diff']['before'] == {} and result['diff']['after']['arn'] == arn
    assert done(aws) == ['ImportCertificate']  # once: the check-mode task imported nothing
    body = key.strip().splitlines()[1]
    assert body not in made.stdout and body not in made.stderr  # the key is never printed, diff or not

    forget(aws)
    again = playbook([cert_task('rerun', **args)], diff=True)
    result = again.task('rerun')
    assert result.get('changed') is False and result['certificate']['arn'] == arn, result
    assert result['diff']['before'] == result['diff']['after']
    assert attempts(aws) == []

    forget(aws)
    renewed = pem.self_signed('www.lbit.example.com', days=90)
    renew_args = {**args, 'certificate': renewed[0], 'private_key': renewed[1]}
    retag_args = {**renew_args, 'tags': {'Owner': 'ops'}}
    renew = playbook([cert_task('renew', **renew_args), cert_task('retag', **retag_args)], diff=True)
    result = renew.task('renew')
    assert result['changed'] is True and result['certificate']['arn'] == arn  # the same ARN: listeners keep it
    assert result['diff']['before']['fingerprint'] == fingerprint(cert) and result['diff']['after']['fingerprint'] == fingerprint(renewed[0])
    assert [c['CertificateArn'] for c in certificates(acm)] == [arn]
    assert acm.get_certificate(CertificateArn=arn)['Certificate'].strip() == renewed[0].strip()
    result = renew.task('retag')
    assert result['changed'] is True and result['diff']['before']['tags'] == {'Stack': 'lbit', 'Name': 'lbit-site'}
    assert result['diff']['after']['tags'] == {'Owner': 'ops', 'Name': 'lbit-site'}
    assert acm_tags(acm, arn) == {'Owner': 'ops', 'Name': 'lbit-site'}  # Stack purged, Name kept
    # the re-import kept the tags (no tag request of its own); the retag only touched the tags
    assert sorted(done(aws)) == ['AddTagsToCertificate', 'ImportCertificate', 'RemoveTagsFromCertificate']

    forget(aws)
    gone = playbook([cert_task('absent', name='lbit-site', state='absent'), cert_task('absent again', name='lbit-site', state='absent')],
                    diff=True)
    first, second = gone.task('absent'), gone.task('absent again')
    assert first['changed'] is True and first['certificate'] == {} and first['diff']['before']['arn'] == arn
    assert first['diff']['after'] == {}
    assert second['changed'] is False
    assert certificates(acm) == [] and done(aws) == ['DeleteCertificate']


def test_a_swapped_key_is_never_printed_at_vvv(aws, tmp_path):
    """Issue 30, case 9: the certificate and key files swapped, ansible-playbook -vvv printed the private key (the
    task's invocation). Now the task fails before any request, naming the option, and neither the key nor a line of it is
    in what ansible-playbook prints, with the default callback as a user runs it."""
    import subprocess
    import yaml
    from conftest import ansible_env
    cert, key = pem.self_signed('www.lbit.example.com')
    (tmp_path / 'site.crt').write_text(cert)
    (tmp_path / 'site.key').write_text(key)
    swapped = {'name': 'lbit-swapped', 'certificate': "{{ lookup('file', '%s') }}" % (tmp_path / 'site.key'),
               'private_key': "{{ lookup('file', '%s') }}" % (tmp_path / 'site.crt'), 'tags': {'Stack': 'lbit'}}
    play = [{'name': 'swapped', 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
             'vars': {'ansible_python_interpreter': '{{ ansible_playbook_python }}'},
             'module_defaults': {'group/seed.laravel_aws.aws': {'region': 'us-east-1', 'endpoint_url': aws.url}},
             'tasks': [{'name': 'the certificate, files swapped', A + 'certificate': swapped, 'register': 'cert', 'ignore_errors': True},
                       {'name': 'what was registered', 'ansible.builtin.debug': {'var': 'cert'}}]}]
    path = tmp_path / 'play.yml'
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    forget(aws)
    proc = subprocess.run(['ansible-playbook', '-vvv', '-i', 'localhost,', str(path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=ansible_env(ANSIBLE_STDOUT_CALLBACK='ansible.builtin.default'), check=False)
    printed = proc.stdout + proc.stderr
    body = [line for line in key.strip().splitlines() if not line.startswith('-----')]
    leaked = [line for line in body if line in printed]
    assert leaked == [], 'the private key is in the -vvv output'
    assert 'the files look swapped' in printed and 'certificate: holds a private key' in printed, printed[-3000:]
    assert 'invocation' in printed  # -vvv shows the task's arguments: scrubbed, not left out
    assert proc.returncode == 0 and aws.requests() == []  # ignored failure; not one request sent


# -- target -----------------------------------------------------------------------------------------

def target_task(title, **args):
    return {'name': title, A + 'target': args, 'register': 'tgt'}


def health(elb, arn):
    return dict((d['Target']['Id'], d['TargetHealth']['State'])
                for d in elb.describe_target_health(TargetGroupArn=arn)['TargetHealthDescriptions'])


def test_target_check_register_rerun_and_absent(playbook, aws, net):
    elb = client(aws, 'elbv2')
    tg = elb.create_target_group(Name='lbit-tg', Protocol='HTTP', Port=8080, VpcId=net['vpc'])['TargetGroups'][0]['TargetGroupArn']
    aws.faults(**STRICT)
    forget(aws)
    one, two = net['web']
    # no data plane here: health cannot be real, so the registering runs do not wait for it
    args = {'target_group': 'lbit-tg', 'targets': net['web'], 'wait': False}

    made = playbook([dict(target_task('plan', **args), check_mode=True), target_task('register', **args)], diff=True)
    result = made.task('plan')
    assert result['changed'] is True and result['target_group']['arn'] == tg, result.get('msg')
    assert result['diff']['before']['targets'] == [] and [t['id'] for t in result['diff']['after']['targets']] == net['web']

    result = made.task('register')
    assert result['changed'] is True, result.get('msg')
    assert registered(elb, tg) == net['web']
    assert [(t['id'], t['port'], t['health']) for t in result['targets']] == [(one, 8080, 'initial'), (two, 8080, 'initial')]
    assert [t['id'] for t in result['diff']['after']['targets']] == net['web'] and result['diff']['before']['targets'] == []
    assert done(aws) == ['RegisterTargets']

    forget(aws)
    # by ARN, and waiting: the module returns the health the emulator reports (moto's, without a data plane)
    again = playbook([target_task('rerun', target_group=tg, targets=net['web'], wait_timeout=30)])
    result = again.task('rerun')
    assert result['changed'] is False, result.get('msg')
    assert dict((t['id'], t['health']) for t in result['targets']) == health(elb, tg)
    assert attempts(aws) == []

    leave = {'target_group': 'lbit-tg', 'targets': [one], 'state': 'absent', 'wait_timeout': 30}
    forget(aws)
    gone = playbook([target_task('absent', **leave), target_task('absent again', **leave),
                     target_task('no such group', target_group='lbit-gone', targets=[one], state='absent'),
                     dict(target_task('plan absent', target_group='lbit-tg', targets=[two], state='absent'), check_mode=True)],
                    diff=True)
    first, second, nogroup, plan = (gone.task(t) for t in ('absent', 'absent again', 'no such group', 'plan absent'))
    assert first['changed'] is True and [t['id'] for t in first['diff']['before']['targets']] == [one], first.get('msg')
    assert second['changed'] is False and nogroup['changed'] is False and nogroup['target_group'] is None
    assert plan['changed'] is True and [t['id'] for t in plan['diff']['before']['targets']] == [two]
    # one deregistration in the run: the first task's (not the rerun's, not the check-mode task's)
    assert registered(elb, tg) == [two] and done(aws) == ['DeregisterTargets']


# -- bad input --------------------------------------------------------------------------------------

def bad_cases(net, tg_name):
    """title: (module, args, the field the error names, words of the message)."""
    dummy, other_key = pem.self_signed('other.lbit.example.com')
    cert, dummy = pem.self_signed('www.lbit.example.com')

    def group(**extra):
        return [dict({'name': 'lbit-web', 'port': 80}, **extra)]
    https = [{'port': 80, 'action': 'redirect'}, {'port': 443, 'protocol': 'HTTPS', 'target_group': 'lbit-web'}]
    return {
        'lb: two subnets of one zone': ('load_balancer', lb_args(net, subnets=[net['subnets'][0], net['same_zone']]), 'subnets',
                                        'span 1 availability zone'),
        'lb: subnets of two VPCs': ('load_balancer', lb_args(net, subnets=[net['subnets'][0], net['far_subnet']]), 'subnets', 'in 2 VPCs'),
        'lb: health check path without /': ('load_balancer', lb_args(net, target_groups=group(health_check={'path': 'health'})),
                                            'target_groups[0].health_check.path', 'beginning with /'),
        'lb: healthy threshold 11': ('load_balancer', lb_args(net, target_groups=group(health_check={'healthy_threshold': 11})),
                                     'target_groups[0].health_check.healthy_threshold', 'The range is 2-10.'),
        'lb: HTTPS listener without certificate': ('load_balancer', lb_args(net, listeners=https), 'listeners[1].certificate_arn',
                                                   'needs a certificate'),
        'lb: deregistration delay 3601': ('load_balancer', lb_args(net, target_groups=group(deregistration_delay=3601)),
                                          'target_groups[0].deregistration_delay', 'The range is 0-3600 seconds.'),
        'lb: name of 33 characters': ('load_balancer', lb_args(net, name='l' * 33), 'name', 'maximum of 32 characters'),
        'lb: a target of another VPC': ('load_balancer', lb_args(net, target_groups=group(targets=net['web'] + net['far'])),
                                        'target_groups[0].targets', net['far'][0]),
        'lb: a security group that does not exist': ('load_balancer', lb_args(net, security_groups=['lbit-nope']), 'security_groups',
                                                     'lbit-nope'),
        'target: an instance of another VPC': ('target', {'target_group': tg_name, 'targets': net['web'] + net['far'], 'wait': False},
                                               'targets', net['far'][0]),
        'target: no such target group': ('target', {'target_group': 'lbit-nope', 'targets': net['web']}, 'target_group', 'create it first'),
        'target: port 70000': ('target', {'target_group': tg_name, 'targets': net['web'], 'port': 70000}, 'port', 'between 1 and 65535'),
        'certificate: a key that does not match': ('certificate', {'name': 'lbit-bad', 'certificate': cert, 'private_key': other_key},
                                                   'private_key', 'does not match the certificate'),
        'certificate: not PEM': ('certificate', {'name': 'lbit-bad', 'certificate': 'lbit', 'private_key': other_key}, 'certificate',
                                 'PEM'),
    }


def test_bad_input_names_the_field_and_changes_nothing(playbook, aws, net):
    elb, acm = client(aws, 'elbv2'), client(aws, 'acm')
    elb.create_target_group(Name='lbit-tg', Protocol='HTTP', Port=80, VpcId=net['vpc'])
    aws.faults(**STRICT)
    forget(aws)
    cases = bad_cases(net, 'lbit-tg')
    run = playbook([{'name': title, A + module: args, 'ignore_errors': True} for title, (module, args, dummy, dummy) in cases.items()])
    wrong = []
    for title, (module, args, field, words) in cases.items():
        result = run.task(title)
        msg = result.get('msg') or ''
        if result.get('failed') is not True or result.get('field') != field or not msg.startswith(field + ': ') or words not in msg:
            wrong.append((title, field, result.get('field'), msg))
    assert wrong == []
    assert attempts(aws) == []
    assert counts(elb) == (0, 1, 0) and [c['CertificateArn'] for c in certificates(acm)] == [net['cert']]
    tg = elb.describe_target_groups(Names=['lbit-tg'])['TargetGroups'][0]['TargetGroupArn']
    assert registered(elb, tg) == []


# -- lost answers -----------------------------------------------------------------------------------

def lost(aws):
    return sorted(r['action'] for r in aws.requests() if r.get('fault') == 'lost')


def test_a_lost_answer_on_each_create_makes_no_duplicate_and_a_used_certificate_stays(playbook, aws, net):
    """The certificate imported by the module and used by the load balancer's HTTPS listener, every create's answer
    lost once (the emulator did the work): each is found again by its name, none is made twice."""
    elb, acm = client(aws, 'elbv2'), client(aws, 'acm')
    cert, key = pem.self_signed('www.lbit.example.com')
    listeners = [{'port': 80, 'action': 'redirect'},
                 {'port': 443, 'protocol': 'HTTPS', 'certificate_arn': '{{ cert.certificate.arn }}', 'target_group': 'lbit-web'}]
    tasks = [cert_task('certificate', name='lbit-lost', certificate=cert, private_key=key, tags={'Stack': 'lbit'}),
             lb_task('load balancer', **lb_args(net, listeners=listeners))]
    aws.faults(lose=CREATES + ['ImportCertificate', 'RegisterTargets'], lose_times=1, **STRICT)
    forget(aws)
    run = playbook(tasks)
    assert run.rc == 0, (run.task('certificate').get('msg'), run.task('load balancer').get('msg'))
    assert lost(aws) == sorted(CREATES + ['ImportCertificate', 'RegisterTargets'])
    assert run.task('certificate')['changed'] is True and run.task('load balancer')['changed'] is True
    mine = [c['CertificateArn'] for c in certificates(acm) if acm_tags(acm, c['CertificateArn']).get('Name') == 'lbit-lost']
    assert mine == [run.task('certificate')['certificate']['arn']]
    assert counts(elb) == (1, 1, 2)
    (raw,) = elb.describe_load_balancers()['LoadBalancers']
    result = run.task('load balancer')
    assert result['load_balancer']['arn'] == raw['LoadBalancerArn']
    assert [li['arn'] for li in result['listeners']] == [li['ListenerArn'] for li in sorted(
        elb.describe_listeners(LoadBalancerArn=raw['LoadBalancerArn'])['Listeners'], key=lambda li: li['Port'])]
    https = [li for li in elb.describe_listeners(LoadBalancerArn=raw['LoadBalancerArn'])['Listeners'] if li['Port'] == 443][0]
    assert https['Certificates'][0]['CertificateArn'] == mine[0]
    tg = elb.describe_target_groups(Names=['lbit-web'])['TargetGroups'][0]['TargetGroupArn']
    assert registered(elb, tg) == net['web']
    # each create sent at most twice: the lost one and, only for what was not found again, none more
    sent = done(aws)
    assert [sent.count(a) for a in CREATES + ['ImportCertificate']] == [1, 1, 2, 1]  # two listeners, each made once
    assert sent.count('RegisterTargets') == 2  # lost, then sent again: a repeat registers the same targets

    forget(aws)
    again = playbook(tasks)
    assert [again.task(t)['changed'] for t in ('certificate', 'load balancer')] == [False, False]
    assert attempts(aws) == []

    forget(aws)
    refused = playbook([dict(cert_task('certificate absent', name='lbit-lost', state='absent'), ignore_errors=True)])
    result = refused.task('certificate absent')
    # the error names the user (moto records the listener's ARN, AWS the load balancer's: both hold its name)
    assert result.get('failed') is True and result['field'] == 'state', result.get('msg')
    assert 'still used by' in result['msg'] and '/lbit-alb/' in result['msg']
    assert attempts(aws) == [] and [c['CertificateArn'] for c in certificates(acm) if c['CertificateArn'] == mine[0]] == mine

    gone = playbook([lb_task('load balancer absent', name='lbit-alb', target_groups=[{'name': 'lbit-web'}], state='absent'),
                     cert_task('certificate absent', name='lbit-lost', state='absent')])
    assert gone.rc == 0 and gone.task('certificate absent')['changed'] is True, gone.task('certificate absent').get('msg')
    assert counts(elb) == (0, 0, 0) and mine[0] not in [c['CertificateArn'] for c in certificates(acm)]


def test_a_lost_answer_on_register_is_repeated_harmlessly(playbook, aws, net):
    """RegisterTargets and DeregisterTargets set a state: an answer lost, the call is sent again and the module goes
    on (AWS answers success for a target that is no longer registered, and the emulator does as AWS does)."""
    elb = client(aws, 'elbv2')
    tg = elb.create_target_group(Name='lbit-tg', Protocol='HTTP', Port=80, VpcId=net['vpc'])['TargetGroups'][0]['TargetGroupArn']
    aws.faults(lose=['RegisterTargets'], lose_times=1, **STRICT)
    forget(aws)
    args = {'target_group': 'lbit-tg', 'targets': net['web'], 'wait': False}
    made = playbook([target_task('register', **args), target_task('register again', **args)])
    assert made.task('register')['changed'] is True and made.task('register again')['changed'] is False, made.task('register').get('msg')
    assert lost(aws) == ['RegisterTargets'] and done(aws) == ['RegisterTargets', 'RegisterTargets']
    assert registered(elb, tg) == net['web']

    aws.faults(lose=['DeregisterTargets'], lose_times=1, **STRICT)
    forget(aws)
    args = dict(args, state='absent')
    gone = playbook([target_task('deregister', **args), target_task('deregister again', **args)])
    assert gone.task('deregister')['changed'] is True and gone.task('deregister again')['changed'] is False, \
        gone.task('deregister').get('msg')
    assert lost(aws) == ['DeregisterTargets'] and done(aws) == ['DeregisterTargets', 'DeregisterTargets']
    assert registered(elb, tg) == []


# -- ownership --------------------------------------------------------------------------------------

def test_another_stacks_load_balancer_certificate_and_targets_are_left_alone(playbook, aws, net):
    """Issue 30: stack lbit-2's load balancer, target group, certificate and registered instances, found by their names by
    stack lbit's tasks (check mode and for real, as teardown.yml runs them), are refused naming both stacks: no request that
    changes anything, everything still there."""
    elb, acm = client(aws, 'elbv2'), client(aws, 'acm')
    ec2 = aws.ec2()
    ec2.create_tags(Resources=net['web'], Tags=[{'Key': 'Stack', 'Value': 'lbit-2'}])
    cert, key = pem.self_signed('www.lbit.example.com')
    listeners = [{'port': 80, 'action': 'redirect'},
                 {'port': 443, 'protocol': 'HTTPS', 'certificate_arn': '{{ cert.certificate.arn }}', 'target_group': 'lbit-web'}]
    untagged = lb_args(net, listeners=listeners)
    untagged['tags'] = None
    made = playbook([cert_task('certificate', name='lbit-site', certificate=cert, private_key=key, stack='lbit-2'),
                     lb_task('load balancer', stack='lbit-2', **untagged)])
    assert made.rc == 0, (made.task('certificate').get('msg'), made.task('load balancer').get('msg'))
    aws.settle()  # stack lbit-2 was made a while before stack lbit's run: every read sees all of it
    (raw,) = elb.describe_load_balancers(Names=['lbit-alb'])['LoadBalancers']
    assert tags_of(elb, raw['LoadBalancerArn']) == {'Stack': 'lbit-2', 'Name': 'lbit-alb'}
    tg = elb.describe_target_groups(Names=['lbit-web'])['TargetGroups'][0]['TargetGroupArn']
    before = (counts(elb), registered(elb, tg), [c['CertificateArn'] for c in certificates(acm)])
    aws.faults(**STRICT)
    forget(aws)
    one_listener = lb_args(net, listeners=listeners[:1])
    one_listener['tags'] = None
    tasks = [lb_task('load balancer absent', name='lbit-alb', stack='lbit', target_groups=[{'name': 'lbit-web'}], state='absent'),
             lb_task('load balancer changed', stack='lbit', **one_listener),
             cert_task('certificate absent', name='lbit-site', stack='lbit', state='absent'),
             target_task('targets out', target_group='lbit-web', targets=net['web'], stack='lbit', state='absent')]
    tasks = [dict(t, ignore_errors=True) for t in tasks]
    run = playbook([dict(t, name='check: ' + t['name'], check_mode=True) for t in tasks] + tasks)
    for title in [t['name'] for t in tasks] + ['check: ' + t['name'] for t in tasks]:
        result = run.task(title)
        msg = result.get('msg') or ''
        assert result.get('failed') is True and result.get('field') == 'stack', (title, msg)
        assert "stack 'lbit-2'" in msg and "stack 'lbit'" in msg, (title, msg)
    assert attempts(aws) == []
    assert (counts(elb), registered(elb, tg), [c['CertificateArn'] for c in certificates(acm)]) == before
