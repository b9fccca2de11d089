"""What a user sees on the stack converged by postgresql (db) and apache, php, composer and
laravel (two web hosts, Debian 12 and 13), after the side effects of side_effect.yml."""
import json
import os
import re
import time

import pytest
import testinfra

APP = '/var/www/demo'
DB = '172.30.58.20'
WEB = ('seed-web-1', 'seed-web-2')


def groups(host):
    return host.ansible.get_variables().get('group_names', [])


@pytest.fixture
def web(host):
    if 'web' not in groups(host):
        pytest.skip('web hosts only')
    return host


@pytest.fixture
def db(host):
    if 'db' not in groups(host):
        pytest.skip('db host only')
    return host


def other_host(name):
    return testinfra.get_host('ansible://%s' % name, ansible_inventory=os.environ['MOLECULE_INVENTORY_FILE'])


def test_apache_answers_with_the_seeded_greeting_from_the_db_host(web):
    out = web.check_output('curl -s -i http://127.0.0.1/')
    assert out.startswith('HTTP/1.1 200')
    assert 'Hello from Laravel on seed.laravel_aws' in out
    assert 'Server: Apache\r\n' in out, 'ServerTokens Prod hides the version'
    assert 'X-Powered-By' not in out, 'expose_php = Off'


def test_a_rewrite_only_route_answers_through_htaccess(web):
    # /about exists only as a Laravel route: Apache reaches it through the .htaccess rewrite
    assert web.check_output('curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1/about') == '200'
    assert 'greetings in the database' in web.check_output('curl -s http://127.0.0.1/about')
    assert web.check_output('curl -s http://127.0.0.1/up').startswith('{"status":"ok"')
    # without the rewrite the same URL through index.php still works; a missing route is a 404
    assert web.check_output('curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1/no-such-page') == '404'


def test_no_directory_listing(web):
    web.run_expect([0], 'mkdir -p %s/current/public/listing-probe' % APP)
    out = web.run('curl -s -i http://127.0.0.1/listing-probe/')
    web.run('rmdir %s/current/public/listing-probe' % APP)
    assert 'Index of' not in out.stdout


def test_web_tree_is_deploy_user_and_web_group_2775_0664(web):
    www = web.file('/var/www')
    assert www.user == 'ec2-user' and www.group == 'apache' and www.mode == 0o2775
    wrong = web.check_output("find /var/www -path '*/.git/*' -prune -o -name .env -prune -o "
                             "-path '*/bootstrap/cache/config.php' -prune -o "
                             "\\( -type d ! -perm 2775 -print \\) -o \\( -type f ! -perm 0664 -print \\) -o "
                             "\\( ! -group apache -print \\)")
    assert wrong == ''


def test_setgid_keeps_the_group_on_a_new_file_of_the_deploy_user(web):
    web.run_expect([0], "sudo -u ec2-user sh -c 'umask 002; mkdir -p /var/www/probe-dir; touch /var/www/probe-dir/f'")
    probe = web.file('/var/www/probe-dir/f')
    assert probe.group == 'apache' and probe.user == 'ec2-user'
    assert web.file('/var/www/probe-dir').mode == 0o2775
    web.run('rm -rf /var/www/probe-dir')


def test_deploy_user_is_in_the_web_group_and_apache_runs_with_it(web):
    assert 'apache' in web.user('ec2-user').groups
    # The parent process stays root; every worker that serves requests runs as www-data:apache.
    workers = [line.split() for line in web.check_output('ps -o user=,group= -C apache2').splitlines()]
    workers = [w for w in workers if w[0] != 'root']
    assert workers and all(worker[1] == 'apache' for worker in workers), workers


def test_php_has_the_postgresql_driver(web):
    modules = web.check_output('php -m')
    for ext in ('pdo_pgsql', 'pgsql', 'mbstring', 'intl', 'bcmath', 'zip', 'Zend OPcache'):
        assert ext in modules


def test_composer_runs_as_the_deploy_user(web):
    assert re.search(r'Composer version 2\.', web.check_output('sudo -u ec2-user composer --version --no-interaction'))


def test_postgresql_takes_the_app_password_from_the_web_hosts(web):
    ok = web.run("PGPASSWORD=molecule-secret psql -h %s -U laravel -d laravel -tAc 'select count(*) from greetings'" % DB)
    assert ok.rc == 0 and int(ok.stdout.strip()) >= 2
    wrong = web.run("PGPASSWORD=wrong psql -h %s -U laravel -d laravel -c 'select 1'" % DB)
    assert wrong.rc != 0 and 'password authentication failed' in wrong.stderr


def test_postgresql_refuses_the_app_user_from_elsewhere(db):
    # the db host's own address is in the Docker network but not one of the web hosts
    refused = db.run("PGPASSWORD=molecule-secret psql -h %s -U laravel -d laravel -c 'select 1'" % DB)
    assert refused.rc != 0 and 'no pg_hba.conf entry' in refused.stderr
    assert db.service('postgresql').is_enabled


def test_each_migration_ran_exactly_once(db):
    rows = db.check_output("cd /tmp && sudo -u postgres psql -d laravel -tAc "
                           "\"select migration || ' ' || count(*) from migrations group by migration order by 1\"")
    assert rows.split('\n') == ['2024_01_01_000000_create_greetings_table 1',
                                '2024_01_02_000000_add_language_to_greetings_table 1',
                                '2024_01_03_000000_create_sessions_table 1',
                                '2024_01_03_000001_create_cache_table 1',
                                '2024_01_04_000000_create_ticks_table 1']


