-- content_performance and cross_post_group_summary for one client (md5('c1')) against the plain aggregates their
-- rollups replace, alternated :rounds times in one session (so both see the same load), as a member of the client
-- (row-level security on) and as the service role; median ms of each. Needs bench/reports/time.sql's bench.time_ms.
--   psql -v rounds=9 -f bench/reports/per-post.sql   (on the data bench/reports/run.sh made)
\set ON_ERROR_STOP 1
\pset footer off
create temp table pp (role text, name text, ms numeric);
grant all on pp to authenticated, service_role;
create function pg_temp.alternate(p_role text, p_rounds int) returns void language plpgsql as $$
declare
  c uuid := md5('c1')::uuid;
  q record;
begin
  if p_role = 'member' then
    perform set_config('request.jwt.claims', json_build_object('sub', md5('u1')::uuid, 'role', 'authenticated')::text, true);
    execute 'set local role authenticated';
  else
    perform set_config('request.jwt.claims', json_build_object('role', 'service_role')::text, true);
    execute 'set local role service_role';
  end if;
  for i in 1 .. p_rounds loop
    for q in
      select * from (values
        ('content_performance', format('select * from content_performance where client_id = %L', c)),
        ('content_performance plain', format('select c.id, c.client_id, c.title, c.status, c.content_type, count(d.id), count(d.id) filter (where d.status = ''published''), array_agg(distinct p.name) filter (where d.status = ''published''), min(d.published_at), sum(d.impressions), sum(d.video_views), sum(d.engagements), sum(d.clicks), sum(d.conversions), sum(d.conversion_value), round(avg(d.engagement_rate), 2), round(100.0 * sum(d.engagement_count) filter (where d.engagement_count is not null and d.engagement_base > 0)::numeric / nullif(sum(d.engagement_base) filter (where d.engagement_count is not null and d.engagement_base > 0), 0)::numeric, 4), (array_agg(p.name order by d.engagement_rate desc) filter (where d.engagement_rate is not null))[1], max(d.engagement_rate) from generated_content c left join distributions d on d.content_id = c.id left join platforms p on p.id = d.platform_id where c.client_id = %L group by c.id, c.client_id', c)),
        ('cross_post_group_summary', format('select * from cross_post_group_summary where client_id = %L', c)),
        ('cross_post_group_summary plain', format('select g.id, g.client_id, g.name, g.status, g.timing_strategy, g.source_content_id, count(d.id), count(d.id) filter (where d.status = ''published''), count(d.id) filter (where d.status = ''failed''), count(d.id) filter (where d.status in (''draft'', ''scheduled'', ''publishing'', ''unconfirmed'')), array_agg(distinct p.name) filter (where p.name is not null), min(d.published_at), max(d.published_at), sum(d.impressions), sum(d.engagements), sum(d.clicks), sum(d.conversions), round(100.0 * sum(d.engagement_count) filter (where d.engagement_count is not null and d.engagement_base > 0)::numeric / nullif(sum(d.engagement_base) filter (where d.engagement_count is not null and d.engagement_base > 0), 0)::numeric, 4), round(100.0 * sum(d.clicks) filter (where d.clicks is not null and d.engagement_base > 0)::numeric / nullif(sum(d.engagement_base) filter (where d.clicks is not null and d.engagement_base > 0), 0)::numeric, 4) from cross_post_groups g left join distributions d on d.cross_post_group_id = g.id left join platforms p on p.id = d.platform_id where g.client_id = %L group by g.id, g.client_id', c))
      ) v(name, sql)
    loop
      insert into pp values (p_role, q.name, bench.time_ms(q.sql, 1));
    end loop;
  end loop;
  execute 'reset role';
end $$;
begin;
select pg_temp.alternate('member', :rounds) \gset
select pg_temp.alternate('service_role', :rounds) \gset
commit;
select role, name, round(percentile_cont(0.5) within group (order by ms)::numeric, 1) as median_ms,
       min(ms) as min_ms, max(ms) as max_ms, count(*) as runs
from pp group by role, name order by role, name;
