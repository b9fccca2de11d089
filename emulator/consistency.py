"""The aws profile's eventual consistency and idempotency tokens (emulator.server.Hook ``Consistency``).

Eventual consistency. "If you run a command to modify or describe the resource that you just created, its ID might
not have propagated throughout the system, and you will get an error responding that the resource does not exist"
(Eventual consistency in the Amazon EC2 API, https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html).
ELBv2, RDS and ElastiCache are distributed the same way: a client that reads right after a create retries NotFound
("the Elastic Load Balancing API follows an eventual consistency model",
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/Welcome.html; RDS and ElastiCache document no
read-after-create guarantee, and their NotFound faults are what a read of an unknown identifier answers).

So, in the aws profile, each id a create answered 200 stays unseen for ``profile.draw_lag()`` Describe calls of its
own kind (seeded: a run repeats):

- a Describe that names it (InstanceId.N, SubnetId.N, GroupId.N, RouteTableId.N, NatGatewayId.N,
  InternetGatewayId.N, AllocationId.N, VpcId.N; ELBv2 LoadBalancerArns/Names, TargetGroupArns/Names;
  RDS DBInstanceIdentifier; ElastiCache ReplicationGroupId) answers the service's NotFound error, worded as AWS
  words it;
- a Describe by filter, or a listing, answers without it (the XML answer is rewritten: the id's element of the
  answer's list is removed; EC2's reservations left empty go too).

Each Describe of a kind counts one call off every unseen id of that kind (in its region), whether it named them or
not. Mutating calls on a new id are left to moto (the EC2 guide says they *may* fail; the collection never relies on
them failing).

Idempotency tokens. "If you retry a request that completed successfully using the same client token and the same
parameters, the retry succeeds without performing any further actions ... However, the result might contain updated
information, such as the current creation status. If you retry a successful request using the same client token,
but one or more of the parameters are different ... the retry fails with an IdempotentParameterMismatch error"
(Ensuring idempotency in Amazon EC2 API requests, https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html).
So a repeated RunInstances answers its reservation's instances as they are now (terminated ones included) and a
repeated CreateNatGateway its gateway as it is now (deleted included), a repeated CreateRouteTable its table as it is
now (its first answer once the table is deleted: a route table has no state to tell); another request under the same
token answers IdempotentParameterMismatch. Tokens are per region and per action ("You can use the same client token for the same
request across different Regions"), and never expire while the emulator runs: AWS keeps a RunInstances token "for
at least 24 hours after the termination of the instance", longer than any emulator run; a reset forgets them.
The collection sends ClientToken with RunInstances, CreateNatGateway and CreateRouteTable (ClientToken is in
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateRouteTable.html), the three actions covered here.

The moto profile has none of this: every id is seen at once and emulator.server's replay of the first answer stays.
"""

import threading
import xml.etree.ElementTree as ET

from emulator.server import Hook, ec2_backend

BAD_REQUEST, NOT_FOUND = '400 Bad Request', '404 Not Found'


class Kind:
    """One kind of resource: the create that makes it, the Describe calls that read it, and how they say NotFound."""

    def __init__(self, name, create, describes, id_tag, params, code, message, status=BAD_REQUEST, items=None,
                 name_tag=None, name_params=(), name_message=None, message_many=None):
        self.name, self.create, self.describes, self.id_tag = name, create, describes, id_tag
        self.params = params            # request fields (lower case, without .N / .member.N) that name ids
        self.code, self.message, self.status = code, message, status
        self.message_many = message_many
        self.items = items or {}        # Describe action -> tag of the answer's list that holds the items
        self.name_tag, self.name_params, self.name_message = name_tag, name_params, name_message


