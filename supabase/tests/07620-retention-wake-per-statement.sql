-- One statement that marks many generated_content rows ready writes one distribution request per row and queues
-- one wake-up of the processor, not one per row; the processor claims them all.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(7);
select tests.create_two_clients();
select vault.create_secret('http://127.0.0.1:1', 'project_url')
where not exists (select 1 from vault.decrypted_secrets where name = 'project_url');
select vault.create_secret('test-key', 'service_role_key')
where not exists (select 1 from vault.decrypted_secrets where name = 'service_role_key');

insert into generated_content (client_id, title, content, target_platform_ids)
select tests.fx('A', 'client'), 'Batch ' || i, 'Body', array[tests.fx('A', 'platform')]
from generate_series(1, 50) i;
create temp table before as select coalesce(max(id), 0) as id from net.http_request_queue;
create function pg_temp.wakes() returns int language sql as $$
  select count(*)::int from net.http_request_queue q
  where q.id > (select id from before) and q.url like '%/functions/v1/process-distribution-requests'
$$;

select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
update generated_content set status = 'ready_for_distribution' where title like 'Batch %';
select tests.clear_authentication();

select is((select count(*)::int from distribution_requests r join generated_content g on g.id = r.content_id
            where g.title like 'Batch %' and r.status = 'pending'), 50, 'one UPDATE of 50 rows: 50 pending requests');
select is(pg_temp.wakes(), 1, '... and one wake-up of the processor');

update generated_content set title = title || '.' where title like 'Batch %';
select is(pg_temp.wakes(), 1, 'an update that makes nothing ready wakes nothing');

insert into generated_content (client_id, title, content, status, target_platform_ids)
select tests.fx('B', 'client'), 'Inserted ' || i, 'Body', 'ready_for_distribution', array[tests.fx('B', 'platform')]
from generate_series(1, 20) i;
select is((select count(*)::int from distribution_requests where client_id = tests.fx('B', 'client')), 20,
  'one INSERT of 20 ready rows: 20 requests');
select is(pg_temp.wakes(), 2, '... and one more wake-up');

update generated_content set status = 'draft' where title like 'Batch %.';
update generated_content set status = 'ready_for_distribution' where title like 'Batch %.';
select is((select count(*)::int from distribution_requests r join generated_content g on g.id = r.content_id
            where g.title like 'Batch %'), 50, 'marked ready again while requests are open: no second request');

select tests.authenticate_as_service_role();
select is((select count(*)::int from private.claim_distribution_requests(500) c
            where c.client_id = tests.fx('A', 'client')), 50, 'the processor claims all 50 of A''s requests');

select * from finish();
rollback;
