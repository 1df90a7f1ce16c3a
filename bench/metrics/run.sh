#!/usr/bin/env bash
# bench/metrics: the metrics sync at scale, in one run on a throwaway bench stack (its database only: the
# metrics run is driven in-process against an instant in-memory platform). Need against budget by kind,
# reads/s and Postgres CPU a read, and the cost of a claim while reads wait for exhausted budgets.
#   bash bench/metrics/run.sh                 1,000,000 published posts
#   bash bench/metrics/run.sh --scale 0.05    50,000, a quick run
# Settings: --clients N (1,000; each with one platform of each of the 8 kinds), --max-age-days N (90).
set -euo pipefail
export METRICS_SCALE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) METRICS_SCALE=$2; shift 2 ;;
    --clients) export METRICS_CLIENTS=$2; shift 2 ;;
    --max-age-days) export METRICS_MAX_AGE_DAYS=$2; shift 2 ;;
    *) echo "usage: bash bench/metrics/run.sh [--scale S] [--clients N] [--max-age-days N]" >&2; exit 2 ;;
  esac
done
source "$(dirname "$0")/../lib.sh"
bench_reset
# Statement times come from pg_stat_statements, which loads at server start: the bench cluster restarts
# with it (a later line of postgresql.conf wins).
as_pg sh -c 'printf "%s\n" "shared_preload_libraries = '"'pg_cron,pg_stat_statements'"'" >>"$1"' sh "$PGDATA/postgresql.conf"
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGLOG" -m fast -w -t 60 restart >/dev/null
psql_stack -c "update cron.job set active = false" -c "create extension if not exists pg_stat_statements" \
  -c "truncate public.distributions cascade" >/dev/null
mkdir -p "$STATE/pids"
set -a
# shellcheck disable=SC1091
source "$STATE/env"
set +a
BENCH_STATE=$STATE "$DENO" run -A bench/metrics/bench.ts
