-- When metrics are read: the sync cadence by post age, the per-platform read budgets and the due queue.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE private.metrics_read_usage (
    budget_key text NOT NULL,
    window_start timestamp with time zone NOT NULL,
    reads integer DEFAULT 0 NOT NULL
);

COMMENT ON TABLE private.metrics_read_usage IS 'Metric reads claimed per budget (kind:<kind>, kind:<kind>:client:<id> for a client''s part of an app-scoped budget, or platform:<id>) and window. Windows older than 3 days are pruned by claims.';

ALTER TABLE ONLY private.metrics_read_usage
    ADD CONSTRAINT metrics_read_usage_pkey PRIMARY KEY (budget_key, window_start);

-- Every claim prunes the windows older than 3 days: a range of this index, not a scan of every window.
CREATE INDEX idx_metrics_read_usage_window ON private.metrics_read_usage USING btree (window_start);

GRANT SELECT ON TABLE private.metrics_read_usage TO service_role;

CREATE TABLE public.metrics_read_budgets (
    kind public.platform_kind NOT NULL,
    max_reads integer NOT NULL,
    per interval NOT NULL,
    scope text DEFAULT 'account'::text NOT NULL,
    window_origin timestamp with time zone DEFAULT '2000-01-01 00:00:00+00'::timestamp with time zone NOT NULL,
    notes text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT metrics_read_budgets_max_reads_check CHECK ((max_reads > 0)),
    CONSTRAINT metrics_read_budgets_per_check CHECK (((per >= '00:01:00'::interval) AND (EXTRACT(month FROM per) = (0)::numeric))),
    CONSTRAINT metrics_read_budgets_scope_check CHECK ((scope = ANY (ARRAY['app'::text, 'account'::text])))
);

COMMENT ON TABLE public.metrics_read_budgets IS 'Metric reads the sync may spend per platform kind: at most max_reads per window of length per. scope app: one budget shared by every platform of the kind (the API limits our app); account: one budget per platform (per connected account). Windows are fixed, aligned on window_origin. Edited by the service role / Studio.';

COMMENT ON COLUMN public.metrics_read_budgets.max_reads IS 'Reads (API calls) allowed per window; keep headroom for publishing calls.';

COMMENT ON COLUMN public.metrics_read_budgets.per IS 'Window length (no months).';

COMMENT ON COLUMN public.metrics_read_budgets.scope IS 'app: shared by all platforms of the kind; account: per platform.';

COMMENT ON COLUMN public.metrics_read_budgets.window_origin IS 'Alignment of the windows, e.g. a midnight in the time zone where the API''s daily quota resets.';

ALTER TABLE ONLY public.metrics_read_budgets
    ADD CONSTRAINT metrics_read_budgets_pkey PRIMARY KEY (kind);

ALTER TABLE public.metrics_read_budgets ENABLE ROW LEVEL SECURITY;

CREATE POLICY metrics_read_budgets_select ON public.metrics_read_budgets FOR SELECT TO authenticated USING (true);

GRANT SELECT ON TABLE public.metrics_read_budgets TO authenticated;
GRANT ALL ON TABLE public.metrics_read_budgets TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.metrics_read_budgets FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

CREATE TABLE public.metrics_sync_policy (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid,
    platform_id uuid,
    max_age interval NOT NULL,
    sync_every interval NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT metrics_sync_policy_max_age_check CHECK ((max_age > '00:00:00'::interval)),
    CONSTRAINT metrics_sync_policy_platform_needs_client CHECK (((platform_id IS NULL) OR (client_id IS NOT NULL))),
    CONSTRAINT metrics_sync_policy_sync_every_check CHECK ((sync_every >= '00:01:00'::interval))
);

COMMENT ON TABLE public.metrics_sync_policy IS 'How often a published post''s metrics are read, by its age. Each row is a tier: posts younger than max_age (and older than the previous tier) are synced every sync_every. The most specific scope that has any rows wins: the platform''s rows, else the client''s (platform_id null), else the global rows (both null). A post older than the largest max_age of its scope is no longer synced. Changes apply from each post''s next sync.';

