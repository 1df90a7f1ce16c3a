-- cross_post_group_summary reads a rollup kept by triggers: one row per cross-post group with distributions, the
-- aggregate of its distributions as the view shows it, so a read is one index probe per group instead of
-- aggregating every post of the client. Kept as content_performance_rollups is (386_content_performance_rollups.sql):
-- a write recomputes the rows of the groups it touched, under transaction advisory locks on 256 buckets of group
-- ids taken in bucket order, each recomputation reading what the writers before it committed; a client's rows
-- stay together (written in client order, updated in place, joined on client_id too).

set check_function_bodies = false;

CREATE TABLE public.cross_post_group_rollups (
    cross_post_group_id uuid NOT NULL,
    client_id uuid NOT NULL,
    distributions bigint NOT NULL,
    published bigint NOT NULL,
    failed bigint NOT NULL,
    pending bigint NOT NULL,
    platforms text[],
    first_published_at timestamp with time zone,
    last_published_at timestamp with time zone,
    impressions bigint,
    engagements bigint,
    clicks bigint,
    conversions bigint,
    engagement_rate numeric,
    click_through_rate numeric
)
WITH (fillfactor='70');

COMMENT ON TABLE public.cross_post_group_rollups IS 'Rollup behind cross_post_group_summary: per cross-post group with distributions, the aggregate of its distributions (the view''s columns). Kept by triggers on distributions and platforms (names), never written by hand.';

ALTER TABLE ONLY public.cross_post_group_rollups
    ADD CONSTRAINT cross_post_group_rollups_pkey PRIMARY KEY (cross_post_group_id);

CREATE INDEX idx_cross_post_group_rollups_client ON public.cross_post_group_rollups USING btree (client_id);

ALTER TABLE public.cross_post_group_rollups ENABLE ROW LEVEL SECURITY;

CREATE POLICY cross_post_group_rollups_select ON public.cross_post_group_rollups FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.cross_post_group_rollups TO authenticated;
GRANT SELECT ON TABLE public.cross_post_group_rollups TO service_role;

ALTER TABLE ONLY public.cross_post_group_rollups
    ADD CONSTRAINT cross_post_group_rollups_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.cross_post_group_rollups
    ADD CONSTRAINT cross_post_group_rollups_group_fkey FOREIGN KEY (cross_post_group_id, client_id) REFERENCES public.cross_post_groups(id, client_id) ON UPDATE CASCADE ON DELETE CASCADE;

