#!/usr/bin/env bash
# A private PostgreSQL primary with a streaming replica on loopback, for the
# replica's tests, the reference deployment and the soak test: both clusters
# live in DIR (DIR/primary, DIR/replica), so several pairs can run at once
# beside the system's PostgreSQL.
#
#   ops/pg-pair.sh start DIR PRIMARY_PORT REPLICA_PORT
#       makes the pair when DIR has none (initdb, then pg_basebackup -R of the
#       primary), and starts whichever is stopped; trust on loopback, the
#       superuser is `postgres`
#   ops/pg-pair.sh stop DIR [primary|replica]   stops both, or one (fast)
#   ops/pg-pair.sh kill DIR [primary|replica]   as a crash would (immediate)
#
# As root, the clusters belong to the `postgres` system user (PostgreSQL
# refuses to run as root).
set -euo pipefail

usage() {
  echo "usage : $0 start DIR PRIMARY_PORT REPLICA_PORT | stop DIR [primary|replica] | kill DIR [primary|replica]" >&2
  exit 2
}

bin_dir() {
  local v
  v=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)
  [ -n "$v" ] && [ -x "/usr/lib/postgresql/$v/bin/initdb" ] || {
    echo "ops: les outils de PostgreSQL (initdb) sont introuvables : lancez ops/install-deps.sh" >&2
    exit 1
  }
  echo "/usr/lib/postgresql/$v/bin"
}

BIN=$(bin_dir)

# Runs a PostgreSQL tool as the clusters' owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

ready() {
  local port=$1
  for _ in $(seq 1 100); do
    "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" && return 0
    sleep 0.1
  done
  echo "ops: PostgreSQL ne répond pas sur 127.0.0.1:$port" >&2
  return 1
}

running() {
  as_owner "$BIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

start_one() {
  local data=$1 port=$2
  if ! running "$data"; then
    as_owner "$BIN/pg_ctl" -D "$data" -l "$data/../$(basename "$data").log" -w -t 30 \
      -o "-p $port -k $(dirname "$data") -c listen_addresses=127.0.0.1" start >/dev/null
  fi
  ready "$port"
}

start() {
  local dir=$1 pport=$2 rport=$3
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  if [ ! -f "$dir/primary/PG_VERSION" ]; then
    as_owner "$BIN/initdb" -D "$dir/primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$dir/primary/postgresql.conf" <<EOF
wal_level = replica
max_wal_senders = 5
wal_keep_size = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
    echo "host replication postgres 127.0.0.1/32 trust" >>"$dir/primary/pg_hba.conf"
  fi
  start_one "$dir/primary" "$pport"
  if [ ! -f "$dir/replica/PG_VERSION" ]; then
    as_owner "$BIN/pg_basebackup" -h 127.0.0.1 -p "$pport" -U postgres -D "$dir/replica" -R -X stream -c fast
    # The replica's own settings (hot standby serves reads; it reports its
    # replay to the primary for the lag).
    cat >>"$dir/replica/postgresql.conf" <<EOF
hot_standby = on
hot_standby_feedback = on
EOF
  fi
  start_one "$dir/replica" "$rport"
}

stop() {
  local dir=$1 which=${2:-both} mode=${3:-fast}
  for c in replica primary; do
    if [ "$which" = both ] || [ "$which" = "$c" ]; then
      if [ -d "$dir/$c" ] && running "$dir/$c"; then
        as_owner "$BIN/pg_ctl" -D "$dir/$c" -m "$mode" -w -t 30 stop >/dev/null || true
      fi
    fi
  done
}

case "${1:-}" in
  start) [ $# -eq 4 ] || usage; start "$2" "$3" "$4" ;;
  stop) [ $# -ge 2 ] || usage; stop "$2" "${3:-both}" fast ;;
  kill) [ $# -ge 2 ] || usage; stop "$2" "${3:-both}" immediate ;;
  *) usage ;;
esac
