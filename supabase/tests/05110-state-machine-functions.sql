-- The action functions: legal changes succeed; illegal ones raise 55000 naming both states; another client's row
-- raises P0002; a viewer cannot change rows (42501).
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(14);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, min_interval_minutes)
values ('00000000-0000-4000-8000-000000000641', tests.fx('A', 'client'), 'Actions', 'linkedin', 0);
insert into distributions (id, client_id, content_type, platform_id, body, status, scheduled_for, error_message) values
  ('00000000-0000-4000-8000-0000000006a1', tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-000000000641', 's', 'scheduled', '2030-01-07 14:00+00', null),
  ('00000000-0000-4000-8000-0000000006a2', tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-000000000641', 'f', 'failed', '2030-01-08 14:00+00', 'boom'),
  ('00000000-0000-4000-8000-0000000006a3', tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-000000000641', 'd', 'draft', null, null),
  ('00000000-0000-4000-8000-0000000006a4', tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-000000000641', 'r', 'scheduled', '2030-01-09 14:00+00', null);

select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
select is(public.cancel_distribution('00000000-0000-4000-8000-0000000006a1') #>> '{distribution,status}', 'cancelled',
  'scheduled -> cancelled');
select throws_ok($$ select public.cancel_distribution('00000000-0000-4000-8000-0000000006a3') $$, '55000',
  'cannot cancel distribution 00000000-0000-4000-8000-0000000006a3: illegal status change draft -> cancelled',
  'draft -> cancelled is refused with 55000 naming both states');
select throws_like($$ select public.reschedule_distribution('00000000-0000-4000-8000-0000000006a1', '2030-02-01 10:00+00') $$,
  '%cancelled -> scheduled%', 'a cancelled row cannot be rescheduled');
select is(public.publish_distribution_now('00000000-0000-4000-8000-0000000006a3') #>> '{distribution,status}', 'scheduled',
  'draft -> scheduled now (publish now)');
select is(public.retry_distribution('00000000-0000-4000-8000-0000000006a2') #>> '{distribution,status}', 'scheduled',
  'failed -> scheduled (retry)');
select ok((select scheduled_for <= now() + interval '1 minute' and error_message is null and retry_count = 0
           from distributions where id = '00000000-0000-4000-8000-0000000006a2'), 'retried now (or the next allowed minute), with a fresh budget');
select throws_like($$ select public.retry_distribution('00000000-0000-4000-8000-0000000006a4') $$,
  '%scheduled -> scheduled%', 'only a failed row can be retried');
select is(public.reschedule_distribution('00000000-0000-4000-8000-0000000006a4', '2030-03-01 15:00+00') #>> '{distribution,scheduled_for}',
  '2030-03-01T15:00:00Z', 'scheduled -> scheduled at a new time');
select is(public.reschedule_distribution('00000000-0000-4000-8000-0000000006a4', '2030-03-01 15:00+00', false) ->> 'ok',
  'true', 'rescheduling to its own time is allowed (its own slot does not count)');
select ok(public.reschedule_distribution('00000000-0000-4000-8000-0000000006a4') ->> 'ok' = 'true',
  'no time: re-optimized');
select throws_like($$ select public.cancel_distribution(tests.fx('A', 'distribution')) $$,
  '%published -> cancelled%', 'a published row cannot be cancelled');
select throws_ok($$ select public.cancel_distribution(tests.fx('B', 'distribution')) $$, 'P0002', null,
  'another client''s row: P0002');
select throws_ok($$ select public.publish_distribution_now(tests.fx('B', 'distribution')) $$, 'P0002', null,
  'for every action');
select tests.authenticate_as(tests.get_user_id('viewer_a@test.local'));
select throws_ok($$ select public.cancel_distribution('00000000-0000-4000-8000-0000000006a4') $$, '42501', null,
  'a viewer cannot change a row');

select * from finish();
rollback;
