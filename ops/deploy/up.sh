#!/usr/bin/env bash
# The reference deployment, on this machine's loopback, in one command:
# a PostgreSQL primary with its streaming replica (ops/pg-pair.sh), the two
# roles (the schema's owner migrates, the runtime role serves under row-level
# security), an S3-compatible object store, an SMTP server keeping what it
# receives, three `guichet serve` processes sharing one secret key, and
# haproxy in front (ops/deploy/haproxy.cfg), with the demo collectivité.
#
#   ops/deploy/up.sh [DIR]      starts what is not running (DIR: /tmp/guichet-deploy)
#   ops/deploy/down.sh [DIR]    stops everything
#
# Then: http://demo.guichet.test:$GUICHET_BALANCER_PORT/ (8480 unless set;
# point the name to 127.0.0.1, or send it as the Host header). The
# addresses are in DIR/deployment.env. The binary: GUICHET_BIN, else a
# release build. Faults for the soak (ops/soak.sh) use the functions of
# ops/deploy/lib.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ops/deploy/lib.sh
. "$here/lib.sh"

deploy_init "${1:-/tmp/guichet-deploy}"
command -v haproxy >/dev/null || {
  echo "ops: haproxy est introuvable : lancez ops/install-deps.sh" >&2
  exit 1
}
"$OPS/test-services.sh" >/dev/null
if [ -z "${GUICHET_BIN:-}" ]; then
  (cd "$OPS/.." && cargo build --release --locked -q --bin guichet -p guichet-server)
  GUICHET_BIN="$OPS/../target/release/guichet"
fi
echo "GUICHET_BIN=$GUICHET_BIN" >"$DIR/bin.env"

start_database
make_roles_and_schema
start_object_store
start_mail
write_settings
make_demo
for n in 1 2 3; do start_process "$n"; done
for n in 1 2 3; do wait_ready "$n"; done
name_demo_host
start_balancer
wait_balanced
echo "ops: déploiement prêt : http://$DEMO_HOST:$BALANCER_PORT/ (le nom vers 127.0.0.1, par exemple curl -H 'Host: $DEMO_HOST'), dossier $DIR"
