-- Outbound webhooks: a client registers URLs to be told when its distributions are published, fail, or become
-- unconfirmed. Deliveries are rows (the durable queue), written by a trigger in the same transaction as the
-- status change; the deliver-webhooks function sends them (woken after each change and by a cron sweep),
-- signs each body with HMAC-SHA256 under the endpoint's secret, and retries with backoff.

create table public.webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  client_id uuid not null references public.clients (id) on delete cascade,
  url text not null check (url ~ '^https?://'),
  events text[] not null default array['distribution.published', 'distribution.failed', 'distribution.unconfirmed']
    constraint webhook_endpoints_events_check
    check (events <@ array['distribution.published', 'distribution.failed', 'distribution.unconfirmed']
           and cardinality(events) > 0),
  secret text not null default encode(extensions.gen_random_bytes(32), 'hex') check (length(secret) >= 32),
  is_active boolean not null default true,
  description text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint webhook_endpoints_id_client_key unique (id, client_id)
);

create index idx_webhook_endpoints_client on public.webhook_endpoints (client_id) where is_active;

comment on table public.webhook_endpoints is
  'URLs a client wants told about its distributions (published, failed, unconfirmed).';
comment on column public.webhook_endpoints.secret is
  'Signing secret: each delivery carries X-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of '
  '"<t>.<body>" under this secret>. Generated on insert; visible to the client''s owners and editors only.';

create table public.webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  client_id uuid not null references public.clients (id) on delete cascade,
  endpoint_id uuid not null,
  distribution_id uuid,
  event text not null,
  payload jsonb not null,
  status text not null default 'pending'
    constraint webhook_deliveries_status_check check (status in ('pending', 'delivering', 'delivered', 'failed')),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null default now(),
  lease_expires_at timestamptz,
  last_status_code integer,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint webhook_deliveries_endpoint_fkey foreign key (endpoint_id, client_id)
    references public.webhook_endpoints (id, client_id) on delete cascade,
  constraint webhook_deliveries_distribution_fkey foreign key (distribution_id, client_id)
    references public.distributions (id, client_id) on delete set null (distribution_id)
);

create index idx_webhook_deliveries_due on public.webhook_deliveries (next_attempt_at) where status = 'pending';
create index idx_webhook_deliveries_leases on public.webhook_deliveries (lease_expires_at) where status = 'delivering';
create index idx_webhook_deliveries_client on public.webhook_deliveries (client_id);
create index idx_webhook_deliveries_endpoint on public.webhook_deliveries (endpoint_id);
create index idx_webhook_deliveries_distribution on public.webhook_deliveries (distribution_id);

comment on table public.webhook_deliveries is
  'One notification to one endpoint, and its delivery record: attempts, last HTTP status, error, delivered_at.';

create trigger webhook_endpoints_updated_at before update on public.webhook_endpoints
  for each row execute function private.set_updated_at();
create trigger webhook_deliveries_updated_at before update on public.webhook_deliveries
  for each row execute function private.set_updated_at();

alter table public.webhook_endpoints enable row level security;
alter table public.webhook_deliveries enable row level security;

create policy webhook_endpoints_select on public.webhook_endpoints for select to authenticated
  using (client_id = any (array(select private.member_client_ids(array['owner', 'editor']))));
create policy webhook_endpoints_insert on public.webhook_endpoints for insert to authenticated
  with check (client_id = any (array(select private.member_client_ids(array['owner', 'editor']))));
create policy webhook_endpoints_update on public.webhook_endpoints for update to authenticated
  using (client_id = any (array(select private.member_client_ids(array['owner', 'editor']))))
  with check (client_id = any (array(select private.member_client_ids(array['owner', 'editor']))));
create policy webhook_endpoints_delete on public.webhook_endpoints for delete to authenticated
  using (client_id = any (array(select private.member_client_ids(array['owner', 'editor']))));
create policy webhook_deliveries_select on public.webhook_deliveries for select to authenticated
  using (client_id = any (array(select private.member_client_ids())));

revoke all on public.webhook_endpoints, public.webhook_deliveries from public, anon, authenticated;
grant select, insert, update, delete on public.webhook_endpoints to authenticated;
grant select on public.webhook_deliveries to authenticated;
grant all on public.webhook_endpoints, public.webhook_deliveries to service_role;

