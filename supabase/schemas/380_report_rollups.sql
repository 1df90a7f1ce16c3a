-- Conversion rollups: per platform, client and month, kept current by triggers so reports read little.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TYPE private.conversion_rollup_row AS (
	client_id uuid,
	platform_id uuid,
	published_at timestamp with time zone,
	clicks integer,
	conversions integer,
	conversion_value numeric
);

CREATE TABLE public.conversion_rollups (
    platform_id uuid NOT NULL,
    client_id uuid NOT NULL,
    month date NOT NULL,
    posts bigint DEFAULT 0 NOT NULL,
    clicks bigint DEFAULT 0 NOT NULL,
    posts_with_clicks bigint DEFAULT 0 NOT NULL,
    conversions bigint DEFAULT 0 NOT NULL,
    conversions_with_clicks bigint DEFAULT 0 NOT NULL,
    conversion_value numeric DEFAULT 0 NOT NULL
);

COMMENT ON TABLE public.conversion_rollups IS 'Rollup of published distributions per platform and month of publication (in the platform''s time zone) behind conversion_report_by_platform; kept by triggers on distributions (private.rollup_distribution_conversions), never written by hand. Rebuild: select private.rebuild_conversion_rollups().';

COMMENT ON COLUMN public.conversion_rollups.month IS 'First day of the month of published_at in the platform''s time zone.';

COMMENT ON COLUMN public.conversion_rollups.posts IS 'Published distributions of that platform and month.';

COMMENT ON COLUMN public.conversion_rollups.clicks IS 'Sum of their clicks where reported (null clicks skipped).';

COMMENT ON COLUMN public.conversion_rollups.posts_with_clicks IS 'How many of them reported clicks (0: the report''s clicks are null, not 0).';

COMMENT ON COLUMN public.conversion_rollups.conversions IS 'Sum of distributions.conversions.';

COMMENT ON COLUMN public.conversion_rollups.conversions_with_clicks IS 'Sum of conversions of the posts that reported clicks (the conversion rate''s numerator).';

COMMENT ON COLUMN public.conversion_rollups.conversion_value IS 'Sum of distributions.conversion_value.';

ALTER TABLE ONLY public.conversion_rollups
    ADD CONSTRAINT conversion_rollups_pkey PRIMARY KEY (platform_id, month);

CREATE INDEX idx_conversion_rollups_client ON public.conversion_rollups USING btree (client_id);

ALTER TABLE public.conversion_rollups ENABLE ROW LEVEL SECURITY;

CREATE POLICY conversion_rollups_select ON public.conversion_rollups FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.conversion_rollups TO authenticated;
GRANT SELECT ON TABLE public.conversion_rollups TO service_role;

ALTER TABLE ONLY public.conversion_rollups
    ADD CONSTRAINT conversion_rollups_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.conversion_rollups
    ADD CONSTRAINT conversion_rollups_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id) ON DELETE CASCADE;

