-- The publishing queue: distributions are the durable queue; a worker claims due rows under a lease
-- (FOR UPDATE SKIP LOCKED), publishes, and records outcomes in one statement per batch. The attempt in flight
-- lives on the row (attempt_id, attempt_started_at); its outcome is written to distribution_attempts with the
-- batch. An attempt whose worker died is written there as 'unknown' when its row is reclaimed, and every
-- unknown attempt is reconciled with the platform before anything is sent again.

alter table public.distributions
  add column attempt_id uuid,
  add column attempt_started_at timestamptz,
  add column lease_expires_at timestamptz,
  add column next_attempt_at timestamptz,
  add column native_state text
    constraint distributions_native_state_check check (native_state in ('handed_off', 'declined')),
  add column native_attempt_id uuid,
  add constraint distributions_publishing_has_lease
    check (status <> 'publishing' or (attempt_id is not null and lease_expires_at is not null));

comment on column public.distributions.attempt_id is
  'The attempt that holds the row while status = publishing (distribution_attempts.id); a worker records an '
  'outcome only while it still holds it.';
comment on column public.distributions.lease_expires_at is
  'While publishing: when the claim lapses. An expired lease means the worker died; the next run reconciles.';
comment on column public.distributions.next_attempt_at is
  'When a row waiting after a transient error or a rate limit may be tried again (null: at scheduled_for). '
  'scheduled_for, and with it the calendar slot, never moves for a retry.';

comment on column public.distributions.native_state is
  'Native scheduling (platforms whose publish_config.native_scheduling is true): handed_off = the platform holds '
  'the post for scheduled_for (external_id is its id; confirmed at the due time); declined = the platform refused '
  'the hand-off, so the post is sent at scheduled_for as usual.';
comment on column public.distributions.native_attempt_id is 'The attempt that handed the post to the platform.';

create index idx_distributions_due on public.distributions
  (platform_id, (coalesce(next_attempt_at, scheduled_for))) where status = 'scheduled';
create index idx_distributions_due_any on public.distributions
  ((coalesce(next_attempt_at, scheduled_for))) where status = 'scheduled';
create index idx_distributions_leases on public.distributions (platform_id, lease_expires_at)
  where status = 'publishing';
create index idx_distributions_leases_any on public.distributions (lease_expires_at) where status = 'publishing';
create index idx_distributions_platform_published on public.distributions (platform_id, published_at)
  where status = 'published';

alter table public.platforms
  add column paused_until timestamptz,
  add column pause_reason text,
  add column needs_reconnection boolean not null default false,
  add column reconnection_reason text;

comment on column public.platforms.paused_until is
  'Set from a 429''s reset time: nothing is sent to this platform before it.';
comment on column public.platforms.needs_reconnection is
  'The platform refused our credentials (401 or revoked token). Its rows wait, without using attempts, until a '
  'person reconnects it and clears this flag.';

create table public.distribution_attempts (
  id uuid primary key,
  distribution_id uuid not null,
  client_id uuid not null,
  platform_id uuid not null,
  kind text not null default 'publish' constraint distribution_attempts_kind_check check (kind in ('publish', 'handoff')),
  started_at timestamptz not null default now(),
  finished_at timestamptz not null default now(),
  outcome text not null
    constraint distribution_attempts_outcome_check
    check (outcome in ('published', 'handed_off', 'declined', 'transient', 'rate_limited', 'permanent', 'auth',
                       'unknown', 'found', 'absent', 'unconfirmed')),
  http_status integer,
  error_message text,
  external_id text,
  -- The distribution's platform and client are copied from it (and go with it): one foreign key is enough.
  constraint distribution_attempts_distribution_fkey foreign key (distribution_id, client_id)
    references public.distributions (id, client_id) on delete cascade
);

create index idx_distribution_attempts_distribution on public.distribution_attempts (distribution_id);
create index idx_distribution_attempts_client on public.distribution_attempts (client_id);
create index idx_distribution_attempts_unknown on public.distribution_attempts (distribution_id)
  where outcome = 'unknown';
