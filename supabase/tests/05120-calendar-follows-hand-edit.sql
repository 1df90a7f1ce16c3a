-- A hand `update distributions set scheduled_for = ...` (Studio) moves the calendar slot: the old ad-hoc row goes,
-- a person's slot is freed but kept, the new slot is taken; taking another distribution's slot raises 23505.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
set local timezone = 'Pacific/Chatham';
select plan(7);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, min_interval_minutes)
values ('00000000-0000-4000-8000-000000000651', tests.fx('A', 'client'), 'Edits', 'linkedin', 0);
insert into publishing_calendar (id, client_id, date, time_slot, timezone, platform_id)
values ('00000000-0000-4000-8000-0000000006c1', tests.fx('A', 'client'), '2030-01-09', '12:00', 'America/New_York',
        '00000000-0000-4000-8000-000000000651');
insert into distributions (id, client_id, content_type, platform_id, body, status, scheduled_for, timezone) values
  ('00000000-0000-4000-8000-0000000006b1', tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-000000000651', 'a',
   'scheduled', '2030-01-07 14:00+00', 'America/New_York'),
  ('00000000-0000-4000-8000-0000000006b2', tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-000000000651', 'b',
   'scheduled', '2030-01-10 14:00+00', 'America/New_York');

select is((select array_agg(row(date, time_slot)::text) from publishing_calendar
            where distribution_id = '00000000-0000-4000-8000-0000000006b1'),
  array[row('2030-01-07'::date, '09:00'::time)::text], 'a scheduled row holds the slot at its local time');

select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
update distributions set scheduled_for = '2030-01-08 20:30+00' where id = '00000000-0000-4000-8000-0000000006b1';
select is((select array_agg(row(date, time_slot)::text) from publishing_calendar
            where distribution_id = '00000000-0000-4000-8000-0000000006b1'),
  array[row('2030-01-08'::date, '15:30'::time)::text], 'after a hand edit the slot follows it');
select is((select count(*)::int from publishing_calendar
            where platform_id = '00000000-0000-4000-8000-000000000651' and date = '2030-01-07'), 0,
  'the old ad-hoc slot is gone');

update distributions set scheduled_for = '2030-01-09 17:00+00' where id = '00000000-0000-4000-8000-0000000006b1';
select is((select distribution_id from publishing_calendar where id = '00000000-0000-4000-8000-0000000006c1'),
  '00000000-0000-4000-8000-0000000006b1'::uuid, 'moving onto a person''s free slot takes that row');
update distributions set scheduled_for = '2030-01-11 17:00+00' where id = '00000000-0000-4000-8000-0000000006b1';
select is((select distribution_id from publishing_calendar where id = '00000000-0000-4000-8000-0000000006c1'),
  null, 'moving away frees it and keeps it');

select throws_ok($$ update distributions set scheduled_for = '2030-01-10 14:00+00'
                    where id = '00000000-0000-4000-8000-0000000006b1' $$,
  '23505', null, 'moving onto another distribution''s slot is refused');
select is((select count(*)::int from publishing_calendar c where c.platform_id = '00000000-0000-4000-8000-000000000651'
             and c.distribution_id is not null), 2, 'one slot per scheduled distribution');

select * from finish();
rollback;
