"""EC2 Auto Scaling as AWS behaves where moto does not (patch_autoscaling(), from emulator.fidelity's patch_moto: the
emulator's server in both profiles, and a unit test's in-process moto), and its time and refusals in the aws profile (the
AutoScaling hook, emulator.profile.hooks).

What changes in moto's models (both profiles):

- Instance refresh: StartInstanceRefresh, DescribeInstanceRefreshes and CancelInstanceRefresh, which moto lacks
  (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StartInstanceRefresh.html,
  API_DescribeInstanceRefreshes.html, API_CancelInstanceRefresh.html; the statuses of API_InstanceRefresh.html). A refresh
  is Pending, then InProgress: the instances to replace are those of the group when it starts, or with SkipMatching only
  those not launched from the group's launch template and version ("only replaces the instances that don't match your
  last saved configuration", userguide/asg-instance-refresh-skip-matching.html; SkipMatching defaults to false,
  userguide/understand-instance-refresh-default-values.html). They are replaced in batches (Rolling: "Terminates
  instances and launches new ones in batches", userguide/instance-refresh-overview.html): at most the desired capacity
  minus its MinHealthyPercentage (default 90, "rounded up to the nearest integer") are out of service at once, at least
  one ("Setting the minimum healthy percentage to 100 percent limits the rate of replacement to one instance at a
  time ... 0 percent ... replacing all instances at the same time", API_RefreshPreferences.html); with a
  MaxHealthyPercentage above 100 the replacements are launched before the instances they replace are terminated
  (API_InstanceMaintenancePolicy.html). An instance is updated once its replacement is InService, healthy in the
  group's target groups when the group has ELB health checks (as a data plane's health checks see it: "Waiting for
  remaining instances to be available ... insufficient data to evaluate its health with Elastic Load Balancing"), and the
  instance warmup has passed (InstanceWarmup, else the group's health check grace period, API_RefreshPreferences.html); then
  PercentageComplete and InstancesToUpdate move (API_InstanceRefresh.html). After the last batch: Baking for BakeTime
  when given, then Successful. A second StartInstanceRefresh while one is Pending, InProgress, Baking or Cancelling is
  refused, InstanceRefreshInProgress ("An Instance Refresh is already in progress and blocks the execution of this
  Instance Refresh."); CancelInstanceRefresh makes it Cancelling, then Cancelled once the replacements started are
  InService ("Cancellation does not roll back any replacements that have already been completed, but it prevents new
  replacements from being started"), and answers ActiveInstanceRefreshNotFound when none runs.
- The launch template version an instance was launched from is its own: DescribeAutoScalingGroups and
  DescribeAutoScalingInstances answer it (moto answered the template's default version for every instance): "Existing
  instances continue to run with the configuration that they were originally launched with" (API_UpdateAutoScalingGroup).
- An instance of a group is Pending while its EC2 instance is pending, then InService ("When each instance is fully
  configured and passes the Amazon EC2 health checks, it is attached to the Auto Scaling group and it enters the InService
  state"), and Terminating while its EC2 instance shuts down; a Pending instance counts toward the desired capacity
  (userguide/ec2-auto-scaling-lifecycle.html). moto made every instance InService at once.
- An instance joins the group's target groups once its EC2 instance runs, before it is InService (the lifecycle page,
  Scale out: the group registers the instance with the load balancer before marking it InService; ELBv2 refuses a
  target that is not running), and leaves them when the group terminates it (same page, Scale in); moto registered every
  instance at launch and left terminated ones registered.
- Instances are spread over the Availability Zones of the group's subnets, each in a subnet of its zone (the group
  distributes instances evenly between its enabled zones, userguide/auto-scaling-benefits.html, "Instance distribution");
  moto put them all in the first subnet, in a zone drawn at random.
- CreateAutoScalingGroup: HealthCheckGracePeriod is 0 when the request leaves it out ("Default: 0 seconds",
  API_CreateAutoScalingGroup.html; "Its default value is 0 seconds when you create an Auto Scaling group using the AWS CLI
  or an SDK", userguide/health-check-grace-period.html; the console's 300 is the console's); moto stored 300 for an absent
  or a 0 value. A name already taken: AlreadyExists "AutoScalingGroup by this name already exists - A group with the name
  ... already exists" (API_CreateAutoScalingGroup.html, Errors); moto replaced the group.
- UpdateAutoScalingGroup without DesiredCapacity: "If you specify a new value for MinSize ... larger than the current size
  of the group, this sets the group's DesiredCapacity to the new MinSize value", likewise a MaxSize below it
  (API_UpdateAutoScalingGroup.html); moto compared with its count of instances, not with the group's desired capacity.
- A group launches from its own launch template version: its key pair, security groups and tags (moto passed the template
  to RunInstances without the version, which then took the default version's).
- Health checks (check_health, at every request and tick): an InService instance whose EC2 instance is stopping or stopped,
  or (HealthCheckType ELB) that a load balancer reports unhealthy in one of the group's target groups once the grace
  period since it came into service is over, or that SetInstanceHealth marked Unhealthy, is HealthStatus Unhealthy,
  terminated and replaced (userguide/ec2-auto-scaling-health-checks.html, health-checks-overview.html,
  health-check-grace-period.html, replace-unhealthy-instance.html); an instance terminated through EC2's API is
  Unhealthy and replaced too. Suspended HealthCheck or ReplaceUnhealthy processes are honoured.

A data plane attaches to this module (attach(), the Plane seam: emulator.asg_dataplane's GroupInstances in the emulator's
server): it is told of each instance a group launches (inside the change, so its container's boot holds the instance
Pending), terminates, and of each change to the group's target registrations, and answers the load balancer's view of a
target for the ELB health check. tick() moves every group of a region to where the clock says with no request (its
poller), so refreshes and replacements go on when nobody polls. A request's change to the groups is made under LOCK (moto's
Auto Scaling responses and EC2's notice of terminated instances), which the tick takes too.

In the aws profile (the AutoScaling hook; the moto profile and an in-process moto keep everything instant):

- Time: an instance launched by a group walks the EC2 instance's pending state (emulator.lifecycle, DURATIONS ('ec2',
  'instance', 'pending')), so it is Pending that long; a terminated one shuts down as an EC2 instance does and stays in
  the group as Terminating meanwhile, holding its subnet and security groups (emulator.lifecycle's holdings). A refresh is
  Pending for DURATIONS ('autoscaling', 'instance_refresh', 'pending'); warmup and bake time are the request's (or the
  group's) seconds at the profile's pace. Time is read lazily from the profile's clock: each request first moves every
  group, refresh and instance to where the clock says, replaying a refresh's batches at their own times.
- DeleteAutoScalingGroup without ForceDelete: ResourceInUse "You cannot delete an AutoScalingGroup while there are
  instances or pending Spot instance request(s) still in the group." while instances remain, ScalingActivityInProgress
  "You cannot delete an AutoScalingGroup while there are scaling activities in progress for that group." while
  instances terminate or a refresh runs ("If the group has instances or scaling activities in progress, you must specify
  the option to force the deletion in order for it to succeed", API_DeleteAutoScalingGroup.html). With ForceDelete the
  instances are terminated and the group shows Status "Delete in progress" until they are gone (API_AutoScalingGroup,
  Status); meanwhile a change to it is refused, ValidationError "The AutoScaling group may not be modified while it is
  pending delete".
- Sizes judged with the group's own: UpdateAutoScalingGroup's DesiredCapacity outside the group's minimum and maximum
  (the request's where it gives them), ValidationError "Desired capacity:5 must be between the specified min size:1 and
  max size:3"; a MaxSize below the MinSize, "Max bound, 0, must be greater than or equal to min bound, 1"
  (API_UpdateAutoScalingGroup.html: the desired capacity "must be greater than or equal to the minimum size of the group
  and less than or equal to the maximum size of the group"); SetDesiredCapacity outside them, "New SetDesiredCapacity
  value 5 is above max value 3 for the AutoScalingGroup." (API_SetDesiredCapacity.html). emulator.params judges only a
  request's own values; moto judged none.

Not modelled: a refresh's checkpoints (accepted and answered, never paused at), DesiredConfiguration and the
ReplaceRootVolume strategy (refused, ValidationError, naming the emulator), rollbacks, failures (a refresh here never
fails), warm pools and lifecycle hooks; scaling activities (DescribeScalingActivities answers none, as moto's; the cause
of a health check's replacement is kept on the instance, seed_cause); SetInstanceHealth's ShouldRespectGracePeriod (an
Unhealthy mark is acted on at once); the deregistration delay before a terminated instance's EC2 termination (AWS waits
for its targets to drain first; here the instance shuts down while they drain).
"""

