"""amazon.aws's names (docs/amazon-aws-names.md): every alias of every module does, against moto, what the option's own
name does (the resource shows the value given under the alias, and the same task under the option's own name then
changes nothing); the deprecated ``count`` of the instance module warns; and every alias is in the module's argument
spec, its documentation and the names page alike, so none of the three can go stale."""
import glob
import importlib
import json
import os
import re
import stat
import subprocess
import sys

import boto3
import pytest
from ansible.module_utils import basic
from ansible.module_utils.common import arg_spec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from ansible_collections.seed.laravel_aws.plugins.module_utils import aws as aws_utils
from ansible_collections.seed.laravel_aws.plugins.module_utils import waiters

from ...conftest import REGION, mutating
from .pem import self_signed
from emulator.amis import DEBIAN_OWNER  # two images: moto's thousands of Amazon ones take seconds to list

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
MODULES = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(ROOT, 'plugins', 'modules', '*.py')))
NAMES_PAGE = os.path.join(ROOT, 'docs', 'amazon-aws-names.md')
NAME = re.compile(r'`(?:[a-z_. ]+: )?([^`:]+)`')  # `option`, or `module: option`
# the options every module spells the same way (module_utils/aws.py): the names page lists them once, under "Every module"
COMMON = frozenset(aws_utils.aws_argument_spec()) | frozenset(k for group in aws_utils.COMMON.values() for k in group)
# what the cases below cover, (module, option path, alias), said where each case is defined (at import, so that every
# worker of pytest-xdist knows them all): test_every_alias_has_a_case compares it with the specs
COVERED = set()


def module(name):
    return importlib.import_module('ansible_collections.seed.laravel_aws.plugins.modules.%s' % name)


def covers(name, cases):
    """Record ``cases`` ([(alias, option path, ...)]) of module ``name``; returns them (for parametrize)."""
    COVERED.update((name, case[1], case[0]) for case in cases)
    return cases


def same_again(run_module, calls, main, args):
    """The task under the options' own names, after the alias did its work: nothing left to change."""
    del calls[:]
    again = run_module(main, args)
    assert not again.get('failed') and again['changed'] is False and mutating(calls) == [], (again, calls)
    return again


def made_by(run_module, main, args):
    made = run_module(main, args)
    assert not made.get('failed') and made['changed'], made
    return made


# -- the argument specs, the documentation and the names page -------------------------------------------------------

class Captured(Exception):
    pass


@pytest.fixture
def specs(monkeypatch):
    """{module: the argument spec its main() gives AnsibleModule}, caught before AnsibleModule reads anything."""
    caught = {}

    def init(self, argument_spec, **kwargs):
        raise Captured(argument_spec)
    monkeypatch.setattr(basic.AnsibleModule, '__init__', init)
    for name in MODULES:
        with pytest.raises(Captured) as stopped:
            module(name).main()
        caught[name] = stopped.value.args[0]
    return caught


def aliases_in(options, key, prefix=''):
    """{option path: sorted aliases} of a spec (``key`` 'options') or of documentation (``key`` 'suboptions')."""
    out = {}
    for name, option in sorted((options or {}).items()):
        path = prefix + name
        if option.get('aliases'):
            out[path] = sorted(option['aliases'])
        if option.get(key):
            out.update(aliases_in(option[key], key, path + ('[].' if option.get('type') == 'list' else '.')))
    return out


def deprecated_in(options, prefix=''):
    out = {}
    for name, option in sorted((options or {}).items()):
        path = prefix + name
        for item in option.get('deprecated_aliases') or []:
            out.setdefault(path, []).append(item)
        if option.get('options'):
            out.update(deprecated_in(option['options'], path + ('[].' if option.get('type') == 'list' else '.')))
    return out


@pytest.fixture(scope='module')
def docs(tmp_path_factory):
    """{module: its options as ansible-doc renders them, doc fragments included}."""
    import ansible_collections.seed.laravel_aws as collection
    collections = os.path.dirname(os.path.dirname(os.path.dirname(list(collection.__path__)[0])))
    home = tmp_path_factory.mktemp('ansible-home')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_HOME=str(home), ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCAL_TEMP=str(home / 'tmp'))
    names = ['seed.laravel_aws.%s' % name for name in MODULES]
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-doc'), '-t', 'module', '--json'] + names,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rendered = json.loads(proc.stdout)
    return dict((name, rendered['seed.laravel_aws.%s' % name]['doc'].get('options') or {}) for name in MODULES)


