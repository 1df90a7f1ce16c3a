-- publishing_calendar_overview reads a rollup kept by triggers: one row per platform, local date and time zone of
-- the calendar, with the slot times in order and how many hold a post. A read then converts the time once per rollup
-- row instead of once per slot and sorts no slots; the rollup holds no time, so it stays exact as time passes (the
-- view applies the next-7-days window, in each row's zone, when it reads).
--
-- The rollup is not a sum of deltas (the slot times are an ordered array): a write recomputes the rows of the keys it
-- touched from their calendar slots (a few each). Writers of the same platforms are serialised by transaction
-- advisory locks on 256 buckets of platform ids, taken in bucket order; each recomputation then reads what the
-- writers before it committed (read committed: a new snapshot per statement).
--
-- A statement on distributions, platforms or clients changes the calendar through row triggers, one nested
-- statement a row. Those nested statements take no bucket: the outer statement defers them (a transaction-local
-- depth, publishing_calendar.deferred), they note their keys in private.publishing_calendar_rollup_pending, and the
-- outer statement's last trigger takes the buckets of all the keys at once, in bucket order, and recomputes each key
-- once. Inserts and updates of distributions go further (190_calendar_follows_distribution.sql): their statement
-- trigger takes the buckets before it changes any calendar row. Two statements whose rows come in opposite orders
-- thus never each hold a bucket the other waits for.

set check_function_bodies = false;

CREATE TABLE public.publishing_calendar_rollups (
    platform_id uuid NOT NULL,
    date date NOT NULL,
    timezone text NOT NULL,
    client_id uuid NOT NULL,
    scheduled_posts bigint NOT NULL,
    time_slots time without time zone[] NOT NULL
);

COMMENT ON TABLE public.publishing_calendar_rollups IS 'Rollup behind publishing_calendar_overview: per platform, local date and time zone of publishing_calendar, the slot times in order and how many slots hold a distribution. Kept by triggers on publishing_calendar, never written by hand.';

ALTER TABLE ONLY public.publishing_calendar_rollups
    ADD CONSTRAINT publishing_calendar_rollups_pkey PRIMARY KEY (platform_id, date, timezone);

CREATE INDEX idx_publishing_calendar_rollups_date ON public.publishing_calendar_rollups USING btree (date);

CREATE INDEX idx_publishing_calendar_rollups_client_date ON public.publishing_calendar_rollups USING btree (client_id, date);

ALTER TABLE public.publishing_calendar_rollups ENABLE ROW LEVEL SECURITY;

CREATE POLICY publishing_calendar_rollups_select ON public.publishing_calendar_rollups FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.publishing_calendar_rollups TO authenticated;
GRANT SELECT ON TABLE public.publishing_calendar_rollups TO service_role;

ALTER TABLE ONLY public.publishing_calendar_rollups
    ADD CONSTRAINT publishing_calendar_rollups_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.publishing_calendar_rollups
    ADD CONSTRAINT publishing_calendar_rollups_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id) ON DELETE CASCADE;

