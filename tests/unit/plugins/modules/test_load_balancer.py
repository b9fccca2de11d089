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
    # (and DescribeRules, one per listener, beside the target group's reads: each listener's rules are in the result)
    assert sorted(calls) == ['describe_listeners', 'describe_load_balancer_attributes', 'describe_load_balancers',
                             'describe_rules', 'describe_rules', 'describe_security_groups', 'describe_tags',
                             'describe_target_group_attributes', 'describe_target_groups', 'describe_target_health']
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
    ({'name': 'a' * 33}, 'name', 'maximum of 32 characters'),
    ({'name': '-demo'}, 'name', 'must not begin or end with a hyphen'),
    ({'name': 'internal-demo'}, 'name', 'must not begin with "internal-"'),
    ({'target_groups': [tg(name='w' * 33)]}, 'target_groups[0].name', 'maximum of 32 characters'),
    ({'target_groups': [tg(health_check={'path': 'health'})]}, 'target_groups[0].health_check.path', 'beginning with /'),
    ({'target_groups': [tg(health_check={'healthy_threshold': 11})]}, 'target_groups[0].health_check.healthy_threshold',
     'The range is 2-10.'),
    ({'target_groups': [tg(health_check={'unhealthy_threshold': 1})]}, 'target_groups[0].health_check.unhealthy_threshold',
     'The range is 2-10.'),
    ({'target_groups': [tg(health_check={'interval': 10, 'timeout': 10})]}, 'target_groups[0].health_check.timeout',
     'shorter than the interval'),
    ({'target_groups': [tg(health_check={'interval': 400})]}, 'target_groups[0].health_check.interval', 'The range is 5-300.'),
    ({'target_groups': [tg(health_check={'matcher': '200-'})]}, 'target_groups[0].health_check.matcher', 'the range is 200-499'),
    ({'target_groups': [tg(health_check={'matcher': '299-200'})]}, 'target_groups[0].health_check.matcher', 'the range is 200-499'),
    ({'target_groups': [tg(deregistration_delay=3601)]}, 'target_groups[0].deregistration_delay', 'The range is 0-3600 seconds.'),
    ({'target_groups': [tg(targets=['web-1'])]}, 'target_groups[0].targets', 'not an instance id'),
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
    # an HTTPS listener keeps the certificate it has when the task leaves it out: only a new one needs it, known after reads
    ({'listeners': [{'port': 443, 'protocol': 'HTTPS', 'target_group': 'demo-web'}]}, 'listeners[0].certificate_arn',
     'needs a certificate'),
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


# -- issue 30: every refusal before the first change; omitted means unchanged; certificates; ownership --------------

def registered_in(elb, name):
    arn = elb.describe_target_groups(Names=[name])['TargetGroups'][0]['TargetGroupArn']
    return sorted(d['Target']['Id'] for d in elb.describe_target_health(TargetGroupArn=arn)['TargetHealthDescriptions'])


def lb_state(elb):
    """What a user can read of every load balancer, target group (attributes, targets, tags) and listener."""
    out = {}
    for lb in elb.describe_load_balancers()['LoadBalancers']:
        arn = lb['LoadBalancerArn']
        attrs = elb.describe_load_balancer_attributes(LoadBalancerArn=arn)['Attributes']
        listeners = elb.describe_listeners(LoadBalancerArn=arn)['Listeners']
        out[lb['LoadBalancerName']] = (lb['Scheme'], lb['Type'], sorted(z['SubnetId'] for z in lb['AvailabilityZones']),
                                       sorted(lb.get('SecurityGroups') or []), sorted((a['Key'], a['Value']) for a in attrs),
                                       sorted(repr(sorted(li.items())) for li in listeners),
                                       elb.describe_tags(ResourceArns=[arn])['TagDescriptions'][0]['Tags'])
    for g in elb.describe_target_groups()['TargetGroups']:
        arn = g['TargetGroupArn']
        attrs = elb.describe_target_group_attributes(TargetGroupArn=arn)['Attributes']
        out[g['TargetGroupName']] = (repr(sorted(g.items())), sorted((a['Key'], a['Value']) for a in attrs),
                                     registered_in(elb, g['TargetGroupName']),
                                     elb.describe_tags(ResourceArns=[arn])['TagDescriptions'][0]['Tags'])
    return out


