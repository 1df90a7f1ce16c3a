-- A/B tests: variant groups and their conclusion.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TYPE public.ab_test_status AS ENUM (
    'running',
    'concluded'
);

COMMENT ON TYPE public.ab_test_status IS 'An A/B test: running or concluded.';

CREATE TABLE public.ab_tests (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    variant_group text NOT NULL,
    status public.ab_test_status DEFAULT 'running'::public.ab_test_status NOT NULL,
    result text,
    winner_variant text,
    winner_distribution_id uuid,
    p_value double precision,
    alpha numeric,
    started_at timestamp with time zone,
    concluded_at timestamp with time zone,
    variants jsonb DEFAULT '[]'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT ab_tests_concluded_check CHECK (((status = 'concluded') = ((result IS NOT NULL) AND (concluded_at IS NOT NULL)))),
    CONSTRAINT ab_tests_result_check CHECK ((result = ANY (ARRAY['winner'::text, 'no_difference'::text]))),
    CONSTRAINT ab_tests_winner_check CHECK (((result = 'winner'::text) = (winner_variant IS NOT NULL)))
);

COMMENT ON TABLE public.ab_tests IS 'State of each A/B test (variant_group): running, or concluded with a winner or no_difference. The winner''s body is reusable from winner_distribution_id. Written by private.conclude_ab_tests.';

COMMENT ON COLUMN public.ab_tests.winner_distribution_id IS 'A distribution of the winning variant (its body and title can be reused).';

COMMENT ON COLUMN public.ab_tests.p_value IS 'The deciding (smallest) engagement p-value against the control at the last evaluation.';

COMMENT ON COLUMN public.ab_tests.variants IS 'Snapshot of ab_test_results for the group at the last evaluation.';

ALTER TABLE ONLY public.ab_tests
    ADD CONSTRAINT ab_tests_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.ab_tests
    ADD CONSTRAINT ab_tests_client_group_key UNIQUE (client_id, variant_group);

CREATE INDEX idx_ab_tests_winner_distribution ON public.ab_tests USING btree (winner_distribution_id);

ALTER TABLE public.ab_tests ENABLE ROW LEVEL SECURITY;

CREATE POLICY ab_tests_select ON public.ab_tests FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.ab_tests TO authenticated;
GRANT ALL ON TABLE public.ab_tests TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.ab_tests FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.ab_tests
    ADD CONSTRAINT ab_tests_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.ab_tests
    ADD CONSTRAINT ab_tests_winner_distribution_fkey FOREIGN KEY (winner_distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE SET NULL (winner_distribution_id);

CREATE FUNCTION private.conclude_ab_tests(p_alpha numeric DEFAULT 0.05, p_max_days integer DEFAULT 14, p_min_base bigint DEFAULT 1000) RETURNS TABLE(client_id uuid, variant_group text, status text, result text, winner_variant text, p_value double precision)
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  with r as (
    select * from public.ab_test_results
  ), g as (
    select r.client_id, r.variant_group, min(r.first_published_at) as started_at,
           count(*) filter (where not r.is_control) as k,
           count(*) filter (where r.is_control) as controls,
           coalesce(min(r.engagement_base), 0) as min_base,
           min(r.engagement_p_value) as min_p,
           jsonb_agg(to_jsonb(r) - 'client_id' - 'variant_group' order by r.is_control desc, r.variant) as variants
    from r group by r.client_id, r.variant_group
  ), sig as (
    select r.*, g.k from r join g on g.client_id = r.client_id and g.variant_group = r.variant_group
    where not r.is_control and g.min_base >= p_min_base
      and r.engagement_p_value < p_alpha / greatest(g.k, 1)
  ), decided as (
    select g.*,
      coalesce(
        (select s.variant from sig s where s.client_id = g.client_id and s.variant_group = g.variant_group
           and s.engagement_rate_diff > 0 order by s.engagement_rate desc, s.variant limit 1),
        case when g.k > 0 and (select count(*) from sig s where s.client_id = g.client_id
                                 and s.variant_group = g.variant_group and s.engagement_rate_diff < 0) = g.k
             then (select r.variant from r where r.client_id = g.client_id and r.variant_group = g.variant_group
                     and r.is_control limit 1) end) as winner
    from g
    where g.controls = 1 and g.started_at is not null
  ), upserted as (
    insert into public.ab_tests as t (client_id, variant_group, status, result, winner_variant, winner_distribution_id,
                                      p_value, alpha, started_at, concluded_at, variants)
    select d.client_id, d.variant_group,
           case when d.winner is not null or d.started_at <= now() - make_interval(days => p_max_days)
                then 'concluded' else 'running' end::public.ab_test_status,
           case when d.winner is not null then 'winner'
                when d.started_at <= now() - make_interval(days => p_max_days) then 'no_difference' end,
           d.winner,
           (select r.distribution_ids[1] from r where r.client_id = d.client_id
              and r.variant_group = d.variant_group and r.variant = d.winner),
           d.min_p, p_alpha, d.started_at,
           case when d.winner is not null or d.started_at <= now() - make_interval(days => p_max_days)
                then now() end,
           d.variants
    from decided d
    on conflict on constraint ab_tests_client_group_key do update set
      status = excluded.status, result = excluded.result, winner_variant = excluded.winner_variant,
      winner_distribution_id = excluded.winner_distribution_id, p_value = excluded.p_value, alpha = excluded.alpha,
      started_at = excluded.started_at, concluded_at = excluded.concluded_at, variants = excluded.variants
    where t.status = 'running'
    returning t.client_id, t.variant_group, t.status::text, t.result, t.winner_variant, t.p_value
  )
  select * from upserted
$$;

COMMENT ON FUNCTION private.conclude_ab_tests(p_alpha numeric, p_max_days integer, p_min_base bigint) IS 'Evaluates every A/B test with one control: concludes it with a winner (significant at p_alpha, Bonferroni over its variants, once each variant has p_min_base engagement_base units) or no_difference after p_max_days; otherwise records it as running. Concluded tests are never reopened. Returns the tests evaluated.';

REVOKE ALL ON FUNCTION private.conclude_ab_tests(p_alpha numeric, p_max_days integer, p_min_base bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION private.conclude_ab_tests(p_alpha numeric, p_max_days integer, p_min_base bigint) TO service_role;
