set client_min_messages = warning;
-- One index holds a platform's open rows (idx_distributions_platform_open): the claim's update (scheduled ->
-- publishing) enters it and no second index of open rows led by platform_id, and the queue depth and the slots
-- taken are read from it. (The failed rows and the hand-off window are read from it too once many platforms
-- hold such rows; a test's few are read as cheaply from the indexes of every platform's failed or scheduled
-- rows: bench/history/readers.sql shows those plans at scale.)
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(8);
select tests.create_two_clients();

select has_index('public', 'distributions', 'idx_distributions_platform_open', 'distributions has idx_distributions_platform_open');

update platforms set posts_per_hour = null, posts_per_day = null, min_interval_minutes = 0
  where id = tests.fx('A', 'platform');
insert into distributions (client_id, content_type, platform_id, body, status, scheduled_for)
select tests.fx('A', 'client'), 'manual', tests.fx('A', 'platform'), 'o-' || n, 'scheduled',
       now() - interval '1 minute' + n * interval '1 second'
from generate_series(1, 3) n;
create temp table claimed as select * from private.claim_due_distributions(10, 60);
select is((select count(*)::int from claimed), 3, 'the three due rows are claimed');

-- The indexes led by platform_id that a claimed (publishing) row is in.
create function pg_temp.platform_indexes_holding(p_id uuid) returns text[] language plpgsql as $$
declare
  v_index record;
  v_in boolean;
  v_names text[] := '{}';
begin
  for v_index in
    select c.relname, pg_get_expr(i.indpred, i.indrelid) as pred
    from pg_index i join pg_class c on c.oid = i.indexrelid
    where i.indrelid = 'public.distributions'::regclass
      and (select a.attname from pg_attribute a where a.attrelid = i.indrelid and a.attnum = i.indkey[0]) = 'platform_id'
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
select is(pg_temp.platform_indexes_holding((select id from claimed limit 1)),
  array['idx_distributions_external', 'idx_distributions_leases', 'idx_distributions_platform_open'],
  'a claimed row is in three indexes led by platform_id: every row''s, the leases'' and the open rows''');

-- A platform's rows of every open status, and a published one.
insert into distributions (client_id, content_type, platform_id, body, status, scheduled_for, approval_requested_at,
  published_at)
select tests.fx('A', 'client'), 'manual', tests.fx('A', 'platform'), 's-' || s, s::distribution_status,
       case when s <> 'draft' then now() + interval '2 days' + n * interval '1 hour' end,
       case when s = 'pending_approval' then now() end,
       case when s = 'published' then now() - interval '1 hour' end
from (values (1, 'draft'), (2, 'scheduled'), (3, 'unconfirmed'), (4, 'pending_approval'), (5, 'published'))
  as v (n, s);
insert into distributions (client_id, content_type, platform_id, body, status, scheduled_for)
values (tests.fx('A', 'client'), 'manual', tests.fx('A', 'platform'), 's-failed', 'failed', now() + interval '2 days');

select is((select array[queue_draft, queue_scheduled, queue_publishing, queue_failed, queue_unconfirmed]
           from platform_health where platform_id = tests.fx('A', 'platform')),
  array[1, 1, 3, 1, 1],
  'platform_health counts the platform''s queue by status (pending_approval is not in the queue)');
select is(array(select t from scheduling.platform_posts(tests.fx('A', 'platform'), now() + interval '1 day',
                                                        now() + interval '3 days') t order by t),
  array(select scheduled_for from distributions
        where body in ('s-scheduled', 's-unconfirmed', 's-pending_approval') order by scheduled_for),
  'the slots taken are the scheduled, unconfirmed and waiting-for-approval rows (not the failed one)');

-- The plans, with a history of published rows on the platform: each reader reads the open rows' index, not
-- every row of the platform. (Sequential scans off: the table is still small. Whether a scan is index-only
-- depends on the visibility map, which this transaction's rows are not in yet.)
insert into distributions (client_id, content_type, platform_id, body, status, scheduled_for, published_at,
  external_id)
select tests.fx('A', 'client'), 'manual', tests.fx('A', 'platform'), 'h-' || n, 'published',
       now() - n * interval '1 hour', now() - n * interval '1 hour', 'h-' || n
from generate_series(1, 5000) n;
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
analyze distributions;

select matches(pg_temp.plan_of(format(
    'select * from public.platform_health where platform_id = %L', tests.fx('A', 'platform')))
   , 'Index (Only )?Scan using idx_distributions_platform_open',
  'platform_health counts the queue from idx_distributions_platform_open');
select matches(pg_temp.plan_of(format(
    'select d.scheduled_for from public.distributions d where d.platform_id = %L and d.status in '
    || '(''scheduled'', ''publishing'', ''unconfirmed'', ''pending_approval'') and d.scheduled_for > now() '
    || 'and d.scheduled_for < now() + interval ''7 days'' and d.id is distinct from null::uuid',
    tests.fx('A', 'platform'))), 'idx_distributions_platform_open',
  'scheduling.platform_posts reads the slots taken through idx_distributions_platform_open');
select matches(pg_temp.plan_of(format(
    'select count(*) from public.distributions d where d.platform_id = %L and d.status = ''scheduled''',
    tests.fx('A', 'platform'))), 'idx_distributions_(platform_open|due)',
  'the rows a platform has waiting are counted through a partial index led by platform_id');
select * from finish();
rollback;
