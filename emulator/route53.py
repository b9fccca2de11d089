"""Route 53 as strict as AWS (the aws profile; in the moto profile the hook does nothing but name the actions).

moto answers every change INSYNC at once and takes change batches AWS refuses. Here, before moto sees a request:

- CreateHostedZone with a CallerReference Route 53 has seen before: HostedZoneAlreadyExists ("A hosted zone has
  already been created with the specified caller reference", the CallerReference is unique for good,
  https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateHostedZone.html).
- ChangeResourceRecordSets answers InvalidChangeBatch, with AWS's sentences
  (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html), for
  a CREATE of a name and type that exists ("Tried to create resource record set ... but it already exists");
  a DELETE of one that does not ("... but it was not found"), or whose TTL, values or alias are not the current ones
  ("To delete a resource record set, you must specify all the same values that you specified when you created it");
  a CNAME beside other records of its name, or another record beside a CNAME ("If you create a CNAME record, the
  name can't be used by any other record", https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/ResourceRecordTypes.html#CNAMEFormat);
  an alias to an ELB name that is no load balancer of that region's ELBv2 backend, or whose HostedZoneId is not the
  canonical hosted zone of that region's ALBs ("the alias target name does not lie within the target zone";
  https://docs.aws.amazon.com/Route53/latest/APIReference/API_AliasTarget.html, HostedZoneId and DNSName).

And after moto answered:

- every change (ChangeInfo) gets an id of its own and is PENDING; GetChange answers PENDING until
  ``profile.seconds('route53', 'change', 'insync')`` have passed since it was submitted, then INSYNC
  ("PENDING indicates that the changes in this request have not propagated to all Amazon Route 53 DNS servers",
  https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetChange.html); an id it never gave: NoSuchChange (404);
- an alias to an ALB is kept as AWS keeps it: dualstack.<its DNSName>, lower case, with a trailing dot;
- an ALB's CanonicalHostedZoneId (CreateLoadBalancer, DescribeLoadBalancers) is its region's, as on AWS (moto:
  Z2P70J7EXAMPLE).

Route 53's REST API names no action in the request: :func:`action_of` names it from the method and the path, so the
request log and the faults see Route 53's operations.
"""

import re
import threading
import uuid
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape as xml_escape

from emulator.server import Hook

# Application Load Balancers' canonical hosted zones by region (https://docs.aws.amazon.com/general/latest/gr/elb.html):
# AWS's data, held here as AWS holds it (tests/unit/test_emulator_route53.py checks the collection's copy against it).
ALB_ZONES = {
    'us-east-1': 'Z35SXDOTRQ7X7K', 'us-east-2': 'Z3AADJGX6KTTL2', 'us-west-1': 'Z368ELLRRE2KJ0', 'us-west-2': 'Z1H1FL5HABSF5',
    'af-south-1': 'Z268VQBMOI5EKX', 'ap-east-1': 'Z3DQVH9N71FHZ0', 'ap-south-1': 'ZP97RAFLXTNZK',
    'ap-northeast-1': 'Z14GRHDCWA56QT', 'ap-northeast-2': 'ZWKZPGTI48KDX', 'ap-northeast-3': 'Z5LXEXXYW11ES',
    'ap-southeast-1': 'Z1LMS91P8CMLE5', 'ap-southeast-2': 'Z1GM3OXH4ZPM65', 'ca-central-1': 'ZQSVJUPU6J1EY',
    'eu-central-1': 'Z215JYRZR1TBD5', 'eu-west-1': 'Z32O12XQLNTSW2', 'eu-west-2': 'ZHURV8PSTC4K8', 'eu-west-3': 'Z3Q77PNBQS71R4',
    'eu-north-1': 'Z23TAZ6LKFMNIO', 'eu-south-1': 'Z3ULH7SSC9OV64', 'me-south-1': 'ZS929ML54UICD', 'sa-east-1': 'Z2P70J7HTTTPLU',
    'us-gov-east-1': 'Z166TLBEWOO7G0', 'us-gov-west-1': 'Z33AYJ8TM3BH4J',
}
ELB_NAME = re.compile(r'^(?:dualstack\.)?((?:internal-)?[a-z0-9-]+-[0-9a-z]+\.([a-z]{2}(?:-[a-z]+)+-\d+)\.elb\.amazonaws\.com\.)$')
MOTO_ELB_ZONE = 'Z2P70J7EXAMPLE'
NS = '{https://route53.amazonaws.com/doc/2013-04-01/}'
PATHS = (  # (method, path after /2013-04-01/, action)
    ('POST', r'hostedzone', 'CreateHostedZone'), ('GET', r'hostedzone', 'ListHostedZones'),
    ('GET', r'hostedzone/[^/]+', 'GetHostedZone'), ('DELETE', r'hostedzone/[^/]+', 'DeleteHostedZone'),
    ('POST', r'hostedzone/[^/]+', 'UpdateHostedZoneComment'), ('POST', r'hostedzone/[^/]+/rrset/?', 'ChangeResourceRecordSets'),
    ('GET', r'hostedzone/[^/]+/rrset/?', 'ListResourceRecordSets'), ('GET', r'hostedzonesbyname', 'ListHostedZonesByName'),
    ('GET', r'change/[^/]+', 'GetChange'), ('GET', r'tags/hostedzone/[^/]+', 'ListTagsForResource'),
    ('POST', r'tags/hostedzone/[^/]+', 'ChangeTagsForResource'), ('POST', r'hostedzone/[^/]+/associatevpc/?', 'AssociateVPCWithHostedZone'),
    ('GET', r'hostedzonecount', 'GetHostedZoneCount'),
)


