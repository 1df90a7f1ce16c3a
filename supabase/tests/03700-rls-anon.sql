-- anon reaches nothing: no table can be read or written, no private helper called.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(23);
select tests.create_two_clients();
select tests.prepare_copies();
select tests.authenticate_as_anon();

select throws_ok(format('select count(*) from public.%I', t), '42501', null, t || ': anon cannot select')
from tests.rls_tables() t;
select throws_ok(insert_sql, '42501', null, tbl || ': anon cannot insert') from copies where client = 'A' order by tbl;
select throws_ok('select private.member_client_ids()', '42501', null, 'anon cannot call the membership helper');

select * from finish();
rollback;
