-- Content generation -> distribution without anyone calling an API. A generated_content row that becomes
-- ready_for_distribution (inserted so, or updated to it) gets a durable distribution_requests row in the same
-- transaction, and the processor edge function is woken through pg_net. pg_net only wakes: a cron sweep wakes it
-- every minute while requests wait, so a lost wake-up only delays. The processor claims requests, schedules the
-- content with public.schedule_content (as service_role), and records the per-platform outcome.

create table public.distribution_requests (
  id uuid primary key default gen_random_uuid(),
  client_id uuid not null references public.clients (id) on delete cascade,
  content_id uuid not null,
  requested_at timestamptz not null default now(),
  status text not null default 'pending'
    constraint distribution_requests_status_check check (status in ('pending', 'processing', 'done', 'failed')),
  attempts integer not null default 0 check (attempts >= 0),
  claimed_at timestamptz,
  result jsonb,
  error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint distribution_requests_content_fkey foreign key (content_id, client_id)
    references public.generated_content (id, client_id) on delete cascade
);

create index idx_distribution_requests_client on public.distribution_requests (client_id);
create index idx_distribution_requests_content on public.distribution_requests (content_id);
create index idx_distribution_requests_open on public.distribution_requests (requested_at)
  where status in ('pending', 'processing');

comment on table public.distribution_requests is
  'Durable requests to distribute a generated_content row that became ready_for_distribution; processed by the '
  'process-distribution-requests edge function. The outcome per platform is kept in result.';
comment on column public.distribution_requests.status is
  'pending (waiting) -> processing (claimed; reclaimed after 5 minutes) -> done | failed.';
comment on column public.distribution_requests.attempts is 'Times the request has been claimed; given up after 5.';
comment on column public.distribution_requests.claimed_at is 'When the current claim was taken (status processing).';
comment on column public.distribution_requests.result is 'The schedule_content output: per-platform distributions or errors.';
comment on column public.distribution_requests.error is 'Why the request failed as a whole.';

create trigger set_updated_at before update on public.distribution_requests
  for each row execute function private.set_updated_at();

alter table public.distribution_requests enable row level security;
create policy distribution_requests_select on public.distribution_requests for select to authenticated
  using (client_id = any (array(select private.member_client_ids())));
revoke all on public.distribution_requests from public, anon, authenticated;
grant select on public.distribution_requests to authenticated;
grant all on public.distribution_requests to service_role;

-- SECURITY DEFINER: the writer (an editor in Studio, the generation engine) may not insert requests itself, and
-- only the service role may call private.invoke_edge_function.
create or replace function private.request_distribution()
returns trigger
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  -- One open request per content row is enough.
  select r.id into v_id from public.distribution_requests r
  where r.content_id = new.id and r.status in ('pending', 'processing');
  if v_id is null then
    insert into public.distribution_requests (client_id, content_id) values (new.client_id, new.id)
    returning id into v_id;
  end if;
  perform private.invoke_edge_function('process-distribution-requests', jsonb_build_object('request_id', v_id));
  return null;
end
$$;

comment on function private.request_distribution() is
  'A generated_content row became ready_for_distribution: record a distribution request and wake the processor.';

create trigger generated_content_ready_insert
  after insert on public.generated_content
  for each row
  when (new.status = 'ready_for_distribution')
  execute function private.request_distribution();

create trigger generated_content_ready_update
  after update of status on public.generated_content
  for each row
  when (new.status = 'ready_for_distribution' and old.status is distinct from new.status)
  execute function private.request_distribution();

-- Claim up to p_limit requests: pending ones, and ones stuck in processing for more than 5 minutes (a processor
-- died). A request claimed 5 times already fails instead. The content moves to distributing.
create or replace function private.claim_distribution_requests(p_limit integer)
returns setof public.distribution_requests
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  with given_up as (
    update public.distribution_requests r
       set status = 'failed', error = format('gave up after %s attempts', r.attempts), claimed_at = null
     where r.status = 'processing' and r.claimed_at < now() - interval '5 minutes' and r.attempts >= 5
    returning r.content_id
  )
  update public.generated_content g set status = 'failed'
  from given_up where g.id = given_up.content_id and g.status in ('ready_for_distribution', 'distributing');

  return query
  with picked as (
    select r.id from public.distribution_requests r
    where r.status = 'pending'
       or (r.status = 'processing' and r.claimed_at < now() - interval '5 minutes' and r.attempts < 5)
    order by r.requested_at, r.id
    limit p_limit
    for update skip locked
  ), claimed as (
    update public.distribution_requests r
       set status = 'processing', attempts = r.attempts + 1, claimed_at = now()
      from picked where r.id = picked.id
    returning r.*
  ), content as (
    update public.generated_content g set status = 'distributing'
      from claimed c where g.id = c.content_id and g.status = 'ready_for_distribution'
  )
  select * from claimed;
end
$$;

comment on function private.claim_distribution_requests(integer) is
  'Claims pending (and stale processing) distribution requests for the processor: status processing, attempts + 1.';

-- Record a request's outcome. done -> content distributed; failed -> content failed; pending -> released for a
-- later attempt (content unchanged). The content status only moves if nobody changed it meanwhile.
create or replace function private.finish_distribution_request(p_id uuid, p_status text, p_result jsonb,
                                                               p_error text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_content_id uuid;
begin
  if p_status not in ('done', 'failed', 'pending') then
    raise exception 'finish_distribution_request: status must be done, failed or pending, not %', p_status
      using errcode = '22023';
  end if;
  update public.distribution_requests
     set status = p_status, result = coalesce(p_result, result), error = p_error,
         claimed_at = case when p_status = 'pending' then null else claimed_at end
   where id = p_id
  returning content_id into v_content_id;
  if not found then
    raise exception 'distribution request % not found', p_id using errcode = 'P0002';
  end if;
  if p_status <> 'pending' then
    update public.generated_content
       set status = case p_status when 'done' then 'distributed' else 'failed' end
     where id = v_content_id and status in ('ready_for_distribution', 'distributing');
  end if;
end
$$;

comment on function private.finish_distribution_request(uuid, text, jsonb, text) is
  'Records a distribution request''s outcome (done | failed | pending to retry later) and moves the content''s status.';

revoke execute on function private.request_distribution(), private.claim_distribution_requests(integer),
  private.finish_distribution_request(uuid, text, jsonb, text) from public, anon, authenticated;
grant execute on function private.claim_distribution_requests(integer),
  private.finish_distribution_request(uuid, text, jsonb, text) to service_role;

-- The sweep: wake the processor every minute while requests wait (strict: a missing Vault secret shows in
-- cron.job_run_details).
select cron.schedule(
  'sweep-distribution-requests',
  '* * * * *',
  $$select private.invoke_edge_function('process-distribution-requests', '{}'::jsonb, 30000, true)
    where exists (select 1 from public.distribution_requests
                  where status = 'pending' or (status = 'processing' and claimed_at < now() - interval '5 minutes'))$$
);
