-- Slot choice: the posting times, the calendar occurrences and the search for a free slot.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION scheduling.calendar_occurrences(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_recurring_only boolean DEFAULT false) RETURNS TABLE(calendar_id uuid, template_id uuid, date date, time_slot time without time zone, timezone text, at timestamp with time zone, slot_type text, is_locked boolean, distribution_id uuid)
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
begin
  return query
  select c.id, case when c.recurring_pattern is not null then c.id end, c.date, c.time_slot, c.timezone,
         c.starts_at, c.slot_type, c.is_locked, c.distribution_id
  from public.publishing_calendar c
  -- idx_publishing_calendar_platform_starts
  where not p_recurring_only
    and c.platform_id = p_platform_id
    and c.starts_at >= p_from
    and c.starts_at < p_to
  union all
  select null, t.id, o.d, t.time_slot, t.timezone, o.at, t.slot_type, t.is_locked, null
  from public.publishing_calendar t
  cross join lateral (
    select greatest(t.date + 1, (p_from at time zone t.timezone)::date) as lf, (p_to at time zone t.timezone)::date as lt
  ) r
  cross join lateral (
    select g::date as d
    from generate_series(r.lf::timestamp, r.lt::timestamp, interval '1 day') g
    where t.recurring_pattern = 'daily'
    union all
    select g::date
    from generate_series((r.lf + ((extract(dow from t.date)::integer - extract(dow from r.lf)::integer + 7) % 7))::timestamp,
                         r.lt::timestamp, interval '7 days') g
    where t.recurring_pattern = 'weekly'
    union all
    -- the same day of the month, or the month's last day when it is shorter
    select m.d
    from generate_series(
           greatest(1, (extract(year from r.lf) * 12 + extract(month from r.lf)
                        - extract(year from t.date) * 12 - extract(month from t.date))::integer - 1),
           (extract(year from r.lt) * 12 + extract(month from r.lt)
            - extract(year from t.date) * 12 - extract(month from t.date))::integer + 1) n
    cross join lateral (select (t.date + make_interval(months => n))::date as d) m
    where t.recurring_pattern = 'monthly' and m.d between r.lf and r.lt
  ) dd
  cross join lateral (select dd.d, scheduling.local_to_utc(dd.d + t.time_slot, t.timezone) as at) o
  where t.platform_id = p_platform_id
    and t.recurring_pattern is not null
    and r.lf <= r.lt
    and o.at >= p_from and o.at < p_to
    and not exists (
      select 1 from public.publishing_calendar e
      where e.date = o.d and e.time_slot = t.time_slot and e.platform_id = p_platform_id);
end
$$;

COMMENT ON FUNCTION scheduling.calendar_occurrences(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_recurring_only boolean) IS 'Calendar slots of a platform in [p_from, p_to): existing rows and not-yet-materialized occurrences of recurring slots, each with its instant.';

