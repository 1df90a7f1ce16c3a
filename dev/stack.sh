#!/usr/bin/env bash
# The local stack: a PostgreSQL 15 cluster of its own (in .stack/<stack>/, or, run by root, in a directory
# the postgres user owns: locate_cluster in dev/lib.sh) with pg_cron and the Supabase compatibility layer,
# the edge-functions host, the pg_net worker and the platform emulators.
#   bash dev/stack.sh start|stop|status|reset-db     (STACK=dev by default; STACK=test for tests)
#   bash dev/stack.sh restart-emulators               (they keep their posts: .stack/<stack>/emulators/)
#   bash dev/stack.sh token <user-id>                 (an access token for that user)
set -euo pipefail
exec 9>&- # never pass dev/test.sh's stack lock on to the servers started here
source "$(dirname "$0")/lib.sh"

# FUNCTIONS_WORKERS: how many functions-host processes serve the functions port (default 1). With more
# than one, `functions` is dev/functions-balancer.ts and the workers are functions-1..N on unix sockets.
FUNCTIONS_WORKERS=${FUNCTIONS_WORKERS:-1}
SERVICES=(emulators functions net-worker)
if ((FUNCTIONS_WORKERS > 1)); then
  for ((i = 1; i <= FUNCTIONS_WORKERS; i++)); do SERVICES+=("functions-$i"); done
fi

