-- reconnect_platform: an owner (or the service role) replaces a flagged platform's credentials in Vault and clears
-- the flag; the answer lists the rows that failed on the auth error. Others are refused; nothing returns secrets.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(14);
select tests.create_two_clients();

-- Platform A was flagged: one row failed on the auth error, one waits.
update platforms set needs_reconnection = true, reconnection_reason = 'token revoked' where id = tests.fx('A', 'platform');
insert into distributions (id, client_id, content_type, platform_id, body, status, scheduled_for, error_message)
values ('00000000-0000-4000-8000-0000000a0001', tests.fx('A', 'client'), 'manual', tests.fx('A', 'platform'),
        'failed on auth', 'failed', now() - interval '1 hour', 'token revoked'),
       ('00000000-0000-4000-8000-0000000a0002', tests.fx('A', 'client'), 'manual', tests.fx('A', 'platform'),
        'waiting', 'scheduled', now() - interval '10 minutes', null);
insert into distribution_attempts (id, distribution_id, client_id, platform_id, started_at, finished_at, outcome)
values (gen_random_uuid(), '00000000-0000-4000-8000-0000000a0001', tests.fx('A', 'client'), tests.fx('A', 'platform'),
        now() - interval '1 hour', now() - interval '1 hour', 'auth');

select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
select throws_ok($$ select reconnect_platform(tests.fx('A', 'platform'), '{"username": "u", "application_password": "p"}') $$,
  '42501', null, 'an editor cannot reconnect a platform');
select tests.authenticate_as(tests.get_user_id('owner_b@test.local'));
select throws_ok($$ select reconnect_platform(tests.fx('A', 'platform'), '{"username": "u", "application_password": "p"}') $$,
  'P0002', null, 'another client''s owner does not find the platform');
select tests.authenticate_as_anon();
select throws_ok($$ select reconnect_platform(tests.fx('A', 'platform'), '{"username": "u", "application_password": "p"}') $$,
  '42501', null, 'anon cannot call it');

select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select throws_ok($$ select reconnect_platform(tests.fx('A', 'platform'), '[]') $$,
  '22023', 'credentials must be a non-empty JSON object', 'credentials that are not an object are refused');
select is(reconnect_platform(tests.fx('A', 'platform'), '{"username": "u", "application_password": "new pass"}'),
  jsonb_build_object('platform_id', tests.fx('A', 'platform'), 'needs_reconnection', false, 'waiting', 1,
                     'failed_on_auth', jsonb_build_array('00000000-0000-4000-8000-0000000a0001')),
  'the owner reconnects: the flag is cleared, one row waits, one failed on the auth error');
select tests.clear_authentication();
select is((select needs_reconnection from platforms where id = tests.fx('A', 'platform')), false, 'the flag is cleared');
select is((select reconnection_reason from platforms where id = tests.fx('A', 'platform')), null, 'and its reason');
select is((select s.decrypted_secret::jsonb from platforms p join vault.decrypted_secrets s on s.id = p.credentials_secret_id
           where p.id = tests.fx('A', 'platform')),
  '{"username": "u", "application_password": "new pass"}'::jsonb, 'Vault holds the new credentials (a secret was created)');
select is((select count(*)::int from vault.secrets where name = 'platform-credentials-' || tests.fx('A', 'platform')),
  1, 'named after the platform');

-- Again: the same secret is replaced, not a second one made.
select tests.authenticate_as_service_role();
select lives_ok($$ select reconnect_platform(tests.fx('A', 'platform'), '{"username": "u2", "application_password": "p2"}') $$,
  'the service role reconnects too');
select tests.clear_authentication();
select is((select count(*)::int from vault.secrets where name = 'platform-credentials-' || tests.fx('A', 'platform')),
  1, 'the secret is replaced, not duplicated');
select is((select s.decrypted_secret::jsonb ->> 'username' from platforms p
           join vault.decrypted_secrets s on s.id = p.credentials_secret_id where p.id = tests.fx('A', 'platform')),
  'u2', 'with the latest credentials');
select is((select private.lock_platform_credentials(tests.fx('A', 'platform'))::jsonb ->> 'application_password'),
  'p2', 'what a worker renewing tokens reads next');
select throws_ok($$ select reconnect_platform('00000000-0000-4000-8000-00000000dead', '{"a": "b"}') $$,
  'P0002', null, 'an unknown platform is not found');

select * from finish();
rollback;
