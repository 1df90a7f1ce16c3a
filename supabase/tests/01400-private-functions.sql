set client_min_messages = warning;
-- Helpers in schema private: security definer ones pin search_path; none is executable by anon or PUBLIC.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(7);

select cmp_ok((select count(*)::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace
               where n.nspname = 'private'), '>=', 5, 'the private helpers exist');
select is(array(select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                where n.nspname = 'private' and p.prosecdef
                  and not coalesce('search_path=""' = any (p.proconfig), false)
                order by 1),
  '{}'::text[], 'every security definer function in private sets search_path = ''''');
select is(array(select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                where n.nspname = 'private' and has_function_privilege('anon', p.oid, 'execute')
                order by 1),
  '{}'::text[], 'anon cannot execute any private function');
select is(array(select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace,
                     aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                where n.nspname = 'private' and a.grantee = 0 and a.privilege_type = 'EXECUTE'
                order by 1),
  '{}'::text[], 'PUBLIC cannot execute any private function');
select volatility_is('private', 'is_valid_timezone', array['text'], 'immutable', 'private.is_valid_timezone is immutable');
select ok(has_function_privilege('authenticated', 'private.member_client_ids(text[])', 'execute'),
  'authenticated can execute the membership helper the policies call');
select ok(not has_schema_privilege('authenticated', 'private', 'usage'),
  'authenticated has no usage on schema private (helpers are not callable by name)');

select * from finish();
rollback;
