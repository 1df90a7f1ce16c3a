#!/usr/bin/env bash
# npm run demo: starts the dev stack if needed, then publishes one post to each emulated platform.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bash "$ROOT/dev/stack.sh" start >/dev/null
set -a
# shellcheck disable=SC1091
source "$STATE/env"
set +a
cd "$ROOT"
AUTH_SIGNING_JWK="$(cat "$SIGNING_KEY")" exec "$DENO" run --quiet -A dev/demo.ts
