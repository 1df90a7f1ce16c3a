set client_min_messages = warning;
-- Statements that change the calendar of many posts at once (a bulk insert, reschedule, move, cancel and delete of
-- distributions; a deleted platform and client) move every post's slot and leave publishing_calendar_rollups equal
-- to the plain aggregation of the calendar. They defer the rollup and apply it once at their end, under all their
-- buckets (190_calendar_follows_distribution.sql, 388_publishing_calendar_rollups.sql): nothing is left pending and
-- no deferring scope outlives its statement, even when the statement fails.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(23);
select tests.create_two_clients();

-- The rollup against the plain query, every key.
create function pg_temp.rollup_exact(p_what text) returns setof text language sql as $$
  select bag_eq(
    'select platform_id, date, timezone, client_id, scheduled_posts, time_slots from publishing_calendar_rollups',
    'select platform_id, date, timezone, client_id, count(distribution_id), array_agg(time_slot order by time_slot)
     from publishing_calendar group by platform_id, date, timezone, client_id',
    'rollup equals the calendar: ' || p_what)
$$;

-- This test's posts (on its platforms, 00000000-0000-4000-8000-0000000009xx) in the calendar without exactly one
-- slot at their time, and their slots held by posts out of it.
create function pg_temp.misplaced() returns bigint language sql as $$
  select (select count(*) from distributions d
          where d.platform_id::text like '00000000-0000-4000-8000-0000000009%' and d.scheduled_for is not null
            and d.status in ('scheduled', 'publishing', 'unconfirmed', 'published', 'pending_approval')
            and (select count(*) from publishing_calendar pc
                 where pc.distribution_id = d.id and pc.platform_id = d.platform_id
                   and pc.starts_at = d.scheduled_for) <> 1)
       + (select count(*) from publishing_calendar pc join distributions d on d.id = pc.distribution_id
          where pc.platform_id::text like '00000000-0000-4000-8000-0000000009%'
            and (d.scheduled_for is null
             or d.status not in ('scheduled', 'publishing', 'unconfirmed', 'published', 'pending_approval')))
$$;

insert into platforms (id, client_id, name, kind, timezone) values
  ('00000000-0000-4000-8000-0000000009a1', tests.fx('A', 'client'), 'X A', 'x', 'UTC'),
  ('00000000-0000-4000-8000-0000000009a2', tests.fx('A', 'client'), 'Mail A', 'email', 'Asia/Kolkata'),
  ('00000000-0000-4000-8000-0000000009b1', tests.fx('B', 'client'), 'X B', 'x', 'America/New_York');

-- Hand-made free slots where some posts will land (they are filled, then freed, never deleted).
insert into publishing_calendar (client_id, date, time_slot, timezone, platform_id)
select tests.fx('A', 'client'), (date_trunc('hour', now() at time zone 'UTC') + i * interval '5 hours')::date,
       (date_trunc('hour', now() at time zone 'UTC') + i * interval '5 hours')::time, 'UTC',
       '00000000-0000-4000-8000-0000000009a1'
from generate_series(1, 10) i;
insert into publishing_calendar (client_id, date, time_slot, timezone, platform_id)
select tests.fx('A', 'client'), current_date + i, '06:15', 'Asia/Kolkata', '00000000-0000-4000-8000-0000000009a2'
from generate_series(1, 5) i;

-- One insert of 90 scheduled posts over the three platforms, hours apart.
insert into distributions (id, client_id, platform_id, content_type, body, status, scheduled_for, timezone)
select ('00000000-0000-4000-8000-' || lpad((9000 + i)::text, 12, '0'))::uuid,
       case when i % 3 = 2 then tests.fx('B', 'client') else tests.fx('A', 'client') end,
       case i % 3 when 0 then '00000000-0000-4000-8000-0000000009a1'::uuid
                  when 1 then '00000000-0000-4000-8000-0000000009a2'::uuid
                  else '00000000-0000-4000-8000-0000000009b1'::uuid end,
       'manual', 'post ' || i, 'scheduled', date_trunc('hour', now(), 'UTC') + (i / 3) * interval '5 hours',
       case i % 3 when 0 then 'UTC' when 1 then 'Asia/Kolkata' else 'America/New_York' end
from generate_series(3, 92) i;

