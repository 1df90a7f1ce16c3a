-- Analytics views: conversions (A/B test results: 350_ab_tests.sql; pattern lift: 385_report_window_rollups.sql;
-- content performance: 386_content_performance_rollups.sql; cross-post groups: 387_cross_post_group_rollups.sql).

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
