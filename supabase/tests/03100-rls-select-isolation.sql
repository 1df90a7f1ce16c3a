set client_min_messages = warning;
-- In every table, a member of A reads A's rows and none of B's.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(22);
select tests.create_two_clients();
select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));

select results_eq(format('select count(*)::int from public.%I where %I = %L', t, tests.client_column(t), tests.fx('B', 'client')),
  'values (0)', t || ': a member of A sees none of B''s rows') from tests.rls_tables() t;
select results_ne(format('select count(*)::int from public.%I where %I = %L', t, tests.client_column(t), tests.fx('A', 'client')),
  'values (0)', t || ': a member of A sees A''s rows') from tests.rls_tables() t;

select * from finish();
rollback;
