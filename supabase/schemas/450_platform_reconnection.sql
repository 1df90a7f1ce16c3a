-- Platform reconnection: which distributions failed on the auth error, reconnecting a platform and retrying them.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION scheduling.failed_on_auth(p_platform_id uuid) RETURNS SETOF uuid
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select d.id
  from public.distributions d
  where d.platform_id = p_platform_id and d.status = 'failed'
    and (select a.outcome from public.distribution_attempts a
         where a.distribution_id = d.id order by a.finished_at desc limit 1) = 'auth'
  order by d.scheduled_for
$$;

COMMENT ON FUNCTION scheduling.failed_on_auth(p_platform_id uuid) IS 'The platform''s failed rows whose last attempt failed on an auth error (a retry can send them: nothing was posted).';

REVOKE ALL ON FUNCTION scheduling.failed_on_auth(p_platform_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.failed_on_auth(p_platform_id uuid) TO authenticated;
GRANT ALL ON FUNCTION scheduling.failed_on_auth(p_platform_id uuid) TO service_role;

set check_function_bodies = false;

CREATE FUNCTION public.reconnect_platform(p_platform_id uuid, p_credentials jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_platform public.platforms;
  v_secret_id uuid;
  v_name text := 'platform-credentials-' || p_platform_id::text;
begin
  select * into v_platform from public.platforms p where p.id = p_platform_id for update;
  -- A signed-in user reaches only their own clients' platforms, and must own the client to reconnect one.
  if auth.role() = 'authenticated' or current_setting('role', true) = 'authenticated' then
    if not found or not private.is_client_member(v_platform.client_id) then
      raise exception 'platform % not found', p_platform_id using errcode = 'P0002';
    end if;
    if not private.has_client_role(v_platform.client_id, array['owner']) then
      raise exception 'permission denied: only owners can reconnect platform %', p_platform_id
        using errcode = '42501';
    end if;
  elsif not found then
    raise exception 'platform % not found', p_platform_id using errcode = 'P0002';
  end if;
  if jsonb_typeof(p_credentials) is distinct from 'object' or p_credentials = '{}'::jsonb then
    raise exception 'credentials must be a non-empty JSON object' using errcode = '22023';
  end if;

  v_secret_id := v_platform.credentials_secret_id;
  -- Another platform's secret (data from before the binding) is not this platform's to overwrite: it gets its own.
  if v_secret_id is not null and not exists (select 1 from private.platform_secrets b
                                             where b.secret_id = v_secret_id and b.platform_id = p_platform_id) then
    v_secret_id := null;
  end if;
  if v_secret_id is null then
    select s.id into v_secret_id from vault.secrets s where s.name = v_name;
    if v_secret_id is null then
      v_secret_id := vault.create_secret('{}', v_name,
                                         format('credentials of platform %s (%s)', v_platform.name, v_platform.kind));
    end if;
  end if;
  update public.platforms
     set credentials_secret_id = v_secret_id, needs_reconnection = false, reconnection_reason = null
   where id = p_platform_id;
  -- Under the credential lock, so a worker renewing the old token does not write it back over these.
  perform private.save_platform_credentials(p_platform_id, p_credentials);

  return jsonb_build_object(
    'platform_id', p_platform_id,
    'needs_reconnection', false,
    'waiting', (select count(*) from public.distributions d
                where d.platform_id = p_platform_id and d.status = 'scheduled'),
    'failed_on_auth', coalesce((select jsonb_agg(f.id order by f.n)
                                from scheduling.failed_on_auth(p_platform_id) with ordinality as f(id, n)),
                               '[]'::jsonb));
end
$$;

COMMENT ON FUNCTION public.reconnect_platform(p_platform_id uuid, p_credentials jsonb) IS 'Replaces a platform''s credentials (Vault) and clears its reconnection flag; owners of its client or the service role. Returns how many rows wait and the ids of the rows that failed on the auth error.';

REVOKE ALL ON FUNCTION public.reconnect_platform(p_platform_id uuid, p_credentials jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.reconnect_platform(p_platform_id uuid, p_credentials jsonb) TO authenticated;
GRANT ALL ON FUNCTION public.reconnect_platform(p_platform_id uuid, p_credentials jsonb) TO service_role;

set check_function_bodies = false;

CREATE FUNCTION public.retry_failed_on_auth(p_platform_id uuid) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_id uuid;
  v_retried jsonb := '[]'::jsonb;
begin
  for v_id in
    select f.id from scheduling.failed_on_auth(p_platform_id) with ordinality as f(id, n) order by f.n
  loop
    v_retried := v_retried || (public.retry_distribution(v_id) -> 'distribution');
  end loop;
  return v_retried;
end
$$;

COMMENT ON FUNCTION public.retry_failed_on_auth(p_platform_id uuid) IS 'Retries the platform''s rows that failed on an auth error (after it was reconnected); returns them.';

REVOKE ALL ON FUNCTION public.retry_failed_on_auth(p_platform_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.retry_failed_on_auth(p_platform_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.retry_failed_on_auth(p_platform_id uuid) TO service_role;