create index idx_distribution_attempts_platform_errors on public.distribution_attempts (platform_id, finished_at)
  where outcome in ('transient', 'rate_limited', 'permanent', 'auth', 'unknown');

comment on table public.distribution_attempts is
  'Every publish attempt and its outcome, written with the batch that recorded it; an attempt whose worker died is '
  'written as unknown when its row is reclaimed. Unknown attempts are looked up on the platform before the row is '
  'ever sent again.';
comment on column public.distribution_attempts.outcome is
  'published; handed_off / declined (native scheduling); transient | rate_limited | permanent | auth (classified '
  'failures); unknown (sent, no answer); found / absent (reconciled with the platform); unconfirmed (cannot be '
  'asked: a person decides).';

alter table public.distribution_attempts enable row level security;
create policy distribution_attempts_select on public.distribution_attempts for select to authenticated
  using (client_id = any (array(select private.member_client_ids())));
revoke all on public.distribution_attempts from public, anon, authenticated;
grant select on public.distribution_attempts to authenticated;
grant all on public.distribution_attempts to service_role;

-- How many more posts a platform may take now, by its posts_per_hour, posts_per_day and min_interval_minutes,
-- counting what is published and what is in flight.
create or replace function private.publish_budget(p_platform_id uuid)
returns integer
language sql
stable
set search_path = ''
as $$
  with p as (
    select posts_per_hour, posts_per_day, min_interval_minutes from public.platforms where id = p_platform_id
  ), in_flight as (
    select count(*) as n, max(attempt_started_at) as last_start
    from public.distributions where platform_id = p_platform_id and status = 'publishing'
  ), recent as (
    select count(*) filter (where published_at > now() - interval '1 hour') as hour,
           count(*) as day,
           max(published_at) as last_published
    from public.distributions
    where platform_id = p_platform_id and status = 'published' and published_at > now() - interval '24 hours'
  )
  select greatest(0, least(
    coalesce(p.posts_per_hour - recent.hour - in_flight.n, 2147483647),
    coalesce(p.posts_per_day - recent.day - in_flight.n, 2147483647),
    case
      when coalesce(p.min_interval_minutes, 0) = 0 then 2147483647
      when in_flight.n > 0 then 0
      when recent.last_published > now() - make_interval(mins => p.min_interval_minutes) then 0
      else 1
    end
  ))::integer
  from p, in_flight, recent
$$;

comment on function private.publish_budget(uuid) is
  'Posts the platform may take right now under its rate limits (published and in-flight rows count).';

-- What a worker gets for each claimed row: the content, the attempt, the mode (publish now, or hand the post to
-- the platform ahead of time), the native hand-off to confirm, and the earlier attempts whose outcome is unknown
-- (reconciled with the platform before anything is sent; only a reclaimed row can have any).
-- plpgsql so that its query is planned once per session, not once per claimed row.
create or replace function private.claimed_row(d public.distributions, p_mode text, p_reclaimed boolean)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return jsonb_build_object(
    'id', d.id, 'attempt_id', d.attempt_id, 'mode', p_mode, 'platform_id', d.platform_id,
    'client_id', d.client_id, 'title', d.title, 'body', d.body, 'media_urls', d.media_urls,
    'link_url', d.link_url, 'platform_specific', d.platform_specific, 'scheduled_for', d.scheduled_for,
    'retry_count', d.retry_count, 'native_state', d.native_state, 'native_attempt_id', d.native_attempt_id,
    'external_id', d.external_id, 'external_url', d.external_url,
    'unresolved_attempts', case when p_reclaimed then coalesce((
      select jsonb_agg(jsonb_build_object('id', a.id, 'kind', a.kind, 'started_at', a.started_at)
                       order by a.started_at)
      from public.distribution_attempts a
      where a.distribution_id = d.id and a.outcome = 'unknown'), '[]'::jsonb) else '[]'::jsonb end);
