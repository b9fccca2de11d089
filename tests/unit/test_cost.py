"""The cost before billing: the stack_cost filter prices a stack spec from the one table of prices (totals computed
here from the table's own figures), never guesses an unknown type, and the README's cost block is what
scripts/cost_table.py renders from that table and the stack role's defaults."""
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from ansible.errors import AnsibleFilterError
from ansible.utils.unsafe_proxy import AnsibleUnsafe

try:  # ansible-core 2.19: a string is templated only when trusted
    from ansible.template import is_trusted_as_template as templatable
except ImportError:  # before 2.19: unless marked unsafe
    def templatable(value):
        return not isinstance(value, AnsibleUnsafe)

from ansible_collections.seed.laravel_aws.plugins.filter import cost
from ansible_collections.seed.laravel_aws.plugins.module_utils import prices

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, 'scripts', 'cost_table.py')
sys.path.insert(0, os.path.join(ROOT, 'scripts'))
import cost_table  # noqa: E402  pylint: disable=wrong-import-position

H = prices.HOURS_PER_MONTH
EC2, IPV4, NAT, ALB = prices.EC2, prices.PUBLIC_IPV4.amount, prices.NAT_GATEWAY.amount, prices.ALB.amount


def item(estimate, prefix):
    (found,) = [ln for ln in estimate['lines'] if ln['item'].startswith(prefix)]
    return found


def test_the_default_stack_costs_what_the_table_says():
    e = cost.estimate({'name': 'demo'})
    hourly = (3 * EC2['t3.micro'].amount + EC2['t3.small'].amount       # bastion, 2 web, db host
              + 4 * 8 * prices.EBS['gp3'].amount / H                    # 4 root volumes of 8 GiB
              + NAT + ALB + 4 * IPV4)                                    # bastion, NAT's EIP, the ALB's 2
    assert e['totals']['hourly'] == hourly and e['totals']['complete'] is True
    monthly = (3 * EC2['t3.micro'].amount + EC2['t3.small'].amount + NAT + ALB + 4 * IPV4) * H + 32 * prices.EBS['gp3'].amount
    assert e['totals']['monthly'] == monthly
    public = cost.stack_cost({'name': 'demo'})
    assert public['totals']['hourly'] == pytest.approx(float(hourly), abs=1e-8)
    assert public['totals']['monthly'] == float(round(monthly, 2)) == 104.4
    assert public['region'] == 'us-east-1' and public['read_on'] == prices.READ_ON and public['stack'] == 'demo'
    assert [ln['item'] for ln in public['lines']] == [
        'EC2 bastion (t3.micro)', 'EC2 web (t3.micro)', 'EC2 db (t3.small)', 'EBS gp3 root volumes (4 x 8 GiB)', 'NAT gateway',
        'Application Load Balancer', 'public IPv4 addresses (bastion 1, NAT gateway 1, load balancer 2)']
    for ln in public['lines']:
        assert ln['source']['page'].startswith('https://aws.amazon.com/') and ln['unknown'] is False
        assert ln['monthly'] == pytest.approx(ln['hourly'] * H, abs=0.01)


def test_the_defaults_are_the_stack_roles():
    """A key left out takes the stack role's default (roles/stack/defaults/main.yml, under its stack_ names)."""
    role = cost_table.role_spec()
    assert role, 'no key of the role defaults was read'
    for key, value in role.items():
        assert cost.normalise({key: value})[key] == cost.normalise({})[key], key
    assert cost.stack_cost(role) == cost.stack_cost({})


