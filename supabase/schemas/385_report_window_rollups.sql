-- Report rollups for the seed's windowed reports and pattern lift: small tables kept exact by triggers, so the
-- views read a few rows per platform (or pattern) instead of aggregating distributions or pattern_feedback.
--
-- A windowed report ("last 30 days") reads the rollup of the published posts with published_at after the rollup's
-- start (private.report_windows.since), corrected by the posts between that start and the window's start
-- (now() - length): subtracted when the rollup starts earlier, added when it starts later. The result is the plain
-- query's, whatever the start; private.advance_report_windows (hourly) moves each start up to now() - length, so
-- the correction reads about an hour of posts.
--
-- pattern_lift also reports lift in each client's own objective (clients.optimize_for), counted as the learner
-- counts it: per feedback row the events are the engagement count, the clicks (both from the metrics) or the
-- post's attributed conversions, over its engagement_base. Its rollup keeps the sums of all three objectives, so a
-- client changing optimize_for writes nothing here: the view picks the sums of the client's objective.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TYPE private.report_window_row AS (
	client_id uuid,
	platform_id uuid,
	published_at timestamp with time zone,
	timezone text,
	impressions integer,
	engagement_rate numeric,
	click_through_rate numeric,
	clicks integer
);

CREATE TYPE private.pattern_lift_row AS (
	pattern_id uuid,
	pattern_applied boolean,
	engagement_rate numeric,
	engagement_base integer,
	engagement_count integer,
	clicks integer,
	conversions integer
);

CREATE TABLE private.report_windows (
    report text NOT NULL,
    length interval NOT NULL,
    since timestamp with time zone DEFAULT now() NOT NULL
);

COMMENT ON TABLE private.report_windows IS 'The windowed report rollups and where each starts: its rollup holds the published posts with published_at > since; its view covers published_at > now() - length and corrects for the posts in between. Moved by private.advance_report_windows, reset by private.rebuild_report_window_rollups.';

ALTER TABLE ONLY private.report_windows
    ADD CONSTRAINT report_windows_pkey PRIMARY KEY (report);

INSERT INTO private.report_windows (report, length) VALUES
  ('distribution_performance_by_platform', '30 days'),
  ('best_performing_times', '90 days');

CREATE TABLE public.performance_window_rollups (
    platform_id uuid NOT NULL,
    client_id uuid NOT NULL,
    posts bigint DEFAULT 0 NOT NULL,
    impressions bigint DEFAULT 0 NOT NULL,
    impressions_n bigint DEFAULT 0 NOT NULL,
    engagement_rate_sum numeric DEFAULT 0 NOT NULL,
    engagement_rate_n bigint DEFAULT 0 NOT NULL,
    click_through_rate_sum numeric DEFAULT 0 NOT NULL,
    click_through_rate_n bigint DEFAULT 0 NOT NULL,
    clicks bigint DEFAULT 0 NOT NULL,
    clicks_n bigint DEFAULT 0 NOT NULL
);

COMMENT ON TABLE public.performance_window_rollups IS 'Rollup behind distribution_performance_by_platform: per platform, the published distributions with published_at after the window rollup''s start (private.report_windows); each metric''s sum and how many posts reported it (null metrics are skipped, as avg and sum skip them). Kept by triggers on distributions, never written by hand.';

ALTER TABLE ONLY public.performance_window_rollups
    ADD CONSTRAINT performance_window_rollups_pkey PRIMARY KEY (platform_id);

CREATE INDEX idx_performance_window_rollups_client ON public.performance_window_rollups USING btree (client_id);

ALTER TABLE public.performance_window_rollups ENABLE ROW LEVEL SECURITY;

CREATE POLICY performance_window_rollups_select ON public.performance_window_rollups FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.performance_window_rollups TO authenticated;
GRANT SELECT ON TABLE public.performance_window_rollups TO service_role;

ALTER TABLE ONLY public.performance_window_rollups
    ADD CONSTRAINT performance_window_rollups_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.performance_window_rollups
    ADD CONSTRAINT performance_window_rollups_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id) ON DELETE CASCADE;

CREATE TABLE public.best_time_rollups (
    platform_id uuid NOT NULL,
    day_of_week smallint NOT NULL,
    hour smallint NOT NULL,
    client_id uuid NOT NULL,
    posts bigint DEFAULT 0 NOT NULL,
    engagement_rate_sum numeric DEFAULT 0 NOT NULL
);

COMMENT ON TABLE public.best_time_rollups IS 'Rollup behind best_performing_times: per platform, day of week (0 = Sunday) and hour of publication in the distribution''s own time zone, the published distributions with an engagement rate and published_at after the window rollup''s start (private.report_windows), and the sum of their rates. Kept by triggers on distributions, never written by hand.';

ALTER TABLE ONLY public.best_time_rollups
    ADD CONSTRAINT best_time_rollups_pkey PRIMARY KEY (platform_id, day_of_week, hour);

CREATE INDEX idx_best_time_rollups_client ON public.best_time_rollups USING btree (client_id);

ALTER TABLE public.best_time_rollups ENABLE ROW LEVEL SECURITY;

CREATE POLICY best_time_rollups_select ON public.best_time_rollups FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.best_time_rollups TO authenticated;
GRANT SELECT ON TABLE public.best_time_rollups TO service_role;

ALTER TABLE ONLY public.best_time_rollups
    ADD CONSTRAINT best_time_rollups_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.best_time_rollups
    ADD CONSTRAINT best_time_rollups_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id) ON DELETE CASCADE;

