# The reference deployment's parts, one function each, shared by
# ops/deploy/up.sh, ops/deploy/down.sh and the soak (ops/soak.sh).
# Everything lives in $DIR: pid files, logs, data, the mail received.

OPS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

deploy_init() {
  DIR=$1
  mkdir -p "$DIR/logs" "$DIR/run"
  DIR=$(cd "$DIR" && pwd)
  BALANCER_PORT=${GUICHET_BALANCER_PORT:-8480}
  PG_PORT=${GUICHET_DEPLOY_PG_PORT:-8432}
  REPLICA_PORT=${GUICHET_DEPLOY_REPLICA_PORT:-8433}
  S3_PORT=${GUICHET_DEPLOY_S3_PORT:-8450}
  SMTP_PORT=${GUICHET_DEPLOY_SMTP_PORT:-8425}
  # Behind a balancer `{slug}.localhost` is not served: the demo gets a name.
  DEMO_HOST=demo.guichet.test
  [ -f "$DIR/bin.env" ] && [ -z "${GUICHET_BIN:-}" ] && . "$DIR/bin.env"
  cat >"$DIR/deployment.env" <<EOF
DIR=$DIR
BALANCER=127.0.0.1:$BALANCER_PORT
PRIMARY=127.0.0.1:$PG_PORT
REPLICA=127.0.0.1:$REPLICA_PORT
S3=127.0.0.1:$S3_PORT
SMTP=127.0.0.1:$SMTP_PORT
MAILDIR=$DIR/mail
DEMO_HOST=$DEMO_HOST
EOF
}

process_port() { echo $((BALANCER_PORT + $1)); }
provisioning_port() { echo $((BALANCER_PORT + 10 + $1)); }

alive() { [ -f "$DIR/run/$1.pid" ] && kill -0 "$(cat "$DIR/run/$1.pid")" 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "ops: rien n’écoute sur 127.0.0.1:$1 ($2)" >&2
  return 1
}

start_database() {
  "$OPS/pg-pair.sh" start "$DIR/pg" "$PG_PORT" "$REPLICA_PORT"
}

stop_database() { "$OPS/pg-pair.sh" stop "$DIR/pg" "${1:-both}"; }

psql_admin() { psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }

# The schema's owner and the runtime role; the owner migrates and grants.
make_roles_and_schema() {
  psql_admin -d postgres -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'guichet_owner') THEN
        CREATE ROLE guichet_owner LOGIN NOSUPERUSER; END IF;
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'guichet_app') THEN
        CREATE ROLE guichet_app LOGIN NOSUPERUSER NOBYPASSRLS; END IF;
    END \$\$;"
  if [ "$(psql_admin -d postgres -tAc "SELECT count(*) FROM pg_database WHERE datname = 'guichet'")" = 0 ]; then
    psql_admin -d postgres -c "CREATE DATABASE guichet OWNER guichet_owner"
  fi
  GUICHET_DATABASE_URL="postgres://guichet_owner@127.0.0.1:$PG_PORT/guichet" \
    GUICHET_APP_ROLE=guichet_app GUICHET_DATA_DIR="$DIR/data/migrate" \
    "$GUICHET_BIN" migrate >"$DIR/logs/migrate.log" 2>&1 || {
    cat "$DIR/logs/migrate.log" >&2
    return 1
  }
}

start_object_store() {
  if ! alive s3; then
    "$OPS/.venv/bin/moto_server" -H 127.0.0.1 -p "$S3_PORT" >"$DIR/logs/s3.log" 2>&1 &
    echo $! >"$DIR/run/s3.pid"
  fi
  wait_port "$S3_PORT" "le stockage objet"
  curl -sf -X PUT "http://127.0.0.1:$S3_PORT/guichet" >/dev/null || true
}

stop_object_store() { stop_pid s3 KILL; }

start_mail() {
  if ! alive smtp; then
    "$OPS/.venv/bin/python" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" \
      -c aiosmtpd.handlers.Mailbox "$DIR/mail" >"$DIR/logs/smtp.log" 2>&1 &
    echo $! >"$DIR/run/smtp.pid"
  fi
  wait_port "$SMTP_PORT" "le serveur SMTP"
}

