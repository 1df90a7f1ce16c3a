-- Native scheduling: posts handed to a platform's own scheduler, and the cancellations sent back to it.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TYPE public.platform_cancellation_status AS ENUM (
    'pending',
    'working',
    'done',
    'failed'
);

COMMENT ON TYPE public.platform_cancellation_status IS 'A cancellation sent to a platform''s own scheduler: pending, working, done, failed.';

CREATE TABLE public.platform_cancellations (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    platform_id uuid NOT NULL,
    distribution_id uuid,
    external_id text NOT NULL,
    reason text NOT NULL,
    content jsonb,
    status public.platform_cancellation_status DEFAULT 'pending'::public.platform_cancellation_status NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    lease_expires_at timestamp with time zone,
    last_error text,
    done_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT platform_cancellations_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT platform_cancellations_reason_check CHECK ((reason = ANY (ARRAY['cancelled'::text, 'rescheduled'::text, 'deleted'::text, 'unpublished'::text, 'edited'::text])))
);

COMMENT ON TABLE public.platform_cancellations IS 'Changes the platform must make to a post it holds: removed (a hand-off cancelled, moved or deleted; a live post unpublished) or edited (a live post''s new content). Worked through by the publisher with retries; failed after 5 attempts with the platform''s message.';

COMMENT ON COLUMN public.platform_cancellations.content IS 'For reason edited: the new content {title, body, media_urls, link_url, platform_specific}, applied to the distribution once the platform has it.';

ALTER TABLE ONLY public.platform_cancellations
    ADD CONSTRAINT platform_cancellations_pkey PRIMARY KEY (id);

CREATE INDEX idx_platform_cancellations_due ON public.platform_cancellations USING btree (next_attempt_at) WHERE (status IN ('pending', 'working'));

CREATE INDEX idx_platform_cancellations_client ON public.platform_cancellations USING btree (client_id);

CREATE INDEX idx_platform_cancellations_platform ON public.platform_cancellations USING btree (platform_id);

CREATE INDEX idx_platform_cancellations_distribution ON public.platform_cancellations USING btree (distribution_id);

CREATE INDEX idx_platform_cancellations_finished ON public.platform_cancellations USING btree (updated_at) WHERE (status IN ('done', 'failed'));

ALTER TABLE public.platform_cancellations ENABLE ROW LEVEL SECURITY;

CREATE POLICY platform_cancellations_select ON public.platform_cancellations FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.platform_cancellations TO authenticated;
GRANT ALL ON TABLE public.platform_cancellations TO service_role;

CREATE TRIGGER platform_cancellations_updated_at BEFORE UPDATE ON public.platform_cancellations FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.platform_cancellations
    ADD CONSTRAINT platform_cancellations_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.platform_cancellations
    ADD CONSTRAINT platform_cancellations_distribution_fkey FOREIGN KEY (distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE SET NULL (distribution_id);

ALTER TABLE ONLY public.platform_cancellations
    ADD CONSTRAINT platform_cancellations_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id) ON DELETE CASCADE;

CREATE FUNCTION private.claim_platform_cancellations(p_limit integer, p_lease_seconds integer DEFAULT 120) RETURNS TABLE(id uuid, platform_id uuid, external_id text, attempts integer, reason text, content jsonb)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
begin
  return query
  with due as (
    select c.id from public.platform_cancellations c
    join public.platforms p on p.id = c.platform_id
    where ((c.status = 'pending' and c.next_attempt_at <= now())
           or (c.status = 'working' and c.lease_expires_at <= now()))
      and not p.needs_reconnection and (p.paused_until is null or p.paused_until <= now())
    order by c.next_attempt_at
    limit p_limit
    for update of c skip locked
  )
  update public.platform_cancellations c
     set status = 'working', attempts = c.attempts + 1,
         lease_expires_at = now() + make_interval(secs => p_lease_seconds)
    from due where c.id = due.id
  returning c.id, c.platform_id, c.external_id, c.attempts, c.reason, c.content;
end
$$;

