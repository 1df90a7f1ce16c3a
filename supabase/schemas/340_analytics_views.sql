-- Analytics views: conversions, cross-post groups (A/B test results: 350_ab_tests.sql; pattern lift:
-- 385_report_window_rollups.sql; content performance: 386_content_performance_rollups.sql).

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
  WHERE d.status = 'published';

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
    count(d.id) FILTER (WHERE d.status = 'published') AS published,
    count(d.id) FILTER (WHERE d.status = 'failed') AS failed,
    count(d.id) FILTER (WHERE d.status IN ('draft', 'scheduled', 'publishing', 'unconfirmed')) AS pending,
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
