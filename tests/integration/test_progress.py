"""rds_instance with wait through ansible-playbook, through the action plugin of its name, against the emulator.

The emulator's RDS (aws profile, without its Docker data tier) walks a new instance through `creating` and
`backing-up` to `available`, and a change applied at once through `modifying`, at the profile's pace: this proves the
plugin runs the real module through ansible-playbook (a create without wait, then the last run with wait), returns the
module's result with changed true, sends one CreateDBInstance and nothing else that changes anything, prints the
statuses it reads (SEED_PROGRESS_INTERVAL makes the reads come at once) and no secret. The lines come before the json
callback's document, so the play runs here, not through the ``playbook``
fixture, which reads stdout as one JSON document.
"""
import json
import re
import subprocess

import boto3
import yaml

from conftest import READS, ROOT, ansible_env

A = 'seed.laravel_aws.'
PASSWORD = 'Pr0gress-pw_42'


def run_play(aws, tmp_path, tasks):
    play = [{'name': 'progress', 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
             'vars': {'ansible_python_interpreter': '{{ ansible_playbook_python }}'}, 'tasks': tasks}]
    path = tmp_path / 'play.yml'
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    proc = subprocess.run(['ansible-playbook', '-i', 'localhost,', str(path)], cwd=ROOT, check=False, capture_output=True, text=True,
                          timeout=600, env=ansible_env(SEED_PROGRESS_INTERVAL='0.2'))
    start = proc.stdout.index('\n{') + 1 if not proc.stdout.startswith('{') else 0
    lines, data = proc.stdout[:start].splitlines(), json.loads(proc.stdout[start:])
    results = dict((t['task']['name'], t['hosts']['localhost']) for p in data['plays'] for t in p['tasks'])
    return proc, lines, results


def test_rds_instance_with_wait_through_the_plugin(aws, tmp_path):
    conn = {'region': 'us-east-1', 'endpoint_url': aws.url}
    ec2 = aws.ec2()
    vpc = ec2.create_vpc(CidrBlock='10.70.0.0/16')['Vpc']['VpcId']
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock='10.70.%d.0/24' % i, AvailabilityZone='us-east-1' + z)['Subnet']['SubnetId']
               for i, z in enumerate('ab')]
    rds = boto3.client('rds', region_name='us-east-1', endpoint_url=aws.url, aws_access_key_id='testing', aws_secret_access_key='testing')
    rds.create_db_subnet_group(DBSubnetGroupName='progress-db', DBSubnetGroupDescription='db', SubnetIds=subnets)
    db = {'identifier': 'progress-db', 'db_subnet_group_name': 'progress-db', 'master_user_password': PASSWORD,
          'skip_final_snapshot': True, 'wait_timeout': 120}
    aws._get('/_seed/requests', method='DELETE')  # pylint: disable=protected-access
    tasks = [
        {'name': 'create', A + 'rds_instance': db, 'module_defaults': {A + 'rds_instance': conn}},
        {'name': 'modify', A + 'rds_instance': dict(db, backup_retention_period=3, apply_immediately=True),
         'module_defaults': {A + 'rds_instance': conn}},
    ]
    proc, lines, results = run_play(aws, tmp_path, tasks)
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
    created, modified = results['create'], results['modify']
    assert created['changed'] is True and created['rds_instance']['status'] == 'available'
    assert created['rds_instance']['identifier'] == 'progress-db'
    assert created['diff']['before'] == {}
    assert modified['changed'] is True and modified['rds_instance']['backup_retention_period'] == 3
    sent = [r for r in aws.requests() if not r['action'].startswith(READS)]
    assert [r['action'] for r in sent] == ['CreateDBInstance', 'ModifyDBInstance'], sent
    # the create answered available: no line; the modify: its status as read, then available
    # the create walks creating and backing-up (AWS's states, the emulator's aws profile), the change modifying
    assert len(lines) >= 2 and all(re.match(r'^rds_instance progress-db: (creating|backing-up|modifying|available) \(\d+s of 2m\)$', x)
                                   for x in lines), lines
    assert any('modifying' in x for x in lines) and 'available' in lines[-1], lines
    assert PASSWORD not in proc.stdout + proc.stderr
