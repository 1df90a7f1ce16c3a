set client_min_messages = warning;
-- updated_at is maintained by the shared trigger on every table that has it.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(3);

select is(array(
  select a.attrelid::regclass::text
  from pg_attribute a join pg_class r on r.oid = a.attrelid join pg_namespace n on n.oid = r.relnamespace
  where n.nspname = 'public' and r.relkind = 'r' and a.attname = 'updated_at' and not a.attisdropped
    and not exists (select 1 from pg_trigger t where t.tgrelid = a.attrelid and not t.tgisinternal
                      and t.tgfoid = 'private.set_updated_at()'::regprocedure
                      and (t.tgtype & 2) = 2 and (t.tgtype & 16) = 16)
  order by 1), '{}'::text[], 'every table with updated_at has a BEFORE UPDATE set_updated_at trigger');

select tests.create_two_clients();
update public.distributions set updated_at = '2000-01-01' where id = tests.fx('A', 'distribution');
select is((select updated_at from public.distributions where id = tests.fx('A', 'distribution')), now(),
  'a hand-set updated_at is overwritten with the time of the change');

insert into public.clients (id, name, updated_at) values ('cccccccc-0000-4000-8000-000000000000', 'C', '2000-01-01');
update public.clients set name = 'C2' where id = 'cccccccc-0000-4000-8000-000000000000';
select is((select updated_at from public.clients where id = 'cccccccc-0000-4000-8000-000000000000'), now(),
  'updating a row bumps updated_at');

select * from finish();
rollback;