CREATE FUNCTION private.lock_publishing_calendar_buckets(p_platform_ids uuid[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_bucket integer;
begin
  -- Bucket order: two writers of overlapping platforms take their common buckets in the same order. A transaction
  -- may take a bucket again (advisory locks nest), so a writer that takes all its buckets first never waits for one
  -- out of order later.
  for v_bucket in
    select distinct (hashtextextended(k::text, 0) & 255)::integer from unnest(p_platform_ids) k
    where k is not null order by 1
  loop
    perform pg_advisory_xact_lock(hashtext('publishing_calendar_rollups'), v_bucket);
  end loop;
end
$$;

COMMENT ON FUNCTION private.lock_publishing_calendar_buckets(p_platform_ids uuid[]) IS 'Takes the publishing_calendar_rollups bucket locks of the given platforms, in bucket order, until the transaction ends. A statement that changes the calendar of many platforms takes all their buckets through one call before it waits for any other (the statement triggers of distributions do), so two such statements never deadlock.';

REVOKE ALL ON FUNCTION private.lock_publishing_calendar_buckets(p_platform_ids uuid[]) FROM PUBLIC;

CREATE TABLE private.publishing_calendar_rollup_pending (
    xid xid8 DEFAULT pg_current_xact_id() NOT NULL,
    platform_id uuid NOT NULL,
    date date NOT NULL,
    timezone text NOT NULL
);

COMMENT ON TABLE private.publishing_calendar_rollup_pending IS 'Keys of publishing_calendar_rollups that calendar writes nested in a deferring statement changed, by transaction; the statement recomputes and deletes them before it ends (private.apply_publishing_calendar_rollups), so no row outlives its transaction.';

CREATE INDEX idx_publishing_calendar_rollup_pending_xid ON private.publishing_calendar_rollup_pending USING btree (xid);

ALTER TABLE private.publishing_calendar_rollup_pending ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE private.publishing_calendar_rollup_pending FROM PUBLIC;

CREATE FUNCTION private.publishing_calendar_deferral_depth() RETURNS integer
    LANGUAGE sql STABLE
    SET search_path TO ''
    AS $$
  select coalesce(nullif(current_setting('publishing_calendar.deferred', true), ''), '0')::integer
$$;

COMMENT ON FUNCTION private.publishing_calendar_deferral_depth() IS 'How many deferring scopes are open in this transaction (0: calendar writes recompute the rollup at once).';

REVOKE ALL ON FUNCTION private.publishing_calendar_deferral_depth() FROM PUBLIC;

CREATE FUNCTION private.defer_publishing_calendar_rollups() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform set_config('publishing_calendar.deferred', (private.publishing_calendar_deferral_depth() + 1)::text, true);
end
$$;

COMMENT ON FUNCTION private.defer_publishing_calendar_rollups() IS 'Opens a deferring scope (nests): until private.apply_publishing_calendar_rollups closes it, calendar writes note their rollup keys instead of taking bucket locks and recomputing.';

REVOKE ALL ON FUNCTION private.defer_publishing_calendar_rollups() FROM PUBLIC;

CREATE FUNCTION private.apply_publishing_calendar_rollups() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_depth integer := private.publishing_calendar_deferral_depth() - 1;
  v_platform_ids uuid[];
  v_dates date[];
  v_timezones text[];
begin
  perform set_config('publishing_calendar.deferred', greatest(v_depth, 0)::text, true);
  if v_depth > 0 then
    return; -- an enclosing scope applies them
  end if;
  -- No transaction id yet: nothing was noted (a note is a write).
  with noted as (
    delete from private.publishing_calendar_rollup_pending
    where xid = pg_current_xact_id_if_assigned()
    returning platform_id, date, timezone
  )
  select array_agg(k.platform_id), array_agg(k.date), array_agg(k.timezone)
  into v_platform_ids, v_dates, v_timezones
  from (select distinct platform_id, date, timezone from noted) k;
  perform private.recompute_publishing_calendar_days(v_platform_ids, v_dates, v_timezones);
end
$$;

COMMENT ON FUNCTION private.apply_publishing_calendar_rollups() IS 'Closes a deferring scope; the outermost one takes the bucket locks of every key noted in the transaction, in bucket order, and recomputes each key once.';

REVOKE ALL ON FUNCTION private.apply_publishing_calendar_rollups() FROM PUBLIC;

CREATE FUNCTION private.defer_publishing_calendar_rollups_trigger() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if tg_when = 'BEFORE' then
    perform private.defer_publishing_calendar_rollups();
  else
    perform private.apply_publishing_calendar_rollups();
  end if;
  return null;
end
$$;

COMMENT ON FUNCTION private.defer_publishing_calendar_rollups_trigger() IS 'Statement trigger around a delete whose row triggers and cascades change the calendar: BEFORE opens a deferring scope, AFTER closes it (and recomputes the rollup keys under their buckets, taken in order).';

REVOKE ALL ON FUNCTION private.defer_publishing_calendar_rollups_trigger() FROM PUBLIC;

CREATE FUNCTION private.recompute_publishing_calendar_days(p_platform_ids uuid[], p_dates date[], p_timezones text[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if coalesce(cardinality(p_platform_ids), 0) = 0 then
    return;
  end if;
  perform private.lock_publishing_calendar_buckets(p_platform_ids);
  insert into public.publishing_calendar_rollups (platform_id, date, timezone, client_id, scheduled_posts, time_slots)
  select pc.platform_id, pc.date, pc.timezone, pc.client_id, count(pc.distribution_id),
    array_agg(pc.time_slot order by pc.time_slot)
  from (select distinct k.platform_id, k.date, k.timezone
        from unnest(p_platform_ids, p_dates, p_timezones) k(platform_id, date, timezone)) k
  join public.publishing_calendar pc
    on pc.platform_id = k.platform_id and pc.date = k.date and pc.timezone = k.timezone
  group by pc.platform_id, pc.date, pc.timezone, pc.client_id
  on conflict (platform_id, date, timezone) do update set
    client_id = excluded.client_id,
    scheduled_posts = excluded.scheduled_posts,
    time_slots = excluded.time_slots;
  delete from public.publishing_calendar_rollups r
  using unnest(p_platform_ids, p_dates, p_timezones) k(platform_id, date, timezone)
  where r.platform_id = k.platform_id and r.date = k.date and r.timezone = k.timezone
    and not exists (select 1 from public.publishing_calendar pc
                    where pc.platform_id = k.platform_id and pc.date = k.date and pc.timezone = k.timezone);
end
$$;

COMMENT ON FUNCTION private.recompute_publishing_calendar_days(p_platform_ids uuid[], p_dates date[], p_timezones text[]) IS 'Recomputes the publishing_calendar_rollups rows of the given (platform, date, time zone) keys from publishing_calendar (under the platforms'' bucket locks).';

REVOKE ALL ON FUNCTION private.recompute_publishing_calendar_days(p_platform_ids uuid[], p_dates date[], p_timezones text[]) FROM PUBLIC;

CREATE FUNCTION private.rebuild_publishing_calendar_rollups() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  perform pg_advisory_xact_lock(hashtext('publishing_calendar_rollups'), b) from generate_series(0, 255) b;
  delete from public.publishing_calendar_rollups;
  insert into public.publishing_calendar_rollups (platform_id, date, timezone, client_id, scheduled_posts, time_slots)
  select pc.platform_id, pc.date, pc.timezone, pc.client_id, count(pc.distribution_id),
    array_agg(pc.time_slot order by pc.time_slot)
  from public.publishing_calendar pc
  group by pc.platform_id, pc.date, pc.timezone, pc.client_id;
end
$$;

COMMENT ON FUNCTION private.rebuild_publishing_calendar_rollups() IS 'Rebuilds publishing_calendar_rollups from publishing_calendar.';

REVOKE ALL ON FUNCTION private.rebuild_publishing_calendar_rollups() FROM PUBLIC;
GRANT ALL ON FUNCTION private.rebuild_publishing_calendar_rollups() TO service_role;

CREATE FUNCTION private.rollup_publishing_calendar() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  v_platform_ids uuid[];
  v_dates date[];
  v_timezones text[];
begin
  if tg_op = 'INSERT' then
    select array_agg(n.platform_id), array_agg(n.date), array_agg(n.timezone)
    into v_platform_ids, v_dates, v_timezones
    from new_rows n;
  elsif tg_op = 'DELETE' then
    select array_agg(o.platform_id), array_agg(o.date), array_agg(o.timezone)
    into v_platform_ids, v_dates, v_timezones
    from old_rows o;
  else
    -- Only the rows whose key, time or fill changed: locks, slot types and instants leave the rollup alone.
    select array_agg(k.platform_id), array_agg(k.date), array_agg(k.timezone)
    into v_platform_ids, v_dates, v_timezones
    from old_rows o join new_rows n on n.id = o.id,
      lateral (values (o.platform_id, o.date, o.timezone), (n.platform_id, n.date, n.timezone)) k(platform_id, date, timezone)
    where (o.platform_id, o.date, o.timezone, o.client_id, o.time_slot, o.distribution_id is null)
          is distinct from
          (n.platform_id, n.date, n.timezone, n.client_id, n.time_slot, n.distribution_id is null);
  end if;
  if v_platform_ids is null then
    return null;
  end if;
  if private.publishing_calendar_deferral_depth() > 0 then
    -- Nested in a deferring statement: it takes the buckets of every key at once, in order, when it ends.
    insert into private.publishing_calendar_rollup_pending (platform_id, date, timezone)
    select * from unnest(v_platform_ids, v_dates, v_timezones);
    return null;
  end if;
  perform private.recompute_publishing_calendar_days(v_platform_ids, v_dates, v_timezones);
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.rollup_publishing_calendar() FROM PUBLIC;

CREATE FUNCTION private.truncate_publishing_calendar_rollups() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  delete from public.publishing_calendar_rollups;
  return null;
end
$$;

REVOKE ALL ON FUNCTION private.truncate_publishing_calendar_rollups() FROM PUBLIC;

-- The rows of the seed's "Publishing Calendar Overview" with today read in each slot's time zone: per local date and
-- platform, the slots (in order) and how many hold a post. A (date, platform) whose slots are in one time zone (the
-- usual case) is its one rollup row; slots of one day in several zones are merged from the calendar itself. The
-- window on the UTC date (a zone's local date is within a day of it) lets the date index find the candidates.
CREATE VIEW public.publishing_calendar_overview WITH (security_invoker=true) AS
 SELECT r.date,
    p.name AS platform,
    (sum(r.scheduled_posts))::bigint AS scheduled_posts,
        CASE
            WHEN (count(*) = 1) THEN min(r.time_slots)
            ELSE ( SELECT array_agg(pc.time_slot ORDER BY pc.time_slot) AS array_agg
               FROM publishing_calendar pc
              WHERE ((pc.platform_id = p.id) AND (pc.date = r.date) AND (pc.date >= ((now() AT TIME ZONE pc.timezone))::date) AND (pc.date <= (((now() AT TIME ZONE pc.timezone))::date + 7))))
        END AS time_slots
   FROM (publishing_calendar_rollups r
     JOIN platforms p ON ((r.platform_id = p.id)))
  WHERE ((r.date >= (((now() AT TIME ZONE 'UTC'::text))::date - 1)) AND (r.date <= (((now() AT TIME ZONE 'UTC'::text))::date + 8)) AND (r.date >= ((now() AT TIME ZONE r.timezone))::date) AND (r.date <= (((now() AT TIME ZONE r.timezone))::date + 7)))
  GROUP BY r.date, p.id, p.name
  ORDER BY r.date, p.name;

COMMENT ON VIEW public.publishing_calendar_overview IS 'Seed report "Publishing Calendar Overview": per day and platform for the next 7 days (today = the slot''s local date), the slots and how many hold a post. Reads publishing_calendar_rollups (kept by triggers on publishing_calendar): the rows of the seed query with the window in each slot''s zone.';

GRANT SELECT ON TABLE public.publishing_calendar_overview TO authenticated;
GRANT SELECT ON TABLE public.publishing_calendar_overview TO service_role;

CREATE TRIGGER publishing_calendar_rollup_delete AFTER DELETE ON public.publishing_calendar REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_publishing_calendar();

CREATE TRIGGER publishing_calendar_rollup_insert AFTER INSERT ON public.publishing_calendar REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_publishing_calendar();

CREATE TRIGGER publishing_calendar_rollup_truncate AFTER TRUNCATE ON public.publishing_calendar FOR EACH STATEMENT EXECUTE FUNCTION private.truncate_publishing_calendar_rollups();

CREATE TRIGGER publishing_calendar_rollup_update AFTER UPDATE ON public.publishing_calendar REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION private.rollup_publishing_calendar();

-- Deletes of posts, platforms and clients change the calendar row by row (the slot triggers of 190 and the foreign
-- keys' cascades): each such statement defers the rollup and applies it once, under its buckets in order, at its end.
CREATE TRIGGER distributions_calendar_rollup_defer BEFORE DELETE ON public.distributions FOR EACH STATEMENT EXECUTE FUNCTION private.defer_publishing_calendar_rollups_trigger();

CREATE TRIGGER distributions_calendar_rollup_apply AFTER DELETE ON public.distributions FOR EACH STATEMENT EXECUTE FUNCTION private.defer_publishing_calendar_rollups_trigger();

CREATE TRIGGER platforms_calendar_rollup_defer BEFORE DELETE ON public.platforms FOR EACH STATEMENT EXECUTE FUNCTION private.defer_publishing_calendar_rollups_trigger();

CREATE TRIGGER platforms_calendar_rollup_apply AFTER DELETE ON public.platforms FOR EACH STATEMENT EXECUTE FUNCTION private.defer_publishing_calendar_rollups_trigger();

CREATE TRIGGER clients_calendar_rollup_defer BEFORE DELETE ON public.clients FOR EACH STATEMENT EXECUTE FUNCTION private.defer_publishing_calendar_rollups_trigger();

CREATE TRIGGER clients_calendar_rollup_apply AFTER DELETE ON public.clients FOR EACH STATEMENT EXECUTE FUNCTION private.defer_publishing_calendar_rollups_trigger();
