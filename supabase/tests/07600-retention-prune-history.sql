-- private.prune_history(): aged rows of every target are deleted past their retention, what audits and running
-- work need is kept, snapshots are downsampled (the reports answer the same), and a run deletes in bounded
-- batches. Settings are readable by members and writable by the service role only.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(49);
select tests.create_two_clients();

-- Fixture ids (A): a published post (final), a failed one (not final), a cancelled one (final).
insert into distributions (id, client_id, platform_id, content_type, body, status, scheduled_for, published_at,
                           external_id, error_message) values
  ('00000000-0000-4000-8000-00000000d001', tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual', 'p',
   'published', now() - interval '400 days', now() - interval '400 days', 'old-1', null),
  ('00000000-0000-4000-8000-00000000d002', tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual', 'f',
   'failed', now() - interval '400 days', null, null, 'gave up'),
  ('00000000-0000-4000-8000-00000000d003', tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual', 'c',
   'cancelled', now() - interval '400 days', null, null, null);

-- Attempts: 200 days old and 10 days old, on each of the three.
insert into distribution_attempts (id, distribution_id, client_id, platform_id, started_at, finished_at, outcome)
select gen_random_uuid(), d, tests.fx('A', 'client'), tests.fx('A', 'platform'), now() - age, now() - age,
       case when d = '00000000-0000-4000-8000-00000000d001'::uuid then 'published' else 'transient' end
from unnest(array['00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-00000000d002',
                  '00000000-0000-4000-8000-00000000d003']::uuid[]) d,
     unnest(array[interval '200 days', interval '10 days']) age;

-- Snapshots of the published post: one every 6 hours for 400 days, the last 1 hour ago.
insert into distribution_metrics (distribution_id, client_id, recorded_at, impressions, engagements)
select '00000000-0000-4000-8000-00000000d001', tests.fx('A', 'client'),
       now() - interval '1 hour' - make_interval(hours => 6 * i), 10000 - i, 100 - (i % 100)
from generate_series(0, 1599) i;
create temp table snapshots_before as select * from distribution_metrics;

-- Outbound deliveries: delivered, failed and pending 40 days ago; delivered 5 days ago.
insert into webhook_endpoints (id, client_id, url) values
  ('00000000-0000-4000-8000-000000000e01', tests.fx('A', 'client'), 'https://hooks.example/a');
insert into webhook_deliveries (client_id, endpoint_id, event, payload, status, created_at, updated_at, delivered_at)
values
  (tests.fx('A', 'client'), '00000000-0000-4000-8000-000000000e01', 'old-delivered', '{}', 'delivered',
   now() - interval '40 days', now() - interval '40 days', now() - interval '40 days'),
  (tests.fx('A', 'client'), '00000000-0000-4000-8000-000000000e01', 'old-failed', '{}', 'failed',
   now() - interval '40 days', now() - interval '40 days', null),
  (tests.fx('A', 'client'), '00000000-0000-4000-8000-000000000e01', 'old-pending', '{}', 'pending',
   now() - interval '40 days', now() - interval '40 days', null),
  (tests.fx('A', 'client'), '00000000-0000-4000-8000-000000000e01', 'recent-delivered', '{}', 'delivered',
   now() - interval '5 days', now() - interval '5 days', now() - interval '5 days');

-- Inbound platform callbacks: 40 days and 5 days old.
insert into platform_webhook_events (client_id, platform_id, received_at, event_type, outcome) values
  (tests.fx('A', 'client'), tests.fx('A', 'platform'), now() - interval '40 days', 'old', 'applied'),
  (tests.fx('A', 'client'), tests.fx('A', 'platform'), now() - interval '5 days', 'recent', 'applied');

-- Content-generation requests: done and failed 40 days ago, pending 40 days old, done 5 days ago.
insert into distribution_requests (client_id, content_id, status, requested_at, created_at, updated_at, error)
values
  (tests.fx('A', 'client'), tests.fx('A', 'content'), 'done', now() - interval '40 days', now() - interval '40 days',
   now() - interval '40 days', 'old-done'),
  (tests.fx('A', 'client'), tests.fx('A', 'content'), 'failed', now() - interval '40 days', now() - interval '40 days',
   now() - interval '40 days', 'old-failed'),
  (tests.fx('A', 'client'), tests.fx('A', 'content'), 'pending', now() - interval '40 days', now() - interval '40 days',
   now() - interval '40 days', 'old-pending'),
  (tests.fx('A', 'client'), tests.fx('A', 'content'), 'done', now() - interval '5 days', now() - interval '5 days',
   now() - interval '5 days', 'recent-done');

