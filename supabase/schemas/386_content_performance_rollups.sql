-- content_performance reads a rollup kept by triggers: one row per piece of content with distributions, the
-- aggregate of its distributions as the view shows it, so a read is one index probe per content instead of
-- aggregating every post of the client.
--
-- The rollup is not a sum of deltas: the platforms, first publication and best platform are not additive. A write
-- recomputes the rows of the contents it touched from their distributions (a few posts each). Writers of the same
-- contents are serialised by transaction advisory locks on 256 buckets of content ids, taken in bucket order; each
-- recomputation then reads what the writers before it committed (read committed: a new snapshot per statement).
--
-- A client's rows stay together: the rebuild writes them in client order, a recomputation updates them in place
-- (fillfactor 70 leaves room for heap-only updates) and the view joins on client_id too, so one client's report
-- reads its rollup rows from a few pages through the client index instead of one page per content.

set check_function_bodies = false;

CREATE TABLE public.content_performance_rollups (
    content_id uuid NOT NULL,
    client_id uuid NOT NULL,
    distributions bigint NOT NULL,
    published bigint NOT NULL,
    platforms text[],
    first_published_at timestamp with time zone,
    impressions bigint,
    video_views bigint,
    engagements bigint,
    clicks bigint,
    conversions bigint,
    conversion_value numeric,
    avg_engagement_rate numeric,
    engagement_rate numeric,
    best_platform text,
    best_engagement_rate numeric
)
WITH (fillfactor='70');

COMMENT ON TABLE public.content_performance_rollups IS 'Rollup behind content_performance: per generated_content row with distributions, the aggregate of its distributions (the view''s columns). Kept by triggers on distributions and platforms (names), never written by hand.';

ALTER TABLE ONLY public.content_performance_rollups
    ADD CONSTRAINT content_performance_rollups_pkey PRIMARY KEY (content_id);

CREATE INDEX idx_content_performance_rollups_client ON public.content_performance_rollups USING btree (client_id);

ALTER TABLE public.content_performance_rollups ENABLE ROW LEVEL SECURITY;

CREATE POLICY content_performance_rollups_select ON public.content_performance_rollups FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.content_performance_rollups TO authenticated;
GRANT SELECT ON TABLE public.content_performance_rollups TO service_role;

ALTER TABLE ONLY public.content_performance_rollups
    ADD CONSTRAINT content_performance_rollups_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.content_performance_rollups
    ADD CONSTRAINT content_performance_rollups_content_fkey FOREIGN KEY (content_id, client_id) REFERENCES public.generated_content(id, client_id) ON UPDATE CASCADE ON DELETE CASCADE;