REVOKE ALL ON FUNCTION private.claim_platform_cancellations(p_limit integer, p_lease_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.claim_platform_cancellations(p_limit integer, p_lease_seconds integer) TO service_role;

CREATE FUNCTION private.record_platform_cancellations(p_results jsonb) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_settled jsonb;
begin
  with done as (
    update public.platform_cancellations c set
      status = (case when r.ok then 'done' when c.attempts >= 5 then 'failed' else 'pending' end)::public.platform_cancellation_status,
      done_at = case when r.ok then now() end,
      last_error = case when r.ok then null else r.message end,
      lease_expires_at = null,
      next_attempt_at = case when r.ok then c.next_attempt_at
                             else now() + make_interval(secs => 60 * power(2, c.attempts - 1)) end
    from jsonb_to_recordset(p_results) as r(id uuid, ok boolean, message text, external_url text)
    where c.id = r.id and c.status = 'working'
    returning c.distribution_id, c.reason, c.status, c.last_error, c.content, r.external_url
  )
  select coalesce(jsonb_agg(to_jsonb(done)), '[]'::jsonb) into v_settled
    from done where reason in ('unpublished', 'edited') and status in ('done', 'failed');

  -- A take-down settles its distribution: unpublished once the platform confirms it (no longer
  -- synced), failed after 5 refusals; either emits its webhook event.
  update public.distributions d set
    unpublish_state = (case when s.status = 'done' then 'unpublished' else 'failed' end)::public.distribution_unpublish_state,
    unpublished_at = case when s.status = 'done' then now() end,
    error_message = case when s.status = 'done' then d.error_message
                         else 'unpublishing failed: ' || s.last_error end,
    metrics_next_sync_at = case when s.status = 'done' then null else d.metrics_next_sync_at end
  from jsonb_to_recordset(v_settled) as s(distribution_id uuid, reason text, status text, last_error text,
                                           content jsonb, external_url text)
  where s.reason = 'unpublished' and d.id = s.distribution_id and d.unpublish_state = 'requested';

  -- An edit the platform has is the row's content from then on (the one writer of a published row's
  -- content: distributions_published_content_fixed lets this transaction through).
  perform set_config('distribution.applying_live_edit', 'on', true);
  update public.distributions d set
    edit_state = (case when s.status = 'done' then 'edited' else 'failed' end)::public.distribution_edit_state,
    title = case when s.status = 'done' then s.content->>'title' else d.title end,
    body = case when s.status = 'done' then s.content->>'body' else d.body end,
    platform_specific = case when s.status = 'done' then s.content->'platform_specific'
                             else d.platform_specific end,
    external_url = coalesce(case when s.status = 'done' then s.external_url end, d.external_url),
    error_message = case when s.status = 'done' then d.error_message
                         else 'editing failed: ' || s.last_error end
  from jsonb_to_recordset(v_settled) as s(distribution_id uuid, reason text, status text, last_error text,
                                           content jsonb, external_url text)
  where s.reason = 'edited' and d.id = s.distribution_id and d.edit_state = 'requested';
  perform set_config('distribution.applying_live_edit', 'off', true);
end
$$;

REVOKE ALL ON FUNCTION private.record_platform_cancellations(p_results jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION private.record_platform_cancellations(p_results jsonb) TO service_role;

CREATE FUNCTION private.withdraw_native_handoff() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if tg_op = 'DELETE' then
    -- Not when the whole client is being deleted (its platforms and credentials go with it).
    if exists (select 1 from public.platforms p where p.id = old.platform_id) then
      insert into public.platform_cancellations (client_id, platform_id, external_id, reason)
      values (old.client_id, old.platform_id, old.external_id, 'deleted');
    end if;
    return old;
  end if;
  insert into public.platform_cancellations (client_id, platform_id, distribution_id, external_id, reason)
  values (new.client_id, new.platform_id, new.id, old.external_id,
          case when new.status = 'cancelled' then 'cancelled' else 'rescheduled' end);
  new.native_state := null;
  new.native_attempt_id := null;
  new.external_id := null;
  new.external_url := null;
  return new;
end
$$;

REVOKE ALL ON FUNCTION private.withdraw_native_handoff() FROM PUBLIC;

-- A handed-off post edited after its approval (pending_approval again, 640_approval.sql) is withdrawn too: the
-- platform must not send what nobody approved.
CREATE TRIGGER distributions_withdraw_native_handoff BEFORE UPDATE ON public.distributions FOR EACH ROW WHEN (((old.native_state = 'handed_off') AND (old.external_id IS NOT NULL) AND ((new.status = 'cancelled') OR (new.scheduled_for IS DISTINCT FROM old.scheduled_for) OR (new.status = 'draft') OR (new.status = 'pending_approval')))) EXECUTE FUNCTION private.withdraw_native_handoff();

CREATE TRIGGER distributions_withdraw_native_handoff_on_delete AFTER DELETE ON public.distributions FOR EACH ROW WHEN (((old.native_state = 'handed_off') AND (old.external_id IS NOT NULL) AND (old.status = 'scheduled'))) EXECUTE FUNCTION private.withdraw_native_handoff();
