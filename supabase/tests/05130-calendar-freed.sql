-- The calendar slot is freed on cancel, delete and final failure (ad-hoc rows deleted, recurring and hand-made
-- rows kept with distribution_id null); a retry takes a slot again.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(6);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, min_interval_minutes)
values ('00000000-0000-4000-8000-000000000661', tests.fx('A', 'client'), 'Frees', 'linkedin', 0);
insert into publishing_calendar (id, client_id, date, time_slot, timezone, platform_id, recurring_pattern)
values ('00000000-0000-4000-8000-0000000006d1', tests.fx('A', 'client'), '2030-01-07', '09:00', 'UTC',
        '00000000-0000-4000-8000-000000000661', 'weekly');
insert into distributions (id, client_id, content_type, platform_id, body, status, scheduled_for, timezone) values
  ('00000000-0000-4000-8000-0000000006e1', tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-000000000661', 'a',
   'scheduled', '2030-01-07 09:00+00', 'UTC'),
  ('00000000-0000-4000-8000-0000000006e2', tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-000000000661', 'b',
   'scheduled', '2030-01-08 10:00+00', 'UTC'),
  ('00000000-0000-4000-8000-0000000006e3', tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-000000000661', 'c',
   'scheduled', '2030-01-09 10:00+00', 'UTC');

select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
select public.cancel_distribution('00000000-0000-4000-8000-0000000006e1');
select is((select distribution_id from publishing_calendar where id = '00000000-0000-4000-8000-0000000006d1'), null,
  'cancel frees a recurring slot''s occurrence and keeps the recurring row');

delete from distributions where id = '00000000-0000-4000-8000-0000000006e2';
select is((select count(*)::int from publishing_calendar where date = '2030-01-08'
             and platform_id = '00000000-0000-4000-8000-000000000661'), 0, 'delete removes its ad-hoc slot');

select tests.clear_authentication();
update distributions set status = 'publishing', attempt_id = gen_random_uuid(), lease_expires_at = now() + interval '1 minute'
 where id = '00000000-0000-4000-8000-0000000006e3';
select is((select count(*)::int from publishing_calendar where distribution_id = '00000000-0000-4000-8000-0000000006e3'), 1,
  'publishing keeps the slot');
update distributions set status = 'failed', attempt_id = null, lease_expires_at = null, error_message = 'permanent'
 where id = '00000000-0000-4000-8000-0000000006e3';
select is((select count(*)::int from publishing_calendar where distribution_id = '00000000-0000-4000-8000-0000000006e3'), 0,
  'a final failure frees it');
select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
select public.retry_distribution('00000000-0000-4000-8000-0000000006e3');
select is((select count(*)::int from publishing_calendar where distribution_id = '00000000-0000-4000-8000-0000000006e3'), 1,
  'a retry takes a slot again');
select is((select count(*)::int from publishing_calendar where platform_id = '00000000-0000-4000-8000-000000000661'), 2,
  'nothing else is left behind');

select * from finish();
rollback;