CREATE FUNCTION private.apply_conversion_rollup_delta(p_old private.conversion_rollup_row[], p_new private.conversion_rollup_row[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  with added as (
    select * from unnest(p_new) except all select * from unnest(p_old)
  ), removed as (
    select * from unnest(p_old) except all select * from unnest(p_new)
  ), changes as (
    select 1 as sign, a.* from added a
    union all
    select -1, r.* from removed r
  ), delta as (
    select c.platform_id, c.client_id,
           date_trunc('month', c.published_at at time zone p.timezone)::date as month,
           sum(c.sign) as posts,
           coalesce(sum(c.sign * c.clicks), 0) as clicks,
           coalesce(sum(c.sign) filter (where c.clicks is not null), 0) as posts_with_clicks,
           sum(c.sign * c.conversions) as conversions,
           coalesce(sum(c.sign * c.conversions) filter (where c.clicks is not null), 0) as conversions_with_clicks,
           sum(c.sign * c.conversion_value) as conversion_value
    from changes c
    join public.platforms p on p.id = c.platform_id
    group by 1, 2, 3
  )
  insert into public.conversion_rollups as r (platform_id, client_id, month, posts, clicks, posts_with_clicks,
                                              conversions, conversions_with_clicks, conversion_value)
  select d.platform_id, d.client_id, d.month, d.posts, d.clicks, d.posts_with_clicks, d.conversions,
         d.conversions_with_clicks, d.conversion_value
  from delta d
  order by d.platform_id, d.month
  on conflict (platform_id, month) do update
    set posts = r.posts + excluded.posts,
        clicks = r.clicks + excluded.clicks,
        posts_with_clicks = r.posts_with_clicks + excluded.posts_with_clicks,
        conversions = r.conversions + excluded.conversions,
        conversions_with_clicks = r.conversions_with_clicks + excluded.conversions_with_clicks,
        conversion_value = r.conversion_value + excluded.conversion_value;

  delete from public.conversion_rollups r where r.posts <= 0
    and r.platform_id = any (array(select x.platform_id from unnest(p_old) x));
end
$$;

REVOKE ALL ON FUNCTION private.apply_conversion_rollup_delta(p_old private.conversion_rollup_row[], p_new private.conversion_rollup_row[]) FROM PUBLIC;

CREATE FUNCTION private.rebuild_conversion_rollups(p_platform_id uuid DEFAULT NULL::uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  delete from public.conversion_rollups r where p_platform_id is null or r.platform_id = p_platform_id;
  insert into public.conversion_rollups (platform_id, client_id, month, posts, clicks, posts_with_clicks,
                                         conversions, conversions_with_clicks, conversion_value)
  select p.id, p.client_id, date_trunc('month', d.published_at at time zone p.timezone)::date,
         count(*), coalesce(sum(d.clicks), 0), count(d.clicks), sum(d.conversions),
         coalesce(sum(d.conversions) filter (where d.clicks is not null), 0), sum(d.conversion_value)
  from public.distributions d
  join public.platforms p on p.id = d.platform_id
  where d.status = 'published' and (p_platform_id is null or d.platform_id = p_platform_id)
  group by 1, 2, 3
  order by 1, 3;
end
$$;

REVOKE ALL ON FUNCTION private.rebuild_conversion_rollups(p_platform_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION private.rebuild_conversion_rollups(p_platform_id uuid) TO service_role;

CREATE FUNCTION private.rollup_distribution_conversions() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_old private.conversion_rollup_row[] := '{}';
  v_new private.conversion_rollup_row[] := '{}';
begin
  if tg_op in ('UPDATE', 'DELETE') then
    v_old := array(select row(o.client_id, o.platform_id, o.published_at, o.clicks, o.conversions,
                              o.conversion_value)::private.conversion_rollup_row
                   from old_rows o where o.status = 'published');
  end if;
  if tg_op in ('UPDATE', 'INSERT') then
    v_new := array(select row(n.client_id, n.platform_id, n.published_at, n.clicks, n.conversions,
                              n.conversion_value)::private.conversion_rollup_row
                   from new_rows n where n.status = 'published');
  end if;
  if cardinality(v_old) > 0 or cardinality(v_new) > 0 then
    perform private.apply_conversion_rollup_delta(v_old, v_new);
  end if;
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.rollup_distribution_conversions() FROM PUBLIC;

CREATE FUNCTION private.rollup_platform_timezone() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform private.rebuild_conversion_rollups(new.id);
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.rollup_platform_timezone() FROM PUBLIC;

CREATE FUNCTION private.truncate_conversion_rollups() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  delete from public.conversion_rollups;
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.truncate_conversion_rollups() FROM PUBLIC;

CREATE VIEW public.conversion_report_by_platform WITH (security_invoker=true) AS
 SELECT p.id AS platform_id,
    p.client_id,
    p.name AS platform,
    p.kind,
    r.month,
    r.posts,
        CASE
            WHEN r.posts_with_clicks > 0 THEN r.clicks
            ELSE NULL::bigint
        END AS clicks,
    r.conversions,
    r.conversion_value,
    round(100.0 *
        CASE
            WHEN r.posts_with_clicks > 0 THEN r.conversions_with_clicks
            ELSE NULL::bigint
        END::numeric / NULLIF(
        CASE
            WHEN r.posts_with_clicks > 0 THEN r.clicks
            ELSE NULL::bigint
        END, 0)::numeric, 4) AS conversion_rate
   FROM conversion_rollups r
     JOIN platforms p ON p.id = r.platform_id
  WHERE r.posts > 0;

COMMENT ON VIEW public.conversion_report_by_platform IS 'Clicks -> conversions per platform and month of publication (in the platform''s time zone). Reads the conversion_rollups table (kept by triggers), not the distributions.';

GRANT SELECT ON TABLE public.conversion_report_by_platform TO authenticated;
GRANT SELECT ON TABLE public.conversion_report_by_platform TO service_role;

CREATE TRIGGER distributions_conversion_rollup_delete AFTER DELETE ON public.distributions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_distribution_conversions();

CREATE TRIGGER distributions_conversion_rollup_insert AFTER INSERT ON public.distributions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_distribution_conversions();

CREATE TRIGGER distributions_conversion_rollup_truncate AFTER TRUNCATE ON public.distributions FOR EACH STATEMENT EXECUTE FUNCTION private.truncate_conversion_rollups();

CREATE TRIGGER distributions_conversion_rollup_update AFTER UPDATE ON public.distributions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_distribution_conversions();

CREATE TRIGGER platforms_timezone_conversion_rollup AFTER UPDATE OF timezone ON public.platforms FOR EACH ROW WHEN ((old.timezone IS DISTINCT FROM new.timezone)) EXECUTE FUNCTION private.rollup_platform_timezone();
