-- Outbound webhook signing secrets are shown once. Whoever holds an endpoint's secret can forge deliveries to the
-- client's receiver, so after creation no member reads it: column privileges leave webhook_endpoints.secret out of
-- what signed-in users may select, insert or update. The secret is handed out exactly twice over an endpoint's
-- life cycle, each time once:
--   public.create_webhook_endpoint(...)   owners and editors: creates the endpoint and returns its secret
--   public.rotate_webhook_secret(id)      owners only: replaces the secret and returns the new one
-- An endpoint inserted straight into the table gets a secret nobody has seen; an owner rotates it to learn one.
-- The deliver-webhooks worker reads the secret through private.claim_webhook_deliveries (security definer), so
-- deliveries claimed after a rotation are signed with the new secret.
-- Members select the endpoint's other columns by name (`select *` needs the secret column and is refused).

revoke select, insert, update on public.webhook_endpoints from authenticated;
grant select (id, client_id, url, events, is_active, description, created_at, updated_at)
  on public.webhook_endpoints to authenticated;
grant insert (id, client_id, url, events, is_active, description) on public.webhook_endpoints to authenticated;
grant update (url, events, is_active, description) on public.webhook_endpoints to authenticated;

comment on column public.webhook_endpoints.secret is
  'Signing secret: each delivery carries X-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of '
  '"<t>.<body>" under this secret>. Generated on insert; shown once by public.create_webhook_endpoint and by '
  'public.rotate_webhook_secret (owners); no signed-in user can select it.';

create function public.create_webhook_endpoint(
  p_client_id uuid,
  p_url text,
  p_events text[] default null,
  p_description text default null
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_row public.webhook_endpoints;
begin
  if auth.role() = 'authenticated' or current_setting('role', true) = 'authenticated' then
    if not private.is_client_member(p_client_id) then
      raise exception 'client % not found', p_client_id using errcode = 'P0002';
    end if;
    if not private.has_client_role(p_client_id, array['owner', 'editor']) then
      raise exception 'permission denied: only owners and editors of client % create webhook endpoints', p_client_id
        using errcode = '42501';
    end if;
  elsif not exists (select 1 from public.clients c where c.id = p_client_id) then
    raise exception 'client % not found', p_client_id using errcode = 'P0002';
  end if;
  insert into public.webhook_endpoints (client_id, url, events, description)
  values (p_client_id, p_url,
          coalesce(p_events, array['distribution.published', 'distribution.failed', 'distribution.unconfirmed']),
          p_description)
  returning * into v_row;
  return jsonb_build_object(
    'id', v_row.id, 'client_id', v_row.client_id, 'url', v_row.url, 'events', to_jsonb(v_row.events),
    'is_active', v_row.is_active, 'description', v_row.description, 'created_at', v_row.created_at,
    'secret', v_row.secret);
end
$$;

comment on function public.create_webhook_endpoint(uuid, text, text[], text) is
  'Creates an outbound webhook endpoint (owners and editors of the client, or the service role) and returns it '
  'with its signing secret: the only time the secret is shown.';

create function public.rotate_webhook_secret(p_endpoint_id uuid)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_client_id uuid;
  v_secret text := encode(extensions.gen_random_bytes(32), 'hex');
begin
  select e.client_id into v_client_id from public.webhook_endpoints e where e.id = p_endpoint_id for update;
  if auth.role() = 'authenticated' or current_setting('role', true) = 'authenticated' then
    if v_client_id is null or not private.is_client_member(v_client_id) then
      raise exception 'webhook endpoint % not found', p_endpoint_id using errcode = 'P0002';
    end if;
    if not private.has_client_role(v_client_id, array['owner']) then
      raise exception 'permission denied: only owners can rotate the signing secret of webhook endpoint %',
                      p_endpoint_id
        using errcode = '42501';
    end if;
  elsif v_client_id is null then
    raise exception 'webhook endpoint % not found', p_endpoint_id using errcode = 'P0002';
  end if;
  update public.webhook_endpoints set secret = v_secret where id = p_endpoint_id;
  return v_secret;
end
$$;

comment on function public.rotate_webhook_secret(uuid) is
  'Replaces a webhook endpoint''s signing secret and returns the new one, once (owners of its client or the '
  'service role). Deliveries claimed from then on are signed with it.';

revoke execute on function public.create_webhook_endpoint(uuid, text, text[], text),
  public.rotate_webhook_secret(uuid) from public, anon;
grant execute on function public.create_webhook_endpoint(uuid, text, text[], text),
  public.rotate_webhook_secret(uuid) to authenticated, service_role;
