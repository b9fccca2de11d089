"""load_balancer in-process against moto: create, rerun, check mode, diff, tags, absent, bad input, lost answers."""
import boto3
import pytest
from botocore.exceptions import ConnectionClosedError

from ansible_collections.seed.laravel_aws.plugins.module_utils import retries
from ansible_collections.seed.laravel_aws.plugins.modules import load_balancer

from ...conftest import REGION, mutating
from .pem import self_signed
from emulator.amis import DEBIAN_OWNER  # two images: moto's thousands of Amazon ones take seconds to list


@pytest.fixture
def net(aws):
    vpc = aws.create_vpc(CidrBlock='10.30.0.0/16')['Vpc']['VpcId']
    a = aws.create_subnet(VpcId=vpc, CidrBlock='10.30.0.0/24', AvailabilityZone='us-east-1a')['Subnet']['SubnetId']
    b = aws.create_subnet(VpcId=vpc, CidrBlock='10.30.1.0/24', AvailabilityZone='us-east-1b')['Subnet']['SubnetId']
    a2 = aws.create_subnet(VpcId=vpc, CidrBlock='10.30.2.0/24', AvailabilityZone='us-east-1a')['Subnet']['SubnetId']
    sg = aws.create_security_group(GroupName='demo-alb', Description='alb', VpcId=vpc)['GroupId']
    image = aws.describe_images(Owners=[DEBIAN_OWNER])['Images'][0]['ImageId']
    pem, key = self_signed()
    cert = boto3.client('acm', region_name=REGION).import_certificate(Certificate=pem, PrivateKey=key)['CertificateArn']

    def run(role, count=1, subnet=a):
        tags = [{'Key': 'Stack', 'Value': 'demo'}, {'Key': 'Role', 'Value': role}]
        made = aws.run_instances(ImageId=image, MinCount=count, MaxCount=count, SubnetId=subnet,
                                 TagSpecifications=[{'ResourceType': 'instance', 'Tags': tags}])['Instances']
        return sorted(i['InstanceId'] for i in made)
    other = aws.create_vpc(CidrBlock='10.40.0.0/16')['Vpc']['VpcId']
    far = aws.create_subnet(VpcId=other, CidrBlock='10.40.0.0/24', AvailabilityZone='us-east-1b')['Subnet']['SubnetId']
    return {'cert': cert, 'vpc': vpc, 'subnets': [a, b], 'same_zone': a2, 'sg': sg, 'web': run('web', 2), 'db': run('db'),
            'far_subnet': far, 'far': run('web-far', 1, far), 'run': run}


@pytest.fixture
def elb(aws):
    return boto3.client('elbv2', region_name=REGION)


def lb_args(net, **extra):
    args = {'name': 'demo-alb', 'subnets': net['subnets'], 'security_groups': ['demo-alb'], 'tags': {'Stack': 'demo'},
            'target_groups': [{'name': 'demo-web', 'port': 80, 'deregistration_delay': 30,
                               'health_check': {'path': '/health', 'interval': 15, 'matcher': '200-299'},
                               'target_filter': {'stack': 'demo', 'role': 'web'}}],
            'listeners': [{'port': 80, 'action': 'redirect'},
                          {'port': 443, 'protocol': 'HTTPS', 'certificate_arn': net['cert'], 'target_group': 'demo-web'}]}
    args.update(extra)
    return args


def tg(**extra):
    group = {'name': 'demo-web', 'port': 80}
    group.update(extra)
    return group


def counts(elb):
    lbs = elb.describe_load_balancers()['LoadBalancers']
    groups = elb.describe_target_groups()['TargetGroups']
    listeners = [li for lb in lbs for li in elb.describe_listeners(LoadBalancerArn=lb['LoadBalancerArn'])['Listeners']]
    return len(lbs), len(groups), len(listeners)


