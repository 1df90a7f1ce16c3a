-- The publisher's write path: claiming due distributions and native hand-offs under leases.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TYPE private.claimed_distribution AS (
	id uuid,
	attempt_id uuid,
	mode text,
	platform_id uuid,
	client_id uuid,
	title text,
	body text,
	media_urls text[],
	link_url text,
	platform_specific jsonb,
	scheduled_for timestamp with time zone,
	retry_count integer,
	native_state text,
	native_attempt_id uuid,
	external_id text,
	external_url text,
	unresolved_attempts jsonb
);

COMMENT ON TYPE private.claimed_distribution IS 'What a worker gets for each claimed row: the content, the attempt, the mode (publish now, or hand the post to the platform ahead of time), the native hand-off to confirm, and the earlier attempts whose outcome is unknown (reconciled with the platform before anything is sent; only a reclaimed row can have any).';

CREATE FUNCTION private.claim_due_distributions(p_limit integer, p_lease_seconds integer) RETURNS SETOF private.claimed_distribution
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    SET enable_hashjoin TO 'off'
    AS $$
declare
  v_platform uuid;
  v_budget integer;
  v_remaining integer := p_limit;
  v_parked uuid[];
  v_seen uuid[] := '{}';
  v_at timestamptz;
  v_id uuid;
  v_after_at timestamptz := '-infinity';
  v_after_id uuid := '00000000-0000-0000-0000-000000000000';
  v_read integer;
  v_ids uuid[];
  v_priors uuid[];
  v_lapsed_ids uuid[] := '{}';
  v_due_ids uuid[] := '{}';
  v_due_priors uuid[] := '{}';