def action_of(environ):
    """The Route 53 operation of a request, or None."""
    path = re.sub(r'^/\d{4}-\d{2}-\d{2}/', '', environ.get('PATH_INFO') or '')
    method = environ.get('REQUEST_METHOD')
    return next((action for verb, pattern, action in PATHS if verb == method and re.match('^%s$' % pattern, path)), None)


def error_body(code, message):
    """An error as Route 53 writes it (rest-xml: ErrorResponse, Error, Type, Code, Message)."""
    return ('<?xml version="1.0"?>\n<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type>'
            '<Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>'
            % (xml_escape(code), xml_escape(message), uuid.uuid4())).encode()


def normal(name):
    text = re.sub(r'\\(\d{3})', lambda m: chr(int(m.group(1), 8)), str(name or '')).lower()
    return text.rstrip('.') + '.'


def zone_backend():
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.route53.models import route53_backends
    return route53_backends[DEFAULT_ACCOUNT_ID]['aws']


def _text(node, path):
    found = node.find('/'.join(NS + part for part in path.split('/')))
    return found.text if found is not None and found.text is not None else None


def parse_changes(body):
    """[(action, {Name, Type, TTL, Values, Alias: (DNSName, HostedZoneId) or None})] of a ChangeResourceRecordSets body."""
    root = ET.fromstring(body)
    out = []
    for change in root.iter(NS + 'Change'):
        rrset = change.find(NS + 'ResourceRecordSet')
        alias = rrset.find(NS + 'AliasTarget')
        out.append((_text(change, 'Action'), {
            'Name': normal(_text(rrset, 'Name')), 'Type': _text(rrset, 'Type'), 'TTL': _text(rrset, 'TTL'),
            'Values': sorted(v.text or '' for v in rrset.iter(NS + 'Value')),
            'Alias': (normal(_text(alias, 'DNSName')), _text(alias, 'HostedZoneId')) if alias is not None else None}))
    return out


def current(record):
    """A moto RecordSet in the terms of :func:`parse_changes`."""
    alias = record.alias_target
    values = [v['Value'] if isinstance(v, dict) else v for v in record.records or []]
    return {'Name': normal(record.name), 'Type': record.type, 'TTL': str(record.ttl) if record.ttl is not None else None,
            'Values': sorted(values), 'Alias': (normal(alias['DNSName']), alias['HostedZoneId']) if alias else None}