import copy
import datetime
import functools
import math
import threading
import time
import uuid

from emulator.server import Hook

LOCK = threading.RLock()
_LAUNCHING = threading.local()  # the launch template version a group launches from, while it launches
RUNNING = ('Pending', 'InProgress', 'Baking', 'Cancelling')  # a second StartInstanceRefresh is refused while one is
IN_SERVICE = ('Pending', 'InService')  # what counts toward the desired capacity
DEFAULT_MIN_HEALTHY = 90
PENDING_DELETE = 'Delete in progress'
GONE_EC2 = ('shutting-down', 'terminated')


class Instant:
    """The moto profile and an in-process moto: every state is final at once."""

    @staticmethod
    def now():
        return time.monotonic()

    @staticmethod
    def due(at):  # pylint: disable=unused-argument
        """Whether a transition due at ``at`` has happened: at once, whatever the clock."""
        return True

    @staticmethod
    def seconds(*key):  # pylint: disable=unused-argument
        return 0.0

    @staticmethod
    def scaled(value):  # pylint: disable=unused-argument
        return 0.0

    def launched(self, group, states, at=None):
        for state in states:
            state.seed_launched_at = self.now() if at is None else at

    def leaving(self, group, states, at=None):
        pass

    def deleted(self, backend, group):
        refreshes_of(backend).pop(group.name, None)

    def settle(self, region):
        pass

    def catch_up(self, region):
        pass


INSTANT = Instant()


def pacer_of(backend):
    return getattr(backend, 'seed_pacer', None) or INSTANT


def refreshes_of(backend):
    """{group name: [refresh, newest first]} of a backend (a refresh: the answer's fields, and '_seed' for the walk)."""
    if not hasattr(backend, 'seed_refreshes'):
        backend.seed_refreshes = {}
    return backend.seed_refreshes


def error(code, message):
    from moto.autoscaling.exceptions import AutoscalingClientError
    return AutoscalingClientError(code, message)


def not_found(name):
    return error('ValidationError', "AutoScalingGroup name not found - AutoScalingGroup '%s' not found" % name)


def holds(instance):
    """What a shutting-down instance keeps (emulator.lifecycle's holdings): its subnet, VPC, groups and public address."""
    return {'subnet': instance.subnet_id, 'vpc': instance.vpc_id, 'groups': set(g.id for g in instance.security_groups),
            'public_ip': instance.public_ip}


def wanted_version(group):
    """(template id, version number) the group launches from now, or None."""
    template = group.ec2_launch_template
    if template is None:
        return None
    return template.id, str(template.get_version(group.launch_template_version).number)


def launched_from(state):
    launched = getattr(state, 'seed_launched_from', None) or {}
    return launched.get('LaunchTemplateId'), launched.get('Version')


# -- the seam to a data plane ------------------------------------------------------------------------------------------
class Plane:
    """What a data plane does with the instances the groups launch and terminate (emulator.asg_dataplane's GroupInstances
    is the emulator's; attach() one, detach() it when it stops). Each call is made inside the change to moto's models,
    holding LOCK: ``launched`` before anything can see the instance running (its boot keeps it pending, and so the group's
    instance Pending, as a RunInstances launch), the others to be acted on once the change is over (outside LOCK)."""

    def launched(self, region, instances):
        """EC2 instances (moto's models) a group launched: start what serves them."""

    def terminated(self, region, instance_ids):
        """Instances a group terminated (or that left it terminated): remove what served them."""

    def targets_changed(self, region):
        """A group registered instances with its target groups, or deregistered them."""

    def target_health(self, region, target_group_arn, instance_id):  # pylint: disable=unused-argument
        """The target's state as the load balancer's health checks see it ('initial', 'healthy', 'unhealthy', ...), or
        None when this plane does not serve the target group (then moto's, which never says unhealthy)."""
        return None