def other_vpc_subnets(aws):
    vpc = aws.create_vpc(CidrBlock='10.90.0.0/16')['Vpc']['VpcId']
    return sorted(aws.create_subnet(VpcId=vpc, CidrBlock='10.90.%d.0/24' % i, AvailabilityZone='us-east-1' + z)['Subnet']['SubnetId']
                  for i, z in enumerate('ab'))


API = {'name': 'demo-api', 'port': 8080}  # a new group: before the fix, made before the refusal


@pytest.mark.parametrize('case, field, words', [
    ('scheme', 'scheme', 'cannot change the scheme'),
    ('vpc', 'subnets', 'cannot move to another VPC'),
    ('group port', 'target_groups[1].name', 'cannot change a target group'),
    ('health timeout', 'target_groups[1].health_check.timeout', 'shorter than the interval (15s)'),
    ('type', 'name', 'network load balancer'),
])
def test_every_refusal_comes_before_the_first_change(aws, elb, run_module, calls, net, case, field, words):
    """Issue 30, case 4: another scheme with a new target list sent CreateTargetGroup, RegisterTargets and
    DeregisterTargets, then failed on the scheme. Now the whole plan is made first: a refused run sends no mutating call."""
    if case == 'type':  # a network load balancer under the name (made outside the module)
        elb.create_load_balancer(Name='demo-alb', Subnets=net['subnets'], Type='network', Scheme='internet-facing')
        elb.create_target_group(Name='demo-web', Protocol='HTTP', Port=80, VpcId=net['vpc'])
        plan = lb_args(net, target_groups=[API, tg(targets=[net['web'][1]])], listeners=[{'port': 80, 'target_group': 'demo-web'}])
    else:
        made = run_module(load_balancer.main, lb_args(net, target_groups=[tg(targets=[net['web'][0]], health_check={'interval': 15})]))
        assert made['changed'] and not made.get('failed'), made.get('msg')
        plan = lb_args(net, target_groups=[API, tg(targets=[net['web'][1]])])
        if case == 'scheme':
            plan['scheme'] = 'internal'
        elif case == 'vpc':
            plan.update(subnets=other_vpc_subnets(aws), target_groups=[API, tg()], security_groups=None)
        elif case == 'group port':
            plan['target_groups'] = [API, tg(port=8081, targets=[net['web'][1]])]
        elif case == 'health timeout':  # 20 s is below the default interval (30 s), above this group's (15 s)
            plan['target_groups'] = [API, tg(health_check={'timeout': 20}, targets=[net['web'][1]])]
    plan = dict((k, v) for k, v in plan.items() if v is not None)
    before = lb_state(elb)
    del calls[:]
    refused = run_module(load_balancer.main, plan)
    assert refused.get('failed') and refused['field'] == field and words in refused['msg'], refused
    assert mutating(calls) == [] and 'changes_made' not in refused and not refused.get('changed')
    assert lb_state(elb) == before and 'demo-api' not in before


def test_deletion_protection_left_out_stays_on(aws, elb, run_module, calls, net):
    """Issue 30, case 7: an ALB made with deletion protection on lost it on a rerun that left the option out."""
    made = run_module(load_balancer.main, lb_args(net, deletion_protection=True))
    assert made['load_balancer']['deletion_protection'] is True
    del calls[:]
    again = run_module(load_balancer.main, lb_args(net))
    assert again['changed'] is False and again['load_balancer']['deletion_protection'] is True, again.get('changes')
    assert 'modify_load_balancer_attributes' not in calls and mutating(calls) == []
    arn = made['load_balancer']['arn']
    attrs = dict((a['Key'], a['Value']) for a in elb.describe_load_balancer_attributes(LoadBalancerArn=arn)['Attributes'])
    assert attrs['deletion_protection.enabled'] == 'true'
    off = run_module(load_balancer.main, lb_args(net, deletion_protection=False))
    assert off['changed'] and off['load_balancer']['deletion_protection'] is False


