#!/usr/bin/env bash
# The declarative schema (supabase/schemas/) against the migrations (supabase/migrations/), without Docker:
# each side is built in a throwaway PostgreSQL cluster of its own (pg_cron lives in one database per
# cluster), on top of the Supabase stand-ins of dev/compat, and migra compares the two.
#   bash dev/db-diff.sh <name>   writes supabase/migrations/<timestamp>_<name>.sql: what takes a database built
#                                from the migrations to supabase/schemas/ (or says "no changes")
#   bash dev/db-diff.sh --check  fails unless both sides agree: no schema difference (migra prints nothing)
#                                and the same rows (cron jobs and the rows the schema inserts)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
MIGRA="$ROOT/node_modules/.bin/migra"

mode=${1:-}
case "$mode" in
  "" | -h | --help)
    echo "usage: npm run db:diff -- <name>   |   bash dev/db-diff.sh --check" >&2
    exit 2
    ;;
  --check) ;;
  *)
    [[ "$mode" =~ ^[a-z0-9_]+$ ]] || { log "a migration name is lower case letters, digits and _"; exit 2; }
    ;;
esac

ensure_apt_packages
ensure_npm_packages

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/db-diff.XXXXXX")
chmod 755 "$SCRATCH"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$SCRATCH"
CLUSTERS=()
cleanup() {
  local c
  for c in "${CLUSTERS[@]}"; do as_pg "$PGBIN/pg_ctl" -D "$c" -m immediate -w stop >/dev/null 2>&1 || true; done
  rm -rf "$SCRATCH"
}
trap cleanup EXIT

# A port no server listens on, below Linux's ephemeral range (32768+).
free_port() {
  local port
  for port in $(shuf -i 26000-26999 -n 200); do
    ss -Htln "( sport = :$port )" | grep -q . || { echo "$port"; return 0; }
  done
  log "no free port in 26000-26999"
  exit 1
}

# start_cluster <name>: a cluster in $SCRATCH/<name>, its port on stdout.
start_cluster() {
  local dir="$SCRATCH/$1" port attempt
  as_pg "$PGBIN/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$SCRATCH/$1.initdb.log"
  CLUSTERS+=("$dir")
  for attempt in 1 2 3; do
    port=$(free_port)
    {
      echo "port = $port"
      echo "listen_addresses = '127.0.0.1'"
      echo "unix_socket_directories = '$SCRATCH'"
      echo "shared_preload_libraries = 'pg_cron'"
      echo "cron.database_name = 'postgres'"
      echo "timezone = 'UTC'"
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    } >"$dir/postgresql.auto.conf"
    if as_pg "$PGBIN/pg_ctl" -D "$dir" -l "$SCRATCH/$1.log" -w -t 60 start >/dev/null; then
      echo "$port"
      return 0
    fi
  done
  tail -n 20 "$SCRATCH/$1.log" >&2
  log "the scratch cluster $1 did not start"
  exit 1
}

psql_at() { # port args...
  local port=$1
  shift
  PGOPTIONS="-c client_min_messages=warning" \
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@"
}

