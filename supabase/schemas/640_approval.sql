-- Review before publishing. A client's approval rules say which of its distributions need a person's approval
-- (all of them, those of one platform, those of one content source such as generated content, or both).
-- Such a distribution is written pending_approval instead of scheduled, by whichever path schedules it (the
-- schedule API, the generated-content processor, a draft scheduled later, an insert in Studio): it holds its
-- slot, and the publisher, which claims only scheduled rows, leaves it alone. An owner or an approver approves
-- it (-> scheduled, at its slot; when the slot passed while it waited, at the next allowed time or not at all,
-- as the caller chooses) or rejects it with a reason (-> rejected, the slot freed). Content edited after an
-- approval waits for approval again. Each step is an outbound webhook event (distribution.pending_approval,
-- .approved, .rejected; 260_outbound_webhooks.sql) and public.distributions_awaiting_approval lists what waits
-- for whom.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE public.approval_rules (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    platform_id uuid,
    content_type text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT approval_rules_content_type_check CHECK ((content_type = ANY (ARRAY['generated'::text, 'manual'::text, 'repurposed'::text, 'curated'::text])))
);

COMMENT ON TABLE public.approval_rules IS 'Which of a client''s distributions need approval before they are scheduled: a row with neither platform_id nor content_type covers all of them; platform_id narrows a rule to one platform, content_type to one content source (e.g. generated: everything from content generation). A distribution matching any rule is written pending_approval. Owners manage the rules.';

COMMENT ON COLUMN public.approval_rules.platform_id IS 'Only this platform''s distributions (null: every platform).';

COMMENT ON COLUMN public.approval_rules.content_type IS 'Only distributions of this origin (distributions.content_type: generated, manual, repurposed, curated; null: any).';

ALTER TABLE ONLY public.approval_rules
    ADD CONSTRAINT approval_rules_pkey PRIMARY KEY (id);

CREATE UNIQUE INDEX approval_rules_scope_key ON public.approval_rules USING btree (client_id, COALESCE(platform_id, '00000000-0000-0000-0000-000000000000'::uuid), COALESCE(content_type, ''::text));

CREATE INDEX idx_approval_rules_platform ON public.approval_rules USING btree (platform_id) WHERE (platform_id IS NOT NULL);

ALTER TABLE ONLY public.approval_rules
    ADD CONSTRAINT approval_rules_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.approval_rules
    ADD CONSTRAINT approval_rules_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id) ON DELETE CASCADE;

ALTER TABLE public.approval_rules ENABLE ROW LEVEL SECURITY;

CREATE POLICY approval_rules_select ON public.approval_rules FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY approval_rules_insert ON public.approval_rules FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text]) AS member_client_ids))));

CREATE POLICY approval_rules_update ON public.approval_rules FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text]) AS member_client_ids))));

CREATE POLICY approval_rules_delete ON public.approval_rules FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.approval_rules TO authenticated;
GRANT ALL ON TABLE public.approval_rules TO service_role;

-- The slots a platform's rows hold (scheduling.platform_posts), pending_approval included, are read from
-- idx_distributions_platform_open (750_platform_open_rows_index.sql).
CREATE INDEX idx_distributions_pending_approval ON public.distributions USING btree (client_id, approval_requested_at) WHERE (status = 'pending_approval');

CREATE INDEX idx_distributions_reviewed_by ON public.distributions USING btree (reviewed_by) WHERE (reviewed_by IS NOT NULL);

ALTER TABLE ONLY public.distributions
    ADD CONSTRAINT distributions_reviewed_by_fkey FOREIGN KEY (reviewed_by) REFERENCES auth.users(id) ON DELETE SET NULL;