PLANES = []


def attach(plane):
    with LOCK:
        if plane not in PLANES:
            PLANES.append(plane)


def detach(plane):
    with LOCK:
        if plane in PLANES:
            PLANES.remove(plane)


def tell(what, *args):
    for plane in list(PLANES):
        getattr(plane, what)(*args)


def target_health(region, target_group_arn, instance_id):
    """The first answer of the attached planes (None: no plane serves the target group)."""
    for plane in list(PLANES):
        state = plane.target_health(region, target_group_arn, instance_id)
        if state is not None:
            return state
    return None


# -- the models ---------------------------------------------------------------------------------------------------
def _leave(group, states):
    """States the group no longer holds whose EC2 instance is terminated: out of the target groups, then (aws profile)
    Terminating until their EC2 instance is."""
    backend = group.autoscaling_backend
    for arn in list(group.target_group_arns or []):
        target_group = backend.elbv2_backend.target_groups.get(arn)
        if target_group is not None:
            target_group.deregister([{'Id': s.instance.id} for s in states])
    pacer_of(backend).leaving(group, states)
    tell('terminated', backend.region_name, [s.instance.id for s in states])
    if group.target_group_arns:
        tell('targets_changed', backend.region_name)


def _spread(group):
    """(subnet id, zone) for the next instance: the enabled zone with the fewest instances, its first subnet."""
    subnets = [s for s in (group.vpc_zone_identifier or '').split(',') if s]
    if not subnets:
        return None, None
    ec2 = group.autoscaling_backend.ec2_backend
    zones = []
    for subnet_id in subnets:
        try:
            zone = ec2.get_subnet(subnet_id).availability_zone
        except Exception:  # pylint: disable=broad-except
            continue
        if zone not in [z for z, dummy in zones]:
            zones.append((zone, subnet_id))
    if not zones:
        return None, None
    count = dict((z, 0) for z, dummy in zones)
    for state in group.instance_states:
        if state.lifecycle_state in IN_SERVICE and state.availability_zone in count:
            count[state.availability_zone] += 1
    zone, subnet_id = min(zones, key=lambda z: count[z[0]])
    return subnet_id, zone


