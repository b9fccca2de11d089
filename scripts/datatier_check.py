"""The managed data tier of the demo (DB_TIER=rds, CACHE_TIER=redis), as AWS and the app see it.

    SEED_CACHE_AUTH_TOKEN=... .venv/bin/python scripts/datatier_check.py --endpoint-url http://127.0.0.1:5000 \
        --stack demo --db-tier rds --cache-tier redis --state .cache/demo/dataplane/load_balancers.json \
        --certificate .cache/demo/alb.crt

In the emulator:
  - rds: the RDS instance <stack>-db is available, not publicly accessible, its storage encrypted, in a DB
    subnet group of the stack's private subnets (tagged Tier=private), and no db host runs;
  - redis: the Redis cluster <stack>-cache is available, encrypted in transit and at rest, with an auth
    token, in a cache subnet group of the private subnets;
  - no security group of either takes traffic from 0.0.0.0/0.
In the data plane (the containers standing in for them, read with docker exec):
  - rds: the app migrated through the endpoint: its migrations table holds each of the sample app's
    migrations exactly once, and the seeder's greetings are there;
  - redis: the app's /session, through the load balancer, says the redis session driver and cache store,
    and a request with no cookie adds a session key to Redis.
Prints one line per check; exits 1 on the first that fails.
"""
import argparse
import json
import os
import subprocess
import sys

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from alb_check import Failed, LoadBalancer, check  # noqa: E402 pylint: disable=wrong-import-position

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIGRATIONS = sorted(n[:-4] for n in os.listdir(os.path.join(ROOT, 'examples', 'laravel-app', 'database', 'migrations')) if n.endswith('.php'))


def private_subnets(ec2, stack):
    f = [{'Name': 'tag:Stack', 'Values': [stack]}, {'Name': 'tag:Tier', 'Values': ['private']}]
    return sorted(s['SubnetId'] for s in ec2.describe_subnets(Filters=f)['Subnets'])


def open_to_the_world(ec2, group_ids):
    out = []
    for g in ec2.describe_security_groups(GroupIds=group_ids)['SecurityGroups']:
        for p in g['IpPermissions']:
            if any(r.get('CidrIp') == '0.0.0.0/0' for r in p.get('IpRanges', [])):
                out.append('%s (%s) port %s' % (g['GroupId'], g['GroupName'], p.get('FromPort')))
    return out


def in_container(container, command, env=None):
    args = ['docker', 'exec'] + ['-e%s' % k for k in sorted(env or {})] + [container, 'sh', '-c', command]
    proc = subprocess.run(args, capture_output=True, text=True, check=False, timeout=60, env=dict(os.environ, **(env or {})))
    check(proc.returncode == 0, '%s: %s failed: %s' % (container, command, (proc.stderr or proc.stdout).strip()[-300:]))
    return proc.stdout.strip()


def check_rds(ec2, rds, stack):
    identifier = '%s-db' % stack
    db = rds.describe_db_instances(DBInstanceIdentifier=identifier)['DBInstances'][0]
    check(db['DBInstanceStatus'] == 'available', 'RDS %s is %s' % (identifier, db['DBInstanceStatus']))
    check(db['PubliclyAccessible'] is False, 'RDS %s is publicly accessible' % identifier)
    check(db['StorageEncrypted'] is True, 'RDS %s: storage not encrypted' % identifier)
    subnets = sorted(s['SubnetIdentifier'] for s in db['DBSubnetGroup']['Subnets'])
    check(subnets == private_subnets(ec2, stack), 'RDS %s is in subnets %s, not the private ones %s' % (identifier, subnets, private_subnets(ec2, stack)))
    wide = open_to_the_world(ec2, [g['VpcSecurityGroupId'] for g in db['VpcSecurityGroups']])
    check(not wide, 'RDS %s: open to 0.0.0.0/0: %s' % (identifier, wide))
    hosts = [i for r in ec2.describe_instances(Filters=[{'Name': 'tag:Stack', 'Values': [stack]}, {'Name': 'tag:Role', 'Values': ['db']},
                                                        {'Name': 'instance-state-name', 'Values': ['pending', 'running']}])['Reservations']
             for i in r['Instances']]
    check(not hosts, 'stack_db_tier rds, yet a db host runs: %s' % [i['InstanceId'] for i in hosts])
    print('RDS %s at %s:%d: available, not publicly accessible, storage encrypted, in the private subnets %s, no 0.0.0.0/0 rule; no db host'
          % (identifier, db['Endpoint']['Address'], db['Endpoint']['Port'], ', '.join(subnets)))
    container = 'seed-rds-%s' % identifier
    rows = in_container(container, "su postgres -c \"psql -At -d %s -c 'select migration from migrations order by 1'\"" % db.get('DBName', 'laravel'))
    ran = rows.splitlines()
    check(ran == MIGRATIONS, 'the migrations table through the RDS endpoint holds %s; each of %s once expected' % (ran, MIGRATIONS))
    greetings = in_container(container, "su postgres -c \"psql -At -d %s -c 'select count(*) from greetings'\"" % db.get('DBName', 'laravel'))
    check(int(greetings) > 0, 'the seeder wrote no greeting into the RDS database')
    print('  the app migrated and seeded through the endpoint: %d migrations, each once; %s greetings' % (len(ran), greetings))
    # The app connects as a role of its own that owns its database and nothing more; the master user is not the app's.
    dbname = db.get('DBName', 'laravel')
    owner = in_container(container, "su postgres -c \"psql -At -d %s -c 'select pg_get_userbyid(datdba) from pg_database where datname = current_database()'\""
                         % dbname).strip()
    check(owner != db['MasterUsername'], 'the database %s is owned by the master user %s, not by the app\'s role' % (dbname, owner))
    query = "select rolsuper, rolcreaterole, rolcreatedb from pg_roles where rolname = '%s'" % owner
    rights = in_container(container, "su postgres -c \"psql -At -d %s -c \\\"%s\\\"\"" % (dbname, query)).strip()
    check(rights == 'f|f|f', 'the app\'s role %s may do more than its database (superuser, create role, create db: %s)' % (owner, rights))
    tables = in_container(container, "su postgres -c \"psql -At -d %s -c 'select distinct tableowner from pg_tables where schemaname = current_schema()'\""
                          % dbname).split()
    check(tables == [owner], 'the app\'s tables are owned by %s, not only by its role %s' % (tables, owner))
    print('  the app connects as %s (no superuser, no create role or database), which owns the database and its tables; the master user '
          '%s is not the app\'s' % (owner, db['MasterUsername']))


