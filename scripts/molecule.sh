#!/usr/bin/env bash
# Run every Molecule scenario under extensions/molecule/ (Docker driver, local base images).
# A scenario name can be given to run just that one: scripts/molecule.sh stack
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
bash scripts/app-repo.sh >/dev/null   # the sample app as a git repository, for the laravel role
scenarios=()
for f in extensions/molecule/*/molecule.yml; do
  name=$(basename "$(dirname "$f")")
  [ "$name" = default ] && continue
  if [ $# -eq 0 ] || [[ " $* " == *" $name "* ]]; then scenarios+=("$name"); fi
done
if [ ${#scenarios[@]} -eq 0 ]; then
  echo "molecule: no scenarios"
  exit 0
fi
# Amazon Linux 2023 cannot be run here (no image can be had): its vars are at least parsed.
for role in roles/*/; do
  [ -f "$role/vars/RedHat.yml" ] && python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$role/vars/RedHat.yml"
done
cd extensions
for name in "${scenarios[@]}"; do
  echo "== molecule scenario $name"
  molecule test -s "$name"
done
