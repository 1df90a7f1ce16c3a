-- Slot choice by expected value, set-based.
--
-- `optimize` picks the allowed instant of highest expected value within a horizon (the caller's, a week by
-- default), not the earliest allowed candidate. Candidates of a window:
--   * the free, unlocked calendar slots of the wanted tier (recurring occurrences included), scored like the rest;
--   * every hour of the platform's posting day (publish_config.learning first_hour..last_hour, 6..22 by default),
--     scored by the platform's curve: its posting times (learned optimal_posting_times, else the kind's
--     defaults) at their own score, and every other hour at half the best nearby posting time's score, halving
--     again with every two hours of distance. So the template's hours come first, and when they are taken the
--     hours around the peaks fill in order of value instead of the queue running months ahead.
-- A candidate is allowed when it is not in the past, no calendar slot at that instant is taken, locked or
-- reserved for another tier, its local (date, time) is free in the calendar, and it lies in no blocked span
-- of the platform's limits (scheduling.blocked_spans). The best candidate wins; equal scores go to the earliest,
-- a calendar slot before a posting time. A window without an allowed candidate hands over to the next one, up to
-- the client's optimize_max_days_ahead; past it the answer is an error naming the limit that is full.
--
-- Every check is one set-based query a window: the cost depends on the candidates and the posts inside the
-- window (an index range), never on how long the queue is.

alter table public.clients
  add column optimize_max_days_ahead integer not null default 60
    constraint clients_optimize_max_days_ahead_check check (optimize_max_days_ahead between 1 and 730);

comment on column public.clients.optimize_max_days_ahead is
  'How far ahead `optimize` may place a post (days). When every allowed slot within it is taken, scheduling '
  'answers 409 naming the limit that is full instead of a date months away.';

drop function scheduling.calendar_occurrences(uuid, timestamptz, timestamptz);

-- Every calendar slot of a platform whose instant falls in [p_from, p_to): the rows themselves (calendar_id set),
-- plus occurrences of recurring slots that have no row yet (calendar_id null, template_id = the recurring row).
-- A row at an occurrence's (date, time_slot) stands for that occurrence (taken, locked or free).
-- p_recurring_only: only the occurrences without a row (what slot choice adds to the rows it reads itself).
create or replace function scheduling.calendar_occurrences(p_platform_id uuid, p_from timestamptz, p_to timestamptz,
                                                       p_recurring_only boolean default false)
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

comment on function scheduling.calendar_occurrences(uuid, timestamptz, timestamptz, boolean) is
  'Calendar slots of a platform in [p_from, p_to): existing rows and not-yet-materialized occurrences of recurring '
  'slots, each with its instant.';

-- A local time in a spring-forward gap moves forward to the first valid instant after the gap (02:30 in New York
-- on the spring-forward day -> 03:00 EDT); an ambiguous one (fall-back) takes the earlier instant (01:30 EDT).
create or replace function scheduling.local_to_utc(p_local timestamp, p_tz text)
returns timestamptz
language plpgsql
immutable
strict
parallel safe
set search_path = ''
as $$
declare
  v_guess timestamptz := p_local at time zone 'UTC'; -- the wall time read as if it were UTC
  v_off interval;
  v_at timestamptz;
  v_lo bigint;
  v_hi bigint;
  v_mid bigint;
  v_hi_off interval;
  v_off_before interval := ((v_guess - interval '26 hours') at time zone p_tz)
                            - ((v_guess - interval '26 hours') at time zone 'UTC');
begin
  -- Far from any transition (one offset in force over the 52 hours around it, the common case) the instant is
  -- the wall time minus that offset: computed inline, without the query below (this runs for every calendar row
  -- an index lookup reads and every hour slot choice scores).
  if v_off_before = ((v_guess + interval '26 hours') at time zone p_tz) - ((v_guess + interval '26 hours') at time zone 'UTC')
     and v_off_before = (v_guess at time zone p_tz) - (v_guess at time zone 'UTC') then
    v_at := v_guess - v_off_before;
    if (v_at at time zone p_tz) = p_local then
      return v_at;
    end if;
  end if;
  -- Offsets in force around that wall time; a larger offset gives an earlier instant.
  for v_off in
    select distinct o
    from unnest(array[
      scheduling.utc_offset(v_guess - interval '26 hours', p_tz),
      scheduling.utc_offset(v_guess, p_tz),
      scheduling.utc_offset(v_guess + interval '26 hours', p_tz)]) as o
    order by o desc
  loop
    v_at := v_guess - v_off;
    if (v_at at time zone p_tz) = p_local then
      return v_at;
    end if;
  end loop;

  -- In a gap: find the transition (the first instant with the later offset) between the two readings.
  v_lo := floor(extract(epoch from v_guess - greatest(
            scheduling.utc_offset(v_guess - interval '26 hours', p_tz),
            scheduling.utc_offset(v_guess + interval '26 hours', p_tz))));
  v_hi := ceil(extract(epoch from v_guess - least(
            scheduling.utc_offset(v_guess - interval '26 hours', p_tz),
            scheduling.utc_offset(v_guess + interval '26 hours', p_tz))));
  v_hi_off := scheduling.utc_offset(to_timestamp(v_hi), p_tz);
  while v_hi - v_lo > 1 loop
    v_mid := (v_lo + v_hi) / 2;
    if scheduling.utc_offset(to_timestamp(v_mid), p_tz) = v_hi_off then
      v_hi := v_mid;
    else
      v_lo := v_mid;
    end if;
  end loop;
  return to_timestamp(v_hi);
end
$$;