def test_create_rerun_update_and_absent(aws, elb, run_module, calls, net):
    made = run_module(load_balancer.main, lb_args(net), diff=True)
    assert made['changed'] and made['diff']['before'] == {}
    lb = made['load_balancer']
    assert lb['state'] == 'active' and lb['scheme'] == 'internet-facing' and lb['vpc_id'] == net['vpc']
    assert lb['dns_name'] and lb['arn'].startswith('arn:aws:elasticloadbalancing:')
    assert [z['zone'] for z in lb['zones']] == ['us-east-1a', 'us-east-1b'] and lb['security_groups'] == [net['sg']]
    assert lb['tags'] == {'Stack': 'demo', 'Name': 'demo-alb'}
    (group,) = made['target_groups']
    assert group['name'] == 'demo-web' and group['health_check']['path'] == '/health' and group['deregistration_delay'] == 30
    assert [t['id'] for t in group['targets']] == net['web']
    assert [(li['port'], li['action'], li['target_group'], li['ssl_policy']) for li in made['listeners']] == [
        (80, 'redirect', None, None), (443, 'forward', 'demo-web', 'ELBSecurityPolicy-TLS13-1-2-2021-06')]
    assert all(li['arn'] for li in made['listeners'])
    assert sorted(c['resource'] for c in made['changes']) == ['listener', 'listener', 'load_balancer', 'target_group']
    assert counts(elb) == (1, 1, 2)
    (raw,) = elb.describe_target_groups(Names=['demo-web'])['TargetGroups']
    assert raw['HealthCheckPath'] == '/health' and raw['HealthCheckIntervalSeconds'] == 15 and raw['Matcher'] == {'HttpCode': '200-299'}
    health = elb.describe_target_health(TargetGroupArn=raw['TargetGroupArn'])['TargetHealthDescriptions']
    assert sorted(h['Target']['Id'] for h in health) == net['web']

    del calls[:]
    again = run_module(load_balancer.main, lb_args(net), diff=True)
    assert again['changed'] is False and again['changes'] == [] and mutating(calls) == []
    assert again['load_balancer'] == dict(lb, state='active') and again['diff']['before'] == again['diff']['after']
    assert [t['health'] for t in again['target_groups'][0]['targets']] == ['healthy', 'healthy']  # moto: registered = healthy

    # a new web instance joins by the filter; the health check, stickiness, idle timeout and tags change in place
    newcomer = net['run']('web')
    changed = run_module(load_balancer.main, lb_args(
        net, idle_timeout=120, tags={'Stack': 'demo', 'Owner': 'ops'},
        target_groups=[tg(deregistration_delay=10, health_check={'path': '/up', 'interval': 20, 'timeout': 4},
                          stickiness={'duration': 3600}, target_filter={'stack': 'demo', 'role': 'web'})]), diff=True)
    assert changed['changed']
    assert changed['load_balancer']['idle_timeout'] == 120 and changed['load_balancer']['tags']['Owner'] == 'ops'
    group = changed['target_groups'][0]
    assert group['health_check']['path'] == '/up' and group['stickiness'] == {'enabled': True, 'type': 'lb_cookie', 'duration': 3600}
    assert sorted(t['id'] for t in group['targets']) == sorted(net['web'] + newcomer)
    assert changed['diff']['before']['load_balancer']['idle_timeout'] == 60
    assert changed['diff']['after']['target_groups'][0]['deregistration_delay'] == 10
    assert elb.describe_target_groups(Names=['demo-web'])['TargetGroups'][0]['HealthCheckPath'] == '/up'
    del calls[:]
    same = run_module(load_balancer.main, lb_args(
        net, idle_timeout=120, tags={'Stack': 'demo', 'Owner': 'ops'},
        target_groups=[tg(deregistration_delay=10, health_check={'path': '/up', 'interval': 20, 'timeout': 4},
                          stickiness={'duration': 3600}, target_filter={'stack': 'demo', 'role': 'web'})]))
    assert same['changed'] is False and mutating(calls) == [], same['changes']

    # purge: tags back to Stack only, explicit targets, one listener
    purged = run_module(load_balancer.main, lb_args(net, target_groups=[tg(targets=[net['web'][0]])],
                                                    listeners=[{'port': 80, 'target_group': 'demo-web'}]))
    assert purged['changed'] and purged['load_balancer']['tags'] == {'Stack': 'demo', 'Name': 'demo-alb'}
    assert [t['id'] for t in purged['target_groups'][0]['targets']] == [net['web'][0]]
    assert [(li['port'], li['action']) for li in purged['listeners']] == [(80, 'forward')]
    assert counts(elb) == (1, 1, 1)
    arn = purged['load_balancer']['arn']
    assert {t['Key']: t['Value'] for t in elb.describe_tags(ResourceArns=[arn])['TagDescriptions'][0]['Tags']} == {
        'Stack': 'demo', 'Name': 'demo-alb'}
    kept = run_module(load_balancer.main, lb_args(net, tags={'Extra': 'x'}, purge_tags=False,
                                                  target_groups=[tg(targets=[net['web'][1]], purge_targets=False)],
                                                  listeners=[{'port': 8080, 'target_group': 'demo-web'}], purge_listeners=False))
    assert kept['changed'] and kept['load_balancer']['tags'] == {'Stack': 'demo', 'Name': 'demo-alb', 'Extra': 'x'}
    assert sorted(t['id'] for t in kept['target_groups'][0]['targets']) == net['web']
    assert [li['port'] for li in kept['listeners']] == [80, 8080]

    plan = run_module(load_balancer.main, {'name': 'demo-alb', 'target_groups': [{'name': 'demo-web'}], 'state': 'absent'},
                      check_mode=True)
    assert plan['changed'] and counts(elb) == (1, 1, 2)
    del calls[:]
    gone = run_module(load_balancer.main, {'name': 'demo-alb', 'state': 'absent'}, diff=True)
    assert gone['changed'] and gone['load_balancer'] == {} and gone['diff']['after'] == {}
    assert gone['diff']['before']['load_balancer']['name'] == 'demo-alb'
    assert list(mutating(calls)) == ['delete_listener', 'delete_listener', 'delete_load_balancer', 'delete_target_group']
    assert counts(elb) == (0, 0, 0)
    del calls[:]
    assert run_module(load_balancer.main, {'name': 'demo-alb', 'state': 'absent'})['changed'] is False
    assert mutating(calls) == []