-- Cancellations: done 40 days ago, pending 40 days old, done 5 days ago.
insert into platform_cancellations (client_id, platform_id, external_id, reason, status, created_at, updated_at)
values
  (tests.fx('A', 'client'), tests.fx('A', 'platform'), 'old-done', 'cancelled', 'done', now() - interval '40 days',
   now() - interval '40 days'),
  (tests.fx('A', 'client'), tests.fx('A', 'platform'), 'old-pending', 'cancelled', 'pending',
   now() - interval '40 days', now() - interval '40 days'),
  (tests.fx('A', 'client'), tests.fx('A', 'platform'), 'recent-done', 'cancelled', 'done', now() - interval '5 days',
   now() - interval '5 days');

-- Sync stats: an hour 100 days ago, the current hour.
insert into metrics_sync_stats (platform_id, client_id, hour, synced, failed) values
  (tests.fx('A', 'platform'), tests.fx('A', 'client'), date_bin(interval '1 hour', now() - interval '100 days',
   timestamptz '2000-01-01 00:00:00+00'), 7, 1),
  (tests.fx('A', 'platform'), tests.fx('A', 'client'), date_bin(interval '1 hour', now(),
   timestamptz '2000-01-01 00:00:00+00'), 3, 2)
on conflict (platform_id, hour) do update set synced = excluded.synced, failed = excluded.failed;

-- pg_cron's run log and pg_net's responses.
insert into cron.job_run_details (jobid, command, status, return_message, start_time, end_time) values
  (424242, 'old run', 'succeeded', '1 row', now() - interval '8 days', now() - interval '8 days'),
  (424242, 'recent run', 'succeeded', '1 row', now() - interval '1 day', now() - interval '1 day');
insert into net._http_response (id, status_code, content, created) values
  (-424241, 200, 'old response', now() - interval '2 days'),
  (-424242, 200, 'recent response', now() - interval '1 hour');

-- Idempotency-Key answers: honoured for 24 hours, then pruned.
insert into idempotency_keys (user_id, endpoint, key, request_hash, status, response_body, created_at, completed_at)
values
  (tests.get_user_id('owner_a@test.local'), 'schedule', 'old-key', repeat('a', 64), 201, '{}',
   now() - interval '25 hours', now() - interval '25 hours'),
  (tests.get_user_id('owner_a@test.local'), 'schedule', 'recent-key', repeat('b', 64), 201, '{}',
   now() - interval '1 hour', now() - interval '1 hour');

-- The reports, as the owner of A sees them, before pruning.
create function pg_temp.reports() returns table (report text, answer text) language sql as $$
  select v, (select string_agg(x, E'\n' order by x) from (select t::text as x from
             (select * from public.platform_health) t where v = 'platform_health'
             union all select t::text from public.distribution_performance_by_platform t where v = 'performance'
             union all select t::text from public.best_performing_times t where v = 'best_times'
             union all select t::text from public.publishing_calendar_overview t where v = 'calendar'
             union all select t::text from public.failed_distributions t where v = 'failed'
             union all select t::text from public.cross_post_group_summary t where v = 'groups'
             union all select t::text from public.content_performance t where v = 'content'
             union all select t::text from public.conversion_report t where v = 'conversions'
             union all select t::text from public.conversion_report_by_platform t where v = 'conversions_by_platform'
             union all select t::text from public.pattern_lift t where v = 'pattern_lift'
             union all select t::text from public.ab_test_results t where v = 'ab_tests'
             -- What a report reading the latest snapshot of each post gets.
             union all select t::text from (select distinct on (m.distribution_id) m.distribution_id, m.recorded_at,
                                                   m.impressions, m.engagements
                                            from public.distribution_metrics m
                                            order by m.distribution_id, m.recorded_at desc) t where v = 'latest_snapshot'
            ) s)
  from unnest(array['platform_health', 'performance', 'best_times', 'calendar', 'failed', 'groups', 'content',
                    'conversions', 'conversions_by_platform', 'pattern_lift', 'ab_tests', 'latest_snapshot']) v
$$;
grant execute on function pg_temp.reports() to authenticated;
select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
create temp table reports_before as select * from pg_temp.reports();
select tests.clear_authentication();

create temp table pruned as select private.prune_history() as result;
select is((select count(*)::int from pruned, jsonb_each(result) e where jsonb_typeof(e.value) <> 'number'), 0,
  'every target was pruned (none reported an error)');
-- A year of backlog is downsampled a week per statement, 20 statements per run: the first run does part of it.
select cmp_ok((select (result ->> 'distribution_metrics')::int from pruned), '>', 0,
  'the first run downsamples part of the snapshot backlog');
