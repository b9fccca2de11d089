"""AWS's time and dependencies in the aws profile: each resource walks AWS's states, in AWS's order, each state
lasting ``profile.seconds(...)`` (emulator.profile.DURATIONS scaled by the pace), and what AWS makes in the VPC on
the user's behalf (requester-managed network interfaces) holds subnets, security groups and public addresses as
on AWS, for a while after its owner is gone. In the moto profile the hook does nothing: every state is final at
once, as moto answers (and the describe-count transitions of emulator.rds and emulator.elasticache stay).

Time is read from ``profile.now()`` (a test injects its clock) and evaluated lazily: every request first moves each
walking resource to the state its time says, so no thread runs.

States (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html and the pages cited below):

    EC2 instance           RunInstances: pending -> running; TerminateInstances: shutting-down -> terminated. While
                           shutting down it still holds its subnet, its security groups and its public address.
                           StopInstances: stopping -> stopped; StartInstances: pending -> running.
    NAT gateway            CreateNatGateway: pending -> available; DeleteNatGateway: deleting -> deleted (a deleted
                           gateway stays visible as deleted, as moto keeps it). Its interface (requester-managed,
                           InterfaceType nat_gateway) and its Elastic IP's association stay until it is deleted.
    ELBv2 load balancer    CreateLoadBalancer: provisioning -> active.
    RDS DB instance        CreateDBInstance: creating -> backing-up -> available; ModifyDBInstance: modifying or
                           resetting-master-credentials -> available; DeleteDBInstance: deleting, then gone (the
                           final snapshot, when asked, is made by the delete as moto makes it).
    ElastiCache            CreateReplicationGroup: creating -> available; ModifyReplicationGroup: modifying ->
    replication group      available; DeleteReplicationGroup: deleting, then gone; its member clusters follow it.

A data plane (emulator.dataplane, emulator.datatier) that serves a resource marks it ``seed_serving = 'starting'``
until its container serves: the walk leaves the creating state only when both the time is over and the container
serves. A resource that something else moved out of the state the walk gave it (a container that failed, the
server's old ``pending`` fault, a Stop) is no longer walked. Resources the walk moves carry ``seed_timed`` (the data
plane and emulator.rds / emulator.elasticache then leave their states to the walk).

Requester-managed interfaces (https://docs.aws.amazon.com/vpc/latest/userguide/requester-managed-eni.html): an
Application Load Balancer has one per subnet ("ELB app/<name>/<id>"; internet-facing: each with a public address),
an RDS instance one in a subnet of its DB subnet group ("RDSNetworkInterface"), a replication group one per member
cluster ("ElastiCache <cluster-id>"), a NAT gateway its own. Each shows RequesterManaged true, its RequesterId and
Status in-use, and stays ``seconds('ec2', 'requester_managed_interface', 'in-use-after-delete')`` after its owner
is gone. While they are there, AWS's dependency rules refuse (before moto sees the request): DeleteSecurityGroup
(DependencyViolation "resource sg-... has a dependent object"), DeleteSubnet ("The subnet '...' has dependencies and
cannot be deleted."), DetachInternetGateway while any public address is mapped in the VPC, DeleteNetworkInterface
of a requester-managed interface.

ACM: a certificate stays InUseBy a deleted listener or load balancer for ``seconds('acm', 'certificate',
'in-use-after-delete')``, and DeleteCertificate of a certificate in use answers ResourceInUseException
(https://docs.aws.amazon.com/acm/latest/APIReference/API_DeleteCertificate.html).
"""

import json
import threading

from emulator.server import Hook, ec2_backend