def test_a_rerun_sends_only_the_reads_it_needs(aws, elb, run_module, calls, net):
    args = lb_args(net, target_groups=[tg(targets=net['web'])])
    assert run_module(load_balancer.main, args)['changed']
    del calls[:]
    again = run_module(load_balancer.main, args)
    assert again['changed'] is False and sorted(t['id'] for t in again['target_groups'][0]['targets']) == net['web']
    # no DescribeSubnets (the load balancer has these subnets), no DescribeInstances (the targets are registered),
    # one DescribeTargetGroups (the group is attached to the load balancer)
    assert sorted(calls) == ['describe_listeners', 'describe_load_balancer_attributes', 'describe_load_balancers',
                             'describe_security_groups', 'describe_tags', 'describe_target_group_attributes',
                             'describe_target_groups', 'describe_target_health']
    # a target not registered yet is checked, and subnets the load balancer does not have, before any change
    del calls[:]
    refused = run_module(load_balancer.main, dict(args, target_groups=[tg(targets=net['web'] + net['far'])]))
    assert refused['failed'] and refused['field'] == 'target_groups[0].targets' and net['far'][0] in refused['msg']
    assert 'describe_instances' in calls and mutating(calls) == []
    del calls[:]
    moved = run_module(load_balancer.main, dict(args, subnets=[net['subnets'][0], net['same_zone']]))
    assert moved['failed'] and moved['field'] == 'subnets' and 'describe_subnets' in calls and mutating(calls) == []


def test_check_mode_creates_nothing(aws, elb, run_module, calls, net):
    plan = run_module(load_balancer.main, lb_args(net), check_mode=True, diff=True)
    assert plan['changed'] and mutating(calls) == [] and counts(elb) == (0, 0, 0)
    assert plan['load_balancer']['arn'] is None and plan['target_groups'][0]['arn'] is None
    assert [li['arn'] for li in plan['listeners']] == [None, None]
    assert sorted((c['resource'], c['action']) for c in plan['changes']) == [
        ('listener', 'create'), ('listener', 'create'), ('load_balancer', 'create'), ('target_group', 'create')]
    assert plan['diff']['before'] == {} and plan['diff']['after']['load_balancer']['name'] == 'demo-alb'
    run_module(load_balancer.main, lb_args(net))
    del calls[:]
    plan = run_module(load_balancer.main, lb_args(net, idle_timeout=300, listeners=[]), check_mode=True)
    assert plan['changed'] and mutating(calls) == [] and counts(elb) == (1, 1, 2)
    assert sorted((c['resource'], c['action']) for c in plan['changes']) == [
        ('listener', 'delete'), ('listener', 'delete'), ('load_balancer', 'update')]


