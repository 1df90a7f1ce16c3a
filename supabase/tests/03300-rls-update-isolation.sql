set client_min_messages = warning;
-- In every table, a member (owner) of A cannot update B's rows, nor move A's rows to B.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(21);
select tests.create_two_clients();
select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));

select results_eq(format('with u as (update public.%I set id = id where %I = %L returning 1) select count(*)::int from u',
                         t, tests.client_column(t), tests.fx('B', 'client')),
  'values (0)', t || ': a member of A updates none of B''s rows') from tests.rls_tables() t;
select throws_ok(format('update public.%I set client_id = %L where client_id = %L', t, tests.fx('B', 'client'), tests.fx('A', 'client')),
  '42501', null, t || ': a member of A cannot move a row to B') from tests.rls_tables() t where t <> 'clients';

select * from finish();
rollback;
