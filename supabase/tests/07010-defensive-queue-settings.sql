set client_min_messages = warning;
-- A platform's stored bad setting (written before the check, or with triggers off) never fails the queue's
-- statements for other platforms: claims and outcomes read it as its default. And a row whose lease lapsed on a
-- platform that cannot publish now goes back to waiting, its unknown attempt reconciled before any resend.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(15);
select tests.create_two_clients();

-- B's platform holds malformed values, as an older row could.
set local session_replication_role = replica;
update platforms set publish_config = '{"base_url": "http://127.0.0.1:1", "native_scheduling": "x",
  "native_lead_minutes": "soon", "native_min_lead_seconds": 1e300, "max_attempts": "five",
  "first_retry_seconds": "x", "retry_base_seconds": "x", "retry_max_seconds": 1e300, "reconcile_after_seconds": 1e300}'
  where id = tests.fx('B', 'platform');
set local session_replication_role = origin;
-- A's platform schedules natively.
update platforms set publish_config = '{"base_url": "http://127.0.0.1:1", "native_scheduling": true}',
  posts_per_hour = null, min_interval_minutes = 0 where id = tests.fx('A', 'platform');
update platforms set posts_per_hour = null, min_interval_minutes = 0 where id = tests.fx('B', 'platform');

insert into distributions (id, client_id, content_type, platform_id, body, status, scheduled_for) values
  ('00000000-0000-4000-8000-000000070101', tests.fx('A', 'client'), 'manual', tests.fx('A', 'platform'),
   'A, in half an hour', 'scheduled', now() + interval '30 minutes'),
  ('00000000-0000-4000-8000-000000070102', tests.fx('A', 'client'), 'manual', tests.fx('A', 'platform'),
   'A, due', 'scheduled', now() - interval '1 minute'),
  ('00000000-0000-4000-8000-000000070103', tests.fx('B', 'client'), 'manual', tests.fx('B', 'platform'),
   'B, due', 'scheduled', now() - interval '1 minute'),
  ('00000000-0000-4000-8000-000000070104', tests.fx('B', 'client'), 'manual', tests.fx('B', 'platform'),
   'B, in half an hour', 'scheduled', now() + interval '30 minutes');

create temp table handed as select * from private.claim_native_handoffs(100, 60);
select results_eq($$ select id::text, mode from handed where id::text like '00000000-0000-4000-8000-00000007010_' $$,
  $$ values ('00000000-0000-4000-8000-000000070101', 'handoff') $$,
  'hand-offs are claimed for A while B''s native_scheduling is "x" (read as false: B''s post waits for its time)');

create temp table claimed as select * from private.claim_due_distributions(100, 60);
select results_eq($$ select id::text from claimed where id::text like '00000000-0000-4000-8000-00000007010_' order by id $$,
  $$ values ('00000000-0000-4000-8000-000000070102'), ('00000000-0000-4000-8000-000000070103') $$,
  'the due rows of both clients are claimed');

-- One batch: A's row published, B's failed transiently and with an unknown outcome.
create temp table applied as select * from private.record_publish_outcomes((
  select jsonb_agg(case when c.platform_id = tests.fx('A', 'platform')
    then jsonb_build_object('id', c.id, 'attempt_id', c.attempt_id, 'outcome', 'published', 'external_id', 'a-1',
                            'external_url', 'https://a/1')
    else jsonb_build_object('id', c.id, 'attempt_id', c.attempt_id, 'outcome', 'transient', 'message', 'busy') end)
  from claimed c where c.id::text like '00000000-0000-4000-8000-00000007010_')) as id;
select is((select count(*)::int from applied), 2, 'the batch with B''s bad max_attempts and backoff is recorded');
select is((select status from distributions where id = '00000000-0000-4000-8000-000000070102'), 'published',
  'A''s post is published');
select ok((select status = 'scheduled' and retry_count = 1
                  and next_attempt_at between now() + interval '0.99 seconds' and now() + interval '3.01 seconds'
           from distributions where id = '00000000-0000-4000-8000-000000070103'),
  'B''s post waits for its first retry with the default first_retry_seconds (2 s, jittered), max_attempts read as 5');

-- An unknown outcome on B: the lease is the default reconcile_after (60 s), not an interval out of range.
update distributions set next_attempt_at = null where id = '00000000-0000-4000-8000-000000070103';
create temp table again as select * from private.claim_due_distributions(100, 60)
  where id = '00000000-0000-4000-8000-000000070103';
