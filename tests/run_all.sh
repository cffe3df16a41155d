#!/usr/bin/env bash
# `make test`: start the stack (installing what is missing), run every tier, then the
# fault tier, and stop the stack again if this run started it. Extra arguments go to the
# first pytest (every tier but the fault tier).
set -uo pipefail
cd "$(dirname "$0")/.."
was_running=0
if [ -f .local/run/supervisord.pid ] && kill -0 "$(cat .local/run/supervisord.pid)" 2>/dev/null; then was_running=1; fi
bash deploy/local/test_tools.sh || exit $?   # Chromium, kustomize, kubeconform, kube-score, checkov, the dev packages: browser and manifest tiers
# the desk's vendored upload bundle is what npm's pinned packages build, byte for byte (its
# provenance, not only its agreement with uppy.json, which a unit test checks)
bash services/desk/scripts/vendor_uppy.sh --verify || exit $?
# set before `make up`: a start that fails half-way must not leave servers running
if [ "$was_running" = 0 ]; then trap 'make -s down' EXIT; fi
make -s up || exit $?
.venv/bin/python -m pytest -q tests --ignore=tests/fault "$@"
tiers=$?
# The fault tier last, on its own: it kills and pauses the stack's processes under load
# (tests/fault; bounded, loopback) and leaves the stack whole again.
.venv/bin/python -m pytest -q -m fault tests/fault
faults=$?
exit $(( tiers != 0 ? tiers : faults ))
