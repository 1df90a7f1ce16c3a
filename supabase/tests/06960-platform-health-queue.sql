set client_min_messages = warning;
-- platform_health counts the queue with an index-only scan of (platform_id, status) and the due rows through the
-- due index, and sums the last 24 hours of metric reads in one pass. After every kind of write that moves a post
-- through the queue (inserts in each state, due by its time or by a retry time, leases, failures, publishing, deletes)
-- and metric reads, it returns exactly the rows of its previous definition (one count over the queue rows with a
-- filter per state, one sum of metric reads per platform), as the service role and under row-level security.
begin;
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
select plan(8);
select tests.create_two_clients();

-- The reference: the view as it was, one aggregate over each platform's queue rows.
create temp view reference_health with (security_invoker = true) as
 SELECT p.id AS platform_id,
    p.client_id,
    p.name AS platform,
    p.kind,
    p.is_active,
    p.last_published_at,
    p.last_metrics_sync_at,
    p.api_errors_24h,
    COALESCE(ms.failed, 0) AS metrics_errors_24h,
    COALESCE(ms.synced, 0) AS metrics_reads_24h,
    p.metrics_last_error,
    p.paused_until,
    p.pause_reason,
    p.metrics_paused_until,
    p.needs_reconnection,
    p.reconnection_reason,
    COALESCE(q.draft, 0) AS queue_draft,
    COALESCE(q.scheduled, 0) AS queue_scheduled,
    COALESCE(q.due_now, 0) AS queue_due_now,
    COALESCE(q.publishing, 0) AS queue_publishing,
    COALESCE(q.failed, 0) AS queue_failed,
    COALESCE(q.unconfirmed, 0) AS queue_unconfirmed,
    COALESCE(m.due, 0) AS metrics_due_now,
    hold.until AS limits_allow_at,
    hold.limit_name AS limited_by,
    private.publish_config_problem(p.publish_config, (p.kind)::text) AS config_problem
   FROM platforms p
     LEFT JOIN LATERAL ( SELECT sum(s.synced)::integer AS synced,
            sum(s.failed)::integer AS failed
           FROM metrics_sync_stats s
          WHERE s.platform_id = p.id AND s.hour > (now() - '24:00:00'::interval)) ms ON true
     LEFT JOIN LATERAL ( SELECT count(*) FILTER (WHERE d.status = 'draft')::integer AS draft,
            count(*) FILTER (WHERE d.status = 'scheduled')::integer AS scheduled,
            count(*) FILTER (WHERE d.status = 'scheduled' AND COALESCE(d.next_attempt_at, d.scheduled_for) <= now())::integer AS due_now,
            count(*) FILTER (WHERE d.status = 'publishing')::integer AS publishing,
            count(*) FILTER (WHERE d.status = 'failed')::integer AS failed,
            count(*) FILTER (WHERE d.status = 'unconfirmed')::integer AS unconfirmed
           FROM distributions d
          WHERE d.platform_id = p.id AND (d.status IN ('draft', 'scheduled', 'publishing', 'failed', 'unconfirmed'))) q ON true
     LEFT JOIN LATERAL ( SELECT count(*)::integer AS due
           FROM distributions d
          WHERE d.platform_id = p.id AND d.metrics_next_sync_at <= now()) m ON true
     LEFT JOIN LATERAL ( SELECT max(r.published_at) + make_interval(mins => p.min_interval_minutes) AS interval_until
           FROM distributions r
          WHERE r.platform_id = p.id AND r.status = 'published') li ON true
     LEFT JOIN LATERAL ( SELECT (array_agg(r.published_at ORDER BY r.published_at DESC) FILTER (WHERE p.posts_per_hour IS NOT NULL AND r.published_at > (now() - '01:00:00'::interval)))[p.posts_per_hour] + '01:00:00'::interval AS hour_until,
            (array_agg(r.published_at ORDER BY r.published_at DESC) FILTER (WHERE p.posts_per_day IS NOT NULL))[p.posts_per_day] + '24:00:00'::interval AS day_until
           FROM distributions r
          WHERE r.platform_id = p.id AND r.status = 'published' AND r.published_at > (now() - '24:00:00'::interval)) l ON true
     LEFT JOIN LATERAL ( SELECT h.until,
            h.limit_name
           FROM ( VALUES (l.day_until,format('posts_per_day (%s)'::text, p.posts_per_day),1), (l.hour_until,format('posts_per_hour (%s)'::text, p.posts_per_hour),2), (li.interval_until,format('min_interval_minutes (%s)'::text, p.min_interval_minutes),3)) h(until, limit_name, rank)
          WHERE h.until > now()
          ORDER BY h.until DESC, h.rank
         LIMIT 1) hold ON true;
