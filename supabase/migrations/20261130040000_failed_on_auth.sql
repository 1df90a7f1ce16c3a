-- One definition of "failed on the auth error" (failed, and its last attempt's outcome was auth), for what
-- reconnect_platform reports and what retry_failed_on_auth retries: each spelled the query out, and the reconnection
-- endpoint relied on the two agreeing. Both functions are otherwise as in 20261130020000_platform_reconnection.sql
-- and 20261130030000_retry_failed_on_auth.sql (applied migrations are not edited).

-- SECURITY INVOKER and in schema scheduling, which signed-in users may use: row-level security decides the rows.
create function scheduling.failed_on_auth(p_platform_id uuid)
returns setof uuid
language sql
stable
set search_path = ''
as $$
  select d.id
  from public.distributions d
  where d.platform_id = p_platform_id and d.status = 'failed'
    and (select a.outcome from public.distribution_attempts a
         where a.distribution_id = d.id order by a.finished_at desc limit 1) = 'auth'
  order by d.scheduled_for
$$;

comment on function scheduling.failed_on_auth(uuid) is
  'The platform''s failed rows whose last attempt failed on an auth error (a retry can send them: nothing was posted).';

revoke execute on function scheduling.failed_on_auth(uuid) from public, anon;
grant execute on function scheduling.failed_on_auth(uuid) to authenticated, service_role;

create or replace function public.reconnect_platform(p_platform_id uuid, p_credentials jsonb)
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
    'failed_on_auth', coalesce((select jsonb_agg(f.id order by f.n)
                                from scheduling.failed_on_auth(p_platform_id) with ordinality as f(id, n)),
                               '[]'::jsonb));
end
$$;

create or replace function public.retry_failed_on_auth(p_platform_id uuid)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
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