def test_every_option_left_out_leaves_aws_alone(aws, elb, run_module, calls, net):
    """Issue 30, case 7: what the task leaves out keeps its value on AWS, for the load balancer, its groups and listeners."""
    group = tg(port=8080, deregistration_delay=30, stickiness={'duration': 3600}, targets=net['web'],
               health_check={'path': '/up', 'interval': 20, 'timeout': 4, 'healthy_threshold': 3, 'unhealthy_threshold': 4,
                             'matcher': '200-299'})
    listeners = [{'port': 80, 'action': 'redirect', 'redirect_port': 8443},
                 {'port': 8443, 'protocol': 'HTTPS', 'certificate_arn': net['cert'], 'target_group': 'demo-web',
                  'ssl_policy': 'ELBSecurityPolicy-TLS-1-2-2017-01'}]
    custom = lb_args(net, scheme='internal', idle_timeout=120, deletion_protection=True, target_groups=[group], listeners=listeners)
    assert run_module(load_balancer.main, custom)['changed']
    before = lb_state(elb)
    for title, args in (
            ('the name only', {'name': 'demo-alb'}),
            ('groups and listeners by name and port', {'name': 'demo-alb', 'target_groups': [{'name': 'demo-web'}],
                                                       'listeners': [{'port': 80}, {'port': 8443}]}),
            ('an empty health check and stickiness', {'name': 'demo-alb', 'subnets': net['subnets'], 'target_groups': [
                {'name': 'demo-web', 'health_check': {}, 'stickiness': {}}]})):
        del calls[:]
        again = run_module(load_balancer.main, args, diff=True)
        assert again.get('failed') is not True and again['changed'] is False, (title, again.get('msg'), again.get('changes'))
        assert mutating(calls) == [] and lb_state(elb) == before, title
        lb = again['load_balancer']
        assert (lb['scheme'], lb['idle_timeout'], lb['deletion_protection']) == ('internal', 120, True), title
        assert [(li['port'], li['action'], li['redirect_port'], li['ssl_policy']) for li in again['listeners']] == [
            (80, 'redirect', 8443, None), (8443, 'forward', None, 'ELBSecurityPolicy-TLS-1-2-2017-01')], title
    (group,) = again['target_groups']
    assert group['health_check'] == {'path': '/up', 'interval': 20, 'timeout': 4, 'healthy_threshold': 3, 'unhealthy_threshold': 4,
                                     'matcher': '200-299'}
    assert (group['port'], group['deregistration_delay'], group['stickiness']) == (
        8080, 30, {'enabled': True, 'type': 'lb_cookie', 'duration': 3600})
    # one key given changes that key only
    del calls[:]
    one = run_module(load_balancer.main, {'name': 'demo-alb', 'target_groups': [{'name': 'demo-web', 'health_check': {'path': '/ok'}}]})
    assert one['changed'] and list(mutating(calls)) == ['modify_target_group']
    assert one['target_groups'][0]['health_check'] == dict(group['health_check'], path='/ok')
    # a new load balancer gets the documented defaults
    assert run_module(load_balancer.main, {'name': 'demo-new', 'state': 'absent'})['changed'] is False
    new = run_module(load_balancer.main, {'name': 'demo-new', 'subnets': net['subnets'], 'target_groups': [{'name': 'demo-new-web'}],
                                          'listeners': [{'port': 80}]})
    assert (new['load_balancer']['scheme'], new['load_balancer']['idle_timeout'], new['load_balancer']['deletion_protection']) == (
        'internet-facing', 60, False)
    assert new['target_groups'][0]['health_check'] == load_balancer.load_balancer.HEALTH_DEFAULTS
    assert (new['target_groups'][0]['port'], new['listeners'][0]['action'], new['listeners'][0]['target_group']) == (80, 'forward', 'demo-new-web')
    refused = run_module(load_balancer.main, {'name': 'demo-none'})
    assert refused['failed'] and refused['field'] == 'subnets' and 'does not exist' in refused['msg']


