"""The emulator's profiles: how strict it is, and how fast AWS's time runs in it.

``aws`` (the default of the emulator, the demo, e2e and the integration tests) behaves as AWS documents where a
first run on an account meets it: AWS's dependency rules, new ids that Describe* does not see at once, resources
that walk AWS's states at a fraction of AWS's own time, requester-managed interfaces that outlive what made them,
idempotency tokens answered from the current state, and every request checked against AWS's parameter rules.
``moto`` is moto as it is (plus emulator.fidelity's answers): everything instant and lenient. A test that needs it
says why.

Time: each transitional state lasts ``pace`` times AWS's typical duration (DURATIONS). The default pace, 0.02
(a fiftieth of AWS's time), keeps a cold demo stack quick: RDS's create is 12 s instead of 10 minutes, an ALB's
provisioning 3 s instead of 2.5 minutes. ``pace`` 1.0 is AWS's own time.

The hooks that implement the profile read it at each request, so a test switches it at run time
(PUT /_seed/faults {"profile": "moto"}).
"""

import random
import threading
import time

PROFILES = ('aws', 'moto')
DEFAULT_PROFILE = 'aws'
DEFAULT_PACE = 0.02
# Describe* calls (of the resource's own kind) that do not see a new id yet, at most; each new id draws from
# 0..DEFAULT_LAG with the profile's seed. EC2: "Because of eventual consistency, a Describe* right after the
# resource is created may answer InvalidInstanceID.NotFound"
# (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html).
DEFAULT_LAG = 2

# AWS's typical durations, in seconds, of each transitional state: (service, resource, state) -> seconds.
# Sources: the user guides' statements of how long an operation takes; where a guide gives a range, its middle.
DURATIONS = {
    # "It takes a few minutes for the instance to be ready" ... pending, then running; shutting-down, then terminated
    # (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html)
    ('ec2', 'instance', 'pending'): 45,
    ('ec2', 'instance', 'shutting-down'): 45,
    ('ec2', 'instance', 'stopping'): 30,
    # "It can take a few minutes for the NAT gateway to be available" / deleting, then deleted
    # (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-working-with.html)
    ('ec2', 'nat_gateway', 'pending'): 90,
    ('ec2', 'nat_gateway', 'deleting'): 60,
    # the requester-managed interfaces of a deleted resource stay "in use" for a while
    # (https://docs.aws.amazon.com/vpc/latest/userguide/requester-managed-eni.html; ALB: "It can take a few minutes
    # for the network interfaces to be deleted", https://repost.aws/knowledge-center/elb-find-load-balancer-ip)
    ('ec2', 'requester_managed_interface', 'in-use-after-delete'): 120,
    # "provisioning ... active" (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerState.html);
    # a new ALB takes a few minutes to be active
    ('elbv2', 'load_balancer', 'provisioning'): 150,
    # RDS: creating, backing-up, available (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html,
    # "Viewing Amazon RDS DB instance status"); a create takes 5-15 minutes
    ('rds', 'db_instance', 'creating'): 480,
    ('rds', 'db_instance', 'backing-up'): 120,
    ('rds', 'db_instance', 'modifying'): 120,
    ('rds', 'db_instance', 'resetting-master-credentials'): 60,
    ('rds', 'db_instance', 'deleting'): 300,
    # ElastiCache: creating, available, modifying, deleting (API_ReplicationGroup, Status); 5-10 minutes to create
    ('elasticache', 'replication_group', 'creating'): 420,
    ('elasticache', 'replication_group', 'modifying'): 180,
    ('elasticache', 'replication_group', 'deleting'): 300,
    # ACM: a certificate stays InUseBy a deleted listener for some seconds
    # (https://docs.aws.amazon.com/acm/latest/userguide/troubleshooting-delete.html)
    ('acm', 'certificate', 'in-use-after-delete'): 30,
    # Route 53: a change is PENDING until it reaches every Route 53 name server, "generally within 60 seconds"
    # (https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetChange.html)
    ('route53', 'change', 'insync'): 60,
    # ACM DNS validation (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html; emulator.acm): a requested
    # certificate's CNAME records appear in DescribeCertificate some seconds after the request; ACM issues it a while
    # after they resolve; after 72 hours pending it is VALIDATION_TIMED_OUT
    ('acm', 'certificate', 'records'): 5,
    ('acm', 'certificate', 'validating'): 60,
    ('acm', 'certificate', 'validation-timeout'): 72 * 3600,
    # IAM: a new instance profile, or a role just added to one, is seen by IAM's reads and by EC2 some seconds later
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency;
    # emulator.iam)
    ('iam', 'instance_profile', 'propagation'): 10,
    # EC2 Auto Scaling: an instance refresh is Pending ("The request was created, but the instance refresh has not
    # started", https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_InstanceRefresh.html) before it is InProgress;
    # AWS documents no duration: 10 s is an estimate, long enough that a client meets the state. A group's instances are
    # Pending as long as their EC2 instance ('ec2', 'instance', 'pending'), and Terminating as long as it shuts down
    # (emulator.autoscaling).
    ('autoscaling', 'instance_refresh', 'pending'): 10,
}


