-- Native scheduling: where a platform can hold a post for a future time (WordPress `future`, Mailchimp
-- schedule, YouTube publishAt) and its row asks for it (publish_config.native_scheduling = true), the publisher
-- hands the post over ahead of time (publish_config.native_lead_minutes before, default 60, and at least
-- native_min_lead_seconds ahead, default 120), then confirms it at the due time. A hand-off is an attempt like
-- any other (claimed under a lease, reconciled after a crash). Cancelling, moving or deleting a handed-off
-- distribution cancels the post on the platform through platform_cancellations, a durable queue the publisher
-- works through.

-- Claim rows to hand to their platform now.
create or replace function private.claim_native_handoffs(p_limit integer, p_lease_seconds integer)
returns setof jsonb
language sql
volatile
security definer
set search_path = ''
as $$
  with candidates as (
    select d.id
    from public.distributions d
    join public.platforms p on p.id = d.platform_id
    where d.status = 'scheduled' and d.native_state is null and d.next_attempt_at is null
      and p.supports_scheduling and coalesce((p.publish_config ->> 'native_scheduling')::boolean, false)
      and p.is_active and not p.needs_reconnection and (p.paused_until is null or p.paused_until <= now())
      and d.scheduled_for > now()
            + make_interval(secs => coalesce((p.publish_config ->> 'native_min_lead_seconds')::integer, 120))
      and d.scheduled_for <= now()
            + make_interval(mins => coalesce((p.publish_config ->> 'native_lead_minutes')::integer, 60))
    order by d.scheduled_for
    limit p_limit
    for update of d skip locked
  ), claimed as (
    update public.distributions d
       set status = 'publishing', attempt_id = gen_random_uuid(), attempt_started_at = now(),
           lease_expires_at = now() + make_interval(secs => p_lease_seconds)
      from candidates c where d.id = c.id
    returning d
  )
  select private.claimed_row(c.d, 'handoff', false) from claimed c
$$;

comment on function private.claim_native_handoffs(integer, integer) is
  'Claims scheduled rows of natively scheduling platforms that are within their hand-off window.';

create table public.platform_cancellations (
  id uuid primary key default gen_random_uuid(),
  client_id uuid not null references public.clients (id) on delete cascade,
  platform_id uuid not null,
  distribution_id uuid,
  external_id text not null,
  reason text not null constraint platform_cancellations_reason_check
    check (reason in ('cancelled', 'rescheduled', 'deleted')),
  status text not null default 'pending'
    constraint platform_cancellations_status_check check (status in ('pending', 'working', 'done', 'failed')),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null default now(),
  lease_expires_at timestamptz,
  last_error text,
  done_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint platform_cancellations_platform_fkey foreign key (platform_id, client_id)
    references public.platforms (id, client_id) on delete cascade,
  constraint platform_cancellations_distribution_fkey foreign key (distribution_id, client_id)
    references public.distributions (id, client_id) on delete set null (distribution_id)
);

create index idx_platform_cancellations_due on public.platform_cancellations (next_attempt_at)
  where status in ('pending', 'working');
create index idx_platform_cancellations_client on public.platform_cancellations (client_id);
create index idx_platform_cancellations_platform on public.platform_cancellations (platform_id);
create index idx_platform_cancellations_distribution on public.platform_cancellations (distribution_id);

comment on table public.platform_cancellations is
  'Posts handed to a platform ahead of time that must be removed there (the distribution was cancelled, moved or '
  'deleted). Worked through by the publisher with retries; failed after 5 attempts with the platform''s message.';

create trigger platform_cancellations_updated_at before update on public.platform_cancellations
  for each row execute function private.set_updated_at();

alter table public.platform_cancellations enable row level security;
create policy platform_cancellations_select on public.platform_cancellations for select to authenticated
  using (client_id = any (array(select private.member_client_ids())));
revoke all on public.platform_cancellations from public, anon, authenticated;
grant select on public.platform_cancellations to authenticated;
grant all on public.platform_cancellations to service_role;

-- A handed-off post whose distribution is cancelled or moved is withdrawn from the platform; a moved one is
-- handed over again at its new time. BEFORE UPDATE, so the row forgets the withdrawn post in the same write.
create or replace function private.withdraw_native_handoff()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' then
    -- Not when the whole client is being deleted (its platforms and credentials go with it).
    if exists (select 1 from public.platforms p where p.id = old.platform_id) then
      insert into public.platform_cancellations (client_id, platform_id, external_id, reason)
      values (old.client_id, old.platform_id, old.external_id, 'deleted');
    end if;
    return old;
  end if;
  insert into public.platform_cancellations (client_id, platform_id, distribution_id, external_id, reason)
  values (new.client_id, new.platform_id, new.id, old.external_id,
          case when new.status = 'cancelled' then 'cancelled' else 'rescheduled' end);
  new.native_state := null;
  new.native_attempt_id := null;
  new.external_id := null;
  new.external_url := null;
  return new;
end
$$;

revoke execute on function private.withdraw_native_handoff() from public, anon, authenticated;

create trigger distributions_withdraw_native_handoff
  before update on public.distributions
  for each row
  when (old.native_state = 'handed_off' and old.external_id is not null
        and (new.status = 'cancelled' or new.scheduled_for is distinct from old.scheduled_for
             or new.status = 'draft'))
  execute function private.withdraw_native_handoff();

create trigger distributions_withdraw_native_handoff_on_delete
  after delete on public.distributions
  for each row
  when (old.native_state = 'handed_off' and old.external_id is not null and old.status = 'scheduled')
  execute function private.withdraw_native_handoff();

create or replace function private.claim_platform_cancellations(p_limit integer, p_lease_seconds integer default 120)
returns table (id uuid, platform_id uuid, external_id text, attempts integer)
language sql
volatile
security definer
set search_path = ''
as $$
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
  returning c.id, c.platform_id, c.external_id, c.attempts
$$;

-- [{id, ok, message?}]: done, or retried with backoff (60 s doubling) until 5 attempts, then failed.
create or replace function private.record_platform_cancellations(p_results jsonb)
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  update public.platform_cancellations c set
    status = case when r.ok then 'done' when c.attempts >= 5 then 'failed' else 'pending' end,
    done_at = case when r.ok then now() end,
    last_error = case when r.ok then null else r.message end,
    lease_expires_at = null,
    next_attempt_at = case when r.ok then c.next_attempt_at
                           else now() + make_interval(secs => 60 * power(2, c.attempts - 1)) end
  from jsonb_to_recordset(p_results) as r(id uuid, ok boolean, message text)
  where c.id = r.id and c.status = 'working'
$$;

revoke execute on function private.claim_native_handoffs(integer, integer),
  private.claim_platform_cancellations(integer, integer), private.record_platform_cancellations(jsonb)
  from public, anon, authenticated;
grant execute on function private.claim_native_handoffs(integer, integer),
  private.claim_platform_cancellations(integer, integer), private.record_platform_cancellations(jsonb)
  to service_role;
