-- bench/publish-path: the data and the helpers (see run.sh). :clients clients with :platforms platforms between
-- them (no posting limits) and one post a platform, all due a minute ago, as in bench/burst. With :shape 'content'
-- each client's posts are one piece of content cross-posted to its platforms (one content row and one cross-post
-- group a client); with 'plain' they are posts of their own, as bench/burst's.
\set ON_ERROR_STOP 1
create schema if not exists bench;

insert into public.clients (id, name, default_timezone)
select md5('path-client-' || c)::uuid, 'Path client ' || c, 'UTC' from generate_series(0, :clients - 1) c;
insert into public.platforms (id, client_id, name, kind, timezone, posts_per_hour, posts_per_day, min_interval_minutes)
select md5('path-platform-' || n)::uuid, md5('path-client-' || (n % :clients))::uuid, 'Path x ' || n, 'x', 'UTC',
       null, null, 0
from generate_series(0, :platforms - 1) n;
insert into public.generated_content (id, client_id, content, status)
select md5('path-content-' || c.id)::uuid, c.id, 'Path content', 'distributing'
from public.clients c where c.name like 'Path client %' and :'shape' = 'content';
insert into public.cross_post_groups (id, client_id, name)
select md5('path-group-' || c.id)::uuid, c.id, 'Path group'
from public.clients c where c.name like 'Path client %' and :'shape' = 'content';
insert into public.distributions (client_id, platform_id, content_type, status, body, scheduled_for, timezone,
                                  content_id, cross_post_group_id)
select p.client_id, p.id, 'manual', 'scheduled', 'Path post ' || p.name, now() - interval '1 minute', 'UTC',
       case when :'shape' = 'content' then md5('path-content-' || p.client_id)::uuid end,
       case when :'shape' = 'content' then md5('path-group-' || p.client_id)::uuid end
from public.platforms p
where p.name like 'Path x %';
analyze public.platforms;
analyze public.distributions;

-- A backend's CPU (utime + stime of /proc/self/stat, in clock ticks of 10 ms).
create or replace function bench.cpu_ticks() returns bigint language sql as $$
  select (f[14])::bigint + (f[15])::bigint
  from (select regexp_split_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ') as g) s,
       lateral (select array['', ''] || s.g as f) x
$$;

create table bench.timings (variant text, step text, rows integer, ms numeric, cpu_ms bigint);
create table bench.claimed (n bigserial, id uuid, attempt_id uuid);
create table bench.defs (variant text, name text, def text);
create table bench.current (variant text);
insert into bench.current values ('after');

-- The trigger functions of a variant put in place (their definitions captured by run.sh).
create or replace function bench.use(p_variant text) returns void language plpgsql as $$
declare
  v_def text;
begin
  for v_def in select d.def from bench.defs d where d.variant = p_variant order by d.name loop
    execute v_def;
  end loop;
  update bench.current set variant = p_variant;
end
$$;

-- A claim as the publish run makes it (private.claim_due_distributions), timed.
create or replace function bench.claim(p_limit integer) returns void language plpgsql as $$
declare
  t0 timestamptz := clock_timestamp();
  c0 bigint := bench.cpu_ticks();
  n integer;
begin
  insert into bench.claimed (id, attempt_id) select c.id, c.attempt_id from private.claim_due_distributions(p_limit, 300) c;
  get diagnostics n = row_count;
  insert into bench.timings select (select variant from bench.current), 'claim', n,
    round(extract(epoch from clock_timestamp() - t0) * 1000, 1), (bench.cpu_ticks() - c0) * 10;
end
$$;

-- The outcomes of the p_limit posts claimed first (private.record_publish_outcomes): every post published but
-- one in p_transient_every, a transient failure (back to scheduled, retried later).
create or replace function bench.outcome(p_transient_every integer, p_limit integer) returns void
language plpgsql as $$
declare
  v_outcomes jsonb;
  t0 timestamptz;
  c0 bigint;
  n integer;
begin
  select coalesce(jsonb_agg(case
           when c.rn % p_transient_every = 0 then jsonb_build_object(
             'id', c.id, 'attempt_id', c.attempt_id, 'outcome', 'transient', 'message', 'HTTP 503',
             'http_status', 503)
           else jsonb_build_object('id', c.id, 'attempt_id', c.attempt_id, 'outcome', 'published',
             'external_id', 'ext-' || c.id, 'external_url', 'https://x.example/' || c.id, 'published_at', now())
           end), '[]')
    into v_outcomes
  from (select c.*, row_number() over (order by c.n) as rn from bench.claimed c order by c.n limit p_limit) c;
  t0 := clock_timestamp();
  c0 := bench.cpu_ticks();
  perform count(*) from private.record_publish_outcomes(v_outcomes);
  get diagnostics n = row_count;
  insert into bench.timings select (select variant from bench.current), 'outcome', jsonb_array_length(v_outcomes),
    round(extract(epoch from clock_timestamp() - t0) * 1000, 1), (bench.cpu_ticks() - c0) * 10;
  delete from bench.claimed c where c.id in (select (x ->> 'id')::uuid from jsonb_array_elements(v_outcomes) x);
end
$$;
