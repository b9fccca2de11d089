#!/usr/bin/env bash
# make e2e: the demo end to end, on the one path a user runs on AWS.
#   1. make demo-clean (a demo left running is removed first), then make demo at -vvv;
#   2. no secret in that log or in a file others can read (scripts/check_demo_secrets.py);
#   3. every host was reached over SSH (no other connection), the db host through the bastion
#      (its sshd saw the connection come from the bastion's address);
#   4. eval "$(make -s demo-env)": ansible -i inventory/aws all -m ping answers for every host,
#      and the db host does not answer while the bastion is paused; the db host's ProxyJump hop runs
#      the ssh guard (here and in step 8's execution environment);
#   5. the daily loop: a commit pushed to the app's repository, deploy.yml -e stack_app_version=<commit>
#      serves it on every web host, rollback.yml returns to the release before; a deploy whose migration
#      fails changes nothing served; stack_web_count 2 -> 3 -> 2; a probe through the load balancer every 50 ms
#      sees only 200s all along;
#  5d. stack_admin_cidr not the demo's address: SSH to the bastion times out and site.yml stops at its first SSH step,
#      naming stack_admin_cidr; provision.yml with the demo's address puts the rule back;
#   7. the IAM policy of docs/iam-policy.json allows every action the run sent (the emulator's log);
#      then the emulator's load balancer stand-in in front of the web hosts (tests/dataplane);
#  7c. the network obeys the stack's rules (emulator/network.py, tests/dataplane/test_network.py): each rule taken away
#      through the API and the packets watched, then put back (the web hosts' HTTP from the load balancer's group, the
#      database from the web hosts and not the bastion, SSH between web hosts, the private route to the NAT gateway);
#  7d. an Auto Scaling group's instances on the data plane (tests/dataplane/test_autoscaling.py): containers behind the
#      load balancer, an unhealthy one replaced, a scale-in;
#  7e. the instance metadata service (tests/dataplane/test_imds.py): IMDSv2 only, a profile's credentials inside an
#      instance, good for their bucket and refused anything else; a baked image (tests/dataplane/test_images.py);
#   8. the execution environment (make ee): `ansible-builder build` in a folder holding only the tarballs and the
#      files the collection ships for it; the image's seed.laravel_aws is the tarball's; seed.laravel_aws.site (which
#      imports .provision and .deploy) runs from it with ansible-navigator and the shipped ansible-navigator.yml against
#      the same stack and changes nothing (changed=0 on every host and no mutating request: a rerun, as make demo again
#      is, reaching every host with the demo's stack_admin_cidr back), seed.laravel_aws.teardown removes the stack;
#      make demo-clean;
#   9. the managed data tier, made cold by the README's steps for a user on AWS (scripts/e2e_readme.sh up: a fresh venv,
#      the tarball installed, the README's site command at ANSIBLE_VERBOSITY=3, with DB_TIER=rds CACHE_TIER=redis):
#      migrations and seeds through the RDS endpoint, sessions in Redis (scripts/datatier_check.py), no secret printed
#      or readable (the master password, the auth token); new secrets in the environment reach RDS and ElastiCache
#      through deploy.yml, the app serves with them, and the next deploy changes nothing; RDS and Redis answer the web
#      hosts and not the bastion (tests/dataplane/test_network.py); the README's status and teardown
#      (scripts/e2e_readme.sh down) keep a final snapshot and nothing else, and a second teardown changes nothing.
# shellcheck disable=SC2046  # $(... alb_check_args): the demo's certificate arguments, words split on purpose
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEMO=$ROOT/.cache/demo
E2E_START=$(date +%s)
say() { echo "e2e: [$(( $(date +%s) - E2E_START )) s] $*"; }  # the seconds since the start: where the time goes
fail() { echo "e2e: FAILED: $*" >&2; exit 1; }
# The environment e2e started in (this machine's, whose pip reaches PyPI), for the README's steps of step 9: they
# install as a user does, in the user's own shell; step 4 puts the demo's environment in this one (its proxy reaches
# the instances and nothing else).
mapfile -d '' START_ENV < <(env -0)
readme_steps() {  # readme_steps up|down: scripts/e2e_readme.sh with the managed data tier, in the environment e2e started in
  env -i "${START_ENV[@]}" DB_TIER=rds CACHE_TIER=redis SEED_README_VERBOSITY=3 bash scripts/e2e_readme.sh "$1"
}

bash scripts/demo.sh clean
SEED_DEMO_VERBOSITY=-vvv bash scripts/demo.sh
say "make demo: the stack built cold at -vvv"
.venv/bin/python scripts/check_demo_secrets.py "$DEMO/site.log"

