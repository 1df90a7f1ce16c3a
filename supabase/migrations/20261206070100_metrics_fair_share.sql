-- Metrics reads: one client cannot starve the others.
--
-- An app-scoped read budget (metrics_read_budgets.scope = 'app', e.g. X's 450 reads per 15 minutes for the whole
-- app) is shared fairly between the clients that need reads of that kind in the window (max-min fairness): every
-- such client may claim up to an equal share; a client that needs less than its share leaves the rest to the
-- others (redistributed at once), and a client that already spent more than its share in this window yields to
-- the others until the next window. Reads spent per client are counted per window beside the kind's total
-- (private.metrics_read_usage, budget_key kind:<kind>:client:<id>). Account-scoped budgets belong to one
-- platform, so one client's reads never spend another's.
-- The claim also takes platforms round-robin over clients (each client's most overdue platform first, then
-- each client's second...), so p_limit is never spent on one client's platforms while another's wait.
--
-- Sync tiers members can set are bounded: a member's tier (metrics_sync_policy, client or platform scope) reads
-- a post at most every 15 minutes, for posts at most 90 days old, with at most 10 tiers per scope. The global
-- tiers (service role) are not bounded.

-- The reads each client may still claim from an app-scoped budget in the window starting at p_window:
-- {"<client_id>": n}. Clients are those with posts due now on an eligible platform of the kind, or with reads
-- spent in the window. Water-filling: the clients in increasing order of need (spent + due) each get the smaller
-- of their need and an equal share of what is left.
create function private.metrics_client_shares(p_kind text, p_window timestamptz, p_max_reads integer)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
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
      where d.metrics_next_sync_at <= now() and p.kind = p_kind
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

comment on function private.metrics_client_shares(text, timestamptz, integer) is
  'Reads each client may still claim from the app-scoped budget of p_kind in the window starting at p_window '
  '(max-min fair shares of p_max_reads): {"<client_id>": n}.';

-- claim_metrics_due as in 20261129070000_metrics_sync_schedule.sql, plus: platforms taken round-robin over
-- clients, and app-scoped budgets split into per-client shares (private.metrics_client_shares).
create or replace function private.claim_metrics_due(
  p_limit integer default 200,
  p_per_platform integer default 50,
  p_lease_seconds integer default 300
) returns table (
  distribution_id uuid,
  client_id uuid,
  platform_id uuid,
  platform_kind text,
  external_id text,
  published_at timestamptz,
  last_synced_at timestamptz,
  lease_until timestamptz
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
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
  for v in
    select q.platform_id as pid, p.client_id as cid, p.kind, b.max_reads, b.per, b.scope, b.window_origin
    from (
      select d.platform_id, min(d.metrics_next_sync_at) as due
      from public.distributions d
      where d.metrics_next_sync_at <= now()
      group by d.platform_id
    ) q
    join public.platforms p on p.id = q.platform_id
    left join public.metrics_read_budgets b on b.kind = p.kind
    where p.is_active and p.supports_analytics and not p.needs_reconnection
      and (p.metrics_paused_until is null or p.metrics_paused_until <= now())
    order by row_number() over (partition by p.client_id order by q.due, q.platform_id), q.due, q.platform_id
  loop
    exit when v_remaining <= 0;
    continue when not pg_try_advisory_xact_lock(hashtextextended('metrics:' || v.pid::text, 0));
    v_n := least(v_remaining, p_per_platform);
    if v.max_reads is not null then
      v_key := case v.scope when 'app' then 'kind:' || v.kind else 'platform:' || v.pid::text end;
      v_window := date_bin(v.per, now(), v.window_origin);
      -- Workers on different platforms of an app-scoped kind share the budget: serialize on it briefly.
      perform pg_advisory_xact_lock(hashtextextended('metrics-budget:' || v_key, 0));
      select u.reads into v_used from private.metrics_read_usage u
       where u.budget_key = v_key and u.window_start = v_window;
      v_n := least(v_n, v.max_reads - coalesce(v_used, 0));
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
      insert into private.metrics_read_usage as u (budget_key, window_start, reads)
      values (v_key, v_window, v_claimed)
      on conflict (budget_key, window_start) do update set reads = u.reads + excluded.reads;
      if v.scope = 'app' then
        v_shares := jsonb_set(v_shares, array[v.kind, v.cid::text], to_jsonb(v_share - v_claimed));
        insert into private.metrics_read_usage as u (budget_key, window_start, reads)
        values (v_key || ':client:' || v.cid::text, v_window, v_claimed)
        on conflict (budget_key, window_start) do update set reads = u.reads + excluded.reads;
      end if;
    end if;
  end loop;

  delete from private.metrics_read_usage u where u.window_start < now() - interval '3 days';
end
$$;

comment on function private.claim_metrics_due(integer, integer, integer) is
  'Claims up to p_limit published posts due for a metrics read (at most p_per_platform per platform, within the '
  'kind''s read budget and, for app-scoped budgets, the client''s fair share of it; platforms round-robin over '
  'clients) under a lease of p_lease_seconds. Returns (distribution_id, client_id, platform_id, platform_kind, '
  'external_id, published_at, last_synced_at, lease_until).';

comment on table private.metrics_read_usage is
  'Metric reads claimed per budget (kind:<kind>, kind:<kind>:client:<id> for a client''s part of an app-scoped '
  'budget, or platform:<id>) and window. Windows older than 3 days are pruned by claims.';

-- Bounds on the tiers members set (the service role and migrations are not bounded).
create function private.check_member_sync_tier()
returns trigger
language plpgsql
set search_path = ''
as $$
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

comment on function private.check_member_sync_tier() is
  'Refuses a member''s sync tier faster than every 15 minutes, for posts older than 90 days, or beyond 10 tiers '
  'per scope (the metrics read budgets are shared by every client).';

create trigger metrics_sync_policy_member_bounds
  before insert or update on public.metrics_sync_policy
  for each row execute function private.check_member_sync_tier();

revoke execute on function private.metrics_client_shares(text, timestamptz, integer) from public, anon, authenticated;
grant execute on function private.metrics_client_shares(text, timestamptz, integer) to service_role;
revoke execute on function private.check_member_sync_tier() from public, anon;
grant execute on function private.check_member_sync_tier() to authenticated, service_role;
