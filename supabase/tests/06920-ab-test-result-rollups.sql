set client_min_messages = warning;
-- ab_test_results reads ab_test_result_rollups, recomputed per A/B group by triggers on distributions: after every
-- kind of write (groups created in several clients, metrics arriving, changing and becoming null, a variant
-- relabelled, the control changed, posts moved between groups, posts published, failing and deleted, writes to
-- posts outside any test) it returns exactly the rows of the plain query it replaced, as the service role and
-- under row-level security.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(13);
select tests.create_two_clients();

-- The reference: ab_test_results as the plain query over distributions.
create function pg_temp.expected() returns setof public.ab_test_results language sql stable security invoker as $q$
 WITH variants AS (
         SELECT d.client_id,
            d.variant_group,
            COALESCE(NULLIF(d.platform_specific ->> 'variant'::text, ''::text),
                CASE
                    WHEN d.is_control THEN 'control'::text
                    ELSE d.id::text
                END) AS variant,
            bool_or(d.is_control) AS is_control,
            count(*) AS posts,
            count(*) FILTER (WHERE d.status = 'published') AS published_posts,
            array_agg(d.id ORDER BY d.published_at, d.id) AS distribution_ids,
            sum(d.impressions) AS impressions,
            sum(d.engagements) AS engagements,
            sum(d.clicks) AS clicks,
            sum(d.engagement_base) FILTER (WHERE d.engagement_count IS NOT NULL AND d.engagement_base > 0) AS eng_n,
            sum(d.engagement_count) FILTER (WHERE d.engagement_count IS NOT NULL AND d.engagement_base > 0) AS eng_x,
            sum(d.engagement_base) FILTER (WHERE d.clicks IS NOT NULL AND d.engagement_base > 0) AS click_n,
            sum(d.clicks) FILTER (WHERE d.clicks IS NOT NULL AND d.engagement_base > 0) AS click_x,
            min(d.published_at) AS first_published_at
           FROM public.distributions d
          WHERE d.variant_group IS NOT NULL
          GROUP BY d.client_id, d.variant_group, (COALESCE(NULLIF(d.platform_specific ->> 'variant'::text, ''::text),
                CASE
                    WHEN d.is_control THEN 'control'::text
                    ELSE d.id::text
                END))
        ), controls AS (
         SELECT v.client_id,
            v.variant_group,
            sum(v.eng_n) AS eng_n,
            sum(v.eng_x) AS eng_x,
            sum(v.click_n) AS click_n,
            sum(v.click_x) AS click_x
           FROM variants v
          WHERE v.is_control
          GROUP BY v.client_id, v.variant_group
        ), rated AS (
         SELECT v.client_id,
            v.variant_group,
            v.variant,
            v.is_control,
            v.posts,
            v.published_posts,
            v.distribution_ids,
            v.impressions,
            v.engagements,
            v.clicks,
            v.eng_n,
            v.eng_x,
            v.click_n,
            v.click_x,
            v.first_published_at,
            round(100.0 * v.eng_x::numeric / NULLIF(v.eng_n, 0)::numeric, 4) AS engagement_rate,
            round(100.0 * v.click_x::numeric / NULLIF(v.click_n, 0)::numeric, 4) AS click_through_rate,
            round(100.0 * c.eng_x / NULLIF(c.eng_n, 0::numeric), 4) AS control_engagement_rate,
            round(100.0 * c.click_x / NULLIF(c.click_n, 0::numeric), 4) AS control_click_through_rate,
            c.eng_n AS c_eng_n,
            c.eng_x AS c_eng_x,
            c.click_n AS c_click_n,
            c.click_x AS c_click_x
           FROM variants v
             LEFT JOIN controls c ON c.client_id = v.client_id AND c.variant_group = v.variant_group
        )
 SELECT r.client_id,
    r.variant_group,
    r.variant,
    r.is_control,
    r.posts,
    r.published_posts,
    r.distribution_ids,
    r.impressions,
    r.engagements,
    r.clicks,
    r.eng_n AS engagement_base,
    r.eng_x AS engagement_count,
    r.engagement_rate,
    r.click_through_rate,
        CASE
            WHEN NOT r.is_control THEN r.engagement_rate - r.control_engagement_rate
            ELSE NULL::numeric
        END AS engagement_rate_diff,
        CASE
            WHEN NOT r.is_control THEN round(100.0 * (r.engagement_rate / NULLIF(r.control_engagement_rate, 0::numeric) - 1::numeric), 2)
            ELSE NULL::numeric
        END AS engagement_lift_pct,
        CASE
            WHEN NOT r.is_control THEN r.click_through_rate - r.control_click_through_rate
            ELSE NULL::numeric
        END AS ctr_diff,
        CASE
            WHEN NOT r.is_control THEN public.two_proportion_p_value(r.eng_x::numeric, r.eng_n::numeric, r.c_eng_x, r.c_eng_n)
            ELSE NULL::double precision
        END AS engagement_p_value,
        CASE
            WHEN NOT r.is_control THEN public.two_proportion_p_value(r.click_x::numeric, r.click_n::numeric, r.c_click_x, r.c_click_n)
            ELSE NULL::double precision
        END AS ctr_p_value,
    r.first_published_at
   FROM rated r$q$;
grant execute on function pg_temp.expected() to authenticated, service_role;
create function pg_temp.same(p_what text) returns text language sql as $$
  select bag_eq('select * from ab_test_results', 'select * from pg_temp.expected()', p_what)
