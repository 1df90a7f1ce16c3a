#!/usr/bin/env bash
# npm test's clone check: a fresh clone of this checkout's HEAD, in a new 0700 directory (one the postgres
# user cannot enter), runs `npm start`, `npm run status`, answers on its health function, runs `npm stop`,
# and passes `npm test` on one small test file. Each command runs as a newcomer's would: from the clone, with
# a clean environment (nothing of the run that started this check: no STACK, ports or keys). The clone, its
# clusters and its servers are gone when the check ends, passed or not.
#   bash dev/clone-check.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/dev/test-stack.sh"
# The stack `npm start` brings up in the clone: a free test stack rather than dev, whose fixed ports a
# developer's own `npm start` may hold. The lock stays held until the check ends.
outer_stack=${STACK:-}
claim_test_stack
start_stack=$STACK
unset STACK

dir=$(mktemp -d "${TMPDIR:-/tmp}/distribution-system-clone.XXXXXX")
chmod 700 "$dir"
clone="$dir/distribution-system"

step() { printf '== %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*"; exit 1; }

# A command in the clone as a newcomer's shell would run it: the machine's settings (paths, proxies,
# certificates, caches) and nothing else. npm installs from its cache when it can.
machine_env=(PATH="$PATH" HOME="$HOME" LANG="${LANG:-C.UTF-8}")
while IFS= read -r name; do
  machine_env+=("$name=${!name}")
done < <(compgen -e | grep -E '^(TMPDIR|XDG_CACHE_HOME|DENO_DIR|DENO_CERT|SSL_CERT_FILE|SSL_CERT_DIR|NODE_EXTRA_CA_CERTS|npm_config_cache|(HTTPS?|NO|ALL)_PROXY|(https?|no|all)_proxy)$')
in_clone() {
  (cd "$clone" && env -i "${machine_env[@]}" npm_config_prefer_offline=true npm_config_update_notifier=false "$@")
}

# Stops every stack the clone started and removes the clusters it made outside it (their directory's
# `checkout` file names the clone), then the clone.
cleanup() {
  local state target cluster_home
  set +e
  for state in "$clone"/.stack/*/; do
    [ -d "$state" ] || continue
    in_clone env STACK="$(basename "$state")" timeout -k 5 60 bash dev/stack.sh stop >/dev/null 2>&1
    if [ -L "$state/pgdata" ]; then
      target=$(readlink "$state/pgdata")
      cluster_home=$(dirname "$(dirname "$target")")
      if [ "$(cat "$(dirname "$target")/checkout" 2>/dev/null)" = "$clone" ]; then rm -rf "$cluster_home"; fi
    fi
  done
  rm -rf "$dir"
}
trap cleanup EXIT

if [ "$(id -u)" -eq 0 ]; then
  # The point of the check: the servers run as postgres, who must not be able to enter the clone.
  if runuser -u postgres -- test -x "$dir"; then fail "the postgres user can enter $dir"; fi
fi

step "git clone into $dir (mode $(stat -c %a "$dir"))"
git -c advice.detachedHead=false clone -q "$ROOT" "$clone"
git -C "$clone" checkout -q --detach "$(git -C "$ROOT" rev-parse HEAD)"

step "STACK=$start_stack npm start"
out=$(in_clone env STACK="$start_stack" timeout -k 10 300 npm start 2>&1) || { tail -n 40 <<<"$out"; fail "npm start"; }
tail -n 3 <<<"$out"

step "npm run status"
status=$(in_clone env STACK="$start_stack" timeout -k 5 60 npm run -s status 2>&1) || { echo "$status"; fail "npm run status"; }
grep -E '^(database|functions|emulators|net-worker):' <<<"$status"
grep -q '^database: running, cluster in ' <<<"$status" || fail "status names no running cluster"

step "GET /functions/v1/health"
api_url=$(sed -n 's/^SUPABASE_URL=//p' "$clone/.stack/$start_stack/env")
health=$(curl -sS --max-time 30 "$api_url/functions/v1/health")
echo "$health"
grep -q '"status":"ok"' <<<"$health" || fail "health did not answer ok"

step "npm stop"
in_clone env STACK="$start_stack" timeout -k 5 60 npm --silent stop 2>&1
status=$(in_clone env STACK="$start_stack" timeout -k 5 60 npm run -s status 2>&1) && fail "the stack still runs after npm stop"
grep '^database: ' <<<"$status"

step "npm test -- tests/stack/functions_host.test.ts"
out=$(in_clone timeout -k 10 300 npm test -- tests/stack/functions_host.test.ts 2>&1) || { tail -n 40 <<<"$out"; fail "npm test"; }
tail -n 3 <<<"$out"
tail -n 1 <<<"$out" | grep -qE '^[1-9][0-9]* passed, 0 failed$' || fail "npm test did not pass"
# The nested run took a test stack of its own: neither this check's nor that of the run around it.
nested=$(cd "$clone/.stack" && for s in test*; do if [ -f "$s/test-output.summary" ]; then echo "$s"; fi; done)
echo "npm test ran on stack $nested (npm start's: $start_stack; the run around this check: ${outer_stack:-none})"
[ -n "$nested" ] && [ "$nested" != "$start_stack" ] && [ "$nested" != "$outer_stack" ] || fail "stacks overlap"
step "passed"
