-- Fair share of the metrics read budgets between the clients of a platform kind.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.check_member_sync_tier() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO ''
    AS $$
begin
  if current_user in ('postgres', 'service_role', 'supabase_admin') then
    return new;
  end if;
  if new.sync_every < interval '15 minutes' then
    raise exception 'metrics_sync_policy.sync_every must be at least 15 minutes (got %)', new.sync_every
      using errcode = '23514', column = 'sync_every';
  end if;
  if new.max_age > interval '90 days' then
    raise exception 'metrics_sync_policy.max_age must be at most 90 days (got %)', new.max_age
      using errcode = '23514', column = 'max_age';
  end if;
  if (select count(*) from public.metrics_sync_policy s
      where s.client_id is not distinct from new.client_id and s.platform_id is not distinct from new.platform_id
        and s.id <> new.id) >= 10 then
    raise exception 'metrics_sync_policy: at most 10 tiers per client or platform'
      using errcode = '23514', column = 'max_age';
  end if;
  return new;
end
$$;

COMMENT ON FUNCTION private.check_member_sync_tier() IS 'Refuses a member''s sync tier faster than every 15 minutes, for posts older than 90 days, or beyond 10 tiers per scope (the metrics read budgets are shared by every client).';

REVOKE ALL ON FUNCTION private.check_member_sync_tier() FROM PUBLIC;
GRANT ALL ON FUNCTION private.check_member_sync_tier() TO authenticated;
GRANT ALL ON FUNCTION private.check_member_sync_tier() TO service_role;

CREATE FUNCTION private.metrics_client_shares(p_kind text, p_window timestamp with time zone, p_max_reads integer) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  r record;
  v_left integer := p_max_reads;
  v_count integer;
  v_alloc integer;
  v_shares jsonb := '{}'::jsonb;
  v_prefix text := 'kind:' || p_kind || ':client:';
begin
  for r in
    with due as (
      select p.client_id, least(count(*), p_max_reads)::integer as n
      from public.distributions d
      join public.platforms p on p.id = d.platform_id
      where d.metrics_next_sync_at <= now() and p.kind::text = p_kind
        and p.is_active and p.supports_analytics and not p.needs_reconnection
        and (p.metrics_paused_until is null or p.metrics_paused_until <= now())
      group by p.client_id
    ), spent as (
      select substr(u.budget_key, length(v_prefix) + 1)::uuid as client_id, u.reads as n
      from private.metrics_read_usage u
      where u.window_start = p_window and u.budget_key like v_prefix || '%'
    ), need as (
      select coalesce(d.client_id, s.client_id) as client_id, coalesce(s.n, 0) as spent,
             coalesce(s.n, 0) + coalesce(d.n, 0) as need
      from due d full join spent s on s.client_id = d.client_id
    )
    select n.client_id, n.spent, n.need, count(*) over () as clients from need n order by n.need, n.client_id
  loop
    v_count := coalesce(v_count, r.clients::integer);
    v_alloc := least(r.need, ceil(v_left::numeric / v_count)::integer);
    v_left := v_left - v_alloc;
    v_count := v_count - 1;
    v_shares := v_shares || jsonb_build_object(r.client_id::text, greatest(v_alloc - r.spent, 0));
  end loop;
  return v_shares;
end
$$;

COMMENT ON FUNCTION private.metrics_client_shares(p_kind text, p_window timestamp with time zone, p_max_reads integer) IS 'Reads each client may still claim from the app-scoped budget of p_kind in the window starting at p_window (max-min fair shares of p_max_reads): {"<client_id>": n}.';

REVOKE ALL ON FUNCTION private.metrics_client_shares(p_kind text, p_window timestamp with time zone, p_max_reads integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.metrics_client_shares(p_kind text, p_window timestamp with time zone, p_max_reads integer) TO service_role;

CREATE TRIGGER metrics_sync_policy_member_bounds BEFORE INSERT OR UPDATE ON public.metrics_sync_policy FOR EACH ROW EXECUTE FUNCTION private.check_member_sync_tier();