# apply <port> <label> <files...>: the Supabase stand-ins, then each file in its own transaction, in order.
apply() {
  local port=$1 label=$2 f
  shift 2
  for f in "$ROOT"/dev/compat/*.sql; do psql_at "$port" -f "$f" >/dev/null; done
  for f in "$@"; do
    psql_at "$port" -1 -f "$f" >/dev/null 2>"$SCRATCH/${label//\//_}.err" || {
      cat "$SCRATCH/${label//\//_}.err" >&2
      log "building the database from $label failed at ${f#"$ROOT"/}"
      exit 1
    }
  done
}

shopt -s nullglob
migrations=("$ROOT"/supabase/migrations/*.sql)
schemas=("$ROOT"/supabase/schemas/*.sql)
shopt -u nullglob
[ ${#schemas[@]} -gt 0 ] || { log "supabase/schemas/ has no .sql files"; exit 1; }

from_port=$(start_cluster migrations)
to_port=$(start_cluster schemas)
apply "$from_port" supabase/migrations "${migrations[@]}"
apply "$to_port" supabase/schemas "${schemas[@]}"

url() { echo "postgresql://postgres@127.0.0.1:$1/postgres"; }
# The stand-ins of dev/compat are the platform's, identical on both sides and never part of a migration.
# (migra prints a warning about its two clients on stdout: not part of the difference.)
diff_sql=$("$MIGRA" run "$(url "$from_port")" "$(url "$to_port")" --unsafe --with-privileges \
  --exclude-schema auth vault net | sed -e '/^WARNING: Creating a duplicate database object/d' -e '/^    at /d')

# What migra does not compare: the rows the schema inserts (every table's, without the columns whose default
# differs from build to build, and the cron jobs), comments, default privileges, schema privileges, extensions,
# each table's indexes in creation order (the order unique violations are found in, which callers see), and
# the options of tables and views (migra drops a view's security_invoker, which decides whether RLS applies),
# and the privileges on functions and views (migra writes none for them).
rows() {
  psql_at "$1" -A -t <<'SQL'
select 'cron.job', jobname, schedule, command, username, database from cron.job order by jobname;
select format('select %L, coalesce(jsonb_agg(r order by r::text), ''[]'') from (select to_jsonb(t) - %L::text[] as r from %I.%I t) s',
              n.nspname || '.' || c.relname,
              array(select a.attname from pg_attribute a join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
                    where a.attrelid = c.oid and pg_get_expr(d.adbin, d.adrelid) ~ '(now|gen_random_uuid|nextval)\('),
              n.nspname, c.relname)
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p') and n.nspname in ('public', 'private', 'scheduling')
order by n.nspname, c.relname
\gexec
select 'comment', pg_describe_object(classoid, objoid, objsubid), description
from pg_description where objoid >= 16384 order by 2, 3;
select 'default privileges', pg_get_userbyid(defaclrole), defaclnamespace::regnamespace, defaclobjtype, defaclacl::text
from pg_default_acl order by 2, 3, 4;
select 'schema', nspname, nspacl::text from pg_namespace where nspname !~ '^pg_' order by 2;
select 'extension', extname, extnamespace::regnamespace from pg_extension order by 2;
select 'indexes', c.oid::regclass::text, string_agg(i.indexrelid::regclass::text, ', ' order by i.indexrelid)
from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
where n.nspname in ('public', 'private', 'scheduling') group by 2 order by 2;
select 'function acl', p.oid::regprocedure::text, coalesce(p.proacl::text, '(default: public)')
from pg_proc p join pg_namespace n on n.oid = p.pronamespace
where n.nspname in ('public', 'private', 'scheduling') order by 2;
select 'view acl', c.oid::regclass::text, coalesce(c.relacl::text, '(default)')
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname in ('public', 'private', 'scheduling') and c.relkind in ('v', 'm') order by 2;
select 'options', c.oid::regclass::text, c.reloptions::text
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname in ('public', 'private', 'scheduling') and c.reloptions is not null order by 2;
SQL
}

if [ "$mode" = --check ]; then
  status=0
  if [ -n "$(tr -d '[:space:]' <<<"$diff_sql")" ]; then
    log "supabase/schemas/ and supabase/migrations/ build different databases; from the migrations' to the"
    log "schemas' (make the change in supabase/schemas/, then: npm run db:diff -- <name>):"
    printf '%s\n' "$diff_sql" >&2
    status=1
  fi
  if ! row_diff=$(diff <(rows "$from_port") <(rows "$to_port")); then
    log "what migra does not compare differs: rows, comments or privileges (< migrations, > schemas):"
    printf '%s\n' "$row_diff" >&2
    status=1
  fi
  [ $status -eq 0 ] && echo "supabase/schemas/ and supabase/migrations/ agree (schema and rows)"
  exit $status
fi

row_diff=$(diff <(rows "$from_port") <(rows "$to_port")) || true
if [ -z "$(tr -d '[:space:]' <<<"$diff_sql")" ]; then
  echo "no changes"
  [ -z "$row_diff" ] || log "but the rows differ (migra compares no data; write that migration by hand):"$'\n'"$row_diff"
  exit 0
fi
# After every migration there is, whatever the clock says (db push applies them in file name order).
stamp=$(date -u +%Y%m%d%H%M%S)
last=$(basename "${migrations[-1]}" | cut -c1-14)
[[ "$last" =~ ^[0-9]{14}$ ]] && ((stamp <= last)) && stamp=$((last + 1))
file="supabase/migrations/${stamp}_$mode.sql"
{
  echo "-- Generated by npm run db:diff -- $mode: from the migrations before it to supabase/schemas/."
  printf '%s\n' "$diff_sql"
} >"$ROOT/$file"
echo "$file"
[ -z "$row_diff" ] || log "the rows differ too (migra compares no data; add those statements by hand):"$'\n'"$row_diff"
