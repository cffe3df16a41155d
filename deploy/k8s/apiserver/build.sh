#!/usr/bin/env bash
# Builds kube-apiserver from the Go module proxy into .local/bin (deploy/k8s/dry_run.py runs it).
# go.mod here requires k8s.io/kubernetes and replaces each staging module by its published
# release: `go install k8s.io/kubernetes/cmd/kube-apiserver@v1.x` refuses a module with
# replace directives, and the git repository is too large to fetch. Kept (not rebuilt) when
# .local/bin/kube-apiserver already is that version; Go's build cache makes a rebuild quick.
set -euo pipefail
cd "$(dirname "$0")"
ROOT="$(cd ../../.. && pwd)"
OUT="$ROOT/.local/bin/kube-apiserver"
VERSION="$(sed -n 's/^require k8s.io\/kubernetes \(v[0-9.]*\)$/\1/p' go.mod)"
if [ -x "$OUT" ] && go version -m "$OUT" 2>/dev/null | grep -q $'\tmod\tk8s.io/kubernetes\t'"$VERSION"$'\t'; then
    exit 0
fi
minor="${VERSION#v1.}"; minor="${minor%%.*}"
pkg=k8s.io/component-base/version
ldflags="-s -w -X $pkg.gitVersion=$VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
ldflags+=" -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
mkdir -p "$ROOT/.local/bin"
echo "[kube-apiserver] building $VERSION with $(GOTOOLCHAIN=local go version | cut -d' ' -f3) into .local/bin (cold: many minutes)"
start=$(date +%s)
GOTOOLCHAIN=local GOFLAGS=-mod=readonly go build -trimpath -ldflags "$ldflags" -o "$OUT" k8s.io/kubernetes/cmd/kube-apiserver
echo "[kube-apiserver] built in $(( $(date +%s) - start )) s: $(du -h "$OUT" | cut -f1)"