-- Row-level with a WHEN clause, so only rows reaching a notified status cost anything; the deliver-webhooks
-- function is woken once per transaction (a transaction-local flag), however many rows it changes.
create or replace function private.enqueue_distribution_webhooks()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_event text := 'distribution.' || new.status;
begin
  insert into public.webhook_deliveries (client_id, endpoint_id, distribution_id, event, payload)
  select new.client_id, e.id, new.id, v_event,
         jsonb_build_object(
           'event', v_event,
           'occurred_at', now(),
           'distribution', jsonb_build_object(
             'id', new.id, 'platform_id', new.platform_id, 'status', new.status, 'title', new.title,
             'scheduled_for', new.scheduled_for, 'published_at', new.published_at,
             'external_id', new.external_id, 'external_url', new.external_url,
             'error_message', new.error_message, 'retry_count', new.retry_count,
             'cross_post_group_id', new.cross_post_group_id, 'content_id', new.content_id))
  from public.webhook_endpoints e
  where e.client_id = new.client_id and e.is_active and v_event = any (e.events);
  if found and current_setting('distribution.webhooks_woken', true) is distinct from 'yes' then
    perform set_config('distribution.webhooks_woken', 'yes', true);
    perform private.invoke_edge_function('deliver-webhooks', '{}'::jsonb, 30000, false);
  end if;
  return null;
end
$$;

create trigger distributions_webhooks
  after update of status on public.distributions
  for each row
  when (old.status is distinct from new.status and new.status in ('published', 'failed', 'unconfirmed'))
  execute function private.enqueue_distribution_webhooks();

-- Claim due deliveries (and expired leases) for sending.
create or replace function private.claim_webhook_deliveries(p_limit integer, p_lease_seconds integer default 60)
returns table (id uuid, url text, secret text, event text, payload jsonb, attempts integer)
language sql
volatile
security definer
set search_path = ''
as $$
  with due as (
    select d.id from public.webhook_deliveries d
    where (d.status = 'pending' and d.next_attempt_at <= now())
       or (d.status = 'delivering' and d.lease_expires_at <= now())
    order by d.next_attempt_at
    limit p_limit
    for update skip locked
  ), claimed as (
    update public.webhook_deliveries d
       set status = 'delivering', attempts = d.attempts + 1,
           lease_expires_at = now() + make_interval(secs => p_lease_seconds)
      from due where d.id = due.id
    returning d.id, d.endpoint_id, d.event, d.payload, d.attempts
  )
  select c.id, e.url, e.secret, c.event, c.payload, c.attempts
  from claimed c join public.webhook_endpoints e on e.id = c.endpoint_id
$$;

-- Record delivery results in one statement: [{id, ok, status_code?, error?}]. A failure is retried with
-- exponential backoff (30 s doubling, capped at 6 h) until p_max_attempts, then failed.
create or replace function private.record_webhook_deliveries(p_results jsonb, p_max_attempts integer default 8)
returns void
language sql
volatile
security definer
set search_path = ''
as $$
  update public.webhook_deliveries d set
    status = case when r.ok then 'delivered' when d.attempts >= p_max_attempts then 'failed' else 'pending' end,
    delivered_at = case when r.ok then now() else null end,
    last_status_code = r.status_code,
    last_error = case when r.ok then null else r.error end,
    lease_expires_at = null,
    next_attempt_at = case when r.ok then d.next_attempt_at
                           else now() + make_interval(secs => least(30 * power(2, d.attempts - 1), 21600)) end
  from jsonb_to_recordset(p_results) as r(id uuid, ok boolean, status_code integer, error text)
  where d.id = r.id and d.status = 'delivering'
$$;

revoke execute on function private.enqueue_distribution_webhooks(),
  private.claim_webhook_deliveries(integer, integer), private.record_webhook_deliveries(jsonb, integer)
  from public, anon, authenticated;
grant execute on function private.claim_webhook_deliveries(integer, integer),
  private.record_webhook_deliveries(jsonb, integer) to service_role;

select cron.schedule(
  'deliver-webhooks',
  '* * * * *',
  $$select private.invoke_edge_function('deliver-webhooks', '{}'::jsonb, 30000, true)$$
);