# The NotFound answers, as AWS gives them (code, HTTP status and message). Codes and statuses: botocore's service
# models (ec2 2016-11-15, elbv2 2015-12-01: LoadBalancerNotFound/TargetGroupNotFound 400, rds 2014-10-31:
# DBInstanceNotFound 404, elasticache 2015-02-02: ReplicationGroupNotFoundFault 404) and the EC2 API reference's
# error codes (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html). Messages: AWS's own
# answers to a Describe of an unknown id, as the CLI prints them.
KINDS = (
    Kind('instance', 'RunInstances', ('DescribeInstances', 'DescribeInstanceStatus'), 'instanceId', ('instanceid',),
         'InvalidInstanceID.NotFound', "The instance ID '%s' does not exist", message_many="The instance IDs '%s' do not exist",
         items={'DescribeInstances': 'instancesSet', 'DescribeInstanceStatus': 'instanceStatusSet'}),
    Kind('subnet', 'CreateSubnet', ('DescribeSubnets',), 'subnetId', ('subnetid',),
         'InvalidSubnetID.NotFound', "The subnet ID '%s' does not exist", items={'DescribeSubnets': 'subnetSet'}),
    Kind('security_group', 'CreateSecurityGroup', ('DescribeSecurityGroups',), 'groupId', ('groupid',),
         'InvalidGroup.NotFound', "The security group '%s' does not exist", items={'DescribeSecurityGroups': 'securityGroupInfo'}),
    Kind('route_table', 'CreateRouteTable', ('DescribeRouteTables',), 'routeTableId', ('routetableid',),
         'InvalidRouteTableID.NotFound', "The routeTable ID '%s' does not exist", items={'DescribeRouteTables': 'routeTableSet'}),
    # DescribeNatGateways of an unknown id: NatGatewayNotFound "NAT gateway nat-... was not found" (AWS's answer as
    # clients log it, e.g. gruntwork-io/cloud-nuke#325; the code is in the EC2 API reference's error codes).
    Kind('nat_gateway', 'CreateNatGateway', ('DescribeNatGateways',), 'natGatewayId', ('natgatewayid',),
         'NatGatewayNotFound', 'NAT gateway %s was not found', items={'DescribeNatGateways': 'natGatewaySet'}),
    Kind('internet_gateway', 'CreateInternetGateway', ('DescribeInternetGateways',), 'internetGatewayId', ('internetgatewayid',),
         'InvalidInternetGatewayID.NotFound', "The internetGateway ID '%s' does not exist",
         items={'DescribeInternetGateways': 'internetGatewaySet'}),
    Kind('address', 'AllocateAddress', ('DescribeAddresses',), 'allocationId', ('allocationid',),
         'InvalidAllocationID.NotFound', "The allocation ID '%s' does not exist", items={'DescribeAddresses': 'addressesSet'}),
    Kind('vpc', 'CreateVpc', ('DescribeVpcs',), 'vpcId', ('vpcid',),
         'InvalidVpcID.NotFound', "The vpc ID '%s' does not exist", items={'DescribeVpcs': 'vpcSet'}),
    Kind('load_balancer', 'CreateLoadBalancer', ('DescribeLoadBalancers',), 'LoadBalancerArn', ('loadbalancerarns',),
         'LoadBalancerNotFound', 'One or more load balancers not found', items={'DescribeLoadBalancers': 'LoadBalancers'},
         name_tag='LoadBalancerName', name_params=('names',), name_message="Load balancers '[%s]' not found"),
    Kind('target_group', 'CreateTargetGroup', ('DescribeTargetGroups',), 'TargetGroupArn', ('targetgrouparns',),
         'TargetGroupNotFound', 'One or more target groups not found', items={'DescribeTargetGroups': 'TargetGroups'},
         name_tag='TargetGroupName', name_params=('names',), name_message='One or more target groups not found'),
    Kind('db_instance', 'CreateDBInstance', ('DescribeDBInstances',), 'DBInstanceIdentifier', ('dbinstanceidentifier',),
         'DBInstanceNotFound', 'DBInstance %s not found.', status=NOT_FOUND, items={'DescribeDBInstances': 'DBInstances'}),
    Kind('replication_group', 'CreateReplicationGroup', ('DescribeReplicationGroups',), 'ReplicationGroupId', ('replicationgroupid',),
         'ReplicationGroupNotFoundFault', 'Replication group %s not found.', status=NOT_FOUND,
         items={'DescribeReplicationGroups': 'ReplicationGroups'}),
)
BY_CREATE = dict((k.create, k) for k in KINDS)
BY_DESCRIBE = dict((d, k) for k in KINDS for d in k.describes)

# The EC2 actions whose ClientToken the collection sends, and how their answer is made again from the current state.
TOKEN_ACTIONS = ('RunInstances', 'CreateNatGateway', 'CreateRouteTable')
TOKEN_ID_TAG = {'RunInstances': 'instanceId', 'CreateNatGateway': 'natGatewayId', 'CreateRouteTable': 'routeTableId'}
MISMATCH = 'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).'


