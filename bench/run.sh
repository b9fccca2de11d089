#!/usr/bin/env bash
# `make bench`: benchmarks against amazon.aws on the same emulator (not part of make test).
# Raw figures go to bench/results/*.json (not committed), the report to bench/results.md.
# BENCH_ONLY picks benches (default "stack inventory alb"); a section whose JSON is absent
# keeps its text from the previous results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
read -ra only <<< "${BENCH_ONLY:-stack inventory alb}"
for bench in "${only[@]}"; do
  case "$bench" in
    stack) .venv/bin/python bench/stack.py --runs "${BENCH_RUNS:-5}" ;;
    inventory)
      read -ra sizes <<< "${BENCH_INVENTORY_SIZES:-1000 5000}"
      .venv/bin/python bench/inventory.py --sizes "${sizes[@]}" --repeat "${BENCH_RUNS:-5}" ;;
    alb) .venv/bin/python bench/alb.py --runs "${BENCH_RUNS:-5}" ;;
    *) echo "BENCH_ONLY: unknown bench $bench (stack, inventory, alb)" >&2; exit 2 ;;
  esac
done
.venv/bin/python bench/report.py
