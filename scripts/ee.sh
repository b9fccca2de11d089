#!/usr/bin/env bash
# The execution environment, as a user of the collection builds it (docs/execution-environment.md):
# `ansible-builder build` in a folder holding only the collection's tarball, its dependencies'
# tarballs and the files the tarball ships for it; playbooks run in the image with ansible-navigator
# and the shipped ansible-navigator.yml (the way AWX / Automation Controller runs jobs).
#
#   scripts/ee.sh prepare            build/ee/, made anew: the collection's tarball (ansible-galaxy
#                                    collection build), its dependencies' tarballs (from the venv's
#                                    `ansible` package: Galaxy is unreachable here), and, taken out of
#                                    the tarball, docs/execution-environment/execution-environment.yml
#                                    and ansible-navigator.yml; ca-bundle.crt when pip uses one
#   scripts/ee.sh create             prepare + `ansible-builder create` in build/ee (build/ee/context; no Docker)
#   scripts/ee.sh build              prepare + `ansible-builder build` in build/ee -> seed/laravel-aws-ee:latest,
#                                    on the local Debian image (the build arguments the doc gives for it);
#                                    skipped when the image was built from the same inputs (inputs_digest)
#   scripts/ee.sh run [options] -- <ansible-navigator run args>
#                                    ansible-navigator run in the image, with build/ee/ansible-navigator.yml
#   scripts/ee.sh exec [options] -- <command>
#                                    a command in the image (ansible-doc, pip list ...)
# run/exec options:
#   --env-file FILE   lines of `export K=V`: each K is passed into the container
#                     (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
#                     ANSIBLE_SSH_ARGS, ...); values never appear on a command line. Not
#                     passed: PATH, HOME, VIRTUAL_ENV, PYTHONPATH, ANSIBLE_COLLECTIONS_PATH(S)
#                     (the shipped settings pin the image's collections)
#   --mount DIR       DIR mounted at the same absolute path (e.g. .cache/demo with the ssh
#                     config and keys); may be given more than once
# The container shares the host's network (--network host), so an emulator on 127.0.0.1
# answers, and runs as the calling user, so mounted keys (0600) stay readable.
# Environment: SEED_EE_IMAGE (seed/laravel-aws-ee:latest, the name the shipped files use),
# SEED_EE_BASE_IMAGE (seed/debian:bookworm), SEED_EE_DIR (build/ee).
set -euo pipefail
CALLER=$PWD   # run/exec work from the caller's directory (ansible-navigator mounts it)
cd "$(dirname "$0")/.."
ROOT=$PWD
IMAGE=${SEED_EE_IMAGE:-seed/laravel-aws-ee:latest}
BASE=${SEED_EE_BASE_IMAGE:-seed/debian:bookworm}
EE_DIR=${SEED_EE_DIR:-$ROOT/build/ee}
RUN_DIR=$ROOT/build/ee-run   # ansible-navigator's log: outside the build folder
VENV=$ROOT/.venv
SHIPPED=docs/execution-environment   # in the tarball
[ -x "$VENV/bin/ansible-builder" ] && export PATH=$VENV/bin:$PATH

say() { printf '\033[1m[ee]\033[0m %s\n' "$*" >&2; }
die() { echo "ee: $*" >&2; exit 1; }

prepare() {
  case $EE_DIR in /|"$ROOT"|"$ROOT"/) die "SEED_EE_DIR=$EE_DIR: it is emptied first, name a folder of its own" ;; esac
  command -v ansible-galaxy >/dev/null || die "ansible-galaxy not found: run make python"
  rm -rf "$EE_DIR"
  mkdir -p "$EE_DIR"
  ansible-galaxy collection build --force --output-path "$EE_DIR" "$ROOT" >/dev/null
  local tarball
  tarball=$(cd "$EE_DIR" && echo seed-laravel_aws-*.tar.gz)
  [ -f "$EE_DIR/$tarball" ] || die "ansible-galaxy collection build wrote no seed-laravel_aws-*.tar.gz"
  # The dependencies of galaxy.yml, from the copies the venv's `ansible` package carries.
  for dep in $("$VENV/bin/python" -c 'import yaml; print(" ".join(yaml.safe_load(open("galaxy.yml"))["dependencies"]))'); do
    "$VENV/bin/python" scripts/collection_artifact.py "$dep" "$EE_DIR" >/dev/null 2>&1 \
      || die "no artifact of $dep (scripts/collection_artifact.py $dep)"
  done
  # The documented files, from the tarball (what a user has), not from the checkout.
  tar -xzf "$EE_DIR/$tarball" -C "$EE_DIR" --strip-components=2 \
    "$SHIPPED/execution-environment.yml" "$SHIPPED/ansible-navigator.yml" \
    || die "$tarball does not ship $SHIPPED/execution-environment.yml and ansible-navigator.yml"
  # A network that inspects TLS needs its CA in the build to reach PyPI (the optional ca-bundle.crt of
  # the doc: trusted while building, out of the image's store at the end).
  for ca in "${PIP_CERT:-}" "${SSL_CERT_FILE:-}" "${REQUESTS_CA_BUNDLE:-}"; do
    if [ -n "$ca" ] && [ -s "$ca" ]; then cp "$ca" "$EE_DIR/ca-bundle.crt"; break; fi
  done
  say "prepared $EE_DIR: $(cd "$EE_DIR" && echo *)"
}

