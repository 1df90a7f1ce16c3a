-- Issue 18 item 2: only owners decide where a platform's credentials go and which secret it uses. As a signed-in
-- editor (what PostgREST and Studio do): changing base_url, token_url, hosting.base_url, analytics.url/auth, kind
-- or credentials_secret_id is refused with a message naming it, and so is creating a platform with another
-- platform's secret; what editors need (names, time zone, limits, the active flag, other options) still works.
-- Owners change the routing keys and store credentials with reconnect_platform.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(31);
select tests.create_two_clients();

-- A's blog has stored credentials; A has a LinkedIn platform (token_url) and a podcast (hosting) too.
update platforms set credentials_secret_id = vault.create_secret('{"username": "u", "application_password": "a-pass"}',
                                                                 'platform-credentials-' || tests.fx('A', 'platform'))
 where id = tests.fx('A', 'platform');
update platforms set credentials_secret_id = vault.create_secret('{"username": "b", "application_password": "b-pass"}')
 where id = tests.fx('B', 'platform');
insert into platforms (id, client_id, name, kind, publish_config) values
  ('aaaaaaaa-0000-4000-8000-00000000c001', tests.fx('A', 'client'), 'LinkedIn A', 'linkedin',
   '{"base_url": "http://127.0.0.1:2", "token_url": "http://127.0.0.1:2/token", "author_urn": "urn:li:person:a"}'),
  ('aaaaaaaa-0000-4000-8000-00000000c002', tests.fx('A', 'client'), 'Podcast A', 'podcast',
   '{"hosting": {"base_url": "http://127.0.0.1:3", "show_id": "s1"}}');

select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));

select throws_ok($$ update platforms set publish_config = publish_config || '{"base_url": "https://evil.example"}'
                    where id = tests.fx('A', 'platform') $$,
  '42501', 'permission denied: only an owner of the client can change platforms.publish_config.base_url',
  'an editor cannot point base_url elsewhere');
select throws_ok($$ update platforms set publish_config = publish_config - 'base_url' where id = tests.fx('A', 'platform') $$,
  '42501', 'permission denied: only an owner of the client can change platforms.publish_config.base_url',
  'nor remove it (the adapter''s default host is a routing decision too)');
select throws_ok($$ update platforms set publish_config = jsonb_set(publish_config, '{token_url}', '"https://evil.example/token"')
                    where id = 'aaaaaaaa-0000-4000-8000-00000000c001' $$,
  '42501', 'permission denied: only an owner of the client can change platforms.publish_config.token_url',
  'an editor cannot point token_url elsewhere');
select throws_ok($$ update platforms set publish_config = jsonb_set(publish_config, '{hosting,base_url}', '"https://evil.example"')
                    where id = 'aaaaaaaa-0000-4000-8000-00000000c002' $$,
  '42501', 'permission denied: only an owner of the client can change platforms.publish_config.hosting.base_url',
  'an editor cannot point the podcast host elsewhere');
select throws_ok($$ update platforms set publish_config = publish_config
                      || '{"analytics": {"url": "https://evil.example/{id}", "auth": "wordpress"}}'
                    where id = tests.fx('A', 'platform') $$,
  '42501', 'permission denied: only an owner of the client can change platforms.publish_config.analytics.auth',
  'an editor cannot send the WordPress password to an analytics source');
select throws_ok($$ update platforms set kind = 'x' where id = tests.fx('A', 'platform') $$,
  '42501', 'permission denied: only an owner of the client can change platforms.kind',
  'an editor cannot change the kind (another API would get the credentials)');
select throws_ok($$ update platforms set credentials_secret_id = null where id = tests.fx('A', 'platform') $$,
  '42501', 'permission denied: only an owner of the client can change platforms.credentials_secret_id',
  'an editor cannot change which secret a platform uses');
select throws_ok(format($$ insert into platforms (client_id, name, kind, publish_config, credentials_secret_id)
                           values (%L, 'Borrowed', 'wordpress', '{}', %L) $$,
                        tests.fx('A', 'client'),
                        (select credentials_secret_id from platforms where id = tests.fx('A', 'platform'))),
  '42501', 'permission denied: platforms.credentials_secret_id cannot be set by a signed-in user',
  'an editor cannot create a platform with another platform''s secret');
select throws_ok($$ insert into platforms (client_id, name, kind, publish_config)
                    values (tests.fx('A', 'client'), 'Mine', 'wordpress', '{"base_url": "https://evil.example"}') $$,
  '42501', 'permission denied: only an owner of the client can set platforms.publish_config.base_url',
  'an editor cannot create a platform that sends credentials to a host of theirs');

-- What editors keep.
select lives_ok($$ update platforms set name = 'Blog A renamed', timezone = 'Europe/Paris', is_active = false,
                      posts_per_hour = 7, posts_per_day = 30, min_interval_minutes = 5, max_content_length = 900,
                      max_title_length = 80,
                      publish_config = publish_config || '{"timeout_ms": 4000, "rest_style": "query",
                                                           "limits": {"minBodyChars": 10}}'
                    where id = tests.fx('A', 'platform') $$,
  'an editor changes names, time zone, limits, the active flag and the other options');
select results_eq($$ select name, timezone, is_active, posts_per_hour, (publish_config ->> 'timeout_ms')::int
                     from platforms where id = tests.fx('A', 'platform') $$,
  $$ values ('Blog A renamed', 'Europe/Paris', false, 7, 4000) $$, 'and the changes are stored');
