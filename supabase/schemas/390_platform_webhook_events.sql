-- Inbound platform webhook events and what they change.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE public.platform_webhook_events (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    platform_id uuid NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    event_type text NOT NULL,
    external_id text,
    distribution_id uuid,
    outcome text NOT NULL,
    detail text,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    event_id text,
    CONSTRAINT platform_webhook_events_outcome_check CHECK ((outcome = ANY (ARRAY['applied'::text, 'unknown_post'::text, 'ignored'::text])))
);

COMMENT ON TABLE public.platform_webhook_events IS 'Callbacks received from platforms (Meta/Instagram, Mailchimp, signed JSON) after their signature or token was verified: what each event did (applied), or that it named a post we do not know (unknown_post) or could not be applied (ignored, with detail). Written by private.apply_platform_webhook.';

COMMENT ON COLUMN public.platform_webhook_events.event_id IS 'The sender''s id of the event (or the SHA-256 of its JSON): unique per platform, so a replay is received once.';

ALTER TABLE ONLY public.platform_webhook_events
    ADD CONSTRAINT platform_webhook_events_pkey PRIMARY KEY (id);

CREATE INDEX idx_platform_webhook_events_platform ON public.platform_webhook_events USING btree (platform_id, received_at);

CREATE INDEX idx_platform_webhook_events_client ON public.platform_webhook_events USING btree (client_id);

CREATE INDEX idx_platform_webhook_events_distribution ON public.platform_webhook_events USING btree (distribution_id);

ALTER TABLE ONLY public.platform_webhook_events
    ADD CONSTRAINT platform_webhook_events_event_id_key UNIQUE (platform_id, event_id);

CREATE INDEX idx_platform_webhook_events_received ON public.platform_webhook_events USING btree (received_at);

ALTER TABLE public.platform_webhook_events ENABLE ROW LEVEL SECURITY;

CREATE POLICY platform_webhook_events_select ON public.platform_webhook_events FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.platform_webhook_events TO authenticated;
GRANT ALL ON TABLE public.platform_webhook_events TO service_role;

ALTER TABLE ONLY public.platform_webhook_events
    ADD CONSTRAINT platform_webhook_events_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.platform_webhook_events
    ADD CONSTRAINT platform_webhook_events_distribution_fkey FOREIGN KEY (distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE SET NULL (distribution_id);

ALTER TABLE ONLY public.platform_webhook_events
    ADD CONSTRAINT platform_webhook_events_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id) ON DELETE CASCADE;