GONE = None  # the last step of a delete: the resource is removed from moto's backend
# kind -> {walk: [(state, DURATIONS key or None for the final state)]}
WALKS = {
    'instance': {
        'create': [('pending', ('ec2', 'instance', 'pending')), ('running', None)],
        'terminate': [('shutting-down', ('ec2', 'instance', 'shutting-down')), ('terminated', None)],
        'stop': [('stopping', ('ec2', 'instance', 'stopping')), ('stopped', None)],
        'start': [('pending', ('ec2', 'instance', 'pending')), ('running', None)],
    },
    'nat': {
        'create': [('pending', ('ec2', 'nat_gateway', 'pending')), ('available', None)],
        'delete': [('deleting', ('ec2', 'nat_gateway', 'deleting')), ('deleted', None)],
    },
    'lb': {
        'create': [('provisioning', ('elbv2', 'load_balancer', 'provisioning')), ('active', None)],
    },
    'db': {
        'create': [('creating', ('rds', 'db_instance', 'creating')), ('backing-up', ('rds', 'db_instance', 'backing-up')),
                   ('available', None)],
        'modifying': [('modifying', ('rds', 'db_instance', 'modifying')), ('available', None)],
        'resetting-master-credentials': [('resetting-master-credentials', ('rds', 'db_instance', 'resetting-master-credentials')),
                                         ('available', None)],
        'delete': [('deleting', ('rds', 'db_instance', 'deleting')), (GONE, None)],
    },
    'rg': {
        'create': [('creating', ('elasticache', 'replication_group', 'creating')), ('available', None)],
        'modify': [('modifying', ('elasticache', 'replication_group', 'modifying')), ('available', None)],
        'delete': [('deleting', ('elasticache', 'replication_group', 'deleting')), (GONE, None)],
    },
}
# what each service's requester-managed interfaces show (RequesterId; the attachment's InstanceOwnerId)
REQUESTERS = {'elb': 'amazon-elb', 'rds': 'amazon-rds', 'elasticache': 'amazon-elasticache'}
MAPPED = ('Network %s has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.')


def _backend(module, name, region):
    try:
        from moto.core import DEFAULT_ACCOUNT_ID
        mod = __import__('moto.%s.models' % module, fromlist=[name])
        return getattr(mod, name)[DEFAULT_ACCOUNT_ID][region]
    except Exception:  # pylint: disable=broad-except
        return None


def rds_backend(region):
    return _backend('rds', 'rds_backends', region)


def elasticache_backend(region):
    return _backend('elasticache', 'elasticache_backends', region)


def elbv2_backend(region):
    return _backend('elbv2', 'elbv2_backends', region)


def acm_backend(region):
    return _backend('acm', 'acm_backends', region)


def form_list(form, prefix):
    """The members of a query-protocol list (InstanceId.1, ...; SecurityGroupIds.member.1, ...)."""
    return [v for k, v in sorted(form.items()) if k == prefix or k.startswith(prefix + '.')]


_INTERFACE_CLASS = []


def interface_class():
    """moto's NetworkInterface as a requester-managed one: its attachment is the service's, not an instance's, and its
    public address (a load balancer's) is Amazon's (IpOwnerId amazon), not an Elastic IP of the account."""
    if _INTERFACE_CLASS:
        return _INTERFACE_CLASS[0]
    from moto.ec2.models.elastic_network_interfaces import NetworkInterface

    class RequesterManagedInterface(NetworkInterface):
        __module__ = NetworkInterface.__module__  # moto's model registry keys classes by their module

        @property
        def attachment(self):
            return {'AttachmentId': self.seed_attachment_id, 'DeleteOnTermination': False, 'DeviceIndex': 1,
                    'InstanceOwnerId': self.requester_id, 'Status': 'attached', 'NetworkCardIndex': 0}

        @property
        def association(self):
            if not self.public_ip:
                return {}
            return {'IpOwnerId': 'amazon', 'PublicIp': self.public_ip,
                    'PublicDnsName': 'ec2-%s.compute-1.amazonaws.com' % self.public_ip.replace('.', '-')}
    _INTERFACE_CLASS.append(RequesterManagedInterface)
    return RequesterManagedInterface


