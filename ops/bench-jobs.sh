#!/usr/bin/env bash
# Benchmark: jobs per second the job runner sustains, with 1 and 4 runners
# (as several guichet processes), on SQLite and PostgreSQL, against one bare
# UPDATE per job measured in the same run (tests/src/bin/bench_jobs.rs).
#
#   ops/bench-jobs.sh [N]
#
# Needs the test services (ops/test-services.sh: PostgreSQL and its roles).
set -euo pipefail
cd "$(dirname "$0")/.."
ops/test-services.sh >/dev/null
cargo run --release --locked -q -p guichet-tests --bin bench-jobs -- "${1:-5000}"
