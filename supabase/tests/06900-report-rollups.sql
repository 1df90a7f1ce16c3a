set client_min_messages = warning;
-- conversion_report_by_platform reads the conversion_rollups table: after every kind of write (inserts in any
-- status, publishing, NULL and changing clicks, conversions added/moved/removed, hand edits of published_at and
-- platform, rows leaving the published state, deletes, a platform's time zone change) it returns exactly the rows
-- of the aggregate over distributions it replaced, as the service role and under row-level security.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(16);
select tests.create_two_clients();

-- The reference: the report computed straight from distributions and conversions, without the rollup.
create function pg_temp.expected() returns table (platform_id uuid, client_id uuid, platform text, kind platform_kind,
  month date, posts bigint, clicks bigint, conversions bigint, conversion_value numeric, conversion_rate numeric)
language sql stable security invoker as $$
  select p.id, p.client_id, p.name, p.kind, date_trunc('month', d.published_at at time zone p.timezone)::date,
         count(*), sum(d.clicks), sum(d.conversions), sum(d.conversion_value),
         round(100.0 * sum(d.conversions) filter (where d.clicks is not null) / nullif(sum(d.clicks), 0), 4)
  from public.distributions d
  join public.platforms p on p.id = d.platform_id
  where d.status = 'published'
  group by p.id, p.client_id, 5
$$;
grant execute on function pg_temp.expected() to authenticated, service_role;

create function pg_temp.same(p_what text) returns text language sql as $$
  select bag_eq('select platform_id, client_id, platform, kind, month, posts, clicks, conversions, conversion_value,
                        conversion_rate from conversion_report_by_platform',
                'select * from pg_temp.expected()', p_what)
$$;
grant execute on function pg_temp.same(text) to authenticated, service_role;

insert into platforms (id, client_id, name, kind, timezone) values
  ('00000000-0000-4000-8000-0000000000a1', tests.fx('A', 'client'), 'X A', 'x', 'Pacific/Auckland'),
  ('00000000-0000-4000-8000-0000000000a2', tests.fx('A', 'client'), 'Mail A', 'email', 'America/Los_Angeles'),
  ('00000000-0000-4000-8000-0000000000b1', tests.fx('B', 'client'), 'X B', 'x', 'UTC');

-- 400 posts in every status, published around month boundaries (time zones move them across months), a third
-- with no clicks reported, some with zero clicks.
insert into distributions (client_id, platform_id, content_type, body, title, status, scheduled_for, published_at,
                           clicks, timezone, attempt_id, lease_expires_at)
select c, pl, 'manual', 'x', 't' || i, st,
       now() - i * interval '61 minutes',
       case when st in ('published') then date_trunc('month', now()) - (i % 4) * interval '1 month'
                                          + ((i % 7) - 3) * interval '5 hours' + i * interval '1 minute' end,
       case when i % 3 = 0 then null when i % 5 = 0 then 0 else i % 13 end, 'UTC',
       case when st = 'publishing' then gen_random_uuid() end, case when st = 'publishing' then now() + interval '5 minutes' end
from generate_series(1, 400) i,
     lateral (select case when i % 10 < 4 then tests.fx('A', 'platform')
                          when i % 10 < 6 then '00000000-0000-4000-8000-0000000000a1'::uuid
                          when i % 10 < 8 then '00000000-0000-4000-8000-0000000000a2'::uuid
                          else '00000000-0000-4000-8000-0000000000b1'::uuid end as pl) x,
     lateral (select case when i % 10 < 8 then tests.fx('A', 'client') else tests.fx('B', 'client') end as c,
                     case when i % 11 = 0 then 'failed' when i % 11 = 1 then 'scheduled'
                          when i % 11 = 2 then 'publishing' when i % 11 = 3 then 'unconfirmed'
                          when i % 11 = 4 then 'draft' else 'published' end::distribution_status as st) y;

select cmp_ok((select count(*)::int from conversion_rollups), '>=', 12, 'the inserts filled the rollup');
select pg_temp.same('after inserts in every status');

-- The publisher: publishing -> published (with a time), unconfirmed -> published, publishing -> failed.
update distributions set status = 'published', published_at = now() - interval '3 hours', clicks = 4
where status = 'publishing' and title in (select 't' || i from generate_series(1, 200) i);
update distributions set status = 'published', published_at = now() - interval '40 days'
where status = 'unconfirmed';
update distributions set status = 'failed' where status = 'publishing';
select pg_temp.same('after publishing');

-- Metrics: clicks appear, change, and one platform's posts stop reporting them.
update distributions set clicks = coalesce(clicks, 0) + 3 where status = 'published' and title like '%1';
update distributions set clicks = null where platform_id = '00000000-0000-4000-8000-0000000000a2';
select pg_temp.same('after metrics updates, including clicks becoming null');
select ok(exists (select 1 from conversion_report_by_platform
                  where platform_id = '00000000-0000-4000-8000-0000000000a2' and clicks is null
                    and conversion_rate is null),
  'a platform with no clicks reported: clicks and rate null, not 0');

-- Conversions (the conversions rollup trigger updates distributions, which updates the report rollup).
insert into conversions (client_id, distribution_id, value, external_ref)
select d.client_id, d.id, (i % 4) * 12.5, 'ref-' || i
from (select d.*, row_number() over (order by d.title) as i from distributions d where d.status = 'published') d
where d.i % 3 <> 0;
insert into conversions (client_id, distribution_id, value, external_ref)
select d.client_id, d.id, 7.25, 'again-' || d.id from distributions d
where d.status = 'published' and d.title like '%7';
select pg_temp.same('after conversions');
update conversions set value = value + 1.5 where external_ref like 'ref-1%';
delete from conversions where external_ref like 'ref-2%';
update conversions c set distribution_id = (select d.id from distributions d
  where d.status = 'published' and d.client_id = c.client_id order by d.title desc limit 1)
where external_ref like 'again-%';
select pg_temp.same('after conversions changed, moved and deleted');

-- Hand edits in Studio: published_at moved across months, a post moved to another platform of its client.
update distributions set published_at = published_at - interval '45 days'
where status = 'published' and title like '%3';
update distributions set platform_id = '00000000-0000-4000-8000-0000000000a1'
where status = 'published' and platform_id = tests.fx('A', 'platform') and title like '%8';
select pg_temp.same('after hand edits of published_at and platform');

-- Rows leaving the published state (a superuser correction past the status machine) and deletes.
alter table distributions disable trigger distributions_status_machine;
update distributions set status = 'failed', published_at = null where status = 'published' and title like '%9';
alter table distributions enable trigger distributions_status_machine;
delete from distributions where status = 'published' and title like '%2';
delete from distributions where platform_id = '00000000-0000-4000-8000-0000000000b1';
select pg_temp.same('after rows left the published state and deletes');
select is((select count(*)::int from conversion_rollups where platform_id = '00000000-0000-4000-8000-0000000000b1'), 0,
  'a platform with no published posts left has no rollup rows');

-- A platform's time zone decides the month.
update platforms set timezone = 'Asia/Tokyo' where id = '00000000-0000-4000-8000-0000000000a2';
update platforms set timezone = 'Pacific/Honolulu' where id = '00000000-0000-4000-8000-0000000000a1';
select pg_temp.same('after platform time zone changes');

-- Incremental equals rebuilt.
create temp table inc as select * from conversion_rollups;
select private.rebuild_conversion_rollups();
select bag_eq('select * from conversion_rollups', 'select * from inc', 'the incremental rollup equals a rebuild');

-- Row-level security: a member of A sees only A, and exactly A's rows of the reference.
grant select on inc to authenticated;
select tests.authenticate_as(tests.get_user_id('viewer_a@test.local'));
select pg_temp.same('as a member of A (row-level security)');
select is(array(select distinct client_id from conversion_report_by_platform), array[tests.fx('A', 'client')],
  'a member of A sees only A''s months');
select throws_ok($$ insert into conversion_rollups (platform_id, client_id, month)
                    values (tests.fx('A', 'platform'), tests.fx('A', 'client'), current_date) $$,
  '42501', null, 'members cannot write the rollup');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select pg_temp.same('as the service role (every client)');
select tests.clear_authentication();

select * from finish();
rollback;
