#!/usr/bin/env bash
# The physical limits of the bench cluster, printed as `simple_update_tps=N` and `claim_rows_per_s=N`:
#   1. pgbench's built-in simple-update (one small transaction per commit);
#   2. a custom script that claims 50 due rows with FOR UPDATE SKIP LOCKED and marks them done.
set -euo pipefail
source "$(dirname "$0")/../../dev/lib.sh"
seconds=${BENCH_SECONDS:-10}
clients=${BENCH_CLIENTS:-8}
pg=(-h 127.0.0.1 -p "$DB_PORT" -U postgres)

psql "${pg[@]}" -X -q -d postgres -c "drop database if exists pgbench" -c "create database pgbench" >/dev/null
pgbench "${pg[@]}" -i -q -s 10 pgbench >/dev/null 2>&1
tps=$(pgbench "${pg[@]}" -b simple-update -c "$clients" -j 2 -T "$seconds" pgbench 2>/dev/null |
  sed -nE 's/^tps = ([0-9.]+) \(without initial connection time\)/\1/p')
echo "simple_update_tps=$tps"

psql "${pg[@]}" -X -q -d pgbench >/dev/null <<'SQL'
create table jobs (id bigserial primary key, due timestamptz not null, status text not null);
insert into jobs (due, status) select now() - interval '1 minute' + g * interval '1 microsecond', 'due'
  from generate_series(1, 3000000) g;
create index jobs_due on jobs (due) where status = 'due';
vacuum analyze jobs;
SQL
script=$(mktemp)
cat >"$script" <<'SQL'
with claimed as (
  select id from jobs where status = 'due' order by due limit 50 for update skip locked
)
update jobs set status = 'done' from claimed where jobs.id = claimed.id;
SQL
claim_tps=$(pgbench "${pg[@]}" -n -f "$script" -c "$clients" -j 2 -T "$seconds" pgbench 2>/dev/null |
  sed -nE 's/^tps = ([0-9.]+) \(without initial connection time\)/\1/p')
rm -f "$script"
echo "claim_rows_per_s=$(awk -v t="$claim_tps" 'BEGIN { printf "%.0f", t * 50 }')"
psql "${pg[@]}" -X -q -d postgres -c "drop database pgbench" >/dev/null
