"""The bad-input catalogue: modules, the inventory plugin and the roles.

Every entry is a mistake a user makes. Each must fail with a message that
names the field, and change nothing: the emulator sees no mutating request
(modules, inventory), the host reports changed=0 (roles, in check mode on
this machine, stopped by their input checks before any package or file task).
The catalogue's size is asserted, so shrinking it is a visible change.
"""
import json
import re
import subprocess

import yaml

from conftest import ROOT, ansible_env

A = 'seed.laravel_aws.'

NET = {'name': 'bad', 'cidr_block': '10.40.0.0/16', 'availability_zones': ['us-east-1a', 'us-east-1b'],
       'public_subnets': ['10.40.0.0/24', '10.40.1.0/24'], 'private_subnets': ['10.40.10.0/24', '10.40.11.0/24'],
       'nat_gateway': 'single',
       'security_groups': [{'name': 'web', 'rules': [{'proto': 'tcp', 'ports': [80], 'cidr_ip': '0.0.0.0/0'}]},
                           {'name': 'db', 'rules': [{'proto': 'tcp', 'ports': [5432], 'group': 'web'}]}]}


def net(**changes):
    spec = json.loads(json.dumps(NET))
    spec.update(changes)
    return spec


def group(name, rules):
    return {'name': name, 'rules': rules}


