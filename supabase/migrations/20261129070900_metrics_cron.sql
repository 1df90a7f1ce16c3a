-- Cron jobs of metrics and optimization. Each only wakes an edge function (service role); what is due is decided
-- in SQL (claim_metrics_due, conclude_ab_tests), so a lost wake-up delays nothing past the next tick.
--   sync-metrics (every minute; the cadence table decides which posts are due) -> metrics
--   refresh-posting-patterns (hourly) -> learn-posting-times
--   conclude-ab-tests (hourly) -> ab-tests (which calls private.conclude_ab_tests)
select cron.schedule('sync-metrics', '* * * * *',
  $$select private.invoke_edge_function('metrics', '{}'::jsonb, 65000, true)$$);
select cron.schedule('refresh-posting-patterns', '17 * * * *',
  $$select private.invoke_edge_function('learn-posting-times', '{}'::jsonb, 120000, true)$$);
select cron.schedule('conclude-ab-tests', '43 * * * *',
  $$select private.invoke_edge_function('ab-tests', '{}'::jsonb, 60000, true)$$);