def test_deletion_protection_is_turned_off_only_when_asked(aws, elb, run_module, net):
    assert run_module(load_balancer.main, lb_args(net, deletion_protection=True))['load_balancer']['deletion_protection'] is True
    refused = run_module(load_balancer.main, {'name': 'demo-alb', 'state': 'absent'})
    assert refused['failed'] and refused['field'] == 'deletion_protection' and counts(elb) == (1, 1, 2)
    gone = run_module(load_balancer.main, {'name': 'demo-alb', 'state': 'absent', 'deletion_protection': False})
    assert gone['changed'] and counts(elb) == (0, 0, 0)


def lose_answer(monkeypatch, *operations):
    """The first call of each operation does its work, then its answer is lost (the connection closes)."""
    original = retries.RetryingClient.call
    lost = []

    def call(self, op, method, kwargs, retry_lost_answer=None):
        if op in operations and op not in lost:
            lost.append(op)

            def answered_then_lost(**kw):
                method(**kw)
                raise ConnectionClosedError(endpoint_url='https://elasticloadbalancing.%s.amazonaws.com' % REGION)
            return original(self, op, answered_then_lost, kwargs, retry_lost_answer)
        return original(self, op, method, kwargs, retry_lost_answer)
    monkeypatch.setattr(retries.RetryingClient, 'call', call)
    return lost


def test_a_lost_answer_on_each_create_finds_what_was_made(aws, elb, run_module, monkeypatch, net):
    lost = lose_answer(monkeypatch, 'create_target_group', 'create_load_balancer', 'create_listener')
    made = run_module(load_balancer.main, lb_args(net))
    assert lost == ['create_target_group', 'create_load_balancer', 'create_listener']
    assert made['changed'] and not made.get('failed'), made.get('msg')
    assert counts(elb) == (1, 1, 2)
    assert made['load_balancer']['arn'] == elb.describe_load_balancers()['LoadBalancers'][0]['LoadBalancerArn']
    assert run_module(load_balancer.main, lb_args(net))['changed'] is False


@pytest.mark.parametrize('extra, field, words', [
    ({'name': 'a' * 33}, 'name', 'at most 32'),
    ({'name': '-demo'}, 'name', 'not beginning or ending with a hyphen'),
    ({'name': 'internal-demo'}, 'name', "cannot begin with 'internal-'"),
    ({'target_groups': [tg(name='w' * 33)]}, 'target_groups[0].name', 'at most 32'),
    ({'target_groups': [tg(health_check={'path': 'health'})]}, 'target_groups[0].health_check.path', "must start with '/'"),
    ({'target_groups': [tg(health_check={'healthy_threshold': 11})]}, 'target_groups[0].health_check.healthy_threshold',
     'between 2 and 10'),
    ({'target_groups': [tg(health_check={'unhealthy_threshold': 1})]}, 'target_groups[0].health_check.unhealthy_threshold',
     'between 2 and 10'),
    ({'target_groups': [tg(health_check={'interval': 10, 'timeout': 10})]}, 'target_groups[0].health_check.timeout',
     'shorter than the interval'),
    ({'target_groups': [tg(health_check={'interval': 400})]}, 'target_groups[0].health_check.interval', 'between 5 and 300'),
    ({'target_groups': [tg(health_check={'matcher': '200-'})]}, 'target_groups[0].health_check.matcher', 'HTTP code matcher'),
    ({'target_groups': [tg(deregistration_delay=3601)]}, 'target_groups[0].deregistration_delay', 'between 0 and 3600'),
    ({'target_groups': [tg(targets=['web-1'])]}, 'target_groups[0].targets', 'not an instance id'),
    ({'listeners': [{'port': 443, 'protocol': 'HTTPS', 'target_group': 'demo-web'}]}, 'listeners[0].certificate_arn',
     'needs a certificate'),
    ({'listeners': [{'port': 80, 'target_group': 'nope'}]}, 'listeners[0].target_group', 'none of the target groups'),
    ({'listeners': [{'port': 80, 'target_group': 'demo-web'}, {'port': 80, 'action': 'redirect'}]}, 'listeners[1].port',
     'one listener per port'),
    ({'idle_timeout': 0}, 'idle_timeout', 'between 1 and 4000'),
    ({'access_logs': {'enabled': True}}, 'access_logs.bucket', 'S3 bucket'),
])
def test_bad_input_fails_before_any_call(aws, run_module, calls, net, extra, field, words):
    result = run_module(load_balancer.main, lb_args(net, **extra))
    assert result['failed'] and result['field'] == field and words in result['msg'], result['msg']
    assert calls == []


