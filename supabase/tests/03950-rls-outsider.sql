-- A signed-in user who belongs to no client sees no row in any table.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(11);
select tests.create_two_clients();
select tests.authenticate_as(tests.get_user_id('outsider@test.local'));

select results_eq(format('select count(*)::int from public.%I', t), 'values (0)', t || ': an outsider sees nothing')
from tests.rls_tables() t;

select * from finish();
rollback;
