-- The design's "Distribution Performance by Platform" query runs unchanged, and under RLS shows only A's data.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
set local timezone = 'UTC';
select plan(2);
select tests.create_two_clients();
insert into distributions (client_id, platform_id, content_type, body, status, scheduled_for, published_at,
                           impressions, engagement_rate, click_through_rate, clicks) values
  (tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual', 'x', 'published', now() - interval '3 days', now() - interval '3 days', 200, 3, 1, 4),
  (tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual', 'x', 'published', now() - interval '4 days', now() - interval '4 days', 300, 4, 3, 6),
  (tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual', 'x', 'published', now() - interval '40 days', now() - interval '40 days', 9999, 99, 99, 99),
  (tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual', 'x', 'draft', null, null, 9999, 99, 99, 99);

select lives_ok($q$
SELECT 
  p.name as platform,
  COUNT(d.id) as total_posts,
  ROUND(AVG(d.impressions), 0) as avg_impressions,
  ROUND(AVG(d.engagement_rate), 2) as avg_engagement_rate,
  ROUND(AVG(d.click_through_rate), 2) as avg_ctr,
  SUM(d.clicks) as total_clicks
FROM distributions d
JOIN platforms p ON d.platform_id = p.id
WHERE d.status = 'published'
  AND d.published_at > now() - interval '30 days'
GROUP BY p.id, p.name
ORDER BY avg_engagement_rate DESC;
$q$, 'the query runs unchanged as postgres');

select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select results_eq($q$
SELECT 
  p.name as platform,
  COUNT(d.id) as total_posts,
  ROUND(AVG(d.impressions), 0) as avg_impressions,
  ROUND(AVG(d.engagement_rate), 2) as avg_engagement_rate,
  ROUND(AVG(d.click_through_rate), 2) as avg_ctr,
  SUM(d.clicks) as total_clicks
FROM distributions d
JOIN platforms p ON d.platform_id = p.id
WHERE d.status = 'published'
  AND d.published_at > now() - interval '30 days'
GROUP BY p.id, p.name
ORDER BY avg_engagement_rate DESC;
$q$, $$ values ('Blog A'::text, 3::bigint, 200::numeric, 4.00::numeric, 2.00::numeric, 12::bigint) $$,
  'as a member of A: A''s published posts of the last 30 days, averaged');

select * from finish();
rollback;
