set client_min_messages = warning;
-- A row's status and its times agree.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(3);
select tests.create_two_clients();

select throws_like($$ insert into distributions (client_id, platform_id, content_type, body, status)
  values (tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual', 'x', 'scheduled') $$,
  '%distributions_scheduled_has_time%', 'a scheduled distribution needs scheduled_for');
select throws_like($$ update distributions set published_at = null where id = tests.fx('A', 'distribution') $$,
  '%distributions_published_has_time%', 'a published distribution needs published_at');
select lives_ok($$ insert into distributions (client_id, platform_id, content_type, body)
  values (tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual', 'x') $$,
  'a draft needs neither');

select * from finish();
rollback;