def test_nat_per_az_is_one_gateway_and_one_address_per_zone():
    zones = ['us-east-1a', 'us-east-1b', 'us-east-1c']
    e = cost.estimate({'stack_nat_gateway': 'per_az', 'stack_availability_zones': zones})
    nat = item(e, 'NAT gateways')
    assert nat['quantity'] == 3 and nat['hourly'] == 3 * NAT
    ipv4 = item(e, 'public IPv4')
    assert ipv4['quantity'] == 1 + 3 + 3 and ipv4['item'] == 'public IPv4 addresses (bastion 1, NAT gateway 3, load balancer 3)'
    single = cost.estimate({'stack_availability_zones': zones})
    assert e['totals']['hourly'] - single['totals']['hourly'] == 2 * NAT + 2 * IPV4
    none = cost.estimate({'nat_gateway': 'none', 'web_subnets': 'public'})
    assert not [ln for ln in none['lines'] if ln['item'].startswith('NAT')]
    assert item(none, 'public IPv4')['item'] == 'public IPv4 addresses (bastion 1, web hosts 2, load balancer 2)'


def test_multi_az_doubles_the_database_and_its_storage():
    single = cost.estimate({'db_tier': 'rds', 'rds_allocated_storage': 50})
    multi = cost.estimate({'db_tier': 'rds', 'rds_allocated_storage': 50, 'rds_multi_az': 'true'})
    assert item(single, 'RDS PostgreSQL')['hourly'] == prices.RDS['db.t4g.micro'].amount
    assert item(multi, 'RDS PostgreSQL db.t4g.micro (Multi-AZ)')['hourly'] == 2 * item(single, 'RDS PostgreSQL')['hourly']
    assert item(single, 'RDS storage')['monthly'] == 50 * Decimal('0.115')
    assert item(multi, 'RDS storage gp3 (50 GiB, Multi-AZ)')['monthly'] == 2 * item(single, 'RDS storage')['monthly']
    # db_tier rds: no db host, no volume of its own
    assert not [ln for ln in single['lines'] if ln['item'].startswith('EC2 db')]
    assert item(single, 'EBS')['quantity'] == 3 * 8
    assert multi['totals']['hourly'] - single['totals']['hourly'] == pytest.approx(
        prices.RDS['db.t4g.micro'].amount + 50 * Decimal('0.115') / H, abs=Decimal('1e-20'))


def test_redis_nodes_are_priced_each():
    e = cost.estimate({'cache_tier': 'redis', 'cache_node_type': 'cache.m7g.large', 'cache_nodes': 3})
    assert item(e, 'ElastiCache Redis cache.m7g.large (3 nodes)')['hourly'] == 3 * prices.CACHE['cache.m7g.large'].amount


def test_an_unknown_type_is_unknown_never_a_guess():
    e = cost.stack_cost({'web_instance_type': 't3.xlarge', 'db_tier': 'rds', 'rds_instance_class': 'db.r7g.large'})
    web, db = item(e, 'EC2 web'), item(e, 'RDS PostgreSQL')
    for ln, what in ((web, 'EC2 instance type t3.xlarge'), (db, 'RDS for PostgreSQL class (Single-AZ) db.r7g.large')):
        assert ln['unknown'] is True and ln['hourly'] is None and ln['monthly'] is None and ln['unit_price'] is None
        assert 'no price for %s' % what in ln['note'] and 'not guessed' in ln['note']
    t = e['totals']
    assert t['hourly'] is None and t['monthly'] is None and t['complete'] is False
    assert t['unknown'] == ['EC2 web (t3.xlarge)', 'RDS PostgreSQL db.r7g.large (Single-AZ)']
    assert t['known_hourly'] == pytest.approx(sum(ln['hourly'] for ln in e['lines'] if ln['hourly'] is not None), abs=1e-6)
    text = cost.stack_cost_lines(e)
    assert text[0] == 'Estimated cost: unknown (no price for EC2 web (t3.xlarge); RDS PostgreSQL db.r7g.large (Single-AZ))'
    assert any(line.startswith('  total: unknown; the lines priced come to $') for line in text)
    assert any('EC2 web (t3.xlarge)' in line and 'unknown' in line and 'no price for' in line for line in text)


