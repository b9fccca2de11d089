"""RDS's and ElastiCache's data plane, on Docker: PostgreSQL and Redis from Debian (image seed/datatier).

CreateDBInstance        -> one container running PostgreSQL on the VPC's Docker network (the network of the
                           DB subnet group's VPC), reachable under the instance's endpoint address (a network
                           alias) on its port, with the master user and password of the call (a login role with
                           CREATEDB and CREATEROLE, not a superuser, as RDS's master user) and the initial
                           database (DBName) owned by it; SSL on, with a certificate for the endpoint. The
                           instance is `creating` until PostgreSQL answers, then `available` (in the aws
                           profile, emulator.lifecycle's walk: creating and backing-up for their time, and
                           not before PostgreSQL answers).
ModifyDBInstance        -> a new MasterUserPassword is set on the role.
DeleteDBInstance        -> the container is removed (the final snapshot is the API's record only).
CreateReplicationGroup  -> one container running Redis under the primary and reader endpoint addresses, with
                           the auth token as its password; with in-transit encryption, TLS only, on the
                           group's port, with a certificate for those names signed by the cloud's CA
                           (emulator.ca, which the instances trust). `creating` until Redis answers.
ModifyReplicationGroup  -> a new AuthToken opens Redis as AWS says (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/
                           auth.html): with AuthTokenUpdateStrategy ROTATE (the default) beside the previous token (the
                           two most recent open it), with SET alone. Redis's default user gets exactly those passwords
                           (ACL SETUSER default resetpass >one >two).
DeleteReplicationGroup  -> the container is removed.

Nothing is published on the host: only what their security groups admit reaches them (emulator.network). Secrets go to the containers
through docker exec's standard input, never through a command line. Containers carry the data plane's
label: stopping the emulator removes them.
"""

import json
import os
import subprocess
import threading
import time

from emulator import ca
from emulator.dataplane import LABEL, LABEL_VALUE, docker
from emulator.server import Hook, ec2_backend

IMAGE = os.environ.get('SEED_DATATIER_IMAGE', 'seed/datatier:bookworm')
READY_TIMEOUT = 120
RDS_CHANGING = frozenset(['CreateDBInstance', 'ModifyDBInstance', 'DeleteDBInstance', 'RebootDBInstance',
                          'StartDBInstance', 'StopDBInstance', 'RestoreDBInstanceFromDBSnapshot'])
CACHE_CHANGING = frozenset(['CreateReplicationGroup', 'ModifyReplicationGroup', 'DeleteReplicationGroup'])
PG = '15'
PG_SETUP = r'''set -eu
pg_createcluster %(pg)s main -p %(port)d -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null
conf=/etc/postgresql/%(pg)s/main
install -m 0600 -o postgres -g postgres /run/seed/server.key $conf/server.key
install -m 0644 -o postgres -g postgres /run/seed/server.crt $conf/server.crt
cat >> $conf/postgresql.conf <<EOF
listen_addresses = '*'
ssl = on
ssl_cert_file = '$conf/server.crt'
ssl_key_file = '$conf/server.key'
password_encryption = scram-sha-256
EOF
printf 'host all all 0.0.0.0/0 scram-sha-256\n' >> $conf/pg_hba.conf
pg_ctlcluster %(pg)s main start
su postgres -c "psql -q -v ON_ERROR_STOP=1 -p %(port)d -f /run/seed/init.sql" >/dev/null
rm -f /run/seed/init.sql
'''


def rds_backend(region):
    try:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.rds.models import rds_backends
        return rds_backends[DEFAULT_ACCOUNT_ID][region]
    except Exception:  # pylint: disable=broad-except
        return None


def elasticache_backend(region):
    try:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.elasticache.models import elasticache_backends
        return elasticache_backends[DEFAULT_ACCOUNT_ID][region]
    except Exception:  # pylint: disable=broad-except
        return None


def sql_literal(value):
    return "'%s'" % str(value).replace("'", "''")


def sql_name(value):
    return '"%s"' % str(value).replace('"', '""')


def next_tokens(current, token, strategy):
    """The tokens that open a cluster after a call that sets ``token``: a create (``strategy`` None) or SET leaves it
    alone; ROTATE (ModifyReplicationGroup's default) keeps the most recent previous one beside it. (On a cluster that had
    no token, AWS lets clients in without one too until a SET; here only the token does: stricter, never kinder.)"""
    if strategy is None or strategy == 'SET' or not current:
        return (token,)
    return tuple(current[-1:]) + (token,) if current[-1] != token else tuple(current)


