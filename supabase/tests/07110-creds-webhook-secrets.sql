-- Issue 18 item 2: outbound webhook signing secrets are shown once. As signed-in members: no role selects, sets or
-- changes webhook_endpoints.secret; create_webhook_endpoint (owners, editors) returns it once; rotate_webhook_secret
-- (owners) replaces it and returns the new one once; the endpoint's other columns stay readable and writable.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(24);
select tests.create_two_clients();
create temp table created (who text, endpoint jsonb) on commit drop;
grant select, insert on created to authenticated, service_role;

select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
insert into created
select 'editor', create_webhook_endpoint(tests.fx('A', 'client'), 'https://hooks.a.example/in',
                                         array['distribution.published'], 'CRM');
select ok((select endpoint ->> 'secret' ~ '^[0-9a-f]{64}$' from created where who = 'editor'),
  'an editor creates an endpoint and is shown its secret');
select is((select endpoint - 'secret' - 'id' - 'created_at' from created where who = 'editor'),
  jsonb_build_object('client_id', tests.fx('A', 'client'), 'url', 'https://hooks.a.example/in',
                     'events', jsonb_build_array('distribution.published'), 'is_active', true,
                     'description', 'CRM'),
  'with the endpoint as stored');
select throws_ok($$ select secret from webhook_endpoints $$, '42501', 'permission denied for table webhook_endpoints',
  'the editor cannot read the secret afterwards');
select throws_ok($$ select * from webhook_endpoints $$, '42501', null, 'nor through select *');
select results_eq($$ select url, events from webhook_endpoints where client_id = tests.fx('A', 'client') $$,
  $$ values ('https://hooks.a.example/in', array['distribution.published']) $$,
  'the other columns are readable by name');
select throws_ok($$ update webhook_endpoints set secret = repeat('0', 64) $$, '42501', null,
  'an editor cannot set a secret of their choosing');
select lives_ok($$ update webhook_endpoints set url = 'https://hooks.a.example/v2', is_active = false,
                   events = array['distribution.failed'], description = 'CRM v2' $$,
  'an editor changes the url, events, active flag and description');
select throws_ok($$ insert into webhook_endpoints (client_id, url, secret)
                    values (tests.fx('A', 'client'), 'https://hooks.a.example/x', repeat('1', 64)) $$, '42501', null,
  'nor inserts one with a secret');
select throws_ok($$ insert into webhook_endpoints (client_id, url) values (tests.fx('A', 'client'), 'https://x.example')
                    returning secret $$, '42501', null, 'nor reads it back from an insert');
select lives_ok($$ insert into webhook_endpoints (client_id, url) values (tests.fx('A', 'client'), 'https://x.example') $$,
  'an endpoint inserted straight into the table is created (with a secret nobody has seen)');
select throws_ok(format('select rotate_webhook_secret(%L)', (select endpoint ->> 'id' from created where who = 'editor')),
  '42501', format('permission denied: only owners can rotate the signing secret of webhook endpoint %s',
                  (select endpoint ->> 'id' from created where who = 'editor')),
  'an editor cannot rotate the secret');

select tests.authenticate_as(tests.get_user_id('viewer_a@test.local'));
select throws_ok($$ select secret from webhook_endpoints $$, '42501', null, 'a viewer cannot read secrets');
select throws_ok($$ select create_webhook_endpoint(tests.fx('A', 'client'), 'https://v.example') $$, '42501', null,
  'nor create endpoints');

select tests.authenticate_as(tests.get_user_id('owner_b@test.local'));
select throws_ok($$ select create_webhook_endpoint(tests.fx('A', 'client'), 'https://b.example') $$, 'P0002', null,
  'another client''s owner does not find A');
select throws_ok(format('select rotate_webhook_secret(%L)', (select endpoint ->> 'id' from created where who = 'editor')),
  'P0002', null, 'nor A''s endpoint');

select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select throws_ok($$ select secret from webhook_endpoints $$, '42501', null, 'an owner cannot read secrets either');
insert into created select 'rotated', to_jsonb(rotate_webhook_secret((endpoint ->> 'id')::uuid)) from created
 where who = 'editor';
select ok((select endpoint #>> '{}' ~ '^[0-9a-f]{64}$' from created where who = 'rotated'),
  'an owner rotates the secret and is shown the new one');
select isnt((select endpoint #>> '{}' from created where who = 'rotated'),
            (select endpoint ->> 'secret' from created where who = 'editor'), 'a new secret');
select throws_ok($$ select rotate_webhook_secret('00000000-0000-4000-8000-00000000dead') $$, 'P0002', null,
  'an unknown endpoint is not found');
select tests.clear_authentication();
select is((select e.secret from webhook_endpoints e join created c on c.who = 'editor' and e.id = (c.endpoint ->> 'id')::uuid),
  (select endpoint #>> '{}' from created where who = 'rotated'), 'the new secret is the one stored');

select tests.authenticate_as_anon();
select throws_ok($$ select rotate_webhook_secret(gen_random_uuid()) $$, '42501', null, 'anon cannot call rotate');
select throws_ok($$ select create_webhook_endpoint(gen_random_uuid(), 'https://x.example') $$, '42501', null,
  'nor create');

select tests.authenticate_as_service_role();
select is((select count(*)::int from webhook_endpoints where length(secret) = 64), 2,
  'the service role (the delivery worker) reads every secret');
select ok((select length(rotate_webhook_secret((endpoint ->> 'id')::uuid)) = 64 from created where who = 'editor'),
  'and rotates too');

select * from finish();
rollback;
