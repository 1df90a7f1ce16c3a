-- Recording metric reads: one statement per batch writes the snapshots, the distributions' summary (whose rates
-- the engagement-rate trigger computes), the failures and their backoff, the platforms' sync health and hourly
-- sync counts, and the pattern feedback (day and hour in the distribution's own time zone).
-- 
-- p_batch of private.record_metrics: a JSON array of
--   {"distribution_id": uuid, "ok": true, "recorded_at"?: timestamptz (default now()),
--    "metrics": {"impressions"?, "reach"?, "engagements"?, "clicks"?, "shares"?, "comments"?, "likes"?,
--                "saves"?, "video_views"?, "video_watch_time_seconds"?, "followers_gained"?,
--                "followers_lost"?: non-negative integers (absent = not reported, never 0),
--                "platform_metrics"?: {name: number | string | boolean}}}
--   {"distribution_id": uuid, "ok": false, "error": text,
--    "error_class": "transient" | "rate_limited" | "permanent" | "auth" (default transient),
--    "retry_at"?: timestamptz (rate_limited: when the platform's window resets),
--    "removed"?: true (the platform answered that the post does not exist)}
-- Returns {"recorded": snapshots written, "failed": failures recorded, "removed": posts marked removed on the
--          platform, "ignored": [ids not published or unknown], "feedback": pattern_feedback rows written}.
-- A failure backs off (15 min doubling, capped at 1 day; given up after 10 in a row); permanent stops syncing the
-- post (e.g. deleted on the platform); auth flags the platform needs_reconnection; rate_limited pauses the
-- platform's reads until retry_at (default 15 min). A removed element (a person deleted the post on the platform)
-- sets unpublish_state removed_on_platform (its webhook event follows), stops syncing the post, and is neither
-- a failure of the platform (its metrics_last_error stays) nor of the post (metrics_sync_failures stays).

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE public.distribution_patterns (
    distribution_id uuid NOT NULL,
    pattern_id uuid NOT NULL,
    client_id uuid NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

COMMENT ON TABLE public.distribution_patterns IS 'Platform patterns applied to a distribution. pattern_feedback.pattern_applied is true for these, and for a timing pattern (pattern_type timing) also when the post went out in one of its slots (local day and hour).';

ALTER TABLE ONLY public.distribution_patterns
    ADD CONSTRAINT distribution_patterns_pkey PRIMARY KEY (distribution_id, pattern_id);

CREATE INDEX idx_distribution_patterns_pattern ON public.distribution_patterns USING btree (pattern_id);

CREATE INDEX idx_distribution_patterns_client ON public.distribution_patterns USING btree (client_id);

ALTER TABLE public.distribution_patterns ENABLE ROW LEVEL SECURITY;

CREATE POLICY distribution_patterns_delete ON public.distribution_patterns FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY distribution_patterns_insert ON public.distribution_patterns FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY distribution_patterns_select ON public.distribution_patterns FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY distribution_patterns_update ON public.distribution_patterns FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.distribution_patterns TO authenticated;
GRANT ALL ON TABLE public.distribution_patterns TO service_role;

CREATE TABLE public.metrics_sync_stats (
    platform_id uuid NOT NULL,
    client_id uuid NOT NULL,
    hour timestamp with time zone NOT NULL,
    synced integer DEFAULT 0 NOT NULL,
    failed integer DEFAULT 0 NOT NULL,
    CONSTRAINT metrics_sync_stats_failed_check CHECK ((failed >= 0)),
    CONSTRAINT metrics_sync_stats_synced_check CHECK ((synced >= 0))
);

COMMENT ON TABLE public.metrics_sync_stats IS 'Metric reads per platform and hour (UTC-aligned): successful (synced) and failed. Written by record_metrics.';

ALTER TABLE ONLY public.metrics_sync_stats
    ADD CONSTRAINT metrics_sync_stats_pkey PRIMARY KEY (platform_id, hour);

CREATE INDEX idx_metrics_sync_stats_client ON public.metrics_sync_stats USING btree (client_id);

CREATE INDEX idx_metrics_sync_stats_hour ON public.metrics_sync_stats USING btree (hour);

ALTER TABLE public.metrics_sync_stats ENABLE ROW LEVEL SECURITY;

CREATE POLICY metrics_sync_stats_select ON public.metrics_sync_stats FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.metrics_sync_stats TO authenticated;
GRANT ALL ON TABLE public.metrics_sync_stats TO service_role;

ALTER TABLE ONLY public.distribution_patterns
    ADD CONSTRAINT distribution_patterns_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.distribution_patterns
    ADD CONSTRAINT distribution_patterns_distribution_fkey FOREIGN KEY (distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE CASCADE;

ALTER TABLE ONLY public.distribution_patterns
    ADD CONSTRAINT distribution_patterns_pattern_fkey FOREIGN KEY (pattern_id, client_id) REFERENCES public.platform_patterns(id, client_id) ON DELETE CASCADE;

ALTER TABLE ONLY public.metrics_sync_stats
    ADD CONSTRAINT metrics_sync_stats_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.metrics_sync_stats
    ADD CONSTRAINT metrics_sync_stats_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id) ON DELETE CASCADE;

CREATE FUNCTION private.record_metrics(p_batch jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_result jsonb;
begin
  -- Platform rows first, in id order, as every writer of several platform rows does: no deadlocks with the
  -- publisher recording its own batches.
  perform private.lock_platforms(array(
    select distinct d.platform_id
    from jsonb_array_elements(coalesce(p_batch, '[]'::jsonb)) e
    join public.distributions d on d.id = (e.value ->> 'distribution_id')::uuid));

  with elements as (
    select e.value as el, e.ordinality as ord
    from jsonb_array_elements(coalesce(p_batch, '[]'::jsonb)) with ordinality as e
  ), parsed as (
    select (el ->> 'distribution_id')::uuid as distribution_id,
           coalesce((el ->> 'ok')::boolean, false) as ok,
           coalesce((el ->> 'recorded_at')::timestamptz, now()) as recorded_at,
           coalesce(el -> 'metrics', '{}'::jsonb) as m,
           el ->> 'error' as error,
           case when el ->> 'error_class' in ('transient', 'rate_limited', 'permanent', 'auth')
                then el ->> 'error_class' else 'transient' end as error_class,
           (el ->> 'retry_at')::timestamptz as retry_at,
           coalesce((el ->> 'removed')::boolean, false) and not coalesce((el ->> 'ok')::boolean, false) as removed,
           ord
    from elements
  ), target as (
    select x.*, d.client_id, d.platform_id, d.published_at, d.metrics_synced_at, d.metrics_sync_failures
    from parsed x
    join public.distributions d on d.id = x.distribution_id
    where d.status = 'published'
  ), snapshots as (
    insert into public.distribution_metrics (
      distribution_id, client_id, recorded_at, hours_since_publish, impressions, reach, engagements, clicks,
      shares, comments, likes, saves, video_views, video_watch_time_seconds, followers_gained, followers_lost,
      platform_metrics)
    select t.distribution_id, t.client_id, t.recorded_at,
           greatest(floor(extract(epoch from t.recorded_at - t.published_at) / 3600), 0)::integer,
           private.metric_count(t.m -> 'impressions'), private.metric_count(t.m -> 'reach'),
           private.metric_count(t.m -> 'engagements'), private.metric_count(t.m -> 'clicks'),
           private.metric_count(t.m -> 'shares'), private.metric_count(t.m -> 'comments'),
           private.metric_count(t.m -> 'likes'), private.metric_count(t.m -> 'saves'),
           private.metric_count(t.m -> 'video_views'), private.metric_count(t.m -> 'video_watch_time_seconds'),
           private.metric_count(t.m -> 'followers_gained'), private.metric_count(t.m -> 'followers_lost'),
           case when jsonb_typeof(t.m -> 'platform_metrics') = 'object' then t.m -> 'platform_metrics'
                else '{}'::jsonb end
    from target t
    where t.ok
    returning distribution_id
  ), latest as (
    -- One outcome per distribution: its newest successful read, else its newest failure. A read older than the
    -- summary (a late webhook) is kept as a snapshot but does not overwrite the summary.
    select distinct on (t.distribution_id) t.*,
           t.ok and t.recorded_at >= coalesce(t.metrics_synced_at, '-infinity') as apply
    from target t
    order by t.distribution_id, t.ok desc, t.recorded_at desc, t.ord desc
  ), summary as (
    select l.*,
           case when l.apply then private.metric_count(l.m -> 'impressions') end as impressions,
           case when l.apply then private.metric_count(l.m -> 'reach') end as reach,
           case when l.apply then private.metric_count(l.m -> 'engagements') end as engagements,
           case when l.apply then private.metric_count(l.m -> 'clicks') end as clicks,
           case when l.apply then private.metric_count(l.m -> 'shares') end as shares,
           case when l.apply then private.metric_count(l.m -> 'comments') end as comments,
           case when l.apply then private.metric_count(l.m -> 'likes') end as likes,
           case when l.apply then private.metric_count(l.m -> 'saves') end as saves,
           case when l.apply then private.metric_count(l.m -> 'video_views') end as video_views,
           case when l.apply then private.metric_count(l.m -> 'video_watch_time_seconds') end as watch_time,
           case when l.apply and jsonb_typeof(l.m -> 'platform_metrics') = 'object'
                then l.m -> 'platform_metrics' else '{}'::jsonb end as pm
    from latest l
  ), updated as (
    -- The summary holds the latest value the platform reported for each metric (a metric missing from this read
    -- keeps its earlier value; one never reported stays null). The rates trigger recomputes the rates.
    update public.distributions d set
      impressions = coalesce(s.impressions, d.impressions),
      reach = coalesce(s.reach, d.reach),
      engagements = coalesce(s.engagements, d.engagements),
      clicks = coalesce(s.clicks, d.clicks),
      shares = coalesce(s.shares, d.shares),
      comments = coalesce(s.comments, d.comments),
      likes = coalesce(s.likes, d.likes),
      saves = coalesce(s.saves, d.saves),
      video_views = coalesce(s.video_views, d.video_views),
      video_watch_time_seconds = coalesce(s.watch_time, d.video_watch_time_seconds),
      platform_metrics = d.platform_metrics || s.pm,
      metrics_synced_at = case when s.apply then s.recorded_at else d.metrics_synced_at end,
      metrics_sync_failures = case when s.ok then 0 when s.removed then d.metrics_sync_failures
                                   else d.metrics_sync_failures + 1 end,
      metrics_last_error = case when s.ok then null else coalesce(s.error, 'unknown error') end,
      metrics_lease_until = null,
      -- A take-down of our own (requested, unpublished) settles through its own path.
      unpublish_state = case when s.removed and d.unpublish_state is distinct from 'requested'
                                  and d.unpublish_state is distinct from 'unpublished'
                             then 'removed_on_platform' else d.unpublish_state end,
      unpublished_at = case when s.removed and d.unpublish_state is distinct from 'requested'
                                 and d.unpublish_state is distinct from 'unpublished'
                                 and d.unpublish_state is distinct from 'removed_on_platform'
                            then now() else d.unpublished_at end,
      metrics_next_sync_at = case
        when s.ok then private.metrics_next_sync_at(d.platform_id, d.client_id, d.published_at,
                                                    greatest(s.recorded_at, d.metrics_synced_at))
        when s.removed or s.error_class = 'permanent' then null
        when s.error_class = 'rate_limited' then greatest(coalesce(s.retry_at, now() + interval '15 minutes'), now())
        when s.error_class = 'auth' then now() + interval '1 hour'
        when d.metrics_sync_failures + 1 >= 10 then null
        else now() + least(interval '15 minutes' * power(2, d.metrics_sync_failures), interval '1 day')
      end
    from summary s
    where d.id = s.distribution_id
    returning d.id, d.client_id, d.platform_id, d.content_id, d.timezone, d.published_at, d.impressions,
              d.engagements, d.clicks, d.shares, d.engagement_rate, d.engagement_base, d.engagement_count, s.apply,
              s.removed
  ), platform_changes as (
    select t.platform_id, t.client_id,
           max(t.recorded_at) filter (where t.ok) as synced_at,
           count(*) filter (where t.ok)::integer as synced,
           count(*) filter (where not t.ok and not t.removed)::integer as failed,
           (array_agg(t.error order by t.ord desc) filter (where not t.ok and not t.removed))[1] as last_error,
           (array_agg(t.error order by t.ord desc) filter (where t.error_class = 'auth' and not t.ok))[1] as auth_error,
           max(coalesce(t.retry_at, now() + interval '15 minutes'))
             filter (where t.error_class = 'rate_limited' and not t.ok) as paused_until
    from target t
    group by t.platform_id, t.client_id
  ), platforms_updated as (
    update public.platforms p set
      last_metrics_sync_at = greatest(p.last_metrics_sync_at, c.synced_at),
      metrics_last_error = coalesce(c.last_error, p.metrics_last_error),
      metrics_last_error_at = case when c.failed > 0 then now() else p.metrics_last_error_at end,
      metrics_paused_until = case when c.paused_until is not null
                                  then greatest(p.metrics_paused_until, c.paused_until) else p.metrics_paused_until end,
      needs_reconnection = p.needs_reconnection or c.auth_error is not null,
      reconnection_reason = case when c.auth_error is not null then c.auth_error else p.reconnection_reason end
    from platform_changes c
    where p.id = c.platform_id
    returning p.id
  ), stats as (
    insert into public.metrics_sync_stats as s (platform_id, client_id, hour, synced, failed)
    select c.platform_id, c.client_id, date_bin(interval '1 hour', now(), timestamptz '2000-01-01 00:00:00+00'),
           c.synced, c.failed
    from platform_changes c
    on conflict (platform_id, hour) do update
      set synced = s.synced + excluded.synced, failed = s.failed + excluded.failed
    returning s.platform_id
  ), patterns as materialized (
    select pp.id, pp.client_id, pp.platform_id,
           case when pp.pattern_type = 'timing' then private.timing_slots(pp.pattern_template) end as slots
    from public.platform_patterns pp
    where pp.platform_id in (select u.platform_id from updated u where u.apply)
  ), feedback as (
    insert into public.pattern_feedback as f (
      client_id, pattern_id, content_id, distribution_id, pattern_applied, impressions, engagements, clicks,
      shares, engagement_rate, engagement_base, engagement_count, posted_at, day_of_week, hour_of_day)
    select u.client_id, pt.id, u.content_id, u.id,
           exists (select 1 from public.distribution_patterns dp where dp.distribution_id = u.id and dp.pattern_id = pt.id)
             or coalesce(exists (
                  select 1 from jsonb_array_elements(pt.slots) sl
                  where sl -> 'day_of_week' = to_jsonb(l.dow) and sl -> 'hour' = to_jsonb(l.hour)), false),
           u.impressions, u.engagements, u.clicks, u.shares, u.engagement_rate, u.engagement_base,
           u.engagement_count, u.published_at, l.dow, l.hour
    from updated u
    join patterns pt on pt.platform_id = u.platform_id
    cross join lateral (
      select extract(dow from u.published_at at time zone u.timezone)::smallint as dow,
             extract(hour from u.published_at at time zone u.timezone)::smallint as hour
    ) l
    where u.apply and u.engagement_rate is not null
    on conflict (pattern_id, distribution_id) do update set
      pattern_applied = excluded.pattern_applied, content_id = excluded.content_id,
      impressions = excluded.impressions, engagements = excluded.engagements, clicks = excluded.clicks,
      shares = excluded.shares, engagement_rate = excluded.engagement_rate,
      engagement_base = excluded.engagement_base, engagement_count = excluded.engagement_count,
      posted_at = excluded.posted_at, day_of_week = excluded.day_of_week, hour_of_day = excluded.hour_of_day
    returning f.id
  )
  select jsonb_build_object(
    'recorded', (select count(*) from snapshots),
    'failed', (select count(*) from updated u join summary s on s.distribution_id = u.id
               where not s.ok and not s.removed),
    'removed', (select count(*) from updated u where u.removed),
    'ignored', coalesce((select jsonb_agg(distinct x.distribution_id) from parsed x
                         where not exists (select 1 from target t where t.distribution_id = x.distribution_id)),
                        '[]'::jsonb),
    'feedback', (select count(*) from feedback),
    'platforms', (select count(*) from platforms_updated) + 0 * (select count(*) from stats)
  ) into v_result;
  return v_result;
end
$$;

COMMENT ON FUNCTION private.record_metrics(p_batch jsonb) IS 'Records a batch of metric reads and failures in one statement (snapshots, summary and rates, backoff, platform health, hourly stats, pattern_feedback in the distribution''s time zone; posts the platform says do not exist marked unpublish_state removed_on_platform and no longer synced). supabase/schemas/300_record_metrics.sql describes p_batch.';

REVOKE ALL ON FUNCTION private.record_metrics(p_batch jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION private.record_metrics(p_batch jsonb) TO service_role;

CREATE FUNCTION private.timing_slots(p_template text) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
declare
  v jsonb;
begin
  v := p_template::jsonb;
  return case when jsonb_typeof(v) = 'array' then v end;
exception when others then
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.timing_slots(p_template text) FROM PUBLIC;