COMMENT ON COLUMN public.metrics_sync_policy.client_id IS 'null: a global tier (service role only).';

COMMENT ON COLUMN public.metrics_sync_policy.platform_id IS 'null: applies to every platform of client_id.';

COMMENT ON COLUMN public.metrics_sync_policy.max_age IS 'Upper bound (exclusive) of the post age (since published_at) this tier covers.';

COMMENT ON COLUMN public.metrics_sync_policy.sync_every IS 'Time between two metric reads of a post in this tier.';

ALTER TABLE ONLY public.metrics_sync_policy
    ADD CONSTRAINT metrics_sync_policy_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.metrics_sync_policy
    ADD CONSTRAINT metrics_sync_policy_tier_key UNIQUE NULLS NOT DISTINCT (client_id, platform_id, max_age);

CREATE INDEX idx_metrics_sync_policy_client ON public.metrics_sync_policy USING btree (client_id);

CREATE INDEX idx_metrics_sync_policy_platform ON public.metrics_sync_policy USING btree (platform_id);

ALTER TABLE public.metrics_sync_policy ENABLE ROW LEVEL SECURITY;

CREATE POLICY metrics_sync_policy_delete ON public.metrics_sync_policy FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY metrics_sync_policy_insert ON public.metrics_sync_policy FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY metrics_sync_policy_select ON public.metrics_sync_policy FOR SELECT TO authenticated USING (((client_id IS NULL) OR (client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids)))));

CREATE POLICY metrics_sync_policy_update ON public.metrics_sync_policy FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.metrics_sync_policy TO authenticated;
GRANT ALL ON TABLE public.metrics_sync_policy TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.metrics_sync_policy FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.metrics_sync_policy
    ADD CONSTRAINT metrics_sync_policy_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.metrics_sync_policy
    ADD CONSTRAINT metrics_sync_policy_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id) ON DELETE CASCADE;

CREATE FUNCTION private.metrics_budget_key(p_scope text, p_kind text, p_platform_id uuid) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO ''
    AS $$
  select case p_scope when 'app' then 'kind:' || p_kind else 'platform:' || p_platform_id::text end;
$$;

COMMENT ON FUNCTION private.metrics_budget_key(p_scope text, p_kind text, p_platform_id uuid) IS 'The metrics_read_usage key of a read budget: kind:<kind> for an app-scoped budget, platform:<id> for an account-scoped one.';

