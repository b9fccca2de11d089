#!/usr/bin/env bash
# `make demo`: the main job, end to end, exactly as on AWS, against the embedded emulator.
#
# It runs what a user runs on an account -- ansible-playbook -i inventory/aws playbooks/site.yml --
# and differs only in
#   the environment (.cache/demo/env.sh, also printed by `make demo-env`): AWS_ENDPOINT_URL points
#     botocore at the emulator on 127.0.0.1, dummy credentials, ssh settings (a key, a known_hosts
#     and an ssh_config of the demo's own, the ssh guard), an HTTP proxy to the instances' public
#     addresses, and the database password (SEED_DB_PASSWORD);
#   one vars file (.cache/demo/vars.yml) with the values a user types: the app's Git URL, the
#     admin address, the key.
# The emulator's data plane runs each instance as a systemd container with sshd, reached over SSH:
# public hosts on 127.0.0.1, the db host only through the bastion. The app's repository is served
# by a git server container, as a user's Git host serves theirs.
#
#   scripts/demo.sh          first run: site.yml; next runs (the stack still there): site.yml again,
#                            which must change nothing
#   DB_TIER=rds CACHE_TIER=redis scripts/demo.sh
#                            the same with the managed data tier: RDS for PostgreSQL instead of the db
#                            host, and ElastiCache Redis for sessions and cache (make demo DB_TIER=rds
#                            CACHE_TIER=redis); the tiers are those of the stack, so change them only
#                            after make demo-clean
#   scripts/demo.sh env      the export lines of the demo's environment (make demo-env): the emulator's
#                            endpoint, the stack's region (the first of inventory/aws/ec2.yml's regions) ...
#   scripts/demo.sh clean    teardown.yml, then the emulator, its containers and the demo's files
#   scripts/demo.sh prepare  the emulator, the keys, the ssh settings, env.sh and vars.yml, and no playbook
# SEED_DEMO_VERBOSITY=-vvv makes the first run's log verbose.
# The files of the demo that hold a secret are 0600 from their creation (umask 077, mktemp), an older run's too.
# Sourced (tests/unit/test_demo_harness.py), it defines its functions and does nothing else.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
PORT=${SEED_EMULATOR_PORT:-5000}
PROXY_PORT=${SEED_PROXY_PORT:-5080}
DEMO=$ROOT/.cache/demo
DB_TIER=${DB_TIER:-instance}
WEB_COUNT=${WEB_COUNT:-2}   # web hosts (make bench-hosts measures 2, 4 and 8)
case $WEB_COUNT in ''|*[!0-9]*) echo "demo: WEB_COUNT is a number of web hosts (got $WEB_COUNT)" >&2; exit 2 ;; esac
CACHE_TIER=${CACHE_TIER:-none}
WEB_TIER=${WEB_TIER:-instances}  # instances (Ansible configures each web host) or asg (an Auto Scaling group)
# The demo's domain (its zone made in the emulator's Route 53, a certificate requested from ACM, alias records to the
# load balancer): DEMO_DOMAIN= (empty) for none, the load balancer then serves the demo's imported certificate under
# its own DNS name. DEMO_DOMAIN_ZONE: the hosted zone (default: the domain without its first label).
DEMO_DOMAIN=${DEMO_DOMAIN-shop.seed-demo.test}
DEMO_DOMAIN_ZONE=${DEMO_DOMAIN_ZONE:-${DEMO_DOMAIN#*.}}
for name in "$DEMO_DOMAIN" "$DEMO_DOMAIN_ZONE"; do
  case $name in *[!a-z0-9.-]*|.*|*.|*..*) echo "demo: DEMO_DOMAIN and DEMO_DOMAIN_ZONE are DNS names in lower case (got '$name')" >&2; exit 2 ;; esac
done
case $DEMO_DOMAIN in ''|"$DEMO_DOMAIN_ZONE"|*".$DEMO_DOMAIN_ZONE") ;;
  *) echo "demo: DEMO_DOMAIN $DEMO_DOMAIN is not in the zone DEMO_DOMAIN_ZONE $DEMO_DOMAIN_ZONE" >&2; exit 2 ;; esac