-- Every calendar row's instant, stored and kept by a trigger: queries that run as a member (under RLS) compare a
-- plain timestamptz column, which an index serves; an expression index over local_to_utc cannot serve them,
-- because RLS lets no function that is not leakproof into an index condition (and only a superuser may declare
-- one leakproof). A row whose time zone is not valid gets no instant, and its own check constraint refuses it.
alter table public.publishing_calendar add column starts_at timestamptz;
comment on column public.publishing_calendar.starts_at is
  'The slot''s instant: date + time_slot read in timezone (scheduling.local_to_utc). Kept by a trigger; what is '
  'written to it is replaced.';

create or replace function private.publishing_calendar_starts_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.starts_at := case when private.is_valid_timezone(new.timezone)
                        then scheduling.local_to_utc(new.date + new.time_slot, new.timezone) end;
  return new;
end
$$;

create trigger publishing_calendar_starts_at
  before insert or update on public.publishing_calendar
  for each row execute function private.publishing_calendar_starts_at();

-- existing rows: the trigger fills each one in
update public.publishing_calendar set starts_at = null;

create index idx_publishing_calendar_platform_starts on public.publishing_calendar (platform_id, starts_at);
-- Free, unlocked slots by instant: what slot choice reads, without the queue's own (taken) rows.
create index idx_publishing_calendar_free_starts on public.publishing_calendar (platform_id, starts_at)
  where distribution_id is null and not is_locked;

-- The score of every hour of the week (day_of_week 0 = Sunday, local time) that optimize may use, with where
-- the score comes from ('posting_times' for the template's own hours, 'curve' for the hours around them).
create or replace function scheduling.hour_scores(p_platform_id uuid)
returns table (day_of_week integer, hour integer, score numeric)
language plpgsql
stable
set search_path = ''
as $$
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
$$;

comment on function scheduling.hour_scores(uuid) is
  'Expected value of each hour of the week (local) on a platform: its posting times at their score, the other '
  'hours of its posting day (publish_config.learning first_hour..last_hour) decaying from the nearest peaks.';

-- Free, unlocked calendar slots of a platform whose instant falls in [p_from, p_to): rows without a post
-- (through idx_publishing_calendar_free_starts, so the queue's own rows are never read) and the occurrences of
-- recurring slots that have no row yet.
create or replace function scheduling.free_calendar_slots(p_platform_id uuid, p_from timestamptz, p_to timestamptz)
returns table (calendar_id uuid, template_id uuid, at timestamptz, slot_type text)
language plpgsql
stable
set search_path = ''
as $$
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

comment on function scheduling.free_calendar_slots(uuid, timestamptz, timestamptz) is
  'Free, unlocked calendar slots of a platform in [p_from, p_to): rows without a post and not-yet-materialized '
  'occurrences of recurring slots.';

-- The open spans (lo, hi) in which the platform's limits refuse a post, for posts near [p_from, p_to):
-- within min_interval_minutes of another post; or where posts_per_hour / posts_per_day consecutive posts already
-- fit in a window of that length together with the new one (p_max posts t_j .. t_j+p_max-1 spanning less than
-- the window block (t_j+p_max-1 - window, t_j + window)). The same rule as slot_conflict, as spans.
create or replace function scheduling.blocked_spans(
  p_platform_id uuid, p_from timestamptz, p_to timestamptz, p_exclude uuid default null
) returns table (lo timestamptz, hi timestamptz, why text)
language plpgsql
stable
set search_path = ''
as $$
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

comment on function scheduling.blocked_spans(uuid, timestamptz, timestamptz, uuid) is
  'Open time spans in which the platform''s min_interval_minutes, posts_per_hour or posts_per_day refuse a post, '
  'computed from the posts near [p_from, p_to).';

drop function scheduling.find_slot(uuid, text, text, timestamptz, text, uuid);

-- The best allowed instant for a new post on the platform within the horizon, and the calendar slot it uses
-- (calendar_id: an existing row; template_id: the recurring slot whose occurrence it is; both null for an hour
-- of the platform's curve). p_horizon: how far ahead the best is looked for (a week by default); windows of that
-- length follow each other up to the client's optimize_max_days_ahead.
create or replace function scheduling.find_slot(
  p_platform_id uuid,
  p_tz text,
  p_slot_type text default 'regular',
  p_not_before timestamptz default null,
  p_priority text default 'normal',
  p_exclude uuid default null,
  p_horizon interval default null
) returns table (at timestamptz, calendar_id uuid, template_id uuid, slot_type text, source text)
language plpgsql
stable
set search_path = ''
-- Its lookups take arrays of the window's candidates: a plan made for those values uses the instant index; a
-- generic plan (what a cached plan becomes after a few calls) would read every calendar row of the platform.
set plan_cache_mode = 'force_custom_plan'
as $$
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

comment on function scheduling.find_slot(uuid, text, text, timestamptz, text, uuid, interval) is
  'The allowed instant of highest expected value for a new post on a platform within p_horizon (a week by '
  'default), at or after p_not_before and now; later windows up to the client''s optimize_max_days_ahead when '
  'one has none. Raises SL409 naming the full limit past that.';

-- The earliest allowed instant at or after p_at: p_at itself or the end of a blocked span (the limits), whichever
-- is first allowed; where a calendar slot refuses an instant (taken, locked, reserved), the minutes after it.
-- Two-week windows, up to two years.
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

comment on function scheduling.nearest_allowed(uuid, timestamptz, text, uuid, text[]) is
  'The earliest instant at or after p_at (and now) at which the platform may take a post.';

revoke execute on all functions in schema scheduling from public, anon;
grant execute on all functions in schema scheduling to authenticated, service_role;
