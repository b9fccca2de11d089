"""The documented defaults are the role's: a default written in docs/ or the README that differs from
roles/stack/defaults/main.yml, a documented variable the role does not have, or a setting under its name
from before 0.2.0 (outside the renaming note) fails here."""
import os
import re

import pytest
import yaml

from conftest import ROOT

DEFAULTS = yaml.safe_load(open(os.path.join(ROOT, 'roles', 'stack', 'defaults', 'main.yml')))
SPECS = yaml.safe_load(open(os.path.join(ROOT, 'roles', 'stack', 'meta', 'argument_specs.yml')))
OPTIONS = SPECS['argument_specs']['main']['options']
RENAMED = yaml.safe_load(open(os.path.join(ROOT, 'roles', 'stack', 'vars', 'main.yml')))['stack_renamed_vars']
# Play keywords the playbooks take from -e (not the role's variables).
PLAY_VARIABLES = {'deploy_serial', 'site_strategy'}
MODULES = {n[:-3] for n in os.listdir(os.path.join(ROOT, 'plugins', 'modules')) if n.endswith('.py')}
INSTALLATION = os.path.join(ROOT, 'docs', 'installation.md')
README = os.path.join(ROOT, 'README.md')
ROW = re.compile(r'^\|\s*(`[a-z_]+`(?:\s*,\s*`[a-z_]+`)*)\s*\|\s*(.*?)\s*\|(.*)\|\s*$')
LITERAL = re.compile(r'^`([^`]*)`$')


def documented_rows(path):
    """(variables, default cell, line number) of each table row whose first cell names variables."""
    rows = []
    for number, line in enumerate(open(path), 1):
        match = ROW.match(line.rstrip('\n'))
        if match:
            names = re.findall(r'`([a-z_]+)`', match.group(1))
            rows.append((names, match.group(2), number))
    return rows


def written_forms(default):
    """A default as the docs may write it: itself, or a template's variables as <name> (`<stack_name>-alb`
    for "{{ stack_name }}-alb" or "{{ 'alb' | seed.laravel_aws.stack_name(stack_name) }}"), or the variable alone
    (`stack_name` for "{{ stack_name }}")."""
    forms = [default]
    if isinstance(default, str) and '{{' in default:
        named = re.match(r"""^\{\{\s*'([a-z0-9-]+)'\s*\|\s*seed\.laravel_aws\.stack_name\(\s*([a-z_]+)\s*\)\s*\}\}$""", default)
        if named:
            forms.append('<%s>-%s' % (named.group(2), named.group(1)))
        forms.append(re.sub(r'\{\{\s*([a-z_]+)\s*\}\}', r'<\1>', default))
        alone = re.match(r'^\{\{\s*([a-z_]+)\s*\}\}$', default)
        if alone:
            forms.append(alone.group(1))
    return forms


def literal_defaults(cell, count):
    """The defaults of a cell that is nothing but literals (`a`, `b`), one per variable; None when the
    cell describes its default in words (required, from the environment, the inventory's ...)."""
    parts = [p.strip() for p in re.split(r',\s*(?=`)', cell)]
    if len(parts) != count or not all(LITERAL.match(p) for p in parts):
        return None
    return [yaml.safe_load(LITERAL.match(p).group(1)) if LITERAL.match(p).group(1) != '""' else '' for p in parts]


def test_installation_documents_the_role_variables():
    rows = documented_rows(INSTALLATION)
    names = [n for row in rows for n in row[0]]
    # The table is there and covers the settings a user chooses first.
    for name in ('stack_web_subnets', 'stack_db_tier', 'stack_cache_tier', 'stack_alb_certificate_arn', 'stack_admin_cidr'):
        assert name in names, '%s is not in the table of docs/installation.md' % name


@pytest.mark.parametrize('path', [INSTALLATION, README], ids=['installation', 'readme'])
def test_every_documented_variable_exists_and_its_default_is_the_role_s(path):
    problems = []
    for names, cell, number in documented_rows(path):
        if not all(n.startswith('stack_') or n in PLAY_VARIABLES for n in names):
            continue  # a table of modules, files or options, not of the stack's variables
        for name in names:
            if name not in DEFAULTS and name not in OPTIONS and name not in PLAY_VARIABLES:
                problems.append('%s:%d: %s is not a variable of the stack role' % (os.path.basename(path), number, name))
        values = literal_defaults(cell, len(names))
        if values is None:
            continue
        for name, value in zip(names, values):
            if name in DEFAULTS and value not in written_forms(DEFAULTS[name]):
                problems.append('%s:%d: %s documented as %r, the role says %r' % (
                    os.path.basename(path), number, name, value, DEFAULTS[name]))
    assert not problems, '\n'.join(problems)


def doc_files():
    yield README
    for folder, _dirs, files in os.walk(os.path.join(ROOT, 'docs')):
        for name in files:
            if name.endswith('.md'):
                yield os.path.join(folder, name)


def test_no_old_unprefixed_name_as_a_setting_outside_the_renaming_note():
    # A setting: `name` or `name: value` in backquotes, or -e name=. The renaming note is the paragraph
    # that says "Before 0.2.0"; module options of the same name (a table of a module's options) are not
    # the role's variables and are written with the module (module: option) where they appear.
    problems = []
    for path in doc_files():
        paragraphs = open(path).read().split('\n\n')
        for paragraph in paragraphs:
            if 'Before 0.2.0' in paragraph:
                continue
            for old in RENAMED:
                if old in ('security_groups', 'key_name') or old in MODULES:
                    continue  # also options (instance: security_groups, key_name) or names (nat_gateway) of the modules
                if re.search(r'`%s(?::[^`]*)?`|-e %s=' % (old, old), paragraph):
                    problems.append('%s: %s (now %s)' % (os.path.relpath(path, ROOT), old, RENAMED[old]))
    assert not problems, '\n'.join(problems)


def test_the_rows_are_read(tmp_path):
    """The reader sees a wrong default and an unknown variable (so the tests above can fail)."""
    doc = tmp_path / 'doc.md'
    doc.write_text('| variable | default | what |\n|---|---|---|\n'
                   '| `stack_web_count` | `3` | web hosts |\n| `stack_web_instance_type`, `stack_db_instance_type` | `t3.micro`, `t3.small` | x |\n'
                   '| `stack_nothing` | `1` | x |\n')
    rows = documented_rows(str(doc))
    assert [r[0] for r in rows] == [['stack_web_count'], ['stack_web_instance_type', 'stack_db_instance_type'], ['stack_nothing']]
    assert literal_defaults(rows[0][1], 1) == [3] != [DEFAULTS['stack_web_count']]
    assert literal_defaults(rows[1][1], 2) == [DEFAULTS['stack_web_instance_type'], DEFAULTS['stack_db_instance_type']]
    assert 'stack_nothing' not in DEFAULTS and 'stack_nothing' not in OPTIONS
