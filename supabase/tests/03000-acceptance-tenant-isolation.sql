set client_min_messages = warning;
-- The issue's acceptance check, literally: a member of A sees no other client's distributions and cannot
-- insert one for B.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(3);
select tests.create_two_clients();
select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));

select is((select count(*)::int from distributions where client_id <> tests.fx('A', 'client')), 0,
  'as a member of A: select count(*) from distributions where client_id <> A is 0');
select isnt((select count(*)::int from distributions where client_id = tests.fx('A', 'client')), 0,
  'as a member of A: A''s own distributions are visible');
select throws_ok($$ insert into distributions (client_id, platform_id, content_type, body)
  values (tests.fx('B', 'client'), tests.fx('B', 'platform'), 'manual', 'x') $$,
  '42501', null, 'as a member of A: inserting a distribution for B fails with a row-level security error');

select * from finish();
rollback;
