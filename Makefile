# The two commands of the README: `make demo` and `make test`.
# Both prepare what they need on first use (venv, collections, Docker engine,
# base images) and skip it on the next run.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
ROOT := $(CURDIR)
export PATH := $(ROOT)/.venv/bin:$(PATH)
export VIRTUAL_ENV := $(ROOT)/.venv
export ANSIBLE_CONFIG := $(ROOT)/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH := $(ROOT)/.collections
export ANSIBLE_NOCOLOR ?= 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup python docker images test lint yamllint ansible-lint sanity unit integration molecule e2e demo demo-env demo-clean bench bench-hosts build clean
# Packaging: the changelog fragments and the execution environment.
.PHONY: changelog-lint ee versions soak bench-critical-path

help:
	@echo "Targets (D: needs Docker, which make docker installs and starts when missing):"
	@echo "  make demo           D  the main job end to end on the embedded emulator and containers"
	@echo "  make demo-env          the export lines that point ansible, boto and ssh at the running demo"
	@echo "  make demo-clean     D  tear the demo down (teardown.yml), check nothing is left, stop the emulator"
	@echo "  make test           D  every stage below in order: yamllint ... e2e (what .ci/run runs)"
	@echo "  make lint              yamllint and ansible-lint"
	@echo "  make yamllint          yamllint --strict on every YAML file"
	@echo "  make ansible-lint      ansible-lint, production profile"
	@echo "  make changelog-lint    antsibull-changelog lint: the fragments in changelogs/fragments"
	@echo "  make sanity            ansible-test sanity on a copy of the collection"
	@echo "  make unit              pytest tests/unit (modules against moto in-process)"
	@echo "  make versions          the unit tests on ansible-core 2.17 and 2.20, each in its own venv (.venvs/)"
	@echo "  make integration       pytest tests/integration (playbooks against the emulator on 127.0.0.1)"
	@echo "  make soak              the fault matrix with five seeds (not in make test, which runs one)"
	@echo "  make bench-critical-path D  a cold site.yml's critical path (bench/results-critical-path.md)"
	@echo "  make molecule       D  the roles on Debian 12 and 13 containers (extensions/molecule)"
	@echo "  make e2e            D  the demo on inventory/aws over SSH, secrets, bastion, deploy loop, rerun"
	@echo "  make bench             benchmarks against amazon.aws, writes bench/results.md (not in make test)"
	@echo "  make bench-hosts    D  the host side's speed on the demo's stack, writes bench/results-hosts.md (not in make test)"
	@echo "  make build             the collection tarball in build/ (what users install)"
	@echo "  make ee             D  the execution environment image seed/laravel-aws-ee:latest (ansible-builder)"
	@echo "  make setup          D  python, docker and images (make test and make demo do it first)"
	@echo "  make python            .venv with requirements.txt and the test and development pins of requirements-dev.txt"
	@echo "                          (to use the collection on AWS you need only pip install -r requirements.txt and the collection)"
	@echo "  make docker            install and start the Docker engine if docker info fails (root, Debian)"
	@echo "  make images         D  the local base images seed/debian:bookworm and :trixie (debootstrap)"
	@echo "  make clean             remove build/, tests/output/, .pytest_cache/"
	@echo "  make help              this list"

setup: python docker images

python:
	@bash scripts/setup.sh

docker:
	@bash scripts/docker.sh

images: docker
	@bash scripts/images.sh bookworm trixie

# scripts/test.sh: every stage below, each saying how long it took, in two chains side by side: Docker and the base
# images, then molecule and e2e; beside them, at a lower CPU priority, the stages that need no Docker (lint, sanity,
# unit, versions, integration), which take the CPU the Docker stages leave while they wait.
test:
	@bash scripts/test.sh

lint: yamllint ansible-lint

yamllint:
	@echo "== yamllint"; yamllint --strict .

ansible-lint:
	@echo "== ansible-lint (production profile)"; ansible-lint --profile production

sanity:
	@echo "== ansible-test sanity"; bash scripts/sanity.sh

unit:
	@echo "== unit tests"; pytest -q -n auto --durations=10 tests/unit

# The unit tests again on the lowest ansible-core meta/runtime.yml claims and on the newest
# (scripts/venvs.sh makes their venvs under .venvs/ on first use).
versions: python
	@echo "== unit tests on ansible-core 2.17 (Python 3.11) and 2.20 (Python 3.12)"; bash scripts/venvs.sh test

