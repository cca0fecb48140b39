#!/usr/bin/env bash
# A throwaway PostgreSQL server for Tailor's tests and benches, on 127.0.0.1 only.
#
#   scripts/postgres.sh [start]   install PostgreSQL if missing (Debian package `postgresql`),
#                                 start a private cluster under $TAILOR_PG_DIR (default
#                                 /tmp/tailor-pg) on a free port, create the database `tailor`
#                                 and print its URL on stdout. Idempotent: when the cluster is
#                                 already running, prints the same URL again.
#   scripts/postgres.sh url       print the URL of the running cluster (fails when none).
#   scripts/postgres.sh stop      stop the cluster and delete its files. Idempotent.
#
# The server runs as the `postgres` user when this script runs as root (PostgreSQL refuses to
# run as root), otherwise as the calling user. Authentication is `trust` on loopback: the
# cluster holds only test data and is deleted by `stop`.
set -euo pipefail

mode="${1:-start}"
base="${TAILOR_PG_DIR:-/tmp/tailor-pg}"
data="$base/data"
db=tailor
log() { echo "postgres.sh: $*" >&2; }

bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

running() {
  local bin
  bin=$(bindir) || return 1
  [ -f "$data/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

url() {
  echo "postgres://postgres@127.0.0.1:$(cat "$base/port")/$db"
}

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

case "$mode" in
  stop)
    if running; then
      as_owner "$(bindir)/pg_ctl" -D "$data" -m fast -w stop >&2
    fi
    rm -rf "$base"
    exit 0
    ;;
  url)
    running || { log "no cluster is running under $base"; exit 1; }
    url
    exit 0
    ;;
  start) ;;
  *)
    log "usage: scripts/postgres.sh [start|url|stop]"
    exit 2
    ;;
esac

if running; then
  url
  exit 0
fi

if ! bindir >/dev/null; then
  [ "$(id -u)" = 0 ] || { log "PostgreSQL is not installed; run as root to install it"; exit 1; }
  log "installing PostgreSQL (Debian package postgresql)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
bin=$(bindir)

rm -rf "$base"
mkdir -p "$base"
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$base"
fi
as_owner "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-instructions >"$base/initdb.log" 2>&1 \
  || { cat "$base/initdb.log" >&2; exit 1; }

port=54329
while ! port_free "$port"; do
  port=$((port + 1))
  [ "$port" -lt 54429 ] || { log "no free port in 54329-54428"; exit 1; }
done
echo "$port" >"$base/port"
chmod a+r "$base/port"

as_owner "$bin/pg_ctl" -D "$data" -l "$base/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $base -c max_connections=200" start >&2 \
  || { cat "$base/server.log" >&2 || true; exit 1; }

if [ -z "$(as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
fi
log "cluster running on 127.0.0.1:$port (files under $base)"
url
