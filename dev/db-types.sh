#!/usr/bin/env bash
# npm run db:types: supabase/functions/_shared/database.types.ts, the TypeScript types of the migrated
# schema, generated as `supabase gen types typescript --local --schema public,private,scheduling` generates
# them. That command runs postgres-meta's generator in a Docker container; here the same generator (npm
# @supabase/postgres-meta, the version package.json pins, in its type-generation mode with the settings the
# CLI passes) runs under Node against the stack's database, which `npm start` builds from the migrations.
#   bash dev/db-types.sh                 writes the file from the running stack's database
#   bash dev/db-types.sh --check [FILE]  fails, showing the difference, unless FILE (the committed file by
#                                        default) is what the generator prints now (npm test runs it)
# STACK picks the database (lib.sh: dev unless set; npm test uses its own test stack).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

TYPES="$ROOT/supabase/functions/_shared/database.types.ts"
# public, and the schemas whose functions and tables the edge functions call (private, scheduling).
SCHEMAS=public,private,scheduling

mode=write
case "${1:-}" in
  "") ;;
  --check)
    mode=check
    TYPES=${2:-$TYPES}
    ;;
  *)
    echo "usage: npm run db:types   |   bash dev/db-types.sh --check [FILE]" >&2
    exit 2
    ;;
esac

ensure_npm_packages
if ! psql_stack -c "select" >/dev/null 2>&1; then
  log "the $STACK stack's database does not answer on port $DB_PORT: start it first (npm start)"
  exit 1
fi

# A migration the stack has not applied yet (`npm start` applies them when it starts the stack) would be
# missing from the types.
for f in "$ROOT"/supabase/migrations/*.sql; do
  if ! grep -qF " supabase/migrations/$(basename "$f")" "$STATE/migrations.sha256" 2>/dev/null; then
    log "the $STACK stack has not applied supabase/migrations/$(basename "$f"): npm stop, then npm start"
    exit 1
  fi
done

generate() {
  # The CLI's defaults: one-to-one relationships detected (no --postgrest-v9-compat), sslmode as local.
  PG_META_DB_URL="$DB_URL?sslmode=disable" \
    PG_META_GENERATE_TYPES=typescript \
    PG_META_GENERATE_TYPES_INCLUDED_SCHEMAS=$SCHEMAS \
    PG_META_GENERATE_TYPES_DETECT_ONE_TO_ONE_RELATIONSHIPS=true \
    NODE_NO_WARNINGS=1 \
    node "$ROOT/node_modules/@supabase/postgres-meta/dist/server/server.js"
}

generated=$(mktemp "${TMPDIR:-/tmp}/database.types.XXXXXX")
trap 'rm -f "$generated"' EXIT
generate >"$generated" || { log "postgres-meta's type generator failed"; exit 1; }
[ -s "$generated" ] || { log "postgres-meta's type generator printed nothing"; exit 1; }

if [ "$mode" = write ]; then
  cp "$generated" "$TYPES"
  echo "${TYPES#"$ROOT"/}: the types of schemas $SCHEMAS"
  exit 0
fi

if ! difference=$(diff -u --label "${TYPES#"$ROOT"/} (committed)" --label "generated from the database" \
  "$TYPES" "$generated"); then
  log "${TYPES#"$ROOT"/} is stale: the database's schema has changed since it was generated."
  log "Regenerate it with: npm run db:types (then commit it). The difference:"
  head -n 80 <<<"$difference" >&2
  exit 1
fi
echo "${TYPES#"$ROOT"/} matches the database's schema"