select lives_ok($$ insert into platforms (client_id, name, kind, publish_config)
                   values (tests.fx('A', 'client'), 'New LinkedIn', 'linkedin', '{"author_urn": "urn:li:person:x"}') $$,
  'an editor creates a platform without credentials or routing keys');
select lives_ok($$ update platforms set publish_config = jsonb_set(publish_config, '{hosting,show_id}', '"s2"')
                   where id = 'aaaaaaaa-0000-4000-8000-00000000c002' $$,
  'an editor changes a podcast option beside the host');

-- Owners.
select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select lives_ok($$ update platforms set publish_config = publish_config || '{"base_url": "https://blog-a.example"}'
                   where id = tests.fx('A', 'platform') $$, 'an owner changes base_url');
select lives_ok($$ update platforms set publish_config = jsonb_set(publish_config, '{token_url}', '"https://auth-a.example/token"')
                   where id = 'aaaaaaaa-0000-4000-8000-00000000c001' $$, 'an owner changes token_url');
select lives_ok($$ insert into platforms (client_id, name, kind, publish_config)
                   values (tests.fx('A', 'client'), 'Owner blog', 'wordpress', '{"base_url": "https://other-a.example"}') $$,
  'an owner creates a platform with its API root');
select throws_ok(format($$ update platforms set credentials_secret_id = %L where id = 'aaaaaaaa-0000-4000-8000-00000000c001' $$,
                        (select credentials_secret_id from platforms where id = tests.fx('A', 'platform'))),
  '42501', 'permission denied: platforms.credentials_secret_id cannot be set by a signed-in user',
  'an owner does not copy a secret id either');
select is(reconnect_platform('aaaaaaaa-0000-4000-8000-00000000c001', '{"access_token": "li-token"}') ->> 'needs_reconnection',
  'false', 'an owner stores credentials through reconnect_platform');
select tests.clear_authentication();
select is((select b.platform_id from private.platform_secrets b join platforms p on p.credentials_secret_id = b.secret_id
           where p.id = 'aaaaaaaa-0000-4000-8000-00000000c001'),
  'aaaaaaaa-0000-4000-8000-00000000c001'::uuid, 'the secret reconnect_platform made is bound to its platform');
select is((select private.lock_platform_credentials('aaaaaaaa-0000-4000-8000-00000000c001')::jsonb ->> 'access_token'),
  'li-token', 'and the workers read it');

-- Owner of B cannot touch A's platforms; another client's owner is no owner here.
select tests.authenticate_as(tests.get_user_id('owner_b@test.local'));
select results_eq($$ with u as (update platforms set publish_config = '{"base_url": "https://evil.example"}'
                                where id = tests.fx('A', 'platform') returning 1) select count(*)::int from u $$,
  'values (0)', 'another client''s owner changes nothing of A');
select throws_ok($$ update platforms set client_id = tests.fx('A', 'client') where id = tests.fx('B', 'platform') $$,
  '42501', null, 'nor moves its platform (and its credentials) into A');

-- The binding holds for every role, the service role included.
select tests.authenticate_as_service_role();
select throws_ok(format($$ update platforms set credentials_secret_id = %L where id = tests.fx('B', 'platform') $$,
                        (select credentials_secret_id from platforms where id = tests.fx('A', 'platform'))),
  '42501', 'platforms.credentials_secret_id: that Vault secret holds another platform''s credentials',
  'a secret bound to A''s platform cannot be put on B''s, even by the service role');
select throws_ok(format($$ insert into platforms (client_id, name, kind, credentials_secret_id)
                           values (%L, 'Copy', 'x', %L) $$, tests.fx('A', 'client'),
                        (select credentials_secret_id from platforms where id = tests.fx('A', 'platform'))),
  '42501', 'platforms.credentials_secret_id: that Vault secret holds another platform''s credentials',
  'nor onto a new platform');
select throws_ok($$ update platforms set credentials_secret_id = '00000000-0000-4000-8000-00000000dead'
                    where id = tests.fx('B', 'platform') $$,
  '23503', null, 'a secret id that is not in Vault is refused');
select lives_ok($$ update platforms set publish_config = publish_config || '{"base_url": "http://127.0.0.1:4"}'
                   where id = tests.fx('B', 'platform') $$, 'the service role changes base_url (the stacks do)');

-- Loading a secret for a platform it is not bound to fails. Triggers off (a superuser's restore, or data from before
-- the binding) to make B point at A's secret.
select tests.clear_authentication();
set local session_replication_role = replica;
update platforms set credentials_secret_id = (select credentials_secret_id from platforms where id = tests.fx('A', 'platform'))
 where id = tests.fx('B', 'platform');
set local session_replication_role = origin;
select throws_ok($$ select private.lock_platform_credentials(tests.fx('B', 'platform')) $$,
  'P0002', null, 'a worker reading B''s credentials does not get A''s secret');
select throws_ok($$ select private.save_platform_credentials(tests.fx('B', 'platform'), '{"username": "evil"}') $$,
  'P0002', null, 'nor writes B''s refreshed token into it');
select is((select private.lock_platform_credentials(tests.fx('A', 'platform'))::jsonb ->> 'application_password'),
  'a-pass', 'A''s secret is as it was, and A still reads it');
select tests.authenticate_as(tests.get_user_id('owner_b@test.local'));
select lives_ok($$ select reconnect_platform(tests.fx('B', 'platform'), '{"username": "b2", "application_password": "p"}') $$,
  'B''s owner reconnects B');
select tests.clear_authentication();
select is((select private.lock_platform_credentials(tests.fx('A', 'platform'))::jsonb ->> 'application_password'),
  'a-pass', 'without overwriting A''s secret');

select * from finish();
rollback;
