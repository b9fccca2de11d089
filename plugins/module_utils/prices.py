# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one table of prices the collection's cost figures come from (the stack_cost filter, the stack_info module,
scripts/cost_table.py and so the README), with its region, the day it was read and the source of each line.

* Region: us-east-1 (US East, N. Virginia), in US dollars, On-Demand, Linux, before tax, without the free tier.
* Read on :data:`READ_ON` from stored copies of the pages below; AWS changes prices without notice, so the figures
  are an estimate to check against AWS's pages and the AWS Pricing Calculator, never a quote.
* Each line names the AWS page that publishes it (``page``) and, in ``checked``, the stored copy of a page that shows
  the same us-east-1 figure; ``checked`` is None where no stored copy showed it: the figure is then the one known for
  us-east-1 on that day, unconfirmed here (AWS's own pages draw their tables with scripts, so their stored copies
  hold no figures).
* Nothing here is guessed for a type the table lacks: :func:`lookup` answers None and the caller says "unknown".

Pure data and small pure functions: no AWS call, no Ansible import.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from decimal import ROUND_HALF_UP, Decimal

REGION = 'us-east-1'
CURRENCY = 'USD'
READ_ON = '2026-12-04'
HOURS_PER_MONTH = 730  # AWS's own calculators count a month as 730 hours
BASIS = ('an estimate: On-Demand prices of %s read on %s, Linux, running all month (%d h); no traffic, no free tier, '
         'no tax, no savings plan' % (REGION, READ_ON, HOURS_PER_MONTH))

# AWS's pages, where each figure is published
EC2_PAGE = 'https://aws.amazon.com/ec2/pricing/on-demand/'
EBS_PAGE = 'https://aws.amazon.com/ebs/pricing/'
VPC_PAGE = 'https://aws.amazon.com/vpc/pricing/'
ELB_PAGE = 'https://aws.amazon.com/elasticloadbalancing/pricing/'
RDS_PAGE = 'https://aws.amazon.com/rds/postgresql/pricing/'
RDS_MULTI_AZ_DOC = 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_OnDemandDBInstances.html'
CACHE_PAGE = 'https://aws.amazon.com/elasticache/pricing/'
IPV4_ANNOUNCEMENT = 'https://aws.amazon.com/blogs/aws/new-aws-public-ipv4-address-charge-public-ip-insights/'

# Stored copies that show the us-east-1 figure (read on READ_ON)
SEEN_T3_MICRO = 'https://jefferson-rios.medium.com/aws-pricing-model-and-free-tier-41d0e8c91e08'
SEEN_T3_MEDIUM = 'https://hacecuentas.com/en/costo-servidor-cloud-aws-ec2-mensual'
SEEN_T3_LARGE = 'https://go-cloud.io/?p=10607'
SEEN_M7G = 'https://www.factualminds.com/blog/amazon-ec2-on-demand-pricing-instance-families-2026/'
SEEN_EBS = 'https://www.saisci.com/aws/gp2-vs-gp3-cost-comparison-ebs-volumes/'
SEEN_NAT = 'https://basavytix.com/blog/aws-nat-gateway-pricing'
SEEN_IPV4 = 'https://www.doit.com/aws-public-ipv4-price-increase-the-complete-guide/'
SEEN_ALB = 'https://cloud-horizons.com/blog/alb-the-line-item-nobody-watches/'
SEEN_RDS_T4G = 'https://infratally.com/articles/aws-rds-pricing-explained-2026.html'
SEEN_RDS_STORAGE = 'https://www.usage.ai/blogs/aws/reserved-instances/rds/pricing-calculator/'


