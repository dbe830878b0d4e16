#!/usr/bin/env bash
# Benchmarks of the tenant portal, on SQLite and PostgreSQL:
#  1. submissions per second with 8 households at once (checks, number,
#     history, receipt e-mail), against the same rows written bare in the same
#     run (tests/src/bin/bench_portal.rs);
#  2. the « Mes demandes » page of a foyer with 50 requests, with wrk, against
#     /healthz on the same server in the same run, and their ratio.
#
#   ops/bench-portal.sh [SUBMISSIONS] [SECONDS] [CONNECTIONS]
#
# Needs the test services (ops/test-services.sh: PostgreSQL and its roles) and
# wrk (Debian: wrk).
set -euo pipefail
cd "$(dirname "$0")/.."

SUBMISSIONS=${1:-2000}
SECONDS_EACH=${2:-10}
CONNECTIONS=${3:-16}
command -v wrk >/dev/null || { echo "ops: wrk est introuvable (apt-get install wrk)" >&2; exit 1; }
ops/test-services.sh >/dev/null
cargo build --release --locked -q --bin guichet -p guichet-server
cargo build --release --locked -q --bin bench-portal -p guichet-tests
bench=target/release/bench-portal
bin=target/release/guichet

echo "== Envois de demandes"
for backend in sqlite postgres; do
  "$bench" submit "$SUBMISSIONS" "$backend"
done

echo "== Page « Mes demandes » d’un foyer de 50 demandes"
work=$(mktemp -d /tmp/guichet-bench-portal.XXXXXX)
server_pid=
pg_db=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$pg_db" ] && PGPASSWORD=guichet_test psql -q -h 127.0.0.1 -U guichet_test -d postgres -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

rate() { # URL [HEADER...]
  local url=$1; shift
  local args=(-t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s")
  for h in "$@"; do args+=(-H "$h"); done
  local out
  out=$(wrk "${args[@]}" "$url")
  if grep -q "Non-2xx" <<<"$out"; then
    echo "ops: réponses en erreur pendant la mesure de $url" >&2
    echo "$out" >&2
    exit 1
  fi
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}

for backend in sqlite postgres; do
  if [ "$backend" = sqlite ]; then
    url="sqlite://$work/guichet.db"
    serve_url=$url
  else
    # Made and migrated by the owner, served by the runtime role (as in production).
    pg_db="guichet_bench_portal_$$"
    PGPASSWORD=guichet_test psql -q -h 127.0.0.1 -U guichet_test -d postgres -c "CREATE DATABASE $pg_db" >/dev/null
    url="postgres://guichet_test:guichet_test@127.0.0.1:5432/$pg_db"
    # Served without TLS, as a database on the same host is: on this
    # loopback TLS cost the page a third of its rate (907 against 1 297 req/s).
    serve_url="postgres://guichet_test_app:guichet_test_app@127.0.0.1:5432/$pg_db?sslmode=disable"
    export GUICHET_APP_ROLE=guichet_test_app
  fi
  port=$(free_port)
  prov_port=$(free_port)
  export GUICHET_DATABASE_URL=$url GUICHET_DATA_DIR=$work/data-$backend
  export GUICHET_LISTEN=127.0.0.1:$port GUICHET_PROVISIONING_LISTEN=127.0.0.1:$prov_port RUST_LOG=warn
  "$bin" demo >/dev/null
  "$bench" foyer "$url" famille.durand@demo.localhost.fr 50
  GUICHET_DATABASE_URL=$serve_url "$bin" serve >"$work/serve-$backend.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
  done
  host="demo.localhost:$port"
  jar=$work/cookies-$backend
  page=$(curl -s -c "$jar" -b "$jar" -H "Host: $host" "http://127.0.0.1:$port/connexion")
  token=$(grep -o 'name="csrf_token" value="[^"]*"' <<<"$page" | head -1 | sed 's/.*value="//;s/"$//')
  curl -s -o /dev/null -c "$jar" -b "$jar" -H "Host: $host" -H "Origin: http://$host" \
    --data-urlencode "csrf_token=$token" --data-urlencode "email=famille.durand@demo.localhost.fr" \
    --data-urlencode "password=demo-guichet-2026" "http://127.0.0.1:$port/connexion"
  cookie=$(awk '$6 == "guichet_portail" {print $6"="$7}' "$jar")
  [ -n "$cookie" ] || { echo "ops: connexion du foyer de démonstration impossible" >&2; exit 1; }
  lines=$(curl -s -H "Host: $host" -H "Cookie: $cookie" "http://127.0.0.1:$port/mes-demandes" | grep -c 'href="/mes-demandes/[0-9]*"' || true)
  healthz=$(rate "http://127.0.0.1:$port/healthz")
  dashboard=$(rate "http://127.0.0.1:$port/mes-demandes" "Host: $host" "Cookie: $cookie")
  echo "base : $backend ; la page montre $lines demandes"
  echo "/healthz (point nu)           : $healthz requêtes/s"
  echo "/mes-demandes (50 demandes)   : $dashboard requêtes/s"
  python3 -c "print(f'rapport mes-demandes / healthz : {$dashboard / $healthz:.3f}')"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
done
