#!/usr/bin/env bash
# Tools the test tiers drive that the venv does not hold, installed when missing:
#   chromium     Debian's browser; tests/browser drive it with Playwright (no downloaded browser)
#   kustomize    renders deploy/k8s for tests/unit/test_k8s_manifests.py (Debian 12 has no kubectl)
#   kubeconform  validates those renderings (offline, with kubernetes-validate's schemas)
#   kube-score   lints them (findings left standing are justified in deploy/k8s/checks-accepted.yaml)
#   checkov      lints them too, from its own venv .local/checkov-venv (it pins packaging<24,
#                which the project's venv must not inherit)
#   Python packages of requirements-dev.txt the tiers import (playwright, kubernetes-validate)
# Go tools are built with the machine's own Go (GOTOOLCHAIN=local) into .local/bin, and kept
# when .local/bin already holds the pinned version. Idempotent; silent when all is present.
# A tool that cannot be installed: under CI=true the script ends with one line and exit 1 (its
# tests could only skip); elsewhere it says in one line what to install and exits 0.
set -euo pipefail
cd "$(dirname "$0")/../.."

TOOLS_BIN="${DELOVOD_TOOLS_BIN:-$PWD/.local/bin}"
CHROMIUM="${DELOVOD_TEST_CHROMIUM:-/usr/bin/chromium}"            # tests/browser/conftest.py's default
VPY="$PWD/.venv/bin/python"
# name, Go package, module, version
GO_TOOLS=(
    "kustomize sigs.k8s.io/kustomize/kustomize/v5 sigs.k8s.io/kustomize/kustomize/v5 v5.7.1"
    "kubeconform github.com/yannh/kubeconform/cmd/kubeconform github.com/yannh/kubeconform v0.8.0"
    "kube-score github.com/zegl/kube-score/cmd/kube-score github.com/zegl/kube-score v1.20.0"
)
CHECKOV_VENV="${DELOVOD_CHECKOV_VENV:-$PWD/.local/checkov-venv}"
CHECKOV_VERSION=3.3.30
PYTHON_MODULES=(playwright axe_playwright_python kubernetes_validate)

missing=()   # one phrase per tool that could not be installed: what it is and how to get it

ensure_chromium() {
    [ -x "$CHROMIUM" ] && return 0
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        missing+=("chromium ($CHROMIUM; as root on Debian: apt-get install chromium)")
        return 0
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get update -qq; then
        missing+=("chromium (apt-get update failed; see above)")
        return 0
    fi
    # Captured, then matched: `apt-cache policy | grep -q` under pipefail fails with 141 whenever
    # grep exits before apt-cache has written everything (SIGPIPE), reporting a present package absent.
    local policy
    policy="$(apt-cache policy chromium 2>/dev/null)" || policy=""
    if [[ ! "$policy" =~ Candidate:\ [^\(] ]]; then
        missing+=("chromium (no Debian package 'chromium' in this machine's apt sources)")
        return 0
    fi
    if ! apt-get install -y -qq chromium >/dev/null; then
        missing+=("chromium (apt-get install chromium failed; see above)")
        return 0
    fi
    [ -x "$CHROMIUM" ] || missing+=("chromium (apt-get installed the package, yet $CHROMIUM is not there)")
}

# True when $1 was built from package $2 of module $3 at version $4 (read from the binary itself).
has_go_tool() {
    local binary="$1" package="$2" module="$3" version="$4" info
    [ -x "$binary" ] || return 1
    command -v go >/dev/null 2>&1 || return 0   # cannot read its version; keep what is there
    info="$(go version -m "$binary" 2>/dev/null)" || return 1
    [[ "$info" == *$'\tpath\t'"$package"$'\n'* && "$info" == *$'\tmod\t'"$module"$'\t'"$version"$'\t'* ]]
}

ensure_go_tool() {
    local name="$1" package="$2" module="$3" version="$4"
    has_go_tool "$TOOLS_BIN/$name" "$package" "$module" "$version" && return 0
    if ! command -v go >/dev/null 2>&1; then
        missing+=("$name $version (needs Go from https://go.dev/dl, then: bash deploy/local/test_tools.sh)")
        return 0
    fi
    mkdir -p "$TOOLS_BIN"
    if ! GOTOOLCHAIN=local GOBIN="$TOOLS_BIN" go install "$package@$version"; then
        missing+=("$name $version (go install $package@$version failed; see above)")
    fi
}

has_python_modules() {
    local IFS=,
    "$VPY" -c "import ${PYTHON_MODULES[*]}" 2>/dev/null
}

ensure_python_modules() {
    [ -x "$VPY" ] || return 0   # no venv yet: `make venv` installs requirements-dev.txt
    has_python_modules && return 0
    "$VPY" -m pip install -q --disable-pip-version-check -r requirements-dev.txt || true
    has_python_modules ||
        missing+=("Python packages ${PYTHON_MODULES[*]} (.venv/bin/python -m pip install -r requirements-dev.txt)")
}

has_checkov() {
    [ "$("$CHECKOV_VENV/bin/checkov" --version 2>/dev/null)" = "$CHECKOV_VERSION" ]
}

ensure_checkov() {
    has_checkov && return 0
    if ! command -v python3 >/dev/null 2>&1; then
        missing+=("checkov $CHECKOV_VERSION (needs python3 3.9-3.12 for its venv $CHECKOV_VENV)")
        return 0
    fi
    if ! { python3 -m venv "$CHECKOV_VENV" &&
           "$CHECKOV_VENV/bin/pip" install -q --disable-pip-version-check "checkov==$CHECKOV_VERSION"; }; then
        missing+=("checkov $CHECKOV_VERSION (pip install checkov==$CHECKOV_VERSION into $CHECKOV_VENV failed; see above)")
        return 0
    fi
    has_checkov || missing+=("checkov $CHECKOV_VERSION (installed into $CHECKOV_VENV, yet its --version differs)")
}

main() {
    local tool
    ensure_chromium
    for tool in "${GO_TOOLS[@]}"; do
        # shellcheck disable=SC2086  # four words on purpose
        ensure_go_tool $tool
    done
    ensure_python_modules
    ensure_checkov
    [ "${#missing[@]}" -eq 0 ] && return 0
    local IFS=';'
    if [ "${CI:-}" = true ]; then
        echo "[delovod] error: CI=true and test tools are missing, so their tests would skip:${missing[*]/#/ }" >&2
        return 1
    fi
    echo "[delovod] test tools missing, their tests will skip:${missing[*]/#/ }"
}

main "$@"
