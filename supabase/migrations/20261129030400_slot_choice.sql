-- Slot choice: which instants a platform may take a post at, and the best one. All reads run as the caller
-- (SECURITY INVOKER): a member sees every row of its own platforms, which is all these functions need.
--
-- Candidates, in order of preference:
--   1. the publishing calendar: recurring slots (daily | weekly | monthly, expanded in the slot row's own time
--      zone from its date/time_slot) and one-off rows that are free and not locked, of the wanted slot type
--      (prime for high priority, test for A/B variants, regular otherwise; prime and test fall back to regular);
--   2. the platform's posting times: platform_patterns 'timing'/'optimal_posting_times' ([{day_of_week 0-6
--      (0 = Sunday), hour 0-23, score?}] in local time), else per-kind defaults.
-- Within a tier the earliest allowed instant wins. An instant is allowed when it is not in the past, its calendar
-- slot is not taken or locked (or reserved for another slot type), and a post there keeps every rolling hour and
-- rolling 24 hours containing it within posts_per_hour / posts_per_day and is min_interval_minutes from its
-- neighbours, counting rows scheduled, in flight or published. The search goes up to two years ahead.

create or replace function scheduling.default_posting_times(p_kind text)
returns table (day_of_week integer, hour integer, score numeric)
language sql
immutable
parallel safe
set search_path = ''
as $$
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

comment on function scheduling.default_posting_times(text) is
  'Default posting times per platform kind (local day_of_week 0 = Sunday, hour), used until a platform has a '
  'learned optimal_posting_times pattern.';

-- The platform's posting times: its learned pattern when it parses to at least one valid entry, else the defaults.
create or replace function scheduling.posting_times(p_platform_id uuid)
returns table (day_of_week integer, hour integer, score numeric)
language plpgsql
stable
set search_path = ''
as $$
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

comment on function scheduling.posting_times(uuid) is
  'Posting times of a platform: its platform_patterns timing/optimal_posting_times entries, else the kind''s defaults.';

-- Every calendar slot of a platform whose instant falls in [p_from, p_to): the rows themselves (calendar_id set),
-- plus occurrences of recurring slots that have no row yet (calendar_id null, template_id = the recurring row).
-- A row at an occurrence's (date, time_slot) stands for that occurrence (taken, locked or free).
create or replace function scheduling.calendar_occurrences(p_platform_id uuid, p_from timestamptz, p_to timestamptz)
returns table (
  calendar_id uuid, template_id uuid, date date, time_slot time, timezone text, at timestamptz,
  slot_type text, is_locked boolean, distribution_id uuid
)
-- plpgsql rather than sql: its plan is cached per session; a non-inlinable sql function (it pins search_path) is
-- planned again on every call, which cost more than running it on every calendar write.
language plpgsql
stable
set search_path = ''
as $$
begin
  return query
  select c.id, case when c.recurring_pattern is not null then c.id end, c.date, c.time_slot, c.timezone,
         scheduling.local_to_utc(c.date + c.time_slot, c.timezone), c.slot_type, c.is_locked, c.distribution_id
  from public.publishing_calendar c
  -- the expression of idx_publishing_calendar_platform_instant
  where c.platform_id = p_platform_id
    and scheduling.local_to_utc(c.date + c.time_slot, c.timezone) >= p_from
    and scheduling.local_to_utc(c.date + c.time_slot, c.timezone) < p_to
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

comment on function scheduling.calendar_occurrences(uuid, timestamptz, timestamptz) is
  'Calendar slots of a platform in [p_from, p_to): existing rows and not-yet-materialized occurrences of recurring '
  'slots, each with its instant.';