# shellcheck disable=SC1091
. "$DEMO/env.sh"
inv() { ansible-inventory -i inventory/aws --list 2>/dev/null; }
hosts_json=$(inv)
field() {  # field HOST KEY: a host variable from the inventory (values from AWS are shown wrapped as unsafe)
  python3 -c 'import json,sys; v=json.loads(sys.argv[1])["_meta"]["hostvars"][sys.argv[2]][sys.argv[3]]
print(v["__ansible_unsafe"] if isinstance(v, dict) else v)' "$hosts_json" "$1" "$2"
}
container_of() { docker ps -q --filter "label=seed.instance-id=$(field "$1" instance_id)"; }

# 3. SSH only, and the db host through the bastion
for host in demo-web-1 demo-web-2 demo-db-1; do
  address=$(field "$host" ansible_host)
  grep -q "<$address> ESTABLISH SSH CONNECTION FOR USER: admin" "$DEMO/site.log" || fail "no SSH connection to $host ($address) in site.log"
done
if grep -qiE 'ESTABLISH (DOCKER|LOCAL CONNECTION) .*demo-|community\.docker' "$DEMO/site.log"; then fail "site.log shows a connection other than SSH"; fi
bastion_ip=$(field demo-bastion-1 private_ip_address)
db=$(container_of demo-db-1)
# The whole journal (journald does not always file sshd's session lines under ssh.service), read
# into a variable first: with pipefail, `journalctl | grep -q` fails when grep stops reading early
# and journalctl dies of SIGPIPE, which is what made this check fail at random.
journal=$(docker exec "$db" journalctl --no-pager) || fail "journalctl on the db host"
grep -qE "sshd(-session)?\[[0-9]+\]: Accepted publickey for admin from $bastion_ip " <<<"$journal" \
  || fail "the db host's sshd saw no connection from the bastion ($bastion_ip)"
say "every host reached over SSH; the db host's sshd saw the connections come from the bastion ($bastion_ip)"

# 4. make demo-env, then what a user runs against AWS
out=$(ansible -i inventory/aws all -m ping 2>&1) || fail "ansible all -m ping: $out"
# the instances only: the control node is no host of the inventory (a play on all never runs on it)
[ "$(grep -c " | SUCCESS =>" <<<"$out")" = 4 ] || fail "ansible all -m ping did not answer for the 4 instances alone: $out"
if grep -qE '^(localhost|127\.0\.0\.1) ' <<<"$out"; then fail "ansible -i inventory/aws all reached the control node: $out"; fi
bastion=$(container_of demo-bastion-1)
docker pause "$bastion" >/dev/null
# a new connection (no master of site.yml's, whose stalled stream would wait for ssh's keepalives, about a minute)
if ANSIBLE_TIMEOUT=10 ANSIBLE_SSH_ARGS="-F $DEMO/ssh_config -o ControlMaster=no -o ControlPath=none" \
     ansible -i inventory/aws db -m ping >/dev/null 2>&1; then
  docker unpause "$bastion" >/dev/null; fail "db answered with the bastion paused"
fi
docker unpause "$bastion" >/dev/null
ansible -i inventory/aws db -m ping >/dev/null || fail "db did not answer once the bastion was back"
say "ansible -i inventory/aws all -m ping: the 4 instances answer, the control node is none of them; the db host does not while the bastion is paused"
# The ProxyJump's hop goes through the ssh guard too: ssh runs the hop as its own argv[0], which the guard sets to its
# wrapper ($DEMO/bin/ssh), whatever PATH holds; ssh -v names the program it runs for the hop.
hop_cmd="$DEMO/bin/ssh -v -F $DEMO/ssh_config -o BatchMode=yes $(field demo-db-1 ansible_ssh_common_args) admin@$(field demo-db-1 ansible_host) true 2>&1"
hop_runs_guard() {  # hop_runs_guard WHERE OUTPUT
  grep -qF "Executing proxy command: exec $DEMO/bin/ssh " <<<"$2" \
    || fail "$1: the ProxyJump hop to the db host did not run the ssh guard ($DEMO/bin/ssh): $(grep -i 'proxy' <<<"$2" | head -3)"
}
out=$(bash -c "$hop_cmd") || fail "ssh to the db host through the bastion: $out"
hop_runs_guard "on the control node" "$out"
say "the db host's ProxyJump hop runs the ssh guard"

