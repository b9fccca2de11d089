#!/usr/bin/env bash
# The ansible-core versions the collection claims (meta/runtime.yml requires_ansible),
# each in its own venv under .venvs/<name>, made on first use and skipped after:
#   core217  ansible-core 2.17.x on Python 3.11  (the lowest version claimed)
#   core220  ansible-core 2.20.x on Python 3.12  (the newest; 2.20 needs Python 3.12+)
# Each gets what the unit tests need at the pins of requirements.txt.
# Usage: scripts/venvs.sh            create the venvs if missing
#        scripts/venvs.sh test       create them, then run the unit tests in each
#        scripts/venvs.sh test ARGS  ... passing ARGS to pytest (default: CORE_SURFACE below)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

say() { printf '\033[1m[venvs]\033[0m %s\n' "$*"; }

# What these versions run of the unit tests: what ansible-core takes part in (everything still runs in make unit, on the
# main venv's ansible-core 2.19):
#   - the plugins (the inventory plugin, the filters, the action plugin) and module_utils (AnsibleModule's side of the
#     runner, retries, waiters, tags and diff);
#   - the roles and the playbooks (ansible-playbook runs: templating, conditionals, includes, argument specs);
#   - the modules through AnsibleModule: every option and alias of every module through ansible-core's argument spec,
#     run against moto (test_aliases), the refusals before any mutating call (fail_json), the contract walks and the
#     modules whose tests exercise check mode, diff and no_log across the runner.
# Not run here: each module's AWS behaviour against moto (botocore's and moto's, the same whatever ansible-core runs
# the module), the emulator's own tests (the emulator runs in the main venv only), the table of AWS's rules (pure
# Python), and the replays of one module path under many AWS answers. Those took about two thirds of each version's
# time, and nothing of ansible-core's changes between them.
CORE_SURFACE=(
  tests/unit/plugins/action tests/unit/plugins/filter tests/unit/plugins/inventory tests/unit/plugins/module_utils
  tests/unit/roles tests/unit/test_playbook_*.py tests/unit/test_ownership_walk.py tests/unit/test_cost.py
  tests/unit/test_docs_defaults.py
  tests/unit/plugins/modules/test_aliases.py tests/unit/plugins/modules/test_issue19.py
  tests/unit/plugins/modules/test_ctx_walk.py tests/unit/plugins/modules/test_stack_info.py
  tests/unit/plugins/modules/test_preflight_domain.py tests/unit/plugins/modules/test_key_pair.py
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
    args=("${CORE_SURFACE[@]}")
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
