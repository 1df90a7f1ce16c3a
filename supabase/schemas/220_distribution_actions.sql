-- What a member may do to a distribution: cancel, reschedule, retry, publish now.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION public.cancel_distribution(p_id uuid) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_row public.distributions;
begin
  v_row := scheduling.lock_distribution(p_id);
  if v_row.status not in ('scheduled', 'pending_approval', 'failed', 'cancelled') then
    perform scheduling.refuse_transition(v_row, 'cancelled', 'cancel');
  end if;
  update public.distributions set status = 'cancelled', next_attempt_at = null where id = p_id;
  return jsonb_build_object('ok', true, 'distribution', scheduling.distribution_json(p_id));
end
$$;

COMMENT ON FUNCTION public.cancel_distribution(p_id uuid) IS 'Cancels a scheduled, pending_approval or failed distribution and frees its slot.';

REVOKE ALL ON FUNCTION public.cancel_distribution(p_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.cancel_distribution(p_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.cancel_distribution(p_id uuid) TO service_role;

-- When each client last woke the publisher: a client's wakes closer together than two seconds are one
-- wake, so no client (publish-now is a member's call) starts publish runs faster than that, and one
-- client's calls never hold back another's wake.
CREATE TABLE private.publisher_wake (
    client_id uuid PRIMARY KEY REFERENCES public.clients(id) ON DELETE CASCADE,
    woken_at timestamptz NOT NULL
);

COMMENT ON TABLE private.publisher_wake IS 'When each client last woke the publish function (scheduling.wake_publisher); its wakes within two seconds of that are skipped.';

ALTER TABLE private.publisher_wake ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE private.publisher_wake FROM PUBLIC;
GRANT ALL ON TABLE private.publisher_wake TO service_role;

CREATE FUNCTION scheduling.wake_publisher(p_client_id uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  -- A signed-in user wakes the publisher only for a client they belong to.
  if (select auth.uid()) is not null and not private.is_client_member(p_client_id) then
    raise exception 'not a member of client %', p_client_id using errcode = '42501';
  end if;
  -- At most one wake a client every two seconds (by transaction start time): the client's concurrent
  -- caller waits for the first one's row lock, then finds the time fresh and skips; the run the first
  -- wake started, or the cron job's next, takes its row.
  insert into private.publisher_wake as w (client_id, woken_at) values (p_client_id, now())
  on conflict (client_id) do update set woken_at = excluded.woken_at
   where w.woken_at < excluded.woken_at - interval '2 seconds';
  if not found then
    return;
  end if;
  -- The cron job's own call (publish-due-distributions), queued in pg_net and sent after commit; a
  -- missing Vault secret only warns (the cron run still picks the row up). The run publishes what is
  -- due and stops (exit_when_idle): waiting for what falls due later is the cron job's.
  perform private.invoke_edge_function('publish', '{"exit_when_idle": true}'::jsonb, 65000);
end
$$;

COMMENT ON FUNCTION scheduling.wake_publisher(p_client_id uuid) IS 'Wakes the publish function now for a client''s due row, through the same pg_net call as the publish-due-distributions cron job (sent when the transaction commits), at most once every two seconds a client; the run publishes what is due and stops.';

REVOKE ALL ON FUNCTION scheduling.wake_publisher(p_client_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.wake_publisher(p_client_id uuid) TO authenticated;
GRANT ALL ON FUNCTION scheduling.wake_publisher(p_client_id uuid) TO service_role;

CREATE FUNCTION public.publish_distribution_now(p_id uuid) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_row public.distributions;
  v_reason text;
begin
  v_row := scheduling.lock_distribution(p_id);
  if v_row.status not in ('draft', 'scheduled') then
    perform scheduling.refuse_transition(v_row, 'scheduled', 'publish now');
  end if;
  v_reason := scheduling.slot_conflict(v_row.platform_id, now(), v_row.timezone, v_row.id);
  if v_reason is not null then
    return jsonb_build_object('ok', false, 'errors',
                              jsonb_build_array(jsonb_build_object('field', 'scheduled_for', 'message', v_reason)));
  end if;
  update public.distributions
     set status = 'scheduled', scheduled_for = now(), next_attempt_at = null
   where id = p_id;
  -- Due now: the publisher goes at once (after commit), not at the next cron minute.
  perform scheduling.wake_publisher(v_row.client_id);
  return jsonb_build_object('ok', true, 'distribution', scheduling.distribution_json(p_id));
end
$$;

COMMENT ON FUNCTION public.publish_distribution_now(p_id uuid) IS 'Schedules a draft or scheduled distribution for now, if the platform''s limits allow it, and wakes the publisher so it goes within seconds.';

REVOKE ALL ON FUNCTION public.publish_distribution_now(p_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.publish_distribution_now(p_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.publish_distribution_now(p_id uuid) TO service_role;

CREATE FUNCTION public.reschedule_distribution(p_id uuid, p_at timestamp with time zone DEFAULT NULL::timestamp with time zone, p_nearest boolean DEFAULT false, p_horizon_days integer DEFAULT NULL::integer) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_row public.distributions;
  v_at timestamptz;
  v_reason text;
  v_note text;
begin
  v_row := scheduling.lock_distribution(p_id);
  if v_row.status not in ('draft', 'scheduled', 'failed') then
    perform scheduling.refuse_transition(v_row, 'scheduled', 'reschedule');
  end if;
  if p_at is null then
    select f.at into v_at
    from scheduling.find_slot(v_row.platform_id, v_row.timezone,
                              case when v_row.variant_group is not null then 'test' else 'regular' end,
                              null, scheduling.distribution_priority(v_row), v_row.id,
                              make_interval(days => p_horizon_days)) f;
  else
    p_at := scheduling.now_if_just_past(p_at); -- the current second (or a few seconds ago) is now
    v_reason := scheduling.slot_conflict(v_row.platform_id, p_at, v_row.timezone, v_row.id);
    if v_reason is null then
      v_at := p_at;
    elsif p_nearest then
      v_at := scheduling.nearest_allowed(v_row.platform_id, p_at, v_row.timezone, v_row.id);
      v_note := format('%s was not allowed (%s); moved to the nearest allowed time', scheduling.to_utc_iso(p_at), v_reason);
    else
      return jsonb_build_object('ok', false, 'errors',
                                jsonb_build_array(jsonb_build_object('field', 'at', 'message', v_reason)));
    end if;
  end if;
  update public.distributions
     set status = 'scheduled', scheduled_for = v_at, next_attempt_at = null
   where id = p_id;
  -- slot choice placed it (credit to the learned pattern it read), or the caller's time did
  perform scheduling.record_placement(p_id, p_at is null);
  return jsonb_build_object('ok', true, 'distribution', scheduling.distribution_json(p_id, v_note));
end
$$;

COMMENT ON FUNCTION public.reschedule_distribution(p_id uuid, p_at timestamp with time zone, p_nearest boolean, p_horizon_days integer) IS 'Moves a draft, scheduled or failed distribution to p_at (refused with the reason unless p_nearest), or to the best allowed slot when p_at is null.';

REVOKE ALL ON FUNCTION public.reschedule_distribution(p_id uuid, p_at timestamp with time zone, p_nearest boolean, p_horizon_days integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.reschedule_distribution(p_id uuid, p_at timestamp with time zone, p_nearest boolean, p_horizon_days integer) TO authenticated;
GRANT ALL ON FUNCTION public.reschedule_distribution(p_id uuid, p_at timestamp with time zone, p_nearest boolean, p_horizon_days integer) TO service_role;

CREATE FUNCTION public.retry_distribution(p_id uuid) RETURNS jsonb
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_row public.distributions;
  v_at timestamptz;
  v_reason text;
  v_note text;
begin
  v_row := scheduling.lock_distribution(p_id);
  if v_row.status <> 'failed' then
    perform scheduling.refuse_transition(v_row, 'scheduled', 'retry');
  end if;
  v_reason := scheduling.slot_conflict(v_row.platform_id, now(), v_row.timezone, v_row.id);
  if v_reason is null then
    v_at := now();
  else
    v_at := scheduling.nearest_allowed(v_row.platform_id, now(), v_row.timezone, v_row.id);
    v_note := format('not allowed now (%s); retrying at the next allowed time', v_reason);
  end if;
  update public.distributions
     set status = 'scheduled', scheduled_for = v_at, next_attempt_at = null, retry_count = 0, error_message = null
   where id = p_id;
  return jsonb_build_object('ok', true, 'distribution', scheduling.distribution_json(p_id, v_note));
end
$$;

COMMENT ON FUNCTION public.retry_distribution(p_id uuid) IS 'Reschedules a failed distribution now, or at the next allowed time.';

REVOKE ALL ON FUNCTION public.retry_distribution(p_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.retry_distribution(p_id uuid) TO authenticated;
GRANT ALL ON FUNCTION public.retry_distribution(p_id uuid) TO service_role;

CREATE FUNCTION scheduling.distribution_priority(p_row public.distributions) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select case when exists (select 1 from public.publishing_calendar c
                           where c.distribution_id = p_row.id and c.slot_type = 'prime')
                or exists (select 1 from public.generated_content g
                           where g.id = p_row.content_id and g.priority = 'high')
              then 'high' else 'normal' end
$$;

REVOKE ALL ON FUNCTION scheduling.distribution_priority(p_row public.distributions) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.distribution_priority(p_row public.distributions) TO authenticated;
GRANT ALL ON FUNCTION scheduling.distribution_priority(p_row public.distributions) TO service_role;

CREATE FUNCTION scheduling.lock_distribution(p_id uuid) RETURNS public.distributions
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
declare
  v_row public.distributions;
begin
  select * into v_row from public.distributions d where d.id = p_id;
  if not found then
    raise exception 'distribution % not found', p_id using errcode = 'P0002';
  end if;
  perform pg_advisory_xact_lock(hashtextextended('schedule:' || v_row.platform_id::text, 0));
  select * into v_row from public.distributions d where d.id = p_id for update;
  if not found then
    raise exception 'permission denied: only owners and editors can change distribution %', p_id
      using errcode = '42501';
  end if;
  return v_row;
end
$$;

REVOKE ALL ON FUNCTION scheduling.lock_distribution(p_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.lock_distribution(p_id uuid) TO authenticated;
GRANT ALL ON FUNCTION scheduling.lock_distribution(p_id uuid) TO service_role;

CREATE FUNCTION scheduling.refuse_transition(p_row public.distributions, p_to text, p_action text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  raise exception 'cannot % distribution %: illegal status change % -> %', p_action, p_row.id, p_row.status, p_to
    using errcode = '55000';
end
$$;

REVOKE ALL ON FUNCTION scheduling.refuse_transition(p_row public.distributions, p_to text, p_action text) FROM PUBLIC;
GRANT ALL ON FUNCTION scheduling.refuse_transition(p_row public.distributions, p_to text, p_action text) TO authenticated;
GRANT ALL ON FUNCTION scheduling.refuse_transition(p_row public.distributions, p_to text, p_action text) TO service_role;
