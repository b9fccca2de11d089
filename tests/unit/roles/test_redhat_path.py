"""The RedHat family path of the roles (Amazon Linux 2023), as far as this machine can prove it (issue 19, finding 14).

No Amazon Linux image can be had offline, so the roles' task lists are evaluated with RedHat facts: each role's
defaults and vars/RedHat.yml are rendered, every task's ``when`` is decided, and what the active tasks, handlers and
templates would do is checked: php-fpm installed, configured, enabled and started; Apache handing .php to it through
mod_proxy_fcgi; PostgreSQL with its contrib modules. A service or its configuration missing fails here.
What this does not prove: that the packages exist under these names in the AL2023 repositories, that the services
start there, and that a page is served (that needs an AL2023 host or image; see the README).
"""
import os

import jinja2
import pytest
import yaml

from .conftest import ROOT

FACTS = {'os_family': 'RedHat', 'distribution': 'Amazon', 'distribution_major_version': '2023'}


def env():
    e = jinja2.Environment(undefined=jinja2.StrictUndefined)
    e.filters['bool'] = lambda v: v if isinstance(v, bool) else str(v).lower() in ('1', 'true', 'yes', 'on')
    e.filters['unique'] = lambda v: list(dict.fromkeys(v))
    e.filters['extract'] = lambda key, container: container[key]
    e.filters['basename'] = os.path.basename
    e.filters['dirname'] = os.path.dirname
    e.globals['omit'] = '__omit__'
    e.globals['lookup'] = lambda plugin, name, default='': os.environ.get(name, default) if plugin.endswith('env') else None
    e.tests['changed'] = lambda result: bool(result.get('changed'))
    return e


def load(path):
    with open(os.path.join(ROOT, path)) as f:
        return yaml.safe_load(f) or {}


def render(value, variables):
    if isinstance(value, str):
        if '{{' in value or '{%' in value:
            return env().from_string(value).render(**variables) if not value.strip().startswith('{{') or \
                not value.strip().endswith('}}') else native(value, variables)
        return value
    if isinstance(value, list):
        return [render(v, variables) for v in value]
    if isinstance(value, dict):
        return dict((k, render(v, variables)) for k, v in value.items())
    return value


def native(value, variables):
    expr = value.strip()[2:-2]
    return env().compile_expression(expr)(**variables)


# The web server's names are the common role's (vars/<family>.yml), loaded by every role's dependency on it.


def role_vars(role, **extra):
    # A new host: every package a role wants is missing (the common role's tasks_from: packages sets this).
    variables = {'ansible_facts': FACTS, 'ansible_managed': 'Ansible managed', 'ansible_play_hosts_all': ['web1'],
                 'inventory_hostname': 'web1', 'common_packages_missing': ['(every wanted package)']}
    paths = ('roles/common/defaults/main.yml', 'roles/common/vars/RedHat.yml')
    computed = ('roles/%s/vars/main.yml' % role,) if role in ('php', 'composer') else ()  # php_packages, composer_method
    for path in paths + ('roles/%s/defaults/main.yml' % role, 'roles/%s/vars/RedHat.yml' % role) + computed:
        raw = load(path)
        for dummy in range(3):  # values that refer to other values
            variables.update((k, raw[k]) for k in raw)
            variables.update((k, render(v, variables)) for k, v in raw.items())
    variables.update(extra)
    return variables


def active(tasks, variables, inherited=(), role=None):
    """(task, module, args) of every task that would run, blocks flattened, whens decided; the OS's own tasks
    (include_tasks: setup-<os family>.yml, the geerlingguy way) and the role's other included files (composer's
    installer.yml) followed into the role's file."""
    out = []
    for task in tasks:
        whens = list(inherited)
        when = task.get('when')
        whens.extend(when if isinstance(when, list) else [when] if when is not None else [])
        if not all(bool(env().compile_expression(str(w))(**variables)) for w in whens):
            continue
        if 'block' in task:
            out.extend(active(task['block'], variables, whens, role))
            out.extend(active(task.get('always', []), variables, whens, role))
            continue
        module = next(k for k in task if k.startswith(('ansible.builtin.', 'community.')))
        if module == 'ansible.builtin.include_tasks' and role:
            out.extend(active(load('roles/%s/tasks/%s' % (role, render(task[module], variables))), variables, whens, role))
            continue
        out.append((task, module, render(task[module], dict(variables, item={}))
                    if 'loop' not in task else task[module]))
    return out