CREATE FUNCTION private.apply_platform_webhook(p_platform_id uuid, p_events jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_client uuid;
  e jsonb;
  d record;
  v_event_id text;
  v_row uuid;
  v_outcome text;
  v_detail text;
  v_at timestamptz;
  v_inc jsonb;
  v_pm jsonb;
  v_counts jsonb := jsonb_build_object('applied', 0, 'unknown_post', 0, 'ignored', 0, 'duplicate', 0);
  v_reports jsonb := '[]'::jsonb;
begin
  select p.client_id into v_client from public.platforms p where p.id = p_platform_id;
  if v_client is null then
    raise exception 'platform % not found', p_platform_id using errcode = 'no_data_found';
  end if;

  for e in select value from jsonb_array_elements(coalesce(p_events, '[]'::jsonb)) loop
    v_outcome := 'applied';
    v_detail := null;
    v_row := null;
    v_event_id := coalesce(nullif(e ->> 'event_id', ''),
                           'sha256:' || encode(pg_catalog.sha256(convert_to(e::text, 'UTF8')), 'hex'));
    select x.id, x.status, x.native_state, x.published_at into d
    from public.distributions x
    where x.platform_id = p_platform_id and x.external_id = e ->> 'external_id'
    order by x.created_at desc
    limit 1;

    insert into public.platform_webhook_events (client_id, platform_id, received_at, event_type, external_id,
                                                distribution_id, outcome, payload, event_id)
    values (v_client, p_platform_id, now(), coalesce(e ->> 'event_type', 'unknown'), e ->> 'external_id',
            d.id, case when d.id is null then 'unknown_post' else 'applied' end,
            case when jsonb_typeof(e -> 'payload') = 'object' then e -> 'payload' else '{}'::jsonb end,
            v_event_id)
    on conflict (platform_id, event_id) do nothing
    returning id into v_row;

    if v_row is null then
      v_outcome := 'duplicate';
    elsif d.id is null then
      v_outcome := 'unknown_post';
    else
      begin
        v_at := coalesce((e ->> 'occurred_at')::timestamptz, now());
        if e ->> 'status' = 'sent' then
          if d.status = 'published' then
            v_detail := 'already published';
          elsif d.status = 'unconfirmed' then
            update public.distributions set status = 'published', published_at = coalesce(published_at, v_at)
             where id = d.id;
          elsif d.status = 'scheduled' and d.native_state = 'handed_off' then
            update public.distributions set status = 'publishing' where id = d.id;
            update public.distributions set status = 'published', published_at = coalesce(published_at, v_at)
             where id = d.id;
          else
            v_outcome := 'ignored';
            v_detail := format('sent event for a %s distribution', d.status);
          end if;
        end if;

        v_inc := case when jsonb_typeof(e -> 'increments') = 'object' then e -> 'increments' end;
        if v_inc is not null then
          update public.distributions set
            comments = case when v_inc ? 'comments' then coalesce(comments, 0) + private.metric_count(v_inc -> 'comments') else comments end,
            likes = case when v_inc ? 'likes' then coalesce(likes, 0) + private.metric_count(v_inc -> 'likes') else likes end,
            shares = case when v_inc ? 'shares' then coalesce(shares, 0) + private.metric_count(v_inc -> 'shares') else shares end,
            saves = case when v_inc ? 'saves' then coalesce(saves, 0) + private.metric_count(v_inc -> 'saves') else saves end,
            clicks = case when v_inc ? 'clicks' then coalesce(clicks, 0) + private.metric_count(v_inc -> 'clicks') else clicks end
          where id = d.id;
        end if;

        v_pm := case when jsonb_typeof(e -> 'platform_metric_increments') = 'object'
                     then e -> 'platform_metric_increments' end;
        if v_pm is not null then
          update public.distributions x set platform_metrics = x.platform_metrics || (
            select coalesce(jsonb_object_agg(k.key,
                     coalesce(private.metric_count(x.platform_metrics -> k.key), 0)
                     + coalesce(private.metric_count(k.value), 0)), '{}'::jsonb)
            from jsonb_each(v_pm) k)
          where x.id = d.id;
        end if;

        if jsonb_typeof(e -> 'metrics') = 'object' then
          perform private.record_metrics(jsonb_build_array(jsonb_build_object(
            'distribution_id', d.id, 'ok', true, 'recorded_at', v_at, 'metrics', e -> 'metrics')));
        end if;
      exception when others then
        v_outcome := 'ignored';
        v_detail := sqlerrm;
      end;
      if v_outcome <> 'applied' or v_detail is not null then
        update public.platform_webhook_events set outcome = v_outcome, detail = v_detail where id = v_row;
      end if;
    end if;

    v_counts := jsonb_set(v_counts, array[v_outcome], to_jsonb((v_counts ->> v_outcome)::integer + 1));
    v_reports := v_reports || jsonb_build_array(jsonb_build_object(
      'event_id', v_event_id, 'outcome', v_outcome, 'detail', v_detail));
  end loop;
  return v_counts || jsonb_build_object('events', v_reports);
end
$$;

COMMENT ON FUNCTION private.apply_platform_webhook(p_platform_id uuid, p_events jsonb) IS 'Applies verified platform webhook events once per (platform, event_id) to the platform''s distributions (status sent, metric increments, absolute metrics via record_metrics) and logs each in platform_webhook_events; unknown posts are logged only, replays counted as duplicate, an event that fails is ignored alone. Reports each event.';

REVOKE ALL ON FUNCTION private.apply_platform_webhook(p_platform_id uuid, p_events jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION private.apply_platform_webhook(p_platform_id uuid, p_events jsonb) TO service_role;
