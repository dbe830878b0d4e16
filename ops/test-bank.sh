#!/usr/bin/env bash
# Starts the test bank on loopback: a look-alike of PayFiP's web service for
# tests and demonstrations (no real money). Point the platform at it with
# GUICHET_PAYFIP_URL=http://127.0.0.1:8099 (`guichet demo --serve` does so
# by itself). `--without-notifications`: payments are settled by the poller.
#
#   ops/test-bank.sh [--without-notifications]
set -euo pipefail
cd "$(dirname "$0")/.."
export GUICHET_TEST_BANK_LISTEN=${GUICHET_TEST_BANK_LISTEN:-127.0.0.1:8099}
exec cargo run --release --locked -q --bin guichet -p guichet-server -- test-bank "$@"
