-- Report views: failed distributions (performance by platform, best posting times: 385_report_window_rollups.sql; the
-- calendar overview: 388_publishing_calendar_rollups.sql).

CREATE VIEW public.failed_distributions WITH (security_invoker=true) AS
 SELECT d.id,
    p.name AS platform,
    d.title,
    d.scheduled_for,
    d.error_message,
    d.retry_count
   FROM distributions d
     JOIN platforms p ON d.platform_id = p.id
  WHERE d.status = 'failed'
  ORDER BY d.scheduled_for DESC
 LIMIT 20;

COMMENT ON VIEW public.failed_distributions IS 'Seed report "Failed Distributions": the 20 most recently scheduled failed posts and why they failed.';

GRANT SELECT ON TABLE public.failed_distributions TO authenticated;
GRANT SELECT ON TABLE public.failed_distributions TO service_role;

