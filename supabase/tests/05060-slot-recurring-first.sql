-- Recurring calendar slots (daily, weekly, monthly; expanded in the slot's zone) are candidates scored like the
-- platform's hours: a slot at the platform's peak is taken before an earlier, weaker hour; a prime slot is taken by
-- high-priority content before any hour.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
set local timezone = 'Pacific/Chatham';
select plan(8);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, min_interval_minutes) values
  ('00000000-0000-4000-8000-0000000005f1', tests.fx('A', 'client'), 'Daily slot', 'linkedin', 0),
  ('00000000-0000-4000-8000-0000000005f2', tests.fx('A', 'client'), 'Weekly slot', 'linkedin', 0),
  ('00000000-0000-4000-8000-0000000005f3', tests.fx('A', 'client'), 'Monthly slot', 'linkedin', 0);
-- Daily 07:00 is the first platform's peak every day; Friday 15:00 is the second's peak (Monday 09:00 scores half).
insert into platform_patterns (client_id, platform_id, pattern_type, pattern_name, pattern_template)
select tests.fx('A', 'client'), '00000000-0000-4000-8000-0000000005f1'::uuid, 'timing', 'optimal_posting_times',
       (select jsonb_agg(jsonb_build_object('day_of_week', d, 'hour', 7, 'score', 1)) from generate_series(0, 6) d)::text
union all
select tests.fx('A', 'client'), '00000000-0000-4000-8000-0000000005f2', 'timing', 'optimal_posting_times',
       '[{"day_of_week": 5, "hour": 15, "score": 1}, {"day_of_week": 1, "hour": 9, "score": 0.5}]';
insert into publishing_calendar (client_id, date, time_slot, timezone, platform_id, recurring_pattern, slot_type) values
  (tests.fx('A', 'client'), '2030-01-01', '07:00', 'America/New_York', '00000000-0000-4000-8000-0000000005f1', 'daily', 'regular'),
  -- a Friday, 15:00: later in the week than Monday's 09:00, chosen first for its higher score
  (tests.fx('A', 'client'), '2030-01-04', '15:00', 'America/New_York', '00000000-0000-4000-8000-0000000005f2', 'weekly', 'regular'),
  (tests.fx('A', 'client'), '2030-01-31', '10:00', 'Europe/London', '00000000-0000-4000-8000-0000000005f3', 'monthly', 'prime');

select is((select row(at, source) from scheduling.find_slot('00000000-0000-4000-8000-0000000005f1', 'America/New_York',
                                                             'regular', '2030-01-05 00:00+00')),
  row('2030-01-05 12:00+00'::timestamptz, 'calendar'::text), 'daily 07:00 slot: the next occurrence');
insert into distributions (client_id, content_type, platform_id, body, status, scheduled_for, timezone)
values (tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-0000000005f1', 'a', 'scheduled',
        '2030-01-05 12:00+00', 'America/New_York');
select is((select row(date, time_slot, slot_type, is_ad_hoc) from publishing_calendar
            where platform_id = '00000000-0000-4000-8000-0000000005f1' and distribution_id is not null),
  row('2030-01-05'::date, '07:00'::time, 'regular'::text, true), 'taking an occurrence materializes its row');
select is((select at from scheduling.find_slot('00000000-0000-4000-8000-0000000005f1', 'America/New_York', 'regular',
                                               '2030-01-05 00:00+00')),
  '2030-01-06 12:00+00'::timestamptz, 'then the following day''s occurrence');

select is((select row(at, source) from scheduling.find_slot('00000000-0000-4000-8000-0000000005f2', 'America/New_York',
                                                             'regular', '2030-01-07 00:00+00')),
  row('2030-01-11 20:00+00'::timestamptz, 'calendar'::text), 'weekly Friday 15:00 peak slot before Monday''s weaker hour');
select is((select at from scheduling.find_slot('00000000-0000-4000-8000-0000000005f2', 'America/New_York', 'regular',
                                               '2030-01-04 00:00+00')),
  '2030-01-04 20:00+00'::timestamptz, 'a recurring slot''s own date is its first occurrence');

select is((select at from scheduling.find_slot('00000000-0000-4000-8000-0000000005f3', 'Europe/London', 'prime',
                                               '2030-02-01 00:00+00', 'high', null, interval '40 days')),
  '2030-02-28 10:00+00'::timestamptz, 'monthly on the 31st: the last day of a shorter month');
select is((select at from scheduling.find_slot('00000000-0000-4000-8000-0000000005f3', 'Europe/London', 'prime',
                                               '2030-03-01 00:00+00', 'high', null, interval '40 days')),
  '2030-03-31 09:00+00'::timestamptz, 'monthly: 10:00 London after the change to summer time is 09:00Z');

update publishing_calendar set is_locked = true where platform_id = '00000000-0000-4000-8000-0000000005f2';
select is((select source from scheduling.find_slot('00000000-0000-4000-8000-0000000005f2', 'America/New_York', 'regular',
                                                   '2030-01-07 00:00+00')),
  'posting_times', 'a locked recurring slot is never filled: the platform''s hours are used instead');

select * from finish();
rollback;
