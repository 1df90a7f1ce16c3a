#!/usr/bin/env bash
# bench/burst: a burst at real platform latency, published the production way. A throwaway bench stack
# (its own cluster and ports) with the hosted limits ON in the functions host (CPU soft 1 s / hard 2 s a
# worker, wall clock 150 s, 256 MB); pg_cron's publish job calls the publish function through pg_net, and
# the runs budget their CPU and hand over as deployed. bench.ts seeds 1,000 clients with 10 platforms
# each and one post per platform due at the same minute, sets the emulators to answer in
# latency +- jitter with a share of transient 503s, waits for the burst to be published, and reports.
#   bash bench/burst/run.sh                      300 ms +- 200 ms, 1% 503s, posts due at one instant
#   bash bench/burst/run.sh --latency 50         (or 1000: jitter is 2/3 of the latency unless --jitter)
#   bash bench/burst/run.sh --spread 60          the posts spread evenly over the minute instead
#   bash bench/burst/run.sh --posts 2000 --clients 200   a smaller burst
#   bash bench/burst/run.sh --retry-base S       the backoff's base step (publish_config.retry_base_seconds;
#                                                else 30 s: retries after S x 2^n from the second one)
#   bash bench/burst/run.sh --timeline           also a line a second of the first pass: posts published,
#                                                runs working, the cores the stack used
#   bash bench/burst/run.sh --first-retry S      a transient failure's first retry after S x 0.5-1.5 s, at
#                                                most the base (publish_config.first_retry_seconds; else
#                                                2 s; --first-retry 30: the backoff before it existed)
#   bash bench/burst/run.sh --statements         also where Postgres's time went, by statement
#                                                (pg_stat_statements, nested statements too; it costs
#                                                some CPU itself: compare CPU a post only between runs
#                                                with the same setting)
# BENCH_STACK=bench1..bench4 runs beside another checkout's benchmark (dev/lib.sh ports).
set -euo pipefail
LATENCY=300
JITTER=
ERRORS=0.01
SPREAD=0
POSTS=10000
CLIENTS=1000
STATEMENTS=0
TIMELINE=0
RETRY_BASE=
FIRST_RETRY=
while [ $# -gt 0 ]; do
  case "$1" in
    --latency) LATENCY=$2; shift 2 ;;
    --jitter) JITTER=$2; shift 2 ;;
    --errors) ERRORS=$2; shift 2 ;;
    --spread) SPREAD=$2; shift 2 ;;
    --posts) POSTS=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --statements) STATEMENTS=1; shift ;;
    --retry-base) RETRY_BASE=$2; shift 2 ;;
    --first-retry) FIRST_RETRY=$2; shift 2 ;;
    --timeline) TIMELINE=1; shift ;;
    *)
      echo "usage: bash bench/burst/run.sh [--latency MS] [--jitter MS] [--errors SHARE] [--spread S]" \
        "[--posts N] [--clients N] [--retry-base S] [--first-retry S] [--timeline] [--statements]" >&2
      exit 2
      ;;
  esac
done
JITTER=${JITTER:-$((LATENCY * 2 / 3))}
source "$(dirname "$0")/../lib.sh"
# The platforms' quotas lifted (the burst is 10,000 accounts' posts, not one account's), all else as real.
export EMULATOR_UNLIMITED=1 EMULATOR_QUIET=1
# The hosted limits, whatever the caller's environment says (dev/functions-limits.ts: HOSTED_LIMITS).
unset FUNCTIONS_CPU_LIMIT_MS FUNCTIONS_CPU_SOFT_LIMIT_MS FUNCTIONS_MEMORY_LIMIT_MB \
  FUNCTIONS_WALL_CLOCK_LIMIT_MS FUNCTIONS_IDLE_TIMEOUT_MS FUNCTIONS_WORKERS
bench_reset
if [ "$STATEMENTS" = 1 ]; then
  # pg_stat_statements loads at server start: the bench cluster restarts with it (a later line of
  # postgresql.conf wins), tracking the statements inside functions and triggers too.
  as_pg sh -c 'printf "%s\n" "shared_preload_libraries = '"'pg_cron,pg_stat_statements'"'" \
    "pg_stat_statements.track = all" >>"$1"' sh "$PGDATA/postgresql.conf"
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGLOG" -m fast -w -t 60 restart >/dev/null
  psql_stack -c "create extension if not exists pg_stat_statements" >/dev/null
fi
# Only the publish job runs: the others (metrics reads, webhooks, retention) would read the new posts
# and share the machine with the burst.
psql_stack -c "update cron.job set active = (jobname = 'publish-due-distributions')" \
  -c "delete from net.http_request_queue" >/dev/null
if [ -n "$RETRY_BASE" ]; then
  [[ "$RETRY_BASE" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "--retry-base: a number of seconds" >&2; exit 2; }
  # The burst's platforms copy the demo platforms' publish_config (bench/burst/seed.ts).
  psql_stack -c "update public.platforms set publish_config = publish_config
                   || jsonb_build_object('retry_base_seconds', $RETRY_BASE)" >/dev/null
fi
if [ -n "$FIRST_RETRY" ]; then
  [[ "$FIRST_RETRY" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "--first-retry: a number of seconds" >&2; exit 2; }
  psql_stack -c "update public.platforms set publish_config = publish_config
                   || jsonb_build_object('first_retry_seconds', $FIRST_RETRY)" >/dev/null
fi
bash dev/stack.sh start >/dev/null
set -a
# shellcheck disable=SC1091
source "$STATE/env"
set +a
BURST_LATENCY_MS=$LATENCY BURST_JITTER_MS=$JITTER BURST_ERRORS=$ERRORS BURST_SPREAD_S=$SPREAD \
  BURST_POSTS=$POSTS BURST_CLIENTS=$CLIENTS BURST_STATEMENTS=$STATEMENTS BURST_TIMELINE=$TIMELINE BENCH_STATE=$STATE \
  "$DENO" run -A bench/burst/bench.ts
