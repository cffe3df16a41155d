# delovod: the only commands a newcomer needs. See README.md.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
export PYTHONPATH := $(CURDIR)/proto:$(CURDIR)/libs:$(CURDIR)/services

.PHONY: help venv up down status demo test test-unit test-integration test-e2e test-fault bench screenshots proto proto-check docs dead-letters images k8s-apiserver k8s-dry-run clean

help:
	@echo "make demo   - install what is missing, start everything, register a sample letter end to end"
	@echo "make test   - install and start everything, run all test tiers, stop what it started"
	@echo "make up / make down / make status / make bench / make screenshots / make proto / make docs / make dead-letters"
	@echo "make k8s-dry-run - server-side dry run of deploy/k8s against a kube-apiserver built here (see deploy/k8s/README.md)"
	@echo "make images - build the five service images (four services and the desk) offline with buildah (root; see deploy/image)"

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-local.txt
	@command -v $(PY) >/dev/null || { echo "[delovod] error: python3 (3.11+) is missing"; exit 2; }
	@test -x $(VPY) || $(PY) -m venv $(VENV)
	@$(VPY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

up: venv
	@$(VPY) deploy/local/stack.py up

down:
	@if [ -x $(VPY) ]; then $(VPY) deploy/local/stack.py down; fi

status: venv
	@$(VPY) deploy/local/stack.py status

demo: up
	@$(VPY) -m demo

test: venv
	@bash tests/run_all.sh

test-unit: venv
	@$(VPY) -m pytest -q tests/unit tests/contract -m "not integration"

test-integration: up
	@$(VPY) -m pytest -q -m integration tests/integration tests/contract

test-e2e: up
	@$(VPY) -m pytest -q tests/e2e

test-fault: up
	@$(VPY) -m pytest -q -m fault tests/fault

bench: up
	@$(VPY) -m bench.run

screenshots: venv
	@$(VPY) docs/screenshots/make.py

proto: venv
	@$(VPY) -m delovod_proto.generate

proto-check: venv
	@$(VPY) -m delovod_proto.generate --check

docs: venv
	@$(VPY) -m docs.settings_table --write README.md

dead-letters: venv
	@$(VPY) -m servicekit.dead_letters list

images:
	@bash deploy/image/build.sh

k8s-apiserver:
	@bash deploy/k8s/apiserver/build.sh

# Not part of `make test`: a cold build of kube-apiserver takes many minutes (deploy/k8s/README.md).
k8s-dry-run: venv k8s-apiserver
	@bash deploy/local/test_tools.sh
	@$(VPY) deploy/k8s/dry_run.py

clean: down
	rm -rf .local
