-- service_role bypasses row-level security: it sees every client's rows and writes any client's.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(12);
select tests.create_two_clients();
select tests.prepare_copies();
select tests.authenticate_as_service_role();

select results_eq(format('select count(distinct %I)::int from public.%I where %I in (%L, %L)', tests.client_column(t), t,
                         tests.client_column(t), tests.fx('A', 'client'), tests.fx('B', 'client')),
  'values (2)', t || ': service_role sees both clients'' rows') from tests.rls_tables() t;
select lives_ok((select insert_sql from copies where client = 'B' and tbl = 'distribution_metrics'),
  'service_role inserts a row for any client');

select * from finish();
rollback;
