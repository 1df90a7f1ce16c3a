-- bench/metrics data, set-based: :clients clients with one platform of each of the eight kinds, and :posts
-- published posts spread evenly over the platforms, aged evenly from 0 to :max_age_days days. Each post is on
-- its age cadence (metrics_sync_policy, the global tiers): one read a cadence interval, its next read at a
-- uniformly spread phase of that interval from now (a post younger than one interval: one interval after its
-- publication), its last read one interval earlier (none if it was not yet
-- published then); posts past the cadence's oldest tier are not synced. Triggers are bypassed
-- (session_replication_role = replica) and the columns they derive are written here.
\set ON_ERROR_STOP 1
set synchronous_commit = off;
set maintenance_work_mem = '512MB';
set work_mem = '128MB';

insert into public.clients (id, name)
select md5('mc' || c)::uuid, 'Metrics client ' || c from generate_series(1, :clients) c;

insert into public.platforms (id, client_id, name, kind, timezone)
select md5('mp' || c || '/' || k)::uuid, md5('mc' || c)::uuid, 'metrics ' || k, k::public.platform_kind,
       (array['America/New_York', 'Europe/Paris', 'Asia/Kolkata', 'UTC'])[1 + c % 4]
from generate_series(1, :clients) c,
     unnest(array['wordpress', 'x', 'linkedin', 'youtube', 'email', 'instagram', 'tiktok', 'podcast']) k;

set session_replication_role = replica;
create temp table plat as
select row_number() over (order by id) - 1 as n, id, client_id, timezone
from public.platforms where name like 'metrics %';
create index on plat (n);
select count(*) as n_plat from plat \gset

-- The cadence of each tier, by age (the global tiers of metrics_sync_policy).
create temp table tiers as
select coalesce(lag(max_age) over (order by max_age), interval '0') as min_age, max_age, sync_every
from public.metrics_sync_policy where client_id is null and platform_id is null;

insert into public.distributions (id, client_id, content_type, platform_id, title, body, status, scheduled_for,
  published_at, external_id, external_url, timezone, impressions, engagements, metrics_synced_at,
  metrics_next_sync_at)
select md5('mh' || s.i)::uuid, pl.client_id, 'manual', pl.id, 'Post ' || s.i, 'Published post ' || s.i,
       'published', s.at, s.at, 'ext-' || s.i, 'https://example.test/' || s.i, pl.timezone, 500 + s.i % 20000,
       s.i % 400,
       case when n.next_at - t.sync_every >= s.at then n.next_at - t.sync_every end,
       n.next_at
from (
  select i, now() - (i * (:max_age_days * 86400.0 / :posts)) * interval '1 second' as at
  from generate_series(0::bigint, :posts - 1) i
) s
join plat pl on pl.n = s.i % :n_plat
left join tiers t on now() - s.at >= t.min_age and now() - s.at < t.max_age
cross join lateral (
  select case when now() - s.at < t.sync_every then s.at + t.sync_every
              else now() + t.sync_every * ((abs(hashtext(s.i::text)) % 100000) / 100000.0) end as next_at
) n;

set session_replication_role = origin;
