-- Outbound webhooks: the endpoints a client registers and the deliveries queued for them.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TYPE public.webhook_delivery_status AS ENUM (
    'pending',
    'delivering',
    'delivered',
    'failed'
);

COMMENT ON TYPE public.webhook_delivery_status IS 'An outbound webhook delivery: pending, delivering (leased by the sender), delivered, failed.';

CREATE TABLE public.webhook_deliveries (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    endpoint_id uuid NOT NULL,
    distribution_id uuid,
    event text NOT NULL,
    payload jsonb NOT NULL,
    status public.webhook_delivery_status DEFAULT 'pending'::public.webhook_delivery_status NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    lease_expires_at timestamp with time zone,
    last_status_code integer,
    last_error text,
    delivered_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT webhook_deliveries_attempts_check CHECK ((attempts >= 0))
);

COMMENT ON TABLE public.webhook_deliveries IS 'One notification to one endpoint, and its delivery record: attempts, last HTTP status, error, delivered_at.';

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (id);

CREATE INDEX idx_webhook_deliveries_due ON public.webhook_deliveries USING btree (next_attempt_at) WHERE (status = 'pending');

CREATE INDEX idx_webhook_deliveries_leases ON public.webhook_deliveries USING btree (lease_expires_at) WHERE (status = 'delivering');

CREATE INDEX idx_webhook_deliveries_client ON public.webhook_deliveries USING btree (client_id);

CREATE INDEX idx_webhook_deliveries_endpoint ON public.webhook_deliveries USING btree (endpoint_id);

CREATE INDEX idx_webhook_deliveries_distribution ON public.webhook_deliveries USING btree (distribution_id);

CREATE INDEX idx_webhook_deliveries_finished ON public.webhook_deliveries USING btree (updated_at) WHERE (status IN ('delivered', 'failed'));

ALTER TABLE public.webhook_deliveries ENABLE ROW LEVEL SECURITY;

CREATE POLICY webhook_deliveries_select ON public.webhook_deliveries FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.webhook_deliveries TO authenticated;
GRANT ALL ON TABLE public.webhook_deliveries TO service_role;

CREATE TRIGGER webhook_deliveries_updated_at BEFORE UPDATE ON public.webhook_deliveries FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

CREATE TABLE public.webhook_endpoints (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    url text NOT NULL,
    events text[] DEFAULT ARRAY['distribution.published'::text, 'distribution.failed'::text, 'distribution.unconfirmed'::text] NOT NULL,
    secret text DEFAULT encode(extensions.gen_random_bytes(32), 'hex'::text) NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    description text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT webhook_endpoints_events_check CHECK (((events <@ ARRAY['distribution.published'::text, 'distribution.failed'::text, 'distribution.unconfirmed'::text, 'distribution.pending_approval'::text, 'distribution.approved'::text, 'distribution.rejected'::text, 'distribution.unpublished'::text, 'distribution.unpublish_failed'::text, 'distribution.edited'::text, 'distribution.edit_failed'::text, 'distribution.removed_on_platform'::text, 'platform.reconnection_needed'::text]) AND (cardinality(events) > 0))),
    CONSTRAINT webhook_endpoints_secret_check CHECK ((length(secret) >= 32)),
    CONSTRAINT webhook_endpoints_url_check CHECK ((url ~ '^https?://'::text))
);

COMMENT ON TABLE public.webhook_endpoints IS 'URLs a client wants told about its distributions (published, failed, unconfirmed; and, when listed in events: pending_approval, approved, rejected for review before publishing; unpublished, unpublish_failed, edited, edit_failed, removed_on_platform for live posts).';

COMMENT ON COLUMN public.webhook_endpoints.events IS 'The events sent here: distribution.published, distribution.failed, distribution.unconfirmed (the default), distribution.pending_approval (waits for review), distribution.approved (pending_approval -> scheduled), distribution.rejected (review_note gives the reason), distribution.unpublished / unpublish_failed (a take-down settled), distribution.edited / edit_failed (an edit of the live post settled), distribution.removed_on_platform (a metrics read found the post deleted on the platform by someone else), platform.reconnection_needed (a platform refused our credentials: reason says why; reconnect it).';

COMMENT ON COLUMN public.webhook_endpoints.secret IS 'Signing secret: each delivery carries X-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under this secret>. Generated on insert; shown once by public.create_webhook_endpoint and by public.rotate_webhook_secret (owners); no signed-in user can select it.';

ALTER TABLE ONLY public.webhook_endpoints
    ADD CONSTRAINT webhook_endpoints_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.webhook_endpoints
    ADD CONSTRAINT webhook_endpoints_id_client_key UNIQUE (id, client_id);

CREATE INDEX idx_webhook_endpoints_client ON public.webhook_endpoints USING btree (client_id) WHERE is_active;

