-- How the database calls its edge functions: net.http_post to <project_url>/functions/v1/<name> with the
-- service-role key, both read from Vault (Supabase's documented pattern for pg_cron -> Edge Functions).
-- pg_net only wakes a function: every durable fact lives in tables, so a lost request delays work until the
-- next cron tick and loses nothing.

create or replace function private.invoke_edge_function(
  p_name text,
  p_body jsonb default '{}'::jsonb,
  p_timeout_ms integer default 5000,
  p_strict boolean default false
) returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
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

comment on function private.invoke_edge_function(text, jsonb, integer, boolean) is
  'Calls an edge function with the service-role key through pg_net (URL and key from Vault: project_url, '
  'service_role_key). Returns the pg_net request id.';

revoke execute on function private.invoke_edge_function(text, jsonb, integer, boolean) from public, anon, authenticated;
grant execute on function private.invoke_edge_function(text, jsonb, integer, boolean) to service_role;