@pytest.mark.parametrize('case, words', [
    ('missing', 'no ACM certificate'),
    ('region', 'region eu-west-1'),
    ('pending', 'PENDING_VALIDATION, not ISSUED'),
])
def test_a_certificate_is_checked_before_any_change(aws, elb, run_module, calls, net, case, words):
    """Issue 30, case 10: a well-formed certificate ARN that did not exist was found out only at CreateListener, after the
    load balancer and its target group were made."""
    acm = boto3.client('acm', region_name=REGION)
    arn = {'missing': net['cert'].rsplit('/', 1)[0] + '/00000000-0000-4000-8000-000000000000',
           'region': net['cert'].replace(':us-east-1:', ':eu-west-1:'),
           'pending': acm.request_certificate(DomainName='www.example.com', ValidationMethod='DNS')['CertificateArn']
           if case == 'pending' else None}[case]
    listeners = [{'port': 80, 'action': 'redirect'}, {'port': 443, 'protocol': 'HTTPS', 'certificate_arn': arn, 'target_group': 'demo-web'}]
    refused = run_module(load_balancer.main, lb_args(net, listeners=listeners))
    assert refused.get('failed') and refused['field'] == 'listeners[1].certificate_arn', refused
    assert words in refused['msg'] and arn in refused['msg']
    assert mutating(calls) == [] and counts(elb) == (0, 0, 0)
    # on an existing load balancer, a listener given another certificate: the same check, before any change
    assert run_module(load_balancer.main, lb_args(net))['changed']
    before = lb_state(elb)
    del calls[:]
    refused = run_module(load_balancer.main, lb_args(net, listeners=listeners, idle_timeout=300))
    assert refused.get('failed') and refused['field'] == 'listeners[1].certificate_arn' and mutating(calls) == []
    assert lb_state(elb) == before


def test_a_certificate_is_read_only_when_newly_set(aws, elb, run_module, calls, net):
    made = run_module(load_balancer.main, lb_args(net))
    assert made['changed'] and calls.count('describe_certificate') == 1
    del calls[:]
    assert run_module(load_balancer.main, lb_args(net))['changed'] is False
    assert 'describe_certificate' not in calls


def owned(elb, name):
    found = elb.describe_load_balancers(Names=[name])['LoadBalancers'] if name == 'demo-alb' else \
        elb.describe_target_groups(Names=[name])['TargetGroups']
    arn = found[0].get('LoadBalancerArn') or found[0].get('TargetGroupArn')
    return dict((t['Key'], t['Value']) for t in elb.describe_tags(ResourceArns=[arn])['TagDescriptions'][0]['Tags']).get('Stack')


@pytest.mark.parametrize('owner', ['demo-2', None])
@pytest.mark.parametrize('state', ['present', 'absent'])
@pytest.mark.parametrize('what', ['load balancer', 'target group'])
def test_another_stacks_load_balancer_or_group_is_refused(aws, elb, run_module, calls, net, owner, state, what):
    """Ownership: with stack demo, a load balancer or target group of stack demo-2, or of none, is neither changed nor
    deleted; the refusal names both, before any call that changes anything."""
    tags = {'Stack': owner} if owner else {}
    if what == 'load balancer':
        made = run_module(load_balancer.main, lb_args(net, tags=tags))
        assert made['changed'] and owned(elb, 'demo-alb') == owner
    else:  # only the group exists, of another stack (or none)
        elb.create_target_group(Name='demo-web', Protocol='HTTP', Port=80, VpcId=net['vpc'],
                                **({'Tags': [{'Key': 'Stack', 'Value': owner}]} if owner else {}))
    before = lb_state(elb)
    del calls[:]
    if state == 'absent':
        args = {'name': 'demo-alb', 'stack': 'demo', 'target_groups': [{'name': 'demo-web'}], 'state': 'absent'}
    else:
        args = dict(lb_args(net, idle_timeout=300, target_groups=[tg(targets=net['web'][:1])]), stack='demo')
    refused = run_module(load_balancer.main, args)
    assert refused.get('failed') and refused['field'] == 'stack', refused
    named = 'demo-alb' if what == 'load balancer' else 'demo-web'
    assert '%s %s' % (what, named) in refused['msg'] and "stack 'demo'" in refused['msg']
    assert ("belongs to stack 'demo-2'" if owner else 'has no Stack tag') in refused['msg']
    assert mutating(calls) == [] and lb_state(elb) == before


