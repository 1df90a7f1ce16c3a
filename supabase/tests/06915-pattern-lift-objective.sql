set client_min_messages = warning;
-- pattern_lift in each client's own objective (clients.optimize_for): the pooled rate of the objective's events
-- (engagement count, clicks, or the post's attributed conversions) per unit of engagement_base, where the pattern
-- was applied versus not, its lift and p-value. Its rollup stays exact after every kind of write: metric reads
-- (private.record_metrics), conversions recorded, moved and deleted (as the service role and as a member), a client
-- changing optimize_for, posts deleted, feedback without a post; the view returns exactly the rows of the plain
-- query, with conversions read from the posts as the learner reads them, as the service role and as a member.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(21);
select tests.create_two_clients();

-- The reference: pattern_lift as the plain query over pattern_feedback, the posts and the clients.
create function pg_temp.lift() returns table (pattern_id uuid, client_id uuid, platform_id uuid, platform text,
  pattern_type text, pattern_name text, posts_applied bigint, posts_not_applied bigint,
  avg_engagement_rate_applied numeric, avg_engagement_rate_not_applied numeric, engagement_rate_applied numeric,
  engagement_rate_not_applied numeric, lift_pct numeric, p_value double precision, objective text,
  objective_rate_applied numeric, objective_rate_not_applied numeric, objective_lift_pct numeric,
  objective_p_value double precision)
language sql stable security invoker as $$
  select pp.id, pp.client_id, pp.platform_id, p.name, pp.pattern_type, pp.pattern_name,
         a.posts_applied, a.posts_not_applied, round(a.avg_rate_applied, 4), round(a.avg_rate_not_applied, 4),
         round(100.0 * a.x1::numeric / nullif(a.n1, 0)::numeric, 4),
         round(100.0 * a.x0::numeric / nullif(a.n0, 0)::numeric, 4),
         round(100.0 * (a.x1::numeric / nullif(a.n1, 0) / nullif(a.x0::numeric / nullif(a.n0, 0), 0) - 1), 2),
         public.two_proportion_p_value(a.x1::numeric, a.n1::numeric, a.x0::numeric, a.n0::numeric),
         c.optimize_for, round(100.0 * a.o1::numeric / nullif(a.m1, 0)::numeric, 4),
         round(100.0 * a.o0::numeric / nullif(a.m0, 0)::numeric, 4),
         round(100.0 * (a.o1::numeric / nullif(a.m1, 0) / nullif(a.o0::numeric / nullif(a.m0, 0), 0) - 1), 2),
         public.two_proportion_p_value(a.o1::numeric, a.m1::numeric, a.o0::numeric, a.m0::numeric)
  from public.platform_patterns pp
  join public.platforms p on p.id = pp.platform_id
  join public.clients c on c.id = pp.client_id
  cross join lateral (
    select count(*) filter (where f.pattern_applied) as posts_applied,
           count(*) filter (where not f.pattern_applied) as posts_not_applied,
           avg(f.engagement_rate) filter (where f.pattern_applied) as avg_rate_applied,
           avg(f.engagement_rate) filter (where not f.pattern_applied) as avg_rate_not_applied,
           sum(f.engagement_count) filter (where f.pattern_applied and f.engagement_base > 0) as x1,
           sum(f.engagement_base) filter (where f.pattern_applied and f.engagement_base > 0
                                          and f.engagement_count is not null) as n1,
           sum(f.engagement_count) filter (where not f.pattern_applied and f.engagement_base > 0) as x0,
           sum(f.engagement_base) filter (where not f.pattern_applied and f.engagement_base > 0
                                          and f.engagement_count is not null) as n0,
           sum(o.events) filter (where f.pattern_applied and f.engagement_base > 0) as o1,
           sum(f.engagement_base) filter (where f.pattern_applied and f.engagement_base > 0
                                          and o.events is not null) as m1,
           sum(o.events) filter (where not f.pattern_applied and f.engagement_base > 0) as o0,
           sum(f.engagement_base) filter (where not f.pattern_applied and f.engagement_base > 0
                                          and o.events is not null) as m0
    from public.pattern_feedback f
    left join public.distributions d on d.id = f.distribution_id
    cross join lateral (
      select case c.optimize_for when 'clicks' then f.clicks when 'conversions' then d.conversions
                                 else f.engagement_count end as events) o
    where f.pattern_id = pp.id) a
$$;
create function pg_temp.same(p_what text) returns setof text language sql as $$
  select bag_eq('select * from pattern_lift', 'select * from pg_temp.lift()', p_what)
$$;
grant execute on function pg_temp.lift(), pg_temp.same(text) to authenticated, service_role;

-- A client that optimises for conversions: two posts its timing pattern placed (100 impressions each, 3 and 1
-- conversions) against one placed otherwise (200 impressions, 1 conversion), with more engagement.
insert into clients (id, name, optimize_for) values ('00000000-0000-4000-8000-0000000009c0', 'Shop', 'conversions');
insert into platforms (id, client_id, name, kind, timezone) values
  ('00000000-0000-4000-8000-0000000009c1', '00000000-0000-4000-8000-0000000009c0', 'X Shop', 'x', 'UTC');
insert into platform_patterns (id, client_id, platform_id, pattern_type, pattern_name) values
  ('00000000-0000-4000-8000-0000000009c2', '00000000-0000-4000-8000-0000000009c0',
   '00000000-0000-4000-8000-0000000009c1', 'timing', 'optimal_posting_times');
insert into distributions (id, client_id, platform_id, content_type, title, body, status, scheduled_for, published_at,
                           external_id, timezone)
select ('00000000-0000-4000-8000-00000000090' || i)::uuid, '00000000-0000-4000-8000-0000000009c0',
       '00000000-0000-4000-8000-0000000009c1', 'manual', 'shop ' || i, 'x', 'published',
       now() - interval '3 days', now() - interval '3 days', 'shop-' || i, 'UTC'
from generate_series(1, 3) i;
insert into distribution_patterns (distribution_id, pattern_id, client_id)
select ('00000000-0000-4000-8000-00000000090' || i)::uuid, '00000000-0000-4000-8000-0000000009c2',
       '00000000-0000-4000-8000-0000000009c0'
from generate_series(1, 2) i;

-- The posts of A (two platforms) and B: some placed by their timing pattern, some by a headline pattern.
insert into platforms (id, client_id, name, kind, timezone) values
  ('00000000-0000-4000-8000-0000000009a1', tests.fx('A', 'client'), 'X A', 'x', 'Europe/Paris'),
  ('00000000-0000-4000-8000-0000000009b1', tests.fx('B', 'client'), 'X B', 'x', 'UTC');
insert into platform_patterns (id, client_id, platform_id, pattern_type, pattern_name)
select ('00000000-0000-4000-8000-0000000009' || x.tag)::uuid, x.client_id, x.platform_id, x.type, x.name
from (values ('d1', tests.fx('A', 'client'), tests.fx('A', 'platform'), 'headline', 'question'),
             ('d2', tests.fx('A', 'client'), '00000000-0000-4000-8000-0000000009a1'::uuid, 'timing',
              'optimal_posting_times'),
             ('d3', tests.fx('A', 'client'), '00000000-0000-4000-8000-0000000009a1'::uuid, 'headline', 'listicle'),
             ('d4', tests.fx('B', 'client'), '00000000-0000-4000-8000-0000000009b1'::uuid, 'timing',
              'optimal_posting_times')) x (tag, client_id, platform_id, type, name);
update clients set optimize_for = 'clicks' where id = tests.fx('B', 'client');
insert into distributions (client_id, platform_id, content_type, title, body, status, scheduled_for, published_at,
                           external_id, timezone)
select x.client_id, x.platform_id, 'manual', 'post ' || i, 'x', 'published', now() - i * interval '5 hours',
       now() - i * interval '5 hours', 'ext-obj-' || i, 'UTC'
from generate_series(1, 180) i,
     lateral (select case when i % 3 = 0 then tests.fx('A', 'client') when i % 3 = 1 then tests.fx('A', 'client')
                          else tests.fx('B', 'client') end as client_id,
                     case when i % 3 = 0 then tests.fx('A', 'platform')
                          when i % 3 = 1 then '00000000-0000-4000-8000-0000000009a1'::uuid
                          else '00000000-0000-4000-8000-0000000009b1'::uuid end as platform_id) x;
insert into distribution_patterns (distribution_id, pattern_id, client_id)
select d.id, pp.id, d.client_id
from distributions d join platform_patterns pp on pp.platform_id = d.platform_id
where d.title like 'post %' and hashtext(d.id::text || pp.id::text) % 3 = 0;

-- Metric reads, as the metrics sync records them (the service role): impressions, engagements and clicks; a few
-- posts report no clicks.
select tests.authenticate_as_service_role();
select private.record_metrics(jsonb_agg(jsonb_build_object(
  'distribution_id', d.id, 'ok', true,
  'metrics', case when d.title like 'shop %' then
                  jsonb_build_object('impressions', case when d.title = 'shop 3' then 200 else 100 end,
                                     'engagements', case when d.title = 'shop 3' then 40 else 5 end, 'clicks', 4)
             else jsonb_build_object('impressions', 500 + (hashtext(d.id::text) & 1023),
                                     'engagements', hashtext(d.id::text) & 63)
                  || case when substr(d.title, length(d.title)) = '7' then '{}'::jsonb
                          else jsonb_build_object('clicks', (hashtext(d.id::text) >> 8) & 31) end end)))
from distributions d
where d.title like 'post %' or d.title like 'shop %';
select tests.clear_authentication();
select cmp_ok((select count(*)::int from pattern_feedback where pattern_id::text like '00000000-0000-4000-8000-0000000009%'),
  '>=', 180, 'the metric reads wrote feedback for every post');
select pg_temp.same('after the first metric reads');
select cmp_ok((select count(*)::int from pattern_lift where objective = 'clicks' and objective_lift_pct is not null
                and objective_lift_pct is distinct from lift_pct), '>=', 1,
  'a client optimising for clicks sees the lift in clicks, not in engagement');

-- Conversions, recorded by the service role (the shop's, and some of A's and B's posts, one of them twice).
select tests.authenticate_as_service_role();
select count(public.record_conversion(jsonb_build_object('distribution_id', d.id, 'value', 10,
                                                         'external_ref', 'svc-' || d.title || '-' || k)))
from distributions d, generate_series(1, 3) k
where (d.title = 'shop 1' and k <= 3) or (d.title in ('shop 2', 'shop 3') and k = 1)
   or (d.title like 'post %' and substr(d.title, length(d.title)) in ('1', '4') and k = 1)
   or (d.title = 'post 10' and k <= 2);
select tests.clear_authentication();
select pg_temp.same('after conversions recorded by the service role');
select results_eq($$ select objective, posts_applied, posts_not_applied, objective_rate_applied,
                            objective_rate_not_applied, objective_lift_pct
                     from pattern_lift where pattern_id = '00000000-0000-4000-8000-0000000009c2' $$,
  $$ values ('conversions'::text, 2::bigint, 1::bigint, 2.0000::numeric, 0.5000::numeric, 300.00::numeric) $$,
  'the shop''s timing pattern: 4 conversions in 200 impressions against 1 in 200, lift 300 % (in conversions)');
select results_eq($$ select engagement_rate_applied, engagement_rate_not_applied, lift_pct
                     from pattern_lift where pattern_id = '00000000-0000-4000-8000-0000000009c2' $$,
  $$ values (5.0000::numeric, 20.0000::numeric, -75.00::numeric) $$,
  '... while its engagement columns stay those of engagement (10 in 200 against 40 in 200)');
select is((select array_agg(distinct f.conversions order by f.conversions) from pattern_feedback f
           join distributions d on d.id = f.distribution_id where d.title = 'post 10'), array[2],
  'the feedback rows of a post carry its conversions');

-- A member (an editor of A) records, moves and deletes conversions under row-level security.
select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
select count(public.record_conversion(jsonb_build_object('distribution_id', d.id, 'value', 5,
                                                         'external_ref', 'member-' || d.title)))
from distributions d where d.title like 'post %' and substr(d.title, length(d.title)) in ('2', '5');
update conversions set distribution_id = (select id from distributions where title = 'post 3')
where external_ref = 'member-post 2';
delete from conversions where external_ref = 'member-post 5';
select pg_temp.same('as a member of A, after conversions recorded, moved and deleted by a member');
select is(array(select distinct client_id from pattern_lift), array[tests.fx('A', 'client')],
  'a member of A sees only A''s patterns');
select tests.clear_authentication();
select pg_temp.same('as the service role, after the member''s conversions');

-- A's owner changes what A optimises for: the view follows without a write to the rollup.
create temp table rollup_before as select * from pattern_lift_rollups;
select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
update clients set optimize_for = 'conversions' where id = tests.fx('A', 'client');
select pg_temp.same('as the owner of A, after A chose conversions');
select is(array(select distinct objective from pattern_lift), array['conversions'],
  'A''s patterns now report conversions');
select tests.clear_authentication();
select pg_temp.same('as the service role, after A chose conversions');
select bag_eq('select * from pattern_lift_rollups', 'select * from rollup_before',
  'changing optimize_for leaves the rollup as it was');
select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
update clients set optimize_for = 'clicks' where id = tests.fx('A', 'client');
select pg_temp.same('as the owner of A, after A chose clicks');
select tests.clear_authentication();

-- Metric reads again (new values, a post's clicks appearing) and conversions on the same posts.
select tests.authenticate_as_service_role();
select private.record_metrics(jsonb_agg(jsonb_build_object(
  'distribution_id', d.id, 'ok', true, 'recorded_at', now(),
  'metrics', jsonb_build_object('impressions', 900 + (hashtext(d.id::text) & 511),
                                'engagements', (hashtext(d.id::text) >> 4) & 127,
                                'clicks', (hashtext(d.id::text) >> 12) & 63))))
from distributions d where d.title like 'post %' and substr(d.title, length(d.title)) in ('1', '3', '7');
select count(public.record_conversion(jsonb_build_object('distribution_id', d.id, 'value', 1,
                                                         'external_ref', 'again-' || d.title)))
from distributions d where d.title like 'post %' and substr(d.title, length(d.title)) in ('3', '6');
select tests.clear_authentication();
select pg_temp.same('after more metric reads and conversions');

-- Hand edits: a post's conversions set directly, a feedback row moved to another post and one without a post
-- (no conversions), one trying to set its own conversions; posts with conversions deleted.
update distributions set conversions = 7 where title = 'post 9';
update pattern_feedback f set distribution_id = (select id from distributions where title = 'post 13')
where f.distribution_id = (select id from distributions where title = 'post 15')
  and not exists (select 1 from pattern_feedback g where g.pattern_id = f.pattern_id
                  and g.distribution_id = (select id from distributions where title = 'post 13'));
update pattern_feedback set distribution_id = null
where distribution_id = (select id from distributions where title = 'post 18');
update pattern_feedback set conversions = 99
where distribution_id = (select id from distributions where title = 'post 21');
select is((select array_agg(distinct conversions) from pattern_feedback
           where distribution_id = (select id from distributions where title = 'post 21')),
  array[(select conversions from distributions where title = 'post 21')],
  'a feedback row keeps its post''s conversions, whatever is written to it');
select pg_temp.same('after hand edits of conversions and feedback rows');
delete from distributions where title in ('post 1', 'post 10', 'post 3', 'post 14');
select pg_temp.same('after posts with conversions were deleted');
select tests.authenticate_as(tests.get_user_id('viewer_a@test.local'));
select pg_temp.same('as a viewer of A, at the end');
select tests.clear_authentication();

create temp table lift_inc as select * from pattern_lift_rollups;
select private.rebuild_pattern_lift_rollups();
select bag_eq('select * from pattern_lift_rollups', 'select * from lift_inc', 'incremental equals rebuilt');

select * from finish();
rollback;
