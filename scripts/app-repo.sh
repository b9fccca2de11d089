#!/usr/bin/env bash
# Make the sample app a git repository of its own, as users' apps are:
# <folder>/laravel-app.git (bare) and <folder>/laravel-app.git.tar.gz (Molecule ships it to its
# hosts as one file; the demo serves the bare repository from its git server).
#   scripts/app-repo.sh [folder (default build)] [commit message suffix]
# The commit is reproducible: same files, same commit id.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=examples/laravel-app
OUT=${1:-build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -a "$SRC/." "$work/"
rm -rf "$work/vendor" "$work/.env"
export GIT_AUTHOR_NAME=seed GIT_AUTHOR_EMAIL=seed@example.invalid GIT_COMMITTER_NAME=seed GIT_COMMITTER_EMAIL=seed@example.invalid
export GIT_AUTHOR_DATE=2024-01-01T00:00:00Z GIT_COMMITTER_DATE=2024-01-01T00:00:00Z
git -C "$work" init -q -b main
git -C "$work" add -A
git -C "$work" commit -q -m "Sample Laravel app (${2:-release})"
mkdir -p "$OUT"
rm -rf "$OUT/laravel-app.git"
git clone -q --bare "$work" "$OUT/laravel-app.git"
tar -C "$OUT" -czf "$OUT/laravel-app.git.tar.gz" laravel-app.git
git -C "$OUT/laravel-app.git" rev-parse HEAD