case $DB_TIER in instance|rds) ;; *) echo "demo: DB_TIER is instance or rds (got $DB_TIER)" >&2; exit 2 ;; esac
case $CACHE_TIER in none|redis) ;; *) echo "demo: CACHE_TIER is none or redis (got $CACHE_TIER)" >&2; exit 2 ;; esac
case $WEB_TIER in instances|asg) ;; *) echo "demo: WEB_TIER is instances or asg (got $WEB_TIER)" >&2; exit 2 ;; esac
RUN=$ROOT/.cache/emulator
GIT_CONTAINER=seed-demo-git
GIT_HOST=git.seed-demo.test
PIDFILE=$RUN/emulator.pid
mkdir -p "$DEMO" "$RUN"

emulator_running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

# the files of the demo that hold a secret
SECRET_FILES="env.sh db_password rds_master_password cache_auth_token id_ed25519 alb.key"

private_files() {  # an older run's secret files, which may be readable by others, made private before they are used
  local name
  for name in $SECRET_FILES; do
    if [ -f "$DEMO/$name" ]; then chmod 0600 "$DEMO/$name"; fi
  done
}

stack_region() {  # the stack's region: the first of inventory/aws/ec2.yml's regions, where the playbooks make it
  local region
  region=$(.venv/bin/python -c 'import yaml; print(yaml.safe_load(open("inventory/aws/ec2.yml"))["regions"][0])') || return 1
  case $region in
    *[!a-z0-9-]*|'') echo "demo: inventory/aws/ec2.yml: the first of regions is not a region name: $region" >&2; return 1 ;;
  esac
  echo "$region"
}

write_env() {  # the environment of the demo, as export lines, in a new file that is 0600 from its creation
  local password master token region tmp
  password=$(cat "$DEMO/db_password")
  master=$(cat "$DEMO/rds_master_password")
  token=$(cat "$DEMO/cache_auth_token")
  region=$(stack_region)
  # mktemp makes the file 0600 whatever the umask; the rename replaces an older run's env.sh, whatever its mode
  tmp=$(mktemp "$DEMO/.env.sh.XXXXXX")
  if ! cat > "$tmp" <<EOF
# The demo's environment: eval "\$(make -s demo-env)", then run what you would run against AWS,
# for example: ansible -i inventory/aws all -m ping; aws ec2 describe-instances
export PATH="$DEMO/bin:$ROOT/.venv/bin:\$PATH"
export ANSIBLE_CONFIG="$ROOT/ansible.cfg"
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT"
# the stack's region (inventory/aws/ec2.yml), for boto3 and the AWS CLI as for the playbooks
export AWS_REGION=$region
export AWS_DEFAULT_REGION=$region
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
unset AWS_PROFILE AWS_SESSION_TOKEN
export ANSIBLE_SSH_EXECUTABLE="$DEMO/bin/ssh"
export ANSIBLE_SSH_ARGS="-F $DEMO/ssh_config -C -o ControlMaster=auto -o ControlPersist=60s"
# sftp and scp run the guard too, under another name: Ansible takes a command that holds its
# ssh_executable for one that escalates privileges, and would wait for sudo's answer.
export ANSIBLE_SFTP_EXTRA_ARGS="-S $DEMO/bin/ssh-for-sftp"
export ANSIBLE_SCP_EXTRA_ARGS="-S $DEMO/bin/ssh-for-sftp"
export SEED_SSH_GUARD_ADDRESSES="$DEMO/dataplane/addresses.json"
export SEED_SSH_GUARD_CACHE="$DEMO/ssh_guard_ok"
export http_proxy="http://127.0.0.1:$PROXY_PORT"
export HTTP_PROXY="http://127.0.0.1:$PROXY_PORT"
export https_proxy="http://127.0.0.1:$PROXY_PORT"
export HTTPS_PROXY="http://127.0.0.1:$PROXY_PORT"
# what clients here trust (curl, Python's ssl, requests, boto): the system's CAs, the emulator's CA (which signs what
# ACM issues, as Amazon's roots do on AWS) and the demo's self-signed certificate of the load balancer
export SSL_CERT_FILE="$DEMO/ca-bundle.pem"
export CURL_CA_BUNDLE="$DEMO/ca-bundle.pem"
export REQUESTS_CA_BUNDLE="$DEMO/ca-bundle.pem"
export AWS_CA_BUNDLE="$DEMO/ca-bundle.pem"
export no_proxy=127.0.0.1,localhost
export NO_PROXY=127.0.0.1,localhost
export SEED_DB_PASSWORD='$password'
export SEED_RDS_MASTER_PASSWORD='$master'
export SEED_CACHE_AUTH_TOKEN='$token'
EOF
  then rm -f "$tmp"; return 1; fi
  mv -f "$tmp" "$DEMO/env.sh"
}

