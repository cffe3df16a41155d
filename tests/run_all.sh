#!/usr/bin/env bash
# `make test`: start the stack (installing what is missing), run every tier, and stop
# the stack again if this run started it. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
was_running=0
if [ -f .local/run/supervisord.pid ] && kill -0 "$(cat .local/run/supervisord.pid)" 2>/dev/null; then was_running=1; fi
bash deploy/local/test_tools.sh || exit $?   # kubectl and Debian's chromium, for the k8s and browser tests
make -s up || exit $?
if [ "$was_running" = 0 ]; then trap 'make -s down' EXIT; fi
.venv/bin/python -m pytest -q tests "$@"
