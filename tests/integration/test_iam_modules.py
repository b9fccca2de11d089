"""iam_role and instance_profile through ansible-playbook against the emulator as strict as AWS: IAM throttled and its
rules and quotas enforced there, and a new instance profile unseen by GetInstanceProfile (and refused by RunInstances)
for a while, as IAM propagates it. What is asserted is what a user sees: the role and profile as boto3 reads them, the
modules' results, and the requests the emulator recorded (none that changes anything on a rerun or in check mode)."""
import boto3

from conftest import READS

A = 'seed.laravel_aws.'
TRUST = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'Service': 'ec2.amazonaws.com'},
                                                 'Action': 'sts:AssumeRole'}]}
READ = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 's3:GetObject', 'Resource': 'arn:aws:s3:::it-a/*'}]}


def iam_client(aws):
    return boto3.client('iam', region_name='us-east-1', endpoint_url=aws.url, aws_access_key_id='testing',
                        aws_secret_access_key='testing')


def changes(aws):
    return [r['action'] for r in aws.requests() if not r['action'].startswith(READS) and r.get('fault') != 'throttled']


def tasks(state='present', **role):
    role_args = dict({'name': 'it-web', 'stack': 'it', 'state': state}, **role)
    profile_args = {'name': 'it-web', 'stack': 'it', 'state': state}
    if state == 'present':
        profile_args['role'] = 'it-web'
    steps = [{'name': 'role', A + 'iam_role': role_args, 'register': 'role', 'ignore_errors': True},
             {'name': 'profile', A + 'instance_profile': profile_args, 'register': 'profile', 'ignore_errors': True}]
    return steps if state == 'present' else steps[::-1]


def test_made_rerun_with_reads_only_and_deleted(playbook, aws):
    iam = iam_client(aws)
    aws.faults(throttle=0.3, seed=35)
    aws._get('/_seed/requests', method='DELETE')  # pylint: disable=protected-access
    wanted = dict(assume_role_policy_document=TRUST, inline_policies={'read': READ}, tags={'Tier': 'web'})
    plan = playbook(tasks(**wanted), check=True, diff=True)
    assert plan.task('role')['changed'] and plan.task('profile')['changed'] and changes(aws) == []
    assert iam.list_roles()['Roles'] == []

    made = playbook(tasks(**wanted), diff=True)
    role, profile = made.task('role'), made.task('profile')
    assert made.rc == 0 and role['changed'] and profile['changed'], (role.get('msg'), profile.get('msg'))
    assert profile['instance_profile']['role'] == 'it-web' and profile['instance_profile']['role_arn'].endswith(':role/it-web')
    assert any(r.get('fault') == 'throttled' for r in aws.requests())
    # IAM propagates the new profile: the module read it until it showed its role
    assert any(r['action'] == 'GetInstanceProfile' and r['status'] == 404 for r in aws.requests()), aws.requests()
    assert changes(aws) == ['CreateRole', 'PutRolePolicy', 'CreateInstanceProfile', 'AddRoleToInstanceProfile']
    assert iam.get_role_policy(RoleName='it-web', PolicyName='read')['PolicyDocument'] == READ

    aws._get('/_seed/requests', method='DELETE')  # pylint: disable=protected-access
    again = playbook(tasks(**wanted))
    assert again.task('role')['changed'] is False and again.task('profile')['changed'] is False and changes(aws) == []

    gone = playbook(tasks('absent'))
    assert gone.task('profile')['changed'] and gone.task('role')['changed'], gone.task('role').get('msg')
    assert iam.list_roles()['Roles'] == [] and iam.list_instance_profiles()['InstanceProfiles'] == []


def test_bad_input_is_refused_before_any_call_and_by_the_emulator_too(playbook, aws):
    iam = iam_client(aws)
    aws._get('/_seed/requests', method='DELETE')  # pylint: disable=protected-access
    refused = playbook(tasks(assume_role_policy_document=TRUST, name='it web')[:1])
    result = refused.task('role')
    assert result['failed'] and result['field'] == 'name' and 'API_CreateRole.html' in result['msg'] and aws.requests() == []
    try:
        iam.create_role(RoleName='it-web', AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[],"Id":"%s"}' % ('i' * 2100))
        raise AssertionError('the emulator took a trust policy over the default quota')
    except iam.exceptions.ClientError as exc:
        assert exc.response['Error']['Code'] == 'LimitExceeded'
    lambda_trust = dict(TRUST, Statement=[dict(TRUST['Statement'][0], Principal={'Service': 'lambda.amazonaws.com'})])
    aws._get('/_seed/requests', method='DELETE')  # pylint: disable=protected-access
    wrong = playbook(tasks(assume_role_policy_document=lambda_trust))
    assert wrong.task('role')['changed'] and wrong.task('profile')['failed'] and wrong.task('profile')['field'] == 'role'
    assert changes(aws) == ['CreateRole']  # the profile task changed nothing
