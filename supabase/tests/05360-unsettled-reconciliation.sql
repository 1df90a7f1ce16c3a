-- A claim whose look-up of an earlier unknown attempt failed sent nothing: recorded as unsettled, it keeps the
-- row's lease and attempt as unknown does, but adds no unresolved attempt and no lapse, and counts as an API error
-- only when the platform answered the look-up with an error status.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(8);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, posts_per_hour, posts_per_day, min_interval_minutes, publish_config)
values ('00000000-0000-4000-8000-0000000536a1', tests.fx('A', 'client'), 'Processing', 'tiktok', null, null, 0,
        '{"reconcile_after_seconds": 90}');
insert into distributions (id, client_id, content_type, platform_id, body, status, scheduled_for)
values ('00000000-0000-4000-8000-000000053601', tests.fx('A', 'client'), 'manual',
        '00000000-0000-4000-8000-0000000536a1', 'a long transcode', 'scheduled', now() - interval '1 minute');

-- sent, no answer: unknown, with the platform's reference
select count(*) from private.record_publish_outcomes((
  select jsonb_agg(jsonb_build_object('id', c.id, 'attempt_id', c.attempt_id, 'outcome', 'unknown',
                                      'message', 'still processing', 'external_id', 'v_pub_1'))
  from private.claim_due_distributions(10, 60) c));
-- its lease lapses; the next claim asks about it, the platform is still processing it: unsettled
update distributions set lease_expires_at = now() - interval '1 second' where status = 'publishing';
create temp table asked as select * from private.claim_due_distributions(10, 60);
select is((select jsonb_array_length(unresolved_attempts) from asked), 1, 'the reclaim lists the one sent attempt');
select count(*) from private.record_publish_outcomes((
  select jsonb_agg(jsonb_build_object('id', a.id, 'attempt_id', a.attempt_id, 'outcome', 'unsettled',
                                      'message', 'reconciliation failed: v_pub_1 still processing'))
  from asked a));

select ok((select d.status = 'publishing' and d.attempt_id = a.attempt_id
                  and d.lease_expires_at between now() + interval '89 seconds' and now() + interval '91 seconds'
                  and d.error_message = 'reconciliation failed: v_pub_1 still processing'
           from distributions d, asked a where d.id = a.id),
  'the row stays publishing under the asking attempt, its lease reconcile_after_seconds away, with why');
select results_eq(
  $$ select outcome, count(*)::int from distribution_attempts
     where distribution_id = '00000000-0000-4000-8000-000000053601' group by outcome order by outcome $$,
  $$ values ('unknown', 1), ('unsettled', 1) $$,
  'one unknown attempt (the one sent) and one unsettled (the one that asked)');

-- the asking claim's lease lapses in turn: the next claim still lists only the sent attempt, and no lapse
update distributions set lease_expires_at = now() - interval '1 second' where status = 'publishing';
create temp table asked_again as select * from private.claim_due_distributions(10, 60);
select is((select unresolved_attempts -> 0 ->> 'external_id' from asked_again), 'v_pub_1',
  'asked about again by the sent attempt''s reference');
select is((select jsonb_array_length(unresolved_attempts) from asked_again), 1, 'and nothing else');
select is((select count(*)::int from private.lapsed_attempt_counts(array['00000000-0000-4000-8000-000000053601']::uuid[])),
  0, 'a claim that asked and recorded is no lapse');

select private.refresh_api_error_counts();
select is((select api_errors_24h from platforms where id = '00000000-0000-4000-8000-0000000536a1'), 1,
  'the platform''s errors in 24 h count the sent attempt, not the asking it answered "still processing"');

-- this time the platform's look-up endpoint answers 503
select count(*) from private.record_publish_outcomes((
  select jsonb_agg(jsonb_build_object('id', a.id, 'attempt_id', a.attempt_id, 'outcome', 'unsettled',
                                      'message', 'reconciliation failed: service unavailable', 'http_status', 503))
  from asked_again a));
select private.refresh_api_error_counts();
select is((select api_errors_24h from platforms where id = '00000000-0000-4000-8000-0000000536a1'), 2,
  'an asking the platform answered with an error status is one of its errors');

select * from finish();
rollback;