def names_page():
    """{(section, option path): aliases} of docs/amazon-aws-names.md: a section is a module, or 'common' for "Every module".
    A name may be written with its module (`rds_instance: db_name`, `any module: aws_region`): the option is what follows."""
    rows, section = {}, None
    with open(NAMES_PAGE) as page:
        for line in page:
            if line.startswith('## '):
                word = line[3:].split()[0]
                section = 'common' if word == 'Every' else word
            elif section and line.startswith('|') and not line.startswith(('| ours', '| ---')):
                cells = [c.strip() for c in line.strip().strip('|').split('|')]
                for path in NAME.findall(cells[0]):
                    rows.setdefault((section, path), set()).update(NAME.findall(cells[2]))
    return dict((key, aliases) for key, aliases in rows.items() if aliases)


def spec_aliases(specs):
    """{(section, option path): aliases} of every module's argument spec, the common options under 'common'."""
    out = {}
    for name, spec in specs.items():
        for path, aliases in aliases_in(spec, 'options').items():
            section = 'common' if path in COMMON else name
            out.setdefault((section, path), set()).update(aliases)
    return out


def test_every_alias_is_in_the_spec_and_the_documentation_alike(specs, docs):
    for name in MODULES:
        assert aliases_in(specs[name], 'options') == aliases_in(docs[name], 'suboptions'), name


def test_aliases_collide_with_no_option(specs):
    for name, spec in specs.items():
        def walk(options, where):
            names = set(options)
            seen = set()
            for option, value in options.items():
                for alias in value.get('aliases') or []:
                    assert alias not in names and alias not in seen, '%s: %s%s' % (name, where, alias)
                    seen.add(alias)
                if value.get('options'):
                    walk(value['options'], '%s%s.' % (where, option))
        walk(spec, '')


def test_deprecated_aliases_are_aliases_that_go_in_0_3_0(specs):
    found = dict((name, deprecated_in(spec)) for name, spec in specs.items() if deprecated_in(spec))
    assert found == {'instance': {'exact_count': [{'name': 'count', 'version': '0.3.0', 'collection_name': 'seed.laravel_aws'}],
                                  'roles[].exact_count': [{'name': 'count', 'version': '0.3.0',
                                                           'collection_name': 'seed.laravel_aws'}]}}
    aliases = aliases_in(specs['instance'], 'options')
    assert 'count' in aliases['exact_count'] and 'count' in aliases['roles[].exact_count']


def test_the_names_page_names_every_alias_and_no_other(specs):
    assert names_page() == spec_aliases(specs)


def test_every_alias_has_a_case(specs):
    wanted = set((section, path, alias) for (section, path), aliases in spec_aliases(specs).items() if section != 'common'
                 for alias in aliases)
    assert COVERED == wanted


# -- subnet ---------------------------------------------------------------------------------------------------------

@pytest.fixture
def vpc(aws):
    return aws.create_vpc(CidrBlock='10.20.0.0/16')['Vpc']['VpcId']


@pytest.mark.parametrize('alias,option,value,shown', covers('subnet', [
    ('cidr', 'cidr_block', '10.20.1.0/24', lambda s: s['CidrBlock'] == '10.20.1.0/24'),
    ('az', 'availability_zone', 'us-east-1c', lambda s: s['AvailabilityZone'] == 'us-east-1c'),
    ('map_public', 'map_public_ip_on_launch', True, lambda s: s['MapPublicIpOnLaunch'] is True),
]))
def test_subnet(aws, run_module, calls, vpc, alias, option, value, shown):
    main = module('subnet').main
    args = {'vpc_id': vpc, 'cidr_block': '10.20.1.0/24', 'name': 'demo-public'}
    args.pop(option, None)
    made = made_by(run_module, main, dict(args, **{alias: value}))
    (raw,) = aws.describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [vpc]}])['Subnets']
    assert shown(raw), raw
    assert made['subnet']['id'] == raw['SubnetId']
    same_again(run_module, calls, main, dict(args, **{option: value}))


# -- security_group -------------------------------------------------------------------------------------------------

