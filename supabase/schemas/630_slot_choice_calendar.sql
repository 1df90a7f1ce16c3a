-- Slot choice over the calendar's instants: publishing_calendar.starts_at (kept by a trigger), free slots,
-- blocked spans and hour scores.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.publishing_calendar_starts_at() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  new.starts_at := case when private.is_valid_timezone(new.timezone)
                        then scheduling.local_to_utc(new.date + new.time_slot, new.timezone) end;
  return new;
end
$$;

REVOKE ALL ON FUNCTION private.publishing_calendar_starts_at() FROM PUBLIC;

CREATE FUNCTION scheduling.blocked_spans(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_exclude uuid DEFAULT NULL::uuid) RETURNS TABLE(lo timestamp with time zone, hi timestamp with time zone, why text)
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
declare
  v_p record;
  v_m interval;
begin
  select p.posts_per_hour, p.posts_per_day, make_interval(mins => coalesce(p.min_interval_minutes, 0)) as m
    into v_p
  from public.platforms p where p.id = p_platform_id;
  if not found then
    return;
  end if;
  v_m := v_p.m;
  return query
  with posts as (
    select t from scheduling.platform_posts(p_platform_id, p_from - interval '24 hours' - v_m,
                                            p_to + interval '24 hours' + v_m, p_exclude) t
  )
  select x.t - v_m, x.t + v_m, format('min_interval_minutes (%s): another post at %s',
                                     v_p.m, scheduling.to_utc_iso(x.t))
  from posts x where v_m > interval '0'
  union all
  select r.b - interval '1 hour', r.a + interval '1 hour', format('posts_per_hour limit (%s) reached', v_p.posts_per_hour)
  from (select t as a, lead(t, v_p.posts_per_hour - 1) over (order by t) as b from posts) r
  where v_p.posts_per_hour is not null and r.b is not null and r.b - r.a < interval '1 hour'
  union all
  select r.b - interval '24 hours', r.a + interval '24 hours', format('posts_per_day limit (%s) reached', v_p.posts_per_day)
  from (select t as a, lead(t, v_p.posts_per_day - 1) over (order by t) as b from posts) r
  where v_p.posts_per_day is not null and r.b is not null and r.b - r.a < interval '24 hours';
end
$$;

COMMENT ON FUNCTION scheduling.blocked_spans(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_exclude uuid) IS 'Open time spans in which the platform''s min_interval_minutes, posts_per_hour or posts_per_day refuse a post, computed from the posts near [p_from, p_to).';

REVOKE ALL ON FUNCTION scheduling.blocked_spans(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_exclude uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.blocked_spans(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_exclude uuid) TO authenticated;
GRANT ALL ON FUNCTION scheduling.blocked_spans(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_exclude uuid) TO service_role;

CREATE FUNCTION scheduling.free_calendar_slots(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone) RETURNS TABLE(calendar_id uuid, template_id uuid, at timestamp with time zone, slot_type text)
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
begin
  return query
  select c.id, case when c.recurring_pattern is not null then c.id end, c.starts_at, c.slot_type
  from public.publishing_calendar c
  -- idx_publishing_calendar_free_starts
  where c.platform_id = p_platform_id and c.distribution_id is null and not c.is_locked
    and c.starts_at >= p_from and c.starts_at < p_to
  union all
  select null, o.template_id, o.at, o.slot_type
  from scheduling.calendar_occurrences(p_platform_id, p_from, p_to, true) o
  where not o.is_locked;
end
$$;

COMMENT ON FUNCTION scheduling.free_calendar_slots(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone) IS 'Free, unlocked calendar slots of a platform in [p_from, p_to): rows without a post and not-yet-materialized occurrences of recurring slots.';

REVOKE ALL ON FUNCTION scheduling.free_calendar_slots(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.free_calendar_slots(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone) TO authenticated;
GRANT ALL ON FUNCTION scheduling.free_calendar_slots(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone) TO service_role;

CREATE FUNCTION scheduling.hour_scores(p_platform_id uuid) RETURNS TABLE(day_of_week integer, hour integer, score numeric)
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $_$
declare
  v_learning jsonb;
  v_first integer := 6;
  v_last integer := 22;
begin
  select p.publish_config -> 'learning' into v_learning from public.platforms p where p.id = p_platform_id;
  -- Values a member wrote badly never stop scheduling: anything but an hour 0-23 means the default.
  if jsonb_typeof(v_learning -> 'first_hour') = 'number' and (v_learning ->> 'first_hour') ~ '^([0-9]|1[0-9]|2[0-3])$' then
    v_first := (v_learning ->> 'first_hour')::integer;
  end if;
  if jsonb_typeof(v_learning -> 'last_hour') = 'number' and (v_learning ->> 'last_hour') ~ '^([0-9]|1[0-9]|2[0-3])$' then
    v_last := (v_learning ->> 'last_hour')::integer;
  end if;
  return query
  with t as (
    select pt.day_of_week * 24 + pt.hour as w, max(pt.score)::double precision as score
    from scheduling.posting_times(p_platform_id) pt
    group by 1
  )
  select g.w / 24, g.w % 24,
         coalesce(t.score,
                  (select 0.5 * max(o.score * power(2.0::double precision,
                                                    -least(abs(g.w - o.w), 168 - abs(g.w - o.w))::double precision / 2))
                   from t o)
         )::numeric(12, 6)
  from generate_series(0, 167) g (w)
  left join t on t.w = g.w
  where t.w is not null or (g.w % 24 between v_first and v_last);
end
$_$;

COMMENT ON FUNCTION scheduling.hour_scores(p_platform_id uuid) IS 'Expected value of each hour of the week (local) on a platform: its posting times at their score, the other hours of its posting day (publish_config.learning first_hour..last_hour) decaying from the nearest peaks.';

REVOKE ALL ON FUNCTION scheduling.hour_scores(p_platform_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.hour_scores(p_platform_id uuid) TO authenticated;
GRANT ALL ON FUNCTION scheduling.hour_scores(p_platform_id uuid) TO service_role;

CREATE TRIGGER publishing_calendar_starts_at BEFORE INSERT OR UPDATE ON public.publishing_calendar FOR EACH ROW EXECUTE FUNCTION private.publishing_calendar_starts_at();