class Price:
    """One line of the table: ``amount`` dollars per ``unit`` ('hour' or 'GB-month'), published on ``page``,
    ``checked`` against a stored copy (or None), with a ``note`` where the line needs one."""

    __slots__ = ('service', 'name', 'amount', 'unit', 'page', 'checked', 'note')

    def __init__(self, service, name, amount, unit, page, checked=None, note=None):
        self.service = service
        self.name = name
        self.amount = Decimal(amount)
        self.unit = unit
        self.page = page
        self.checked = checked
        self.note = note

    def hourly(self):
        """The price of one unit for one hour (a GB-month price spread over :data:`HOURS_PER_MONTH`)."""
        return self.amount if self.unit == 'hour' else self.amount / HOURS_PER_MONTH

    def source(self):
        """Where the figure comes from, for a result: the page, the stored copy checked (or None) and the note."""
        out = {'page': self.page, 'checked': self.checked}
        if self.checked is None:
            out['note'] = self.note or 'not found in a stored copy: the figure known for %s on %s' % (REGION, READ_ON)
        elif self.note:
            out['note'] = self.note
        return out


def _table(service, unit, page, rows):
    return dict((name, Price(service, name, amount, unit, page, checked, note)) for name, amount, checked, note in rows)


# EC2 On-Demand, Linux, per instance-hour: the types the stack uses by default (t3.micro, t3.small) and their neighbours
EC2 = _table('ec2', 'hour', EC2_PAGE, [
    ('t3.nano', '0.0052', None, None),
    ('t3.micro', '0.0104', SEEN_T3_MICRO, None),
    ('t3.small', '0.0208', None, None),
    ('t3.medium', '0.0416', SEEN_T3_MEDIUM, None),
    ('t3.large', '0.0832', SEEN_T3_LARGE, None),
    ('t4g.nano', '0.0042', None, None),
    ('t4g.micro', '0.0084', None, None),
    ('t4g.small', '0.0168', None, None),
    ('t4g.medium', '0.0336', None, None),
    ('t4g.large', '0.0672', None, None),
    ('m7g.large', '0.0816', SEEN_M7G, None),
    ('m6i.large', '0.096', None, 'not found in a stored copy for this size: https://c3x.dev/blog/m5-vs-m6i-vs-m7i-cost-performance '
                                 'shows m6i.xlarge at $0.192 in us-east-1, twice this (EC2 prices double with each size)'),
])

# EBS volumes, per GB-month of provisioned storage (gp3's 3,000 IOPS and 125 MB/s are included)
EBS = _table('ebs', 'GB-month', EBS_PAGE, [
    ('gp3', '0.08', SEEN_EBS, None),
    ('gp2', '0.10', SEEN_EBS, None),
])

# The NAT gateway, per gateway-hour; and per GB it processes (a note: traffic is not estimated)
NAT_GATEWAY = Price('vpc', 'NAT gateway', '0.045', 'hour', VPC_PAGE, SEEN_NAT)
NAT_GATEWAY_GB = Price('vpc', 'NAT gateway data processed', '0.045', 'GB', VPC_PAGE, SEEN_NAT)

# Every public IPv4 address, in use or idle, since 1 February 2024 (an EC2 instance's, an Elastic IP, a NAT
# gateway's, each of a load balancer's nodes)
PUBLIC_IPV4 = Price('vpc', 'public IPv4 address', '0.005', 'hour', VPC_PAGE, SEEN_IPV4,
                    'charged since 1 February 2024 for every public IPv4 address, attached or not (%s)' % IPV4_ANNOUNCEMENT)

# The Application Load Balancer, per hour; and per LCU-hour (a note: traffic is not estimated)
ALB = Price('elb', 'Application Load Balancer', '0.0225', 'hour', ELB_PAGE, SEEN_ALB)
ALB_LCU = Price('elb', 'Application Load Balancer LCU', '0.008', 'LCU-hour', ELB_PAGE, SEEN_ALB)