-- Instants of the posts that count against a platform's limits, in (p_from, p_to): scheduled, in flight or
-- unconfirmed rows at scheduled_for, published rows at published_at.
create or replace function scheduling.platform_posts(
  p_platform_id uuid, p_from timestamptz, p_to timestamptz, p_exclude uuid default null
) returns setof timestamptz
language sql
stable
set search_path = ''
as $$
  select d.scheduled_for from public.distributions d
  where d.platform_id = p_platform_id and d.status in ('scheduled', 'publishing', 'unconfirmed')
    and d.scheduled_for > p_from and d.scheduled_for < p_to and d.id is distinct from p_exclude
  union all
  select d.published_at from public.distributions d
  where d.platform_id = p_platform_id and d.status = 'published'
    and d.published_at > p_from and d.published_at < p_to and d.id is distinct from p_exclude
$$;

-- Would a post at p_at make some window of length p_len containing p_at hold more than p_max posts? True when
-- p_max existing posts, consecutive in time, span together with p_at less than p_len.
create or replace function scheduling.window_full(
  p_platform_id uuid, p_at timestamptz, p_len interval, p_max integer, p_exclude uuid default null
) returns boolean
language sql
stable
set search_path = ''
as $$
  select exists (
    select 1
    from (select t, lead(t, p_max - 1) over (order by t) as t2
          from scheduling.platform_posts(p_platform_id, p_at - p_len, p_at + p_len, p_exclude) as t) x
    where x.t2 is not null and greatest(x.t2, p_at) - least(x.t, p_at) < p_len
  )
$$;

-- Why a post on the platform at p_at (local zone p_tz) is not allowed, or null when it is. p_exclude: the
-- distribution being moved (its own slot and post do not count). p_slot_types: the calendar slot types this post
-- may occupy (null = any, for times a person chose). p_allow_locked: a person assigns a locked slot.
create or replace function scheduling.slot_conflict(
  p_platform_id uuid,
  p_at timestamptz,
  p_tz text,
  p_exclude uuid default null,
  p_slot_types text[] default null,
  p_allow_locked boolean default false
) returns text
language plpgsql
stable
set search_path = ''
as $$
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

comment on function scheduling.slot_conflict(uuid, timestamptz, text, uuid, text[], boolean) is
  'Why a post on the platform at p_at is not allowed (past, taken or locked slot, reserved slot type, '
  'min_interval_minutes, posts_per_hour, posts_per_day), or null when it is.';

-- The earliest allowed instant at or after p_at. Blocked stretches end at a neighbour + min_interval, a post
-- + 1 hour or + 24 hours leaving the rolling windows, or the minute after a taken/locked slot: those are the candidates.
create or replace function scheduling.nearest_allowed(
  p_platform_id uuid,
  p_at timestamptz,
  p_tz text,
  p_exclude uuid default null,
  p_slot_types text[] default null
) returns timestamptz
language plpgsql
stable
set search_path = ''
as $$
declare
  v_at timestamptz := greatest(p_at, now());
  v_limit timestamptz := greatest(p_at, now()) + interval '17520 hours';
  v_m interval;
  v_next timestamptz;
  v_reason text;
begin
  select make_interval(mins => coalesce(p.min_interval_minutes, 0)) into v_m
  from public.platforms p where p.id = p_platform_id;
  if not found then
    raise exception 'platform % not found', p_platform_id using errcode = 'no_data_found';
  end if;
  loop
    if v_at > v_limit then
      raise exception 'no allowed time on platform % within 2 years after %', p_platform_id, scheduling.to_utc_iso(p_at)
        using errcode = 'P0001';
    end if;
    v_reason := scheduling.slot_conflict(p_platform_id, v_at, p_tz, p_exclude, p_slot_types);
    if v_reason is null then
      return v_at;
    end if;
    if v_reason not like 'min_interval%' and v_reason not like 'posts_per%' then
      -- a calendar slot at this very instant: the next minute
      v_at := v_at + interval '1 minute';
      continue;
    end if;
    select min(e) into v_next
    from scheduling.platform_posts(p_platform_id, v_at - interval '24 hours', v_at + interval '24 hours' + v_m,
                                   p_exclude) as t
    cross join lateral (values (t + v_m), (t + interval '1 hour'), (t + interval '24 hours')) as ev (e)
    where e > v_at;
    v_at := coalesce(v_next, v_at + interval '1 minute');
  end loop;
