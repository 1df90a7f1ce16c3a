-- A metric the platform did not give stays NULL (in the snapshot and the summary) and is excluded from averages;
-- a reported 0 is a 0; a rate with a NULL or 0 denominator is NULL.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(10);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind) values
  ('00000000-0000-4000-8000-0000000000a1', tests.fx('A', 'client'), 'X A', 'x');
insert into distributions (id, client_id, platform_id, content_type, body, status, scheduled_for, published_at, external_id)
select ('00000000-0000-4000-8000-00000000d00' || i)::uuid, tests.fx('A', 'client'),
       '00000000-0000-4000-8000-0000000000a1', 'manual', 'x', 'published',
       now() - interval '150 minutes', now() - interval '150 minutes', 'e' || i
from generate_series(1, 3) i;

select private.record_metrics(jsonb_build_array(
  jsonb_build_object('distribution_id', '00000000-0000-4000-8000-00000000d001', 'ok', true,
                     'metrics', jsonb_build_object('impressions', 100, 'engagements', 0, 'likes', 0)),
  jsonb_build_object('distribution_id', '00000000-0000-4000-8000-00000000d002', 'ok', true,
                     'metrics', jsonb_build_object('impressions', 100)),
  jsonb_build_object('distribution_id', '00000000-0000-4000-8000-00000000d003', 'ok', true,
                     'metrics', jsonb_build_object('impressions', 0, 'engagements', 3, 'clicks', 1))));

select results_eq($$ select clicks, engagements, likes, hours_since_publish from distribution_metrics
                     where distribution_id = '00000000-0000-4000-8000-00000000d002' $$,
  $$ values (null::int, null::int, null::int, 2) $$,
  'the snapshot keeps unreported metrics null (and hours_since_publish is whole hours)');
select results_eq($$ select engagements, likes from distribution_metrics
                     where distribution_id = '00000000-0000-4000-8000-00000000d001' $$,
  $$ values (0, 0) $$, 'reported zeros are zeros');
select results_eq($$ select engagements, engagement_rate, click_through_rate from distributions
                     where id = '00000000-0000-4000-8000-00000000d002' $$,
  $$ values (null::int, null::numeric, null::numeric) $$,
  'no engagements or clicks reported: the summary and both rates stay null');
select results_eq($$ select engagement_rate from distributions where id = '00000000-0000-4000-8000-00000000d001' $$,
  $$ values (0.0000::numeric) $$, '0 engagements of 100 impressions: a rate of 0');
select results_eq($$ select engagement_rate, click_through_rate from distributions
                     where id = '00000000-0000-4000-8000-00000000d003' $$,
  $$ values (null::numeric, null::numeric) $$, 'a zero denominator gives null rates, not a division error or 0');
select results_eq($$ select total_posts, avg_engagement_rate, avg_ctr from distribution_performance_by_platform
                     where platform = 'X A' $$,
  $$ values (3::bigint, 0.00::numeric, null::numeric) $$,
  'averages skip the posts that reported nothing (one rate of 0, two nulls: average 0, not diluted)');

-- A later read that omits a metric keeps the value reported earlier; one never reported stays null.
select private.record_metrics(jsonb_build_array(
  jsonb_build_object('distribution_id', '00000000-0000-4000-8000-00000000d002', 'ok', true,
                     'metrics', jsonb_build_object('engagements', 10))));
select results_eq($$ select impressions, engagements, clicks, engagement_rate from distributions
                     where id = '00000000-0000-4000-8000-00000000d002' $$,
  $$ values (100, 10, null::int, 10.0000::numeric) $$,
  'the summary holds the latest reported value of each metric; the rate follows');
select is((select count(*)::int from distribution_metrics where distribution_id = '00000000-0000-4000-8000-00000000d002'),
  2, 'each read is a snapshot');
select results_eq($$ select impressions from distribution_metrics
                     where distribution_id = '00000000-0000-4000-8000-00000000d002' and engagements = 10 $$,
  $$ values (null::int) $$, 'the snapshot itself records only what that read reported');

-- A hand edit in Studio recomputes the rates.
update distributions set impressions = 200 where id = '00000000-0000-4000-8000-00000000d002';
select is((select engagement_rate from distributions where id = '00000000-0000-4000-8000-00000000d002'),
  5.0000::numeric, 'editing a metric by hand recomputes the rate');

select * from finish();
rollback;
