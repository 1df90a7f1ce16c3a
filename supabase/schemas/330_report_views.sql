-- Report views: performance by platform, best posting times, failed distributions, the calendar overview.

CREATE VIEW public.best_performing_times WITH (security_invoker=true) AS
 SELECT p.name AS platform,
    EXTRACT(dow FROM (d.published_at AT TIME ZONE d.timezone)) AS day_of_week,
    EXTRACT(hour FROM (d.published_at AT TIME ZONE d.timezone)) AS hour,
    count(*) AS posts,
    round(avg(d.engagement_rate), 2) AS avg_engagement
   FROM distributions d
     JOIN platforms p ON d.platform_id = p.id
  WHERE d.status = 'published' AND d.published_at > (now() - '90 days'::interval) AND d.engagement_rate IS NOT NULL
  GROUP BY p.id, p.name, (EXTRACT(dow FROM (d.published_at AT TIME ZONE d.timezone))), (EXTRACT(hour FROM (d.published_at AT TIME ZONE d.timezone)))
 HAVING count(*) >= 3
  ORDER BY p.name, (round(avg(d.engagement_rate), 2)) DESC;

COMMENT ON VIEW public.best_performing_times IS 'Seed report "Best Performing Times": engagement by day of week (0 = Sunday) and hour of publication in the distribution''s own time zone, last 90 days, slots with at least 3 posts.';

GRANT SELECT ON TABLE public.best_performing_times TO authenticated;
GRANT SELECT ON TABLE public.best_performing_times TO service_role;

CREATE VIEW public.distribution_performance_by_platform WITH (security_invoker=true) AS
 SELECT p.name AS platform,
    count(d.id) AS total_posts,
    round(avg(d.impressions), 0) AS avg_impressions,
    round(avg(d.engagement_rate), 2) AS avg_engagement_rate,
    round(avg(d.click_through_rate), 2) AS avg_ctr,
    sum(d.clicks) AS total_clicks
   FROM distributions d
     JOIN platforms p ON d.platform_id = p.id
  WHERE d.status = 'published' AND d.published_at > (now() - '30 days'::interval)
  GROUP BY p.id, p.name
  ORDER BY (round(avg(d.engagement_rate), 2)) DESC;

COMMENT ON VIEW public.distribution_performance_by_platform IS 'Seed report "Distribution Performance by Platform": published posts of the last 30 days per platform. Averages skip metrics the platform did not report (null), never counting them as 0.';

GRANT SELECT ON TABLE public.distribution_performance_by_platform TO authenticated;
GRANT SELECT ON TABLE public.distribution_performance_by_platform TO service_role;

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