ssh_wrappers() {  # bin/ssh and bin/ssh-for-sftp: the ssh guard, with a copy of emulator/ssh_guard.py beside them
  mkdir -p "$DEMO/bin"
  # A copy of the guard, not a link: the execution environment mounts .cache/demo only.
  install -m 0644 "$ROOT/emulator/ssh_guard.py" "$DEMO/bin/ssh_guard.py"
  for name in ssh ssh-for-sftp; do
    # The system's Python when there is one: a pyenv shim first on PATH takes 0.1-0.2 s to start, more than the check,
    # and ssh runs several times a task. -S -E: the guard needs nothing but the standard library.
    # SEED_SSH_GUARD_SELF: the guard runs ssh with this wrapper as its argv[0], and ssh runs a ProxyJump's hop as its
    # argv[0]: the hop goes through the guard too (in the execution environment as well, where PATH is the image's).
    # shellcheck disable=SC2016  # $0 and $@ are the wrapper's own, expanded when it runs
    printf '#!/bin/sh\n# the ssh guard (emulator/ssh_guard.py)\nSEED_SSH_GUARD_SELF=$0; export SEED_SSH_GUARD_SELF\n[ -x /usr/bin/python3 ] && exec /usr/bin/python3 -S -E "$(dirname "$0")/ssh_guard.py" "$@"\nexec python3 -S -E "$(dirname "$0")/ssh_guard.py" "$@"\n' > "$DEMO/bin/$name"
    chmod 0755 "$DEMO/bin/$name"
  done
}

