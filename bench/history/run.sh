#!/usr/bin/env bash
# bench/history: Postgres CPU a post of the publish burst on an empty database and with a large history
# (1,000,000 future and 5,000,000 published distributions at --scale 1), in one run on a throwaway bench
# stack (its database only: the publish run is driven in-process against an instant in-memory platform).
#   bash bench/history/run.sh                  full size (generation takes tens of minutes on 2 cores)
#   bash bench/history/run.sh --scale 0.05     50k future / 250k published, a quick run
# Settings: --posts N (burst size, 10,000), --rounds N (bursts measured per phase, 3),
# --clients N (1,000), --per-client N (platforms per client, 10) and --without-index NAME (an index of
# distributions dropped after the history phase, which is then measured again: what its upkeep costs).
# --server PROFILE (repeatable): measure each phase under each profile, Postgres restarted with its settings
# (bench/history/server.sh): `stack` (the stack's own, Postgres's defaults: 128MB of shared buffers),
# `micro`, `small`, `medium` (Supabase's hosted compute sizes' generated settings, bench.ts PRESETS), or
# NAME=VALUE,NAME=VALUE, or a preset then settings (medium,full_page_writes=off). --keep: every phase keeps the previous burst's published rows, so the baseline
# (one burst of published rows) is planned from statistics that have seen published rows, like the history.
set -euo pipefail
export HISTORY_SCALE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) HISTORY_SCALE=$2; shift 2 ;;
    --posts) export HISTORY_POSTS=$2; shift 2 ;;
    --rounds) export HISTORY_ROUNDS=$2; shift 2 ;;
    --clients) export HISTORY_CLIENTS=$2; shift 2 ;;
    --per-client) export HISTORY_PLATFORMS_PER_CLIENT=$2; shift 2 ;;
    --without-index) export HISTORY_WITHOUT_INDEX=$2; shift 2 ;;
    --server) export HISTORY_SERVER="${HISTORY_SERVER:+$HISTORY_SERVER;}$2"; shift 2 ;;
    --keep) export HISTORY_KEEP=1; shift ;;
    *) echo "usage: bash bench/history/run.sh [--scale S] [--posts N] [--rounds N] [--clients N] [--per-client N] [--without-index NAME] [--server PROFILE]... [--keep]" >&2; exit 2 ;;
  esac
done
source "$(dirname "$0")/../lib.sh"
bench_reset
psql_stack -c "update cron.job set active = false" -c "truncate public.distributions cascade" >/dev/null
mkdir -p "$STATE/pids"
set -a
# shellcheck disable=SC1091
source "$STATE/env"
set +a
BENCH_STATE=$STATE "$DENO" run -A bench/history/bench.ts
