#!/usr/bin/env bash
# Make sure a Docker engine answers. On a bare Debian machine as root, install
# docker.io (and debootstrap for the base images) and start dockerd in the
# background; anywhere else, say what is missing and stop.
set -euo pipefail
say() { printf '\033[1m[docker]\033[0m %s\n' "$*"; }
LOG=${DOCKERD_LOG:-/var/log/seed-dockerd.log}

if docker info >/dev/null 2>&1; then
  say "engine is running"
  command -v debootstrap >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq debootstrap >/dev/null; } || true
  exit 0
fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "docker: no Docker engine answers 'docker info'. Start one (or run this as root on Debian, where it is installed and started for you)." >&2
  exit 1
fi

if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
  say "installing docker.io and debootstrap with apt"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null
fi

if ! pgrep -x dockerd >/dev/null; then
  say "starting dockerd in the background (log: $LOG)"
  nohup dockerd >"$LOG" 2>&1 &
fi
for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && { say "engine is running"; exit 0; }
  sleep 1
done
echo "docker: dockerd did not answer within 60 s; see $LOG" >&2
tail -20 "$LOG" >&2 || true
exit 1
