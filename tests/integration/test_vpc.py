"""The vpc module as a user runs it: ansible-playbook against the emulator on 127.0.0.1."""

VPC = {'name': 'demo-vpc', 'cidr_block': '10.20.0.0/16', 'tags': {'Stack': 'demo', 'Owner': 'ops'}}


def task(title, **args):
    return {"name": title, "seed.laravel_aws.vpc": args, "register": "out"}


def vpcs(aws):
    return aws.ec2().describe_vpcs(Filters=[{'Name': 'tag:Stack', 'Values': ['demo']}])['Vpcs']


def test_create_rerun_tag_purge_absent(playbook, aws):
    run = playbook([
        task('create', **VPC),
        task('rerun', **VPC),
        task('retag', **{**VPC, 'tags': {'Stack': 'demo', 'Tier': 'net'}}),
    ], diff=True)
    assert run.rc == 0, run.stdout
    created, rerun, retag = run.task('create'), run.task('rerun'), run.task('retag')
    assert created['changed'] is True and created['vpc']['id'].startswith('vpc-')
    assert rerun['changed'] is False and rerun['vpc']['id'] == created['vpc']['id']
    assert retag['changed'] is True
    assert retag['diff']['before']['tags'] == {'Name': 'demo-vpc', 'Stack': 'demo', 'Owner': 'ops'}
    assert retag['diff']['after']['tags'] == {'Name': 'demo-vpc', 'Stack': 'demo', 'Tier': 'net'}
    (vpc,) = vpcs(aws)
    assert {t['Key']: t['Value'] for t in vpc['Tags']} == {'Name': 'demo-vpc', 'Stack': 'demo', 'Tier': 'net'}
    assert aws.mutating().count('CreateVpc') == 1

    gone = playbook([task('delete', state='absent', **VPC), task('delete again', state='absent', **VPC)])
    assert gone.rc == 0
    assert gone.task('delete')['changed'] is True and gone.task('delete again')['changed'] is False
    assert vpcs(aws) == []


def test_check_mode_on_fresh_emulator_creates_nothing(playbook, aws):
    run = playbook([task('plan', **VPC)], check=True, diff=True)
    assert run.rc == 0
    plan = run.task('plan')
    assert plan['changed'] is True
    assert plan['diff']['before'] == {} and plan['diff']['after']['cidr_block'] == '10.20.0.0/16'
    assert aws.mutating() == []
    assert vpcs(aws) == []


def test_bad_cidr_fails_before_any_mutating_request(playbook, aws):
    run = playbook([task('bad', **{**VPC, 'cidr_block': '10.10.10.0/20'})])
    assert run.rc != 0
    bad = run.task('bad')
    assert bad['failed'] is True and bad['field'] == 'cidr_block'
    assert 'canonical form is 10.10.0.0/20' in bad['msg']
    assert aws.requests() == []


def test_absent_with_a_subnet_fails_and_keeps_everything(playbook, aws):
    run = playbook([task('create', **VPC)])
    vpc_id = run.task('create')['vpc']['id']
    subnet = aws.ec2().create_subnet(VpcId=vpc_id, CidrBlock='10.20.0.0/24')['Subnet']['SubnetId']
    gone = playbook([task('delete', state='absent', **VPC)])
    assert gone.rc != 0
    assert subnet in gone.task('delete')['msg']
    assert len(vpcs(aws)) == 1
