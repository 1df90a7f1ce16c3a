-- Row-level security on every table and view added for metrics, attribution and reports: a member of A sees only
-- A's rows; global configuration is readable; writes follow the roles.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(23);
select tests.create_two_clients();

-- Give both clients a row everywhere.
update distributions set variant_group = 'test-1', is_control = true where id in (tests.fx('A', 'distribution'), tests.fx('B', 'distribution'));
insert into distributions (client_id, platform_id, content_type, body, status, scheduled_for, error_message)
select tests.fx(c, 'client'), tests.fx(c, 'platform'), 'manual', 'x', 'failed', now(), 'boom' from unnest(array['A', 'B']) c;
insert into conversions (client_id, distribution_id, value) select tests.fx(c, 'client'), tests.fx(c, 'distribution'), 1 from unnest(array['A', 'B']) c;
insert into metrics_sync_stats (platform_id, client_id, hour, synced, failed)
select tests.fx(c, 'platform'), tests.fx(c, 'client'), date_bin('1 hour', now(), '2000-01-01'), 1, 1 from unnest(array['A', 'B']) c;
insert into distribution_patterns (distribution_id, pattern_id, client_id)
select tests.fx(c, 'distribution'), tests.fx(c, 'pattern'), tests.fx(c, 'client') from unnest(array['A', 'B']) c;
insert into ab_tests (client_id, variant_group) select tests.fx(c, 'client'), 'test-1' from unnest(array['A', 'B']) c;
insert into metrics_sync_policy (client_id, max_age, sync_every)
select tests.fx(c, 'client'), interval '1 day', interval '10 minutes' from unnest(array['A', 'B']) c;

create function pg_temp.only_a(p_rel text, p_col text default 'client_id') returns text
language plpgsql as $$
declare n_a int; n_other int;
begin
  execute format('select count(*) filter (where %I = %L), count(*) filter (where %I is distinct from %L) from %s',
                 p_col, tests.fx('A', 'client'), p_col, tests.fx('A', 'client'), p_rel) into n_a, n_other;
  return case when n_a > 0 and n_other = 0 then 'only A' else format('A: %s, others: %s', n_a, n_other) end;
end $$;
grant execute on function pg_temp.only_a(text, text) to authenticated;

select tests.authenticate_as(tests.get_user_id('viewer_a@test.local'));
select is(pg_temp.only_a(v), 'only A', v || ': a member of A sees only A''s rows')
from unnest(array['conversions', 'metrics_sync_stats', 'distribution_patterns', 'ab_tests', 'platform_health',
                  'ab_test_results', 'cross_post_group_summary', 'content_performance', 'conversion_report',
                  'conversion_report_by_platform', 'pattern_lift']) v;
select is(array(select distinct platform from distribution_performance_by_platform), array['Blog A'],
  'distribution_performance_by_platform: only A''s platform');
select is(array(select distinct platform from publishing_calendar_overview), array['Blog A'],
  'publishing_calendar_overview: only A''s platform');
select is(array(select distinct platform from failed_distributions), array['Blog A'],
  'failed_distributions: only A''s posts');
select is((select count(*)::int from metrics_sync_policy where client_id is distinct from tests.fx('A', 'client')
             and client_id is not null), 0, 'metrics_sync_policy: no other client''s overrides');
select cmp_ok((select count(*)::int from metrics_sync_policy where client_id is null), '>=', 3,
  'metrics_sync_policy: the global tiers are readable');
select cmp_ok((select count(*)::int from metrics_read_budgets), '>=', 8, 'metrics_read_budgets are readable');
select throws_ok($$ insert into conversions (client_id, value) values (tests.fx('A', 'client'), 1) $$, '42501', null,
  'a viewer cannot write conversions');

select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
select lives_ok($$ insert into metrics_sync_policy (client_id, max_age, sync_every)
                   values (tests.fx('A', 'client'), interval '2 days', interval '30 minutes') $$,
  'an editor sets the client''s own cadence');
select throws_ok($$ insert into metrics_sync_policy (client_id, max_age, sync_every)
                    values (null, interval '3 days', interval '30 minutes') $$, '42501', null,
  'an editor cannot change the global cadence');
select throws_ok($$ insert into metrics_sync_policy (client_id, max_age, sync_every)
                    values (tests.fx('B', 'client'), interval '3 days', interval '30 minutes') $$, '42501', null,
  '... nor another client''s');
select throws_ok($$ update metrics_read_budgets set max_reads = 1 $$, '42501', null,
  'read budgets are not writable by members');
select throws_ok($$ insert into ab_tests (client_id, variant_group) values (tests.fx('A', 'client'), 'x') $$,
  '42501', null, 'ab_tests are written by the conclusion job only');

select * from finish();
rollback;