def patch_autoscaling():
    from moto.autoscaling import models, responses
    from moto.core.responses import ActionResult
    group_class = models.FakeAutoScalingGroup
    if getattr(group_class, 'seed_patched', False):
        return
    group_class.seed_patched = True
    state_class, backend_class = models.InstanceState, models.AutoScalingBackend

    # the lifecycle state: Pending while the EC2 instance is, Terminating while it shuts down
    def get_lifecycle(self):
        stored = self.__dict__.get('seed_lifecycle', 'InService')
        if self.__dict__.get('seed_leaving'):
            return 'Terminating'
        if stored == 'InService':
            ec2_state = self.instance.state
            if ec2_state == 'pending':
                return 'Pending'
            if ec2_state in GONE_EC2:
                return 'Terminating'
        return stored

    def set_lifecycle(self, value):
        self.__dict__['seed_lifecycle'] = value
    state_class.lifecycle_state = property(get_lifecycle, set_lifecycle)
    state_class.launch_template = property(lambda self: getattr(self, 'seed_launched_from', None))

    # the group's states: one removed whose EC2 instance is terminated leaves (see _leave)
    def get_states(self):
        return self.__dict__.setdefault('seed_states', [])

    def set_states(self, value):
        old = self.__dict__.get('seed_states', [])
        new = list(value)
        self.__dict__['seed_states'] = new
        kept = set(id(s) for s in new)
        gone = [s for s in old if id(s) not in kept and s.instance.state in GONE_EC2 and not s.__dict__.get('seed_leaving')]
        if gone:
            _leave(self, gone)
    group_class.instance_states = property(get_states, set_states)
    group_class.instances = property(lambda self: list(self.instance_states) + list(getattr(self, 'seed_leaving', [])))
    group_class.active_instances = lambda self: [s for s in self.instance_states if s.lifecycle_state in IN_SERVICE]

    replace = group_class.replace_autoscaling_group_instances

    @functools.wraps(replace)
    def replace_as_aws(self, count_needed, propagated_tags, at=None):
        made = []
        for dummy in range(count_needed):
            subnet_id, zone = _spread(self)
            saved = self.vpc_zone_identifier, self.availability_zones
            if subnet_id:
                self.vpc_zone_identifier, self.availability_zones = subnet_id, [zone]
            before = len(self.instance_states)
            version = wanted_version(self)
            _LAUNCHING.version = version[1] if version is not None else None
            try:
                replace(self, 1, dict(propagated_tags))
            finally:
                self.vpc_zone_identifier, self.availability_zones = saved
                _LAUNCHING.version = None
            made.extend(self.instance_states[before:])
        version = wanted_version(self)
        for state in made:
            if version is not None:
                state.seed_launched_from = {'LaunchTemplateId': version[0], 'LaunchTemplateName': self.ec2_launch_template.name,
                                            'Version': version[1]}
        pacer_of(self.autoscaling_backend).launched(self, made, at)
        tell('launched', self.autoscaling_backend.region_name, [state.instance for state in made])
        return made
    group_class.replace_autoscaling_group_instances = replace_as_aws

    update = group_class.update

    @functools.wraps(update)
    def update_as_aws(self, *args, **kwargs):
        if kwargs.get('desired_capacity') is None:
            current = self.desired_capacity or 0
            if kwargs.get('min_size') is not None and kwargs['min_size'] > current:
                kwargs['desired_capacity'] = kwargs['min_size']
            elif kwargs.get('max_size') is not None and kwargs['max_size'] < current:
                kwargs['desired_capacity'] = kwargs['max_size']
        return update(self, *args, **kwargs)
    group_class.update = update_as_aws

    create = backend_class.create_auto_scaling_group

    @functools.wraps(create)
    def create_as_aws(self, name, *args, **kwargs):
        if name in self.autoscaling_groups:
            raise error('AlreadyExists', 'AutoScalingGroup by this name already exists - A group with the name %s already exists'
                        % name)
        given = kwargs.get('health_check_period')
        group = create(self, name, *args, **kwargs)
        group.health_check_grace_period = int(given) if given is not None else 0
        return group
    backend_class.create_auto_scaling_group = create_as_aws

    delete = backend_class.delete_auto_scaling_group

    @functools.wraps(delete)
    def delete_as_aws(self, group_name):
        with LOCK:
            group = self.autoscaling_groups.get(group_name)
            if group is not None and getattr(group, 'status', None):
                return None  # already being deleted
            delete(self, group_name)
            if group is None:
                return None
            rest = list(group.instance_states)  # instances protected from scale in: ForceDelete terminates them too
            if rest:
                self.ec2_backend.terminate_instances([s.instance.id for s in rest])
                group.instance_states = []
            for refresh in refreshes_of(self).get(group_name, []):
                if refresh['Status'] in RUNNING:
                    _end(refresh, 'Cancelled', max(refresh['_seed']['t'], pacer_of(self).now()))
            pacer_of(self).deleted(self, group)
            return None
    backend_class.delete_auto_scaling_group = delete_as_aws

    def update_attached_target_groups(self, group_name):
        """Each instance of the group registered with its target groups once its EC2 instance runs, before it is InService
        (lifecycle page, Scale out), as ELBv2 refuses a target that is not running; moto registered every instance at launch
        (and again at each change, so that a target deregistered by hand came back)."""
        group = self.autoscaling_groups.get(group_name)
        if group is None:
            return
        arns = list(group.target_group_arns or [])
        held = set(s.instance.id for s in group.instance_states)
        done = set((arn, iid) for arn, iid in group.__dict__.get('seed_registered', ()) if arn in arns and iid in held)
        running = [s.instance.id for s in group.instance_states if s.instance.state == 'running'
                   and s.lifecycle_state not in ('Standby', 'Detaching', 'Detached')]
        for arn in arns:
            target_group = self.elbv2_backend.target_groups.get(arn)
            if target_group is None:
                continue
            missing = [i for i in running if (arn, i) not in done]
            if missing:
                target_group.register([{'Id': i, 'Port': target_group.port} for i in missing])
                done.update((arn, i) for i in missing)
                tell('targets_changed', self.region_name)
        group.__dict__['seed_registered'] = done
    backend_class.update_attached_target_groups = update_attached_target_groups

    detach = backend_class.detach_load_balancer_target_groups

    @functools.wraps(detach)
    def detach_as_aws(self, group_name, target_group_arns):
        detach(self, group_name, target_group_arns)
        group = self.autoscaling_groups[group_name]
        group.__dict__['seed_registered'] = set(
            (arn, iid) for arn, iid in group.__dict__.get('seed_registered', ()) if arn not in target_group_arns)
        tell('targets_changed', self.region_name)
    backend_class.detach_load_balancer_target_groups = detach_as_aws

    # one change at a time: a request's change to the groups (and an EC2 termination's, which moto hands to the groups)
    # and the data plane's tick (emulator.asg_dataplane), which moves them in time, never interleave
    call_action = responses.AutoScalingResponse.call_action

    @functools.wraps(call_action)
    def call_action_in_turn(self):
        with LOCK:
            return call_action(self)
    responses.AutoScalingResponse.call_action = call_action_in_turn

    def notify_terminate_instances(self, instance_ids):
        """TerminateInstances of a group's instance (EC2's API, outside the group): an InService or Pending one is
        unhealthy ("If the instance is in any Amazon EC2 state other than running", terminated among them,
        userguide/health-checks-overview.html), leaves the group as the group's own terminations do (_leave) and is
        replaced ("When an instance terminates unexpectedly ... Amazon EC2 Auto Scaling automatically launches a
        replacement instance to maintain the desired capacity", userguide/ec2-auto-scaling-health-checks.html). moto
        counted the group's active instances after EC2 had terminated them, so in this emulator (where a terminated
        instance is no longer active) it never replaced one."""
        with LOCK:
            for name, group in list(self.autoscaling_groups.items()):
                gone = [s for s in group.instance_states if s.instance.id in instance_ids]
                if not gone:
                    continue
                lost = [s for s in gone if s.__dict__.get('seed_lifecycle', 'InService') == 'InService']
                for state in lost:
                    state.health_status, state.seed_cause = 'Unhealthy', CAUSES['EC2']
                group.instance_states = [s for s in group.instance_states if s.instance.id not in instance_ids]
                if lost and getattr(group, 'status', None) != PENDING_DELETE:
                    group.replace_autoscaling_group_instances(len(lost), group.get_propagated_tags())
                    self.update_attached_elbs(name)
    backend_class.notify_terminate_instances = notify_terminate_instances

    # a group launches from its own launch template version (moto passed the template without its version to
    # RunInstances, which then took the key pair, security groups and tags of the template's default version)
    from moto.ec2.models.instances import InstanceBackend
    template_of = InstanceBackend._get_template_from_args  # pylint: disable=protected-access

    @functools.wraps(template_of)
    def template_of_group(self, launch_template_arg):
        version = getattr(_LAUNCHING, 'version', None)
        if version is not None and 'Version' not in launch_template_arg:
            launch_template_arg = dict(launch_template_arg, Version=version)
        return template_of(self, launch_template_arg)
    InstanceBackend._get_template_from_args = template_of_group  # pylint: disable=protected-access

    terminate_instance = backend_class.terminate_instance

    @functools.wraps(terminate_instance)
    def terminate_instance_as_aws(self, instance_id, should_decrement):
        """TerminateInstanceInAutoScalingGroup: the instance leaves as the group's own terminations do (moto detached it
        first, so it was never Terminating in the group)."""
        found = [(g, s) for g in self.autoscaling_groups.values() for s in g.instance_states if s.instance.id == instance_id]
        activity = terminate_instance(self, instance_id, should_decrement)
        for group, state in found:
            if state not in group.instance_states and state.instance.state in GONE_EC2:
                _leave(group, [state])
        return activity
    backend_class.terminate_instance = terminate_instance_as_aws

    describe_groups = backend_class.describe_auto_scaling_groups

    @functools.wraps(describe_groups)
    def describe_groups_in_time(self, *args, **kwargs):
        advance(self)
        return describe_groups(self, *args, **kwargs)
    backend_class.describe_auto_scaling_groups = describe_groups_in_time

    def describe_auto_scaling_instances(self, instance_ids):
        advance(self)
        out = []
        for group in self.autoscaling_groups.values():
            out.extend(s for s in group.instances if not instance_ids or s.instance.id in instance_ids)
        return out
    backend_class.describe_auto_scaling_instances = describe_auto_scaling_instances

    # the instance refresh API
    def start_instance_refresh(self):
        refresh_id = start_refresh(self.autoscaling_backend, self._get_param('AutoScalingGroupName'), self._get_param('Strategy'),
                                   self._get_param('Preferences') or {}, self._get_param('DesiredConfiguration'))
        return ActionResult({'InstanceRefreshId': refresh_id})

    def describe_instance_refreshes(self):
        found = describe_refreshes(self.autoscaling_backend, self._get_param('AutoScalingGroupName'),
                                   self._get_param('InstanceRefreshIds') or [])
        return ActionResult({'InstanceRefreshes': found})

    def cancel_instance_refresh(self):
        return ActionResult({'InstanceRefreshId': cancel_refresh(self.autoscaling_backend, self._get_param('AutoScalingGroupName'))})
    responses.AutoScalingResponse.start_instance_refresh = start_instance_refresh
    responses.AutoScalingResponse.describe_instance_refreshes = describe_instance_refreshes
    responses.AutoScalingResponse.cancel_instance_refresh = cancel_instance_refresh