# Four workers on two cores: the integration tests mostly wait on AWS's paced states (the emulator's), about 60 % of
# two cores busy with two workers. Each file has its own emulator (--dist loadfile).
integration:
	@echo "== integration tests"; pytest -q -n 4 --dist loadfile --durations=15 tests/integration

molecule:
	@echo "== molecule"; bash scripts/molecule.sh

# The demo, end to end, on the path a user runs on AWS (scripts/e2e.sh): demo-clean, make demo at
# -vvv (no secret printed or readable), SSH only and the db host through the bastion, demo-env and
# ansible -m ping, the daily loop (commit, deploy.yml, rollback.yml), the execution environment
# (site.yml from the image reruns the stack and changes nothing), then the managed data tier built
# cold by the README's steps from a fresh venv and the tarball (scripts/e2e_readme.sh up ... down).
# After setup, as make demo: an image whose inputs changed (emulator/ami) is built again before the demo runs on it.
e2e: setup
	@echo "== end to end: the demo on inventory/aws over SSH, the daily loop, the rerun"
	@bash scripts/e2e.sh

# make demo DB_TIER=rds CACHE_TIER=redis: the managed data tier (RDS, ElastiCache Redis) instead of the
# db host, after make demo-clean.
# make demo DEMO_DOMAIN= : the stack without the demo's domain (shop.seed-demo.test by default; scripts/demo.sh).
DB_TIER ?= instance
CACHE_TIER ?= none
WEB_COUNT ?= 2
# make demo WEB_TIER=asg: the web tier as an Auto Scaling group (an image baked from one configured web host), after
# make demo-clean.
WEB_TIER ?= instances
demo: setup
	@DB_TIER=$(DB_TIER) CACHE_TIER=$(CACHE_TIER) WEB_COUNT=$(WEB_COUNT) WEB_TIER=$(WEB_TIER) bash scripts/demo.sh

# eval "$(make -s demo-env)": the export lines that point ansible, boto and ssh at the running demo.
demo-env:
	@bash scripts/demo.sh env

demo-clean: python
	@bash scripts/demo.sh clean

# The fault matrix with five seeds (make test runs seed 1): the full stack with the managed data tier, built, rebuilt and torn
# down under the emulator's aws profile with 10 % throttling (tests/integration/test_fault_matrix.py; docs/reliability.md).
SOAK_SEEDS ?= 1 2 3 4 5
soak: python
	@echo "== fault matrix, seeds $(SOAK_SEEDS)"; SEED_FAULT_SEEDS="$(SOAK_SEEDS)" .venv/bin/pytest -q -s tests/integration/test_fault_matrix.py

bench: python
	@bash bench/run.sh

# The host side's speed on the demo's stack (not in make test): cold site.yml, rerun, a release and the
# same release again, with 2, 4 and 8 web hosts; writes bench/results-hosts.md. BENCH_RUNS (3) runs each,
# BENCH_WEB_COUNTS ("2 4 8").
BENCH_RUNS ?= 3
BENCH_WEB_COUNTS ?= 2 4 8
bench-hosts: setup
	@.venv/bin/python bench/hosts.py --runs $(BENCH_RUNS) --web-counts $(BENCH_WEB_COUNTS)

# A cold site.yml on the demo with a timeline: which of AWS's waits ran side by side, which in series, and the same task graph
# at AWS's own durations (a model); writes bench/results-critical-path.md. BENCH_LABEL names the run (before, after).
BENCH_LABEL ?= after
bench-critical-path: setup
	@.venv/bin/python bench/critical_path.py --label $(BENCH_LABEL) --db-tier $(DB_TIER) --cache-tier $(CACHE_TIER)

build: python
	@mkdir -p build && ansible-galaxy collection build --force --output-path build .

changelog-lint: python
	@echo "== antsibull-changelog lint"; antsibull-changelog lint
	@echo "== changelog: a dry run of the next release (every module added since the last one announced)"; python scripts/changelog_dry_run.py

# The execution environment for AWX / AAP, as a user builds it (docs/execution-environment.md): `ansible-builder build`
# in build/ee, which holds only the collection's tarball, its dependencies' tarballs and the definition and
# ansible-navigator.yml taken out of the tarball; with Docker, on the local Debian image.
ee: python docker images
	@bash scripts/ee.sh build

clean:
	rm -rf build tests/output .pytest_cache
