#!/usr/bin/env bash
# `make demo`: the main job, end to end, on the embedded default.
# The emulator on 127.0.0.1 stands in for AWS; systemd containers stand in for the instances.
# playbooks/site.yml provisions the network, the key pair and the instances, finds the hosts
# with the inventory plugin, configures PostgreSQL, Apache, PHP and Composer, and deploys the
# sample Laravel app; then the summary fetches / from every web host. A second `make demo`
# (the emulator still holding the stack) reruns site.yml and fails unless it changed nothing.
# SEED_DEMO_VERBOSITY=-vvv makes the first run's log verbose.
# `scripts/demo.sh clean` (make demo-clean): teardown.yml, then the containers and the emulator,
# and a check that nothing of the stack is left.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${SEED_EMULATOR_PORT:-5000}
if [ "$PORT" != 5000 ]; then
  echo "demo: inventory/local/demo.ec2.yml expects the emulator on port 5000" >&2; exit 1
fi
export SEED_ENDPOINT_URL=http://127.0.0.1:$PORT
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-testing} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-testing}
export ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1
log=.cache/demo
mkdir -p "$log"

play() {  # play NAME PLAYBOOK [ARGS]: output to .cache/demo/NAME.log, one line per play and task on screen
  local name=$1 playbook=$2; shift 2
  echo "== $playbook ($name); full log: $log/$name.log"
  set +e
  ansible-playbook -i inventory/local "playbooks/$playbook" "$@" 2>&1 | tee "$log/$name.log" \
    | grep --line-buffered -E '^(PLAY|TASK) \[' | sed -u -E 's/^PLAY \[(.*)\] \**$/  phase: \1/; s/^TASK \[(.*)\] \**$/    \1/'
  local rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" != 0 ]; then
    local phase
    phase=$(grep -E '^PLAY \[' "$log/$name.log" | tail -1 | sed -E 's/^PLAY \[(.*)\] \**$/\1/')
    echo >&2
    grep -E -A12 '^(fatal|failed):|^\[ERROR\]' "$log/$name.log" | tail -40 >&2 || tail -40 "$log/$name.log" >&2
    echo "demo: $playbook failed in phase '$phase' (exit $rc); the whole output is in $log/$name.log" >&2
    case $phase in
      Provision*) echo "demo: look at the emulator: bash scripts/emulator.sh status; .cache/emulator/emulator.log" >&2 ;;
      Stand-in*|Wait*) echo "demo: look at Docker: docker ps -a --filter label=seed.stack=demo" >&2 ;;
      *) echo "demo: look at the host: docker exec -it <host> journalctl -xe" >&2 ;;
    esac
    exit 1
  fi
  [ -n "${SEED_DEMO_QUIET:-}" ] || sed -n '/PLAY RECAP/,$p' "$log/$name.log"
}

if [ "${1:-}" = clean ]; then
  if bash scripts/emulator.sh status >/dev/null 2>&1; then
    play teardown teardown.yml -e confirm=yes
    if ! left=$(.venv/bin/python scripts/stack_left.py --endpoint-url "$SEED_ENDPOINT_URL" demo); then
      echo "demo-clean: still tagged Stack=demo in the emulator:" >&2; echo "$left" >&2; exit 1
    fi
    echo "demo-clean: nothing tagged Stack=demo is left in the emulator"
  fi
  docker ps -aq --filter label=seed.stack=demo | xargs -r docker rm -f >/dev/null
  docker network rm seed-demo >/dev/null 2>&1 || true
  bash scripts/emulator.sh stop
  rm -f "$log/done"
  echo "demo-clean: no demo container, no emulator"
  exit 0
fi

# A rerun is a `make demo` while the emulator still holds the stack of a finished run.
if bash scripts/emulator.sh status >/dev/null 2>&1 && [ -f "$log/done" ]; then rerun=1; else rerun=0; fi
rm -f "$log/done"
bash scripts/emulator.sh start
bash scripts/app-repo.sh >/dev/null

summary() {
  echo "== what was made"
  sed -n '/^ *provision_summary:$/,/^$/p' "$log/$1.log" | sed '1d;/^$/d' || true
  SEED_DEMO_QUIET=1 play summary summary.yml
  echo "== hosts, and what each web host answers"
  sed -n '/^ *msg:$/,/^$/p' "$log/summary.log" | sed '1d;/^$/d' || true
}

if [ "$rerun" = 0 ]; then
  # SEED_DEMO_VERBOSITY=-vvv: the log then shows every module's arguments and results (make test
  # checks that no secret is among them: scripts/check_demo_secrets.py).
  play site site.yml ${SEED_DEMO_VERBOSITY:+"$SEED_DEMO_VERBOSITY"}
  summary site
  touch "$log/done"
  echo "demo: done. 'make demo' again reruns everything and must change nothing; 'make demo-clean' removes it all."
  exit 0
fi

echo "demo: the stack exists in the emulator; rerunning site.yml, which must change nothing"
play rerun site.yml
if sed -n '/PLAY RECAP/,$p' "$log/rerun.log" | grep -qE 'changed=[1-9]'; then
  grep -B3 -E '^changed:' "$log/rerun.log" | grep -E '^TASK|^changed' >&2 || true
  echo "demo: the rerun changed something; it should not (see $log/rerun.log)" >&2
  exit 1
fi
summary rerun
touch "$log/done"
echo "demo: the rerun changed nothing (changed=0 on every host)."
echo "demo: the emulator and the containers keep running; 'make demo-clean' removes them."
