-- scheduling.schedule_content: slot choice and the writes behind the schedule API and the generated-content
-- processor. Its input is already validated and resolved by the TypeScript half
-- (supabase/functions/_shared/scheduling/schedule.ts: zod, the content, the platforms, each item's time zone,
-- the cross-post group's and the distributions' ids); this function only chooses slots and writes rows. It does
-- not validate its JSON, so it is not a public API: it lives in the `scheduling` schema, which PostgREST does not
-- expose (supabase/config.toml exposes public and graphql_public), and is called only by the edge functions.
-- SECURITY INVOKER: it runs as the caller (authenticated with its JWT claims, so RLS applies; or service_role).
--
-- Input (every field resolved by the caller):
--   {"client_id": uuid, "content_id": uuid|null, "content_type": "generated"|"manual"|"repurposed"|"curated",
--    "business_unit": text|null, "vertical_id": uuid|null, "priority": "normal"|"high",
--    "timing": {"mode": "exact", "at": ISO-8601 with offset, "nearest": bool}
--            | {"mode": "optimize", "horizon_days": 1-730|absent (a week)},
--    "cross_post": null | {"id": uuid (the group's id: utm_campaign names it), "strategy":
--                          "simultaneous"|"staggered"|"optimized", "stagger_minutes": int|null, "name": text|null},
--    "items": [{"id": uuid (the distribution's id: its link carries it as utm_content), "platform_id": uuid,
--               "timezone": IANA, "title": text|null, "body": text, "media_urls": [text], "link_url": text|null,
--               "platform_specific": {}, "variant_group": text|null, "is_control": bool}]}
--   A cross-post group is written when cross_post is not null (and removed again when no item is written).
-- Output:
--   {"cross_post_group_id": uuid|null,
--    "results": [{"index", "platform_id", "ok": true, "distribution": {id, title, body, scheduled_for (UTC ISO),
--                  scheduled_for_local (local ISO with offset), timezone, calendar_slot {id, date, time_slot,
--                  slot_type}, status, note}}
--              | {"index", "platform_id", "ok": false, "errors": [{"field", "message"}]}]}
-- Errors raised (nothing written): P0002 client not visible; 42501 caller may not write the client's rows (only
-- owners and editors schedule); 22023 an inconsistent input (no items, an unknown timing mode, an item without a
-- time zone, a platform that is not the client's).
-- The items of one platform with the same variant_group (the A/B variants of a platform; otherwise the platform's
-- single item) form a platform group, written in one subtransaction: all of its items are written or none is, and a
-- failed group does not stop the others. Every item of a failed group reports its own errors (an item that was
-- placed but rolled back because a sibling failed says so, field "variant_group").
-- `optimize` looks up to horizon_days ahead (scheduling.find_slot) for the best slot before the next window. A
-- platform whose every slot up to the client's optimize_max_days_ahead is full reports the error on field
-- "optimize" (SQLSTATE SL409), which the API answers 409. A post placed by slot choice is recorded in
-- distribution_patterns against the learned timing pattern it read (scheduling.record_placement).

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION scheduling.schedule_content(p_request jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $_$
declare
  v_client_id uuid := (p_request ->> 'client_id')::uuid;
  v_content_id uuid := (p_request ->> 'content_id')::uuid;
  v_priority text := coalesce(p_request ->> 'priority', 'normal');
  v_mode text := p_request #>> '{timing,mode}';
  v_exact timestamptz;
  v_nearest boolean := coalesce((p_request #>> '{timing,nearest}')::boolean, false);
  v_horizon interval;
  v_strategy text := p_request #>> '{cross_post,strategy}';
  v_stagger integer := (p_request #>> '{cross_post,stagger_minutes}')::integer;
  v_items jsonb := p_request -> 'items';
  v_item jsonb;
  v_i integer;
  v_group record;
  v_group_results jsonb;
  v_group_failed boolean;
  v_saved_first_at timestamptz;
  v_saved_first_index integer;
  v_pid uuid;
  v_group_id uuid;
  v_results jsonb := '[]';
  v_ok integer := 0;
  v_first_at timestamptz;
  v_first_index integer;
  v_tz text;
  v_target timestamptz;
  v_at timestamptz;
  v_chosen boolean;
  v_reason text;
  v_note text;
  v_variant boolean;
  v_dist_id uuid;
  v_errors jsonb;
  v_state text;
  v_msg text;
  v_constraint text;
  v_column text;
begin
  -- The client must be visible, and writable by the caller.
  perform 1 from public.clients c where c.id = v_client_id;
  if not found then
    raise exception 'client % not found', v_client_id using errcode = 'P0002';
  end if;
  if current_user = 'authenticated' and not exists (
       select 1 from public.client_members m
       where m.client_id = v_client_id and m.user_id = (select auth.uid()) and m.role in ('owner', 'editor')) then
    raise exception 'permission denied: only owners and editors of client % can schedule', v_client_id
      using errcode = '42501';
  end if;

  -- The caller resolved the input; what does not fit together is refused, not written.
  if jsonb_typeof(v_items) is distinct from 'array' or jsonb_array_length(v_items) = 0 then
    raise exception 'schedule_content: items: expected a non-empty array' using errcode = '22023';
  end if;
  if v_mode = 'exact' then
    -- The offset is explicit: TimeZone does not matter. The current second (or a few seconds ago) is now.
    v_exact := scheduling.now_if_just_past((p_request #>> '{timing,at}')::timestamptz);
  elsif v_mode = 'optimize' then
    v_horizon := make_interval(days => (p_request #>> '{timing,horizon_days}')::integer);
  else
    raise exception 'schedule_content: timing.mode: expected exact or optimize' using errcode = '22023';
  end if;
  if exists (select 1 from jsonb_array_elements(v_items) e where coalesce(e ->> 'timezone', '') = '') then
    raise exception 'schedule_content: every item needs its time zone' using errcode = '22023';
  end if;
  select (e ->> 'platform_id')::uuid into v_pid
  from jsonb_array_elements(v_items) e
  where not exists (select 1 from public.platforms p
                    where p.id = (e ->> 'platform_id')::uuid and p.client_id = v_client_id)
  limit 1;
  if found then
    raise exception 'schedule_content: platform % is not one of client %''s', v_pid, v_client_id
      using errcode = '22023';
  end if;

  -- Serialize slot choice per platform (ids in order, so two requests never deadlock); held until commit.
  for v_pid in select distinct (e ->> 'platform_id')::uuid from jsonb_array_elements(v_items) e order by 1 loop
    perform pg_advisory_xact_lock(hashtextextended('schedule:' || v_pid::text, 0));
  end loop;

  if jsonb_typeof(p_request -> 'cross_post') = 'object' then
    insert into public.cross_post_groups (id, client_id, name, source_content_id, timing_strategy, stagger_minutes)
    values ((p_request #>> '{cross_post,id}')::uuid, v_client_id, p_request #>> '{cross_post,name}', v_content_id,
            v_strategy, v_stagger)
    returning id into v_group_id;
  end if;

  for v_group in
    select array_agg(s.i order by s.i) as indexes
    from (select (t.o - 1)::integer as i, (t.e ->> 'platform_id')::uuid as platform_id,
                 t.e ->> 'variant_group' as variant_group
          from jsonb_array_elements(v_items) with ordinality as t (e, o)) s
    group by s.platform_id, s.variant_group
    order by min(s.i)
  loop
    v_group_results := '[]';
    v_group_failed := false;
    v_saved_first_at := v_first_at;
    v_saved_first_index := v_first_index;
    begin -- the platform group's subtransaction
      foreach v_i in array v_group.indexes loop
        v_item := v_items -> v_i;
        v_pid := (v_item ->> 'platform_id')::uuid;
        v_tz := v_item ->> 'timezone';
        v_errors := '[]';
        v_note := null;
        v_at := null;
        v_chosen := false;
        begin -- the item's own, so that each variant's errors are found
          v_variant := v_item ->> 'variant_group' is not null;
          if v_mode = 'exact' then
            v_target := v_exact + case when v_strategy = 'staggered' then make_interval(mins => v_stagger * v_i)
                                       else interval '0' end;
            v_reason := scheduling.slot_conflict(v_pid, v_target, v_tz);
            if v_reason is null then
              v_at := v_target;
            elsif v_nearest then
              v_at := scheduling.nearest_allowed(v_pid, v_target, v_tz);
              v_note := format('%s was not allowed (%s); moved to the nearest allowed time',
                               scheduling.to_utc_iso(v_target), v_reason);
            else
              v_errors := jsonb_build_array(jsonb_build_object('field', 'timing.at', 'message', v_reason));
            end if;
          elsif v_strategy in ('simultaneous', 'staggered') and v_first_at is not null then
            -- Follow the first member; a platform that cannot takes its nearest allowed time.
            v_target := v_first_at + case when v_strategy = 'staggered'
                                          then make_interval(mins => v_stagger * (v_i - v_first_index))
                                          else interval '0' end;
            v_reason := scheduling.slot_conflict(v_pid, v_target, v_tz);
            if v_reason is null then
              v_at := v_target;
            else
              v_at := scheduling.nearest_allowed(v_pid, v_target, v_tz);
              v_note := format('%s was not allowed (%s); moved to the nearest allowed time',
                               scheduling.to_utc_iso(v_target), v_reason);
            end if;
          else
            select f.at into v_at
            from scheduling.find_slot(v_pid, v_tz, case when v_variant then 'test' else 'regular' end,
                                      null, v_priority, null, v_horizon) f;
            v_chosen := true;
          end if;

          if v_at is not null then
            insert into public.distributions (
              id, client_id, content_id, content_type, platform_id, title, body, media_urls, link_url,
              platform_specific, scheduled_for, timezone, status, variant_group, is_control, cross_post_group_id,
              business_unit, vertical_id)
            values (
              coalesce((v_item ->> 'id')::uuid, gen_random_uuid()), v_client_id, v_content_id,
              coalesce(p_request ->> 'content_type', 'manual'), v_pid, v_item ->> 'title', v_item ->> 'body',
              case when jsonb_typeof(v_item -> 'media_urls') = 'array'
                   then array(select jsonb_array_elements_text(v_item -> 'media_urls')) end,
              v_item ->> 'link_url', coalesce(nullif(v_item -> 'platform_specific', 'null'::jsonb), '{}'::jsonb),
              v_at, v_tz, 'scheduled', v_item ->> 'variant_group', coalesce((v_item ->> 'is_control')::boolean, false),
              v_group_id, p_request ->> 'business_unit', (p_request ->> 'vertical_id')::uuid)
            returning id into v_dist_id;
            if v_chosen then
              -- slot choice placed it: the learned pattern it read gets the credit (pattern_lift)
              perform scheduling.record_placement(v_dist_id, true);
            end if;
            if v_first_at is null then
              v_first_at := v_at;
              v_first_index := v_i;
            end if;
            v_group_results := v_group_results || jsonb_build_object(
              'index', v_i, 'platform_id', v_pid, 'ok', true,
              'distribution', scheduling.distribution_json(v_dist_id, v_note));
          end if;
        exception when others then
          get stacked diagnostics v_state = returned_sqlstate, v_msg = message_text,
                                  v_constraint = constraint_name, v_column = column_name;
          v_errors := jsonb_build_array(jsonb_build_object(
            'field', scheduling.error_field(v_state, v_constraint, v_column), 'message', v_msg));
        end;
        if jsonb_array_length(v_errors) > 0 then
          v_group_failed := true;
          v_group_results := v_group_results || jsonb_build_object(
            'index', v_i, 'platform_id', v_pid, 'ok', false, 'errors', v_errors);
        end if;
      end loop;
      if v_group_failed then
        raise exception 'platform group failed' using errcode = 'SC001'; -- undoes the group's writes
      end if;
    exception when sqlstate 'SC001' then
      v_first_at := v_saved_first_at;
      v_first_index := v_saved_first_index;
      -- Its writes are undone: an item that had been placed says why it was not scheduled after all.
      select jsonb_agg(case when (r ->> 'ok')::boolean
                            then (r - 'distribution') || jsonb_build_object('ok', false, 'errors', jsonb_build_array(
                                   jsonb_build_object('field', 'variant_group', 'message',
                                     'not scheduled: another variant for this platform failed (the variants of a '
                                     || 'platform are scheduled together or not at all)')))
                            else r end
                       order by (r ->> 'index')::integer)
        into v_group_results
      from jsonb_array_elements(v_group_results) r;
    end;
    v_ok := v_ok + (select count(*)::integer from jsonb_array_elements(v_group_results) r where (r ->> 'ok')::boolean);
    v_results := v_results || v_group_results;
  end loop;

  if v_group_id is not null and v_ok = 0 then
    delete from public.cross_post_groups where id = v_group_id;
    v_group_id := null;
  end if;

  return jsonb_build_object('cross_post_group_id', v_group_id, 'results',
    (select coalesce(jsonb_agg(r order by (r ->> 'index')::integer), '[]') from jsonb_array_elements(v_results) r));
end
$_$;

COMMENT ON FUNCTION scheduling.schedule_content(p_request jsonb) IS 'Schedules resolved content onto platforms in one transaction (the JSON contract is in supabase/schemas/210_schedule_content.sql; the caller, supabase/functions/_shared/scheduling/schedule.ts, validates and resolves it): each item gets the best allowed slot (or its exact time, or the nearest allowed one), or its errors; the items of one platform and variant_group (A/B variants) are written together or not at all.';

REVOKE ALL ON FUNCTION scheduling.schedule_content(p_request jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.schedule_content(p_request jsonb) TO authenticated;
GRANT ALL ON FUNCTION scheduling.schedule_content(p_request jsonb) TO service_role;

CREATE FUNCTION scheduling.distribution_json(p_id uuid, p_note text DEFAULT NULL::text) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select jsonb_build_object(
    'id', d.id,
    'title', d.title,
    'body', d.body,
    'scheduled_for', scheduling.to_utc_iso(d.scheduled_for),
    'scheduled_for_local', scheduling.to_local_iso(d.scheduled_for, d.timezone),
    'timezone', d.timezone,
    'calendar_slot', (
      select jsonb_build_object('id', c.id, 'date', c.date, 'time_slot', c.time_slot, 'slot_type', c.slot_type)
      from public.publishing_calendar c where c.distribution_id = d.id order by c.id limit 1),
    'status', d.status,
    'note', p_note)
  from public.distributions d
  where d.id = p_id
$$;

REVOKE ALL ON FUNCTION scheduling.distribution_json(p_id uuid, p_note text) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.distribution_json(p_id uuid, p_note text) TO authenticated;
GRANT ALL ON FUNCTION scheduling.distribution_json(p_id uuid, p_note text) TO service_role;

CREATE FUNCTION scheduling.error_field(p_sqlstate text, p_constraint text, p_column text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $_$
  select case
    when p_sqlstate = '42501' then 'client_id'
    when p_sqlstate = 'SL409' then 'optimize'
    when p_constraint = 'distributions_pkey' then 'id'
    when p_sqlstate in ('23505', 'P0001') then 'timing'
    when p_column is not null and p_column <> '' then p_column
    when p_constraint like '%timezone%' then 'timezone'
    when p_constraint like '%vertical%' then 'vertical_id'
    when p_constraint like '%content_fkey%' then 'content_id'
    when p_constraint like '%platform%' then 'platform_id'
    when p_constraint like '%cross_post_group%' then 'cross_post'
    when p_constraint ~ '^distributions_.+_check$' then regexp_replace(p_constraint, '^distributions_(.+)_check$', '\1')
    else 'item'
  end
$_$;

REVOKE ALL ON FUNCTION scheduling.error_field(p_sqlstate text, p_constraint text, p_column text) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.error_field(p_sqlstate text, p_constraint text, p_column text) TO authenticated;
GRANT ALL ON FUNCTION scheduling.error_field(p_sqlstate text, p_constraint text, p_column text) TO service_role;

CREATE FUNCTION scheduling.slot_types_for(p_variant boolean, p_priority text) RETURNS text[]
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
  select case when p_variant then array['test', 'regular']
              when p_priority = 'high' then array['prime', 'regular']
              else array['regular'] end
$$;

REVOKE ALL ON FUNCTION scheduling.slot_types_for(p_variant boolean, p_priority text) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.slot_types_for(p_variant boolean, p_priority text) TO authenticated;
GRANT ALL ON FUNCTION scheduling.slot_types_for(p_variant boolean, p_priority text) TO service_role;
