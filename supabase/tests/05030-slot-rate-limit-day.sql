-- posts_per_day: every rolling 24 hours containing the new post stays within the limit, on both sides.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
set local timezone = 'Pacific/Chatham';
select plan(5);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, posts_per_day, min_interval_minutes)
values ('00000000-0000-4000-8000-0000000005c1', tests.fx('A', 'client'), 'Daily', 'x', 2, 0);
insert into distributions (client_id, content_type, platform_id, body, status, scheduled_for) values
  (tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-0000000005c1', 'a', 'scheduled', '2030-01-07 10:00+00'),
  (tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-0000000005c1', 'b', 'scheduled', '2030-01-07 20:00+00');

select alike(scheduling.slot_conflict('00000000-0000-4000-8000-0000000005c1', '2030-01-08 09:00+00', 'UTC'),
  'posts_per_day limit (2)%', 'a third post within 24 hours after two is refused');
select alike(scheduling.slot_conflict('00000000-0000-4000-8000-0000000005c1', '2030-01-06 21:00+00', 'UTC'),
  'posts_per_day limit (2)%', 'a third post within 24 hours before two is refused');
select is(scheduling.slot_conflict('00000000-0000-4000-8000-0000000005c1', '2030-01-08 10:00+00', 'UTC'),
  null, '24 hours after the first post: allowed');
select is(scheduling.nearest_allowed('00000000-0000-4000-8000-0000000005c1', '2030-01-08 00:00+00', 'UTC'),
  '2030-01-08 10:00+00'::timestamptz, 'the nearest allowed time is 24 hours after the first post');
select is((select at from scheduling.find_slot('00000000-0000-4000-8000-0000000005c1', 'America/New_York', 'regular',
                                               '2030-01-07 00:00+00')),
  '2030-01-08 14:00+00'::timestamptz, 'slot choice skips Monday''s times and takes Tuesday 09:00 New York');

select * from finish();
rollback;
