#!/usr/bin/env bash
# The execution environment: build it with ansible-builder, run playbooks in it with
# ansible-navigator (the way AWX / Automation Controller runs jobs).
#
#   scripts/ee.sh prepare            build/ee/: the collection's tarball, its dependencies'
#                                    artifacts (from the venv's `ansible` package: Galaxy is
#                                    unreachable here), the host's CA bundle if pip uses one
#   scripts/ee.sh create             prepare + `ansible-builder create` (build/ee/context; no Docker)
#   scripts/ee.sh build              prepare + `ansible-builder build` -> seed/laravel-aws-ee:latest
#   scripts/ee.sh run [options] -- <ansible-playbook args>
#                                    ansible-navigator run ... --ee true --mode stdout in the image
#   scripts/ee.sh exec [options] -- <command>
#                                    a command in the image (ansible-doc, pip list ...)
# run/exec options:
#   --env-file FILE   lines of `export K=V`: each K is passed into the container
#                     (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
#                     ANSIBLE_SSH_ARGS, ...); values never appear on a command line. Not
#                     passed: PATH, HOME, VIRTUAL_ENV, PYTHONPATH, ANSIBLE_COLLECTIONS_PATH(S)
#   --mount DIR       DIR mounted at the same absolute path (e.g. .cache/demo with the ssh
#                     config and keys); may be given more than once
# The container shares the host's network (--network host), so an emulator on 127.0.0.1
# answers, and runs as the calling user, so mounted keys (0600) stay readable.
# The collections are the image's: ANSIBLE_COLLECTIONS_PATH points at them, whatever
# the project's ansible.cfg says (SEED_EE_COLLECTIONS_PATH overrides).
# Environment: SEED_EE_IMAGE (seed/laravel-aws-ee:latest), SEED_EE_BASE_IMAGE
# (seed/debian:bookworm), SEED_EE_DIR (build/ee).
set -euo pipefail
CALLER=$PWD   # run/exec work from the caller's directory (ansible-navigator mounts it)
cd "$(dirname "$0")/.."
ROOT=$PWD
IMAGE=${SEED_EE_IMAGE:-seed/laravel-aws-ee:latest}
BASE=${SEED_EE_BASE_IMAGE:-seed/debian:bookworm}
EE_DIR=${SEED_EE_DIR:-$ROOT/build/ee}
VENV=$ROOT/.venv
[ -x "$VENV/bin/ansible-builder" ] && export PATH=$VENV/bin:$PATH

say() { printf '\033[1m[ee]\033[0m %s\n' "$*" >&2; }
die() { echo "ee: $*" >&2; exit 1; }

