-- Engagement rates computed from the metric snapshots.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.compute_engagement_rates() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_kind text;
  v record;
begin
  select p.kind into v_kind from public.platforms p where p.id = new.platform_id;
  select * into v from private.engagement_inputs(v_kind, new.impressions, new.reach, new.engagements, new.likes,
                                                 new.comments, new.shares, new.saves, new.video_views,
                                                 new.platform_metrics);
  -- A negative input is left to the columns' check constraints to reject.
  new.engagement_base := case when v.base >= 0 then v.base end;
  new.engagement_count := case when v.engaged >= 0 then v.engaged end;
  -- An insert that brings its own rates (an import of history) keeps them.
  if tg_op = 'UPDATE' or (new.engagement_rate is null and new.click_through_rate is null) then
    new.engagement_rate := case when v.base > 0 and v.engaged >= 0
                                then round(100.0 * v.engaged / v.base, 4) end;
    new.click_through_rate := case when v.base > 0 and new.clicks >= 0
                                   then round(100.0 * new.clicks / v.base, 4) end;
  end if;
  return new;
end
$$;

COMMENT ON FUNCTION private.compute_engagement_rates() IS 'BEFORE trigger: engagement_base, engagement_count, engagement_rate and click_through_rate from the metrics.';

REVOKE ALL ON FUNCTION private.compute_engagement_rates() FROM PUBLIC;

CREATE FUNCTION private.engagement_inputs(p_kind text, p_impressions integer, p_reach integer, p_engagements integer, p_likes integer, p_comments integer, p_shares integer, p_saves integer, p_video_views integer, p_platform_metrics jsonb, OUT base integer, OUT engaged integer) RETURNS record
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
declare
  v_interactions integer;
  v_hard integer;
  v_soft integer;
begin
  v_interactions := case
    when num_nonnulls(p_likes, p_comments, p_shares, p_saves) = 0 then null
    else coalesce(p_likes, 0) + coalesce(p_comments, 0) + coalesce(p_shares, 0) + coalesce(p_saves, 0)
  end;
  if p_kind = 'email' then
    v_hard := private.metric_count(p_platform_metrics -> 'hard_bounces');
    v_soft := private.metric_count(p_platform_metrics -> 'soft_bounces');
    base := coalesce(p_reach, greatest(p_impressions - v_hard - v_soft, 0));
    engaged := private.metric_count(p_platform_metrics -> 'unique_opens');
  elsif p_kind in ('youtube', 'tiktok') then
    base := p_video_views;
    engaged := coalesce(p_engagements, v_interactions);
  elsif p_kind = 'instagram' then
    base := p_reach;
    engaged := coalesce(p_engagements, v_interactions);
  else
    base := p_impressions;
    engaged := coalesce(p_engagements, v_interactions);
  end if;
end
$$;

COMMENT ON FUNCTION private.engagement_inputs(p_kind text, p_impressions integer, p_reach integer, p_engagements integer, p_likes integer, p_comments integer, p_shares integer, p_saves integer, p_video_views integer, p_platform_metrics jsonb, OUT base integer, OUT engaged integer) IS 'Per platform kind: base (denominator of both rates) and engaged (numerator of engagement_rate). See the comment on distributions.engagement_rate.';

REVOKE ALL ON FUNCTION private.engagement_inputs(p_kind text, p_impressions integer, p_reach integer, p_engagements integer, p_likes integer, p_comments integer, p_shares integer, p_saves integer, p_video_views integer, p_platform_metrics jsonb, OUT base integer, OUT engaged integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.engagement_inputs(p_kind text, p_impressions integer, p_reach integer, p_engagements integer, p_likes integer, p_comments integer, p_shares integer, p_saves integer, p_video_views integer, p_platform_metrics jsonb, OUT base integer, OUT engaged integer) TO service_role;

CREATE FUNCTION private.metric_count(p jsonb) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $_$
  select case
    when jsonb_typeof(p) = 'number' and (p::text)::numeric between 0 and 2147483647
      then round((p::text)::numeric)::integer
    when jsonb_typeof(p) = 'string' and (p #>> '{}') ~ '^\s*\d{1,9}(\.\d+)?\s*$'
      then round((p #>> '{}')::numeric)::integer
  end
$_$;

COMMENT ON FUNCTION private.metric_count(p jsonb) IS 'A metric count from JSON: non-negative number or numeric string -> integer; absent or anything else -> null.';

REVOKE ALL ON FUNCTION private.metric_count(p jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION private.metric_count(p jsonb) TO service_role;

CREATE TRIGGER distributions_engagement_rates BEFORE INSERT OR UPDATE OF impressions, reach, engagements, clicks, likes, comments, shares, saves, video_views, platform_metrics, platform_id ON public.distributions FOR EACH ROW EXECUTE FUNCTION private.compute_engagement_rates();