# The demo's secrets, each made once (and again only when its file is removed), as a user would choose them: the app's
# database password, RDS's master password, and the Redis auth token, which ElastiCache takes of letters, digits and
# ! & # $ ^ < > - only (token_urlsafe's '_' would be refused). e2e removes them to rotate the secrets of a running demo.
new_secrets() {
  local name
  for name in db_password rds_master_password; do
    [ -f "$DEMO/$name" ] || { (umask 077; .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(18))' > "$DEMO/$name"); }
  done
  [ -f "$DEMO/cache_auth_token" ] || { (umask 077; .venv/bin/python -c 'import secrets, string
print("".join(secrets.choice(string.ascii_letters + string.digits + "-") for _ in range(32)))' > "$DEMO/cache_auth_token"); }
}

# What clients on this machine trust (make demo-env exports it): the system's CAs, the demo's certificate, and the
# emulator's CA (made here when missing, in the data plane's folder, where the emulator finds it): ACM's requested
# certificates chain to it, as a browser holds Amazon's roots.
ca_bundle() {
  mkdir -p "$DEMO/dataplane"
  "$ROOT/.venv/bin/python" -m emulator.ca bundle "$DEMO/dataplane" "$DEMO/ca-bundle.pem" "$DEMO/alb.crt" >/dev/null
}

# The vars of the demo's domain (DEMO_DOMAIN), or of its imported certificate when there is none.
domain_vars() {
  if [ -n "$DEMO_DOMAIN" ]; then
    cat <<EOF
# Your domain: its hosted zone made in Route 53 (the emulator's DNS answers it, and its proxy resolves
# through it), a certificate for it requested from ACM and validated by DNS on the load balancer's
# HTTPS listener (issued by the emulator's CA, in .cache/demo/ca-bundle.pem), alias records of the domain
# and www to the load balancer, www redirected to the domain.
domain: $DEMO_DOMAIN
domain_zone: $DEMO_DOMAIN_ZONE
domain_zone_create: true
domain_www: redirect
EOF
  else
    cat <<EOF
# The load balancer's HTTPS certificate: a self-signed one the demo made for the ALB's DNS names
# (yours comes from your CA, or give stack_alb_certificate_arn of one in ACM).
stack_alb_certificate_file: $DEMO/alb.crt
stack_alb_certificate_key_file: $DEMO/alb.key
EOF
  fi
}

# What scripts/alb_check.py (and datatier_check.py) check the load balancer's certificate with: the demo's imported one
# under the load balancer's DNS name, or with a domain the one ACM issued for it, verified with the CA bundle.
alb_check_args() {
  if [ -n "$DEMO_DOMAIN" ]; then echo "--certificate $DEMO/ca-bundle.pem --domain $DEMO_DOMAIN"; else echo "--certificate $DEMO/alb.crt"; fi
}

prepare() {
  mkdir -p "$DEMO/bin" "$DEMO/dataplane" "$DEMO/git"
  private_files
  [ -f "$DEMO/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "seed-demo" -f "$DEMO/id_ed25519"
  if [ ! -f "$DEMO/alb.crt" ]; then  # the ALB's names: <name>-<n>.<region>.elb.amazonaws.com
    region=$(stack_region)
    (umask 077; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -keyout "$DEMO/alb.key" \
      -out "$DEMO/alb.crt" -subj "/CN=*.$region.elb.amazonaws.com" -addext "subjectAltName=DNS:*.$region.elb.amazonaws.com" 2>/dev/null)
    chmod 0644 "$DEMO/alb.crt"
  fi
  ca_bundle
  new_secrets
  ssh_wrappers
  touch "$DEMO/dataplane/ssh_config"
  cat > "$DEMO/ssh_config" <<EOF
# The demo's ssh settings (scripts/demo.sh writes them). The data plane's file maps each public
# address of an instance to its port on 127.0.0.1; private hosts are reached through the bastion.
Include $DEMO/dataplane/ssh_config
Host *
  UserKnownHostsFile $DEMO/known_hosts
  StrictHostKeyChecking accept-new
  IdentityFile $DEMO/id_ed25519
  IdentitiesOnly yes
  ConnectTimeout 15
  ServerAliveInterval 15
EOF
  cat > "$DEMO/vars.yml" <<EOF
# What a user types for a stack of their own (the demo writes this file).
stack_app_name: demo
# The demo's git server, a container the instances reach by this name, as yours reach your Git host.
stack_app_repo: git://$GIT_HOST/laravel-app.git
# The sample app loads Debian's packaged Laravel, so composer install needs no network.
stack_app_system_packages: [php-laravel-framework]
# Your address as the instances see it: here the VPC router's, where the ports published on
# 127.0.0.1 come from.
stack_admin_cidr: 10.20.0.1/32
stack_ssh_private_key_file: $DEMO/id_ed25519
$(domain_vars)
# Quick checks, short drain.
stack_alb_health_check: {path: /up, interval: 5, timeout: 2, healthy_threshold: 2, unhealthy_threshold: 2, matcher: '200'}
stack_alb_deregistration_delay: 5
# The data tier (make demo DB_TIER=... CACHE_TIER=...): the database on a db host of its own
# (instance) or RDS (rds); sessions and cache in the database (none) or ElastiCache Redis (redis).
stack_db_tier: $DB_TIER
stack_cache_tier: $CACHE_TIER
stack_web_count: $WEB_COUNT
stack_web_tier: $WEB_TIER
EOF
  write_env
  # The app's repository, once: later commits pushed to it are kept (the daily loop of the README).
  [ -d "$DEMO/git/laravel-app.git" ] || bash scripts/app-repo.sh "$DEMO/git" >/dev/null
  if ! docker inspect -f '{{.State.Running}}' "$GIT_CONTAINER" 2>/dev/null | grep -q true; then
    docker rm -f "$GIT_CONTAINER" >/dev/null 2>&1 || true
    docker run -d --name "$GIT_CONTAINER" --label seed.demo=git -v "$DEMO/git:/srv/git:ro" seed/debian:bookworm \
      git daemon --base-path=/srv/git --export-all --reuseaddr --informative-errors /srv/git >/dev/null
  fi
}

start_emulator() {
  if emulator_running; then return; fi
  # a new emulator, a new log: make test's IAM check reads every request of this emulator's life, no earlier one
  : > "$RUN/requests.log"
  nohup .venv/bin/python -m emulator --port "$PORT" --pidfile "$PIDFILE" --log "$RUN/requests.log" --strict \
    --dataplane-dir "$DEMO/dataplane" --attach "$GIT_CONTAINER=$GIT_HOST" --proxy-port "$PROXY_PORT" \
    >"$RUN/emulator.log" 2>&1 &
  for _ in $(seq 1 150); do
    if curl -fsS --noproxy '*' "http://127.0.0.1:$PORT/_seed/health" >/dev/null 2>&1; then
      # say what it rehearses: the profile (aws: AWS's rules, consistency and time) at its pace
      echo "emulator: on http://127.0.0.1:$PORT (data plane on; $(curl -fsS --noproxy '*' "http://127.0.0.1:$PORT/_seed/faults" |
        .venv/bin/python -c 'import json,sys; f=json.load(sys.stdin); print("profile %s, states at %s x AWS time, a new id unseen for up to %s reads" % (f["profile"], f["pace"], f["lag"]))'))"
      return
    fi
    sleep 0.2
  done
  echo "emulator: did not start; see $RUN/emulator.log" >&2; cat "$RUN/emulator.log" >&2; exit 1
}

stop_emulator() {
  if emulator_running; then
    kill "$(cat "$PIDFILE")"
    for _ in $(seq 1 100); do emulator_running || break; sleep 0.2; done
    rm -f "$PIDFILE"
    echo "emulator: stopped (its containers removed)"
  fi
}

play() {  # play NAME PLAYBOOK [ARGS]: output to .cache/demo/NAME.log, one line per play and task on screen
  local name=$1 playbook=$2; shift 2
  echo "== ansible-playbook -i inventory/aws playbooks/$playbook ($name); full log: $DEMO/$name.log"
  set +e
  ( # shellcheck disable=SC1091
    . "$DEMO/env.sh"
    exec ansible-playbook -i inventory/aws "playbooks/$playbook" -e "@$DEMO/vars.yml" "$@" ) 2>&1 | tee "$DEMO/$name.log" \
    | grep --line-buffered -E '^(PLAY|TASK) \[' | sed -u -E 's/^PLAY \[(.*)\] \**$/  phase: \1/; s/^TASK \[(.*)\] \**$/    \1/'
  local rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" != 0 ]; then
    local phase
    phase=$(grep -E '^PLAY \[' "$DEMO/$name.log" | tail -1 | sed -E 's/^PLAY \[(.*)\] \**$/\1/')
    echo >&2
    grep -E -A12 '^(fatal|failed):|^\[ERROR\]' "$DEMO/$name.log" | tail -40 >&2 || tail -40 "$DEMO/$name.log" >&2
    echo "demo: $playbook failed in phase '$phase' (exit $rc); the whole output is in $DEMO/$name.log" >&2
    echo "demo: the emulator's log: $RUN/emulator.log; an instance: docker ps --filter label=seed.stack=demo," \
         "then docker exec -it <container> journalctl -xe" >&2
    exit 1
  fi
  [ -n "${SEED_DEMO_QUIET:-}" ] || sed -n '/PLAY RECAP/,$p' "$DEMO/$name.log"
}

summary() {  # what the summary play printed, and the web hosts' ports on 127.0.0.1
  echo "== the stack, and what each web host answers (from the summary play of site.yml)"
  sed -n '/Hosts, roles, and what the app answers/,/^$/p' "$DEMO/$1.log" | grep -E '^ *- ' | sed 's/^ *- /  /' || true
  echo "== in your browser (the load balancer's ports, published on 127.0.0.1; the certificate is $(
    if [ -n "$DEMO_DOMAIN" ]; then echo "ACM's for $DEMO_DOMAIN"; else echo "the demo's own"; fi))"
  .venv/bin/python - "$DEMO/dataplane/load_balancers.json" <<'PY'
import json, sys
for dns, info in sorted(json.load(open(sys.argv[1])).items()):
    for port, local in sorted(info['ports'].items()):
        print('  %s://%s/ (the load balancer %s): %s://127.0.0.1:%d/' % (
            'https' if port == '443' else 'http', dns, info['name'], 'https' if port == '443' else 'http', local))
PY
  if [ -n "$DEMO_DOMAIN" ]; then
    echo "== the domain, through the demo's proxy (it resolves names through the emulator's Route 53): after"
    echo "   eval \"\$(make -s demo-env)\", curl https://$DEMO_DOMAIN/; a browser set to the HTTP proxy 127.0.0.1:$PROXY_PORT"
    echo "   that trusts $DEMO/dataplane/ca.crt (the emulator's CA, which signs what ACM issues) opens it too"
  fi
  echo "== what a user of the site sees through the load balancer (scripts/alb_check.py)"
  # shellcheck disable=SC2046  # alb_check_args: words without spaces
  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing .venv/bin/python scripts/alb_check.py --state "$DEMO/dataplane/load_balancers.json" $(alb_check_args) \
    --endpoint-url "http://127.0.0.1:$PORT" --hosts "$(if [ "$WEB_TIER" = asg ]; then echo 2; else echo "$WEB_COUNT"; fi)"
  if [ -n "$DEMO_DOMAIN" ]; then
    echo "== the domain as a browser on this machine sees it, through the demo's proxy (scripts/domain_check.py)"
    # shellcheck disable=SC1091
    ( . "$DEMO/env.sh"; exec .venv/bin/python scripts/domain_check.py site --domain "$DEMO_DOMAIN" --zone "$DEMO_DOMAIN_ZONE" \
        --ca-bundle "$DEMO/ca-bundle.pem" --proxy "127.0.0.1:$PROXY_PORT" --endpoint-url "http://127.0.0.1:$PORT" --region "$AWS_REGION" )
  fi
  if [ "$DB_TIER" != instance ] || [ "$CACHE_TIER" != none ]; then
    echo "== the managed data tier (scripts/datatier_check.py): DB_TIER=$DB_TIER CACHE_TIER=$CACHE_TIER"
    # shellcheck disable=SC1091,SC2046
    ( . "$DEMO/env.sh"; exec .venv/bin/python scripts/datatier_check.py --endpoint-url "http://127.0.0.1:$PORT" --db-tier "$DB_TIER" \
        --cache-tier "$CACHE_TIER" --state "$DEMO/dataplane/load_balancers.json" $(alb_check_args) )
  fi
}

