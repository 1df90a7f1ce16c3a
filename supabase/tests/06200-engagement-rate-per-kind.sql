-- engagement_rate and click_through_rate per platform kind, computed in the database.
set client_min_messages = warning;
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(7);
select tests.create_two_clients();

insert into platforms (id, client_id, name, kind)
select ('00000000-0000-4000-8000-0000000000a' || i)::uuid, tests.fx('A', 'client'), k, k
from unnest(array['x', 'instagram', 'youtube', 'email', 'tiktok']::platform_kind[]) with ordinality as v (k, i);
insert into distributions (id, client_id, platform_id, content_type, body, status, scheduled_for, published_at, external_id)
select ('00000000-0000-4000-8000-00000000d00' || i)::uuid, tests.fx('A', 'client'),
       ('00000000-0000-4000-8000-0000000000a' || i)::uuid, 'manual', 'x', 'published',
       now() - interval '1 day', now() - interval '1 day', 'e' || i
from generate_series(1, 5) i;

select private.record_metrics($$[
  {"distribution_id": "00000000-0000-4000-8000-00000000d001", "ok": true,
   "metrics": {"impressions": 1000, "engagements": 50, "clicks": 10}},
  {"distribution_id": "00000000-0000-4000-8000-00000000d002", "ok": true,
   "metrics": {"impressions": 5000, "reach": 2000, "engagements": 100, "likes": 80}},
  {"distribution_id": "00000000-0000-4000-8000-00000000d003", "ok": true,
   "metrics": {"video_views": 400, "likes": 30, "comments": 10, "platform_metrics": {"favorite_count": 2}}},
  {"distribution_id": "00000000-0000-4000-8000-00000000d004", "ok": true,
   "metrics": {"impressions": 1000, "clicks": 45, "engagements": 345,
               "platform_metrics": {"unique_opens": 300, "hard_bounces": 20, "soft_bounces": 30}}},
  {"distribution_id": "00000000-0000-4000-8000-00000000d005", "ok": true,
   "metrics": {"impressions": 800, "video_views": 800, "likes": "40", "shares": 8}}
]$$::jsonb);

create temp table r as
select p.kind, d.engagement_rate, d.click_through_rate, d.engagement_base, d.engagement_count
from distributions d join platforms p on p.id = d.platform_id
where d.id::text like '00000000-0000-4000-8000-00000000d00%';

select results_eq($$ select engagement_rate, click_through_rate from r where kind = 'x' $$,
  $$ values (5.0000::numeric, 1.0000::numeric) $$, 'x: engagements and clicks per impression');
select results_eq($$ select engagement_rate, click_through_rate from r where kind = 'instagram' $$,
  $$ values (5.0000::numeric, null::numeric) $$,
  'instagram: engagements per account reached (not per view); no clicks reported, no CTR');
select results_eq($$ select engagement_rate, engagement_count from r where kind = 'youtube' $$,
  $$ values (10.0000::numeric, 40) $$,
  'youtube: per view; with no engagements count, the likes and comments it gave (30 + 10 of 400 views)');
select results_eq($$ select engagement_base, engagement_rate, click_through_rate from r where kind = 'email' $$,
  $$ values (950, 31.5789::numeric, 4.7368::numeric) $$,
  'email: unique opens / delivered (1000 sent - 50 bounces) = 300/950; unique clicks / delivered = 45/950');
select results_eq($$ select engagement_rate from r where kind = 'tiktok' $$,
  $$ values (6.0000::numeric) $$, 'tiktok: (likes + shares) per view, numeric strings accepted');

update distributions set reach = 900 where id = '00000000-0000-4000-8000-00000000d004';
select is((select engagement_base from distributions where id = '00000000-0000-4000-8000-00000000d004'), 900,
  'email: a reported delivered count (reach) is used as is');
select ok(col_description('public.distributions'::regclass,
            (select attnum from pg_attribute where attrelid = 'public.distributions'::regclass
               and attname = 'engagement_rate')) ~ 'email: unique opens',
  'the definitions are in the column comment');

select * from finish();
rollback;
