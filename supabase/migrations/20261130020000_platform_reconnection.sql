-- A platform flagged for reconnection (an auth failure: a revoked token, credentials that no longer work) keeps
-- its rows waiting until a person gives it new credentials. public.reconnect_platform does that in one step, for
-- an owner of the platform's client or the service role: the credentials replace the platform's Vault secret (one
-- is created when it has none), the flag and its reason are cleared, and the waiting rows go out with the next
-- run. It answers with the rows that failed on the auth error itself, for the caller to retry. Credentials are
-- write-only: nothing returns them.

create function public.reconnect_platform(p_platform_id uuid, p_credentials jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
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
    -- failed on an auth error (their last attempt's outcome): they need a retry
    'failed_on_auth', coalesce((
      select jsonb_agg(d.id order by d.scheduled_for)
      from public.distributions d
      where d.platform_id = p_platform_id and d.status = 'failed'
        and (select a.outcome from public.distribution_attempts a
             where a.distribution_id = d.id order by a.finished_at desc limit 1) = 'auth'), '[]'::jsonb));
end
$$;

comment on function public.reconnect_platform(uuid, jsonb) is
  'Replaces a platform''s credentials (Vault) and clears its reconnection flag; owners of its client or the '
  'service role. Returns how many rows wait and the ids of the rows that failed on the auth error.';

revoke execute on function public.reconnect_platform(uuid, jsonb) from public, anon;
grant execute on function public.reconnect_platform(uuid, jsonb) to authenticated, service_role;