# 4b. the demo's domain (DEMO_DOMAIN): the scheduler's runs through what follows, and nothing of it after the teardown
domain=$(bash -c '. scripts/demo.sh && echo "$DEMO_DOMAIN"')
domain_zone=$(bash -c '. scripts/demo.sh && echo "$DEMO_DOMAIN_ZONE"')
domain_check() {  # domain_check site|ticks|absent [ARGS]
  .venv/bin/python scripts/domain_check.py "$1" --domain "$domain" --zone "$domain_zone" --ca-bundle "$DEMO/ca-bundle.pem" \
    --proxy "${https_proxy:?make demo-env sets it}" --endpoint-url "$AWS_ENDPOINT_URL" --region "$AWS_REGION" "${@:2}"
}
# (make demo checked the site under the domain already: its summary runs domain_check.py site)
# The scheduler's runs are counted from here, through the deploys, the rollback and the scaling below (one per minute).
ticks_since=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# 5. the daily loop: commit, deploy that commit, roll back
work=$(mktemp -d)
git clone -q "$DEMO/git/laravel-app.git" "$work/app"
# A release marker that names the host answering it (static files do not pass Laravel's X-Served-By
# middleware, so the page sets the header itself, as the app's middleware does)
want="release from e2e $(date +%s)"
cat > "$work/app/public/release.php" <<PHP
<?php
header('X-Served-By: ' . gethostname());
header('Content-Type: text/plain');
echo "$want\n";
PHP
git -C "$work/app" add public/release.php
git -C "$work/app" -c user.name=e2e -c user.email=e2e@example.invalid commit -qm "A release marker"
git -C "$work/app" push -q origin HEAD:main
commit=$(git -C "$work/app" rev-parse HEAD)
rm -rf "$work"
alb=$(python3 -c 'import json,sys; print(sorted(json.load(open(sys.argv[1])))[0])' "$DEMO/dataplane/load_balancers.json")
# with the demo's domain (DEMO_DOMAIN), the site under it: the proxy resolves it through the emulator's Route 53, and
# the certificate is the one ACM issued for it
alb=${domain:-$alb}
# A probe through the load balancer every 50 ms while something changes behind it: hosts leave it, switch,
# come and go; every answer must be 200.
probe_start() {  # probe_start NAME: requests to https://$alb/ until probe_stop, one status per line in $DEMO/probe-NAME.log
  probe_log=$DEMO/probe-$1.log; : > "$probe_log"; rm -f "$DEMO/probe.stop"
  ( while [ ! -f "$DEMO/probe.stop" ]; do
      curl -s -o /dev/null -w '%{http_code}\n' --max-time 5 "https://$alb/" >> "$probe_log" || true; sleep 0.05
    done ) &
  probe_pid=$!
}
probe_stop() {  # probe_stop WHAT: fails unless every answer of the probe was 200; sets $probes
  touch "$DEMO/probe.stop"; wait "$probe_pid"
  probes=$(wc -l < "$probe_log"); local bad; bad=$(grep -vc '^200$' "$probe_log" || true)
  if [ "$probes" -le 20 ] || [ "$bad" != 0 ]; then
    fail "the probe through the load balancer during $1: $bad of $probes answers were not 200 ($probe_log)"
  fi
}
served_by() {  # served_by PATH N: N requests through the load balancer; prints "<host> <body>" for each
  for _ in $(seq 1 "$2"); do
    # through the proxy, curl -D prints the CONNECT's answer first: each status line starts a new header block
    curl -fsS -D - "https://$alb$1" | tr -d '\r' \
      | awk '!body && /^HTTP\// {h=""; connect=($0 ~ / Connection established/); next}
             !body && tolower($1) == "x-served-by:" {h=$2; next}
             !body && /^$/ {if (!connect) body=1; next}
             body {print h, $0}'
  done
}
probe_start deploy
ansible-playbook -i inventory/aws playbooks/deploy.yml -e "@$DEMO/vars.yml" -e "stack_app_version=$commit" > "$DEMO/deploy.log" 2>&1 \
  || { touch "$DEMO/probe.stop"; tail -30 "$DEMO/deploy.log" >&2; fail "deploy.yml of $commit"; }
probe_stop "the deploy of $commit"
grep -q 'changed: \[demo-web-1 -> localhost\]' "$DEMO/deploy.log" || fail "deploy.yml did not take demo-web-1 out of the load balancer"
say "deploy of $commit behind the load balancer: $probes requests every 50 ms through it, all 200"
# through the load balancer (round robin: 6 requests reach both web hosts, X-Served-By names them)
got=$(served_by /release.php 6) || fail "no release.php through the load balancer after the deploy"
[ "$(awk '{print $1}' <<<"$got" | sort -u | wc -l)" = 2 ] || fail "6 requests through the load balancer did not reach both web hosts: $got"
if grep -v " $want\$" <<<"$got"; then fail "a request through the load balancer did not get the new release '$want'"; fi
code=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' "http://$alb/")
[ "$code" = "301 https://$alb/" ] || fail "http://$alb/ does not redirect to HTTPS ($code)"
# a release that is not there: refused on every host before any leaves the load balancer
if ansible-playbook -i inventory/aws playbooks/rollback.yml -e "@$DEMO/vars.yml" -e release=no-such-release > "$DEMO/rollback-typo.log" 2>&1; then
  fail "rollback.yml -e release=no-such-release succeeded"
