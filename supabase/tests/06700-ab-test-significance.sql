-- A/B significance: the normal CDF and the two-proportion z-test against textbook values; the results view; the
-- conclusion job declares a clear winner, never a winner in an A/A test, and "no difference" at the deadline.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(14);

select ok(abs(normal_cdf(1.96) - 0.9750021) < 1e-6, 'Phi(1.96) = 0.97500');
select ok(abs(normal_cdf(-1) - 0.1586553) < 1e-6, 'Phi(-1) = 0.15866');
select ok(abs(normal_cdf(0) - 0.5) < 1e-7, 'Phi(0) = 0.5');
select ok(abs(normal_two_sided_p(2.5758) - 0.0100008) < 1e-6, 'two-sided p at z = 2.5758 is 0.01');
select ok(abs(normal_two_sided_p(3.2905) / 0.00100010 - 1) < 1e-4, 'two-sided p at z = 3.2905 is 0.001 (relative accuracy)');
-- 200/1000 vs 250/1000: pooled p = 0.225, z = -2.6774, p = 0.00742.
select ok(abs(two_proportion_p_value(200, 1000, 250, 1000) - 0.0074196) < 1e-6, 'two-proportion z-test: 20% vs 25% of 1000, p = 0.0074');
select ok(abs(two_proportion_p_value(5, 100, 5, 100) - 1) < 1e-6, 'identical proportions: p = 1');
select is(two_proportion_p_value(10, 1000000, 900000, 1000000), 0::double precision,
  'an overwhelming difference: p = 0, no floating-point underflow error');
select is(two_proportion_p_value(0, 100, 0, 100), null, 'no successes at all: no evidence either way (null)');

select tests.create_two_clients();
insert into platforms (id, client_id, name, kind) values
  ('00000000-0000-4000-8000-0000000000a1', tests.fx('A', 'client'), 'X A', 'x');
-- Test "ab": control 50/1000 vs B 100/1000. Test "aa": 50/1000 vs 52/1000 (A/A), 20 days old. Test "young": same,
-- 1 day old.
insert into distributions (client_id, platform_id, content_type, body, status, scheduled_for, published_at,
                           external_id, variant_group, is_control, platform_specific, impressions, engagements)
select tests.fx('A', 'client'), '00000000-0000-4000-8000-0000000000a1', 'manual', b, 'published', now() - age,
       now() - age, b, g, ctl, jsonb_build_object('variant', v), 1000, e
from (values ('ab', 'A', true, 50, 'ab-a', interval '2 days'), ('ab', 'B', false, 100, 'ab-b', interval '2 days'),
             ('aa', 'A', true, 50, 'aa-a', interval '20 days'), ('aa', 'A2', false, 52, 'aa-b', interval '20 days'),
             ('young', 'A', true, 50, 'y-a', interval '1 day'), ('young', 'B', false, 52, 'y-b', interval '1 day'))
     as v (g, v, ctl, e, b, age);

select results_eq($$ select variant, engagement_rate, engagement_rate_diff, round(engagement_p_value::numeric, 6)
                     from ab_test_results where variant_group = 'ab' order by variant $$,
  $$ values ('A'::text, 5.0000::numeric, null::numeric, null::numeric),
            ('B', 10.0000, 5.0000, round(two_proportion_p_value(100, 1000, 50, 1000)::numeric, 6)) $$,
  'ab_test_results: per variant rate, difference to the control, p-value against it');

create temp table concluded as select * from private.conclude_ab_tests(0.05, 14, 500);
select results_eq($$ select status, result, winner_variant from ab_tests where variant_group = 'ab' $$,
  $$ values ('concluded'::ab_test_status, 'winner'::text, 'B'::text) $$, 'a clear difference: B wins');
select is((select body from distributions where id = (select winner_distribution_id from ab_tests where variant_group = 'ab')),
  'ab-b', 'the winner''s body is reachable for reuse');
select results_eq($$ select status, result, winner_variant from ab_tests where variant_group = 'aa' $$,
  $$ values ('concluded'::ab_test_status, 'no_difference'::text, null::text) $$,
  'an A/A test never declares a winner; past the maximum duration it concludes "no difference"');
select results_eq($$ select status, result from ab_tests where variant_group = 'young' $$,
  $$ values ('running'::ab_test_status, null::text) $$, 'an undecided young test keeps running');

select * from finish();
rollback;
