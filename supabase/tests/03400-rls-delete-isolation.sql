set client_min_messages = warning;
-- In every table, a member (owner) of A cannot delete B's rows.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(22);
select tests.create_two_clients();
select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));

select results_eq(format('with d as (delete from public.%I where %I = %L returning 1) select count(*)::int from d',
                         t, tests.client_column(t), tests.fx('B', 'client')),
  'values (0)', t || ': a member of A deletes none of B''s rows') from tests.rls_tables() t;

select tests.clear_authentication();
select results_ne(format('select count(*)::int from public.%I where %I = %L', t, tests.client_column(t), tests.fx('B', 'client')),
  'values (0)', t || ': B''s rows are still there') from tests.rls_tables() t;

select * from finish();
rollback;