def test_release_layout(web):
    current = web.file('%s/current' % APP)
    assert current.is_symlink and current.linked_to.startswith('%s/releases/' % APP)
    env = web.file('%s/shared/.env' % APP)
    assert env.mode == 0o640 and env.user == 'ec2-user' and env.group == 'apache'
    # the config cache holds what .env holds: the DB password and APP_KEY
    cached = web.file('%s/current/bootstrap/cache/config.php' % APP)
    assert cached.mode == 0o640 and cached.user == 'ec2-user' and cached.group == 'apache'
    assert web.file('%s/current/storage' % APP).linked_to == '%s/shared/storage' % APP
    assert not web.file('%s/next' % APP).exists
    # sessions and logs land in shared storage, group-writable
    web.check_output('curl -s http://127.0.0.1/')
    assert web.check_output('ls %s/shared/storage/logs' % APP).startswith('laravel-')


def test_the_release_log_has_one_line_per_release_put_live_in_order(web):
    """releases.log after converge (release one), its rerun, releases two, four and five, a failed release and three
    rollbacks: one line per release a deploy put live, the live one last; no line for the rerun, the failed release or
    a rollback; release one, pruned from the host, stays in the log."""
    log = web.file('%s/releases.log' % APP)
    assert log.mode == 0o664 and log.user == 'ec2-user' and log.group == 'apache'
    lines = [json.loads(line) for line in log.content_string.splitlines()]
    assert all(sorted(line) == ['commit', 'release', 'time', 'user'] for line in lines), lines
    assert all(re.match(r'^[0-9a-f]{40}$', line['commit']) and line['commit'].startswith(line['release']) for line in lines)
    assert all(re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$', line['time']) and line['user'] for line in lines)
    names = [line['release'] for line in lines]
    assert len(names) == 4 and len(set(names)) == 4, names
    assert names[-1] == os.path.basename(web.file('%s/current' % APP).linked_to)
    assert not web.file('%s/releases/%s' % (APP, names[0])).exists


def test_both_web_hosts_share_one_app_key_and_serve_the_same_release(web):
    keys, releases = set(), set()
    for name in WEB:
        other = other_host(name)
        env = other.check_output('cat %s/shared/.env' % APP)
        keys.update(re.findall(r'^APP_KEY=(base64:\S{44})$', env, re.M))
        releases.add(other.file('%s/current' % APP).linked_to)
    assert len(keys) == 1
    assert len(releases) == 1


def test_the_env_says_where_the_app_is_and_which_proxy_to_trust(web):
    env = web.check_output('cat %s/shared/.env' % APP)
    assert "APP_URL='https://demo.example.test'" in env.splitlines()
    assert "TRUSTED_PROXIES='127.0.0.1/32'" in env.splitlines()
    assert 'SESSION_SECURE_COOKIE=true' in env.splitlines(), 'an https:// APP_URL makes the session cookie Secure'
    assert 'ASSET_URL' not in env, 'written only when given'


FORWARDED = "-H 'X-Forwarded-Proto: https' -H 'X-Forwarded-Port: 443' -H 'X-Forwarded-For: 203.0.113.7' -H 'Host: demo.example.test'"


def test_behind_a_trusted_proxy_links_and_redirects_are_https(web):
    link = web.check_output("curl -s %s http://127.0.0.1/link" % FORWARDED)
    assert link == 'https://demo.example.test/greetings', link
    head = web.check_output("curl -s -o /dev/null -D - %s http://127.0.0.1/go" % FORWARDED)
    assert re.search(r'^Location: https://demo\.example\.test/greetings\r?$', head, re.M | re.I), head
    # the session cookie is Secure
    assert re.search(r'^Set-Cookie: seed_demo_session=[^\n]*; secure', head, re.M | re.I), head


def test_from_an_untrusted_address_the_forwarded_headers_are_ignored(web):
    # from the other web host: its address is no trusted proxy, so X-Forwarded-Proto is not believed
    me = web.ansible.get_variables()['inventory_hostname']
    address = {'seed-web-1': '172.30.58.11', 'seed-web-2': '172.30.58.12'}[me]
    other = other_host('seed-web-2' if me == 'seed-web-1' else 'seed-web-1')
    link = other.check_output("curl -s %s http://%s/link" % (FORWARDED, address))
    assert link.startswith('http://demo.example.test/'), link
    head = other.check_output("curl -s -o /dev/null -D - %s http://%s/go" % (FORWARDED, address))
    assert re.search(r'^Location: http://demo\.example\.test/greetings\r?$', head, re.M | re.I), head


def test_the_scheduler_is_on_the_first_web_host_only(web):
    crontabs = {name: other_host(name).run('crontab -l -u ec2-user').stdout for name in WEB}
    assert 'artisan schedule:run' in crontabs['seed-web-1'], crontabs
    assert 'schedule:run' not in crontabs['seed-web-2'], crontabs


def test_the_scheduled_job_runs_once_a_minute_for_the_cluster(web):
    # cron runs schedule:run on seed-web-1 each minute (side_effect.yml moved it to seed-web-2 and back): the runs
    # from now on are seed-web-1's, and no minute has two
    since = web.check_output("date -u '+%F %T'")
    deadline = time.time() + 150
    while True:
        ticks = json.loads(web.check_output('curl -s http://127.0.0.1/ticks'))
        recent = [t for t in ticks['ticks'] if t['ran_at'][:19] >= since]
        if recent or time.time() > deadline:
            break
        time.sleep(10)
    assert recent, 'the scheduler did not run in 150 s: %s' % ticks
    assert {t['host'] for t in recent} == {'seed-web-1'}, ticks
    assert all(count == 1 for count in ticks['per_minute'].values()), ticks
