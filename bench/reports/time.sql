-- Times each report view (median of :repeat runs, all rows and columns materialized) as a member of one client
-- (row-level security on) and as the service role (every client), against the 100 ms target; the views that read
-- rollups against the plain queries they replace; then each view again without the report indexes.
\set ON_ERROR_STOP 1
\pset footer off
create schema if not exists bench;
create or replace function bench.time_ms(p_sql text, p_repeat int) returns numeric
language plpgsql as $$
declare
  t timestamptz;
  ms numeric[] := '{}';
begin
  for i in 1 .. p_repeat loop
    t := clock_timestamp();
    execute 'select count(*), sum(hashtext(q::text)) from (' || p_sql || ') q';
    ms := ms || (extract(epoch from clock_timestamp() - t) * 1000)::numeric;
  end loop;
  return (select round(percentile_cont(0.5) within group (order by x)::numeric, 1) from unnest(ms) x);
end $$;
grant usage on schema bench to authenticated, service_role;
grant execute on function bench.time_ms(text, int) to authenticated, service_role;

-- platform_health as it was defined before its queue counts read the index alone (a view: a member's query text may
-- not name the private schema, a view's may).
create or replace view bench.platform_health_previous with (security_invoker = true) as
SELECT p.id AS platform_id,
    p.client_id,
    p.name AS platform,
    p.kind,
    p.is_active,
    p.last_published_at,
    p.last_metrics_sync_at,
    p.api_errors_24h,
    COALESCE(ms.failed, 0) AS metrics_errors_24h,
    COALESCE(ms.synced, 0) AS metrics_reads_24h,
    p.metrics_last_error,
    p.paused_until,
    p.pause_reason,
    p.metrics_paused_until,
    p.needs_reconnection,
    p.reconnection_reason,
    COALESCE(q.draft, 0) AS queue_draft,
    COALESCE(q.scheduled, 0) AS queue_scheduled,
    COALESCE(q.due_now, 0) AS queue_due_now,
    COALESCE(q.publishing, 0) AS queue_publishing,
    COALESCE(q.failed, 0) AS queue_failed,
    COALESCE(q.unconfirmed, 0) AS queue_unconfirmed,
    COALESCE(m.due, 0) AS metrics_due_now,
    hold.until AS limits_allow_at,
    hold.limit_name AS limited_by,
    private.publish_config_problem(p.publish_config, (p.kind)::text) AS config_problem
   FROM platforms p
     LEFT JOIN LATERAL ( SELECT sum(s.synced)::integer AS synced,
            sum(s.failed)::integer AS failed
           FROM metrics_sync_stats s
          WHERE s.platform_id = p.id AND s.hour > (now() - '24:00:00'::interval)) ms ON true
     LEFT JOIN LATERAL ( SELECT count(*) FILTER (WHERE d.status = 'draft')::integer AS draft,
            count(*) FILTER (WHERE d.status = 'scheduled')::integer AS scheduled,
            count(*) FILTER (WHERE d.status = 'scheduled' AND COALESCE(d.next_attempt_at, d.scheduled_for) <= now())::integer AS due_now,
            count(*) FILTER (WHERE d.status = 'publishing')::integer AS publishing,
            count(*) FILTER (WHERE d.status = 'failed')::integer AS failed,
            count(*) FILTER (WHERE d.status = 'unconfirmed')::integer AS unconfirmed
           FROM distributions d
          WHERE d.platform_id = p.id AND (d.status IN ('draft', 'scheduled', 'publishing', 'failed', 'unconfirmed'))) q ON true
     LEFT JOIN LATERAL ( SELECT count(*)::integer AS due
           FROM distributions d
          WHERE d.platform_id = p.id AND d.metrics_next_sync_at <= now()) m ON true
     LEFT JOIN LATERAL ( SELECT max(r.published_at) + make_interval(mins => p.min_interval_minutes) AS interval_until
           FROM distributions r
          WHERE r.platform_id = p.id AND r.status = 'published') li ON true
     LEFT JOIN LATERAL ( SELECT (array_agg(r.published_at ORDER BY r.published_at DESC) FILTER (WHERE p.posts_per_hour IS NOT NULL AND r.published_at > (now() - '01:00:00'::interval)))[p.posts_per_hour] + '01:00:00'::interval AS hour_until,
            (array_agg(r.published_at ORDER BY r.published_at DESC) FILTER (WHERE p.posts_per_day IS NOT NULL))[p.posts_per_day] + '24:00:00'::interval AS day_until
           FROM distributions r
          WHERE r.platform_id = p.id AND r.status = 'published' AND r.published_at > (now() - '24:00:00'::interval)) l ON true
     LEFT JOIN LATERAL ( SELECT h.until,
            h.limit_name
           FROM ( VALUES (l.day_until,format('posts_per_day (%s)'::text, p.posts_per_day),1), (l.hour_until,format('posts_per_hour (%s)'::text, p.posts_per_hour),2), (li.interval_until,format('min_interval_minutes (%s)'::text, p.min_interval_minutes),3)) h(until, limit_name, rank)
          WHERE h.until > now()
          ORDER BY h.until DESC, h.rank
         LIMIT 1) hold ON true;
grant select on bench.platform_health_previous to authenticated, service_role;

set bench.repeat = :repeat;
create temp table cases (n int, name text, sql text);
insert into cases values
  (1, 'distribution_performance_by_platform', 'select * from distribution_performance_by_platform'),
  (2, 'best_performing_times', 'select * from best_performing_times'),
  (3, 'publishing_calendar_overview', 'select * from publishing_calendar_overview'),
  (4, 'failed_distributions', 'select * from failed_distributions'),
  (5, 'platform_health', 'select * from platform_health'),
  (6, 'ab_test_results', 'select * from ab_test_results'),
  (7, 'cross_post_group_summary (one client)', format('select * from cross_post_group_summary where client_id = %L', md5('c1')::uuid)),
  (8, 'content_performance (one client)', format('select * from content_performance where client_id = %L', md5('c1')::uuid)),
  (9, 'conversion_report (one client, 30 days)', format('select * from conversion_report where client_id = %L and published_at > now() - interval ''30 days''', md5('c1')::uuid)),
  (10, 'conversion_report_by_platform (last 3 months)', 'select * from conversion_report_by_platform where month >= (current_date - 90)'),
  (11, 'pattern_lift', 'select * from pattern_lift'),
  (12, 'latest snapshots -> perf by platform (what summary columns avoid)',
   'select p.name, count(*), round(avg(m.impressions), 0) from (select distinct on (m.distribution_id) m.* from distribution_metrics m join distributions d on d.id = m.distribution_id where d.status = ''published'' and d.published_at > now() - interval ''30 days'' order by m.distribution_id, m.recorded_at desc) m join distributions d on d.id = m.distribution_id join platforms p on p.id = d.platform_id group by p.id, p.name'),
  (13, 'conversion_report_by_platform aggregated from distributions (what conversion_rollups avoids)',
   'select p.id, p.client_id, p.name, p.kind, date_trunc(''month'', d.published_at at time zone p.timezone)::date as month, count(*), sum(d.clicks), sum(d.conversions), sum(d.conversion_value), round(100.0 * sum(d.conversions) filter (where d.clicks is not null) / nullif(sum(d.clicks), 0), 4) from distributions d join platforms p on p.id = d.platform_id where d.status = ''published'' group by p.id, p.client_id, 5'),
  (14, 'distribution_performance_by_platform as the plain query (what performance_window_rollups avoids)',
   'select p.name, count(d.id), round(avg(d.impressions), 0), round(avg(d.engagement_rate), 2), round(avg(d.click_through_rate), 2), sum(d.clicks) from distributions d join platforms p on d.platform_id = p.id where d.status = ''published'' and d.published_at > now() - interval ''30 days'' group by p.id, p.name order by 4 desc'),
  (15, 'best_performing_times as the plain query (what best_time_rollups avoids)',
   'select p.name, extract(dow from d.published_at at time zone d.timezone), extract(hour from d.published_at at time zone d.timezone), count(*), round(avg(d.engagement_rate), 2) from distributions d join platforms p on d.platform_id = p.id where d.status = ''published'' and d.published_at > now() - interval ''90 days'' and d.engagement_rate is not null group by p.id, p.name, 2, 3 having count(*) >= 3 order by p.name, 5 desc'),
  (16, 'pattern_lift as the plain query (what pattern_lift_rollups avoids)',
   'select pp.id, p.name, c.optimize_for, a.* from platform_patterns pp join platforms p on p.id = pp.platform_id join clients c on c.id = pp.client_id cross join lateral (select count(*) filter (where f.pattern_applied), count(*) filter (where not f.pattern_applied), avg(f.engagement_rate) filter (where f.pattern_applied), avg(f.engagement_rate) filter (where not f.pattern_applied), sum(f.engagement_count) filter (where f.pattern_applied and f.engagement_base > 0) as x1, sum(f.engagement_base) filter (where f.pattern_applied and f.engagement_base > 0 and f.engagement_count is not null) as n1, sum(f.engagement_count) filter (where not f.pattern_applied and f.engagement_base > 0) as x0, sum(f.engagement_base) filter (where not f.pattern_applied and f.engagement_base > 0 and f.engagement_count is not null) as n0, sum(o.events) filter (where f.pattern_applied and f.engagement_base > 0) as o1, sum(f.engagement_base) filter (where f.pattern_applied and f.engagement_base > 0 and o.events is not null) as m1, sum(o.events) filter (where not f.pattern_applied and f.engagement_base > 0) as o0, sum(f.engagement_base) filter (where not f.pattern_applied and f.engagement_base > 0 and o.events is not null) as m0 from pattern_feedback f left join distributions d on d.id = f.distribution_id cross join lateral (select case c.optimize_for when ''clicks'' then f.clicks when ''conversions'' then d.conversions else f.engagement_count end as events) o where f.pattern_id = pp.id) a'),
  (17, 'ab_test_results as the plain query (what ab_test_result_rollups avoids)', $ab$
WITH variants AS (
         SELECT d.client_id,
            d.variant_group,
            COALESCE(NULLIF(d.platform_specific ->> 'variant'::text, ''::text),
                CASE
                    WHEN d.is_control THEN 'control'::text
                    ELSE d.id::text
                END) AS variant,
            bool_or(d.is_control) AS is_control,
            count(*) AS posts,
            count(*) FILTER (WHERE d.status = 'published') AS published_posts,
            array_agg(d.id ORDER BY d.published_at, d.id) AS distribution_ids,
            sum(d.impressions) AS impressions,
            sum(d.engagements) AS engagements,
            sum(d.clicks) AS clicks,
            sum(d.engagement_base) FILTER (WHERE d.engagement_count IS NOT NULL AND d.engagement_base > 0) AS eng_n,
            sum(d.engagement_count) FILTER (WHERE d.engagement_count IS NOT NULL AND d.engagement_base > 0) AS eng_x,
            sum(d.engagement_base) FILTER (WHERE d.clicks IS NOT NULL AND d.engagement_base > 0) AS click_n,
            sum(d.clicks) FILTER (WHERE d.clicks IS NOT NULL AND d.engagement_base > 0) AS click_x,
            min(d.published_at) AS first_published_at
           FROM public.distributions d
          WHERE d.variant_group IS NOT NULL
          GROUP BY d.client_id, d.variant_group, (COALESCE(NULLIF(d.platform_specific ->> 'variant'::text, ''::text),
                CASE
                    WHEN d.is_control THEN 'control'::text
                    ELSE d.id::text
                END))
        ), controls AS (
         SELECT v.client_id,
            v.variant_group,
            sum(v.eng_n) AS eng_n,
            sum(v.eng_x) AS eng_x,
            sum(v.click_n) AS click_n,
            sum(v.click_x) AS click_x
           FROM variants v
          WHERE v.is_control
          GROUP BY v.client_id, v.variant_group
        ), rated AS (
         SELECT v.client_id,
            v.variant_group,
            v.variant,
            v.is_control,
            v.posts,
            v.published_posts,
            v.distribution_ids,
            v.impressions,
            v.engagements,
            v.clicks,
            v.eng_n,
            v.eng_x,
            v.click_n,
            v.click_x,
            v.first_published_at,
            round(100.0 * v.eng_x::numeric / NULLIF(v.eng_n, 0)::numeric, 4) AS engagement_rate,
            round(100.0 * v.click_x::numeric / NULLIF(v.click_n, 0)::numeric, 4) AS click_through_rate,
            round(100.0 * c.eng_x / NULLIF(c.eng_n, 0::numeric), 4) AS control_engagement_rate,
            round(100.0 * c.click_x / NULLIF(c.click_n, 0::numeric), 4) AS control_click_through_rate,
            c.eng_n AS c_eng_n,
            c.eng_x AS c_eng_x,
            c.click_n AS c_click_n,
            c.click_x AS c_click_x
           FROM variants v
             LEFT JOIN controls c ON c.client_id = v.client_id AND c.variant_group = v.variant_group
        )
 SELECT r.client_id,
    r.variant_group,
    r.variant,
    r.is_control,
    r.posts,
    r.published_posts,
    r.distribution_ids,
    r.impressions,
    r.engagements,
    r.clicks,
    r.eng_n AS engagement_base,
    r.eng_x AS engagement_count,
    r.engagement_rate,
    r.click_through_rate,
        CASE
            WHEN NOT r.is_control THEN r.engagement_rate - r.control_engagement_rate
            ELSE NULL::numeric
        END AS engagement_rate_diff,
        CASE
            WHEN NOT r.is_control THEN round(100.0 * (r.engagement_rate / NULLIF(r.control_engagement_rate, 0::numeric) - 1::numeric), 2)
            ELSE NULL::numeric
        END AS engagement_lift_pct,
        CASE
            WHEN NOT r.is_control THEN r.click_through_rate - r.control_click_through_rate
            ELSE NULL::numeric
        END AS ctr_diff,
        CASE
            WHEN NOT r.is_control THEN public.two_proportion_p_value(r.eng_x::numeric, r.eng_n::numeric, r.c_eng_x, r.c_eng_n)
            ELSE NULL::double precision
        END AS engagement_p_value,
        CASE
            WHEN NOT r.is_control THEN public.two_proportion_p_value(r.click_x::numeric, r.click_n::numeric, r.c_click_x, r.c_click_n)
            ELSE NULL::double precision
        END AS ctr_p_value,
    r.first_published_at
   FROM rated r
$ab$),
  (18, 'content_performance (one client) as the plain query (what content_performance_rollups avoids)',
   format('select c.id, c.client_id, c.title, c.status, c.content_type, count(d.id), count(d.id) filter (where d.status = ''published''), array_agg(distinct p.name) filter (where d.status = ''published''), min(d.published_at), sum(d.impressions), sum(d.video_views), sum(d.engagements), sum(d.clicks), sum(d.conversions), sum(d.conversion_value), round(avg(d.engagement_rate), 2), round(100.0 * sum(d.engagement_count) filter (where d.engagement_count is not null and d.engagement_base > 0)::numeric / nullif(sum(d.engagement_base) filter (where d.engagement_count is not null and d.engagement_base > 0), 0)::numeric, 4), (array_agg(p.name order by d.engagement_rate desc) filter (where d.engagement_rate is not null))[1], max(d.engagement_rate) from generated_content c left join distributions d on d.content_id = c.id left join platforms p on p.id = d.platform_id where c.client_id = %L group by c.id, c.client_id', md5('c1')::uuid)),
  (19, 'cross_post_group_summary (one client) as the plain query (what cross_post_group_rollups avoids)',
   format('select g.id, g.client_id, g.name, g.status, g.timing_strategy, g.source_content_id, count(d.id), count(d.id) filter (where d.status = ''published''), count(d.id) filter (where d.status = ''failed''), count(d.id) filter (where d.status in (''draft'', ''scheduled'', ''publishing'', ''unconfirmed'')), array_agg(distinct p.name) filter (where p.name is not null), min(d.published_at), max(d.published_at), sum(d.impressions), sum(d.engagements), sum(d.clicks), sum(d.conversions), round(100.0 * sum(d.engagement_count) filter (where d.engagement_count is not null and d.engagement_base > 0)::numeric / nullif(sum(d.engagement_base) filter (where d.engagement_count is not null and d.engagement_base > 0), 0)::numeric, 4), round(100.0 * sum(d.clicks) filter (where d.clicks is not null and d.engagement_base > 0)::numeric / nullif(sum(d.engagement_base) filter (where d.clicks is not null and d.engagement_base > 0), 0)::numeric, 4) from cross_post_groups g left join distributions d on d.cross_post_group_id = g.id left join platforms p on p.id = d.platform_id where g.client_id = %L group by g.id, g.client_id', md5('c1')::uuid)),
  (20, 'publishing_calendar_overview as the plain query (what publishing_calendar_rollups avoids)',
   'select pc.date, p.name as platform, count(pc.distribution_id) as scheduled_posts, array_agg(pc.time_slot order by pc.time_slot) as time_slots from publishing_calendar pc join platforms p on pc.platform_id = p.id where pc.date >= (now() at time zone pc.timezone)::date and pc.date <= ((now() at time zone pc.timezone)::date + 7) group by pc.date, p.id, p.name order by pc.date, p.name'),
  (21, 'platform_health as its previous definition (each queue row read from the heap)',
   'select * from bench.platform_health_previous');

create temp table results (n int, name text, role text, with_ms numeric, without_ms numeric);
grant all on results, cases to authenticated, service_role;

-- With the indexes: as the service role (every client), then as a member of client 1 (row-level security).
insert into auth.users (id, email, aud, role) values (md5('u1')::uuid, 'bench@local', 'authenticated', 'authenticated')
  on conflict do nothing;
insert into client_members (client_id, user_id, role) values (md5('c1')::uuid, md5('u1')::uuid, 'owner') on conflict do nothing;
create temp table wo (n int, role text, ms numeric);
grant all on wo to authenticated, service_role;

create function pg_temp.run(p_target text, p_role text) returns void language plpgsql as $$
begin
  if p_role = 'member' then
    perform set_config('request.jwt.claims', json_build_object('sub', md5('u1')::uuid, 'role', 'authenticated')::text, true);
    execute 'set local role authenticated';
  else
    perform set_config('request.jwt.claims', json_build_object('role', 'service_role')::text, true);
    execute 'set local role service_role';
  end if;
  if p_target = 'results' then
    insert into results (n, name, role, with_ms)
    select c.n, c.name, p_role, bench.time_ms(c.sql, current_setting('bench.repeat')::int) from cases c
    where p_role = 'service_role' or c.n < 12 or c.n >= 20 order by c.n;
  else
    insert into wo select c.n, p_role, bench.time_ms(c.sql, current_setting('bench.repeat')::int) from cases c where c.n < 12 order by c.n;
  end if;
  execute 'reset role';
end $$;

begin;
select pg_temp.run('results', 'service_role') \gset
commit;
begin;
select pg_temp.run('results', 'member') \gset
commit;

-- Without the report indexes: dropped in a transaction, timed, printed, rolled back.
begin;
drop index idx_distributions_published_report, idx_distributions_failed, idx_distributions_platform_open,
  idx_distributions_variant_group, idx_pattern_feedback_lift, idx_distribution_metrics_distribution_recorded,
  idx_distributions_metrics_due;
select pg_temp.run('wo', 'service_role') \gset
select pg_temp.run('wo', 'member') \gset
\echo
\echo 'Report views: median ms as a member of one client (row-level security) and across all clients (service role), target 100 ms'
select r.name as view, m.with_ms as member_ms, r.with_ms as all_clients_ms, 100 as target_ms,
       case when greatest(m.with_ms, r.with_ms) <= 100 then 'yes' else 'NO' end as within
from results r join results m on m.n = r.n and m.role = 'member'
where r.role = 'service_role' and r.n < 12
order by r.n;
\echo 'Views reading rollups against the plain queries they replace (service role, median ms)'
select v.view, r.with_ms as rollup_ms, q.with_ms as plain_ms, round(q.with_ms / nullif(r.with_ms, 0), 1) as ratio
from (values (1, 14, 'distribution_performance_by_platform'), (2, 15, 'best_performing_times'),
             (6, 17, 'ab_test_results'), (11, 16, 'pattern_lift'),
             (7, 19, 'cross_post_group_summary (one client)'), (8, 18, 'content_performance (one client)')) v(n, plain, view)
join results r on r.n = v.n and r.role = 'service_role'
join results q on q.n = v.plain
order by v.n;
\echo 'Calendar overview and platform health against their previous definitions (median ms, member / all clients)'
select v.view, m.with_ms as member_ms, r.with_ms as all_clients_ms, mq.with_ms as previous_member_ms,
       q.with_ms as previous_all_clients_ms, round(q.with_ms / nullif(r.with_ms, 0), 1) as all_clients_ratio
from (values (3, 20, 'publishing_calendar_overview'), (5, 21, 'platform_health')) v(n, plain, view)
join results r on r.n = v.n and r.role = 'service_role'
join results m on m.n = v.n and m.role = 'member'
join results q on q.n = v.plain and q.role = 'service_role'
join results mq on mq.n = v.plain and mq.role = 'member'
order by v.n;
\echo 'Report views: median ms with the report indexes, without them, and the ratio (without / with)'
select r.name as view, r.role, r.with_ms, w.ms as without_ms, round(w.ms / nullif(r.with_ms, 0), 1) as ratio
from results r left join wo w on w.n = r.n and w.role = r.role
where r.n < 12
order by r.role desc, r.n;
\echo 'Summary columns vs the latest snapshot per post (performance by platform, last 30 days, service role)'
select (select with_ms from results where n = 1 and role = 'service_role') as summary_columns_ms,
       (select with_ms from results where n = 12) as latest_snapshot_ms,
       round((select with_ms from results where n = 12)
             / nullif((select with_ms from results where n = 1 and role = 'service_role'), 0), 1) as ratio;
\echo 'conversion_report_by_platform: the rollup vs aggregating the published distributions (service role, all months)'
select (select with_ms from results where n = 13) as aggregate_ms,
       bench.time_ms('select * from conversion_report_by_platform', current_setting('bench.repeat')::int) as rollup_ms;
rollback;
