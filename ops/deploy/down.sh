#!/usr/bin/env bash
# Stops the reference deployment started by ops/deploy/up.sh (its data stays
# in DIR; remove DIR to start afresh).
#
#   ops/deploy/down.sh [DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ops/deploy/lib.sh
. "$here/lib.sh"
deploy_init "${1:-/tmp/guichet-deploy}"
stop_all
echo "ops: déploiement arrêté ($DIR)"
