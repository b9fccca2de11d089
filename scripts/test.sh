#!/usr/bin/env bash
# make test (what .ci/run runs): every stage, in order, each saying how long it took; the first that fails stops it.
# On a bare machine, Docker, the base images (debootstrap: mostly the Debian mirror's time, not this machine's) and the
# execution environment's image (ansible-builder: mostly PyPI's time) are made in the background while the stages that
# need no Docker run (lint, sanity, unit, versions, integration); Molecule and e2e wait for them. The image is built
# in a folder of its own (the integration stage's packaging tests write build/ee); e2e's make ee finds it current (the
# same inputs: scripts/ee.sh) and does not build it again. CI has 90 minutes for all of it; make test stays well inside.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache
start=$(date +%s)
stage() {  # stage TARGET: make TARGET, then its time (also when it fails: its status is returned)
  local t rc=0
  t=$(date +%s)
  make --no-print-directory "$1" || rc=$?
  echo "make test: $1 took $(( $(date +%s) - t )) s (make test so far: $(( $(date +%s) - start )) s)"
  return "$rc"
}

stage python
docker_log=.cache/test-docker-images.log
( make --no-print-directory docker images && SEED_EE_DIR=$PWD/build/ee-prebuilt make --no-print-directory ee ) > "$docker_log" 2>&1 &
docker_pid=$!
trap 'kill "$docker_pid" 2>/dev/null || true' EXIT
for target in yamllint ansible-lint changelog-lint sanity unit versions integration; do
  stage "$target"
done
t=$(date +%s)
docker_rc=0
wait "$docker_pid" || docker_rc=$?
trap - EXIT
cat "$docker_log"
[ "$docker_rc" = 0 ] || { echo "make test: Docker, the base images or the execution environment failed (make docker images ee; log above)" >&2; exit 1; }
echo "make test: Docker and the images ready (waited $(( $(date +%s) - t )) s for them after the stages without Docker)"
for target in molecule e2e; do
  stage "$target"
done
echo "make test: all stages passed in $(( $(date +%s) - start )) s"