# -- instance refresh ----------------------------------------------------------------------------------------------
def start_refresh(backend, name, strategy, preferences, desired_configuration):
    with LOCK:
        advance(backend)
        group = backend.autoscaling_groups.get(name)
        if group is None:
            raise not_found(name)
        if desired_configuration:
            raise error('ValidationError', 'DesiredConfiguration: the emulator does not model an instance refresh to a desired '
                        "configuration; update the group's launch template, then start the refresh without it")
        strategy = strategy or 'Rolling'
        if strategy != 'Rolling':
            raise error('ValidationError', 'Strategy %s: the emulator models the Rolling strategy only (ReplaceRootVolume needs a '
                        'mixed instances policy with ImageId overrides, userguide/instance-refresh-overview.html)' % strategy)
        listed = refreshes_of(backend).setdefault(name, [])
        if any(r['Status'] in RUNNING for r in listed):
            raise error('InstanceRefreshInProgress', 'An Instance Refresh is already in progress and blocks the execution of this '
                        'Instance Refresh.')
        prefs = {'MinHealthyPercentage': DEFAULT_MIN_HEALTHY, 'SkipMatching': False, 'AutoRollback': False,
                 'ScaleInProtectedInstances': 'Ignore', 'StandbyInstances': 'Ignore'}
        prefs.update(dict((k, v) for k, v in (preferences or {}).items() if v is not None))
        pacer = pacer_of(backend)
        wanted = wanted_version(group)
        todo = [s.instance.id for s in group.instance_states if s.lifecycle_state in IN_SERVICE
                and not (prefs['SkipMatching'] and launched_from(s) == wanted)]
        now = pacer.now()
        refresh = {'InstanceRefreshId': str(uuid.uuid4()), 'AutoScalingGroupName': name, 'Status': 'Pending',
                   'StartTime': datetime.datetime.now(datetime.timezone.utc), 'PercentageComplete': 0,
                   'InstancesToUpdate': len(todo), 'Preferences': prefs, 'Strategy': strategy,
                   '_seed': {'t0': now, 't': now, 'wanted': wanted, 'todo': todo, 'total': len(todo), 'done': 0, 'batch': None,
                             'cancel': None}}
        listed.insert(0, refresh)
        return refresh['InstanceRefreshId']


def describe_refreshes(backend, name, ids):
    with LOCK:
        advance(backend)
        out = []
        for refresh in refreshes_of(backend).get(name, []):
            if ids and refresh['InstanceRefreshId'] not in ids:
                continue
            out.append(dict((k, copy.deepcopy(v)) for k, v in refresh.items() if not k.startswith('_') and v is not None))
        return out


def cancel_refresh(backend, name):
    with LOCK:
        advance(backend)
        if name not in backend.autoscaling_groups:
            raise not_found(name)
        for refresh in refreshes_of(backend).get(name, []):
            if refresh['Status'] in ('Pending', 'InProgress', 'Baking'):
                refresh['Status'] = 'Cancelling'
                refresh['_seed']['cancel'] = max(refresh['_seed']['t'], pacer_of(backend).now())
                advance(backend)
                return refresh['InstanceRefreshId']
        raise error('ActiveInstanceRefreshNotFound', 'No in progress or pending Instance Refresh found for Auto Scaling group %s'
                    % name)


def _end(refresh, status, at):
    seed = refresh['_seed']
    refresh['Status'] = status
    refresh['StatusReason'] = None
    refresh['EndTime'] = refresh['StartTime'] + datetime.timedelta(seconds=max(0.0, at - seed['t0']))
    if status == 'Successful':
        refresh['PercentageComplete'], refresh['InstancesToUpdate'] = 100, 0