REVOKE ALL ON FUNCTION scheduling.calendar_occurrences(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_recurring_only boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.calendar_occurrences(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_recurring_only boolean) TO authenticated;
GRANT ALL ON FUNCTION scheduling.calendar_occurrences(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_recurring_only boolean) TO service_role;

CREATE FUNCTION scheduling.default_posting_times(p_kind text) RETURNS TABLE(day_of_week integer, hour integer, score numeric)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO ''
    AS $$
  select v.dow, v.hour, v.score
  from (values
    -- The seed's defaults (weekday mornings) for long-form and professional platforms.
    ('wordpress', 1, 9, 1.0), ('wordpress', 2, 10, 1.0), ('wordpress', 3, 9, 1.0), ('wordpress', 4, 10, 1.0),
    ('wordpress', 5, 9, 1.0),
    ('linkedin', 1, 9, 1.0), ('linkedin', 2, 10, 1.0), ('linkedin', 3, 9, 1.0), ('linkedin', 4, 10, 1.0),
    ('linkedin', 5, 9, 1.0),
    ('email', 2, 10, 1.0), ('email', 4, 10, 1.0),
    ('podcast', 2, 6, 1.0), ('podcast', 4, 6, 1.0),
    -- Short-form social: several times a day.
    ('x', 1, 9, 1.0), ('x', 1, 12, 0.9), ('x', 1, 17, 0.8), ('x', 2, 9, 1.0), ('x', 2, 12, 0.9), ('x', 2, 17, 0.8),
    ('x', 3, 9, 1.0), ('x', 3, 12, 0.9), ('x', 3, 17, 0.8), ('x', 4, 9, 1.0), ('x', 4, 12, 0.9), ('x', 4, 17, 0.8),
    ('x', 5, 9, 1.0), ('x', 5, 12, 0.9), ('x', 5, 17, 0.8),
    ('instagram', 0, 11, 0.8), ('instagram', 1, 11, 1.0), ('instagram', 2, 11, 1.0), ('instagram', 3, 11, 1.0),
    ('instagram', 4, 11, 1.0), ('instagram', 5, 11, 1.0), ('instagram', 6, 11, 0.8),
    ('instagram', 1, 19, 0.9), ('instagram', 3, 19, 0.9), ('instagram', 5, 19, 0.9),
    ('tiktok', 2, 19, 1.0), ('tiktok', 3, 19, 1.0), ('tiktok', 4, 19, 1.0), ('tiktok', 5, 19, 1.0),
    ('tiktok', 6, 19, 1.0),
    ('youtube', 4, 15, 1.0), ('youtube', 5, 15, 1.0), ('youtube', 6, 11, 0.9), ('youtube', 0, 11, 0.9)
  ) as v (kind, dow, hour, score)
  where v.kind = p_kind
$$;

COMMENT ON FUNCTION scheduling.default_posting_times(p_kind text) IS 'Default posting times per platform kind (local day_of_week 0 = Sunday, hour), used until a platform has a learned optimal_posting_times pattern.';

REVOKE ALL ON FUNCTION scheduling.default_posting_times(p_kind text) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.default_posting_times(p_kind text) TO authenticated;
GRANT ALL ON FUNCTION scheduling.default_posting_times(p_kind text) TO service_role;

CREATE FUNCTION scheduling.find_slot(p_platform_id uuid, p_tz text, p_slot_type text DEFAULT 'regular'::text, p_not_before timestamp with time zone DEFAULT NULL::timestamp with time zone, p_priority text DEFAULT 'normal'::text, p_exclude uuid DEFAULT NULL::uuid, p_horizon interval DEFAULT NULL::interval) RETURNS TABLE(at timestamp with time zone, calendar_id uuid, template_id uuid, slot_type text, source text)
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    SET plan_cache_mode TO 'force_custom_plan'
    AS $$
declare
  v_min timestamptz := greatest(now(), coalesce(p_not_before, now()));
  v_days integer;
  v_end timestamptz;
  v_window interval;
  v_tiers text[];
  v_scores numeric[];
  v_ws timestamptz;
  v_we timestamptz;
  v_best record;
  v_reason text;
  v_hours timestamptz[];
  v_hour_scores numeric[];
  v_free_at timestamptz[];
  v_free_ids uuid[];
  v_free_templates uuid[];
  v_free_types text[];
  v_dates date[];
  v_times time[];
begin
  select c.optimize_max_days_ahead into v_days
  from public.platforms p join public.clients c on c.id = p.client_id
  where p.id = p_platform_id;
  if not found then
    raise exception 'platform % not found', p_platform_id using errcode = 'no_data_found';
  end if;
  v_end := v_min + make_interval(days => v_days);
  v_window := least(greatest(coalesce(p_horizon, interval '7 days'), interval '1 hour'), make_interval(days => v_days));
  v_tiers := case
    when p_slot_type = 'test' then array['test', 'regular']
    when p_slot_type = 'prime' or p_priority = 'high' then array['prime', 'regular']
    else array['regular']
  end;
  -- 168 scores, indexed by day_of_week * 24 + hour + 1; null where optimize does not post.
  select array_agg(s.score order by g.w) into v_scores
  from generate_series(0, 167) g (w)
  left join scheduling.hour_scores(p_platform_id) s on s.day_of_week * 24 + s.hour = g.w;

  v_ws := v_min;
  while v_ws < v_end loop
    v_we := least(v_ws + v_window, v_end);
    -- The window's hours with a score, and the local dates and times they fall on.
    select coalesce(array_agg(h.at order by h.at), '{}'), coalesce(array_agg(h.score order by h.at), '{}'),
           coalesce(array_agg(distinct (h.at at time zone p_tz)::date), '{}'),
           coalesce(array_agg(distinct (h.at at time zone p_tz)::time), '{}')
      into v_hours, v_hour_scores, v_dates, v_times
    from (
      select scheduling.local_to_utc(d::date + make_time(g.h, 0, 0), p_tz) as at,
             v_scores[extract(dow from d)::integer * 24 + g.h + 1] as score
      from generate_series((v_ws at time zone p_tz)::date::timestamp, (v_we at time zone p_tz)::date::timestamp,
                           interval '1 day') d
      cross join generate_series(0, 23) g (h)
      where v_scores[extract(dow from d)::integer * 24 + g.h + 1] is not null
    ) h
    where h.at >= greatest(v_ws, v_min) and h.at < v_we;
    select coalesce(array_agg(f.at), '{}'), coalesce(array_agg(f.calendar_id), '{}'),
           coalesce(array_agg(f.template_id), '{}'), coalesce(array_agg(f.slot_type), '{}')
      into v_free_at, v_free_ids, v_free_templates, v_free_types
    from scheduling.free_calendar_slots(p_platform_id, v_ws, v_we) f;
    -- Every read below is an index lookup of the candidates' own instants, dates and times (arrays), so the
    -- queue's other rows are never read; each is made once (materialized), not once per candidate.
    with occupied as (
        select k.starts_at as at, k.distribution_id
        from public.publishing_calendar k
        where k.platform_id = p_platform_id and k.starts_at = any (v_hours || v_free_at)
      ),
      keys as materialized (
        select k.date, k.time_slot from public.publishing_calendar k
        where k.date = any (v_dates) and k.time_slot = any (v_times) and k.platform_id = p_platform_id
          and k.distribution_id is distinct from p_exclude
      ),
      recurring as materialized (
        select o.at from scheduling.calendar_occurrences(p_platform_id, v_ws, v_we, true) o
      ),
      spans as materialized (
        select b.lo, b.hi from scheduling.blocked_spans(p_platform_id, v_ws, v_we, p_exclude) b
      ),
      candidates as (
      select f.at, f.calendar_id, f.template_id, f.slot_type as tier, 'calendar'::text as source,
             coalesce(v_scores[extract(dow from f.at at time zone p_tz)::integer * 24
                               + extract(hour from f.at at time zone p_tz)::integer + 1], 0) as score,
             array_position(v_tiers, f.slot_type) as rank, 0 as kind_order
      from unnest(v_free_at, v_free_ids, v_free_templates, v_free_types) as f (at, calendar_id, template_id, slot_type)
      where f.slot_type = any (v_tiers)
        -- another slot at the same instant that holds another post
        and not exists (select 1 from occupied o where o.at = f.at and o.distribution_id is not null
                          and o.distribution_id is distinct from p_exclude)
      union all
      select x.at, null::uuid, null::uuid, 'regular', 'posting_times', x.score, array_position(v_tiers, 'regular'), 1
      from unnest(v_hours, v_hour_scores) as x (at, score)
      -- a calendar slot at this instant speaks for it (a candidate of its own, or taken, locked, reserved)
      where not exists (select 1 from occupied o where o.at = x.at and coalesce(o.distribution_id <> p_exclude, true))
        and not exists (select 1 from recurring o where o.at = x.at)
        -- the post's own calendar key (local date and time) must be free
        and not exists (select 1 from keys k where k.date = (x.at at time zone p_tz)::date
                          and k.time_slot = (x.at at time zone p_tz)::time)
      )
    select c.at, c.calendar_id, c.template_id, c.tier, c.source into v_best
    from candidates c
    where c.at >= v_min
      and not exists (select 1 from spans s where c.at > s.lo and c.at < s.hi)
    order by c.rank, c.score desc, c.at, c.kind_order, c.calendar_id nulls last
    limit 1;
    if found then
      return query select v_best.at, v_best.calendar_id, v_best.template_id, v_best.tier, v_best.source;
      return;
    end if;
    v_ws := v_we;
  end loop;

  -- Nothing allowed up to the cap: name what refuses the best hour of the first window.
  select scheduling.slot_conflict(p_platform_id, h.at, p_tz, p_exclude, v_tiers) into v_reason
  from (
    select scheduling.local_to_utc(d::date + make_time(h, 0, 0), p_tz) as at,
           v_scores[extract(dow from d)::integer * 24 + h + 1] as score
    from generate_series((v_min at time zone p_tz)::date::timestamp,
                         ((v_min + v_window) at time zone p_tz)::date::timestamp, interval '1 day') d
    cross join generate_series(0, 23) h
  ) h
  where h.score is not null and h.at >= v_min
  order by h.score desc, h.at
  limit 1;
  raise exception 'no free slot within % days (optimize_max_days_ahead): %', v_days,
    coalesce(v_reason, 'the platform has no posting hours')
    using errcode = 'SL409',
          hint = 'Raise posts_per_hour / posts_per_day, lower min_interval_minutes, or raise the client''s '
                 'optimize_max_days_ahead.';
end
$$;

COMMENT ON FUNCTION scheduling.find_slot(p_platform_id uuid, p_tz text, p_slot_type text, p_not_before timestamp with time zone, p_priority text, p_exclude uuid, p_horizon interval) IS 'The allowed instant of highest expected value for a new post on a platform within p_horizon (a week by default), at or after p_not_before and now; later windows up to the client''s optimize_max_days_ahead when one has none. Raises SL409 naming the full limit past that.';

REVOKE ALL ON FUNCTION scheduling.find_slot(p_platform_id uuid, p_tz text, p_slot_type text, p_not_before timestamp with time zone, p_priority text, p_exclude uuid, p_horizon interval) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.find_slot(p_platform_id uuid, p_tz text, p_slot_type text, p_not_before timestamp with time zone, p_priority text, p_exclude uuid, p_horizon interval) TO authenticated;
GRANT ALL ON FUNCTION scheduling.find_slot(p_platform_id uuid, p_tz text, p_slot_type text, p_not_before timestamp with time zone, p_priority text, p_exclude uuid, p_horizon interval) TO service_role;

CREATE FUNCTION scheduling.nearest_allowed(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid DEFAULT NULL::uuid, p_slot_types text[] DEFAULT NULL::text[]) RETURNS timestamp with time zone
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
declare
  v_from timestamptz := greatest(p_at, now());
  v_limit timestamptz := greatest(p_at, now()) + interval '17520 hours';
  v_window constant interval := interval '14 days';
  v_candidate timestamptz;
  v_at timestamptz;
  v_reason text;
begin
  perform 1 from public.platforms p where p.id = p_platform_id;
  if not found then
    raise exception 'platform % not found', p_platform_id using errcode = 'no_data_found';
  end if;
  while v_from <= v_limit loop
    for v_candidate in
      with spans as (
        select b.lo, b.hi from scheduling.blocked_spans(p_platform_id, v_from, v_from + v_window, p_exclude) b
      )
      select c.at
      from (select v_from as at union select s.hi from spans s where s.hi >= v_from and s.hi < v_from + v_window) c
      where not exists (select 1 from spans s where c.at > s.lo and c.at < s.hi)
      order by c.at
    loop
      v_at := v_candidate;
      for i in 1..60 loop
        v_reason := scheduling.slot_conflict(p_platform_id, v_at, p_tz, p_exclude, p_slot_types);
        if v_reason is null then
          return v_at;
        end if;
        -- a limit: a later span end is the next candidate
        exit when v_reason like 'min_interval%' or v_reason like 'posts_per%';
        v_at := v_at + interval '1 minute';
      end loop;
    end loop;
    v_from := v_from + v_window;
  end loop;
  raise exception 'no allowed time on platform % within 2 years after %', p_platform_id, scheduling.to_utc_iso(p_at)
    using errcode = 'P0001';
end
$$;

COMMENT ON FUNCTION scheduling.nearest_allowed(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid, p_slot_types text[]) IS 'The earliest instant at or after p_at (and now) at which the platform may take a post.';

REVOKE ALL ON FUNCTION scheduling.nearest_allowed(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid, p_slot_types text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.nearest_allowed(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid, p_slot_types text[]) TO authenticated;
GRANT ALL ON FUNCTION scheduling.nearest_allowed(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid, p_slot_types text[]) TO service_role;

CREATE FUNCTION scheduling.platform_posts(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_exclude uuid DEFAULT NULL::uuid) RETURNS SETOF timestamp with time zone
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select d.scheduled_for from public.distributions d
  where d.platform_id = p_platform_id and d.status in ('scheduled', 'publishing', 'unconfirmed', 'pending_approval')
    and d.scheduled_for > p_from and d.scheduled_for < p_to and d.id is distinct from p_exclude
  union all
  select d.published_at from public.distributions d
  where d.platform_id = p_platform_id and d.status = 'published'
    and d.published_at > p_from and d.published_at < p_to and d.id is distinct from p_exclude
$$;

REVOKE ALL ON FUNCTION scheduling.platform_posts(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_exclude uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.platform_posts(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_exclude uuid) TO authenticated;
GRANT ALL ON FUNCTION scheduling.platform_posts(p_platform_id uuid, p_from timestamp with time zone, p_to timestamp with time zone, p_exclude uuid) TO service_role;

CREATE FUNCTION scheduling.posting_times(p_platform_id uuid) RETURNS TABLE(day_of_week integer, hour integer, score numeric)
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
declare
  v_template text;
  v_kind text;
begin
  select p.kind into v_kind from public.platforms p where p.id = p_platform_id;
  select pp.pattern_template into v_template
  from public.platform_patterns pp
  where pp.platform_id = p_platform_id and pp.pattern_type = 'timing' and pp.pattern_name = 'optimal_posting_times';

  if v_template is not null then
    begin
      return query
      select distinct (e ->> 'day_of_week')::integer, (e ->> 'hour')::integer,
             coalesce((e ->> 'score')::numeric, 1)
      from jsonb_array_elements(v_template::jsonb) as e
      where (e ->> 'day_of_week')::integer between 0 and 6 and (e ->> 'hour')::integer between 0 and 23;
      if found then
        return;
      end if;
    exception when others then
      -- A malformed pattern must not stop scheduling: fall back to the defaults.
      raise warning 'platform %: unreadable optimal_posting_times pattern (%), using defaults', p_platform_id, sqlerrm;
    end;
  end if;
  return query select * from scheduling.default_posting_times(v_kind);
end
$$;

COMMENT ON FUNCTION scheduling.posting_times(p_platform_id uuid) IS 'Posting times of a platform: its platform_patterns timing/optimal_posting_times entries, else the kind''s defaults.';

REVOKE ALL ON FUNCTION scheduling.posting_times(p_platform_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.posting_times(p_platform_id uuid) TO authenticated;
GRANT ALL ON FUNCTION scheduling.posting_times(p_platform_id uuid) TO service_role;

CREATE FUNCTION scheduling.now_if_just_past(p_at timestamp with time zone) RETURNS timestamp with time zone
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  -- A client that asks for "now" sends the current second (or its clock runs a little behind): an exact
  -- time at most 30 seconds old is now, not a time in the past.
  select case when p_at < now() and p_at >= now() - interval '30 seconds' then now() else p_at end
$$;

COMMENT ON FUNCTION scheduling.now_if_just_past(p_at timestamp with time zone) IS 'An exact posting time as meant: at most 30 seconds old is now(); any other time as given (older ones are refused as in the past by slot_conflict).';

REVOKE ALL ON FUNCTION scheduling.now_if_just_past(p_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.now_if_just_past(p_at timestamp with time zone) TO authenticated;
GRANT ALL ON FUNCTION scheduling.now_if_just_past(p_at timestamp with time zone) TO service_role;

CREATE FUNCTION scheduling.slot_conflict(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid DEFAULT NULL::uuid, p_slot_types text[] DEFAULT NULL::text[], p_allow_locked boolean DEFAULT false) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO ''
    AS $$
declare
  v_p record;
  v_occ record;
  v_usable boolean := false;
  v_locked boolean := false;
  v_reserved text;
  v_key record;
  v_other timestamptz;
begin
  select p.posts_per_hour, p.posts_per_day, p.min_interval_minutes into v_p
  from public.platforms p where p.id = p_platform_id;
  if not found then
    return 'platform not found';
  end if;
  if p_at < now() then
    return format('%s is in the past', scheduling.to_utc_iso(p_at));
  end if;

  for v_occ in select * from scheduling.calendar_occurrences(p_platform_id, p_at, p_at + interval '1 microsecond') loop
    if v_occ.distribution_id is not null and v_occ.distribution_id is distinct from p_exclude then
      return format('slot taken: %s %s (%s) holds distribution %s', v_occ.date, v_occ.time_slot, v_occ.timezone,
                    v_occ.distribution_id);
    elsif v_occ.is_locked and not p_allow_locked and v_occ.distribution_id is null then
      v_locked := true;
    elsif p_slot_types is not null and not (v_occ.slot_type = any (p_slot_types)) then
      v_reserved := v_occ.slot_type;
    else
      v_usable := true;
    end if;
  end loop;
  if not v_usable then
    if v_locked then
      return 'locked slot';
    elsif v_reserved is not null then
      return format('%s slot (reserved for %s)', v_reserved,
                    case v_reserved when 'prime' then 'high-priority content' when 'test' then 'A/B variants'
                                    else 'other content' end);
    end if;
    -- No slot at this instant: the post would get a row at its local (date, time_slot); that key must be free.
    select c.distribution_id, c.is_locked, c.timezone into v_key
    from public.publishing_calendar c
    where c.platform_id = p_platform_id and c.date = (p_at at time zone p_tz)::date
      and c.time_slot = (p_at at time zone p_tz)::time and c.distribution_id is distinct from p_exclude;
    if found then
      if v_key.distribution_id is not null then
        return format('slot taken: %s holds distribution %s', scheduling.to_local_iso(p_at, p_tz), v_key.distribution_id);
      elsif v_key.is_locked then
        return 'locked slot';
      else
        return format('the calendar slot at local %s is defined in time zone %s',
                      scheduling.to_local_iso(p_at, p_tz), v_key.timezone);
      end if;
    end if;
  end if;

  if coalesce(v_p.min_interval_minutes, 0) > 0 then
    select t into v_other
    from scheduling.platform_posts(p_platform_id, p_at - make_interval(mins => v_p.min_interval_minutes),
                                   p_at + make_interval(mins => v_p.min_interval_minutes), p_exclude) as t
    order by abs(extract(epoch from t - p_at)) limit 1;
    if found then
      return format('min_interval_minutes (%s): another post at %s', v_p.min_interval_minutes,
                    scheduling.to_utc_iso(v_other));
    end if;
  end if;
  if v_p.posts_per_hour is not null
     and scheduling.window_full(p_platform_id, p_at, interval '1 hour', v_p.posts_per_hour, p_exclude) then
    return format('posts_per_hour limit (%s) reached', v_p.posts_per_hour);
  end if;
  if v_p.posts_per_day is not null
     and scheduling.window_full(p_platform_id, p_at, interval '24 hours', v_p.posts_per_day, p_exclude) then
    return format('posts_per_day limit (%s) reached', v_p.posts_per_day);
  end if;
  return null;
end
$$;

COMMENT ON FUNCTION scheduling.slot_conflict(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid, p_slot_types text[], p_allow_locked boolean) IS 'Why a post on the platform at p_at is not allowed (past, taken or locked slot, reserved slot type, min_interval_minutes, posts_per_hour, posts_per_day), or null when it is.';

REVOKE ALL ON FUNCTION scheduling.slot_conflict(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid, p_slot_types text[], p_allow_locked boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.slot_conflict(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid, p_slot_types text[], p_allow_locked boolean) TO authenticated;
GRANT ALL ON FUNCTION scheduling.slot_conflict(p_platform_id uuid, p_at timestamp with time zone, p_tz text, p_exclude uuid, p_slot_types text[], p_allow_locked boolean) TO service_role;

CREATE FUNCTION scheduling.window_full(p_platform_id uuid, p_at timestamp with time zone, p_len interval, p_max integer, p_exclude uuid DEFAULT NULL::uuid) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select exists (
    select 1
    from (select t, lead(t, p_max - 1) over (order by t) as t2
          from scheduling.platform_posts(p_platform_id, p_at - p_len, p_at + p_len, p_exclude) as t) x
    where x.t2 is not null and greatest(x.t2, p_at) - least(x.t, p_at) < p_len
  )
$$;

REVOKE ALL ON FUNCTION scheduling.window_full(p_platform_id uuid, p_at timestamp with time zone, p_len interval, p_max integer, p_exclude uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.window_full(p_platform_id uuid, p_at timestamp with time zone, p_len interval, p_max integer, p_exclude uuid) TO authenticated;
GRANT ALL ON FUNCTION scheduling.window_full(p_platform_id uuid, p_at timestamp with time zone, p_len interval, p_max integer, p_exclude uuid) TO service_role;