end
$$;

-- Claim up to p_limit due rows (and rows whose lease expired) across platforms that may publish now.
-- Platforms are claimed under a transaction-level advisory lock taken with try: overlapping workers never
-- claim for the same platform at once (so limits hold), and never wait for each other.
create or replace function private.claim_due_distributions(p_limit integer, p_lease_seconds integer)
returns setof jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_platform uuid;
  v_budget integer;
  v_remaining integer := p_limit;
  v_claimed integer;
begin
  -- Platforms with work, oldest first. Each min() is one probe of a per-platform index, so finding them does
  -- not grow with the number of due rows.
  for v_platform in
    select p.id
    from public.platforms p
    cross join lateral (
      select min(coalesce(d.next_attempt_at, d.scheduled_for)) as due from public.distributions d
      where d.platform_id = p.id and d.status = 'scheduled' and coalesce(d.next_attempt_at, d.scheduled_for) <= now()
    ) s
    cross join lateral (
      select min(d.lease_expires_at) as lapsed from public.distributions d
      where d.platform_id = p.id and d.status = 'publishing' and d.lease_expires_at <= now()
    ) l
    where p.is_active and not p.needs_reconnection and (p.paused_until is null or p.paused_until <= now())
      and (s.due is not null or l.lapsed is not null)
    order by least(s.due, l.lapsed)
  loop
    exit when v_remaining <= 0;
    continue when not pg_try_advisory_xact_lock(hashtextextended('publish:' || v_platform::text, 0));

    -- Expired leases first: those attempts were sent (or not) by a worker that died. A new attempt id; the
    -- earlier attempts are reconciled first. A row not due yet was being handed to the platform.
    -- (A hand-off attempt starts before the row's time; a publish attempt at or after it.)
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
      returning d
    )
    select private.claimed_row(c.d, case when (c.d).scheduled_for > now() then 'handoff' else 'publish' end, true)
    from claimed c;
    get diagnostics v_claimed = row_count;
    v_remaining := v_remaining - v_claimed;

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
      returning d
    )
    select private.claimed_row(c.d, 'publish', false) from claimed c;
    get diagnostics v_claimed = row_count;
    v_remaining := v_remaining - v_claimed;
  end loop;
end
$$;

comment on function private.claim_due_distributions(integer, integer) is
  'Claims due rows for publishing under a lease, within each platform''s rate limits and pause; also reclaims '
  'rows whose lease expired (returned with the unresolved attempts to reconcile first).';

-- Locks platform rows in id order. Every transaction that updates several platform rows (recording a batch of
-- publish outcomes or metric reads) takes them this way first, so two of them can never deadlock.
create or replace function private.lock_platforms(p_ids uuid[])
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  select null from (
    select 1 from public.platforms where id = any (p_ids) order by id for no key update
  ) locked
$$;

