#!/usr/bin/env bash
# bench/schedule: builds a throwaway bench stack (its own cluster and ports) and runs bench.ts against it:
# `POST /schedule` with optimize at several queue depths, with 16 callers over 10,000 platforms, and filling
# a queue, each against the bare health function in the same run.
#   bash bench/schedule/run.sh     (BENCH_REQUESTS=200 a phase, BENCH_DEPTHS=0,100,1000,10000, BENCH_FILL=1000)
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
ensure_apt_packages
ensure_npm_packages
bench_reset
# Nothing but the benchmark's requests: no cron tick runs the workers in the middle of a phase.
psql_stack -c "update cron.job set active = false" -c "delete from net.http_request_queue" >/dev/null
bash dev/stack.sh start >/dev/null
set -a
# shellcheck disable=SC1091
source "$STATE/env"
set +a
# The benchmark signs its users' tokens as Auth would (the stack's signing key; the functions verify them
# against its JWKS).
AUTH_SIGNING_JWK=$(cat "$SIGNING_KEY")
export AUTH_SIGNING_JWK
BENCH_STATE=$STATE "$DENO" run -A bench/schedule/bench.ts
