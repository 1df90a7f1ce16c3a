-- The calendar follows the distributions: a scheduled distribution holds its slot, and releases it when it
-- leaves the schedule.
--
-- Inserts and updates move the slots in a statement trigger: it takes the calendar rollup's bucket locks of every
-- platform whose calendar it may change (the rows' platforms and those of the slots they hold), in bucket order,
-- before it changes any slot; then it moves the rows' slots in id order with the rollup deferred, and recomputes
-- each rollup key once (388_publishing_calendar_rollups.sql). Two bulk writers of the same buckets, whatever the
-- order of their rows, never each hold a bucket the other waits for.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.release_calendar_slots(p_distribution_id uuid, p_keep uuid DEFAULT NULL::uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  delete from public.publishing_calendar
  where distribution_id = p_distribution_id and is_ad_hoc and id is distinct from p_keep;
  update public.publishing_calendar set distribution_id = null
  where distribution_id = p_distribution_id and id is distinct from p_keep;
end
$$;

REVOKE ALL ON FUNCTION private.release_calendar_slots(p_distribution_id uuid, p_keep uuid) FROM PUBLIC;

CREATE FUNCTION private.sync_distribution_calendar() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  -- The foreign key frees the other rows (updating them here would fail when a client is deleted: its calendar
  -- rows would be re-checked against a client that is already gone). The delete's statement triggers defer the
  -- calendar rollup around both (388_publishing_calendar_rollups.sql).
  delete from public.publishing_calendar where distribution_id = old.id and is_ad_hoc;
  return old;
end
$$;

COMMENT ON FUNCTION private.sync_distribution_calendar() IS 'Before a distribution is deleted: deletes the ad hoc publishing_calendar slot it holds (the foreign key frees the others).';

REVOKE ALL ON FUNCTION private.sync_distribution_calendar() FROM PUBLIC;

CREATE FUNCTION private.sync_distributions_calendar() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  -- The statuses in which a dated distribution holds its slot (an insert takes one in all but published).
  c_holding constant public.distribution_status[] :=
    '{scheduled,publishing,unconfirmed,published,pending_approval}';
  v_ids uuid[];
  v_clients uuid[];
  v_platforms uuid[];
  v_ats timestamptz[];
  v_timezones text[];
  v_holds boolean[];
  i integer;
begin
  -- The rows whose slot moves: inserted holding a slot; updated in time, platform, or in or out of the calendar.
  if tg_op = 'INSERT' then
    select array_agg(n.id order by n.id), array_agg(n.client_id order by n.id), array_agg(n.platform_id order by n.id),
           array_agg(n.scheduled_for order by n.id), array_agg(n.timezone order by n.id), array_agg(true)
    into v_ids, v_clients, v_platforms, v_ats, v_timezones, v_holds
    from new_rows n
    where n.scheduled_for is not null
      and n.status = any (c_holding) and n.status <> 'published';
  else
    select array_agg(n.id order by n.id), array_agg(n.client_id order by n.id), array_agg(n.platform_id order by n.id),
           array_agg(n.scheduled_for order by n.id), array_agg(n.timezone order by n.id),
           array_agg(n.scheduled_for is not null and n.status = any (c_holding) order by n.id)
    into v_ids, v_clients, v_platforms, v_ats, v_timezones, v_holds
    from old_rows o join new_rows n on n.id = o.id
    where o.scheduled_for is distinct from n.scheduled_for
       or o.platform_id is distinct from n.platform_id
       or (o.status = any (c_holding)) is distinct from (n.status = any (c_holding));
  end if;
  if v_ids is null then
    return null;
  end if;

  -- Every bucket first, in order: the platforms slots are taken on, and those of the slots the rows hold now.
  perform private.lock_publishing_calendar_buckets(
    array(select p from unnest(v_platforms, v_holds) k(p, h) where h
          union
          select c.platform_id from public.publishing_calendar c where c.distribution_id = any (v_ids)));
  perform private.defer_publishing_calendar_rollups();
  for i in 1 .. cardinality(v_ids) loop
    if v_holds[i] then
      perform private.take_calendar_slot(v_ids[i], v_clients[i], v_platforms[i], v_ats[i], v_timezones[i]);
    else
      perform private.release_calendar_slots(v_ids[i]);
    end if;
  end loop;
  perform private.apply_publishing_calendar_rollups();
  return null;
end
$$;

COMMENT ON FUNCTION private.sync_distributions_calendar() IS 'Statement trigger: moves the publishing_calendar slots of the inserted or updated distributions (a scheduled one holds its slot at scheduled_for, others free theirs) under the calendar rollup''s bucket locks, all taken first in bucket order.';

REVOKE ALL ON FUNCTION private.sync_distributions_calendar() FROM PUBLIC;

CREATE FUNCTION private.take_calendar_slot(p_distribution_id uuid, p_client_id uuid, p_platform_id uuid, p_at timestamp with time zone, p_tz text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_id uuid;
  v_occ record;
  v_date date;
  v_time time;
  v_holder record;
begin
  -- Already there?
  select c.id into v_id
  from public.publishing_calendar c
  where c.distribution_id = p_distribution_id and c.platform_id = p_platform_id
    and scheduling.local_to_utc(c.date + c.time_slot, c.timezone) = p_at
  limit 1;
  perform private.release_calendar_slots(p_distribution_id, v_id);
  if v_id is not null then
    return v_id;
  end if;

  -- A free row at this instant (unlocked first; a locked one only when a person put the row there).
  select c.id into v_id
  from public.publishing_calendar c
  where c.platform_id = p_platform_id and c.distribution_id is null
    and scheduling.local_to_utc(c.date + c.time_slot, c.timezone) = p_at -- idx_publishing_calendar_platform_instant
  order by c.is_locked, c.id
  limit 1
  for update;
  if v_id is not null then
    update public.publishing_calendar set distribution_id = p_distribution_id where id = v_id;
    return v_id;
  end if;

  -- An occurrence of a recurring slot with no row yet: materialize it. Otherwise a row at the local time.
  select o.* into v_occ
  from scheduling.calendar_occurrences(p_platform_id, p_at, p_at + interval '1 microsecond') o
  join public.publishing_calendar t on t.id = o.template_id
  where o.calendar_id is null
  order by o.is_locked, o.template_id
  limit 1;
  if found then
    insert into public.publishing_calendar
      (client_id, date, time_slot, timezone, platform_id, distribution_id, slot_type, is_locked, is_ad_hoc)
    values (p_client_id, v_occ.date, v_occ.time_slot, v_occ.timezone, p_platform_id, p_distribution_id,
            v_occ.slot_type, v_occ.is_locked, true)
    on conflict (date, time_slot, platform_id) do nothing
    returning id into v_id;
    v_date := v_occ.date;
    v_time := v_occ.time_slot;
  else
    v_date := (p_at at time zone p_tz)::date;
    v_time := (p_at at time zone p_tz)::time;
    insert into public.publishing_calendar
      (client_id, date, time_slot, timezone, platform_id, distribution_id, slot_type, is_ad_hoc)
    values (p_client_id, v_date, v_time, p_tz, p_platform_id, p_distribution_id, 'regular', true)
    on conflict (date, time_slot, platform_id) do nothing
    returning id into v_id;
  end if;

  if v_id is null then
    select c.distribution_id, c.is_locked, c.timezone into v_holder
    from public.publishing_calendar c
    where c.date = v_date and c.time_slot = v_time and c.platform_id = p_platform_id;
    raise exception 'calendar slot % % on platform % is already %', v_date, v_time, p_platform_id,
      case when v_holder.distribution_id is not null then 'taken by distribution ' || v_holder.distribution_id
           else 'defined in time zone ' || v_holder.timezone end
      using errcode = 'unique_violation', constraint = 'publishing_calendar_date_time_slot_platform_id_key';
  end if;
  return v_id;
end
$$;

REVOKE ALL ON FUNCTION private.take_calendar_slot(p_distribution_id uuid, p_client_id uuid, p_platform_id uuid, p_at timestamp with time zone, p_tz text) FROM PUBLIC;

CREATE TRIGGER distributions_calendar_delete BEFORE DELETE ON public.distributions FOR EACH ROW EXECUTE FUNCTION private.sync_distribution_calendar();

CREATE TRIGGER distributions_calendar_insert AFTER INSERT ON public.distributions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.sync_distributions_calendar();

CREATE TRIGGER distributions_calendar_update AFTER UPDATE ON public.distributions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.sync_distributions_calendar();
