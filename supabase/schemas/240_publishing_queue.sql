-- The publishing queue: attempts, per-platform send budgets and the outcomes the publisher records.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TYPE public.distribution_attempt_kind AS ENUM (
    'publish',
    'handoff'
);

COMMENT ON TYPE public.distribution_attempt_kind IS 'What an attempt did: publish (sent the post) or handoff (handed it to the platform''s own scheduler).';

CREATE TABLE public.distribution_attempts (
    id uuid NOT NULL,
    distribution_id uuid NOT NULL,
    client_id uuid NOT NULL,
    platform_id uuid NOT NULL,
    kind public.distribution_attempt_kind DEFAULT 'publish'::public.distribution_attempt_kind NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone DEFAULT now() NOT NULL,
    outcome text NOT NULL,
    http_status integer,
    error_message text,
    external_id text,
    CONSTRAINT distribution_attempts_outcome_check CHECK ((outcome = ANY (ARRAY['published'::text, 'handed_off'::text, 'declined'::text, 'transient'::text, 'rate_limited'::text, 'permanent'::text, 'auth'::text, 'unknown'::text, 'found'::text, 'absent'::text, 'unconfirmed'::text, 'released'::text, 'unsettled'::text])))
);

COMMENT ON TABLE public.distribution_attempts IS 'Every publish attempt and its outcome, written with the batch that recorded it; an attempt whose worker died is written as unknown when its row is reclaimed. Unknown attempts are looked up on the platform before the row is ever sent again.';

COMMENT ON COLUMN public.distribution_attempts.outcome IS 'published; handed_off / declined (native scheduling); transient | rate_limited | permanent | auth (classified failures); unknown (sent, no answer); found / absent (reconciled with the platform); unconfirmed (cannot be asked: a person decides); released (not sent: the worker''s send window closed first); unsettled (not sent: an earlier unknown attempt could not be reconciled yet, and is asked about again later).';

ALTER TABLE ONLY public.distribution_attempts
    ADD CONSTRAINT distribution_attempts_pkey PRIMARY KEY (id);

CREATE INDEX idx_distribution_attempts_distribution ON public.distribution_attempts USING btree (distribution_id);

CREATE INDEX idx_distribution_attempts_client ON public.distribution_attempts USING btree (client_id);

CREATE INDEX idx_distribution_attempts_unknown ON public.distribution_attempts USING btree (distribution_id) WHERE (outcome = 'unknown'::text);

CREATE INDEX idx_distribution_attempts_platform_errors ON public.distribution_attempts USING btree (platform_id, finished_at) WHERE ((outcome = ANY (ARRAY['transient'::text, 'rate_limited'::text, 'permanent'::text, 'auth'::text, 'unknown'::text])) OR ((outcome = 'unsettled'::text) AND (http_status IS NOT NULL)));

CREATE INDEX idx_distribution_attempts_finished ON public.distribution_attempts USING btree (finished_at);

ALTER TABLE public.distribution_attempts ENABLE ROW LEVEL SECURITY;

CREATE POLICY distribution_attempts_select ON public.distribution_attempts FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.distribution_attempts TO authenticated;
GRANT ALL ON TABLE public.distribution_attempts TO service_role;