ALTER TABLE public.webhook_endpoints ENABLE ROW LEVEL SECURITY;

CREATE POLICY webhook_endpoints_delete ON public.webhook_endpoints FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY webhook_endpoints_insert ON public.webhook_endpoints FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY webhook_endpoints_select ON public.webhook_endpoints FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY webhook_endpoints_update ON public.webhook_endpoints FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT DELETE ON TABLE public.webhook_endpoints TO authenticated;
GRANT ALL ON TABLE public.webhook_endpoints TO service_role;

GRANT SELECT(id),INSERT(id) ON TABLE public.webhook_endpoints TO authenticated;

GRANT SELECT(client_id),INSERT(client_id) ON TABLE public.webhook_endpoints TO authenticated;

GRANT SELECT(url),INSERT(url),UPDATE(url) ON TABLE public.webhook_endpoints TO authenticated;

GRANT SELECT(events),INSERT(events),UPDATE(events) ON TABLE public.webhook_endpoints TO authenticated;

GRANT SELECT(is_active),INSERT(is_active),UPDATE(is_active) ON TABLE public.webhook_endpoints TO authenticated;

GRANT SELECT(description),INSERT(description),UPDATE(description) ON TABLE public.webhook_endpoints TO authenticated;

GRANT SELECT(created_at) ON TABLE public.webhook_endpoints TO authenticated;

GRANT SELECT(updated_at) ON TABLE public.webhook_endpoints TO authenticated;

