"""Write what is derived from the resource table (plugins/module_utils/resources.py).

    .venv/bin/python scripts/resource_table.py          write the files below
    .venv/bin/python scripts/resource_table.py --check  exit 1 when one differs from the table (nothing written)

- docs/iam-policy.json, and the policy and its table of statements in docs/iam-policy.md: the IAM policy users give the
  identity that runs the playbooks;
- meta/runtime.yml's action group ``aws`` (module_defaults: group/seed.laravel_aws.aws).

A new resource is a row of the table: this makes its actions part of the policy and its module part of the group.
tests/unit/plugins/module_utils/test_resources.py checks every file against the table.
"""
import argparse
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_table():
    """The table by file path: it imports nothing, so no collection path is needed."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('seed_resources', os.path.join(ROOT, 'plugins', 'module_utils', 'resources.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def statement_table(table):
    """The Markdown table of the statements: each with the modules that need it."""
    lines = ['| statement | actions | used by |', '|---|---|---|']
    for sid, dummy, listed in table.statements():
        names = ', '.join('`%s`' % n if ' ' not in n else n for n in table.users(listed))
        lines.append('| `%s` | %d | %s |' % (sid, len(listed), names))
    return '\n'.join(lines) + '\n'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--check', action='store_true', help='only compare; exit 1 on a difference')
    args = parser.parse_args(argv)
    table = load_table()
    text = json.dumps(table.policy(), indent=2) + '\n'
    json_path = os.path.join(ROOT, 'docs', 'iam-policy.json')
    md_path = os.path.join(ROOT, 'docs', 'iam-policy.md')
    with open(json_path) as f:
        old_json = f.read()
    with open(md_path) as f:
        old_md = f.read()
    new_md, count = re.subn(r'```json\n.*?```', lambda m: '```json\n' + text + '```', old_md, count=1, flags=re.S)
    new_md, marks = re.subn(r'(<!-- statements:[^>]*-->\n).*?(<!-- /statements -->)',
                            lambda m: m.group(1) + statement_table(table) + m.group(2), new_md, count=1, flags=re.S)
    if count != 1 or marks != 1:
        print('%s: no ```json block or no <!-- statements --> markers to write between' % md_path, file=sys.stderr)
        return 1
    runtime_path = os.path.join(ROOT, 'meta', 'runtime.yml')
    with open(runtime_path) as f:
        old_runtime = f.read()
    new_runtime, groups = re.subn(r'(\n  aws:\n)((?:    - \w+\n)+)',
                                  lambda m: m.group(1) + ''.join('    - %s\n' % n for n in table.action_group()), old_runtime, count=1)
    if groups != 1:
        print('%s: no action group aws to write' % runtime_path, file=sys.stderr)
        return 1
    written = ((json_path, old_json, text), (md_path, old_md, new_md), (runtime_path, old_runtime, new_runtime))
    stale = [p for p, old, new in written if old != new]
    if args.check:
        for path in stale:
            print('%s differs from the resource table; run python scripts/resource_table.py' % os.path.relpath(path, ROOT))
        return 1 if stale else 0
    for path, dummy, new in written:
        if path in stale:
            with open(path, 'w') as f:
                f.write(new)
    print('wrote %s' % ', '.join(os.path.relpath(p, ROOT) for p in stale) if stale else 'nothing to write: all match the table')
    return 0


if __name__ == '__main__':
    sys.exit(main())
