-- Report views beyond the seed's four (all security invoker, so row-level security limits them to the caller's
-- clients). They read the distributions' summary columns (latest metrics, rates, engagement_base/count,
-- conversion rollups), never the snapshot table, so none of them scans distribution_metrics.
-- Pooled rates = 100 * sum(numerator) / sum(denominator) over rows that reported both; averages skip nulls.
-- Significance: public.two_proportion_p_value (two-sided, pooled two-proportion z-test).

create view public.platform_health with (security_invoker = true) as
select
  p.id as platform_id,
  p.client_id,
  p.name as platform,
  p.kind,
  p.is_active,
  p.last_published_at,
  p.last_metrics_sync_at,
  p.api_errors_24h,
  coalesce(ms.failed, 0) as metrics_errors_24h,
  coalesce(ms.synced, 0) as metrics_reads_24h,
  p.metrics_last_error,
  p.paused_until,
  p.pause_reason,
  p.metrics_paused_until,
  p.needs_reconnection,
  p.reconnection_reason,
  coalesce(q.draft, 0) as queue_draft,
  coalesce(q.scheduled, 0) as queue_scheduled,
  coalesce(q.due_now, 0) as queue_due_now,
  coalesce(q.publishing, 0) as queue_publishing,
  coalesce(q.failed, 0) as queue_failed,
  coalesce(q.unconfirmed, 0) as queue_unconfirmed,
  coalesce(m.due, 0) as metrics_due_now
from public.platforms p
left join lateral (
  select sum(s.synced)::integer as synced, sum(s.failed)::integer as failed
  from public.metrics_sync_stats s
  where s.platform_id = p.id and s.hour > now() - interval '24 hours'
) ms on true
left join lateral (
  select count(*) filter (where d.status = 'draft')::integer as draft,
         count(*) filter (where d.status = 'scheduled')::integer as scheduled,
         count(*) filter (where d.status = 'scheduled'
                            and coalesce(d.next_attempt_at, d.scheduled_for) <= now())::integer as due_now,
         count(*) filter (where d.status = 'publishing')::integer as publishing,
         count(*) filter (where d.status = 'failed')::integer as failed,
         count(*) filter (where d.status = 'unconfirmed')::integer as unconfirmed
  from public.distributions d
  where d.platform_id = p.id and d.status in ('draft', 'scheduled', 'publishing', 'failed', 'unconfirmed')
) q on true
left join lateral (
  select count(*)::integer as due from public.distributions d
  where d.platform_id = p.id and d.metrics_next_sync_at <= now()
) m on true;

comment on view public.platform_health is
  'Per platform: last publish and metrics sync, publish API errors and metric read failures in the last 24 h, '
  'pauses, reconnection flag, and queue depth by status (due_now: scheduled and due).';

create view public.ab_test_results with (security_invoker = true) as
with variants as (
  select
    d.client_id,
    d.variant_group,
    coalesce(nullif(d.platform_specific ->> 'variant', ''), case when d.is_control then 'control' else d.id::text end)
      as variant,
    bool_or(d.is_control) as is_control,
    count(*) as posts,
    count(*) filter (where d.status = 'published') as published_posts,
    array_agg(d.id order by d.published_at nulls last, d.id) as distribution_ids,
    sum(d.impressions) as impressions,
    sum(d.engagements) as engagements,
    sum(d.clicks) as clicks,
    sum(d.engagement_base) filter (where d.engagement_count is not null and d.engagement_base > 0) as eng_n,
    sum(d.engagement_count) filter (where d.engagement_count is not null and d.engagement_base > 0) as eng_x,
    sum(d.engagement_base) filter (where d.clicks is not null and d.engagement_base > 0) as click_n,
    sum(d.clicks) filter (where d.clicks is not null and d.engagement_base > 0) as click_x,
    min(d.published_at) as first_published_at
  from public.distributions d
  where d.variant_group is not null
  group by 1, 2, 3
), controls as (
  select v.client_id, v.variant_group, sum(v.eng_n) as eng_n, sum(v.eng_x) as eng_x, sum(v.click_n) as click_n,
         sum(v.click_x) as click_x
  from variants v where v.is_control
  group by 1, 2
), rated as (
  select v.*,
         round(100.0 * v.eng_x / nullif(v.eng_n, 0), 4) as engagement_rate,
         round(100.0 * v.click_x / nullif(v.click_n, 0), 4) as click_through_rate,
         round(100.0 * c.eng_x / nullif(c.eng_n, 0), 4) as control_engagement_rate,
         round(100.0 * c.click_x / nullif(c.click_n, 0), 4) as control_click_through_rate,
         c.eng_n as c_eng_n, c.eng_x as c_eng_x, c.click_n as c_click_n, c.click_x as c_click_x
  from variants v
  left join controls c on c.client_id = v.client_id and c.variant_group = v.variant_group
)
select
  r.client_id,
  r.variant_group,
  r.variant,
  r.is_control,
  r.posts,
  r.published_posts,
  r.distribution_ids,
  r.impressions,
  r.engagements,
  r.clicks,
  r.eng_n as engagement_base,
  r.eng_x as engagement_count,
  r.engagement_rate,
  r.click_through_rate,
  case when not r.is_control then r.engagement_rate - r.control_engagement_rate end as engagement_rate_diff,
  case when not r.is_control then round(100.0 * (r.engagement_rate / nullif(r.control_engagement_rate, 0) - 1), 2) end
    as engagement_lift_pct,
  case when not r.is_control then r.click_through_rate - r.control_click_through_rate end as ctr_diff,
  case when not r.is_control then public.two_proportion_p_value(r.eng_x, r.eng_n, r.c_eng_x, r.c_eng_n) end
    as engagement_p_value,
  case when not r.is_control then public.two_proportion_p_value(r.click_x, r.click_n, r.c_click_x, r.c_click_n) end
    as ctr_p_value,
  r.first_published_at