select is(pg_temp.misplaced(), 0::bigint, 'a bulk insert gives every post its slot');
select is((select count(*)::int from publishing_calendar where not is_ad_hoc and distribution_id is not null
                     and platform_id::text like '00000000-0000-4000-8000-0000000009%'), 10,
  'the posts at the hand-made slots fill them');
select pg_temp.rollup_exact('after a bulk insert');

-- A bulk reschedule across platforms and clients (some leave the hand-made slots).
update distributions set scheduled_for = scheduled_for + interval '2 hours 30 minutes'
where id between '00000000-0000-4000-8000-000000009010' and '00000000-0000-4000-8000-000000009070';
select is(pg_temp.misplaced(), 0::bigint, 'a bulk reschedule moves every slot');
select pg_temp.rollup_exact('after a bulk reschedule');

-- A bulk move to another platform of the client, and a reschedule in the same statement.
update distributions set platform_id = '00000000-0000-4000-8000-0000000009a1',
  scheduled_for = scheduled_for + interval '1 day 2 minutes'
where platform_id = '00000000-0000-4000-8000-0000000009a2' and id < '00000000-0000-4000-8000-000000009050';
select is(pg_temp.misplaced(), 0::bigint, 'a bulk move to another platform moves every slot');
select pg_temp.rollup_exact('after a bulk move to another platform');

-- A bulk cancel over every platform.
update distributions set status = 'cancelled'
where platform_id::text like '00000000-0000-4000-8000-0000000009%' and (id::text like '%5' or id::text like '%7');
select is(pg_temp.misplaced(), 0::bigint, 'a bulk cancel frees every slot');
select is((select count(*)::int from publishing_calendar where not is_ad_hoc
                     and platform_id::text like '00000000-0000-4000-8000-0000000009%'), 15, 'hand-made slots stay, freed');
select pg_temp.rollup_exact('after a bulk cancel');

-- Back to draft and scheduled again, in two bulk statements.
update distributions set status = 'draft'
where platform_id::text like '00000000-0000-4000-8000-0000000009%' and status = 'scheduled' and id::text like '%1';
select is(pg_temp.misplaced(), 0::bigint, 'a bulk unschedule frees every slot');
update distributions set status = 'scheduled' where platform_id::text like '00000000-0000-4000-8000-0000000009%' and status = 'draft';
select is(pg_temp.misplaced(), 0::bigint, 'a bulk schedule takes every slot again');
select pg_temp.rollup_exact('after a bulk unschedule and schedule');

-- A bulk delete of posts (their ad hoc slots go, the hand-made ones are freed by the foreign key).
delete from distributions
where platform_id::text like '00000000-0000-4000-8000-0000000009%' and (id::text like '%2' or id::text like '%3');
select is(pg_temp.misplaced(), 0::bigint, 'a bulk delete frees every slot');
select pg_temp.rollup_exact('after a bulk delete');

-- A failing bulk statement (a post moved onto a slot another holds) changes nothing and leaves no scope open.
select throws_ok($$ update distributions set scheduled_for = (select scheduled_for from distributions
                                                               where id = '00000000-0000-4000-8000-000000009006')
                    where id = '00000000-0000-4000-8000-000000009009' $$,
  '23505', null, 'a post cannot take a slot another post holds');
select is(coalesce(nullif(current_setting('publishing_calendar.deferred', true), ''), '0'), '0',
  'no deferring scope outlives a failed statement');
update publishing_calendar set time_slot = '23:59' where distribution_id = '00000000-0000-4000-8000-000000009006';
update distributions set status = 'draft' where id = '00000000-0000-4000-8000-000000009006';
select pg_temp.rollup_exact('after a failed statement, a direct slot write and a post unscheduled');

-- A deleted platform (its slots cascade) and a deleted client (its posts and slots cascade).
delete from distributions where platform_id = '00000000-0000-4000-8000-0000000009a2';
delete from platforms where id = '00000000-0000-4000-8000-0000000009a2';
select pg_temp.rollup_exact('after a platform is deleted');
delete from clients where id = tests.fx('B', 'client');
select pg_temp.rollup_exact('after a client is deleted');
select is(pg_temp.misplaced(), 0::bigint, 'every remaining post holds its slot');

select is((select count(*)::int from private.publishing_calendar_rollup_pending), 0, 'nothing is left pending');
select is(current_setting('publishing_calendar.deferred', true), '0', 'every deferring scope is closed');

select * from finish();
rollback;
