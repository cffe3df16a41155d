#!/bin/sh
# Runs `weed` (SeaweedFS) with a /tmp of its own where it may (root, as in CI).
# SeaweedFS keeps its internal unix sockets at fixed paths in /tmp
# (/tmp/seaweedfs-filer-grpc-18888.sock, ...): two stacks on one host, e.g. in separate
# network namespaces, would otherwise reach each other's filer through them; the fault
# tier saw acknowledged scans written into another stack's SeaweedFS that way.
if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
  exec unshare -m --propagation private /bin/sh -c 'mount -t tmpfs -o size=16m tmpfs /tmp && exec weed "$@"' weed "$@"
fi
exec weed "$@"
