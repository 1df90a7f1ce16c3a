-- Slot types: prime slots go to high-priority content, test slots host A/B variants, regular slots the rest.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(6);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, min_interval_minutes)
values ('00000000-0000-4000-8000-000000000601', tests.fx('A', 'client'), 'Typed', 'linkedin', 0);
insert into publishing_calendar (client_id, date, time_slot, timezone, platform_id, recurring_pattern, slot_type) values
  (tests.fx('A', 'client'), (now() at time zone 'UTC')::date, '09:00', 'UTC', '00000000-0000-4000-8000-000000000601', 'daily', 'regular'),
  (tests.fx('A', 'client'), (now() at time zone 'UTC')::date, '08:00', 'UTC', '00000000-0000-4000-8000-000000000601', 'daily', 'prime'),
  (tests.fx('A', 'client'), (now() at time zone 'UTC')::date, '07:00', 'UTC', '00000000-0000-4000-8000-000000000601', 'daily', 'test');

select is((select row(at, slot_type) from scheduling.find_slot('00000000-0000-4000-8000-000000000601', 'UTC', 'regular',
                                                                '2030-01-07 00:00+00', 'normal')),
  row('2030-01-07 09:00+00'::timestamptz, 'regular'::text), 'normal content takes a regular slot, not the earlier prime or test ones');
select is((select row(at, slot_type) from scheduling.find_slot('00000000-0000-4000-8000-000000000601', 'UTC', 'regular',
                                                                '2030-01-07 00:00+00', 'high')),
  row('2030-01-07 08:00+00'::timestamptz, 'prime'::text), 'high priority takes the prime slot');
select is((select row(at, slot_type) from scheduling.find_slot('00000000-0000-4000-8000-000000000601', 'UTC', 'test',
                                                                '2030-01-07 00:00+00', 'normal')),
  row('2030-01-07 07:00+00'::timestamptz, 'test'::text), 'an A/B variant takes the test slot');
select is(scheduling.slot_conflict('00000000-0000-4000-8000-000000000601', '2030-01-05 08:00+00', 'UTC', null,
                                   array['regular']),
  'prime slot (reserved for high-priority content)', 'a chosen time never lands normal content in a prime slot');

select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
select is((select array_agg(r #>> '{distribution,calendar_slot,slot_type}' order by (r ->> 'index')::int)
           from jsonb_array_elements(scheduling.schedule_content(jsonb_build_object(
             'client_id', tests.fx('A', 'client'), 'priority', 'normal', 'timing', '{"mode": "optimize"}'::jsonb,
             'items', jsonb_build_array(
               jsonb_build_object('platform_id', '00000000-0000-4000-8000-000000000601', 'timezone', 'UTC', 'body', 'A',
                                  'variant_group', 'headline', 'is_control', true),
               jsonb_build_object('platform_id', '00000000-0000-4000-8000-000000000601', 'timezone', 'UTC', 'body', 'B',
                                  'variant_group', 'headline', 'is_control', false)))) -> 'results') r),
  array['test', 'test'], 'two A/B variants each get their own test slot');
select is((select count(distinct scheduled_for)::int from distributions where variant_group = 'headline'), 2,
  'at different times');

select * from finish();
rollback;