CREATE TRIGGER webhook_endpoints_updated_at BEFORE UPDATE ON public.webhook_endpoints FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_distribution_fkey FOREIGN KEY (distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE SET NULL (distribution_id);

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_endpoint_fkey FOREIGN KEY (endpoint_id, client_id) REFERENCES public.webhook_endpoints(id, client_id) ON DELETE CASCADE;

ALTER TABLE ONLY public.webhook_endpoints
    ADD CONSTRAINT webhook_endpoints_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

CREATE FUNCTION private.claim_webhook_deliveries(p_limit integer, p_lease_seconds integer DEFAULT 60) RETURNS TABLE(id uuid, url text, secret text, event text, payload jsonb, attempts integer)
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  with settings as (
    select 8 as max_attempts -- record_webhook_deliveries' p_max_attempts default
  ), given_up as (
    update public.webhook_deliveries d
       set status = 'failed', lease_expires_at = null,
           last_error = 'gave up after ' || d.attempts || ' attempts (the last one did not finish)'
      from settings s
     where d.attempts >= s.max_attempts
       and ((d.status = 'pending' and d.next_attempt_at <= now())
         or (d.status = 'delivering' and d.lease_expires_at <= now()))
    returning d.id
  ), inactive as (
    update public.webhook_deliveries d
       set status = 'failed', lease_expires_at = null,
           last_error = 'not sent: the endpoint is inactive'
      from public.webhook_endpoints e, settings s
     where e.id = d.endpoint_id and not e.is_active
       and d.attempts < s.max_attempts
       and ((d.status = 'pending' and d.next_attempt_at <= now())
         or (d.status = 'delivering' and d.lease_expires_at <= now()))
    returning d.id
  ), due as (
    select d.id from public.webhook_deliveries d
      join public.webhook_endpoints e on e.id = d.endpoint_id and e.is_active
      cross join settings s
    where ((d.status = 'pending' and d.next_attempt_at <= now())
        or (d.status = 'delivering' and d.lease_expires_at <= now()))
      and d.attempts < s.max_attempts
    order by d.next_attempt_at
    limit p_limit
    for update of d skip locked
  ), claimed as (
    update public.webhook_deliveries d
       set status = 'delivering', attempts = d.attempts + 1,
           lease_expires_at = now() + make_interval(secs => p_lease_seconds)
      from due where d.id = due.id
    returning d.id, d.endpoint_id, d.event, d.payload, d.attempts
  )
  select c.id, e.url, e.secret, c.event, c.payload, c.attempts
  from claimed c join public.webhook_endpoints e on e.id = c.endpoint_id
$$;

REVOKE ALL ON FUNCTION private.claim_webhook_deliveries(p_limit integer, p_lease_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.claim_webhook_deliveries(p_limit integer, p_lease_seconds integer) TO service_role;

CREATE FUNCTION private.distribution_webhook_payload(p_event text, p_row jsonb) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select jsonb_build_object(
    'event', p_event,
    'occurred_at', now(),
    'distribution', jsonb_build_object(
      'id', p_row -> 'id', 'platform_id', p_row -> 'platform_id', 'status', p_row -> 'status',
      'title', p_row -> 'title', 'scheduled_for', p_row -> 'scheduled_for', 'published_at', p_row -> 'published_at',
      'external_id', p_row -> 'external_id', 'external_url', p_row -> 'external_url',
      'error_message', p_row -> 'error_message', 'retry_count', p_row -> 'retry_count',
      'cross_post_group_id', p_row -> 'cross_post_group_id', 'content_id', p_row -> 'content_id',
      'reviewed_by', p_row -> 'reviewed_by', 'review_note', p_row -> 'review_note',
      'unpublish_state', p_row -> 'unpublish_state', 'unpublished_at', p_row -> 'unpublished_at',
      'edit_state', p_row -> 'edit_state'))
$$;

COMMENT ON FUNCTION private.distribution_webhook_payload(p_event text, p_row jsonb) IS 'The body of an outbound webhook about a distribution (p_row: the row as jsonb).';

REVOKE ALL ON FUNCTION private.distribution_webhook_payload(p_event text, p_row jsonb) FROM PUBLIC;

CREATE FUNCTION private.wake_webhook_delivery() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  -- Once per transaction (a transaction-local flag): every trigger that queued a delivery calls it.
  if current_setting('distribution.webhooks_woken', true) is distinct from 'yes' then
    perform set_config('distribution.webhooks_woken', 'yes', true);
    perform private.invoke_edge_function('deliver-webhooks', '{}'::jsonb, 30000, false);
  end if;
end
$$;

COMMENT ON FUNCTION private.wake_webhook_delivery() IS 'Wakes the deliver-webhooks function once per transaction, for triggers that queued deliveries.';

REVOKE ALL ON FUNCTION private.wake_webhook_delivery() FROM PUBLIC;

CREATE FUNCTION private.enqueue_distribution_webhooks() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    SET enable_nestloop TO 'off'
    AS $$
begin
  if not exists (select 1 from public.webhook_endpoints e
                 where e.is_active and e.client_id in (select n.client_id from new_rows n)) then
    return null;
  end if;
  -- A status change (published, failed, unconfirmed; review: pending_approval, approved, rejected), or
  -- a take-down or live edit settled, or the post found deleted on the platform (unpublish_state, edit_state).
  insert into public.webhook_deliveries (client_id, endpoint_id, distribution_id, event, payload)
  select n.client_id, e.id, n.id, ev.event, private.distribution_webhook_payload(ev.event, to_jsonb(n))
  from new_rows n
  join old_rows o on o.id = n.id
  cross join lateral (select case
    when o.status = 'pending_approval' and n.status = 'scheduled'
      then 'distribution.approved'
    when o.status is distinct from n.status
         and n.status in ('published', 'failed', 'unconfirmed', 'pending_approval', 'rejected')
      then 'distribution.' || n.status
    when o.unpublish_state is distinct from n.unpublish_state and n.unpublish_state = 'unpublished'
      then 'distribution.unpublished'
    when o.unpublish_state is distinct from n.unpublish_state and n.unpublish_state = 'failed'
      then 'distribution.unpublish_failed'
    when o.unpublish_state is distinct from n.unpublish_state and n.unpublish_state = 'removed_on_platform'
      then 'distribution.removed_on_platform'
    when o.edit_state is distinct from n.edit_state and n.edit_state = 'edited'
      then 'distribution.edited'
    when o.edit_state is distinct from n.edit_state and n.edit_state = 'failed'
      then 'distribution.edit_failed'
    end as event) ev
  join public.webhook_endpoints e
    on e.client_id = n.client_id and e.is_active and ev.event = any (e.events)
  where ev.event is not null;
  if found then
    perform private.wake_webhook_delivery();
  end if;
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.enqueue_distribution_webhooks() FROM PUBLIC;

CREATE FUNCTION private.record_webhook_deliveries(p_results jsonb, p_max_attempts integer DEFAULT 8) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  update public.webhook_deliveries d set
    status = (case when r.ok then 'delivered' when d.attempts >= p_max_attempts then 'failed' else 'pending' end)::public.webhook_delivery_status,
    delivered_at = case when r.ok then now() else null end,
    last_status_code = r.status_code,
    last_error = case when r.ok then null else r.error end,
    lease_expires_at = null,
    next_attempt_at = case when r.ok then d.next_attempt_at
                           else now() + make_interval(secs => least(30 * power(2, d.attempts - 1), 21600)) end
  from jsonb_to_recordset(p_results) as r(id uuid, ok boolean, status_code integer, error text)
  where d.id = r.id and d.status = 'delivering'
$$;

REVOKE ALL ON FUNCTION private.record_webhook_deliveries(p_results jsonb, p_max_attempts integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.record_webhook_deliveries(p_results jsonb, p_max_attempts integer) TO service_role;

CREATE TRIGGER distributions_webhooks AFTER UPDATE ON public.distributions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.enqueue_distribution_webhooks();
