#!/usr/bin/env bash
# make test (what .ci/run runs): every stage, each saying how long it took.
#
# Two chains side by side. The Docker stages keep the machine's two cores only part of the time busy (measured with
# make e2e alone: 60 % on average, waiting the rest on the containers' apt, the load balancer's health checks, the
# probes and the scheduler's minutes); the stages without Docker are pure CPU and can use the rest:
#   - the Docker chain, at normal priority: Docker and the base images (on a bare machine the engine and debootstrap,
#     mostly the Debian mirror's time), then Molecule while the execution environment's image is built (ansible-builder,
#     mostly PyPI's time), then e2e. Its timings (health windows, probes every 50 ms) are the ones that matter.
#   - the chain without Docker (yamllint, ansible-lint, changelog-lint, sanity, unit, versions, integration) at a lower
#     CPU priority (nice 10: about a tenth of the CPU while the Docker chain wants all of it, never starved for long,
#     so the integration stage's emulators still answer within their clients' timeouts), all of it while the images
#     are made.
# The first failure stops the chain it is in; the other chain stops before its next stage, or at once if it is the
# chain without Docker (a running e2e finishes, so its demo is cleaned). The chain without Docker writes into a log
# shown at the end. The image is built in a folder of its own (the packaging tests make theirs in a temporary folder);
# e2e's make ee finds it current (the same inputs: scripts/ee.sh) and does not build it again. CI has 90 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache
start=$(date +%s)
failed=.cache/test-failed        # the first stage that failed, in either chain
rm -f "$failed"
stage() {  # stage TARGET: make TARGET, then its time (also when it fails, and then it is recorded: its status is returned)
  local t rc=0
  t=$(date +%s)
  make --no-print-directory "$1" || rc=$?
  echo "make test: $1 took $(( $(date +%s) - t )) s (make test so far: $(( $(date +%s) - start )) s)"
  [ "$rc" = 0 ] || echo "$1" >> "$failed"
  return "$rc"
}
stopped() { [ -s "$failed" ]; }
export -f stage stopped
export start failed

stage python

nodocker_log=.cache/test-no-docker.log
# its own session, so that it can be stopped with everything it started
# shellcheck disable=SC2016  # expanded by the bash it starts
setsid nice -n 10 bash -c '
  set -u
  for target in yamllint ansible-lint changelog-lint sanity unit versions integration; do
    stopped && exit 1
    stage "$target" || exit 1
  done' > "$nodocker_log" 2>&1 < /dev/null &
nodocker_pid=$!
stop_nodocker() { kill -- "-$nodocker_pid" 2>/dev/null || kill "$nodocker_pid" 2>/dev/null || true; }
trap 'stop_nodocker; kill "${bg_pid:-}" 2>/dev/null || true' EXIT

images_log=.cache/test-docker-images.log
t=$(date +%s)
docker_rc=0
if make --no-print-directory docker images > "$images_log" 2>&1; then
  echo "make test: Docker and the base images took $(( $(date +%s) - t )) s (make test so far: $(( $(date +%s) - start )) s)"
else
  cat "$images_log"; echo "make test: Docker or the base images failed (make docker images; log above)" >&2
  echo images >> "$failed"; docker_rc=1
fi

if [ "$docker_rc" = 0 ]; then
  ee_log=.cache/test-ee-image.log
  SEED_EE_DIR=$PWD/build/ee-prebuilt make --no-print-directory ee > "$ee_log" 2>&1 &
  bg_pid=$!
  stopped || stage molecule || docker_rc=1
  ee_rc=0
  wait "$bg_pid" || ee_rc=$?
  bg_pid=
  if [ "$ee_rc" != 0 ]; then
    cat "$ee_log"; echo "make test: the execution environment's image failed (make ee; log above)" >&2
    echo ee >> "$failed"; docker_rc=1
  fi
fi
if [ "$docker_rc" = 0 ] && ! stopped; then
  stage e2e || docker_rc=1
fi

nodocker_rc=0
if [ "$docker_rc" = 0 ]; then
  wait "$nodocker_pid" || nodocker_rc=$?
else
  stop_nodocker
  wait "$nodocker_pid" 2>/dev/null || nodocker_rc=$?
fi
trap - EXIT
echo "== the stages without Docker (at nice 10, beside the Docker stages; $nodocker_log):"
cat "$nodocker_log"
if stopped; then
  echo "make test: failed: $(paste -sd' ' "$failed") (make test so far: $(( $(date +%s) - start )) s)" >&2
  exit 1
fi
[ "$nodocker_rc" = 0 ] || { echo "make test: the stages without Docker failed" >&2; exit 1; }
echo "make test: all stages passed in $(( $(date +%s) - start )) s"