select ok(exists (select 1 from distribution_metrics
                  where recorded_at < now() - interval '32 days'
                  group by date_bin(interval '1 day', recorded_at, timestamptz '2000-01-03 00:00:00+00')
                  having count(*) > 1),
  '... and leaves the rest for the next runs');
create function pg_temp.drain() returns int language plpgsql as $$
declare v_runs int := 0;
begin
  loop
    v_runs := v_runs + 1;
    exit when (private.prune_history() ->> 'distribution_metrics')::int = 0 or v_runs >= 20;
  end loop;
  return v_runs;
end $$;
select cmp_ok(pg_temp.drain(), '<', 20, 'the following runs finish it');
select isnt(answer, null, 'report ' || report || ' has rows to compare') from reports_before
where report in ('latest_snapshot', 'platform_health', 'performance') order by report;

-- Attempts.
select is((select count(*)::int from distribution_attempts where distribution_id = '00000000-0000-4000-8000-00000000d001'
             and finished_at < now() - interval '180 days'), 0,
  'attempts of a published post older than 180 days are deleted');
select is((select count(*)::int from distribution_attempts where distribution_id = '00000000-0000-4000-8000-00000000d003'
             and finished_at < now() - interval '180 days'), 0, '... and of a cancelled one');
select is((select count(*)::int from distribution_attempts where distribution_id = '00000000-0000-4000-8000-00000000d002'),
  2, 'attempts of a row that is not final (failed: may be retried) are all kept, however old');
select is((select count(*)::int from distribution_attempts where distribution_id in
             ('00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-00000000d003')
             and finished_at > now() - interval '180 days'), 2, 'recent attempts of final rows are kept');

-- Snapshots: all of the last 30 days, one per UTC day until a year, one per week before.
select is((select count(*)::int from distribution_metrics where recorded_at >= now() - interval '30 days'),
  (select count(*)::int from snapshots_before where recorded_at >= now() - interval '30 days'),
  'every snapshot of the last 30 days is kept');
select is((select count(*)::int from (
             select date_bin(interval '1 day', recorded_at, timestamptz '2000-01-03 00:00:00+00') b, count(*) n
             from distribution_metrics
             where date_bin(interval '1 day', recorded_at, timestamptz '2000-01-03 00:00:00+00') between now() - interval '364 days' and now() - interval '32 days'
             group by 1) s where n <> 1), 0,
  'days between a month and a year old: exactly one snapshot per day');
select is((select count(*)::int from (
             select date_bin(interval '1 day', recorded_at, timestamptz '2000-01-03 00:00:00+00') b
             from snapshots_before
             where date_bin(interval '1 day', recorded_at, timestamptz '2000-01-03 00:00:00+00') between now() - interval '364 days' and now() - interval '32 days'
             group by 1) s),
  (select count(*)::int from distribution_metrics
    where date_bin(interval '1 day', recorded_at, timestamptz '2000-01-03 00:00:00+00') between now() - interval '364 days' and now() - interval '32 days'),
  '... no day that had snapshots lost them all');
select is((select array_agg(m.id order by m.id) from distribution_metrics m
            where date_bin(interval '1 day', m.recorded_at, timestamptz '2000-01-03 00:00:00+00')
                  between now() - interval '364 days' and now() - interval '32 days'),
  (select array_agg(id order by id) from (
     select distinct on (date_bin(interval '1 day', recorded_at, timestamptz '2000-01-03 00:00:00+00')) id, recorded_at
     from snapshots_before
     order by date_bin(interval '1 day', recorded_at, timestamptz '2000-01-03 00:00:00+00'), recorded_at desc) s
   where date_bin(interval '1 day', recorded_at, timestamptz '2000-01-03 00:00:00+00') between now() - interval '364 days' and now() - interval '32 days'),
  '... and it is the last snapshot of that day');
select is((select count(*)::int from (
             select date_bin(interval '7 days', recorded_at, timestamptz '2000-01-03 00:00:00+00') b, count(*) n
             from distribution_metrics where date_bin(interval '7 days', recorded_at, timestamptz '2000-01-03 00:00:00+00') < now() - interval '379 days'
             group by 1) s where n <> 1), 0,
  'weeks older than a year: exactly one snapshot per week');
