-- Locked calendar slots are never filled automatically; taken slots are skipped.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
set local timezone = 'Pacific/Chatham';
select plan(5);
select tests.create_two_clients();

-- linkedin defaults: Mon 09, Tue 10, Wed 09, Thu 10, Fri 09 local. 2030-01-07 is a Monday.
insert into platforms (id, client_id, name, kind, min_interval_minutes)
values ('00000000-0000-4000-8000-0000000005e1', tests.fx('A', 'client'), 'Locked', 'linkedin', 0);
insert into publishing_calendar (client_id, date, time_slot, timezone, platform_id, is_locked)
values (tests.fx('A', 'client'), '2030-01-07', '09:00', 'America/New_York', '00000000-0000-4000-8000-0000000005e1', true);

select is(scheduling.slot_conflict('00000000-0000-4000-8000-0000000005e1', '2030-01-07 14:00+00', 'America/New_York'),
  'locked slot', 'a locked slot is refused with the reason');
select is((select at from scheduling.find_slot('00000000-0000-4000-8000-0000000005e1', 'America/New_York', 'regular',
                                               '2030-01-07 00:00+00')),
  '2030-01-08 15:00+00'::timestamptz, 'slot choice skips the locked Monday 09:00 and takes Tuesday 10:00');

insert into distributions (client_id, content_type, platform_id, body, status, scheduled_for, timezone)
values (tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-0000000005e1', 'a', 'scheduled',
        '2030-01-08 15:00+00', 'America/New_York');
select alike(scheduling.slot_conflict('00000000-0000-4000-8000-0000000005e1', '2030-01-08 15:00+00', 'America/New_York'),
  'slot taken%', 'a taken slot is refused with the reason');
select is((select at from scheduling.find_slot('00000000-0000-4000-8000-0000000005e1', 'America/New_York', 'regular',
                                               '2030-01-07 00:00+00')),
  '2030-01-09 14:00+00'::timestamptz, 'slot choice then skips the taken Tuesday slot too');
select is((select distribution_id from publishing_calendar
            where platform_id = '00000000-0000-4000-8000-0000000005e1' and date = '2030-01-07'),
  null, 'the locked slot stays empty');

select * from finish();
rollback;
