-- Slot choice across DST in America/New_York and Europe/London: a weekly 09:00 slot stays 09:00 local; posting
-- times in the spring-forward gap move forward, ambiguous ones take the earlier instant. Session zone is odd.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
set local timezone = 'Pacific/Chatham';
select plan(8);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, min_interval_minutes) values
  ('00000000-0000-4000-8000-0000000005a1', tests.fx('A', 'client'), 'NY', 'linkedin', 0),
  ('00000000-0000-4000-8000-0000000005a2', tests.fx('A', 'client'), 'London', 'linkedin', 0),
  ('00000000-0000-4000-8000-0000000005a3', tests.fx('A', 'client'), 'NY weekly', 'linkedin', 0);
insert into platform_patterns (client_id, platform_id, pattern_type, pattern_name, pattern_template) values
  (tests.fx('A', 'client'), '00000000-0000-4000-8000-0000000005a1', 'timing', 'optimal_posting_times',
   '[{"day_of_week": 0, "hour": 2}, {"day_of_week": 0, "hour": 1}]'),
  (tests.fx('A', 'client'), '00000000-0000-4000-8000-0000000005a2', 'timing', 'optimal_posting_times',
   '[{"day_of_week": 0, "hour": 1}]');
-- weekly Sunday 09:00 New York prime slot, starting in winter (prime: high-priority content takes it before any
-- hour of the platform's curve, so the slot's own expansion decides the instant)
insert into publishing_calendar (client_id, date, time_slot, timezone, platform_id, recurring_pattern, slot_type)
values (tests.fx('A', 'client'), '2030-03-03', '09:00', 'America/New_York', '00000000-0000-4000-8000-0000000005a3',
        'weekly', 'prime');

select is((select at from scheduling.find_slot('00000000-0000-4000-8000-0000000005a1', 'America/New_York', 'regular',
                                               '2030-03-10 05:00+00')),
  '2030-03-10 06:00:00+00'::timestamptz, 'NY spring-forward day: 01:00 EST comes first');
select is((select at from scheduling.find_slot('00000000-0000-4000-8000-0000000005a1', 'America/New_York', 'regular',
                                               '2030-03-10 06:30+00')),
  '2030-03-10 07:00:00+00'::timestamptz, 'NY spring-forward day: 02:00 does not exist -> 03:00 EDT');
select is((select at from scheduling.find_slot('00000000-0000-4000-8000-0000000005a1', 'America/New_York', 'regular',
                                               '2030-11-03 00:00+00')),
  '2030-11-03 05:00:00+00'::timestamptz, 'NY fall-back day: 01:00 is ambiguous -> the earlier (EDT)');
select is((select at from scheduling.find_slot('00000000-0000-4000-8000-0000000005a2', 'Europe/London', 'regular',
                                               '2030-03-30 12:00+00')),
  '2030-03-31 01:00:00+00'::timestamptz, 'London spring-forward day: 01:00 does not exist -> 02:00 BST');
select is((select at from scheduling.find_slot('00000000-0000-4000-8000-0000000005a2', 'Europe/London', 'regular',
                                               '2030-10-26 12:00+00')),
  '2030-10-27 00:00:00+00'::timestamptz, 'London fall-back day: 01:00 is ambiguous -> the earlier (BST)');
select is((select at from scheduling.find_slot('00000000-0000-4000-8000-0000000005a3', 'America/New_York', 'prime',
                                               '2030-03-03 00:00+00')),
  '2030-03-03 14:00:00+00'::timestamptz, 'weekly 09:00 slot before the change: 14:00Z (EST)');
select is((select at from scheduling.find_slot('00000000-0000-4000-8000-0000000005a3', 'America/New_York', 'prime',
                                               '2030-03-04 00:00+00')),
  '2030-03-10 13:00:00+00'::timestamptz, 'weekly 09:00 slot after spring-forward: 13:00Z (still 09:00 local)');
select is((select at from scheduling.find_slot('00000000-0000-4000-8000-0000000005a3', 'America/New_York', 'prime',
                                               '2030-10-28 00:00+00')),
  '2030-11-03 14:00:00+00'::timestamptz, 'weekly 09:00 slot after fall-back: 14:00Z (still 09:00 local)');

select * from finish();
rollback;
