"""The laravel role behind a load balancer: APP_URL, ASSET_URL, TRUSTED_PROXIES and SESSION_SECURE_COOKIE in .env, refused
before anything changes when they are malformed; the scheduler's cron entry on one elected host. Run on localhost
without touching it."""
import os

import pytest
import yaml

from .conftest import ROOT
from .test_laravel_security import dotenv

GOOD = {'laravel_repo': 'https://example.com/app.git', 'laravel_db_password': 'pw'}


def validate(**extra):
    return [{'name': 'validate', 'ansible.builtin.include_role': {'name': 'seed.laravel_aws.laravel', 'tasks_from': 'validate'},
             'vars': dict(GOOD, **extra)}]


def render(play, tmp_path, **facts):
    """shared/.env as the role writes it, from the role's defaults and vars and these values."""
    dest = tmp_path / 'env'
    facts = dict(GOOD, laravel_effective_app_key='base64:' + 'A' * 43 + '=', **facts)
    run = play([{'ansible.builtin.set_fact': facts},
                {'ansible.builtin.template': {'src': os.path.join(ROOT, 'roles/laravel/templates/env.j2'), 'dest': str(dest),
                                              'mode': '0640'}}],
               vars_files=['roles/laravel/defaults/main.yml', 'roles/laravel/vars/main.yml'])
    assert run.returncode == 0, run.output[-3000:]
    return dotenv(dest.read_text())


def test_the_defaults_trust_no_proxy_and_keep_the_cookie_off_https_only(play, tmp_path):
    env = render(play, tmp_path)
    assert env['APP_URL'] == 'http://localhost' and env['TRUSTED_PROXIES'] == '' and env['SESSION_SECURE_COOKIE'] == 'false'
    assert 'ASSET_URL' not in env


def test_behind_an_https_load_balancer(play, tmp_path):
    env = render(play, tmp_path, laravel_app_url='https://shop.example.com', laravel_asset_url='https://cdn.example.com/shop',
                 laravel_trusted_proxies=['10.0.0.0/24', '10.0.1.0/24'])
    assert env['APP_URL'] == 'https://shop.example.com' and env['ASSET_URL'] == 'https://cdn.example.com/shop'
    assert env['TRUSTED_PROXIES'] == '10.0.0.0/24,10.0.1.0/24'
    assert env['SESSION_SECURE_COOKIE'] == 'true', 'an https:// APP_URL makes the session cookie Secure by default'


def test_the_secure_cookie_can_be_set_either_way(play, tmp_path):
    assert render(play, tmp_path, laravel_app_url='https://x.example.com', laravel_session_secure_cookie=False)['SESSION_SECURE_COOKIE'] == 'false'
    assert render(play, tmp_path, laravel_session_secure_cookie=True)['SESSION_SECURE_COOKIE'] == 'true'


def test_the_old_name_of_app_url_still_sets_it_with_a_deprecation_message(play, tmp_path):
    run = play(validate(), vars={'laravel_url': 'https://old.example.com'})
    out = ' '.join(run.output.split())
    assert run.returncode == 0, run.output[-3000:]
    assert 'The variable laravel_url is now laravel_app_url' in out and 'removed in 0.3.0' in out
    assert render(play, tmp_path, laravel_url='https://old.example.com')['APP_URL'] == 'https://old.example.com'


@pytest.mark.parametrize('url', ['http://localhost', 'https://shop.example.com', 'http://my-alb-1.eu-west-1.elb.amazonaws.com',
                                 'https://example.com:8443/shop'])
def test_good_app_urls_pass(play, url):
    run = play(validate(laravel_app_url=url, laravel_trusted_proxies=['10.20.0.0/24', '10.20.1.5', 'fd00::/8']))
    assert run.returncode == 0, run.output[-3000:]


@pytest.mark.parametrize('url', ['https://shop.example.com/', 'https://shop.example.com/app/', 'shop.example.com', 'ftp://x.example.com',
                                 'https://', 'https://a b.example.com', 'https://x.example.com/?a=1'])
def test_a_malformed_app_url_is_refused_naming_the_variable_and_the_fix(play, url):
    run = play(validate(laravel_app_url=url))
    out = ' '.join(run.output.split())
    assert run.returncode != 0
    assert 'laravel_app_url: an absolute http:// or https:// URL written without a trailing slash' in out, out[-3000:]
    assert 'drop the trailing /' in out and '(given: %s)' % url in out


def test_a_malformed_asset_url_is_refused(play):
    run = play(validate(laravel_asset_url='https://cdn.example.com/'))
    assert run.returncode != 0 and 'laravel_asset_url: empty, or an absolute' in ' '.join(run.output.split())


@pytest.mark.parametrize('proxies', [['*'], '*', ['10.0.0.0/24', '**']])
def test_trusting_every_proxy_is_refused_saying_why(play, proxies):
    run = play(validate(laravel_trusted_proxies=proxies))
    # The message as the user reads it: a YAML result (ansible-core 2.17's callback) doubles a quote inside quotes.
    out = ' '.join(run.output.replace("''", "'").split())
    assert run.returncode != 0
    assert "laravel_trusted_proxies: '*' is refused: it trusts every caller" in out, out[-3000:]
    assert "Behind an ALB the proxies are the load balancer's subnets" in out


def test_a_string_of_proxies_is_refused(play):
    run = play(validate(laravel_trusted_proxies='10.0.0.0/24,10.0.1.0/24'))
    assert run.returncode != 0 and 'laravel_trusted_proxies: a list of addresses or CIDRs' in ' '.join(run.output.split())


@pytest.mark.parametrize('bad', ['10.0.0.0/33', '10.0.0.256', 'alb.example.com', "10.0.0.0/24'", '10.0.0.0/24,10.0.1.0/24'])
def test_what_is_no_address_or_cidr_is_refused_by_name(play, bad):
    run = play(validate(laravel_trusted_proxies=['10.0.0.0/24', bad]))
    out = ' '.join(run.output.split())
    assert run.returncode != 0
    assert 'laravel_trusted_proxies: each an IPv4 or IPv6 address or CIDR' in out and 'refused: %s' % bad in out, out[-3000:]


def test_an_unknown_scheduler_host_is_refused(play):
    run = play(validate(laravel_scheduler=True, laravel_scheduler_host='no-such-host'))
    assert run.returncode != 0 and 'laravel_scheduler_host: the one host that runs the scheduler' in ' '.join(run.output.split())


def test_the_scheduler_s_entry_is_on_the_elected_host_and_removed_from_the_others(play):
    facts = {'laravel_scheduler': True, 'laravel_migrate_host': 'localhost'}
    cases = [({}, True), ({'laravel_scheduler_host': 'web-2'}, False), ({'laravel_scheduler': False}, False)]
    for extra, expected in cases:
        run = play([{'ansible.builtin.set_fact': dict(facts, **extra)},
                    {'ansible.builtin.assert': {'that': ['laravel_scheduler_here | bool == %s' % expected]}}],
                   vars_files=['roles/laravel/defaults/main.yml', 'roles/laravel/vars/main.yml'])
        assert run.returncode == 0, (extra, run.output[-3000:])
    with open(os.path.join(ROOT, 'roles/laravel/tasks/workers.yml')) as f:
        cron = [t for t in yaml.safe_load(f) if 'ansible.builtin.cron' in t][0]
    assert 'laravel_scheduler_here' in cron['ansible.builtin.cron']['state']
    assert cron['when'] == 'laravel_scheduler_here | bool or laravel_crontab.stat.exists', 'the other hosts have it removed'
