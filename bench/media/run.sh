#!/usr/bin/env bash
# bench/media: peak memory of a large video upload, ranged against whole (see bench.ts).
#   bash bench/media/run.sh            (BENCH_VIDEO_MB=300 by default)
set -euo pipefail
source "$(dirname "$0")/../../dev/lib.sh"
cd "$ROOT"
"$DENO" run --quiet -A bench/media/bench.ts
