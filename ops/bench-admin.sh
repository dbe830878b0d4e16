#!/usr/bin/env bash
# Benchmark of the administration's heavy work (tests/src/bin/bench_admin.rs)
# on one collectivité filled by bench-search's generator: courrier PDFs per
# second, the export of every request as CSV and ODS (rows per second, peak
# memory) against the same rows read bare, and the statistics page's tables
# against their grouped statements in raw SQL, in the same run.
#
#   ops/bench-admin.sh [DEMANDES_POSTGRESQL] [DEMANDES_SQLITE] [COURRIERS]
#
# Defaults: a million requests in one collectivité on PostgreSQL, 100 000 on
# SQLite, 300 courriers. Needs the test services (ops/test-services.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

PG=${1:-1000000}
LITE=${2:-100000}
COURRIERS=${3:-300}
ops/test-services.sh >/dev/null
cargo build --release --locked -q --bin guichet -p guichet-server
cargo build --release --locked -q --bin bench-search --bin bench-admin -p guichet-tests
generate=target/release/bench-search
bench=target/release/bench-admin
bin=target/release/guichet

work=$(mktemp -d /tmp/guichet-bench-admin.XXXXXX)
pg_db="guichet_bench_admin_$$"
export PGPASSWORD=guichet_test
cleanup() {
  psql -q -h 127.0.0.1 -U guichet_test -d postgres -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
export GUICHET_DATA_DIR=$work/data RUST_LOG=warn

if [ "$PG" -gt 0 ]; then
  echo "== PostgreSQL : 1 collectivité × $PG demandes"
  psql -q -h 127.0.0.1 -U guichet_test -d postgres -c "CREATE DATABASE $pg_db" >/dev/null
  url="postgres://guichet_test:guichet_test@127.0.0.1:5432/$pg_db"
  GUICHET_DATABASE_URL=$url "$bin" migrate >/dev/null
  start=$(date +%s)
  "$generate" generate "$url" 1 "$PG"
  echo "données créées en $(( $(date +%s) - start )) s"
  psql -q -h 127.0.0.1 -U guichet_test -d "$pg_db" -c "ANALYZE households, individuals, requests, request_actions" >/dev/null
  "$bench" run "$url" "$COURRIERS"
fi

if [ "$LITE" -gt 0 ]; then
  echo "== SQLite : 1 collectivité × $LITE demandes"
  url="sqlite://$work/guichet.db"
  GUICHET_DATABASE_URL=$url "$bin" migrate >/dev/null
  start=$(date +%s)
  "$generate" generate "$url" 1 "$LITE"
  echo "données créées en $(( $(date +%s) - start )) s"
  "$bench" run "$url" "$COURRIERS"
fi
