-- The queue reads each platform's settings without trusting them, and a lapsed lease never strands a row.
--
-- * Settings: claim_native_handoffs and record_publish_outcomes serve many platforms (and clients) in one
--   statement, so a cast of one platform's value (native_scheduling "x", max_attempts "five", a
--   reconcile_after_seconds too large for an interval) used to fail the statement for all of them. They now read
--   through private.config_boolean / config_integer / config_number (20261206010000_publish_config_validation.sql):
--   a value of the wrong type or out of range counts as the default, and platform_health.config_problem says
--   what is wrong with it.
-- * Lapsed leases on a platform that cannot publish now (paused, inactive, awaiting reconnection) go back to
--   waiting (scheduled) instead of staying `publishing` until the platform is usable again. Exactly once still
--   holds: the lapsed attempt is recorded as unknown and the row keeps its attempt id as a marker, so the claim
--   that takes it up again returns its unknown attempts, and the worker reconciles them with the platform before
--   sending anything. Hand-offs skip such rows (the ordinary claim takes them at their time).
-- The three functions are otherwise unchanged from their latest definitions (claim_due_distributions:
-- 20261130000000_unresolved_attempt_refs.sql; claim_native_handoffs: 20261129100000_publishing_write_path.sql;
-- record_publish_outcomes: 20261130090000_unsettled_reconciliations.sql).

create or replace function private.claim_due_distributions(p_limit integer, p_lease_seconds integer)
returns setof private.claimed_distribution
language plpgsql
volatile
security definer
set search_path = ''
set enable_hashjoin = off
as $$
declare
  v_platform uuid;
  v_due timestamptz;
  v_lapsed timestamptz;
  v_budget integer;
  v_remaining integer := p_limit;
  v_claimed integer;
  v_parked uuid[];
