#!/usr/bin/env bash
# A private OpenLDAP slapd on loopback, for tests and benchmarks: its
# configuration, database and pid file all live in DIR, so several instances
# (different DIRs and ports) can run at once, next to or without a system one.
#
#   ops/slapd.sh start DIR PORT   starts it (data in DIR/db kept across restarts)
#   ops/slapd.sh stop DIR         stops it; succeeds when it was not running
#
# Suffix and root password: GUICHET_SLAPD_SUFFIX (default dc=guichet,dc=test),
# GUICHET_SLAPD_PASSWORD (default secret); the root DN is cn=admin,<suffix>.
set -euo pipefail

# The client tools must not pick up a system or user ldap.conf/ldaprc.
export LDAPNOINIT=1

SUFFIX=${GUICHET_SLAPD_SUFFIX:-dc=guichet,dc=test}
PASSWORD=${GUICHET_SLAPD_PASSWORD:-secret}
ROOTDN="cn=admin,$SUFFIX"

usage() {
  echo "usage : $0 start DIR PORT | stop DIR" >&2
  exit 2
}

# slapd lives in /usr/sbin, often missing from an ordinary user's PATH.
find_tool() {
  command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; } || {
    echo "ops: $1 est introuvable : installez-le avec ops/install-deps.sh" >&2
    exit 1
  }
}

# Whether the process is a live slapd: a stale pid file may name a reused pid,
# and a zombie (nobody reaps it in some containers) has already stopped.
is_slapd() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  [[ "$stat" == "$1 (slapd) "* ]] && [[ "$stat" != "$1 (slapd) Z "* ]]
}

# The pid in DIR/slapd.pid when that process is a live slapd.
running_pid() {
  local pid
  pid=$(cat "$1/slapd.pid" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && is_slapd "$pid" || return 1
  echo "$pid"
}

start() {
  local dir=$1 port=$2
  [[ "$port" =~ ^[0-9]+$ ]] || usage
  local slapd ldapsearch ldapadd
  slapd=$(find_tool slapd)
  ldapsearch=$(find_tool ldapsearch)
  ldapadd=$(find_tool ldapadd)

  mkdir -p "$dir/db"
  # slapd changes directory to / when it daemonises: absolute paths only.
  dir=$(cd "$dir" && pwd)
  local pid
  if pid=$(running_pid "$dir"); then
    echo "ops: un slapd tourne déjà dans $dir (pid $pid) ; arrêtez-le d'abord" >&2
    exit 1
  fi

  local first_rdn=${SUFFIX%%,*}
  local suffix_ldif
  case "$first_rdn" in
    dc=*) suffix_ldif="objectClass: top
objectClass: dcObject
objectClass: organization
dc: ${first_rdn#dc=}
o: Guichet" ;;
    o=*) suffix_ldif="objectClass: top
objectClass: organization
o: ${first_rdn#o=}" ;;
    *) echo "ops: suffixe $SUFFIX non pris en charge (il doit commencer par dc= ou o=)" >&2; exit 1 ;;
  esac

  cat >"$dir/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema

modulepath /usr/lib/ldap
moduleload back_mdb

# Passwords set through the Password Modify operation (RFC 3062) are hashed by
# the server's own policy: SHA-512 crypt here, which tells them from {SSHA}.
password-hash {CRYPT}
password-crypt-salt-format "\$6\$%.16s"

pidfile $dir/slapd.pid
argsfile $dir/slapd.args
# No per-operation logging: benchmarks would pay for it, and nothing reads it.
loglevel none

database mdb
maxsize 1073741824
suffix "$SUFFIX"
rootdn "$ROOTDN"
rootpw "$PASSWORD"
directory $dir/db
index objectClass eq
index uid,cn,sn,givenName,mail eq,sub
index memberUid eq
index o eq
index dc eq
EOF

  local url="ldap://127.0.0.1:$port"
  # Not -d: slapd daemonises, and the daemon must not hold our stdout (a
  # caller reading it to the end would wait for slapd to exit).
  if ! "$slapd" -f "$dir/slapd.conf" -h "$url/" >"$dir/slapd.out" 2>&1 </dev/null; then
    echo "ops: slapd n'a pas démarré (port $port, dossier $dir) :" >&2
    tail -n 20 "$dir/slapd.out" >&2
    # A daemonising slapd only tells syslog why; in the foreground with
    # debugging on, it says it on stderr (bad configuration, port in use...).
    timeout 5 "$slapd" -d 1 -f "$dir/slapd.conf" -h "$url/" </dev/null 2>&1 |
      sed -E 's/^[0-9a-f]+\.[0-9a-f]+ 0x[0-9a-f]+ //' |
      grep -vE '^(slapd stopped|slapd destroy|connections_destroy|slap_sasl_destroy)' |
      tail -n 5 >&2 || true
    exit 1
  fi

  local up=""
  for _ in $(seq 1 200); do
    if "$ldapsearch" -x -H "$url" -b '' -s base >/dev/null 2>&1; then
      up=1
      break
    fi
    sleep 0.05
  done
  if [ -z "$up" ]; then
    echo "ops: slapd ne répond pas sur $url après 10 s (dossier $dir) :" >&2
    tail -n 20 "$dir/slapd.out" >&2
    exit 1
  fi

  # The suffix entry, on first start only: a restart keeps the data.
  local rc=0
  "$ldapsearch" -x -H "$url" -D "$ROOTDN" -w "$PASSWORD" -b "$SUFFIX" -s base dn \
    >"$dir/ldapsearch.out" 2>&1 || rc=$?
  if [ "$rc" = 32 ]; then
    printf 'dn: %s\n%s\n' "$SUFFIX" "$suffix_ldif" |
      "$ldapadd" -x -H "$url" -D "$ROOTDN" -w "$PASSWORD" >"$dir/ldapadd.out" 2>&1 || {
      echo "ops: impossible de créer l'entrée $SUFFIX :" >&2
      tail -n 20 "$dir/ldapadd.out" >&2
      exit 1
    }
  elif [ "$rc" != 0 ]; then
    echo "ops: impossible de lire l'entrée $SUFFIX (code $rc) :" >&2
    tail -n 20 "$dir/ldapsearch.out" >&2
    exit 1
  fi
}

stop() {
  local dir=$1 pid
  pid=$(running_pid "$dir") || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 200); do
    is_slapd "$pid" || return 0
    sleep 0.05
  done
  # MDB survives a hard stop; a stuck slapd must not block the next test.
  echo "ops: slapd (pid $pid) ne s'arrête pas après 10 s ; arrêt forcé" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

case "${1:-}" in
  start) [ $# = 3 ] || usage; start "$2" "$3" ;;
  stop) [ $# = 2 ] || usage; stop "$2" ;;
  *) usage ;;
esac