fi
tr -s ' \n' ' ' < "$DEMO/rollback-typo.log" | grep -q 'laravel_rollback_release: no-such-release is not a release to go back to' \
  || { tail -30 "$DEMO/rollback-typo.log" >&2; fail "rollback.yml -e release=no-such-release did not name the release"; }
if grep -q 'changed: \[demo-web-[0-9] -> localhost\]' "$DEMO/rollback-typo.log"; then fail "rollback.yml with a release that is not there changed the load balancer"; fi
got=$(served_by /release.php 6) || fail "no release.php through the load balancer after the refused rollback"
[ "$(awk '{print $1}' <<<"$got" | sort -u | wc -l)" = 2 ] || fail "after the refused rollback, 6 requests did not reach both web hosts: $got"
ansible-playbook -i inventory/aws playbooks/rollback.yml -e "@$DEMO/vars.yml" > "$DEMO/rollback.log" 2>&1 \
  || { tail -30 "$DEMO/rollback.log" >&2; fail "rollback.yml"; }
for i in 1 2 3 4 5 6; do
  code=$(curl -sS -o /dev/null -w '%{http_code}' "https://$alb/release.php")
  [ "$code" = 404 ] || fail "request $i through the load balancer still gets release.php after the rollback (HTTP $code)"
  page=$(curl -fsS "https://$alb/") || fail "request $i through the load balancer: / after the rollback"
  grep -q 'Hello from Laravel' <<<"$page" || fail "request $i through the load balancer: / after the rollback does not greet"
done
say "daily loop: commit $commit pushed, deployed to both web hosts, rolled back to the release before (checked through the load balancer)"
# Back to the commit site.yml deploys (main), so the rerun below has nothing to change.
ansible-playbook -i inventory/aws playbooks/deploy.yml -e "@$DEMO/vars.yml" -e "stack_app_version=$commit" > "$DEMO/deploy2.log" 2>&1 \
  || fail "deploy.yml of $commit again"

# 5b. a deploy whose migration fails (a commit on another branch): it stops before any host switches, the
#     probe sees only 200s, and every web host still serves the release before.
work=$(mktemp -d)
git clone -q "$DEMO/git/laravel-app.git" "$work/app"
cat > "$work/app/database/migrations/2024_12_31_000000_a_broken_migration.php" <<'PHP'
<?php

use Illuminate\Database\Migrations\Migration;
use Illuminate\Support\Facades\DB;

return new class extends Migration
{
    public function up()
    {
        DB::statement('ALTER TABLE no_such_table ADD COLUMN broken integer');
    }
};
PHP
git -C "$work/app" add database/migrations
git -C "$work/app" -c user.name=e2e -c user.email=e2e@example.invalid commit -qm "A migration that fails"
git -C "$work/app" push -q origin HEAD:refs/heads/broken
broken=$(git -C "$work/app" rev-parse HEAD)
rm -rf "$work"
probe_start broken
if ansible-playbook -i inventory/aws playbooks/deploy.yml -e "@$DEMO/vars.yml" -e "stack_app_version=broken" > "$DEMO/deploy-broken.log" 2>&1; then
  touch "$DEMO/probe.stop"; fail "deploy.yml of a commit whose migration fails ($broken) succeeded"
fi
probe_stop "the deploy of a failing migration"
grep -q 'no_such_table' "$DEMO/deploy-broken.log" || fail "deploy-broken.log does not show the migration's error"
got=$(served_by /release.php 6) || fail "no release.php through the load balancer after the failed deploy"
[ "$(awk '{print $1}' <<<"$got" | sort -u | wc -l)" = 2 ] || fail "after the failed deploy, 6 requests did not reach both web hosts: $got"
if grep -v " $want\$" <<<"$got"; then fail "after the failed deploy, a web host does not serve the release before ($want)"; fi
say "deploy of $broken (its migration fails) stopped before any switch: $probes requests, all 200; both web hosts still serve $commit"

