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
# BENCH_STACK=bench1..bench4 runs beside another checkout's benchmark (dev/lib.sh ports).
set -euo pipefail
LATENCY=300
JITTER=
ERRORS=0.01
SPREAD=0
POSTS=10000
CLIENTS=1000
while [ $# -gt 0 ]; do
  case "$1" in
    --latency) LATENCY=$2; shift 2 ;;
    --jitter) JITTER=$2; shift 2 ;;
    --errors) ERRORS=$2; shift 2 ;;
    --spread) SPREAD=$2; shift 2 ;;
    --posts) POSTS=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    *)
      echo "usage: bash bench/burst/run.sh [--latency MS] [--jitter MS] [--errors SHARE] [--spread S]" \
        "[--posts N] [--clients N]" >&2
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
# Only the publish job runs: the others (metrics reads, webhooks, retention) would read the new posts
# and share the machine with the burst.
psql_stack -c "update cron.job set active = (jobname = 'publish-due-distributions')" \
  -c "delete from net.http_request_queue" >/dev/null
bash dev/stack.sh start >/dev/null
set -a
# shellcheck disable=SC1091
source "$STATE/env"
set +a
BURST_LATENCY_MS=$LATENCY BURST_JITTER_MS=$JITTER BURST_ERRORS=$ERRORS BURST_SPREAD_S=$SPREAD \
  BURST_POSTS=$POSTS BURST_CLIENTS=$CLIENTS BENCH_STATE=$STATE \
  "$DENO" run -A bench/burst/bench.ts
