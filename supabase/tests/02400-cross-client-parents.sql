set client_min_messages = warning;
-- A child row's client_id must equal its parent's: no row of client A can point at client B's rows.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(11);
select tests.create_two_clients();

select throws_ok($$ insert into distributions (client_id, platform_id, content_type, body)
  values (tests.fx('A', 'client'), tests.fx('B', 'platform'), 'manual', 'x') $$,
  '23503', null, 'a distribution of A cannot use B''s platform');
select throws_ok($$ update distributions set content_id = tests.fx('B', 'content') where id = tests.fx('A', 'distribution') $$,
  '23503', null, 'a distribution of A cannot reference B''s content');
select throws_ok($$ update distributions set cross_post_group_id = tests.fx('B', 'group') where id = tests.fx('A', 'distribution') $$,
  '23503', null, 'a distribution of A cannot join B''s cross-post group');
select throws_ok($$ insert into distribution_metrics (client_id, distribution_id)
  values (tests.fx('A', 'client'), tests.fx('B', 'distribution')) $$,
  '23503', null, 'metrics of A cannot attach to B''s distribution');
select throws_ok($$ insert into publishing_calendar (client_id, date, time_slot, platform_id)
  values (tests.fx('A', 'client'), current_date, '10:00', tests.fx('B', 'platform')) $$,
  '23503', null, 'a calendar slot of A cannot be on B''s platform');
select throws_ok($$ update publishing_calendar set distribution_id = tests.fx('B', 'distribution') where id = tests.fx('A', 'calendar') $$,
  '23503', null, 'a calendar slot of A cannot hold B''s distribution');
select throws_ok($$ insert into platform_patterns (client_id, platform_id, pattern_type, pattern_name)
  values (tests.fx('A', 'client'), tests.fx('B', 'platform'), 'timing', 'x') $$,
  '23503', null, 'a pattern of A cannot be on B''s platform');
select throws_ok($$ insert into pattern_feedback (client_id, pattern_id, pattern_applied)
  values (tests.fx('A', 'client'), tests.fx('B', 'pattern'), true) $$,
  '23503', null, 'feedback of A cannot be on B''s pattern');
select throws_ok($$ update generated_content set vertical_id = tests.fx('B', 'vertical') where id = tests.fx('A', 'content') $$,
  '23503', null, 'content of A cannot be in B''s vertical');
select throws_ok($$ update generated_content set target_platform_ids = array[tests.fx('A', 'platform'), tests.fx('B', 'platform')]
  where id = tests.fx('A', 'content') $$,
  '23503', null, 'content of A cannot target B''s platform');
select throws_ok($$ update cross_post_groups set source_content_id = tests.fx('B', 'content') where id = tests.fx('A', 'group') $$,
  '23503', null, 'a cross-post group of A cannot have B''s content as its source');

select * from finish();
rollback;
