#!/usr/bin/env bash
# Tools the test tiers drive but do not install through pip: Chromium (tests/browser, driven by
# Playwright without downloading a browser of its own) and kubectl (tests/unit/test_k8s_manifests.py,
# `kubectl kustomize`). Installs, from Debian packages, only what is missing and only as root;
# otherwise prints one line saying what to install and exits 0, so that those tests skip.
# Idempotent, and silent when everything is present.
set -euo pipefail

# command on the PATH -> Debian package that provides it
declare -A PACKAGE=([chromium]=chromium [kubectl]=kubectl)

missing=()
for cmd in chromium kubectl; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "[delovod] test tools missing: ${missing[*]}; install them (as root on Debian: bash deploy/local/test_tools.sh); their tests skip until then"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q

install=()
for cmd in "${missing[@]}"; do
    pkg="${PACKAGE[$cmd]}"
    # Debian 12 itself has no `kubectl` package (only kubernetes-client 1.20, whose kustomize is too
    # old for deploy/k8s's components): install it only where an apt source offers it.
    if apt-cache policy "$pkg" 2>/dev/null | grep -q 'Candidate: [^(]'; then
        install+=("$pkg")
    else
        echo "[delovod] no Debian package '$pkg' for $cmd on this machine: install $cmd yourself; its tests will skip"
    fi
done
if [ "${#install[@]}" -gt 0 ]; then
    apt-get install -y -q "${install[@]}"
fi
