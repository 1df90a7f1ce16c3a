set client_min_messages = warning;
-- What publishing a row costs the indexes, whatever the history: ids are time-ordered (a new row's and a new
-- attempt's entries land beside the other recent ones), a published row enters no index of open work, every
-- row is in one index led by platform_id (not two), and the reads that used the reshaped indexes still use one.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(14);
select tests.create_two_clients();

-- The first 48 bits of a UUID as a number (milliseconds for version 7).
create function pg_temp.uuid_ms(p uuid) returns bigint language sql immutable as $$
  select ('x' || replace(left(p::text, 13), '-', ''))::bit(48)::bigint
$$;

create temp table span as select floor(extract(epoch from clock_timestamp()) * 1000)::bigint as t0;
create temp table made as select private.uuid_v7() as id from generate_series(1, 1000);
alter table span add column t1 bigint;
update span set t1 = floor(extract(epoch from clock_timestamp()) * 1000)::bigint;

select is((select count(distinct id)::int from made), 1000, 'private.uuid_v7 makes distinct ids');
select ok((select bool_and(substr(id::text, 15, 1) = '7' and substr(id::text, 20, 1) in ('8', '9', 'a', 'b'))
           from made), 'they are version 7 UUIDs with the RFC variant');
select ok((select bool_and(pg_temp.uuid_ms(m.id) between s.t0 and s.t1) from made m, span s),
  'their first 48 bits are the Unix time in milliseconds when they were made');

update platforms set posts_per_hour = null, posts_per_day = null, min_interval_minutes = 0
  where id = tests.fx('A', 'platform');
insert into distributions (client_id, content_type, platform_id, body, status, scheduled_for)
select tests.fx('A', 'client'), 'manual', tests.fx('A', 'platform'), 'h-' || n, 'scheduled',
       now() - interval '1 minute' + n * interval '1 second'
from generate_series(1, 3) n;

select ok((select bool_and(substr(id::text, 15, 1) = '7' and pg_temp.uuid_ms(id) <= (select t from
             (select floor(extract(epoch from clock_timestamp()) * 1000)::bigint as t) x)
             and pg_temp.uuid_ms(id) >= (select t0 from span))
           from distributions where body like 'h-%'),
  'a distribution inserted without an id gets a time-ordered one');

create temp table claimed as select * from private.claim_due_distributions(10, 60);
select ok((select count(*) = 3 and bool_and(substr(attempt_id::text, 15, 1) = '7') from claimed),
  'the claim gives each attempt a time-ordered id');

select is((select count(*)::int from private.record_publish_outcomes((
  select jsonb_agg(jsonb_build_object('id', c.id, 'attempt_id', c.attempt_id, 'outcome', 'published',
                                      'external_id', 'ext-' || c.body, 'external_url', 'https://p/' || c.body))
  from claimed c))), 3, 'the three are published');
select is((select count(*)::int from distribution_attempts a join claimed c on a.id = c.attempt_id
           where a.outcome = 'published' and a.distribution_id = c.id), 3,
  'each attempt is recorded under its time-ordered id');

-- The indexes a published row is in: every index whose predicate (if any) holds for it.
create function pg_temp.indexes_holding(p_id uuid) returns text[] language plpgsql as $$
declare
  v_index record;
  v_in boolean;
  v_names text[] := '{}';
begin
  for v_index in
    select c.relname, pg_get_expr(i.indpred, i.indrelid) as pred
    from pg_index i join pg_class c on c.oid = i.indexrelid
    where i.indrelid = 'public.distributions'::regclass
    order by c.relname
  loop
    if v_index.pred is null then
      v_in := true;
    else
      execute format('select exists (select 1 from public.distributions where id = $1 and (%s))', v_index.pred)
        into v_in using p_id;
    end if;
    if v_in then
      v_names := v_names || v_index.relname::text;
    end if;
  end loop;
  return v_names;
end
$$;

select is((select array_agg(c.relname::text order by c.relname)
           from pg_index i join pg_class c on c.oid = i.indexrelid
           where i.indrelid = 'public.distributions'::regclass and i.indpred is null),
  array['distributions_id_client_key', 'distributions_pkey', 'idx_distributions_client',
        'idx_distributions_external'],
  'every row is in four indexes: its id (twice), its client, and its platform with its external id');
select ok(not ('idx_distributions_status' = any (pg_temp.indexes_holding((select id from claimed limit 1)))),
  'a published row is not in the index of open work by status');
select is((select count(*)::int from unnest(pg_temp.indexes_holding((select id from claimed limit 1))) n
           join pg_index i on i.indexrelid = ('public.' || n)::regclass
           where i.indrelid = 'public.distributions'::regclass
             and (select a.attname from pg_attribute a
                  where a.attrelid = i.indrelid and a.attnum = i.indkey[0]) = 'platform_id'
             and i.indpred is null), 1,
  'a row is in one full index led by platform_id');

-- The reads that used the reshaped indexes still read an index (not the whole table).
create function pg_temp.plan_of(p_query text) returns text language plpgsql as $$
declare
  v_line text;
  v_plan text := '';
begin
  set local enable_seqscan = off;
  for v_line in execute 'explain (costs off) ' || p_query loop
    v_plan := v_plan || v_line || E'\n';
  end loop;
  reset enable_seqscan;
  return v_plan;
end
$$;

select ok(pg_temp.plan_of(format('select * from public.distributions where platform_id = %L',
                                  tests.fx('A', 'platform'))) ~ 'idx_distributions_external',
  'the rows of a platform are read through idx_distributions_external');
select ok(pg_temp.plan_of(format('select id from public.distributions where platform_id = %L and external_id = %L',
                                  tests.fx('A', 'platform'), 'ext-h-1')) ~ 'Index.*idx_distributions_external',
  'a post is found by its platform and external id through idx_distributions_external');
select ok(pg_temp.plan_of('select id from public.distributions where status = ''draft''')
            ~ 'idx_distributions_status',
  'rows of an open status are read through idx_distributions_status');

-- A platform's in-flight rows (publish_budget, at each platform a claim takes) are counted through an index led
-- by platform_id, whatever the statistics say of publishing rows (taken here while none was publishing).
insert into distributions (client_id, content_type, platform_id, body, status, scheduled_for)
select tests.fx('B', 'client'), 'manual', tests.fx('B', 'platform'), 'f-' || n, 'scheduled',
       now() - interval '1 minute' + n * interval '1 second'
from generate_series(1, 50) n;
analyze distributions;
update distributions set status = 'publishing', attempt_id = private.uuid_v7(), attempt_started_at = now(),
  lease_expires_at = now() + interval '1 minute'
where body like 'f-%';
create temp table inflight as
select pg_temp.plan_of(format('select count(*) from public.distributions where platform_id = %L and status = %L',
                              tests.fx('A', 'platform'), 'publishing')) as plan;
select ok((select plan ~ 'idx_distributions_(leases|platform_open|external)' and plan !~ 'idx_distributions_status'
           from inflight),
  'a platform''s in-flight rows are counted through an index led by platform_id');

select * from finish();
rollback;
