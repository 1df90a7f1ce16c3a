set client_min_messages = warning;
-- In every table, a member (owner) of A cannot insert a row belonging to B.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(11);
select tests.create_two_clients();
select tests.prepare_copies();
select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));

select throws_ok(insert_sql, '42501', null, tbl || ': a member of A cannot insert a row for B')
from copies where client = 'B' order by tbl;

select * from finish();
rollback;
