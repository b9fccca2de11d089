"""AWS's documented parameter rules (plugins/module_utils/aws_rules.py): every row's examples, as the collection checks
them (aws_rules.problem) and as the emulator answers them (emulator.params.ParamRules, in front of moto's server):
both refuse the failing examples (the emulator with the row's code) and both take the passing ones. Then the checks
the emulator takes from botocore's model, the moto profile (which refuses none of it), the table's coverage of every
operation the collection sends, and docs/aws-rules.md against the table."""
import copy
import os
import re
import threading

import pytest

from tests.unit.conftest import REGION, ROOT

pytest.importorskip('moto')

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws_rules, secrets  # noqa: E402

ARN_TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-web/0123456789abcdef'
ARN_LB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/demo-alb/0123456789abcdef'
ARN_CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000'
ARN_LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/demo-alb/0123456789abcdef/0123456789abcdef'
ARN_RULE = ARN_LISTENER.replace(':listener/', ':listener-rule/') + '/0123456789abcdef'
# a rule's request: one host-header condition, a redirect to HTTPS on another host (the rows put their examples in it)
RULE = {'Conditions': [{'Field': 'host-header', 'HostHeaderConfig': {'Values': ['www.example.com']}}],
        'Actions': [{'Type': 'redirect', 'RedirectConfig': {'Protocol': 'HTTPS', 'Host': 'example.com', 'StatusCode': 'HTTP_301'}}]}


def _public_key():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)


PUBLIC_KEY = _public_key()
TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
PERMISSION = {'IpProtocol': 'tcp', 'FromPort': 80, 'ToPort': 80, 'IpRanges': [{'CidrIp': '10.0.0.0/16'}]}

