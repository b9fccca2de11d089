# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a stack is in AWS, read by its Stack tag alone, and what each resource costs by the hour. Used by stack_info.

Reads only: one describe per resource type (EC2's filtered by ``tag:Stack``, ELBv2's, ACM's, RDS's and ElastiCache's
listed and kept when their tags say ``Stack=<stack>`` exactly), side by side where they do not depend on each other.
A describe filter's value is a pattern on AWS, so what a filter found is checked again (ec2.exactly_tagged).
Every value from AWS (tags above all) is data: nothing here is decided by a Name tag.

Each resource is a view (kind, id, name, state, details, tags) and one or more priced lines (module_utils/prices.py):
what AWS bills for it by the hour in its state now, 0 for what AWS does not charge for, None for what the table has no
price for (an unknown type: the total is then unknown) or what is not estimated (a snapshot's storage).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from decimal import Decimal

from ansible_collections.seed.laravel_aws.plugins.module_utils import elasticache as cache_utils
from ansible_collections.seed.laravel_aws.plugins.module_utils import elbv2 as elb_utils
from ansible_collections.seed.laravel_aws.plugins.module_utils import prices
from ansible_collections.seed.laravel_aws.plugins.module_utils import rds as rds_utils
from ansible_collections.seed.laravel_aws.plugins.module_utils.aws import session_region
from ansible_collections.seed.laravel_aws.plugins.module_utils.certificate import KEY_TYPES
from ansible_collections.seed.laravel_aws.plugins.module_utils.ec2 import exactly_tagged
from ansible_collections.seed.laravel_aws.plugins.module_utils.retries import gather
from ansible_collections.seed.laravel_aws.plugins.module_utils.stack import (
    NAME_TAG, ROLE_TAG, STACK_TAG, stack_filters, validate_stack_name,
)
from ansible_collections.seed.laravel_aws.plugins.module_utils.tags import boto3_tags_to_dict

# The order resources are listed in: the network, the hosts, the load balancer, the data tier
KINDS = ('vpc', 'subnet', 'route_table', 'internet_gateway', 'nat_gateway', 'elastic_ip', 'security_group', 'key_pair',
         'instance', 'volume', 'image', 'load_balancer', 'target_group', 'certificate', 'db_subnet_group', 'rds_instance',
         'db_snapshot', 'cache_subnet_group', 'cache_cluster')
LABELS = {'vpc': 'VPC', 'subnet': 'subnet', 'route_table': 'route table', 'internet_gateway': 'internet gateway',
          'nat_gateway': 'NAT gateway', 'elastic_ip': 'Elastic IP', 'security_group': 'security group', 'key_pair': 'key pair',
          'instance': 'instance', 'volume': 'EBS volume', 'image': 'image (AMI)', 'load_balancer': 'load balancer', 'target_group': 'target group',
          'certificate': 'certificate', 'db_subnet_group': 'DB subnet group', 'rds_instance': 'RDS instance',
          'db_snapshot': 'DB snapshot', 'cache_subnet_group': 'cache subnet group', 'cache_cluster': 'Redis cluster'}
# Billed by the hour in these states only (AWS: an instance is billed while running,
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html; a NAT gateway while it is provisioned
# and available, https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-pricing.html; an RDS instance except while
# stopped, https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_OnDemandDBInstances.html)
BILLED_INSTANCE = ('running',)
BILLED_NAT = ('pending', 'available')
GONE_NAT = ('deleted', 'failed')
GONE_VOLUME = ('deleted',)
NO_CHARGE = 'no charge: AWS does not bill for it'
SNAPSHOT_NOTE = ('not estimated: a snapshot is billed as backup storage, per GB-month of the data it holds, which this '
                 'API does not tell')


def validate(params):
    """The module's input, before any call: the stack name by the stack-name rule."""
    return validate_stack_name(params.get('stack'), 'stack')


# -- reads -------------------------------------------------------------------------------------------------------------

def _tagged(items, stack):
    return [i for i in items if i.get('tags', {}).get(STACK_TAG) == stack]


def read_ec2(ec2, stack):
    """Every EC2 resource tagged Stack=<stack> exactly: {kind: [raw]}."""
    f = stack_filters(stack)

    def read(op, key, paged=True, **kwargs):
        def run():
            kwargs.setdefault('Filters', f)
            items = ec2.paginate(op, key, **kwargs) if paged else getattr(ec2, op)(**kwargs)[key]
            return exactly_tagged(items, {STACK_TAG: stack})
        return run
    kinds = ('vpc', 'subnet', 'route_table', 'internet_gateway', 'nat_gateway', 'elastic_ip', 'security_group', 'key_pair',
             'reservation', 'volume', 'image')
    found = gather(read('describe_vpcs', 'Vpcs'), read('describe_subnets', 'Subnets'),
                   read('describe_route_tables', 'RouteTables'), read('describe_internet_gateways', 'InternetGateways'),
                   # DescribeNatGateways names its filters Filter, not Filters
                   lambda: exactly_tagged(ec2.paginate('describe_nat_gateways', 'NatGateways', Filter=f), {STACK_TAG: stack}),
                   read('describe_addresses', 'Addresses', paged=False),
                   read('describe_security_groups', 'SecurityGroups'), read('describe_key_pairs', 'KeyPairs', paged=False),
                   lambda: ec2.paginate('describe_instances', 'Reservations', Filters=f),
                   read('describe_volumes', 'Volumes'),
                   # the account's own images (the web tier's, baked by the image module)
                   read('describe_images', 'Images', paged=False, Owners=['self']))
    out = dict(zip(kinds, found))
    out['instance'] = exactly_tagged([i for r in out.pop('reservation') for i in r['Instances']
                                      if i['State']['Name'] != 'terminated'], {STACK_TAG: stack})
    out['nat_gateway'] = [n for n in out['nat_gateway'] if n.get('State') not in GONE_NAT]
    # the root volumes of the stack's instances, tagged or not (the collection tags them; another tool may not)
    ids = [i['InstanceId'] for i in out['instance']]
    seen = set(v['VolumeId'] for v in out['volume'])
    if ids:
        attached = ec2.paginate('describe_volumes', 'Volumes', Filters=[{'Name': 'attachment.instance-id', 'Values': ids}])
        out['volume'].extend(v for v in attached if v['VolumeId'] not in seen)
    out['volume'] = [v for v in out['volume'] if v.get('State') not in GONE_VOLUME]
    return out


def read_load_balancing(elbv2, acm, stack):
    """The stack's load balancers (with their listeners), target groups (with their targets' health) and the
    certificates its listeners use or that are tagged with it: {kind: [{raw, tags, ...}]}."""
    lbs, groups = gather(lambda: elbv2.paginate('describe_load_balancers', 'LoadBalancers'),
                         lambda: elbv2.paginate('describe_target_groups', 'TargetGroups'))
    tags = elb_utils.tags_of(elbv2, [lb['LoadBalancerArn'] for lb in lbs] + [g['TargetGroupArn'] for g in groups])
    lbs = _tagged([{'raw': lb, 'tags': tags.get(lb['LoadBalancerArn'], {})} for lb in lbs], stack)
    groups = _tagged([{'raw': g, 'tags': tags.get(g['TargetGroupArn'], {})} for g in groups], stack)
    reads = [lambda a=lb['raw']['LoadBalancerArn']: elbv2.paginate('describe_listeners', 'Listeners', LoadBalancerArn=a) for lb in lbs]
    reads += [lambda a=g['raw']['TargetGroupArn']: elb_utils.target_health(elbv2, a) for g in groups]
    reads.append(lambda: acm.paginate('list_certificates', 'CertificateSummaryList', Includes={'keyTypes': KEY_TYPES}))
    answers = gather(*reads)
    for lb, listeners in zip(lbs, answers[:len(lbs)]):
        lb['listeners'] = listeners
    for group, health in zip(groups, answers[len(lbs):len(lbs) + len(groups)]):
        group['health'] = health
    summaries = answers[-1]
    used = dict((c['CertificateArn'], lb['raw']['LoadBalancerName']) for lb in lbs for li in lb['listeners']
                for c in li.get('Certificates') or [] if c.get('CertificateArn'))
    listed = [s['CertificateArn'] for s in summaries]
    tag_lists = gather(*[lambda a=arn: acm.list_tags_for_certificate(CertificateArn=a).get('Tags') for arn in listed])
    cert_tags = dict((arn, boto3_tags_to_dict(t)) for arn, t in zip(listed, tag_lists))
    arns = sorted(set(a for a in listed if cert_tags[a].get(STACK_TAG) == stack) | set(used))
    described = gather(*[lambda a=arn: acm.describe_certificate(CertificateArn=a)['Certificate'] for arn in arns])
    certs = [{'raw': raw, 'tags': cert_tags.get(arn, {}), 'used_by': used.get(arn)} for arn, raw in zip(arns, described)]
    return {'load_balancer': lbs, 'target_group': groups, 'certificate': certs}


def read_data_tier(rds, elasticache, stack):
    """The stack's RDS instances, their manual (final) snapshots, DB subnet groups, Redis clusters and cache subnet
    groups: {kind: [{raw, tags}]}."""
    dbs, snaps, db_groups, caches, cache_groups = gather(
        lambda: rds_utils.paginate(rds, 'describe_db_instances', 'DBInstances'),
        lambda: rds_utils.paginate(rds, 'describe_db_snapshots', 'DBSnapshots', SnapshotType='manual'),
        lambda: rds_utils.paginate(rds, 'describe_db_subnet_groups', 'DBSubnetGroups'),
        lambda: rds_utils.paginate(elasticache, 'describe_replication_groups', 'ReplicationGroups'),
        lambda: rds_utils.paginate(elasticache, 'describe_cache_subnet_groups', 'CacheSubnetGroups'))

    def rds_tags(raw, arn_key):
        return lambda: boto3_tags_to_dict(raw['TagList']) if 'TagList' in raw else rds_utils.tags_of(rds, raw[arn_key])
    reads = ([rds_tags(d, 'DBInstanceArn') for d in dbs] + [rds_tags(s, 'DBSnapshotArn') for s in snaps]
             + [lambda a=g['DBSubnetGroupArn']: rds_utils.tags_of(rds, a) for g in db_groups]
             + [lambda a=c['ARN']: cache_utils.tags_of(elasticache, a) for c in caches]
             + [lambda a=g['ARN']: cache_utils.tags_of(elasticache, a) for g in cache_groups])
    tags = iter(gather(*reads))
    out = {}
    for kind, items in (('rds_instance', dbs), ('db_snapshot', snaps), ('db_subnet_group', db_groups),
                        ('cache_cluster', caches), ('cache_subnet_group', cache_groups)):
        out[kind] = _tagged([{'raw': raw, 'tags': next(tags)} for raw in items], stack)
    return out


# -- views and costs ---------------------------------------------------------------------------------------------------

def _resource(kind, rid, name, state, details, tags, lines):
    known = [ln['hourly'] for ln in lines if ln['hourly'] is not None]
    unknown = any(ln['hourly'] is None for ln in lines)
    hourly = None if unknown else sum(known, Decimal(0))
    # an ARN is long and says no more than the name: only short ids are shown beside a name
    shown = rid if rid and name != rid and not str(rid).startswith('arn:') else None
    label = '%s %s' % (LABELS[kind], name or rid) + (' (%s)' % shown if name and shown else '')
    for ln in lines:
        ln.update(resource=kind, id=rid, state=state)
        ln['item'] = label if ln['item'] is None else '%s: %s' % (label, ln['item'])
    return {'kind': kind, 'id': rid, 'name': name, 'state': state, 'details': details, 'tags': tags,
            'hourly': hourly, 'monthly': None if hourly is None else hourly * prices.HOURS_PER_MONTH,
            'cost_note': '; '.join(ln['note'] for ln in lines if ln.get('note')) or None, 'lines': lines}


def _free(note=NO_CHARGE):
    return [prices.free(None, note=note)]


def _ec2_tags(raw):
    return boto3_tags_to_dict(raw.get('Tags'))


def network_views(found):
    out = []
    for v in found['vpc']:
        t = _ec2_tags(v)
        out.append(_resource('vpc', v['VpcId'], t.get(NAME_TAG), v.get('State'), {'cidr_block': v.get('CidrBlock')}, t, _free()))
    for s in found['subnet']:
        t = _ec2_tags(s)
        out.append(_resource('subnet', s['SubnetId'], t.get(NAME_TAG), s.get('State'),
                             {'cidr_block': s.get('CidrBlock'), 'availability_zone': s.get('AvailabilityZone'),
                              'vpc_id': s.get('VpcId'), 'map_public_ip_on_launch': bool(s.get('MapPublicIpOnLaunch'))}, t, _free()))
    for r in found['route_table']:
        t = _ec2_tags(r)
        out.append(_resource('route_table', r['RouteTableId'], t.get(NAME_TAG), None,
                             {'vpc_id': r.get('VpcId'), 'subnet_ids': sorted(a['SubnetId'] for a in r.get('Associations') or []
                                                                             if a.get('SubnetId')),
                              'routes': sorted('%s -> %s' % (x.get('DestinationCidrBlock'), x.get('GatewayId') or x.get('NatGatewayId')
                                                             or x.get('InstanceId') or x.get('NetworkInterfaceId') or '?')
                                               for x in r.get('Routes') or [] if x.get('DestinationCidrBlock'))}, t, _free()))
    for g in found['internet_gateway']:
        t = _ec2_tags(g)
        attached = [a.get('VpcId') for a in g.get('Attachments') or [] if a.get('State') in ('available', 'attached')]
        out.append(_resource('internet_gateway', g['InternetGatewayId'], t.get(NAME_TAG), 'attached' if attached else 'detached',
                             {'vpc_ids': attached}, t, _free()))
    stack_eips = set(a.get('AllocationId') for a in found['elastic_ip'])
    for n in found['nat_gateway']:
        t = _ec2_tags(n)
        state = n.get('State')
        allocations = [a.get('AllocationId') for a in n.get('NatGatewayAddresses') or []]
        if state in BILLED_NAT:
            lines = [prices.line(None, 1, prices.NAT_GATEWAY, note='and $%s per GB it processes, not estimated' % prices.NAT_GATEWAY_GB.amount)]
            outside = [a for a in allocations if a and a not in stack_eips]
            if outside:
                lines.append(prices.line('public IPv4 address (an Elastic IP not tagged with the stack)', len(outside), prices.PUBLIC_IPV4))
        else:
            lines = [prices.free(None, note='%s: not billed by the hour' % state)]
        out.append(_resource('nat_gateway', n['NatGatewayId'], t.get(NAME_TAG), state,
                             {'subnet_id': n.get('SubnetId'), 'vpc_id': n.get('VpcId'), 'allocation_ids': allocations,
                              'public_ips': [a.get('PublicIp') for a in n.get('NatGatewayAddresses') or []]}, t, lines))
    for a in found['elastic_ip']:
        t = _ec2_tags(a)
        out.append(_resource('elastic_ip', a.get('AllocationId'), t.get(NAME_TAG), 'associated' if a.get('AssociationId') else 'unassociated',
                             {'public_ip': a.get('PublicIp'), 'association_id': a.get('AssociationId'),
                              'network_interface_id': a.get('NetworkInterfaceId')}, t,
                             [prices.line(None, 1, prices.PUBLIC_IPV4, note='billed attached or not')]))
    for g in found['security_group']:
        t = _ec2_tags(g)
        out.append(_resource('security_group', g['GroupId'], g.get('GroupName'), None,
                             {'vpc_id': g.get('VpcId'), 'ingress_rules': len(g.get('IpPermissions') or [])}, t, _free()))
    for k in found['key_pair']:
        t = _ec2_tags(k)
        out.append(_resource('key_pair', k['KeyName'], k['KeyName'], None,
                             {'key_pair_id': k.get('KeyPairId'), 'fingerprint': k.get('KeyFingerprint'), 'key_type': k.get('KeyType')},
                             t, _free()))
    return out


def host_views(found):
    out = []
    eip_ips = set(a.get('PublicIp') for a in found['elastic_ip'])
    for i in sorted(found['instance'], key=lambda x: (_ec2_tags(x).get(NAME_TAG) or '', x['InstanceId'])):
        t = _ec2_tags(i)
        state, itype = i['State']['Name'], i.get('InstanceType')
        if state in BILLED_INSTANCE:
            lines = [prices.line(itype, 1, prices.lookup('ec2', itype), table='ec2', name=itype)]
        else:
            lines = [prices.free(itype, note='%s: no instance-hours billed (its volumes are)' % state)]
        public = i.get('PublicIpAddress')
        if public and public not in eip_ips:
            lines.append(prices.line('public IPv4 address', 1, prices.PUBLIC_IPV4))
        out.append(_resource('instance', i['InstanceId'], t.get(NAME_TAG), state,
                             {'role': t.get(ROLE_TAG), 'instance_type': itype, 'availability_zone': i.get('Placement', {}).get('AvailabilityZone'),
                              'private_ip': i.get('PrivateIpAddress'), 'public_ip': public, 'subnet_id': i.get('SubnetId')}, t, lines))
    for image in sorted(found.get('image') or [], key=lambda x: x['ImageId']):
        t = _ec2_tags(image)
        snapshots = [m['Ebs']['SnapshotId'] for m in image.get('BlockDeviceMappings') or [] if (m.get('Ebs') or {}).get('SnapshotId')]
        out.append(_resource('image', image['ImageId'], image.get('Name'), image.get('State'),
                             {'snapshot_ids': snapshots, 'creation_date': image.get('CreationDate')}, t,
                             [prices.line(None, 1, None, note=SNAPSHOT_NOTE, unknown=False)]))
    for v in sorted(found['volume'], key=lambda x: x['VolumeId']):
        t = _ec2_tags(v)
        vtype, size = v.get('VolumeType'), v.get('Size') or 0
        attached = [a.get('InstanceId') for a in v.get('Attachments') or []]
        out.append(_resource('volume', v['VolumeId'], t.get(NAME_TAG), v.get('State'),
                             {'volume_type': vtype, 'size': size, 'attached_to': attached, 'encrypted': bool(v.get('Encrypted'))}, t,
                             [prices.line('%s, %d GiB' % (vtype, size), size, prices.lookup('ebs', vtype), table='ebs', name=vtype)]))
    return out


def load_balancing_views(found):
    out = []
    for lb in found['load_balancer']:
        raw = lb['raw']
        zones = sorted(z.get('ZoneName') for z in raw.get('AvailabilityZones') or [])
        state = (raw.get('State') or {}).get('Code')
        if raw.get('Type', 'application') == 'application':
            lines = [prices.line(None, 1, prices.ALB, note='and $%s per LCU-hour of traffic, not estimated' % prices.ALB_LCU.amount)]
        else:
            lines = [prices.line(None, 1, None, note='no price for a %s load balancer in the table: its cost is unknown, not guessed'
                                 % raw.get('Type'))]
        if raw.get('Scheme') == 'internet-facing' and zones:
            lines.append(prices.line('public IPv4 addresses, one per zone', len(zones), prices.PUBLIC_IPV4))
        listeners = sorted(({'port': li.get('Port'), 'protocol': li.get('Protocol'),
                             'certificate_arns': [c['CertificateArn'] for c in li.get('Certificates') or [] if c.get('CertificateArn')]}
                            for li in lb['listeners']), key=lambda x: x['port'] or 0)
        out.append(_resource('load_balancer', raw['LoadBalancerArn'], raw.get('LoadBalancerName'), state,
                             {'dns_name': raw.get('DNSName'), 'scheme': raw.get('Scheme'), 'type': raw.get('Type'), 'zones': zones,
                              'listeners': listeners}, lb['tags'], lines))
    for g in found['target_group']:
        raw = g['raw']
        targets = sorted((elb_utils.health_view(d) for d in g['health']), key=lambda x: (x['id'] or '', x['port'] or 0))
        counts = {}
        for target in targets:
            counts[target['health']] = counts.get(target['health'], 0) + 1
        state = ', '.join('%d %s' % (n, h) for h, n in sorted(counts.items())) if targets else 'no targets'
        out.append(_resource('target_group', raw['TargetGroupArn'], raw.get('TargetGroupName'), state,
                             {'port': raw.get('Port'), 'protocol': raw.get('Protocol'), 'targets': targets,
                              'load_balancer_arns': raw.get('LoadBalancerArns') or []}, g['tags'],
                             _free('no charge of its own (the load balancer is billed)')))
    for c in found['certificate']:
        raw = c['raw']
        not_after = raw.get('NotAfter')
        out.append(_resource('certificate', raw['CertificateArn'], c['tags'].get(NAME_TAG) or raw.get('DomainName'), raw.get('Status'),
                             {'domain_name': raw.get('DomainName'), 'type': raw.get('Type'), 'used_by_load_balancer': c['used_by'],
                              'not_after': not_after.strftime('%Y-%m-%dT%H:%M:%SZ') if hasattr(not_after, 'strftime') else not_after,
                              'in_use_by': sorted(raw.get('InUseBy') or [])}, c['tags'],
                             _free('no charge: ACM does not bill public or imported certificates')))
    return out


def data_tier_views(found):
    out = []
    for g in found['db_subnet_group']:
        raw = g['raw']
        out.append(_resource('db_subnet_group', raw['DBSubnetGroupName'], raw['DBSubnetGroupName'], raw.get('SubnetGroupStatus'),
                             {'vpc_id': raw.get('VpcId'), 'subnet_ids': sorted(s['SubnetIdentifier'] for s in raw.get('Subnets') or [])},
                             g['tags'], _free()))
    for d in found['rds_instance']:
        raw = d['raw']
        state, cls, multi = raw.get('DBInstanceStatus'), raw.get('DBInstanceClass'), bool(raw.get('MultiAZ'))
        storage, size = raw.get('StorageType'), raw.get('AllocatedStorage') or 0
        deployment = 'Multi-AZ' if multi else 'Single-AZ'
        if state == 'stopped':
            lines = [prices.free('%s (%s)' % (cls, deployment), note='stopped: no instance-hours billed (its storage is)')]
        else:
            lines = [prices.line('%s (%s)' % (cls, deployment), 1, prices.rds_class(cls, multi),
                                 table='rds_multi_az' if multi else 'rds', name=cls)]
        lines.append(prices.line('storage %s, %d GiB' % (storage, size), size, prices.rds_storage(storage, multi),
                                 table='rds_storage_multi_az' if multi else 'rds_storage', name=storage))
        if raw.get('PubliclyAccessible') and state != 'stopped':
            lines.append(prices.line('public IPv4 address', 1, prices.PUBLIC_IPV4))
        endpoint = raw.get('Endpoint') or {}
        out.append(_resource('rds_instance', raw['DBInstanceIdentifier'], raw['DBInstanceIdentifier'], state,
                             {'instance_class': cls, 'engine': raw.get('Engine'), 'engine_version': raw.get('EngineVersion'),
                              'multi_az': multi, 'allocated_storage': size, 'storage_type': storage,
                              'endpoint': {'address': endpoint.get('Address'), 'port': endpoint.get('Port')} if endpoint else None},
                             d['tags'], lines))
    for s in found['db_snapshot']:
        raw = s['raw']
        created = raw.get('SnapshotCreateTime')
        out.append(_resource('db_snapshot', raw['DBSnapshotIdentifier'], raw['DBSnapshotIdentifier'], raw.get('Status'),
                             {'db_instance_identifier': raw.get('DBInstanceIdentifier'), 'allocated_storage': raw.get('AllocatedStorage'),
                              'created': created.strftime('%Y-%m-%dT%H:%M:%SZ') if hasattr(created, 'strftime') else created},
                             s['tags'], [prices.line(None, 1, None, note=SNAPSHOT_NOTE, unknown=False)]))
    for g in found['cache_subnet_group']:
        raw = g['raw']
        out.append(_resource('cache_subnet_group', raw['CacheSubnetGroupName'], raw['CacheSubnetGroupName'], None,
                             {'vpc_id': raw.get('VpcId'), 'subnet_ids': sorted(s['SubnetIdentifier'] for s in raw.get('Subnets') or [])},
                             g['tags'], _free()))
    for c in found['cache_cluster']:
        raw = c['raw']
        node, members = raw.get('CacheNodeType'), sorted(raw.get('MemberClusters') or [])
        count = len(members) or 1
        endpoint = ((raw.get('NodeGroups') or [{}])[0].get('PrimaryEndpoint')) or {}
        out.append(_resource('cache_cluster', raw['ReplicationGroupId'], raw['ReplicationGroupId'], raw.get('Status'),
                             {'node_type': node, 'nodes': members, 'automatic_failover': raw.get('AutomaticFailover'),
                              'primary_endpoint': {'address': endpoint.get('Address'), 'port': endpoint.get('Port')} if endpoint else None},
                             c['tags'], [prices.line('%s x %d node%s' % (node, count, '' if count == 1 else 's'), count,
                                                     prices.lookup('elasticache', node), table='elasticache', name=node)]))
    return out


def collect(ec2, elbv2, acm, rds, elasticache, stack):
    """Every resource of the stack (views with their priced lines), in :data:`KINDS` order."""
    ec2_found, lb_found, data_found = gather(lambda: read_ec2(ec2, stack), lambda: read_load_balancing(elbv2, acm, stack),
                                             lambda: read_data_tier(rds, elasticache, stack))
    views = network_views(ec2_found) + host_views(ec2_found) + load_balancing_views(lb_found) + data_tier_views(data_found)
    order = dict((k, n) for n, k in enumerate(KINDS))
    return sorted(views, key=lambda v: order[v['kind']])  # stable: each kind keeps its own order


def cost_of(resources, stack, region):
    """The stack's cost as stack_cost gives an estimate (lines, totals, region, date, sources): one line per priced part
    of each resource, with its state."""
    lines = [ln for r in resources for ln in r['lines']]
    out = prices.header()
    notes = []
    if region and region != prices.REGION:
        notes.append('the prices are %s\'s: %s\'s differ (see each line\'s page)' % (prices.REGION, region))
    not_estimated = [ln['item'] for ln in lines if ln['hourly'] is None and not ln.get('unknown')]
    if not_estimated:
        notes.append('not in the total: %s (%s)' % (', '.join(not_estimated), SNAPSHOT_NOTE))
    out.update(stack=stack, spec_region=region, lines=lines, totals=prices.totals(lines), notes=notes)
    return out


def run(m):
    p = m.params
    stack = validate(p)
    clients = dict((name, m.client(name)) for name in ('ec2', 'elbv2', 'acm', 'rds', 'elasticache'))
    region = p.get('region') or session_region(m.session())
    found = collect(clients['ec2'], clients['elbv2'], clients['acm'], clients['rds'], clients['elasticache'], stack)
    resources = [dict((k, v) for k, v in r.items() if k != 'lines') for r in found]
    cost = cost_of(found, stack, region)
    counts = {}
    for r in resources:
        counts[r['kind']] = counts.get(r['kind'], 0) + 1
    m.exit_json(changed=False, stack=stack, region=region, resources=prices.public(resources), counts=counts,
                cost=prices.public(cost))
