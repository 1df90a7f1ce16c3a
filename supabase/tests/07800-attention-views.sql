-- The views of what needs a person: each shows the row a person would expect once the condition happens, with
-- what to do; a member of the other client sees nothing of it (security_invoker: the tables' RLS applies); the
-- plumbing views (pg_cron runs, pg_net answers) are for the service role only.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(27);
select tests.create_two_clients();

select is((select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = 'public' and c.relkind = 'v' and c.relname like 'attention\_%'
             and 'security_invoker=true' = any (c.reloptions)), 6,
  'the six attention views are security_invoker');

-- Client A: a post with an unknown outcome, a platform that refused its token (one post waiting behind it,
-- one refused on that auth error), a distribution request that failed, a webhook delivery given up and one
-- waiting for its retry.
insert into distributions (id, client_id, platform_id, content_type, title, body, status, scheduled_for, error_message)
values ('aaaaaaaa-0000-4000-8000-0000000078a1', tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual',
        'Maybe posted', 'x', 'unconfirmed', now() - interval '1 hour', 'the platform did not answer; look it up'),
       ('aaaaaaaa-0000-4000-8000-0000000078a2', tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual',
        'Waiting', 'x', 'scheduled', now() + interval '1 day', null),
       ('aaaaaaaa-0000-4000-8000-0000000078a3', tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual',
        'Refused', 'x', 'failed', now() - interval '2 hours', 'HTTP 401: token revoked');
insert into distribution_attempts (id, distribution_id, client_id, platform_id, started_at, finished_at, outcome)
values (gen_random_uuid(), 'aaaaaaaa-0000-4000-8000-0000000078a3', tests.fx('A', 'client'), tests.fx('A', 'platform'),
        now() - interval '2 hours', now() - interval '2 hours', 'auth');
update platforms set needs_reconnection = true, reconnection_reason = 'HTTP 401: token revoked'
 where id = tests.fx('A', 'platform');

insert into distribution_requests (id, client_id, content_id, status, attempts, claimed_at)
values ('aaaaaaaa-0000-4000-8000-0000000078b1', tests.fx('A', 'client'), tests.fx('A', 'content'), 'processing', 1, now());
select private.finish_distribution_request('aaaaaaaa-0000-4000-8000-0000000078b1', 'failed', null,
                                           'no target platform accepts this content');

insert into webhook_endpoints (id, client_id, url) values
  ('aaaaaaaa-0000-4000-8000-0000000078c0', tests.fx('A', 'client'), 'https://hooks.example/a');
insert into webhook_deliveries (id, client_id, endpoint_id, event, payload, status, attempts, lease_expires_at) values
  ('aaaaaaaa-0000-4000-8000-0000000078c1', tests.fx('A', 'client'), 'aaaaaaaa-0000-4000-8000-0000000078c0',
   'distribution.failed', '{}', 'delivering', 8, now() + interval '1 minute'),
  ('aaaaaaaa-0000-4000-8000-0000000078c2', tests.fx('A', 'client'), 'aaaaaaaa-0000-4000-8000-0000000078c0',
   'distribution.published', '{}', 'delivering', 2, now() + interval '1 minute'),
  ('aaaaaaaa-0000-4000-8000-0000000078c3', tests.fx('A', 'client'), 'aaaaaaaa-0000-4000-8000-0000000078c0',
   'distribution.published', '{}', 'delivering', 1, now() + interval '1 minute');
select private.record_webhook_deliveries(
  '[{"id": "aaaaaaaa-0000-4000-8000-0000000078c1", "ok": false, "status_code": 500, "error": "HTTP 500"},
    {"id": "aaaaaaaa-0000-4000-8000-0000000078c2", "ok": false, "status_code": 503, "error": "HTTP 503"},
    {"id": "aaaaaaaa-0000-4000-8000-0000000078c3", "ok": true, "status_code": 200, "error": null}]');

-- The plumbing: a cron run that failed on the missing Vault secrets and one that succeeded; pg_net answers
-- (a resource limit, a timeout, a success).
insert into cron.job_run_details (jobid, runid, job_pid, database, username, command, status, return_message,
                                  start_time, end_time)
select j.jobid, r.runid, 1, 'postgres', 'postgres', j.command, r.status, r.message, now() - interval '5 minutes',
       now() - interval '5 minutes'
from cron.job j,
     (values (9078001::bigint, 'failed',
              'ERROR:  Vault secrets project_url and service_role_key are not set; see README "Deploying"'),
             (9078002::bigint, 'succeeded', '1 row')) as r(runid, status, message)
where j.jobname = 'publish-due-distributions';
insert into net._http_response (id, status_code, content_type, content, timed_out, error_msg, created) values
  (9078101, 546, 'application/json', '{"code":"WORKER_LIMIT"}', false, null, now()),
  (9078102, null, null, null, true, 'Timeout of 65000 ms reached', now()),
  (9078103, 200, 'application/json', '{"published":1}', false, null, now());

-- As an owner of A.
select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select results_eq($$ select distribution_id, platform, explanation from attention_unconfirmed $$,
  $$ values ('aaaaaaaa-0000-4000-8000-0000000078a1'::uuid, 'Blog A'::text, 'the platform did not answer; look it up'::text) $$,
  'attention_unconfirmed: the post whose outcome is unknown, with the publisher''s explanation');
select ok((select what_to_do like 'Look on Blog A for this post%' from attention_unconfirmed), 'and what to do');
select results_eq($$ select platform_id, reconnection_reason, waiting, failed_on_auth from attention_platforms_to_reconnect $$,
  $$ values (tests.fx('A', 'platform'), 'HTTP 401: token revoked'::text, 1::bigint, 1::bigint) $$,
  'attention_platforms_to_reconnect: the platform, why, the post waiting behind it and the one refused on auth');
select ok((select what_to_do like '%/functions/v1/platforms/' || tests.fx('A', 'platform') || '/reconnect%'
           from attention_platforms_to_reconnect), 'and how to reconnect it');
select results_eq($$ select request_id, title, error from attention_failed_requests $$,
  $$ values ('aaaaaaaa-0000-4000-8000-0000000078b1'::uuid, 'Content A'::text, 'no target platform accepts this content'::text) $$,
  'attention_failed_requests: the failed request, its content and why');
select results_eq($$ select delivery_id, status, attempts, last_status_code, url, endpoint_active,
                            next_attempt_at is not null
                     from attention_failing_webhooks order by delivery_id $$,
  $$ values ('aaaaaaaa-0000-4000-8000-0000000078c1'::uuid, 'failed'::webhook_delivery_status, 8, 500, 'https://hooks.example/a'::text, true, false),
            ('aaaaaaaa-0000-4000-8000-0000000078c2'::uuid, 'pending'::webhook_delivery_status, 2, 503, 'https://hooks.example/a'::text, true, true) $$,
  'attention_failing_webhooks: the delivery given up and the one waiting for a retry, not the delivered one');
select ok((select what_to_do like 'Given up:%where id = ''aaaaaaaa-0000-4000-8000-0000000078c1''.'
           from attention_failing_webhooks where status = 'failed'), 'the given-up delivery says how to re-queue it');
select throws_ok($$ select * from attention_cron_failures $$, '42501', null, 'a member may not read the cron failures');
select throws_ok($$ select * from attention_net_errors $$, '42501', null, 'nor the pg_net errors');

-- A viewer of A sees the same rows; the endpoint's URL only shows to owners and editors.
select tests.authenticate_as(tests.get_user_id('viewer_a@test.local'));
select is((select count(*)::int from attention_failing_webhooks), 2, 'a viewer of A sees A''s failing deliveries');
select is((select count(*)::int from attention_failing_webhooks where url is not null), 0, 'without the endpoint''s URL');

-- As the owner of B: nothing of A's.
select tests.authenticate_as(tests.get_user_id('owner_b@test.local'));
select is_empty($$ select * from attention_unconfirmed $$, 'B sees no unconfirmed post of A');
select is_empty($$ select * from attention_platforms_to_reconnect $$, 'B sees no platform of A to reconnect');
select is_empty($$ select * from attention_failed_requests $$, 'B sees no failed request of A');
select is_empty($$ select * from attention_failing_webhooks $$, 'B sees no failing delivery of A');

-- Anonymous callers see nothing at all.
select tests.authenticate_as_anon();
select throws_ok($$ select * from attention_unconfirmed $$, '42501', null, 'anon may not read attention_unconfirmed');
select throws_ok($$ select * from attention_cron_failures $$, '42501', null, 'anon may not read the cron failures');

-- The service role sees the plumbing, only what failed.
select tests.authenticate_as_service_role();
select results_eq($$ select runid, jobname from attention_cron_failures where runid in (9078001, 9078002) $$,
  $$ values (9078001::bigint, 'publish-due-distributions'::text) $$,
  'attention_cron_failures: the failed run of the job, by name; not the one that succeeded');
select ok((select what_to_do like 'Store the Vault secrets project_url and service_role_key%'
           from attention_cron_failures where runid = 9078001), 'and that the Vault secrets are what to set');
select results_eq($$ select request_id, status_code, timed_out from attention_net_errors
                     where request_id in (9078101, 9078102, 9078103) order by request_id $$,
  $$ values (9078101::bigint, 546, false), (9078102::bigint, null::integer, true) $$,
  'attention_net_errors: the resource-limit answer and the timeout, not the success');
select ok((select what_to_do like 'The function hit a resource limit%' from attention_net_errors where request_id = 9078101),
  'a 546 says to lower the function''s batch');
select ok((select what_to_do like 'The function did not answer within the call''s timeout%'
           from attention_net_errors where request_id = 9078102), 'a timeout says to read the function''s logs');
select is((select count(*)::int from attention_unconfirmed where distribution_id = 'aaaaaaaa-0000-4000-8000-0000000078a1'), 1,
  'the service role sees every client''s rows');

-- Doing what the rows say clears them.
select tests.clear_authentication();
select public.reconnect_platform(tests.fx('A', 'platform'), '{"token": "new"}');
update distributions set status = 'published', published_at = now(), external_id = 'found-it'
 where id = 'aaaaaaaa-0000-4000-8000-0000000078a1';
update generated_content set status = 'ready_for_distribution' where id = tests.fx('A', 'content');
select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select is_empty($$ select * from attention_unconfirmed $$, 'a post confirmed as published leaves attention_unconfirmed');
select is_empty($$ select * from attention_platforms_to_reconnect $$, 'a reconnected platform leaves attention_platforms_to_reconnect');
select is_empty($$ select * from attention_failed_requests $$, 'content marked ready again (a new request) leaves attention_failed_requests');

select * from finish();
rollback;