# The smallest request of each operation with rows (examples are put into it at the row's path).
BASE = {
    ('elbv2', 'CreateLoadBalancer'): {'Name': 'demo-alb', 'Subnets': ['subnet-12345678', 'subnet-87654321']},
    ('elbv2', 'CreateTargetGroup'): {'Name': 'demo-web', 'Protocol': 'HTTP', 'Port': 80, 'VpcId': 'vpc-12345678'},
    ('elbv2', 'ModifyTargetGroup'): {'TargetGroupArn': ARN_TG},
    ('elbv2', 'CreateListener'): {'LoadBalancerArn': ARN_LB, 'Protocol': 'HTTP', 'Port': 80,
                                  'DefaultActions': [{'Type': 'forward', 'TargetGroupArn': ARN_TG}]},
    ('elbv2', 'RegisterTargets'): {'TargetGroupArn': ARN_TG, 'Targets': [{'Id': 'i-0123456789abcdef0'}]},
    ('elbv2', 'DeregisterTargets'): {'TargetGroupArn': ARN_TG, 'Targets': [{'Id': 'i-0123456789abcdef0'}]},
    ('elbv2', 'ModifyTargetGroupAttributes'): {'TargetGroupArn': ARN_TG, 'Attributes': []},
    ('elbv2', 'AddTags'): {'ResourceArns': [ARN_LB], 'Tags': []},
    ('elbv2', 'CreateRule'): dict(RULE, ListenerArn=ARN_LISTENER, Priority=10),
    ('elbv2', 'ModifyRule'): dict(RULE, RuleArn=ARN_RULE),
    ('ec2', 'CreateSecurityGroup'): {'GroupName': 'demo-web', 'Description': 'Web servers', 'VpcId': 'vpc-12345678'},
    ('ec2', 'CreateKeyPair'): {'KeyName': 'demo-key'},
    ('ec2', 'ImportKeyPair'): {'KeyName': 'demo-imported', 'PublicKeyMaterial': PUBLIC_KEY},
    ('ec2', 'CreateVpc'): {'CidrBlock': '10.0.0.0/16'},
    ('ec2', 'CreateSubnet'): {'VpcId': 'vpc-12345678', 'CidrBlock': '10.0.1.0/24'},
    ('ec2', 'CreateTags'): {'Resources': ['vpc-12345678'], 'Tags': []},
    ('ec2', 'CreateInternetGateway'): {},
    ('ec2', 'CreateRouteTable'): {'VpcId': 'vpc-12345678'},
    ('ec2', 'CreateNatGateway'): {'SubnetId': 'subnet-12345678', 'AllocationId': 'eipalloc-12345678'},
    ('ec2', 'AllocateAddress'): {'Domain': 'vpc'},
    ('ec2', 'RunInstances'): {'ImageId': 'ami-12345678', 'MinCount': 1, 'MaxCount': 1, 'InstanceType': 't3.micro'},
    ('ec2', 'CreateImage'): {'InstanceId': 'i-0123456789abcdef0', 'Name': 'demo-rules'},
    ('ec2', 'CreateLaunchTemplate'): {'LaunchTemplateName': 'demo-rules', 'LaunchTemplateData': {'ImageId': 'ami-12345678'}},
    ('ec2', 'CreateLaunchTemplateVersion'): {'LaunchTemplateName': 'demo-rules', 'LaunchTemplateData': {'ImageId': 'ami-12345678'}},
    ('rds', 'CreateDBInstance'): {'DBInstanceIdentifier': 'demo-db', 'DBInstanceClass': 'db.t4g.micro', 'Engine': 'postgres',
                                  'MasterUsername': 'laravel', 'MasterUserPassword': 'Secr3t-pass', 'AllocatedStorage': 20},
    ('rds', 'ModifyDBInstance'): {'DBInstanceIdentifier': 'demo-db'},
    ('rds', 'DeleteDBInstance'): {'DBInstanceIdentifier': 'demo-db', 'FinalDBSnapshotIdentifier': 'demo-final'},
    ('rds', 'CreateDBSubnetGroup'): {'DBSubnetGroupName': 'demo-db', 'DBSubnetGroupDescription': 'Subnets', 'SubnetIds': ['subnet-1']},
    ('rds', 'ModifyDBSubnetGroup'): {'DBSubnetGroupName': 'demo-db', 'SubnetIds': ['subnet-1']},
    ('rds', 'AddTagsToResource'): {'ResourceName': 'arn:aws:rds:us-east-1:123456789012:db:demo-db', 'Tags': []},
    ('elasticache', 'CreateReplicationGroup'): {'ReplicationGroupId': 'demo-cache', 'ReplicationGroupDescription': 'Cache',
                                                'TransitEncryptionEnabled': True},
    ('elasticache', 'ModifyReplicationGroup'): {'ReplicationGroupId': 'demo-cache'},
    ('elasticache', 'CreateCacheSubnetGroup'): {'CacheSubnetGroupName': 'demo-cache', 'CacheSubnetGroupDescription': 'Subnets',
                                                'SubnetIds': ['subnet-1']},
    ('elasticache', 'ModifyCacheSubnetGroup'): {'CacheSubnetGroupName': 'demo-cache'},
    ('elasticache', 'AddTagsToResource'): {'ResourceName': 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:demo-cache',
                                           'Tags': []},
    ('acm', 'ImportCertificate'): {'Certificate': b'-----BEGIN CERTIFICATE-----', 'PrivateKey': b'-----BEGIN PRIVATE KEY-----'},
    ('acm', 'AddTagsToCertificate'): {'CertificateArn': ARN_CERT, 'Tags': []},
    ('acm', 'RequestCertificate'): {'DomainName': 'www.example.com', 'ValidationMethod': 'DNS'},
    ('s3', 'CreateBucket'): {'Bucket': 'demo-bucket'},
    ('s3', 'PutObject'): {'Bucket': 'demo-bucket', 'Key': 'releases/x', 'Body': b'x'},
    ('iam', 'CreateRole'): {'RoleName': 'demo-rules', 'AssumeRolePolicyDocument': TRUST},
    ('iam', 'UpdateRole'): {'RoleName': 'demo-rules'},
    ('iam', 'UpdateAssumeRolePolicy'): {'RoleName': 'demo-rules', 'PolicyDocument': TRUST},
    ('iam', 'PutRolePolicy'): {'RoleName': 'demo-rules', 'PolicyName': 'demo', 'PolicyDocument': '{"Version":"2012-10-17","Statement":[]}'},
    ('iam', 'TagRole'): {'RoleName': 'demo-rules', 'Tags': []},
    ('iam', 'CreateInstanceProfile'): {'InstanceProfileName': 'demo-rules'},
    ('iam', 'TagInstanceProfile'): {'InstanceProfileName': 'demo-rules', 'Tags': []},
    ('autoscaling', 'CreateAutoScalingGroup'): {'AutoScalingGroupName': 'demo-rules', 'MinSize': 0, 'MaxSize': 3,
                                                'LaunchTemplate': {'LaunchTemplateName': 'demo-rules'}},
    ('autoscaling', 'UpdateAutoScalingGroup'): {'AutoScalingGroupName': 'demo-rules'},
    ('autoscaling', 'StartInstanceRefresh'): {'AutoScalingGroupName': 'demo-rules', 'Preferences': {'MinHealthyPercentage': 100}},
    ('autoscaling', 'PutScalingPolicy'): {'AutoScalingGroupName': 'demo-rules', 'PolicyName': 'demo-rules', 'PolicyType': 'TargetTrackingScaling',
                                          'TargetTrackingConfiguration': {'TargetValue': 1000.0, 'PredefinedMetricSpecification': {
                                              'PredefinedMetricType': 'ALBRequestCountPerTarget', 'ResourceLabel': aws_rules.AS_LABEL}}},
}
for _op in ('AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'RevokeSecurityGroupIngress', 'RevokeSecurityGroupEgress'):
    BASE[('ec2', _op)] = {'GroupId': 'sg-12345678', 'IpPermissions': [dict(PERMISSION)]}
NEW_ELEMENT = {'Tags': {'Key': 'Stack', 'Value': 'demo'}, 'Targets': {'Id': 'i-0123456789abcdef0'},
               'BlockDeviceMappings': {'DeviceName': '/dev/xvda'}, 'TagSpecifications': {'Tags': [{'Key': 'Stack', 'Value': 'demo'}]}}


def request(row, value, failing):
    """The row's operation's base request with ``value`` at the row's path, and the context its examples need."""
    params = copy.deepcopy(BASE[(row['service'], row['operation'])])
    if row['parameter'].startswith('TagSpecifications'):
        params['TagSpecifications'] = [{'ResourceType': aws_rules.EC2_RESOURCE_TYPES[row['operation']], 'Tags': []}]
    for name, values in row['when'].items():
        given = [v for v in values if v is not None]
        if given and params.get(name) not in values:
            params[name] = given[0]
    params.update(row['fail_with'] if failing else row['pass_with'])
    node, steps = params, aws_rules.parse_path(row['parameter'])
    for i, (name, select, wanted) in enumerate(steps):
        last = i == len(steps) - 1
        if select is None:
            if last:
                node[name] = value
            else:
                node = node.setdefault(name, {})
            continue
        items = node.setdefault(name, [])
        if select == 'each':
            if not items:
                items.append(copy.deepcopy(NEW_ELEMENT.get(name, {})))
            element = items[0]
        else:
            element = next((x for x in items if x.get(select) == wanted), None)
            if element is None:
                element = {select: wanted}
                items.append(element)
        if last:
            items[0] = value
        else:
            node = element
    return params


def examples(kind):
    out = []
    for i, row in enumerate(aws_rules.RULES):
        for j, value in enumerate(row[kind]):
            out.append(pytest.param(row, value, id='%s-%s-%s-%d-%s%d' % (row['service'], row['operation'], row['parameter'], i, kind, j)))
    return out


def context(row, failing):
    params = dict(row['fail_with'] if failing else row['pass_with'])
    for name, values in row['when'].items():
        given = [v for v in values if v is not None]
        if given:
            params.setdefault(name, given[0])
    return params or None


# -- what the collection calls --------------------------------------------------------------------------------
@pytest.mark.parametrize('row,value', examples('bad'))
def test_the_collection_refuses_each_failing_example(row, value):
    found = aws_rules.problem(row['service'], row['operation'], row['parameter'], value, context(row, True))
    assert found and row['source'] in found and row['code'] in found
    if row['secret'] and len(str(value)) > 3:
        assert str(value) not in found  # never the secret itself


@pytest.mark.parametrize('row,value', examples('good'))
def test_the_collection_takes_each_passing_example(row, value):
    assert aws_rules.problem(row['service'], row['operation'], row['parameter'], value, context(row, False)) is None


def test_every_row_is_complete_and_cites_aws():
    for row in aws_rules.RULES:
        assert row['good'] and row['bad'], row
        assert row['source'].startswith('https://docs.aws.amazon.com/'), row
        assert re.match(r'^[A-Z][A-Za-z0-9.]+$', row['code']), row
        aws_rules.parse_path(row['parameter'])


def test_secrets_rules_are_views_of_the_table():
    password = aws_rules.row_by_key('rds_master_password')
    token = aws_rules.row_by_key('elasticache_auth_token')
    assert (secrets.RULES['rds_master_password']['min'], secrets.RULES['rds_master_password']['max']) == password['check']['length']
    assert secrets.RULES['elasticache_auth_token']['allowed'] == frozenset(token['check']['chars'])
    for key, row in (('rds_master_password', password), ('elasticache_auth_token', token)):
        for value in row['good']:
            assert secrets.problem(key, value) is None
        for value in row['bad']:
            assert secrets.problem(key, value) and value not in secrets.problem(key, value)


def test_a_whole_request_is_checked_path_by_path():
    found = aws_rules.check_request('ec2', 'RunInstances', {'ImageId': 'ami-1', 'MinCount': 1, 'MaxCount': 1, 'TagSpecifications': [
        {'ResourceType': 'instance', 'Tags': [{'Key': 'Name', 'Value': 'ok'}, {'Key': 'aws:x', 'Value': 'v' * 257}]}]})
    assert [(p, c) for p, c, m in found] == [('TagSpecifications[0].Tags[1].Key', 'InvalidParameterValue'),
                                             ('TagSpecifications[0].Tags[1].Value', 'InvalidParameterValue')]
    assert aws_rules.check_request('elbv2', 'ModifyTargetGroupAttributes', {'TargetGroupArn': ARN_TG, 'Attributes': [
        {'Key': 'stickiness.enabled', 'Value': 'true'}, {'Key': 'deregistration_delay.timeout_seconds', 'Value': '3601'}]})[0][0] \
        == 'Attributes[Key=deregistration_delay.timeout_seconds].Value'
    # a rule of the engine's applies only to it
    assert aws_rules.check_request('rds', 'CreateDBInstance', {'Engine': 'mysql', 'DBName': 'app-db'}) == []
    assert aws_rules.check_request('rds', 'CreateDBInstance', {'Engine': 'postgres', 'DBName': 'app-db'})[0][0] == 'DBName'


# -- the emulator -----------------------------------------------------------------------------------------------
@pytest.fixture(scope='module')
def emulator():
    """moto's server app behind the Recorder with ParamRules only, on 127.0.0.1, as the emulator serves it."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server
    from emulator import server
    from emulator.fidelity import patch_moto
    from emulator.params import ParamRules
    patch_moto()
    saved = dict((k, os.environ.get(k)) for k in ('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE'))
    os.environ.update(AWS_ACCESS_KEY_ID='testing', AWS_SECRET_ACCESS_KEY='testing')
    os.environ.pop('AWS_PROFILE', None)
    app = server.Recorder(DomainDispatcherApplication(create_backend_app), hooks=[ParamRules()])
    srv = make_server('127.0.0.1', 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield app, 'http://127.0.0.1:%d' % srv.server_address[1]
    srv.shutdown()
    thread.join()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope='module')
def send(emulator):
    """send(service, operation, params) -> (error code or None, the recorded entry); botocore's own validation off, so
    what AWS would see is what the emulator sees."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError
    from botocore.parsers import ResponseParserError
    app, url = emulator
    clients = {}

    def run(service, operation, params):
        if service not in clients:
            clients[service] = boto3.client(service, region_name=REGION, endpoint_url=url, config=Config(
                parameter_validation=False, retries={'max_attempts': 1, 'mode': 'standard'}))
        client = clients[service]
        from botocore import xform_name
        method = getattr(client, xform_name(operation))
        before = len(app.requests)
        try:
            method(**params)
            code = None
        except ClientError as exc:
            code = exc.response['Error']['Code']
        except ResponseParserError:
            # moto's HTML error page for an action it has not implemented (StartInstanceRefresh): the request passed every
            # rule (a refusal is AWS's XML error, a ClientError), and moto's exception leaves no entry in the log
            return 'NotImplemented', {}
        entries = app.requests[before:]
        assert len(entries) == 1, (entries, code, operation, params)
        return code, entries[0]
    run.app = app
    return run


@pytest.mark.parametrize('row,value', examples('bad'))
def test_the_emulator_refuses_each_failing_example_with_the_rows_code(send, row, value):
    code, entry = send(row['service'], row['operation'], request(row, value, True))
    assert code == row['code'] and entry.get('fault') == row['code'], (code, entry)


@pytest.mark.parametrize('row,value', examples('good'))
def test_the_emulator_takes_each_passing_example(send, row, value):
    code, entry = send(row['service'], row['operation'], request(row, value, False))
    assert 'fault' not in entry, (code, entry)  # no rule of the table nor of the model answered; moto may refuse for its own reasons


def test_the_model_refuses_a_missing_required_member(send):
    code, entry = send('rds', 'CreateDBInstance', {'DBInstanceIdentifier': 'demo-db', 'Engine': 'postgres'})
    assert code == 'MissingParameter' and entry['fault'] == 'MissingParameter'
    code, dummy = send('ec2', 'CreateSecurityGroup', {'Description': 'no name'})
    assert code == 'MissingParameter'


def test_the_model_refuses_a_bad_enum_and_a_too_long_value(send):
    assert send('elbv2', 'CreateLoadBalancer', {'Name': 'demo-alb', 'Subnets': ['subnet-1'], 'Type': 'classic'})[0] == 'ValidationError'
    assert send('ec2', 'AllocateAddress', {'Domain': 'classic'})[0] == 'InvalidParameterValue'
    assert send('acm', 'DescribeCertificate', {'CertificateArn': 'arn:aws:acm:' + 'x' * 2100})[0] == 'ValidationException'
    assert send('acm', 'ListCertificates', {'MaxItems': 1001})[0] == 'ValidationException'


def test_the_moto_profile_refuses_none_of_it(send):
    send.app.faults.configure({'profile': 'moto'})
    try:
        for row in aws_rules.RULES[::7]:
            dummy, entry = send(row['service'], row['operation'], request(row, row['bad'][0], True))
            assert 'fault' not in entry, (row, entry)
        assert 'fault' not in send('elbv2', 'CreateLoadBalancer', {'Name': 'demo-x', 'Subnets': ['subnet-1'], 'Type': 'classic'})[1]
    finally:
        send.app.faults.configure({})


# -- coverage of what the collection sends ---------------------------------------------------------------------------
def sent_operations():
    """Every botocore method name the collection's code sends (quoted operation names, client.method( calls, and
    'verb_%s' templates expanded), scanned in plugins/."""
    names = set()
    for folder, dummy, files in os.walk(os.path.join(ROOT, 'plugins')):
        for name in files:
            if name.endswith('.py'):
                with open(os.path.join(folder, name)) as f:
                    text = f.read()
                names.update(re.findall(r"'([a-z]+(?:_[a-z0-9]+)+)'", text))
                names.update(re.findall(r'\.([a-z]+(?:_[a-z0-9]+)+)\(', text))
                for template in re.findall(r"'([a-z_]+)_%s'", text):
                    names.update('%s_%s' % (template, kind) for kind in ('ingress', 'egress'))
    return names


def botocore_methods(service):
    import botocore.session
    from botocore import xform_name
    svc = botocore.session.get_session().get_service_model(service)
    return dict((xform_name(op), op) for op in svc.operation_names)


def test_every_operation_the_collection_sends_is_known_and_has_its_rules():
    table = aws_rules.operations()
    methods = dict((s, botocore_methods(s)) for s in table)
    for service, ops in table.items():
        unknown = set(ops) - set(methods[service].values())
        assert not unknown, (service, unknown)  # every operation of the table is botocore's
    covered = set(m for s, ops in table.items() for m, op in methods[s].items() if op in ops)
    every = set(m for s in table for m in methods[s])
    sent = sent_operations() & every
    assert len(sent) > 60
    assert sent <= covered, sorted(sent - covered)  # each one sent has rows, or is listed as model-only
    # and the listing is no wider than what is sent (a stale entry would hide a rule never checked)
    assert covered <= sent, sorted(covered - sent)


def test_the_doc_matches_the_table():
    import importlib.util
    spec = importlib.util.spec_from_file_location('aws_rules_doc', os.path.join(ROOT, 'scripts', 'aws_rules_doc.py'))
    doc = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(doc)
    render = doc.render
    with open(os.path.join(ROOT, 'docs', 'aws-rules.md')) as f:
        assert f.read() == render(), 'docs/aws-rules.md is stale: python scripts/aws_rules_doc.py'


# -- the modules' refusal: the option named, AWS's rule, code and page, never the value ------------------------------------
def test_refuse_by_rules_names_the_option_and_the_row_never_the_value():
    from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
    row = aws_rules.rows_for('elasticache', 'CreateReplicationGroup', 'AuthToken')[0]
    secret = 'has space 0123456'
    with pytest.raises(ValidationError) as caught:
        aws_rules.refuse_by_rules('elasticache', 'CreateReplicationGroup', 'AuthToken', secret, 'auth_token')
    err = caught.value
    assert err.field == 'auth_token' and row['rule'] in err.message and row['code'] in err.message and row['source'] in err.message
    assert secret not in str(err)
    aws_rules.refuse_by_rules('elasticache', 'CreateReplicationGroup', 'AuthToken', None, 'auth_token')  # None: not judged
    # a row on a combination (AuthToken needs TransitEncryptionEnabled) is judged only with the request's other parameters
    aws_rules.refuse_by_rules('elasticache', 'CreateReplicationGroup', 'AuthToken', row['good'][0], 'auth_token')
    with pytest.raises(ValidationError, match='TransitEncryptionEnabled is true'):
        aws_rules.refuse_by_rules('elasticache', 'CreateReplicationGroup', 'AuthToken', row['good'][0], 'auth_token',
                                  params={'TransitEncryptionEnabled': False})


def test_refuse_tags_checks_each_operation_that_sends_them():
    from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
    aws_rules.refuse_tags('rds', ('CreateDBInstance', 'AddTagsToResource'), {'Stack': 'demo', 'Note': None, 'a b:c/d': 'x=y+z@w'})
    aws_rules.refuse_tags('rds', ('CreateDBInstance',), None)
    for tags, words in (({'rds:owner': 'x'}, 'a tag key'), ({'Owner': 'rds:x'}, "the value of tag 'Owner'"), ({'Owner': 'a*b'}, 'Owner')):
        with pytest.raises(ValidationError) as caught:
            aws_rules.refuse_tags('rds', ('CreateDBInstance', 'AddTagsToResource'), tags)
        assert caught.value.field == 'tags' and words in caught.value.message and aws_rules.RDS_TAGS in caught.value.message
    aws_rules.refuse_tags('elasticache', ('AddTagsToResource',), {'Owner': 'rds:x'})  # ElastiCache reserves only aws:


def test_ec2_refuse_by_rules_is_the_same_refusal():
    from ansible_collections.seed.laravel_aws.plugins.module_utils import ec2
    from ansible_collections.seed.laravel_aws.plugins.module_utils.errors import ValidationError
    with pytest.raises(ValidationError) as caught:
        ec2.refuse_name_tag('CreateVpc', 'v' * 257)
    assert caught.value.field == 'name' and caught.value.message.startswith("it is the Name tag: refused by AWS's rule for CreateVpc")