from rated r;

comment on view public.ab_test_results is
  'A/B tests: one row per variant of each variant_group (variant = platform_specific.variant, else "control" for '
  'is_control rows, else the distribution id): posts, totals, pooled rates, difference to the control (percentage '
  'points and relative lift) and the two-sided p-value of a two-proportion z-test against the control (engagements '
  'and clicks per engagement_base unit). Conclusions: table ab_tests.';

create view public.cross_post_group_summary with (security_invoker = true) as
select
  g.id as cross_post_group_id,
  g.client_id,
  g.name,
  g.status,
  g.timing_strategy,
  g.source_content_id,
  count(d.id) as distributions,
  count(d.id) filter (where d.status = 'published') as published,
  count(d.id) filter (where d.status = 'failed') as failed,
  count(d.id) filter (where d.status in ('draft', 'scheduled', 'publishing', 'unconfirmed')) as pending,
  array_agg(distinct p.name) filter (where p.name is not null) as platforms,
  min(d.published_at) as first_published_at,
  max(d.published_at) as last_published_at,
  sum(d.impressions) as impressions,
  sum(d.engagements) as engagements,
  sum(d.clicks) as clicks,
  sum(d.conversions) as conversions,
  round(100.0 * sum(d.engagement_count) filter (where d.engagement_count is not null and d.engagement_base > 0)
        / nullif(sum(d.engagement_base) filter (where d.engagement_count is not null and d.engagement_base > 0), 0), 4)
    as engagement_rate,
  round(100.0 * sum(d.clicks) filter (where d.clicks is not null and d.engagement_base > 0)
        / nullif(sum(d.engagement_base) filter (where d.clicks is not null and d.engagement_base > 0), 0), 4)
    as click_through_rate
from public.cross_post_groups g
left join public.distributions d on d.cross_post_group_id = g.id
left join public.platforms p on p.id = d.platform_id
group by g.id, g.client_id;

comment on view public.cross_post_group_summary is
  'Per cross-post group: its posts by state, platforms, first/last publication, totals and pooled rates.';

create view public.content_performance with (security_invoker = true) as
select
  c.id as content_id,
  c.client_id,
  c.title,
  c.status,
  c.content_type,
  count(d.id) as distributions,
  count(d.id) filter (where d.status = 'published') as published,
  array_agg(distinct p.name) filter (where d.status = 'published') as platforms,
  min(d.published_at) as first_published_at,
  sum(d.impressions) as impressions,
  sum(d.video_views) as video_views,
  sum(d.engagements) as engagements,
  sum(d.clicks) as clicks,
  sum(d.conversions) as conversions,
  sum(d.conversion_value) as conversion_value,
  round(avg(d.engagement_rate), 2) as avg_engagement_rate,
  round(100.0 * sum(d.engagement_count) filter (where d.engagement_count is not null and d.engagement_base > 0)
        / nullif(sum(d.engagement_base) filter (where d.engagement_count is not null and d.engagement_base > 0), 0), 4)
    as engagement_rate,
  (array_agg(p.name order by d.engagement_rate desc) filter (where d.engagement_rate is not null))[1]
    as best_platform,
  max(d.engagement_rate) as best_engagement_rate
