#!/usr/bin/env bash
# Writes supabase/migrations/<timestamp>_baseline.sql: every file of supabase/schemas/ in the order the Supabase
# CLI applies them (lexicographic), rows and cron jobs included. For a project with no migrations yet, or one
# that squashes them (nothing deployed); after that, migrations come from `npm run db:diff -- <name>`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
file="supabase/migrations/${1:-$(date -u +%Y%m%d%H%M%S)}_baseline.sql"
{
  echo "-- Baseline: the whole schema, generated from supabase/schemas/ (bash dev/schema-baseline.sh)."
  echo "-- Edit supabase/schemas/, never this file; later changes are migrations made by npm run db:diff -- <name>."
  for f in supabase/schemas/*.sql; do
    printf '\n-- ==== %s\n\n' "$f"
    cat "$f"
  done
} >"$file"
echo "$file"
