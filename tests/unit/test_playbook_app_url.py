"""The stack tells the laravel role where the app is and who its proxies are: APP_URL is https://<domain> when a domain is
set, else the load balancer's DNS name (https:// when it has a certificate); TRUSTED_PROXIES the public subnets, where the
load balancer is; the scheduler on one web host, the migrate host. Run on localhost with the stack role's defaults."""
import json
import os
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
DNS = 'demo-alb-123456789.eu-west-1.elb.amazonaws.com'


def stack_values(tmp_path, extra):
    """stack_app_url and stack_app_trusted_proxies as the stack role's defaults make them, with these values on localhost
    (stack_alb: provision.yml's load balancer, as tasks_from: waits registers it)."""
    out = tmp_path / 'out.json'
    play = [{'hosts': 'localhost', 'gather_facts': False, 'roles': ['seed.laravel_aws.stack'],
             'tasks': [{'ansible.builtin.set_fact': extra},
                       {'ansible.builtin.copy': {'dest': str(out), 'mode': '0600',
                                                 'content': '{{ {"url": stack_app_url, "proxies": stack_app_trusted_proxies,'
                                                            ' "scheduler": stack_app_scheduler} | to_json }}'}}]}]
    path = tmp_path / 'play.yml'
    path.write_text(json.dumps(play))
    env = dict(os.environ)
    env.update({'ANSIBLE_CONFIG': os.path.join(ROOT, 'ansible.cfg'), 'ANSIBLE_COLLECTIONS_PATH': os.path.join(ROOT, '.collections'),
                'ANSIBLE_LOCALHOST_WARNING': 'false', 'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false', 'ANSIBLE_NOCOLOR': '1',
                'ANSIBLE_HOME': str(tmp_path / 'home'), 'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'tmp'),
                'ANSIBLE_PYTHON_INTERPRETER': sys.executable, 'PATH': BIN + os.pathsep + env.get('PATH', '')})
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', str(path), '-e', 'stack_name=demo'],
                          cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return json.loads(out.read_text())


@pytest.mark.parametrize('extra, url', [
    ({'stack_alb': {'load_balancer': {'dns_name': DNS}}}, 'http://' + DNS),
    ({'stack_alb_found': {'load_balancer': {'dns_name': DNS}}}, 'http://' + DNS),  # deploy.yml alone: its preflight's lookup
    ({'stack_alb': {'load_balancer': {'dns_name': DNS}}, 'stack_alb_certificate_arn': 'arn:aws:acm:eu-west-1:1:certificate/x'},
     'https://' + DNS),
    ({'stack_alb': {'load_balancer': {'dns_name': DNS}}, 'stack_alb_certificate_file': '/tmp/cert.pem'}, 'https://' + DNS),
    ({'stack_alb': {'load_balancer': {'dns_name': DNS}}, 'domain': 'shop.example.com'}, 'https://shop.example.com'),
    ({'domain': 'shop.example.com.'}, 'https://shop.example.com'),
    ({'stack_alb': {'load_balancer': {'dns_name': DNS}}, 'domain': ''}, 'http://' + DNS),
], ids=['alb-http', 'alb-found-by-deploy', 'alb-acm', 'alb-imported-cert', 'domain', 'domain-with-dot', 'empty-domain'])
def test_app_url(tmp_path, extra, url):
    assert stack_values(tmp_path, extra)['url'] == url


def test_trusted_proxies_are_the_public_subnets_where_the_load_balancer_is(tmp_path):
    values = stack_values(tmp_path, {'stack_public_subnets': ['10.9.0.0/24', '10.9.1.0/24']})
    assert values['proxies'] == ['10.9.0.0/24', '10.9.1.0/24'] and values['scheduler'] is True


def load(*parts):
    with open(os.path.join(ROOT, *parts)) as f:
        return yaml.safe_load(f)


def test_deploy_gives_the_laravel_role_the_stack_s_values_and_one_scheduler_host():
    for play in load('playbooks', 'deploy.yml'):
        if 'laravel_repo' not in play.get('vars', {}):
            continue
        role_vars = play['vars']
        assert role_vars['laravel_app_url'] == '{{ stack_app_url }}'
        assert role_vars['laravel_trusted_proxies'] == '{{ stack_app_trusted_proxies }}'
        assert role_vars['laravel_scheduler'] == '{{ stack_app_scheduler }}'
        # the scheduler's host is the role's default, the migrate host: the first web host, by the inventory's order
        assert 'laravel_scheduler_host' not in role_vars and role_vars['laravel_migrate_host'] == "{{ groups['web'] | first }}"
    assert load('roles', 'laravel', 'defaults', 'main.yml')['laravel_scheduler_host'] == '{{ laravel_migrate_host }}'


def test_the_preflight_of_deploy_finds_the_load_balancer_by_reading_only():
    play = [p for p in load('playbooks', 'preflight.yml') if p['name'].startswith("The data tier's endpoints")][0]
    lookup = [t for t in play['tasks'] if 'seed.laravel_aws.load_balancer' in t][0]
    assert lookup['check_mode'] is True and lookup['register'] == 'stack_alb_found'
    assert set(lookup['seed.laravel_aws.load_balancer']) == {'name', 'stack', 'wait'}, 'nothing given that it could change'
    assert lookup['seed.laravel_aws.load_balancer']['wait'] is False, 'a read: it waits for nothing (site.yml waits later)'
    assert "domain | default('', true) | length == 0" in lookup['when'] and 'stack_alb_dns_name | length == 0' in lookup['when']