from public.generated_content c
left join public.distributions d on d.content_id = c.id
left join public.platforms p on p.id = d.platform_id
group by c.id, c.client_id;

comment on view public.content_performance is
  'Per piece of content, across every platform it went to: posts, totals, average and pooled engagement rate, '
  'and the platform where it engaged best.';

create view public.conversion_report with (security_invoker = true) as
select
  d.id as distribution_id,
  d.client_id,
  d.platform_id,
  p.name as platform,
  p.kind,
  d.title,
  d.cross_post_group_id,
  d.content_id,
  d.published_at,
  d.clicks,
  d.conversions,
  d.conversion_value,
  round(100.0 * d.conversions / nullif(d.clicks, 0), 4) as conversion_rate
from public.distributions d
join public.platforms p on p.id = d.platform_id
where d.status = 'published';

comment on view public.conversion_report is
  'Clicks -> conversions per published distribution: conversion_rate = 100 * conversions / clicks (null when the '
  'platform reported no clicks). Conversions and value come from the rollup kept on distributions.';

-- Replaced in 20261129080000_report_rollups.sql by the same columns read from the conversion_rollups table.
create view public.conversion_report_by_platform with (security_invoker = true) as
select
  p.id as platform_id,
  p.client_id,
  p.name as platform,
  p.kind,
  date_trunc('month', d.published_at at time zone p.timezone)::date as month,
  count(*) as posts,
  sum(d.clicks) as clicks,
  sum(d.conversions) as conversions,
  sum(d.conversion_value) as conversion_value,
  round(100.0 * sum(d.conversions) filter (where d.clicks is not null)
        / nullif(sum(d.clicks), 0), 4) as conversion_rate
from public.distributions d
join public.platforms p on p.id = d.platform_id
where d.status = 'published'
group by p.id, p.client_id, 5;

comment on view public.conversion_report_by_platform is
  'Clicks -> conversions per platform and month of publication (in the platform''s time zone).';

create view public.pattern_lift with (security_invoker = true) as
select
  pp.id as pattern_id,
  pp.client_id,
  pp.platform_id,
  p.name as platform,
  pp.pattern_type,
  pp.pattern_name,
  a.posts_applied,
  a.posts_not_applied,
  round(a.avg_rate_applied, 4) as avg_engagement_rate_applied,
  round(a.avg_rate_not_applied, 4) as avg_engagement_rate_not_applied,
  round(100.0 * a.x1 / nullif(a.n1, 0), 4) as engagement_rate_applied,
  round(100.0 * a.x0 / nullif(a.n0, 0), 4) as engagement_rate_not_applied,
  round(100.0 * ((a.x1 / nullif(a.n1, 0)) / nullif(a.x0 / nullif(a.n0, 0), 0) - 1), 2) as lift_pct,
  public.two_proportion_p_value(a.x1, a.n1, a.x0, a.n0) as p_value
from public.platform_patterns pp
join public.platforms p on p.id = pp.platform_id
cross join lateral (
  select
    count(*) filter (where f.pattern_applied) as posts_applied,
    count(*) filter (where not f.pattern_applied) as posts_not_applied,
    avg(f.engagement_rate) filter (where f.pattern_applied) as avg_rate_applied,
    avg(f.engagement_rate) filter (where not f.pattern_applied) as avg_rate_not_applied,
    sum(f.engagement_count) filter (where f.pattern_applied and f.engagement_base > 0) as x1,
    sum(f.engagement_base) filter (where f.pattern_applied and f.engagement_base > 0
                                     and f.engagement_count is not null) as n1,
    sum(f.engagement_count) filter (where not f.pattern_applied and f.engagement_base > 0) as x0,
    sum(f.engagement_base) filter (where not f.pattern_applied and f.engagement_base > 0
                                     and f.engagement_count is not null) as n0
  from public.pattern_feedback f
  where f.pattern_id = pp.id
) a;

comment on view public.pattern_lift is
  'Per platform pattern: engagement of posts where it was applied versus not (mean of rates and pooled rate), '
  'the lift of the pooled rate (percent) and its two-sided two-proportion z-test p-value (as in ab_test_results).';

revoke all on public.platform_health, public.ab_test_results, public.cross_post_group_summary,
  public.content_performance, public.conversion_report, public.conversion_report_by_platform, public.pattern_lift
  from public, anon, authenticated;
grant select on public.platform_health, public.ab_test_results, public.cross_post_group_summary,
  public.content_performance, public.conversion_report, public.conversion_report_by_platform, public.pattern_lift
  to authenticated, service_role;
