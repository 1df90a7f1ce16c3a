-- Platform credential refresh: one refresher at a time per platform, and saving the new credentials.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.lock_platform_credentials(p_platform_id uuid) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_secret text;
begin
  perform pg_advisory_xact_lock(hashtextextended('platform-credentials:' || p_platform_id::text, 0));
  select s.decrypted_secret into v_secret
  from public.platforms p
  join private.platform_secrets b on b.secret_id = p.credentials_secret_id and b.platform_id = p.id
  join vault.decrypted_secrets s on s.id = b.secret_id
  where p.id = p_platform_id;
  if v_secret is null then
    raise exception 'platform % has no stored credentials', p_platform_id using errcode = 'P0002';
  end if;
  return v_secret;
end
$$;

COMMENT ON FUNCTION private.lock_platform_credentials(p_platform_id uuid) IS 'Takes the platform''s credential lock until the end of the transaction and returns its Vault secret as stored now (JSON text).';

REVOKE ALL ON FUNCTION private.lock_platform_credentials(p_platform_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION private.lock_platform_credentials(p_platform_id uuid) TO service_role;

CREATE FUNCTION private.save_platform_credentials(p_platform_id uuid, p_credentials jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_secret_id uuid;
begin
  if jsonb_typeof(p_credentials) is distinct from 'object' then
    raise exception 'credentials must be a JSON object' using errcode = '22023';
  end if;
  -- Re-entrant within the transaction: a no-op after lock_platform_credentials, a wait otherwise.
  perform pg_advisory_xact_lock(hashtextextended('platform-credentials:' || p_platform_id::text, 0));
  select b.secret_id into v_secret_id
  from public.platforms p
  join private.platform_secrets b on b.secret_id = p.credentials_secret_id and b.platform_id = p.id
  where p.id = p_platform_id;
  if v_secret_id is null then
    raise exception 'platform % has no stored credentials', p_platform_id using errcode = 'P0002';
  end if;
  perform vault.update_secret(v_secret_id, p_credentials::text);
end
$$;

COMMENT ON FUNCTION private.save_platform_credentials(p_platform_id uuid, p_credentials jsonb) IS 'Replaces the platform''s Vault secret (a refreshed access token, a rotated refresh token), under its credential lock.';

REVOKE ALL ON FUNCTION private.save_platform_credentials(p_platform_id uuid, p_credentials jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION private.save_platform_credentials(p_platform_id uuid, p_credentials jsonb) TO service_role;
