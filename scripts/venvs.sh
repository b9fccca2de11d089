#!/usr/bin/env bash
# The ansible-core versions the collection claims (meta/runtime.yml requires_ansible),
# each in its own venv under .venvs/<name>, made on first use and skipped after:
#   core217  ansible-core 2.17.x on Python 3.11  (the lowest version claimed)
#   core220  ansible-core 2.20.x on Python 3.12  (the newest; 2.20 needs Python 3.12+)
# Each gets what the unit tests need at the pins of requirements.txt.
# Usage: scripts/venvs.sh            create the venvs if missing
#        scripts/venvs.sh test       create them, then run the unit tests in each
#        scripts/venvs.sh test ARGS  ... passing ARGS to pytest (default: tests/unit but VERSION_NEUTRAL)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

say() { printf '\033[1m[venvs]\033[0m %s\n' "$*"; }

# The unit tests these versions skip, because ansible-core takes no part in them (each still runs in make unit, on the
# main venv's ansible-core): the emulator's own tests (the emulator runs in the main venv only), the table of AWS's
# rules (pure Python over a table), and the suites that replay one module path under many AWS answers (ownership walks,
# eventual consistency with scripted clients, the data tier's rule cases). Every module's own tests, the plugins'
# (inventory, filters, action plugins) and the roles' still run on each version.
VERSION_NEUTRAL=(
  tests/unit/test_emulator.py tests/unit/test_emulator_consistency.py tests/unit/test_emulator_lifecycle.py
  tests/unit/test_aws_rules.py tests/unit/plugins/modules/test_ownership_ec2.py
  tests/unit/plugins/modules/test_ownership_walk_modules.py tests/unit/plugins/modules/test_data_tier_aws_rules.py
  tests/unit/plugins/modules/test_ec2_eventual_consistency.py tests/unit/plugins/modules/test_data_tier_eventual_consistency.py
)

# name  ansible-core spec  python
VENVS=(
  "core217 ansible-core==2.17.14 3.11"
  "core220 ansible-core==2.20.10 3.12"
)

# Same pins as requirements-dev.txt for what the unit tests import (the name as written there, e.g. moto[server]).
pin() { grep -hF "$1==" requirements.txt requirements-dev.txt | head -1; }

find_python() {  # $1 = major.minor
  local want=$1 py
  # A pyenv shim answers to python3.12 even when it cannot run it: try each candidate.
  if command -v "python$want" >/dev/null && "python$want" -c 'import venv' >/dev/null 2>&1; then
    command -v "python$want"; return
  fi
  if command -v pyenv >/dev/null; then
    local root dir found=
    root=$(pyenv root)
    for dir in "$root/versions/$want".*; do  # 3.12.1, 3.12.4, ...: the newest patch release
      case ${dir##*/} in "$want".[0-9]*) ;; *) continue ;; esac
      if [ -x "$dir/bin/python3" ]; then found=$dir/bin/python3; fi
    done
    if [ -n "${found:-}" ]; then echo "$found"; return; fi
  fi
  return 1
}

make_venv() {  # name core python
  local name=$1 core=$2 pyver=$3 dir=$ROOT/.venvs/$1
  local stamp=$dir/.requirements
  local -a want
  want=("$core" "$(pin boto3)" "$(pin botocore)" "$(pin 'moto[server]')" "$(pin pytest)" "$(pin pytest-xdist)")
  if [ -x "$dir/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "${want[*]}" ]; then
    return 0
  fi
  local py
  if ! py=$(find_python "$pyver"); then
    echo "venvs: no Python $pyver found (tried python$pyver on PATH and pyenv); install it (e.g. pyenv install $pyver)" >&2
    exit 1
  fi
  say "creating .venvs/$name: $core on $("$py" --version 2>&1)"
  [ -x "$dir/bin/python" ] || "$py" -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check "${want[@]}"
  echo "${want[*]}" > "$stamp"
}

for spec in "${VENVS[@]}"; do
  # shellcheck disable=SC2086
  make_venv $spec
done

if [ "${1:-}" = test ]; then
  shift
  args=("$@")
  if [ ${#args[@]} -eq 0 ]; then
    args=(tests/unit)
    for path in "${VERSION_NEUTRAL[@]}"; do args+=("--ignore=$path"); done
  fi
  # The collection as these ansible-core versions see it.
  mkdir -p .collections/ansible_collections/seed
  [ "$(readlink .collections/ansible_collections/seed/laravel_aws 2>/dev/null)" = "$ROOT" ] ||
    ln -sfn "$ROOT" .collections/ansible_collections/seed/laravel_aws
  rc=0
  for spec in "${VENVS[@]}"; do
    name=${spec%% *}
    say "$name: $(.venvs/"$name"/bin/ansible --version 2>/dev/null | sed -n 1p)"  # sed reads it all: no broken pipe
    ANSIBLE_COLLECTIONS_PATH=$ROOT/.collections ANSIBLE_CONFIG=$ROOT/ansible.cfg \
      PATH=$ROOT/.venvs/$name/bin:$PATH \
      .venvs/"$name"/bin/python -m pytest -q -n auto -p no:cacheprovider "${args[@]}" || rc=1
  done
  exit $rc
fi