def named(form, params):
    """The values of the request fields ``params`` (EC2's Name.N, the query services' Name.member.N, or Name)."""
    out = []
    for key, value in sorted(form.items(), key=lambda kv: [(0, int(p), '') if p.isdigit() else (1, 0, p) for p in kv[0].split('.')]):
        parts = key.lower().split('.')
        if parts[0] in params and all(p.isdigit() or p == 'member' for p in parts[1:]):
            out.append(value)
    return out


def _ns(root):
    return root.tag[1:].split('}', 1)[0] if root.tag.startswith('{') else ''


def _q(ns, tag):
    return '{%s}%s' % (ns, tag) if ns else tag


def texts(payload, tag):
    """The texts of every ``tag`` element of an XML answer, in order, once each."""
    try:
        root = ET.fromstring(payload)
    except ET.ParseError:
        return []
    out = []
    for el in root.iter(_q(_ns(root), tag)):
        text = (el.text or '').strip()
        if text and text not in out:
            out.append(text)
    return out


def without(payload, list_tag, id_tag, hidden):
    """The XML answer ``payload`` without the items of its ``list_tag`` lists whose ``id_tag`` child is in ``hidden``
    (and, for EC2's DescribeInstances, without the reservations this leaves empty). Unchanged when none is there."""
    try:
        root = ET.fromstring(payload)
    except ET.ParseError:
        return payload
    ns = _ns(root)
    removed = False
    for container in list(root.iter(_q(ns, list_tag))):
        for item in list(container):
            ident = item.find(_q(ns, id_tag))
            if ident is not None and (ident.text or '').strip() in hidden:
                container.remove(item)
                removed = True
    if not removed:
        return payload
    if list_tag == 'instancesSet':
        for reservations in root.iter(_q(ns, 'reservationSet')):
            for reservation in list(reservations):
                instances = reservation.find(_q(ns, 'instancesSet'))
                if instances is not None and len(instances) == 0:
                    reservations.remove(reservation)
    body = ET.tostring(root, encoding='unicode', default_namespace=ns or None)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode('utf-8')


def render_ec2(operation, result):
    """moto's EC2 answer to ``operation`` for ``result`` (a model object or dict), serialised as moto serialises it,
    without the transformers that make a create's answer say "pending" (a replay tells the state as it is now)."""
    from moto.core.responses import ActionContext, ActionResult
    from moto.core.serialize import get_serializer_class
    from moto.core.utils import get_service_model
    from moto.ec2.responses._base_response import EC2BaseResponse

    class Now:  # pylint: disable=too-few-public-methods
        RESPONSE_KEY_PATH_TO_TRANSFORMER = dict((k, v) for k, v in EC2BaseResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER.items()
                                                if not k.startswith(operation + '.'))
    model = get_service_model('ec2')
    context = ActionContext(model, model.operation_model(operation), get_serializer_class('ec2', 'ec2'), Now)
    body = ActionResult(result).execute_result(context)[2]
    return body.encode('utf-8') if isinstance(body, str) else body


# The longest a new id stays unseen, whatever the number of reads meanwhile: AWS's reads catch up "within seconds" of a
# create (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html), so a run a minute later sees it.
LAG_SECONDS = 5.0


