-- Every minute, wake the publish function. Each run lasts up to its budget (55 s by default) and publishes
-- rows at their due second; overlapping runs are safe (claims use FOR UPDATE SKIP LOCKED under leases).
-- pg_cron 1.4 (local) has minute schedules only; on pg_cron >= 1.5 a '30 seconds' schedule also works.
select cron.schedule(
  'publish-due-distributions',
  '* * * * *',
  $$select private.invoke_edge_function('publish', '{}'::jsonb, 65000, true)$$
);
