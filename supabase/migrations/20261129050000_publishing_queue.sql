-- The publishing queue: distributions are the durable queue; a worker claims due rows under a lease
-- (FOR UPDATE SKIP LOCKED), publishes, and records outcomes in one statement per batch. Every attempt is a
-- row in distribution_attempts, written when it is claimed, so an attempt whose worker died can always be
-- reconciled with the platform before anything is sent again.

alter table public.distributions
  add column attempt_id uuid,
  add column attempt_started_at timestamptz,
  add column lease_expires_at timestamptz,
  add column next_attempt_at timestamptz,
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

create index idx_distributions_due on public.distributions
  (platform_id, (coalesce(next_attempt_at, scheduled_for))) where status = 'scheduled';
create index idx_distributions_due_any on public.distributions
  ((coalesce(next_attempt_at, scheduled_for))) where status = 'scheduled';
create index idx_distributions_leases on public.distributions (lease_expires_at) where status = 'publishing';
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
  client_id uuid not null references public.clients (id) on delete cascade,
  platform_id uuid not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  outcome text
    constraint distribution_attempts_outcome_check
    check (outcome in ('published', 'transient', 'rate_limited', 'permanent', 'auth', 'unknown', 'found',
                       'absent', 'unconfirmed', 'superseded')),
  http_status integer,
  error_message text,
  external_id text,
  constraint distribution_attempts_distribution_fkey foreign key (distribution_id, client_id)
    references public.distributions (id, client_id) on delete cascade,
  constraint distribution_attempts_platform_fkey foreign key (platform_id, client_id)
    references public.platforms (id, client_id) on delete cascade
);

create index idx_distribution_attempts_distribution on public.distribution_attempts (distribution_id);
create index idx_distribution_attempts_client on public.distribution_attempts (client_id);
create index idx_distribution_attempts_platform_errors on public.distribution_attempts (platform_id, finished_at)
  where outcome in ('transient', 'rate_limited', 'permanent', 'auth', 'unknown');

comment on table public.distribution_attempts is
  'Every publish attempt, written when a worker claims the row (outcome null while in flight). Attempts whose '
  'outcome is null or unknown are looked up on the platform before the row is ever sent again.';
comment on column public.distribution_attempts.outcome is
  'published; transient | rate_limited | permanent | auth (classified failures); unknown (sent, no answer); '
  'found / absent (reconciled with the platform); unconfirmed (cannot be asked: a person decides); '
  'superseded (an absent attempt replaced by a new one).';

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

-- Claim up to p_limit due rows (and rows whose lease expired) across platforms that may publish now.
-- Platforms are claimed under a transaction-level advisory lock taken with try: overlapping workers never
-- claim for the same platform at once (so limits hold), and never wait for each other.
create or replace function private.claim_due_distributions(p_limit integer, p_lease_seconds integer)
returns table (
  id uuid,
  attempt_id uuid,
  platform_id uuid,
  client_id uuid,
  title text,
  body text,
  media_urls text[],
  link_url text,
  platform_specific jsonb,
  scheduled_for timestamptz,
  retry_count integer,
  unresolved_attempts jsonb
)
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
  for v_platform in
    select q.platform_id
    from (
      select d.platform_id, min(coalesce(d.next_attempt_at, d.scheduled_for)) as due
      from public.distributions d
      where d.status = 'scheduled' and coalesce(d.next_attempt_at, d.scheduled_for) <= now()
      group by d.platform_id
      union all
      select d.platform_id, min(d.lease_expires_at)
      from public.distributions d
      where d.status = 'publishing' and d.lease_expires_at <= now()
      group by d.platform_id
    ) q
    join public.platforms p on p.id = q.platform_id
    where p.is_active and not p.needs_reconnection and (p.paused_until is null or p.paused_until <= now())
    group by q.platform_id
    order by min(q.due)
  loop
    exit when v_remaining <= 0;
    continue when not pg_try_advisory_xact_lock(hashtextextended('publish:' || v_platform::text, 0));

    -- Expired leases first: those attempts were sent (or not) by a worker that died. New attempt id, and the
    -- unresolved earlier attempts to reconcile.
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
    ), attempts as (
      insert into public.distribution_attempts (id, distribution_id, client_id, platform_id)
      select c.attempt_id, c.id, c.client_id, c.platform_id from claimed c
    )
    select c.id, c.attempt_id, c.platform_id, c.client_id, c.title, c.body, c.media_urls, c.link_url,
           c.platform_specific, c.scheduled_for, c.retry_count,
           coalesce((select jsonb_agg(jsonb_build_object('id', a.id, 'started_at', a.started_at))
                       from public.distribution_attempts a
                      where a.distribution_id = c.id and (a.outcome is null or a.outcome = 'unknown')),
                    '[]'::jsonb)
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
      returning d.*
    ), attempts as (
      insert into public.distribution_attempts (id, distribution_id, client_id, platform_id)
      select c.attempt_id, c.id, c.client_id, c.platform_id from claimed c
    )
    select c.id, c.attempt_id, c.platform_id, c.client_id, c.title, c.body, c.media_urls, c.link_url,
           c.platform_specific, c.scheduled_for, c.retry_count, '[]'::jsonb
    from claimed c;
    get diagnostics v_claimed = row_count;
    v_remaining := v_remaining - v_claimed;
  end loop;
