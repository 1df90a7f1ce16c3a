-- The reads of a platform's published posts by time, for one platform (psql variables :pid, :label), each under
-- EXPLAIN (ANALYZE, BUFFERS). On a stack loaded by generate.sql (both parts, then vacuum analyze), run once as
-- it is and once after `begin; drop index public.idx_distributions_platform_published;` (then roll back), in one
-- psql session: psql ... -v pid=<platform id> -v label=without -c begin -c "drop index ..." -f readers.sql -c rollback
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