CREATE FUNCTION private.recompute_cross_post_groups(p_group_ids uuid[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_bucket integer;
begin
  if coalesce(cardinality(p_group_ids), 0) = 0 then
    return;
  end if;
  -- Bucket order: two writers of overlapping groups take their common buckets in the same order.
  for v_bucket in
    select distinct (hashtextextended(k::text, 0) & 255)::integer from unnest(p_group_ids) k where k is not null
    order by 1
  loop
    perform pg_advisory_xact_lock(hashtext('cross_post_group_rollups'), v_bucket);
  end loop;
  insert into public.cross_post_group_rollups (cross_post_group_id, client_id, distributions, published, failed,
    pending, platforms, first_published_at, last_published_at, impressions, engagements, clicks, conversions,
    engagement_rate, click_through_rate)
  select g.id, g.client_id,
    count(d.id),
    count(d.id) filter (where d.status = 'published'),
    count(d.id) filter (where d.status = 'failed'),
    count(d.id) filter (where d.status in ('draft', 'scheduled', 'publishing', 'unconfirmed')),
    array_agg(distinct p.name) filter (where p.name is not null),
    min(d.published_at),
    max(d.published_at),
    sum(d.impressions),
    sum(d.engagements),
    sum(d.clicks),
    sum(d.conversions),
    round(100.0 * sum(d.engagement_count) filter (where d.engagement_count is not null and d.engagement_base > 0)::numeric
          / nullif(sum(d.engagement_base) filter (where d.engagement_count is not null and d.engagement_base > 0), 0)::numeric, 4),
    round(100.0 * sum(d.clicks) filter (where d.clicks is not null and d.engagement_base > 0)::numeric
          / nullif(sum(d.engagement_base) filter (where d.clicks is not null and d.engagement_base > 0), 0)::numeric, 4)
  from public.cross_post_groups g
  join public.distributions d on d.cross_post_group_id = g.id
  left join public.platforms p on p.id = d.platform_id
  where g.id = any (p_group_ids)
  group by g.id, g.client_id
  on conflict (cross_post_group_id) do update set
    client_id = excluded.client_id,
    distributions = excluded.distributions,
    published = excluded.published,
    failed = excluded.failed,
    pending = excluded.pending,
    platforms = excluded.platforms,
    first_published_at = excluded.first_published_at,
    last_published_at = excluded.last_published_at,
    impressions = excluded.impressions,
    engagements = excluded.engagements,
    clicks = excluded.clicks,
    conversions = excluded.conversions,
    engagement_rate = excluded.engagement_rate,
    click_through_rate = excluded.click_through_rate;
  delete from public.cross_post_group_rollups r
  where r.cross_post_group_id = any (p_group_ids)
    and not exists (select 1 from public.distributions d where d.cross_post_group_id = r.cross_post_group_id);
end
$$;

COMMENT ON FUNCTION private.recompute_cross_post_groups(p_group_ids uuid[]) IS 'Recomputes the cross_post_group_rollups rows of the given groups from their distributions (under the groups'' bucket locks).';

REVOKE ALL ON FUNCTION private.recompute_cross_post_groups(p_group_ids uuid[]) FROM PUBLIC;

CREATE FUNCTION private.rebuild_cross_post_group_rollups() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform pg_advisory_xact_lock(hashtext('cross_post_group_rollups'), b) from generate_series(0, 255) b;
  delete from public.cross_post_group_rollups;
  insert into public.cross_post_group_rollups (cross_post_group_id, client_id, distributions, published, failed,
    pending, platforms, first_published_at, last_published_at, impressions, engagements, clicks, conversions,
    engagement_rate, click_through_rate)
  select g.id, g.client_id,
    count(d.id),
    count(d.id) filter (where d.status = 'published'),
    count(d.id) filter (where d.status = 'failed'),
    count(d.id) filter (where d.status in ('draft', 'scheduled', 'publishing', 'unconfirmed')),
    array_agg(distinct p.name) filter (where p.name is not null),
    min(d.published_at),
    max(d.published_at),
    sum(d.impressions),
    sum(d.engagements),
    sum(d.clicks),
    sum(d.conversions),
    round(100.0 * sum(d.engagement_count) filter (where d.engagement_count is not null and d.engagement_base > 0)::numeric
          / nullif(sum(d.engagement_base) filter (where d.engagement_count is not null and d.engagement_base > 0), 0)::numeric, 4),
    round(100.0 * sum(d.clicks) filter (where d.clicks is not null and d.engagement_base > 0)::numeric
          / nullif(sum(d.engagement_base) filter (where d.clicks is not null and d.engagement_base > 0), 0)::numeric, 4)
  from public.cross_post_groups g
  join public.distributions d on d.cross_post_group_id = g.id
  left join public.platforms p on p.id = d.platform_id
  group by g.id, g.client_id
  order by g.client_id, g.id;
end
$$;

COMMENT ON FUNCTION private.rebuild_cross_post_group_rollups() IS 'Rebuilds cross_post_group_rollups from the distributions.';

REVOKE ALL ON FUNCTION private.rebuild_cross_post_group_rollups() FROM PUBLIC;
GRANT ALL ON FUNCTION private.rebuild_cross_post_group_rollups() TO service_role;

CREATE FUNCTION private.rollup_distribution_groups() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_keys uuid[];
begin
  if tg_op = 'INSERT' then
    v_keys := array(select distinct n.cross_post_group_id from new_rows n where n.cross_post_group_id is not null);
  elsif tg_op = 'DELETE' then
    v_keys := array(select distinct o.cross_post_group_id from old_rows o where o.cross_post_group_id is not null);
  elsif not exists (select 1 from new_rows n where n.cross_post_group_id is not null)
        and not exists (select 1 from old_rows o where o.cross_post_group_id is not null) then
    return null; -- a statement of rows in no rollup (a publish batch of posts without one): nothing to pair up
  else
    -- Only the rows whose aggregated columns changed: leases, attempts and schedules leave the rollup alone, and
    -- so does a status change within one of the rollup's counts (published, failed, pending, or none: as
    -- private.recompute_cross_post_groups counts them; a claim, scheduled -> publishing, or a retry, publishing ->
    -- scheduled, stays pending).
    v_keys := array(
      select distinct k from old_rows o join new_rows n on n.id = o.id,
        lateral (values (o.cross_post_group_id), (n.cross_post_group_id)) x(k)
      where k is not null
        and (o.cross_post_group_id, o.platform_id,
             case when o.status = 'published' then 1 when o.status = 'failed' then 2
                  when o.status in ('draft', 'scheduled', 'publishing', 'unconfirmed') then 3 end,
             o.published_at, o.impressions, o.engagements, o.clicks, o.conversions, o.engagement_count,
             o.engagement_base)
            is distinct from
            (n.cross_post_group_id, n.platform_id,
             case when n.status = 'published' then 1 when n.status = 'failed' then 2
                  when n.status in ('draft', 'scheduled', 'publishing', 'unconfirmed') then 3 end,
             n.published_at, n.impressions, n.engagements, n.clicks, n.conversions, n.engagement_count,
             n.engagement_base));
  end if;
  perform private.recompute_cross_post_groups(v_keys);
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.rollup_distribution_groups() FROM PUBLIC;

CREATE FUNCTION private.rollup_platform_name_groups() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  -- A renamed platform changes the names in the rollup rows of the groups posted to it. Most updates of platforms
  -- rename none (the publish path's last_published_at, pauses, error counts): they end here.
  if not exists (select 1 from old_rows o join new_rows n on n.id = o.id where o.name is distinct from n.name) then
    return null;
  end if;
  perform private.recompute_cross_post_groups(array(
    select distinct d.cross_post_group_id
    from old_rows o join new_rows n on n.id = o.id
    join public.distributions d on d.platform_id = n.id
    where o.name is distinct from n.name and d.cross_post_group_id is not null));
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.rollup_platform_name_groups() FROM PUBLIC;

CREATE FUNCTION private.truncate_cross_post_group_rollups() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  delete from public.cross_post_group_rollups;
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.truncate_cross_post_group_rollups() FROM PUBLIC;

CREATE VIEW public.cross_post_group_summary WITH (security_invoker=true) AS
 SELECT g.id AS cross_post_group_id,
    g.client_id,
    g.name,
    g.status,
    g.timing_strategy,
    g.source_content_id,
    COALESCE(r.distributions, (0)::bigint) AS distributions,
    COALESCE(r.published, (0)::bigint) AS published,
    COALESCE(r.failed, (0)::bigint) AS failed,
    COALESCE(r.pending, (0)::bigint) AS pending,
    r.platforms,
    r.first_published_at,
    r.last_published_at,
    r.impressions,
    r.engagements,
    r.clicks,
    r.conversions,
    r.engagement_rate,
    r.click_through_rate
   FROM (cross_post_groups g
     LEFT JOIN cross_post_group_rollups r ON (((r.cross_post_group_id = g.id) AND (r.client_id = g.client_id))));

COMMENT ON VIEW public.cross_post_group_summary IS 'Per cross-post group: its posts by state, platforms, first/last publication, totals and pooled rates. Reads cross_post_group_rollups (kept by triggers on distributions): the rows of the aggregate over distributions.';

GRANT SELECT ON TABLE public.cross_post_group_summary TO authenticated;
GRANT SELECT ON TABLE public.cross_post_group_summary TO service_role;

CREATE TRIGGER distributions_group_rollup_delete AFTER DELETE ON public.distributions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_distribution_groups();

CREATE TRIGGER distributions_group_rollup_insert AFTER INSERT ON public.distributions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_distribution_groups();

CREATE TRIGGER distributions_group_rollup_truncate AFTER TRUNCATE ON public.distributions FOR EACH STATEMENT EXECUTE FUNCTION private.truncate_cross_post_group_rollups();

CREATE TRIGGER distributions_group_rollup_update AFTER UPDATE ON public.distributions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_distribution_groups();

CREATE TRIGGER platforms_group_rollup_name AFTER UPDATE ON public.platforms REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_platform_name_groups();
