set client_min_messages = warning;
-- publishing_calendar_overview reads publishing_calendar_rollups, kept by triggers on publishing_calendar. After every
-- kind of write (inserts, slots filled and freed, moved in date, time, zone and platform, locked, deleted, a deleted
-- platform and distribution) it returns exactly the rows of the plain query it replaced, as the service role and
-- under row-level security. The rollup holds no time: the view applies the next-7-days window when it reads, so time
-- passing only moves that window. The slots span three days before to ten days after today in zones whose local date
-- is ahead of UTC's, behind it and equal to it, so each test sees the window's first and last day in every zone.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(17);
select tests.create_two_clients();

-- The reference: the view as the plain query over the calendar.
create function pg_temp.reference() returns table (date date, platform text, scheduled_posts bigint,
  time_slots time[])
language sql stable security invoker as $$
  select pc.date, p.name, count(pc.distribution_id), array_agg(pc.time_slot order by pc.time_slot)
  from public.publishing_calendar pc
  join public.platforms p on pc.platform_id = p.id
  where pc.date >= (now() at time zone pc.timezone)::date
    and pc.date <= ((now() at time zone pc.timezone)::date + 7)
  group by pc.date, p.id, p.name
  order by pc.date, p.name
$$;
grant execute on function pg_temp.reference() to authenticated, service_role;

-- Equal rows in the same order (by date and platform; no two platforms here share a name).
create function pg_temp.same(p_what text) returns setof text language sql as $$
  select results_eq('select * from publishing_calendar_overview', 'select * from pg_temp.reference()',
                    'calendar overview: ' || p_what)
$$;
grant execute on function pg_temp.same(text) to authenticated, service_role;

insert into platforms (id, client_id, name, kind, timezone) values
  ('00000000-0000-4000-8000-0000000000a1', tests.fx('A', 'client'), 'X A', 'x', 'Pacific/Kiritimati'),
  ('00000000-0000-4000-8000-0000000000a2', tests.fx('A', 'client'), 'Mail A', 'email', 'Etc/GMT+12'),
  ('00000000-0000-4000-8000-0000000000b1', tests.fx('B', 'client'), 'X B', 'x', 'Asia/Kolkata');

insert into distributions (id, client_id, platform_id, content_type, body, title, status, scheduled_for)
select ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid,
       case when i <= 40 then tests.fx('A', 'client') else tests.fx('B', 'client') end,
       case when i <= 40 then '00000000-0000-4000-8000-0000000000a1'::uuid
            else '00000000-0000-4000-8000-0000000000b1'::uuid end,
       'manual', 'x', 'd' || i, 'draft', now() + i * interval '1 day'
from generate_series(1, 60) i;

-- Slots from UTC's today - 3 to today + 10, four a day, in the platform's zone; about half hold a post; on the A
-- platforms some days also have slots in a second zone (a day of one platform in two zones).
insert into publishing_calendar (client_id, date, time_slot, timezone, platform_id, distribution_id)
select pl.client_id, (now() at time zone 'UTC')::date + day, make_time(slot * 5 + 3, 0, 0), pl.timezone, pl.id,
       case when (day + slot) % 2 = 0 and pl.id = '00000000-0000-4000-8000-0000000000a1' and day between 0 and 7
              then ('00000000-0000-4000-8000-' || lpad((1 + day * 4 + slot)::text, 12, '0'))::uuid
            when (day + slot) % 2 = 0 and pl.id = '00000000-0000-4000-8000-0000000000b1' and day between 0 and 4
              then ('00000000-0000-4000-8000-' || lpad((41 + day * 4 + slot)::text, 12, '0'))::uuid end
from platforms pl, generate_series(-3, 10) day, generate_series(0, 3) slot
where pl.id in ('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a2',
                '00000000-0000-4000-8000-0000000000b1', tests.fx('A', 'platform'));
insert into publishing_calendar (client_id, date, time_slot, timezone, platform_id)
select tests.fx('A', 'client'), (now() at time zone 'UTC')::date + day, make_time(slot * 5 + 4, 30, 0),
       case when day % 2 = 0 then 'America/New_York' else 'Pacific/Kiritimati' end,
       '00000000-0000-4000-8000-0000000000a2'
from generate_series(-2, 9) day, generate_series(0, 1) slot;