CREATE FUNCTION private.approval_required(p_client_id uuid, p_platform_id uuid, p_content_type text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select exists (
    select 1 from public.approval_rules r
    where r.client_id = p_client_id
      and (r.platform_id is null or r.platform_id = p_platform_id)
      and (r.content_type is null or r.content_type = p_content_type)
  )
$$;

COMMENT ON FUNCTION private.approval_required(p_client_id uuid, p_platform_id uuid, p_content_type text) IS 'True when one of the client''s approval_rules covers a distribution of this platform and content type.';

REVOKE ALL ON FUNCTION private.approval_required(p_client_id uuid, p_platform_id uuid, p_content_type text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.approval_required(p_client_id uuid, p_platform_id uuid, p_content_type text) TO authenticated;
GRANT ALL ON FUNCTION private.approval_required(p_client_id uuid, p_platform_id uuid, p_content_type text) TO service_role;

CREATE FUNCTION private.route_distribution_approval() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_uid uuid := (select auth.uid());
begin
  if tg_op = 'UPDATE' and old.status = 'pending_approval' and new.status in ('scheduled', 'rejected') then
    -- A review: only an owner or an approver (a signed-in caller); the service role and Studio (no user) may.
    if v_uid is not null and not private.has_client_role(new.client_id, array['owner', 'approver']) then
      raise exception 'permission denied: only owners and approvers of the client can approve or reject distribution %',
        new.id using errcode = '42501';
    end if;
    if new.status = 'rejected' and coalesce(btrim(new.review_note), '') = '' then
      raise exception 'rejecting distribution % needs a reason (review_note)', new.id using errcode = '23514';
    end if;
    new.reviewed_by := v_uid;
    new.reviewed_at := now();
    if new.status = 'scheduled' then
      new.review_note := null;
    end if;
    return new;
  end if;
  if new.status = 'scheduled'
     and (tg_op = 'INSERT' or old.status = 'draft'
          or (old.status = 'scheduled' and old.reviewed_at is not null
              and (new.title, new.body, new.media_urls, new.link_url)
                  is distinct from (old.title, old.body, old.media_urls, old.link_url)))
     and private.approval_required(new.client_id, new.platform_id, new.content_type) then
    -- Newly scheduled, or its content edited after an approval: it waits for a person instead.
    new.status := 'pending_approval';
  end if;
  if new.status = 'pending_approval' and (tg_op = 'INSERT' or old.status <> 'pending_approval') then
    new.approval_requested_at := coalesce(case when tg_op = 'INSERT' then new.approval_requested_at end, now());
    new.reviewed_by := null;
    new.reviewed_at := null;
    new.review_note := null;
    new.next_attempt_at := null;
  end if;
  return new;
end
$$;

COMMENT ON FUNCTION private.route_distribution_approval() IS 'Writes a distribution that needs approval (public.approval_rules) as pending_approval instead of scheduled (on insert, when a draft is scheduled, and when its content is edited after an approval), and lets only owners and approvers move it on from pending_approval (stamping reviewed_by and reviewed_at; a rejection needs review_note).';

REVOKE ALL ON FUNCTION private.route_distribution_approval() FROM PUBLIC;

-- Named to fire before distributions_status_machine (triggers of one event fire in name order), so the machine
-- checks the status this trigger settles on.
CREATE TRIGGER distributions_approval_insert BEFORE INSERT ON public.distributions FOR EACH ROW WHEN ((new.status IN ('scheduled', 'pending_approval'))) EXECUTE FUNCTION private.route_distribution_approval();

CREATE TRIGGER distributions_approval_update BEFORE UPDATE ON public.distributions FOR EACH ROW WHEN ((new.status IN ('scheduled', 'pending_approval', 'rejected'))) EXECUTE FUNCTION private.route_distribution_approval();

CREATE FUNCTION private.enqueue_pending_approval_webhooks() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  insert into public.webhook_deliveries (client_id, endpoint_id, distribution_id, event, payload)
  select n.client_id, e.id, n.id, 'distribution.pending_approval',
         private.distribution_webhook_payload('distribution.pending_approval', to_jsonb(n))
  from new_rows n
  join public.webhook_endpoints e
    on e.client_id = n.client_id and e.is_active and 'distribution.pending_approval' = any (e.events)
  where n.status = 'pending_approval';
  if found then
    perform private.wake_webhook_delivery();
  end if;
  return null;
end
$$;

COMMENT ON FUNCTION private.enqueue_pending_approval_webhooks() IS 'Queues distribution.pending_approval for the rows an insert wrote pending_approval (status changes are queued by private.enqueue_distribution_webhooks).';

REVOKE ALL ON FUNCTION private.enqueue_pending_approval_webhooks() FROM PUBLIC;

CREATE TRIGGER distributions_webhooks_insert AFTER INSERT ON public.distributions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.enqueue_pending_approval_webhooks();

CREATE FUNCTION scheduling.lock_for_review(p_id uuid) RETURNS public.distributions
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_row public.distributions;
begin
  select * into v_row from public.distributions d where d.id = p_id;
  if not found or ((select auth.uid()) is not null and not private.is_client_member(v_row.client_id)) then
    raise exception 'distribution % not found', p_id using errcode = 'P0002';
  end if;
  if (select auth.uid()) is not null and not private.has_client_role(v_row.client_id, array['owner', 'approver']) then
    raise exception 'permission denied: only owners and approvers of the client can approve or reject distribution %',
      p_id using errcode = '42501';
  end if;
  perform pg_advisory_xact_lock(hashtextextended('schedule:' || v_row.platform_id::text, 0));
  select * into v_row from public.distributions d where d.id = p_id for update;
  if v_row.status <> 'pending_approval' then
    raise exception 'cannot review distribution %: it is %, not pending_approval', p_id, v_row.status
      using errcode = '55000';
  end if;
  return v_row;
end
$$;

COMMENT ON FUNCTION scheduling.lock_for_review(p_id uuid) IS 'The pending_approval distribution p_id, locked (with its platform''s schedule), for an owner or approver of its client (P0002 when the caller does not see it, 42501 when the caller may not review, 55000 when it is not waiting).';

REVOKE ALL ON FUNCTION scheduling.lock_for_review(p_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.lock_for_review(p_id uuid) TO authenticated;
GRANT ALL ON FUNCTION scheduling.lock_for_review(p_id uuid) TO service_role;

CREATE FUNCTION public.approve_distribution(p_id uuid, p_if_passed text DEFAULT 'refuse'::text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_row public.distributions;
  v_at timestamptz;
  v_note text;
begin
  if p_if_passed is null or p_if_passed not in ('refuse', 'next_slot') then
    raise exception 'if_passed: expected refuse or next_slot' using errcode = '22023';
  end if;
  v_row := scheduling.lock_for_review(p_id);
  v_at := v_row.scheduled_for;
  -- A time a few seconds old still means "now" (the publisher takes it at once).
  if v_at < now() - interval '5 seconds' then
    if p_if_passed = 'refuse' then
      return jsonb_build_object('ok', false, 'errors', jsonb_build_array(jsonb_build_object(
        'field', 'scheduled_for',
        'message', format('its slot (%s) passed while it waited for approval: approve with if_passed next_slot to '
                          || 'take the next allowed time, or reject it', scheduling.to_utc_iso(v_at)))));
    end if;
    v_at := scheduling.nearest_allowed(v_row.platform_id, now(), v_row.timezone, v_row.id);
    v_note := format('its slot (%s) passed while it waited for approval; moved to the next allowed time',
                     scheduling.to_utc_iso(v_row.scheduled_for));
  end if;
  update public.distributions
     set status = 'scheduled', scheduled_for = v_at, next_attempt_at = null
   where id = p_id;
  return jsonb_build_object('ok', true, 'distribution', scheduling.distribution_json(p_id, v_note));
end
$$;

COMMENT ON FUNCTION public.approve_distribution(p_id uuid, p_if_passed text) IS 'Approves a pending_approval distribution (owners and approvers): it is scheduled at its slot. When the slot passed while it waited, p_if_passed = next_slot moves it to the next allowed time; refuse (the default) answers {ok: false, errors} and leaves it waiting.';

REVOKE ALL ON FUNCTION public.approve_distribution(p_id uuid, p_if_passed text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.approve_distribution(p_id uuid, p_if_passed text) TO authenticated;
GRANT ALL ON FUNCTION public.approve_distribution(p_id uuid, p_if_passed text) TO service_role;

CREATE FUNCTION public.reject_distribution(p_id uuid, p_reason text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if coalesce(btrim(p_reason), '') = '' then
    raise exception 'reason: a rejection needs a reason' using errcode = '22023', column = 'reason';
  end if;
  perform scheduling.lock_for_review(p_id);
  update public.distributions
     set status = 'rejected', review_note = btrim(p_reason), next_attempt_at = null
   where id = p_id;
  return jsonb_build_object('ok', true, 'distribution', scheduling.distribution_json(p_id));
end
$$;

COMMENT ON FUNCTION public.reject_distribution(p_id uuid, p_reason text) IS 'Rejects a pending_approval distribution with a reason (owners and approvers): it becomes rejected, its slot is freed, and the reason is kept in review_note. Moving it back to draft lets it be reworked and scheduled (and reviewed) again.';

REVOKE ALL ON FUNCTION public.reject_distribution(p_id uuid, p_reason text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.reject_distribution(p_id uuid, p_reason text) TO authenticated;
GRANT ALL ON FUNCTION public.reject_distribution(p_id uuid, p_reason text) TO service_role;

CREATE VIEW public.distributions_awaiting_approval WITH (security_invoker='on') AS
 SELECT d.id AS distribution_id,
    d.client_id,
    c.name AS client_name,
    d.platform_id,
    p.name AS platform_name,
    p.kind AS platform_kind,
    d.content_type,
    d.content_id,
    d.title,
    d.body,
    d.scheduled_for,
    d.timezone,
    d.approval_requested_at AS waiting_since,
    (d.scheduled_for < now()) AS slot_passed,
    ARRAY( SELECT m.user_id
           FROM public.client_members m
          WHERE ((m.client_id = d.client_id) AND (m.role = ANY (ARRAY['owner'::text, 'approver'::text])))
          ORDER BY m.user_id) AS approver_user_ids,
        CASE
            WHEN (d.scheduled_for < now()) THEN 'Its slot passed while it waited: approve it with if_passed next_slot (POST /schedule/distributions/<id>/approve {"if_passed":"next_slot"}) to send it at the next allowed time, or reject it with a reason.'::text
            ELSE 'Approve it (POST /schedule/distributions/<id>/approve, or public.approve_distribution) to send it at its slot, or reject it with a reason (POST .../reject {"reason"}, or public.reject_distribution).'::text
        END AS what_to_do
   FROM ((public.distributions d
     JOIN public.clients c ON ((c.id = d.client_id)))
     JOIN public.platforms p ON ((p.id = d.platform_id)))
  WHERE (d.status = 'pending_approval');

COMMENT ON VIEW public.distributions_awaiting_approval IS 'Distributions waiting for review, oldest request first by waiting_since: for whom (approver_user_ids: the client''s owners and approvers), since when, whether their slot already passed, and what to do. security_invoker: each member sees only their clients'' rows.';

GRANT SELECT ON TABLE public.distributions_awaiting_approval TO authenticated;
GRANT ALL ON TABLE public.distributions_awaiting_approval TO service_role;