class Route53(Hook):
    """The hook (emulator.profile.hooks)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.local = threading.local()  # the request's path, from refuse() to after()
        self.reset()

    def reset(self):
        with self.lock:
            self.references = set()
            self.changes = {}  # change id -> submitted at (profile.now())

    def refuse(self, action, form, region, environ, body):
        self.local.path = environ.get('PATH_INFO') or ''
        if self.profile is None or not self.profile.strict:
            return None
        if action == 'CreateHostedZone':
            reference = self.local.reference = _text(ET.fromstring(body), 'CallerReference')
            if reference in self.references:
                return ('409 Conflict', 'HostedZoneAlreadyExists',
                        'A hosted zone has already been created with the specified caller reference.')
        elif action == 'GetChange':
            if self.local.path.rsplit('/', 1)[-1] not in self.changes:
                return ('404 Not Found', 'NoSuchChange', 'A change with the specified change ID does not exist.')
        elif action == 'ChangeResourceRecordSets':
            zid = self.local.path.split('/hostedzone/', 1)[-1].split('/', 1)[0]
            problems = self.batch_problems(zid, parse_changes(body), region)
            if problems:
                return ('400 Bad Request', 'InvalidChangeBatch', '[%s]' % ', '.join(problems))
        return None

    def batch_problems(self, zid, changes, region):
        """AWS's refusals of a change batch (see the module's docstring), one sentence each."""
        try:
            zone = zone_backend().get_hosted_zone(zid)
        except Exception:  # pylint: disable=broad-except
            return []  # moto answers NoSuchHostedZone
        records = [current(r) for r in zone.rrsets if not r.set_identifier]
        out = []
        for action, new in changes:
            same = [r for r in records if r['Name'] == new['Name'] and r['Type'] == new['Type']]
            what = "resource record set [name='%s', type='%s']" % (new['Name'].replace('*', '\\052'), new['Type'])
            if action == 'CREATE' and same:
                out.append('Tried to create %s but it already exists' % what)
            elif action == 'DELETE' and not same:
                out.append('Tried to delete %s but it was not found' % what)
            elif action == 'DELETE' and same[0] != new:
                out.append('Tried to delete %s but the values provided do not match the current values' % what)
            if action in ('CREATE', 'UPSERT'):
                out += self.cname_problems(records, new, zone.name) + self.alias_problems(new, region, zone.resource_id)
        return out

    @staticmethod
    def cname_problems(records, new, zone_name):
        others = [r for r in records if r['Name'] == new['Name'] and r['Type'] != new['Type']]
        if (new['Type'] == 'CNAME' and others) or any(r['Type'] == 'CNAME' for r in others):
            return ['RRSet of type %s with DNS name %s is not permitted as it conflicts with other records with the same DNS '
                    'name in zone %s' % (new['Type'], new['Name'], normal(zone_name))]
        return []

    @staticmethod
    def alias_problems(new, region, zid):
        if not new['Alias']:
            return []
        dns, hosted_zone = new['Alias']
        match = ELB_NAME.match(dns)
        if not match:
            return []
        from emulator.lifecycle import elbv2_backend
        backend = elbv2_backend(match.group(2))
        names = set(normal(lb.dns_name) for lb in (backend.load_balancers.values() if backend else []))
        if match.group(1) not in names or hosted_zone != ALB_ZONES.get(match.group(2)):
            return ['Tried to create an alias that targets %s, type %s in zone %s, but the alias target name does not lie '
                    'within the target zone' % (dns, new['Type'], hosted_zone)]
        return []

    def after(self, action, form, payload, region):
        if self.profile is None or not self.profile.strict:
            return payload
        if action in ('CreateLoadBalancer', 'DescribeLoadBalancers'):
            return payload.replace(MOTO_ELB_ZONE.encode(), ALB_ZONES.get(region, MOTO_ELB_ZONE).encode())
        text = payload.decode('utf-8', 'replace')
        if action == 'CreateHostedZone':
            with self.lock:
                self.references.add(getattr(self.local, 'reference', None))
        if action == 'GetChange':
            cid = self.local.path.rsplit('/', 1)[-1]
            with self.lock:
                submitted = self.changes.get(cid)
            if submitted is not None and self.profile.now() - submitted < self.profile.seconds('route53', 'change', 'insync'):
                text = text.replace('<Status>INSYNC</Status>', '<Status>PENDING</Status>')
            return text.encode()
        if action == 'ChangeResourceRecordSets':
            self.keep_aliases_as_aws()
        if '<ChangeInfo>' in text:
            cid = 'C%s' % uuid.uuid4().hex[:20].upper()
            with self.lock:
                self.changes[cid] = self.profile.now()
            text = re.sub(r'<Id>/change/[^<]*</Id>', '<Id>/change/%s</Id>' % cid, text)
            text = text.replace('<Status>INSYNC</Status>', '<Status>PENDING</Status>')
        return text.encode()

    @staticmethod
    def keep_aliases_as_aws():
        """An alias to an ELB as Route 53 keeps it: dualstack.<DNSName>, lower case, a trailing dot."""
        for zone in zone_backend().zones.values():
            for record in zone.rrsets:
                target = record.alias_target
                if target and ELB_NAME.match(normal(target['DNSName'])):
                    target['DNSName'] = 'dualstack.' + ELB_NAME.match(normal(target['DNSName'])).group(1)
