-- Positive controls: owners and editors of A write A's rows; only owners manage members and the client.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(15);
select tests.create_two_clients();
select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));

select results_eq(format('with u as (update public.%I set id = id where client_id = %L returning 1) select count(*)::int > 0 from u',
                         t, tests.fx('A', 'client')),
  'values (true)', t || ': an editor of A updates A''s rows') from tests.rls_tables() t where t not in ('clients', 'client_members');
select lives_ok($$ insert into platforms (client_id, name, kind) values (tests.fx('A', 'client'), 'New X', 'x') $$,
  'an editor of A inserts a platform for A');
select results_eq($$ with d as (delete from distribution_metrics where client_id = tests.fx('A', 'client') returning 1)
  select count(*)::int from d $$, 'values (1)', 'an editor of A deletes A''s rows');
select results_eq($$ with u as (update clients set name = 'x' where id = tests.fx('A', 'client') returning 1)
  select count(*)::int from u $$, 'values (0)', 'an editor cannot update the client');
select throws_ok($$ insert into client_members (client_id, user_id, role)
  values (tests.fx('A', 'client'), tests.get_user_id('outsider@test.local'), 'viewer') $$,
  '42501', null, 'an editor cannot add members');

select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select results_eq($$ with u as (update clients set name = 'Renamed' where id = tests.fx('A', 'client') returning 1)
  select count(*)::int from u $$, 'values (1)', 'an owner updates the client');
select lives_ok($$ insert into client_members (client_id, user_id, role)
  values (tests.fx('A', 'client'), tests.get_user_id('outsider@test.local'), 'viewer') $$, 'an owner adds a member');

select * from finish();
rollback;
