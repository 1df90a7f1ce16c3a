-- OAuth 2.0 access tokens expire (Google's after an hour, TikTok's within a day) and TikTok and X rotate
-- refresh tokens: a refresh returns a new refresh token and the one sent stops working. Publish runs in several
-- processes may find the same platform's token expired at once; refreshing unserialised, the second would send
-- the refresh token the first just retired, be refused, and flag the platform for reconnection.
-- So a worker refreshes while holding the platform's credential lock (a transaction-scoped advisory lock:
-- publishing's row locks on platforms are not held up by it). Under the lock it reads the secret as stored
-- now: when another worker has refreshed meanwhile, its token is used and nothing is asked of the platform;
-- otherwise the refresh is sent with the latest refresh token and its answer stored before the lock is freed.

create function private.lock_platform_credentials(p_platform_id uuid)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_secret text;
begin
  perform pg_advisory_xact_lock(hashtextextended('platform-credentials:' || p_platform_id::text, 0));
  select s.decrypted_secret into v_secret
  from public.platforms p
  join vault.decrypted_secrets s on s.id = p.credentials_secret_id
  where p.id = p_platform_id;
  if v_secret is null then
    raise exception 'platform % has no stored credentials', p_platform_id using errcode = 'P0002';
  end if;
  return v_secret;
end
$$;

comment on function private.lock_platform_credentials(uuid) is
  'Takes the platform''s credential lock until the end of the transaction and returns its Vault secret as '
  'stored now (JSON text).';

create function private.save_platform_credentials(p_platform_id uuid, p_credentials jsonb)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_secret_id uuid;
begin
  if jsonb_typeof(p_credentials) is distinct from 'object' then
    raise exception 'credentials must be a JSON object' using errcode = '22023';
  end if;
  -- Re-entrant within the transaction: a no-op after lock_platform_credentials, a wait otherwise.
  perform pg_advisory_xact_lock(hashtextextended('platform-credentials:' || p_platform_id::text, 0));
  select p.credentials_secret_id into v_secret_id from public.platforms p where p.id = p_platform_id;
  if v_secret_id is null then
    raise exception 'platform % has no stored credentials', p_platform_id using errcode = 'P0002';
  end if;
  perform vault.update_secret(v_secret_id, p_credentials::text);
end
$$;

comment on function private.save_platform_credentials(uuid, jsonb) is
  'Replaces the platform''s Vault secret (a refreshed access token, a rotated refresh token), under its '
  'credential lock.';

revoke execute on function private.lock_platform_credentials(uuid),
  private.save_platform_credentials(uuid, jsonb) from public, anon, authenticated;
grant execute on function private.lock_platform_credentials(uuid),
  private.save_platform_credentials(uuid, jsonb) to service_role;