def module_cases(vpc, subnet, existing_file):
    """title: (module, args, the field the error must name)."""
    inst = {'stack': 'bad', 'name': 'web', 'image_id': 'ami-12345678', 'subnet_ids': [subnet]}
    return {
        # network
        'network: VPC CIDR /33': ('network', net(cidr_block='10.40.0.0/33'), 'cidr_block'),
        'network: subnet outside the VPC': ('network', net(public_subnets=['10.40.0.0/24', '10.41.0.0/24']), 'public_subnets[1]'),
        'network: overlapping subnets': ('network', net(private_subnets=['10.40.0.0/25', '10.40.11.0/24']), 'private_subnets[0]'),
        'network: unknown zone': ('network', net(availability_zones=['us-east-1a', 'us-east-1x']), 'availability_zones[1]'),
        'network: port 70000': ('network', net(security_groups=[group('web', [{'ports': 70000, 'cidr_ip': '0.0.0.0/0'}])]),
                                'security_groups[0].rules[0].ports'),
        'network: rule to a missing group': ('network', net(security_groups=[group('db', [{'ports': 5432, 'group': 'nope'}])]),
                                             'security_groups[0].rules[0].group'),
        'network: SSH from anywhere': ('network', net(security_groups=[group('web', [{'ports': 22, 'cidr_ip': '0.0.0.0/0'}])]),
                                       'security_groups[0].rules[0].cidr_ip'),
        'network: all traffic from anywhere': ('network', net(security_groups=[group('web', [{'proto': 'all', 'cidr_ip': '0.0.0.0/0'}])]),
                                               'security_groups[0].rules[0].cidr_ip'),
        'network: NAT without private subnets': ('network', net(private_subnets=[]), 'nat_gateway'),
        'network: a group listed twice': ('network', net(security_groups=[group('web', []), group('web', [])]), 'security_groups[1].name'),
        'network: unknown rule key': ('network', net(security_groups=[group('web', [{'ports': 80, 'cidr': '0.0.0.0/0'}])]),
                                      'security_groups[0].rules[0]'),
        'network: more zones than subnets can use': ('network', net(cidr_block='10.40.0.0/16', public_subnets=['10.40.0.0/24']),
                                                     'public_subnets'),
        # single network resources
        'vpc: a CIDR that is not one': ('vpc', {'name': 'bad', 'cidr_block': 'banana'}, 'cidr_block'),
        'subnet: outside its VPC': ('subnet', {'vpc_id': vpc, 'cidr_block': '10.99.0.0/24'}, 'cidr_block'),
        'subnet: unknown zone': ('subnet', {'vpc_id': vpc, 'cidr_block': '10.50.5.0/24', 'availability_zone': 'us-east-1x'},
                                 'availability_zone'),
        'security_group: backwards range': ('security_group', {'vpc_id': vpc, 'name': 'x', 'rules': [{'ports': '8100-8000', 'cidr_ip': '10.0.0.0/8'}]},
                                            'rules[0].ports'),
        'security_group: unknown protocol': ('security_group', {'vpc_id': vpc, 'name': 'x', 'rules': [{'proto': 'gre', 'cidr_ip': '10.0.0.0/8'}]},
                                             'rules[0].proto'),
        'security_group: SSH from ::/0': ('security_group', {'vpc_id': vpc, 'name': 'x', 'rules': [{'ports': 22, 'cidr_ipv6': '::/0'}]},
                                          'rules[0].cidr_ipv6'),
        'security_group: a range over 22 from anywhere': ('security_group', {'vpc_id': vpc, 'name': 'x',
                                                                             'rules': [{'ports': '1-1024', 'cidr_ip': '0.0.0.0/0'}]},
                                                          'rules[0].cidr_ip'),
        'security_group: tag key aws:': ('security_group', {'vpc_id': vpc, 'name': 'x', 'tags': {'aws:owner': 'me'}}, 'tags'),
        'route_table: route without a target': ('route_table', {'vpc_id': vpc, 'name': 'x', 'routes': [{'dest': '0.0.0.0/0'}]}, 'routes[0]'),
        'nat_gateway: in a VPC id': ('nat_gateway', {'name': 'x', 'subnet_id': 'vpc-123'}, 'subnet_id'),
        'elastic_ip: no name': ('elastic_ip', {'tags': {'a': 'b'}}, 'name'),
        'internet_gateway: for a subnet id': ('internet_gateway', {'vpc_id': 'subnet-1'}, 'vpc_id'),
        # key pair
        'key_pair: missing public key file': ('key_pair', {'name': 'bad', 'public_key_path': '/nonexistent/id_ed25519.pub'}, 'public_key_path'),
        'key_pair: existing private key path': ('key_pair', {'name': 'bad', 'private_key_path': existing_file}, 'private_key_path'),
        'key_pair: not a public key': ('key_pair', {'name': 'bad', 'public_key': 'ssh-ed25519 not-base64'}, 'public_key'),
        'key_pair: private key folder missing': ('key_pair', {'name': 'bad', 'private_key_path': '/nonexistent/dir/key'}, 'private_key_path'),
        # instances
        'instance: negative count': ('instance', dict(inst, count=-1), 'count'),
        'instance: not an AMI id': ('instance', dict(inst, image_id='banana'), 'image_id'),
        'instance: a VPC id as subnet': ('instance', dict(inst, subnet_ids=['vpc-123']), 'subnet_ids[0]'),
        'instance: a missing security group': ('instance', dict(inst, security_groups=['nope']), 'security_groups[0]'),
        'instance: root volume of 0 GiB': ('instance', dict(inst, root_volume={'size': 0}), 'root_volume.size'),
        'instance: a name with spaces': ('instance', dict(inst, name='web server'), 'name'),
        # the stack's domain, as the preflight checks it before anything is made (its fields are the variables' names)
        'preflight: domain_www without a domain': ('preflight', {'domain_www': 'alias'}, 'domain_www'),
        'preflight: a wildcard for the domain': ('preflight', {'domain': '*.shop.example.com'}, 'domain'),
        'preflight: a label longer than DNS allows': ('preflight', {'domain': 'a' * 64 + '.example.com'}, 'domain'),
        'preflight: a domain outside its zone': ('preflight', {'domain': 'shop.example.com', 'domain_zone': 'example.org'}, 'domain'),
        'preflight: a zone that is not there': ('preflight', {'domain': 'shop.example.com', 'domain_zone': 'example.com'}, 'domain_zone'),
        'route53_record: an alias to an ALB of another region': ('route53_record', {
            'zone': 'example.com', 'name': 'shop.example.com', 'type': 'A',
            'alias': {'dns_name': 'demo-alb-1234567890.eu-west-1.elb.amazonaws.com', 'hosted_zone_id': 'Z32O12XQLNTSW2'}},
            'alias.dns_name'),
        # the connection options every module shares
        'connection: endpoint without scheme': ('vpc', {'name': 'bad', 'cidr_block': '10.40.0.0/16', 'endpoint_url': '127.0.0.1:5000'},
                                                'endpoint_url'),
        'connection: access key alone': ('vpc', {'name': 'bad', 'cidr_block': '10.40.0.0/16', 'access_key': 'AKIAEXAMPLE',
                                                 'secret_key': ''}, 'secret_key'),
    }