# RDS for PostgreSQL, per DB instance-hour, Single-AZ and Multi-AZ (a primary and a standby: twice the price)
RDS = _table('rds', 'hour', RDS_PAGE, [
    ('db.t4g.micro', '0.016', SEEN_RDS_T4G, None),
    ('db.t4g.small', '0.032', SEEN_RDS_T4G, None),
    ('db.t4g.medium', '0.065', SEEN_RDS_T4G, None),
    ('db.t3.micro', '0.018', None, None),
    ('db.t3.small', '0.036', None, None),
    ('db.m7g.large', '0.168', None, None),
])
RDS_MULTI_AZ = _table('rds', 'hour', RDS_PAGE, [
    ('db.t4g.micro', '0.032', SEEN_RDS_T4G, None),
    ('db.t4g.small', '0.064', SEEN_RDS_T4G, None),
    ('db.t4g.medium', '0.130', SEEN_RDS_T4G, None),
    ('db.t3.micro', '0.036', None, None),
    ('db.t3.small', '0.072', None, None),
    ('db.m7g.large', '0.336', None, None),
])
# RDS storage, per GB-month; Multi-AZ stores it twice (AWS: storage is charged for the primary and the standby,
# RDS_MULTI_AZ_DOC)
RDS_STORAGE = _table('rds', 'GB-month', RDS_PAGE, [
    ('gp3', '0.115', SEEN_RDS_STORAGE, None),
    ('gp2', '0.115', None, None),
])
RDS_STORAGE_MULTI_AZ = _table('rds', 'GB-month', RDS_PAGE, [
    ('gp3', '0.230', None, 'not found in a stored copy: twice the Single-AZ figure, as %s says' % RDS_MULTI_AZ_DOC),
    ('gp2', '0.230', None, 'not found in a stored copy: twice the Single-AZ figure, as %s says' % RDS_MULTI_AZ_DOC),
])

# ElastiCache for Redis OSS, per node-hour (every node of a replication group: the primary and each replica)
CACHE = _table('elasticache', 'hour', CACHE_PAGE, [
    ('cache.t4g.micro', '0.016', None, None),
    ('cache.t4g.small', '0.032', None, None),
    ('cache.t4g.medium', '0.065', None, None),
    ('cache.t3.micro', '0.017', None, None),
    ('cache.m7g.large', '0.158', None, None),
])

TABLES = {'ec2': EC2, 'ebs': EBS, 'rds': RDS, 'rds_multi_az': RDS_MULTI_AZ, 'rds_storage': RDS_STORAGE,
          'rds_storage_multi_az': RDS_STORAGE_MULTI_AZ, 'elasticache': CACHE}
SINGLE = {'nat_gateway': NAT_GATEWAY, 'nat_gateway_gb': NAT_GATEWAY_GB, 'public_ipv4': PUBLIC_IPV4, 'alb': ALB,
          'alb_lcu': ALB_LCU}
# What a line of each table prices, for "no price for ..." sentences
WHAT = {'ec2': 'EC2 instance type', 'ebs': 'EBS volume type', 'rds': 'RDS for PostgreSQL class (Single-AZ)',
        'rds_multi_az': 'RDS for PostgreSQL class (Multi-AZ)', 'rds_storage': 'RDS storage type',
        'rds_storage_multi_az': 'RDS storage type (Multi-AZ)', 'elasticache': 'ElastiCache node type'}

# What no estimate includes (each says why)
NOT_INCLUDED = (
    'NAT gateway data processing, $%s per GB (the private hosts\' packages and Git traffic)' % NAT_GATEWAY_GB.amount,
    'load balancer capacity, $%s per LCU-hour (its traffic)' % ALB_LCU.amount,
    'data transfer out to the internet, snapshots and backups beyond the free allowance',
)


def lookup(table, name):
    """The :class:`Price` of ``name`` in ``table`` (a key of :data:`TABLES` or :data:`SINGLE`), or None: never a guess."""
    if table in SINGLE:
        return SINGLE[table]
    return TABLES[table].get(str(name)) if name is not None else None


