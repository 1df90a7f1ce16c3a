-- Conversions: clicks and conversions attributed to distributions through their UTM parameters.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE public.conversions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    distribution_id uuid,
    utm_source text,
    utm_medium text,
    utm_campaign text,
    utm_content text,
    value numeric DEFAULT 0 NOT NULL,
    currency text DEFAULT 'USD'::text NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    external_ref text,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT conversions_currency_check CHECK ((currency ~ '^[A-Z]{3}$'::text)),
    CONSTRAINT conversions_metadata_check CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT conversions_value_check CHECK ((value >= (0)::numeric))
);

COMMENT ON TABLE public.conversions IS 'Conversions attributed (where possible) to the distribution whose link brought the visitor; recorded through public.record_conversion(jsonb). distribution_id null = unattributed.';

COMMENT ON COLUMN public.conversions.utm_source IS 'The platform kind the visitor came from (x, linkedin, email...).';

COMMENT ON COLUMN public.conversions.utm_campaign IS 'The cross-post group id, or the content id when the post had no group.';

COMMENT ON COLUMN public.conversions.utm_content IS 'The distribution id.';

COMMENT ON COLUMN public.conversions.value IS 'Monetary value of the conversion in currency (0 for a non-monetary goal).';

COMMENT ON COLUMN public.conversions.external_ref IS 'The caller''s id for the conversion (order id...): recording it again returns the existing row (idempotent).';

ALTER TABLE ONLY public.conversions
    ADD CONSTRAINT conversions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.conversions
    ADD CONSTRAINT conversions_client_external_ref_key UNIQUE (client_id, external_ref);

CREATE INDEX idx_conversions_distribution ON public.conversions USING btree (distribution_id, occurred_at);

CREATE INDEX idx_conversions_client_occurred ON public.conversions USING btree (client_id, occurred_at);

ALTER TABLE public.conversions ENABLE ROW LEVEL SECURITY;

CREATE POLICY conversions_delete ON public.conversions FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY conversions_insert ON public.conversions FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY conversions_select ON public.conversions FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY conversions_update ON public.conversions FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.conversions TO authenticated;
GRANT ALL ON TABLE public.conversions TO service_role;

ALTER TABLE ONLY public.conversions
    ADD CONSTRAINT conversions_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.conversions
    ADD CONSTRAINT conversions_distribution_fkey FOREIGN KEY (distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE SET NULL (distribution_id);

CREATE FUNCTION private.rollup_conversions() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if tg_op in ('UPDATE', 'DELETE') and old.distribution_id is not null then
    update public.distributions d
       set conversions = greatest(d.conversions - 1, 0), conversion_value = greatest(d.conversion_value - old.value, 0)
     where d.id = old.distribution_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.distribution_id is not null then
    update public.distributions d
       set conversions = d.conversions + 1, conversion_value = d.conversion_value + new.value
     where d.id = new.distribution_id;
  end if;
  return null;
end
$$;

CREATE TRIGGER conversions_rollup AFTER INSERT OR DELETE OR UPDATE OF distribution_id, value ON public.conversions FOR EACH ROW EXECUTE FUNCTION private.rollup_conversions();

REVOKE ALL ON FUNCTION private.rollup_conversions() FROM PUBLIC;

CREATE FUNCTION public.record_conversion(p jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $_$
declare
  v_uuid constant text := '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
  v_occurred timestamptz := coalesce((p ->> 'occurred_at')::timestamptz, now());
  v_client uuid := (p ->> 'client_id')::uuid;
  v_dist uuid;
  v_dist_client uuid;
  v_matched text;
  v_campaign text := nullif(btrim(p ->> 'utm_campaign'), '');
  v_source text := lower(nullif(btrim(p ->> 'utm_source'), ''));
  v_content text := nullif(btrim(p ->> 'utm_content'), '');
  v_id uuid;
  v_existing public.conversions;
begin
  if jsonb_typeof(p) is distinct from 'object' then
    raise exception 'record_conversion expects a JSON object' using errcode = 'invalid_parameter_value';
  end if;

  if p ->> 'distribution_id' is not null then
    select d.id, d.client_id into v_dist, v_dist_client
    from public.distributions d where d.id = (p ->> 'distribution_id')::uuid;
    if v_dist is null then
      raise exception 'distribution % not found', p ->> 'distribution_id' using errcode = 'no_data_found';
    end if;
    v_matched := 'id';
  elsif v_content ~ v_uuid then
    select d.id, d.client_id into v_dist, v_dist_client
    from public.distributions d
    where d.id = v_content::uuid and (v_client is null or d.client_id = v_client);
    v_matched := case when v_dist is not null then 'utm_content' end;
  end if;

  if v_dist is null and v_campaign ~ v_uuid and v_source is not null then
    select d.id, d.client_id into v_dist, v_dist_client
    from public.distributions d
    join public.platforms pl on pl.id = d.platform_id
    where (d.cross_post_group_id = v_campaign::uuid or d.content_id = v_campaign::uuid)
      and pl.kind::text = v_source
      and (v_client is null or d.client_id = v_client)
      and d.status = 'published'
    order by (d.published_at <= v_occurred) desc, d.published_at desc, d.id
    limit 1;
    v_matched := case when v_dist is not null then 'utm' end;
  end if;

  if v_client is not null and v_dist_client is not null and v_client <> v_dist_client then
    raise exception 'distribution % does not belong to client %', v_dist, v_client using errcode = 'invalid_parameter_value';
  end if;
  v_client := coalesce(v_dist_client, v_client);
  if v_client is null then
    raise exception 'no distribution matched and no client_id given' using errcode = 'invalid_parameter_value';
  end if;

  insert into public.conversions (client_id, distribution_id, utm_source, utm_medium, utm_campaign, utm_content,
                                  value, currency, occurred_at, external_ref, metadata)
  values (v_client, v_dist, v_source, p ->> 'utm_medium', v_campaign, v_content,
          coalesce((p ->> 'value')::numeric, 0), upper(coalesce(p ->> 'currency', 'USD')), v_occurred,
          p ->> 'external_ref', coalesce(p -> 'metadata', '{}'::jsonb))
  on conflict (client_id, external_ref) do nothing
  returning id into v_id;

  if v_id is null then
    select * into v_existing from public.conversions c
    where c.client_id = v_client and c.external_ref = p ->> 'external_ref';
    return jsonb_build_object('id', v_existing.id, 'client_id', v_existing.client_id,
                              'distribution_id', v_existing.distribution_id, 'matched_by', v_matched,
                              'duplicate', true);
  end if;
  return jsonb_build_object('id', v_id, 'client_id', v_client, 'distribution_id', v_dist,
                            'matched_by', v_matched, 'duplicate', false);
end
$_$;

COMMENT ON FUNCTION public.record_conversion(p jsonb) IS 'Records a conversion, attributed by distribution_id, utm_content (distribution id) or utm_campaign (cross-post group or content id) + utm_source (platform kind). Idempotent on (client_id, external_ref). Runs with the caller''s rights: members with owner/editor role, or the service role.';

REVOKE ALL ON FUNCTION public.record_conversion(p jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION public.record_conversion(p jsonb) TO authenticated;
GRANT ALL ON FUNCTION public.record_conversion(p jsonb) TO service_role;
