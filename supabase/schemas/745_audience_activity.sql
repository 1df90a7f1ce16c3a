-- What platforms report about when a platform's audience is online (Instagram's online_followers):
-- the latest hour profile per platform, read by metrics sync at most daily, a prior for learning.

CREATE TABLE public.platform_audience_activity (
    platform_id uuid NOT NULL,
    client_id uuid NOT NULL,
    hours numeric[],
    days integer DEFAULT 0 NOT NULL,
    fetched_at timestamp with time zone,
    attempted_at timestamp with time zone DEFAULT now() NOT NULL,
    last_error text,
    CONSTRAINT platform_audience_activity_hours_check CHECK (((hours IS NULL) OR (cardinality(hours) = 24))),
    CONSTRAINT platform_audience_activity_days_check CHECK ((days >= 0))
);

COMMENT ON TABLE public.platform_audience_activity IS 'When a platform''s audience is online, as the platform reports it (Instagram''s online_followers): the mean followers online per local hour over the days reported, read by metrics sync at most daily; the learning job''s prior for the platform''s hour profile.';

COMMENT ON COLUMN public.platform_audience_activity.hours IS 'Mean followers online in hour 0..23 of the account''s time zone (taken as the platform''s timezone); null until a read succeeded.';

COMMENT ON COLUMN public.platform_audience_activity.days IS 'Days the mean covers.';

COMMENT ON COLUMN public.platform_audience_activity.fetched_at IS 'When hours was last read successfully.';

COMMENT ON COLUMN public.platform_audience_activity.attempted_at IS 'When a read was last claimed; the next comes a day later, success or not.';

COMMENT ON COLUMN public.platform_audience_activity.last_error IS 'Why the last read failed (null after a success).';

ALTER TABLE ONLY public.platform_audience_activity
    ADD CONSTRAINT platform_audience_activity_pkey PRIMARY KEY (platform_id);

ALTER TABLE ONLY public.platform_audience_activity
    ADD CONSTRAINT platform_audience_activity_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id) ON DELETE CASCADE;

CREATE INDEX idx_platform_audience_activity_client ON public.platform_audience_activity USING btree (client_id);

ALTER TABLE public.platform_audience_activity ENABLE ROW LEVEL SECURITY;

CREATE POLICY platform_audience_activity_select ON public.platform_audience_activity FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

GRANT SELECT ON TABLE public.platform_audience_activity TO authenticated;
GRANT ALL ON TABLE public.platform_audience_activity TO service_role;

CREATE FUNCTION private.claim_audience_activity_due(p_limit integer DEFAULT 20) RETURNS TABLE(platform_id uuid, client_id uuid, platform_kind text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  v record;
  v_remaining integer := p_limit;
  v_key text;
  v_window timestamptz;
  v_used integer;
begin
  for v in
    select p.id as pid, p.client_id as cid, p.kind::text as kind, b.max_reads, b.per, b.scope, b.window_origin
    from public.platforms p
    left join public.platform_audience_activity a on a.platform_id = p.id
    left join public.metrics_read_budgets b on b.kind = p.kind
    where p.kind::text = 'instagram'
      and p.is_active and p.supports_analytics and not p.needs_reconnection
      and (p.metrics_paused_until is null or p.metrics_paused_until <= now())
      and (a.attempted_at is null or a.attempted_at <= now() - interval '1 day')
    order by a.attempted_at nulls first, p.id
  loop
    exit when v_remaining <= 0;
    continue when not pg_try_advisory_xact_lock(hashtextextended('audience:' || v.pid::text, 0));
    if v.max_reads is not null then
      -- One read from the same budget as the platform's metric reads, only where it has room.
      v_key := private.metrics_budget_key(v.scope, v.kind, v.pid);
      v_window := date_bin(v.per, now(), v.window_origin);
      perform pg_advisory_xact_lock(hashtextextended('metrics-budget:' || v_key, 0));
      select u.reads into v_used from private.metrics_read_usage u
       where u.budget_key = v_key and u.window_start = v_window;
      continue when coalesce(v_used, 0) + 1 > v.max_reads;
      perform private.charge_metrics_reads(v.scope, v.kind, v.pid, v.cid, v_window, 1);
    end if;
    insert into public.platform_audience_activity as a (platform_id, client_id, attempted_at)
    values (v.pid, v.cid, now())
    on conflict (platform_id) do update set attempted_at = now()
    where a.attempted_at <= now() - interval '1 day';
    continue when not found;
    v_remaining := v_remaining - 1;
    platform_id := v.pid;
    client_id := v.cid;
    platform_kind := v.kind;
    return next;
  end loop;
end
$$;

COMMENT ON FUNCTION private.claim_audience_activity_due(p_limit integer) IS 'Instagram platforms whose audience activity was not attempted in the last day (at most p_limit), each taking one read from its metrics read budget where the budget has room; marks them attempted.';

REVOKE ALL ON FUNCTION private.claim_audience_activity_due(p_limit integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.claim_audience_activity_due(p_limit integer) TO service_role;

CREATE FUNCTION private.record_audience_activity(p_platform_id uuid, p_hours numeric[], p_days integer, p_error text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  update public.platform_audience_activity a
     set hours = coalesce(p_hours, a.hours),
         days = case when p_hours is null then a.days else p_days end,
         fetched_at = case when p_hours is null then a.fetched_at else now() end,
         last_error = p_error
   where a.platform_id = p_platform_id;
$$;

COMMENT ON FUNCTION private.record_audience_activity(p_platform_id uuid, p_hours numeric[], p_days integer, p_error text) IS 'Stores a platform''s hour profile (p_hours; null on a failed read, which keeps the previous profile and records p_error).';

REVOKE ALL ON FUNCTION private.record_audience_activity(p_platform_id uuid, p_hours numeric[], p_days integer, p_error text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.record_audience_activity(p_platform_id uuid, p_hours numeric[], p_days integer, p_error text) TO service_role;
