#!/usr/bin/env bash
# What the report rollup triggers (385_report_window_rollups.sql, 350_ab_tests.sql) add to recording a metric read: pgbench calls
# private.record_metrics for one published post of the last 30 days at a time (new impressions, engagements and
# clicks each call, so the summary, the rates, the pattern feedback and every rollup change), with those triggers
# enabled and disabled, alternated twice. Prints the cluster's CPU a call (from /proc, as bench/publish/pgbench.sh
# counts it) and the mean latency of each, and the ratio with / without. Run on the data bench/reports/run.sh made.
#   bash bench/reports/write-cost.sh [--per-post | --calendar]
set -euo pipefail
export STACK=${BENCH_STACK:-bench}
source "$(dirname "$0")/../../dev/lib.sh"
seconds=${BENCH_SECONDS:-10}
pg=(-h 127.0.0.1 -p "$DB_PORT" -U postgres -d postgres)
triggers=(distributions_report_window_insert distributions_report_window_update distributions_report_window_delete
  distributions_report_window_truncate distributions_ab_test_results_insert distributions_ab_test_results_update
  distributions_ab_test_results_delete distributions_ab_test_results_truncate)
feedback_triggers=(pattern_feedback_lift_rollup_insert pattern_feedback_lift_rollup_update
  pattern_feedback_lift_rollup_delete pattern_feedback_lift_rollup_truncate pattern_feedback_conversions)
# --per-post: the triggers of the per-content and per-group rollups (386_content_performance_rollups.sql,
# 387_cross_post_group_rollups.sql) instead.
if [ "${1:-}" = --per-post ]; then
  triggers=(distributions_content_rollup_insert distributions_content_rollup_update distributions_content_rollup_delete
    distributions_content_rollup_truncate distributions_group_rollup_insert distributions_group_rollup_update
    distributions_group_rollup_delete distributions_group_rollup_truncate)
  feedback_triggers=()
fi
# --calendar: the triggers of publishing_calendar_rollups (388_publishing_calendar_rollups.sql) on the writes they
# hook: a slot filled or freed (what scheduling and unscheduling a post write), and a slot locked or unlocked (a
# column outside the rollup: the statement trigger finds no changed key and stops).
table=distributions
if [ "${1:-}" = --calendar ]; then
  table=publishing_calendar
  triggers=(publishing_calendar_rollup_insert publishing_calendar_rollup_update publishing_calendar_rollup_delete
    publishing_calendar_rollup_truncate)
  feedback_triggers=()
fi

pg_cpu_ticks() {
  local pm
  pm=$(head -1 "$PGDATA/postmaster.pid")
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$pm" '
    { pid = $1; sub(/^.*\) /, "") }
    pid == pm { t += $12 + $13 + $14 + $15 }
    $2 == pm { t += $12 + $13 }
    END { print t + 0 }'
}

set_triggers() { # enable | disable
  local sql="" t
  for t in "${triggers[@]}"; do sql+="alter table $table $1 trigger $t; "; done
  for t in "${feedback_triggers[@]+"${feedback_triggers[@]}"}"; do sql+="alter table pattern_feedback $1 trigger $t; "; done
  psql_stack -c "$sql" >/dev/null
}

script=$(mktemp)
restore() {
  set_triggers enable
  # The calendar rounds without the triggers leave the rollup behind the slots they wrote: rebuilt for the next timing.
  if [ "$table" = publishing_calendar ]; then
    psql_stack -c "select private.rebuild_publishing_calendar_rollups()" >/dev/null
  fi
}
trap 'rm -f "$script"; restore' EXIT
if [ "$table" = distributions ]; then
  # Published posts of the last 30 days (in both windows) whose row is consistent enough for record_metrics to write
  # (generate.sql bypasses the foreign keys, and most generated posts name content of another client).
  psql_stack -c "create schema if not exists bench; drop table if exists bench.write_cost_posts;
    create table bench.write_cost_posts as
      select row_number() over (order by d.id) as n, d.id from distributions d
      where d.status = 'published' and d.published_at > now() - interval '29 days'
        and (d.content_id is null or exists (select 1 from generated_content c
                                             where c.id = d.content_id and c.client_id = d.client_id));
    create unique index on bench.write_cost_posts (n);" >/dev/null
  posts=$(psql_stack -Atc "select count(*) from bench.write_cost_posts")
  cat >"$script" <<'SQL'