grant select on reference_health to authenticated, service_role;

create function pg_temp.same(p_what text) returns setof text language sql as $$
  select bag_eq('select * from platform_health', 'select * from pg_temp.reference_health',
                'platform health: ' || p_what)
$$;
grant execute on function pg_temp.same(text) to authenticated, service_role;

insert into platforms (id, client_id, name, kind, posts_per_hour, posts_per_day, min_interval_minutes) values
  ('00000000-0000-4000-8000-0000000696a1', tests.fx('A', 'client'), 'X A', 'x', 3, 10, 5),
  ('00000000-0000-4000-8000-0000000696a2', tests.fx('A', 'client'), 'Mail A', 'email', null, null, 0),
  ('00000000-0000-4000-8000-0000000696b1', tests.fx('B', 'client'), 'X B', 'x', 2, null, 30);

-- 240 posts over the four platforms in every queue state and published; scheduled ones due by their time, by a
-- retry time earlier or later than it, or not yet; metrics due or not; metric reads over 31 hours (the view sums
-- the last 24) on every platform but one.
insert into distributions (client_id, platform_id, content_type, body, title, status, scheduled_for, next_attempt_at,
                           published_at, attempt_id, lease_expires_at, metrics_next_sync_at)
select c, pl, 'manual', 'x', 't' || i, st::public.distribution_status,
       now() + ((i % 7) - 3) * interval '1 hour' + i * interval '1 second',
       case when st = 'scheduled' and i % 5 = 0 then now() + ((i % 3) - 1) * interval '2 hours' end,
       case when st = 'published' then now() - (i % 50) * interval '37 minutes' end,
       case when st = 'publishing' then gen_random_uuid() end,
       case when st = 'publishing' then now() + interval '5 minutes' end,
       case when st = 'published' and i % 4 <> 0 then now() + ((i % 5) - 2) * interval '1 hour' end
from generate_series(1, 240) i,
     lateral (select case i % 4 when 0 then tests.fx('A', 'platform')
                                when 1 then '00000000-0000-4000-8000-0000000696a1'::uuid
                                when 2 then '00000000-0000-4000-8000-0000000696a2'::uuid
                                else '00000000-0000-4000-8000-0000000696b1'::uuid end as pl) p,
     lateral (select case when i % 4 = 3 then tests.fx('B', 'client') else tests.fx('A', 'client') end as c,
                     case i % 9 when 0 then 'draft' when 1 then 'scheduled' when 2 then 'scheduled'
                                when 3 then 'publishing' when 4 then 'failed' when 5 then 'unconfirmed'
                                when 6 then 'cancelled' else 'published' end as st) y;
insert into metrics_sync_stats (platform_id, client_id, hour, synced, failed)
select p.id, p.client_id, date_bin('1 hour', now(), '2000-01-01') - h * interval '1 hour', 5 + h, h % 2
from platforms p, generate_series(0, 30) h
where p.id <> '00000000-0000-4000-8000-0000000696a2';  -- one platform never read

select cmp_ok((select sum(queue_due_now)::int from platform_health), '>', 0, 'some posts are due');
select pg_temp.same('after inserts in every state');

-- Retries move due times both ways; leases are taken; posts fail, publish and are cancelled.
update distributions set next_attempt_at = now() + interval '3 hours' where status = 'scheduled' and title like '%1';
update distributions set next_attempt_at = now() - interval '1 minute' where status = 'scheduled' and title like '%6';
update distributions set status = 'publishing', attempt_id = gen_random_uuid(),
                         lease_expires_at = now() + interval '5 minutes'
where status = 'scheduled' and title like '%2';
update distributions set status = 'failed', error_message = 'x' where status = 'publishing' and title like '%3';
update distributions set status = 'published', published_at = now() - interval '1 minute'
where status = 'publishing' and title like '%4';
update distributions set status = 'scheduled', retry_count = 1,
                         scheduled_for = now() - substr(title, 2)::int * interval '1 minute'
where status = 'failed' and title like '%5';
select pg_temp.same('after retries, leases, failures and publishing');

-- Deletes of posts in each state.
delete from distributions where title like '%7' or title like '%8';
select pg_temp.same('after deletes');

-- Row-level security.
select tests.authenticate_as(tests.get_user_id('viewer_a@test.local'));
select pg_temp.same('as a member of A (row-level security)');
select is(array(select distinct client_id from platform_health), array[tests.fx('A', 'client')],
  'a member of A sees only A''s platforms');
select tests.clear_authentication();
select tests.authenticate_as(tests.get_user_id('owner_b@test.local'));
select pg_temp.same('as a member of B (row-level security)');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select pg_temp.same('as the service role');
select tests.clear_authentication();

select * from finish();
rollback;