# sourced: the functions only
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

case "${1:-}" in
  env)
    [ -f "$DEMO/env.sh" ] || { echo "demo-env: no demo here yet; run make demo first" >&2; exit 1; }
    private_files  # an older run's env.sh may be readable by others
    grep -q '^export AWS_REGION=' "$DEMO/env.sh" \
      || echo "demo-env: $DEMO/env.sh is an older run's, without the stack's region: run make demo to write it again" >&2
    cat "$DEMO/env.sh"; exit 0 ;;
  clean)
    if emulator_running && [ -f "$DEMO/env.sh" ]; then
      # an RDS instance made (a prepared demo whose run failed before it has none, and nothing to keep)
      made_rds=$(curl -fsS "http://127.0.0.1:$PORT/_seed/requests" | .venv/bin/python -c '
import json, sys
print(sum(r["action"] == "CreateDBInstance" and r["status"] == 200 for r in json.load(sys.stdin)))')
      play teardown teardown.yml -e confirm=yes
      if ! left=$(AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing .venv/bin/python scripts/stack_left.py \
                  --endpoint-url "http://127.0.0.1:$PORT" demo); then
        echo "demo-clean: still tagged Stack=demo in the emulator:" >&2; echo "$left" >&2; exit 1
      fi
      kept=$(grep '^kept: ' <<<"$left" || true)
      case "$(cat "$DEMO/tiers" 2>/dev/null)" in
        rds\ *) [ "$made_rds" = 0 ] || [ -n "$kept" ] \
                 || { echo "demo-clean: the RDS instance was deleted without a final snapshot" >&2; exit 1; } ;;
      esac
      echo "demo-clean: nothing tagged Stack=demo is left in the emulator${kept:+ but what a teardown keeps: $(tr '\n' ' ' <<<"$kept")}"
    fi
    stop_emulator
    docker rm -f "$GIT_CONTAINER" >/dev/null 2>&1 || true
    left=$(docker ps -aq --filter label=seed.emulator=dataplane)
    if [ -n "$left" ]; then echo "demo-clean: containers of the data plane are left: $left" >&2; exit 1; fi
    find "$DEMO" -mindepth 1 -maxdepth 1 ! -name '*.log' -exec rm -rf {} +
    echo "demo-clean: no demo container, no emulator, no demo files (logs kept in $DEMO)"
    exit 0 ;;
  prepare)
    # The demo's emulator, keys, ssh settings, secrets and vars file, and no playbook run: for a run of another
    # kind against it (scripts/e2e_readme.sh follows the README as a user on AWS does).
    echo "$DB_TIER $CACHE_TIER $WEB_TIER" > "$DEMO/tiers"
    prepare
    start_emulator
    echo "demo: prepared (the emulator on 127.0.0.1:$PORT, no stack yet); $DEMO/env.sh and $DEMO/vars.yml are its settings"
    exit 0 ;;
  '') ;;
  *) echo "usage: $0 [env|clean|prepare]" >&2; exit 2 ;;