def test_one_subnet_is_refused_before_any_call(aws, run_module, calls, net):
    result = run_module(load_balancer.main, lb_args(net, subnets=net['subnets'][:1]))
    assert result['failed'] and result['field'] == 'subnets' and 'two or more' in result['msg'] and calls == []


@pytest.mark.parametrize('case, words', [
    ('one_zone', 'span 1 availability zone'),
    ('two_vpcs', 'in 2 VPCs'),
    ('missing', 'does not exist'),
])
def test_subnets_are_checked_with_reads_before_any_change(aws, run_module, calls, net, case, words):
    subnets = {'one_zone': [net['subnets'][0], net['same_zone']], 'two_vpcs': [net['subnets'][0], net['far_subnet']],
               'missing': [net['subnets'][0], 'subnet-0123456789abcdef0']}[case]
    result = run_module(load_balancer.main, lb_args(net, subnets=subnets))
    assert result['failed'] and result['field'] == 'subnets' and words in result['msg'], result['msg']
    assert calls and mutating(calls) == []


@pytest.mark.parametrize('extra, field, words', [
    ({'security_groups': ['nope']}, 'security_groups', "no security group 'nope'"),
    ({'target_groups': [tg(targets=['i-0123456789abcdef0'])]}, 'target_groups[0].targets', 'does not exist'),
    ({'target_groups': [tg(target_filter={'stack': 'demo', 'role': 'web-far'})]}, 'target_groups[0].target_filter',
     "outside the target group's VPC"),
])
def test_groups_and_targets_are_checked_with_reads_before_any_change(aws, run_module, calls, net, extra, field, words):
    result = run_module(load_balancer.main, lb_args(net, **extra))
    assert result['failed'] and result['field'] == field and words in result['msg'], result['msg']
    assert mutating(calls) == []


def test_a_target_outside_the_vpc_is_refused(aws, elb, run_module, calls, net):
    result = run_module(load_balancer.main, lb_args(net, target_groups=[tg(targets=net['web'] + net['far'])]))
    assert result['failed'] and result['field'] == 'target_groups[0].targets' and net['far'][0] in result['msg']
    assert mutating(calls) == [] and counts(elb) == (0, 0, 0)


def test_targets_and_target_filter_are_exclusive(aws, run_module, calls, net):
    both = tg(targets=net['web'], target_filter={'stack': 'demo', 'role': 'web'})
    result = run_module(load_balancer.main, lb_args(net, target_groups=[both]))
    assert result['failed'] and 'mutually exclusive' in result['msg'] and calls == []


def test_an_unchangeable_setting_is_named(aws, elb, run_module, calls, net):
    run_module(load_balancer.main, lb_args(net))
    del calls[:]
    result = run_module(load_balancer.main, lb_args(net, target_groups=[tg(port=8080)]))
    assert result['failed'] and result['field'] == 'target_groups[0].name' and 'cannot change' in result['msg']
    result = run_module(load_balancer.main, lb_args(net, scheme='internal'))
    assert result['failed'] and result['field'] == 'scheme'
    assert mutating(calls) == []