def services(tasks):
    return dict((args['name'], args) for task, module, args in tasks
                if module in ('ansible.builtin.service', 'ansible.builtin.systemd_service'))


def test_php_runs_in_php_fpm_enabled_started_and_restarted_on_change():
    v = role_vars('php')
    tasks = active(load('roles/php/tasks/main.yml'), v, role='php')
    fpm = services(tasks).get('php-fpm')
    assert fpm and fpm['state'] == 'started' and fpm['enabled'] is True, 'php-fpm is never enabled and started'
    packages = [args for task, module, args in tasks if module == 'ansible.builtin.package'][0]
    assert 'php-fpm' in packages['name']
    handlers = active(load('roles/php/handlers/main.yml'), v)
    assert services(handlers).get('php-fpm', {}).get('state') == 'restarted'
    ini = [task for task, module, args in tasks if module == 'ansible.builtin.template' and 'php.ini' in task[module]['src']][0]
    assert 'Restart php-fpm' in ini['notify'], 'php.ini changes must restart php-fpm, which reads them'


def test_apache_hands_php_to_php_fpm_through_proxy_fcgi():
    v = role_vars('php')
    tasks = active(load('roles/php/tasks/main.yml'), v, role='php')
    confs = [args for task, module, args in tasks if module == 'ansible.builtin.template' and args['dest'].startswith('/etc/httpd/conf.d/')]
    assert confs, 'nothing tells httpd to hand .php requests to php-fpm'
    with open(os.path.join(ROOT, 'roles/php/templates', confs[0]['src'])) as f:
        text = env().from_string(f.read()).render(**v)
    assert 'proxy_fcgi_module' in text and 'SetHandler "proxy:unix:/run/php-fpm/www.sock|fcgi://localhost"' in text
    assert '\\.php$' in text
    pool = [task for task, module, args in tasks if module == 'ansible.builtin.lineinfile'][0]
    keys = dict((item['key'], render(item['value'], v)) for item in pool['loop'])
    assert keys['listen'] == '/run/php-fpm/www.sock' and keys['group'] == 'apache'


def test_apache_and_postgresql_services_on_redhat():
    apache = active(load('roles/apache/tasks/main.yml'), role_vars('apache', apache_manage_permissions=False), role='apache')
    assert services(apache).get('httpd', {}).get('state') == 'started'
    # setup-RedHat.yml: httpd runs with the web group and the umask 0002 (a unit drop-in); no Debian-only module
    assert any(module == 'ansible.builtin.lineinfile' and args['line'] == 'Group apache' for task, module, args in apache)
    assert any(module == 'ansible.builtin.template' and args['dest'] == '/etc/systemd/system/httpd.service.d/umask.conf'
               for task, module, args in apache)
    assert not any(module.startswith('community.general.apache2') for task, module, args in apache)
    pg = role_vars('postgresql')
    tasks = active(load('roles/postgresql/tasks/main.yml'), pg, role='postgresql')
    assert services(tasks).get('postgresql', {}).get('state') == 'started'
    packages = [args for task, module, args in tasks if module == 'ansible.builtin.package'][0]['name']
    assert 'postgresql15-server' in packages and 'postgresql15-contrib' in packages
    assert any(module == 'ansible.builtin.command' and 'postgresql-setup' in str(args) for task, module, args in tasks)


@pytest.mark.parametrize('role', ['common', 'apache', 'php', 'postgresql', 'composer', 'laravel'])
def test_every_redhat_vars_file_renders(role):
    v = role_vars(role)
    for key in load('roles/%s/vars/RedHat.yml' % role):
        assert v[key] is not None and '{{' not in str(v[key]), key


def test_composer_comes_from_its_verified_installer_by_default():
    """composer_install_method's empty default is the OS family's way (vars/RedHat.yml): the installer, never a package."""
    v = role_vars('composer', composer_installer_sha384='0' * 96, composer_installed={'stat': {'exists': False}},
                  composer_from_package={'changed': False}, composer_tmp={'path': '/tmp/seed-composer.x'})
    assert v['composer_install_method'] == '' and v['composer_method'] == 'installer'
    tasks = active(load('roles/composer/tasks/main.yml'), v, role='composer')
    modules = [module for task, module, args in tasks]
    assert 'ansible.builtin.package' not in modules and 'ansible.builtin.get_url' in modules