def test_a_stack_tags_what_it_makes_and_registers_only_its_own(aws, elb, run_module, calls, net):
    made = run_module(load_balancer.main, dict(lb_args(net, tags=None), stack='demo'))
    assert made['changed'] and made['load_balancer']['tags'] == {'Name': 'demo-alb', 'Stack': 'demo'}
    assert made['target_groups'][0]['tags'] == {'Name': 'demo-web', 'Stack': 'demo'}
    assert owned(elb, 'demo-alb') == 'demo' and owned(elb, 'demo-web') == 'demo'
    del calls[:]
    assert run_module(load_balancer.main, dict(lb_args(net), stack='demo'))['changed'] is False and mutating(calls) == []
    # an instance of another stack, or of none, is not registered in the stack's group
    other = aws.run_instances(ImageId=aws.describe_images(Owners=[DEBIAN_OWNER])['Images'][0]['ImageId'], MinCount=1, MaxCount=1,
                              SubnetId=net['subnets'][0], TagSpecifications=[{'ResourceType': 'instance', 'Tags': [
                                  {'Key': 'Stack', 'Value': 'demo-2'}]}])['Instances'][0]['InstanceId']
    bare = aws.run_instances(ImageId=aws.describe_images(Owners=[DEBIAN_OWNER])['Images'][0]['ImageId'], MinCount=1, MaxCount=1,
                             SubnetId=net['subnets'][0])['Instances'][0]['InstanceId']
    before = lb_state(elb)
    del calls[:]
    refused = run_module(load_balancer.main, dict(lb_args(net, target_groups=[tg(targets=net['web'] + [other, bare])]), stack='demo'))
    assert refused.get('failed') and refused['field'] == 'target_groups[0].targets', refused
    assert "%s (stack 'demo-2')" % other in refused['msg'] and '%s (no Stack tag)' % bare in refused['msg']
    assert mutating(calls) == [] and lb_state(elb) == before
    refused = run_module(load_balancer.main, dict(lb_args(net, target_groups=[tg(target_filter={'stack': 'demo-2', 'role': 'web'})]),
                                                  stack='demo'))
    assert refused.get('failed') and refused['field'] == 'target_groups[0].target_filter.stack'
    refused = run_module(load_balancer.main, dict(lb_args(net, tags={'Stack': 'demo-2'}), stack='demo'))
    assert refused.get('failed') and refused['field'] == 'tags'
    assert run_module(load_balancer.main, dict(lb_args(net), stack='Demo_2'))['field'] == 'stack'


# -- listener rules: www redirected to the apex, and any rule by priority ------------------------------------------------

WWW = {'priority': 10, 'host_header': ['www.shop.example.com'], 'action': 'redirect', 'redirect_host': 'shop.example.com',
       'redirect_protocol': 'HTTPS', 'redirect_port': 443}
OLD = {'priority': 20, 'path_pattern': ['/old/*'], 'action': 'forward', 'target_group': 'demo-web'}


def with_rules(net, rules, **extra):
    """The HTTPS listener (listeners[0]) with ``rules`` (None: the key left out), the HTTP one redirecting to it."""
    https = {'port': 443, 'protocol': 'HTTPS', 'certificate_arn': net['cert'], 'target_group': 'demo-web'}
    if rules is not None:
        https['rules'] = rules
    return lb_args(net, listeners=[https, {'port': 80, 'action': 'redirect'}], **extra)


def rules_of(elb, port=443):
    (lb,) = elb.describe_load_balancers(Names=['demo-alb'])['LoadBalancers']
    (li,) = [li for li in elb.describe_listeners(LoadBalancerArn=lb['LoadBalancerArn'])['Listeners'] if li['Port'] == port]
    return sorted((r for r in elb.describe_rules(ListenerArn=li['ListenerArn'])['Rules'] if not r['IsDefault']),
                  key=lambda r: int(r['Priority']))


def by_port(result, port):
    return [li for li in result['listeners'] if li['port'] == port][0]


