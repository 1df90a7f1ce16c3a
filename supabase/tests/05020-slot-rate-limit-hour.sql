-- posts_per_hour: a post at T must keep every rolling hour containing T within the limit, on both sides of T,
-- counting scheduled and published rows.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
set local timezone = 'Pacific/Chatham';
select plan(7);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, posts_per_hour, min_interval_minutes)
values ('00000000-0000-4000-8000-0000000005b1', tests.fx('A', 'client'), 'Hourly', 'x', 2, 0);
insert into distributions (client_id, content_type, platform_id, body, status, scheduled_for) values
  (tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-0000000005b1', 'a', 'scheduled', '2030-01-07 10:00+00'),
  (tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-0000000005b1', 'b', 'scheduled', '2030-01-07 10:20+00');

select alike(scheduling.slot_conflict('00000000-0000-4000-8000-0000000005b1', '2030-01-07 10:40+00', 'UTC'),
  'posts_per_hour limit (2)%', 'a third post within the hour after two is refused');
select alike(scheduling.slot_conflict('00000000-0000-4000-8000-0000000005b1', '2030-01-07 09:30+00', 'UTC'),
  'posts_per_hour limit (2)%', 'a third post within the hour before two is refused too');
select is(scheduling.slot_conflict('00000000-0000-4000-8000-0000000005b1', '2030-01-07 09:15+00', 'UTC'),
  null, 'a post whose every hour holds at most one other is allowed');
select is(scheduling.slot_conflict('00000000-0000-4000-8000-0000000005b1', '2030-01-07 11:00+00', 'UTC'),
  null, 'an hour after the first post the window holds one: allowed');
select is(scheduling.nearest_allowed('00000000-0000-4000-8000-0000000005b1', '2030-01-07 10:30+00', 'UTC'),
  '2030-01-07 11:00+00'::timestamptz, 'the nearest allowed time is when the first post leaves the hour');

-- a published row counts at its published_at
update distributions set status = 'publishing', attempt_id = gen_random_uuid(), lease_expires_at = now()
 where platform_id = '00000000-0000-4000-8000-0000000005b1' and body = 'a';
update distributions set status = 'published', published_at = '2030-01-07 10:05+00'
 where platform_id = '00000000-0000-4000-8000-0000000005b1' and body = 'a';
select alike(scheduling.slot_conflict('00000000-0000-4000-8000-0000000005b1', '2030-01-07 11:00+00', 'UTC'),
  'posts_per_hour limit (2)%', 'published rows count at published_at');
select is(scheduling.slot_conflict('00000000-0000-4000-8000-0000000005b1', '2030-01-07 11:05+00', 'UTC'),
  null, 'and leave the window an hour after it');

select * from finish();
rollback;