CREATE TABLE public.pattern_lift_rollups (
    pattern_id uuid NOT NULL,
    client_id uuid NOT NULL,
    posts_applied bigint DEFAULT 0 NOT NULL,
    posts_not_applied bigint DEFAULT 0 NOT NULL,
    rate_sum_applied numeric DEFAULT 0 NOT NULL,
    rate_n_applied bigint DEFAULT 0 NOT NULL,
    rate_sum_not_applied numeric DEFAULT 0 NOT NULL,
    rate_n_not_applied bigint DEFAULT 0 NOT NULL,
    count_applied bigint DEFAULT 0 NOT NULL,
    base_applied bigint DEFAULT 0 NOT NULL,
    counted_applied bigint DEFAULT 0 NOT NULL,
    count_not_applied bigint DEFAULT 0 NOT NULL,
    base_not_applied bigint DEFAULT 0 NOT NULL,
    counted_not_applied bigint DEFAULT 0 NOT NULL,
    clicks_count_applied bigint DEFAULT 0 NOT NULL,
    clicks_base_applied bigint DEFAULT 0 NOT NULL,
    clicks_counted_applied bigint DEFAULT 0 NOT NULL,
    clicks_count_not_applied bigint DEFAULT 0 NOT NULL,
    clicks_base_not_applied bigint DEFAULT 0 NOT NULL,
    clicks_counted_not_applied bigint DEFAULT 0 NOT NULL,
    conversions_count_applied bigint DEFAULT 0 NOT NULL,
    conversions_base_applied bigint DEFAULT 0 NOT NULL,
    conversions_counted_applied bigint DEFAULT 0 NOT NULL,
    conversions_count_not_applied bigint DEFAULT 0 NOT NULL,
    conversions_base_not_applied bigint DEFAULT 0 NOT NULL,
    conversions_counted_not_applied bigint DEFAULT 0 NOT NULL
);

COMMENT ON TABLE public.pattern_lift_rollups IS 'Rollup behind pattern_lift: per platform pattern, its pattern_feedback rows applied and not applied: posts, the sum and number of engagement rates, and over the rows with engagement_base > 0 and an engagement_count the sums of engagement_count and engagement_base and how many rows (counted_*); the same for clicks (clicks_*) and conversions (conversions_*), the other objectives a client may optimise for. Kept by triggers on pattern_feedback, never written by hand.';

ALTER TABLE ONLY public.pattern_lift_rollups
    ADD CONSTRAINT pattern_lift_rollups_pkey PRIMARY KEY (pattern_id);

CREATE INDEX idx_pattern_lift_rollups_client ON public.pattern_lift_rollups USING btree (client_id);

ALTER TABLE public.pattern_lift_rollups ENABLE ROW LEVEL SECURITY;

CREATE POLICY pattern_lift_rollups_select ON public.pattern_lift_rollups FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.pattern_lift_rollups TO authenticated;
GRANT SELECT ON TABLE public.pattern_lift_rollups TO service_role;

ALTER TABLE ONLY public.pattern_lift_rollups
    ADD CONSTRAINT pattern_lift_rollups_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.pattern_lift_rollups
    ADD CONSTRAINT pattern_lift_rollups_pattern_fkey FOREIGN KEY (pattern_id, client_id) REFERENCES public.platform_patterns(id, client_id) ON DELETE CASCADE;

CREATE FUNCTION private.report_window_since(p_report text) RETURNS timestamp with time zone
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select w.since from private.report_windows w where w.report = p_report
$$;

COMMENT ON FUNCTION private.report_window_since(p_report text) IS 'Where the rollup of a windowed report starts (its view corrects from there to its window''s start).';

