"""route53_zone and route53_record through ansible-playbook against the emulator as strict as AWS (emulator.route53):
a zone made, rerun and deleted; an A alias to a real ALB made in the test, waited for until INSYNC (Route 53's
changes are PENDING for a while there, as on AWS), rerun in other words with reads only (the request log), deleted."""
import boto3

from conftest import READS

A = 'seed.laravel_aws.'


def client(aws, service):
    return boto3.client(service, region_name='us-east-1', endpoint_url=aws.url, aws_access_key_id='testing',
                        aws_secret_access_key='testing')


def changes(aws):
    return [r['action'] for r in aws.requests() if not r['action'].startswith(READS) and r.get('fault') != 'throttled']


def task(module, title, **args):
    return {'name': title, A + module: args, 'register': 'out', 'ignore_errors': True}


def alb(aws):
    ec2, elb = client(aws, 'ec2'), client(aws, 'elbv2')
    vpc = ec2.create_vpc(CidrBlock='10.53.0.0/16')['Vpc']['VpcId']
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock='10.53.%d.0/24' % i, AvailabilityZone='us-east-1' + z)['Subnet']['SubnetId']
               for i, z in ((1, 'a'), (2, 'b'))]
    return elb.create_load_balancer(Name='it-alb', Subnets=subnets)['LoadBalancers'][0]


def test_a_zone_and_an_alias_to_an_alb_made_rerun_with_reads_only_and_deleted(playbook, aws):
    lb = alb(aws)
    zone = {'name': 'it.example.com', 'create': True, 'stack': 'it', 'comment': 'it'}
    aws._get('/_seed/requests', method='DELETE')  # pylint: disable=protected-access
    made = playbook([task('route53_zone', 'zone', **zone)]).task('zone')
    assert made['changed'] and changes(aws) == ['CreateHostedZone', 'ChangeTagsForResource'], (made.get('msg'), aws.requests())
    zid = made['route53_zone']['id']
    aws._get('/_seed/requests', method='DELETE')  # pylint: disable=protected-access
    upper = dict(zone)
    upper['name'] = 'IT.example.com.'
    assert playbook([task('route53_zone', 'zone', **upper)]).task('zone')['changed'] is False
    assert changes(aws) == []

    record = {'zone': 'it.example.com', 'name': 'www.it.example.com', 'type': 'A', 'stack': 'it',
              'alias': {'dns_name': lb['DNSName'], 'hosted_zone_id': lb['CanonicalHostedZoneId']}}
    aws._get('/_seed/requests', method='DELETE')  # pylint: disable=protected-access
    put = playbook([task('route53_record', 'record', **record)]).task('record')
    assert put['changed'] and changes(aws) == ['ChangeResourceRecordSets'], put.get('msg')
    assert [r['action'] for r in aws.requests()].count('GetChange') >= 2  # PENDING first, as on AWS; then INSYNC
    (kept,) = [r for r in client(aws, 'route53').list_resource_record_sets(HostedZoneId=zid)['ResourceRecordSets'] if r['Type'] == 'A']
    assert kept['AliasTarget']['DNSName'] == 'dualstack.%s.' % lb['DNSName'].lower()

    aws._get('/_seed/requests', method='DELETE')  # pylint: disable=protected-access
    other_words = dict(record)
    del other_words['zone']
    other_words.update({'zone_id': zid, 'name': 'WWW.It.Example.Com',
                        'alias': {'dns_name': lb['DNSName'].upper() + '.', 'hosted_zone_id': lb['CanonicalHostedZoneId']}})
    again = playbook([task('route53_record', 'record', **other_words)]).task('record')
    assert again['changed'] is False and changes(aws) == [], aws.requests()

    kept_zone = playbook([task('route53_zone', 'zone', name='it.example.com', stack='it', state='absent')]).task('zone')
    assert kept_zone['failed'] and 'www.it.example.com. A' in kept_zone['msg']
    gone = playbook([task('route53_record', 'record', **dict(record, state='absent'))]).task('record')
    assert gone['changed'], gone.get('msg')
    zone_gone = playbook([task('route53_zone', 'zone', name='it.example.com', stack='it', state='absent')]).task('zone')
    assert zone_gone['changed'] and client(aws, 'route53').list_hosted_zones()['HostedZones'] == []


def test_an_alias_to_no_load_balancer_is_refused_by_the_emulator_as_by_aws(playbook, aws):
    playbook([task('route53_zone', 'zone', name='it.example.com', create=True)])
    aws._get('/_seed/requests', method='DELETE')  # pylint: disable=protected-access
    refused = playbook([task('route53_record', 'record', zone='it.example.com', name='www.it.example.com', type='A',
                             alias={'dns_name': 'gone-123.us-east-1.elb.amazonaws.com', 'hosted_zone_id': 'Z35SXDOTRQ7X7K'})])
    result = refused.task('record')
    assert result['failed'] and 'InvalidChangeBatch' in result['msg'] and changes(aws) == ['ChangeResourceRecordSets']
