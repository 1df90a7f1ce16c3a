#!/usr/bin/env bash
# npm test: every suite against a throwaway test stack (its own cluster and ports, so a running
# `npm start` stack and its data are never touched). Prints one line `N passed, N failed`.
#   bash dev/test.sh                       everything
#   bash dev/test.sh supabase/tests/03*.sql  only these pgTAP files (stack kept between runs)
#   bash dev/test.sh tests/x.test.ts         only these Deno test files
set -uo pipefail
export NO_COLOR=1
# A test stack of its own, locked until the run ends (dev/test-stack.sh).
source "$(dirname "$0")/test-stack.sh"
claim_test_stack || exit 1
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

passed=0
failed=0
out="$STATE/test-output"
mkdir -p "$STATE"
: >"$out.summary"

count() { # name passed failed
  passed=$((passed + $2))
  failed=$((failed + $3))
  printf '%-10s %4d passed, %d failed\n' "$1" "$2" "$3" >>"$out.summary"
}

check() { # name command...
  local name=$1
  shift
  if "$@" >"$out.$name" 2>&1; then
    count "$name" 1 0
  else
    count "$name" 0 1
    echo "--- $name failed:"
    tail -n 40 "$out.$name"
  fi
}

pgtap_files=()
deno_files=()
for arg in "$@"; do
  case "$arg" in
    *.sql) pgtap_files+=("$arg") ;;
    *) deno_files+=("$arg") ;;
  esac
done
if [ $# -eq 0 ]; then
  pgtap_files=(supabase/tests/*.sql)
  deno_files=(tests)
elif [ ${#pgtap_files[@]} -gt 0 ] && [[ " ${pgtap_files[*]} " != *" supabase/tests/00000-helpers.sql "* ]]; then
  # The other pgTAP files use the helpers it installs.
  pgtap_files=(supabase/tests/00000-helpers.sql "${pgtap_files[@]}")
fi

ensure_apt_packages
ensure_npm_packages
mkdir -p "$STATE"
if ! bash dev/stack.sh reset-db >"$STATE/reset.log" 2>&1; then
  cat "$STATE/reset.log"
  echo "0 passed, 1 failed"
  exit 1
fi
trap 'bash dev/stack.sh stop >/dev/null 2>&1' EXIT
# Tests drive the workers themselves; a cron tick firing in the middle of one would make it racy. The
# services are not up yet, so whatever a tick may already have queued is dropped before it is sent.
psql_stack -c "update cron.job set active = false" -c "delete from net.http_request_queue" >/dev/null
bash dev/stack.sh start >>"$STATE/reset.log" 2>&1 || { cat "$STATE/reset.log"; echo "0 passed, 1 failed"; exit 1; }
set -a
# shellcheck disable=SC1091
source "$STATE/env"
set +a
# The tests sign user tokens as Auth does, with the stack's private key (the functions never see it).
AUTH_SIGNING_JWK=$(cat "$SIGNING_KEY")
export AUTH_SIGNING_JWK

if [ $# -eq 0 ]; then
  check fmt "$DENO" fmt --check
  check lint "$DENO" lint
  check typecheck "$DENO" check supabase/functions dev tests bench
  # Every plpgsql function compiles and type-checks (plpgsql_check), as `supabase db lint` sees it.
  check dblint "$SUPABASE" db lint --db-url "$DB_URL?sslmode=disable" \
    --schema public,private,scheduling --level error --fail-on error
  # A fresh clone in a 0700 directory starts, answers, stops and passes a test file (dev/clone-check.sh).
  check clone bash dev/clone-check.sh
  # supabase/schemas/ and supabase/migrations/ build the same database (schema, rows, comments, privileges).
  check schemas bash dev/db-diff.sh --check
  # supabase/functions/_shared/database.types.ts is what the generator prints for the migrated schema now.
  check types bash dev/db-types.sh --check
fi

if [ ${#pgtap_files[@]} -gt 0 ] && [ -e "${pgtap_files[0]}" ]; then
  pg_prove -v -h 127.0.0.1 -p "$DB_PORT" -U postgres -d postgres "${pgtap_files[@]}" \
    >"$out.pgtap" 2>&1
  rc=$?
  ok=$(grep -cE '^\s*ok [0-9]+' "$out.pgtap")
  notok=$(grep -cE '^\s*not ok [0-9]+' "$out.pgtap")
  # A file that dies or breaks its plan fails even when every assertion it reached passed.
  if [ $rc -ne 0 ] && [ "$notok" -eq 0 ]; then notok=1; fi
  count pgTAP "$ok" "$notok"
  if [ $rc -ne 0 ]; then
    echo "--- pgTAP failures:"
    grep -nE 'not ok|Dubious|Failed|ERROR|Parse errors|# +(got|expected|have|want|Looks)' "$out.pgtap" | head -n 60
  fi
fi

if [ ${#deno_files[@]} -gt 0 ]; then
  "$DENO" test -A --permit-no-files --no-check=remote "${deno_files[@]}" >"$out.deno" 2>&1
  rc=$?
  summary=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$out.deno" | tail -n 1)
  dp=$(sed -nE 's/.*\| ([0-9]+) passed.*/\1/p' <<<"$summary")
  df=$(sed -nE 's/.*\| ([0-9]+) failed.*/\1/p' <<<"$summary")
  dp=${dp:-0}
  df=${df:-0}
  if [ $rc -ne 0 ] && [ "$df" -eq 0 ]; then df=1; fi
  count deno "$dp" "$df"
  if [ $rc -ne 0 ]; then
    echo "--- Deno test failures:"
    sed -n '/^ *ERRORS/,$p' "$out.deno" | grep -v '^ *at ' | head -n 120
    [ -n "$summary" ] || tail -n 40 "$out.deno"
  fi
fi

cat "$out.summary"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