def test_module_catalogue_names_the_field_and_changes_nothing(playbook, aws, tmp_path):
    ec2 = aws.ec2()
    vpc = ec2.create_vpc(CidrBlock='10.50.0.0/16')['Vpc']['VpcId']
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock='10.50.1.0/24', AvailabilityZone='us-east-1a')['Subnet']['SubnetId']
    existing = tmp_path / 'id_ed25519'
    existing.write_text('not to be overwritten\n')
    aws._get('/_seed/requests', method='DELETE')
    cases = module_cases(vpc, subnet, str(existing))
    assert len(cases) >= 30
    tasks = []
    for title, (module, args, _field) in cases.items():
        tasks.append({'name': title, A + module: args, 'ignore_errors': True})
    run = playbook(tasks)
    wrong = []
    for title, (module, args, field) in cases.items():
        result = run.task(title)
        if result.get('failed') is not True or result.get('field') != field or field.split('[')[0].split('.')[0] not in result.get('msg', ''):
            wrong.append((title, field, result.get('field'), result.get('msg')))
    assert wrong == [], wrong
    assert aws.mutating() == []
    assert existing.read_text() == 'not to be overwritten\n'
    assert ec2.describe_key_pairs()['KeyPairs'] == []


INVENTORY_CASES = {
    'a region that is not one': ({'regions': ['us-east1']}, 'regions[0]'),
    'an endpoint without scheme': ({'endpoint_url': '127.0.0.1:5000'}, 'endpoint_url'),
    'a stack with a wildcard': ({'stack': 'demo*'}, 'stack'),
    'an unknown hostname source': ({'hostnames': ['tag:Name', 'ip']}, 'hostnames[1]'),
    'an empty role tag': ({'role_tag': ''}, 'role_tag'),
    'an access key alone': ({'access_key': 'AKIAEXAMPLE', 'secret_key': ''}, 'secret_key'),
    'an unknown option': ({'stacks': ['demo']}, 'stacks'),
}


