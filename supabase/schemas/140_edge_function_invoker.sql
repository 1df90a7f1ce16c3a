-- Calls an edge function from the database (pg_net), with the project URL and service-role key from Vault.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.invoke_edge_function(p_name text, p_body jsonb DEFAULT '{}'::jsonb, p_timeout_ms integer DEFAULT 5000, p_strict boolean DEFAULT false) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_url text;
  v_key text;
begin
  select decrypted_secret into v_url from vault.decrypted_secrets where name = 'project_url';
  select decrypted_secret into v_key from vault.decrypted_secrets where name = 'service_role_key';
  if v_url is null or v_key is null then
    -- Strict callers (cron jobs) fail loudly in cron.job_run_details; triggers only warn, so a missing
    -- secret never aborts the user's transaction (the cron sweep picks the work up once it is set).
    if p_strict then
      raise exception 'Vault secrets project_url and service_role_key are not set; see README "Deploying"';
    end if;
    raise warning 'Vault secrets project_url and service_role_key are not set; % not woken', p_name;
    return null;
  end if;
  return net.http_post(
    url := rtrim(v_url, '/') || '/functions/v1/' || p_name,
    body := p_body,
    headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || v_key),
    timeout_milliseconds := p_timeout_ms
  );
end
$$;

COMMENT ON FUNCTION private.invoke_edge_function(p_name text, p_body jsonb, p_timeout_ms integer, p_strict boolean) IS 'Calls an edge function with the service-role key through pg_net (URL and key from Vault: project_url, service_role_key). Returns the pg_net request id.';

REVOKE ALL ON FUNCTION private.invoke_edge_function(p_name text, p_body jsonb, p_timeout_ms integer, p_strict boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION private.invoke_edge_function(p_name text, p_body jsonb, p_timeout_ms integer, p_strict boolean) TO service_role;
