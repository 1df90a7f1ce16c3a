-- Analytics views: content performance, conversions, cross-post groups, A/B test results (pattern lift: 385_report_window_rollups.sql).

CREATE VIEW public.ab_test_results WITH (security_invoker=true) AS
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
            count(*) FILTER (WHERE d.status = 'published'::text) AS published_posts,
            array_agg(d.id ORDER BY d.published_at, d.id) AS distribution_ids,
            sum(d.impressions) AS impressions,
            sum(d.engagements) AS engagements,
            sum(d.clicks) AS clicks,
            sum(d.engagement_base) FILTER (WHERE d.engagement_count IS NOT NULL AND d.engagement_base > 0) AS eng_n,
            sum(d.engagement_count) FILTER (WHERE d.engagement_count IS NOT NULL AND d.engagement_base > 0) AS eng_x,
            sum(d.engagement_base) FILTER (WHERE d.clicks IS NOT NULL AND d.engagement_base > 0) AS click_n,
            sum(d.clicks) FILTER (WHERE d.clicks IS NOT NULL AND d.engagement_base > 0) AS click_x,
            min(d.published_at) AS first_published_at
           FROM distributions d
          WHERE d.variant_group IS NOT NULL
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
            WHEN NOT r.is_control THEN two_proportion_p_value(r.eng_x::numeric, r.eng_n::numeric, r.c_eng_x, r.c_eng_n)
            ELSE NULL::double precision
        END AS engagement_p_value,
        CASE
            WHEN NOT r.is_control THEN two_proportion_p_value(r.click_x::numeric, r.click_n::numeric, r.c_click_x, r.c_click_n)
            ELSE NULL::double precision
        END AS ctr_p_value,
    r.first_published_at
   FROM rated r;

COMMENT ON VIEW public.ab_test_results IS 'A/B tests: one row per variant of each variant_group (variant = platform_specific.variant, else "control" for is_control rows, else the distribution id): posts, totals, pooled rates, difference to the control (percentage points and relative lift) and the two-sided p-value of a two-proportion z-test against the control (engagements and clicks per engagement_base unit). Conclusions: table ab_tests.';

GRANT SELECT ON TABLE public.ab_test_results TO authenticated;
GRANT SELECT ON TABLE public.ab_test_results TO service_role;

CREATE VIEW public.content_performance WITH (security_invoker=true) AS
 SELECT c.id AS content_id,
    c.client_id,
    c.title,
    c.status,
    c.content_type,
    count(d.id) AS distributions,
    count(d.id) FILTER (WHERE d.status = 'published'::text) AS published,
    array_agg(DISTINCT p.name) FILTER (WHERE d.status = 'published'::text) AS platforms,
    min(d.published_at) AS first_published_at,
    sum(d.impressions) AS impressions,
    sum(d.video_views) AS video_views,
    sum(d.engagements) AS engagements,
    sum(d.clicks) AS clicks,
    sum(d.conversions) AS conversions,
    sum(d.conversion_value) AS conversion_value,
    round(avg(d.engagement_rate), 2) AS avg_engagement_rate,
    round(100.0 * sum(d.engagement_count) FILTER (WHERE d.engagement_count IS NOT NULL AND d.engagement_base > 0)::numeric / NULLIF(sum(d.engagement_base) FILTER (WHERE d.engagement_count IS NOT NULL AND d.engagement_base > 0), 0)::numeric, 4) AS engagement_rate,
    (array_agg(p.name ORDER BY d.engagement_rate DESC) FILTER (WHERE d.engagement_rate IS NOT NULL))[1] AS best_platform,
    max(d.engagement_rate) AS best_engagement_rate
   FROM generated_content c
     LEFT JOIN distributions d ON d.content_id = c.id
     LEFT JOIN platforms p ON p.id = d.platform_id
  GROUP BY c.id, c.client_id;

COMMENT ON VIEW public.content_performance IS 'Per piece of content, across every platform it went to: posts, totals, average and pooled engagement rate, and the platform where it engaged best.';

GRANT SELECT ON TABLE public.content_performance TO authenticated;
GRANT SELECT ON TABLE public.content_performance TO service_role;

CREATE VIEW public.conversion_report WITH (security_invoker=true) AS
 SELECT d.id AS distribution_id,
    d.client_id,
    d.platform_id,
    p.name AS platform,
    p.kind,
    d.title,
    d.cross_post_group_id,
    d.content_id,
    d.published_at,
    d.clicks,
    d.conversions,
    d.conversion_value,
    round(100.0 * d.conversions::numeric / NULLIF(d.clicks, 0)::numeric, 4) AS conversion_rate
   FROM distributions d
     JOIN platforms p ON p.id = d.platform_id
  WHERE d.status = 'published'::text;

COMMENT ON VIEW public.conversion_report IS 'Clicks -> conversions per published distribution: conversion_rate = 100 * conversions / clicks (null when the platform reported no clicks). Conversions and value come from the rollup kept on distributions.';

GRANT SELECT ON TABLE public.conversion_report TO authenticated;
GRANT SELECT ON TABLE public.conversion_report TO service_role;

CREATE VIEW public.cross_post_group_summary WITH (security_invoker=true) AS
 SELECT g.id AS cross_post_group_id,
    g.client_id,
    g.name,
    g.status,
    g.timing_strategy,
    g.source_content_id,
    count(d.id) AS distributions,
    count(d.id) FILTER (WHERE d.status = 'published'::text) AS published,
    count(d.id) FILTER (WHERE d.status = 'failed'::text) AS failed,
    count(d.id) FILTER (WHERE d.status = ANY (ARRAY['draft'::text, 'scheduled'::text, 'publishing'::text, 'unconfirmed'::text])) AS pending,
    array_agg(DISTINCT p.name) FILTER (WHERE p.name IS NOT NULL) AS platforms,
    min(d.published_at) AS first_published_at,
    max(d.published_at) AS last_published_at,
    sum(d.impressions) AS impressions,
    sum(d.engagements) AS engagements,
    sum(d.clicks) AS clicks,
    sum(d.conversions) AS conversions,
    round(100.0 * sum(d.engagement_count) FILTER (WHERE d.engagement_count IS NOT NULL AND d.engagement_base > 0)::numeric / NULLIF(sum(d.engagement_base) FILTER (WHERE d.engagement_count IS NOT NULL AND d.engagement_base > 0), 0)::numeric, 4) AS engagement_rate,
    round(100.0 * sum(d.clicks) FILTER (WHERE d.clicks IS NOT NULL AND d.engagement_base > 0)::numeric / NULLIF(sum(d.engagement_base) FILTER (WHERE d.clicks IS NOT NULL AND d.engagement_base > 0), 0)::numeric, 4) AS click_through_rate
   FROM cross_post_groups g
     LEFT JOIN distributions d ON d.cross_post_group_id = g.id
     LEFT JOIN platforms p ON p.id = d.platform_id
  GROUP BY g.id, g.client_id;

COMMENT ON VIEW public.cross_post_group_summary IS 'Per cross-post group: its posts by state, platforms, first/last publication, totals and pooled rates.';

GRANT SELECT ON TABLE public.cross_post_group_summary TO authenticated;
GRANT SELECT ON TABLE public.cross_post_group_summary TO service_role;
