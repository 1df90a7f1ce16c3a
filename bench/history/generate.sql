-- bench/history data, set-based, in two parts (psql variable :part).
--   platforms: :clients clients with :per_client platforms each (the eight kinds in turn), each with rate
--              limits (so publish_budget reads the platform's published history) and instant publish settings.
--   history:   :future scheduled distributions (due over the next year) and :published published ones (over
--              the past two years, each with its publish attempt; those of the last 30 days with a metrics
--              sync ahead), spread evenly over the platforms. Triggers are bypassed (session_replication_role
--              = replica) and the columns they derive are written here; calendar rows are not made (the publish
--              path does not read them).
\set ON_ERROR_STOP 1
set synchronous_commit = off;
set maintenance_work_mem = '512MB';
set work_mem = '128MB';

select :'part' = 'platforms' as part_platforms \gset
\if :part_platforms
insert into public.clients (id, name)
select md5('hc' || c)::uuid, 'History client ' || c from generate_series(1, :clients) c;

insert into public.platforms (id, client_id, name, kind, timezone, posts_per_hour, posts_per_day,
  min_interval_minutes, publish_config)
select md5('hp' || c || '/' || k)::uuid, md5('hc' || c)::uuid, 'platform ' || k,
       (array['wordpress', 'x', 'linkedin', 'youtube', 'email', 'instagram', 'tiktok', 'podcast'])[1 + (c + k) % 8]::public.platform_kind,
       (array['America/New_York', 'Europe/Paris', 'Asia/Kolkata', 'UTC'])[1 + c % 4],
       100, 1000, 0, '{"poll_interval_ms": 0}'::jsonb
from generate_series(1, :clients) c, generate_series(1, :per_client) k;
\else
set session_replication_role = replica;
create temp table plat as
select row_number() over (order by id) - 1 as n, id, client_id, timezone
from public.platforms where name like 'platform %';
create index on plat (n);
select count(*) as n_plat from plat \gset

-- Future posts: one platform after another, each instant distinct per platform.
insert into public.distributions (id, client_id, content_type, platform_id, title, body, status, scheduled_for,
  timezone)
select md5('hf' || i)::uuid, pl.client_id, 'manual', pl.id, 'Future ' || i, 'Future post ' || i, 'scheduled',
       now() + interval '1 hour' + (i * (365 * 86400.0 / :future)) * interval '1 second', pl.timezone
from generate_series(0::bigint, :future - 1) i
join plat pl on pl.n = i % :n_plat;

-- Published posts over the past two years.
insert into public.distributions (id, client_id, content_type, platform_id, title, body, status, scheduled_for,
  published_at, external_id, external_url, timezone, impressions, engagements, metrics_synced_at,
  metrics_next_sync_at)
select md5('hh' || i)::uuid, pl.client_id, 'manual', pl.id, 'Published ' || i, 'Published post ' || i,
       'published', at, at, 'ext-' || i, 'https://example.test/' || i, pl.timezone, 500 + i % 20000, i % 400,
       least(now(), at + interval '20 days'),
       case when at > now() - interval '30 days' then now() + (i % 86400) * interval '1 second' end
from (
  select i, now() - interval '2 hours' - (i * (730 * 86400.0 / :published)) * interval '1 second' as at
  from generate_series(0::bigint, :published - 1) i
) s
join plat pl on pl.n = s.i % :n_plat;

-- Each published post's attempt.
insert into public.distribution_attempts (id, distribution_id, client_id, platform_id, kind, started_at,
  finished_at, outcome, external_id)
select md5('ha' || d.id)::uuid, d.id, d.client_id, d.platform_id, 'publish', d.published_at - interval '1 second',
       d.published_at, 'published', d.external_id
from public.distributions d
where d.status = 'published' and d.title like 'Published %';

set session_replication_role = origin;
-- The triggers were off: the report rollups are built from the generated rows.
select private.rebuild_conversion_rollups();
\endif
