-- A/B tests: variant groups, their results (ab_test_results, kept per group by triggers) and their conclusion.

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

COMMENT ON COLUMN public.ab_tests.p_value IS 'The smallest decision p-value (private.ab_decision_p_value, counting the spread between posts) of a variant against the control at the last evaluation; ab_test_results keeps the plain pooled p-values.';

COMMENT ON COLUMN public.ab_tests.variants IS 'Snapshot of ab_test_results for the group at the last evaluation, each variant with its decision_p_value, pending (posts still to be published) and measured (posts with metrics).';

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

CREATE FUNCTION private.conclude_ab_tests(p_alpha numeric DEFAULT 0.05, p_max_days integer DEFAULT 14, p_min_base bigint DEFAULT 1000, p_post_spread numeric DEFAULT 0.1) RETURNS TABLE(client_id uuid, variant_group text, status text, result text, winner_variant text, p_value double precision)
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  -- The decision (docs/metrics.md, "How a winner is decided"):
  --   it waits until no post of the test is still to be published (draft, scheduled, publishing, unconfirmed,
  --   pending_approval), each variant has a post with metrics, and every variant has p_min_base units;
  --   each variant's p-value against the control is private.ab_decision_p_value, whose variance counts the
  --   spread between posts (p_post_spread, and the variant's own posts when it has two or more);
  --   the job looks every hour, so each look tests at p_alpha / 3 (a constant, Pocock-style boundary), and
  --   Bonferroni over the k variants: a variant wins below p_alpha / (3 k).
  -- bench/abtest measures the share of A/A tests this declares a winner.
  with r as (
    -- Concluded tests are never reopened, so only the others are read.
    select * from public.ab_test_results r
    where not exists (select 1 from public.ab_tests t where t.client_id = r.client_id
                        and t.variant_group = r.variant_group and t.status = 'concluded')
  ), posts as (
    select r.client_id, r.variant_group, r.variant,
           count(*) filter (where d.status in ('draft', 'scheduled', 'publishing', 'unconfirmed', 'pending_approval'))
             as pending,
           count(*) filter (where d.engagement_count is not null and d.engagement_base > 0)::integer as measured,
           sum((d.engagement_count - r.engagement_count::numeric / nullif(r.engagement_base, 0) * d.engagement_base) ^ 2)
             filter (where d.engagement_count is not null and d.engagement_base > 0) as spread_ss
    from r
    cross join lateral unnest(r.distribution_ids) u(id)
    join public.distributions d on d.id = u.id
    group by r.client_id, r.variant_group, r.variant
  ), v as (
    select r.*, coalesce(p.pending, 0) as pending, coalesce(p.measured, 0) as measured, p.spread_ss
    from r left join posts p on p.client_id = r.client_id and p.variant_group = r.variant_group and p.variant = r.variant
  ), c as (
    -- Each group's control (a group with several controls is never decided, see "decided").
    select distinct on (v.client_id, v.variant_group) v.*
    from v where v.is_control
    order by v.client_id, v.variant_group, v.variant
  ), t as (
    select v.*,
           case when not v.is_control then private.ab_decision_p_value(
             v.engagement_count, v.engagement_base, v.measured, v.spread_ss,
             c.engagement_count, c.engagement_base, c.measured, c.spread_ss, p_post_spread) end as decision_p_value
    from v
    left join c on c.client_id = v.client_id and c.variant_group = v.variant_group and not v.is_control
  ), g as (
    select t.client_id, t.variant_group, min(t.first_published_at) as started_at,
           count(*) filter (where not t.is_control) as k,
           count(*) filter (where t.is_control) as controls,
           coalesce(min(t.engagement_base), 0) as min_base,
           sum(t.pending) as pending,
           min(t.measured) as min_measured,
           min(t.decision_p_value) as min_p,
           jsonb_agg(to_jsonb(t) - 'client_id' - 'variant_group' - 'spread_ss' order by t.is_control desc, t.variant)
             as variants
    from t group by t.client_id, t.variant_group
  ), sig as (
    select t.client_id, t.variant_group, t.variant, t.engagement_rate, t.engagement_rate_diff
    from t join g on g.client_id = t.client_id and g.variant_group = t.variant_group
    where not t.is_control and g.min_base >= p_min_base and g.pending = 0 and g.min_measured >= 1
      and t.decision_p_value < p_alpha / (3 * greatest(g.k, 1))
  ), best as (
    -- The significantly better variant with the highest rate.
    select distinct on (s.client_id, s.variant_group) s.client_id, s.variant_group, s.variant
    from sig s where s.engagement_rate_diff > 0
    order by s.client_id, s.variant_group, s.engagement_rate desc, s.variant
  ), worse as (
    select s.client_id, s.variant_group, count(*) as n from sig s where s.engagement_rate_diff < 0
    group by s.client_id, s.variant_group
  ), decided as (
    -- The best significant variant wins; the control wins when every variant is significantly worse.
    select g.*,
           coalesce(b.variant, case when g.k > 0 and w.n = g.k then c.variant end) as winner
    from g
    left join best b on b.client_id = g.client_id and b.variant_group = g.variant_group
    left join worse w on w.client_id = g.client_id and w.variant_group = g.variant_group
    left join c on c.client_id = g.client_id and c.variant_group = g.variant_group
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
           wr.distribution_ids[1],
           d.min_p, p_alpha, d.started_at,
           case when d.winner is not null or d.started_at <= now() - make_interval(days => p_max_days)
                then now() end,
           d.variants
    from decided d
    left join r wr on wr.client_id = d.client_id and wr.variant_group = d.variant_group and wr.variant = d.winner
    on conflict on constraint ab_tests_client_group_key do update set
      status = excluded.status, result = excluded.result, winner_variant = excluded.winner_variant,
      winner_distribution_id = excluded.winner_distribution_id, p_value = excluded.p_value, alpha = excluded.alpha,
      started_at = excluded.started_at, concluded_at = excluded.concluded_at, variants = excluded.variants
    where t.status = 'running'
    returning t.client_id, t.variant_group, t.status::text, t.result, t.winner_variant, t.p_value
  )
  select * from upserted
$$;

COMMENT ON FUNCTION private.conclude_ab_tests(p_alpha numeric, p_max_days integer, p_min_base bigint, p_post_spread numeric) IS 'Evaluates every A/B test with one control. Once none of its posts is still to be published and each variant has p_min_base engagement_base units, a variant wins when its decision p-value (private.ab_decision_p_value with the relative between-post spread p_post_spread) is below p_alpha / (3 k), k its variants (the control wins when every variant is significantly worse); after p_max_days from its first post it concludes no_difference; otherwise it is recorded as running. Concluded tests are never reopened. Returns the tests evaluated.';

REVOKE ALL ON FUNCTION private.conclude_ab_tests(p_alpha numeric, p_max_days integer, p_min_base bigint, p_post_spread numeric) FROM PUBLIC;
GRANT ALL ON FUNCTION private.conclude_ab_tests(p_alpha numeric, p_max_days integer, p_min_base bigint, p_post_spread numeric) TO service_role;

CREATE TABLE public.ab_test_result_rollups (
    client_id uuid NOT NULL,
    variant_group text NOT NULL,
    variant text NOT NULL,
    is_control boolean,
    posts bigint NOT NULL,
    published_posts bigint NOT NULL,
    distribution_ids uuid[] NOT NULL,
    impressions bigint,
    engagements bigint,
    clicks bigint,
    engagement_base bigint,
    engagement_count bigint,
    engagement_rate numeric,
    click_through_rate numeric,
    engagement_rate_diff numeric,
    engagement_lift_pct numeric,
    ctr_diff numeric,
    engagement_p_value double precision,
    ctr_p_value double precision,
    first_published_at timestamp with time zone
);

COMMENT ON TABLE public.ab_test_result_rollups IS 'The rows of ab_test_results, one per variant of each variant_group: recomputed for a group (private.compute_ab_test_results) whenever a statement changes one of its distributions, by triggers on distributions; never written by hand.';

ALTER TABLE ONLY public.ab_test_result_rollups
    ADD CONSTRAINT ab_test_result_rollups_pkey PRIMARY KEY (client_id, variant_group, variant);

ALTER TABLE public.ab_test_result_rollups ENABLE ROW LEVEL SECURITY;

CREATE POLICY ab_test_result_rollups_select ON public.ab_test_result_rollups FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.ab_test_result_rollups TO authenticated;
GRANT SELECT ON TABLE public.ab_test_result_rollups TO service_role;

ALTER TABLE ONLY public.ab_test_result_rollups
    ADD CONSTRAINT ab_test_result_rollups_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

CREATE FUNCTION private.compute_ab_test_results(p_client_ids uuid[], p_variant_groups text[]) RETURNS SETOF public.ab_test_result_rollups
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
 WITH variants AS (
         SELECT d.client_id,
            d.variant_group,
            COALESCE(NULLIF(d.platform_specific ->> 'variant'::text, ''::text),
                CASE
                    WHEN d.is_control THEN 'control'::text
                    ELSE d.id::text
                END) AS variant,
            bool_or(d.is_control) AS is_control,
            count(*) AS posts,
            count(*) FILTER (WHERE d.status = 'published') AS published_posts,
            array_agg(d.id ORDER BY d.published_at, d.id) AS distribution_ids,
            sum(d.impressions) AS impressions,
            sum(d.engagements) AS engagements,
            sum(d.clicks) AS clicks,
            sum(d.engagement_base) FILTER (WHERE d.engagement_count IS NOT NULL AND d.engagement_base > 0) AS eng_n,
            sum(d.engagement_count) FILTER (WHERE d.engagement_count IS NOT NULL AND d.engagement_base > 0) AS eng_x,
            sum(d.engagement_base) FILTER (WHERE d.clicks IS NOT NULL AND d.engagement_base > 0) AS click_n,
            sum(d.clicks) FILTER (WHERE d.clicks IS NOT NULL AND d.engagement_base > 0) AS click_x,
            min(d.published_at) AS first_published_at
           FROM public.distributions d
          WHERE d.variant_group IS NOT NULL AND ((d.client_id, d.variant_group) IN ( SELECT k.client_id, k.variant_group FROM unnest(p_client_ids, p_variant_groups) k(client_id, variant_group)))
          GROUP BY d.client_id, d.variant_group, (COALESCE(NULLIF(d.platform_specific ->> 'variant'::text, ''::text),
                CASE
                    WHEN d.is_control THEN 'control'::text
                    ELSE d.id::text
                END))
        ), controls AS (
         SELECT v.client_id,
            v.variant_group,
            sum(v.eng_n) AS eng_n,
            sum(v.eng_x) AS eng_x,
            sum(v.click_n) AS click_n,
            sum(v.click_x) AS click_x
           FROM variants v
          WHERE v.is_control
          GROUP BY v.client_id, v.variant_group
        ), rated AS (
         SELECT v.client_id,
            v.variant_group,
            v.variant,
            v.is_control,
            v.posts,
            v.published_posts,
            v.distribution_ids,
            v.impressions,
            v.engagements,
            v.clicks,
            v.eng_n,
            v.eng_x,
            v.click_n,
            v.click_x,
            v.first_published_at,
            round(100.0 * v.eng_x::numeric / NULLIF(v.eng_n, 0)::numeric, 4) AS engagement_rate,
            round(100.0 * v.click_x::numeric / NULLIF(v.click_n, 0)::numeric, 4) AS click_through_rate,
            round(100.0 * c.eng_x / NULLIF(c.eng_n, 0::numeric), 4) AS control_engagement_rate,
            round(100.0 * c.click_x / NULLIF(c.click_n, 0::numeric), 4) AS control_click_through_rate,
            c.eng_n AS c_eng_n,
            c.eng_x AS c_eng_x,
            c.click_n AS c_click_n,
            c.click_x AS c_click_x
           FROM variants v
             LEFT JOIN controls c ON c.client_id = v.client_id AND c.variant_group = v.variant_group
        )
 SELECT r.client_id,
    r.variant_group,
    r.variant,
    r.is_control,
    r.posts,
    r.published_posts,
    r.distribution_ids,
    r.impressions,
    r.engagements,
    r.clicks,
    r.eng_n AS engagement_base,
    r.eng_x AS engagement_count,
    r.engagement_rate,
    r.click_through_rate,
        CASE
            WHEN NOT r.is_control THEN r.engagement_rate - r.control_engagement_rate
            ELSE NULL::numeric
        END AS engagement_rate_diff,
        CASE
            WHEN NOT r.is_control THEN round(100.0 * (r.engagement_rate / NULLIF(r.control_engagement_rate, 0::numeric) - 1::numeric), 2)
            ELSE NULL::numeric
        END AS engagement_lift_pct,
        CASE
            WHEN NOT r.is_control THEN r.click_through_rate - r.control_click_through_rate
            ELSE NULL::numeric
        END AS ctr_diff,
        CASE
            WHEN NOT r.is_control THEN public.two_proportion_p_value(r.eng_x::numeric, r.eng_n::numeric, r.c_eng_x, r.c_eng_n)
            ELSE NULL::double precision
        END AS engagement_p_value,
        CASE
            WHEN NOT r.is_control THEN public.two_proportion_p_value(r.click_x::numeric, r.click_n::numeric, r.c_click_x, r.c_click_n)
            ELSE NULL::double precision
        END AS ctr_p_value,
    r.first_published_at
   FROM rated r
$$;

COMMENT ON FUNCTION private.compute_ab_test_results(p_client_ids uuid[], p_variant_groups text[]) IS 'The rows of ab_test_results for the given (client_id, variant_group) pairs (the arrays side by side), computed from the distributions: per variant its posts, totals, pooled rates, difference to the control and p-values.';

REVOKE ALL ON FUNCTION private.compute_ab_test_results(p_client_ids uuid[], p_variant_groups text[]) FROM PUBLIC;

CREATE FUNCTION private.refresh_ab_test_results(p_client_ids uuid[], p_variant_groups text[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_clients uuid[];
  v_groups text[];
begin
  select array_agg(k.client_id order by k.client_id, k.variant_group),
         array_agg(k.variant_group order by k.client_id, k.variant_group)
  into v_clients, v_groups
  from (select distinct u.client_id, u.variant_group from unnest(p_client_ids, p_variant_groups) u(client_id, variant_group)
        where u.client_id is not null and u.variant_group is not null) k;
  if v_clients is null then
    return;
  end if;
  -- One writer a client's groups at a time (clients in a fixed order), each computing after the one before it
  -- committed: the statements below read the groups' rows with a snapshot taken after the lock.
  perform pg_advisory_xact_lock(hashtextextended('ab-test:' || c::text, 0))
  from (select distinct x.c from unnest(v_clients) x(c) order by x.c) x;
  delete from public.ab_test_result_rollups r
  using unnest(v_clients, v_groups) k(client_id, variant_group)
  where r.client_id = k.client_id and r.variant_group = k.variant_group;
  insert into public.ab_test_result_rollups
  select * from private.compute_ab_test_results(v_clients, v_groups) c
  where exists (select 1 from public.clients cl where cl.id = c.client_id);
end
$$;

COMMENT ON FUNCTION private.refresh_ab_test_results(p_client_ids uuid[], p_variant_groups text[]) IS 'Recomputes the ab_test_result_rollups rows of the given (client_id, variant_group) pairs under a lock per client, so concurrent writers of one group never store a result missing the other''s rows.';

REVOKE ALL ON FUNCTION private.refresh_ab_test_results(p_client_ids uuid[], p_variant_groups text[]) FROM PUBLIC;

CREATE FUNCTION private.rebuild_ab_test_results() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  delete from public.ab_test_result_rollups;
  insert into public.ab_test_result_rollups
  select * from private.compute_ab_test_results(
    array(select k.client_id from (select distinct d.client_id, d.variant_group from public.distributions d
                                   where d.variant_group is not null order by 1, 2) k),
    array(select k.variant_group from (select distinct d.client_id, d.variant_group from public.distributions d
                                       where d.variant_group is not null order by 1, 2) k));
end
$$;

COMMENT ON FUNCTION private.rebuild_ab_test_results() IS 'Rebuilds ab_test_result_rollups from the distributions (no locks: for migrations and a quiet database).';

REVOKE ALL ON FUNCTION private.rebuild_ab_test_results() FROM PUBLIC;
GRANT ALL ON FUNCTION private.rebuild_ab_test_results() TO service_role;

CREATE FUNCTION private.rollup_ab_test_results() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_clients uuid[];
  v_groups text[];
begin
  -- The groups of the rows whose inputs to ab_test_results changed (a metrics update of an A/B post changes its
  -- group; one of any other post changes none). The results read status only as status = 'published': a claim
  -- (scheduled -> publishing) or a retry (publishing -> scheduled) changes none either.
  if tg_op = 'INSERT' then
    select array_agg(n.client_id), array_agg(n.variant_group) into v_clients, v_groups
    from new_rows n where n.variant_group is not null;
  elsif tg_op = 'DELETE' then
    select array_agg(o.client_id), array_agg(o.variant_group) into v_clients, v_groups
    from old_rows o where o.variant_group is not null;
  else
    with n as (
      select n.id, n.client_id, n.variant_group, n.platform_specific ->> 'variant' as variant, n.is_control,
             n.status = 'published' as published,
             n.published_at, n.impressions, n.engagements, n.clicks, n.engagement_base, n.engagement_count
      from new_rows n where n.variant_group is not null
    ), o as (
      select o.id, o.client_id, o.variant_group, o.platform_specific ->> 'variant' as variant, o.is_control,
             o.status = 'published' as published,
             o.published_at, o.impressions, o.engagements, o.clicks, o.engagement_base, o.engagement_count
      from old_rows o where o.variant_group is not null
    ), changed as (
      (select * from n except select * from o)
      union all
      (select * from o except select * from n)
    )
    select array_agg(c.client_id), array_agg(c.variant_group) into v_clients, v_groups from changed c;
  end if;
  if v_clients is not null then
    perform private.refresh_ab_test_results(v_clients, v_groups);
  end if;
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.rollup_ab_test_results() FROM PUBLIC;

CREATE FUNCTION private.truncate_ab_test_results() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  delete from public.ab_test_result_rollups;
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.truncate_ab_test_results() FROM PUBLIC;

CREATE VIEW public.ab_test_results WITH (security_invoker=true) AS
 SELECT r.client_id,
    r.variant_group,
    r.variant,
    r.is_control,
    r.posts,
    r.published_posts,
    r.distribution_ids,
    r.impressions,
    r.engagements,
    r.clicks,
    r.engagement_base,
    r.engagement_count,
    r.engagement_rate,
    r.click_through_rate,
    r.engagement_rate_diff,
    r.engagement_lift_pct,
    r.ctr_diff,
    r.engagement_p_value,
    r.ctr_p_value,
    r.first_published_at
   FROM ab_test_result_rollups r;

COMMENT ON VIEW public.ab_test_results IS 'A/B tests: one row per variant of each variant_group (variant = platform_specific.variant, else "control" for is_control rows, else the distribution id): posts, totals, pooled rates, difference to the control (percentage points and relative lift) and the two-sided p-value of a two-proportion z-test against the control (engagements and clicks per engagement_base unit). Conclusions: table ab_tests. Reads ab_test_result_rollups, recomputed for a group by triggers whenever its distributions change (private.compute_ab_test_results).';

GRANT SELECT ON TABLE public.ab_test_results TO authenticated;
GRANT SELECT ON TABLE public.ab_test_results TO service_role;

CREATE TRIGGER distributions_ab_test_results_delete AFTER DELETE ON public.distributions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_ab_test_results();

CREATE TRIGGER distributions_ab_test_results_insert AFTER INSERT ON public.distributions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_ab_test_results();

CREATE TRIGGER distributions_ab_test_results_truncate AFTER TRUNCATE ON public.distributions FOR EACH STATEMENT EXECUTE FUNCTION private.truncate_ab_test_results();

CREATE TRIGGER distributions_ab_test_results_update AFTER UPDATE ON public.distributions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_ab_test_results();
