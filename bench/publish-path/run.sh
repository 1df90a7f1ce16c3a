#!/usr/bin/env bash
# bench/publish-path: what the publish path's two updates of distributions cost Postgres a post: the claim
# (private.claim_due_distributions: scheduled -> publishing) and the outcome (private.record_publish_outcomes:
# publishing -> published, one post in 50 a transient failure back to scheduled). Both run with the triggers on
# distributions as they are (after) and as they were (before: bench/publish-path/before.sql, the trigger functions
# of main at 061d15a, and bench/publish-path/triggers.sql). PLATFORMS platforms of 1,000 clients with one post
# each, all due; the posts are claimed BATCH at a time as a publish run claims them, in blocks of 10 batches that
# alternate before / after (the functions and triggers swapped between blocks), so both variants see the same
# table and the same machine. Prints the backend's CPU (10 ms ticks summed over the batches) and wall time a post
# of each step and variant.
#   BENCH_STACK=bench bash bench/publish-path/run.sh [--platforms N] [--batch N] [--shape content|plain]
#                                                    [--statements]
# --shape content (default): each client's posts are one content cross-posted to its 10 platforms (a content row
# and a cross-post group a client); plain: posts of their own, as bench/burst's.
# --statements also prints each step's statements by total time (pg_stat_statements, nested ones too) in the first
# block of each variant, whose 10 claims then run before its 10 outcomes (it costs CPU itself: compare variants
# within one run).
set -euo pipefail
PLATFORMS=10000
BATCH=100
STATEMENTS=0
SHAPE=content
while [ $# -gt 0 ]; do
  case "$1" in
    --platforms) PLATFORMS=$2; shift 2 ;;
    --batch) BATCH=$2; shift 2 ;;
    --statements) STATEMENTS=1; shift ;;
    --shape) SHAPE=$2; shift 2 ;;
    *) echo "usage: bash bench/publish-path/run.sh [--platforms N] [--batch N] [--shape content|plain] [--statements]" >&2; exit 2 ;;
  esac
done
source "$(dirname "$0")/../lib.sh"
bench_reset
if [ "$STATEMENTS" = 1 ]; then
  as_pg sh -c 'printf "%s\n" "shared_preload_libraries = '"'pg_cron,pg_stat_statements'"'" \
    "pg_stat_statements.track = all" "pg_stat_statements.max = 10000" >>"$1"' sh "$PGDATA/postgresql.conf"
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGLOG" -m fast -w -t 60 restart >/dev/null
  psql_stack -c "create extension if not exists pg_stat_statements" >/dev/null
fi
psql_stack -c "update cron.job set active = false" >/dev/null
psql_stack -v clients=1000 -v platforms="$PLATFORMS" -v shape="$SHAPE" -f bench/publish-path/setup.sql >/dev/null

# The trigger functions before.sql redefines: their definitions now (after), then as they were (before).
functions=$(grep -oP '^CREATE OR REPLACE FUNCTION \K[a-z_.]+(?=\()' bench/publish-path/before.sql | sort -u)
capture() {
  for f in $functions; do
    psql_stack -c "insert into bench.defs select '$1', '$f', pg_get_functiondef('$f'::regproc)" >/dev/null
  done
}
capture after
psql_stack -f bench/publish-path/before.sql >/dev/null
capture before
psql_stack -f bench/publish-path/triggers.sql >/dev/null
psql_stack -c "select bench.use('after')" >/dev/null
echo "$PLATFORMS posts due ($SHAPE); functions compared: $(echo $functions | tr '\n' ' ')"

blocks=$(((PLATFORMS + BATCH * 10 - 1) / (BATCH * 10)))
script="$STATE/publish-path.sql"
: >"$script"
for b in $(seq 1 "$blocks"); do
  variant=$([ $((b % 2)) = 1 ] && echo before || echo after)
  echo "select bench.use('$variant');" >>"$script"
  if [ "$STATEMENTS" = 1 ] && [ "$b" -le 2 ]; then
    # The block's claims, then its outcomes (each 100 posts, oldest claim first), each step's statements apart.
    for step in claim outcome; do
      echo "select pg_stat_statements_reset();" >>"$script"
      call=$([ "$step" = claim ] && echo "bench.claim($BATCH)" || echo "bench.outcome(50, $BATCH)")
      for _ in $(seq 1 10); do
        echo "select $call;" >>"$script"
      done
      echo "create table bench.statements_${variant}_$step as select * from pg_stat_statements;" >>"$script"
    done
  else
    for _ in $(seq 1 10); do
      echo "select bench.claim($BATCH); select bench.outcome(50, $BATCH);" >>"$script"
    done
  fi
done
psql_stack -q -f "$script" >/dev/null
psql_stack -c "
  select step, variant, sum(rows) as posts, count(*) filter (where rows > 0) as batches,
         round(sum(cpu_ms) * 1000.0 / nullif(sum(rows), 0)) as cpu_us_a_post,
         round(sum(ms) * 1000.0 / nullif(sum(rows), 0)) as wall_us_a_post
  from bench.timings where rows > 0 group by 1, 2 order by 1, 2 desc"
psql_stack -Atc "select count(*) filter (where status = 'published') || ' published, '
                 || count(*) filter (where status = 'scheduled') || ' scheduled (transient), '
                 || count(*) filter (where status = 'publishing') || ' publishing'
                 from public.distributions where body like 'Path post %'"
if [ "$STATEMENTS" = 1 ]; then
  for step in claim outcome; do
    for v in before after; do
      echo "-- $step, $v: the statements of the block's 10 ${step}s by total time (ms; nested statements included)"
      psql_stack -c "select calls, round(total_exec_time::numeric, 1) as ms,
                            left(regexp_replace(query, '\s+', ' ', 'g'), 150) as query
                     from bench.statements_${v}_$step order by total_exec_time desc limit 20"
    done
  done
fi
