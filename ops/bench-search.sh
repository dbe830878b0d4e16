#!/usr/bin/env bash
# Benchmark of the back office's search at scale (tests/src/bin/bench_search.rs):
# generates collectivités with foyers, members, requests in every state and
# their history, then times the search of an agent with three filters and a
# sort against the raw SQL of the same statements, in the same run.
#
#   ops/bench-search.sh [COLLECTIVITES] [DEMANDES] [DEMANDES_SQLITE] [RECHERCHES]
#
# Defaults: PostgreSQL 100 collectivités × 10 000 requests (a million), SQLite
# one collectivité of 100 000 requests, 400 searches each. Needs the test
# services (ops/test-services.sh: PostgreSQL and its roles).
set -euo pipefail
cd "$(dirname "$0")/.."

TENANTS=${1:-100}
EACH=${2:-10000}
LITE=${3:-100000}
SEARCHES=${4:-400}
ops/test-services.sh >/dev/null
cargo build --release --locked -q --bin guichet -p guichet-server
cargo build --release --locked -q --bin bench-search -p guichet-tests
bench=target/release/bench-search
bin=target/release/guichet

work=$(mktemp -d /tmp/guichet-bench-search.XXXXXX)
pg_db="guichet_bench_search_$$"
export PGPASSWORD=guichet_test
cleanup() {
  psql -q -h 127.0.0.1 -U guichet_test -d postgres -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
export GUICHET_DATA_DIR=$work/data RUST_LOG=warn

echo "== PostgreSQL : $TENANTS collectivités × $EACH demandes"
psql -q -h 127.0.0.1 -U guichet_test -d postgres -c "CREATE DATABASE $pg_db" >/dev/null
url="postgres://guichet_test:guichet_test@127.0.0.1:5432/$pg_db"
GUICHET_DATABASE_URL=$url "$bin" migrate >/dev/null
start=$(date +%s)
"$bench" generate "$url" "$TENANTS" "$EACH"
echo "données créées en $(( $(date +%s) - start )) s"
psql -q -h 127.0.0.1 -U guichet_test -d "$pg_db" -c "ANALYZE households, individuals, requests, request_actions" >/dev/null
"$bench" run "$url" "$SEARCHES"

echo "== SQLite : 1 collectivité × $LITE demandes"
url="sqlite://$work/guichet.db"
GUICHET_DATABASE_URL=$url "$bin" migrate >/dev/null
start=$(date +%s)
"$bench" generate "$url" 1 "$LITE"
echo "données créées en $(( $(date +%s) - start )) s"
"$bench" run "$url" "$SEARCHES"
