-- platform_health shows what is wrong with a platform's stored publish_config (config_problem: the first problem,
-- naming the key and what it must be; null when it is well formed). Values are checked when written
-- (20261206010000_publish_config_validation.sql), so only a value stored before the check, or with triggers
-- disabled, shows here; the queue reads such a value as the setting's default and the adapters fail that
-- platform's posts with the same kind of message. The view is restated with the column added at the end
-- (20261130050000_platform_limits_in_health.sql otherwise unchanged).

create or replace view public.platform_health with (security_invoker = true) as
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
  coalesce(m.due, 0) as metrics_due_now,
  hold.until as limits_allow_at,
  hold.limit_name as limited_by,
  private.publish_config_problem(p.publish_config, p.kind) as config_problem
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
) m on true
left join lateral (
  select max(r.published_at) + make_interval(mins => p.min_interval_minutes) as interval_until
  from public.distributions r
  where r.platform_id = p.id and r.status = 'published'
) li on true
left join lateral (
  -- The limit-th newest post of a window leaves it one window after it was published.
  select (array_agg(r.published_at order by r.published_at desc)
            filter (where p.posts_per_hour is not null and r.published_at > now() - interval '1 hour'))
           [p.posts_per_hour] + interval '1 hour' as hour_until,
         (array_agg(r.published_at order by r.published_at desc) filter (where p.posts_per_day is not null))
           [p.posts_per_day] + interval '24 hours' as day_until
  from public.distributions r
  where r.platform_id = p.id and r.status = 'published' and r.published_at > now() - interval '24 hours'
) l on true
left join lateral (
  -- the limit that holds longest (on a tie, the wider window)
  select h.until, h.limit_name
  from (values (l.day_until, format('posts_per_day (%s)', p.posts_per_day), 1),
               (l.hour_until, format('posts_per_hour (%s)', p.posts_per_hour), 2),
               (li.interval_until, format('min_interval_minutes (%s)', p.min_interval_minutes), 3))
       as h (until, limit_name, rank)
  where h.until > now()
  order by h.until desc, h.rank
  limit 1
) hold on true;

comment on view public.platform_health is
  'Per platform: last publish and metrics sync, publish API errors and metric read failures in the last 24 h, '
  'pauses, reconnection flag, queue depth by status (due_now: scheduled and due), when the platform''s own '
  'limits next allow a post (limits_allow_at, null = now) with the limit that holds it (limited_by), and what is '
  'wrong with its publish_config (config_problem, null = nothing).';
comment on column public.platform_health.config_problem is
  'The first problem of the stored publish_config (the key and what it must be), or null.';