end
$$;

comment on function private.claim_due_distributions(integer, integer) is
  'Claims due rows for publishing under a lease, within each platform''s rate limits and pause; also reclaims '
  'rows whose lease expired (returned with the unresolved attempts to reconcile first).';

-- Record a batch of outcomes in one statement. Each element:
--   {id, attempt_id, outcome: published|transient|rate_limited|permanent|auth|unknown|unconfirmed,
--    external_id?, external_url?, published_at?, message?, http_status?, reset_at?,
--    resolved_attempts?: [{id, outcome: found|absent}]}
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

  return query
  with input as (
    select r.*, p.publish_config, p.paused_until
    from jsonb_to_recordset(p_outcomes) as r(
      id uuid, attempt_id uuid, outcome text, external_id text, external_url text, published_at timestamptz,
      message text, http_status integer, reset_at timestamptz, resolved_attempts jsonb)
    join public.distributions d on d.id = r.id and d.attempt_id = r.attempt_id and d.status = 'publishing'
    join public.platforms p on p.id = d.platform_id
  ), decided as (
    select i.*, d.retry_count, d.platform_id,
      coalesce((i.publish_config ->> 'max_attempts')::integer, 5) as max_attempts,
      -- exponential backoff with full jitter in [0.5, 1.5) of the step, capped
      least(coalesce((i.publish_config ->> 'retry_base_seconds')::numeric, 30) * power(2, d.retry_count),
            coalesce((i.publish_config ->> 'retry_max_seconds')::numeric, 3600)) * (0.5 + random()) as backoff,
      coalesce((i.publish_config ->> 'reconcile_after_seconds')::numeric, 60) as reconcile_after
    from input i join public.distributions d on d.id = i.id
  ), updated as (
    update public.distributions d set
      status = case
        when x.outcome = 'published' then 'published'
        when x.outcome in ('permanent', 'auth') then 'failed'
        when x.outcome = 'unconfirmed' then 'unconfirmed'
        when x.outcome = 'transient' and x.retry_count + 1 >= x.max_attempts then 'failed'
        when x.outcome in ('transient', 'rate_limited') then 'scheduled'
        else 'publishing' -- unknown: keep the lease until it is reconciled
      end,
      published_at = case when x.outcome = 'published' then coalesce(x.published_at, now()) else d.published_at end,
      external_id = case when x.outcome = 'published' then x.external_id else d.external_id end,
      external_url = case when x.outcome = 'published' then x.external_url else d.external_url end,
      error_message = case
        when x.outcome = 'published' then null
        when x.outcome = 'transient' and x.retry_count + 1 >= x.max_attempts
          then format('gave up after %s attempts: %s', x.retry_count + 1, x.message)
        else x.message
      end,
      retry_count = d.retry_count + case when x.outcome = 'transient' then 1 else 0 end,
      next_attempt_at = case
        when x.outcome = 'transient' then greatest(now() + make_interval(secs => x.backoff::double precision),
                                                     x.paused_until, x.reset_at)
        when x.outcome = 'rate_limited' then greatest(x.reset_at, now())
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
    returning d.id, d.platform_id, d.status, x.outcome, x.attempt_id, x.message, x.http_status, x.external_id,
              x.reset_at
  ), attempts as (
    update public.distribution_attempts a set
      outcome = u.outcome, finished_at = now(), error_message = u.message, http_status = u.http_status,
      external_id = u.external_id
    from updated u where a.id = u.attempt_id
  ), resolved as (
    update public.distribution_attempts a set outcome = r.outcome, finished_at = coalesce(a.finished_at, now())
    from decided x, jsonb_to_recordset(coalesce(x.resolved_attempts, '[]'::jsonb)) as r(id uuid, outcome text)
    where a.id = r.id and a.distribution_id = x.id
  ), platform_changes as (
    select u.platform_id,
           max(now()) filter (where u.outcome = 'published') as published,
           max(u.reset_at) filter (where u.outcome = 'rate_limited') as pause,
           (array_agg(u.message) filter (where u.outcome = 'auth'))[1] as auth_message
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
  update public.platforms p set api_errors_24h = c.n
  from (
    select p2.id, (select count(*) from public.distribution_attempts a
                    where a.platform_id = p2.id and a.finished_at > now() - interval '24 hours'
                      and a.outcome in ('transient', 'rate_limited', 'permanent', 'auth', 'unknown'))::integer as n
    from public.platforms p2
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

revoke execute on function private.publish_budget(uuid), private.claim_due_distributions(integer, integer),
  private.record_publish_outcomes(jsonb), private.refresh_api_error_counts(), private.next_publish_due()
  from public, anon, authenticated;
grant execute on function private.publish_budget(uuid), private.claim_due_distributions(integer, integer),
  private.record_publish_outcomes(jsonb), private.refresh_api_error_counts(), private.next_publish_due()
  to service_role;
