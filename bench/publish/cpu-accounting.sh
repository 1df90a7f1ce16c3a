#!/usr/bin/env bash
# bench/publish: what the publish run's CPU accounting costs a post (cpu-accounting.ts), on a test
# stack of its own (dev/test-stack.sh: never the dev stack, never another run's).
#   bash bench/publish/cpu-accounting.sh      (BENCH_CPU_ROWS=4000, BENCH_CPU_ROUNDS=5)
set -euo pipefail
source "$(dirname "$0")/../../dev/test-stack.sh"
claim_test_stack
source "$(dirname "$0")/../../dev/lib.sh"
cd "$ROOT"
export EMULATOR_UNLIMITED=1 EMULATOR_QUIET=1
bash dev/stack.sh reset-db >/dev/null
trap 'bash dev/stack.sh stop >/dev/null 2>&1' EXIT
psql_stack -c "update cron.job set active = false" -c "delete from net.http_request_queue" >/dev/null
bash dev/stack.sh start >/dev/null
set -a
# shellcheck disable=SC1091
source "$STATE/env"
set +a
"$DENO" run -A bench/publish/cpu-accounting.ts
