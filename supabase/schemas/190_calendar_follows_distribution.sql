-- The calendar follows the distributions: a scheduled distribution holds its slot, and releases it when it
-- leaves the schedule.

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
  if tg_op = 'DELETE' then
    -- The foreign key frees the other rows (updating them here would fail when a client is deleted: its calendar
    -- rows would be re-checked against a client that is already gone).
    delete from public.publishing_calendar where distribution_id = old.id and is_ad_hoc;
    return old;
  end if;
  if new.scheduled_for is not null
     and new.status in ('scheduled', 'publishing', 'unconfirmed', 'published', 'pending_approval') then
    perform private.take_calendar_slot(new.id, new.client_id, new.platform_id, new.scheduled_for, new.timezone);
  elsif tg_op = 'UPDATE' then
    perform private.release_calendar_slots(new.id);
  end if;
  return null;
end
$$;

COMMENT ON FUNCTION private.sync_distribution_calendar() IS 'Keeps a distribution''s publishing_calendar slot at its scheduled_for while it holds one; frees it otherwise.';

REVOKE ALL ON FUNCTION private.sync_distribution_calendar() FROM PUBLIC;

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

CREATE TRIGGER distributions_calendar_insert AFTER INSERT ON public.distributions FOR EACH ROW WHEN (((new.scheduled_for IS NOT NULL) AND (new.status IN ('scheduled', 'publishing', 'unconfirmed', 'pending_approval')))) EXECUTE FUNCTION private.sync_distribution_calendar();

CREATE TRIGGER distributions_calendar_update AFTER UPDATE ON public.distributions FOR EACH ROW WHEN (((old.scheduled_for IS DISTINCT FROM new.scheduled_for) OR (old.platform_id IS DISTINCT FROM new.platform_id) OR ((old.status IN ('scheduled', 'publishing', 'unconfirmed', 'published', 'pending_approval')) IS DISTINCT FROM (new.status IN ('scheduled', 'publishing', 'unconfirmed', 'published', 'pending_approval'))))) EXECUTE FUNCTION private.sync_distribution_calendar();