def test_inventory_catalogue_names_the_option_and_sends_nothing(aws, tmp_path):
    for title, (options, field) in INVENTORY_CASES.items():
        config = {'plugin': 'seed.laravel_aws.ec2', 'regions': ['us-east-1'], 'endpoint_url': aws.url, 'stack': 'demo'}
        config.update(options)
        path = tmp_path / 'bad.ec2.yml'
        path.write_text(json.dumps(config))
        env = ansible_env(ANSIBLE_INVENTORY_ENABLED='seed.laravel_aws.ec2', ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED='true')
        proc = subprocess.run(['ansible-inventory', '-i', str(path), '--list'], cwd=ROOT, env=env, check=False,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode != 0, title
        message = ' '.join(proc.stderr.split())  # ansible wraps long warnings
        assert re.search(r'(?<![\w.])%s(?![\w\[.])' % re.escape(field), message), (title, message[-1500:])
    assert aws.requests() == []


ROLE_CASES = {
    'laravel: empty repo URL': ('laravel', {'laravel_repo': ''}, 'laravel_repo'),
    'laravel: missing DB password': ('laravel', {'laravel_db_password': ''}, 'laravel_db_password'),
    'laravel: APP_KEY of the wrong shape': ('laravel', {'laravel_app_key': 'base64:short'}, 'laravel_app_key'),
    'laravel: root outside /var/www': ('laravel', {'laravel_root': '/tmp/app'}, 'laravel_root'),
    'laravel: keep no release': ('laravel', {'laravel_keep_releases': 0}, 'laravel_keep_releases'),
    'laravel: an empty version': ('laravel', {'laravel_version': ' '}, 'laravel_version'),
    'apache: a web group with a space': ('apache', {'apache_web_group': 'web group'}, 'apache_web_group'),
    'php: an unknown extension': ('php', {'php_extensions': ['pgsqll']}, 'php_extensions'),
    'postgresql: a user without password': ('postgresql', {'postgresql_users': [{'name': 'app'}]}, 'postgresql_users'),
    'postgresql: a /40 network in pg_hba': ('postgresql', {'postgresql_hba_entries': [
        {'database': 'app', 'user': 'app', 'address': '10.20.0.0/40'}]}, 'postgresql_hba_entries'),
    'composer: an unknown install method': ('composer', {'composer_install_method': 'curl'}, 'composer_install_method'),
}

LARAVEL_OK = {'laravel_repo': 'https://git.example.com/app.git', 'laravel_db_password': 'not-used-here'}


def test_role_catalogue_stops_before_any_change(tmp_path):
    """Each role's input checks run first; in check mode on this machine, so a miss could not change it."""
    tasks = []
    for title, (role, overrides, _field) in ROLE_CASES.items():
        role_vars = dict(LARAVEL_OK if role == 'laravel' else {}, **overrides)
        tasks.append({'name': title, 'block': [
            {'name': 'apply ' + title, 'ansible.builtin.include_role': {'name': A + role}, 'vars': role_vars},
            {'name': 'not stopped: ' + title, 'ansible.builtin.set_fact': {'missed': '{{ missed + [%r] }}' % title}},
        ], 'rescue': [
            {'name': 'stopped: ' + title, 'ansible.builtin.set_fact': {'stops': (
                "{{ stops | combine({%r: ([ansible_failed_result.msg | string] + (ansible_failed_result.results | default([])"
                " | selectattr('failed', 'defined') | selectattr('failed') | map(attribute='msg') | list)) | join('; ')}) }}" % title)}},
        ]})
    play = [{'name': 'roles refuse bad input', 'hosts': 'localhost', 'connection': 'local', 'gather_facts': True,
             'gather_subset': ['!all', 'min'],
             'vars': {'ansible_python_interpreter': '{{ ansible_playbook_python }}', 'missed': [], 'stops': {}},
             'tasks': tasks + [{'name': 'report', 'ansible.builtin.debug': {'msg': {'missed': '{{ missed }}', 'stops': '{{ stops }}'}}}]}]
    path = tmp_path / 'roles.yml'
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    proc = subprocess.run(['ansible-playbook', '-i', 'localhost,', '--check', str(path)], cwd=ROOT, env=ansible_env(),
                          check=False, capture_output=True, text=True, timeout=600)
    data = json.loads(proc.stdout)
    report = [t for t in data['plays'][0]['tasks'] if t['task']['name'] == 'report'][0]['hosts']['localhost']['msg']
    assert report['missed'] == []
    wrong = dict((title, report['stops'].get(title)) for title, (_r, _o, field) in ROLE_CASES.items()
                 if field not in (report['stops'].get(title) or ''))
    assert wrong == {}
    assert data['stats']['localhost']['changed'] == 0


def test_the_catalogue_has_thirty_entries_or_more(tmp_path):
    assert len(module_cases('vpc-1', 'subnet-1', '/x')) + len(INVENTORY_CASES) + len(ROLE_CASES) >= 30
