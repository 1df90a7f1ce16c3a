-- The design's "Best Performing Times" query runs unchanged.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
set local timezone = 'UTC';
select plan(2);
select tests.create_two_clients();
insert into distributions (client_id, platform_id, content_type, body, status, scheduled_for, published_at, engagement_rate)
select tests.fx('A', 'client'), tests.fx('A', 'platform'), 'manual', 'x', 'published',
       timestamptz '2000-01-01' + (current_date - 8 - date '2000-01-01') * interval '1 day' + interval '14 hours',
       timestamptz '2000-01-01' + (current_date - 8 - date '2000-01-01') * interval '1 day' + interval '14 hours', r
from unnest(array[2, 4, 6]) r;

select lives_ok($q$
SELECT 
  p.name as platform,
  EXTRACT(DOW FROM d.published_at) as day_of_week,
  EXTRACT(HOUR FROM d.published_at) as hour,
  COUNT(*) as posts,
  ROUND(AVG(d.engagement_rate), 2) as avg_engagement
FROM distributions d
JOIN platforms p ON d.platform_id = p.id
WHERE d.status = 'published'
  AND d.published_at > now() - interval '90 days'
  AND d.engagement_rate IS NOT NULL
GROUP BY p.name, 1, 2, 3
HAVING COUNT(*) >= 3
ORDER BY p.name, avg_engagement DESC;
$q$, 'the query runs unchanged as postgres');

select tests.authenticate_as(tests.get_user_id('owner_a@test.local'));
select results_eq($q$
SELECT 
  p.name as platform,
  EXTRACT(DOW FROM d.published_at) as day_of_week,
  EXTRACT(HOUR FROM d.published_at) as hour,
  COUNT(*) as posts,
  ROUND(AVG(d.engagement_rate), 2) as avg_engagement
FROM distributions d
JOIN platforms p ON d.platform_id = p.id
WHERE d.status = 'published'
  AND d.published_at > now() - interval '90 days'
  AND d.engagement_rate IS NOT NULL
GROUP BY p.name, 1, 2, 3
HAVING COUNT(*) >= 3
ORDER BY p.name, avg_engagement DESC;
$q$, format('values (%L::text, %s::numeric, 14::numeric, 3::bigint, 4.00::numeric)', 'Blog A',
              extract(dow from current_date - 8)),
  'as a member of A: the slot with three posts, and not the slot with one');

select * from finish();
rollback;
