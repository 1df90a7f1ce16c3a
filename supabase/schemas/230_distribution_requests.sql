-- Distribution requests: content ready for distribution queues a request that the processor claims.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TYPE public.distribution_request_status AS ENUM (
    'pending',
    'processing',
    'done',
    'failed'
);

COMMENT ON TYPE public.distribution_request_status IS 'A distribution request: pending, processing (claimed by the processor), done, failed.';

CREATE TABLE public.distribution_requests (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    content_id uuid NOT NULL,
    requested_at timestamp with time zone DEFAULT now() NOT NULL,
    status public.distribution_request_status DEFAULT 'pending'::public.distribution_request_status NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    claimed_at timestamp with time zone,
    result jsonb,
    error text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT distribution_requests_attempts_check CHECK ((attempts >= 0))
);

COMMENT ON TABLE public.distribution_requests IS 'Durable requests to distribute a generated_content row that became ready_for_distribution; processed by the process-distribution-requests edge function. The outcome per platform is kept in result.';

COMMENT ON COLUMN public.distribution_requests.status IS 'pending (waiting) -> processing (claimed; reclaimed after 5 minutes) -> done | failed.';

COMMENT ON COLUMN public.distribution_requests.attempts IS 'Times the request has been claimed; given up after 5.';

COMMENT ON COLUMN public.distribution_requests.claimed_at IS 'When the current claim was taken (status processing).';

COMMENT ON COLUMN public.distribution_requests.result IS 'The schedule_content output: per-platform distributions or errors.';

COMMENT ON COLUMN public.distribution_requests.error IS 'Why the request failed as a whole.';

ALTER TABLE ONLY public.distribution_requests
    ADD CONSTRAINT distribution_requests_pkey PRIMARY KEY (id);

CREATE INDEX idx_distribution_requests_client ON public.distribution_requests USING btree (client_id);

CREATE INDEX idx_distribution_requests_content ON public.distribution_requests USING btree (content_id);

CREATE INDEX idx_distribution_requests_open ON public.distribution_requests USING btree (requested_at) WHERE (status IN ('pending', 'processing'));

CREATE INDEX idx_distribution_requests_finished ON public.distribution_requests USING btree (updated_at) WHERE (status IN ('done', 'failed'));

ALTER TABLE public.distribution_requests ENABLE ROW LEVEL SECURITY;

CREATE POLICY distribution_requests_select ON public.distribution_requests FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.distribution_requests TO authenticated;
GRANT ALL ON TABLE public.distribution_requests TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.distribution_requests FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.distribution_requests
    ADD CONSTRAINT distribution_requests_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.distribution_requests
    ADD CONSTRAINT distribution_requests_content_fkey FOREIGN KEY (content_id, client_id) REFERENCES public.generated_content(id, client_id) ON DELETE CASCADE;

CREATE FUNCTION private.claim_distribution_requests(p_limit integer) RETURNS SETOF public.distribution_requests
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  with given_up as (
    update public.distribution_requests r
       set status = 'failed', error = format('gave up after %s attempts', r.attempts), claimed_at = null
     where r.status = 'processing' and r.claimed_at < now() - interval '5 minutes' and r.attempts >= 5
    returning r.content_id
  )
  update public.generated_content g set status = 'failed'
  from given_up where g.id = given_up.content_id and g.status in ('ready_for_distribution', 'distributing');

  return query
  with picked as (
    select r.id from public.distribution_requests r
    where r.status = 'pending'
       or (r.status = 'processing' and r.claimed_at < now() - interval '5 minutes' and r.attempts < 5)
    order by r.requested_at, r.id
    limit p_limit
    for update skip locked
  ), claimed as (
    update public.distribution_requests r
       set status = 'processing', attempts = r.attempts + 1, claimed_at = now()
      from picked where r.id = picked.id
    returning r.*
  ), content as (
    update public.generated_content g set status = 'distributing'
      from claimed c where g.id = c.content_id and g.status = 'ready_for_distribution'
  )
  select * from claimed;
end
$$;

COMMENT ON FUNCTION private.claim_distribution_requests(p_limit integer) IS 'Claims pending (and stale processing) distribution requests for the processor: status processing, attempts + 1.';

REVOKE ALL ON FUNCTION private.claim_distribution_requests(p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.claim_distribution_requests(p_limit integer) TO service_role;

CREATE FUNCTION private.finish_distribution_request(p_id uuid, p_status text, p_result jsonb, p_error text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_content_id uuid;
begin
  if p_status not in ('done', 'failed', 'pending') then
    raise exception 'finish_distribution_request: status must be done, failed or pending, not %', p_status
      using errcode = '22023';
  end if;
  update public.distribution_requests
     set status = p_status::public.distribution_request_status, result = coalesce(p_result, result), error = p_error,
         claimed_at = case when p_status = 'pending' then null else claimed_at end
   where id = p_id
  returning content_id into v_content_id;
  if not found then
    raise exception 'distribution request % not found', p_id using errcode = 'P0002';
  end if;
  if p_status <> 'pending' then
    update public.generated_content
       set status = (case p_status when 'done' then 'distributed' else 'failed' end)::public.content_status
     where id = v_content_id and status in ('ready_for_distribution', 'distributing');
  end if;
end
$$;

COMMENT ON FUNCTION private.finish_distribution_request(p_id uuid, p_status text, p_result jsonb, p_error text) IS 'Records a distribution request''s outcome (done | failed | pending to retry later) and moves the content''s status.';

REVOKE ALL ON FUNCTION private.finish_distribution_request(p_id uuid, p_status text, p_result jsonb, p_error text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.finish_distribution_request(p_id uuid, p_status text, p_result jsonb, p_error text) TO service_role;
