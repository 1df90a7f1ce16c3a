#!/usr/bin/env bash
# bench/reports: the report views at scale. Generates (set-based, in the database) N distributions and 10 N metric
# snapshots in the throwaway bench stack, then times every report view, twice: as is, and without the report
# indexes (dropped inside a transaction that is rolled back). Also times "performance by platform" computed from
# the latest snapshot per post, which is what the views avoid by reading the summary columns.
#   bash bench/reports/run.sh                 1M distributions, 10M snapshots (tens of minutes on 2 cores)
#   bash bench/reports/run.sh --scale 0.05    50k / 500k, a quick run
#   bash bench/reports/run.sh --no-generate   re-time the data already in the bench stack
# Then what the rollup triggers add to recording a metric read and to filling or freeing a calendar slot
# (bench/reports/write-cost.sh, and with --calendar), and what pattern_lift's objective adds to a metric
# read and a conversion (bench/reports/objective-cost.sql).
set -euo pipefail
SCALE=1
GENERATE=1
REPEAT=3
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE=$2; shift 2 ;;
    --no-generate) GENERATE=0; shift ;;
    --repeat) REPEAT=$2; shift 2 ;;
    *) echo "usage: bash bench/reports/run.sh [--scale S] [--no-generate] [--repeat N]" >&2; exit 2 ;;
  esac
done
# BENCH_STACK=bench1..bench4 runs beside another checkout's benchmark (dev/lib.sh ports).
export STACK=${BENCH_STACK:-bench}
source "$(dirname "$0")/../../dev/lib.sh"
cd "$ROOT"
psql_b() { psql_stack -v ON_ERROR_STOP=1 "$@"; }

if [ "$GENERATE" = 1 ]; then
  echo "resetting the bench stack (port $DB_PORT)"
  mkdir -p "$STATE"
  bash dev/stack.sh reset-db >"$STATE/reset.log" 2>&1 || { cat "$STATE/reset.log"; exit 1; }
  psql_b -c "update cron.job set active = false" >/dev/null
  echo "generating: scale $SCALE"
  start=$(date +%s)
  psql_b -v scale="$SCALE" -f bench/reports/generate.sql
  echo "generated in $(( $(date +%s) - start )) s"
else
  db_running || bash dev/stack.sh start >/dev/null
fi

psql_b -c "select (select count(*) from distributions) as distributions,
                  (select count(*) from distribution_metrics) as snapshots,
                  (select count(*) from pattern_feedback) as pattern_feedback,
                  (select count(*) from conversions) as conversions"
psql_b -v repeat="$REPEAT" -f bench/reports/time.sql
bash "$(dirname "$0")/write-cost.sh"
bash "$(dirname "$0")/write-cost.sh" --calendar
psql_b -f bench/reports/objective-cost.sql
