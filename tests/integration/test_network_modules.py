"""The single network modules composed in a playbook, as users of amazon.aws-style modules write it."""

A = 'seed.laravel_aws.'


def build(state='present'):
    """The tasks of a small network, one module per resource (reverse order for absent)."""
    tags = {'Stack': 'mods'}
    vpc = {'name': 'build vpc', A + 'vpc': {'name': 'mods-vpc', 'cidr_block': '10.30.0.0/16', 'tags': tags}, 'register': 'vpc'}
    tasks = [
        {'name': 'subnet', A + 'subnet': {'vpc_id': '{{ vpc.vpc.id }}', 'cidr_block': '10.30.0.0/24', 'availability_zone': 'us-east-1a',
                                          'map_public_ip_on_launch': True, 'name': 'mods-public', 'tags': tags, 'state': state},
         'register': 'subnet'},
        {'name': 'igw', A + 'internet_gateway': {'vpc_id': '{{ vpc.vpc.id }}', 'name': 'mods-igw', 'tags': tags, 'state': state},
         'register': 'igw'},
        {'name': 'eip', A + 'elastic_ip': {'name': 'mods-nat', 'tags': tags, 'state': state}, 'register': 'eip'},
        {'name': 'nat', A + 'nat_gateway': {'name': 'mods-nat', 'subnet_id': '{{ subnet.subnet.id }}',
                                            'allocation_id': '{{ eip.address.allocation_id }}', 'tags': tags, 'state': state},
         'register': 'nat'},
        {'name': 'routes', A + 'route_table': {'vpc_id': '{{ vpc.vpc.id }}', 'name': 'mods-public', 'tags': tags, 'state': state,
                                               'routes': [{'dest': '0.0.0.0/0', 'gateway_id': '{{ igw.internet_gateway.id }}'}],
                                               'subnet_ids': ['{{ subnet.subnet.id }}']}},
        {'name': 'sg', A + 'security_group': {'vpc_id': '{{ vpc.vpc.id }}', 'name': 'mods-web', 'description': 'web', 'tags': tags,
                                              'state': state, 'rules': [{'ports': [80, 443], 'cidr_ip': '0.0.0.0/0'}]}},
    ]
    if state == 'absent':
        # ids of what is being removed come from a present-state lookup first
        lookups = [dict(t, name='find ' + t['name']) for t in build('present')[1:4]]
        for t in lookups:
            module = [k for k in t if k.startswith(A)][0]
            t[module] = dict(t[module], state='present')
        rest = list(reversed(tasks))
        # moto keeps a deleted NAT gateway's address associated (AWS frees it): let the release disassociate it
        for t in rest:
            if A + 'elastic_ip' in t:
                t[A + 'elastic_ip'] = dict(t[A + 'elastic_ip'], release_on_disassociation=True)
        return [vpc] + lookups + rest + [{'name': 'vpc gone', A + 'vpc': dict(vpc[A + 'vpc'], state='absent')}]
    return [vpc] + tasks


def changed_tasks(run):
    return sorted(t['task']['name'] for p in run.data['plays'] for t in p['tasks'] if t['hosts']['localhost'].get('changed'))


def test_single_modules_build_rerun_and_remove(playbook, aws):
    plan = playbook(build()[:1], check=True)
    assert plan.task('build vpc')['changed'] is True and aws.mutating() == []

    first = playbook(build(), diff=True)
    assert first.rc == 0, first.stdout[-3000:]
    assert changed_tasks(first) == sorted(['build vpc', 'subnet', 'igw', 'eip', 'nat', 'routes', 'sg'])
    nat = first.task('nat')['nat_gateway']
    assert nat['state'] == 'available' and nat['allocation_id'] == first.task('eip')['address']['allocation_id']

    aws._get('/_seed/requests', method='DELETE')
    second = playbook(build())
    assert second.rc == 0 and changed_tasks(second) == []
    assert aws.mutating() == []

    gone = playbook(build('absent'))
    assert gone.rc == 0, gone.stdout[-3000:]
    ec2 = aws.ec2()
    f = [{'Name': 'tag:Stack', 'Values': ['mods']}]
    assert ec2.describe_vpcs(Filters=f)['Vpcs'] == []
    assert ec2.describe_addresses(Filters=f)['Addresses'] == []
    assert ec2.describe_security_groups(Filters=f)['SecurityGroups'] == []


