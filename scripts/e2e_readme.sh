#!/usr/bin/env bash
# The README's steps for a user on AWS, followed as written, against the demo's emulator instead of an account:
#   1. a fresh venv with ansible-core and the collection's requirements.txt, nothing of requirements-dev.txt;
#   2. the built tarball installed with ansible-galaxy (README "Install"), its requirements.txt with pip;
#   3. the shipped examples copied and filled in (README "Your inventory and your vars file"): the stack's name
#      in ec2.yml, the demo's values in my-stack.yml (the Git URL, the admin address, the key, the certificate);
#   4. `ansible-playbook -i my-inventory seed.laravel_aws.site -e @my-stack.yml` (README "Run it") on a cold
#      stack: the preflight's cost estimate is printed, the run ends without a failure, and the app answers
#      through the load balancer on every web host;
#   5. `seed.laravel_aws.status` lists the stack's resources with their cost; `seed.laravel_aws.teardown`
#      (README "Status and teardown") removes it: nothing of the stack is left.
# The commands are taken from the README's code blocks, so a README that changes them changes this run.
# Usage: scripts/e2e_readme.sh [up|down]: both by default; `up` is steps 1-4 and leaves the stack running, `down` is
# step 5 on it. make e2e runs `up` with DB_TIER=rds CACHE_TIER=redis as its managed data tier's cold stack (step 9 of
# scripts/e2e.sh), checks that stack, then runs `down`: one cold stack for both. SEED_README_VERBOSITY=3 runs the
# README's site command with ANSIBLE_VERBOSITY=3 (the command as written; the verbosity is the environment's).
# What differs from an account: the demo's environment (AWS_ENDPOINT_URL, dummy credentials, the ssh settings
# and guard, the database password), and, Galaxy being unreachable here, the dependencies' tarballs installed
# first with --offline (from the copies in the dev venv's `ansible` package, as docs/installation.md describes).
# shellcheck disable=SC2046  # $(... alb_check_args): the demo's certificate arguments, words split on purpose
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEMO=$ROOT/.cache/demo
W=$ROOT/.cache/readme
README_START=$(date +%s)
say() { echo "e2e-readme: [$(( $(date +%s) - README_START )) s] $*"; }
show() { while IFS= read -r line; do printf '    %s\n' "$line"; done <<<"$1"; }
fail() { echo "e2e-readme: FAILED: $*" >&2; exit 1; }
phase=${1:-all}
case $phase in all|up|down) ;; *) echo "usage: $0 [up|down]" >&2; exit 2 ;; esac

if [ "$phase" != down ]; then
  bash scripts/demo.sh clean >/dev/null
  bash scripts/demo.sh prepare
  rm -rf "$W"
  mkdir -p "$W/home" "$W/dist" "$W/work"
else
  [ -d "$W/work/my-inventory" ] || fail "down: no stack of the README's steps here (scripts/e2e_readme.sh up first)"
fi
version=$(.venv/bin/python -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["version"])')

# The README's commands, by section (its ```sh blocks), as lines
readme_block() {  # readme_block "SECTION TITLE" [N]: the Nth sh block (default 1) under that ## heading
  .venv/bin/python - "$1" "${2:-1}" <<'PY'
import re, sys
text = open('README.md').read()
title, n = sys.argv[1], int(sys.argv[2])
section = re.split(r'^## ', text, flags=re.M)
body = next(s for s in section if s.startswith(title))
blocks = re.findall(r'^```sh\n(.*?)^```', body, re.S | re.M)
print(blocks[n - 1], end='')
PY
}
install=$(readme_block 'Install')
copy=$(readme_block 'Your inventory and your vars file')
run=$(readme_block 'Run it')
status_teardown=$(readme_block 'Status and teardown')
grep -q 'ansible-galaxy collection install seed-laravel_aws-<version>.tar.gz' <<<"$install" || fail "README's Install has no tarball install"
grep -q 'seed.laravel_aws.site' <<<"$run" || fail "README's Run it does not run seed.laravel_aws.site"

# The user's shell: the demo's environment (the endpoint, credentials, ssh settings, secrets), then the fresh venv
# first on PATH, HOME of its own (~/.ansible/collections), no ansible.cfg of the repository and no collection of it.
# The install steps run in this machine's own environment (its proxy reaches PyPI); the playbooks in the demo's
# (whose HTTP proxy reaches the instances' addresses and nothing else).
user_sh() {
  ( set -euo pipefail
    # shellcheck disable=SC1091
    [ -n "${INSTALLING:-}" ] || . "$DEMO/env.sh"
    export HOME="$W/home" PATH="$W/venv/bin:$DEMO/bin:/usr/local/bin:/usr/bin:/bin"
    unset ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS VIRTUAL_ENV PYTHONPATH
    export ANSIBLE_NOCOLOR=1
    cd "$W/work"
    eval "$1" )
}
endpoint() { sed -nE 's/^export AWS_ENDPOINT_URL="?([^"]*)"?$/\1/p' "$DEMO/env.sh"; }