prepare() {
  command -v ansible-galaxy >/dev/null || die "ansible-galaxy not found: run make python"
  rm -rf "$EE_DIR/collections" "$EE_DIR/certs"
  mkdir -p "$EE_DIR/collections" "$EE_DIR/certs" "$EE_DIR/tmp"
  rm -f "$EE_DIR"/tmp/*.tar.gz
  ansible-galaxy collection build --force --output-path "$EE_DIR/tmp" "$ROOT" >/dev/null
  mv "$EE_DIR"/tmp/seed-laravel_aws-*.tar.gz "$EE_DIR/collections/seed-laravel_aws.tar.gz"
  # The dependencies of galaxy.yml, from the copies the venv's `ansible` package carries.
  for dep in $("$VENV/bin/python" -c 'import yaml; print(" ".join(yaml.safe_load(open("galaxy.yml"))["dependencies"]))'); do
    art=$("$VENV/bin/python" scripts/collection_artifact.py "$dep" "$EE_DIR/tmp" 2>/dev/null)
    mv "$art" "$EE_DIR/collections/${dep/./-}.tar.gz"
  done
  rm -rf "$EE_DIR/tmp"
  # A network that inspects TLS needs its CA in the build to reach PyPI (removed from the
  # final image again: see execution-environment.yml).
  : > "$EE_DIR/certs/ca-bundle.crt"
  for ca in "${PIP_CERT:-}" "${SSL_CERT_FILE:-}" "${REQUESTS_CA_BUNDLE:-}"; do
    if [ -n "$ca" ] && [ -s "$ca" ]; then cp "$ca" "$EE_DIR/certs/ca-bundle.crt"; break; fi
  done
  say "prepared $EE_DIR: $(cd "$EE_DIR/collections" && echo *)"
}

create() {
  prepare
  rm -rf "$EE_DIR/context"
  ansible-builder create -f execution-environment.yml --context "$EE_DIR/context" --output-filename Dockerfile -v 1 >&2
  say "wrote $EE_DIR/context/Dockerfile"
}

build() {
  docker info >/dev/null 2>&1 || die "docker is not running (make docker)"
  docker image inspect "$BASE" >/dev/null 2>&1 || die "base image $BASE is missing (make images)"
  prepare
  rm -rf "$EE_DIR/context"
  local start end
  start=$(date +%s)
  ansible-builder build -f execution-environment.yml --context "$EE_DIR/context" \
    --container-runtime docker --tag "$IMAGE" --build-arg EE_BASE_IMAGE="$BASE" -v 2 >&2
  end=$(date +%s)
  local size
  size=$(docker image inspect "$IMAGE" --format '{{.Size}}')
  say "built $IMAGE from $BASE in $((end - start)) s; image size $((size / 1000000)) MB"
}

# ansible-navigator's options for the image, from run/exec's own options.
navigator_args() {
  NAV=(--ee true --eei "$IMAGE" --pull-policy never --mode stdout
       --lf "$EE_DIR/navigator.log" "--co=--network=host" "--co=--user=$(id -u):$(id -g)"
       --senv "ANSIBLE_COLLECTIONS_PATH=${SEED_EE_COLLECTIONS_PATH:-/usr/share/ansible/collections}"
       --senv "HOME=/tmp")
  while [ $# -gt 0 ]; do
    case $1 in
      --env-file)
        [ -r "${2:-}" ] || die "--env-file: cannot read ${2:-}"
        local keys
        keys=$(sed -nE 's/^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=.*/\2/p' "$2")
        set -a
        # shellcheck disable=SC1090
        . "$2"
        set +a
        for k in $keys; do
          case $k in
            # the host's own paths mean nothing in the image; the collections are the image's
            PATH|HOME|VIRTUAL_ENV|PYTHONPATH|ANSIBLE_COLLECTIONS_PATH|ANSIBLE_COLLECTIONS_PATHS)
              say "not passed into the image: $k" ;;
            *) NAV+=(--penv "$k") ;;
          esac
        done
        shift 2 ;;
      --mount)
        [ -d "${2:-}" ] || die "--mount: no directory ${2:-}"
        local dir
        dir=$(cd "$2" && pwd)
        # ansible-navigator mounts the working directory itself: mounting it twice fails
        [ "$dir" = "$(cd "$CALLER" && pwd)" ] || NAV+=(--eev "$dir:$dir")
        shift 2 ;;
      --) shift; REST=("$@"); return ;;
      *) die "unknown option $1 (options end with --)" ;;
    esac
  done
  REST=()
}

run() {
  navigator_args "$@"
  [ ${#REST[@]} -gt 0 ] || die "usage: scripts/ee.sh run [--env-file F] [--mount DIR] -- PLAYBOOK [ansible-playbook args]"
  mkdir -p "$EE_DIR"
  cd "$CALLER"
  if [ -t 1 ]; then
    exec ansible-navigator run "${REST[@]}" "${NAV[@]}" --pae false
  fi
  # Not a terminal (a log, CI): drop ansible-runner's event markers, which a terminal
  # erases as it prints them (ESC[K, a base64 event id, ESC[<n>D).
  ansible-navigator run "${REST[@]}" "${NAV[@]}" --pae false |
    sed -u -E $'s/\x1b\\[K[A-Za-z0-9+/=]*\x1b\\[[0-9]+D//g; s/\x1b\\[K//g'
}

exec_() {
  navigator_args "$@"
  [ ${#REST[@]} -gt 0 ] || die "usage: scripts/ee.sh exec [--env-file F] [--mount DIR] -- COMMAND [args]"
  mkdir -p "$EE_DIR"
  cd "$CALLER"
  exec ansible-navigator exec "${NAV[@]}" -- "${REST[@]}"
}

case ${1:-} in
  prepare) prepare ;;
  create) create ;;
  build) build ;;
  run) shift; run "$@" ;;
  exec) shift; exec_ "$@" ;;
  *) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 2 ;;
esac
