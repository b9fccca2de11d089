#!/usr/bin/env bash
# Prepare the Python side: .venv with the runtime requirements (requirements.txt)
# and the development pins (requirements-dev.txt), the collection
# visible to ansible under .collections/, and ansible-test's offline pip
# bootstrap. Every step is skipped when already done, so a rerun takes a second.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-python3}
VENV=$ROOT/.venv
STAMP=$VENV/.requirements.sha256

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)' 2>/dev/null; then
  echo "setup: $PYTHON is missing or older than 3.11; ansible-core 2.19 needs Python 3.11+ (set PYTHON=...)" >&2
  exit 1
fi
if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing python3-venv"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  else
    echo "setup: Python's venv/ensurepip is missing; install python3-venv" >&2
    exit 1
  fi
fi

# ansible-test's shellcheck sanity test needs it; skipped (with a warning) if absent.
if ! command -v shellcheck >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  say "installing shellcheck"
  { apt-get install -y -qq shellcheck || { apt-get update -qq && apt-get install -y -qq shellcheck; }; } >/dev/null 2>&1 ||
    say "could not install shellcheck; ansible-test will skip that test"
fi

# The unit test of the emulator's DNS config runs Debian's dnsmasq on loopback (the data plane runs it in the image
# seed/dns, scripts/images.sh); skipped if absent.
if ! command -v dnsmasq >/dev/null && [ ! -x /usr/sbin/dnsmasq ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  say "installing dnsmasq-base"
  { apt-get install -y -qq dnsmasq-base || { apt-get update -qq && apt-get install -y -qq dnsmasq-base; }; } >/dev/null 2>&1 ||
    say "could not install dnsmasq-base; the DNS config's test on loopback will be skipped"
fi

# The emulator's data plane enforces the security groups and routes with nftables on the host (emulator/network.py);
# without nft it refuses to start the data plane.
if ! command -v nft >/dev/null && [ ! -x /usr/sbin/nft ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  say "installing nftables"
  { apt-get install -y -qq nftables || { apt-get update -qq && apt-get install -y -qq nftables; }; } >/dev/null 2>&1 ||
    say "could not install nftables; the demo's data plane will not start"
fi

want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  say "creating .venv with requirements.txt and requirements-dev.txt (first run takes a few minutes)"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
  echo "$want" > "$STAMP"
else
  say ".venv is up to date"
fi

# The collection, as ansible sees it: .collections/ansible_collections/seed/laravel_aws
mkdir -p .collections/ansible_collections/seed
link=.collections/ansible_collections/seed/laravel_aws
if [ "$(readlink "$link" 2>/dev/null)" != "$ROOT" ]; then
  # A copy installed by `ansible-galaxy collection install -r collections/requirements.yml`
  # (a fresh clone's way) would hide edits to the checkout: the link replaces it.
  if [ -d "$link" ] && [ ! -L "$link" ]; then
    say "replacing the installed copy in $link with a link to this checkout"
    rm -rf "$link"
  fi
  ln -sfn "$ROOT" "$link"
fi

# ansible-test sanity --requirements downloads get-pip.py, which is unreachable
# here. It reads a cached copy first; this stand-in bootstraps pip with
# ensurepip and then installs what it was asked for.
for pipver in $("$VENV/bin/python" - <<'PY'
import pathlib, re, ansible_test
src = pathlib.Path(ansible_test.__file__).parent / '_internal' / 'python_requirements.py'
print(' '.join(sorted(set(re.findall(r"pip='([0-9.]+)'", src.read_text())))))
PY
); do
  cache=$HOME/.ansible/test/cache
  stub=$cache/get_pip_${pipver//./_}.py
  if ! cmp -s scripts/get_pip_offline.py "$stub"; then
    mkdir -p "$cache"
    cp scripts/get_pip_offline.py "$stub"
    say "wrote offline pip bootstrap for ansible-test: $stub"
  fi
done
say "python side ready"
