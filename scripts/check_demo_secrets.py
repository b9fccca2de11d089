"""After a `make demo` run at -vvv: no secret in its output, none in a file others can read.

Reads the live secrets from the web containers' shared .env (DB_PASSWORD and APP_KEY,
whatever the run chose or generated; with --redis also REDIS_PASSWORD, the Redis auth token; with
the managed data tier DB_PASSWORD is the app role's password), and the secrets named with --secret
NAME=FILE that never reach a host's .env (the RDS master password), then checks:
- every log given (the ansible-playbook output) is really verbose (-vvv) and holds neither secret;
- .env is mode 0640, owned by the deploy user and the web group;
- no file under /var/www, /etc, /srv, /home, /root, /tmp of any demo container that holds a
  secret is readable by others.

    .venv/bin/python scripts/check_demo_secrets.py [--owner ec2-user] [--group apache] [--redis] .cache/demo/site.log
"""
import argparse
import subprocess
import sys

SEARCHED = ['/var/www', '/etc', '/srv', '/home', '/root', '/tmp']


def docker(*args):
    return subprocess.run(['docker'] + list(args), check=True, capture_output=True, text=True).stdout


def sh(container, script):
    return subprocess.run(['docker', 'exec', container, 'sh', '-c', script], check=False, capture_output=True, text=True)


def env_values(text):
    values = {}
    for line in text.splitlines():
        if '=' in line and not line.lstrip().startswith('#'):
            key, value = line.split('=', 1)
            values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--stack', default='demo')
    parser.add_argument('--owner', default='ec2-user')
    parser.add_argument('--group', default='apache')
    parser.add_argument('--redis', action='store_true', help='the app has a Redis: REDIS_PASSWORD is a secret too')
    parser.add_argument('--secret', action='append', default=[], metavar='NAME=FILE',
                        help='a secret no .env holds (the RDS master password), read from FILE')
    parser.add_argument('logs', nargs='+')
    args = parser.parse_args(argv)
    problems = []
    containers = docker('ps', '--filter', 'label=seed.stack=%s' % args.stack, '--format', '{{.Names}}').split()
    secrets = {}
    envs = 0
    for c in containers:
        found = sh(c, 'ls /var/www/*/shared/.env 2>/dev/null').stdout.split()
        for path in found:
            envs += 1
            mode = sh(c, "stat -c '%%a %%U %%G' %s" % path).stdout.strip()
            if mode != '640 %s %s' % (args.owner, args.group):
                problems.append('%s:%s is %s, not 640 %s %s' % (c, path, mode, args.owner, args.group))
            values = env_values(sh(c, 'cat %s' % path).stdout)
            for key in ('DB_PASSWORD', 'APP_KEY', 'REDIS_PASSWORD'):
                if len(values.get(key, '')) >= 6:
                    secrets.setdefault(key, set()).add(values[key])
    expected = sorted(['APP_KEY', 'DB_PASSWORD'] + (['REDIS_PASSWORD'] if args.redis else []))
    found_in_env = sorted(secrets)
    for item in args.secret:
        name, path = item.split('=', 1)
        with open(path, encoding='utf-8') as f:
            value = f.read().strip()
        if len(value) < 6:
            problems.append('--secret %s: %s holds no secret' % (name, path))
        secrets.setdefault(name, set()).add(value)
        if any(value in v for v in secrets.get('DB_PASSWORD', ())):
            problems.append('%s is the app\'s DB_PASSWORD: it must never reach a host\'s .env' % name)
    if envs == 0 or found_in_env != expected:
        problems.append('found %d .env file(s) and secrets %s in containers %s: is the demo running?'
                        % (envs, sorted(secrets), containers))
    for log in args.logs:
        with open(log, encoding='utf-8', errors='replace') as f:
            text = f.read()
        if 'ESTABLISH' not in text:
            problems.append('%s is not a -vvv log (no ESTABLISH line): the check would prove nothing' % log)
        for key, values in sorted(secrets.items()):
            for value in values:
                if value in text:
                    line = next(n for n, l in enumerate(text.splitlines(), 1) if value in l)
                    problems.append('%s: %s printed (first at line %d)' % (log, key, line))
    for c in containers:
        for key, values in sorted(secrets.items()):
            for value in values:
                hits = sh(c, 'grep -rlsF -- %s %s' % (quote(value), ' '.join(SEARCHED))).stdout.split()
                for path in hits:
                    mode = sh(c, "stat -c '%%a %%U:%%G' %s" % quote(path)).stdout.strip()
                    if mode and int(mode.split()[0], 8) & 0o004:
                        problems.append('%s:%s holds %s and others can read it (%s)' % (c, path, key, mode))
    if problems:
        print('\n'.join('secrets: ' + p for p in problems), file=sys.stderr)
        return 1
    print('secrets: %d log(s) at -vvv hold none of %s; %d .env file(s) 0640 %s:%s; '
          'no file others can read holds them (%d containers)' % (len(args.logs), ', '.join(sorted(secrets)), envs, args.owner, args.group,
                                                                  len(containers)))
    return 0


def quote(value):
    return "'" + value.replace("'", "'\\''") + "'"


if __name__ == '__main__':
    sys.exit(main())
