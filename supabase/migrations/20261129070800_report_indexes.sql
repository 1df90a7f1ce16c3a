-- Indexes that keep the report views fast at 1M distributions and 10M snapshots (measured by bench/reports).
-- The views read the distributions' summary columns, never the snapshot table.

-- Published posts by time: performance by platform (30 days) and best times (90 days) become index-only range
-- scans; the included columns cover both views and the client_id filter row-level security adds.
create index idx_distributions_published_report on public.distributions (published_at)
  include (platform_id, client_id, impressions, engagement_rate, click_through_rate, clicks, timezone)
  where status = 'published';

-- Failed posts, newest scheduled first (failed_distributions: ORDER BY scheduled_for DESC LIMIT 20).
create index idx_distributions_failed on public.distributions (scheduled_for desc) where status = 'failed';

-- Queue depth per platform and status (platform_health) without touching published rows.
create index idx_distributions_queue on public.distributions (platform_id, status)
  where status in ('draft', 'scheduled', 'publishing', 'failed', 'unconfirmed');

-- A/B tests: the few rows in a variant group.
create index idx_distributions_variant_group on public.distributions (client_id, variant_group)
  where variant_group is not null;

-- Pattern lift: per pattern, applied vs not, index-only.
create index idx_pattern_feedback_lift on public.pattern_feedback (pattern_id, pattern_applied)
  include (engagement_rate, engagement_base, engagement_count);

-- Snapshots of one post over time (a chart of a post's metrics; the latest snapshot).
create index idx_distribution_metrics_distribution_recorded on public.distribution_metrics (distribution_id, recorded_at desc);