begin
  -- Lapsed leases on platforms that cannot publish now (paused, inactive, awaiting reconnection) go back to
  -- waiting: the lapsed attempt is recorded as unknown, as below, and the row keeps its attempt id, which marks
  -- it as having attempts to reconcile before anything is sent again. A platform another claim holds is left
  -- for the next one. (Probed first: an update statement, even of no rows, runs the statement triggers.)
  for v_platform in
    select p.id from public.platforms p
    where (not p.is_active or p.needs_reconnection or p.paused_until > now())
      and exists (select 1 from public.distributions d
                  where d.platform_id = p.id and d.status = 'publishing' and d.lease_expires_at <= now())
    order by p.id
  loop
    continue when not pg_try_advisory_xact_lock(hashtextextended('publish:' || v_platform::text, 0));
    v_parked := array_append(v_parked, v_platform);
  end loop;
  if v_parked is not null then
    with lapsed as (
      select d.id from public.distributions d
      where d.platform_id = any (v_parked) and d.status = 'publishing' and d.lease_expires_at <= now()
      for update skip locked
    ), recorded as (
      insert into public.distribution_attempts
        (id, distribution_id, client_id, platform_id, kind, started_at, finished_at, outcome, error_message)
      select d.attempt_id, d.id, d.client_id, d.platform_id,
             case when d.attempt_started_at < d.scheduled_for then 'handoff' else 'publish' end,
             d.attempt_started_at, now(), 'unknown', 'the worker''s claim lapsed without an outcome'
      from public.distributions d join lapsed l on l.id = d.id
      on conflict (id) do nothing
    )
    update public.distributions d
       set status = 'scheduled', lease_expires_at = null, attempt_started_at = null, next_attempt_at = null,
           error_message = 'waiting for the platform (paused, inactive or awaiting reconnection); an earlier '
                           'attempt is checked with the platform before the post is sent again'
      from lapsed l where d.id = l.id;
  end if;

  -- Platforms with work, oldest first. Each lateral is one probe of a per-platform index, so finding them does
  -- not grow with the number of due rows.
  for v_platform, v_due, v_lapsed in
    select p.id, s.due, l.lapsed
    from public.platforms p
    left join lateral (
      select coalesce(d.next_attempt_at, d.scheduled_for) as due from public.distributions d
      where d.platform_id = p.id and d.status = 'scheduled' and coalesce(d.next_attempt_at, d.scheduled_for) <= now()
      order by coalesce(d.next_attempt_at, d.scheduled_for) limit 1
    ) s on true
    left join lateral (
      select d.lease_expires_at as lapsed from public.distributions d
      where d.platform_id = p.id and d.status = 'publishing' and d.lease_expires_at <= now()
      order by d.lease_expires_at limit 1
    ) l on true
    where p.is_active and not p.needs_reconnection and (p.paused_until is null or p.paused_until <= now())
      and (s.due is not null or l.lapsed is not null)
    order by least(s.due, l.lapsed)
  loop
    exit when v_remaining <= 0;
    continue when not pg_try_advisory_xact_lock(hashtextextended('publish:' || v_platform::text, 0));

    -- Expired leases first: those attempts were sent (or not) by a worker that died. A new attempt id; the
    -- earlier attempts are reconciled first. A row not due yet was being handed to the platform.
    -- (A hand-off attempt starts before the row's time; a publish attempt at or after it.)
    -- (Only where the probe found one: an update statement, even of no rows, runs the statement triggers.)
    if v_lapsed is not null then
      insert into public.distribution_attempts
        (id, distribution_id, client_id, platform_id, kind, started_at, finished_at, outcome, error_message)
      select d.attempt_id, d.id, d.client_id, d.platform_id,
             case when d.attempt_started_at < d.scheduled_for then 'handoff' else 'publish' end,
             d.attempt_started_at, now(), 'unknown', 'the worker''s claim lapsed without an outcome'
      from public.distributions d
      where d.platform_id = v_platform and d.status = 'publishing' and d.lease_expires_at <= now()
      on conflict (id) do nothing;

      return query
      with expired as (
        select d.id from public.distributions d
        where d.platform_id = v_platform and d.status = 'publishing' and d.lease_expires_at <= now()
        order by d.lease_expires_at
        limit v_remaining
        for update skip locked
      ), claimed as (
        update public.distributions d
           set attempt_id = gen_random_uuid(), attempt_started_at = now(),
               lease_expires_at = now() + make_interval(secs => p_lease_seconds)
          from expired where d.id = expired.id
        returning d.*
      )
      select c.id, c.attempt_id, case when c.scheduled_for > now() then 'handoff' else 'publish' end,
             c.platform_id, c.client_id, c.title, c.body, c.media_urls, c.link_url, c.platform_specific,
             c.scheduled_for, c.retry_count, c.native_state, c.native_attempt_id, c.external_id, c.external_url,
             coalesce((select jsonb_agg(jsonb_build_object('id', a.id, 'kind', a.kind, 'started_at', a.started_at,
                                                           'external_id', a.external_id)
                                        order by a.started_at)
                       from public.distribution_attempts a
                       where a.distribution_id = c.id and a.outcome = 'unknown'), '[]'::jsonb)
      from claimed c;
      get diagnostics v_claimed = row_count;
      v_remaining := v_remaining - v_claimed;
    end if;

    continue when v_due is null;
    v_budget := least(v_remaining, private.publish_budget(v_platform));
    continue when v_budget <= 0;

    return query
    with due as (
      -- prior: the attempt of a row that went back to waiting with attempts to reconcile (see above)
      select d.id, d.attempt_id as prior from public.distributions d
      where d.platform_id = v_platform and d.status = 'scheduled'
        and coalesce(d.next_attempt_at, d.scheduled_for) <= now()
      order by coalesce(d.next_attempt_at, d.scheduled_for), d.id
      limit v_budget
      for update skip locked
    ), claimed as (
      update public.distributions d
         set status = 'publishing', attempt_id = gen_random_uuid(), attempt_started_at = now(),
             lease_expires_at = now() + make_interval(secs => p_lease_seconds),
             last_retry_at = case when d.retry_count > 0 then now() else d.last_retry_at end
        from due where d.id = due.id
      returning d.*, due.prior
    )
    select c.id, c.attempt_id, 'publish', c.platform_id, c.client_id, c.title, c.body, c.media_urls, c.link_url,
           c.platform_specific, c.scheduled_for, c.retry_count, c.native_state, c.native_attempt_id, c.external_id,
           c.external_url,
           case when c.prior is null then '[]'::jsonb
                else coalesce((select jsonb_agg(jsonb_build_object('id', a.id, 'kind', a.kind,
                                                                   'started_at', a.started_at,
                                                                   'external_id', a.external_id)
                                                order by a.started_at)
                               from public.distribution_attempts a
                               where a.distribution_id = c.id and a.outcome = 'unknown'), '[]'::jsonb) end
    from claimed c;
    get diagnostics v_claimed = row_count;
    v_remaining := v_remaining - v_claimed;
  end loop;
end
$$;

create or replace function private.claim_native_handoffs(p_limit integer, p_lease_seconds integer)
returns setof private.claimed_distribution
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  -- Probed per natively scheduling platform, through its calendar index: every publish loop asks, so this must
  -- not read the other platforms' scheduled rows. (plpgsql: its plan is kept, not made again on every call.)
  if not exists (select 1 from public.platforms p
                 where p.supports_scheduling and private.config_boolean(p.publish_config, 'native_scheduling', false)
                   and p.is_active) then
    return; -- no update statement, so no statement triggers
  end if;
  return query
  with candidates as (
    select c.id
    from public.platforms p
    cross join lateral (
      select d.id, d.scheduled_for
      from public.distributions d
      where d.platform_id = p.id and d.status = 'scheduled' and d.native_state is null and d.next_attempt_at is null
        and d.attempt_id is null
        and d.scheduled_for > now()
              + make_interval(secs => private.config_integer(p.publish_config, 'native_min_lead_seconds', 120, 0, 86400))
        and d.scheduled_for <= now()
              + make_interval(mins => private.config_integer(p.publish_config, 'native_lead_minutes', 60, 0, 10080))
      order by d.scheduled_for
      limit p_limit
      for update of d skip locked
    ) c
    where p.supports_scheduling and private.config_boolean(p.publish_config, 'native_scheduling', false)
      and p.is_active and not p.needs_reconnection and (p.paused_until is null or p.paused_until <= now())
    order by c.scheduled_for
    limit p_limit
  ), claimed as (
    update public.distributions d
       set status = 'publishing', attempt_id = gen_random_uuid(), attempt_started_at = now(),
           lease_expires_at = now() + make_interval(secs => p_lease_seconds)
      from candidates c where d.id = c.id
    returning d.*
  )
  select c.id, c.attempt_id, 'handoff', c.platform_id, c.client_id, c.title, c.body, c.media_urls, c.link_url,
         c.platform_specific, c.scheduled_for, c.retry_count, c.native_state, c.native_attempt_id, c.external_id,
         c.external_url, '[]'::jsonb
  from claimed c;
end
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
      private.config_integer(p.publish_config, 'max_attempts', 5, 1, 100) as max_attempts,
      -- exponential backoff with full jitter in [0.5, 1.5) of the step, capped
      least(private.config_number(p.publish_config, 'retry_base_seconds', 30, 0, 86400) * power(2, d.retry_count),
            private.config_number(p.publish_config, 'retry_max_seconds', 3600, 0, 604800)) * (0.5 + random()) as backoff,
      private.config_number(p.publish_config, 'reconcile_after_seconds', 60, 0, 86400) as reconcile_after,
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
