#!/usr/bin/env bash
# Build the local base images that stand in for EC2 instances and Molecule
# platforms: Debian 12 (bookworm) and 13 (trixie) with systemd, python3 and
# sudo. No registry is reachable, so each is made with debootstrap from the
# Debian mirror and `docker import`ed. Skipped when the image exists.
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
