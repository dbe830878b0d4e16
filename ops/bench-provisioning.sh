#!/usr/bin/env bash
# Benchmark: provisioning N agents (10 000 by default) through Guichet's JSON
# API, against adding the same entries with plain `ldapadd`, on the same
# private slapd, in the same run. Prints agents per second for both and
# their ratio.
#
#   ops/bench-provisioning.sh [N] [CONCURRENCY]
#
# The database is SQLite in a temporary directory, or GUICHET_BENCH_DATABASE_URL
# (an empty PostgreSQL database) when set.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-10000}
CONCURRENCY=${2:-8}
work=$(mktemp -d /tmp/guichet-bench.XXXXXX)
ldap_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pub_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
prov_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  ops/slapd.sh stop "$work/slapd" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "ops: compilation (release)" >&2
cargo build --release --locked --bin guichet >&2
bin=target/release/guichet

ops/slapd.sh start "$work/slapd" "$ldap_port" >&2
export GUICHET_DATABASE_URL=${GUICHET_BENCH_DATABASE_URL:-sqlite://$work/guichet.db}
export GUICHET_DATA_DIR=$work/data
export GUICHET_LISTEN=127.0.0.1:$pub_port
export GUICHET_PROVISIONING_LISTEN=127.0.0.1:$prov_port
export GUICHET_LDAP_URL=ldap://127.0.0.1:$ldap_port
export GUICHET_LDAP_BIND_DN=cn=admin,dc=guichet,dc=test
export GUICHET_LDAP_BIND_PASSWORD=secret
export GUICHET_LDAP_BASE_DN=dc=guichet,dc=test
export RUST_LOG=warn

"$bin" migrate >&2
echo 'mot-de-passe-du-banc-2026' | "$bin" admin create-superadmin --login bench --password-stdin >&2
"$bin" serve 2>"$work/serve.log" &
server_pid=$!

python3 ops/bench/provision.py \
  --api "http://127.0.0.1:$prov_port" --login bench --password 'mot-de-passe-du-banc-2026' \
  --ldap-url "ldap://127.0.0.1:$ldap_port" --bind-dn "$GUICHET_LDAP_BIND_DN" --bind-password secret \
  --base-dn "$GUICHET_LDAP_BASE_DN" --agents "$N" --concurrency "$CONCURRENCY" --work "$work"
