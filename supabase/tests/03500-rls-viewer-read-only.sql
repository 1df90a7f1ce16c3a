set client_min_messages = warning;
-- A viewer of A reads A's rows but cannot insert, update or delete any of them.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(44);
select tests.create_two_clients();
select tests.prepare_copies();
select tests.authenticate_as(tests.get_user_id('viewer_a@test.local'));

select results_ne(format('select count(*)::int from public.%I where %I = %L', t, tests.client_column(t), tests.fx('A', 'client')),
  'values (0)', t || ': a viewer reads A''s rows') from tests.rls_tables() t;
select throws_ok(insert_sql, '42501', null, tbl || ': a viewer cannot insert')
from copies where client = 'A' order by tbl;
select results_eq(format('with u as (update public.%I set id = id where %I = %L returning 1) select count(*)::int from u',
                         t, tests.client_column(t), tests.fx('A', 'client')),
  'values (0)', t || ': a viewer updates nothing') from tests.rls_tables() t;
select results_eq(format('with d as (delete from public.%I where %I = %L returning 1) select count(*)::int from d',
                         t, tests.client_column(t), tests.fx('A', 'client')),
  'values (0)', t || ': a viewer deletes nothing') from tests.rls_tables() t;

select * from finish();
rollback;