def test_bad_inputs_of_single_modules_change_nothing(playbook, aws):
    vpc_id = aws.ec2().create_vpc(CidrBlock='10.30.0.0/16')['Vpc']['VpcId']
    aws._get('/_seed/requests', method='DELETE')
    cases = {
        'subnet outside vpc': (A + 'subnet', {'vpc_id': vpc_id, 'cidr_block': '10.31.0.0/24'}, 'cidr_block'),
        'unknown zone': (A + 'subnet', {'vpc_id': vpc_id, 'cidr_block': '10.30.0.0/24', 'availability_zone': 'us-east-1x'},
                         'availability_zone'),
        'port 70000': (A + 'security_group', {'vpc_id': vpc_id, 'name': 'x', 'rules': [{'ports': 70000, 'cidr_ip': '0.0.0.0/0'}]},
                       'rules[0].ports'),
        'missing group': (A + 'security_group', {'vpc_id': vpc_id, 'name': 'x', 'rules': [{'ports': 80, 'group': 'nope'}]},
                          'rules[0].group'),
        'route without target': (A + 'route_table', {'vpc_id': vpc_id, 'name': 'x', 'routes': [{'dest': '0.0.0.0/0'}]}, 'routes[0]'),
        'nat in a non-subnet': (A + 'nat_gateway', {'name': 'x', 'subnet_id': 'vpc-123'}, 'subnet_id'),
        'eip without a name': (A + 'elastic_ip', {'tags': {'a': 'b'}}, 'name'),
        'igw for a non-vpc': (A + 'internet_gateway', {'vpc_id': 'subnet-1'}, 'vpc_id'),
    }
    tasks = [{'name': title, module: args, 'ignore_errors': True} for title, (module, args, field) in cases.items()]
    run = playbook(tasks)
    for title, (module, args, field) in cases.items():
        result = run.task(title)
        assert result.get('failed') is True, title
        assert result.get('field') == field, (title, result.get('msg'))
    assert aws.mutating() == []


def with_stack(tasks, stack):
    """The tasks with ``stack`` given to every module (and its Stack tag left to the module)."""
    out = []
    for t in tasks:
        module = [k for k in t if k.startswith(A)][0]
        args = dict(t[module], stack=stack)
        args.pop('tags', None)
        out.append(dict(t, **{module: args}))
    return out


def test_single_modules_refuse_what_another_stack_owns(playbook, aws):
    """Issue 30: stack mods-2 made its network under the names stack mods would use; every module run for mods, with a
    change to make or to delete, is refused naming both stacks, and nothing is sent."""
    theirs = playbook(with_stack(build(), 'mods-2'))
    assert theirs.rc == 0, theirs.stdout[-3000:]
    vpc_id, subnet_id = theirs.task('build vpc')['vpc']['id'], theirs.task('subnet')['subnet']['id']
    allocation_id = theirs.task('eip')['address']['allocation_id']
    aws._get('/_seed/requests', method='DELETE')
    cases = {  # title: (module, args, the field refused)
        'vpc': (A + 'vpc', {'name': 'mods-vpc', 'cidr_block': '10.30.0.0/16', 'tags': {'Owner': 'ops'}}, 'stack'),
        'vpc by id': (A + 'vpc', {'vpc_id': vpc_id, 'tags': {'Owner': 'ops'}}, 'vpc_id'),
        'subnet': (A + 'subnet', {'vpc_id': vpc_id, 'cidr_block': '10.30.0.0/24', 'map_public_ip_on_launch': False}, 'vpc_id'),
        'igw': (A + 'internet_gateway', {'vpc_id': vpc_id, 'name': 'mods-igw', 'state': 'detached'}, 'vpc_id'),
        'eip': (A + 'elastic_ip', {'name': 'mods-nat', 'tags': {'Owner': 'ops'}}, 'stack'),
        'eip by id': (A + 'elastic_ip', {'allocation_id': allocation_id, 'tags': {'Owner': 'ops'}}, 'allocation_id'),
        'nat': (A + 'nat_gateway', {'name': 'mods-nat', 'subnet_id': subnet_id, 'tags': {'Owner': 'ops'}}, 'subnet_id'),
        'routes': (A + 'route_table', {'vpc_id': vpc_id, 'name': 'mods-public', 'routes': [], 'purge_routes': True}, 'vpc_id'),
        'sg': (A + 'security_group', {'vpc_id': vpc_id, 'name': 'mods-web', 'rules': []}, 'vpc_id'),
    }
    for state in ('present', 'absent'):
        tasks = [{'name': title, module: dict(args, stack='mods', **({'state': 'absent'} if state == 'absent' else {})),
                  'ignore_errors': True} for title, (module, args, field) in cases.items()]
        run = playbook(tasks)
        for title, (module, args, field) in cases.items():
            result = run.task(title)
            assert result.get('failed') is True and result.get('field') == field, (state, title, result.get('msg'))
            assert "belongs to stack 'mods-2', not to stack 'mods'" in result['msg'], (state, title, result['msg'])
        assert aws.mutating() == []
    again = playbook(with_stack(build(), 'mods-2'))
    assert again.rc == 0 and changed_tasks(again) == []
