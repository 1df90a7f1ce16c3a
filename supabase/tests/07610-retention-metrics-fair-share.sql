-- One client cannot starve the others' metrics reads: an app-scoped read budget is split into fair shares per
-- client (a client needing less leaves the rest to the others), platforms are taken round-robin over clients,
-- and the sync tiers a member may set are bounded.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(14);
select tests.create_two_clients();
update distributions set metrics_next_sync_at = null;  -- the fixture's posts are out of the way

-- A: five X platforms with 30 overdue posts each (150, due for an hour); B: one X platform with 3 posts due for
-- a minute. The app-wide X budget: 100 reads per window.
insert into platforms (id, client_id, name, kind)
select ('00000000-0000-4000-8000-0000000000a' || i)::uuid, tests.fx('A', 'client'), 'X A' || i, 'x'
from generate_series(1, 5) i;
insert into platforms (id, client_id, name, kind) values
  ('00000000-0000-4000-8000-0000000000b1', tests.fx('B', 'client'), 'X B', 'x');
update metrics_read_budgets set max_reads = 100, per = interval '15 minutes', scope = 'app' where kind = 'x';

insert into distributions (client_id, platform_id, content_type, body, status, scheduled_for, published_at, external_id)
select tests.fx('A', 'client'), ('00000000-0000-4000-8000-0000000000a' || p)::uuid, 'manual', 'x', 'published',
       now() - interval '3 hours', now() - interval '3 hours', 'a' || p || '-' || i
from generate_series(1, 5) p, generate_series(1, 30) i;
insert into distributions (client_id, platform_id, content_type, body, status, scheduled_for, published_at, external_id)
select tests.fx('B', 'client'), '00000000-0000-4000-8000-0000000000b1', 'manual', 'x', 'published',
       now() - interval '3 hours', now() - interval '3 hours', 'b-' || i
from generate_series(1, 3) i;
-- A's posts have been due for an hour, B's for a minute: oldest-due-first alone would serve A first.
update distributions set metrics_next_sync_at = now() - interval '1 hour' where external_id like 'a%';
update distributions set metrics_next_sync_at = now() - interval '1 minute' where external_id like 'b-%';

-- A run: claims until nothing more is claimed (what runMetricsSync does), 200 per claim, 50 per platform.
create temp table run (n int, distribution_id uuid, client_id uuid, platform_id uuid);
create function pg_temp.claim(p_n int) returns int language plpgsql as $$
declare v int;
begin
  insert into run select p_n, c.distribution_id, c.client_id, c.platform_id
  from private.claim_metrics_due(200, 50, 300) c;
  get diagnostics v = row_count;
  return v;
end $$;

select is(pg_temp.claim(1), 100, 'the first claim spends the whole X budget of the window');
select is((select count(*)::int from run where n = 1 and client_id = tests.fx('B', 'client')), 3,
  'B''s three due reads are claimed in the same claim as A''s, though A''s 150 were due earlier');
select is((select count(*)::int from run where n = 1 and client_id = tests.fx('A', 'client')), 97,
  'A gets the rest: the share B does not need goes to A');
select is(pg_temp.claim(2), 0, 'nothing more this window');
select is((select reads from private.metrics_read_usage
            where budget_key = 'kind:x:client:' || tests.fx('B', 'client') and window_start =
                  date_bin(interval '15 minutes', now(), timestamptz '2000-01-01 00:00:00+00')), 3,
  'reads are counted per client in the window');

-- Fair shares when both need more than half: each gets half.
delete from distributions where external_id like 'a%' or external_id like 'b-%';
delete from private.metrics_read_usage;
insert into distributions (client_id, platform_id, content_type, body, status, scheduled_for, published_at, external_id)
select tests.fx('A', 'client'), ('00000000-0000-4000-8000-0000000000a' || p)::uuid, 'manual', 'x', 'published',
       now() - interval '3 hours', now() - interval '3 hours', 'a' || p || '-' || i
from generate_series(1, 5) p, generate_series(1, 30) i;
insert into distributions (client_id, platform_id, content_type, body, status, scheduled_for, published_at, external_id)
select tests.fx('B', 'client'), '00000000-0000-4000-8000-0000000000b1', 'manual', 'x', 'published',
       now() - interval '3 hours', now() - interval '3 hours', 'b-' || i
from generate_series(1, 80) i;
update distributions set metrics_next_sync_at = now() - interval '1 hour' where external_id like 'a%';
update distributions set metrics_next_sync_at = now() - interval '1 minute' where external_id like 'b-%';

create temp table run2 as select * from private.claim_metrics_due(200, 50, 300);
select is((select count(*)::int from run2 where client_id = tests.fx('A', 'client')), 50,
  'two clients needing more than half of the budget get half each: A 50');
select is((select count(*)::int from run2 where client_id = tests.fx('B', 'client')), 50, '... and B 50');
select is((select count(*)::int from private.claim_metrics_due(200, 50, 300)), 0, 'and the window is spent');

-- Round-robin over clients for p_limit: with a batch of 4 and no budget, B is in the first batch.
update metrics_read_budgets set max_reads = 100000 where kind = 'x';
delete from private.metrics_read_usage;
create temp table run3 as select * from private.claim_metrics_due(4, 2, 300);
select is((select count(*)::int from run3 where client_id = tests.fx('B', 'client')), 2,
  'a small batch takes each client''s most overdue platform first: B is served in the first batch');

-- Bounded tiers: an editor of A cannot set a cadence the shared budgets cannot carry.
select tests.authenticate_as(tests.get_user_id('editor_a@test.local'));
select throws_ok($$ insert into metrics_sync_policy (client_id, max_age, sync_every)
                    values (tests.fx('A', 'client'), interval '2 days', interval '1 minute') $$,
  '23514', 'metrics_sync_policy.sync_every must be at least 15 minutes (got 00:01:00)',
  'a member''s tier faster than every 15 minutes is refused, naming sync_every');
select throws_ok($$ insert into metrics_sync_policy (client_id, max_age, sync_every)
                    values (tests.fx('A', 'client'), interval '10 years', interval '1 hour') $$,
  '23514', 'metrics_sync_policy.max_age must be at most 90 days (got 10 years)',
  'a member''s tier for posts older than 90 days is refused, naming max_age');
select lives_ok($$ insert into metrics_sync_policy (client_id, max_age, sync_every)
                   select tests.fx('A', 'client'), make_interval(days => i), interval '1 day'
                   from generate_series(1, 10) i $$,
  'ten tiers for one scope are accepted');
select throws_ok($$ insert into metrics_sync_policy (client_id, max_age, sync_every)
                    values (tests.fx('A', 'client'), interval '11 days', interval '1 day') $$,
  '23514', 'metrics_sync_policy: at most 10 tiers per client or platform', 'an eleventh is refused');
select throws_ok($$ update metrics_sync_policy set sync_every = interval '5 minutes'
                    where client_id = tests.fx('A', 'client') $$,
  '23514', null, 'an update to a faster cadence is refused too');
select tests.clear_authentication();

select * from finish();
rollback;