def egress(aws, group_id):
    (group,) = aws.describe_security_groups(GroupIds=[group_id])['SecurityGroups']
    return sorted((p['IpProtocol'], p.get('FromPort'), r['CidrIp']) for p in group['IpPermissionsEgress'] for r in p.get('IpRanges', []))


HTTPS_OUT = {'proto': 'tcp', 'ports': 443, 'cidr_ip': '10.0.0.0/8'}
PG_OUT = {'proto': 'tcp', 'ports': 5432, 'cidr_ip': '10.1.0.0/16'}
covers('security_group', [('egress_rules', 'rules_egress'), ('purge_egress_rules', 'purge_rules_egress')])


def test_security_group_egress_rules(aws, run_module, calls, vpc):
    main = module('security_group').main
    args = {'name': 'demo-web', 'vpc_id': vpc, 'description': 'web'}
    made = made_by(run_module, main, dict(args, egress_rules=[HTTPS_OUT]))
    # the rules given, and AWS's allow-all egress gone (purged), as with rules_egress
    assert egress(aws, made['security_group']['id']) == [('tcp', 443, '10.0.0.0/8')]
    same_again(run_module, calls, main, dict(args, rules_egress=[HTTPS_OUT]))


def test_security_group_purge_egress_rules(aws, run_module, calls, vpc):
    main = module('security_group').main
    args = {'name': 'demo-web', 'vpc_id': vpc, 'description': 'web'}
    group_id = made_by(run_module, main, dict(args, rules_egress=[HTTPS_OUT]))['security_group']['id']
    made_by(run_module, main, dict(args, rules_egress=[PG_OUT], purge_egress_rules=False))
    # not purged: the rule of the first run stays beside the new one (the default, true, would have removed it)
    assert egress(aws, group_id) == [('tcp', 443, '10.0.0.0/8'), ('tcp', 5432, '10.1.0.0/16')]
    same_again(run_module, calls, main, dict(args, rules_egress=[PG_OUT], purge_rules_egress=False))


# -- launch_template ------------------------------------------------------------------------------------------------

covers('launch_template', [('template_name', 'name')])


def test_launch_template_template_name(aws, run_module, calls):
    main = module('launch_template').main
    ami = sorted(aws.describe_images(Owners=[DEBIAN_OWNER])['Images'], key=lambda i: i['ImageId'])[0]['ImageId']
    made_by(run_module, main, {'template_name': 'demo-web', 'image_id': ami, 'instance_type': 't3.small'})
    assert [t['LaunchTemplateName'] for t in aws.describe_launch_templates()['LaunchTemplates']] == ['demo-web']
    same_again(run_module, calls, main, {'name': 'demo-web', 'image_id': ami, 'instance_type': 't3.small'})


# -- autoscaling_group ----------------------------------------------------------------------------------------------

covers('autoscaling_group', [('group_name', 'name'), ('vpc_zone_identifier', 'subnets'), ('health_check_period', 'health_check_grace_period'),
                             ('launch_template_name', 'launch_template.name'), ('launch_template_id', 'launch_template.id')])


def test_autoscaling_group_aliases(aws, run_module, calls):
    main = module('autoscaling_group').main
    ami = sorted(aws.describe_images(Owners=[DEBIAN_OWNER])['Images'], key=lambda i: i['ImageId'])[0]['ImageId']
    subnet = aws.create_subnet(VpcId=aws.create_vpc(CidrBlock='10.20.0.0/16')['Vpc']['VpcId'], CidrBlock='10.20.10.0/24')['Subnet']['SubnetId']
    tid = aws.create_launch_template(LaunchTemplateName='demo-web', LaunchTemplateData={'ImageId': ami})['LaunchTemplate']['LaunchTemplateId']
    sizes = {'min_size': 0, 'max_size': 1}
    made_by(run_module, main, dict(sizes, group_name='demo-web', vpc_zone_identifier=[subnet], health_check_period=60,
                                   launch_template={'launch_template_id': tid}))
    raw = boto3.client('autoscaling', region_name=REGION).describe_auto_scaling_groups()['AutoScalingGroups']
    assert [(g['AutoScalingGroupName'], g['VPCZoneIdentifier'], g['HealthCheckGracePeriod'], g['LaunchTemplate']['LaunchTemplateId'])
            for g in raw] == [('demo-web', subnet, 60, tid)]
    own = dict(sizes, name='demo-web', subnets=[subnet], health_check_grace_period=60)
    same_again(run_module, calls, main, dict(own, launch_template={'id': tid}))
    same_again(run_module, calls, main, dict(own, launch_template={'launch_template_name': 'demo-web'}))
    same_again(run_module, calls, main, dict(own, launch_template={'name': 'demo-web'}))


