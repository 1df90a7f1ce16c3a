-- The reads of a platform's rows by status and time, for one platform (psql variables :pid, :label), each under
-- EXPLAIN (ANALYZE, BUFFERS): its published posts, then its open rows (idx_distributions_platform_open's readers).
-- On a stack loaded by generate.sql (both parts; open_rows.sql adds failed, draft, unconfirmed and waiting-for-
-- approval rows), then vacuum analyze, run once as it is and once after dropping an index in a transaction (then
-- roll back), in one psql session:
--   psql ... -v pid=<platform id> -v label=without -c begin -c "drop index ..." -f readers.sql -c rollback
\set p '''' :pid ''''
\echo '### ' :label ': publish_budget, the last 24 h'
explain (analyze, buffers, costs off, timing off, summary off)
select count(*) filter (where published_at > now() - interval '1 hour'), count(*)
from public.distributions
where platform_id = :p::uuid and status = 'published' and published_at > now() - interval '24 hours';
\echo '### ' :label ': publish_budget, the last post'
explain (analyze, buffers, costs off, timing off, summary off)
select max(published_at) from public.distributions where platform_id = :p::uuid and status = 'published';
\echo '### ' :label ': scheduling.platform_posts, published posts from now - 25 h to now + 7 d'
explain (analyze, buffers, costs off, timing off, summary off)
select d.published_at from public.distributions d
where d.platform_id = :p::uuid and d.status = 'published'
  and d.published_at > now() - interval '25 hours' and d.published_at < now() + interval '7 days';
\echo '### ' :label ': scheduling.platform_posts, published posts of two days a year ago'
explain (analyze, buffers, costs off, timing off, summary off)
select d.published_at from public.distributions d
where d.platform_id = :p::uuid and d.status = 'published'
  and d.published_at > now() - interval '366 days' and d.published_at < now() - interval '364 days';
\echo '### ' :label ': platform_health, one platform'
explain (analyze, buffers, costs off, timing off, summary off)
select * from public.platform_health where platform_id = :p::uuid;
\echo '### ' :label ': rebuild_conversion_rollups, one platform'
explain (analyze, buffers, costs off, timing off, summary off)
select p.id, p.client_id, date_trunc('month', d.published_at at time zone p.timezone)::date, count(*)
from public.distributions d join public.platforms p on p.id = d.platform_id
where d.status = 'published' and d.platform_id = :p::uuid
group by 1, 2, 3;
\echo '### ' :label ': scheduling.platform_posts, the slots taken from now - 25 h to now + 7 d'
explain (analyze, buffers, costs off, timing off, summary off)
select d.scheduled_for from public.distributions d
where d.platform_id = :p::uuid and d.status in ('scheduled', 'publishing', 'unconfirmed', 'pending_approval')
  and d.scheduled_for > now() - interval '25 hours' and d.scheduled_for < now() + interval '7 days'
  and d.id is distinct from null::uuid;
\echo '### ' :label ': platform_health, the queue depth of one platform'
explain (analyze, buffers, costs off, timing off, summary off)
select count(*) filter (where d.status = 'draft'), count(*) filter (where d.status = 'scheduled'),
       count(*) filter (where d.status = 'publishing'), count(*) filter (where d.status = 'failed'),
       count(*) filter (where d.status = 'unconfirmed')
from public.distributions d
where d.platform_id = :p::uuid and d.status in ('draft', 'scheduled', 'publishing', 'failed', 'unconfirmed');
\echo '### ' :label ': attention_platforms_to_reconnect and reconnect_platform, the rows waiting'
explain (analyze, buffers, costs off, timing off, summary off)
select count(*) from public.distributions d where d.platform_id = :p::uuid and d.status = 'scheduled';
\echo '### ' :label ': publish_budget, the rows in flight'
explain (analyze, buffers, costs off, timing off, summary off)
select count(*) from public.distributions where platform_id = :p::uuid and status = 'publishing';
\echo '### ' :label ': scheduling.failed_on_auth'
explain (analyze, buffers, costs off, timing off, summary off)
select d.id from public.distributions d
where d.platform_id = :p::uuid and d.status = 'failed'
  and (select a.outcome from public.distribution_attempts a
       where a.distribution_id = d.id order by a.finished_at desc limit 1) = 'auth'
order by d.scheduled_for;
\echo '### ' :label ': claim_native_handoffs, one platform''s rows in a hand-off window (7 days, so that it holds rows)'
explain (analyze, buffers, costs off, timing off, summary off)
select d.id, d.scheduled_for from public.distributions d
where d.platform_id = :p::uuid and d.status = 'scheduled' and d.native_state is null and d.next_attempt_at is null
  and d.attempt_id is null
  and d.scheduled_for > now() + interval '120 seconds' and d.scheduled_for <= now() + interval '7 days'
order by d.scheduled_for
limit 100;
