-- Report views: failed distributions, the calendar overview (performance by platform, best posting times: 385_report_window_rollups.sql).

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

CREATE VIEW public.publishing_calendar_overview WITH (security_invoker=true) AS
 SELECT pc.date,
    p.name AS platform,
    count(pc.distribution_id) AS scheduled_posts,
    array_agg(pc.time_slot ORDER BY pc.time_slot) AS time_slots
   FROM publishing_calendar pc
     JOIN platforms p ON pc.platform_id = p.id
  WHERE pc.date >= (now() AT TIME ZONE pc.timezone)::date AND pc.date <= ((now() AT TIME ZONE pc.timezone)::date + 7)
  GROUP BY pc.date, p.id, p.name
  ORDER BY pc.date, p.name;

COMMENT ON VIEW public.publishing_calendar_overview IS 'Seed report "Publishing Calendar Overview": per day and platform for the next 7 days (today = the slot''s local date), the slots and how many hold a post.';

GRANT SELECT ON TABLE public.publishing_calendar_overview TO authenticated;
GRANT SELECT ON TABLE public.publishing_calendar_overview TO service_role;