def test_rules_are_made_kept_changed_and_purged_by_priority(aws, elb, run_module, calls, net):
    plan = run_module(load_balancer.main, with_rules(net, [WWW, OLD]), check_mode=True, diff=True)
    assert plan['changed'] and mutating(calls) == [] and counts(elb) == (0, 0, 0)
    assert sorted((c['resource'], c['action'], c['name']) for c in plan['changes'] if c['resource'] == 'rule') == [
        ('rule', 'create', 'demo-alb:443/10'), ('rule', 'create', 'demo-alb:443/20')]
    assert [(r['priority'], r['arn']) for r in by_port(plan, 443)['rules']] == [(10, None), (20, None)]

    made = run_module(load_balancer.main, with_rules(net, [OLD, WWW]), diff=True)
    assert made['changed'] and not made.get('failed'), made.get('msg')
    www, old = by_port(made, 443)['rules']
    assert www == {'arn': rules_of(elb)[0]['RuleArn'], 'priority': 10, 'host_header': ['www.shop.example.com'], 'path_pattern': [],
                   'action': 'redirect', 'target_group': None, 'redirect_host': 'shop.example.com', 'redirect_protocol': 'HTTPS',
                   'redirect_port': '443', 'redirect_path': '/#{path}', 'redirect_query': '#{query}', 'redirect_status': 301}
    assert (old['path_pattern'], old['action'], old['target_group'], old['redirect_host']) == (['/old/*'], 'forward', 'demo-web', None)
    assert by_port(made, 80)['rules'] == []
    raw = rules_of(elb)
    assert [r['Priority'] for r in raw] == ['10', '20']
    assert raw[0]['Conditions'][0]['HostHeaderConfig']['Values'] == ['www.shop.example.com']
    assert raw[0]['Actions'][0]['RedirectConfig'] == {'Protocol': 'HTTPS', 'Port': '443', 'Host': 'shop.example.com', 'Path': '/#{path}',
                                                      'Query': '#{query}', 'StatusCode': 'HTTP_301'}
    assert made['diff']['after']['listeners'][1]['rules'][0]['priority'] == 10

    # a rerun, the host in another case and the rules in another order: reads only (DescribeRules among them)
    for title, rules in (('same', [WWW, OLD]), ('case and order', [OLD, dict(WWW, host_header=['WWW.Shop.Example.COM'])]),
                         ('left out', None)):
        del calls[:]
        again = run_module(load_balancer.main, with_rules(net, rules), diff=True)
        assert again['changed'] is False and mutating(calls) == [], (title, again.get('changes'), again.get('msg'))
        assert 'describe_rules' in calls and by_port(again, 443)['rules'] == [www, old], title
        assert again['diff']['before'] == again['diff']['after'], title

    # one component changes: that rule is modified in place, its ARN kept; the diff shows it
    del calls[:]
    moved = run_module(load_balancer.main, with_rules(net, [dict(WWW, redirect_status=302), OLD]), diff=True)
    assert moved['changed'] and mutating(calls) == ['modify_rule'], moved.get('changes')
    assert [(c['resource'], c['action'], c['id']) for c in moved['changes']] == [('rule', 'update', www['arn'])]
    assert moved['diff']['before']['listeners'][1]['rules'][0]['redirect_status'] == 301
    assert moved['diff']['after']['listeners'][1]['rules'][0]['redirect_status'] == 302
    assert rules_of(elb)[0]['Actions'][0]['RedirectConfig']['StatusCode'] == 'HTTP_302'

    # rules: [] -> none left (check mode first: nothing sent)
    del calls[:]
    plan = run_module(load_balancer.main, with_rules(net, []), check_mode=True)
    assert plan['changed'] and mutating(calls) == [] and len(rules_of(elb)) == 2
    assert sorted((c['action'], c['name']) for c in plan['changes']) == [('delete', 'demo-alb:443/10'), ('delete', 'demo-alb:443/20')]
    del calls[:]
    gone = run_module(load_balancer.main, with_rules(net, []))
    assert gone['changed'] and mutating(calls) == ['delete_rule', 'delete_rule'] and rules_of(elb) == []
    assert by_port(gone, 443)['rules'] == []
    assert run_module(load_balancer.main, with_rules(net, []))['changed'] is False


