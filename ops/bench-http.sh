#!/usr/bin/env bash
# Benchmark: the cost of the tenant gate. wrk against the portal's home page of
# the demo collectivité (resolution of the Host header to a collectivité, then
# a page rendered) and against /healthz (no collectivité, the bare endpoint),
# on the same server in the same run; prints both rates and their ratio.
#
#   ops/bench-http.sh [SECONDS] [CONNECTIONS]
#
# SQLite in a temporary directory, or GUICHET_BENCH_DATABASE_URL (an empty
# PostgreSQL database, migrated here) when set. Needs wrk (Debian: wrk).
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH=${1:-10}
CONNECTIONS=${2:-16}
command -v wrk >/dev/null || { echo "ops: wrk est introuvable (apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d /tmp/guichet-bench-http.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
prov_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --locked --bin guichet >&2
bin=target/release/guichet
export GUICHET_DATABASE_URL=${GUICHET_BENCH_DATABASE_URL:-sqlite://$work/guichet.db}
export GUICHET_DATA_DIR=$work/data
export GUICHET_LISTEN=127.0.0.1:$port
export GUICHET_PROVISIONING_LISTEN=127.0.0.1:$prov_port
export RUST_LOG=warn
"$bin" demo >/dev/null
"$bin" serve >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done

rate() { # URL [HOST]
  local args=(-t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s")
  [ -n "${2:-}" ] && args+=(-H "Host: $2")
  local out
  out=$(wrk "${args[@]}" "$1")
  if grep -q "Non-2xx" <<<"$out"; then
    echo "ops: réponses en erreur pendant la mesure de $1" >&2
    echo "$out" >&2
    exit 1
  fi
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}

healthz=$(rate "http://127.0.0.1:$port/healthz")
portal=$(rate "http://127.0.0.1:$port/" "demo.localhost:$port")
echo "base : ${GUICHET_DATABASE_URL%%:*}"
echo "/healthz (point nu)            : $healthz requêtes/s"
echo "/ du portail (collectivité)    : $portal requêtes/s"
python3 -c "print(f'rapport portail / healthz      : {$portal / $healthz:.3f}')"
