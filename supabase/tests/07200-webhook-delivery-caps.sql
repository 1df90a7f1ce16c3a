-- Webhook deliveries are bounded at claim time: a delivery whose worker died after its last allowed attempt
-- is failed instead of being claimed again, one below the cap is claimed (its attempt counted), and a delivery
-- to an inactive endpoint is never sent. What the tenant sees is read as the tenant (authenticated, RLS).
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(9);
select tests.create_two_clients();

insert into webhook_endpoints (id, client_id, url, is_active) values
  ('00000000-0000-4000-8000-000000007201', tests.fx('A', 'client'), 'https://hooks.example/live', true),
  ('00000000-0000-4000-8000-000000007202', tests.fx('A', 'client'), 'https://hooks.example/off', false);

-- d1: its worker crashed during the 8th attempt (lease expired); d2: the same after 7 attempts;
-- d3: due, to the inactive endpoint; d4: pending and due at the cap (never claimed again either).
insert into webhook_deliveries (id, client_id, endpoint_id, event, payload, status, attempts, lease_expires_at,
                                next_attempt_at) values
  ('00000000-0000-4000-8000-0000000072d1', tests.fx('A', 'client'), '00000000-0000-4000-8000-000000007201',
   'distribution.published', '{}', 'delivering', 8, now() - interval '1 minute', now() - interval '10 minutes'),
  ('00000000-0000-4000-8000-0000000072d2', tests.fx('A', 'client'), '00000000-0000-4000-8000-000000007201',
   'distribution.published', '{}', 'delivering', 7, now() - interval '1 minute', now() - interval '10 minutes'),
  ('00000000-0000-4000-8000-0000000072d3', tests.fx('A', 'client'), '00000000-0000-4000-8000-000000007202',
   'distribution.published', '{}', 'pending', 0, null, now() - interval '1 minute'),
  ('00000000-0000-4000-8000-0000000072d4', tests.fx('A', 'client'), '00000000-0000-4000-8000-000000007201',
   'distribution.failed', '{}', 'pending', 8, null, now() - interval '1 minute');

create temp table claimed as select * from private.claim_webhook_deliveries(100, 60);

select is((select array_agg(id::text order by id) from claimed where id::text like '00000000-0000-4000-8000-0000000072%'),
  array['00000000-0000-4000-8000-0000000072d2'],
  'only the delivery below the attempt cap, to an active endpoint, is claimed');
select is((select attempts from claimed where id = '00000000-0000-4000-8000-0000000072d2'), 8,
  'its claim counts the attempt it starts');

-- a second claim after the claimed delivery's worker also died: it is at the cap now
update webhook_deliveries set lease_expires_at = now() - interval '1 second'
 where id = '00000000-0000-4000-8000-0000000072d2';
select is((select count(*)::int from private.claim_webhook_deliveries(100, 60)
           where id::text like '00000000-0000-4000-8000-0000000072%'), 0,
  'a delivery whose worker died in its last attempt is not claimed again');

select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
select is((select status || ': ' || last_error from webhook_deliveries
           where id = '00000000-0000-4000-8000-0000000072d1'),
  'failed: gave up after 8 attempts (the last one did not finish)',
  'the tenant sees the crashed delivery failed, and why');
select is((select status || ': ' || last_error from webhook_deliveries
           where id = '00000000-0000-4000-8000-0000000072d2'),
  'failed: gave up after 8 attempts (the last one did not finish)',
  'the delivery that reached the cap in the second claim is failed too');
select is((select status || ': ' || last_error from webhook_deliveries
           where id = '00000000-0000-4000-8000-0000000072d3'),
  'failed: not sent: the endpoint is inactive',
  'a delivery to an inactive endpoint is not sent, and says why');
select is((select status from webhook_deliveries where id = '00000000-0000-4000-8000-0000000072d4'), 'failed',
  'a pending delivery at the cap is failed, not sent');
select is((select count(*)::int from webhook_deliveries where id::text like '00000000-0000-4000-8000-0000000072%'
           and (lease_expires_at is not null or status = 'delivering')), 0,
  'no capped or skipped delivery keeps a lease');
select throws_ok($$select * from private.claim_webhook_deliveries(1, 60)$$,
  '42501', null, 'members cannot claim deliveries');
select tests.clear_authentication();

select * from finish();
rollback;