esac

# A rerun is a `make demo` while the emulator still holds the stack of a finished run.
if emulator_running && [ -f "$DEMO/done" ]; then rerun=1; else rerun=0; fi
if [ -f "$DEMO/tiers" ] && emulator_running && [ "$(cat "$DEMO/tiers")" != "$DB_TIER $CACHE_TIER $WEB_TIER" ]; then
  read -r was_db was_cache was_web < "$DEMO/tiers"
  echo "demo: the demo's stack was made with DB_TIER=$was_db CACHE_TIER=$was_cache WEB_TIER=${was_web:-instances}; run make" \
       "demo-clean before make demo DB_TIER=$DB_TIER CACHE_TIER=$CACHE_TIER WEB_TIER=$WEB_TIER (or give the same tiers again)" >&2
  exit 2
fi
rm -f "$DEMO/done"
echo "$DB_TIER $CACHE_TIER $WEB_TIER" > "$DEMO/tiers"
prepare
start_emulator

if [ "$rerun" = 0 ]; then
  # SEED_DEMO_VERBOSITY=-vvv: the log then shows every module's arguments and results (make test
  # checks that no secret is among them: scripts/check_demo_secrets.py).
  start=$(date +%s)
  play site site.yml ${SEED_DEMO_VERBOSITY:+"$SEED_DEMO_VERBOSITY"}
  echo "demo: site.yml took $(( $(date +%s) - start )) s"
  summary site
  touch "$DEMO/done"
  echo "demo: done. 'make demo' again reruns site.yml and must change nothing; 'eval \"\$(make -s demo-env)\"' points"
  echo "      ansible and boto at the demo; 'make demo-clean' removes it all."
  exit 0