CREATE FUNCTION private.recompute_content_performance(p_content_ids uuid[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_bucket integer;
begin
  if coalesce(cardinality(p_content_ids), 0) = 0 then
    return;
  end if;
  -- Bucket order: two writers of overlapping contents take their common buckets in the same order.
  for v_bucket in
    select distinct (hashtextextended(k::text, 0) & 255)::integer from unnest(p_content_ids) k where k is not null
    order by 1
  loop
    perform pg_advisory_xact_lock(hashtext('content_performance_rollups'), v_bucket);
  end loop;
  insert into public.content_performance_rollups (content_id, client_id, distributions, published, platforms,
    first_published_at, impressions, video_views, engagements, clicks, conversions, conversion_value,
    avg_engagement_rate, engagement_rate, best_platform, best_engagement_rate)
  select c.id, c.client_id,
    count(d.id),
    count(d.id) filter (where d.status = 'published'),
    array_agg(distinct p.name) filter (where d.status = 'published'),
    min(d.published_at),
    sum(d.impressions),
    sum(d.video_views),
    sum(d.engagements),
    sum(d.clicks),
    sum(d.conversions),
    sum(d.conversion_value),
    round(avg(d.engagement_rate), 2),
    round(100.0 * sum(d.engagement_count) filter (where d.engagement_count is not null and d.engagement_base > 0)::numeric
          / nullif(sum(d.engagement_base) filter (where d.engagement_count is not null and d.engagement_base > 0), 0)::numeric, 4),
    (array_agg(p.name order by d.engagement_rate desc) filter (where d.engagement_rate is not null))[1],
    max(d.engagement_rate)
  from public.generated_content c
  join public.distributions d on d.content_id = c.id
  left join public.platforms p on p.id = d.platform_id
  where c.id = any (p_content_ids)
  group by c.id, c.client_id
  on conflict (content_id) do update set
    client_id = excluded.client_id,
    distributions = excluded.distributions,
    published = excluded.published,
    platforms = excluded.platforms,
    first_published_at = excluded.first_published_at,
    impressions = excluded.impressions,
    video_views = excluded.video_views,
    engagements = excluded.engagements,
    clicks = excluded.clicks,
    conversions = excluded.conversions,
    conversion_value = excluded.conversion_value,
    avg_engagement_rate = excluded.avg_engagement_rate,
    engagement_rate = excluded.engagement_rate,
    best_platform = excluded.best_platform,
    best_engagement_rate = excluded.best_engagement_rate;
  delete from public.content_performance_rollups r
  where r.content_id = any (p_content_ids)
    and not exists (select 1 from public.distributions d where d.content_id = r.content_id);
end
$$;

COMMENT ON FUNCTION private.recompute_content_performance(p_content_ids uuid[]) IS 'Recomputes the content_performance_rollups rows of the given contents from their distributions (under the contents'' bucket locks).';

REVOKE ALL ON FUNCTION private.recompute_content_performance(p_content_ids uuid[]) FROM PUBLIC;

CREATE FUNCTION private.rebuild_content_performance_rollups() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform pg_advisory_xact_lock(hashtext('content_performance_rollups'), b) from generate_series(0, 255) b;
  delete from public.content_performance_rollups;
  insert into public.content_performance_rollups (content_id, client_id, distributions, published, platforms,
    first_published_at, impressions, video_views, engagements, clicks, conversions, conversion_value,
    avg_engagement_rate, engagement_rate, best_platform, best_engagement_rate)
  select c.id, c.client_id,
    count(d.id),
    count(d.id) filter (where d.status = 'published'),
    array_agg(distinct p.name) filter (where d.status = 'published'),
    min(d.published_at),
    sum(d.impressions),
    sum(d.video_views),
    sum(d.engagements),
    sum(d.clicks),
    sum(d.conversions),
    sum(d.conversion_value),
    round(avg(d.engagement_rate), 2),
    round(100.0 * sum(d.engagement_count) filter (where d.engagement_count is not null and d.engagement_base > 0)::numeric
          / nullif(sum(d.engagement_base) filter (where d.engagement_count is not null and d.engagement_base > 0), 0)::numeric, 4),
    (array_agg(p.name order by d.engagement_rate desc) filter (where d.engagement_rate is not null))[1],
    max(d.engagement_rate)
  from public.generated_content c
  join public.distributions d on d.content_id = c.id
  left join public.platforms p on p.id = d.platform_id
  group by c.id, c.client_id
  order by c.client_id, c.id;
end
$$;

COMMENT ON FUNCTION private.rebuild_content_performance_rollups() IS 'Rebuilds content_performance_rollups from the distributions.';

REVOKE ALL ON FUNCTION private.rebuild_content_performance_rollups() FROM PUBLIC;
GRANT ALL ON FUNCTION private.rebuild_content_performance_rollups() TO service_role;

CREATE FUNCTION private.rollup_distribution_contents() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_keys uuid[];
begin
  if tg_op = 'INSERT' then
    v_keys := array(select distinct n.content_id from new_rows n where n.content_id is not null);
  elsif tg_op = 'DELETE' then
    v_keys := array(select distinct o.content_id from old_rows o where o.content_id is not null);
  elsif not exists (select 1 from new_rows n where n.content_id is not null)
        and not exists (select 1 from old_rows o where o.content_id is not null) then
    return null; -- a statement of rows in no rollup (a publish batch of posts without one): nothing to pair up
  else
    -- Only the rows whose aggregated columns changed: leases, attempts and schedules leave the rollup alone, and
    -- so does a status change that keeps a row published or not (the rollup reads status only as status =
    -- 'published': a claim, scheduled -> publishing, or a retry, publishing -> scheduled, changes nothing).
    v_keys := array(
      select distinct k from old_rows o join new_rows n on n.id = o.id,
        lateral (values (o.content_id), (n.content_id)) x(k)
      where k is not null
        and (o.content_id, o.platform_id, o.status = 'published', o.published_at, o.impressions, o.video_views, o.engagements,
             o.clicks, o.conversions, o.conversion_value, o.engagement_rate, o.engagement_count, o.engagement_base)
            is distinct from
            (n.content_id, n.platform_id, n.status = 'published', n.published_at, n.impressions, n.video_views, n.engagements,
             n.clicks, n.conversions, n.conversion_value, n.engagement_rate, n.engagement_count, n.engagement_base));
  end if;
  perform private.recompute_content_performance(v_keys);
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.rollup_distribution_contents() FROM PUBLIC;

CREATE FUNCTION private.rollup_platform_name_contents() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  -- A renamed platform changes the names in the rollup rows of the contents posted to it. Most updates of
  -- platforms rename none (the publish path's last_published_at, pauses, error counts): they end here.
  if not exists (select 1 from old_rows o join new_rows n on n.id = o.id where o.name is distinct from n.name) then
    return null;
  end if;
  perform private.recompute_content_performance(array(
    select distinct d.content_id
    from old_rows o join new_rows n on n.id = o.id
    join public.distributions d on d.platform_id = n.id
    where o.name is distinct from n.name and d.content_id is not null));
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.rollup_platform_name_contents() FROM PUBLIC;

CREATE FUNCTION private.truncate_content_performance_rollups() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  delete from public.content_performance_rollups;
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.truncate_content_performance_rollups() FROM PUBLIC;

CREATE VIEW public.content_performance WITH (security_invoker=true) AS
 SELECT c.id AS content_id,
    c.client_id,
    c.title,
    c.status,
    c.content_type,
    COALESCE(r.distributions, (0)::bigint) AS distributions,
    COALESCE(r.published, (0)::bigint) AS published,
    r.platforms,
    r.first_published_at,
    r.impressions,
    r.video_views,
    r.engagements,
    r.clicks,
    r.conversions,
    r.conversion_value,
    r.avg_engagement_rate,
    r.engagement_rate,
    r.best_platform,
    r.best_engagement_rate
   FROM (generated_content c
     LEFT JOIN content_performance_rollups r ON (((r.content_id = c.id) AND (r.client_id = c.client_id))));

COMMENT ON VIEW public.content_performance IS 'Per piece of content, across every platform it went to: posts, totals, average and pooled engagement rate, and the platform where it engaged best. Reads content_performance_rollups (kept by triggers on distributions): the rows of the aggregate over distributions.';

GRANT SELECT ON TABLE public.content_performance TO authenticated;
GRANT SELECT ON TABLE public.content_performance TO service_role;

CREATE TRIGGER distributions_content_rollup_delete AFTER DELETE ON public.distributions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_distribution_contents();

CREATE TRIGGER distributions_content_rollup_insert AFTER INSERT ON public.distributions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_distribution_contents();

CREATE TRIGGER distributions_content_rollup_truncate AFTER TRUNCATE ON public.distributions FOR EACH STATEMENT EXECUTE FUNCTION private.truncate_content_performance_rollups();

CREATE TRIGGER distributions_content_rollup_update AFTER UPDATE ON public.distributions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_distribution_contents();

CREATE TRIGGER platforms_content_rollup_name AFTER UPDATE ON public.platforms REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_platform_name_contents();