$$;
grant execute on function pg_temp.same(text) to authenticated, service_role;

insert into platforms (id, client_id, name, kind) values
  ('00000000-0000-4000-8000-0000000000a1', tests.fx('A', 'client'), 'X A', 'x'),
  ('00000000-0000-4000-8000-0000000000b1', tests.fx('B', 'client'), 'X B', 'x');

-- 8 groups a client: a control and variants, labelled or not (the id is then the variant), some variants with
-- several posts, metrics missing on some.
insert into distributions (client_id, platform_id, content_type, body, title, status, scheduled_for, published_at,
                           variant_group, is_control, platform_specific, impressions, engagements, clicks,
                           engagement_base, engagement_count)
select c, pl, 'manual', 'b' || i, 't' || i, st::public.distribution_status, now() - i * interval '1 hour',
       case when st = 'published' then now() - i * interval '1 hour' end,
       'g' || (i % 8), i % 5 = 0,
       case when i % 5 = 0 then '{}'::jsonb when i % 7 = 0 then '{"variant": ""}'::jsonb
            else jsonb_build_object('variant', 'v' || (i % 3)) end,
       case when st = 'published' then 1000 + i end,
       case when st = 'published' and i % 6 <> 0 then 40 + i % 30 end,
       case when st = 'published' and i % 4 <> 0 then i % 20 end,
       case when st = 'published' then 1000 + i end,
       case when st = 'published' and i % 6 <> 0 then 40 + i % 30 end
from generate_series(1, 120) i,
     lateral (select case when i % 2 = 0 then tests.fx('A', 'client') else tests.fx('B', 'client') end as c,
                     case when i % 2 = 0 then '00000000-0000-4000-8000-0000000000a1'::uuid
                          else '00000000-0000-4000-8000-0000000000b1'::uuid end as pl,
                     case when i % 9 = 0 then 'scheduled' else 'published' end as st) x;

select cmp_ok((select count(*)::int from ab_test_results where engagement_p_value is not null), '>=', 10,
  'the groups have p-values against their controls');
select pg_temp.same('after inserts');

update distributions set engagements = coalesce(engagements, 0) + 7, engagement_count = coalesce(engagement_count, 0) + 7,
                         clicks = null
where variant_group in ('g1', 'g2') and status = 'published';
update distributions set impressions = impressions + 1 where variant_group = 'g3';
select pg_temp.same('after metrics arrive, change and become null');

update distributions set platform_specific = '{"variant": "renamed"}' where title in ('t11', 't13', 't22');
update distributions set is_control = not is_control where variant_group = 'g4';
update distributions set variant_group = 'g5' where title in ('t30', 't36');
update distributions set variant_group = null where title = 't38';
update distributions set variant_group = 'g9' where title in ('t41', 't40');
select pg_temp.same('after a variant relabelled, the control changed, posts moved between groups');

-- Claims, a retry, a post unconfirmed and one cancelled leave its group's results as they are (the trigger skips
-- them: the results read status only as published or not); publishing changes them. (Each post published here
-- is the only write of its group in this step, so a skip taken where it must not be shows as a difference.)
update distributions set status = 'publishing', attempt_id = gen_random_uuid(), lease_expires_at = now() + interval '5 minutes'
where title in ('t9', 't27', 't63');
update distributions set status = 'scheduled', attempt_id = null, lease_expires_at = null where title = 't9';
update distributions set status = 'published', published_at = now() where title = 't27';
update distributions set status = 'unconfirmed', published_at = now() where title = 't63';
update distributions set status = 'published' where title = 't63'; -- only the status changes
update distributions set status = 'cancelled' where title = 't45';
select pg_temp.same('after claims, a retry, a cancel and posts published');

update distributions set status = 'publishing', attempt_id = gen_random_uuid(), lease_expires_at = now() + interval '5 minutes'
where status = 'scheduled' and variant_group in ('g0', 'g6');
update distributions set status = 'published', published_at = now() where status = 'publishing' and title like '%8';
update distributions set status = 'failed', error_message = 'x' where status = 'publishing';
delete from distributions where title in ('t50', 't55', 't60', 't61', 't2', 't4', 't6');
select pg_temp.same('after posts published, failing and deleted');

create temp table before as select * from ab_test_result_rollups;
update distributions set impressions = 5 where variant_group is null;
select bag_eq('select * from ab_test_result_rollups', 'select * from before',
  'a write to posts outside any test leaves the results as they were');

delete from distributions where variant_group = 'g7';
select is((select count(*)::int from ab_test_result_rollups where variant_group = 'g7'), 0,
  'a group whose posts are all gone has no rows');

select private.rebuild_ab_test_results();
select bag_eq('select * from ab_test_result_rollups', $$select * from before where variant_group <> 'g7'$$,
  'the incremental results equal a rebuild');

select tests.authenticate_as(tests.get_user_id('viewer_a@test.local'));
select pg_temp.same('as a member of A (row-level security)');
select is(array(select distinct client_id from ab_test_results), array[tests.fx('A', 'client')],
  'a member of A sees only A''s tests');
select throws_ok($$ delete from ab_test_result_rollups $$, '42501', null, 'members cannot write the results');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select pg_temp.same('as the service role (every client)');
select tests.clear_authentication();

select * from finish();
rollback;
