#!/usr/bin/env bash
# `make bench`: benchmarks against amazon.aws on the same emulator (not part of make test).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python bench/network.py --runs "${BENCH_RUNS:-3}" --out bench/results-network.md
read -ra sizes <<< "${BENCH_INVENTORY_SIZES:-1000 5000}"
.venv/bin/python bench/inventory.py --sizes "${sizes[@]}" --out bench/results-inventory.md