\set k random(1, :posts)
\set imp random(1000, 30000)
\set eng random(0, 900)
\set cl random(0, 200)
select private.record_metrics(jsonb_build_array(jsonb_build_object(
  'distribution_id', (select p.id from bench.write_cost_posts p where p.n = :k),
  'ok', true, 'metrics', jsonb_build_object('impressions', :imp, 'engagements', :eng, 'clicks', :cl))));
SQL
  what="record_metrics, one of $posts posts a call"
else
  # Calendar slots of the next two weeks, each with a post of its client to fill it with (generate.sql's posts name
  # any client's slot; the foreign key wants the slot's client).
  psql_stack -c "create schema if not exists bench; drop table if exists bench.write_cost_slots;
    create table bench.write_cost_slots as
      select row_number() over (order by pc.id) as n, pc.id, d.id as distribution_id
      from publishing_calendar pc
      cross join lateral (select d.id from distributions d where d.client_id = pc.client_id
                          and d.status = 'scheduled' limit 1) d;
    create unique index on bench.write_cost_slots (n);" >/dev/null
  posts=$(psql_stack -Atc "select count(*) from bench.write_cost_slots")
  cat >"$script" <<'SQL'
\set k random(1, :posts)
update publishing_calendar pc
set distribution_id = case when pc.distribution_id is null then s.distribution_id end
from bench.write_cost_slots s where s.n = :k and pc.id = s.id;
SQL
  what="a slot filled or freed, one of $posts slots a call"
fi

TICK_US=$((1000000 / $(getconf CLK_TCK)))
run() { # label -> "label calls cpu_us_a_call latency_ms"
  local before after out calls lat
  before=$(pg_cpu_ticks)
  out=$(pgbench "${pg[@]}" -n -c 1 -T "$seconds" -D posts="$posts" -f "$script" 2>&1) || { echo "$out" >&2; exit 1; }
  after=$(pg_cpu_ticks)
  calls=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' <<<"$out")
  lat=$(sed -nE 's/^latency average = ([0-9.]+) ms/\1/p' <<<"$out")
  echo "$1 $calls $(((after - before) * TICK_US / (calls > 0 ? calls : 1))) $lat"
}

measure() { # what
  local results=() round
  for round in 1 2; do
    set_triggers disable
    results+=("$(run without)")
    set_triggers enable
    results+=("$(run with)")
  done
  echo "$1, ${seconds} s each, alternated: label calls pg_cpu_us_a_call latency_ms"
  printf '  %s\n' "${results[@]}"
  printf '%s\n' "${results[@]}" | awk '
  $1 == "with" { wc += $3; wl += $4; nw++ }
  $1 == "without" { oc += $3; ol += $4; no++ }
  END { printf "rollup triggers: CPU a call %.0f us with, %.0f us without (x%.2f); latency %.2f ms with, %.2f ms without (x%.2f)\n",
        wc / nw, oc / no, (wc / nw) / (oc / no), wl / nw, ol / no, (wl / nw) / (ol / no) }'
}

measure "$what"
if [ "$table" = publishing_calendar ]; then
  cat >"$script" <<'SQL'
\set k random(1, :posts)
update publishing_calendar pc set is_locked = not pc.is_locked from bench.write_cost_slots s where s.n = :k and pc.id = s.id;
SQL
  measure "a slot locked or unlocked (no rollup column changes), one of $posts slots a call"
fi