ALTER TABLE ONLY public.distribution_attempts
    ADD CONSTRAINT distribution_attempts_distribution_fkey FOREIGN KEY (distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE CASCADE;

CREATE FUNCTION private.lock_platforms(p_ids uuid[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select null from (
    select 1 from public.platforms where id = any (p_ids) order by id for no key update
  ) locked
$$;

REVOKE ALL ON FUNCTION private.lock_platforms(p_ids uuid[]) FROM PUBLIC;

CREATE FUNCTION private.next_publish_due() RETURNS timestamp with time zone
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select least(
    (select min(coalesce(d.next_attempt_at, d.scheduled_for)) from public.distributions d
      where d.status = 'scheduled'),
    (select min(d.lease_expires_at) from public.distributions d where d.status = 'publishing'))
$$;

REVOKE ALL ON FUNCTION private.next_publish_due() FROM PUBLIC;
GRANT ALL ON FUNCTION private.next_publish_due() TO service_role;

CREATE FUNCTION private.publish_budget(p_platform_id uuid) RETURNS integer
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  p record;
  v_in_flight integer;
  v_hour integer;
  v_day integer;
  v_last_published timestamptz;
begin
  select pl.posts_per_hour, pl.posts_per_day, coalesce(pl.min_interval_minutes, 0) as min_interval
    into p from public.platforms pl where pl.id = p_platform_id;
  if not found then
    return 0;
  end if;
  if p.posts_per_hour is null and p.posts_per_day is null and p.min_interval = 0 then
    return 2147483647;
  end if;
  select count(*) into v_in_flight
  from public.distributions where platform_id = p_platform_id and status = 'publishing';
  select count(*) filter (where published_at > now() - interval '1 hour'), count(*)
    into v_hour, v_day
  from public.distributions
  where platform_id = p_platform_id and status = 'published' and published_at > now() - interval '24 hours';
  select max(published_at) into v_last_published
  from public.distributions where platform_id = p_platform_id and status = 'published';
  return greatest(0, least(
    coalesce(p.posts_per_hour - v_hour - v_in_flight, 2147483647),
    coalesce(p.posts_per_day - v_day - v_in_flight, 2147483647),
    case
      when p.min_interval = 0 then 2147483647
      when v_in_flight > 0 then 0
      when v_last_published > now() - make_interval(mins => p.min_interval) then 0
      else 1
    end
  ));
end
$$;

COMMENT ON FUNCTION private.publish_budget(p_platform_id uuid) IS 'Posts the platform may take right now under its rate limits (published and in-flight rows count).';

REVOKE ALL ON FUNCTION private.publish_budget(p_platform_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION private.publish_budget(p_platform_id uuid) TO service_role;

CREATE FUNCTION private.record_publish_outcomes(p_outcomes jsonb) RETURNS SETOF uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_platforms uuid[];
  v_groups uuid[];
  v_failing_platforms uuid[];
begin
  select array_agg(distinct d.platform_id),
         coalesce(array_agg(distinct d.cross_post_group_id) filter (where d.cross_post_group_id is not null), '{}'),
         coalesce(array_agg(distinct d.platform_id) filter (where r.outcome in ('permanent', 'auth', 'transient')), '{}')
    into v_platforms, v_groups, v_failing_platforms
  from jsonb_to_recordset(p_outcomes) as r(id uuid, outcome text)
  join public.distributions d on d.id = r.id;
  -- Triggers on distributions lock each member's cross-post group. Locking them all first, in id order,
  -- keeps two concurrent batches with members of the same groups from deadlocking.
  perform 1 from public.cross_post_groups g where g.id = any (v_groups) order by g.id for update;
  perform private.lock_platforms(v_platforms);
  -- A post that fails leaves the calendar: its row trigger recomputes its platform's calendar rollup under that
  -- platform's bucket lock, row by row in the update's order, so two batches failing posts on the same buckets in
  -- opposite orders would deadlock. The buckets of every platform whose post may fail are taken first, in order.
  perform private.lock_publishing_calendar_buckets(v_failing_platforms);

  return query
  with first_sync as materialized (
    -- one metrics_sync_policy lookup per platform, not per row
    select p.id as platform_id, private.metrics_sync_interval(p.id, p.client_id, interval '0') as first_sync
    from public.platforms p
    where p.id = any (v_platforms)
  ), decided as (
    -- only outcomes from the worker that still holds the row (same attempt, still publishing)
    select r.*, p.paused_until, d.retry_count, d.platform_id, d.attempt_started_at as started_at,
      (case when d.attempt_started_at < d.scheduled_for then 'handoff' else 'publish' end)::public.distribution_attempt_kind as kind,
      private.config_integer(p.publish_config, 'max_attempts', 5, 1, 100) as max_attempts,
      -- exponential backoff with full jitter in [0.5, 1.5) of the step, capped. The first retry comes after
      -- first_retry_seconds (never later than the base): most 5xx are one-off blips, and a post waits seconds
      -- for its second try, not the outage's step. From the second retry on, the steps are those of an outage
      -- (base x 2^n: 60, 120, 240 s by default), so max_attempts covers about as long as with base steps alone.
      least(case when d.retry_count = 0
                 then least(private.config_number(p.publish_config, 'first_retry_seconds', 2, 0, 86400),
                            private.config_number(p.publish_config, 'retry_base_seconds', 30, 0, 86400))
                 else private.config_number(p.publish_config, 'retry_base_seconds', 30, 0, 86400)
                      * power(2, d.retry_count) end,
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
      end::public.distribution_status,
      published_at = case when x.outcome = 'published' then coalesce(x.published_at, now()) else d.published_at end,
      external_id = case when x.outcome in ('published', 'handed_off') then x.external_id else d.external_id end,
      external_url = case when x.outcome in ('published', 'handed_off') then x.external_url else d.external_url end,
      native_state = case when x.outcome in ('handed_off', 'declined') then x.outcome::public.distribution_native_state else d.native_state end,
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
        when x.outcome = 'transient' and x.retry_count + 1 >= x.max_attempts then null -- failed: no retry waits
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

COMMENT ON FUNCTION private.record_publish_outcomes(p_outcomes jsonb) IS 'Applies a batch of publish outcomes in one statement (statuses, retries with backoff, platform pause and reconnection flag). Ignores outcomes from workers that lost their lease.';

REVOKE ALL ON FUNCTION private.record_publish_outcomes(p_outcomes jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION private.record_publish_outcomes(p_outcomes jsonb) TO service_role;

CREATE FUNCTION private.refresh_api_error_counts() RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  -- Only the platforms whose count can differ from the one stored: those with an API error in the last 24
  -- hours (it may rise) and those counted non-zero (it may fall), each a range of a partial index
  -- (760_publish_probe_indexes.sql), and the platforms read by key. Every publish run starts with this, so
  -- it costs the recent errors, not a look (and a row lock) at every platform. Best effort: a platform row
  -- another transaction holds is refreshed by the next run.
  with candidates as (
    select x.id from public.platforms x
     where x.id = any (array(
             select a.platform_id from public.distribution_attempts a
              where a.finished_at > now() - interval '24 hours'
                and (a.outcome in ('transient', 'rate_limited', 'permanent', 'auth', 'unknown')
                     or (a.outcome = 'unsettled' and a.http_status is not null))
             union
             select y.id from public.platforms y where y.api_errors_24h > 0))
     order by x.id
       for no key update skip locked
  ), counted as (
    select c.id, (select count(*) from public.distribution_attempts a
                   where a.platform_id = c.id and a.finished_at > now() - interval '24 hours'
                     and (a.outcome in ('transient', 'rate_limited', 'permanent', 'auth', 'unknown')
                          or (a.outcome = 'unsettled' and a.http_status is not null)))::integer as n
      from candidates c
  )
  update public.platforms p set api_errors_24h = c.n
    from counted c
   where p.id = any (array(select c2.id from candidates c2)) and p.id = c.id
     and p.api_errors_24h is distinct from c.n
$$;

COMMENT ON FUNCTION private.refresh_api_error_counts() IS 'Sets platforms.api_errors_24h to the API errors of the last 24 hours, for the platforms whose count can have changed (an error in the last 24 hours, or a non-zero count); skips platform rows another transaction holds.';

REVOKE ALL ON FUNCTION private.refresh_api_error_counts() FROM PUBLIC;
GRANT ALL ON FUNCTION private.refresh_api_error_counts() TO service_role;