-- Record a batch of outcomes in one statement. Each element:
--   {id, attempt_id, outcome: published|handed_off|declined|transient|rate_limited|permanent|auth|unknown|
--    unconfirmed, error_class? (why a hand-off was declined), external_id?, external_url?, published_at?,
--    message?, http_status?, reset_at?, resolved_attempts?: [{id, outcome: found|absent}]}
-- Decisions that must be the same for every worker live here: backoff with jitter, the attempt cap, the
-- platform pause and reconnection flag, and the rolling error count. An outcome from a worker that no
-- longer holds the row (its lease was reclaimed) is ignored. Returns the ids applied.
create or replace function private.record_publish_outcomes(p_outcomes jsonb)
returns setof uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  -- Triggers on distributions lock each member's cross-post group. Locking them all first, in id order,
  -- keeps two concurrent batches with members of the same groups from deadlocking.
  perform 1 from public.cross_post_groups g
  where g.id in (select d.cross_post_group_id from public.distributions d
                 where d.id in (select (e ->> 'id')::uuid from jsonb_array_elements(p_outcomes) e))
  order by g.id
  for update;
  perform private.lock_platforms(array(
    select distinct d.platform_id from public.distributions d
    where d.id in (select (e ->> 'id')::uuid from jsonb_array_elements(p_outcomes) e)));

  return query
  with decided as (
    -- only outcomes from the worker that still holds the row (same attempt, still publishing)
    select r.*, p.paused_until, d.retry_count, d.platform_id, d.attempt_started_at as started_at,
      case when d.attempt_started_at < d.scheduled_for then 'handoff' else 'publish' end as kind,
      coalesce((p.publish_config ->> 'max_attempts')::integer, 5) as max_attempts,
      -- exponential backoff with full jitter in [0.5, 1.5) of the step, capped
      least(coalesce((p.publish_config ->> 'retry_base_seconds')::numeric, 30) * power(2, d.retry_count),
            coalesce((p.publish_config ->> 'retry_max_seconds')::numeric, 3600)) * (0.5 + random()) as backoff,
      coalesce((p.publish_config ->> 'reconcile_after_seconds')::numeric, 60) as reconcile_after
    from jsonb_to_recordset(p_outcomes) as r(
      id uuid, attempt_id uuid, outcome text, external_id text, external_url text, published_at timestamptz,
      message text, http_status integer, reset_at timestamptz, resolved_attempts jsonb, error_class text)
    join public.distributions d on d.id = r.id and d.attempt_id = r.attempt_id and d.status = 'publishing'
    join public.platforms p on p.id = d.platform_id
  ), updated as (
    update public.distributions d set
      status = case
        when x.outcome = 'published' then 'published'
        when x.outcome in ('handed_off', 'declined') then 'scheduled'
        when x.outcome in ('permanent', 'auth') then 'failed'
        when x.outcome = 'unconfirmed' then 'unconfirmed'
        when x.outcome = 'transient' and x.retry_count + 1 >= x.max_attempts then 'failed'
        when x.outcome in ('transient', 'rate_limited') then 'scheduled'
        else 'publishing' -- unknown: keep the lease until it is reconciled
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
        when x.outcome = 'unknown' then now() + make_interval(secs => x.reconcile_after::double precision)
        else null
      end,
      attempt_id = case when x.outcome = 'unknown' then d.attempt_id else null end,
      attempt_started_at = case when x.outcome = 'unknown' then d.attempt_started_at else null end
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

comment on function private.record_publish_outcomes(jsonb) is
  'Applies a batch of publish outcomes in one statement (statuses, retries with backoff, platform pause and '
  'reconnection flag). Ignores outcomes from workers that lost their lease.';

-- api_errors_24h is a rolling count: recomputed from the attempts, so old errors age out.
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
                      and a.outcome in ('transient', 'rate_limited', 'permanent', 'auth', 'unknown'))::integer as n
    from public.platforms p2
    where p2.id in (select id from public.platforms order by id for no key update skip locked)
  ) c
  where p.id = c.id and p.api_errors_24h is distinct from c.n
$$;

-- When the next row falls due (or a lease lapses), for a worker deciding how long to sleep.
create or replace function private.next_publish_due()
returns timestamptz
language sql
stable
security definer
set search_path = ''
as $$
  select least(
    (select min(coalesce(next_attempt_at, scheduled_for)) from public.distributions where status = 'scheduled'),
    (select min(lease_expires_at) from public.distributions where status = 'publishing')
  )
$$;

revoke execute on function private.claimed_row(public.distributions, text, boolean) from public, anon, authenticated;
revoke execute on function private.lock_platforms(uuid[]) from public, anon, authenticated;
revoke execute on function private.publish_budget(uuid), private.claim_due_distributions(integer, integer),
  private.record_publish_outcomes(jsonb), private.refresh_api_error_counts(), private.next_publish_due()
  from public, anon, authenticated;
grant execute on function private.publish_budget(uuid), private.claim_due_distributions(integer, integer),
  private.record_publish_outcomes(jsonb), private.refresh_api_error_counts(), private.next_publish_due()
  to service_role;