def test_a_rule_is_replaced_by_priority_and_a_listener_gone_takes_its_rules(aws, elb, run_module, calls, net):
    assert run_module(load_balancer.main, with_rules(net, [WWW, OLD]))['changed']
    del calls[:]
    # priority 20 becomes a host rule, 30 is new, 10 goes
    api = {'priority': 30, 'host_header': ['api.shop.example.com'], 'path_pattern': ['/v1/*'], 'action': 'forward',
           'target_group': 'demo-web'}
    changed = run_module(load_balancer.main, with_rules(net, [dict(OLD, path_pattern=None, host_header=['old.shop.example.com']), api]))
    assert changed['changed'] and sorted(mutating(calls)) == ['create_rule', 'delete_rule', 'modify_rule'], changed.get('msg')
    assert [(r['Priority'], [c['Field'] for c in r['Conditions']]) for r in rules_of(elb)] == [
        ('20', ['host-header']), ('30', ['host-header', 'path-pattern'])]
    # the HTTPS listener goes (purge_listeners): its rules with it, one DeleteListener
    del calls[:]
    purged = run_module(load_balancer.main, lb_args(net, listeners=[{'port': 80, 'action': 'redirect'}]), diff=True)
    assert purged['changed'] and mutating(calls) == ['delete_listener']
    assert [li['port'] for li in purged['diff']['before']['listeners']] == [80, 443]
    assert [r['priority'] for r in purged['diff']['before']['listeners'][1]['rules']] == [20, 30]


def test_a_lost_create_rule_answer_makes_no_second_rule(aws, elb, run_module, monkeypatch, net):
    lost = lose_answer(monkeypatch, 'create_rule')
    made = run_module(load_balancer.main, with_rules(net, [WWW]))
    assert lost == ['create_rule'] and made['changed'] and not made.get('failed'), made.get('msg')
    assert [r['Priority'] for r in rules_of(elb)] == ['10']
    assert by_port(made, 443)['rules'][0]['arn'] == rules_of(elb)[0]['RuleArn']
    assert run_module(load_balancer.main, with_rules(net, [WWW]))['changed'] is False


def rule(**extra):
    out = dict(WWW)
    out.update(extra)
    return dict((k, v) for k, v in out.items() if v is not None)


@pytest.mark.parametrize('rules, field, words', [
    ([WWW, rule(priority=0)], 'listeners[0].rules[1].priority', 'Maximum value of 50000'),
    ([WWW, rule(priority=50001)], 'listeners[0].rules[1].priority', 'Maximum value of 50000'),
    ([WWW, rule(host_header=['api.shop.example.com'])], 'listeners[0].rules[1].priority', 'its own priority'),
    ([rule(host_header=None)], 'listeners[0].rules[0]', 'needs a condition'),
    ([rule(host_header=['www_shop.example.com'])], 'listeners[0].rules[0].host_header', 'A host name can be up to 128 characters'),
    ([rule(host_header=['localhost'])], 'listeners[0].rules[0].host_header', 'at least one "."'),
    ([rule(host_header=['www.example.com1'])], 'listeners[0].rules[0].host_header', 'only alphabetical characters after'),
    ([rule(host_header=['w' * 125 + '.com'])], 'listeners[0].rules[0].host_header', 'got 129 characters'),
    ([rule(path_pattern=['/a b'])], 'listeners[0].rules[0].path_pattern', 'A path pattern can be up to 128 characters'),
    ([rule(host_header=None, path_pattern=['/a', '/b', '/c', '/d'])], 'listeners[0].rules[0]', 'three match evaluations per condition'),
    ([rule(host_header=['a.example.com', 'b.example.com', 'c.example.com'], path_pattern=['/a', '/b', '/c'])], 'listeners[0].rules[0]',
     'five match evaluations per rule'),
    ([rule(host_header=['*.example.com', '??.example.com'], path_pattern=['/a/*', '/b*?'])], 'listeners[0].rules[0]',
     'five wildcard characters per rule'),
    ([rule(action='forward', target_group='nope', redirect_host=None, redirect_protocol=None, redirect_port=None)],
     'listeners[0].rules[0].target_group', 'one of the target groups of this task'),
    ([rule(action='forward', target_group='demo-web', redirect_protocol=None, redirect_port=None)],
     'listeners[0].rules[0].redirect_host', 'only a redirect rule'),
    ([rule(target_group='demo-web')], 'listeners[0].rules[0].target_group', 'forwards to no target group'),
    ([rule(redirect_host=None, redirect_protocol=None, redirect_port=None)], 'listeners[0].rules[0]', 'redirect loop'),
    ([rule(redirect_port=70000)], 'listeners[0].rules[0].redirect_port', 'from 1 to 65535 or #{port}'),
    ([rule(redirect_port='https')], 'listeners[0].rules[0].redirect_port', 'from 1 to 65535 or #{port}'),
    ([rule(redirect_path='new/#{path}')], 'listeners[0].rules[0].redirect_path', 'starting with the leading "/"'),
    ([rule(redirect_query='?a=1')], 'listeners[0].rules[0].redirect_query', 'without its leading "?"'),
    ([rule(redirect_host='h' * 129)], 'listeners[0].rules[0].redirect_host', 'The hostname (1-128 characters)'),
])
def test_a_bad_rule_fails_before_any_call(aws, run_module, calls, net, rules, field, words):
    result = run_module(load_balancer.main, with_rules(net, rules))
    assert result['failed'] and result['field'] == field and words in result['msg'], (result['field'], result['msg'])
    assert calls == []


