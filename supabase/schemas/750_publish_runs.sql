-- Publish runs alive now, so a burst fans out over several runs at a hand-over without the runs ever
-- multiplying: each run holds a slot from its start to its end (cron ticks, wakes and hand-overs alike),
-- and a hand-over wakes successors only into the slots left under the cap (PUBLISH_MAX_RUNS), reserving
-- each before its pg_net request is sent. A slot expires: a run that crashed, or a wake that never
-- started, frees its slot when the slot's lease ends.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE private.publish_runs (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    generation integer NOT NULL,
    woken_by uuid,
    pg_net_request_id bigint,
    started_at timestamp with time zone,
    expires_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

COMMENT ON TABLE private.publish_runs IS 'The slots of the publish runs alive now: running (started_at set) or woken through pg_net and not yet started. A slot past expires_at is free (its run crashed, or its wake never arrived).';

ALTER TABLE ONLY private.publish_runs
    ADD CONSTRAINT publish_runs_pkey PRIMARY KEY (id);

ALTER TABLE private.publish_runs ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE private.publish_runs FROM PUBLIC;
GRANT ALL ON TABLE private.publish_runs TO service_role;

CREATE FUNCTION private.begin_publish_run(p_slot uuid, p_generation integer, p_lease_seconds integer) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_id uuid;
begin
  if p_lease_seconds is null or p_lease_seconds < 1 then
    raise exception 'p_lease_seconds must be at least 1' using errcode = '22023';
  end if;
  -- A woken run takes the slot its waker reserved for it (once: a slot already taken is another run's).
  if p_slot is not null then
    update private.publish_runs r
       set started_at = now(), expires_at = now() + make_interval(secs => p_lease_seconds)
     where r.id = p_slot and r.started_at is null and r.expires_at > now()
    returning r.id into v_id;
  end if;
  -- A cron tick, a trigger's wake or a direct call always runs; its slot counts against the cap, so
  -- fewer successors are woken beside it.
  if v_id is null then
    insert into private.publish_runs (generation, started_at, expires_at)
    values (coalesce(p_generation, 0), now(), now() + make_interval(secs => p_lease_seconds))
    returning id into v_id;
  end if;
  return v_id;
end
$$;

COMMENT ON FUNCTION private.begin_publish_run(p_slot uuid, p_generation integer, p_lease_seconds integer) IS 'Starts a publish run''s slot: the one its waker reserved (p_slot, when still pending), or a new one; held for p_lease_seconds unless ended first. Returns the slot id.';

REVOKE ALL ON FUNCTION private.begin_publish_run(p_slot uuid, p_generation integer, p_lease_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.begin_publish_run(p_slot uuid, p_generation integer, p_lease_seconds integer) TO service_role;

CREATE FUNCTION private.end_publish_run(p_slot uuid) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  delete from private.publish_runs r where r.id = p_slot
$$;

COMMENT ON FUNCTION private.end_publish_run(p_slot uuid) IS 'Frees a publish run''s slot when it ends without handing over.';

REVOKE ALL ON FUNCTION private.end_publish_run(p_slot uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION private.end_publish_run(p_slot uuid) TO service_role;

CREATE FUNCTION private.publish_backlog(p_within_ms integer, p_limit integer) RETURNS integer
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select (
    select count(*) from (
      select 1 from public.distributions d
       where d.status = 'scheduled'
         and coalesce(d.next_attempt_at, d.scheduled_for) <= now() + make_interval(secs => p_within_ms / 1000.0)
       limit p_limit) s
  )::integer + (
    select count(*) from (
      select 1 from public.distributions d
       where d.status = 'publishing'
         and d.lease_expires_at <= now() + make_interval(secs => p_within_ms / 1000.0)
       limit p_limit) l
  )::integer
$$;

COMMENT ON FUNCTION private.publish_backlog(p_within_ms integer, p_limit integer) IS 'How many rows are due for publishing within p_within_ms (due and retrying rows, and rows whose lease lapses by then), counting at most p_limit of each kind: ranges of idx_distributions_due_at and idx_distributions_lease_at.';

REVOKE ALL ON FUNCTION private.publish_backlog(p_within_ms integer, p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.publish_backlog(p_within_ms integer, p_limit integer) TO service_role;

CREATE FUNCTION private.wake_publish_runs(p_slot uuid, p_wanted integer, p_max_runs integer, p_body jsonb, p_timeout_ms integer)
    RETURNS TABLE(slot uuid, request_id bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_live integer;
  v_count integer;
  v_slot uuid;
  v_request bigint;
begin
  if p_wanted is null or p_wanted < 0 or p_max_runs is null or p_max_runs < 1
     or p_timeout_ms is null or p_timeout_ms < 1 then
    raise exception 'p_wanted >= 0, p_max_runs >= 1 and p_timeout_ms >= 1 are required' using errcode = '22023';
  end if;
  -- One waker at a time counts and fills the free slots, so overlapping chains never wake past the cap.
  perform pg_advisory_xact_lock(hashtext('private.publish_runs'));
  delete from private.publish_runs r where r.expires_at <= now() or r.id = p_slot;
  select count(*) into v_live from private.publish_runs;
  v_count := least(p_wanted, p_max_runs - v_live);
  for i in 1 .. v_count loop
    -- Reserved for as long as pg_net waits for the run to answer: a wake that never starts frees it then.
    insert into private.publish_runs (generation, woken_by, expires_at)
    values (coalesce((p_body ->> 'handover')::integer, 0), p_slot,
            now() + make_interval(secs => ceil(p_timeout_ms / 1000.0)))
    returning id into v_slot;
    v_request := private.invoke_edge_function('publish', p_body || jsonb_build_object('run', v_slot),
                                               p_timeout_ms, false);
    if v_request is null then
      -- No Vault secrets: nothing was sent; one row with no request says so.
      delete from private.publish_runs r where r.id = v_slot;
      slot := null;
      request_id := null;
      return next;
      return;
    end if;
    update private.publish_runs r set pg_net_request_id = v_request where r.id = v_slot;
    slot := v_slot;
    request_id := v_request;
    return next;
  end loop;
end
$$;

COMMENT ON FUNCTION private.wake_publish_runs(p_slot uuid, p_wanted integer, p_max_runs integer, p_body jsonb, p_timeout_ms integer) IS 'A publish run''s hand-over: frees its slot (p_slot) and the expired ones, then wakes up to p_wanted successors through pg_net (sent when the statement commits) into the slots left under p_max_runs, each with its reserved slot as the request''s run. Returns (slot, pg_net request id) for each; one row of nulls when Vault has no secrets to send with.';

REVOKE ALL ON FUNCTION private.wake_publish_runs(p_slot uuid, p_wanted integer, p_max_runs integer, p_body jsonb, p_timeout_ms integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.wake_publish_runs(p_slot uuid, p_wanted integer, p_max_runs integer, p_body jsonb, p_timeout_ms integer) TO service_role;
