# -*- coding: utf-8 -*-
# Copyright: seed.laravel_aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a stack costs before it is billed: stack_cost (the stack spec -> priced lines and totals, from the one
table of prices, module_utils/prices.py) and stack_cost_lines (an estimate, or stack_info's cost, as text lines)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.seed.laravel_aws.plugins.module_utils import prices

# The stack spec the estimate reads, with the stack role's defaults (a test checks they are the role's), and
# the instance module's root volume (8 GiB gp3: provision.yml gives none of its own).
DEFAULTS = {
    'name': '',
    'region': prices.REGION,
    'web_count': 2,
    'web_instance_type': 't3.micro',
    'web_subnets': 'private',
    'bastion_instance_type': 't3.micro',
    'db_tier': 'instance',
    'db_instance_type': 't3.small',
    'rds_instance_class': 'db.t4g.micro',
    'rds_multi_az': False,
    'rds_allocated_storage': 20,
    'rds_storage_type': 'gp3',
    'nat_gateway': 'single',
    'availability_zones': 2,
    'cache_tier': 'none',
    'cache_node_type': 'cache.t4g.micro',
    'cache_nodes': 1,
    'root_volume_size': 8,
    'root_volume_type': 'gp3',
}
# Other names of the same keys: the stack role's variables (stack_ prefixed, and the region's older name)
ALIASES = {'stack_name': 'name', 'stack_region': 'region', 'aws_region': 'region'}
CHOICES = {'web_subnets': ('private', 'public'), 'db_tier': ('instance', 'rds'), 'nat_gateway': ('none', 'single', 'per_az'),
           'cache_tier': ('none', 'redis')}
ROLES = ('bastion', 'web', 'db')


def canonical(key):
    """The spec key ``key`` stands for: itself, its stack_ prefixed form's, or an alias's; None when unknown."""
    key = str(key)
    if key in ALIASES:
        return ALIASES[key]
    if key in DEFAULTS:
        return key
    if key.startswith('stack_') and key[len('stack_'):] in DEFAULTS:
        return key[len('stack_'):]
    return None


def _whole(value, label, low, high=None):
    """``value`` as an int from ``low`` to ``high``; AnsibleFilterError naming ``label`` otherwise."""
    try:
        if isinstance(value, bool) or float(str(value)) != int(float(str(value))):
            raise ValueError(value)
        number = int(float(str(value)))
    except (TypeError, ValueError):
        raise AnsibleFilterError('stack_cost: %s must be a whole number (got %r)' % (label, value))
    if number < low or (high is not None and number > high):
        raise AnsibleFilterError('stack_cost: %s must be %s (got %d)' % (
            label, ('%d to %d' % (low, high)) if high is not None else ('%d or more' % low), number))
    return number


def normalise(spec):
    """The spec with every key canonical and every value checked, the defaults filled in; AnsibleFilterError names
    the key that is wrong."""
    if not isinstance(spec, Mapping):
        raise AnsibleFilterError('stack_cost: give the stack spec as a dict (for example {"web_count": 2, "db_tier": "rds"}), '
                                 'not %s' % type(spec).__name__)
    out, given = dict(DEFAULTS), {}
    for key, value in spec.items():
        name = canonical(key)
        if name is None:
            raise AnsibleFilterError('stack_cost: unknown key %r; the keys are %s (each also with the stack_ prefix)'
                                     % (key, ', '.join(sorted(DEFAULTS))))
        if name in given and given[name][1] != value:
            raise AnsibleFilterError('stack_cost: %s and %s name the same setting with two values (%r, %r): give one'
                                     % (given[name][0], key, given[name][1], value))
        given[name] = (key, value)
        out[name] = value
    for key, choices in CHOICES.items():
        if out[key] not in choices:
            raise AnsibleFilterError('stack_cost: %s must be one of %s (got %r)' % (key, ', '.join(choices), out[key]))
    out['web_count'] = _whole(out['web_count'], 'web_count', 0)
    out['rds_allocated_storage'] = _whole(out['rds_allocated_storage'], 'rds_allocated_storage', 1)
    out['cache_nodes'] = _whole(out['cache_nodes'], 'cache_nodes', 1)
    zones = out['availability_zones']
    if isinstance(zones, (list, tuple)):
        if not zones:
            raise AnsibleFilterError('stack_cost: availability_zones is empty; give the zones (or their number)')
        out['availability_zones'] = len(zones)
    else:
        out['availability_zones'] = _whole(zones, 'availability_zones', 1)
    sizes = out['root_volume_size']
    if isinstance(sizes, Mapping):
        unknown = sorted(set(map(str, sizes)) - set(ROLES))
        if unknown:
            raise AnsibleFilterError('stack_cost: root_volume_size has no role %s (the roles are %s)' % (', '.join(unknown), ', '.join(ROLES)))
        out['root_volume_size'] = dict((role, _whole(sizes.get(role, DEFAULTS['root_volume_size']), 'root_volume_size.' + role, 1, 16384))
                                       for role in ROLES)
    else:
        size = _whole(sizes, 'root_volume_size', 1, 16384)
        out['root_volume_size'] = dict((role, size) for role in ROLES)
    try:
        out['rds_multi_az'] = boolean(out['rds_multi_az'], strict=True)
    except TypeError:
        raise AnsibleFilterError('stack_cost: rds_multi_az must be true or false (got %r)' % (out['rds_multi_az'],))
    for key in ('web_instance_type', 'bastion_instance_type', 'db_instance_type', 'rds_instance_class', 'rds_storage_type',
                'cache_node_type', 'root_volume_type', 'region'):
        if not isinstance(out[key], str) or not out[key].strip():
            raise AnsibleFilterError('stack_cost: %s must be a name (got %r)' % (key, out[key]))
    out['name'] = str(out['name'] or '')
    return out


def estimate(spec):
    """The priced lines of a stack spec (Decimals), the totals and where the prices come from."""
    s = normalise(spec)
    zones = s['availability_zones']
    counts = {'bastion': 1, 'web': s['web_count'], 'db': 1 if s['db_tier'] == 'instance' else 0}
    types = {'bastion': s['bastion_instance_type'], 'web': s['web_instance_type'], 'db': s['db_instance_type']}
    lines = []
    for role in ROLES:
        if counts[role]:
            lines.append(prices.line('EC2 %s (%s)' % (role, types[role]), counts[role], prices.lookup('ec2', types[role]),
                                     table='ec2', name=types[role]))
    volumes = [(role, s['root_volume_size'][role]) for role in ROLES for dummy in range(counts[role])]
    size = sum(gb for dummy, gb in volumes)
    shapes = sorted(set(gb for dummy, gb in volumes))
    lines.append(prices.line('EBS %s root volumes (%d x %s GiB)' % (s['root_volume_type'], len(volumes), '/'.join(map(str, shapes))),
                             size, prices.lookup('ebs', s['root_volume_type']), table='ebs', name=s['root_volume_type']))
    nats = {'none': 0, 'single': 1, 'per_az': zones}[s['nat_gateway']]
    if nats:
        lines.append(prices.line('NAT gateway' if s['nat_gateway'] == 'single' else 'NAT gateways (one per zone)', nats, prices.NAT_GATEWAY,
                                 note='and $%s per GB it processes, not included' % prices.NAT_GATEWAY_GB.amount))
    lines.append(prices.line('Application Load Balancer', 1, prices.ALB,
                             note='and $%s per LCU-hour of traffic, not included' % prices.ALB_LCU.amount))
    public = [('bastion', 1)]
    if s['web_subnets'] == 'public' and s['web_count']:
        public.append(('web hosts', s['web_count']))
    if nats:
        public.append(('NAT gateway', nats))
    public.append(('load balancer', zones))
    lines.append(prices.line('public IPv4 addresses (%s)' % ', '.join('%s %d' % p for p in public), sum(n for dummy, n in public),
                             prices.PUBLIC_IPV4, note='the load balancer has one in each of its %d zones' % zones))
    if s['db_tier'] == 'rds':
        deployment = 'Multi-AZ' if s['rds_multi_az'] else 'Single-AZ'
        cls, storage = s['rds_instance_class'], s['rds_storage_type']
        lines.append(prices.line('RDS PostgreSQL %s (%s)' % (cls, deployment), 1, prices.rds_class(cls, s['rds_multi_az']),
                                 table='rds_multi_az' if s['rds_multi_az'] else 'rds', name=cls))
        lines.append(prices.line('RDS storage %s (%d GiB, %s)' % (storage, s['rds_allocated_storage'], deployment),
                                 s['rds_allocated_storage'], prices.rds_storage(storage, s['rds_multi_az']),
                                 table='rds_storage_multi_az' if s['rds_multi_az'] else 'rds_storage', name=storage))
    if s['cache_tier'] == 'redis':
        node = s['cache_node_type']
        lines.append(prices.line('ElastiCache Redis %s (%d node%s)' % (node, s['cache_nodes'], '' if s['cache_nodes'] == 1 else 's'),
                                 s['cache_nodes'], prices.lookup('elasticache', node), table='elasticache', name=node))
    out = prices.header()
    notes = []
    if s['region'] != prices.REGION:
        notes.append('the prices are %s\'s: %s\'s differ (see each line\'s page)' % (prices.REGION, s['region']))
    out.update(stack=s['name'], spec_region=s['region'], lines=lines, totals=prices.totals(lines), notes=notes)
    return out


def stack_cost(spec):
    """The estimate of a stack spec, for a playbook (floats; money per hour and per month)."""
    return prices.public(estimate(spec))


def _money(value, places):
    return 'unknown' if value is None else '$%.*f' % (places, value)


def _quantity(ln):
    if ln.get('unit_price') is None:
        return '%s x %s' % (ln.get('quantity'), 'unknown' if ln.get('unknown') else '?')
    if ln.get('unit') is None:  # free
        return 'free'
    if ln['unit'] == 'hour':
        return '%s x $%s/h' % (ln['quantity'], _trim(ln['unit_price']))
    return '%s %s x $%s' % (ln['quantity'], ln['unit'], _trim(ln['unit_price']))


def _trim(value):
    return ('%.6f' % float(value)).rstrip('0').rstrip('.') if value else '0'


def stack_cost_lines(estimate_, title=None):
    """An estimate (of stack_cost, or stack_info's cost) as lines of text for a debug message: one per line item
    (with its state when it has one), the total, and what the figures leave out."""
    if not isinstance(estimate_, Mapping) or 'lines' not in estimate_ or 'totals' not in estimate_:
        raise AnsibleFilterError('stack_cost_lines: give the result of stack_cost (or the cost of stack_info), with lines and totals')
    items = []
    for ln in estimate_['lines']:
        item = str(ln.get('item'))
        if ln.get('state'):
            item = '%s [%s]' % (item, ln['state'])
        missing = 'unknown' if ln.get('unknown') else 'not estimated'
        hourly = missing if ln.get('hourly') is None else _money(ln['hourly'], 4) + '/h'
        monthly = missing if ln.get('monthly') is None else _money(ln['monthly'], 2) + '/month'
        items.append((item, _quantity(ln), hourly, monthly, ln))
    widths = [max([len(row[i]) for row in items] + [5]) for i in range(4)]
    t = estimate_['totals']
    stack = estimate_.get('stack')
    head = title or ('Estimated cost of stack %s' % stack if stack else 'Estimated cost')
    if t.get('hourly') is None:
        head += ': unknown (no price for %s)' % '; '.join(map(str, t.get('unknown') or []))
    else:
        head += ': $%.4f an hour, $%.2f a month' % (t['hourly'], t['monthly'])
    out = [head]
    for item, qty, hourly, monthly, ln in items:
        row = '  %s  %s  %s  %s' % (item.ljust(widths[0]), qty.ljust(widths[1]), hourly.rjust(widths[2]), monthly.rjust(widths[3]))
        if ln.get('hourly') is None and ln.get('note'):
            row += '  (%s)' % ln['note']
        out.append(row.rstrip())
    if t.get('hourly') is None:
        total = ('  total: unknown; the lines priced come to $%.4f an hour, $%.2f a month'
                 % (t.get('known_hourly') or 0, t.get('known_monthly') or 0))
    else:
        total = '  %s  %s  %s  %s' % ('total'.ljust(widths[0]), ''.ljust(widths[1]), ('$%.4f/h' % t['hourly']).rjust(widths[2]),
                                      ('$%.2f/month' % t['monthly']).rjust(widths[3]))
    out.append(total.rstrip())
    for note in estimate_.get('notes') or []:
        out.append('  note: %s' % note)
    if estimate_.get('not_included'):
        out.append('  not included: %s' % '; '.join(estimate_['not_included']))
    out.append('  %s' % estimate_.get('basis', prices.BASIS))
    return wrap_var(out)  # names may come from AWS tags: never templated


class FilterModule(object):
    def filters(self):
        return {'stack_cost': stack_cost, 'stack_cost_lines': stack_cost_lines}
