"""The fault matrix: the full stack with the managed data tier (RDS, Redis) built, rebuilt and torn down by the user's own
commands (inventory/aws, site.yml, teardown.yml), under the emulator's aws profile (AWS's consistency lags, states that
take time, requester-managed interfaces, parameter rules) with seeded lags and 10 % of requests throttled.

For each seed: site.yml converges; a rerun changes nothing and sends no mutating request; teardown.yml leaves nothing of
the stack but the RDS instance's final snapshot. No test here reaches a host: site.yml runs its AWS phases (the hosts,
deploy and summary phases talk to the hosts, which the integration emulator has none of; `make demo` and e2e run those
on the data plane, under the same profile).

Seeds: SEED_FAULT_SEEDS (default "1", what `make test` runs); `make soak` runs five. Each seed's figures are appended to
tests/output/fault-matrix.jsonl (docs/reliability.md, "Fault matrix").
"""
import json
import os
import time

import boto3
import pytest
from botocore.config import Config

from test_one_path import guard, user, vars_file  # noqa: F401  pylint: disable=unused-import
from test_stacks_apart import everything_of
from conftest import READS, ROOT

SEEDS = [int(s) for s in os.environ.get('SEED_FAULT_SEEDS', '1').split()]
THROTTLE = 0.1
STACK = 'demo'
AWS_PHASES = ('--skip-tags', 'hosts,deploy,summary')
SECRETS = dict(SEED_DB_PASSWORD='s3cret-s3cret', SEED_RDS_MASTER_PASSWORD='m4ster-s3cret',
               SEED_CACHE_AUTH_TOKEN='token-0123456789abcdef')


def clients(aws):
    """The test's own clients: they meet the same throttling, so they retry as the collection does."""
    kw = dict(region_name='us-east-1', endpoint_url=aws.url, aws_access_key_id='testing', aws_secret_access_key='testing',
              config=Config(retries={'mode': 'standard', 'max_attempts': 20}))
    return dict((name, boto3.client(name, **kw)) for name in ('ec2', 'elbv2', 'acm', 'rds', 'elasticache'))


def changed_of(output):
    """The PLAY RECAP's changed= of localhost (the default callback)."""
    for line in output.splitlines():
        if line.startswith('localhost') and 'changed=' in line:
            return int(line.split('changed=')[1].split()[0])
    raise AssertionError('no PLAY RECAP for localhost in:\n' + output[-3000:])


def changed_tasks(output):
    """The TASK lines whose result was 'changed', for the failure's message."""
    task, out = None, []
    for line in output.splitlines():
        if line.startswith('TASK ['):
            task = line
        elif line.startswith('changed:') and task:
            out.append(task)
    # with --diff, what changed follows the TASK line
    return [output[output.index(t):][:3000] for t in out]


def figures(aws, since):
    answered = aws.requests()[since:]
    return {
        'requests': len(answered),
        'throttled': len([r for r in answered if r.get('fault') == 'throttled']),
        'not yet visible': len([r for r in answered if str(r.get('fault', '')).endswith(('NotFound', 'NotFoundFault'))]),
        'dependency refusals': len([r for r in answered if r.get('fault') == 'DependencyViolation'
                                    or str(r.get('fault', '')).endswith('InUse')]),
    }


@pytest.mark.parametrize('seed', SEEDS)
def test_full_stack_converges_reruns_clean_and_tears_down_under_the_aws_profile(user, aws, tmp_path, seed):  # noqa: F811
    aws.faults(profile='aws', throttle=THROTTLE, seed=seed)
    values = vars_file(tmp_path, stack_admin_cidr='198.51.100.7/32', stack_ssh_private_key_file=user.key,
                       stack_db_tier='rds', stack_cache_tier='redis', stack_web_count=2,
                       stack_app_repo='https://git.example.com/shop.git')
    c = clients(aws)
    record = {'seed': seed, 'throttle': THROTTLE}

    start, mark = time.monotonic(), len(aws.requests())
    proc = user('site.yml', '-e', values, *AWS_PHASES, **SECRETS)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-5000:]
    record['site'] = dict(figures(aws, mark), seconds=round(time.monotonic() - start, 1))
    made = everything_of(c, STACK)
    for what in ('RDS instance demo-db', 'Redis cluster demo-cache', 'load balancer'):
        assert any(what in line for line in made), (what, made)

    start, mark = time.monotonic(), len(aws.requests())
    proc = user('site.yml', '-e', values, '--diff', *AWS_PHASES, **SECRETS)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-5000:]
    if changed_of(proc.stdout):
        print('\n'.join(changed_tasks(proc.stdout)))
    assert changed_of(proc.stdout) == 0, 'the rerun changed something (printed above)'
    mutating = [r['action'] for r in aws.requests()[mark:] if r['status'] == 200 and not r['action'].startswith(READS)]
    assert mutating == [], mutating
    record['rerun'] = dict(figures(aws, mark), seconds=round(time.monotonic() - start, 1), changed=0)
    assert everything_of(c, STACK) == made

    start, mark = time.monotonic(), len(aws.requests())
    proc = user('teardown.yml', '-e', values, '-e', 'confirm=yes', **SECRETS)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-5000:]
    record['teardown'] = dict(figures(aws, mark), seconds=round(time.monotonic() - start, 1))
    left = everything_of(c, STACK)
    assert [line for line in left if not line.startswith('kept: ')] == [], left
    assert [line for line in left if line.startswith('kept: ')] and all('DB snapshot demo-db' in line for line in left
                                                                        if line.startswith('kept: ')), left
    record['left'] = left

    os.makedirs(os.path.join(ROOT, 'tests', 'output'), exist_ok=True)
    with open(os.path.join(ROOT, 'tests', 'output', 'fault-matrix.jsonl'), 'a') as f:
        f.write(json.dumps(record) + '\n')
    print('fault matrix, seed %d: %s' % (seed, json.dumps(record)))
