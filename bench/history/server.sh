#!/usr/bin/env bash
# bench/history: restarts the bench stack's Postgres with the given server settings (NAME=VALUE ...; none:
# the stack's own), as bench.ts asks between its phases. ALTER SYSTEM writes them to the cluster's
# postgresql.auto.conf, which the next run's reset throws away with the cluster. Prints the settings now in
# force that are not Postgres's defaults and matter to the bench.
set -euo pipefail
export STACK=${BENCH_STACK:-bench}
# shellcheck disable=SC1091
source "$(dirname "$0")/../../dev/lib.sh"
psql_stack -c "alter system reset all" >/dev/null
for setting in "$@"; do
  name=${setting%%=*}
  value=${setting#*=}
  [[ "$name" =~ ^[a-z_]+$ ]] || { echo "bad setting name: $name" >&2; exit 2; }
  psql_stack -c "alter system set $name = '${value//\'/\'\'}'" >/dev/null
done
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 300 restart -m fast >/dev/null
psql_stack -At -c "
  select string_agg(name || '=' || current_setting(name), ', ' order by name)
  from pg_settings
  where name in ('shared_buffers', 'effective_cache_size', 'random_page_cost', 'work_mem', 'max_wal_size',
                 'min_wal_size', 'checkpoint_timeout', 'checkpoint_completion_target', 'wal_buffers',
                 'maintenance_work_mem', 'full_page_writes', 'wal_level')"
