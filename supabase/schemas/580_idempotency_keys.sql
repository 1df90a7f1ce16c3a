-- Idempotency keys: a repeated request with the same Idempotency-Key gets the first answer.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE public.idempotency_keys (
    user_id uuid NOT NULL,
    endpoint text NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    status integer,
    response_body text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    completed_at timestamp with time zone,
    CONSTRAINT idempotency_keys_endpoint_check CHECK ((endpoint = ANY (ARRAY['schedule'::text, 'conversions'::text]))),
    CONSTRAINT idempotency_keys_key_check CHECK ((key ~ '^[\x20-\x7e]{1,255}$'::text)),
    CONSTRAINT idempotency_keys_request_hash_check CHECK ((request_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT idempotency_keys_status_check CHECK (((status >= 100) AND (status <= 599)))
);

COMMENT ON TABLE public.idempotency_keys IS 'Idempotency-Key headers of POST /schedule and POST /conversions: per user and endpoint, the request body hash and the first answer (status and exact body), replayed for 24 hours after created_at and pruned after that.';

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (user_id, endpoint, key);

CREATE INDEX idx_idempotency_keys_created_at ON public.idempotency_keys USING btree (created_at);

ALTER TABLE public.idempotency_keys ENABLE ROW LEVEL SECURITY;

CREATE POLICY idempotency_keys_select ON public.idempotency_keys FOR SELECT TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));

GRANT SELECT ON TABLE public.idempotency_keys TO authenticated;
GRANT ALL ON TABLE public.idempotency_keys TO service_role;

CREATE FUNCTION private.claim_idempotency_key(p_user_id uuid, p_endpoint text, p_key text, p_request_hash text, p_wait interval DEFAULT '00:00:10'::interval) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_inserted boolean := false;
  v_row public.idempotency_keys;
  v_lock_timeout text := current_setting('lock_timeout');
begin
  if p_user_id is null then
    raise exception 'an idempotency key needs a user' using errcode = 'invalid_parameter_value';
  end if;
  delete from public.idempotency_keys k
   where k.user_id = p_user_id and k.endpoint = p_endpoint and k.key = p_key
     and k.created_at < now() - interval '24 hours';
  delete from public.idempotency_keys k
   where (k.user_id, k.endpoint, k.key) in (
     select o.user_id, o.endpoint, o.key from public.idempotency_keys o
      where o.created_at < now() - interval '24 hours'
      order by o.created_at
      limit 100
      for update skip locked);

  perform set_config('lock_timeout', (extract(epoch from p_wait) * 1000)::bigint::text, true);
  begin
    insert into public.idempotency_keys (user_id, endpoint, key, request_hash)
    values (p_user_id, p_endpoint, p_key, p_request_hash)
    on conflict (user_id, endpoint, key) do nothing;
    v_inserted := found;
  exception when lock_not_available then
    perform set_config('lock_timeout', v_lock_timeout, true);
    return jsonb_build_object('state', 'in_progress');
  end;
  perform set_config('lock_timeout', v_lock_timeout, true);
  if v_inserted then
    return jsonb_build_object('state', 'new');
  end if;

  select * into v_row from public.idempotency_keys k
   where k.user_id = p_user_id and k.endpoint = p_endpoint and k.key = p_key;
  if v_row.request_hash is distinct from p_request_hash then
    return jsonb_build_object('state', 'mismatch');
  end if;
  if v_row.status is null then
    return jsonb_build_object('state', 'in_progress');
  end if;
  return jsonb_build_object('state', 'replay', 'status', v_row.status, 'body', v_row.response_body);
end
$$;

COMMENT ON FUNCTION private.claim_idempotency_key(p_user_id uuid, p_endpoint text, p_key text, p_request_hash text, p_wait interval) IS 'Claims an Idempotency-Key for a user and endpoint in the caller''s transaction: new (run the request), replay (the first answer), mismatch (another body) or in_progress (still running after p_wait). Sweeps expired keys.';

REVOKE ALL ON FUNCTION private.claim_idempotency_key(p_user_id uuid, p_endpoint text, p_key text, p_request_hash text, p_wait interval) FROM PUBLIC;
GRANT ALL ON FUNCTION private.claim_idempotency_key(p_user_id uuid, p_endpoint text, p_key text, p_request_hash text, p_wait interval) TO service_role;

CREATE FUNCTION private.finish_idempotency_key(p_user_id uuid, p_endpoint text, p_key text, p_status integer, p_body text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  update public.idempotency_keys k
     set status = p_status, response_body = p_body, completed_at = now()
   where k.user_id = p_user_id and k.endpoint = p_endpoint and k.key = p_key and k.status is null;
$$;

COMMENT ON FUNCTION private.finish_idempotency_key(p_user_id uuid, p_endpoint text, p_key text, p_status integer, p_body text) IS 'Records the answer (status and exact body text) of the request that claimed an Idempotency-Key.';

REVOKE ALL ON FUNCTION private.finish_idempotency_key(p_user_id uuid, p_endpoint text, p_key text, p_status integer, p_body text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.finish_idempotency_key(p_user_id uuid, p_endpoint text, p_key text, p_status integer, p_body text) TO service_role;
