-- Schema `scheduling`: the slot-choice helpers that the SECURITY INVOKER scheduling functions (public.schedule_content
-- and friends, run as `authenticated` under RLS) call by name. `authenticated` may not use schema private, so these
-- live here; the schema is not exposed through the API (config.toml lists only public, graphql_public).
-- This migration: local wall time <-> instant conversions that never depend on the session's TimeZone. Only
-- `timestamptz at time zone <zone>` and hour-based interval arithmetic are used (adding '1 day' to a timestamptz
-- would follow the session's zone).

create schema if not exists scheduling;
revoke all on schema scheduling from public;
grant usage on schema scheduling to authenticated, service_role;
comment on schema scheduling is
  'Slot choice and local-time helpers used by the scheduling functions. Not exposed through the API.';

create or replace function scheduling.utc_offset(p_at timestamptz, p_tz text)
returns interval
language sql
immutable
strict
parallel safe
set search_path = ''
as $$
  select (p_at at time zone p_tz) - (p_at at time zone 'UTC')
$$;

comment on function scheduling.utc_offset(timestamptz, text) is 'UTC offset of zone p_tz at instant p_at (e.g. -04:00:00).';

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
begin
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

comment on function scheduling.local_to_utc(timestamp, text) is
  'The instant of local wall time p_local in zone p_tz. Nonexistent (spring-forward gap): the first instant after '
  'the gap. Ambiguous (fall-back): the earlier instant. Independent of the session TimeZone.';

-- ISO 8601 texts, built without the session TimeZone (a timestamptz cast to text would use it).
create or replace function scheduling.to_utc_iso(p_at timestamptz)
returns text
language sql
stable
strict
parallel safe
set search_path = ''
as $$
  select to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
      || case when extract(microseconds from p_at at time zone 'UTC')::bigint % 1000000 <> 0
              then '.' || to_char(p_at at time zone 'UTC', 'US') else '' end
      || 'Z'
$$;

create or replace function scheduling.to_local_iso(p_at timestamptz, p_tz text)
returns text
language sql
stable
strict
parallel safe
set search_path = ''
as $$
  select to_char(l, 'YYYY-MM-DD"T"HH24:MI:SS')
      || case when extract(microseconds from l)::bigint % 1000000 <> 0 then '.' || to_char(l, 'US') else '' end
      || case when o < interval '0' then '-' else '+' end
      || to_char(case when o < interval '0' then -o else o end, 'HH24:MI')
  from (select p_at at time zone p_tz as l, scheduling.utc_offset(p_at, p_tz) as o) x
$$;

comment on function scheduling.to_utc_iso(timestamptz) is 'ISO 8601 in UTC, e.g. 2026-03-08T07:00:00Z.';
comment on function scheduling.to_local_iso(timestamptz, text) is
  'ISO 8601 local time with its offset in zone p_tz, e.g. 2026-03-08T03:00:00-04:00.';

revoke execute on all functions in schema scheduling from public, anon;
grant execute on all functions in schema scheduling to authenticated, service_role;
