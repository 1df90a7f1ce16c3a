-- retry_failed_on_auth: after a reconnection, the rows that failed on the auth error go back to the queue (the
-- platform refused them: nothing was posted); rows that failed for another reason stay failed. RLS applies.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(6);
select tests.create_two_clients();
update platforms set posts_per_hour = null where id = tests.fx('A', 'platform');

insert into distributions (id, client_id, content_type, platform_id, body, status, scheduled_for, error_message, retry_count)
values ('00000000-0000-4000-8000-0000000b0001', tests.fx('A', 'client'), 'manual', tests.fx('A', 'platform'),
        'failed on auth', 'failed', now() - interval '1 hour', 'token revoked', 0),
       ('00000000-0000-4000-8000-0000000b0002', tests.fx('A', 'client'), 'manual', tests.fx('A', 'platform'),
        'failed for good', 'failed', now() - interval '2 hours', 'duplicate content', 0),
       ('00000000-0000-4000-8000-0000000b0003', tests.fx('A', 'client'), 'manual', tests.fx('A', 'platform'),
        'auth first, then a permanent failure', 'failed', now() - interval '3 hours', 'too long', 1);
insert into distribution_attempts (id, distribution_id, client_id, platform_id, started_at, finished_at, outcome)
values (gen_random_uuid(), '00000000-0000-4000-8000-0000000b0001', tests.fx('A', 'client'), tests.fx('A', 'platform'),
        now() - interval '1 hour', now() - interval '1 hour', 'auth'),
       (gen_random_uuid(), '00000000-0000-4000-8000-0000000b0002', tests.fx('A', 'client'), tests.fx('A', 'platform'),
        now() - interval '2 hours', now() - interval '2 hours', 'permanent'),
       (gen_random_uuid(), '00000000-0000-4000-8000-0000000b0003', tests.fx('A', 'client'), tests.fx('A', 'platform'),
        now() - interval '4 hours', now() - interval '4 hours', 'auth'),
       (gen_random_uuid(), '00000000-0000-4000-8000-0000000b0003', tests.fx('A', 'client'), tests.fx('A', 'platform'),
        now() - interval '3 hours', now() - interval '3 hours', 'permanent');

select tests.authenticate_as(tests.get_user_id('owner_b@test.local'));
select is(retry_failed_on_auth(tests.fx('A', 'platform')), '[]'::jsonb, 'another client''s rows are not retried (RLS)');
select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select is((select jsonb_agg(r ->> 'id') from jsonb_array_elements(retry_failed_on_auth(tests.fx('A', 'platform'))) r),
  '["00000000-0000-4000-8000-0000000b0001"]'::jsonb, 'the row whose last attempt failed on auth is retried');
select tests.clear_authentication();
select is((select status from distributions where id = '00000000-0000-4000-8000-0000000b0001'), 'scheduled',
  'it is back in the queue');
select ok((select scheduled_for <= now() + interval '1 minute' and error_message is null and retry_count = 0
           from distributions where id = '00000000-0000-4000-8000-0000000b0001'), 'due now, with a fresh attempt budget');
select is((select status from distributions where id = '00000000-0000-4000-8000-0000000b0002'), 'failed',
  'a permanent failure stays failed');
select is((select status from distributions where id = '00000000-0000-4000-8000-0000000b0003'), 'failed',
  'so does a row whose last attempt failed for another reason');

select * from finish();
rollback;