select is((select array_agg(m.id order by m.id) from distribution_metrics m
            where date_bin(interval '7 days', m.recorded_at, timestamptz '2000-01-03 00:00:00+00')
                  < now() - interval '379 days'),
  (select array_agg(id order by id) from (
     select distinct on (date_bin(interval '7 days', recorded_at, timestamptz '2000-01-03 00:00:00+00')) id, recorded_at
     from snapshots_before
     order by date_bin(interval '7 days', recorded_at, timestamptz '2000-01-03 00:00:00+00'), recorded_at desc) s
   where date_bin(interval '7 days', recorded_at, timestamptz '2000-01-03 00:00:00+00') < now() - interval '379 days'),
  '... the last of each week');
select cmp_ok((select count(*)::int from distribution_metrics where distribution_id = '00000000-0000-4000-8000-00000000d001'),
  '<', 600, 'the post''s 1,600 snapshots are downsampled to a few hundred');
select is((select count(*)::int from distribution_metrics where id = tests.fx('A', 'metric')), 1,
  'a recent snapshot of another post is untouched');

-- The reports answer the same.
select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select is(a.answer, b.answer, 'report ' || b.report || ' answers the same after pruning')
from reports_before b join pg_temp.reports() a on a.report = b.report
order by b.report;
select tests.clear_authentication();

-- Deliveries, callbacks, requests, cancellations, stats, run log, responses.
select is(array(select event from webhook_deliveries where endpoint_id = '00000000-0000-4000-8000-000000000e01' order by event),
  array['old-pending', 'recent-delivered'],
  'webhook deliveries: delivered and failed ones past 30 days are deleted, pending and recent ones kept');
select is(array(select event_type from platform_webhook_events where platform_id = tests.fx('A', 'platform')),
  array['recent'], 'platform webhook events past 30 days are deleted');
select is(array(select error from distribution_requests where content_id = tests.fx('A', 'content') order by error),
  array['old-pending', 'recent-done'],
  'distribution requests: done and failed ones past 30 days are deleted, open and recent ones kept');
select is(array(select external_id from platform_cancellations where platform_id = tests.fx('A', 'platform')
                order by external_id),
  array['old-pending', 'recent-done'], 'cancellations: finished ones past 30 days are deleted, open ones kept');
select is((select array_agg(synced order by hour) from metrics_sync_stats where platform_id = tests.fx('A', 'platform')),
  array[3], 'sync stats: hours past 90 days are deleted, the current hour kept');
select is(array(select command from cron.job_run_details where jobid = 424242), array['recent run'],
  'cron.job_run_details: runs past 7 days are deleted');
select is(array(select content from net._http_response where id in (-424241, -424242)), array['recent response'],
  'net._http_response: responses past a day are deleted');
select is(array(select key from idempotency_keys where user_id = tests.get_user_id('owner_a@test.local') order by key),
  array['recent-key'], 'idempotency keys: answers past a day are deleted');
select is((select (result ->> 'webhook_deliveries')::int from pruned), 2, 'the result counts the rows deleted per target');

-- Bounded: at most batch_size rows per statement and max_batches statements per target and run.
insert into platform_webhook_events (client_id, platform_id, received_at, event_type, outcome)
select tests.fx('B', 'client'), tests.fx('B', 'platform'), now() - interval '40 days' - make_interval(mins => i),
       'aged', 'applied'
from generate_series(1, 10) i;
update retention_settings set batch_size = 2, max_batches = 2 where target = 'platform_webhook_events';
select is((select (private.prune_history() ->> 'platform_webhook_events')::int), 4,
  'one run deletes at most batch_size x max_batches rows of a target');
select is((select count(*)::int from platform_webhook_events where event_type = 'aged'), 6, '... the rest waits');
select is((select min(received_at) from platform_webhook_events where event_type = 'aged'),
  now() - interval '40 days' - interval '6 minutes', '... oldest first');

-- Settings: members read them, only the service role writes them.
select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select cmp_ok((select count(*)::int from retention_settings), '>=', 10, 'members can read the retention settings');
select throws_ok($$ update retention_settings set keep_for = interval '1 day' $$, '42501', null,
  'an owner cannot change them');
select throws_ok($$ insert into retention_settings (target, keep_for) values ('x', interval '1 day') $$, '42501', null,
  '... nor add one');
select tests.authenticate_as_service_role();
select lives_ok($$ update retention_settings set keep_for = interval '60 days' where target = 'webhook_deliveries' $$,
  'the service role can');
select throws_ok($$ update retention_settings set keep_for = interval '1 hour' where target = 'webhook_deliveries' $$,
  '23514', null, 'a retention under a day is refused');
select tests.clear_authentication();
select isnt((select jobid from cron.job where jobname = 'prune-history'), null, 'the hourly job exists');

select * from finish();
rollback;
