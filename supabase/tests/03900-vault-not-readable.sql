-- Platform credentials live in Vault; only the service role reads them.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(5);
select tests.create_two_clients();

select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select throws_ok('select * from vault.decrypted_secrets', '42501', null, 'authenticated cannot read vault.decrypted_secrets');
select throws_ok($$ select vault.create_secret('x', 'x', 'x') $$, '42501', null, 'authenticated cannot create secrets');
select tests.authenticate_as_anon();
select throws_ok('select * from vault.decrypted_secrets', '42501', null, 'anon cannot read vault.decrypted_secrets');

select tests.authenticate_as_service_role();
select isnt((select s.decrypted_secret from vault.decrypted_secrets s
             join public.platforms p on p.credentials_secret_id = s.id
             where p.id = 'b0000000-0000-4000-8000-000000000001'), null,
  'service_role resolves a seeded platform''s credentials_secret_id to its secret');
select tests.clear_authentication();
select is((select count(*)::int from public.platforms p where p.credentials_secret_id is not null
             and not exists (select 1 from vault.decrypted_secrets s where s.id = p.credentials_secret_id)), 0,
  'every credentials_secret_id refers to an existing Vault secret');

select * from finish();
rollback;
