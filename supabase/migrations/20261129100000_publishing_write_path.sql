-- The publishing write path: every post is written twice on its distribution row (claimed, then its outcome),
-- in batches of hundreds. Per-row work on that path is what bounds throughput, so this migration takes off it
-- what does not need to be per row (measured with bench/publish):
--   * claims return typed columns (building a jsonb document per row cost as much as the update itself);
--   * the status machine's check is inlined into its trigger's WHEN (a SET clause stopped the SQL function from
--     inlining, so every status change paid a function call);
--   * the metrics schedule of a published row is computed once per platform by the batch, not by a trigger
--     querying metrics_sync_policy per row (the trigger keeps every other writer right);
--   * webhook deliveries are enqueued once per statement from its transition tables, not by a trigger per row.
-- And one outcome the write path lacked: `released`, for a row its worker had no time to send (back to the queue
-- without using an attempt; it used to be recorded as a transient failure, so slow platforms burned attempts).

create type private.claimed_distribution as (
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
  scheduled_for timestamptz,
  retry_count integer,
  native_state text,
  native_attempt_id uuid,
  external_id text,
  external_url text,
  unresolved_attempts jsonb
);

comment on type private.claimed_distribution is
  'What a worker gets for each claimed row: the content, the attempt, the mode (publish now, or hand the post to '
  'the platform ahead of time), the native hand-off to confirm, and the earlier attempts whose outcome is unknown '
  '(reconciled with the platform before anything is sent; only a reclaimed row can have any).';

drop function private.claim_due_distributions(integer, integer);
drop function private.claim_native_handoffs(integer, integer);
drop function private.claimed_row(public.distributions, text, boolean);

