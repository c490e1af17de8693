#!/usr/bin/env bash
# Run a command with BENCH_DATABASE_URL naming a PostgreSQL: DATABASE_URL when it is
# set, otherwise a throwaway cluster on loopback (started the way .ci/run does, with
# fsync on: the figures are those of a real server), stopped afterwards.
set -euo pipefail
if [ -n "${BENCH_DATABASE_URL:-}" ]; then exec "$@"; fi
if [[ "${DATABASE_URL:-}" == postgres* ]]; then BENCH_DATABASE_URL=$DATABASE_URL exec "$@"; fi
WORK=$(mktemp -d)
chmod 755 "$WORK"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PGPORT=${BENCH_PGPORT:-54339}
pg_as() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$WORK"; fi
pg_as "$PGBIN/initdb" -D "$WORK/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
pg_as "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$PGPORT -c unix_socket_directories=$WORK -c shared_buffers=1GB -c max_wal_size=4GB" \
  start >/dev/null
cleanup() {
  pg_as "$PGBIN/pg_ctl" -D "$WORK/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
psql -h 127.0.0.1 -p "$PGPORT" -U postgres -q -c "CREATE ROLE kefu LOGIN PASSWORD 'kefu' CREATEDB"
BENCH_DATABASE_URL="postgres://kefu:kefu@127.0.0.1:$PGPORT/postgres" "$@"
