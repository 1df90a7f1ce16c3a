set client_min_messages = warning;
-- cross_post_group_summary reads cross_post_group_rollups, kept by triggers on distributions and platforms. After
-- every kind of write (inserts in several states, metrics appearing, changing and becoming null, publishing, posts
-- moving between groups and platforms or leaving their group, deletes, a deleted group, a renamed platform) it
-- returns exactly the rows of the plain aggregate it replaced, as the service role and under row-level security.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(15);
select tests.create_two_clients();

-- The reference: the view as the plain aggregate over distributions.
create function pg_temp.reference() returns table (cross_post_group_id uuid, client_id uuid, name text,
  status public.cross_post_group_status, timing_strategy text, source_content_id uuid, distributions bigint,
  published bigint, failed bigint, pending bigint, platforms text[], first_published_at timestamptz,
  last_published_at timestamptz, impressions bigint, engagements bigint, clicks bigint, conversions bigint,
  engagement_rate numeric, click_through_rate numeric)
language sql stable security invoker as $$
  select g.id, g.client_id, g.name, g.status, g.timing_strategy, g.source_content_id,
    count(d.id), count(d.id) filter (where d.status = 'published'), count(d.id) filter (where d.status = 'failed'),
    count(d.id) filter (where d.status in ('draft', 'scheduled', 'publishing', 'unconfirmed')),
    array_agg(distinct p.name) filter (where p.name is not null),
    min(d.published_at), max(d.published_at), sum(d.impressions), sum(d.engagements), sum(d.clicks),
    sum(d.conversions),
    round(100.0 * sum(d.engagement_count) filter (where d.engagement_count is not null and d.engagement_base > 0)::numeric
          / nullif(sum(d.engagement_base) filter (where d.engagement_count is not null and d.engagement_base > 0), 0)::numeric, 4),
    round(100.0 * sum(d.clicks) filter (where d.clicks is not null and d.engagement_base > 0)::numeric
          / nullif(sum(d.engagement_base) filter (where d.clicks is not null and d.engagement_base > 0), 0)::numeric, 4)
  from public.cross_post_groups g
  left join public.distributions d on d.cross_post_group_id = g.id
  left join public.platforms p on p.id = d.platform_id
  group by g.id, g.client_id
$$;
grant execute on function pg_temp.reference() to authenticated, service_role;

create function pg_temp.same(p_what text) returns setof text language sql as $$
  select bag_eq('select * from cross_post_group_summary', 'select * from pg_temp.reference()',
                'cross-post group summary: ' || p_what)
$$;
grant execute on function pg_temp.same(text) to authenticated, service_role;

insert into platforms (id, client_id, name, kind) values
  ('00000000-0000-4000-8000-0000000000a1', tests.fx('A', 'client'), 'X A', 'x'),
  ('00000000-0000-4000-8000-0000000000a2', tests.fx('A', 'client'), 'Mail A', 'email'),
  ('00000000-0000-4000-8000-0000000000b1', tests.fx('B', 'client'), 'X B', 'x');

-- 40 groups of A and 10 of B (some empty), 300 posts over them in several states, some metrics missing.
insert into cross_post_groups (id, client_id, name)
select ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid,
       case when i <= 40 then tests.fx('A', 'client') else tests.fx('B', 'client') end, 'g' || i
from generate_series(1, 50) i;

insert into distributions (client_id, cross_post_group_id, platform_id, content_type, body, title, status,
                           scheduled_for, published_at, impressions, engagements, clicks, conversions,
                           engagement_rate, engagement_count, engagement_base)
select c, ('00000000-0000-4000-8000-' || lpad(k::text, 12, '0'))::uuid, pl, 'manual', 'x', 't' || i,
       st::public.distribution_status, now() - i * interval '7 minutes',
       case when st = 'published' then now() - i * interval '3 hours' end,
       case when i % 6 = 0 then null else 100 + i end,
       case when i % 5 = 0 then null else i % 17 end,
       case when i % 7 = 0 then null else i % 9 end,
       i % 2,
       case when i % 5 = 0 then null else i * 0.01 end,
       case when i % 8 = 0 then null else i % 11 end,
       case when i % 9 = 0 then 0 else 50 + i end
from generate_series(1, 300) i,
     lateral (select case when i % 10 < 8 then 1 + i % 35 else 41 + i % 7 end as k) kk,
     lateral (select case when k <= 40 then tests.fx('A', 'client') else tests.fx('B', 'client') end as c,
                     case when k > 40 then '00000000-0000-4000-8000-0000000000b1'::uuid
                          when i % 3 = 0 then tests.fx('A', 'platform')
                          when i % 3 = 1 then '00000000-0000-4000-8000-0000000000a1'::uuid
                          else '00000000-0000-4000-8000-0000000000a2'::uuid end as pl,
                     case when i % 11 = 0 then 'failed' when i % 11 = 1 then 'scheduled'
                          when i % 11 = 2 then 'draft' else 'published' end as st) y;