def test_an_https_listener_redirecting_to_http_is_refused_before_any_change(aws, elb, run_module, calls, net):
    result = run_module(load_balancer.main, with_rules(net, [rule(redirect_protocol='HTTP')]))
    assert result['failed'] and result['field'] == 'listeners[0].rules[0].redirect_protocol' and "HTTPS to HTTP" in result['msg']
    assert mutating(calls) == [] and counts(elb) == (0, 0, 0)
    # the HTTP listener may: HTTP to HTTP
    ok = lb_args(net, listeners=[{'port': 80, 'target_group': 'demo-web', 'rules': [rule(redirect_protocol='HTTP', redirect_port=None)]}])
    made = run_module(load_balancer.main, ok)
    assert made['changed'] and by_port(made, 80)['rules'][0]['redirect_protocol'] == 'HTTP', made.get('msg')


def test_a_rule_the_module_does_not_manage_is_replaced_by_the_one_asked_for(aws, elb, run_module, calls, net):
    """A rule with another condition (an http-header) on the priority the task gives is modified to be exactly the task's."""
    assert run_module(load_balancer.main, with_rules(net, []))['changed']
    (lb,) = elb.describe_load_balancers(Names=['demo-alb'])['LoadBalancers']
    (li,) = [li for li in elb.describe_listeners(LoadBalancerArn=lb['LoadBalancerArn'])['Listeners'] if li['Port'] == 443]
    elb.create_rule(ListenerArn=li['ListenerArn'], Priority=10, Conditions=[
        {'Field': 'host-header', 'HostHeaderConfig': {'Values': ['www.shop.example.com']}},
        {'Field': 'http-header', 'HttpHeaderConfig': {'HttpHeaderName': 'X-Test', 'Values': ['1']}}],
        Actions=[{'Type': 'redirect', 'RedirectConfig': {'Protocol': 'HTTPS', 'Port': '443', 'Host': 'shop.example.com', 'StatusCode': 'HTTP_301'}}])
    left = run_module(load_balancer.main, with_rules(net, None))
    assert left['changed'] is False and by_port(left, 443)['rules'][0]['host_header'] == ['www.shop.example.com']
    del calls[:]
    made = run_module(load_balancer.main, with_rules(net, [WWW]))
    assert made['changed'] and mutating(calls) == ['modify_rule']
    assert [c['Field'] for c in rules_of(elb)[0]['Conditions']] == ['host-header']
    del calls[:]
    assert run_module(load_balancer.main, with_rules(net, [WWW]))['changed'] is False and mutating(calls) == []