fi

mutating_requests() {  # the emulator's mutating requests so far (one action per line), after the first $1
  curl -fsS "http://127.0.0.1:$PORT/_seed/requests" | .venv/bin/python -c '
import json, sys
sys.path.insert(0, ".")
from emulator.server import is_mutating
print("\n".join(r["action"] for r in json.load(sys.stdin)[int(sys.argv[1]):] if is_mutating(r["action"])))' "${1:-0}"
}

echo "demo: the stack exists in the emulator; rerunning site.yml, which must change nothing"
before=$(curl -fsS "http://127.0.0.1:$PORT/_seed/requests" | .venv/bin/python -c 'import json, sys; print(len(json.load(sys.stdin)))')
start=$(date +%s)
# profile_tasks and profile_roles: the rerun's log says where the time goes (a task's seconds after its line)
ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks,ansible.posix.profile_roles play rerun site.yml
took=$(( $(date +%s) - start ))
if sed -n '/PLAY RECAP/,$p' "$DEMO/rerun.log" | grep -E 'changed=[1-9]' >/dev/null; then
  grep -B3 -E '^changed:' "$DEMO/rerun.log" | grep -E '^TASK|^changed' >&2 || true
  echo "demo: the rerun changed something; it should not (see $DEMO/rerun.log)" >&2
  exit 1
fi
mutated=$(mutating_requests "$before")
if [ -n "$mutated" ]; then
  echo "demo: the rerun sent mutating requests to the emulator; it should send none:" >&2
  sort <<<"$mutated" | uniq -c >&2
  exit 1
fi
reads=$(( $(curl -fsS "http://127.0.0.1:$PORT/_seed/requests" | .venv/bin/python -c 'import json, sys; print(len(json.load(sys.stdin)))') - before ))
summary rerun
touch "$DEMO/done"
echo "demo: the rerun changed nothing (changed=0 on every host) in $took s, with $reads requests to the emulator, none mutating."
echo "demo: the emulator and the instances keep running; 'make demo-clean' removes them."
