"""The README's cost section, from the collection's one table of prices (plugins/module_utils/prices.py) and the
stack role's defaults (roles/stack/defaults/main.yml): the default stack line by line, and what its variants add.

    .venv/bin/python scripts/cost_table.py                     prints the block
    .venv/bin/python scripts/cost_table.py --check README.md   exits 1 when README.md's block differs
    .venv/bin/python scripts/cost_table.py --write README.md   replaces README.md's block with it

The block is what lies between the lines <!-- cost:begin --> and <!-- cost:end --> of README.md.
"""
import argparse
import difflib
import os
import sys
import textwrap

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, '.collections'))
from ansible_collections.seed.laravel_aws.plugins.filter import cost  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.seed.laravel_aws.plugins.module_utils import prices  # noqa: E402  pylint: disable=wrong-import-position

BEGIN, END = '<!-- cost:begin -->', '<!-- cost:end -->'
DEFAULTS_FILE = os.path.join(ROOT, 'roles', 'stack', 'defaults', 'main.yml')
# What each variant changes in the default stack, and how the README says it (from the normalised default spec)
VARIANTS = (
    ({'db_tier': 'rds'}, lambda s: '`stack_db_tier: rds`: RDS for PostgreSQL (%s, %d GiB %s) instead of the db host'
     % (s['rds_instance_class'], s['rds_allocated_storage'], s['rds_storage_type'])),
    ({'db_tier': 'rds', 'rds_multi_az': True}, lambda s: 'the same with `stack_rds_multi_az: true` (a standby in the other zone)'),
    ({'cache_tier': 'redis'}, lambda s: '`stack_cache_tier: redis`: ElastiCache Redis (%d x %s)' % (s['cache_nodes'], s['cache_node_type'])),
    ({'nat_gateway': 'per_az'}, lambda s: '`stack_nat_gateway: per_az`: a NAT gateway in each zone'),
)


def role_spec(path=DEFAULTS_FILE):
    """The stack spec of the stack role's defaults: the keys stack_cost knows (with or without the stack_ prefix);
    the zones counted; a value still to be templated (a name built from stack_name) left to stack_cost's default."""
    with open(path) as f:
        defaults = yaml.safe_load(f)
    spec = {}
    for key, value in defaults.items():
        name = cost.canonical(key)
        if name is None or name in ('name', 'region'):
            continue
        if name == 'availability_zones' and isinstance(value, list):
            spec[name] = len(value)
        elif not (isinstance(value, str) and '{{' in value):
            spec[name] = value
    return spec


def _money(value, places=2):
    return '$%.*f' % (places, value)


def _quantity(ln):
    if ln['unit'] == 'hour':
        return str(ln['quantity'])
    return '%s %s' % (ln['quantity'], ln['unit'])


def _unit(ln):
    return '$%s/%s' % (cost._trim(ln['unit_price']), 'h' if ln['unit'] == 'hour' else ln['unit'])


def render(spec=None):
    """The README's block (without the markers)."""
    spec = role_spec() if spec is None else spec
    base = cost.stack_cost(spec)
    s = cost.normalise(spec)
    t = base['totals']
    if not t['complete']:
        raise SystemExit('the default stack has an item the price table lacks: %s' % ', '.join(t['unknown']))
    web = '%d web host%s (%s, %s subnets)' % (s['web_count'], '' if s['web_count'] == 1 else 's', s['web_instance_type'], s['web_subnets'])
    nat = {'none': 'no NAT gateway', 'single': 'one NAT gateway', 'per_az': 'a NAT gateway in each zone'}[s['nat_gateway']]
    out = _wrap(
        'What it costs while it runs, estimated from the collection\'s one table of prices '
        '([`plugins/module_utils/prices.py`](plugins/module_utils/prices.py)): On-Demand prices of %s read on %s, '
        'in US dollars, Linux, running all month (%d hours); no traffic, no free tier, no tax, no savings plan. '
        'The default stack, %s, a bastion (%s), a db host (%s), %s, the load balancer, in %d zones:'
        % (prices.REGION, prices.READ_ON, prices.HOURS_PER_MONTH, web, s['bastion_instance_type'], s['db_instance_type'], nat,
           s['availability_zones']))
    out += [
        '',
        '| item | quantity | unit price | per hour | per month |',
        '|---|---:|---:|---:|---:|',
    ]
    for ln in base['lines']:
        out.append('| %s | %s | %s | %s | %s |' % (ln['item'], _quantity(ln), _unit(ln), _money(ln['hourly'], 4), _money(ln['monthly'])))
    out.append('| **total** | | | **%s** | **%s** |' % (_money(t['hourly'], 4), _money(t['monthly'])))
    out += ['', 'What a change to the default stack adds (or saves) a month:', '',
            '| setting | per month | total per month |', '|---|---:|---:|']
    exact = cost.estimate(spec)['totals']['monthly']
    for change, label in VARIANTS:
        v = cost.estimate(dict(spec, **change))['totals']
        if not v['complete']:
            raise SystemExit('variant %s has an item the price table lacks: %s' % (change, ', '.join(v['unknown'])))
        delta = prices.public(v['monthly'] - exact, 2)
        out.append('| %s | %s%s | %s |' % (label(s), '+' if delta >= 0 else '-', _money(abs(delta)), _money(prices.public(v['monthly'], 2))))
    out.append('')
    out += _wrap('Not included: %s. Every public IPv4 address is billed, attached or not, since 1 February 2024 (the '
                 'bastion\'s, each NAT gateway\'s, the load balancer\'s in each zone, and each web host\'s with '
                 '`stack_web_subnets: public`). Prices change: each line of the table names its AWS pricing page and the copy it was '
                 'checked against; check them, or the AWS Pricing Calculator, for your region before you rely on a figure. '
                 'The `seed.laravel_aws.stack_cost` filter prices your own settings from the same table '
                 '(`ansible-doc -t filter seed.laravel_aws.stack_cost`), and `playbooks/status.yml` shows what a stack in '
                 'AWS costs now, resource by resource, read by its `Stack` tag.' % '; '.join(base['not_included']))
    return '\n'.join(out) + '\n'


def _wrap(text):
    return textwrap.wrap(text, width=100, break_long_words=False, break_on_hyphens=False)


def block_of(text, path='README.md'):
    """The text between the markers, and the text before and after them."""
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise SystemExit('%s: needs one line %s and one line %s after it' % (path, BEGIN, END))
    head, rest = text.split(BEGIN + '\n', 1)
    body, tail = rest.split(END, 1)
    return head, body, tail


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--check', metavar='README', help='exit 1 when its cost block differs from the rendered one')
    group.add_argument('--write', metavar='README', help='replace its cost block with the rendered one')
    args = parser.parse_args(argv)
    block = render()
    path = args.check or args.write
    if not path:
        sys.stdout.write(block)
        return 0
    with open(path) as f:
        text = f.read()
    head, body, tail = block_of(text, path)
    if args.check:
        if body == block:
            return 0
        sys.stderr.write('%s: the cost block differs from the price table (run scripts/cost_table.py --write %s):\n%s'
                         % (path, path, ''.join(difflib.unified_diff(body.splitlines(True), block.splitlines(True),
                                                                     'README', 'rendered'))))
        return 1
    with open(path, 'w') as f:
        f.write(head + BEGIN + '\n' + block + END + tail)
    return 0


if __name__ == '__main__':
    sys.exit(main())
