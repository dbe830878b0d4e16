#!/usr/bin/env bash
# Starts what the test suite needs, on loopback, and installs it when missing:
# PostgreSQL with an ordinary role `guichet_test` (no superuser, no BYPASSRLS,
# so that row-level security applies to it; CREATEDB, to make one database per test).
# Also checks that OpenLDAP's slapd and client tools are there, and installs the
# browser tests' tools (ops/browser: Playwright and axe-core, driving Debian's Chromium).
# Idempotent: safe to run again.
set -euo pipefail

PGHOST=127.0.0.1
PGPORT=${GUICHET_TEST_PGPORT:-5432}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_postgres() {
  if pg_isready -h "$PGHOST" -p "$PGPORT" -q 2>/dev/null; then
    return
  fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "ops: installation de PostgreSQL"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >/dev/null
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "ops: démarrage de PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 50); do
    pg_isready -h "$PGHOST" -p "$PGPORT" -q && return
    sleep 0.2
  done
  echo "ops: PostgreSQL ne répond pas sur $PGHOST:$PGPORT" >&2
  exit 1
}

# Runs SQL as the server's superuser: over TCP when it trusts loopback, else
# through the local socket as the postgres system user.
psql_admin() {
  if psql -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -tAc 'SELECT 1' >/dev/null 2>&1 </dev/null; then
    psql -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q "$@"
  else
    as_root su postgres -c "psql -p $PGPORT -d postgres -v ON_ERROR_STOP=1 -q $(printf '%q ' "$@")"
  fi
}

ensure_test_role() {
  psql_admin -c "DO \$\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'guichet_test') THEN
      CREATE ROLE guichet_test LOGIN PASSWORD 'guichet_test' CREATEDB NOSUPERUSER NOBYPASSRLS;
    ELSE
      ALTER ROLE guichet_test LOGIN PASSWORD 'guichet_test' CREATEDB NOSUPERUSER NOBYPASSRLS;
    END IF;
    -- Only to check that serve refuses a role that bypasses row-level security.
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'guichet_test_bypass') THEN
      CREATE ROLE guichet_test_bypass LOGIN PASSWORD 'guichet_test_bypass' NOSUPERUSER BYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'guichet_test_app') THEN
      CREATE ROLE guichet_test_app LOGIN PASSWORD 'guichet_test_app' NOCREATEDB NOSUPERUSER NOBYPASSRLS;
    ELSE
      ALTER ROLE guichet_test_app LOGIN PASSWORD 'guichet_test_app' NOCREATEDB NOSUPERUSER NOBYPASSRLS;
    END IF;
  END \$\$;"
}

# The tests' SMTP sink: aiosmtpd in a virtual environment; each test starts its
# own on a free port, writing messages to a Maildir it reads back.
ensure_smtp_sink() {
  local venv
  venv="$(cd "$(dirname "$0")" && pwd)/.venv"
  if ! "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    echo "ops: installation du puits SMTP (aiosmtpd)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'aiosmtpd==1.4.6'
  fi
  # The S3-compatible server of the file tests: moto, in server mode.
  if [ ! -x "$venv/bin/moto_server" ]; then
    echo "ops: installation du serveur S3 de test (moto)"
    "$venv/bin/pip" install -q 'moto[server]==5.1.*'
  fi
  # The API's contract test: schemathesis, against /api/openapi.json.
  if [ ! -x "$venv/bin/st" ]; then
    echo "ops: installation de schemathesis"
    "$venv/bin/pip" install -q 'schemathesis==4.32.*'
  fi
}

# OpenLDAP: each test starts its own slapd (ops/slapd.sh); only the programs
# must be there (slapd lives in /usr/sbin, often outside a user's PATH).
ensure_ldap_tools() {
  if ! command -v slapd >/dev/null && [ ! -x /usr/sbin/slapd ]; then
    echo "ops: slapd est introuvable : installez-le avec ops/install-deps.sh" >&2
    exit 1
  fi
  if ! command -v ldapsearch >/dev/null; then
    echo "ops: ldapsearch est introuvable (paquet ldap-utils) : installez-le avec ops/install-deps.sh" >&2
    exit 1
  fi
}

# The page tests in a real browser (tests/tests/it/browser.rs): Playwright and
# axe-core from ops/browser/package-lock.json, driving Debian's Chromium.
ensure_browser_tools() {
  local dir
  dir="$(cd "$(dirname "$0")" && pwd)/browser"
  if [ ! -x /usr/bin/chromium ]; then
    echo "ops: /usr/bin/chromium est introuvable (paquet chromium) : installez-le avec ops/install-deps.sh" >&2
    exit 1
  fi
  if ! command -v npm >/dev/null; then
    echo "ops: npm est introuvable : installez-le avec ops/install-deps.sh" >&2
    exit 1
  fi
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    echo "ops: installation des outils de test du navigateur"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null
    # npm ci may leave the directory's date alone: mark it as up to date.
    touch "$dir/node_modules"
  fi
}

# The identity provider of the tests (tests/src/oidc.rs): npm oidc-provider,
# configured as FranceConnect is (ops/oidc/provider.mjs).
ensure_oidc_provider() {
  local dir
  dir="$(cd "$(dirname "$0")" && pwd)/oidc"
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    echo "ops: installation du fournisseur d’identité de test (oidc-provider)"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null
    touch "$dir/node_modules"
  fi
}

ensure_postgres
ensure_test_role
ensure_smtp_sink
ensure_ldap_tools
ensure_browser_tools
ensure_oidc_provider
echo "ops: PostgreSQL prêt sur $PGHOST:$PGPORT (rôles guichet_test et guichet_test_app), puits SMTP installé, OpenLDAP présent, navigateur prêt"
