-- Webhook endpoint secrets: shown once, when the endpoint is created or its secret rotated.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION public.create_webhook_endpoint(p_client_id uuid, p_url text, p_events text[] DEFAULT NULL::text[], p_description text DEFAULT NULL::text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

COMMENT ON FUNCTION public.create_webhook_endpoint(p_client_id uuid, p_url text, p_events text[], p_description text) IS 'Creates an outbound webhook endpoint (owners and editors of the client, or the service role) and returns it with its signing secret: the only time the secret is shown.';

REVOKE ALL ON FUNCTION public.create_webhook_endpoint(p_client_id uuid, p_url text, p_events text[], p_description text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.create_webhook_endpoint(p_client_id uuid, p_url text, p_events text[], p_description text) TO authenticated;
GRANT ALL ON FUNCTION public.create_webhook_endpoint(p_client_id uuid, p_url text, p_events text[], p_description text) TO service_role;

CREATE FUNCTION public.rotate_webhook_secret(p_endpoint_id uuid) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
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

COMMENT ON FUNCTION public.rotate_webhook_secret(p_endpoint_id uuid) IS 'Replaces a webhook endpoint''s signing secret and returns the new one, once (owners of its client or the service role). Deliveries claimed from then on are signed with it.';

REVOKE ALL ON FUNCTION public.rotate_webhook_secret(p_endpoint_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.rotate_webhook_secret(p_endpoint_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.rotate_webhook_secret(p_endpoint_id uuid) TO service_role;
