-- The pg_cron jobs. Each wakes an edge function through private.invoke_edge_function (URL and service-role
-- key from Vault) or runs a private function; a missing Vault secret shows in cron.job_run_details.

-- Wakes the distribution-request processor every minute while requests wait (pending, or processing and
-- claimed more than five minutes ago).
select cron.schedule(
  'sweep-distribution-requests',
  '* * * * *',
  $$select private.invoke_edge_function('process-distribution-requests', '{}'::jsonb, 30000, true)
    where exists (select 1 from public.distribution_requests
                  where status = 'pending' or (status = 'processing' and claimed_at < now() - interval '5 minutes'))$$
);

-- Publishes due distributions every minute.
select cron.schedule('publish-due-distributions', '* * * * *',
  $$select private.invoke_edge_function('publish', '{}'::jsonb, 65000, true)$$);

-- Delivers outbound webhooks every minute.
select cron.schedule('deliver-webhooks', '* * * * *',
  $$select private.invoke_edge_function('deliver-webhooks', '{}'::jsonb, 30000, true)$$);

-- Metrics: sync-metrics every minute (the cadence table decides which posts are due), posting patterns and
-- A/B test conclusions hourly.
select cron.schedule('sync-metrics', '* * * * *',
  $$select private.invoke_edge_function('metrics', '{}'::jsonb, 65000, true)$$);
select cron.schedule('refresh-posting-patterns', '17 * * * *',
  $$select private.invoke_edge_function('learn-posting-times', '{}'::jsonb, 120000, true)$$);
select cron.schedule('conclude-ab-tests', '43 * * * *',
  $$select private.invoke_edge_function('ab-tests', '{}'::jsonb, 60000, true)$$);

-- Retention: prunes history hourly in bounded batches (public.retention_settings).
select cron.schedule('prune-history', '23 * * * *', $$select private.prune_history()$$);

-- Renews OAuth 2.0 access tokens expiring within a day, hourly (platforms/token-renewal.ts).
select cron.schedule('renew-expiring-tokens', '37 * * * *',
  $$select private.invoke_edge_function('renew-tokens', '{}'::jsonb, 60000, true)$$);

-- Moves the windowed report rollups' starts to the windows' starts hourly (385_report_window_rollups.sql).
select cron.schedule('advance-report-windows', '11 * * * *', $$select private.advance_report_windows()$$);