# The build arguments docs/execution-environment.md gives for a Debian base image.
DEBIAN_ARGS=(--build-arg "EE_BASE_IMAGE=$BASE" --build-arg PKGMGR=/usr/bin/apt-get
             --build-arg PYCMD=/usr/bin/python3 --build-arg PYPKG=python3)

create() {
  prepare
  cd "$EE_DIR"
  ansible-builder create --output-filename Dockerfile -v 1 >&2
  say "wrote $EE_DIR/context/Dockerfile"
}

# What the image is made of: each tarball's MANIFEST.json (a tarball's own bytes change with every build, its
# manifest only with its files), the definition, the navigator settings, the CA bundle, the base image and the build
# arguments. An image labelled with the same digest is current: build skips it (SEED_EE_REBUILD=1 builds anyway).
inputs_digest() {
  local f
  {
    for f in "$EE_DIR"/*.tar.gz; do echo "${f##*/}"; tar -xzOf "$f" MANIFEST.json; done
    for f in execution-environment.yml ansible-navigator.yml ca-bundle.crt; do
      [ -f "$EE_DIR/$f" ] && { echo "$f"; cat "$EE_DIR/$f"; }
    done
    docker image inspect -f '{{.Id}}' "$BASE"
    echo "${DEBIAN_ARGS[*]}"
  } | sha256sum | cut -c1-32
}

build() {
  docker info >/dev/null 2>&1 || die "docker is not running (make docker)"
  docker image inspect "$BASE" >/dev/null 2>&1 || die "base image $BASE is missing (make images)"
  prepare
  local digest
  digest=$(inputs_digest)
  if [ "${SEED_EE_REBUILD:-}" != 1 ] \
     && [ "$(docker image inspect -f '{{ index .Config.Labels "seed.ee-inputs" }}' "$IMAGE" 2>/dev/null)" = "$digest" ]; then
    say "$IMAGE is current (built from these same tarballs and files: label seed.ee-inputs=$digest); not built again"
    return
  fi
  cd "$EE_DIR"
  local start end size
  start=$(date +%s)
  say "in $EE_DIR: ansible-builder build -t $IMAGE --container-runtime docker ${DEBIAN_ARGS[*]}"
  ansible-builder build -t "$IMAGE" --container-runtime docker "${DEBIAN_ARGS[@]}" \
    --extra-build-cli-args="--label seed.ee-inputs=$digest" -v 2 >&2
  end=$(date +%s)
  size=$(docker image inspect "$IMAGE" --format '{{.Size}}')
  say "built $IMAGE from $BASE in $((end - start)) s; image size $((size / 1000000)) MB"
}

# ansible-navigator's options for the demo, beside the shipped settings (build/ee/ansible-navigator.yml).
navigator_args() {
  [ -r "$EE_DIR/ansible-navigator.yml" ] || die "no $EE_DIR/ansible-navigator.yml: run scripts/ee.sh build first"
  export ANSIBLE_NAVIGATOR_CONFIG=$EE_DIR/ansible-navigator.yml
  mkdir -p "$RUN_DIR"
  NAV=(--lf "$RUN_DIR/navigator.log" --ce docker "--co=--network=host" "--co=--user=$(id -u):$(id -g)")
  [ -z "${SEED_EE_IMAGE:-}" ] || NAV+=(--eei "$IMAGE")
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
  cd "$CALLER"
  say "ansible-navigator run ${REST[*]} (settings: $ANSIBLE_NAVIGATOR_CONFIG)"
  if [ -t 1 ]; then
    exec ansible-navigator run "${REST[@]}" "${NAV[@]}"
  fi
  # Not a terminal (a log, CI): drop ansible-runner's event markers, which a terminal
  # erases as it prints them (ESC[K, a base64 event id, ESC[<n>D).
  ansible-navigator run "${REST[@]}" "${NAV[@]}" |
    sed -u -E $'s/\x1b\\[K[A-Za-z0-9+/=]*\x1b\\[[0-9]+D//g; s/\x1b\\[K//g'
}

exec_() {
  navigator_args "$@"
  [ ${#REST[@]} -gt 0 ] || die "usage: scripts/ee.sh exec [--env-file F] [--mount DIR] -- COMMAND [args]"
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
