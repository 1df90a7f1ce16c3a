-- Pattern placement: which learned pattern placed a distribution. When slot choice (`optimize`:
-- scheduling.find_slot) places a post on a platform whose posting times come from its learned timing pattern
-- (platform_patterns timing / optimal_posting_times), the scheduler records the pair in distribution_patterns in
-- the same transaction, so pattern_feedback.pattern_applied and pattern_lift compare the posts the pattern
-- placed with those placed otherwise (an exact time, the nearest allowed one, a cross-post group following
-- its first member). A post moved to an exact time is no longer the pattern's: its row goes.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION scheduling.placing_patterns(p_platform_id uuid) RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
declare
  v_id uuid;
  v_template text;
begin
  select pp.id, pp.pattern_template into v_id, v_template
  from public.platform_patterns pp
  where pp.platform_id = p_platform_id and pp.pattern_type = 'timing' and pp.pattern_name = 'optimal_posting_times';
  if v_id is null or v_template is null then
    return;
  end if;
  -- The pattern speaks for slot choice exactly when scheduling.posting_times reads it (a readable template
  -- with at least one slot); otherwise the kind's defaults did, and no pattern placed the post.
  begin
    perform 1
    from jsonb_array_elements(v_template::jsonb) as e
    where (e ->> 'day_of_week')::integer between 0 and 6 and (e ->> 'hour')::integer between 0 and 23
      and coalesce((e ->> 'score')::numeric, 1) is not null;
    if found then
      return next v_id;
    end if;
  exception when others then
    return;
  end;
end
$$;

COMMENT ON FUNCTION scheduling.placing_patterns(p_platform_id uuid) IS 'The learned patterns slot choice reads for a platform now: its timing/optimal_posting_times pattern when scheduling.posting_times uses it (not the kind''s defaults).';

REVOKE ALL ON FUNCTION scheduling.placing_patterns(p_platform_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.placing_patterns(p_platform_id uuid) TO authenticated;
GRANT ALL ON FUNCTION scheduling.placing_patterns(p_platform_id uuid) TO service_role;

CREATE FUNCTION scheduling.record_placement(p_distribution_id uuid, p_placed_by_patterns boolean) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_platform_id uuid;
  v_client_id uuid;
begin
  select d.platform_id, d.client_id into v_platform_id, v_client_id
  from public.distributions d where d.id = p_distribution_id;
  if not found then
    return;
  end if;
  if p_placed_by_patterns then
    insert into public.distribution_patterns (distribution_id, pattern_id, client_id)
    select p_distribution_id, p.id, v_client_id
    from scheduling.placing_patterns(v_platform_id) as p (id)
    on conflict (distribution_id, pattern_id) do nothing;
  else
    delete from public.distribution_patterns dp
    using public.platform_patterns pp
    where dp.distribution_id = p_distribution_id and pp.id = dp.pattern_id
      and pp.pattern_type = 'timing' and pp.pattern_name = 'optimal_posting_times';
  end if;
end
$$;

COMMENT ON FUNCTION scheduling.record_placement(p_distribution_id uuid, p_placed_by_patterns boolean) IS 'Records in distribution_patterns the learned patterns that placed a distribution (slot choice chose its time), or removes its timing pattern''s row when its time was chosen otherwise. Runs as the caller, inside the scheduling transaction.';

REVOKE ALL ON FUNCTION scheduling.record_placement(p_distribution_id uuid, p_placed_by_patterns boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.record_placement(p_distribution_id uuid, p_placed_by_patterns boolean) TO authenticated;
GRANT ALL ON FUNCTION scheduling.record_placement(p_distribution_id uuid, p_placed_by_patterns boolean) TO service_role;
