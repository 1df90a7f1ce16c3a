# Shared by dev/stack.sh and dev/test.sh: paths, ports and the idempotent installers.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK=${STACK:-dev}
# Test and bench ports sit below Linux's ephemeral range (32768+), so a client socket's local port can
# never be holding one when a server starts.
case "$STACK" in
  dev) DB_PORT=54322 API_PORT=54321 EMULATOR_BASE_PORT=54330 ;;
  # bench, and bench1 .. bench4 so that benchmarks in different checkouts run side by side.
  bench | bench[1-4])
    n=${STACK#bench}
    offset=$((${n:-0} * 100))
    DB_PORT=$((27522 + offset)) API_PORT=$((27521 + offset)) EMULATOR_BASE_PORT=$((27530 + offset))
    ;;
  # test, and test1 .. test9 so that test runs side by side never share a cluster.
  test | test[1-9])
    n=${STACK#test}
    offset=$((${n:-0} * 100))
    DB_PORT=$((25422 + offset)) API_PORT=$((25421 + offset)) EMULATOR_BASE_PORT=$((25430 + offset))
    ;;
  *) echo "unknown STACK '$STACK' (dev, test, test1..test9, bench or bench1..bench4)" >&2; exit 2 ;;
esac
STATE="$ROOT/.stack/$STACK"
LOGS="$STATE/logs"
PIDS="$STATE/pids"
# The private JWK Auth signs user tokens with (its public half is SUPABASE_JWKS in $STATE/env).
SIGNING_KEY="$STATE/auth-signing-key.json"
PGBIN=/usr/lib/postgresql/15/bin
DENO="$ROOT/node_modules/.bin/deno"
SUPABASE="$ROOT/node_modules/.bin/supabase"
DB_URL="postgresql://postgres:postgres@127.0.0.1:$DB_PORT/postgres"
export DENO_NO_UPDATE_CHECK=1
# The operator's egress allow-list (supabase/functions/_shared/net/egress.ts): outbound requests reach
# only public addresses and each platform kind only its API hosts, except hosts listed here. The local
# stacks, their tests and benchmarks talk to emulators on loopback, so loopback is listed; a hosted project
# lists nothing unless its operator sets the function secret (supabase secrets set EGRESS_ALLOWED_HOSTS=...).
export EGRESS_ALLOWED_HOSTS=${EGRESS_ALLOWED_HOSTS-127.0.0.1,localhost,[::1]}
# The operator's OAuth apps that POST /functions/v1/connections connects accounts with (function secrets
# OAUTH_<KIND>_CLIENT_ID / _CLIENT_SECRET): locally the emulators' apps (dev/emulators/*.ts).
export OAUTH_X_CLIENT_ID=${OAUTH_X_CLIENT_ID-emu-x-client-id}
export OAUTH_X_CLIENT_SECRET=${OAUTH_X_CLIENT_SECRET-emu-x-client-secret}
export OAUTH_YOUTUBE_CLIENT_ID=${OAUTH_YOUTUBE_CLIENT_ID-emu-client.apps.googleusercontent.com}
export OAUTH_YOUTUBE_CLIENT_SECRET=${OAUTH_YOUTUBE_CLIENT_SECRET-emu-client-secret}
export OAUTH_LINKEDIN_CLIENT_ID=${OAUTH_LINKEDIN_CLIENT_ID-emu-linkedin-client}
export OAUTH_LINKEDIN_CLIENT_SECRET=${OAUTH_LINKEDIN_CLIENT_SECRET-emu-linkedin-secret}
export OAUTH_TIKTOK_CLIENT_ID=${OAUTH_TIKTOK_CLIENT_ID-emu-tiktok-client-key}
export OAUTH_TIKTOK_CLIENT_SECRET=${OAUTH_TIKTOK_CLIENT_SECRET-emu-tiktok-client-secret}
export OAUTH_EMAIL_CLIENT_ID=${OAUTH_EMAIL_CLIENT_ID-emu-mailchimp-client}
export OAUTH_EMAIL_CLIENT_SECRET=${OAUTH_EMAIL_CLIENT_SECRET-emu-mailchimp-secret}
export OAUTH_INSTAGRAM_CLIENT_ID=${OAUTH_INSTAGRAM_CLIENT_ID-emu-facebook-app}
export OAUTH_INSTAGRAM_CLIENT_SECRET=${OAUTH_INSTAGRAM_CLIENT_SECRET-emu-facebook-secret}

log() { printf '%s\n' "$*" >&2; }

ensure_apt_packages() {
  local missing=()
  [ -x "$PGBIN/postgres" ] || missing+=(postgresql-15)
  [ -f /usr/share/postgresql/15/extension/pg_cron.control ] || missing+=(postgresql-15-cron)
  [ -f /usr/share/postgresql/15/extension/pgtap.control ] || missing+=(postgresql-15-pgtap)
  command -v pg_prove >/dev/null 2>&1 || missing+=(postgresql-15-pgtap)
  # for `supabase db lint` (plpgsql_check), run by npm test
  [ -f /usr/share/postgresql/15/extension/plpgsql_check.control ] || missing+=(postgresql-15-plpgsql-check)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_npm_packages() {
  if [ ! -x "$DENO" ] || [ ! -x "$SUPABASE" ] || [ ! -x "$ROOT/node_modules/.bin/migra" ] \
    || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    log "installing npm packages (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

# Run a PostgreSQL server binary: initdb and pg_ctl refuse to run as root, so root runs them as the postgres
# user (from /, a directory that user can enter; every path given to them is absolute).
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# Where the stack's cluster lives: CLUSTER holds its data (PGDATA), its server log (PGLOG) and its socket
# directory (PGRUN). Run by a user, the server runs as that user and the cluster sits in the checkout
# (.stack/<stack>/). Run by root, the server runs as postgres, who may not be able to enter the checkout (a
# clone in root's home or in any 0700 directory): the cluster then sits in a directory postgres owns, one per
# checkout (a hash of its path, which the directory's `checkout` file names) and stack, and
# .stack/<stack>/pgdata and .stack/<stack>/logs/postgres.log link to it. A cluster made in the checkout before
# stays there until it is thrown away (reset-db, or a rebuild after its migrations changed).
locate_cluster() {
  if [ "$(id -u)" -ne 0 ] || { [ -f "$STATE/pgdata/PG_VERSION" ] && [ ! -L "$STATE/pgdata" ]; }; then
    CLUSTER=$STATE
  else
    local home checkout_id
    home=$(getent passwd postgres 2>/dev/null | cut -d: -f6)
    checkout_id=$(cd "$ROOT" && pwd -P | sha256sum | cut -c1-16)
    CLUSTER="${home:-/var/lib/postgresql}/distribution-system/$checkout_id/$STACK"
  fi
  PGDATA="$CLUSTER/pgdata"
  PGLOG="$CLUSTER/logs/postgres.log"
  PGRUN="$CLUSTER/run"
}
locate_cluster

psql_stack() {
  PGOPTIONS="-c client_min_messages=warning" \
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$DB_PORT" -U postgres -d postgres "$@"
}

# A service is alive when its recorded PID runs one of our deno scripts (after a reboot the PID may be
# another process's).
pid_alive() {
  local f="$PIDS/$1.pid" pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$ROOT/node_modules/.bin/deno\|deno run"
}

db_running() {
  [ -f "$PGDATA/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}
