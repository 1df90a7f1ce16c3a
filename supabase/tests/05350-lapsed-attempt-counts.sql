-- Each reclaim of a row whose worker stopped records an unknown attempt; lapsed_attempt_counts counts those per
-- row (resolved or not), and no other attempt.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(3);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind, posts_per_hour, posts_per_day, min_interval_minutes) values
  ('00000000-0000-4000-8000-0000000535a1', tests.fx('A', 'client'), 'Lapses', 'x', null, null, 0);
insert into distributions (id, client_id, content_type, platform_id, body, status, scheduled_for)
select ('00000000-0000-4000-8000-00000005350' || g)::uuid, tests.fx('A', 'client'), 'manual',
       '00000000-0000-4000-8000-0000000535a1', 'lapse ' || g, 'scheduled', now() - interval '1 minute' * g
from generate_series(1, 2) g;

-- claims that lapse: each one after the first reclaims the rows and records their lapsed attempts
do $$ begin perform * from private.claim_due_distributions(10, 60); end $$;
update distributions set lease_expires_at = now() - interval '1 second' where status = 'publishing';
do $$ begin perform * from private.claim_due_distributions(10, 60); end $$;
update distributions set lease_expires_at = now() - interval '1 second'
where id = '00000000-0000-4000-8000-000000053501';
do $$ begin perform * from private.claim_due_distributions(10, 60); end $$;
-- an attempt of another kind: a timeout the worker recorded as unknown
insert into distribution_attempts (id, distribution_id, client_id, platform_id, kind, started_at, finished_at, outcome,
                                   error_message)
values (gen_random_uuid(), '00000000-0000-4000-8000-000000053502', tests.fx('A', 'client'), '00000000-0000-4000-8000-0000000535a1',
        'publish', now(), now(), 'unknown', 'timed out after 15000 ms');
-- the first lapse of row 1 reconciled since: still a lapse
update distribution_attempts set outcome = 'absent'
where id = (select id from distribution_attempts where distribution_id = '00000000-0000-4000-8000-000000053501'
            order by started_at limit 1);

select results_eq(
  $$ select distribution_id::text, lapses from private.lapsed_attempt_counts(
       array['00000000-0000-4000-8000-000000053501', '00000000-0000-4000-8000-000000053502']::uuid[])
     order by distribution_id $$,
  $$ values ('00000000-0000-4000-8000-000000053501', 2), ('00000000-0000-4000-8000-000000053502', 1) $$,
  'the claims that lapsed, per row; other unknown attempts are not counted');
select is((select count(*)::int from private.lapsed_attempt_counts('{}'::uuid[])), 0, 'no rows, no counts');

select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select throws_ok($$ select * from private.lapsed_attempt_counts('{}'::uuid[]) $$, '42501', null,
  'a signed-in user cannot call it (service role only)');

select * from finish();
rollback;