def rds_class(name, multi_az):
    return lookup('rds_multi_az' if multi_az else 'rds', name)


def rds_storage(storage_type, multi_az):
    return lookup('rds_storage_multi_az' if multi_az else 'rds_storage', storage_type)


def unknown_note(table, name):
    """The sentence for a line whose price the table lacks."""
    known = ', '.join(sorted(TABLES[table])) if table in TABLES else ''
    return ('no price for %s %s in the table (%s, read on %s): its cost is unknown, not guessed; the table has %s'
            % (WHAT.get(table, table), name, REGION, READ_ON, known))


def line(item, quantity, price, table=None, name=None, note=None, **extra):
    """One priced line: ``quantity`` units of ``price`` (a :class:`Price`, or None when the table lacks it: the line
    is then 'unknown', naming ``table`` and ``name``). Amounts are Decimals; :func:`public` makes them floats."""
    out = dict(item=item, quantity=quantity, unit=price.unit if price else None,
               unit_price=price.amount if price else None, unit_price_hour=price.hourly() if price else None,
               hourly=None, monthly=None, source=price.source() if price else None, unknown=price is None)
    if price is not None:
        if price.unit == 'hour':
            out['hourly'] = price.amount * quantity
            out['monthly'] = out['hourly'] * HOURS_PER_MONTH
        else:  # GB-month: the month is exact, the hour its share
            out['monthly'] = price.amount * quantity
            out['hourly'] = out['monthly'] / HOURS_PER_MONTH
    notes = [n for n in (note, unknown_note(table, name) if price is None and table else None) if n]
    if notes:
        out['note'] = '; '.join(notes)
    out.update(extra)
    return out


def free(item, note='no charge', **extra):
    """A line for what AWS does not charge for (a VPC, a subnet, a security group...)."""
    out = dict(item=item, quantity=1, unit=None, unit_price=Decimal(0), unit_price_hour=Decimal(0), hourly=Decimal(0),
               monthly=Decimal(0), source=None, unknown=False, note=note)
    out.update(extra)
    return out


def totals(lines):
    """The sums of ``lines``: ``hourly`` and ``monthly`` are None when a line is unknown (the total is then unknown,
    never a guess), ``known_hourly``/``known_monthly`` the sums of the lines priced, ``unknown`` their items;
    ``not_estimated`` the items left out on purpose (no price, and not unknown: a snapshot's storage)."""
    unknown = [ln['item'] for ln in lines if ln.get('unknown')]
    hourly = sum((ln['hourly'] for ln in lines if ln.get('hourly') is not None), Decimal(0))
    monthly = sum((ln['monthly'] for ln in lines if ln.get('monthly') is not None), Decimal(0))
    return {'hourly': None if unknown else hourly, 'monthly': None if unknown else monthly,
            'known_hourly': hourly, 'known_monthly': monthly, 'complete': not unknown, 'unknown': unknown,
            'not_estimated': [ln['item'] for ln in lines if ln.get('hourly') is None and not ln.get('unknown')]}


def header():
    """What every estimate carries: region, currency, the day the prices were read, the basis and what is left out."""
    return {'region': REGION, 'currency': CURRENCY, 'read_on': READ_ON, 'hours_per_month': HOURS_PER_MONTH,
            'basis': BASIS, 'not_included': list(NOT_INCLUDED)}


def public(value, places=8):
    """``value`` with every Decimal a float (rounded to ``places``; monthly figures to cents), for a result."""
    if isinstance(value, Decimal):
        return float(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
    if isinstance(value, dict):
        return dict((k, public(v, 2 if k in ('monthly', 'known_monthly') else places)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [public(v, places) for v in value]
    return value


def every_price():
    """Every line of the table, (table key, Price), for the docs and the tests."""
    out = [(key, p) for key, table in sorted(TABLES.items()) for p in table.values()]
    return out + sorted(SINGLE.items())
