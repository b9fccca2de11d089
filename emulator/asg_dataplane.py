"""The instances EC2 Auto Scaling launches, on the data plane: the seam between emulator.autoscaling (moto's groups, as
AWS runs them) and the containers, the load balancers' HAProxy and the packet filter.

RunInstances starts a container because emulator.dataplane's hook sees the request. A group's instances are launched
inside moto (CreateAutoScalingGroup, UpdateAutoScalingGroup, SetDesiredCapacity, an instance refresh's batches, the
replacement of a terminated or unhealthy instance), often with no request at all (a refresh's next batch, a health
check's replacement, when their time comes): no hook sees them. So emulator.autoscaling tells the data planes attached
to it (its ``Plane`` seam) what the groups do, and GroupInstances acts on it with the data plane's own code:

- launched (told inside moto's change, before anything can see the instance running): DataPlane.launch, as for
  RunInstances: the same container from the image of the launch template's ImageId, with its user data, its key pair's
  public key, at the private address EC2 gave it in the group's subnet, its tags (those the group propagates at launch
  among them) as its labels. The container's boot keeps the EC2 instance pending (seed_serving), so the group's
  instance stays Pending until it has booted, as an instance of RunInstances stays pending;
- terminated (scale-in, an instance refresh, TerminateInstanceInAutoScalingGroup, DeleteAutoScalingGroup with
  ForceDelete, a health check's replacement): DataPlane.remove, as for TerminateInstances;
- targets changed (the group registers its running instances with its target groups, deregisters those it
  terminates): the load balancers' stand-in syncs from moto's target groups, as after RegisterTargets and
  DeregisterTargets: a new target is `initial` until HAProxy's checks pass, a deregistered one drains for the target
  group's deregistration delay;
- target health: the group's ELB health check (emulator.autoscaling.unhealthy) reads HAProxy's view of each target.

What moto's change tells is acted on once the change is over (the request's after(), or the tick), outside
emulator.autoscaling's lock: removing a container and reloading HAProxy take time, and nothing in them needs the
groups. Then the network's rules (emulator.network) are computed again, so a new instance is a member of its security
groups and a terminated one no longer is.

A poller (twice a second) moves the groups to where the clock says (emulator.autoscaling.tick) and acts on what that
did, so a refresh, or the replacement of an instance found unhealthy, goes on when nobody calls the API, as on AWS.
"""

import threading

from emulator import autoscaling
from emulator.server import Hook, ec2_backend

POLL = 0.5


class GroupInstances(Hook, autoscaling.Plane):
    """The data plane of the Auto Scaling groups' instances (see the module's docstring)."""

    def __init__(self, dataplane, load_balancers=None, network=None, log=None, poll=True):
        self.dataplane = dataplane
        self.load_balancers = load_balancers
        self.network = network
        self.log = log or (lambda msg: None)
        self.lock = threading.Lock()
        self.regions = set()
        self.todo = {}  # region -> {'remove': [instance ids], 'targets': bool, 'members': bool}
        self.launched_ids = {}  # instance id -> region: what a group launched here
        self.stopping = threading.Event()
        autoscaling.attach(self)
        if poll:
            threading.Thread(target=self._poll, daemon=True).start()

    def _todo(self, region):
        return self.todo.setdefault(region, {'remove': [], 'targets': False, 'members': False})

    # -- emulator.autoscaling.Plane (inside moto's change, holding autoscaling.LOCK) -----------------------------
    def launched(self, region, instances):
        ec2 = ec2_backend(region)
        for instance in instances:
            with self.lock:
                self.regions.add(region)
                self.launched_ids[instance.id] = region
                self._todo(region)['members'] = True
            try:
                self.dataplane.launch(ec2, region, instance.id)
            except Exception as exc:  # pylint: disable=broad-except
                self.log('autoscaling: %s: no container: %s' % (instance.id, exc))

    def terminated(self, region, instance_ids):
        with self.lock:
            todo = self._todo(region)
            todo['remove'].extend(instance_ids)
            todo['members'] = True

    def targets_changed(self, region):
        with self.lock:
            self._todo(region)['targets'] = True

    def target_health(self, region, target_group_arn, instance_id):
        lbs = self.load_balancers
        if lbs is None:
            return None
        # no lock: a sync may hold the stand-in's for seconds (a reload); the dict is copied at once (emulator.network
        # reads it the same way)
        served = dict(lbs.targets)
        if target_group_arn not in served:
            return None
        # a target the group registered that the stand-in has not synced yet is being registered: initial, as AWS says it
        target = dict(served[target_group_arn] or {}).get(instance_id)
        return target['state'] if target else 'initial'

    # -- acting on it (outside autoscaling.LOCK) ------------------------------------------------------------------
    def flush(self):
        with self.lock:
            todo, self.todo = self.todo, {}
        for region, work in sorted(todo.items()):
            for instance_id in work['remove']:
                with self.lock:
                    self.launched_ids.pop(instance_id, None)
                try:
                    self.dataplane.remove(instance_id)
                except Exception as exc:  # pylint: disable=broad-except
                    self.log('autoscaling: %s: container not removed: %s' % (instance_id, exc))
            if (work['targets'] or work['remove']) and self.load_balancers is not None:
                try:
                    self.load_balancers.sync(region)
                except Exception as exc:  # pylint: disable=broad-except
                    self.log('autoscaling: the load balancers not synced: %s' % exc)
        if any(w['members'] for w in todo.values()) and self.network is not None:
            try:
                self.network.step()
            except Exception as exc:  # pylint: disable=broad-except
                self.log('autoscaling: the network rules not applied: %s' % exc)

    def tick(self):
        """The groups of every region seen to where the clock says, then what that did."""
        with self.lock:
            regions = sorted(self.regions)
        for region in regions:
            autoscaling.tick(region)
        self.flush()

    def _poll(self):
        while not self.stopping.wait(POLL):
            try:
                self.tick()
            except Exception as exc:  # pylint: disable=broad-except
                self.log('autoscaling: poll: %s' % exc)

    # -- the hook ------------------------------------------------------------------------------------------
    def after(self, action, form, payload, region):
        with self.lock:
            self.regions.add(region)
        self.flush()
        return payload

    def reset(self):
        with self.lock:
            self.todo, self.launched_ids = {}, {}

    def state(self):
        with self.lock:
            return {'autoscaling': {'instances': sorted(self.launched_ids)}}

    def stop(self):
        """No more ticks, and emulator.autoscaling tells this plane nothing more."""
        self.stopping.set()
        autoscaling.detach(self)
