-- Idempotency keys: per user and endpoint; a user reads only their own keys and cannot write them; the claim says
-- new, replay (the first answer), mismatch (another body); keys older than 24 hours are swept and claimable again.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(14);
select tests.create_two_clients();

create temp table ids on commit drop as
select tests.get_user_id('owner_a@test.local') as a, tests.get_user_id('owner_b@test.local') as b;
grant select on ids to authenticated;

select is(private.claim_idempotency_key((select a from ids), 'schedule', 'k1', repeat('a', 64)) ->> 'state', 'new',
  'a first key is new');
select private.finish_idempotency_key((select a from ids), 'schedule', 'k1', 201, '{"results":[1]}');
select is(private.claim_idempotency_key((select a from ids), 'schedule', 'k1', repeat('a', 64)),
  '{"state": "replay", "status": 201, "body": "{\"results\":[1]}"}'::jsonb,
  'the same key and hash replay the first answer, body text exact');
select is(private.claim_idempotency_key((select a from ids), 'schedule', 'k1', repeat('b', 64)) ->> 'state',
  'mismatch', 'the same key with another request hash is a mismatch');
select is(private.claim_idempotency_key((select b from ids), 'schedule', 'k1', repeat('b', 64)) ->> 'state', 'new',
  'another user''s same key is independent');
select is(private.claim_idempotency_key((select a from ids), 'conversions', 'k1', repeat('b', 64)) ->> 'state',
  'new', 'the same key on another endpoint is independent');

-- A key 25 hours old is expired: swept by the next claim, and claimable again with any body.
insert into idempotency_keys (user_id, endpoint, key, request_hash, status, response_body, created_at)
values ((select a from ids), 'schedule', 'old', repeat('c', 64), 201, '{}', now() - interval '25 hours'),
       ((select b from ids), 'schedule', 'old-b', repeat('c', 64), 201, '{}', now() - interval '25 hours');
select is(private.claim_idempotency_key((select a from ids), 'schedule', 'old', repeat('d', 64)) ->> 'state', 'new',
  'an expired key is claimable again');
select is((select count(*)::int from idempotency_keys where created_at < now() - interval '24 hours'), 0,
  'claiming sweeps every expired key, whoever owns it');

select throws_ok($$insert into idempotency_keys (user_id, endpoint, key, request_hash)
                   values ((select a from ids), 'schedule', e'bad\nkey', repeat('a', 64))$$,
  '23514', null, 'a key with a control character is refused by the table');
select throws_ok($$insert into idempotency_keys (user_id, endpoint, key, request_hash)
                   values ((select a from ids), 'schedule', repeat('k', 256), repeat('a', 64))$$,
  '23514', null, 'a key over 255 characters is refused by the table');

select tests.authenticate_as((select a from ids));
select is((select count(*)::int from idempotency_keys where user_id <> (select a from ids)), 0,
  'a user sees no other user''s keys');
select cmp_ok((select count(*)::int from idempotency_keys), '>', 0, 'a user sees their own keys');
select throws_ok($$insert into idempotency_keys (user_id, endpoint, key, request_hash)
                   values ((select a from ids), 'schedule', 'mine', repeat('a', 64))$$,
  '42501', null, 'users cannot write keys directly');
select throws_ok($$select private.claim_idempotency_key((select a from ids), 'schedule', 'x', repeat('a', 64))$$,
  '42501', null, 'users cannot call the claim function');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok($$select count(*) from idempotency_keys$$, '42501', null, 'anon reads nothing');
select tests.clear_authentication();

select * from finish();
rollback;
