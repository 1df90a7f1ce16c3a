set client_min_messages = warning;
-- A transient failure's retries (record_publish_outcomes): the first after first_retry_seconds (2 s by default,
-- never later than retry_base_seconds), then retry_base_seconds x 2^n (60, 120, 240 s by default), each
-- jittered to [0.5, 1.5) of its step, until max_attempts fails the post with the platform's message.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(8);
select tests.create_two_clients();

update platforms set posts_per_hour = null, posts_per_day = null, min_interval_minutes = 0,
                     publish_config = '{"base_url": "http://127.0.0.1:1"}'
  where id in (tests.fx('A', 'platform'), tests.fx('B', 'platform'));
-- B's first retry setting is longer than its base: the base bounds it.
update platforms set publish_config = publish_config || '{"first_retry_seconds": 20, "retry_base_seconds": 4}'
  where id = tests.fx('B', 'platform');
insert into distributions (id, client_id, content_type, platform_id, body, status, scheduled_for) values
  ('00000000-0000-4000-8000-000000079401', tests.fx('A', 'client'), 'manual', tests.fx('A', 'platform'),
   'A, due', 'scheduled', now() - interval '1 minute'),
  ('00000000-0000-4000-8000-000000079402', tests.fx('B', 'client'), 'manual', tests.fx('B', 'platform'),
   'B, due', 'scheduled', now() - interval '1 minute');

-- Claims the two posts (made due again), fails them transiently, and returns each one's wait for its retry.
create function pg_temp.fail_once() returns table (id text, status text, retry_count integer, wait interval)
language sql as $$
  update public.distributions set next_attempt_at = null
    where distributions.id::text like '00000000-0000-4000-8000-00000007940_' and distributions.status = 'scheduled';
  select private.record_publish_outcomes((
    select jsonb_agg(jsonb_build_object('id', c.id, 'attempt_id', c.attempt_id, 'outcome', 'transient',
                                        'message', 'HTTP 503: busy', 'http_status', 503))
    from private.claim_due_distributions(100, 60) c
    where c.id::text like '00000000-0000-4000-8000-00000007940_'));
  select d.id::text, d.status::text, d.retry_count, d.next_attempt_at - now()
    from public.distributions d where d.id::text like '00000000-0000-4000-8000-00000007940_' order by d.id;
$$;

create temp table r1 as select * from pg_temp.fail_once();
select ok((select wait between interval '1 second' and interval '3 seconds' and retry_count = 1
           from r1 where id like '%401'),
  'the first retry comes after first_retry_seconds'' default 2 s, jittered (1-3 s)');
select ok((select wait between interval '2 seconds' and interval '6 seconds' from r1 where id like '%402'),
  'a first_retry_seconds longer than retry_base_seconds is bounded by the base (4 s, jittered: 2-6 s)');

create temp table r2 as select * from pg_temp.fail_once();
select ok((select wait between interval '30 seconds' and interval '90 seconds' and retry_count = 2
           from r2 where id like '%401'),
  'the second retry is the outage''s step: retry_base_seconds x 2 (60 s, jittered)');
select ok((select wait between interval '4 seconds' and interval '12 seconds' from r2 where id like '%402'),
  'B''s second retry: 4 s x 2, jittered');

create temp table r3 as select * from pg_temp.fail_once();
select ok((select wait between interval '60 seconds' and interval '180 seconds' from r3 where id like '%401'),
  'the third retry: 30 s x 4, jittered');

create temp table r4 as select * from pg_temp.fail_once();
select ok((select wait between interval '120 seconds' and interval '360 seconds' and status = 'scheduled'
           from r4 where id like '%401'),
  'the fourth retry: 30 s x 8, jittered');

create temp table r5 as select * from pg_temp.fail_once();
select results_eq($$ select status, retry_count, wait is null from r5 order by id $$,
  $$ values ('failed'::text, 5, true), ('failed', 5, true) $$,
  'the fifth transient failure (max_attempts 5) fails the post, with no retry pending');
select is((select error_message from distributions where id = '00000000-0000-4000-8000-000000079401'),
  'gave up after 5 attempts: HTTP 503: busy', 'its message names the attempts and the platform''s error');

select * from finish();
rollback;
