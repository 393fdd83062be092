#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite: `pg.sh start` / `pg.sh stop`.
# Prints nothing but errors on start; the URL is postgres://postgres@127.0.0.1:$PGPORT/heatwatch
#
# The cluster lives in a private directory under /tmp (mode 700, owned by the user the server
# runs as), not in the checkout: run as root, the server runs as `postgres`, which cannot
# traverse a clone in /root/... or in a `mktemp -d` folder. var/pg/location.$PGPORT remembers the
# directory so that `stop` (and the next `start`, after an interrupted run) removes it; clusters on
# different ports (PGPORT) run side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
PGPORT=${PGPORT:-54329}
marker=$PWD/var/pg/location.$PGPORT
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
# From / : the server user may not enter the checkout (mode 700 under /root or mktemp -d).
as_pg() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

discard() {
  # Stop and remove the cluster named in the marker, if any (a no-op when there is none).
  [ -f "$marker" ] || return 0
  local dir
  dir=$(cat "$marker")
  case "$dir" in /tmp/heatwatch-pg.*) ;; *) echo "refusing to remove $dir" >&2; return 1 ;; esac
  if [ -n "$pgbin" ] && [ -f "$dir/data/postmaster.pid" ]; then
    as_pg "$pgbin/pg_ctl" -D "$dir/data" -m "${1:-fast}" -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir" "$marker"
}

case "${1:-}" in
  start)
    if [ -z "$pgbin" ]; then echo "PostgreSQL server binaries not found" >&2; exit 1; fi
    # A cluster left running by an interrupted run is stopped and discarded.
    discard immediate
    mkdir -p "$(dirname "$marker")"
    dir=$(mktemp -d /tmp/heatwatch-pg.XXXXXXXX)
    echo "$dir" >"$marker"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    chmod 700 "$dir"
    as_pg install -d -m 700 "$dir/data"
    as_pg install -d -m 700 "$dir/sock"
    as_pg "$pgbin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    as_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $dir/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null
    as_pg "$pgbin/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres heatwatch
    ;;
  stop)
    discard fast
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
