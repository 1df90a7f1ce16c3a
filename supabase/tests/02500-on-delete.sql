set client_min_messages = warning;
-- Deliberate ON DELETE behaviour.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(9);
select tests.create_two_clients();

select throws_ok($$ delete from platforms where id = tests.fx('A', 'platform') $$,
  '23503', null, 'a platform with distributions cannot be deleted');

delete from generated_content where id = tests.fx('A', 'content');
select is((select content_id from distributions where id = tests.fx('A', 'distribution')), null,
  'deleting content keeps its distributions and clears content_id');

delete from distributions where id = tests.fx('A', 'distribution');
select is((select count(*)::int from distribution_metrics where id = tests.fx('A', 'metric')), 0,
  'deleting a distribution deletes its metric snapshots');
select is((select count(*)::int from pattern_feedback where id = tests.fx('A', 'feedback')), 0,
  'deleting a distribution deletes its pattern feedback');
select results_eq($$ select distribution_id from publishing_calendar where id = tests.fx('A', 'calendar') $$,
  $$ values (null::uuid) $$, 'deleting a distribution frees its calendar slot and keeps the slot');

delete from clients where id = tests.fx('B', 'client');
select is((select count(*)::int from (
    select client_id from platforms union all select client_id from distributions
    union all select client_id from distribution_metrics union all select client_id from publishing_calendar
    union all select client_id from generated_content union all select client_id from publisher_verticals
    union all select client_id from cross_post_groups union all select client_id from platform_patterns
    union all select client_id from pattern_feedback union all select client_id from client_members) r
  where client_id = tests.fx('B', 'client')), 0, 'deleting a client deletes all of its rows');
select is((select count(*)::int from platforms where client_id = tests.fx('A', 'client')), 1,
  'deleting one client leaves the other''s rows');

delete from auth.users where id = tests.get_user_id('viewer_a@test.local');
select is((select count(*)::int from client_members where user_id = tests.get_user_id('viewer_a@test.local')), 0,
  'deleting a user removes their memberships');

delete from distributions where platform_id = tests.fx('A', 'platform');
select lives_ok($$ delete from platforms where id = tests.fx('A', 'platform') $$,
  'a platform without distributions can be deleted (its slots and patterns go with it)');

select * from finish();
rollback;