# 5c. scaling behind the load balancer: stack_web_count 2 -> 3 configures, deploys and registers demo-web-3;
#     3 -> 2 takes it out of the load balancer, lets it drain, and only then terminates it
probe_start scale-up
ansible-playbook -i inventory/aws playbooks/site.yml -e "@$DEMO/vars.yml" -e stack_web_count=3 > "$DEMO/scale-up.log" 2>&1 \
  || { touch "$DEMO/probe.stop"; tail -30 "$DEMO/scale-up.log" >&2; fail "site.yml -e stack_web_count=3"; }
probe_stop "the scale-up to 3 web hosts"
up=$probes
.venv/bin/python scripts/alb_check.py --state "$DEMO/dataplane/load_balancers.json" $(bash -c '. scripts/demo.sh && alb_check_args') \
  --endpoint-url "$AWS_ENDPOINT_URL" --hosts 3 --requests 30 || fail "through the load balancer with 3 web hosts"
probe_start scale-down
ansible-playbook -i inventory/aws playbooks/site.yml -e "@$DEMO/vars.yml" -e stack_web_count=2 > "$DEMO/scale-down.log" 2>&1 \
  || { touch "$DEMO/probe.stop"; tail -30 "$DEMO/scale-down.log" >&2; fail "site.yml -e stack_web_count=2"; }
