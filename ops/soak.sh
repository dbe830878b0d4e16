#!/usr/bin/env bash
# The soak test: the reference deployment (ops/deploy/up.sh: three processes
# behind haproxy, a PostgreSQL primary with its replica, the object store, an
# SMTP server) under households' and agents' load through the balancer, with
# faults during it: kill -9 of a process, SIGTERM of another, the database
# stopped and started, the replica stopped, the object store stopped. Then
# the checks of ops/soak.py; the report is DIR/report.md.
#
#   ops/soak.sh [--short] [DIR]    (DIR: /tmp/guichet-soak, made afresh)
#
# --short is the CI's version (shorter faults, fewer households). The binary:
# GUICHET_BIN, else a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
short=()
if [ "${1:-}" = "--short" ]; then
  short=(--short)
  shift
fi
DIR=${1:-/tmp/guichet-soak}
ops/deploy/down.sh "$DIR" >/dev/null 2>&1 || true
rm -rf "$DIR"
cleanup() { ops/deploy/down.sh "$DIR" >/dev/null 2>&1 || true; }
trap cleanup EXIT
ops/deploy/up.sh "$DIR"
ops/.venv/bin/python ops/soak.py "$DIR" "${short[@]}"
