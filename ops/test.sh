#!/usr/bin/env bash
# The whole test suite, on SQLite and PostgreSQL: installs what is missing,
# starts the services the tests use, builds the binary the CLI tests run, then
# runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

ops/install-deps.sh
ops/test-services.sh
cargo build --locked --bins
cargo test --locked --workspace "$@"