class Consistency(Hook):
    """New ids unseen for a few Describe calls, and ClientToken answered from the current state (aws profile)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.local = threading.local()   # what this request's Describe may not show (refuse -> after, same thread)
        self.hidden = {}                 # (region, kind name, id) -> [Describe calls of its kind it stays unseen, until when]
        self.names = {}                  # (region, kind name, id) -> its name (ELBv2)
        self.tokens = {}                 # (region, action, token) -> {'params', 'ids', 'reservation'}

    def reset(self):
        with self.lock:
            self.hidden, self.names, self.tokens = {}, {}, {}

    def settle(self):
        """Every id made so far is seen from now on (POST /_seed/settle)."""
        with self.lock:
            self.hidden, self.names = {}, {}

    def state(self):
        with self.lock:
            return {'unseen': sorted('%s %s (%d)' % (r, i, n[0]) for (r, _k, i), n in self.hidden.items())}

    @property
    def strict(self):
        return self.profile is not None and self.profile.strict

    # -- before moto --------------------------------------------------------------------------------------
    def refuse(self, action, form, region, environ, body):
        self.local.unseen = None
        if not self.strict:
            return None
        if action in TOKEN_ACTIONS and form.get('ClientToken'):
            with self.lock:
                made = self.tokens.get((region, action, form['ClientToken']))
            if made is not None and made['params'] != params_of(form):
                return BAD_REQUEST, 'IdempotentParameterMismatch', MISMATCH
            return None
        kind = BY_DESCRIBE.get(action)
        if kind is None:
            return None
        now = self.profile.now()
        with self.lock:
            for key in [key for key, (left, until) in self.hidden.items() if until <= now]:
                del self.hidden[key]  # AWS's reads catch up within seconds, however few reads were made meanwhile
            unseen = set(i for (r, k, i), (left, until) in self.hidden.items() if r == region and k == kind.name and left > 0)
            unseen_names = set(self.names[(region, kind.name, i)] for i in unseen if (region, kind.name, i) in self.names)
            for key in [key for key in self.hidden if key[0] == region and key[1] == kind.name]:
                self.hidden[key][0] -= 1
                if self.hidden[key][0] <= 0:
                    del self.hidden[key]
        if not unseen:
            return None
        asked = [i for i in named(form, kind.params) if i in unseen]
        if asked:
            if kind.message_many and len(asked) > 1:
                return kind.status, kind.code, kind.message_many % ', '.join(asked)
            return kind.status, kind.code, kind.message % asked[0] if '%s' in kind.message else kind.message
        asked = [n for n in named(form, kind.name_params) if n in unseen_names]
        if asked:
            return kind.status, kind.code, kind.name_message % asked[0] if '%s' in kind.name_message else kind.name_message
        self.local.unseen = (kind, unseen)
        return None

    def answer(self, action, form, region):
        """A repeated ClientToken with the same parameters: what it made, as it is now."""
        if not self.strict or action not in TOKEN_ACTIONS or not form.get('ClientToken'):
            return None
        with self.lock:
            made = self.tokens.get((region, action, form['ClientToken']))
        if made is None:
            return None
        backend = ec2_backend(region)
        if backend is None:
            return None
        if action == 'RunInstances':
            reservation = made.get('reservation')
            if reservation is None:
                return None
            return render_ec2(action, reservation)
        if action == 'CreateRouteTable':
            table = backend.route_tables.get(made['ids'][0]) if made['ids'] else None
            return render_ec2(action, {'RouteTable': table}) if table is not None else made['payload']
        nat = backend.nat_gateways.get(made['ids'][0]) if made['ids'] else None
        return render_ec2(action, {'NatGateway': nat}) if nat is not None else None

    # -- after moto answered 200 --------------------------------------------------------------------------
    def after(self, action, form, payload, region):
        if not self.strict:
            return payload
        seen = getattr(self.local, 'unseen', None)
        self.local.unseen = None
        if seen is not None and BY_DESCRIBE.get(action) is seen[0]:
            kind, unseen = seen[0], seen[1]
            return without(payload, kind.items[action], kind.id_tag, unseen)
        kind = BY_CREATE.get(action)
        if kind is not None:
            self.made(kind, payload, region)
        if action in TOKEN_ACTIONS and form.get('ClientToken'):
            self.remember(action, form, payload, region)
        return payload

    def made(self, kind, payload, region):
        ids = texts(payload, kind.id_tag)
        names = texts(payload, kind.name_tag) if kind.name_tag else []
        with self.lock:
            for index, new_id in enumerate(ids):
                lag = self.profile.draw_lag()
                if lag > 0:
                    self.hidden[(region, kind.name, new_id)] = [lag, self.profile.now() + LAG_SECONDS]
                    if index < len(names):
                        self.names[(region, kind.name, new_id)] = names[index]

    def remember(self, action, form, payload, region):
        key = (region, action, form['ClientToken'])
        ids = texts(payload, TOKEN_ID_TAG[action])
        made = {'params': params_of(form), 'ids': ids, 'reservation': None, 'payload': payload}
        if action == 'RunInstances':
            backend = ec2_backend(region)
            reservation_id = (texts(payload, 'reservationId') or [None])[0]
            if backend is not None and reservation_id:
                made['reservation'] = backend.reservations.get(reservation_id)
        with self.lock:
            self.tokens.setdefault(key, made)


def params_of(form):
    """A request's parameters, as compared under one token (the token itself aside)."""
    return dict((k, v) for k, v in form.items() if k != 'ClientToken')
