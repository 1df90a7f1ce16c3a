#!/usr/bin/env bash
# bench/calendar: what the calendar's slot triggers cost a bulk statement on distributions, and what the statement
# triggers (190_calendar_follows_distribution.sql: all rollup buckets first, in order; the rollup recomputed once a
# key) save against the row triggers they replace (each row's slot moved and its rollup key recomputed on its own,
# under its bucket). 10,000 scheduled posts on 100 platforms of 20 clients; each statement runs in a transaction that
# is rolled back, alternately with the statement triggers and with the row triggers, ROUNDS times. Prints each
# statement's rows, wall clock and backend CPU (ms), and the mean ratio row / statement triggers. The one_row_*
# lines are 1,000 one-row updates each (a post moved by a minute; a column outside the calendar), timed together
# (rows shows 1: the one statement that runs them).
#   BENCH_STACK=bench3 bash bench/calendar/run.sh [ROUNDS]
set -euo pipefail
export STACK=${BENCH_STACK:-bench}
source "$(dirname "$0")/../../dev/lib.sh"
cd "$ROOT"
rounds=${1:-3}

echo "resetting the bench stack (port $DB_PORT)"
mkdir -p "$STATE"
bash dev/stack.sh reset-db >"$STATE/reset.log" 2>&1 || { cat "$STATE/reset.log"; exit 1; }
psql_stack -c "update cron.job set active = false" >/dev/null
psql_stack -f bench/calendar/setup.sql >/dev/null
psql_stack -Atc "select count(*) || ' posts, ' || (select count(*) from publishing_calendar) || ' slots, '
                 || (select count(*) from publishing_calendar_rollups) || ' rollup rows'
                 from distributions where body = 'bench post'"

mine="client_id in (select id from public.clients where name like 'Calendar bench %')"
declare -A statements=(
  [insert]="insert into public.distributions (client_id, platform_id, content_type, body, status, scheduled_for, timezone)
            select client_id, platform_id, content_type, body, status, scheduled_for + interval '30 minutes', timezone
            from public.distributions where $mine"
  [reschedule]="update public.distributions set scheduled_for = scheduled_for + interval '1 hour' where $mine"
  [cancel]="update public.distributions set status = 'cancelled' where $mine"
  [delete]="delete from public.distributions where $mine"
  [one_row_reschedule]="select bench.one_row_statements('reschedule')"
  [one_row_other]="select bench.one_row_statements('other')"
)
results=()
for round in $(seq 1 "$rounds"); do
  for op in insert reschedule cancel delete one_row_reschedule one_row_other; do
    for variant in statement row; do
      setup=""
      [ "$variant" = row ] && setup="select bench.use_row_triggers();"
      sql="begin; $setup select bench.time_statement(\$bench\$${statements[$op]}\$bench\$); rollback;"
      line=$(psql_stack -At -c "$sql" | tail -1)
      results+=("$op $variant $line")
      echo "round $round: $op $variant: rows ms cpu_ms = $line"
    done
  done
done
printf '%s\n' "${results[@]}" | awk '
  { ms[$1 " " $2] += $4; cpu[$1 " " $2] += $5; n[$1 " " $2]++; rows[$1] = $3 }
  END {
    printf "%-18s %6s %16s %16s %14s\n", "statement", "rows", "statement ms/cpu", "row ms/cpu", "row/statement"
    split("insert reschedule cancel delete one_row_reschedule one_row_other", ops, " ")
    for (i = 1; i <= 6; i++) {
      o = ops[i]; s = o " statement"; r = o " row"
      printf "%-18s %6d %8.0f/%-7.0f %8.0f/%-7.0f x%.2f wall, x%.2f cpu\n", o, rows[o], ms[s] / n[s], cpu[s] / n[s],
        ms[r] / n[r], cpu[r] / n[r], (ms[r] / n[r]) / (ms[s] / n[s]), (cpu[r] / n[r]) / (cpu[s] / n[s])
    }
  }'
