set client_min_messages = warning;
-- The probes every publish run makes read only the rows they are about (760_publish_probe_indexes.sql):
-- refresh_api_error_counts recounts the platforms with an API error in the last 24 hours or a non-zero count,
-- and claim_native_handoffs hands off only for platforms that schedule natively and are active.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(7);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, posts_per_hour, posts_per_day, min_interval_minutes, api_errors_24h)
values
  ('00000000-0000-4000-8000-0000000793a1', tests.fx('A', 'client'), 'Errors now', 'x', null, null, 0, 0),
  ('00000000-0000-4000-8000-0000000793a2', tests.fx('A', 'client'), 'Errors aged', 'x', null, null, 0, 3),
  ('00000000-0000-4000-8000-0000000793a3', tests.fx('A', 'client'), 'No errors', 'x', null, null, 0, 0);
insert into distributions (id, client_id, content_type, platform_id, body, status, scheduled_for, published_at)
select ('00000000-0000-4000-8000-00000007930' || g)::uuid, tests.fx('A', 'client'), 'manual',
       ('00000000-0000-4000-8000-0000000793a' || g)::uuid, 'probe ' || g, 'published',
       now() - interval '2 days', now() - interval '2 days'
from generate_series(1, 3) g;
insert into distribution_attempts (id, distribution_id, client_id, platform_id, kind, started_at, finished_at,
                                   outcome, http_status)
values
  -- platform 1: a transient failure, a look-up answered 503 and a success now (two API errors)
  (gen_random_uuid(), '00000000-0000-4000-8000-000000079301', tests.fx('A', 'client'),
   '00000000-0000-4000-8000-0000000793a1', 'publish', now(), now(), 'transient', 503),
  (gen_random_uuid(), '00000000-0000-4000-8000-000000079301', tests.fx('A', 'client'),
   '00000000-0000-4000-8000-0000000793a1', 'publish', now(), now(), 'unsettled', 503),
  (gen_random_uuid(), '00000000-0000-4000-8000-000000079301', tests.fx('A', 'client'),
   '00000000-0000-4000-8000-0000000793a1', 'publish', now(), now(), 'published', 201),
  -- platform 2: counted 3, its only error now a day and an hour old
  (gen_random_uuid(), '00000000-0000-4000-8000-000000079302', tests.fx('A', 'client'),
   '00000000-0000-4000-8000-0000000793a2', 'publish', now() - interval '25 hours', now() - interval '25 hours',
   'permanent', 400),
  -- platform 3: a look-up that could not be asked (no status): not an API error
  (gen_random_uuid(), '00000000-0000-4000-8000-000000079303', tests.fx('A', 'client'),
   '00000000-0000-4000-8000-0000000793a3', 'publish', now(), now(), 'unsettled', null);

select private.refresh_api_error_counts();
select results_eq(
  $$ select name, api_errors_24h from platforms where id::text like '00000000-0000-4000-8000-0000000793a%' order by name $$,
  $$ values ('Errors aged'::text, 0), ('Errors now', 2), ('No errors', 0) $$,
  'an error in the last 24 hours raises its platform''s count, an error aged past a day lowers it, and a '
  'platform without API errors keeps 0');

-- the recent errors age past a day too: the count falls back to 0
update distribution_attempts set finished_at = now() - interval '25 hours'
  where platform_id = '00000000-0000-4000-8000-0000000793a1';
select private.refresh_api_error_counts();
select is((select api_errors_24h from platforms where id = '00000000-0000-4000-8000-0000000793a1'), 0,
  'a non-zero count whose errors all aged past a day falls to 0');

-- Native hand-offs: a post due in 30 minutes on a platform that supports scheduling.
insert into platforms (id, client_id, name, kind, posts_per_hour, posts_per_day, min_interval_minutes)
values ('00000000-0000-4000-8000-0000000793b1', tests.fx('B', 'client'), 'Native', 'wordpress', null, null, 0);
insert into distributions (id, client_id, content_type, platform_id, body, status, scheduled_for)
values ('00000000-0000-4000-8000-0000000793b9', tests.fx('B', 'client'), 'manual',
        '00000000-0000-4000-8000-0000000793b1', 'native probe', 'scheduled', now() + interval '30 minutes');

select is((select count(*)::int from private.claim_native_handoffs(10, 60)), 0,
  'no platform schedules natively: nothing is handed off');
update platforms set publish_config = publish_config || '{"native_scheduling": true}'::jsonb, is_active = false
  where id = '00000000-0000-4000-8000-0000000793b1';
select is((select count(*)::int from private.claim_native_handoffs(10, 60)), 0,
  'an inactive platform that schedules natively hands nothing off');
update platforms set is_active = true where id = '00000000-0000-4000-8000-0000000793b1';
select results_eq(
  $$ select id::text, mode from private.claim_native_handoffs(10, 60) $$,
  $$ values ('00000000-0000-4000-8000-0000000793b9', 'handoff') $$,
  'native_scheduling turned on in publish_config: the post is claimed for a hand-off');
select is((select status::text from distributions where id = '00000000-0000-4000-8000-0000000793b9'), 'publishing',
  'the hand-off holds the row under a lease');

select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select throws_ok($$ select private.refresh_api_error_counts() $$, '42501', null,
  'a signed-in user cannot refresh the counts (service role only)');

select * from finish();
rollback;
