-- min_interval_minutes: a new post keeps that distance from its neighbours on both sides.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(5);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, min_interval_minutes)
values ('00000000-0000-4000-8000-0000000005d1', tests.fx('A', 'client'), 'Spaced', 'x', 90);
insert into distributions (client_id, content_type, platform_id, body, status, scheduled_for) values
  (tests.fx('A', 'client'), 'manual', '00000000-0000-4000-8000-0000000005d1', 'a', 'scheduled', '2030-01-07 10:00+00');

select alike(scheduling.slot_conflict('00000000-0000-4000-8000-0000000005d1', '2030-01-07 11:00+00', 'UTC'),
  'min_interval_minutes (90): another post at 2030-01-07T10:00:00Z', 'too soon after a post: refused, naming it');
select alike(scheduling.slot_conflict('00000000-0000-4000-8000-0000000005d1', '2030-01-07 08:31+00', 'UTC'),
  'min_interval_minutes (90)%', 'too soon before a post: refused');
select is(scheduling.slot_conflict('00000000-0000-4000-8000-0000000005d1', '2030-01-07 08:30+00', 'UTC'),
  null, 'exactly the interval before: allowed');
select is(scheduling.slot_conflict('00000000-0000-4000-8000-0000000005d1', '2030-01-07 11:30+00', 'UTC'),
  null, 'exactly the interval after: allowed');
select is(scheduling.nearest_allowed('00000000-0000-4000-8000-0000000005d1', '2030-01-07 10:30+00', 'UTC'),
  '2030-01-07 11:30+00'::timestamptz, 'the nearest allowed time is the interval after the neighbour');

select * from finish();
rollback;
