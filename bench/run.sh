#!/usr/bin/env bash
# `make bench`: benchmarks against amazon.aws on the same emulator (not part of make test).
# Raw figures go to bench/results/*.json (not committed), the report to bench/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python bench/stack.py --runs "${BENCH_RUNS:-5}"
read -ra sizes <<< "${BENCH_INVENTORY_SIZES:-1000 5000}"
.venv/bin/python bench/inventory.py --sizes "${sizes[@]}" --repeat "${BENCH_RUNS:-5}"
.venv/bin/python bench/report.py
