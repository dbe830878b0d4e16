#!/usr/bin/env bash
# Benchmark of online payment (tests/src/bin/bench_payments.rs): N payments
# opened at the test bank, paid there, then their notifications posted to the
# server by C clients at once, each checked against the bank before anything
# is settled, then replayed; against, in the same run, the bank's detail
# calls alone and the server's bare health endpoint.
#
#   ops/bench-payments.sh [N] [CLIENTS]
#
# Defaults: 2000 payments, 8 clients; on PostgreSQL, then SQLite. Needs the
# test services (ops/test-services.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-2000}
CLIENTS=${2:-8}
ops/test-services.sh >/dev/null
cargo build --release --locked -q --bin guichet -p guichet-server
cargo build --release --locked -q --bin bench-payments -p guichet-tests
bin=target/release/guichet
bench=target/release/bench-payments

work=$(mktemp -d /tmp/guichet-bench-payments.XXXXXX)
pg_db="guichet_bench_payments_$$"
export PGPASSWORD=guichet_test
cleanup() {
  psql -q -h 127.0.0.1 -U guichet_test -d postgres -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
export GUICHET_DATA_DIR=$work/data RUST_LOG=warn

echo "== PostgreSQL : $N paiements, $CLIENTS clients"
psql -q -h 127.0.0.1 -U guichet_test -d postgres -c "CREATE DATABASE $pg_db" >/dev/null
url="postgres://guichet_test:guichet_test@127.0.0.1:5432/$pg_db"
GUICHET_DATABASE_URL=$url "$bin" migrate >/dev/null
"$bench" "$url" "$N" "$CLIENTS"

echo "== SQLite : $N paiements, $CLIENTS clients"
url="sqlite://$work/bench.db"
GUICHET_DATABASE_URL=$url "$bin" migrate >/dev/null
"$bench" "$url" "$N" "$CLIENTS"