def test_the_lines_of_text():
    text = cost.stack_cost_lines(cost.stack_cost({'stack_name': 'demo'}))
    assert text[0] == 'Estimated cost of stack demo: $0.1430 an hour, $104.40 a month'
    assert isinstance(text, list) and not any(templatable(line) for line in text)  # names may come from AWS tags
    rows = dict((line.split('  ')[1].strip(), line) for line in text[1:] if line.startswith('  ') and '$' in line)
    assert rows['NAT gateway'].split()[-2:] == ['$0.0450/h', '$32.85/month']
    assert rows['total'].split()[-2:] == ['$0.1430/h', '$104.40/month']
    assert any(line.startswith('  not included: NAT gateway data processing, $0.045 per GB') for line in text)
    assert text[-1].strip().startswith('an estimate: On-Demand prices of us-east-1 read on %s' % prices.READ_ON)
    titled = cost.stack_cost_lines(cost.stack_cost({}), title='Shop')
    assert titled[0].startswith('Shop: $')
    with pytest.raises(AnsibleFilterError, match='give the result of stack_cost'):
        cost.stack_cost_lines({'web_count': 2})


@pytest.mark.parametrize('spec,message', [
    ({'web_cuont': 2}, "unknown key 'web_cuont'"),
    ({'web_count': 2, 'stack_web_count': 3}, 'web_count and stack_web_count name the same setting'),
    ({'web_count': -1}, 'web_count must be 0 or more'),
    ({'web_count': 'two'}, 'web_count must be a whole number'),
    ({'nat_gateway': 'double'}, 'nat_gateway must be one of none, single, per_az'),
    ({'db_tier': 'aurora'}, 'db_tier must be one of instance, rds'),
    ({'rds_multi_az': 'maybe'}, 'rds_multi_az must be true or false'),
    ({'availability_zones': []}, 'availability_zones is empty'),
    ({'root_volume_size': {'cache': 8}}, 'root_volume_size has no role cache'),
    ({'web_instance_type': ''}, 'web_instance_type must be a name'),
    (['web_count'], 'give the stack spec as a dict'),
])
def test_a_bad_spec_fails_naming_the_key(spec, message):
    with pytest.raises(AnsibleFilterError, match=message.replace('(', r'\(').replace(')', r'\)')):
        cost.stack_cost(spec)


def test_another_region_is_said():
    e = cost.stack_cost({'stack_region': 'eu-west-1'})
    assert e['notes'] == ["the prices are us-east-1's: eu-west-1's differ (see each line's page)"]
    assert e['region'] == 'us-east-1' and e['spec_region'] == 'eu-west-1'


def test_every_line_of_the_table_names_its_source():
    for table, price in prices.every_price():
        source = price.source()
        assert source['page'].startswith('https://aws.amazon.com/'), (table, price.name)
        assert source['checked'] or 'not found in a stored copy' in source['note'], (table, price.name)
        assert price.amount > 0 and price.unit in ('hour', 'GB-month', 'GB', 'LCU-hour')


def test_the_readme_cost_block_is_the_rendered_table():
    proc = subprocess.run([sys.executable, SCRIPT, '--check', os.path.join(ROOT, 'README.md')], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr


def test_check_fails_on_a_block_that_differs(tmp_path):
    with open(os.path.join(ROOT, 'README.md')) as f:
        readme = f.read()
    block = cost_table.render()
    assert block in readme
    stale = tmp_path / 'README.md'
    stale.write_text(readme.replace('**$104.40**', '**$99.00**'))
    proc = subprocess.run([sys.executable, SCRIPT, '--check', str(stale)], capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and '-| **total** | | | **$0.1430** | **$99.00** |' in proc.stderr, proc.stderr
    missing = tmp_path / 'other.md'
    missing.write_text('no markers here\n')
    proc = subprocess.run([sys.executable, SCRIPT, '--check', str(missing)], capture_output=True, text=True, check=False)
    assert proc.returncode != 0 and '<!-- cost:begin -->' in proc.stderr