def master_password(db):
    """The master password the instance was given, or the one RDS keeps in Secrets Manager for it."""
    if getattr(db, 'manage_master_user_password', False):
        secret = getattr(getattr(db, 'master_user_secret', None), 'secret', None)
        try:
            return json.loads(secret.secret_string)['password']
        except Exception:  # pylint: disable=broad-except
            return None
    return getattr(db, '_master_user_password', None)  # moto's model keeps it there (its getter refuses, as AWS)


class DataTier(Hook):
    """PostgreSQL and Redis containers for the emulator's RDS instances and Redis clusters."""

    def __init__(self, dataplane, log=None):
        self.dataplane = dataplane
        self.log = log or (lambda msg: None)
        self.lock = threading.RLock()
        self.servers = {}   # ('rds' | 'redis', id) -> {'container', 'names', 'port', 'secret', 'state', 'error'}
        self.tokens = {}    # replication group id -> the auth tokens that open it (most recent last), from the calls that set them
        self.threads = []

    # -- API hooks -------------------------------------------------------------
    def after(self, action, form, payload, region):
        if action in ('CreateReplicationGroup', 'ModifyReplicationGroup') and form.get('AuthToken'):
            with self.lock:  # ElastiCache never tells the token again; Redis needs it
                rid = form.get('ReplicationGroupId', '').lower()
                self.tokens[rid] = next_tokens(self.tokens.get(rid), form['AuthToken'],
                                               None if action == 'CreateReplicationGroup' else form.get('AuthTokenUpdateStrategy') or 'ROTATE')
        if action in RDS_CHANGING or action in CACHE_CHANGING:
            try:
                started = self.sync(region)
            except Exception as exc:  # pylint: disable=broad-except
                self.log('datatier: sync after %s failed: %s' % (action, exc))
                return payload
            if started and action in ('CreateDBInstance', 'CreateReplicationGroup'):
                # as on AWS, what a create answers is not ready yet
                tag = b'DBInstanceStatus' if action == 'CreateDBInstance' else b'Status'
                payload = payload.replace(b'<%s>available</%s>' % (tag, tag), b'<%s>creating</%s>' % (tag, tag), 1)
        return payload

    def reset(self):
        self.clean()

    def clean(self):
        with self.lock:
            for entry in self.servers.values():
                docker('rm', '-f', entry['container'], check=False)
            self.servers = {}

    def state(self):
        with self.lock:
            servers = []
            for (kind, rid), entry in sorted(self.servers.items()):
                view = dict((k, v) for k, v in entry.items() if k != 'secret')
                view.update(kind=kind, id=rid)
                servers.append(view)
            return {'servers': servers}

    # -- what the API says should run -------------------------------------------------
    def sync(self, region):
        """Start what the API has and the data plane lacks, remove what it lost; True when something started."""
        ec2 = ec2_backend(region)
        started = False
        wanted = {}
        rds = rds_backend(region)
        for db in list(getattr(rds, 'databases', {}).values()):
            if str(getattr(db, 'engine', '')).startswith('postgres') and getattr(db, 'status', '') != 'deleting':
                wanted[('rds', db.db_instance_identifier)] = db
        cache = elasticache_backend(region)
        for group in list(getattr(cache, 'replication_groups', {}).values()):
            if str(getattr(group, 'engine', 'redis') or 'redis').lower() in ('redis', 'valkey') and group.status != 'deleting':
                wanted[('redis', group.replication_group_id)] = group
        with self.lock:
            for key in [k for k in self.servers if k not in wanted]:
                self._remove(key)
            for key, resource in sorted(wanted.items()):
                entry = self.servers.get(key)
                if entry is None:
                    started = self._start(key, resource, ec2, region) or started
                elif entry['state'] == 'running':
                    self._update_secret(key, entry, resource)
        return started

    def _start(self, key, resource, ec2, region):
        kind, rid = key
        if kind == 'rds':
            subnet_group = getattr(resource, 'db_subnet_group', None)
            vpc_id = getattr(subnet_group, 'vpc_id', None)
            names, port, secret = [resource.address], int(resource.port or 5432), master_password(resource)
        else:
            vpc_id = self._cache_vpc(resource, region)
            node_group = resource.node_groups[0] if resource.node_groups else {}
            names = [n for n in (node_group.get('primary_endpoint_address'), node_group.get('reader_endpoint_address')) if n]
            port, secret = int(resource.port or 6379), self.tokens.get(rid)  # a tuple of tokens, or None
        if not vpc_id or ec2 is None or not names:
            self.log('datatier: %s %s has no VPC or endpoint to serve; it stays an API record' % (kind, rid))
            return False
        entry = {'container': 'seed-%s-%s' % (kind, rid), 'names': names, 'port': port, 'secret': secret,
                 'state': 'starting', 'error': None, 'vpc': vpc_id, 'ip': None}
        self.servers[key] = entry
        resource.status = 'creating'
        resource.seed_serving = 'starting'  # emulator.lifecycle keeps it creating until it serves
        network = self.dataplane.network_for(ec2, vpc_id)
        thread = threading.Thread(target=self._boot, args=(key, entry, resource, network), daemon=True)
        self.threads.append(thread)
        thread.start()
        return True

    @staticmethod
    def _cache_vpc(group, region):
        name = getattr(group, 'cache_subnet_group_name', None)
        cache = elasticache_backend(region)
        subnet_group = getattr(cache, 'cache_subnet_groups', {}).get(name) if name else None
        if subnet_group is None:
            return None
        for attr in ('vpc_id', 'vpc'):
            if getattr(subnet_group, attr, None):
                return getattr(subnet_group, attr)
        ec2 = ec2_backend(region)
        subnet_ids = getattr(subnet_group, 'subnet_ids', None) or []
        return ec2.get_subnet(subnet_ids[0]).vpc_id if subnet_ids and ec2 is not None else None

    def _boot(self, key, entry, resource, network):
        kind, rid = key
        try:
            args = ['run', '-d', '--name', entry['container'], '--hostname', rid, '--network', network,
                    '--label', '%s=%s' % (LABEL, LABEL_VALUE), '--label', 'seed.%s=%s' % (kind, rid)]
            for name in entry['names']:
                args += ['--network-alias', name]
            docker('rm', '-f', entry['container'], check=False)
            docker(*(args + [IMAGE, 'sleep', 'infinity']))
            address = docker('inspect', '-f', '{{with index .NetworkSettings.Networks "%s"}}{{.IPAddress}}{{end}}' % network,
                             entry['container'], check=False)
            with self.lock:  # its security groups apply from now on (emulator.network)
                entry['ip'] = address or None
            cert, key_pem = ca.issue(self.dataplane.state_dir, entry['names'])
            self._put(entry, '/run/seed/server.crt', cert)
            self._put(entry, '/run/seed/server.key', key_pem)
            with open(ca.ensure(self.dataplane.state_dir)[0]) as f:
                self._put(entry, '/run/seed/ca.crt', f.read())
            if kind == 'rds':
                self._boot_postgres(entry, resource)
            else:
                self._boot_redis(entry, resource)
            with self.lock:
                entry['state'] = 'running'
            resource.seed_serving = 'serving'
            if not getattr(resource, 'seed_timed', False):  # else emulator.lifecycle makes it available when its time is over
                resource.status = 'available'
            self.log('datatier: %s %s serving in %s as %s:%d' % (kind, rid, entry['container'], entry['names'][0], entry['port']))
        except Exception as exc:  # pylint: disable=broad-except
            with self.lock:
                entry.update(state='failed', error=str(exc))
            resource.seed_serving = 'failed'
            resource.status = 'failed' if kind == 'rds' else 'create-failed'
            self.log('datatier: %s %s failed to start: %s' % (kind, rid, exc))

    @staticmethod
    def _put(entry, path, text):
        """Write text to path in the container, 0600 root, through standard input (never a command line)."""
        subprocess.run(['docker', 'exec', '-i', entry['container'], 'sh', '-c',
                        'umask 077; mkdir -p "$(dirname "$1")"; cat > "$1"', 'put', path],
                       input=text, text=True, capture_output=True, check=True, timeout=30)

    def _boot_postgres(self, entry, db):
        user, dbname = db.master_username or 'postgres', getattr(db, 'db_name', None)
        sql = ['CREATE ROLE %s LOGIN CREATEDB CREATEROLE PASSWORD %s;' % (sql_name(user), sql_literal(entry['secret'] or ''))]
        if dbname:
            sql.append('CREATE DATABASE %s OWNER %s;' % (sql_name(dbname), sql_name(user)))
        self._put(entry, '/run/seed/init.sql', '\n'.join(sql) + '\n')
        docker('exec', entry['container'], 'sh', '-c', 'chmod 0644 /run/seed/init.sql && chmod 0755 /run/seed && ' + PG_SETUP % {
            'pg': PG, 'port': entry['port']}, timeout=120)
        self._wait(entry, ['pg_isready', '-q', '-h', '127.0.0.1', '-p', str(entry['port'])])

    def _boot_redis(self, entry, group):
        tls = bool(getattr(group, 'transit_encryption_enabled', False))
        lines = ['bind 0.0.0.0 -::*', 'protected-mode no', 'daemonize yes', 'dir /var/lib/redis',
                 'logfile /var/log/redis/redis-server.log', 'pidfile /run/redis-seed.pid']
        if tls:
            lines += ['port 0', 'tls-port %d' % entry['port'], 'tls-cert-file /run/seed/server.crt',
                      'tls-key-file /run/seed/server.key', 'tls-ca-cert-file /run/seed/ca.crt', 'tls-auth-clients no']
        else:
            lines += ['port %d' % entry['port']]
        if entry['secret']:
            # the most recent token; the others that still open it (a rotation before Redis ran) are added below
            lines.append('requirepass "%s"' % entry['secret'][-1].replace('\\', '\\\\').replace('"', '\\"'))
        self._put(entry, '/run/seed/redis.conf', '\n'.join(lines) + '\n')
        docker('exec', entry['container'], 'sh', '-c', 'chown -R redis:redis /run/seed && su -s /bin/sh redis -c "redis-server /run/seed/redis.conf"')
        probe = ['redis-cli', '-p', str(entry['port'])] + (['--tls', '--cacert', '/run/seed/ca.crt', '--sni', entry['names'][0]] if tls else [])
        self._wait(entry, probe + ['ping'], answer=('PONG', 'NOAUTH'))
        if entry['secret'] and len(entry['secret']) > 1:
            self._redis_passwords(entry, group, entry['secret'], entry['secret'][-1])

    @staticmethod
    def _wait(entry, command, answer=None):
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            proc = subprocess.run(['docker', 'exec', entry['container']] + command, capture_output=True, text=True, check=False, timeout=30)
            if proc.returncode == 0 and (answer is None or any(a in proc.stdout + proc.stderr for a in answer)):
                return
            if time.monotonic() > deadline:
                raise RuntimeError('not ready after %d s: %s' % (READY_TIMEOUT, (proc.stdout + proc.stderr)[-400:]))
            time.sleep(0.5)

    def _update_secret(self, key, entry, resource):
        secret = master_password(resource) if key[0] == 'rds' else self.tokens.get(key[1])
        if not secret or secret == entry['secret']:
            return
        if key[0] == 'rds':
            self._put(entry, '/run/seed/password.sql', 'ALTER ROLE %s PASSWORD %s;\n' % (
                sql_name(resource.master_username), sql_literal(secret)))
            docker('exec', entry['container'], 'sh', '-c', 'chmod 0644 /run/seed/password.sql && su postgres -c '
                   '"psql -q -p %d -f /run/seed/password.sql" >/dev/null; rm -f /run/seed/password.sql' % entry['port'])
        else:
            self._redis_passwords(entry, resource, secret, (entry['secret'] or ('',))[-1])
        entry['secret'] = secret
        self.log('datatier: %s %s has a new password' % key)

    @staticmethod
    def _redis_passwords(entry, group, tokens, auth):
        """Make ``tokens`` (and no other) the passwords of Redis's default user, logged in with ``auth`` (a token that
        opens it now): one ACL SETUSER read by redis-cli from standard input, the login from the environment, so no token
        is on a command line (an AUTH token has no space or quote, AWS's rule)."""
        tls = bool(getattr(group, 'transit_encryption_enabled', False))
        cli = ['redis-cli', '-p', str(entry['port'])] + (['--tls', '--cacert', '/run/seed/ca.crt', '--sni', entry['names'][0]] if tls else [])
        command = 'ACL SETUSER default on resetpass %s\n' % ' '.join('>' + t for t in tokens)
        env = dict(os.environ)
        env.pop('REDISCLI_AUTH', None)
        if auth:
            env['REDISCLI_AUTH'] = auth  # docker exec -e NAME passes it only when it is set
        return subprocess.run(['docker', 'exec', '-i', '-e', 'REDISCLI_AUTH', entry['container']] + cli,
                              input=command, text=True, capture_output=True, check=False, timeout=30, env=env)

    def _remove(self, key):
        entry = self.servers.pop(key, None)
        if entry is not None:
            docker('rm', '-f', entry['container'], check=False)
            self.log('datatier: %s %s removed' % key)
