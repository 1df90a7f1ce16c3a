-- A renewed OAuth token is stored under the platform's credential lock: lock_platform_credentials returns the
-- secret as stored and holds the lock (exclusive; the report rollups' triggers hold a shared one of their own) until
-- the transaction ends; save_platform_credentials replaces the secret.
-- Only the service role may call either.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(9);
select tests.create_two_clients();
-- The credential lock is a one-key advisory lock (objsubid 1); the per-post rollups' bucket locks have two keys.

select tests.authenticate_as_service_role();
select is((select private.lock_platform_credentials('b0000000-0000-4000-8000-000000000007')::jsonb),
  (select s.decrypted_secret::jsonb from platforms p join vault.decrypted_secrets s on s.id = p.credentials_secret_id
    where p.id = 'b0000000-0000-4000-8000-000000000007'),
  'lock_platform_credentials returns the stored secret');
select is((select count(*)::int from pg_locks where locktype = 'advisory' and mode = 'ExclusiveLock' and objsubid = 1 and pid = pg_backend_pid() and granted),
  1, 'and holds the platform''s credential lock until the transaction ends');
select lives_ok($$ select private.save_platform_credentials('b0000000-0000-4000-8000-000000000007',
                     '{"access_token": "act.new", "refresh_token": "rft.new", "client_key": "k", "client_secret": "s"}') $$,
  'save_platform_credentials as the service role');
select is((select private.lock_platform_credentials('b0000000-0000-4000-8000-000000000007')::jsonb ->> 'refresh_token'),
  'rft.new', 'the saved secret is what Vault holds now');
select is((select count(*)::int from pg_locks where locktype = 'advisory' and mode = 'ExclusiveLock' and objsubid = 1 and pid = pg_backend_pid() and granted),
  1, 'taking the lock again in the same transaction does not wait');
select throws_ok($$ select private.save_platform_credentials('b0000000-0000-4000-8000-000000000007', '"text"') $$,
  '22023', 'credentials must be a JSON object', 'a secret that is not a JSON object is refused');
select throws_ok($$ select private.lock_platform_credentials('00000000-0000-4000-8000-00000000dead') $$,
  'P0002', null, 'an unknown platform has no credentials to lock');

select tests.authenticate_as_anon();
select throws_ok($$ select private.lock_platform_credentials('b0000000-0000-4000-8000-000000000007') $$,
  '42501', null, 'anon cannot read credentials through the lock function');
select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select throws_ok($$ select private.save_platform_credentials('b0000000-0000-4000-8000-000000000007', '{}') $$,
  '42501', null, 'a signed-in owner cannot replace credentials');

select * from finish();
rollback;