# -- scaling_policy -------------------------------------------------------------------------------------------------

covers('scaling_policy', [('asg_name', 'autoscaling_group')])


def test_scaling_policy_asg_name(aws, run_module, calls):
    main = module('scaling_policy').main
    subnet = aws.create_subnet(VpcId=aws.create_vpc(CidrBlock='10.20.0.0/16')['Vpc']['VpcId'], CidrBlock='10.20.10.0/24')['Subnet']['SubnetId']
    aws.create_launch_template(LaunchTemplateName='demo-web', LaunchTemplateData={'ImageId': 'ami-12345678'})
    asg = boto3.client('autoscaling', region_name=REGION)
    asg.create_auto_scaling_group(AutoScalingGroupName='demo-web', MinSize=0, MaxSize=1, VPCZoneIdentifier=subnet,
                                  LaunchTemplate={'LaunchTemplateName': 'demo-web'})
    policy = {'name': 'demo-web-cpu', 'metric': 'ASGAverageCPUUtilization', 'target_value': 50}
    made_by(run_module, main, dict(policy, asg_name='demo-web'))
    assert [(p['AutoScalingGroupName'], p['PolicyName']) for p in asg.describe_policies()['ScalingPolicies']] == [('demo-web', 'demo-web-cpu')]
    same_again(run_module, calls, main, dict(policy, autoscaling_group='demo-web'))


# -- key_pair -------------------------------------------------------------------------------------------------------

covers('key_pair', [('key_material', 'public_key'), ('file_name', 'private_key_path')])


def test_key_pair_key_material(aws, run_module, calls):
    main = module('key_pair').main
    public = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                                            serialization.PublicFormat.OpenSSH).decode()
    made = made_by(run_module, main, {'name': 'demo', 'key_material': public})
    (raw,) = aws.describe_key_pairs(KeyNames=['demo'], IncludePublicKey=True)['KeyPairs']
    assert raw['PublicKey'].split()[1] == public.split()[1] and made['key_pair']['fingerprint'] == raw['KeyFingerprint']
    same_again(run_module, calls, main, {'name': 'demo', 'public_key': public})


def test_key_pair_file_name(aws, run_module, calls, tmp_path):
    main = module('key_pair').main
    path = tmp_path / 'demo.pem'
    made_by(run_module, main, {'name': 'demo', 'file_name': str(path)})
    assert [k['KeyName'] for k in aws.describe_key_pairs()['KeyPairs']] == ['demo']
    assert 'PRIVATE KEY' in path.read_text() and stat.S_IMODE(os.stat(str(path)).st_mode) == 0o400
    same_again(run_module, calls, main, {'name': 'demo', 'private_key_path': str(path)})


# -- instance -------------------------------------------------------------------------------------------------------

@pytest.fixture
def fleet(aws):
    """A VPC with two subnets and a web group (no stack's), an image and an instance profile: what instances need."""
    vpc = aws.create_vpc(CidrBlock='10.50.0.0/16')['Vpc']['VpcId']
    subnets = [aws.create_subnet(VpcId=vpc, CidrBlock='10.50.%d.0/24' % i, AvailabilityZone='us-east-1%s' % z)['Subnet']['SubnetId']
               for i, z in ((1, 'a'), (2, 'b'))]
    web = aws.create_security_group(GroupName='demo-web', Description='web', VpcId=vpc)['GroupId']
    image = sorted(aws.describe_images(Owners=[DEBIAN_OWNER])['Images'], key=lambda i: i['ImageId'])[0]['ImageId']
    profile = boto3.client('iam', region_name=REGION).create_instance_profile(InstanceProfileName='demo-web')['InstanceProfile']
    return {'subnets': subnets, 'web': web, 'image': image, 'profile': profile}