end
$$;

comment on function scheduling.nearest_allowed(uuid, timestamptz, text, uuid, text[]) is
  'The earliest instant at or after p_at (and now) at which the platform may take a post.';

-- The best allowed instant for a new post on the platform, and the calendar slot it uses (calendar_id: an existing
-- row; template_id: the recurring slot whose occurrence it is; both null for a posting time).
create or replace function scheduling.find_slot(
  p_platform_id uuid,
  p_tz text,
  p_slot_type text default 'regular',
  p_not_before timestamptz default null,
  p_priority text default 'normal',
  p_exclude uuid default null
) returns table (at timestamptz, calendar_id uuid, template_id uuid, slot_type text, source text)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_min timestamptz := greatest(now(), coalesce(p_not_before, now()));
  v_horizon timestamptz := greatest(now(), coalesce(p_not_before, now())) + interval '17520 hours';
  v_window constant interval := interval '336 hours';
  v_tiers text[];
  v_tier text;
  v_ws timestamptz;
  v_c record;
begin
  v_tiers := case
    when p_slot_type = 'test' then array['test', 'regular']
    when p_slot_type = 'prime' or p_priority = 'high' then array['prime', 'regular']
    else array['regular']
  end;

  foreach v_tier in array v_tiers loop
    continue when not exists (
      select 1 from public.publishing_calendar c
      where c.platform_id = p_platform_id and c.slot_type = v_tier and not c.is_locked
        and (c.recurring_pattern is not null
             or (c.distribution_id is null and c.date >= (v_min at time zone 'UTC')::date - 1)));
    v_ws := v_min;
    while v_ws < v_horizon loop
      for v_c in
        select o.at, o.calendar_id, o.template_id
        from scheduling.calendar_occurrences(p_platform_id, v_ws, v_ws + v_window) o
        where o.slot_type = v_tier and not o.is_locked and o.distribution_id is null
        order by o.at, o.calendar_id nulls last
      loop
        if scheduling.slot_conflict(p_platform_id, v_c.at, p_tz, p_exclude, array[v_tier]) is null then
          return query select v_c.at, v_c.calendar_id, v_c.template_id, v_tier, 'calendar'::text;
          return;
        end if;
      end loop;
      v_ws := v_ws + v_window;
    end loop;
  end loop;

  v_ws := v_min;
  while v_ws < v_horizon loop
    for v_c in
      select x.at
      from (
        select scheduling.local_to_utc(d::date + make_time(pt.hour, 0, 0), p_tz) as at, pt.score
        from generate_series((v_ws at time zone p_tz)::date::timestamp,
                             ((v_ws + v_window) at time zone p_tz)::date::timestamp, interval '1 day') d
        join scheduling.posting_times(p_platform_id) pt on pt.day_of_week = extract(dow from d)::integer
      ) x
      where x.at >= v_ws and x.at < v_ws + v_window
      order by x.at, x.score desc
    loop
      if scheduling.slot_conflict(p_platform_id, v_c.at, p_tz, p_exclude, v_tiers) is null then
        return query select v_c.at, null::uuid, null::uuid, 'regular'::text, 'posting_times'::text;
        return;
      end if;
    end loop;
    v_ws := v_ws + v_window;
  end loop;

  raise exception 'no allowed slot on platform % within 2 years after %', p_platform_id, scheduling.to_utc_iso(v_min)
    using errcode = 'P0001', hint = 'Check the platform''s rate limits, locked slots and posting times.';
end
$$;

comment on function scheduling.find_slot(uuid, text, text, timestamptz, text, uuid) is
  'The best allowed instant for a new post on a platform (calendar slots of the wanted type first, then the '
  'platform''s posting times), at or after p_not_before and now, searching up to two years ahead.';

revoke execute on all functions in schema scheduling from public, anon;
grant execute on all functions in schema scheduling to authenticated, service_role;
