-- Bench data, set-based. :scale = 1 -> 100 clients x 8 platforms, 1M distributions (90 % published over a year),
-- 10M snapshots, 3 patterns per platform with feedback, 100k conversions, a calendar of 2 weeks x 4 slots.
-- Triggers are bypassed (session_replication_role = replica) and the columns they derive are computed here.
-- A/B tests: 1 % of the posts, in pairs of a control and a variant 900 posts apart (the same platform, as the
-- platform of post i depends on (i / 3) % clients, i % 3 and (i / 3) % 6).
\set ON_ERROR_STOP 1
set session_replication_role = replica;
set synchronous_commit = off;
set maintenance_work_mem = '512MB';
set work_mem = '128MB';

create temp table params as
select greatest(1, round(100 * least(:scale::numeric, 1)))::int as n_clients,
       round(1000000 * :scale::numeric)::int as n_dist;

-- Clients optimise for engagement, clicks and conversions in turn (client 1, the member's, for clicks).
insert into clients (id, name, optimize_for)
select md5('c' || i)::uuid, 'Bench client ' || i, (array['engagement', 'clicks', 'conversions'])[1 + i % 3]
from generate_series(1, (select n_clients from params)) i;

insert into platforms (id, client_id, name, kind, timezone)
select md5('p' || c || k)::uuid, md5('c' || c)::uuid, k || ' ' || c, k,
       (array['America/New_York', 'Europe/Paris', 'Asia/Kolkata', 'UTC'])[1 + c % 4]
from generate_series(1, (select n_clients from params)) c,
     unnest(array['wordpress', 'x', 'linkedin', 'youtube', 'email', 'instagram', 'tiktok', 'podcast']::platform_kind[]) k;

create temp table plat as
select row_number() over (order by id) - 1 as n, id, client_id, kind, timezone from platforms;
create index on plat (n);

-- One content row and one cross-post group per 3 distributions.
insert into generated_content (id, client_id, title, content, status)
select md5('g' || i)::uuid, md5('c' || (1 + i % (select n_clients from params)))::uuid, 'Content ' || i, 'Body', 'distributed'
from generate_series(0, (select n_dist from params) / 3) i;
insert into cross_post_groups (id, client_id, name, source_content_id, status)
select md5('x' || i)::uuid, md5('c' || (1 + i % (select n_clients from params)))::uuid, 'Group ' || i,
       md5('g' || i)::uuid, 'completed'
from generate_series(0, (select n_dist from params) / 3) i;

-- Distributions: group i/3; platform chosen among the content's client's 8 platforms.
insert into distributions (id, client_id, content_id, cross_post_group_id, content_type, platform_id, title, body,
  status, scheduled_for, published_at, external_id, timezone, impressions, reach, engagements, clicks, likes,
  video_views, engagement_base, engagement_count, engagement_rate, click_through_rate, variant_group, is_control,
  error_message, retry_count, metrics_synced_at, metrics_next_sync_at)
select md5('d' || i)::uuid, pl.client_id, md5('g' || g)::uuid, md5('x' || g)::uuid, 'generated', pl.id,
       'Title ' || i, 'Body ' || i, st, at, case when st = 'published' then at end,
       case when st = 'published' then 'ext' || i end, pl.timezone,
       m.imp, m.reach, m.eng, m.clicks, m.likes, m.views, m.base, m.cnt,
       case when m.base > 0 and m.cnt is not null then round(100.0 * m.cnt / m.base, 4) end,
       case when m.base > 0 and m.clicks is not null then round(100.0 * m.clicks / m.base, 4) end,
       case when i % 100 = 0 then 'ab-' || (i / 1800) || '-' || (i % 900) end, i % 100 = 0 and i % 1800 < 900,
       case when st = 'failed' then 'bench failure' end, case when st = 'failed' then 3 else 0 end,
       case when st = 'published' then least(now(), at + interval '20 days') end,
       case when st = 'published' and at > now() - interval '30 days' then now() + (i % 86400) * interval '1 second' end
from (
  select i, i / 3 as g,
         (select n_clients from params) as nc,
         case when i % 50 = 1 then 'failed' when i % 50 = 2 then 'scheduled' when i % 50 = 3 then 'draft'
              when i % 500 = 4 then 'unconfirmed' else 'published' end::distribution_status as st,
         case when i % 50 = 2 then now() + (i % 1000) * interval '1 hour'
              else now() - (i % 365) * interval '1 day' - (i % 24) * interval '1 hour' end as at
  from generate_series(0::bigint, (select n_dist from params)::bigint - 1) i
) s
join plat pl on pl.n = ((s.g % s.nc) * 8 + (s.i % 3) + (s.g % 6))
cross join lateral (
  select imp, reach, eng, clicks, likes, views,
         case pl.kind when 'youtube' then views when 'tiktok' then views when 'instagram' then reach
                      when 'email' then reach else imp end as base,
         eng as cnt
  from (select case when pl.kind in ('youtube') then null else 500 + (s.i * 7919) % 20000 end as imp,
               300 + (s.i * 104729) % 10000 as reach,
               case when s.i % 13 = 0 then null else (s.i * 31) % 400 end as eng,
               case when pl.kind in ('instagram', 'youtube', 'tiktok') then null else (s.i * 17) % 150 end as clicks,
               (s.i * 11) % 300 as likes,
               case when pl.kind in ('youtube', 'tiktok') then 1000 + (s.i * 13) % 50000 end as views) v
  where s.st = 'published'
  union all
  select null, null, null, null, null, null, null, null where s.st <> 'published'
) m;

-- Ten snapshots per published post on average (10 N in all).
insert into distribution_metrics (distribution_id, client_id, recorded_at, hours_since_publish, impressions, reach,
  engagements, clicks, likes, video_views, platform_metrics)
select d.id, d.client_id, d.published_at + k * interval '3 hours', k * 3,
       d.impressions * k / 11, d.reach * k / 11, d.engagements * k / 11, d.clicks * k / 11, d.likes * k / 11,
       d.video_views * k / 11, '{}'
from distributions d
cross join generate_series(1, 11) k
where d.status = 'published' and (k <= 10 or hashtext(d.id::text) % 9 = 0);

insert into platform_patterns (id, client_id, platform_id, pattern_type, pattern_name, pattern_template)
select md5('pat' || p.id || n)::uuid, p.client_id, p.id, case n when 1 then 'timing' else 'headline' end,
       case n when 1 then 'optimal_posting_times' when 2 then 'question' else 'listicle' end,
       case n when 1 then '[{"day_of_week": 2, "hour": 9}, {"day_of_week": 4, "hour": 13}]' end
from platforms p, generate_series(1, 3) n;

insert into conversions (client_id, distribution_id, utm_source, utm_campaign, value, occurred_at, external_ref)
select d.client_id, d.id, 'x', d.cross_post_group_id::text, (i % 90) + 10, d.published_at + interval '2 hours', 'o' || i
from generate_series(1, greatest(1, (select n_dist from params) / 10)) i
join distributions d on d.id = md5('d' || (i * 7 % (select n_dist from params)))::uuid
where d.status = 'published';
update distributions d set conversions = c.n, conversion_value = c.v
from (select distribution_id, count(*) n, sum(value) v from conversions group by 1) c where d.id = c.distribution_id;

-- Feedback carries its post's conversions (as the pattern_feedback_conversions trigger sets them).
insert into pattern_feedback (client_id, pattern_id, content_id, distribution_id, pattern_applied, impressions,
  engagements, clicks, engagement_rate, engagement_base, engagement_count, posted_at, day_of_week, hour_of_day,
  conversions)
select d.client_id, pp.id, d.content_id, d.id, hashtext(d.id::text || pp.id::text) % 3 = 0, d.impressions,
       d.engagements, d.clicks, d.engagement_rate, d.engagement_base, d.engagement_count, d.published_at,
       extract(dow from d.published_at at time zone d.timezone), extract(hour from d.published_at at time zone d.timezone),
       d.conversions
from distributions d join platform_patterns pp on pp.platform_id = d.platform_id
where d.status = 'published' and d.engagement_rate is not null;

insert into publishing_calendar (client_id, date, time_slot, timezone, platform_id, distribution_id)
select p.client_id, current_date + day, make_time(slot * 4 + 6, 0, 0), p.timezone, p.id,
       case when (day + slot) % 2 = 0 then md5('d' || (abs(hashtext(p.id::text || day || slot)) % (select n_dist from params)))::uuid end
from platforms p, generate_series(0, 13) day, generate_series(0, 3) slot
on conflict do nothing;
update publishing_calendar pc set distribution_id = null
where distribution_id is not null
  and not exists (select 1 from distributions d where d.id = pc.distribution_id and d.client_id = pc.client_id);

insert into metrics_sync_stats (platform_id, client_id, hour, synced, failed)
select p.id, p.client_id, date_bin('1 hour', now(), '2000-01-01') - h * interval '1 hour', 20, h % 3
from platforms p, generate_series(0, 47) h;

set session_replication_role = origin;
-- The triggers were off: build the report rollups from the generated rows.
select private.rebuild_conversion_rollups();
select private.rebuild_report_window_rollups();
select private.rebuild_pattern_lift_rollups();
select private.rebuild_ab_test_results();
select private.rebuild_publishing_calendar_rollups();
select private.rebuild_content_performance_rollups();
select private.rebuild_cross_post_group_rollups();
vacuum analyze;
