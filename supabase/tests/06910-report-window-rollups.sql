set client_min_messages = warning;
-- distribution_performance_by_platform and best_performing_times read rollups kept by triggers (corrected between
-- the rollup's start and the window's), pattern_lift reads one kept on pattern_feedback. After every kind of write
-- (inserts in every status, publishing, metrics changing and becoming null, hand edits of published_at across the
-- window's edge, platform and time zone, rows leaving the published state, deletes), whatever the rollup's start
-- (earlier, later or at the window's), each returns exactly the rows of the plain query it replaced, as the
-- service role and under row-level security.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(38);
select tests.create_two_clients();

-- The references: the views as plain queries over distributions and pattern_feedback.
create function pg_temp.performance() returns table (platform text, total_posts bigint, avg_impressions numeric,
  avg_engagement_rate numeric, avg_ctr numeric, total_clicks bigint)
language sql stable security invoker as $$
  select p.name, count(d.id), round(avg(d.impressions), 0), round(avg(d.engagement_rate), 2),
         round(avg(d.click_through_rate), 2), sum(d.clicks)
  from public.distributions d
  join public.platforms p on d.platform_id = p.id
  where d.status = 'published' and d.published_at > now() - interval '30 days'
  group by p.id, p.name
$$;
create function pg_temp.best_times() returns table (platform text, day_of_week numeric, hour numeric, posts bigint,
  avg_engagement numeric)
language sql stable security invoker as $$
  select p.name, extract(dow from d.published_at at time zone d.timezone),
         extract(hour from d.published_at at time zone d.timezone), count(*), round(avg(d.engagement_rate), 2)
  from public.distributions d
  join public.platforms p on d.platform_id = p.id
  where d.status = 'published' and d.published_at > now() - interval '90 days' and d.engagement_rate is not null
  group by p.id, p.name, 2, 3
  having count(*) >= 3
$$;
create function pg_temp.lift() returns table (pattern_id uuid, client_id uuid, platform_id uuid, platform text,
  pattern_type text, pattern_name text, posts_applied bigint, posts_not_applied bigint,
  avg_engagement_rate_applied numeric, avg_engagement_rate_not_applied numeric, engagement_rate_applied numeric,
  engagement_rate_not_applied numeric, lift_pct numeric, p_value double precision, objective text,
  objective_rate_applied numeric, objective_rate_not_applied numeric, objective_lift_pct numeric,
  objective_p_value double precision)
language sql stable security invoker as $$
  select pp.id, pp.client_id, pp.platform_id, p.name, pp.pattern_type, pp.pattern_name,
         a.posts_applied, a.posts_not_applied, round(a.avg_rate_applied, 4), round(a.avg_rate_not_applied, 4),
         round(100.0 * a.x1::numeric / nullif(a.n1, 0)::numeric, 4),
         round(100.0 * a.x0::numeric / nullif(a.n0, 0)::numeric, 4),
         round(100.0 * (a.x1::numeric / nullif(a.n1, 0) / nullif(a.x0::numeric / nullif(a.n0, 0), 0) - 1), 2),
         public.two_proportion_p_value(a.x1::numeric, a.n1::numeric, a.x0::numeric, a.n0::numeric),
         c.optimize_for, round(100.0 * a.o1::numeric / nullif(a.m1, 0)::numeric, 4),
         round(100.0 * a.o0::numeric / nullif(a.m0, 0)::numeric, 4),
         round(100.0 * (a.o1::numeric / nullif(a.m1, 0) / nullif(a.o0::numeric / nullif(a.m0, 0), 0) - 1), 2),
         public.two_proportion_p_value(a.o1::numeric, a.m1::numeric, a.o0::numeric, a.m0::numeric)
  from public.platform_patterns pp
  join public.platforms p on p.id = pp.platform_id
  join public.clients c on c.id = pp.client_id
  cross join lateral (
    select count(*) filter (where f.pattern_applied) as posts_applied,
           count(*) filter (where not f.pattern_applied) as posts_not_applied,
           avg(f.engagement_rate) filter (where f.pattern_applied) as avg_rate_applied,
           avg(f.engagement_rate) filter (where not f.pattern_applied) as avg_rate_not_applied,
           sum(f.engagement_count) filter (where f.pattern_applied and f.engagement_base > 0) as x1,
           sum(f.engagement_base) filter (where f.pattern_applied and f.engagement_base > 0
                                          and f.engagement_count is not null) as n1,
           sum(f.engagement_count) filter (where not f.pattern_applied and f.engagement_base > 0) as x0,
           sum(f.engagement_base) filter (where not f.pattern_applied and f.engagement_base > 0
                                          and f.engagement_count is not null) as n0,
           -- The client's objective, counted as the learner counts it (conversions from the post).
           sum(o.events) filter (where f.pattern_applied and f.engagement_base > 0) as o1,
           sum(f.engagement_base) filter (where f.pattern_applied and f.engagement_base > 0
                                          and o.events is not null) as m1,
           sum(o.events) filter (where not f.pattern_applied and f.engagement_base > 0) as o0,
           sum(f.engagement_base) filter (where not f.pattern_applied and f.engagement_base > 0
                                          and o.events is not null) as m0
    from public.pattern_feedback f
    left join public.distributions d on d.id = f.distribution_id
    cross join lateral (
      select case c.optimize_for when 'clicks' then f.clicks when 'conversions' then d.conversions
                                 else f.engagement_count end as events) o
    where f.pattern_id = pp.id) a
$$;
grant execute on function pg_temp.performance(), pg_temp.best_times(), pg_temp.lift() to authenticated, service_role;

create function pg_temp.same(p_what text) returns setof text language sql as $$
  select bag_eq('select * from distribution_performance_by_platform', 'select * from pg_temp.performance()',
                'performance by platform: ' || p_what)
  union all
  select bag_eq('select * from best_performing_times', 'select * from pg_temp.best_times()',
                'best performing times: ' || p_what)
$$;
grant execute on function pg_temp.same(text) to authenticated, service_role;

insert into platforms (id, client_id, name, kind, timezone) values
  ('00000000-0000-4000-8000-0000000000a1', tests.fx('A', 'client'), 'X A', 'x', 'Pacific/Auckland'),
  ('00000000-0000-4000-8000-0000000000a2', tests.fx('A', 'client'), 'Mail A', 'email', 'America/Los_Angeles'),
  ('00000000-0000-4000-8000-0000000000b1', tests.fx('B', 'client'), 'X B', 'x', 'UTC');

-- 600 posts in every status over the last 120 days and a few in the future, in several time zones, on few
-- enough slots that many hold 3 or more posts; some metrics missing.
insert into distributions (client_id, platform_id, content_type, body, title, status, scheduled_for, published_at,
                           impressions, engagement_rate, click_through_rate, clicks, timezone, attempt_id,
                           lease_expires_at)
select c, pl, 'manual', 'x', 't' || i, st::public.distribution_status, now() - i * interval '61 minutes',
       case when st = 'published' then date_trunc('hour', now()) - (i % 120) * interval '1 day'
                                        - (i % 3) * interval '1 hour' + (i % 59) * interval '1 minute' end,
       case when i % 6 = 0 then null else 100 + i end,
       case when i % 5 = 0 then null else (i % 11)::numeric + 0.25 * (i % 3) end,
       case when i % 7 = 0 then null else (i % 4)::numeric + 0.5 end,
       case when i % 4 = 0 then null else i % 9 end,
       (array['UTC', 'Europe/Paris', 'Asia/Kolkata'])[1 + i % 3],
       case when st = 'publishing' then gen_random_uuid() end, case when st = 'publishing' then now() + interval '5 minutes' end
from generate_series(1, 600) i,
     lateral (select case when i % 10 < 4 then tests.fx('A', 'platform')
                          when i % 10 < 6 then '00000000-0000-4000-8000-0000000000a1'::uuid
                          when i % 10 < 8 then '00000000-0000-4000-8000-0000000000a2'::uuid
                          else '00000000-0000-4000-8000-0000000000b1'::uuid end as pl) x,
     lateral (select case when i % 10 < 8 then tests.fx('A', 'client') else tests.fx('B', 'client') end as c,
                     case when i % 11 = 0 then 'failed' when i % 11 = 1 then 'scheduled'
                          when i % 11 = 2 then 'publishing' when i % 11 = 3 then 'unconfirmed'
                          when i % 11 = 4 then 'draft' else 'published' end as st) y;
update distributions set published_at = now() + interval '2 days' where status = 'published' and title like '%37';

select cmp_ok((select count(*)::int from best_performing_times), '>=', 10, 'best times has slots with 3+ posts');
select pg_temp.same('after inserts in every status');

-- The publisher, then metrics: values appear, change, become null.
update distributions set status = 'published', published_at = now() - interval '3 hours', impressions = 7,
                         engagement_rate = 3.5
where status = 'publishing' and title in (select 't' || i from generate_series(1, 300) i);
update distributions set status = 'published', published_at = now() - interval '29 days 23 hours'
where status = 'unconfirmed';
update distributions set status = 'failed' where status = 'publishing';
update distributions set impressions = coalesce(impressions, 0) + 11, clicks = coalesce(clicks, 1) * 2,
                         engagement_rate = coalesce(engagement_rate, 1.125) + 0.5
where status = 'published' and title like '%1';
update distributions set click_through_rate = null, clicks = null, engagement_rate = null
where platform_id = '00000000-0000-4000-8000-0000000000a2' and title like '%3';
select pg_temp.same('after publishing and metrics updates');

-- Hand edits: published_at across the windows' edges (both ways), another platform, another time zone.
update distributions set published_at = published_at - interval '31 days'
where status = 'published' and title like '%4' and published_at > now() - interval '30 days';
update distributions set published_at = now() - interval '10 days'
where status = 'published' and title like '%6' and published_at < now() - interval '90 days';
update distributions set platform_id = '00000000-0000-4000-8000-0000000000a1'
where status = 'published' and platform_id = tests.fx('A', 'platform') and title like '%8';
update distributions set timezone = 'America/New_York' where status = 'published' and title like '%5';
select pg_temp.same('after hand edits of published_at, platform and time zone');

-- Rows leaving the published state (a superuser correction past the status machine) and deletes.
alter table distributions disable trigger distributions_status_machine;
update distributions set status = 'failed', published_at = null where status = 'published' and title like '%9';
alter table distributions enable trigger distributions_status_machine;
delete from distributions where status = 'published' and title like '%2';
select pg_temp.same('after rows left the published state and deletes');

-- The rollups' start: earlier than the windows' (the views take out the posts in between), later (they add them),
-- and moved to the windows' start by the hourly job, taking the posts out of the rollups.
select private.rebuild_report_window_rollups(now() - interval '10 days');
select pg_temp.same('rollups starting 10 days before the windows');
update distributions set engagement_rate = engagement_rate + 1, impressions = impressions + 1
where status = 'published' and title like '%7';
select pg_temp.same('rollups starting earlier, after updates');
select ok(private.advance_report_windows(), 'the hourly job moves the starts');
select is((select array_agg(since = now() - length) from private.report_windows), array[true, true],
  'the starts are now the windows''');
select pg_temp.same('after the hourly job');
create temp table advanced as
  select 'p' as t, to_jsonb(r) as r from performance_window_rollups r
  union all select 'b', to_jsonb(r) from best_time_rollups r;
select private.rebuild_report_window_rollups();
select bag_eq('select * from advanced',
  $$select 'p', to_jsonb(r) from performance_window_rollups r union all select 'b', to_jsonb(r) from best_time_rollups r$$,
  'advancing equals rebuilding at the windows'' start (as does every write since)');
select private.rebuild_report_window_rollups(now() + interval '5 days');
select pg_temp.same('rollups starting 5 days after the windows');
delete from distributions where status = 'published' and title like '%3';
select pg_temp.same('rollups starting later, after deletes');
select ok(private.advance_report_windows(), 'the hourly job moves the starts back');
select pg_temp.same('after the hourly job moved the starts back');
delete from distributions where platform_id = '00000000-0000-4000-8000-0000000000b1';
select is((select count(*)::int from performance_window_rollups where platform_id = '00000000-0000-4000-8000-0000000000b1')
          + (select count(*)::int from best_time_rollups where platform_id = '00000000-0000-4000-8000-0000000000b1'), 0,
  'a platform with no published posts left has no rollup rows');

-- Pattern lift: feedback inserted, updated (applied flips, counts change, become null), deleted; a pattern deleted.
insert into platform_patterns (id, client_id, platform_id, pattern_type, pattern_name) values
  ('00000000-0000-4000-8000-0000000000c1', tests.fx('A', 'client'), '00000000-0000-4000-8000-0000000000a1', 'headline', 'question'),
  ('00000000-0000-4000-8000-0000000000c2', tests.fx('A', 'client'), '00000000-0000-4000-8000-0000000000a1', 'headline', 'listicle'),
  ('00000000-0000-4000-8000-0000000000c3', tests.fx('A', 'client'), '00000000-0000-4000-8000-0000000000a2', 'headline', 'question');
insert into pattern_feedback (client_id, pattern_id, distribution_id, pattern_applied, engagement_rate, engagement_base,
                              engagement_count)
select d.client_id, pp.id, d.id, hashtext(d.id::text || pp.id::text) % 3 = 0, d.engagement_rate,
       case when d.title like '%1' then null when d.title like '%8' then 0 else 1000 + (d.impressions % 97) end,
       case when d.title like '%4' then null else d.impressions % 50 end
from distributions d join platform_patterns pp on pp.platform_id = d.platform_id
where d.status = 'published' and pp.id::text like '00000000%';
select bag_eq('select * from pattern_lift', 'select * from pg_temp.lift()', 'pattern lift: after inserts');
select cmp_ok((select count(*)::int from pattern_lift where lift_pct is not null and p_value is not null), '>=', 2,
  'pattern lift: the pooled lift and its p-value are there');
update pattern_feedback set pattern_applied = not pattern_applied where engagement_count % 4 = 0;
update pattern_feedback set engagement_count = engagement_count + 3, engagement_rate = null
where engagement_count % 5 = 1;
update pattern_feedback set engagement_base = null where engagement_count % 7 = 2;
update pattern_feedback set pattern_id = '00000000-0000-4000-8000-0000000000c2'
where pattern_id = '00000000-0000-4000-8000-0000000000c1' and engagement_count % 3 = 0
  and not exists (select 1 from pattern_feedback f2 where f2.distribution_id = pattern_feedback.distribution_id
                  and f2.pattern_id = '00000000-0000-4000-8000-0000000000c2');
delete from pattern_feedback where engagement_count % 6 = 5;
select bag_eq('select * from pattern_lift', 'select * from pg_temp.lift()',
  'pattern lift: after updates (applied, counts, nulls, moves) and deletes');
delete from platform_patterns where id = '00000000-0000-4000-8000-0000000000c3';
delete from pattern_feedback where pattern_id = '00000000-0000-4000-8000-0000000000c2';
select bag_eq('select * from pattern_lift', 'select * from pg_temp.lift()',
  'pattern lift: after a pattern and all of another''s feedback went');
select is((select count(*)::int from pattern_lift_rollups where pattern_id in
             ('00000000-0000-4000-8000-0000000000c2', '00000000-0000-4000-8000-0000000000c3')), 0,
  'pattern lift: no rollup rows for patterns without feedback');
create temp table lift_inc as select * from pattern_lift_rollups;
select private.rebuild_pattern_lift_rollups();
select bag_eq('select * from pattern_lift_rollups', 'select * from lift_inc', 'pattern lift: incremental equals rebuilt');

-- Row-level security: a member of A sees exactly A's rows of each reference, and cannot write the rollups.
select tests.authenticate_as(tests.get_user_id('viewer_a@test.local'));
select pg_temp.same('as a member of A (row-level security)');
select bag_eq('select * from pattern_lift', 'select * from pg_temp.lift()', 'pattern lift: as a member of A');
select is(array(select distinct client_id from pattern_lift), array[tests.fx('A', 'client')],
  'a member of A sees only A''s patterns');
select throws_ok($$ insert into best_time_rollups (platform_id, day_of_week, hour, client_id)
                    values (tests.fx('A', 'platform'), 1, 1, tests.fx('A', 'client')) $$,
  '42501', null, 'members cannot write the rollups');
select tests.clear_authentication();
select tests.authenticate_as(tests.get_user_id('owner_b@test.local'));
select is(array(select distinct client_id from performance_window_rollups
                union select client_id from best_time_rollups union select client_id from pattern_lift_rollups),
  array[tests.fx('B', 'client')], 'a member of B sees only B''s rollup rows');
select tests.clear_authentication();

select * from finish();
rollback;
