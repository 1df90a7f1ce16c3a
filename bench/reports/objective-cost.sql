-- What pattern_lift's objective columns add to the writes that feed them, read from the database's own function
-- statistics (track_functions = 'pl'), so the figure does not move with whatever else the machine runs as an
-- on/off comparison of whole calls does: :calls calls of each, one published post of the last 30 days a call (as
-- bench/reports/write-cost.sh picks them), each committed as the callers do, and per call
--   record_conversion: its time, and the time in private.feedback_follows_conversions (the post's new conversions
--                      copied to its feedback rows, their feedback_conversions trigger and the lift rollup: all
--                      that pattern_lift adds to a conversion);
--   record_metrics:    its time, the time in private.feedback_conversions (a feedback row reading its post's
--                      conversions) and in private.rollup_pattern_feedback (the whole lift rollup, its objective
--                      sums included).
-- The conversions it records are deleted at the end. Run on the data bench/reports/run.sh made:
--   psql -v calls=300 -f bench/reports/objective-cost.sql
\set ON_ERROR_STOP 1
\if :{?calls}
\else
  \set calls 300
\endif
\pset footer off
set track_functions = 'pl';
set bench.calls = :calls;
create temp table posts as
  select row_number() over (order by d.id) as n, d.id from distributions d
  where d.status = 'published' and d.published_at > now() - interval '29 days'
    and (d.content_id is null or exists (select 1 from generated_content c
                                         where c.id = d.content_id and c.client_id = d.client_id));
create temp table calls (what text, us numeric);
create temp table stats (what text, funcid oid, calls bigint, total_ms double precision);

create function pg_temp.snapshot(p_what text) returns void language sql as $$
  insert into stats select p_what, f.funcid, f.calls, f.total_time from pg_stat_user_functions f
  where f.schemaname = 'private'
    and f.funcname in ('feedback_follows_conversions', 'feedback_conversions', 'rollup_pattern_feedback')
$$;

create function pg_temp.run(p_what text) returns void language plpgsql as $$
declare
  v_posts uuid[] := array(select p.id from posts p order by p.n);
  v_post uuid;
  v_t timestamptz;
begin
  for i in 1 .. current_setting('bench.calls')::int loop
    v_post := v_posts[1 + (i * 7919) % cardinality(v_posts)];
    v_t := clock_timestamp();
    if p_what = 'record_conversion' then
      perform public.record_conversion(jsonb_build_object('distribution_id', v_post, 'value', 1,
                                                          'external_ref', 'objective-cost-' || gen_random_uuid()));
    else
      perform private.record_metrics(jsonb_build_array(jsonb_build_object(
        'distribution_id', v_post, 'ok', true,
        'metrics', jsonb_build_object('impressions', 1000 + (i * 31) % 29000, 'engagements', (i * 17) % 900,
                                      'clicks', (i * 13) % 200))));
    end if;
    insert into calls values (p_what, extract(epoch from clock_timestamp() - v_t) * 1e6);
  end loop;
end $$;

-- Each step its own transaction (psql autocommit): the statistics reach the shared view once the backend is idle.
select pg_stat_force_next_flush();
select pg_temp.snapshot('before');
select pg_temp.run('record_conversion');
select pg_stat_force_next_flush();
select pg_temp.snapshot('after conversions');
select pg_temp.run('record_metrics');
select pg_stat_force_next_flush();
select pg_temp.snapshot('after metrics');

\echo
\echo 'pattern_lift objective: per call, the call''s time and the time in the functions that keep pattern_lift (us)'
with delta as (
  select s1.what, p.proname, s1.calls - coalesce(s0.calls, 0) as calls, s1.total_ms - coalesce(s0.total_ms, 0) as ms
  from stats s1
  join pg_proc p on p.oid = s1.funcid
  left join stats s0 on s0.funcid = s1.funcid
                    and s0.what = case s1.what when 'after conversions' then 'before' else 'after conversions' end
  where s1.what <> 'before'
)
select c.what, count(*) as calls, round(avg(c.us)) as call_us,
       round(percentile_cont(0.5) within group (order by c.us)) as call_median_us,
       (select string_agg(format('%s %s us (%s calls)', d.proname, round((1000 * d.ms / current_setting('bench.calls')::numeric)::numeric),
                                 d.calls), '; ' order by d.proname)
        from delta d
        where d.what = case c.what when 'record_conversion' then 'after conversions' else 'after metrics' end
          and d.calls > 0) as in_functions_per_call
from calls c group by c.what order by c.what;
delete from conversions where external_ref like 'objective-cost-%';
