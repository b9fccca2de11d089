"""The laravel role's app root has one name, laravel_root; laravel_path, its second name before 0.2.0, still sets it with a
deprecation message until 0.3.0, and a trailing slash (which the role used to strip into laravel_path) is refused."""
GOOD = {'laravel_repo': 'https://example.com/app.git', 'laravel_db_password': 'pw'}


def validate(vars):
    return [{'name': 'validate', 'ansible.builtin.include_role': {'name': 'seed.laravel_aws.laravel', 'tasks_from': 'validate'},
             'vars': dict(GOOD, **vars)}]


def test_laravel_root_without_laravel_path_says_nothing_of_it(play):
    run = play(validate({'laravel_root': '/var/www/shop'}))
    assert run.returncode == 0, run.output[-3000:]
    assert 'The variable laravel_path is now' not in ' '.join(run.output.split())


def test_the_old_name_sets_the_app_root_with_a_deprecation_message(play):
    run = play(validate({}), vars={'laravel_path': '/var/www/shop'})
    out = ' '.join(run.output.split())
    assert run.returncode == 0, run.output[-3000:]
    assert 'The variable laravel_path is now laravel_root' in out and 'This run uses its value, /var/www/shop, as laravel_root' in out
    assert 'removed in 0.3.0' in out


def test_a_trailing_slash_is_refused_naming_the_variable_and_the_fix(play):
    run = play(validate({'laravel_root': '/var/www/shop/'}))
    out = ' '.join(run.output.split())
    assert run.returncode != 0
    assert 'laravel_root: must be a directory below /var/www (the web-group tree), written without a trailing slash' in out
    assert '(given: /var/www/shop/)' in out