select lives_ok($$ select private.record_publish_outcomes((select jsonb_agg(jsonb_build_object('id', a.id,
  'attempt_id', a.attempt_id, 'outcome', 'unknown', 'message', 'no answer')) from again a)) $$,
  'an unknown outcome on B is recorded');
select ok((select lease_expires_at between now() + interval '59 seconds' and now() + interval '61 seconds'
           from distributions where id = '00000000-0000-4000-8000-000000070103'),
  'its lease is the default reconcile_after_seconds away');

-- Also found: B's platform is paused while that lease lapses. The row goes back to waiting, not stuck publishing.
update platforms set paused_until = now() + interval '1 hour', pause_reason = 'rate limited by the platform'
  where id = tests.fx('B', 'platform');
update distributions set lease_expires_at = now() - interval '1 second'
  where id = '00000000-0000-4000-8000-000000070103';
-- and a row of A's, claimed by a worker that died, on A's platform now flagged for reconnection
insert into distributions (id, client_id, content_type, platform_id, body, status, scheduled_for, attempt_id,
                           attempt_started_at, lease_expires_at)
values ('00000000-0000-4000-8000-000000070105', tests.fx('A', 'client'), 'manual', tests.fx('A', 'platform'),
        'A, its worker died', 'publishing', now() - interval '5 minutes', '00000000-0000-4000-8000-0000000701a5',
        now() - interval '3 minutes', now() - interval '1 minute');
update platforms set needs_reconnection = true, reconnection_reason = 'token revoked' where id = tests.fx('A', 'platform');

select is((select count(*)::int from private.claim_due_distributions(100, 60)
           where id::text like '00000000-0000-4000-8000-00000007010_'), 0, 'nothing of the parked platforms is claimed');
select results_eq(
  $$ select id::text, status::text from distributions where id in ('00000000-0000-4000-8000-000000070103',
       '00000000-0000-4000-8000-000000070105') order by id $$,
  $$ values ('00000000-0000-4000-8000-000000070103', 'scheduled'), ('00000000-0000-4000-8000-000000070105', 'scheduled') $$,
  'rows whose lease lapsed on a paused and on a reconnect-flagged platform are back to waiting');
select is((select outcome || ': ' || error_message from distribution_attempts where id = '00000000-0000-4000-8000-0000000701a5'),
  'unknown: the worker''s claim lapsed without an outcome', 'the dead worker''s attempt is recorded as unknown');

-- A hand-off does not take a waiting row with an attempt to reconcile; once usable, the claim returns its
-- unknown attempts first.
update platforms set needs_reconnection = false, reconnection_reason = null where id = tests.fx('A', 'platform');
update platforms set paused_until = null where id = tests.fx('B', 'platform');
create temp table resumed as select * from private.claim_due_distributions(100, 60)
  where id::text like '00000000-0000-4000-8000-00000007010_';
select results_eq(
  $$ select id::text, (select array_agg(u ->> 'id' order by u ->> 'started_at') from jsonb_array_elements(unresolved_attempts) u)
     from resumed order by id $$,
  $$ values ('00000000-0000-4000-8000-000000070103',
             (select array_agg(a.id::text order by a.started_at) from distribution_attempts a
              where a.distribution_id = '00000000-0000-4000-8000-000000070103' and a.outcome = 'unknown')),
            ('00000000-0000-4000-8000-000000070105', array['00000000-0000-4000-8000-0000000701a5']) $$,
  'back on a usable platform, each row is claimed with its unknown attempts to reconcile before any resend');
select is((select count(*)::int from distribution_attempts
           where distribution_id = '00000000-0000-4000-8000-000000070103' and outcome = 'unknown'), 1,
  'B''s row has exactly its one unknown attempt (the one sent)');

-- Times no worker can hold are refused on write (a claim reading one would fail every row claimed beside it).
select tests.authenticate_as(tests.get_user_id('owner_b@test.local'));
select throws_ok($$ update distributions set scheduled_for = '-infinity' where id = '00000000-0000-4000-8000-000000070104' $$,
  '23514', null, 'scheduled_for -infinity is refused');
select throws_ok($$ update distributions set scheduled_for = '0044-03-15 BC' where id = '00000000-0000-4000-8000-000000070104' $$,
  '23514', null, 'scheduled_for before Christ is refused');
select lives_ok($$ update distributions set scheduled_for = now() + interval '2 hours' where id = '00000000-0000-4000-8000-000000070104' $$,
  'a sane time is accepted');
select tests.clear_authentication();

select * from finish();
rollback;
