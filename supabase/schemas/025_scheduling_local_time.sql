-- Local wall time <-> instant conversions that never depend on the session's TimeZone. Only
-- `timestamptz at time zone <zone>` and hour-based interval arithmetic are used (adding '1 day' to a timestamptz
-- would follow the session's zone).

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION scheduling.local_to_utc(p_local timestamp without time zone, p_tz text) RETURNS timestamp with time zone
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO ''
    AS $$
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

COMMENT ON FUNCTION scheduling.local_to_utc(p_local timestamp without time zone, p_tz text) IS 'The instant of local wall time p_local in zone p_tz. Nonexistent (spring-forward gap): the first instant after the gap. Ambiguous (fall-back): the earlier instant. Independent of the session TimeZone.';

REVOKE ALL ON FUNCTION scheduling.local_to_utc(p_local timestamp without time zone, p_tz text) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.local_to_utc(p_local timestamp without time zone, p_tz text) TO authenticated;
GRANT ALL ON FUNCTION scheduling.local_to_utc(p_local timestamp without time zone, p_tz text) TO service_role;

CREATE FUNCTION scheduling.to_local_iso(p_at timestamp with time zone, p_tz text) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    SET search_path TO ''
    AS $$
  select to_char(l, 'YYYY-MM-DD"T"HH24:MI:SS')
      || case when extract(microseconds from l)::bigint % 1000000 <> 0 then '.' || to_char(l, 'US') else '' end
      || case when o < interval '0' then '-' else '+' end
      || to_char(case when o < interval '0' then -o else o end, 'HH24:MI')
  from (select p_at at time zone p_tz as l, scheduling.utc_offset(p_at, p_tz) as o) x
$$;

COMMENT ON FUNCTION scheduling.to_local_iso(p_at timestamp with time zone, p_tz text) IS 'ISO 8601 local time with its offset in zone p_tz, e.g. 2026-03-08T03:00:00-04:00.';

REVOKE ALL ON FUNCTION scheduling.to_local_iso(p_at timestamp with time zone, p_tz text) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.to_local_iso(p_at timestamp with time zone, p_tz text) TO authenticated;
GRANT ALL ON FUNCTION scheduling.to_local_iso(p_at timestamp with time zone, p_tz text) TO service_role;

CREATE FUNCTION scheduling.to_utc_iso(p_at timestamp with time zone) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    SET search_path TO ''
    AS $$
  select to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
      || case when extract(microseconds from p_at at time zone 'UTC')::bigint % 1000000 <> 0
              then '.' || to_char(p_at at time zone 'UTC', 'US') else '' end
      || 'Z'
$$;

COMMENT ON FUNCTION scheduling.to_utc_iso(p_at timestamp with time zone) IS 'ISO 8601 in UTC, e.g. 2026-03-08T07:00:00Z.';

REVOKE ALL ON FUNCTION scheduling.to_utc_iso(p_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.to_utc_iso(p_at timestamp with time zone) TO authenticated;
GRANT ALL ON FUNCTION scheduling.to_utc_iso(p_at timestamp with time zone) TO service_role;

CREATE FUNCTION scheduling.utc_offset(p_at timestamp with time zone, p_tz text) RETURNS interval
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO ''
    AS $$
  select (p_at at time zone p_tz) - (p_at at time zone 'UTC')
$$;

COMMENT ON FUNCTION scheduling.utc_offset(p_at timestamp with time zone, p_tz text) IS 'UTC offset of zone p_tz at instant p_at (e.g. -04:00:00).';

REVOKE ALL ON FUNCTION scheduling.utc_offset(p_at timestamp with time zone, p_tz text) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.utc_offset(p_at timestamp with time zone, p_tz text) TO authenticated;
GRANT ALL ON FUNCTION scheduling.utc_offset(p_at timestamp with time zone, p_tz text) TO service_role;
