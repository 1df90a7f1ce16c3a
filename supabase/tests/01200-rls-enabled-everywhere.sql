set client_min_messages = warning;
-- Generic over the catalog, so tables and views added later are covered too.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(6);

select cmp_ok((select count(*)::int from pg_tables where schemaname = 'public'), '>=', 11,
  'the generic checks below see the schema''s tables');
select is(array(select tablename::text from pg_tables where schemaname = 'public' and not rowsecurity order by 1),
  '{}'::text[], 'every table in public has row-level security enabled');
select is(array(select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f')
                  and has_table_privilege('anon', c.oid, 'select, insert, update, delete, truncate, references, trigger')
                order by 1),
  '{}'::text[], 'anon has no privilege on any table or view in public');
select is(array(select tablename || '.' || policyname from pg_policies
                where schemaname = 'public' and roles && array['anon', 'public']::name[] order by 1),
  '{}'::text[], 'no policy applies to anon or public');
select is(array(select t.tablename::text from pg_tables t where t.schemaname = 'public'
                  and not exists (select 1 from pg_policies p where p.schemaname = 'public' and p.tablename = t.tablename
                                  and p.cmd in ('SELECT', 'ALL') and 'authenticated' = any (p.roles))
                order by 1),
  '{}'::text[], 'every table has a select policy for authenticated');
select is(array(select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'public' and c.relkind = 'v'
                  and not coalesce('security_invoker=true' = any (c.reloptions), false)
                   and not coalesce('security_invoker=on' = any (c.reloptions), false)
                order by 1),
  '{}'::text[], 'every view in public is security_invoker');

select * from finish();
rollback;