# A worker's socket: in the stack's directory unless that path is too long for a unix socket (108 bytes).
worker_socket() {
  local path="$STATE/functions-$1.sock"
  ((${#path} < 100)) || path="/tmp/functions-$API_PORT-$1.sock"
  echo "$path"
}

# The cluster's directories, made by the user its server runs as; outside the checkout, links to them in it.
make_cluster_dirs() {
  mkdir -p "$STATE" "$LOGS"
  as_pg mkdir -p "$PGDATA" "$PGRUN" "$(dirname "$PGLOG")"
  if [ "$CLUSTER" != "$STATE" ]; then
    as_pg sh -c 'printf "%s\n" "$1" >"$2"' sh "$ROOT" "$CLUSTER/checkout"
    [ -L "$STATE/pgdata" ] || rm -rf "$STATE/pgdata"
    ln -sfn "$PGDATA" "$STATE/pgdata"
    ln -sfn "$PGLOG" "$LOGS/postgres.log"
  fi
}

init_cluster() {
  log "creating the $STACK cluster in $PGDATA"
  make_cluster_dirs
  as_pg chmod 700 "$PGDATA"
  as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$STATE/initdb.log"
  {
    echo "# written by dev/stack.sh"
    echo "port = $DB_PORT"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$PGRUN'"
    echo "shared_preload_libraries = 'pg_cron'"
    echo "cron.database_name = 'postgres'"
    echo "max_connections = 200"
    echo "timezone = 'UTC'"
    echo "log_timezone = 'UTC'"
    if [ "$STACK" = test ]; then
      # Throwaway data: durability buys nothing here and costs test time.
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } >>"$PGDATA/postgresql.conf"
}

# The dev stack's ports (Supabase's 54321/54322, emulators 54330-54337) lie in Linux's ephemeral range, so an
# outgoing connection of any process may hold one for a moment: wait for that to end (a server listening on
# the port is another matter, reported at once).
wait_port_free() {
  local port=$1 i
  for ((i = 0; i < 40; i++)); do
    if ss -Htln "( sport = :$port )" | grep -q .; then
      log "port $port is taken by another server; stop it, or use another STACK"
      exit 1
    fi
    ss -Htan exclude time-wait "( sport = :$port )" | grep -q . || return 0
    sleep 0.25
  done
  log "port $port stayed taken by a connection for 10 s"
  exit 1
}

# Outgoing connections take their source port from Linux's ephemeral range (32768-60999 here), where the dev
# ports lie (Supabase's 54321/54322, emulators 54330-54337): one made while the stack starts (migrations, seed,
# Vault) can hold a port the moment a service binds it. Reserved ports are never given out as source ports;
# reserving needs root (without it the stack still starts, with wait_port_free's check only).
reserve_ports() {
  local file=/proc/sys/net/ipv4/ip_local_reserved_ports
  [ -w "$file" ] || return 0
  local ports="$API_PORT-$DB_PORT,$EMULATOR_BASE_PORT-$((EMULATOR_BASE_PORT + 7))" current
  current=$(cat "$file")
  case ",$current," in *",$ports,"*) return 0 ;; esac
  echo "${current:+$current,}$ports" >"$file" 2>/dev/null || true
}

start_db() {
  if ! db_running; then
    wait_port_free "$DB_PORT"
    make_cluster_dirs
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 60 start >/dev/null
  fi
}

# The stack's keys (dev/keys.ts): the env file, and the private signing key beside it (never in git: .stack/
# is ignored). A stack made before the signing key existed gets all its keys made again.
write_env() {
  if [ -f "$STATE/env" ] && [ -f "$SIGNING_KEY" ] && grep -q '^SUPABASE_JWKS=' "$STATE/env"; then
    return 0
  fi
  "$DENO" run --quiet -A "$ROOT/dev/keys.ts" "$SIGNING_KEY" >"$STATE/env.tmp"
  {
    echo "SUPABASE_URL=http://127.0.0.1:$API_PORT"
    echo "SUPABASE_DB_URL=$DB_URL"
    cat "$STATE/env.tmp"
    echo "EMULATOR_BASE_PORT=$EMULATOR_BASE_PORT"
  } >"$STATE/env"
  rm -f "$STATE/env.tmp"
}

apply_schema() {
  for f in "$ROOT"/dev/compat/*.sql; do psql_stack -f "$f" >/dev/null; done
  (cd "$ROOT" && "$SUPABASE" db push --db-url "$DB_URL?sslmode=disable" --include-all --yes \
    >>"$LOGS/migrations.log" 2>&1) || {
    tail -n 30 "$LOGS/migrations.log" >&2
    log "migrations failed (full log: $LOGS/migrations.log)"
    exit 1
  }
  # What this cluster applied, to notice a migration edited after it was applied (db push never re-runs one).
  (cd "$ROOT" && sha256sum supabase/migrations/*.sql) >"$STATE/migrations.sha256"
}

# The migrations this cluster applied that have changed since (empty when none), or why it cannot tell.
changed_migrations() {
  if [ ! -f "$STATE/migrations.sha256" ]; then
    echo "it predates the record of what it applied"
    return
  fi
  (cd "$ROOT" && sha256sum --check --quiet "$STATE/migrations.sha256" 2>/dev/null || true) |
    sed 's/: FAILED.*//' | tr '\n' ' '
}

# A cluster whose migrations were edited after it applied them has a schema the code no longer matches:
# keep its data in a dump, then build it again from the migrations and the seed.
rebuild_drifted_cluster() {
  local changed=$1 backup
  backup="$STATE/backups/$(date -u +%Y%m%dT%H%M%SZ).sql.gz"
  log "the $STACK cluster applied other versions of its migrations than supabase/migrations has now"
  log "($changed); rebuilding it"
  start_db
  mkdir -p "$STATE/backups"
  "$PGBIN/pg_dump" -h 127.0.0.1 -p "$DB_PORT" -U postgres --data-only --schema=public --schema=auth postgres |
    gzip >"$backup"
  log "its data is saved in $backup (pg_dump --data-only of schemas public and auth)"
  cmd_stop >/dev/null 2>&1
  rm -rf "$PGDATA" "$STATE/env" "$STATE/migrations.sha256"
  locate_cluster
  init_cluster
}

load_seed() {
  psql_stack -f "$ROOT/supabase/seed.sql" >/dev/null
  # The seed points platforms at the dev stack's emulator ports; another stack has its own.
  local dev_prefix="127.0.0.1:5433" prefix="127.0.0.1:${EMULATOR_BASE_PORT%?}"
  if [ "$dev_prefix" != "$prefix" ]; then
    psql_stack -c "update public.platforms
      set publish_config = replace(publish_config::text, '$dev_prefix', '$prefix')::jsonb" >/dev/null
  fi
}

# The cron jobs read the functions URL and the service-role key from Vault, as on hosted Supabase.
store_vault_secrets() {
  # shellcheck disable=SC1091
  source "$STATE/env"
  psql_stack -v url="$SUPABASE_URL" -v key="$SUPABASE_SERVICE_ROLE_KEY" >/dev/null <<'SQL'
select case when exists (select 1 from vault.secrets where name = 'project_url')
  then (select vault.update_secret(id, :'url') from vault.secrets where name = 'project_url')::text
  else vault.create_secret(:'url', 'project_url', 'Base URL of this project (functions at /functions/v1)')::text end;
select case when exists (select 1 from vault.secrets where name = 'service_role_key')
  then (select vault.update_secret(id, :'key') from vault.secrets where name = 'service_role_key')::text
  else vault.create_secret(:'key', 'service_role_key', 'Service-role key the cron jobs send')::text end;
SQL
}

start_service() {
  local name=$1 script=$2
  shift 2
  pid_alive "$name" && return 0
  [ -f "$ROOT/$script" ] || return 0
  mkdir -p "$PIDS" "$LOGS"
  (
    set -a
    # shellcheck disable=SC1091
    source "$STATE/env"
    set +a
    cd "$ROOT"
    exec setsid "$DENO" run --quiet -A "$@" "$script" >>"$LOGS/$name.log" 2>&1 </dev/null
  ) &
  echo $! >"$PIDS/$name.pid"
}

# Waits up to 15 s for a service to open what it serves (`what`, checked by the command after it).
wait_for_service() {
  local name=$1 what=$2
  shift 2
  for _ in $(seq 1 150); do
    "$@" 2>/dev/null && return 0
    # Only whether the process exists: just after start_service it may still be the subshell about
    # to exec deno (pid_alive's command-line check would call that "exited" on a loaded machine).
    kill -0 "$(cat "$PIDS/$name.pid" 2>/dev/null)" 2>/dev/null || {
      tail -n 20 "$LOGS/$name.log" >&2
      log "$name exited"
      exit 1
    }
    sleep 0.1
  done
  log "$name did not open $what (log: $LOGS/$name.log)"
  exit 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1"); }
wait_for_port() { wait_for_service "$2" "port $1" port_open "$1"; }
wait_for_socket() { wait_for_service "$2" "$1" test -S "$1"; }

# The emulators keep what they hold (posts, uploads, tokens, counters) in $STATE/emulators/ across
# restarts, as the real platforms do; reset-db empties it. The bench stack's do not: a benchmark starts
# from a reset anyway, and saving a snapshot of tens of thousands of posts pauses an emulator for
# 100-200 ms, which would show as lateness that is the stand-in platform's, not the system's.
start_emulators() {
  if [[ "$STACK" == bench* ]]; then
    start_service emulators dev/emulators/main.ts
  else
    EMULATOR_STATE_DIR="$STATE/emulators" start_service emulators dev/emulators/main.ts
  fi
}

# Stops the emulators (they save their state on SIGTERM) and starts them again, the rest left running.
cmd_restart_emulators() {
  if [ ! -f "$STATE/env" ]; then
    log "the $STACK stack has never been started: npm start"
    exit 1
  fi
  stop_pid emulators
  for ((i = 0; i < 8; i++)); do wait_port_free $((EMULATOR_BASE_PORT + i)); done
  start_emulators
  wait_for_port "$EMULATOR_BASE_PORT" emulators
}

all_up() {
  db_running || return 1
  for s in "${SERVICES[@]}"; do pid_alive "$s" || return 1; done
}

print_settings() {
  cat "$STATE/env"
}

cmd_start() {
  ensure_apt_packages
  ensure_npm_packages
  if all_up; then
    print_settings
    log "the $STACK stack is already running; stop it with: npm stop"
    return 0
  fi
  local fresh=0
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    init_cluster
    fresh=1
  else
    local changed
    changed=$(changed_migrations)
    if [ -n "$changed" ]; then
      rebuild_drifted_cluster "$changed"
      fresh=1
    fi
  fi
  reserve_ports
  # every port free before anything starts, so a clash leaves nothing half-started
  if ! pid_alive emulators; then
    for ((i = 0; i < 8; i++)); do wait_port_free $((EMULATOR_BASE_PORT + i)); done
  fi
  pid_alive functions || wait_port_free "$API_PORT"
  start_db
  write_env
  apply_schema
  [ "$fresh" -eq 1 ] && load_seed
  store_vault_secrets
  start_emulators
  if ((FUNCTIONS_WORKERS > 1)); then
    local sockets=()
    for ((i = 1; i <= FUNCTIONS_WORKERS; i++)); do
      sockets+=("$(worker_socket "$i")")
      pid_alive "functions-$i" || rm -f "${sockets[-1]}" # left by a worker that was killed
      FUNCTIONS_SOCKET=${sockets[-1]} start_service "functions-$i" dev/functions-host.ts
    done
    for ((i = 1; i <= FUNCTIONS_WORKERS; i++)); do wait_for_socket "${sockets[i - 1]}" "functions-$i"; done
    FUNCTIONS_WORKER_SOCKETS=$(IFS=:; echo "${sockets[*]}") start_service functions dev/functions-balancer.ts
  else
    start_service functions dev/functions-host.ts
  fi
  start_service net-worker dev/net-worker.ts
  pid_alive emulators && wait_for_port "$EMULATOR_BASE_PORT" emulators
  wait_for_port "$API_PORT" functions
  print_settings
  log ""
  log "The $STACK stack is up: functions at http://127.0.0.1:$API_PORT/functions/v1/<name>,"
  log "database at $DB_URL (cluster in $PGDATA). Logs in $LOGS. Stop it with: npm stop"
}

stop_pid() {
  local name=$1 f="$PIDS/$1.pid"
  [ -f "$f" ] || return 0
  local pid
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

# npm run -s token -- <user-id>: an access token for that user, signed with the stack's key.
cmd_token() {
  if [ ! -f "$SIGNING_KEY" ]; then
    log "the $STACK stack has no signing key yet: npm start"
    exit 1
  fi
  (
    set -a
    # shellcheck disable=SC1091
    source "$STATE/env"
    set +a
    exec "$DENO" run --quiet -A "$ROOT/dev/token.ts" "$SIGNING_KEY" "$@"
  )
}

cmd_stop() {
  # Everything this stack started, whatever FUNCTIONS_WORKERS is now.
  for f in "$PIDS"/*.pid; do [ -e "$f" ] && stop_pid "$(basename "$f" .pid)"; done
  if db_running; then as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null; fi
  log "the $STACK stack is stopped"
}

cmd_status() {
  if [ ! -f "$STATE/env" ]; then
    log "the $STACK stack has never been started: npm start"
    exit 1
  fi
  print_settings
  if ! db_running; then
    log "database: stopped, cluster in $PGDATA (npm start starts it)"
    exit 1
  fi
  # the services of this FUNCTIONS_WORKERS, and any other the stack was started with (its pid files)
  local names=("${SERVICES[@]}") f
  for f in "$PIDS"/*.pid; do
    [ -e "$f" ] || continue
    [[ " ${names[*]} " == *" $(basename "$f" .pid) "* ]] || names+=("$(basename "$f" .pid)")
  done
  {
    echo
    echo "database: running, cluster in $PGDATA (log: $PGLOG)"
    for s in "${names[@]}"; do
      if pid_alive "$s"; then echo "$s: running (pid $(cat "$PIDS/$s.pid"))"; else echo "$s: stopped"; fi
    done
    echo
    echo "Distributions by status:"
    psql_stack -A -t -F ': ' -c "select status, count(*) from public.distributions group by 1 order by 1" \
      | sed 's/^/  /'
    echo "Platforms (public.platform_health):"
    psql_stack -A -t -F ' | ' -c "select platform, kind,
        case when needs_reconnection then 'NEEDS RECONNECTION'
             when paused_until > now() then 'paused until ' || to_char(paused_until, 'HH24:MI:SS TZ')
             when is_active then 'healthy' else 'inactive' end,
        'last published ' || coalesce(to_char(last_published_at, 'YYYY-MM-DD HH24:MI:SS TZ'), 'never'),
        'errors 24h ' || api_errors_24h,
        'queue ' || queue_scheduled || ' scheduled, ' || queue_due_now || ' due, ' || queue_failed || ' failed'
      from public.platform_health order by kind, platform" | sed 's/^/  /'
  } >&2
}

# Throw the cluster away and build it again: migrations, seed, secrets. For tests and benchmarks.
cmd_reset_db() {
  ensure_apt_packages
  ensure_npm_packages
  if [ "$STACK" = dev ]; then
    log "refusing to reset the dev stack's data; use STACK=test or STACK=bench"
    exit 2
  fi
  cmd_stop 2>/dev/null
  rm -rf "$PGDATA" "$STATE/env" "$STATE/emulators"
  locate_cluster
  init_cluster
  start_db
  write_env
  apply_schema
  load_seed
  store_vault_secrets
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  reset-db) cmd_reset_db ;;
  restart-emulators) cmd_restart_emulators ;;
  token) shift; cmd_token "$@" ;;
  *) echo "usage: [STACK=dev|test|bench|bench1..bench4] bash dev/stack.sh start|stop|status|reset-db|restart-emulators|token <user-id>" >&2; exit 2 ;;
esac