def live(aws):
    out = []
    for r in aws.describe_instances(Filters=[{'Name': 'tag:Stack', 'Values': ['demo']},
                                             {'Name': 'instance-state-name', 'Values': ['pending', 'running']}])['Reservations']:
        out.extend(r['Instances'])
    return sorted(out, key=lambda i: [t['Value'] for t in i['Tags'] if t['Key'] == 'Name'][0])


@pytest.fixture
def deprecations(monkeypatch):
    """The deprecations AnsibleModule's argument checks find (what a play shows as DEPRECATION WARNING)."""
    seen = []
    original = arg_spec.ArgumentSpecValidator.validate

    def spy(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        seen.extend(result._deprecations)
        return result
    monkeypatch.setattr(arg_spec.ArgumentSpecValidator, 'validate', spy)
    return seen


def role_args(fleet, in_roles, **options):
    """The web role with ``options``: top-level, or in its entry of roles."""
    args = {'stack': 'demo', 'image_id': fleet['image'], 'instance_type': 't3.micro'}
    web = {'name': 'web'}
    (web if in_roles else args).update(options)
    if in_roles:
        args['roles'] = [web]
    else:
        args.update(web)
    return args


WHERE = [False, True]
INSTANCE_CASES = [('vpc_subnet_id', 'subnet_ids'), ('subnet_id', 'subnet_ids'), ('security_group', 'security_groups'),
                  ('instance_role', 'iam_instance_profile')]
covers('instance', [(alias, prefix + option) for prefix in ('', 'roles[].') for alias, option in INSTANCE_CASES + [('count', 'exact_count')]])


@pytest.mark.parametrize('in_roles', WHERE, ids=['top', 'roles'])
def test_instance_count_is_exact_count_and_deprecated(aws, run_module, calls, fleet, deprecations, in_roles):
    main = module('instance').main
    made = made_by(run_module, main, role_args(fleet, in_roles, count=2, subnet_ids=fleet['subnets']))
    assert made['launched'] == ['demo-web-1', 'demo-web-2'] and len(live(aws)) == 2
    said = [d for d in deprecations if "'%scount'" % ('roles[0].' if in_roles else '') in d['msg']]
    assert said and all(d['version'] == '0.3.0' and d['collection_name'] == 'seed.laravel_aws' for d in said), deprecations
    # an exact count: the same task again launches nothing (amazon.aws's count would launch two more)
    same_again(run_module, calls, main, role_args(fleet, in_roles, count=2, subnet_ids=fleet['subnets']))
    del deprecations[:]
    same_again(run_module, calls, main, role_args(fleet, in_roles, exact_count=2, subnet_ids=fleet['subnets']))
    assert not [d for d in deprecations if 'count' in d['msg']]
    # an error names the option as the task wrote it
    bad = run_module(main, role_args(fleet, in_roles, count=-1, subnet_ids=fleet['subnets']))
    assert bad['failed'] and bad['field'] == ('roles[0].count' if in_roles else 'count'), bad
    bad = run_module(main, role_args(fleet, in_roles, exact_count=-1, subnet_ids=fleet['subnets']))
    assert bad['failed'] and bad['field'] == ('roles[0].exact_count' if in_roles else 'exact_count'), bad


@pytest.mark.parametrize('in_roles', WHERE, ids=['top', 'roles'])
@pytest.mark.parametrize('alias,option', INSTANCE_CASES)
def test_instance(aws, run_module, calls, fleet, in_roles, alias, option):
    main = module('instance').main
    # amazon.aws's single values: one subnet, one group
    values = {'subnet_ids': fleet['subnets'][1], 'security_groups': 'demo-web', 'iam_instance_profile': 'demo-web'}
    base = {'exact_count': 1, 'subnet_ids': [fleet['subnets'][0]]}
    base.pop(option, None)
    made_by(run_module, main, role_args(fleet, in_roles, **dict(base, **{alias: values[option]})))
    (raw,) = live(aws)
    if option == 'subnet_ids':
        assert raw['SubnetId'] == fleet['subnets'][1]
    elif option == 'security_groups':
        assert [g['GroupId'] for g in raw['SecurityGroups']] == [fleet['web']]
    else:
        assert raw['IamInstanceProfile']['Arn'] == fleet['profile']['Arn']
    own = [values[option]] if option != 'iam_instance_profile' else values[option]
    same_again(run_module, calls, main, role_args(fleet, in_roles, **dict(base, **{option: own})))


# -- load_balancer --------------------------------------------------------------------------------------------------

@pytest.fixture
def two_zones(aws):
    vpc = aws.create_vpc(CidrBlock='10.30.0.0/16')['Vpc']['VpcId']
    subnets = [aws.create_subnet(VpcId=vpc, CidrBlock='10.30.%d.0/24' % i, AvailabilityZone='us-east-1%s' % z)['Subnet']['SubnetId']
               for i, z in ((0, 'a'), (1, 'b'))]
    aws.create_security_group(GroupName='demo-alb', Description='alb', VpcId=vpc)
    return {'vpc': vpc, 'subnets': subnets}


covers('load_balancer', [('deregistration_delay_timeout', 'target_groups[].deregistration_delay')])


def test_load_balancer_deregistration_delay_timeout(aws, run_module, calls, two_zones):
    main = module('load_balancer').main
    args = {'name': 'demo-alb', 'subnets': two_zones['subnets'], 'security_groups': ['demo-alb']}
    made_by(run_module, main, dict(args, target_groups=[{'name': 'demo-web', 'port': 80, 'deregistration_delay_timeout': 42}]))
    elb = boto3.client('elbv2', region_name=REGION)
    (group,) = elb.describe_target_groups(Names=['demo-web'])['TargetGroups']
    attributes = dict((a['Key'], a['Value']) for a in elb.describe_target_group_attributes(TargetGroupArn=group['TargetGroupArn'])['Attributes'])
    assert attributes['deregistration_delay.timeout_seconds'] == '42'
    same_again(run_module, calls, main, dict(args, target_groups=[{'name': 'demo-web', 'port': 80, 'deregistration_delay': 42}]))


# -- target ---------------------------------------------------------------------------------------------------------

@pytest.fixture
def group(aws):
    vpc = aws.create_vpc(CidrBlock='10.60.0.0/16')['Vpc']['VpcId']
    subnet = aws.create_subnet(VpcId=vpc, CidrBlock='10.60.0.0/24', AvailabilityZone='us-east-1a')['Subnet']['SubnetId']
    image = aws.describe_images(Owners=[DEBIAN_OWNER])['Images'][0]['ImageId']
    ids = sorted(i['InstanceId'] for i in aws.run_instances(ImageId=image, MinCount=2, MaxCount=2, SubnetId=subnet)['Instances'])
    elb = boto3.client('elbv2', region_name=REGION)
    arn = elb.create_target_group(Name='demo-web', Protocol='HTTP', Port=80, VpcId=vpc)['TargetGroups'][0]['TargetGroupArn']
    return {'elb': elb, 'arn': arn, 'ids': ids}


def registered(group):
    health = group['elb'].describe_target_health(TargetGroupArn=group['arn'])['TargetHealthDescriptions']
    return sorted((d['Target']['Id'], d['Target']['Port']) for d in health)


TARGET_CASES = covers('target', [('target_group_name', 'target_group'), ('target_group_arn', 'target_group'),
                                 ('target_id', 'targets'), ('target_port', 'port')])


@pytest.mark.parametrize('alias,option', TARGET_CASES)
def test_target(aws, run_module, calls, group, alias, option):
    main = module('target').main
    values = {'target_group_name': 'demo-web', 'target_group_arn': group['arn'], 'target_id': group['ids'][0], 'target_port': 8080}
    args = {'target_group': 'demo-web', 'targets': group['ids']}
    args.pop(option, None)
    made_by(run_module, main, dict(args, **{alias: values[alias]}))
    want = {'target_group_name': [(i, 80) for i in group['ids']], 'target_group_arn': [(i, 80) for i in group['ids']],
            'target_id': [(group['ids'][0], 80)], 'target_port': [(i, 8080) for i in group['ids']]}
    assert registered(group) == want[alias]
    own = [values[alias]] if option == 'targets' else values[alias]
    same_again(run_module, calls, main, dict(args, **{option: own}))


# -- certificate ----------------------------------------------------------------------------------------------------

covers('certificate', [('name_tag', 'name')])


def test_certificate_name_tag(aws, run_module, calls):
    main = module('certificate').main
    pem, key = self_signed('www.example.com')
    made = made_by(run_module, main, {'name_tag': 'demo-site', 'certificate': pem, 'private_key': key})
    acm = boto3.client('acm', region_name=REGION)
    tags = acm.list_tags_for_certificate(CertificateArn=made['certificate']['arn'])['Tags']
    assert {'Key': 'Name', 'Value': 'demo-site'} in tags
    same_again(run_module, calls, main, {'name': 'demo-site', 'certificate': pem, 'private_key': key})


# -- cache_cluster --------------------------------------------------------------------------------------------------

@pytest.fixture
def cache_net(aws, monkeypatch):
    monkeypatch.setattr(waiters, 'SLEEP', lambda s: None)
    vpc = aws.create_vpc(CidrBlock='10.81.0.0/16')['Vpc']['VpcId']
    subnets = [aws.create_subnet(VpcId=vpc, CidrBlock='10.81.%d.0/24' % i, AvailabilityZone='us-east-1%s' % z)['Subnet']['SubnetId']
               for i, z in ((1, 'a'), (2, 'b'))]
    sg = aws.create_security_group(GroupName='demo-redis', Description='redis', VpcId=vpc)['GroupId']
    cache = boto3.client('elasticache', region_name=REGION)
    cache.create_cache_subnet_group(CacheSubnetGroupName='demo-cache', CacheSubnetGroupDescription='d', SubnetIds=subnets)
    return {'sg': sg, 'cache': cache}


@pytest.mark.parametrize('alias,option,value', covers('cache_cluster', [
    ('cache_engine_version', 'engine_version', '7.0'),  # not the default (7.1)
    ('cache_port', 'port', 6380),
    ('cache_subnet_group', 'cache_subnet_group_name', 'demo-cache'),
    ('security_group_ids', 'security_groups', None),  # the group's id, made by the fixture
]))
def test_cache_cluster(run_module, calls, cache_net, alias, option, value):
    main = module('cache_cluster').main
    value = [cache_net['sg']] if value is None else value
    args = {'name': 'demo-redis', 'cache_subnet_group_name': 'demo-cache', 'security_groups': ['demo-redis'], 'engine_version': '7.1'}
    args.pop(option, None)
    made_by(run_module, main, dict(args, **{alias: value}))
    (group,) = cache_net['cache'].describe_replication_groups(ReplicationGroupId='demo-redis')['ReplicationGroups']
    (member,) = cache_net['cache'].describe_cache_clusters(CacheClusterId=group['MemberClusters'][0])['CacheClusters']
    shown = {'engine_version': member['EngineVersion'], 'port': group['NodeGroups'][0]['PrimaryEndpoint']['Port'],
             'cache_subnet_group_name': member['CacheSubnetGroupName'],
             'security_groups': [g['SecurityGroupId'] for g in member['SecurityGroups']]}
    assert shown[option] == value, (group, member)
    same_again(run_module, calls, main, dict(args, **{option: value}))


# -- rds_instance ---------------------------------------------------------------------------------------------------

PASSWORD = 'Sup3r-secret_pw!'


@pytest.fixture
def db_net(aws, monkeypatch):
    monkeypatch.setattr(waiters, 'SLEEP', lambda s: None)
    vpc = aws.create_vpc(CidrBlock='10.90.0.0/16')['Vpc']['VpcId']
    subnets = [aws.create_subnet(VpcId=vpc, CidrBlock='10.90.%d.0/24' % i, AvailabilityZone='us-east-1%s' % z)['Subnet']['SubnetId']
               for i, z in ((0, 'a'), (1, 'b'))]
    sg = aws.create_security_group(GroupName='demo-db', Description='db', VpcId=vpc)['GroupId']
    rds = boto3.client('rds', region_name=REGION)
    rds.create_db_subnet_group(DBSubnetGroupName='demo-db', DBSubnetGroupDescription='db', SubnetIds=subnets)
    return {'sg': sg, 'rds': rds}


def db_args(**extra):
    args = {'identifier': 'demo-db', 'engine_version': '16.4', 'db_subnet_group_name': 'demo-db', 'security_groups': ['demo-db'],
            'master_username': 'laravel', 'master_user_password': PASSWORD}
    args.update(extra)
    return args


def stored_password(identifier):
    """The master password as moto keeps it (AWS never gives it back)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.rds.models import rds_backends
    return rds_backends[DEFAULT_ACCOUNT_ID][REGION].databases[identifier]._master_user_password  # its getter refuses


RDS_CASES = [
    ('db_instance_identifier', 'identifier', 'demo-db', lambda raw: raw['DBInstanceIdentifier']),
    ('instance_id', 'identifier', 'demo-db', lambda raw: raw['DBInstanceIdentifier']),
    ('id', 'identifier', 'demo-db', lambda raw: raw['DBInstanceIdentifier']),
    ('db_instance_class', 'instance_class', 'db.t4g.small', lambda raw: raw['DBInstanceClass']),
    ('class', 'instance_class', 'db.t4g.small', lambda raw: raw['DBInstanceClass']),
    ('instance_type', 'instance_class', 'db.t4g.small', lambda raw: raw['DBInstanceClass']),
    ('subnet_group', 'db_subnet_group_name', 'demo-db', lambda raw: raw['DBSubnetGroup']['DBSubnetGroupName']),
    ('vpc_security_group_ids', 'security_groups', None, lambda raw: [g['VpcSecurityGroupId'] for g in raw['VpcSecurityGroups']]),
    ('backup_window', 'preferred_backup_window', '03:00-03:30', lambda raw: raw['PreferredBackupWindow']),
    ('maintenance_window', 'preferred_maintenance_window', 'sun:05:00-sun:06:00', lambda raw: raw['PreferredMaintenanceWindow']),
    ('username', 'master_username', 'laravel', lambda raw: raw['MasterUsername']),
    ('password', 'master_user_password', PASSWORD, lambda raw: stored_password(raw['DBInstanceIdentifier'])),
]


@pytest.mark.parametrize('alias,option,value,shown', covers('rds_instance', RDS_CASES), ids=[c[0] for c in RDS_CASES])
def test_rds_instance(run_module, calls, db_net, alias, option, value, shown):
    main = module('rds_instance').main
    value = [db_net['sg']] if value is None else value
    args = db_args()
    args.pop(option, None)
    made = made_by(run_module, main, dict(args, **{alias: value}))
    (raw,) = db_net['rds'].describe_db_instances()['DBInstances']
    assert shown(raw) == value, raw
    assert PASSWORD not in json.dumps(made)
    same_again(run_module, calls, main, dict(args, **{option: value}))


covers('rds_instance', [('final_db_snapshot_identifier', 'final_snapshot_identifier')])


def test_rds_instance_final_db_snapshot_identifier(run_module, calls, db_net):
    main = module('rds_instance').main
    made_by(run_module, main, db_args())
    made_by(run_module, main, {'identifier': 'demo-db', 'state': 'absent', 'final_db_snapshot_identifier': 'demo-db-final'})
    assert db_net['rds'].describe_db_instances()['DBInstances'] == []
    snapshots = db_net['rds'].describe_db_snapshots(DBInstanceIdentifier='demo-db', SnapshotType='manual')['DBSnapshots']
    assert [s['DBSnapshotIdentifier'] for s in snapshots] == ['demo-db-final']
    same_again(run_module, calls, main, {'identifier': 'demo-db', 'state': 'absent', 'final_snapshot_identifier': 'demo-db-final'})


# -- route_table ----------------------------------------------------------------------------------------------------

covers('route_table', [('subnets', 'subnet_ids')])


def test_route_table_subnets(aws, run_module, calls, vpc):
    main = module('route_table').main
    subnet = aws.create_subnet(VpcId=vpc, CidrBlock='10.20.1.0/24')['Subnet']['SubnetId']
    args = {'vpc_id': vpc, 'name': 'demo-public'}
    made = made_by(run_module, main, dict(args, subnets=[subnet]))
    (table,) = aws.describe_route_tables(RouteTableIds=[made['route_table']['id']])['RouteTables']
    assert [a['SubnetId'] for a in table['Associations'] if a.get('SubnetId')] == [subnet]
    same_again(run_module, calls, main, dict(args, subnet_ids=[subnet]))
    # amazon.aws's module takes a CIDR there; this one ids only, refused before any call, naming the option
    del calls[:]
    refused = run_module(main, dict(args, subnets=['10.20.1.0/24']))
    assert refused['failed'] and refused['field'] == 'subnet_ids[0]' and calls == [], refused
