set client_min_messages = warning;
-- The claim finds its platforms from the due rows, oldest first, a chunk of 200 at a time: rows it cannot take
-- (a paused platform's backlog, older than anything else) are read past into the next chunks, each platform's
-- rows are claimed once in a call, and next_publish_due is the oldest due row or lapsed lease.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(6);
select tests.create_two_clients();

update platforms set posts_per_hour = null, posts_per_day = null, min_interval_minutes = 0
  where id in (tests.fx('A', 'platform'), tests.fx('B', 'platform'));
update platforms set paused_until = now() + interval '1 hour' where id = tests.fx('A', 'platform');

-- A (paused): 450 rows due 20 to 12.5 minutes ago, more than two chunks. B: three rows due after all of them.
insert into distributions (client_id, content_type, platform_id, body, status, scheduled_for)
select tests.fx('A', 'client'), 'manual', tests.fx('A', 'platform'), 'w-a-' || i, 'scheduled',
       now() - interval '20 minutes' + make_interval(secs => i)
from generate_series(1, 450) i;
insert into distributions (client_id, content_type, platform_id, body, status, scheduled_for) values
  (tests.fx('B', 'client'), 'manual', tests.fx('B', 'platform'), 'w-b-1', 'scheduled', now() - interval '3 minutes'),
  (tests.fx('B', 'client'), 'manual', tests.fx('B', 'platform'), 'w-b-2', 'scheduled', now() - interval '2 minutes'),
  (tests.fx('B', 'client'), 'manual', tests.fx('B', 'platform'), 'w-b-3', 'scheduled', now() - interval '1 minute');

select is(private.next_publish_due(), (select min(scheduled_for) from distributions where body like 'w-%'),
  'next_publish_due is the oldest due row (the paused platform''s: it says when work is due, not who can take it)');

create temp table first_claim as select * from private.claim_due_distributions(2, 60);
select results_eq($$ select body from first_claim where body like 'w-%' order by scheduled_for $$,
  $$ values ('w-b-1'), ('w-b-2') $$,
  'past 450 rows of a paused platform, the claim takes the active platform''s two oldest rows');

select is((select count(*)::int from distributions where body like 'w-a-%' and status = 'scheduled'), 450,
  'the paused platform''s rows stay waiting');

create temp table second_claim as select * from private.claim_due_distributions(10, 60);
select results_eq($$ select body from second_claim where body like 'w-%' $$,
  $$ values ('w-b-3') $$,
  'a claim with room for more takes the platform''s remaining row, once');

select is((select count(*)::int from distributions where body like 'w-b-%' and status = 'publishing'
             and lease_expires_at > now()), 3,
  'every claimed row is publishing under a lease');

-- A lapsed lease older than every due row is what falls due first.
update distributions set lease_expires_at = now() - interval '1 hour' where body = 'w-b-3';
select is(private.next_publish_due(), now() - interval '1 hour', 'a lapsed lease counts as due work');

select * from finish();
rollback;
