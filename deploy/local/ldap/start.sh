#!/usr/bin/env bash
# Runs the local directory: OpenLDAP slapd (Debian's `slapd` package) on ldap://127.0.0.1:3890,
# its data in .local/ldap/. Seeds the demo users and groups (seed.ldif) offline with slapadd the
# first time (and again, from scratch, whenever seed.ldif changes: the data is demo data only), then execs slapd in the foreground (a supervisor owns the process; SIGTERM stops it).
# Usage: deploy/local/ldap/start.sh [--check]   (--check: say what is missing and exit)
# Environment: DELOVOD_LDAP_PORT (3890), DELOVOD_LOCAL_DIR (<repo>/.local).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
local_dir="${DELOVOD_LOCAL_DIR:-$root/.local}"
port="${DELOVOD_LDAP_PORT:-3890}"
slapd=/usr/sbin/slapd
if [[ ! -x $slapd || ! -x /usr/sbin/slapadd || ! -x /usr/sbin/slappasswd ]]; then
  echo "[delovod] error: OpenLDAP is missing: DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils" >&2
  exit 2
fi
[[ ${1:-} == --check ]] && exit 0
base="$local_dir/ldap"
data="$base/data" run="$base/run" conf="$base/slapd.conf"
mkdir -p "$data" "$run"
sed -e "s#@DATA@#$data#g" -e "s#@RUN@#$run#g" "$here/slapd.conf.in" > "$conf"
seeded="$(sha256sum "$here/seed.ldif" | cut -d' ' -f1)"
if [[ -f $data/data.mdb && "$(cat "$base/seeded.sha256" 2>/dev/null)" != "$seeded" ]]; then
  rm -f "$data"/*.mdb  # an older seed: the demo directory is laid anew
fi
if [[ ! -f $data/data.mdb ]]; then
  seed="$base/seed.ldif"
  cp "$here/seed.ldif" "$seed"
  for user in $(grep -o '@PW_[a-z]*@' "$seed" | sed 's/@PW_\(.*\)@/\1/'); do
    hash="$(/usr/sbin/slappasswd -h '{SSHA}' -s "$user-demo-2026")"
    sed -i "s#@PW_$user@#$hash#" "$seed"
  done
  /usr/sbin/slapadd -q -f "$conf" -l "$seed"
  rm -f "$seed"
  echo "$seeded" > "$base/seeded.sha256"
fi
# -d 0: stay in the foreground, log nothing extra; -h: only the loopback port.
exec "$slapd" -f "$conf" -h "ldap://127.0.0.1:$port/" -d 0
