-- A reclaimed row whose earlier attempt the platform could not yet tell us about (still processing it, or its
-- look-up erring) is asked again after reconcile_after_seconds. The claim that asked sent nothing, so its attempt
-- is recorded as `unsettled`, not `unknown`: before, every such claim left one more unknown attempt, which each
-- later claim listed and api_errors_24h counted (a day of asking once a minute: 1,440 "errors" for one post).
-- An asking that the platform answered with an error status (its look-up endpoint failing) still counts among
-- the platform's API errors; "still processing" does not.
-- record_publish_outcomes is unchanged from 20261129100000_publishing_write_path.sql but for `unsettled`, which
-- keeps the row's lease and attempt as `unknown` does.

alter table public.distribution_attempts drop constraint distribution_attempts_outcome_check;
alter table public.distribution_attempts add constraint distribution_attempts_outcome_check
  check (outcome in ('published', 'handed_off', 'declined', 'transient', 'rate_limited', 'permanent', 'auth',
                     'unknown', 'found', 'absent', 'unconfirmed', 'released', 'unsettled'));
comment on column public.distribution_attempts.outcome is
  'published; handed_off / declined (native scheduling); transient | rate_limited | permanent | auth (classified '
  'failures); unknown (sent, no answer); found / absent (reconciled with the platform); unconfirmed (cannot be '
  'asked: a person decides); released (not sent: the worker''s send window closed first); unsettled (not sent: '
  'an earlier unknown attempt could not be reconciled yet, and is asked about again later).';

drop index public.idx_distribution_attempts_platform_errors;
create index idx_distribution_attempts_platform_errors on public.distribution_attempts (platform_id, finished_at)
  where outcome in ('transient', 'rate_limited', 'permanent', 'auth', 'unknown')
     or (outcome = 'unsettled' and http_status is not null);

create or replace function private.refresh_api_error_counts()
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  -- Best effort: a platform row another transaction holds is refreshed by the next run.
  update public.platforms p set api_errors_24h = c.n
  from (
    select p2.id, (select count(*) from public.distribution_attempts a
                    where a.platform_id = p2.id and a.finished_at > now() - interval '24 hours'
                      and (a.outcome in ('transient', 'rate_limited', 'permanent', 'auth', 'unknown')
                           or (a.outcome = 'unsettled' and a.http_status is not null)))::integer as n
    from public.platforms p2
    where p2.id in (select id from public.platforms order by id for no key update skip locked)
  ) c
  where p.id = c.id and p.api_errors_24h is distinct from c.n
$$;

create or replace function private.record_publish_outcomes(p_outcomes jsonb)
returns setof uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_platforms uuid[];
  v_groups uuid[];
