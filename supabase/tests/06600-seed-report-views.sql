-- The seed's four report queries as views return the same rows as the queries themselves (session and rows in
-- one time zone; the views read "day/hour/today" in the row's own zone, which the seed queries cannot).
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
set local timezone = 'UTC';
select plan(5);
select tests.create_two_clients();
update distributions set timezone = 'UTC';
update publishing_calendar set timezone = 'UTC';

insert into platforms (id, client_id, name, kind) values
  ('00000000-0000-4000-8000-0000000000a1', tests.fx('A', 'client'), 'X A', 'x');
insert into distributions (client_id, platform_id, content_type, body, title, status, scheduled_for, published_at,
                           impressions, engagement_rate, click_through_rate, clicks, error_message, retry_count, timezone)
select tests.fx('A', 'client'), case when i % 2 = 0 then tests.fx('A', 'platform') else '00000000-0000-4000-8000-0000000000a1'::uuid end,
       'manual', 'x', 't' || i, (case when i % 7 = 0 then 'failed' else 'published' end)::distribution_status,
       now() - (i % 40) * interval '1 day' - (i % 5) * interval '1 hour',
       case when i % 7 = 0 then null else date_trunc('hour', now()) - (i % 40) * interval '1 day' - (i % 5) * interval '1 hour' end,
       100 + i, case when i % 3 = 0 then null else (i % 11)::numeric end, (i % 4)::numeric, i % 9,
       case when i % 7 = 0 then 'err ' || i end, i % 3, 'UTC'
from generate_series(1, 120) i;
insert into publishing_calendar (client_id, date, time_slot, platform_id, timezone)
select tests.fx('A', 'client'), current_date + d, make_time(8 + d, 0, 0), '00000000-0000-4000-8000-0000000000a1', 'UTC'
from generate_series(0, 9) d;

select results_eq($$ select * from distribution_performance_by_platform $$, $q$
SELECT 
  p.name as platform,
  COUNT(d.id) as total_posts,
  ROUND(AVG(d.impressions), 0) as avg_impressions,
  ROUND(AVG(d.engagement_rate), 2) as avg_engagement_rate,
  ROUND(AVG(d.click_through_rate), 2) as avg_ctr,
  SUM(d.clicks) as total_clicks
FROM distributions d
JOIN platforms p ON d.platform_id = p.id
WHERE d.status = 'published'
  AND d.published_at > now() - interval '30 days'
GROUP BY p.id, p.name
ORDER BY avg_engagement_rate DESC;
$q$, 'distribution_performance_by_platform = the seed query');

select results_eq($$ select * from best_performing_times $$, $q$
SELECT 
  p.name as platform,
  EXTRACT(DOW FROM d.published_at) as day_of_week,
  EXTRACT(HOUR FROM d.published_at) as hour,
  COUNT(*) as posts,
  ROUND(AVG(d.engagement_rate), 2) as avg_engagement
FROM distributions d
JOIN platforms p ON d.platform_id = p.id
WHERE d.status = 'published'
  AND d.published_at > now() - interval '90 days'
  AND d.engagement_rate IS NOT NULL
GROUP BY p.name, 1, 2, 3
HAVING COUNT(*) >= 3
ORDER BY p.name, avg_engagement DESC;
$q$, 'best_performing_times = the seed query');

select results_eq($$ select * from publishing_calendar_overview $$, $q$
SELECT 
  pc.date,
  p.name as platform,
  COUNT(pc.distribution_id) as scheduled_posts,
  array_agg(pc.time_slot ORDER BY pc.time_slot) as time_slots
FROM publishing_calendar pc
JOIN platforms p ON pc.platform_id = p.id
WHERE pc.date >= CURRENT_DATE
  AND pc.date <= CURRENT_DATE + interval '7 days'
GROUP BY pc.date, p.name
ORDER BY pc.date, p.name;
$q$, 'publishing_calendar_overview = the seed query');

select results_eq($$ select * from failed_distributions $$, $q$
SELECT 
  d.id,
  p.name as platform,
  d.title,
  d.scheduled_for,
  d.error_message,
  d.retry_count
FROM distributions d
JOIN platforms p ON d.platform_id = p.id
WHERE d.status = 'failed'
ORDER BY d.scheduled_for DESC
LIMIT 20;
$q$, 'failed_distributions = the seed query');

-- Where the row's zone differs from the session's, the view keeps the row's local hour.
update distributions set timezone = 'Asia/Kolkata' where platform_id = '00000000-0000-4000-8000-0000000000a1';
select set_eq($$ select day_of_week, hour, posts from best_performing_times where platform = 'X A' $$,
  $$ select extract(dow from published_at at time zone 'Asia/Kolkata') as d,
            extract(hour from published_at at time zone 'Asia/Kolkata') as h, count(*) from distributions
     where platform_id = '00000000-0000-4000-8000-0000000000a1' and status = 'published'
       and published_at > now() - interval '90 days' and engagement_rate is not null
     group by 1, 2 having count(*) >= 3 $$,
  'in another zone than the session''s, the view groups by the post''s local day and hour');
select * from finish();
rollback;
