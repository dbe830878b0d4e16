#!/usr/bin/env bash
# The whole test suite, on SQLite and PostgreSQL: installs what is missing,
# starts the services the tests use, builds the binary the CLI tests run, then
# runs every test of the workspace, then the soak test's short version
# (ops/soak.sh --short: the reference deployment under load and faults).
set -euo pipefail
cd "$(dirname "$0")/.."

ops/install-deps.sh
ops/test-services.sh
cargo build --locked --bins
cargo test --locked --workspace "$@"
GUICHET_BIN="$PWD/target/debug/guichet" ops/soak.sh --short