select cmp_ok((select count(*)::int from publishing_calendar_overview), '>=', 30, 'the week has rows');
select ok(exists (select 1 from publishing_calendar_overview where scheduled_posts > 0), 'some slots hold posts');
select ok(exists (select 1 from publishing_calendar_rollups group by platform_id, date having count(*) > 1),
  'some days of a platform have slots in two zones');
select pg_temp.same('after inserts');

-- Slots filled and freed; a lock and a slot type change (outside the view) leave it alone.
update publishing_calendar set distribution_id = '00000000-0000-4000-8000-000000000040'
where platform_id = '00000000-0000-4000-8000-0000000000a1' and date = (now() at time zone 'UTC')::date + 2
  and time_slot = '08:00';
update publishing_calendar set distribution_id = null
where platform_id = '00000000-0000-4000-8000-0000000000b1' and time_slot = '03:00';
update publishing_calendar set is_locked = true, slot_type = 'prime' where time_slot = '13:00';
select pg_temp.same('after slots are filled, freed and locked');

-- Slots move in time, in date, to another zone and to another platform of the client.
update publishing_calendar set time_slot = '23:59'
where platform_id = '00000000-0000-4000-8000-0000000000a1' and time_slot = '18:00' and distribution_id is null;
update publishing_calendar set date = date + 1, time_slot = '03:01'
where platform_id = tests.fx('A', 'platform') and time_slot = '03:00';
update publishing_calendar set timezone = 'Etc/GMT+12'
where platform_id = tests.fx('A', 'platform') and time_slot = '08:00';
update publishing_calendar set platform_id = '00000000-0000-4000-8000-0000000000a2'
where platform_id = '00000000-0000-4000-8000-0000000000a1' and time_slot = '23:59';
select pg_temp.same('after slots move in time, date, zone and platform');

-- Deletes: some slots, every slot of one day, a distribution (its slot is freed), a platform (its slots go).
delete from publishing_calendar where time_slot = '04:30' and timezone = 'America/New_York';
delete from publishing_calendar
where platform_id = '00000000-0000-4000-8000-0000000000b1' and date = (now() at time zone 'UTC')::date + 3;
delete from distributions where id = '00000000-0000-4000-8000-000000000001';
select pg_temp.same('after deletes of slots and of a distribution');
select is((select count(*)::int from publishing_calendar_rollups
           where platform_id = '00000000-0000-4000-8000-0000000000b1'
             and date = (now() at time zone 'UTC')::date + 3), 0,
  'no rollup row for a day without slots');
delete from platforms where id = '00000000-0000-4000-8000-0000000000a2';
select pg_temp.same('after a platform is deleted');

-- A renamed platform is shown under its new name (the view reads the name from platforms).
update platforms set name = 'Xtra A' where id = '00000000-0000-4000-8000-0000000000a1';
select pg_temp.same('after a platform is renamed');

create temp table rollup_inc as select * from publishing_calendar_rollups;
select private.rebuild_publishing_calendar_rollups();
select bag_eq('select * from publishing_calendar_rollups', 'select * from rollup_inc',
  'incremental equals rebuilt');

-- Row-level security: a member of A sees exactly A's rows, and cannot write the rollup.
select tests.authenticate_as(tests.get_user_id('viewer_a@test.local'));
select pg_temp.same('as a member of A (row-level security)');
select is(array(select distinct platform from publishing_calendar_overview order by 1),
  array['Blog A', 'Xtra A'], 'a member of A sees only A''s platforms');
select throws_ok($$ insert into publishing_calendar_rollups (platform_id, date, timezone, client_id,
                                                             scheduled_posts, time_slots)
                    values (tests.fx('A', 'platform'), current_date, 'UTC', tests.fx('A', 'client'), 0, '{}') $$,
  '42501', null, 'members cannot write the rollup');
select tests.clear_authentication();
select tests.authenticate_as(tests.get_user_id('owner_b@test.local'));
select is(array(select distinct client_id from publishing_calendar_rollups), array[tests.fx('B', 'client')],
  'a member of B sees only B''s rollup rows');
select pg_temp.same('as a member of B (row-level security)');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select pg_temp.same('as the service role');
select tests.clear_authentication();

select * from finish();
rollback;
