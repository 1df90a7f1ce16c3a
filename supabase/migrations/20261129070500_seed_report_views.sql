-- The seed's four report queries as views (security invoker: row-level security applies to whoever queries
-- them, so a member sees only their clients' rows). Column names are the seed's. Two fixes, both invisible when
-- names are unique and times are read in one zone: rows are grouped by platform id as well as name (two clients
-- may both have a "Blog"), and "day/hour" and "today" are the distribution's or the slot's own local time, never
-- the session's time zone. Indexes that keep them fast: 20261129070800_report_indexes.sql.

create view public.distribution_performance_by_platform with (security_invoker = true) as
select
  p.name as platform,
  count(d.id) as total_posts,
  round(avg(d.impressions), 0) as avg_impressions,
  round(avg(d.engagement_rate), 2) as avg_engagement_rate,
  round(avg(d.click_through_rate), 2) as avg_ctr,
  sum(d.clicks) as total_clicks
from public.distributions d
join public.platforms p on d.platform_id = p.id
where d.status = 'published'
  and d.published_at > now() - interval '30 days'
group by p.id, p.name
order by avg_engagement_rate desc;

comment on view public.distribution_performance_by_platform is
  'Seed report "Distribution Performance by Platform": published posts of the last 30 days per platform. Averages '
  'skip metrics the platform did not report (null), never counting them as 0.';

create view public.best_performing_times with (security_invoker = true) as
select
  p.name as platform,
  extract(dow from d.published_at at time zone d.timezone) as day_of_week,
  extract(hour from d.published_at at time zone d.timezone) as hour,
  count(*) as posts,
  round(avg(d.engagement_rate), 2) as avg_engagement
from public.distributions d
join public.platforms p on d.platform_id = p.id
where d.status = 'published'
  and d.published_at > now() - interval '90 days'
  and d.engagement_rate is not null
group by p.id, p.name, 2, 3
having count(*) >= 3
order by p.name, avg_engagement desc;

comment on view public.best_performing_times is
  'Seed report "Best Performing Times": engagement by day of week (0 = Sunday) and hour of publication in the '
  'distribution''s own time zone, last 90 days, slots with at least 3 posts.';

create view public.publishing_calendar_overview with (security_invoker = true) as
select
  pc.date,
  p.name as platform,
  count(pc.distribution_id) as scheduled_posts,
  array_agg(pc.time_slot order by pc.time_slot) as time_slots
from public.publishing_calendar pc
join public.platforms p on pc.platform_id = p.id
where pc.date >= (now() at time zone pc.timezone)::date
  and pc.date <= (now() at time zone pc.timezone)::date + 7
group by pc.date, p.id, p.name
order by pc.date, p.name;

comment on view public.publishing_calendar_overview is
  'Seed report "Publishing Calendar Overview": per day and platform for the next 7 days (today = the slot''s '
  'local date), the slots and how many hold a post.';

create view public.failed_distributions with (security_invoker = true) as
select
  d.id,
  p.name as platform,
  d.title,
  d.scheduled_for,
  d.error_message,
  d.retry_count
from public.distributions d
join public.platforms p on d.platform_id = p.id
where d.status = 'failed'
order by d.scheduled_for desc
limit 20;

comment on view public.failed_distributions is
  'Seed report "Failed Distributions": the 20 most recently scheduled failed posts and why they failed.';

revoke all on public.distribution_performance_by_platform, public.best_performing_times,
  public.publishing_calendar_overview, public.failed_distributions from public, anon, authenticated;
grant select on public.distribution_performance_by_platform, public.best_performing_times,
  public.publishing_calendar_overview, public.failed_distributions to authenticated, service_role;
