-- A claim passes over the platforms whose read budget is spent for the window (app-scoped: the kind's; account-
-- scoped: the platform's) and claims the others' due posts up to what their budgets have left; it prunes the
-- budget windows older than 3 days.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(8);
select tests.create_two_clients();
update distributions set metrics_next_sync_at = null;  -- the fixture's posts are out of the way

insert into platforms (id, client_id, name, kind) values
  ('00000000-0000-4000-8000-0000000000a1', tests.fx('A', 'client'), 'X A', 'x'),
  ('00000000-0000-4000-8000-0000000000a2', tests.fx('A', 'client'), 'LinkedIn A', 'linkedin'),
  ('00000000-0000-4000-8000-0000000000a3', tests.fx('A', 'client'), 'Instagram A', 'instagram'),
  ('00000000-0000-4000-8000-0000000000b1', tests.fx('B', 'client'), 'TikTok B', 'tiktok');
update metrics_read_budgets set max_reads = 10, per = interval '15 minutes', scope = 'app' where kind = 'x';
update metrics_read_budgets set max_reads = 10, per = interval '1 day', scope = 'account' where kind = 'linkedin';
update metrics_read_budgets set max_reads = 10, per = interval '1 hour', scope = 'account' where kind = 'instagram';
update metrics_read_budgets set max_reads = 10, per = interval '1 minute', scope = 'account' where kind = 'tiktok';

-- Five due posts on each platform; X's are the longest overdue.
insert into distributions (client_id, platform_id, content_type, body, status, scheduled_for, published_at, external_id)
select c, p, 'manual', 'x', 'published', now() - interval '2 hours', now() - interval '2 hours', p || '-' || i
from (values (tests.fx('A', 'client'), '00000000-0000-4000-8000-0000000000a1'::uuid),
             (tests.fx('A', 'client'), '00000000-0000-4000-8000-0000000000a2'::uuid),
             (tests.fx('A', 'client'), '00000000-0000-4000-8000-0000000000a3'::uuid),
             (tests.fx('B', 'client'), '00000000-0000-4000-8000-0000000000b1'::uuid)) v (c, p),
     generate_series(1, 5) i;
update distributions set metrics_next_sync_at = now() - interval '1 minute' where external_id is not null;
update distributions set metrics_next_sync_at = now() - interval '1 hour'
where platform_id = '00000000-0000-4000-8000-0000000000a1';

-- This window: X's app budget and the Instagram account's are spent, the LinkedIn account has 2 reads left.
-- Two windows of an earlier budget: 4 days old (pruned) and 2 days old (kept).
insert into private.metrics_read_usage (budget_key, window_start, reads) values
  ('kind:x', date_bin(interval '15 minutes', now(), timestamptz '2000-01-01 00:00:00+00'), 10),
  ('platform:00000000-0000-4000-8000-0000000000a3',
   date_bin(interval '1 hour', now(), timestamptz '2000-01-01 00:00:00+00'), 10),
  ('platform:00000000-0000-4000-8000-0000000000a2',
   date_bin(interval '1 day', now(), timestamptz '2000-01-01 00:00:00+00'), 8),
  ('platform:00000000-0000-4000-8000-0000000000b1', date_bin(interval '1 minute', now() - interval '4 days',
                                                             timestamptz '2000-01-01 00:00:00+00'), 3),
  ('platform:00000000-0000-4000-8000-0000000000b1', date_bin(interval '1 minute', now() - interval '2 days',
                                                             timestamptz '2000-01-01 00:00:00+00'), 4);

create temp table c1 as select * from private.claim_metrics_due(100, 50, 300);
select is((select count(*)::int from c1 where platform_kind = 'x'), 0,
  'nothing is claimed on X: the kind''s app budget is spent for the window, however long its posts are overdue');
select is((select count(*)::int from c1 where platform_kind = 'instagram'), 0,
  'nothing is claimed on an account whose budget is spent');
select is((select count(*)::int from c1 where platform_kind = 'linkedin'), 2,
  'an account with 2 reads left in its window gets 2');
select is((select count(*)::int from c1 where platform_kind = 'tiktok'), 5,
  'the other client''s platform, with room in its budget, gets all its due posts');
select is((select reads from private.metrics_read_usage
           where budget_key = 'platform:00000000-0000-4000-8000-0000000000a2'
             and window_start = date_bin(interval '1 day', now(), timestamptz '2000-01-01 00:00:00+00')), 10,
  'the LinkedIn account''s window is now spent');
select is((select count(*)::int from distributions
           where platform_id in ('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a3')
             and metrics_next_sync_at <= now() and metrics_lease_until is null), 10,
  'the posts behind spent budgets stay due, unleased, for a later window');
select is((select count(*)::int from private.metrics_read_usage
           where budget_key = 'platform:00000000-0000-4000-8000-0000000000b1' and window_start < now() - interval '3 days'),
  0, 'a claim prunes the windows older than 3 days');
select is((select count(*)::int from private.metrics_read_usage
           where budget_key = 'platform:00000000-0000-4000-8000-0000000000b1'
             and window_start between now() - interval '3 days' and now() - interval '1 day'),
  1, 'and keeps the younger ones');

select * from finish();
rollback;