def _terminate(group, states, at):
    """Terminate ``states`` of ``group`` at ``at``: their EC2 instances, then out of the group (_leave)."""
    held = set(id(s) for s in group.instance_states)
    states = [s for s in states if id(s) in held]  # not one the group already let go (a health check's replacement)
    if not states:
        return
    group.autoscaling_backend.ec2_backend.terminate_instances([s.instance.id for s in states])
    gone = set(id(s) for s in states)
    group.__dict__['seed_leave_at'] = at
    try:
        group.instance_states = [s for s in group.instance_states if id(s) not in gone]
    finally:
        group.__dict__.pop('seed_leave_at', None)


def _warmup(group, prefs):
    if prefs.get('InstanceWarmup') is not None:
        return prefs['InstanceWarmup']
    return getattr(group, 'default_instance_warmup', None) or group.health_check_grace_period or 0


def _not_healthy_yet(backend, group, states):
    """With ELB health checks, the first new instance that a target group of the group does not report healthy yet (a data
    plane's health checks; None when all are, or when no plane serves the target groups). AWS's refresh waits for them:
    "Waiting for remaining instances to be available. For example: i-... has insufficient data to evaluate its health
    with Elastic Load Balancing", and an instance counts as updated "when the instance's health status changes to
    healthy and the specified warm-up time passes" (API_InstanceRefreshWarmPoolProgress.html)."""
    if (getattr(group, 'health_check_type', None) or 'EC2') != 'ELB':
        return None
    for state in states:
        for arn in getattr(group, 'target_group_arns', None) or []:
            health = target_health(backend.region_name, arn, state.instance.id)
            if health is not None and health != 'healthy':
                return state.instance.id
    return None


def _in_service_at(state, pacer):
    """When a replacement is (or was) InService: its launch plus the EC2 instance's pending time; None while a data
    plane's container keeps it pending past that."""
    if state.instance.state == 'pending' and getattr(state.instance, 'seed_serving', None) == 'starting':
        return None
    return getattr(state, 'seed_launched_at', 0.0) + pacer.seconds('ec2', 'instance', 'pending')


