#!/usr/bin/env bash
# The physical limits of the bench cluster:
#   1. pgbench's built-in simple-update (one small transaction per commit);
#   2. a custom script that claims 50 due rows with FOR UPDATE SKIP LOCKED and marks them done
#      (`claim_rows_per_s=N`);
#   3. the same jobs claimed under a lease in one transaction and marked done in another, the two writes
#      any leased queue makes (`lease_rows_per_s=N`).
# And the cluster's CPU for each, as `simple_update_pg_us=N` (a transaction), `claim_row_pg_us=N` and
# `lease_row_pg_us=N` (a job).
set -euo pipefail
source "$(dirname "$0")/../../dev/lib.sh"
seconds=${BENCH_SECONDS:-10}
clients=${BENCH_CLIENTS:-8}
pg=(-h 127.0.0.1 -p "$DB_PORT" -U postgres)

# CPU ticks the cluster has used: the postmaster's own, its live children's, and those of its children
# that have ended (reaped into its cutime and cstime, fields 16 and 17): pgbench's backends end with it.
pg_cpu_ticks() {
  local pm
  pm=$(head -1 "$PGDATA/postmaster.pid")
  # (a process may end between the glob and its read: cat then fails, and that one is skipped)
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$pm" '
    { pid = $1; sub(/^.*\) /, "") }
    pid == pm { t += $12 + $13 + $14 + $15 }
    $2 == pm { t += $12 + $13 }
    END { print t + 0 }'
}

# After a pgbench run: its backends gone and reaped (their CPU then in the postmaster's cutime/cstime).
pgbench_backends_gone() {
  local i
  for ((i = 0; i < 50; i++)); do
    [ "$(psql "${pg[@]}" -X -Atq -d postgres -c \
      "select count(*) from pg_stat_activity where datname = 'pgbench'")" = 0 ] && break
    sleep 0.1
  done
  sleep 0.2
}

# pgbench's output -> "tps transactions"
tps_and_count() {
  sed -nE 's/^tps = ([0-9.]+) \(without initial connection time\)/\1/p
    s/^number of transactions actually processed: ([0-9]+).*/\1/p' | tr '\n' ' '
  echo
}

# CPU µs a unit: ticks (USER_HZ 100) over units
us_per() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.0f", t * 10000 / n }'; }

psql "${pg[@]}" -X -q -d postgres -c "drop database if exists pgbench with (force)" -c "create database pgbench" >/dev/null
pgbench "${pg[@]}" -i -q -s 10 pgbench >/dev/null 2>&1
ticks=$(pg_cpu_ticks)
read -r count tps < <(pgbench "${pg[@]}" -b simple-update -c "$clients" -j 2 -T "$seconds" pgbench 2>/dev/null |
  tps_and_count)
pgbench_backends_gone
echo "simple_update_tps=$tps"
echo "simple_update_pg_us=$(us_per $(($(pg_cpu_ticks) - ticks)) "$count")"

# A fresh queue of 3,000,000 due jobs for each script: a script's dead rows would slow the next one's claims.
fresh_jobs() {
  psql "${pg[@]}" -X -q -d pgbench >/dev/null <<'SQL'
set client_min_messages = warning;
drop table if exists jobs;
create table jobs (id bigserial primary key, due timestamptz not null, status text not null,
  lease_until timestamptz, attempt uuid);
insert into jobs (due, status) select now() - interval '1 minute' + g * interval '1 microsecond', 'due'
  from generate_series(1, 3000000) g;
create index jobs_due on jobs (due) where status = 'due';
vacuum analyze jobs;
checkpoint;
SQL
}

# run_jobs NAME SCRIPT: prints NAME_rows_per_s and NAME_row_pg_us (each transaction of SCRIPT handles 50 jobs)
run_jobs() {
  local name=$1 script ticks count tps
  script=$(mktemp)
  cat >"$script"
  fresh_jobs
  ticks=$(pg_cpu_ticks)
  read -r count tps < <(pgbench "${pg[@]}" -n -M simple -f "$script" -c "$clients" -j 2 -T "$seconds" pgbench \
    2>/dev/null | tps_and_count)
  rm -f "$script"
  pgbench_backends_gone
  echo "${name}_rows_per_s=$(awk -v t="$tps" 'BEGIN { printf "%.0f", t * 50 }')"
  echo "${name}_row_pg_us=$(us_per $(($(pg_cpu_ticks) - ticks)) $((count * 50)))"
}

# One write a job: claimed and marked done in one statement.
run_jobs claim <<'SQL'
with claimed as (
  select id from jobs where status = 'due' order by due limit 50 for update skip locked
)
update jobs set status = 'done' from claimed where jobs.id = claimed.id;
SQL

# The least any leased queue writes: a job claimed under a lease and an attempt id, committed (so a worker
# that dies is known to have held it), then completed by id in a second transaction.
run_jobs lease <<'SQL'
with claimed as (
  select id from jobs where status = 'due' order by due limit 50 for update skip locked
), leased as (
  update jobs set status = 'leased', lease_until = now() + interval '2 minutes', attempt = gen_random_uuid()
  from claimed where jobs.id = claimed.id returning jobs.id
)
select string_agg(id::text, ',') as ids from leased \gset
update jobs set status = 'done', lease_until = null, attempt = null
where id = any (array[:ids]::bigint[]) and status = 'leased';
SQL
psql "${pg[@]}" -X -q -d postgres -c "drop database pgbench with (force)" >/dev/null
