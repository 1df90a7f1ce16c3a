#!/usr/bin/env bash
# bench/publish: builds a throwaway bench stack (its own cluster and ports; emulators without their
# platform rate limits), measures the cluster's limits with pgbench, then runs bench.ts against it.
#   bash bench/publish/run.sh            (BENCH_ROWS=20000 by default)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
export EMULATOR_UNLIMITED=1 EMULATOR_QUIET=1
# One host worker (the stack's default) serves the publish calls. On two cores that costs
# less than a worker each: every worker pays its own event loop, garbage collector and compilation, and one
# leaves the other core to Postgres and the emulators (bench/RESULTS.md). FUNCTIONS_WORKERS=4 measures
# the calls spread over four workers behind the balancer (the overlapping phase's four calls).
export FUNCTIONS_WORKERS=${FUNCTIONS_WORKERS:-1}
# The publish calls here each publish thousands of posts, for throughput: far past a hosted request's
# 2 s of CPU, so the host's CPU limit is off (its other limits stay: docs/local-stack.md, Hosted limits).
export FUNCTIONS_CPU_LIMIT_MS=${FUNCTIONS_CPU_LIMIT_MS:-0} FUNCTIONS_CPU_SOFT_LIMIT_MS=${FUNCTIONS_CPU_SOFT_LIMIT_MS:-0}
bench_reset
# The benchmark drives the publish function itself (see dev/test.sh for why before the services start).
psql_stack -c "update cron.job set active = false" -c "delete from net.http_request_queue" >/dev/null
bash dev/stack.sh start >/dev/null
limits=$(bash bench/publish/pgbench.sh)
eval "$limits"
set -a
# shellcheck disable=SC1091
source "$STATE/env"
set +a
SIMPLE_UPDATE_TPS=$simple_update_tps CLAIM_ROWS_PER_S=$claim_rows_per_s BENCH_STATE=$STATE \
  SIMPLE_UPDATE_PG_US=$simple_update_pg_us CLAIM_ROW_PG_US=$claim_row_pg_us \
  LEASE_ROWS_PER_S=$lease_rows_per_s LEASE_ROW_PG_US=$lease_row_pg_us \
  "$DENO" run -A bench/publish/bench.ts
# What the CPU accounting costs a post, on the same stack.
"$DENO" run -A bench/publish/cpu-accounting.ts
