#!/usr/bin/env bash
# A throwaway PostgreSQL cluster under var/pg for the test suite: `pg.sh start` / `pg.sh stop`.
# Prints nothing but errors on start; the URL is postgres://postgres@127.0.0.1:$PGPORT/heatwatch
set -euo pipefail
cd "$(dirname "$0")/.."
PGPORT=${PGPORT:-54329}
root=$PWD/var/pg
data=$root/data sock=$root/sock
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-}" in
  start)
    if [ -z "$pgbin" ]; then echo "PostgreSQL server binaries not found" >&2; exit 1; fi
    # A cluster left running by an interrupted run is stopped and discarded.
    if [ -f "$data/postmaster.pid" ]; then as_pg "$pgbin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$root"
    mkdir -p "$root"
    if [ "$(id -u)" = 0 ]; then
      install -d -o postgres -g postgres -m 700 "$data"
      install -d -o postgres -g postgres -m 755 "$sock"
      # postgres must be able to reach the data directory through every parent.
      if ! runuser -u postgres -- test -w "$data"; then
        echo "postgres cannot reach $data; use a checkout path whose parents are traversable" >&2; exit 1
      fi
    else
      install -d -m 700 "$data"; install -d -m 755 "$sock"
    fi
    as_pg "$pgbin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    as_pg "$pgbin/pg_ctl" -D "$data" -l "$sock/pg.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null
    as_pg "$pgbin/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres heatwatch
    ;;
  stop)
    if [ -n "$pgbin" ] && [ -f "$data/postmaster.pid" ]; then
      as_pg "$pgbin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    fi
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
