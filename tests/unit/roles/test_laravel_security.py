"""The laravel role's input checks and .env (issue 19, findings 9 and 10), run on localhost without touching it."""
import os

import pytest
import yaml

from .conftest import ROOT

GOOD = {'laravel_repo': 'https://example.com/app.git', 'laravel_db_password': 'pw'}


def validate(**extra):
    return [{'name': 'validate', 'ansible.builtin.include_role': {'name': 'seed.laravel_aws.laravel', 'tasks_from': 'validate'},
             'vars': dict(GOOD, **extra)}]


@pytest.mark.parametrize('repo', ['https://example.com/app.git', 'ssh://git@example.com/app.git', 'git@github.com:org/app.git',
                                  'file:///srv/app.git', '/srv/app.git'])
def test_good_repositories_pass(play, repo):
    run = play(validate(laravel_repo=repo, laravel_version='v1.2.3'))
    assert run.returncode == 0, run.output[-3000:]


@pytest.mark.parametrize('repo', ['--upload-pack=touch /tmp/pwned', '-uhttps://x', 'ext::sh -c touch% /tmp/pwned',
                                  'example.com:app.git', 'relative/path', 'https://example.com/a b', 'https://-oProxy=x'])
def test_git_option_injection_is_refused(play, repo):
    run = play(validate(laravel_repo=repo))
    assert run.returncode != 0 and 'laravel_repo: must be a URL' in run.output, run.output[-3000:]


@pytest.mark.parametrize('ref', ['--upload-pack=x', '-b', '../x', 'a..b', '.hidden', 'main.lock', 'a b', 'x@{1}'])
def test_unsafe_refs_are_refused(play, ref):
    run = play(validate(laravel_version=ref))
    assert run.returncode != 0 and 'laravel_version: a branch, tag or commit' in run.output, run.output[-3000:]


@pytest.mark.parametrize('extra, message', [
    ({'BAD KEY': 'x'}, 'refused: BAD KEY'),
    ({'X\nAPP_DEBUG': 'true'}, 'variable names are upper case'),
    ({'APP_KEY': 'base64:x'}, 'APP_KEY'),
    ({'MAIL_HOST': "it's"}, 'MAIL_HOST: a .env value cannot hold'),
    ({'MAIL_HOST': 'a\nAPP_DEBUG=true'}, 'MAIL_HOST: a .env value cannot hold'),
])
def test_env_extra_cannot_inject_lines(play, extra, message):
    run = play(validate(laravel_env_extra=extra))
    assert run.returncode != 0 and message in run.output, run.output[-3000:]


def test_a_password_with_a_quote_newline_is_refused_without_showing_it(play):
    run = play(validate(laravel_db_password="se'cret-1234"))
    assert run.returncode != 0 and 'DB_PASSWORD: a .env value cannot hold' in run.output
    assert 'se\'cret-1234' not in run.output


def dotenv(text):
    """What phpdotenv reads from single-quoted values: the text between the quotes, literally."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith('#'):
            continue
        key, value = line.split('=', 1)
        assert key not in out, 'a line set %s twice' % key
        if value.startswith("'"):
            assert value.endswith("'") and value.count("'") == 2, line
            value = value[1:-1]
        out[key] = value
    return out


def test_env_values_are_literal(play, tmp_path):
    password = 'p"a ss${APP_KEY}\\$HOME #x'
    dest = tmp_path / 'env'
    facts = dict(GOOD, laravel_db_password=password, laravel_effective_app_key='base64:' + 'A' * 43 + '=',
                 laravel_env_extra={'MAIL_FROM': 'Ops <ops@example.com>'})
    run = play([{'ansible.builtin.set_fact': facts},  # above vars_files (the role's defaults and vars)
                {'ansible.builtin.template': {'src': os.path.join(ROOT, 'roles/laravel/templates/env.j2'), 'dest': str(dest),
                                              'mode': '0640'}}],
               vars_files=['roles/laravel/defaults/main.yml', 'roles/laravel/vars/main.yml'])
    assert run.returncode == 0, run.output[-3000:]
    env = dotenv(dest.read_text())
    assert env['DB_PASSWORD'] == password and env['MAIL_FROM'] == 'Ops <ops@example.com>'
    assert env['APP_KEY'] == 'base64:' + 'A' * 43 + '=' and env['APP_DEBUG'] == 'false' and env['DB_PORT'] == '5432'


def tasks(path):
    with open(os.path.join(ROOT, path)) as f:
        return yaml.safe_load(f)


def test_env_file_is_0640_before_the_template_writes_it():
    shared = tasks('roles/laravel/tasks/shared.yml')
    names = [t.get('name', '') for t in shared]
    touch = [i for i, t in enumerate(shared) if t.get('ansible.builtin.file', {}).get('path', '').endswith('/shared/.env')]
    write = [i for i, t in enumerate(shared) if t.get('ansible.builtin.template', {}).get('src') == 'env.j2']
    assert touch and write and touch[0] < write[0], names
    assert shared[touch[0]]['ansible.builtin.file']['mode'] == '0640' and shared[touch[0]]['ansible.builtin.file']['state'] == 'touch'
    assert shared[write[0]]['no_log'] is True


def all_tasks(task_list):
    for task in task_list:
        yield task
        yield from all_tasks(task.get('block', []) + task.get('rescue', []) + task.get('always', []))


def test_artisan_runs_only_through_the_helper():
    for name in os.listdir(os.path.join(ROOT, 'roles/laravel/tasks')):
        if name != 'artisan.yml':
            for task in all_tasks(tasks('roles/laravel/tasks/' + name)):
                assert 'artisan' not in str(task.get('ansible.builtin.command', '')), (name, task.get('name'))
    helper = tasks('roles/laravel/tasks/artisan.yml')
    assert len(helper) == 1 and 'ansible.builtin.command' in helper[0]
    argv = helper[0]['ansible.builtin.command']['argv']
    assert 'umask' in argv and 'laravel_artisan_umask' in argv and "'artisan'" in argv


def test_config_cache_is_written_with_umask_027():
    release = tasks('roles/laravel/tasks/release.yml')
    symlink = tasks('roles/laravel/tasks/symlink.yml')
    calls = [t for t in all_tasks(release + symlink) if t.get('ansible.builtin.include_tasks') == 'artisan.yml']
    config = [c for c in calls if 'config:cache' in str(c['vars']['laravel_artisan']) or 'config:cache' in str(c.get('loop'))]
    assert len(config) == 2
    for c in config:
        umask = c['vars'].get('laravel_artisan_umask', '')
        assert umask == '0027' or "'0027' if laravel_cache_command == 'config:cache'" in umask, c