-- Hash joins are off: the planner would hash the whole table to update a batch of a few hundred rows by id.
create function private.claim_due_distributions(p_limit integer, p_lease_seconds integer)
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
             coalesce((select jsonb_agg(jsonb_build_object('id', a.id, 'kind', a.kind, 'started_at', a.started_at)
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

comment on function private.claim_due_distributions(integer, integer) is
  'Claims due rows for publishing under a lease, within each platform''s rate limits and pause; also reclaims '
  'rows whose lease expired (returned with the unresolved attempts to reconcile first).';

create function private.claim_native_handoffs(p_limit integer, p_lease_seconds integer)
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
                 where p.supports_scheduling and coalesce((p.publish_config ->> 'native_scheduling')::boolean, false)
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
        and d.scheduled_for > now()
              + make_interval(secs => coalesce((p.publish_config ->> 'native_min_lead_seconds')::integer, 120))
        and d.scheduled_for <= now()
              + make_interval(mins => coalesce((p.publish_config ->> 'native_lead_minutes')::integer, 60))
      order by d.scheduled_for
      limit p_limit
      for update of d skip locked
    ) c
    where p.supports_scheduling and coalesce((p.publish_config ->> 'native_scheduling')::boolean, false)
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

comment on function private.claim_native_handoffs(integer, integer) is
  'Claims scheduled rows of natively scheduling platforms that are within their hand-off window.';

revoke execute on function private.claim_due_distributions(integer, integer),
  private.claim_native_handoffs(integer, integer) from public, anon, authenticated;
grant execute on function private.claim_due_distributions(integer, integer),
  private.claim_native_handoffs(integer, integer) to service_role;

-- Immutable and without a SET clause, so the planner inlines it into the status machine trigger's WHEN.
create or replace function private.distribution_status_allowed(p_from text, p_to text)
returns boolean
language sql
immutable
parallel safe
as $$
  select p_from = p_to
      or (p_from, p_to) in (
        ('draft', 'scheduled'),
        ('scheduled', 'publishing'), ('scheduled', 'cancelled'), ('scheduled', 'draft'),
        ('publishing', 'published'), ('publishing', 'failed'), ('publishing', 'unconfirmed'),
        ('publishing', 'scheduled'),
        ('failed', 'scheduled'), ('failed', 'cancelled'),
        ('unconfirmed', 'published'), ('unconfirmed', 'failed'), ('unconfirmed', 'scheduled')
      )
$$;

-- A statement that sets metrics_next_sync_at itself (the publishing batch) is trusted with it; every other
-- writer gets it from the trigger as before.
drop trigger distributions_metrics_schedule on public.distributions;
create trigger distributions_metrics_schedule before insert on public.distributions
  for each row execute function private.schedule_metrics_sync();
create trigger distributions_metrics_reschedule
  before update of status, external_id, published_at, platform_id on public.distributions
  for each row when (new.metrics_next_sync_at is not distinct from old.metrics_next_sync_at
                     -- off a published row with nothing scheduled, the trigger would only set nulls again
                     and (new.status = 'published' or new.metrics_next_sync_at is not null
                          or new.metrics_lease_until is not null))
  execute function private.schedule_metrics_sync();

-- As in the publishing queue migration, plus the metrics schedule set by the statement, and `released`: a row
-- its worker did not send because the worker's send window closed first (a slow platform, a long batch) goes
-- back to the queue due at once, without using an attempt or backing off.
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
      attempt_started_at = case when x.outcome = 'unknown' then d.attempt_started_at else null end,
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


-- Statement-level: one insert for all the rows a statement brought to a notified status. The transition tables
-- are the ones the conversion rollup trigger already has PostgreSQL keep for every update.
drop trigger distributions_webhooks on public.distributions;
drop function private.enqueue_distribution_webhooks();

-- Transition tables have no statistics (estimated at one row), so nested loops are turned off for the join.
create function private.enqueue_distribution_webhooks()
returns trigger
language plpgsql
security definer
set search_path = ''
set enable_nestloop = off
as $$
begin
  if not exists (select 1 from public.webhook_endpoints e
                 where e.is_active and e.client_id in (select n.client_id from new_rows n)) then
    return null;
  end if;
  insert into public.webhook_deliveries (client_id, endpoint_id, distribution_id, event, payload)
  select n.client_id, e.id, n.id, 'distribution.' || n.status,
         jsonb_build_object(
           'event', 'distribution.' || n.status,
           'occurred_at', now(),
           'distribution', jsonb_build_object(
             'id', n.id, 'platform_id', n.platform_id, 'status', n.status, 'title', n.title,
             'scheduled_for', n.scheduled_for, 'published_at', n.published_at,
             'external_id', n.external_id, 'external_url', n.external_url,
             'error_message', n.error_message, 'retry_count', n.retry_count,
             'cross_post_group_id', n.cross_post_group_id, 'content_id', n.content_id))
  from new_rows n
  join old_rows o on o.id = n.id and o.status is distinct from n.status
  join public.webhook_endpoints e
    on e.client_id = n.client_id and e.is_active and 'distribution.' || n.status = any (e.events)
  where n.status in ('published', 'failed', 'unconfirmed');
  -- the deliver-webhooks function is woken once per transaction (a transaction-local flag)
  if found and current_setting('distribution.webhooks_woken', true) is distinct from 'yes' then
    perform set_config('distribution.webhooks_woken', 'yes', true);
    perform private.invoke_edge_function('deliver-webhooks', '{}'::jsonb, 30000, false);
  end if;
  return null;
end
$$;

revoke execute on function private.enqueue_distribution_webhooks() from public, anon, authenticated;

create trigger distributions_webhooks
  after update on public.distributions
  referencing old table as old_rows new table as new_rows
  for each statement
  execute function private.enqueue_distribution_webhooks();

-- Counts only what a limit needs: a platform without posts_per_hour, posts_per_day and min_interval_minutes is
-- not counted at all (the counts grow with the day's posts, and every claim asks).
create or replace function private.publish_budget(p_platform_id uuid)
returns integer
language plpgsql
stable
security definer
set search_path = ''
as $$
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
  select count(*) filter (where published_at > now() - interval '1 hour'), count(*), max(published_at)
    into v_hour, v_day, v_last_published
  from public.distributions
  where platform_id = p_platform_id and status = 'published' and published_at > now() - interval '24 hours';
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

-- Probed per platform (a handful of rows), so the per-platform indexes serve every queue scan; indexes over all
-- platforms' due rows and leases only misled the planner into scanning past other platforms' rows.
create or replace function private.next_publish_due()
returns timestamptz
language sql
stable
security definer
set search_path = ''
as $$
  select min(least(s.due, l.lapsed))
  from public.platforms p
  left join lateral (
    select coalesce(d.next_attempt_at, d.scheduled_for) as due from public.distributions d
    where d.platform_id = p.id and d.status = 'scheduled'
    order by coalesce(d.next_attempt_at, d.scheduled_for) limit 1
  ) s on true
  left join lateral (
    select d.lease_expires_at as lapsed from public.distributions d
    where d.platform_id = p.id and d.status = 'publishing'
    order by d.lease_expires_at limit 1
  ) l on true
$$;

drop index public.idx_distributions_due_any;
drop index public.idx_distributions_leases_any;

-- Every publish loop asks for cancellations to withdraw: plpgsql, so the query is planned once per session
-- (a SQL function is planned on every call; the queue is almost always empty).
create or replace function private.claim_platform_cancellations(p_limit integer, p_lease_seconds integer default 120)
returns table (id uuid, platform_id uuid, external_id text, attempts integer)
language plpgsql
volatile
security definer
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  with due as (
    select c.id from public.platform_cancellations c
    join public.platforms p on p.id = c.platform_id
    where ((c.status = 'pending' and c.next_attempt_at <= now())
           or (c.status = 'working' and c.lease_expires_at <= now()))
      and not p.needs_reconnection and (p.paused_until is null or p.paused_until <= now())
    order by c.next_attempt_at
    limit p_limit
    for update of c skip locked
  )
  update public.platform_cancellations c
     set status = 'working', attempts = c.attempts + 1,
         lease_expires_at = now() + make_interval(secs => p_lease_seconds)
    from due where c.id = due.id
  returning c.id, c.platform_id, c.external_id, c.attempts;
end
$$;

alter table public.distribution_attempts drop constraint distribution_attempts_outcome_check;
alter table public.distribution_attempts add constraint distribution_attempts_outcome_check
  check (outcome in ('published', 'handed_off', 'declined', 'transient', 'rate_limited', 'permanent', 'auth',
                     'unknown', 'found', 'absent', 'unconfirmed', 'released'));
comment on column public.distribution_attempts.outcome is
  'published; handed_off / declined (native scheduling); transient | rate_limited | permanent | auth (classified '
  'failures); unknown (sent, no answer); found / absent (reconciled with the platform); unconfirmed (cannot be '
  'asked: a person decides); released (not sent: the worker''s send window closed first).';
