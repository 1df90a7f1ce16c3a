-- The design's "Publishing Calendar Overview" query runs unchanged.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
set local timezone = 'UTC';
select plan(2);
select tests.create_two_clients();
insert into publishing_calendar (client_id, date, time_slot, platform_id) values
  (tests.fx('A', 'client'), current_date + 1, '14:00', tests.fx('A', 'platform')),
  (tests.fx('A', 'client'), current_date + 10, '14:00', tests.fx('A', 'platform'));

select lives_ok($q$
SELECT 
  pc.date,
  p.name as platform,
  COUNT(pc.distribution_id) as scheduled_posts,
  array_agg(pc.time_slot ORDER BY pc.time_slot) as time_slots
FROM publishing_calendar pc
JOIN platforms p ON pc.platform_id = p.id
WHERE pc.date >= CURRENT_DATE
  AND pc.date <= CURRENT_DATE + interval '7 days'
GROUP BY pc.date, p.name
ORDER BY pc.date, p.name;
$q$, 'the query runs unchanged as postgres');

select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select results_eq($q$
SELECT 
  pc.date,
  p.name as platform,
  COUNT(pc.distribution_id) as scheduled_posts,
  array_agg(pc.time_slot ORDER BY pc.time_slot) as time_slots
FROM publishing_calendar pc
JOIN platforms p ON pc.platform_id = p.id
WHERE pc.date >= CURRENT_DATE
  AND pc.date <= CURRENT_DATE + interval '7 days'
GROUP BY pc.date, p.name
ORDER BY pc.date, p.name;
$q$, $$ values (current_date + 1, 'Blog A'::text, 1::bigint, array['09:00', '14:00']::time[]) $$,
  'as a member of A: next week''s slots, one of two filled');

select * from finish();
rollback;