begin
  -- Lapsed leases on platforms that cannot publish now (paused, inactive, awaiting reconnection) go back to
  -- waiting: the lapsed attempt is recorded as unknown, as below, and the row keeps its attempt id, which marks
  -- it as having attempts to reconcile before anything is sent again. A platform another claim holds is left
  -- for the next one. (Found from the lapsed rows, not a look at every platform; probed first: an update
  -- statement, even of no rows, runs the statement triggers.)
  for v_platform in
    select distinct d.platform_id from public.distributions d
    join public.platforms p on p.id = d.platform_id
    where d.status = 'publishing' and d.lease_expires_at <= now()
      and (not p.is_active or p.needs_reconnection or p.paused_until > now())
    order by d.platform_id
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
             (case when d.attempt_started_at < d.scheduled_for then 'handoff' else 'publish' end)::public.distribution_attempt_kind,
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

  -- Platforms with work, oldest first, read from the due rows themselves: the due and lapsed-lease indexes
  -- merged in (time, id) order, a chunk at a time, stopping as soon as the claim is full. Finding them costs
  -- the rows read, not the number of platforms or clients. Each platform is taken once, at its oldest row.
  <<chunks>>
  loop
    v_read := 0;
    for v_platform, v_at, v_id in
      select w.platform_id, w.at, w.id
      from (
        (select d.platform_id, coalesce(d.next_attempt_at, d.scheduled_for) as at, d.id
         from public.distributions d
         where d.status = 'scheduled' and coalesce(d.next_attempt_at, d.scheduled_for) <= now()
           and (coalesce(d.next_attempt_at, d.scheduled_for), d.id) > (v_after_at, v_after_id)
         order by coalesce(d.next_attempt_at, d.scheduled_for), d.id
         limit 200)
        union all
        (select d.platform_id, d.lease_expires_at, d.id
         from public.distributions d
         where d.status = 'publishing' and d.lease_expires_at <= now()
           and (d.lease_expires_at, d.id) > (v_after_at, v_after_id)
         order by d.lease_expires_at, d.id
         limit 200)
      ) w
      order by w.at, w.id
      limit 200
    loop
      v_read := v_read + 1;
      v_after_at := v_at;
      v_after_id := v_id;
      exit chunks when v_remaining <= 0;
      continue when v_platform = any (v_seen);
      -- (a platform that cannot publish now is probed again at each of its rows, rather than kept in
      -- v_seen: the list stays as short as the platforms this claim takes from)
      continue when not exists (
        select 1 from public.platforms p
        where p.id = v_platform and p.is_active and not p.needs_reconnection
          and (p.paused_until is null or p.paused_until <= now()));
      v_seen := v_seen || v_platform;
      continue when not pg_try_advisory_xact_lock(hashtextextended('publish:' || v_platform::text, 0));

      -- Expired leases first: those attempts were sent (or not) by a worker that died. A new attempt id; the
      -- earlier attempts are reconciled first. A row not due yet was being handed to the platform.
      -- (A hand-off attempt starts before the row's time; a publish attempt at or after it.)
      if exists (select 1 from public.distributions d
                 where d.platform_id = v_platform and d.status = 'publishing' and d.lease_expires_at <= now()) then
        insert into public.distribution_attempts
          (id, distribution_id, client_id, platform_id, kind, started_at, finished_at, outcome, error_message)
        select d.attempt_id, d.id, d.client_id, d.platform_id,
               (case when d.attempt_started_at < d.scheduled_for then 'handoff' else 'publish' end)::public.distribution_attempt_kind,
               d.attempt_started_at, now(), 'unknown', 'the worker''s claim lapsed without an outcome'
        from public.distributions d
        where d.platform_id = v_platform and d.status = 'publishing' and d.lease_expires_at <= now()
        on conflict (id) do nothing;

        select coalesce(array_agg(e.id order by e.lease_expires_at, e.id), '{}') into v_ids
        from (
          select d.id, d.lease_expires_at from public.distributions d
          where d.platform_id = v_platform and d.status = 'publishing' and d.lease_expires_at <= now()
          order by d.lease_expires_at
          limit v_remaining
          for update skip locked
        ) e;
        v_lapsed_ids := v_lapsed_ids || v_ids;
        v_remaining := v_remaining - cardinality(v_ids);
      end if;

      continue when v_remaining <= 0;
      continue when not exists (
        select 1 from public.distributions d
        where d.platform_id = v_platform and d.status = 'scheduled'
          and coalesce(d.next_attempt_at, d.scheduled_for) <= now());
      v_budget := least(v_remaining, private.publish_budget(v_platform));
      continue when v_budget <= 0;

      -- prior: the attempt of a row that went back to waiting with attempts to reconcile (see above)
      select coalesce(array_agg(e.id order by e.at, e.id), '{}'), coalesce(array_agg(e.prior order by e.at, e.id), '{}')
        into v_ids, v_priors
      from (
        select d.id, d.attempt_id as prior, coalesce(d.next_attempt_at, d.scheduled_for) as at
        from public.distributions d
        where d.platform_id = v_platform and d.status = 'scheduled'
          and coalesce(d.next_attempt_at, d.scheduled_for) <= now()
        order by coalesce(d.next_attempt_at, d.scheduled_for), d.id
        limit v_budget
        for update skip locked
      ) e;
      v_due_ids := v_due_ids || v_ids;
      v_due_priors := v_due_priors || v_priors;
      v_remaining := v_remaining - cardinality(v_ids);
    end loop;
    exit when v_read < 200;
  end loop;

  -- The rows chosen above are locked (for update); each kind is claimed in one update statement for every
  -- platform at once, so the statement triggers run once a claim, not once a platform.
  if cardinality(v_lapsed_ids) > 0 then
    return query
    with chosen as (
      select u.id, u.ord from unnest(v_lapsed_ids) with ordinality as u(id, ord)
    ), claimed as (
      update public.distributions d
         set attempt_id = private.uuid_v7(), attempt_started_at = now(),
             lease_expires_at = now() + make_interval(secs => p_lease_seconds)
        from chosen where d.id = chosen.id
      returning d.*, chosen.ord
    )
    select c.id, c.attempt_id, case when c.scheduled_for > now() then 'handoff' else 'publish' end,
           c.platform_id, c.client_id, c.title, c.body, c.media_urls, c.link_url, c.platform_specific,
           c.scheduled_for, c.retry_count, c.native_state::text, c.native_attempt_id, c.external_id, c.external_url,
           coalesce((select jsonb_agg(jsonb_build_object('id', a.id, 'kind', a.kind, 'started_at', a.started_at,
                                                         'external_id', a.external_id)
                                      order by a.started_at)
                     from public.distribution_attempts a
                     where a.distribution_id = c.id and a.outcome = 'unknown'), '[]'::jsonb)
    from claimed c
    order by c.ord;
  end if;

  if cardinality(v_due_ids) > 0 then
    return query
    with chosen as (
      select u.id, u.prior, u.ord from unnest(v_due_ids, v_due_priors) with ordinality as u(id, prior, ord)
    ), claimed as (
      update public.distributions d
         set status = 'publishing', attempt_id = private.uuid_v7(), attempt_started_at = now(),
             lease_expires_at = now() + make_interval(secs => p_lease_seconds),
             last_retry_at = case when d.retry_count > 0 then now() else d.last_retry_at end
        from chosen where d.id = chosen.id
      returning d.*, chosen.prior, chosen.ord
    )
    select c.id, c.attempt_id, 'publish', c.platform_id, c.client_id, c.title, c.body, c.media_urls, c.link_url,
           c.platform_specific, c.scheduled_for, c.retry_count, c.native_state::text, c.native_attempt_id, c.external_id,
           c.external_url,
           case when c.prior is null then '[]'::jsonb
                else coalesce((select jsonb_agg(jsonb_build_object('id', a.id, 'kind', a.kind,
                                                                   'started_at', a.started_at,
                                                                   'external_id', a.external_id)
                                                order by a.started_at)
                               from public.distribution_attempts a
                               where a.distribution_id = c.id and a.outcome = 'unknown'), '[]'::jsonb) end
    from claimed c
    order by c.ord;
  end if;
end
$$;

COMMENT ON FUNCTION private.claim_due_distributions(p_limit integer, p_lease_seconds integer) IS 'Claims due rows for publishing under a lease, within each platform''s rate limits and pause; also reclaims rows whose lease expired (returned with the unresolved attempts to reconcile first).';

REVOKE ALL ON FUNCTION private.claim_due_distributions(p_limit integer, p_lease_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.claim_due_distributions(p_limit integer, p_lease_seconds integer) TO service_role;

CREATE FUNCTION private.claim_native_handoffs(p_limit integer, p_lease_seconds integer) RETURNS SETOF private.claimed_distribution
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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
       set status = 'publishing', attempt_id = private.uuid_v7(), attempt_started_at = now(),
           lease_expires_at = now() + make_interval(secs => p_lease_seconds)
      from candidates c where d.id = c.id
    returning d.*
  )
  select c.id, c.attempt_id, 'handoff', c.platform_id, c.client_id, c.title, c.body, c.media_urls, c.link_url,
         c.platform_specific, c.scheduled_for, c.retry_count, c.native_state::text, c.native_attempt_id, c.external_id,
         c.external_url, '[]'::jsonb
  from claimed c;
end
$$;

COMMENT ON FUNCTION private.claim_native_handoffs(p_limit integer, p_lease_seconds integer) IS 'Claims scheduled rows of natively scheduling platforms that are within their hand-off window.';

REVOKE ALL ON FUNCTION private.claim_native_handoffs(p_limit integer, p_lease_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.claim_native_handoffs(p_limit integer, p_lease_seconds integer) TO service_role;