REVOKE ALL ON FUNCTION private.report_window_since(p_report text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.report_window_since(p_report text) TO authenticated;
GRANT ALL ON FUNCTION private.report_window_since(p_report text) TO service_role;

CREATE FUNCTION private.apply_report_window_delta(p_old private.report_window_row[], p_new private.report_window_row[], p_performance_since timestamp with time zone, p_best_time_since timestamp with time zone) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_changed bigint;
begin
  -- Rows in both lists cancel out; what is left is added (p_new) or taken away (p_old) in each rollup whose start
  -- the row's published_at is after (a null start leaves that rollup alone). Posts of a platform deleted in the
  -- same transaction are skipped: its rollup rows went with it.
  with added as (
    select * from unnest(p_new) except all select * from unnest(p_old)
  ), removed as (
    select * from unnest(p_old) except all select * from unnest(p_new)
  ), changes as (
    select 1 as sign, a.* from added a
    union all
    select -1, r.* from removed r
  ), live as (
    select c.* from changes c where exists (select 1 from public.platforms p where p.id = c.platform_id)
  ), performance as (
    insert into public.performance_window_rollups as r (platform_id, client_id, posts, impressions, impressions_n,
      engagement_rate_sum, engagement_rate_n, click_through_rate_sum, click_through_rate_n, clicks, clicks_n)
    select c.platform_id, c.client_id, sum(c.sign),
           coalesce(sum(c.sign * c.impressions), 0), coalesce(sum(c.sign) filter (where c.impressions is not null), 0),
           coalesce(sum(c.sign * c.engagement_rate), 0),
           coalesce(sum(c.sign) filter (where c.engagement_rate is not null), 0),
           coalesce(sum(c.sign * c.click_through_rate), 0),
           coalesce(sum(c.sign) filter (where c.click_through_rate is not null), 0),
           coalesce(sum(c.sign * c.clicks), 0), coalesce(sum(c.sign) filter (where c.clicks is not null), 0)
    from live c
    where c.published_at > p_performance_since
    group by c.platform_id, c.client_id
    order by c.platform_id
    on conflict (platform_id) do update
      set posts = r.posts + excluded.posts,
          impressions = r.impressions + excluded.impressions,
          impressions_n = r.impressions_n + excluded.impressions_n,
          engagement_rate_sum = r.engagement_rate_sum + excluded.engagement_rate_sum,
          engagement_rate_n = r.engagement_rate_n + excluded.engagement_rate_n,
          click_through_rate_sum = r.click_through_rate_sum + excluded.click_through_rate_sum,
          click_through_rate_n = r.click_through_rate_n + excluded.click_through_rate_n,
          clicks = r.clicks + excluded.clicks,
          clicks_n = r.clicks_n + excluded.clicks_n
    returning r.platform_id
  ), best_time as (
    insert into public.best_time_rollups as r (platform_id, day_of_week, hour, client_id, posts, engagement_rate_sum)
    select c.platform_id, extract(dow from c.published_at at time zone c.timezone)::smallint,
           extract(hour from c.published_at at time zone c.timezone)::smallint, c.client_id,
           sum(c.sign), sum(c.sign * c.engagement_rate)
    from live c
    where c.published_at > p_best_time_since and c.engagement_rate is not null
    group by 1, 2, 3, 4
    order by 1, 2, 3
    on conflict (platform_id, day_of_week, hour) do update
      set posts = r.posts + excluded.posts,
          engagement_rate_sum = r.engagement_rate_sum + excluded.engagement_rate_sum
    returning r.platform_id
  )
  select (select count(*) from performance) + (select count(*) from best_time) into v_changed;

  delete from public.performance_window_rollups r where r.posts <= 0
    and r.platform_id = any (array(select x.platform_id from unnest(p_old) x));
  delete from public.best_time_rollups r where r.posts <= 0
    and r.platform_id = any (array(select x.platform_id from unnest(p_old) x));
end
$$;

COMMENT ON FUNCTION private.apply_report_window_delta(p_old private.report_window_row[], p_new private.report_window_row[], p_performance_since timestamp with time zone, p_best_time_since timestamp with time zone) IS 'Adds p_new and takes away p_old (published distributions) in the windowed report rollups, for the rows after each rollup''s start. Called with the lock on the starts held (private.rollup_distribution_windows, private.advance_report_windows).';

REVOKE ALL ON FUNCTION private.apply_report_window_delta(p_old private.report_window_row[], p_new private.report_window_row[], p_performance_since timestamp with time zone, p_best_time_since timestamp with time zone) FROM PUBLIC;

CREATE FUNCTION private.published_window_rows(p_after timestamp with time zone, p_until timestamp with time zone) RETURNS private.report_window_row[]
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select coalesce(array_agg(row(d.client_id, d.platform_id, d.published_at, d.timezone, d.impressions,
                                d.engagement_rate, d.click_through_rate, d.clicks)::private.report_window_row), '{}')
  from public.distributions d
  where d.status = 'published' and d.published_at > p_after and d.published_at <= p_until
$$;

COMMENT ON FUNCTION private.published_window_rows(p_after timestamp with time zone, p_until timestamp with time zone) IS 'The published distributions with p_after < published_at <= p_until, as rows of the windowed report rollups.';

REVOKE ALL ON FUNCTION private.published_window_rows(p_after timestamp with time zone, p_until timestamp with time zone) FROM PUBLIC;

CREATE FUNCTION private.advance_report_windows() RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  w record;
  v_to timestamp with time zone;
begin
  -- Writers hold the shared lock from their trigger to their commit; waiting for it in the exclusive mode would
  -- queue new writers behind this job. It tries for a few seconds instead and otherwise leaves the starts for the
  -- next run (the views stay exact, reading a longer correction).
  for i in 1 .. 100 loop
    exit when pg_try_advisory_xact_lock(hashtextextended('report-windows', 0));
    if i = 100 then
      return false;
    end if;
    perform pg_sleep(0.05);
  end loop;
  for w in select * from private.report_windows order by report for update loop
    v_to := now() - w.length;
    continue when v_to = w.since;
    -- Posts between the old and the new start leave the rollup (start moves later) or join it (moves earlier).
    perform private.apply_report_window_delta(
      case when v_to > w.since then private.published_window_rows(w.since, v_to) else '{}' end,
      case when v_to < w.since then private.published_window_rows(v_to, w.since) else '{}' end,
      case when w.report = 'distribution_performance_by_platform' then least(w.since, v_to) end,
      case when w.report = 'best_performing_times' then least(w.since, v_to) end);
    update private.report_windows set since = v_to where report = w.report;
  end loop;
  return true;
end
$$;

COMMENT ON FUNCTION private.advance_report_windows() IS 'Moves each windowed report rollup''s start to now() - its length (cron hourly), taking out the posts that left the window. Returns false when writers kept the lock for 5 s (the next run catches up).';

REVOKE ALL ON FUNCTION private.advance_report_windows() FROM PUBLIC;
GRANT ALL ON FUNCTION private.advance_report_windows() TO service_role;

CREATE FUNCTION private.rebuild_report_window_rollups(p_at timestamp with time zone DEFAULT now()) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform pg_advisory_xact_lock(hashtextextended('report-windows', 0));
  delete from public.performance_window_rollups;
  delete from public.best_time_rollups;
  update private.report_windows set since = p_at - length;
  perform private.apply_report_window_delta('{}',
    private.published_window_rows((select min(w.since) from private.report_windows w), 'infinity'),
    private.report_window_since('distribution_performance_by_platform'),
    private.report_window_since('best_performing_times'));
end
$$;

COMMENT ON FUNCTION private.rebuild_report_window_rollups(p_at timestamp with time zone) IS 'Rebuilds the windowed report rollups from the distributions, starting each at p_at - its length (now: where private.advance_report_windows puts it).';

REVOKE ALL ON FUNCTION private.rebuild_report_window_rollups(p_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION private.rebuild_report_window_rollups(p_at timestamp with time zone) TO service_role;

CREATE FUNCTION private.rollup_distribution_windows() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_old private.report_window_row[] := '{}';
  v_new private.report_window_row[] := '{}';
  -- The starts only move later, so posts published before the earliest one read now are in no rollup (the
  -- starts are read again under the lock below).
  v_after timestamp with time zone := (select min(w.since) from private.report_windows w);
begin
  if tg_op in ('UPDATE', 'DELETE') then
    v_old := array(select row(o.client_id, o.platform_id, o.published_at, o.timezone, o.impressions,
                              o.engagement_rate, o.click_through_rate, o.clicks)::private.report_window_row
                   from old_rows o where o.status = 'published' and o.published_at > v_after);
  end if;
  if tg_op in ('UPDATE', 'INSERT') then
    v_new := array(select row(n.client_id, n.platform_id, n.published_at, n.timezone, n.impressions,
                              n.engagement_rate, n.click_through_rate, n.clicks)::private.report_window_row
                   from new_rows n where n.status = 'published' and n.published_at > v_after);
  end if;
  if cardinality(v_old) > 0 or cardinality(v_new) > 0 then
    -- Shared with other writers, exclusive to private.advance_report_windows: the starts read here hold until
    -- this transaction commits.
    perform pg_advisory_xact_lock_shared(hashtextextended('report-windows', 0));
    perform private.apply_report_window_delta(v_old, v_new,
      private.report_window_since('distribution_performance_by_platform'),
      private.report_window_since('best_performing_times'));
  end if;
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.rollup_distribution_windows() FROM PUBLIC;

CREATE FUNCTION private.truncate_report_window_rollups() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  delete from public.performance_window_rollups;
  delete from public.best_time_rollups;
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.truncate_report_window_rollups() FROM PUBLIC;

CREATE FUNCTION private.apply_pattern_lift_delta(p_old private.pattern_lift_row[], p_new private.pattern_lift_row[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  -- Per objective (engagement count, clicks, conversions) and side (applied or not), over the rows with
  -- engagement_base > 0 and the objective's count known: the sum of the counts, of the bases, and how many rows.
  with added as (
    select * from unnest(p_new) except all select * from unnest(p_old)
  ), removed as (
    select * from unnest(p_old) except all select * from unnest(p_new)
  ), changes as (
    select 1 as sign, a.* from added a
    union all
    select -1, r.* from removed r
  ), counted as (
    select c.sign, c.pattern_id, c.pattern_applied, c.engagement_rate,
           case when c.engagement_base > 0 and c.engagement_count is not null then c.engagement_base end as e_base,
           case when c.engagement_base > 0 then c.engagement_count end as e_count,
           case when c.engagement_base > 0 and c.clicks is not null then c.engagement_base end as k_base,
           case when c.engagement_base > 0 then c.clicks end as k_count,
           case when c.engagement_base > 0 and c.conversions is not null then c.engagement_base end as v_base,
           case when c.engagement_base > 0 then c.conversions end as v_count
    from changes c
  )
  insert into public.pattern_lift_rollups as r (pattern_id, client_id, posts_applied, posts_not_applied,
    rate_sum_applied, rate_n_applied, rate_sum_not_applied, rate_n_not_applied, count_applied, base_applied,
    counted_applied, count_not_applied, base_not_applied, counted_not_applied,
    clicks_count_applied, clicks_base_applied, clicks_counted_applied,
    clicks_count_not_applied, clicks_base_not_applied, clicks_counted_not_applied,
    conversions_count_applied, conversions_base_applied, conversions_counted_applied,
    conversions_count_not_applied, conversions_base_not_applied, conversions_counted_not_applied)
  select c.pattern_id, pp.client_id,
         coalesce(sum(c.sign) filter (where c.pattern_applied), 0),
         coalesce(sum(c.sign) filter (where not c.pattern_applied), 0),
         coalesce(sum(c.sign * c.engagement_rate) filter (where c.pattern_applied), 0),
         coalesce(sum(c.sign) filter (where c.pattern_applied and c.engagement_rate is not null), 0),
         coalesce(sum(c.sign * c.engagement_rate) filter (where not c.pattern_applied), 0),
         coalesce(sum(c.sign) filter (where not c.pattern_applied and c.engagement_rate is not null), 0),
         coalesce(sum(c.sign * c.e_count) filter (where c.pattern_applied), 0),
         coalesce(sum(c.sign * c.e_base) filter (where c.pattern_applied), 0),
         coalesce(sum(c.sign) filter (where c.pattern_applied and c.e_base is not null), 0),
         coalesce(sum(c.sign * c.e_count) filter (where not c.pattern_applied), 0),
         coalesce(sum(c.sign * c.e_base) filter (where not c.pattern_applied), 0),
         coalesce(sum(c.sign) filter (where not c.pattern_applied and c.e_base is not null), 0),
         coalesce(sum(c.sign * c.k_count) filter (where c.pattern_applied), 0),
         coalesce(sum(c.sign * c.k_base) filter (where c.pattern_applied), 0),
         coalesce(sum(c.sign) filter (where c.pattern_applied and c.k_base is not null), 0),
         coalesce(sum(c.sign * c.k_count) filter (where not c.pattern_applied), 0),
         coalesce(sum(c.sign * c.k_base) filter (where not c.pattern_applied), 0),
         coalesce(sum(c.sign) filter (where not c.pattern_applied and c.k_base is not null), 0),
         coalesce(sum(c.sign * c.v_count) filter (where c.pattern_applied), 0),
         coalesce(sum(c.sign * c.v_base) filter (where c.pattern_applied), 0),
         coalesce(sum(c.sign) filter (where c.pattern_applied and c.v_base is not null), 0),
         coalesce(sum(c.sign * c.v_count) filter (where not c.pattern_applied), 0),
         coalesce(sum(c.sign * c.v_base) filter (where not c.pattern_applied), 0),
         coalesce(sum(c.sign) filter (where not c.pattern_applied and c.v_base is not null), 0)
  from counted c
  join public.platform_patterns pp on pp.id = c.pattern_id
  group by c.pattern_id, pp.client_id
  order by c.pattern_id
  on conflict (pattern_id) do update
    set posts_applied = r.posts_applied + excluded.posts_applied,
        posts_not_applied = r.posts_not_applied + excluded.posts_not_applied,
        rate_sum_applied = r.rate_sum_applied + excluded.rate_sum_applied,
        rate_n_applied = r.rate_n_applied + excluded.rate_n_applied,
        rate_sum_not_applied = r.rate_sum_not_applied + excluded.rate_sum_not_applied,
        rate_n_not_applied = r.rate_n_not_applied + excluded.rate_n_not_applied,
        count_applied = r.count_applied + excluded.count_applied,
        base_applied = r.base_applied + excluded.base_applied,
        counted_applied = r.counted_applied + excluded.counted_applied,
        count_not_applied = r.count_not_applied + excluded.count_not_applied,
        base_not_applied = r.base_not_applied + excluded.base_not_applied,
        counted_not_applied = r.counted_not_applied + excluded.counted_not_applied,
        clicks_count_applied = r.clicks_count_applied + excluded.clicks_count_applied,
        clicks_base_applied = r.clicks_base_applied + excluded.clicks_base_applied,
        clicks_counted_applied = r.clicks_counted_applied + excluded.clicks_counted_applied,
        clicks_count_not_applied = r.clicks_count_not_applied + excluded.clicks_count_not_applied,
        clicks_base_not_applied = r.clicks_base_not_applied + excluded.clicks_base_not_applied,
        clicks_counted_not_applied = r.clicks_counted_not_applied + excluded.clicks_counted_not_applied,
        conversions_count_applied = r.conversions_count_applied + excluded.conversions_count_applied,
        conversions_base_applied = r.conversions_base_applied + excluded.conversions_base_applied,
        conversions_counted_applied = r.conversions_counted_applied + excluded.conversions_counted_applied,
        conversions_count_not_applied = r.conversions_count_not_applied + excluded.conversions_count_not_applied,
        conversions_base_not_applied = r.conversions_base_not_applied + excluded.conversions_base_not_applied,
        conversions_counted_not_applied = r.conversions_counted_not_applied + excluded.conversions_counted_not_applied;

  delete from public.pattern_lift_rollups r where r.posts_applied + r.posts_not_applied <= 0
    and r.pattern_id = any (array(select x.pattern_id from unnest(p_old) x));
end
$$;

REVOKE ALL ON FUNCTION private.apply_pattern_lift_delta(p_old private.pattern_lift_row[], p_new private.pattern_lift_row[]) FROM PUBLIC;

CREATE FUNCTION private.rebuild_pattern_lift_rollups() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_pattern uuid;
begin
  delete from public.pattern_lift_rollups;
  -- One pattern at a time: the feedback of one pattern is one platform's posts.
  for v_pattern in select pp.id from public.platform_patterns pp order by pp.id loop
    perform private.apply_pattern_lift_delta('{}', array(
      select row(f.pattern_id, f.pattern_applied, f.engagement_rate, f.engagement_base,
                 f.engagement_count, f.clicks, f.conversions)::private.pattern_lift_row
      from public.pattern_feedback f where f.pattern_id = v_pattern));
  end loop;
end
$$;

COMMENT ON FUNCTION private.rebuild_pattern_lift_rollups() IS 'Rebuilds pattern_lift_rollups from pattern_feedback.';

REVOKE ALL ON FUNCTION private.rebuild_pattern_lift_rollups() FROM PUBLIC;
GRANT ALL ON FUNCTION private.rebuild_pattern_lift_rollups() TO service_role;

CREATE FUNCTION private.rollup_pattern_feedback() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_old private.pattern_lift_row[] := '{}';
  v_new private.pattern_lift_row[] := '{}';
begin
  if tg_op in ('UPDATE', 'DELETE') then
    v_old := array(select row(o.pattern_id, o.pattern_applied, o.engagement_rate, o.engagement_base,
                              o.engagement_count, o.clicks, o.conversions)::private.pattern_lift_row
                   from old_rows o);
  end if;
  if tg_op in ('UPDATE', 'INSERT') then
    v_new := array(select row(n.pattern_id, n.pattern_applied, n.engagement_rate, n.engagement_base,
                              n.engagement_count, n.clicks, n.conversions)::private.pattern_lift_row
                   from new_rows n);
  end if;
  if cardinality(v_old) > 0 or cardinality(v_new) > 0 then
    perform private.apply_pattern_lift_delta(v_old, v_new);
  end if;
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.rollup_pattern_feedback() FROM PUBLIC;

CREATE FUNCTION private.truncate_pattern_lift_rollups() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  delete from public.pattern_lift_rollups;
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.truncate_pattern_lift_rollups() FROM PUBLIC;

CREATE FUNCTION private.feedback_conversions() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  -- A feedback row carries its post's conversions, so that the lift rollup changes with the feedback rows alone
  -- (a post deleted takes its feedback rows with it, and their conversions are still on them). Read on insert and
  -- whenever the post or the value changes; an update that leaves both alone keeps the value.
  if tg_op = 'INSERT' or new.distribution_id is distinct from old.distribution_id
     or new.conversions is distinct from old.conversions then
    new.conversions := (select d.conversions from public.distributions d where d.id = new.distribution_id);
  end if;
  return new;
end
$$;

COMMENT ON FUNCTION private.feedback_conversions() IS 'Sets pattern_feedback.conversions to its distribution''s conversions (null without one): on insert, and on an update that changes the distribution or the value.';

REVOKE ALL ON FUNCTION private.feedback_conversions() FROM PUBLIC;

CREATE FUNCTION private.feedback_follows_conversions() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  update public.pattern_feedback f set conversions = new.conversions
  where f.distribution_id = new.id and f.conversions is distinct from new.conversions;
  return null;
end
$$;

COMMENT ON FUNCTION private.feedback_follows_conversions() IS 'Copies a distribution''s new conversions (an attribution recorded, moved or deleted) to its pattern_feedback rows; their trigger updates pattern_lift_rollups.';

REVOKE ALL ON FUNCTION private.feedback_follows_conversions() FROM PUBLIC;

CREATE VIEW public.best_performing_times WITH (security_invoker=true) AS
 WITH correction AS (
         SELECT d.platform_id,
            EXTRACT(dow FROM (d.published_at AT TIME ZONE d.timezone))::smallint AS day_of_week,
            EXTRACT(hour FROM (d.published_at AT TIME ZONE d.timezone))::smallint AS hour,
            sum(
                CASE
                    WHEN d.published_at > (now() - '90 days'::interval) THEN 1
                    ELSE '-1'::integer
                END) AS posts,
            sum(
                CASE
                    WHEN d.published_at > (now() - '90 days'::interval) THEN d.engagement_rate
                    ELSE - d.engagement_rate
                END) AS engagement_rate_sum
           FROM distributions d
          WHERE d.status = 'published' AND d.engagement_rate IS NOT NULL AND d.published_at > LEAST(now() - '90 days'::interval, ( SELECT private.report_window_since('best_performing_times'::text) AS report_window_since)) AND d.published_at <= GREATEST(now() - '90 days'::interval, ( SELECT private.report_window_since('best_performing_times'::text) AS report_window_since))
          GROUP BY d.platform_id, (EXTRACT(dow FROM (d.published_at AT TIME ZONE d.timezone))::smallint), (EXTRACT(hour FROM (d.published_at AT TIME ZONE d.timezone))::smallint)
        ), totals AS (
         SELECT COALESCE(r.platform_id, c.platform_id) AS platform_id,
            COALESCE(r.day_of_week, c.day_of_week) AS day_of_week,
            COALESCE(r.hour, c.hour) AS hour,
            COALESCE(r.posts, 0::bigint) + COALESCE(c.posts, 0::bigint) AS posts,
            COALESCE(r.engagement_rate_sum, 0::numeric) + COALESCE(c.engagement_rate_sum, 0::numeric) AS engagement_rate_sum
           FROM best_time_rollups r
             FULL JOIN correction c ON c.platform_id = r.platform_id AND c.day_of_week = r.day_of_week AND c.hour = r.hour
        )
 SELECT p.name AS platform,
    t.day_of_week::numeric AS day_of_week,
    t.hour::numeric AS hour,
    t.posts,
    round(t.engagement_rate_sum / t.posts::numeric, 2) AS avg_engagement
   FROM totals t
     JOIN platforms p ON p.id = t.platform_id
  WHERE t.posts >= 3
  ORDER BY p.name, (round(t.engagement_rate_sum / t.posts::numeric, 2)) DESC;

COMMENT ON VIEW public.best_performing_times IS 'Seed report "Best Performing Times": engagement by day of week (0 = Sunday) and hour of publication in the distribution''s own time zone, last 90 days, slots with at least 3 posts. Reads best_time_rollups (kept by triggers) joined to the correction for the posts between its start and the window''s (a few slots): the rows of the plain query over distributions.';

GRANT SELECT ON TABLE public.best_performing_times TO authenticated;
GRANT SELECT ON TABLE public.best_performing_times TO service_role;

CREATE VIEW public.distribution_performance_by_platform WITH (security_invoker=true) AS
 WITH parts AS (
         SELECT r.platform_id,
            r.posts,
            r.impressions,
            r.impressions_n,
            r.engagement_rate_sum,
            r.engagement_rate_n,
            r.click_through_rate_sum,
            r.click_through_rate_n,
            r.clicks,
            r.clicks_n
           FROM performance_window_rollups r
        UNION ALL
         SELECT d.platform_id,
            s.sign,
            s.sign * d.impressions,
                CASE
                    WHEN d.impressions IS NOT NULL THEN s.sign
                    ELSE 0
                END AS impressions_n,
            s.sign::numeric * d.engagement_rate,
                CASE
                    WHEN d.engagement_rate IS NOT NULL THEN s.sign
                    ELSE 0
                END AS engagement_rate_n,
            s.sign::numeric * d.click_through_rate,
                CASE
                    WHEN d.click_through_rate IS NOT NULL THEN s.sign
                    ELSE 0
                END AS click_through_rate_n,
            s.sign * d.clicks,
                CASE
                    WHEN d.clicks IS NOT NULL THEN s.sign
                    ELSE 0
                END AS clicks_n
           FROM distributions d
             CROSS JOIN LATERAL ( SELECT
                        CASE
                            WHEN d.published_at > (now() - '30 days'::interval) THEN 1
                            ELSE '-1'::integer
                        END AS sign) s
          WHERE d.status = 'published' AND d.published_at > LEAST(now() - '30 days'::interval, ( SELECT private.report_window_since('distribution_performance_by_platform'::text) AS report_window_since)) AND d.published_at <= GREATEST(now() - '30 days'::interval, ( SELECT private.report_window_since('distribution_performance_by_platform'::text) AS report_window_since))
        ), totals AS (
         SELECT parts.platform_id,
            sum(parts.posts) AS posts,
            sum(parts.impressions) AS impressions,
            sum(parts.impressions_n) AS impressions_n,
            sum(parts.engagement_rate_sum) AS engagement_rate_sum,
            sum(parts.engagement_rate_n) AS engagement_rate_n,
            sum(parts.click_through_rate_sum) AS click_through_rate_sum,
            sum(parts.click_through_rate_n) AS click_through_rate_n,
            sum(parts.clicks) AS clicks,
            sum(parts.clicks_n) AS clicks_n
           FROM parts
          GROUP BY parts.platform_id
        )
 SELECT p.name AS platform,
    t.posts::bigint AS total_posts,
    round(t.impressions / NULLIF(t.impressions_n, 0::numeric), 0) AS avg_impressions,
    round(t.engagement_rate_sum / NULLIF(t.engagement_rate_n, 0::numeric), 2) AS avg_engagement_rate,
    round(t.click_through_rate_sum / NULLIF(t.click_through_rate_n, 0::numeric), 2) AS avg_ctr,
        CASE
            WHEN t.clicks_n > 0::numeric THEN t.clicks::bigint
            ELSE NULL::bigint
        END AS total_clicks
   FROM totals t
     JOIN platforms p ON p.id = t.platform_id
  WHERE t.posts > 0::numeric
  ORDER BY (round(t.engagement_rate_sum / NULLIF(t.engagement_rate_n, 0::numeric), 2)) DESC;

COMMENT ON VIEW public.distribution_performance_by_platform IS 'Seed report "Distribution Performance by Platform": published posts of the last 30 days per platform. Averages skip metrics the platform did not report (null), never counting them as 0. Reads performance_window_rollups (kept by triggers) corrected by the posts between its start and the window''s: the rows of the plain query over distributions.';

GRANT SELECT ON TABLE public.distribution_performance_by_platform TO authenticated;
GRANT SELECT ON TABLE public.distribution_performance_by_platform TO service_role;

CREATE VIEW public.pattern_lift WITH (security_invoker=true) AS
 SELECT pp.id AS pattern_id,
    pp.client_id,
    pp.platform_id,
    p.name AS platform,
    pp.pattern_type,
    pp.pattern_name,
    COALESCE(a.posts_applied, 0::bigint) AS posts_applied,
    COALESCE(a.posts_not_applied, 0::bigint) AS posts_not_applied,
    round(a.rate_sum_applied / NULLIF(a.rate_n_applied, 0)::numeric, 4) AS avg_engagement_rate_applied,
    round(a.rate_sum_not_applied / NULLIF(a.rate_n_not_applied, 0)::numeric, 4) AS avg_engagement_rate_not_applied,
    round(100.0 * a.x1::numeric / NULLIF(a.n1, 0)::numeric, 4) AS engagement_rate_applied,
    round(100.0 * a.x0::numeric / NULLIF(a.n0, 0)::numeric, 4) AS engagement_rate_not_applied,
    round(100.0 * (a.x1::numeric / NULLIF(a.n1, 0)::numeric / NULLIF(a.x0::numeric / NULLIF(a.n0, 0)::numeric, 0::numeric) - 1::numeric), 2) AS lift_pct,
    two_proportion_p_value(a.x1::numeric, a.n1::numeric, a.x0::numeric, a.n0::numeric) AS p_value,
    c.optimize_for AS objective,
    round(100.0 * a.o1::numeric / NULLIF(a.m1, 0)::numeric, 4) AS objective_rate_applied,
    round(100.0 * a.o0::numeric / NULLIF(a.m0, 0)::numeric, 4) AS objective_rate_not_applied,
    round(100.0 * (a.o1::numeric / NULLIF(a.m1, 0)::numeric / NULLIF(a.o0::numeric / NULLIF(a.m0, 0)::numeric, 0::numeric) - 1::numeric), 2) AS objective_lift_pct,
    two_proportion_p_value(a.o1::numeric, a.m1::numeric, a.o0::numeric, a.m0::numeric) AS objective_p_value
   FROM platform_patterns pp
     JOIN platforms p ON p.id = pp.platform_id
     JOIN clients c ON c.id = pp.client_id
     LEFT JOIN LATERAL ( SELECT r.posts_applied,
            r.posts_not_applied,
            r.rate_sum_applied,
            r.rate_n_applied,
            r.rate_sum_not_applied,
            r.rate_n_not_applied,
                CASE
                    WHEN r.counted_applied > 0 THEN r.count_applied
                    ELSE NULL::bigint
                END AS x1,
                CASE
                    WHEN r.counted_applied > 0 THEN r.base_applied
                    ELSE NULL::bigint
                END AS n1,
                CASE
                    WHEN r.counted_not_applied > 0 THEN r.count_not_applied
                    ELSE NULL::bigint
                END AS x0,
                CASE
                    WHEN r.counted_not_applied > 0 THEN r.base_not_applied
                    ELSE NULL::bigint
                END AS n0,
                CASE c.optimize_for
                    WHEN 'clicks'::text THEN
                    CASE
                        WHEN r.clicks_counted_applied > 0 THEN r.clicks_count_applied
                        ELSE NULL::bigint
                    END
                    WHEN 'conversions'::text THEN
                    CASE
                        WHEN r.conversions_counted_applied > 0 THEN r.conversions_count_applied
                        ELSE NULL::bigint
                    END
                    ELSE
                    CASE
                        WHEN r.counted_applied > 0 THEN r.count_applied
                        ELSE NULL::bigint
                    END
                END AS o1,
                CASE c.optimize_for
                    WHEN 'clicks'::text THEN
                    CASE
                        WHEN r.clicks_counted_applied > 0 THEN r.clicks_base_applied
                        ELSE NULL::bigint
                    END
                    WHEN 'conversions'::text THEN
                    CASE
                        WHEN r.conversions_counted_applied > 0 THEN r.conversions_base_applied
                        ELSE NULL::bigint
                    END
                    ELSE
                    CASE
                        WHEN r.counted_applied > 0 THEN r.base_applied
                        ELSE NULL::bigint
                    END
                END AS m1,
                CASE c.optimize_for
                    WHEN 'clicks'::text THEN
                    CASE
                        WHEN r.clicks_counted_not_applied > 0 THEN r.clicks_count_not_applied
                        ELSE NULL::bigint
                    END
                    WHEN 'conversions'::text THEN
                    CASE
                        WHEN r.conversions_counted_not_applied > 0 THEN r.conversions_count_not_applied
                        ELSE NULL::bigint
                    END
                    ELSE
                    CASE
                        WHEN r.counted_not_applied > 0 THEN r.count_not_applied
                        ELSE NULL::bigint
                    END
                END AS o0,
                CASE c.optimize_for
                    WHEN 'clicks'::text THEN
                    CASE
                        WHEN r.clicks_counted_not_applied > 0 THEN r.clicks_base_not_applied
                        ELSE NULL::bigint
                    END
                    WHEN 'conversions'::text THEN
                    CASE
                        WHEN r.conversions_counted_not_applied > 0 THEN r.conversions_base_not_applied
                        ELSE NULL::bigint
                    END
                    ELSE
                    CASE
                        WHEN r.counted_not_applied > 0 THEN r.base_not_applied
                        ELSE NULL::bigint
                    END
                END AS m0
           FROM pattern_lift_rollups r
          WHERE r.pattern_id = pp.id) a ON true;

COMMENT ON VIEW public.pattern_lift IS 'Per platform pattern: engagement of posts where it was applied versus not (mean of rates and pooled rate), the lift of the pooled rate (percent) and its two-sided two-proportion z-test p-value (as in ab_test_results); then the same pooled rate, lift and p-value in the client''s own objective (clients.optimize_for: engagement count, clicks or attributed conversions per unit of engagement_base, as the learner counts them; for engagement they repeat the engagement columns). Reads pattern_lift_rollups (kept by triggers on pattern_feedback): the rows of the aggregate over pattern_feedback.';

GRANT SELECT ON TABLE public.pattern_lift TO authenticated;
GRANT SELECT ON TABLE public.pattern_lift TO service_role;

CREATE TRIGGER distributions_report_window_delete AFTER DELETE ON public.distributions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_distribution_windows();

CREATE TRIGGER distributions_report_window_insert AFTER INSERT ON public.distributions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_distribution_windows();

CREATE TRIGGER distributions_report_window_truncate AFTER TRUNCATE ON public.distributions FOR EACH STATEMENT EXECUTE FUNCTION private.truncate_report_window_rollups();

CREATE TRIGGER distributions_report_window_update AFTER UPDATE ON public.distributions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_distribution_windows();

CREATE TRIGGER distributions_feedback_conversions AFTER UPDATE OF conversions ON public.distributions FOR EACH ROW WHEN ((old.conversions IS DISTINCT FROM new.conversions)) EXECUTE FUNCTION private.feedback_follows_conversions();

CREATE TRIGGER pattern_feedback_conversions BEFORE INSERT OR UPDATE ON public.pattern_feedback FOR EACH ROW EXECUTE FUNCTION private.feedback_conversions();

CREATE TRIGGER pattern_feedback_lift_rollup_delete AFTER DELETE ON public.pattern_feedback REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_pattern_feedback();

CREATE TRIGGER pattern_feedback_lift_rollup_insert AFTER INSERT ON public.pattern_feedback REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_pattern_feedback();

CREATE TRIGGER pattern_feedback_lift_rollup_truncate AFTER TRUNCATE ON public.pattern_feedback FOR EACH STATEMENT EXECUTE FUNCTION private.truncate_pattern_lift_rollups();

CREATE TRIGGER pattern_feedback_lift_rollup_update AFTER UPDATE ON public.pattern_feedback REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_pattern_feedback();