select cmp_ok((select count(*)::int from cross_post_group_summary where distributions > 0), '>=', 40,
  'most groups have posts');
select pg_temp.same('after inserts in several states');

-- Publishing and metrics: values appear, change, become null.
update distributions set status = 'publishing', attempt_id = gen_random_uuid(),
                         lease_expires_at = now() + interval '5 minutes'
where status = 'scheduled' and title in ('t12', 't45');
update distributions set status = 'published', published_at = now() + interval '400 days'
where status = 'publishing' and title = 't12';
update distributions set status = 'failed' where status = 'publishing' and title = 't45';
update distributions set impressions = coalesce(impressions, 0) + 11, clicks = coalesce(clicks, 1) * 2,
                         conversions = 4, engagement_count = 3, engagement_base = 90
where status = 'published' and title like '%1';
update distributions set clicks = null, engagement_count = null
where platform_id = '00000000-0000-4000-8000-0000000000a2' and title like '%3';
select pg_temp.same('after publishing and metrics updates');

-- Posts move to another group, to another platform, leave their group; a column outside the view changes.
update distributions set cross_post_group_id = '00000000-0000-4000-8000-000000000036'
where title in ('t2', 't22', 't102');
update distributions set platform_id = '00000000-0000-4000-8000-0000000000a1'
where platform_id = '00000000-0000-4000-8000-0000000000a2' and title like '%5';
update distributions set cross_post_group_id = null where title in ('t4', 't14');
update distributions set error_message = 'ignored' where title like '%9';
select pg_temp.same('after moves between groups and platforms');

-- Status changes within one of the rollup's counts (pending: draft, scheduled, publishing, unconfirmed) leave the
-- group's rollup row as it is (the trigger skips them): claims, retries, a post unconfirmed, a scheduled post back
-- to draft, a draft scheduled. Those between counts, or out of them all, change it: publishing, failing, a failure
-- retried, cancelling. (Each of those is the only write of its group here, so a skip taken where it must not be
-- shows as a difference.)
update distributions set status = 'publishing', attempt_id = gen_random_uuid(), lease_expires_at = now() + interval '5 minutes'
where title in ('t23', 't34', 't78', 't89');
update distributions set status = 'scheduled', attempt_id = null, lease_expires_at = null where title = 't23';
update distributions set status = 'unconfirmed', published_at = now() - interval '2 hours' where title = 't34';
update distributions set status = 'published' where title = 't34'; -- only the status changes
update distributions set status = 'failed', error_message = 'x' where title = 't78';
update distributions set status = 'published', published_at = now() - interval '1 hour' where title = 't89';
update distributions set status = 'draft' where title = 't67';
update distributions set status = 'scheduled' where title in ('t13', 't33');
update distributions set status = 'cancelled' where title in ('t56', 't44');
select pg_temp.same('after claims, retries, failures, cancelling and publishing');

-- Deletes: some posts, every post of one group, a group (its posts keep going without it).
delete from distributions where title like '%8';
delete from distributions where cross_post_group_id = '00000000-0000-4000-8000-000000000005';
delete from cross_post_groups where id = '00000000-0000-4000-8000-000000000006';
select pg_temp.same('after deletes of posts and of a group');
select is((select count(*)::int from cross_post_group_rollups
           where cross_post_group_id = '00000000-0000-4000-8000-000000000005'), 0,
  'no rollup row for a group without posts');

-- A renamed platform renames the platforms of its groups.
update platforms set name = 'Newsletter A' where id = '00000000-0000-4000-8000-0000000000a2';
select pg_temp.same('after a platform is renamed');
select ok(exists (select 1 from cross_post_group_summary where 'Newsletter A' = any (platforms)),
  'the new name is shown');

create temp table rollup_inc as select * from cross_post_group_rollups;
select private.rebuild_cross_post_group_rollups();
select bag_eq('select * from cross_post_group_rollups', 'select * from rollup_inc',
  'incremental equals rebuilt');

-- Row-level security: a member of A sees exactly A's rows, and cannot write the rollup.
select tests.authenticate_as(tests.get_user_id('viewer_a@test.local'));
select pg_temp.same('as a member of A (row-level security)');
select is(array(select distinct client_id from cross_post_group_summary), array[tests.fx('A', 'client')],
  'a member of A sees only A''s groups');
select throws_ok($$ insert into cross_post_group_rollups (cross_post_group_id, client_id, distributions,
                                                          published, failed, pending)
                    values (tests.fx('A', 'group'), tests.fx('A', 'client'), 1, 1, 0, 0) $$,
  '42501', null, 'members cannot write the rollup');
select tests.clear_authentication();
select tests.authenticate_as(tests.get_user_id('owner_b@test.local'));
select is(array(select distinct client_id from cross_post_group_rollups), array[tests.fx('B', 'client')],
  'a member of B sees only B''s rollup rows');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select pg_temp.same('as the service role');
select tests.clear_authentication();

select * from finish();
rollback;