# The settings every process shares (docs/operations.md), then each one's.
write_settings() {
  [ -f "$DIR/secret" ] || head -c 48 /dev/urandom | base64 | tr -d '/+=\n' >"$DIR/secret"
  cat >"$DIR/guichet.env" <<EOF
GUICHET_DATABASE_URL='postgres://guichet_app@127.0.0.1:$PG_PORT/guichet'
GUICHET_DATABASE_REPLICA_URL='postgres://guichet_app@127.0.0.1:$REPLICA_PORT/guichet'
GUICHET_APP_ROLE=guichet_app
GUICHET_SECRET_KEY='$(cat "$DIR/secret")'
GUICHET_OBJECT_STORE_URL='s3://guichet?endpoint=http://127.0.0.1:$S3_PORT&region=us-east-1&access_key_id=test&secret_access_key=test'
GUICHET_SMTP_URL='smtp://127.0.0.1:$SMTP_PORT'
GUICHET_SMTP_FROM='ne-pas-repondre@guichet.localhost'
GUICHET_TRUSTED_PROXIES=127.0.0.1
GUICHET_DRAIN_SECONDS=2
GUICHET_DATABASE_WAIT_SECONDS=2
EOF
  for n in 1 2 3; do
    cat >"$DIR/g$n.env" <<EOF
GUICHET_LISTEN='127.0.0.1:$(process_port "$n")'
GUICHET_PROVISIONING_LISTEN='127.0.0.1:$(provisioning_port "$n")'
GUICHET_DATA_DIR='$DIR/data/g$n'
GUICHET_DATABASE_POOL_SIZE=12
EOF
  done
}

# The demo collectivité, made once; its links name the balancer's port.
make_demo() {
  (
    set -a
    . "$DIR/guichet.env"
    set +a
    GUICHET_LISTEN="127.0.0.1:$BALANCER_PORT" \
      GUICHET_PROVISIONING_LISTEN="127.0.0.1:$((BALANCER_PORT + 10))" \
      GUICHET_DATA_DIR="$DIR/data/demo" "$GUICHET_BIN" demo
  ) >"$DIR/logs/demo.log" 2>&1 || {
    cat "$DIR/logs/demo.log" >&2
    return 1
  }
}

start_process() {
  local n=$1
  alive "g$n" && return 0
  (
    set -a
    . "$DIR/guichet.env"
    . "$DIR/g$n.env"
    set +a
    exec "$GUICHET_BIN" serve
  ) >>"$DIR/logs/g$n.log" 2>&1 &
  echo $! >"$DIR/run/g$n.pid"
}

wait_ready() {
  local port
  port=$(process_port "$1")
  for _ in $(seq 1 150); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ] && return 0
    sleep 0.2
  done
  echo "ops: le processus $1 (127.0.0.1:$port) n’est pas prêt ; journal : $DIR/logs/g$1.log" >&2
  tail -n 20 "$DIR/logs/g$1.log" >&2
  return 1
}

# Stops a process by its pid file with SIGNAL (TERM: drains; KILL: a crash),
# and waits for it to be gone.
stop_pid() {
  local name=$1 signal=${2:-TERM} pid
  alive "$name" || { rm -f "$DIR/run/$name.pid"; return 0; }
  pid=$(cat "$DIR/run/$name.pid")
  kill "-$signal" "$pid" 2>/dev/null || true
  for _ in $(seq 1 200); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  rm -f "$DIR/run/$name.pid"
}

stop_process() { stop_pid "g$1" "${2:-TERM}"; }

start_balancer() {
  if ! alive haproxy; then
    GUICHET_BALANCER_ADDRESS="127.0.0.1:$BALANCER_PORT" \
      GUICHET_HAPROXY_ERRORS="$OPS/deploy/errors" \
      GUICHET_PROCESS_1="127.0.0.1:$(process_port 1)" \
      GUICHET_PROCESS_2="127.0.0.1:$(process_port 2)" \
      GUICHET_PROCESS_3="127.0.0.1:$(process_port 3)" \
      haproxy -f "$OPS/deploy/haproxy.cfg" -D -p "$DIR/run/haproxy.pid" >>"$DIR/logs/haproxy.log" 2>&1
  fi
  wait_port "$BALANCER_PORT" "haproxy"
}

wait_balanced() {
  for _ in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $DEMO_HOST" "http://127.0.0.1:$BALANCER_PORT/")" = 200 ] && return 0
    sleep 0.2
  done
  echo "ops: haproxy ne sert pas la démonstration ; journal : $DIR/logs/haproxy.log" >&2
  return 1
}

# Names the demo collectivité's host as an operator would: a super-admin's
# token, then the provisioning API of one of the processes.
name_demo_host() {
  local token
  token=$(
    set -a
    . "$DIR/guichet.env"
    set +a
    "$GUICHET_BIN" admin token --login demo-admin --days 1 --scope provisioning 2>>"$DIR/logs/demo.log" | tail -n 1
  )
  curl -sf -X PATCH -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"host_names\":[\"$DEMO_HOST\"]}" \
    "http://127.0.0.1:$(provisioning_port 1)/api/v1/local-authorities/demo" >/dev/null || {
    echo "ops: le nom $DEMO_HOST n’a pu être donné à la démonstration" >&2
    return 1
  }
}

stop_all() {
  stop_pid haproxy TERM
  for n in 1 2 3; do stop_process "$n" TERM; done
  stop_pid smtp TERM
  stop_pid s3 KILL
  [ -d "$DIR/pg" ] && "$OPS/pg-pair.sh" stop "$DIR/pg" || true
}
