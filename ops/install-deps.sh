#!/usr/bin/env bash
# Installs, from Debian's packages, what building and testing Guichet needs and
# the machine lacks: a C compiler (bundled SQLite), libpq (PostgreSQL client
# library), OpenSSL (SMTP over TLS), PostgreSQL with its client tools,
# Python's venv (the tests' SMTP sink), OpenLDAP's slapd with its client
# tools (the tests' private directories, see ops/slapd.sh), and Chromium with
# Node.js and npm (the page tests in a real browser, see ops/browser/), and
# poppler-utils (the tests read the PDF documents back with pdftotext), and
# haproxy with curl (the reference deployment and its soak, ops/deploy/).
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

needed=(gcc pkg-config libpq-dev libssl-dev postgresql postgresql-client python3-venv slapd ldap-utils chromium poppler-utils haproxy curl)
missing=()
for p in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm may come from elsewhere than Debian (nvm, NodeSource…): only
# the commands matter.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "ops: installation de ${missing[*]}"
  as_root apt-get update -qq
  # Tests start their own slapd (ops/slapd.sh): no questions, no system instance.
  if [[ " ${missing[*]} " == *" slapd "* ]]; then
    echo 'slapd slapd/no_configuration boolean true' | as_root debconf-set-selections
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "ops: cargo est introuvable : installez la chaîne Rust (rustup)" >&2; exit 1; }