REVOKE ALL ON FUNCTION private.metrics_budget_key(p_scope text, p_kind text, p_platform_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION private.metrics_budget_key(p_scope text, p_kind text, p_platform_id uuid) TO service_role;

CREATE FUNCTION private.charge_metrics_reads(p_scope text, p_kind text, p_platform_id uuid, p_client_id uuid, p_window timestamp with time zone, p_reads integer) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  insert into private.metrics_read_usage as u (budget_key, window_start, reads)
  values (private.metrics_budget_key(p_scope, p_kind, p_platform_id), p_window, p_reads)
  on conflict (budget_key, window_start) do update set reads = u.reads + excluded.reads;
  if p_scope = 'app' then
    -- The client's part of the shared budget, which its fair share is measured against.
    insert into private.metrics_read_usage as u (budget_key, window_start, reads)
    values ('kind:' || p_kind || ':client:' || p_client_id::text, p_window, p_reads)
    on conflict (budget_key, window_start) do update set reads = u.reads + excluded.reads;
  end if;
end
$$;

COMMENT ON FUNCTION private.charge_metrics_reads(p_scope text, p_kind text, p_platform_id uuid, p_client_id uuid, p_window timestamp with time zone, p_reads integer) IS 'Counts p_reads reads in the window of a platform''s read budget and, for an app-scoped budget, in the client''s part of it. Every reader of a platform API charges through here (metric reads, audience activity reads).';

REVOKE ALL ON FUNCTION private.charge_metrics_reads(p_scope text, p_kind text, p_platform_id uuid, p_client_id uuid, p_window timestamp with time zone, p_reads integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.charge_metrics_reads(p_scope text, p_kind text, p_platform_id uuid, p_client_id uuid, p_window timestamp with time zone, p_reads integer) TO service_role;

CREATE FUNCTION private.claim_metrics_due(p_limit integer DEFAULT 200, p_per_platform integer DEFAULT 50, p_lease_seconds integer DEFAULT 300) RETURNS TABLE(distribution_id uuid, client_id uuid, platform_id uuid, platform_kind text, external_id text, published_at timestamp with time zone, last_synced_at timestamp with time zone, lease_until timestamp with time zone)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
#variable_conflict use_column
declare
  v record;
  v_remaining integer := p_limit;
  v_n integer;
  v_key text;
  v_window timestamptz;
  v_used integer;
  v_claimed integer;
  v_shares jsonb := '{}'::jsonb;
  v_share integer;
begin
  -- Platforms with reads due and room in their budget's window. Each platform is one probe of its due index
  -- (idx_distributions_metrics_due), made only where the budget has room: the cost follows the platforms, not
  -- the posts being synced, nor the reads waiting for a spent budget (bench/metrics).
  for v in
    select e.pid, e.cid, e.kind, e.max_reads, e.per, e.scope, e.window_origin
    from (
      select p.id as pid, p.client_id as cid, p.kind::text as kind, b.max_reads, b.per, b.scope, b.window_origin, q.due
      from public.platforms p
      left join public.metrics_read_budgets b on b.kind = p.kind
      cross join lateral (
        select d.metrics_next_sync_at as due from public.distributions d
        where d.platform_id = p.id and d.metrics_next_sync_at <= now()
        order by d.metrics_next_sync_at
        limit 1
      ) q
      where p.is_active and p.supports_analytics and not p.needs_reconnection
        and (p.metrics_paused_until is null or p.metrics_paused_until <= now())
        and (b.max_reads is null
             or coalesce((select u.reads from private.metrics_read_usage u
                          where u.budget_key = case b.scope when 'app' then 'kind:' || p.kind
                                                            else 'platform:' || p.id::text end
                            and u.window_start = date_bin(b.per, now(), b.window_origin)), 0) < b.max_reads)
    ) e
    order by row_number() over (partition by e.cid order by e.due, e.pid), e.due, e.pid
  loop
    exit when v_remaining <= 0;
    continue when not pg_try_advisory_xact_lock(hashtextextended('metrics:' || v.pid::text, 0));
    v_n := least(v_remaining, p_per_platform);
    if v.max_reads is not null then
      v_key := private.metrics_budget_key(v.scope, v.kind, v.pid);
      v_window := date_bin(v.per, now(), v.window_origin);
      -- Workers on different platforms of an app-scoped kind share the budget: serialize on it briefly.
      perform pg_advisory_xact_lock(hashtextextended('metrics-budget:' || v_key, 0));
      select u.reads into v_used from private.metrics_read_usage u
       where u.budget_key = v_key and u.window_start = v_window;
      v_n := least(v_n, v.max_reads - coalesce(v_used, 0));
      continue when v_n <= 0;
      if v.scope = 'app' then
        -- The shares are computed once per claim and kind, under the budget's lock (held to commit).
        if not v_shares ? v.kind then
          v_shares := v_shares || jsonb_build_object(v.kind,
                                    private.metrics_client_shares(v.kind, v_window, v.max_reads));
        end if;
        v_share := coalesce((v_shares -> v.kind ->> v.cid::text)::integer, 0);
        v_n := least(v_n, v_share);
      end if;
      continue when v_n <= 0;
    end if;

    return query
    with due as (
      select d.id from public.distributions d
      where d.platform_id = v.pid and d.metrics_next_sync_at <= now()
        and d.status = 'published' and d.external_id is not null
        and d.unpublish_state is distinct from 'removed_on_platform'
      order by d.metrics_next_sync_at
      limit v_n
      for update skip locked
    ), claimed as (
      update public.distributions d
         set metrics_lease_until = now() + make_interval(secs => p_lease_seconds),
             metrics_next_sync_at = now() + make_interval(secs => p_lease_seconds)
        from due where d.id = due.id
      returning d.id, d.client_id, d.platform_id, d.external_id, d.published_at, d.metrics_synced_at,
                d.metrics_lease_until
    )
    select c.id, c.client_id, c.platform_id, v.kind, c.external_id, c.published_at, c.metrics_synced_at,
           c.metrics_lease_until
    from claimed c;
    get diagnostics v_claimed = row_count;
    v_remaining := v_remaining - v_claimed;

    if v.max_reads is not null and v_claimed > 0 then
      perform private.charge_metrics_reads(v.scope, v.kind, v.pid, v.cid, v_window, v_claimed);
      if v.scope = 'app' then
        v_shares := jsonb_set(v_shares, array[v.kind, v.cid::text], to_jsonb(v_share - v_claimed));
      end if;
    end if;
  end loop;

  delete from private.metrics_read_usage u where u.window_start < now() - interval '3 days';
end
$$;

COMMENT ON FUNCTION private.claim_metrics_due(p_limit integer, p_per_platform integer, p_lease_seconds integer) IS 'Claims up to p_limit published posts due for a metrics read (at most p_per_platform per platform, within the kind''s read budget and, for app-scoped budgets, the client''s fair share of it; platforms round-robin over clients) under a lease of p_lease_seconds. Returns (distribution_id, client_id, platform_id, platform_kind, external_id, published_at, last_synced_at, lease_until).';

REVOKE ALL ON FUNCTION private.claim_metrics_due(p_limit integer, p_per_platform integer, p_lease_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.claim_metrics_due(p_limit integer, p_per_platform integer, p_lease_seconds integer) TO service_role;

CREATE FUNCTION private.metrics_next_sync_at(p_platform_id uuid, p_client_id uuid, p_published_at timestamp with time zone, p_last_synced_at timestamp with time zone) RETURNS timestamp with time zone
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if p_published_at is null then
    return null;
  end if;
  return coalesce(p_last_synced_at, p_published_at)
         + private.metrics_sync_interval(p_platform_id, p_client_id,
                                         coalesce(p_last_synced_at, p_published_at) - p_published_at);
end
$$;

COMMENT ON FUNCTION private.metrics_next_sync_at(p_platform_id uuid, p_client_id uuid, p_published_at timestamp with time zone, p_last_synced_at timestamp with time zone) IS 'Next metrics read of a post published at p_published_at and last read at p_last_synced_at (null: never).';

REVOKE ALL ON FUNCTION private.metrics_next_sync_at(p_platform_id uuid, p_client_id uuid, p_published_at timestamp with time zone, p_last_synced_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION private.metrics_next_sync_at(p_platform_id uuid, p_client_id uuid, p_published_at timestamp with time zone, p_last_synced_at timestamp with time zone) TO service_role;

CREATE FUNCTION private.metrics_sync_interval(p_platform_id uuid, p_client_id uuid, p_age interval) RETURNS interval
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  return (
  with candidates as (
    select s.max_age, s.sync_every,
           case when s.platform_id is not null then 1 when s.client_id is not null then 2 else 3 end as specificity
    from public.metrics_sync_policy s
    where s.platform_id = p_platform_id
       or (s.platform_id is null and s.client_id = p_client_id)
       or (s.platform_id is null and s.client_id is null)
  )
  select c.sync_every from candidates c
  where c.specificity = (select min(specificity) from candidates)
    and c.max_age > greatest(p_age, interval '0')
  order by c.max_age
  limit 1);
end
$$;

COMMENT ON FUNCTION private.metrics_sync_interval(p_platform_id uuid, p_client_id uuid, p_age interval) IS 'Time between metric reads for a post of age p_age on the platform (metrics_sync_policy); null = stop syncing.';

REVOKE ALL ON FUNCTION private.metrics_sync_interval(p_platform_id uuid, p_client_id uuid, p_age interval) FROM PUBLIC;
GRANT ALL ON FUNCTION private.metrics_sync_interval(p_platform_id uuid, p_client_id uuid, p_age interval) TO service_role;

CREATE FUNCTION private.next_metrics_due() RETURNS timestamp with time zone
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select min(metrics_next_sync_at) from public.distributions where metrics_next_sync_at is not null
$$;

REVOKE ALL ON FUNCTION private.next_metrics_due() FROM PUBLIC;
GRANT ALL ON FUNCTION private.next_metrics_due() TO service_role;

CREATE FUNCTION private.schedule_metrics_sync() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if new.status = 'published' and new.external_id is not null and new.published_at is not null then
    if tg_op = 'INSERT' or old.status is distinct from 'published' or old.external_id is distinct from new.external_id
       or old.published_at is distinct from new.published_at or old.platform_id is distinct from new.platform_id then
      new.metrics_next_sync_at := private.metrics_next_sync_at(new.platform_id, new.client_id, new.published_at,
                                                               new.metrics_synced_at);
      new.metrics_lease_until := null;
    end if;
  else
    new.metrics_next_sync_at := null;
    new.metrics_lease_until := null;
  end if;
  return new;
end
$$;

REVOKE ALL ON FUNCTION private.schedule_metrics_sync() FROM PUBLIC;

CREATE TRIGGER distributions_metrics_reschedule BEFORE UPDATE OF status, external_id, published_at, platform_id ON public.distributions FOR EACH ROW WHEN (((NOT (new.metrics_next_sync_at IS DISTINCT FROM old.metrics_next_sync_at)) AND ((new.status = 'published') OR (new.metrics_next_sync_at IS NOT NULL) OR (new.metrics_lease_until IS NOT NULL)))) EXECUTE FUNCTION private.schedule_metrics_sync();

CREATE TRIGGER distributions_metrics_schedule BEFORE INSERT ON public.distributions FOR EACH ROW EXECUTE FUNCTION private.schedule_metrics_sync();

-- The default cadence (client_id and platform_id null): posts younger than max_age are read every sync_every.
insert into public.metrics_sync_policy (max_age, sync_every) values
  (interval '6 hours', interval '15 minutes'),
  (interval '48 hours', interval '1 hour'),
  (interval '30 days', interval '1 day');

-- Each platform kind's read budget.
insert into public.metrics_read_budgets (kind, max_reads, per, scope, window_origin, notes) values
  ('x', 450, interval '15 minutes', 'app', timestamptz '2000-01-01 00:00:00+00',
   'GET /2/tweets/:id: 450 per 15 min per app.'),
  ('youtube', 5000, interval '1 day', 'app', timestamptz '2000-01-01 00:00:00 America/Los_Angeles',
   'videos.list costs 1 unit of the 10,000/day project quota (resets midnight Pacific); half kept for uploads. '
   'Windows are fixed 24 h from a Pacific midnight, so they drift by an hour across daylight saving.'),
  ('linkedin', 500, interval '1 day', 'account', timestamptz '2000-01-01 00:00:00+00',
   'Daily per-member limits, reset midnight UTC, numbers unpublished (unverified: keep conservative).'),
  ('instagram', 150, interval '1 hour', 'account', timestamptz '2000-01-01 00:00:00+00',
   'Graph API: about 200 calls per hour per user; insights share it with publishing.'),
  ('tiktok', 300, interval '1 minute', 'account', timestamptz '2000-01-01 00:00:00+00',
   'video/query per token (unverified).'),
  ('email', 600, interval '1 minute', 'account', timestamptz '2000-01-01 00:00:00+00',
   'Mailchimp: 10 concurrent connections; no published per-minute cap.'),
  ('wordpress', 600, interval '1 minute', 'account', timestamptz '2000-01-01 00:00:00+00',
   'Reads go to the configured analytics source.'),
  ('podcast', 50, interval '1 minute', 'account', timestamptz '2000-01-01 00:00:00+00',
   'Transistor: 10 requests per 10 s.');
