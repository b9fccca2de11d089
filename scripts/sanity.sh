#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection under
# build/sanity/ansible_collections/seed/laravel_aws (ansible-test needs that
# path). Runs offline thanks to the pip bootstrap stand-in of scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEST=$ROOT/build/sanity/ansible_collections/seed/laravel_aws
PY=$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
rm -rf "$DEST"
mkdir -p "$DEST"
# What git tracks, plus new files not yet committed (but nothing ignored).
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -C "$DEST" -xf -
cd "$DEST"
git init -q . && git add -A >/dev/null   # ansible-test lists a collection's files through git
ansible-test sanity --venv --requirements --python "$PY" --color no "$@"