probe_stop "the scale-down to 2 web hosts"
# in the log, the drain's task changed, then the instances task's (which terminates)
order=$(awk '/^TASK \[Web hosts beyond stack_web_count/ {t="drained"; next} /^TASK \[Instances \(all roles/ {t="terminated"; next}
             /^TASK/ {t=""} t && /^changed:/ {print t}' "$DEMO/scale-down.log" | paste -sd' ')
[ "$order" = "drained terminated" ] || fail "the scale-down did not drain demo-web-3 before terminating it (changed tasks: $order)"
left=$(AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing .venv/bin/python -c '
import boto3, sys
ec2 = boto3.client("ec2", endpoint_url=sys.argv[1], region_name="us-east-1")
f = [{"Name": "tag:Stack", "Values": ["demo"]}, {"Name": "tag:Role", "Values": ["web"]},
     {"Name": "instance-state-name", "Values": ["pending", "running"]}]
print(" ".join(sorted(t["Value"] for r in ec2.describe_instances(Filters=f)["Reservations"] for i in r["Instances"]
                      for t in i["Tags"] if t["Key"] == "Name")))' "$AWS_ENDPOINT_URL")
[ "$left" = "demo-web-1 demo-web-2" ] || fail "after the scale-down the web instances are: $left"
.venv/bin/python scripts/alb_check.py --state "$DEMO/dataplane/load_balancers.json" $(bash -c '. scripts/demo.sh && alb_check_args') \
  --endpoint-url "$AWS_ENDPOINT_URL" --hosts 2 >/dev/null || fail "through the load balancer after the scale-down"
say "scaling: 2 -> 3 web hosts ($up requests, all 200; 30 requests reached all 3), 3 -> 2 drained then terminated ($probes requests, all 200)"
# the scheduler ran once a minute on one host through all of it (deploys, rollback, 2 -> 3 -> 2 web hosts)
if [ -n "$domain" ]; then
  domain_check ticks --since "$ticks_since" --minutes 3 || fail "the scheduler since $ticks_since"
fi

# 5d. stack_admin_cidr that is not the demo's address: the bastion's group no longer lets the demo in. A fresh ssh (no master
# connection of an earlier run, which stays up as a tracked connection does on AWS) times out, and so does site.yml.
bastion_public=$(field demo-bastion-1 ansible_host)
cp_dir=$(mktemp -d)
fresh_ssh="-F $DEMO/ssh_config -C -o ControlMaster=auto -o ControlPersist=60s -o ControlPath=$cp_dir/%C"
if ANSIBLE_SSH_ARGS="$fresh_ssh" ansible-playbook -i inventory/aws playbooks/site.yml -e "@$DEMO/vars.yml" \
     -e stack_admin_cidr=198.51.100.7/32 > "$DEMO/admin-cidr.log" 2>&1; then
  fail "site.yml with stack_admin_cidr 198.51.100.7/32 (not the demo's address) succeeded"
fi
why=$(grep -E -m1 -A6 'UNREACHABLE!|fatal:' "$DEMO/admin-cidr.log" || true)
grep -A6 'UNREACHABLE!' "$DEMO/admin-cidr.log" | grep -qE 'timed out|Connection closed|Connection reset' \
  || { tail -30 "$DEMO/admin-cidr.log" >&2; fail "site.yml with another stack_admin_cidr did not stop at its first SSH step: $why"; }
# and says where to look (the playbook's message after ssh's own)
grep -A16 'A host that does not answer over SSH' "$DEMO/admin-cidr.log" | tr -s ' \n' '  ' | grep -q 'stack_admin_cidr (198.51.100.7/32)' \
  || { tail -30 "$DEMO/admin-cidr.log" >&2; fail "site.yml with another stack_admin_cidr did not name stack_admin_cidr in its message"; }
if out=$(timeout 60 "$DEMO/bin/ssh" -F "$DEMO/ssh_config" -o ControlMaster=no -o ControlPath=none -o BatchMode=yes -o ConnectTimeout=10 \
           "admin@$bastion_public" true 2>&1); then
  fail "ssh to the bastion worked with stack_admin_cidr 198.51.100.7/32"
fi
grep -qi 'timed out' <<<"$out" || fail "ssh to the bastion with another stack_admin_cidr did not time out: $out"
# the demo's address again: provision.yml puts the bastion's rule back; step 8's site.yml (from the execution
# environment) then reaches every host and changes nothing
ansible-playbook -i inventory/aws playbooks/provision.yml -e "@$DEMO/vars.yml" > "$DEMO/admin-cidr-back.log" 2>&1 \
  || { tail -30 "$DEMO/admin-cidr-back.log" >&2; fail "provision.yml with the demo's stack_admin_cidr again"; }
rm -rf "$cp_dir"
say "stack_admin_cidr not the demo's address: ssh to the bastion timed out ($out), site.yml stopped at its first SSH step" \
    "($(grep -c 'UNREACHABLE!' "$DEMO/admin-cidr.log") hosts unreachable); the demo's address put back"


# 7. every action of the whole run is in the IAM policy (the file's other tests, a stack run of their own among them,
#    are the integration stage's)
SEED_IAM_REQUEST_LOG=$ROOT/.cache/emulator/requests.log .venv/bin/pytest -q -p no:cacheprovider tests/integration/test_iam_policy.py \
  -k given_request_logs || fail "an action of the run is not in docs/iam-policy.json"
say "every action of the run is in docs/iam-policy.json"

# 7b. the emulator's load balancer (HAProxy in front of the demo's web hosts: health checks, draining,
#     HTTPS with an imported certificate); after 7, so its elbv2 and acm calls are not the collection's
.venv/bin/pytest -q -p no:cacheprovider tests/dataplane/test_load_balancer.py
say "the emulator's load balancer: healthy by real checks, unhealthy with AWS's reason, drained, HTTPS with the imported certificate"

# 7c. the network obeys the stack's rules: security groups and routes, enforced on the packets (emulator/network.py)
.venv/bin/pytest -q -p no:cacheprovider -s tests/dataplane/test_network.py | grep -E '^(revoked|no route)|passed|skipped|failed' \
  || fail "the network does not obey the stack's rules (pytest -q tests/dataplane/test_network.py)"
say "network: the web hosts' HTTP only from the load balancer's group, the database only from the web hosts, SSH between web hosts" \
    "refused, the private hosts out only through the NAT gateway's route"
# 7d. an Auto Scaling group's instances on the data plane (emulator/asg_dataplane.py): a container each from the launch
#     template's image at the address EC2 gave it, healthy behind HAProxy by its own checks, one whose server stops
#     replaced by the group, a scale-in; the test deletes what it made, so step 8's rerun finds the stack as it was
.venv/bin/pytest -q -p no:cacheprovider tests/dataplane/test_autoscaling.py \
  || fail "an Auto Scaling group's instances on the data plane (pytest -q tests/dataplane/test_autoscaling.py)"
say "Auto Scaling: the group's instances are containers behind the load balancer, an unhealthy one replaced, a scale-in removed one"
# 7e. the instance metadata service inside the instances (emulator/imds.py): IMDSv2 only on a web host; an instance
#     profile's temporary credentials, fetched inside an instance, read their bucket through S3's public endpoint
#     (emulator/endpoints.py) and are refused anything else; CreateImage of an instance (emulator/images.py)
.venv/bin/pytest -q -p no:cacheprovider tests/dataplane/test_imds.py tests/dataplane/test_images.py \
  || fail "the instance metadata service, S3 from an instance, or a baked image (pytest -q tests/dataplane/test_imds.py tests/dataplane/test_images.py)"
say "instance metadata: IMDSv2 only; a profile's credentials, inside an instance, read their bucket through S3's endpoint and" \
    "the NAT gateway, a write and EC2 refused; an image of an instance boots its disk as a new instance"
# 8. the execution environment, as AWX runs the job: built as docs/execution-environment.md says, in a folder
#    holding only the tarballs and the files the tarball ships (make ee: build/ee), and the playbooks run from the
#    collection installed in the image (seed.laravel_aws.*), not from this checkout
ee_start=$(date +%s)
make --no-print-directory ee
ee_files=$(cd build/ee && for f in *; do [ "$f" = context ] || echo "$f"; done | paste -sd' ')
[[ "$ee_files" =~ ^ansible-navigator\.yml\ (ca-bundle\.crt\ )?community-general-[0-9.]+\.tar\.gz\ community-postgresql-[0-9.]+\.tar\.gz\ execution-environment\.yml\ seed-laravel_aws-[0-9.]+\.tar\.gz$ ]] \
  || fail "the execution environment was built from a folder holding more than the tarballs and the shipped files: $ee_files"
tarball=$(echo build/ee/seed-laravel_aws-*.tar.gz)
in_image=$(bash scripts/ee.sh exec -- sha256sum /usr/share/ansible/collections/ansible_collections/seed/laravel_aws/MANIFEST.json) \
  || fail "no seed.laravel_aws in the image's /usr/share/ansible/collections: $in_image"
[ "${in_image%% *}" = "$(tar -xzOf "$tarball" MANIFEST.json | sha256sum | cut -d' ' -f1)" ] \
  || fail "the image's seed.laravel_aws is not $tarball (MANIFEST.json differs)"
# in the image too, where PATH is the image's: the hop is the guard, not the image's own ssh
out=$(bash scripts/ee.sh exec --env-file "$DEMO/env.sh" --mount "$DEMO" -- "$hop_cmd") \
  || fail "in the execution environment, ssh to the db host through the bastion: $out"
hop_runs_guard "in the execution environment" "$out"
# site.yml only: it imports provision.yml (the AWS side) and deploy.yml, so one run is all three from the image. It is
# the stack's rerun too (make demo again runs the same site.yml from this checkout): nothing changed on any host, and
# not one mutating request to AWS.
requests_before=$(curl -fsS "$AWS_ENDPOINT_URL/_seed/requests" | .venv/bin/python -c 'import json, sys; print(len(json.load(sys.stdin)))')
bash scripts/ee.sh run --env-file "$DEMO/env.sh" --mount "$DEMO" -- seed.laravel_aws.site -i inventory/aws -e "@$DEMO/vars.yml" \
  > "$DEMO/ee-site.log" 2>&1 || { tail -40 "$DEMO/ee-site.log" >&2; fail "seed.laravel_aws.site in the execution environment"; }
grep -q '^PLAY RECAP' "$DEMO/ee-site.log" || fail "seed.laravel_aws.site in the execution environment printed no recap"
if sed -n '/PLAY RECAP/,$p' "$DEMO/ee-site.log" | grep -E 'changed=[1-9]' >/dev/null; then fail "seed.laravel_aws.site in the execution environment changed something"; fi
mutated=$(curl -fsS "$AWS_ENDPOINT_URL/_seed/requests" | .venv/bin/python -c '
import json, sys
sys.path.insert(0, ".")
from emulator.server import is_mutating
print(" ".join(sorted(set(r["action"] for r in json.load(sys.stdin)[int(sys.argv[1]):] if is_mutating(r["action"])))))' "$requests_before")
[ -z "$mutated" ] || fail "seed.laravel_aws.site in the execution environment, a rerun, sent mutating requests: $mutated"
bash scripts/ee.sh run --env-file "$DEMO/env.sh" --mount "$DEMO" -- seed.laravel_aws.teardown -i inventory/aws -e "@$DEMO/vars.yml" -e confirm=yes \
  > "$DEMO/ee-teardown.log" 2>&1 || { tail -40 "$DEMO/ee-teardown.log" >&2; fail "seed.laravel_aws.teardown in the execution environment"; }
left=$(.venv/bin/python scripts/stack_left.py --endpoint-url "$AWS_ENDPOINT_URL" --region "$AWS_REGION" demo 2>&1) || fail "after seed.laravel_aws.teardown in the execution environment: $left"
if [ -n "$domain" ]; then
  domain_check absent || fail "after seed.laravel_aws.teardown, of the domain $domain"
fi
say "execution environment: built from $ee_files; its seed.laravel_aws is the tarball's; seed.laravel_aws.site changed nothing, .teardown removed the stack ($(( $(date +%s) - ee_start )) s)"
bash scripts/demo.sh clean

# 9. the managed data tier, built cold by the README's steps (one cold stack for both: the README's run is a user's
#    first run, and this tier's is the one make demo does not build by default)
readme_steps up
export DB_TIER=rds CACHE_TIER=redis
say "the README's steps (a fresh venv, the tarball, its site command) built the stack cold with DB_TIER=rds CACHE_TIER=redis at -vvv"
.venv/bin/python scripts/check_demo_secrets.py --redis --secret "RDS_MASTER_PASSWORD=$DEMO/rds_master_password" "$ROOT/.cache/readme/site.log"
# what make demo's summary checks of this tier: migrations and seeds through the RDS endpoint, sessions in Redis
# shellcheck disable=SC1091
( . "$DEMO/env.sh"; exec .venv/bin/python scripts/datatier_check.py --endpoint-url "$AWS_ENDPOINT_URL" --db-tier rds \
    --cache-tier redis --state "$DEMO/dataplane/load_balancers.json" $(bash -c '. scripts/demo.sh && alb_check_args') ) \
  || fail "the managed data tier after the README's site run"
# (no rerun of site.yml here: the AWS side of this stack reruns with changed=0 and no mutating request in the
# integration stage's fault matrix, the web hosts' roles in step 8, and the deploy with the managed data tier below,
# after the rotation, must change nothing)
# The secrets rotated as a user would (new values in the environment): deploy.yml finds each by the login it no longer
# opens and sets it (RDS's master password, the app's role, the Redis auth token by rotation), the app still serves
# through RDS and Redis with them, and a second deploy only logs in and changes nothing.
rm -f "$DEMO/db_password" "$DEMO/rds_master_password" "$DEMO/cache_auth_token"
bash -c '. scripts/demo.sh && new_secrets && write_env'
# shellcheck disable=SC1091
. "$DEMO/env.sh"
ansible-playbook -i inventory/aws playbooks/deploy.yml -e "@$DEMO/vars.yml" > "$DEMO/rotate.log" 2>&1 \
  || { tail -40 "$DEMO/rotate.log" >&2; fail "deploy.yml with new secrets"; }
for task in "A changed master password is set on the RDS instance" "The app's role (login, no other right)" \
            "A changed auth token is rotated in" "The new auth token alone"; do
  sed -n "/TASK \[[^]]*$task/,/^\$/p" "$DEMO/rotate.log" | grep -q '^changed:' || fail "deploy.yml with new secrets: '$task' did not change"
done
.venv/bin/python scripts/datatier_check.py --endpoint-url "$AWS_ENDPOINT_URL" --db-tier rds --cache-tier redis \
  --state "$DEMO/dataplane/load_balancers.json" $(bash -c '. scripts/demo.sh && alb_check_args') || fail "the app after the secrets were rotated"
ansible-playbook -i inventory/aws playbooks/deploy.yml -e "@$DEMO/vars.yml" > "$DEMO/rotate-again.log" 2>&1 \
  || { tail -40 "$DEMO/rotate-again.log" >&2; fail "deploy.yml again with the same secrets"; }
if sed -n '/PLAY RECAP/,$p' "$DEMO/rotate-again.log" | grep -E 'changed=[1-9]' >/dev/null; then
  fail "deploy.yml again with the same secrets changed something: $(grep -B1 '^changed:' "$DEMO/rotate-again.log" | head -20)"
fi
say "managed data tier: new secrets reached RDS (master password, the app's role) and ElastiCache (token rotated, then alone); the app served; the next deploy changed nothing"
.venv/bin/pytest -q -p no:cacheprovider tests/dataplane/test_network.py -k 'database or cache' >/dev/null \
  || fail "RDS or Redis does not obey the stack's groups (pytest -q tests/dataplane/test_network.py -k 'database or cache')"
say "managed data tier: RDS's 5432 and Redis's 6379 answer the web hosts and time out from the bastion"
readme_steps down   # the README's status and teardown, then make demo-clean's teardown (the second)
snapshot=$(grep -oE 'its final snapshot [a-z0-9-]+' "$ROOT/.cache/readme/status-teardown.log" | head -1 | awk '{print $4}')
[ -n "$snapshot" ] || fail "the README's teardown named no final snapshot of the RDS instance"
if sed -n '/PLAY RECAP/,$p' "$DEMO/teardown.log" | grep -E 'changed=[1-9]' >/dev/null; then fail "the second teardown changed something"; fi
# every action of the data tier's run (RDS, ElastiCache) is in the IAM policy too
SEED_IAM_REQUEST_LOG=$ROOT/.cache/emulator/requests.log .venv/bin/pytest -q -p no:cacheprovider tests/integration/test_iam_policy.py \
  -k given_request_logs || fail "an action of the data tier's run is not in docs/iam-policy.json"
say "managed data tier: RDS and Redis served the app, teardown kept the final snapshot $snapshot, a second one changed nothing"
unset DB_TIER CACHE_TIER
say "passed"