def step(backend, group, refresh, pacer):
    """Move ``refresh`` to where the clock says, each transition at its own time (seed 't')."""
    seed, prefs = refresh['_seed'], refresh['Preferences']
    for dummy in range(1000):
        status, t = refresh['Status'], seed['t']
        if status == 'Pending':
            at = t + pacer.seconds('autoscaling', 'instance_refresh', 'pending')
            if not pacer.due(at):
                return
            seed['t'] = at
            refresh['Status'] = 'InProgress'
            continue
        if status == 'Baking':
            at = seed['baking'] + pacer.scaled(prefs.get('BakeTime') or 0)
            if not pacer.due(at):
                return
            _end(refresh, 'Successful', at)
            return
        batch = seed['batch']
        if batch is None:
            if status == 'Cancelling':
                _end(refresh, 'Cancelled', max(t, seed['cancel'] or t))
                return
            live = dict((s.instance.id, s) for s in group.instance_states if s.lifecycle_state in IN_SERVICE)
            remaining = [live[i] for i in seed['todo'] if i in live]
            if not remaining:
                if prefs.get('BakeTime'):
                    refresh['Status'], refresh['StatusReason'], seed['baking'] = 'Baking', None, t
                    refresh['PercentageComplete'], refresh['InstancesToUpdate'] = 100, 0
                    continue
                _end(refresh, 'Successful', t)
                return
            desired = group.desired_capacity or 0
            low = int(math.ceil(desired * prefs['MinHealthyPercentage'] / 100.0))
            high = desired * (prefs.get('MaxHealthyPercentage') or 100) // 100
            size = min(len(remaining), max(1, high - low))
            surge = min(size, max(0, high - desired))
            old = remaining[:size]
            new = group.replace_autoscaling_group_instances(size, group.get_propagated_tags(), at=t)
            _terminate(group, old[:size - surge], t)
            backend.update_attached_target_groups(group.name)
            seed['todo'] = [i for i in seed['todo'] if i not in set(s.instance.id for s in old)]
            seed['batch'] = {'new': new, 'later': old[size - surge:], 'size': size, 'ready': None}
            continue
        if batch['ready'] is None:
            live = [x for x in batch['new'] if x.instance.state not in GONE_EC2 and not x.__dict__.get('seed_leaving')]
            times = [_in_service_at(x, pacer) for x in live]
            if None in times:
                return  # a container still boots
            at = max([t] + times)
            if not pacer.due(at):
                return
            waiting = _not_healthy_yet(backend, group, live)
            if waiting:
                refresh['StatusReason'] = ('Waiting for remaining instances to be available. For example: %s has insufficient '
                                           'data to evaluate its health with Elastic Load Balancing.' % waiting)
                return
            _terminate(group, batch['later'], at)  # launched before terminating: the old ones go once the new serve
            batch['later'] = []
            seed['t'] = at
            if status == 'Cancelling':
                seed['batch'] = None
                continue
            batch['ready'] = at + pacer.scaled(_warmup(group, prefs))
            if not pacer.due(batch['ready']) and live:
                refresh['StatusReason'] = ('Waiting for instances to warm up before continuing. For example: %s is warming up.'
                                           % live[0].instance.id)
            continue
        if not pacer.due(batch['ready']) and status != 'Cancelling':
            return
        at = batch['ready'] if status != 'Cancelling' else max(t, min(batch['ready'], seed['cancel'] or t))
        seed['done'] += batch['size']
        total = max(1, seed['total'])
        refresh['PercentageComplete'] = min(100, seed['done'] * 100 // total)
        refresh['InstancesToUpdate'] = max(0, seed['total'] - seed['done'])
        refresh['StatusReason'] = None
        seed['t'], seed['batch'] = at, None


# -- health checks ------------------------------------------------------------------------------------------------
UNHEALTHY_EC2 = ('stopping', 'stopped')  # shutting-down and terminated: moto's notify_terminate_instances replaces those
CAUSES = {'EC2': 'an instance was taken out of service in response to an EC2 health check indicating it has been terminated '
                 'or stopped.',
          'ELB': 'an instance was taken out of service in response to an ELB system health check failure.'}


def in_service_since(state, pacer):
    """When the instance entered InService: its EC2 instance's pending time after its launch, or later when its boot (a
    data plane's container) kept it pending longer (emulator.lifecycle keeps when each state began)."""
    at = getattr(state, 'seed_launched_at', 0.0) + pacer.seconds('ec2', 'instance', 'pending')
    began = getattr(state.instance, 'seed_state_since', None)
    if state.instance.state == 'running' and began is not None:
        at = max(at, began)
    return at


def unhealthy(group, state, pacer):
    """Why the group's health checks find an InService instance unhealthy ('EC2' or 'ELB'), or None.

    EC2 (the default health check, always on): "If the instance is in any Amazon EC2 state other than running ...
    Amazon EC2 Auto Scaling considers the instance to be unhealthy and replaces it", stopping and stopped among them
    (https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-checks-overview.html, Amazon EC2 health checks); it
    starts at once ("performs health checks on the instance by using the built-in Amazon EC2 status checks, and after a
    grace period, any optional health checks that you enabled for the group",
    https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html).
    ELB (HealthCheckType ELB): the load balancer reports the instance unhealthy in one of the group's target groups ("If
    any one of them reports an instance as unhealthy", health-checks-overview.html, Elastic Load Balancing health checks),
    once the grace period since it came into service is over ("The grace period prevents Amazon EC2 Auto Scaling from
    marking your newly launched instances Unhealthy ... after they enter the InService state",
    https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-check-grace-period.html). The load balancer's view is
    the data plane's (its HAProxy's checks, emulator.loadbalancer); without one, moto's, which never says unhealthy."""
    if state.instance.state in UNHEALTHY_EC2:
        return 'EC2'
    if str(group.health_check_type or 'EC2').upper() != 'ELB' or not group.target_group_arns:
        return None
    if not pacer.due(in_service_since(state, pacer) + pacer.scaled(group.health_check_grace_period or 0)):
        return None
    region = group.autoscaling_backend.region_name
    for arn in list(group.target_group_arns):
        if target_health(region, arn, state.instance.id) == 'unhealthy':
            return 'ELB'
    return None


def check_health(backend, group, pacer):
    """The group's health checks, and the replacement of what they find unhealthy: "When Amazon EC2 Auto Scaling determines
    that an InService instance is unhealthy, it replaces it with a new instance to maintain the desired capacity of the
    group" (ec2-auto-scaling-health-checks.html); "By default, Amazon EC2 Auto Scaling creates a new scaling activity for
    terminating the unhealthy instance and then terminates it. While the instance is terminating, another scaling activity
    launches a new instance" (https://docs.aws.amazon.com/autoscaling/ec2/userguide/replace-unhealthy-instance.html). The
    instance is marked HealthStatus Unhealthy and stays so while it is Terminating. An instance marked Unhealthy by
    SetInstanceHealth is replaced the same way ("which causes Amazon EC2 Auto Scaling to immediately replace it",
    userguide/set-up-a-custom-health-check.html). The HealthCheck process suspended: no instance is marked; ReplaceUnhealthy
    suspended: marked, not replaced (userguide/understand-how-suspending-processes-affects-your-group.html). AWS checks
    periodically at no documented interval; here at every request and tick, so no later than AWS."""
    suspended = set(p.get('ProcessName') for p in (getattr(group, 'suspended_processes', None) or []))
    found = []
    for state in list(group.instance_states):
        if state.lifecycle_state != 'InService' or state.__dict__.get('seed_leaving'):
            continue
        why = None if 'HealthCheck' in suspended else unhealthy(group, state, pacer)
        if why:
            state.health_status = 'Unhealthy'
            state.seed_cause = CAUSES[why]
        if state.health_status == 'Unhealthy':
            found.append(state)
    if not found or 'ReplaceUnhealthy' in suspended:
        return
    at = pacer.now()
    _terminate(group, found, at)
    group.replace_autoscaling_group_instances(len(found), group.get_propagated_tags(), at=at)


def advance(backend):
    """Every group, refresh and leaving instance of ``backend`` to where the clock says."""
    if backend is None:
        return
    with LOCK:
        pacer = pacer_of(backend)
        for name, group in list(backend.autoscaling_groups.items()):
            for refresh in refreshes_of(backend).get(name, []):
                if refresh['Status'] in RUNNING:
                    step(backend, group, refresh, pacer)
        pacer.settle(backend.region_name)  # the EC2 instances a refresh launched or terminated at an earlier time
        for name, group in list(backend.autoscaling_groups.items()):
            leaving = group.__dict__.get('seed_leaving') or []
            if leaving:
                group.seed_leaving = [s for s in leaving if s.instance.state != 'terminated']
            if getattr(group, 'status', None) == PENDING_DELETE:
                if not group.__dict__.get('seed_leaving'):
                    if backend.autoscaling_groups.get(name) is group:
                        del backend.autoscaling_groups[name]
                    refreshes_of(backend).pop(name, None)
                continue
            check_health(backend, group, pacer)
            if group.target_group_arns:
                backend.update_attached_target_groups(name)


def tick(region):
    """Where the clock says now, without a request (a data plane's poller, emulator.asg_dataplane): the EC2 instances'
    walks (aws profile), then every group, refresh and health check of the region. A refresh or a replacement nobody asks
    about goes on as AWS's would, and its instances' containers start when AWS's instances would launch."""
    backend = autoscaling_backend(region)
    if backend is None or not backend.autoscaling_groups:
        return
    with LOCK:
        hook = getattr(backend, 'seed_hook', None)
        backend.seed_pacer = Paced(hook) if hook is not None and hook.active else None
        pacer_of(backend).catch_up(region)
        advance(backend)


# -- the aws profile ----------------------------------------------------------------------------------------------
class Paced(Instant):
    """The aws profile's time, for one request: the profile's clock and pace, EC2 instances walked by emulator.lifecycle."""

    def __init__(self, hook):
        self.hook = hook
        self.walked = False  # an EC2 walk started at an earlier time than now: emulator.lifecycle moves it at settle()

    def now(self):
        return self.hook.profile.now()

    def due(self, at):
        return at <= self.now()

    def seconds(self, *key):
        return self.hook.profile.seconds(*key)

    def scaled(self, value):
        return float(value or 0) * self.hook.profile.pace

    def _walk(self, region, instance, name, at):
        lifecycle = self.hook.lifecycle
        if lifecycle is None:
            return
        with lifecycle.lock:
            key = (region, 'instance', instance.id)
            lifecycle.walks.pop(key, None)
            lifecycle.walk(region, 'instance', instance.id, instance, name)
            lifecycle.walks[key]['since'] = at
        self.walked = self.walked or at < self.now()

    def launched(self, group, states, at=None):
        at = self.now() if at is None else at
        for state in states:
            state.seed_launched_at = at
            state.seed_holds = holds(state.instance)
            self._walk(group.region, state.instance, 'create', at)

    def leaving(self, group, states, at=None):
        at = group.__dict__.get('seed_leave_at', self.now()) if at is None else at
        leaving = group.__dict__.setdefault('seed_leaving', [])
        lifecycle = self.hook.lifecycle
        for state in states:
            state.seed_leaving = True
            leaving.append(state)
            self._walk(group.region, state.instance, 'terminate', at)
            if lifecycle is not None:
                with lifecycle.lock:
                    lifecycle.holding[(group.region, state.instance.id)] = dict(
                        getattr(state, 'seed_holds', None) or holds(state.instance))

    def deleted(self, backend, group):
        if group.__dict__.get('seed_leaving'):
            group.status = PENDING_DELETE
            backend.autoscaling_groups[group.name] = group
        else:
            refreshes_of(backend).pop(group.name, None)

    def settle(self, region):
        if self.walked and self.hook.lifecycle is not None:
            self.walked = False
            self.hook.lifecycle.advance(region)

    def catch_up(self, region):
        """The EC2 walks to now, as a request's emulator.lifecycle hook does first."""
        if self.hook.lifecycle is not None:
            self.hook.lifecycle.advance(region)


def autoscaling_backend(region, create=False):
    try:
        from moto.autoscaling.models import autoscaling_backends
        from moto.core import DEFAULT_ACCOUNT_ID
        regions = autoscaling_backends[DEFAULT_ACCOUNT_ID]
        if not create and region not in regions.keys():
            return None
        return regions[region]
    except Exception:  # pylint: disable=broad-except
        return None


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


MODIFY = ('UpdateAutoScalingGroup', 'SetDesiredCapacity', 'StartInstanceRefresh', 'AttachLoadBalancerTargetGroups',
          'DetachLoadBalancerTargetGroups', 'AttachInstances', 'DetachInstances', 'AttachLoadBalancers', 'DetachLoadBalancers')


class AutoScaling(Hook):
    """Auto Scaling's time and refusals in the aws profile (see the module's docstring). ``lifecycle``: the emulator's
    emulator.lifecycle hook, which walks the EC2 instances the groups launch and terminate."""

    def __init__(self, lifecycle=None):
        from emulator.fidelity import patch_moto
        patch_moto()
        self.lifecycle = lifecycle

    @property
    def active(self):
        return self.profile is not None and self.profile.strict

    def refuse(self, action, form, region, environ, body):
        backend = autoscaling_backend(region, create=bool(form.get('AutoScalingGroupName')))
        if backend is None:
            return None
        backend.seed_pacer = Paced(self) if self.active else None
        backend.seed_hook = self  # tick() paces as the last request did
        advance(backend)
        if not self.active:
            return None
        check = getattr(self, '_refuse_' + action, None)
        group = backend.autoscaling_groups.get(form.get('AutoScalingGroupName') or '')
        if group is None:
            return None
        if getattr(group, 'status', None) == PENDING_DELETE and action in MODIFY:
            return ('400 Bad Request', 'ValidationError', 'The AutoScaling group may not be modified while it is pending delete')
        answer = check(form, backend, group) if check is not None else None
        return ('400 Bad Request',) + tuple(answer) if answer else None

    @staticmethod
    def _refuse_DeleteAutoScalingGroup(form, backend, group):
        if str(form.get('ForceDelete', '')).lower() == 'true' or getattr(group, 'status', None):
            return None
        if group.instance_states:
            return ('ResourceInUse', 'You cannot delete an AutoScalingGroup while there are instances or pending Spot instance '
                    'request(s) still in the group.')
        if group.__dict__.get('seed_leaving') or any(r['Status'] in RUNNING for r in refreshes_of(backend).get(group.name, [])):
            return ('ScalingActivityInProgress', 'You cannot delete an AutoScalingGroup while there are scaling activities in '
                    'progress for that group.')
        return None

    @staticmethod
    def _refuse_UpdateAutoScalingGroup(form, backend, group):  # pylint: disable=unused-argument
        low = _int(form.get('MinSize')) if form.get('MinSize') is not None else group.min_size
        high = _int(form.get('MaxSize')) if form.get('MaxSize') is not None else group.max_size
        if low is None or high is None:
            return None
        if high < low:
            return ('ValidationError', 'Max bound, %d, must be greater than or equal to min bound, %d' % (high, low))
        desired = _int(form.get('DesiredCapacity'))
        if desired is not None and not low <= desired <= high:
            return ('ValidationError', 'Desired capacity:%d must be between the specified min size:%d and max size:%d'
                    % (desired, low, high))
        return None

    @staticmethod
    def _refuse_SetDesiredCapacity(form, backend, group):  # pylint: disable=unused-argument
        desired = _int(form.get('DesiredCapacity'))
        if desired is None:
            return None
        if group.max_size is not None and desired > group.max_size:
            return ('ValidationError', 'New SetDesiredCapacity value %d is above max value %d for the AutoScalingGroup.'
                    % (desired, group.max_size))
        if group.min_size is not None and desired < group.min_size:
            return ('ValidationError', 'New SetDesiredCapacity value %d is below min value %d for the AutoScalingGroup.'
                    % (desired, group.min_size))
        return None
