#!/usr/bin/env bash
# A throwaway PostgreSQL cluster shaped like a hosted Supabase project's database before our migrations:
# bootstrap superuser supabase_admin, `postgres` a member with no superuser (dev/compat/hosted/00_platform.sql),
# the platform's roles, auth, vault and net (dev/compat/*.sql, as supabase_admin) with hosted's owners and
# grants, and pg_cron enabled (dev/compat/hosted/90_grants.sql). The deploy test pushes the migrations into it
# as postgres, as `supabase db push` does on a hosted project.
#   bash dev/hosted-db.sh start <dir> <port>   prints the database URL for postgres
#   bash dev/hosted-db.sh stop <dir>           stops the cluster and removes <dir>
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cmd=${1:-}
dir=${2:-}
[ -n "$dir" ] || { echo "usage: bash dev/hosted-db.sh start <dir> <port> | stop <dir>" >&2; exit 2; }

psql_admin() { # port args...
  local port=$1
  shift
  PGOPTIONS="-c client_min_messages=warning" \
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U supabase_admin -d postgres "$@"
}

case "$cmd" in
  start)
    port=${3:?port}
    ensure_apt_packages
    mkdir -p "$dir"
    chmod 755 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    as_pg "$PGBIN/initdb" -D "$dir/pgdata" -U supabase_admin --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log"
    {
      echo "port = $port"
      echo "listen_addresses = '127.0.0.1'"
      echo "unix_socket_directories = '$dir'"
      echo "shared_preload_libraries = 'pg_cron'"
      echo "cron.database_name = 'postgres'"
      echo "timezone = 'UTC'"
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    } | as_pg tee -a "$dir/pgdata/postgresql.auto.conf" >/dev/null
    as_pg "$PGBIN/pg_ctl" -D "$dir/pgdata" -l "$dir/postgres.log" -w -t 60 start >/dev/null || {
      tail -n 20 "$dir/postgres.log" >&2
      exit 1
    }
    for f in "$ROOT"/dev/compat/hosted/00_*.sql "$ROOT"/dev/compat/*.sql "$ROOT"/dev/compat/hosted/90_*.sql; do
      psql_admin "$port" -f "$f" >/dev/null
    done
    echo "postgresql://postgres:hosted@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [ -f "$dir/pgdata/postmaster.pid" ]; then
      as_pg "$PGBIN/pg_ctl" -D "$dir/pgdata" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: bash dev/hosted-db.sh start <dir> <port> | stop <dir>" >&2
    exit 2
    ;;
esac
