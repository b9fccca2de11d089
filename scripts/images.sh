#!/usr/bin/env bash
# Build the local images: the base images of the Molecule platforms, Debian 12
# (bookworm) and 13 (trixie) with systemd, python3 and sudo, and from each the
# image the emulator's Debian AMIs boot (seed/ami-debian:12 and :13): the base
# plus openssh-server (no host keys: they are made at first boot) and the
# cloud-init stand-in of emulator/ami. No registry is reachable, so the bases are
# made with debootstrap from the Debian mirror and `docker import`ed, the AMI
# images with `docker commit`. Skipped when an image exists and is current.
#   usage: scripts/images.sh [bookworm] [trixie]
set -euo pipefail
say() { printf '\033[1m[images]\033[0m %s\n' "$*"; }
# The Debian mirror this machine's apt already uses, unless DEBIAN_MIRROR says otherwise.
apt_mirror() {
  { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
    grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' || true; } | grep -v -- '-security' | head -1 || true
}
MIRROR=${DEBIAN_MIRROR:-$(apt_mirror)}
[ -n "$MIRROR" ] || { echo "images: no Debian mirror found in /etc/apt; set DEBIAN_MIRROR" >&2; exit 1; }
PACKAGES=systemd,systemd-sysv,dbus,python3,python3-apt,sudo,ca-certificates,locales,iproute2,procps,curl,git,unzip
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bookworm trixie)

for suite in "${suites[@]}"; do
  image=seed/debian:$suite
  if docker image inspect "$image" >/dev/null 2>&1; then
    say "$image exists"
    continue
  fi
  command -v debootstrap >/dev/null || { echo "images: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
  root=$(mktemp -d "/var/tmp/seed-rootfs-$suite.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  say "debootstrap $suite (a few minutes)"
  debootstrap --variant=minbase --include="$PACKAGES" "$suite" "$root" "$MIRROR" >"/tmp/seed-debootstrap-$suite.log" 2>&1 || {
    tail -20 "/tmp/seed-debootstrap-$suite.log" >&2; exit 1; }
  # Slim and container-friendly: no apt caches, no units that need hardware.
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
  echo "deb $MIRROR $suite main" > "$root/etc/apt/sources.list"
  for unit in getty.target systemd-udevd.service systemd-udev-trigger.service systemd-modules-load.service sys-kernel-debug.mount sys-kernel-tracing.mount; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
  done
  printf '' > "$root/etc/machine-id"
  say "docker import $image"
  tar -C "$root" -c . | docker import \
    --change 'CMD ["/lib/systemd/systemd"]' \
    --change 'ENV container=docker' - "$image" >/dev/null
  rm -rf "$root"; trap - EXIT
  say "$image ready"
done

# The AMI images: rebuilt when emulator/ami changes (its digest is a label of the image).
here=$(cd "$(dirname "$0")/.." && pwd)
digest=$(cat "$here"/emulator/ami/* | sha256sum | cut -c1-16)
for suite in "${suites[@]}"; do
  case $suite in bookworm) major=12 ;; trixie) major=13 ;; *) continue ;; esac
  ami=seed/ami-debian:$major
  if [ "$(docker image inspect -f '{{ index .Config.Labels "seed.ami-digest" }}' "$ami" 2>/dev/null)" = "$digest" ]; then
    say "$ami exists"
    continue
  fi
  say "building $ami (openssh-server and the cloud-init stand-in on seed/debian:$suite)"
  build=seed-ami-build-$major
  docker rm -f "$build" >/dev/null 2>&1 || true
  docker run -d --name "$build" "seed/debian:$suite" sleep infinity >/dev/null
  docker exec -e DEBIAN_FRONTEND=noninteractive "$build" sh -c \
    'apt-get update -qq && apt-get install -y -qq --no-install-recommends openssh-server >/dev/null && apt-get clean &&
     rm -rf /var/lib/apt/lists/* /etc/ssh/ssh_host_* && mkdir -p /etc/ssh/sshd_config.d /etc/systemd/system/multi-user.target.wants &&
     printf "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin no\nUseDNS no\n" > /etc/ssh/sshd_config.d/50-cloud-image.conf' \
    || { docker rm -f "$build" >/dev/null; echo "images: installing openssh-server in $ami failed" >&2; exit 1; }
  docker cp "$here/emulator/ami/seed-cloud-init" "$build:/usr/local/sbin/seed-cloud-init"
  docker cp "$here/emulator/ami/seed-cloud-init.service" "$build:/etc/systemd/system/seed-cloud-init.service"
  docker exec "$build" sh -c 'chmod 0755 /usr/local/sbin/seed-cloud-init &&
    ln -sf /etc/systemd/system/seed-cloud-init.service /etc/systemd/system/multi-user.target.wants/seed-cloud-init.service'
  docker stop -t 1 "$build" >/dev/null
  docker commit --change 'CMD ["/lib/systemd/systemd"]' --change "LABEL seed.ami-digest=$digest" \
    "$build" "$ami" >/dev/null
  docker rm -f "$build" >/dev/null
  say "$ami ready"
done

# Images of the emulator's data plane, each a few Debian packages on seed/debian:bookworm, built once.
#   service_image IMAGE WHAT PACKAGES SETUP CMD: apt-get install PACKAGES, run SETUP, commit with CMD (JSON)
service_image() {
  local image=$1 what=$2 packages=$3 setup=$4 cmd=$5 build
  if docker image inspect "$image" >/dev/null 2>&1; then say "$image exists"; return; fi
  docker image inspect seed/debian:bookworm >/dev/null 2>&1 || return 0
  say "building $image ($what on seed/debian:bookworm)"
  build=seed-build-${image//[^a-z0-9]/-}
  docker rm -f "$build" >/dev/null 2>&1 || true
  docker run -d --name "$build" seed/debian:bookworm sleep infinity >/dev/null
  docker exec -e DEBIAN_FRONTEND=noninteractive "$build" sh -c \
    "apt-get update -qq && apt-get install -y -qq --no-install-recommends $packages >/dev/null && apt-get clean && rm -rf /var/lib/apt/lists/* $setup" \
    || { docker rm -f "$build" >/dev/null; echo "images: installing $packages in $image failed" >&2; exit 1; }
  docker stop -t 1 "$build" >/dev/null
  docker commit --change "CMD $cmd" "$build" "$image" >/dev/null
  docker rm -f "$build" >/dev/null
  say "$image ready"
}

# The load balancers' stand-in: HAProxy from Debian (emulator/loadbalancer.py runs one per ALB).
service_image seed/alb:bookworm haproxy haproxy '' '["haproxy", "-W", "-db", "-f", "/etc/seed-alb/haproxy.cfg"]'
# The VPCs' resolver: dnsmasq from Debian (emulator/dns.py runs one per VPC network, answering Route 53's records).
service_image seed/dns:bookworm dnsmasq dnsmasq-base '' '["dnsmasq", "--keep-in-foreground", "--conf-file=/etc/seed-dns/dnsmasq.conf"]'
# The managed data tier's stand-in: PostgreSQL and Redis from Debian (emulator/datatier.py runs one
# container per RDS instance and one per ElastiCache Redis cluster; the clusters are made there).
service_image seed/datatier:bookworm 'postgresql and redis-server' 'postgresql redis-server openssl' '&& pg_dropcluster 15 main' \
  '["sleep", "infinity"]'
