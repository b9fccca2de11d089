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

.PHONY: help setup python docker images test lint yamllint ansible-lint sanity unit integration molecule e2e demo demo-env demo-clean bench build clean

help:
	@echo "make demo   run the main job end to end on the embedded emulator (+ containers)"
	@echo "make test   every test: lint, sanity, unit, integration, molecule, the demo end to end"
	@echo "make bench  benchmarks against amazon.aws (not part of make test)"

setup: python docker images

python:
	@bash scripts/setup.sh

docker:
	@bash scripts/docker.sh

images: docker
	@bash scripts/images.sh bookworm trixie

test: setup
	@$(MAKE) --no-print-directory yamllint ansible-lint sanity unit integration molecule e2e
	@echo "make test: all stages passed"

lint: yamllint ansible-lint

yamllint:
	@echo "== yamllint"; yamllint --strict .

ansible-lint:
	@echo "== ansible-lint (production profile)"; ansible-lint --profile production

sanity:
	@echo "== ansible-test sanity"; bash scripts/sanity.sh

unit:
	@echo "== unit tests"; pytest -q tests/unit

integration:
	@echo "== integration tests"; pytest -q tests/integration

molecule:
	@echo "== molecule"; bash scripts/molecule.sh

# The demo, end to end from nothing: make demo-clean (a demo left running is removed first; it
# shares the emulator port and container names), make demo at -vvv (its log must hold no secret),
# make demo again (must change nothing), make demo-clean.
e2e:
	@echo "== end to end: make demo-clean, make demo at -vvv, no secret printed, make demo again, make demo-clean"
	@bash scripts/demo.sh clean && SEED_DEMO_VERBOSITY=-vvv bash scripts/demo.sh \
	  && .venv/bin/python scripts/check_demo_secrets.py .cache/demo/site.log \
	  && bash scripts/demo.sh && bash scripts/demo.sh clean

demo: setup
	@bash scripts/demo.sh

# eval "$(make -s demo-env)": the export lines that point ansible, boto and ssh at the running demo.
demo-env:
	@bash scripts/demo.sh env

demo-clean: python
	@bash scripts/demo.sh clean

bench: python
	@bash bench/run.sh

build: python
	@mkdir -p build && ansible-galaxy collection build --force --output-path build .

clean:
	rm -rf build tests/output .pytest_cache
