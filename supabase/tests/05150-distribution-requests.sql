-- A generated_content row marked ready writes a pending distribution_requests row and a pg_net wake-up for the
-- processor; the processor claims and finishes requests, moving the content's status.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(10);
select tests.create_two_clients();
-- The wake-up needs the Vault secrets (the local stack stores them; make sure inside this transaction).
select vault.create_secret('http://127.0.0.1:1', 'project_url')
where not exists (select 1 from vault.decrypted_secrets where name = 'project_url');
select vault.create_secret('test-key', 'service_role_key')
where not exists (select 1 from vault.decrypted_secrets where name = 'service_role_key');
create temp table before as select coalesce(max(id), 0) as id from net.http_request_queue;

select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
update generated_content set status = 'ready_for_distribution' where id = tests.fx('A', 'content');
select tests.clear_authentication();

select is((select row(client_id, status, attempts) from distribution_requests where content_id = tests.fx('A', 'content')),
  row(tests.fx('A', 'client'), 'pending'::distribution_request_status, 0), 'marking content ready writes a pending request');
select is((select count(*)::int from net.http_request_queue q
            where q.id > (select id from before) and q.url like '%/functions/v1/process-distribution-requests'
              and convert_from(q.body, 'utf8')::jsonb ->> 'request_id'
                  = (select id::text from distribution_requests where content_id = tests.fx('A', 'content'))),
  1, 'and queues a wake-up of the processor naming the request');

update generated_content set updated_at = now() where id = tests.fx('A', 'content');
select is((select count(*)::int from distribution_requests), 1, 'other updates do not request again');

select tests.authenticate_as(tests.get_user_id('viewer_a@test.local'));
select is((select count(*)::int from distribution_requests), 1, 'members read their client''s requests');
select tests.authenticate_as(tests.get_user_id('owner_b@test.local'));
select is((select count(*)::int from distribution_requests), 0, 'other clients do not');

select tests.authenticate_as_service_role();
select is((select row(status, attempts) from private.claim_distribution_requests(10)),
  row('processing'::distribution_request_status, 1), 'the processor claims it: processing, attempts 1');
select is((select status from generated_content where id = tests.fx('A', 'content')), 'distributing',
  'the content is distributing');
select is((select count(*)::int from private.claim_distribution_requests(10)), 0, 'a claimed request is not claimed twice');
select private.finish_distribution_request((select id from distribution_requests), 'done', '{"results": []}', null);
select is((select status from generated_content where id = tests.fx('A', 'content')), 'distributed',
  'finishing it moves the content to distributed');
select tests.clear_authentication();
select isnt((select jobid from cron.job where jobname = 'sweep-distribution-requests'), null, 'the cron sweep exists');

select * from finish();
rollback;
