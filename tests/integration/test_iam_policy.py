"""docs/iam-policy.json: the least-privilege IAM policy of the collection.

- The policy allows exactly the actions of the resource table (module_utils/resources.py), which a unit test
  checks against the operations the modules and the inventory plugin call (collection_operations(service)), each
  by name: no wildcard, no Deny/NotAction tricks, no other service.
- Every action in an emulator request log is allowed. The log is the one of a stack built,
  rerun, listed by the inventory plugin and torn down here; SEED_IAM_REQUEST_LOG (one or
  more paths, separated by os.pathsep) checks other logs instead, such as the one of a full
  demo run (the emulator's --log: one `Action status [fault]` line per request), or
  the JSON of GET /_seed/requests. A line names an action with its service
  (`sts:GetCallerIdentity`) or without (then the service whose API has it, EC2 first).
  sts:GetCallerIdentity needs no permission: AWS answers it whatever the policy says.
- docs/iam-policy.md carries the same policy, verbatim.
"""
import json
import os
import re

import botocore
import pytest

from conftest import ROOT
from test_inventory import ami, inventory, stack_tasks, teardown_tasks, with_ami  # noqa: F401 pylint: disable=unused-import

from ansible_collections.seed.laravel_aws.plugins.module_utils import resources
from ansible_collections.seed.laravel_aws.plugins.module_utils.botocore_data import NOT_EC2, collection_operations

POLICY_PATH = os.path.join(ROOT, 'docs', 'iam-policy.json')
ACTION = re.compile(r'^[A-Z][A-Za-z0-9]+$')


def load_policy():
    with open(POLICY_PATH) as f:
        return json.load(f)


def allowed_actions(policy):
    actions = set()
    for statement in policy['Statement']:
        listed = statement['Action']
        actions.update([listed] if isinstance(listed, str) else listed)
    return actions


# The IAM prefix of each API the collection calls.
IAM_PREFIX = resources.IAM_PREFIX
# Services whose operations a log line may name without its service, in the order an
# ambiguous name is given to (EC2 first: it is what the collection calls), then every other service of the
# resource table (route53, ...), so a new row's service is read without an edit here.
SERVICES = ('ec2', 'sts', 'elbv2', 'rds', 'elasticache', 'acm', 's3', 'iam')
SERVICES += tuple(sorted(s for s in IAM_PREFIX if s not in SERVICES))
# Calls that no IAM policy can deny (AWS: "No permissions are required to perform this operation").
ALWAYS_ALLOWED = {'sts:GetCallerIdentity'}


SERVICE_OF = {}


def service_of(name):
    if not SERVICE_OF:
        import botocore.session
        loader = botocore.session.get_session().get_component('data_loader')
        for service in reversed(SERVICES):
            for op in loader.load_service_model(service, 'service-2')['operations']:
                SERVICE_OF[op] = service
    return SERVICE_OF.get(name)


def read_request_log(path):
    """The actions of an emulator request log, as IAM names them (`ec2:RunInstances`)."""
    with open(path) as f:
        text = f.read()
    if text.lstrip().startswith('['):
        names = [entry['action'] for entry in json.loads(text)]
    else:
        names = [line.split()[0] for line in text.splitlines() if line.strip()]
    actions = []
    for name in names:
        if ':' in name:  # already service:Action
            actions.append(name)
        elif ACTION.match(name) and service_of(name):
            # ELBv2's DescribeTags, which EC2 has too: the collection calls ELBv2's only
            service = 'elbv2' if botocore.xform_name(name) in NOT_EC2 else service_of(name)
            actions.extend(resources.actions_of(service, name) if service in IAM_PREFIX else ['%s:%s' % (service, name)])
        else:
            raise AssertionError('%s: %r is not an API action of %s' % (path, name, ', '.join(SERVICES)))
    return actions


def test_policy_allows_exactly_the_operations_the_collection_calls():
    policy = load_policy()
    assert policy['Version'] == '2012-10-17'
    for statement in policy['Statement']:
        assert statement['Effect'] == 'Allow', statement
        assert set(statement) <= {'Sid', 'Effect', 'Action', 'Resource', 'Condition'}, statement
        for action in [statement['Action']] if isinstance(statement['Action'], str) else statement['Action']:
            assert '*' not in action and '?' not in action, action
            service, name = (action.split(':', 1) + [''])[:2]
            assert service in IAM_PREFIX.values() and ACTION.match(name), action
    actions = allowed_actions(policy)
    wanted = set(a for service in resources.services() for op in collection_operations(service)
                 for a in resources.actions_of(service, op))
    assert sorted(actions) == sorted(wanted) == resources.actions()
    every = [a for s in policy['Statement'] for a in ([s['Action']] if isinstance(s['Action'], str) else s['Action'])]
    assert len(every) == len(set(every)), 'an action is listed twice'


def test_the_guide_shows_the_same_policy():
    with open(os.path.join(ROOT, 'docs', 'iam-policy.md')) as f:
        guide = f.read()
    blocks = re.findall(r'```json\n(.*?)```', guide, re.S)
    assert blocks, 'docs/iam-policy.md shows no policy'
    assert json.loads(blocks[0]) == load_policy()


def check_log(path):
    actions = read_request_log(path)
    assert actions, '%s holds no request' % path
    allowed = allowed_actions(load_policy())
    missing = sorted(set(actions) - allowed - ALWAYS_ALLOWED)
    assert not missing, '%s: actions the policy does not allow: %s' % (path, missing)
    return set(actions)


@pytest.mark.skipif(not os.environ.get('SEED_IAM_REQUEST_LOG'), reason='SEED_IAM_REQUEST_LOG names no log')
def test_every_action_of_the_given_request_logs_is_allowed():
    for path in os.environ['SEED_IAM_REQUEST_LOG'].split(os.pathsep):
        check_log(path)


def test_every_action_of_a_stack_run_is_allowed(playbook, aws, ami, tmp_path):  # noqa: F811
    """Build, rerun, list and tear down a stack; the log of all of it passes the policy."""
    aws._get('/_seed/requests', method='DELETE')  # only what the collection sends
    built = playbook(with_ami(stack_tasks(), ami))
    assert built.rc == 0, built.stdout[-3000:]
    assert playbook(with_ami(stack_tasks(), ami)).rc == 0
    listed = inventory(aws, tmp_path, '--list')
    assert listed.returncode == 0, listed.stderr[-3000:]
    gone = playbook(teardown_tasks())
    assert gone.rc == 0, gone.stdout[-3000:]
    log = tmp_path / 'requests.log'
    log.write_text(''.join('%s %s\n' % (r['action'], r['status']) for r in aws.requests()))
    seen = check_log(str(log))
    ec2 = [a for a in resources.actions() if a.startswith('ec2:')]
    print('%d requests, %d distinct actions of the %d EC2 actions allowed' % (len(aws.requests()), len(seen), len(ec2)))
    # The run (EC2 only) reaches most of EC2's actions the policy allows: the policy is not a list of guesses.
    assert len(seen) >= 0.6 * len(ec2), sorted(seen)
    json_log = tmp_path / 'requests.json'
    json_log.write_text(json.dumps(aws.requests()))
    assert check_log(str(json_log)) == seen