if [ "$phase" != down ]; then  # up: steps 1 to 4 (not indented: its here-documents end at the line's start)
.venv/bin/ansible-galaxy collection build --force --output-path "$W/dist" . >/dev/null
deps=()
for dep in $(.venv/bin/python -c 'import yaml; print(" ".join(yaml.safe_load(open("galaxy.yml"))["dependencies"]))'); do
  deps+=("$(.venv/bin/python scripts/collection_artifact.py "$dep" "$W/dist")")
done
cp "$W/dist/seed-laravel_aws-$version.tar.gz" "$W/work/"

say "a fresh venv: ansible-core and the collection's requirements.txt only"
python3 -m venv "$W/venv"
"$W/venv/bin/pip" install -q --disable-pip-version-check ansible-core >"$W/pip.log" 2>&1 || { tail -20 "$W/pip.log"; fail "pip install ansible-core"; }

say "the dependencies' tarballs, offline (Galaxy is unreachable here)"
INSTALLING=1 user_sh "ansible-galaxy collection install --offline ${deps[*]}" >"$W/galaxy-deps.log" 2>&1 || { cat "$W/galaxy-deps.log"; fail "dependencies"; }
say "README, Install:"; show "$install"
INSTALLING=1 user_sh "${install//<version>/$version}" >"$W/install.log" 2>&1 || { tail -30 "$W/install.log"; fail "README's Install"; }
user_sh 'ansible-galaxy collection list seed.laravel_aws' | grep -q "seed.laravel_aws *$version" || fail "the collection is not installed in ~/.ansible"
say "README, Your inventory and your vars file:"; show "$copy"
user_sh "$copy" || fail "README's copy of the examples"
# Filled in, as a user fills in the copies: the stack's name, and the values of the demo's vars file.
sed -i -E 's/^stack: [a-z0-9-]+/stack: demo/' "$W/work/my-inventory/ec2.yml"
.venv/bin/python - "$W/work/my-stack.yml" "$DEMO/vars.yml" <<'PY'
import sys, yaml
mine = yaml.safe_load(open(sys.argv[1])) or {}
mine.update(yaml.safe_load(open(sys.argv[2])) or {})
open(sys.argv[1], 'w').write('---\n' + yaml.safe_dump(mine, default_flow_style=False, sort_keys=False))
PY

say "README, Run it (a cold stack):"; show "$run"
# The export lines are the user's credentials and password: the demo's environment holds them here.
run_cmd=$(grep -v '^export ' <<<"$run")
start=$(date +%s)
ANSIBLE_VERBOSITY=${SEED_README_VERBOSITY:-0} user_sh "$run_cmd" >"$W/site.log" 2>&1 || { grep -E -A12 '^(fatal|failed):|^\[ERROR\]' "$W/site.log" | tail -40; fail "README's site run (log: $W/site.log)"; }
say "site took $(( $(date +%s) - start )) s"
grep -q 'What the stack will cost' "$W/site.log" || fail "no cost estimate in the preflight's output"
sed -n '/What the stack will cost/,/^$/p' "$W/site.log" | head -30
sed -n '/PLAY RECAP/,$p' "$W/site.log" | grep -E 'failed=[1-9]|unreachable=[1-9]' && fail "a host failed"
AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing .venv/bin/python scripts/alb_check.py \
  --state "$DEMO/dataplane/load_balancers.json" $(bash -c '. scripts/demo.sh && alb_check_args') \
  --endpoint-url "$(endpoint)" --hosts 2 \
  || fail "the app does not answer through the load balancer"
say "the README's steps, from a fresh venv and the tarball, made the stack and it serves the app"
fi
[ "$phase" != up ] || exit 0

# down: step 5
say "README, Status and teardown:"; show "$status_teardown"
user_sh "$status_teardown" >"$W/status-teardown.log" 2>&1 || { tail -40 "$W/status-teardown.log"; fail "README's status and teardown"; }
grep -q 'demo-alb' "$W/status-teardown.log" || fail "status did not list the load balancer"
left=$(AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing .venv/bin/python scripts/stack_left.py \
  --endpoint-url "$(endpoint)" demo) \
  || fail "the README's teardown left: $left"
bash scripts/demo.sh clean >/dev/null
say "the README's status listed the stack and its teardown removed it${left:+ ($(tr '\n' ' ' <<<"$left"))}"