begin
  select array_agg(distinct d.platform_id),
         coalesce(array_agg(distinct d.cross_post_group_id) filter (where d.cross_post_group_id is not null), '{}')
    into v_platforms, v_groups
  from public.distributions d
  where d.id in (select (e ->> 'id')::uuid from jsonb_array_elements(p_outcomes) e);
  -- Triggers on distributions lock each member's cross-post group. Locking them all first, in id order,
  -- keeps two concurrent batches with members of the same groups from deadlocking.
  perform 1 from public.cross_post_groups g where g.id = any (v_groups) order by g.id for update;
  perform private.lock_platforms(v_platforms);

  return query
  with first_sync as materialized (
    -- one metrics_sync_policy lookup per platform, not per row
    select p.id as platform_id, private.metrics_sync_interval(p.id, p.client_id, interval '0') as first_sync
    from public.platforms p
    where p.id = any (v_platforms)
  ), decided as (
    -- only outcomes from the worker that still holds the row (same attempt, still publishing)
    select r.*, p.paused_until, d.retry_count, d.platform_id, d.attempt_started_at as started_at,
      case when d.attempt_started_at < d.scheduled_for then 'handoff' else 'publish' end as kind,
      coalesce((p.publish_config ->> 'max_attempts')::integer, 5) as max_attempts,
      -- exponential backoff with full jitter in [0.5, 1.5) of the step, capped
      least(coalesce((p.publish_config ->> 'retry_base_seconds')::numeric, 30) * power(2, d.retry_count),
            coalesce((p.publish_config ->> 'retry_max_seconds')::numeric, 3600)) * (0.5 + random()) as backoff,
      coalesce((p.publish_config ->> 'reconcile_after_seconds')::numeric, 60) as reconcile_after,
      -- when a post published now is first read for metrics (as private.schedule_metrics_sync would set it)
      case when r.outcome = 'published' and r.external_id is not null then
        case when d.metrics_synced_at is null
             then coalesce(r.published_at, now()) + f.first_sync
             else private.metrics_next_sync_at(d.platform_id, d.client_id, coalesce(r.published_at, now()),
                                               d.metrics_synced_at) end
      end as metrics_next_sync_at
    from jsonb_to_recordset(p_outcomes) as r(
      id uuid, attempt_id uuid, outcome text, external_id text, external_url text, published_at timestamptz,
      message text, http_status integer, reset_at timestamptz, resolved_attempts jsonb, error_class text)
    join public.distributions d on d.id = r.id and d.attempt_id = r.attempt_id and d.status = 'publishing'
    join public.platforms p on p.id = d.platform_id
    join first_sync f on f.platform_id = d.platform_id
  ), updated as (
    update public.distributions d set
      status = case
        when x.outcome = 'published' then 'published'
        when x.outcome in ('handed_off', 'declined') then 'scheduled'
        when x.outcome in ('permanent', 'auth') then 'failed'
        when x.outcome = 'unconfirmed' then 'unconfirmed'
        when x.outcome = 'transient' and x.retry_count + 1 >= x.max_attempts then 'failed'
        when x.outcome in ('transient', 'rate_limited', 'released') then 'scheduled'
        else 'publishing' -- unknown, unsettled: keep the lease until it is reconciled
      end,
      published_at = case when x.outcome = 'published' then coalesce(x.published_at, now()) else d.published_at end,
      external_id = case when x.outcome in ('published', 'handed_off') then x.external_id else d.external_id end,
      external_url = case when x.outcome in ('published', 'handed_off') then x.external_url else d.external_url end,
      native_state = case when x.outcome in ('handed_off', 'declined') then x.outcome else d.native_state end,
      native_attempt_id = case when x.outcome = 'handed_off' then x.attempt_id else d.native_attempt_id end,
      error_message = case
        when x.outcome in ('published', 'handed_off') then null
        when x.outcome = 'declined'
          then format('native scheduling declined (%s), sending at the due time instead', x.message)
        when x.outcome = 'transient' and x.retry_count + 1 >= x.max_attempts
          then format('gave up after %s attempts: %s', x.retry_count + 1, x.message)
        else x.message
      end,
      retry_count = d.retry_count + case when x.outcome = 'transient' then 1 else 0 end,
      -- never before scheduled_for: a row whose hand-off failed is not due early
      next_attempt_at = case
        when x.outcome = 'transient' then greatest(now() + make_interval(secs => x.backoff::double precision),
                                                     x.paused_until, x.reset_at, d.scheduled_for)
        when x.outcome = 'rate_limited' then greatest(x.reset_at, now(), d.scheduled_for)
        else null
      end,
      lease_expires_at = case
        when x.outcome in ('unknown', 'unsettled')
          then now() + make_interval(secs => x.reconcile_after::double precision)
        else null
      end,
      attempt_id = case when x.outcome in ('unknown', 'unsettled') then d.attempt_id else null end,
      attempt_started_at = case when x.outcome in ('unknown', 'unsettled') then d.attempt_started_at else null end,
      metrics_next_sync_at = x.metrics_next_sync_at,
      metrics_lease_until = null
    from decided x
    where d.id = x.id
    returning d.id, d.client_id, d.platform_id, d.status, x.outcome, coalesce(x.error_class, x.outcome) as effect,
              x.attempt_id, x.message, x.http_status, x.external_id, x.reset_at, x.kind, x.started_at
  ), attempts as (
    insert into public.distribution_attempts
      (id, distribution_id, client_id, platform_id, kind, started_at, finished_at, outcome, error_message,
       http_status, external_id)
    select u.attempt_id, u.id, u.client_id, u.platform_id, u.kind, u.started_at, now(), u.outcome, u.message,
           u.http_status, u.external_id
    from updated u
    on conflict (id) do update set outcome = excluded.outcome, finished_at = excluded.finished_at,
      error_message = excluded.error_message, http_status = excluded.http_status, external_id = excluded.external_id
  ), resolved as (
    update public.distribution_attempts a set outcome = r.outcome, finished_at = coalesce(a.finished_at, now())
    from decided x, jsonb_to_recordset(coalesce(x.resolved_attempts, '[]'::jsonb)) as r(id uuid, outcome text)
    where a.id = r.id and a.distribution_id = x.id
  ), platform_changes as (
    select u.platform_id,
           max(now()) filter (where u.outcome = 'published') as published,
           max(u.reset_at) filter (where u.effect = 'rate_limited') as pause,
           (array_agg(u.message) filter (where u.effect = 'auth'))[1] as auth_message
    from updated u group by u.platform_id
  ), platforms_updated as (
    update public.platforms p set
      last_published_at = greatest(p.last_published_at, c.published),
      paused_until = case when c.pause is not null then greatest(p.paused_until, c.pause) else p.paused_until end,
      pause_reason = case when c.pause is not null then 'rate limited by the platform' else p.pause_reason end,
      needs_reconnection = p.needs_reconnection or c.auth_message is not null,
      reconnection_reason = coalesce(c.auth_message, p.reconnection_reason)
    from platform_changes c
    where p.id = c.platform_id
      and (c.published is not null or c.pause is not null or c.auth_message is not null)
  )
  select u.id from updated u;
end
$$;