class ProfileError(ValueError):
    """A profile setting that is not one the emulator knows."""


class Profile:
    """The profile in force: its name, pace, lag and seeded randomness, and the clock the hooks read."""

    def __init__(self, name=DEFAULT_PROFILE, pace=DEFAULT_PACE, lag=DEFAULT_LAG, seed=None, clock=time.monotonic):
        self.lock = threading.Lock()
        self.clock = clock
        self.configure(name, pace, lag, seed)

    def configure(self, name=DEFAULT_PROFILE, pace=DEFAULT_PACE, lag=DEFAULT_LAG, seed=None):
        if name not in PROFILES:
            raise ProfileError('profile: one of %s (got %r)' % (', '.join(PROFILES), name))
        if isinstance(pace, bool) or not isinstance(pace, (int, float)) or not 0 <= pace <= 10:
            raise ProfileError('pace: a number from 0 (instant) to 10 (ten times slower than AWS) (got %r)' % (pace,))
        if isinstance(lag, bool) or not isinstance(lag, int) or not 0 <= lag <= 100:
            raise ProfileError('lag: a whole number of Describe calls from 0 to 100 (got %r)' % (lag,))
        with self.lock:
            self.name, self.pace, self.lag, self.seed = name, float(pace), lag, seed
            self.rng = random.Random(seed)

    @property
    def strict(self):
        """True when AWS's rules apply (the aws profile)."""
        return self.name == 'aws'

    def now(self):
        return self.clock()

    def seconds(self, service, resource, state):
        """How long ``state`` lasts at this pace (0 in the moto profile)."""
        if not self.strict:
            return 0.0
        return DURATIONS[(service, resource, state)] * self.pace

    def draw_lag(self):
        """How many Describe calls a new id stays invisible: seeded, 0..lag."""
        if not self.strict or not self.lag:
            return 0
        with self.lock:
            return self.rng.randint(0, self.lag)

    def settings(self):
        return {'profile': self.name, 'pace': self.pace, 'lag': self.lag}


def hooks():
    """The hooks that make the aws profile (each does nothing in the moto profile), in the order they see a request."""
    from emulator.consistency import Consistency
    from emulator.lifecycle import Lifecycle
    from emulator.params import ParamRules
    from emulator.route53 import Route53
    from emulator.acm import Acm
    from emulator.iam import Iam
    from emulator.autoscaling import AutoScaling
    from emulator.imds import InstanceCredentials
    from emulator.s3_integrity import ObjectIntegrity
    lifecycle = Lifecycle()
    # AWS authenticates and authorizes a request before it reads its parameters: an instance's credentials are checked
    # first (in either profile: it is AWS's authentication, not a strictness of the aws profile)
    # S3's integrity checks of an upload too (emulator.s3_integrity)
    return [InstanceCredentials(), ParamRules(), ObjectIntegrity(), lifecycle, AutoScaling(lifecycle), Consistency(), Route53(), Acm(), Iam()]
