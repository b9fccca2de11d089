"""What the tests of the data plane share: the running demo they need, the web hosts it has, and a wait that tolerates
AWS's eventual consistency (a Describe right after a create may not find the new id yet, as on AWS)."""
import os
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STATE = os.path.join(ROOT, '.cache', 'demo', 'dataplane')
NOT_FOUND_YET = ('InvalidInstanceID.NotFound', 'InvalidAMIID.NotFound', 'InvalidLaunchTemplateId.NotFound')


def require_demo():
    assert os.environ.get('AWS_ENDPOINT_URL') and os.path.isdir(STATE), \
        'needs the running demo and its environment: make demo; eval "$(make -s demo-env)"'


def until(what, check, timeout=60, every=0.5):
    """check()'s first true value within ``timeout`` seconds; a new id that a Describe does not see yet counts as false."""
    from botocore.exceptions import ClientError
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except ClientError as err:
            if err.response['Error']['Code'] not in NOT_FOUND_YET:
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('not within %d s: %s' % (timeout, what))
        time.sleep(every)


def web_hosts(ec2, stack='demo'):
    """The stack's running web hosts (DescribeInstances' instances)."""
    return [i for r in ec2.describe_instances(Filters=[
        {'Name': 'tag:Stack', 'Values': [stack]}, {'Name': 'tag:Role', 'Values': ['web']},
        {'Name': 'instance-state-name', 'Values': ['running']}])['Reservations'] for i in r['Instances']]
