"""image through ansible-playbook against the emulator as strict as AWS (throttled, its parameter rules enforced): an
image baked from the stack's instance, rerun with reads only, check mode, tags, a lost answer on CreateImage made once,
absent with its snapshots, and bad input refused before any call (a malformed name, another stack's instance, an
instance that cannot be imaged). What is asserted is what a user sees: the image as boto3 reads it, the module's
results, and the requests the emulator recorded."""
A = 'seed.laravel_aws.image'
STRICT = {'strict': True, 'throttle': 0.2, 'seed': 36}
DEBIAN_OWNER = '136693071363'


def instance(ec2, stack):
    ami = sorted(ec2.describe_images(Owners=[DEBIAN_OWNER])['Images'], key=lambda i: i['ImageId'])[0]['ImageId']
    made = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType='t3.micro', TagSpecifications=[
        {'ResourceType': 'instance', 'Tags': [{'Key': 'Stack', 'Value': stack}, {'Key': 'Role', 'Value': 'web'}]}])
    iid = made['Instances'][0]['InstanceId']
    ec2.get_waiter('instance_running').wait(InstanceIds=[iid], WaiterConfig={'Delay': 1})
    return iid


def mine(ec2, name):
    return [i for i in ec2.describe_images(Owners=['self'], Filters=[{'Name': 'name', 'Values': [name]}])['Images']
            if i['State'] != 'deregistered']


def task(**options):
    return {'name': 'image', A: dict({'name': 'it-web-1a2b', 'stack': 'it'}, **options), 'ignore_errors': True}


def test_baked_rerun_tagged_and_deregistered_with_its_snapshots(playbook, aws):
    ec2 = aws.ec2()
    iid = instance(ec2, 'it')
    aws.faults(**STRICT)
    aws.forget()
    plan = playbook([task(instance_id=iid, description='web tier', tags={'Role': 'web'})], check=True, diff=True)
    result = plan.task('image')
    assert result['changed'] and result['image']['id'] is None and aws.changes() == [] and mine(ec2, 'it-web-1a2b') == []

    made = playbook([task(instance_id=iid, description='web tier', tags={'Role': 'web'})], diff=True)
    result = made.task('image')
    assert made.rc == 0 and result['changed'], result.get('msg')
    assert aws.changes() == ['CreateImage'] and result['image']['state'] == 'available'
    found = mine(ec2, 'it-web-1a2b')
    assert [i['ImageId'] for i in found] == [result['image']['id']] and found[0]['Description'] == 'web tier'
    assert {t['Key']: t['Value'] for t in found[0]['Tags']} == {'Role': 'web', 'Stack': 'it'}

    aws.forget()
    again = playbook([task(instance_id=iid, description='web tier', tags={'Role': 'web'})])
    assert again.task('image')['changed'] is False and aws.changes() == []

    retagged = playbook([task(instance_id=iid, tags={'Role': 'web', 'Tier': 'front'})], diff=True)
    assert retagged.task('image')['changed'] and retagged.task('image')['image']['tags'] == {'Role': 'web', 'Tier': 'front', 'Stack': 'it'}
    assert 'Tier' in str(retagged.task('image')['diff'])

    snapshots = result['image']['snapshot_ids']
    assert snapshots  # the image's root volume, tagged with the stack, so deleted with it
    aws.forget()
    gone = playbook([task(state='absent')])
    assert gone.task('image')['changed'] and aws.changes()[0] == 'DeregisterImage', gone.task('image').get('msg')
    assert aws.changes()[1:] == ['DeleteSnapshot'] * len([s for s in snapshots if s])
    assert mine(ec2, 'it-web-1a2b') == []
    aws.forget()
    assert playbook([task(state='absent')]).task('image')['changed'] is False and aws.changes() == []


def test_a_lost_answer_makes_one_image(playbook, aws):
    ec2 = aws.ec2()
    iid = instance(ec2, 'it')
    aws.faults(lose=['CreateImage'], lose_times=1, **STRICT)
    made = playbook([task(instance_id=iid)])
    assert made.rc == 0 and made.task('image')['changed'], made.task('image').get('msg')
    assert len(mine(ec2, 'it-web-1a2b')) == 1


def test_bad_input_is_refused_before_any_change(playbook, aws):
    ec2 = aws.ec2()
    theirs = instance(ec2, 'other')
    aws.faults(**STRICT)
    aws.forget()
    for options, field, said in ((dict(name='ab', instance_id=theirs), 'name', 'API_CreateImage.html'),
                                 (dict(instance_id='ami-12345678'), 'instance_id', 'not an instance id'),
                                 (dict(), 'instance_id', 'instance_id')):
        refused = playbook([task(**options)]).task('image')
        assert refused['failed'] and refused['field'] == field and said in refused['msg'], refused
    assert aws.requests() == []
    other = playbook([task(instance_id=theirs)]).task('image')
    assert other['failed'] and other['field'] == 'instance_id' and 'other' in other['msg'], other
    ec2.terminate_instances(InstanceIds=[theirs])
    ec2.get_waiter('instance_terminated').wait(InstanceIds=[theirs], WaiterConfig={'Delay': 1})
    aws.forget()
    ended = playbook([task(instance_id=theirs, stack=None)]).task('image')
    assert ended['failed'] and 'terminated' in ended['msg'], ended
    assert aws.changes() == [] and mine(ec2, 'it-web-1a2b') == []
