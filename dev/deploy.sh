#!/usr/bin/env bash
# npm run deploy: puts this repository on a hosted Supabase project, every step with the Supabase CLI.
#   1 link       supabase link --project-ref <ref>
#   2 db         supabase db push --include-all            (the migrations, as postgres)
#   3 functions  supabase functions deploy --use-api       (every function; bundled by Supabase, no Docker)
#   4 secrets    supabase secrets set NAME=VALUE ...       (only the ones given: all have defaults)
#   5 vault      supabase db query: Vault's project_url and service_role_key, which the cron jobs read
# Re-running is safe: link replaces the link, db push applies only migrations not yet applied, deploy and
# secrets overwrite, and the Vault step updates the two entries when they exist.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SUPABASE=node_modules/.bin/supabase

usage() {
  cat <<'EOF'
usage: npm run deploy -- --project-ref <ref> [options]
  --project-ref <ref>    the hosted project (Project Settings -> General -> Reference ID)
  --service-key <key>    the key the cron jobs send: the service-role key or a secret key (sb_secret_...);
                         default $SUPABASE_SERVICE_ROLE_KEY, else asked for
  --project-url <url>    the URL the cron jobs call (default https://<ref>.supabase.co)
  --secret NAME=VALUE    a function secret, e.g. PUBLISH_BUDGET_MS=55000 (repeatable)
  --env-file <file>      function secrets from a .env file
  --db-url <url>         push to and configure this database instead of the linked project's (percent-
                         encoded); without --project-ref, link, functions and secrets are skipped
  --skip <step>          leave out link, db, functions, secrets or vault (repeatable)
  --dry-run              print each command instead of running it (keys masked)
  --yes                  ask nothing
Run `npx supabase login` once first (or set SUPABASE_ACCESS_TOKEN).
EOF
}

ref="" db_url="" project_url="" service_key=${SUPABASE_SERVICE_ROLE_KEY:-} env_file="" dry_run=false yes=false
secrets=()
skip=" "
while [ $# -gt 0 ]; do
  case "$1" in
    --project-ref) ref=${2:?--project-ref needs a value}; shift 2 ;;
    --db-url) db_url=${2:?--db-url needs a value}; shift 2 ;;
    --project-url) project_url=${2:?--project-url needs a value}; shift 2 ;;
    --service-key) service_key=${2:?--service-key needs a value}; shift 2 ;;
    --secret)
      [[ "${2:-}" =~ ^[A-Za-z_][A-Za-z0-9_]*=.* ]] || { echo "--secret takes NAME=VALUE" >&2; exit 2; }
      secrets+=("$2")
      shift 2
      ;;
    --env-file) env_file=${2:?--env-file needs a value}; shift 2 ;;
    --skip)
      case "${2:-}" in link | db | functions | secrets | vault) skip+="$2 " ;; *) usage >&2; exit 2 ;; esac
      shift 2
      ;;
    --dry-run) dry_run=true; shift ;;
    --yes | -y) yes=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

if [ -z "$ref" ] && [ -z "$db_url" ]; then
  usage >&2
  exit 2
fi
if [ -n "$ref" ] && ! [[ "$ref" =~ ^[a-z0-9]{20}$ ]]; then
  echo "a project ref is 20 lower-case letters and digits, not '$ref'" >&2
  exit 2
