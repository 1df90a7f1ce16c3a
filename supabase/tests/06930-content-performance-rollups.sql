set client_min_messages = warning;
-- content_performance reads content_performance_rollups, kept by triggers on distributions and platforms. After
-- every kind of write (inserts in several states, metrics appearing, changing and becoming null, publishing, posts
-- moving between contents and platforms or leaving their content, deletes, a deleted content, a renamed platform)
-- it returns exactly the rows of the plain aggregate it replaced, as the service role and under row-level security.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(15);
select tests.create_two_clients();

-- The reference: the view as the plain aggregate over distributions.
create function pg_temp.reference() returns table (content_id uuid, client_id uuid, title text,
  status public.content_status, content_type text, distributions bigint, published bigint, platforms text[],
  first_published_at timestamptz, impressions bigint, video_views bigint, engagements bigint, clicks bigint,
  conversions bigint, conversion_value numeric, avg_engagement_rate numeric, engagement_rate numeric,
  best_platform text, best_engagement_rate numeric)
language sql stable security invoker as $$
  select c.id, c.client_id, c.title, c.status, c.content_type,
    count(d.id), count(d.id) filter (where d.status = 'published'),
    array_agg(distinct p.name) filter (where d.status = 'published'),
    min(d.published_at), sum(d.impressions), sum(d.video_views), sum(d.engagements), sum(d.clicks),
    sum(d.conversions), sum(d.conversion_value), round(avg(d.engagement_rate), 2),
    round(100.0 * sum(d.engagement_count) filter (where d.engagement_count is not null and d.engagement_base > 0)::numeric
          / nullif(sum(d.engagement_base) filter (where d.engagement_count is not null and d.engagement_base > 0), 0)::numeric, 4),
    (array_agg(p.name order by d.engagement_rate desc) filter (where d.engagement_rate is not null))[1],
    max(d.engagement_rate)
  from public.generated_content c
  left join public.distributions d on d.content_id = c.id
  left join public.platforms p on p.id = d.platform_id
  group by c.id, c.client_id
$$;
grant execute on function pg_temp.reference() to authenticated, service_role;

create function pg_temp.same(p_what text) returns setof text language sql as $$
  select bag_eq('select * from content_performance', 'select * from pg_temp.reference()',
                'content performance: ' || p_what)
$$;
grant execute on function pg_temp.same(text) to authenticated, service_role;

insert into platforms (id, client_id, name, kind) values
  ('00000000-0000-4000-8000-0000000000a1', tests.fx('A', 'client'), 'X A', 'x'),
  ('00000000-0000-4000-8000-0000000000a2', tests.fx('A', 'client'), 'Mail A', 'email'),
  ('00000000-0000-4000-8000-0000000000b1', tests.fx('B', 'client'), 'X B', 'x');

-- 40 contents of A and 10 of B (some never distributed), 300 posts over them in several states; every engagement
-- rate is distinct (the best platform is then one platform), some metrics missing.
insert into generated_content (id, client_id, title, content)
select ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid,
       case when i <= 40 then tests.fx('A', 'client') else tests.fx('B', 'client') end, 'c' || i, 'body'
from generate_series(1, 50) i;

insert into distributions (client_id, content_id, platform_id, content_type, body, title, status, scheduled_for,
                           published_at, impressions, video_views, engagements, clicks, conversions,
                           conversion_value, engagement_rate, engagement_count, engagement_base)
select c, ('00000000-0000-4000-8000-' || lpad(k::text, 12, '0'))::uuid, pl, 'generated', 'x', 't' || i,
       st::public.distribution_status, now() - i * interval '7 minutes',
       case when st = 'published' then now() - i * interval '3 hours' end,
       case when i % 6 = 0 then null else 100 + i end,
       case when i % 4 = 0 then null else i % 13 end,
       case when i % 5 = 0 then null else i % 17 end,
       case when i % 7 = 0 then null else i % 9 end,
       i % 2,
       (i % 5) * 1.25,
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

select cmp_ok((select count(*)::int from content_performance where distributions > 0), '>=', 40,
  'most contents have posts');
select pg_temp.same('after inserts in several states');

-- Publishing and metrics: values appear, change, become null.
update distributions set status = 'publishing', attempt_id = gen_random_uuid(),
                         lease_expires_at = now() + interval '5 minutes'