def _model_state(kind, model):
    """The state moto's model shows now (instances, NAT gateways and load balancers: state; RDS, ElastiCache: status)."""
    return model.state if kind in ('instance', 'nat', 'lb') else model.status


class Lifecycle(Hook):
    """AWS's states, times and requester-managed interfaces (see the module's docstring); aws profile only."""

    def __init__(self):
        from emulator.fidelity import patch_moto
        patch_moto()  # the seed_timed rules of emulator.fidelity, rds and elasticache
        self.lock = threading.RLock()
        self.walks = {}        # (region, kind, id) -> {'model', 'steps', 'index', 'since', 'waited'}
        self.interfaces = {}   # (region, owner key) -> {'eni', 'released' (time or None), 'subnet'}
        self.holding = {}      # (region, instance id) -> {'subnet', 'groups', 'public_ip', 'vpc'} while shutting down
        self.cert_users = []   # [region, certificate arn, user, until]
        self.pending = {}      # thread id -> what before() saw for after()

    # -- the hook -------------------------------------------------------------------
    @property
    def active(self):
        return self.profile is not None and self.profile.strict

    def reset(self):
        with self.lock:
            self.walks, self.interfaces, self.holding, self.cert_users, self.pending = {}, {}, {}, [], {}

    def refuse(self, action, form, region, environ, body):
        self.advance(region)
        if not self.active:
            return None
        check = getattr(self, '_refuse_' + action, None)
        if check is None:
            return None
        if environ.get('HTTP_X_AMZ_TARGET'):
            try:
                form = json.loads(body or b'{}')
            except ValueError:
                form = {}
        with self.lock:
            answer = check(form, region)
        if answer and len(answer) == 2:
            return ('400 Bad Request',) + tuple(answer)
        return answer

    def before(self, action, form, region):
        if not self.active:
            return
        seen = None
        if action == 'DeleteDBInstance':
            rds = rds_backend(region)
            seen = getattr(rds, 'databases', {}).get(str(form.get('DBInstanceIdentifier', '')).lower())
        elif action == 'TerminateInstances':
            seen = self._instance_holdings(region, form_list(form, 'InstanceId'))
        elif action in ('DeleteListener', 'DeleteLoadBalancer'):
            seen = self._certificate_users(region, action, form)
        elif action == 'DeleteNatGateway':
            nat = getattr(ec2_backend(region), 'nat_gateways', {}).get(form.get('NatGatewayId'))
            if nat is not None:
                nat.seed_timed = True  # emulator.fidelity leaves its interface and address to the walk
        with self.lock:
            self.pending[(threading.get_ident(), action)] = seen

    def after(self, action, form, payload, region):
        seen = self.pending.pop((threading.get_ident(), action), None)
        if not self.active:
            return payload
        with self.lock:
            handler = getattr(self, '_after_' + action, None)
            if handler is not None:
                payload = handler(form, payload, region, seen) or payload
            self.sync_interfaces(region)
        return payload

    # -- walking ----------------------------------------------------------------------
    def walk(self, region, kind, rid, model, name):
        """Start ``model`` (of ``kind``) on the walk ``name`` from now: its first state is set at once."""
        steps = WALKS[kind][name]
        model.seed_timed = True
        self._apply(region, kind, rid, model, steps[0][0])
        self.walks[(region, kind, rid)] = {'model': model, 'steps': steps, 'index': 0, 'since': self.profile.now(), 'waited': False}

    def advance(self, region):
        """Move every walking resource (and lingering interface, certificate user) to where the clock says."""
        if self.profile is None:
            return
        with self.lock:
            strict = self.profile.strict
            now = self.profile.now()
            for key, walk in list(self.walks.items()):
                wregion, kind, rid = key
                model = walk['model']
                while True:
                    state, duration = walk['steps'][walk['index']]
                    if duration is None:
                        break
                    if _model_state(kind, model) != state:  # moved by something else: no longer ours
                        walk['index'] = len(walk['steps']) - 1
                        walk['abandoned'] = True
                        break
                    if strict and now < walk['since'] + self.profile.seconds(*duration):
                        break
                    if strict and walk['index'] == 0 and getattr(model, 'seed_serving', None) == 'starting':
                        walk['waited'] = True  # its container does not serve yet
                        break
                    walk['since'] = now if walk['waited'] or not strict else walk['since'] + self.profile.seconds(*duration)
                    walk['waited'] = False
                    walk['index'] += 1
                    self._apply(wregion, kind, rid, model, walk['steps'][walk['index']][0])
                    model.seed_state_since = walk['since']  # when the state began (emulator.autoscaling's grace period)
                if walk['steps'][walk['index']][1] is None:
                    model.seed_timed = False
                    del self.walks[key]
            for key in list(self.holding):
                if (key[0], 'instance', key[1]) not in self.walks:
                    del self.holding[key]
            linger = self.profile.seconds('ec2', 'requester_managed_interface', 'in-use-after-delete')
            for key, entry in list(self.interfaces.items()):
                if entry['released'] is not None and (not strict or now >= entry['released'] + linger):
                    self._delete_interface(key[0], entry)
                    del self.interfaces[key]
            if not strict:  # the moto profile: no requester-managed interface of ours
                for key, entry in list(self.interfaces.items()):
                    self._delete_interface(key[0], entry)
                    del self.interfaces[key]
            keep = []
            for entry in self.cert_users:
                cregion, arn, user, until = entry
                if strict and now < until:
                    keep.append(entry)
                    continue
                bundle = getattr(acm_backend(cregion), '_certificates', {}).get(arn)
                if bundle is not None and user in bundle.in_use_by:
                    bundle.in_use_by.remove(user)
            self.cert_users = keep
            if strict:
                self.sync_interfaces(region)

    def _apply(self, region, kind, rid, model, state):
        """Put ``state`` into moto's model (and what comes with it)."""
        if kind == 'instance':
            codes = {'pending': 0, 'running': 16, 'shutting-down': 32, 'terminated': 48, 'stopping': 64, 'stopped': 80}
            model._state.name, model._state.code = state, codes[state]  # pylint: disable=protected-access
        elif kind in ('nat', 'lb'):
            model.state = state
            if kind == 'nat' and state == 'deleted':
                from emulator.fidelity import free_nat_gateway
                free_nat_gateway(ec2_backend(region), model)
        elif kind == 'db':
            if state is GONE:
                rds = rds_backend(region)
                if rds is not None and rds.databases.get(rid) is model:
                    del rds.databases[rid]
                model.status = 'deleted'
                return
            model.status = state
            if state == 'available':
                from emulator.rds import settle
                settle(model)
        elif kind == 'rg':
            from emulator import elasticache
            backend = elasticache_backend(region)
            if state is GONE:
                elasticache.remove(backend, model)
                model.status = 'deleted'
                return
            model.status = state
            elasticache.refresh_members(backend, model)

    # -- what each action starts ----------------------------------------------------------
    def _after_RunInstances(self, form, payload, region, seen):
        import re
        backend = ec2_backend(region)
        for iid in sorted(set(re.findall(r'<instanceId>(i-[0-9a-f]+)</instanceId>', payload.decode('utf-8', 'replace')))):
            self.walk(region, 'instance', iid, backend.get_instance(iid), 'create')
        return payload.replace(b'<code>16</code>', b'<code>0</code>').replace(b'<name>running</name>', b'<name>pending</name>')

    def _instance_holdings(self, region, ids):
        backend = ec2_backend(region)
        out = {}
        for iid in ids:
            try:
                instance = backend.get_instance(iid)
            except Exception:  # pylint: disable=broad-except
                continue
            if instance.state in ('terminated', 'shutting-down'):
                continue
            out[iid] = {'instance': instance, 'subnet': instance.subnet_id, 'vpc': instance.vpc_id,
                        'groups': set(g.id for g in instance.security_groups),
                        'public_ip': instance.public_ip}
        return out

    def _after_TerminateInstances(self, form, payload, region, seen):
        for iid, holds in (seen or {}).items():
            instance = holds.pop('instance')
            self.walks.pop((region, 'instance', iid), None)
            self.walk(region, 'instance', iid, instance, 'terminate')
            self.holding[(region, iid)] = holds
        return payload

    def _walk_instances(self, form, region, name, before):
        backend = ec2_backend(region)
        for iid in form_list(form, 'InstanceId'):
            try:
                instance = backend.get_instance(iid)
            except Exception:  # pylint: disable=broad-except
                continue
            if instance.state == before:
                self.walks.pop((region, 'instance', iid), None)
                self.walk(region, 'instance', iid, instance, name)

    def _after_StopInstances(self, form, payload, region, seen):
        self._walk_instances(form, region, 'stop', 'stopped')
        return payload

    def _after_StartInstances(self, form, payload, region, seen):
        self._walk_instances(form, region, 'start', 'running')
        return payload

    def _after_CreateNatGateway(self, form, payload, region, seen):
        import re
        backend = ec2_backend(region)
        for nid in sorted(set(re.findall(r'<natGatewayId>(nat-[0-9a-f]+)</natGatewayId>', payload.decode('utf-8', 'replace')))):
            nat = backend.nat_gateways.get(nid)
            if nat is None:
                continue
            self.walk(region, 'nat', nid, nat, 'create')
            eni = getattr(nat, '_eni', None)
            if eni is not None:  # AWS's view of the gateway's interface (requester-managed, no security group)
                eni.requester_managed, eni.status, eni.interface_type = True, 'in-use', 'nat_gateway'
                eni.description = 'Interface for NAT Gateway %s' % nid
                eni._group_set = []  # pylint: disable=protected-access
        return payload.replace(b'<state>available</state>', b'<state>pending</state>')

    def _after_DeleteNatGateway(self, form, payload, region, seen):
        nat = ec2_backend(region).nat_gateways.get(form.get('NatGatewayId'))
        if nat is not None:
            self.walks.pop((region, 'nat', nat.id), None)
            self.walk(region, 'nat', nat.id, nat, 'delete')
        return payload.replace(b'<state>deleted</state>', b'<state>deleting</state>')

    def _after_CreateLoadBalancer(self, form, payload, region, seen):
        elbv2 = elbv2_backend(region)
        for arn, lb in elbv2.load_balancers.items():
            if lb.name == form.get('Name') and not getattr(lb, 'seed_walked', False):
                lb.seed_walked = True
                self.walk(region, 'lb', arn, lb, 'create')
        return payload

    def _certificate_users(self, region, action, form):
        users = set()
        elbv2 = elbv2_backend(region)
        if action == 'DeleteListener':
            users.add(form.get('ListenerArn'))
        else:
            lb = elbv2.load_balancers.get(form.get('LoadBalancerArn')) if elbv2 is not None else None
            users.add(form.get('LoadBalancerArn'))
            users.update(lb.listeners if lb is not None else ())
        found = []
        for arn, bundle in getattr(acm_backend(region), '_certificates', {}).items():
            found.extend((arn, u) for u in bundle.in_use_by if u in users)
        return found

    def _linger_certificates(self, region, seen):
        """AWS: a certificate stays in use for a while after the listener that used it is deleted
        (https://docs.aws.amazon.com/acm/latest/userguide/troubleshooting-delete.html)."""
        until = self.profile.now() + self.profile.seconds('acm', 'certificate', 'in-use-after-delete')
        certificates = getattr(acm_backend(region), '_certificates', {})
        for arn, user in seen or []:
            bundle = certificates.get(arn)
            if bundle is not None and user not in bundle.in_use_by:
                bundle.in_use_by.append(user)
                self.cert_users.append([region, arn, user, until])

    def _after_DeleteListener(self, form, payload, region, seen):
        self._linger_certificates(region, seen)
        return payload

    def _after_DeleteLoadBalancer(self, form, payload, region, seen):
        self._linger_certificates(region, seen)
        self.walks.pop((region, 'lb', form.get('LoadBalancerArn')), None)
        return payload

    def _after_CreateDBInstance(self, form, payload, region, seen):
        rid = str(form.get('DBInstanceIdentifier', '')).lower()
        db = getattr(rds_backend(region), 'databases', {}).get(rid)
        if db is not None:
            self.walk(region, 'db', rid, db, 'create')
        return payload.replace(b'<DBInstanceStatus>available</DBInstanceStatus>', b'<DBInstanceStatus>creating</DBInstanceStatus>', 1)

    def _after_ModifyDBInstance(self, form, payload, region, seen):
        rid = str(form.get('DBInstanceIdentifier', '')).lower()
        db = getattr(rds_backend(region), 'databases', {}).get(rid)
        if db is not None and db.status in WALKS['db']:
            self.walks.pop((region, 'db', rid), None)
            self.walk(region, 'db', rid, db, db.status)
        return payload

    def _after_DeleteDBInstance(self, form, payload, region, seen):
        rds = rds_backend(region)
        if seen is None or rds is None:
            return payload
        rid = seen.db_instance_identifier
        self.walks.pop((region, 'db', rid), None)
        rds.databases[rid] = seen  # moto removed it at once; AWS shows it deleting for a while
        self.walk(region, 'db', rid, seen, 'delete')
        return payload

    def _after_CreateReplicationGroup(self, form, payload, region, seen):
        rid = str(form.get('ReplicationGroupId', '')).lower()
        group = getattr(elasticache_backend(region), 'replication_groups', {}).get(rid)
        if group is not None:
            self.walk(region, 'rg', rid, group, 'create')
        return payload

    def _after_ModifyReplicationGroup(self, form, payload, region, seen):
        rid = str(form.get('ReplicationGroupId', '')).lower()
        group = getattr(elasticache_backend(region), 'replication_groups', {}).get(rid)
        if group is not None and group.status == 'modifying':
            self.walks.pop((region, 'rg', rid), None)
            self.walk(region, 'rg', rid, group, 'modify')
        return payload

    def _after_DeleteReplicationGroup(self, form, payload, region, seen):
        rid = str(form.get('ReplicationGroupId', '')).lower()
        group = getattr(elasticache_backend(region), 'replication_groups', {}).get(rid)
        if group is not None and group.status == 'deleting':
            self.walks.pop((region, 'rg', rid), None)
            self.walk(region, 'rg', rid, group, 'delete')
        return payload

    # -- requester-managed interfaces -------------------------------------------------------
    def _owners(self, region):
        """(owner key, service, description, subnet, security group ids, public) of every interface AWS would have made."""
        ec2 = ec2_backend(region)
        out = []
        elbv2 = elbv2_backend(region)
        for arn, lb in list(getattr(elbv2, 'load_balancers', {}).items()):
            description = 'ELB ' + arn.split(':loadbalancer/', 1)[-1]
            for subnet in lb.subnets:
                subnet_id = getattr(subnet, 'id', subnet)
                out.append((('elb', arn, subnet_id), 'elb', description, subnet_id, list(lb.security_groups or []),
                            lb.scheme == 'internet-facing'))
        rds = rds_backend(region)
        for rid, db in list(getattr(rds, 'databases', {}).items()):
            group = getattr(db, 'db_subnet_group', None)
            subnets = list(getattr(group, '_subnets', None) or [])
            if not subnets:
                continue
            zone = getattr(db, 'availability_zone', None)
            subnet = next((s for s in subnets if s.availability_zone == zone), subnets[0])
            out.append((('rds', rid), 'rds', 'RDSNetworkInterface', subnet.id, list(db.vpc_security_group_ids or []),
                        bool(getattr(db, 'publicly_accessible', False))))
        cache = elasticache_backend(region)
        for group in list(getattr(cache, 'replication_groups', {}).values()):
            subnet_group = getattr(cache, 'cache_subnet_groups', {}).get(group.cache_subnet_group_name or '')
            subnet_ids = list(getattr(subnet_group, 'subnet_ids', None) or [])
            if not subnet_ids:
                continue
            for index, cid in enumerate(group.member_clusters):
                cluster = cache.cache_clusters.get(cid)
                zone = getattr(cluster, 'preferred_availability_zone', None)
                subnet_id = subnet_ids[index % len(subnet_ids)]
                for sid in subnet_ids:
                    try:
                        if zone and ec2.get_subnet(sid).availability_zone == zone:
                            subnet_id = sid
                            break
                    except Exception:  # pylint: disable=broad-except
                        continue
                out.append((('elasticache', cid), 'elasticache', 'ElastiCache %s' % cid, subnet_id,
                            list(group.security_group_ids or []), False))
        return out

    def sync_interfaces(self, region):
        """Make the interfaces the owners need; an owner's interface that is no longer needed stays in use for its while."""
        ec2 = ec2_backend(region)
        if ec2 is None or self.profile is None:
            return
        with self.lock:
            now = self.profile.now()
            wanted = set()
            for key, service, description, subnet_id, groups, public in self._owners(region):
                wanted.add((region, key))
                if (region, key) in self.interfaces:
                    continue
                entry = self._make_interface(ec2, service, description, subnet_id, groups, public)
                if entry is not None:
                    self.interfaces[(region, key)] = entry
            for key, entry in self.interfaces.items():
                if key[0] == region and key not in wanted and entry['released'] is None:
                    entry['released'] = now

    @staticmethod
    def _make_interface(ec2, service, description, subnet_id, groups, public):
        from moto.ec2.utils import random_id, random_public_ip
        try:
            subnet = ec2.get_subnet(subnet_id)
        except Exception:  # pylint: disable=broad-except
            return None
        existing = [g for g in groups if ec2.get_security_group_from_id(g)]  # moto would make up a missing one
        holder = object()
        address = subnet.get_available_subnet_ip(holder)
        eni = ec2.create_network_interface(subnet, address, group_ids=existing or None, description=description)
        if not existing:
            eni._group_set = []  # pylint: disable=protected-access
        eni.__class__ = interface_class()
        eni.requester_managed, eni.requester_id, eni.status = True, REQUESTERS[service], 'in-use'
        eni.seed_attachment_id = random_id(prefix='ela-attach')
        if public:
            eni.public_ip = random_public_ip()
        return {'eni': eni.id, 'released': None, 'subnet': subnet_id}

    @staticmethod
    def _delete_interface(region, entry):
        ec2 = ec2_backend(region)
        eni = ec2.enis.pop(entry['eni'], None) if ec2 is not None else None
        if eni is not None:
            for address in eni.private_ip_addresses:
                eni.subnet.del_subnet_ip(address['PrivateIpAddress'])

    def _interfaces_of(self, region):
        ec2 = ec2_backend(region)
        out = []
        for key, entry in self.interfaces.items():
            eni = ec2.enis.get(entry['eni']) if key[0] == region else None
            if eni is not None:
                out.append(eni)
        return out

    # -- AWS's dependency rules ---------------------------------------------------------------
    def _refuse_DeleteSecurityGroup(self, form, region):
        """DependencyViolation "resource sg-... has a dependent object" while an interface or a shutting-down instance uses
        the group (https://docs.aws.amazon.com/vpc/latest/userguide/deleting-security-groups.html)."""
        group_id = form.get('GroupId')
        if not group_id:
            return None
        users = [e.id for e in self._interfaces_of(region) if group_id in [g.id for g in e._group_set]]  # pylint: disable=protected-access
        users += [iid for (r, iid), h in self.holding.items() if r == region and group_id in h['groups']]
        if users:
            return 'DependencyViolation', 'resource %s has a dependent object' % group_id
        return None

    def _refuse_DeleteSubnet(self, form, region):
        """"The subnet '...' has dependencies and cannot be deleted." while interfaces (a NAT gateway's until it is deleted) or
        a shutting-down instance are in it (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-deleting.html: "You must
        terminate any instances in the subnet" ... requester-managed interfaces are deleted by their service)."""
        subnet_id = form.get('SubnetId')
        ec2 = ec2_backend(region)
        held = [e.id for e in self._interfaces_of(region) if e.subnet.id == subnet_id]
        held += [iid for (r, iid), h in self.holding.items() if r == region and h['subnet'] == subnet_id]
        held += [n.id for n in ec2.nat_gateways.values() if n.subnet_id == subnet_id and n.state in ('pending', 'available', 'deleting')]
        if held:
            return 'DependencyViolation', "The subnet '%s' has dependencies and cannot be deleted." % subnet_id
        return None

    def _refuse_DetachInternetGateway(self, form, region):
        """"Network vpc-... has some mapped public address(es). Please unmap those public address(es) before detaching the
        gateway." (https://docs.aws.amazon.com/vpc/latest/userguide/delete-igw.html: "If your VPC has resources with
        associated public IP addresses or Elastic IP addresses, you must release those before you detach the gateway")."""
        vpc_id = form.get('VpcId')
        ec2 = ec2_backend(region)
        mapped = [e.id for e in list(ec2.enis.values()) if e.public_ip and e.subnet is not None and e.subnet.vpc_id == vpc_id]
        mapped += [iid for (r, iid), h in self.holding.items() if r == region and h['vpc'] == vpc_id and h['public_ip']]
        if mapped:
            return 'DependencyViolation', MAPPED % vpc_id
        return None

    def _refuse_DeleteNetworkInterface(self, form, region):
        """A requester-managed interface is deleted by its service, not by the user, while it is in use
        (https://docs.aws.amazon.com/vpc/latest/userguide/requester-managed-eni.html)."""
        eni_id = form.get('NetworkInterfaceId')
        eni = ec2_backend(region).enis.get(eni_id)
        if eni is not None and getattr(eni, 'requester_managed', False) and getattr(eni, 'status', '') == 'in-use':
            return 'InvalidNetworkInterface.InUse', 'Interface: [%s] in use.' % eni_id
        return None

    def _refuse_DeleteCertificate(self, form, region):
        """ResourceInUseException: "The certificate is in use by another AWS service in the caller's account. Remove the
        association and try again." (https://docs.aws.amazon.com/acm/latest/APIReference/API_DeleteCertificate.html)."""
        arn = form.get('CertificateArn')
        bundle = getattr(acm_backend(region), '_certificates', {}).get(arn)
        if bundle is not None and bundle.in_use_by:
            return 'ResourceInUseException', 'Certificate %s is in use by %s.' % (arn, ', '.join(bundle.in_use_by))
        return None

    def _refuse_DeleteDBInstance(self, form, region):
        """InvalidDBInstanceState for an instance already being deleted
        (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html, Errors)."""
        rid = str(form.get('DBInstanceIdentifier', '')).lower()
        db = getattr(rds_backend(region), 'databases', {}).get(rid)
        if db is not None and db.status == 'deleting':
            return 'InvalidDBInstanceState', 'Instance %s is already being deleted.' % rid
        return None

    def _refuse_ModifyDBInstance(self, form, region):
        """InvalidDBInstanceState: "The DB instance isn't in a valid state." while it is created or deleted
        (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html, Errors)."""
        rid = str(form.get('DBInstanceIdentifier', '')).lower()
        db = getattr(rds_backend(region), 'databases', {}).get(rid)
        if db is not None and db.status in ('creating', 'deleting'):
            return 'InvalidDBInstanceState', 'Database instance is not in available state.'
        return None