fi
if [ -z "$ref" ]; then skip+="link functions secrets "; fi
if [ -n "$db_url" ]; then skip+="link "; fi
[ -n "$project_url" ] || project_url=${ref:+https://$ref.supabase.co}
project_url=${project_url%/}
skipped() { [[ "$skip" == *" $1 "* ]]; }

if ! skipped vault; then
  [ -n "$project_url" ] || { echo "--project-url is needed with --db-url and no --project-ref" >&2; exit 2; }
  if [ -z "$service_key" ] && ! $dry_run; then
    if [ -t 0 ]; then
      read -r -s -p "Service-role key or secret key (sb_secret_...) the cron jobs send: " service_key
      echo >&2
    fi
    [ -n "$service_key" ] || { echo "no key for the cron jobs: --service-key or SUPABASE_SERVICE_ROLE_KEY" >&2; exit 2; }
  fi
  service_key=${service_key:-<service key>}
fi

# A word as the shell reads it back: as is when plain, else in single quotes (multi-line SQL stays readable).
quote() {
  if [[ "$1" =~ ^[A-Za-z0-9_./:=@,+-]+$ ]]; then
    printf '%s' "$1"
  else
    printf "'%s'" "${1//\'/\'\\\'\'}"
  fi
}

# Prints a command on stdout as it runs (or, with --dry-run, instead of running it), with every value in
# `masked` shown as ***. What the command prints goes to stderr, with the script's progress: stdout holds
# only the commands.
masked=()
run() {
  local shown="" arg value
  for arg in "$@"; do
    for value in "${masked[@]}"; do
      [ -z "$value" ] || arg=${arg//"$value"/***}
    done
    shown+=" $(quote "$arg")"
  done
  printf '+%s\n' "$shown"
  $dry_run && return 0
  "$@" >&2
}

# A SQL string literal, dollar-quoted (so the printed command needs no escaped quotes).
literal() {
  [[ "$1" != *'$value$'* ]] || { echo "a value may not contain \$value\$" >&2; exit 2; }
  printf '$value$%s$value$' "$1"
}

# The Vault entries, as one statement (db query runs one): created, or updated when they exist.
vault_sql() {
  cat <<SQL
do \$deploy\$
declare
  v_name text;
  v_value text;
  v_description text;
begin
  for v_name, v_value, v_description in values
    (\$n\$project_url\$n\$, $(literal "$project_url"), \$d\$Base URL of this project (functions at /functions/v1)\$d\$),
    (\$n\$service_role_key\$n\$, $(literal "$service_key"), \$d\$Service-role key the cron jobs send\$d\$)
  loop
    if exists (select 1 from vault.secrets where name = v_name) then
      perform vault.update_secret(id, v_value) from vault.secrets where name = v_name;
    else
      perform vault.create_secret(v_value, v_name, v_description);
    end if;
  end loop;
end
\$deploy\$
SQL
}

target=${ref:-the database at --db-url}
if ! $dry_run && ! $yes; then
  [ -t 0 ] || { echo "not a terminal: pass --yes to deploy without being asked" >&2; exit 2; }
  read -r -p "Deploy to $target (cron jobs call ${project_url:-nothing})? [y/N] " answer
  [[ "$answer" =~ ^[Yy] ]] || exit 1
fi
if ! $dry_run && [ ! -x "$SUPABASE" ]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

db_target=(--linked)
[ -z "$db_url" ] || db_target=(--db-url "$db_url")
masked=("$service_key")
if [ -n "$db_url" ]; then
  # The password in a database URL.
  password=$(sed -nE 's|^[a-z]+://[^:/@]+:([^@]*)@.*|\1|p' <<<"$db_url")
  masked+=("$password")
fi

echo "# 1 link" >&2
skipped link && echo "# skipped" >&2 || run "$SUPABASE" link --project-ref "$ref"

echo "# 2 db: the migrations" >&2
skipped db && echo "# skipped" >&2 || run "$SUPABASE" db push "${db_target[@]}" --include-all --yes

echo "# 3 functions: every function in supabase/functions" >&2
skipped functions && echo "# skipped" >&2 || run "$SUPABASE" functions deploy --project-ref "$ref" --use-api

echo "# 4 secrets" >&2
if skipped secrets; then
  echo "# skipped" >&2
elif [ ${#secrets[@]} -eq 0 ] && [ -z "$env_file" ]; then
  echo "# none given (every setting has a default)" >&2
else
  for s in "${secrets[@]}"; do masked+=("${s#*=}"); done
  run "$SUPABASE" secrets set --project-ref "$ref" ${env_file:+--env-file "$env_file"} "${secrets[@]}"
fi

echo "# 5 vault: project_url and service_role_key for the cron jobs" >&2
skipped vault && echo "# skipped" >&2 || run "$SUPABASE" db query "${db_target[@]}" "$(vault_sql)"

$dry_run || echo "deployed to $target" >&2