def check_redis(ec2, elasticache, stack, alb):
    name = '%s-cache' % stack
    group = elasticache.describe_replication_groups(ReplicationGroupId=name)['ReplicationGroups'][0]
    check(group['Status'] == 'available', 'Redis %s is %s' % (name, group['Status']))
    flags = [group.get(k) for k in ('TransitEncryptionEnabled', 'AtRestEncryptionEnabled', 'AuthTokenEnabled')]
    check(all(flags), 'Redis %s: transit encryption, at-rest encryption, auth token: %s' % (name, flags))
    member = elasticache.describe_cache_clusters(CacheClusterId=group['MemberClusters'][0])['CacheClusters'][0]
    subnet_group = elasticache.describe_cache_subnet_groups(CacheSubnetGroupName=member['CacheSubnetGroupName'])['CacheSubnetGroups'][0]
    subnets = sorted(s['SubnetIdentifier'] for s in subnet_group['Subnets'])
    check(subnets == private_subnets(ec2, stack), 'Redis %s is in subnets %s, not the private ones' % (name, subnets))
    wide = open_to_the_world(ec2, [g['SecurityGroupId'] for g in member.get('SecurityGroups', [])])
    check(member.get('SecurityGroups'), 'Redis %s has no security group' % name)
    check(not wide, 'Redis %s: open to 0.0.0.0/0: %s' % (name, wide))
    endpoint = group['NodeGroups'][0]['PrimaryEndpoint']
    print('Redis %s at %s:%d: available, TLS, encrypted at rest, auth token, in the private subnets %s, no 0.0.0.0/0 rule'
          % (name, endpoint['Address'], endpoint['Port'], ', '.join(subnets)))
    token = os.environ.get('SEED_CACHE_AUTH_TOKEN', '')
    check(token, 'SEED_CACHE_AUTH_TOKEN is not set (the demo\'s env.sh sets it)')
    cli = 'redis-cli --no-auth-warning --tls --cacert /run/seed/ca.crt --sni %s -p %d' % (endpoint['Address'], endpoint['Port'])
    container = 'seed-redis-%s' % name

    def sessions():
        return int(in_container(container, cli + ' -n 0 DBSIZE', env={'REDISCLI_AUTH': token}))
    refused = subprocess.run(['docker', 'exec', container, 'sh', '-c', cli + ' -n 0 DBSIZE'], capture_output=True, text=True, check=False)
    check('NOAUTH' in refused.stdout + refused.stderr, 'Redis %s answered without the auth token: %s' % (name, refused.stdout.strip()))
    before = sessions()
    status, _headers, body, _peer = alb.get('/session')
    check(status == 200, '/session answered %s: %s' % (status, body[:200]))
    data = json.loads(body)
    check(data['session_driver'] == 'redis' and data['cache_store'] == 'redis',
          '/session says session driver %s, cache store %s; redis expected' % (data['session_driver'], data['cache_store']))
    after = sessions()
    check(after == before + 1, 'a new session through the load balancer: Redis went from %d to %d keys' % (before, after))
    print('  /session (host %s): session driver redis, cache store redis; a new session added a key to Redis (%d -> %d);'
          ' without the token Redis answers NOAUTH' % (data['host'], before, after))


def run(args):
    kw = dict(endpoint_url=args.endpoint_url, region_name=args.region)
    ec2 = boto3.client('ec2', **kw)
    if args.db_tier == 'rds':
        check_rds(ec2, boto3.client('rds', **kw), args.stack)
    if args.cache_tier == 'redis':
        state = json.load(open(args.state))
        dns, info = next(iter(state.items()))
        site = LoadBalancer(args.domain or dns, info['ports'], args.certificate)
        check_redis(ec2, boto3.client('elasticache', **kw), args.stack, site)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--endpoint-url', required=True)
    parser.add_argument('--region', default='us-east-1')
    parser.add_argument('--stack', default='demo')
    parser.add_argument('--db-tier', choices=['instance', 'rds'], default='instance')
    parser.add_argument('--cache-tier', choices=['none', 'redis'], default='none')
    parser.add_argument('--state', help="the data plane's load_balancers.json (with --cache-tier redis)")
    parser.add_argument('--certificate', help='the PEM certificate the load balancer presents (with --cache-tier redis; with '
                                              '--domain, the CA bundle that verifies it)')
    parser.add_argument('--domain', help='the name the site is asked under (TLS name and Host), the stack\'s domain')
    args = parser.parse_args()
    try:
        run(args)
    except Failed as e:
        print('data tier check: FAILED: %s' % e, file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