where status = 'scheduled' and title in ('t12', 't45');
update distributions set status = 'published', published_at = now() - interval '400 days', engagement_rate = 9.999
where status = 'publishing' and title in ('t12', 't45');
update distributions set impressions = coalesce(impressions, 0) + 11, clicks = coalesce(clicks, 1) * 2,
                         engagement_rate = coalesce(engagement_rate, 1.125) + 3.0001, conversions = 4,
                         conversion_value = 10.5, engagement_count = 3, engagement_base = 90
where status = 'published' and title like '%1';
update distributions set engagement_rate = null, clicks = null, video_views = null, engagement_count = null
where platform_id = '00000000-0000-4000-8000-0000000000a2' and title like '%3';
select pg_temp.same('after publishing and metrics updates');

-- Posts move to another content, to another platform, leave their content; a column outside the view changes.
update distributions set content_id = '00000000-0000-4000-8000-000000000036' where title in ('t2', 't22', 't102');
update distributions set platform_id = '00000000-0000-4000-8000-0000000000a1'
where platform_id = '00000000-0000-4000-8000-0000000000a2' and title like '%5';
update distributions set content_id = null where title in ('t4', 't14');
update distributions set error_message = 'ignored' where title like '%9';
select pg_temp.same('after moves between contents and platforms');

-- Status changes that keep a post published or not leave its content's rollup row as it is (the trigger skips
-- them): claims, retries, a failed publish, a draft scheduled, a failure retried, a post cancelled. Those that
-- publish a post change it. (Each change that publishes is the only write of its content here, so a skip taken
-- where it must not be shows as a difference.)
update distributions set status = 'publishing', attempt_id = gen_random_uuid(), lease_expires_at = now() + interval '5 minutes'
where title in ('t23', 't34', 't67', 't89');
update distributions set status = 'scheduled', attempt_id = null, lease_expires_at = null where title = 't23';
update distributions set status = 'unconfirmed', published_at = now() - interval '2 hours' where title = 't34';
update distributions set status = 'published' where title = 't34'; -- only the status changes
update distributions set status = 'published', published_at = now() - interval '1 hour' where title = 't67';
update distributions set status = 'failed', error_message = 'x' where title = 't89';
update distributions set status = 'cancelled' where title = 't56';
update distributions set status = 'scheduled' where title in ('t13', 't33');
select pg_temp.same('after claims, retries, failures and publishing');

-- Deletes: some posts, every post of one content, a content (its posts keep going without it).
delete from distributions where title like '%8';
delete from distributions where content_id = '00000000-0000-4000-8000-000000000005';
delete from generated_content where id = '00000000-0000-4000-8000-000000000006';
select pg_temp.same('after deletes of posts and of a content');
select is((select count(*)::int from content_performance_rollups
           where content_id = '00000000-0000-4000-8000-000000000005'), 0,
  'no rollup row for a content without posts');

-- A renamed platform renames the platforms and best platform of its contents.
update platforms set name = 'Newsletter A' where id = '00000000-0000-4000-8000-0000000000a2';
select pg_temp.same('after a platform is renamed');
select ok(exists (select 1 from content_performance where best_platform = 'Newsletter A'),
  'the new name is shown');

create temp table rollup_inc as select * from content_performance_rollups;
select private.rebuild_content_performance_rollups();
select bag_eq('select * from content_performance_rollups', 'select * from rollup_inc',
  'incremental equals rebuilt');

-- Row-level security: a member of A sees exactly A's rows, and cannot write the rollup.
select tests.authenticate_as(tests.get_user_id('viewer_a@test.local'));
select pg_temp.same('as a member of A (row-level security)');
select is(array(select distinct client_id from content_performance), array[tests.fx('A', 'client')],
  'a member of A sees only A''s contents');
select throws_ok($$ insert into content_performance_rollups (content_id, client_id, distributions, published)
                    values (tests.fx('A', 'content'), tests.fx('A', 'client'), 1, 1) $$,
  '42501', null, 'members cannot write the rollup');
select tests.clear_authentication();
select tests.authenticate_as(tests.get_user_id('owner_b@test.local'));
select is(array(select distinct client_id from content_performance_rollups), array[tests.fx('B', 'client')],
  'a member of B sees only B''s rollup rows');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select pg_temp.same('as the service role');
select tests.clear_authentication();

select * from finish();
rollback;
