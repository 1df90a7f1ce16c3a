-- An attempt whose outcome is unknown can carry the platform's name for the request it accepted (TikTok's
-- publish_id, in distribution_attempts.external_id): a video still processing is in no list of the account's
-- posts yet, so the look-up that settles the attempt must ask about that request, not search for the post.
-- Claims of rows whose lease lapsed now return it with each unresolved attempt. (Unchanged otherwise from
-- 20261129100000_publishing_write_path.sql.)

-- Hash joins are off: the planner would hash the whole table to update a batch of a few hundred rows by id.
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
begin
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
      select d.id from public.distributions d
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
      returning d.*
    )
    select c.id, c.attempt_id, 'publish', c.platform_id, c.client_id, c.title, c.body, c.media_urls, c.link_url,
           c.platform_specific, c.scheduled_for, c.retry_count, c.native_state, c.native_attempt_id, c.external_id,
           c.external_url, '[]'::jsonb
    from claimed c;
    get diagnostics v_claimed = row_count;
    v_remaining := v_remaining - v_claimed;
  end loop;
end
$$;
