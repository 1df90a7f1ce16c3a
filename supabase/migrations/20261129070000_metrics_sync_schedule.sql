-- Metrics sync scheduling, decided in SQL: which published distributions are due for a metrics read, by the
-- post's age (metrics_sync_policy) and each API's read budget (metrics_read_budgets), claimed under a lease.
--
-- Contract for the metrics worker (service role):
--   select * from private.claim_metrics_due(p_limit => 200, p_per_platform => 50, p_lease_seconds => 300);
--     -> rows (distribution_id, client_id, platform_id, platform_kind, external_id, published_at,
--              last_synced_at, lease_until): read each post's metrics from its platform, then
--   select private.record_metrics('[...]'::jsonb)   (see 20261129070200_record_metrics.sql).
-- A row claimed and never recorded (worker died) becomes due again when its lease lapses.

-- ---------------------------------------------------------------------------------------------------------
-- Cadence by age

create table public.metrics_sync_policy (
  id uuid primary key default gen_random_uuid(),
  client_id uuid references public.clients (id) on delete cascade,
  platform_id uuid,
  max_age interval not null check (max_age > interval '0'),
  sync_every interval not null check (sync_every >= interval '1 minute'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint metrics_sync_policy_platform_needs_client check (platform_id is null or client_id is not null),
  constraint metrics_sync_policy_platform_fkey foreign key (platform_id, client_id)
    references public.platforms (id, client_id) on delete cascade,
  constraint metrics_sync_policy_tier_key unique nulls not distinct (client_id, platform_id, max_age)
);

create index idx_metrics_sync_policy_client on public.metrics_sync_policy (client_id);
create index idx_metrics_sync_policy_platform on public.metrics_sync_policy (platform_id);

comment on table public.metrics_sync_policy is
  'How often a published post''s metrics are read, by its age. Each row is a tier: posts younger than max_age '
  '(and older than the previous tier) are synced every sync_every. The most specific scope that has any rows '
  'wins: the platform''s rows, else the client''s (platform_id null), else the global rows (both null). A post '
  'older than the largest max_age of its scope is no longer synced. Changes apply from each post''s next sync.';
comment on column public.metrics_sync_policy.client_id is 'null: a global tier (service role only).';
comment on column public.metrics_sync_policy.platform_id is 'null: applies to every platform of client_id.';
comment on column public.metrics_sync_policy.max_age is 'Upper bound (exclusive) of the post age (since published_at) this tier covers.';
comment on column public.metrics_sync_policy.sync_every is 'Time between two metric reads of a post in this tier.';

insert into public.metrics_sync_policy (max_age, sync_every) values
  (interval '6 hours', interval '15 minutes'),
  (interval '48 hours', interval '1 hour'),
  (interval '30 days', interval '1 day');

-- ---------------------------------------------------------------------------------------------------------
-- Read budgets per platform kind

create table public.metrics_read_budgets (
  kind text primary key
    constraint metrics_read_budgets_kind_check
    check (kind in ('wordpress', 'x', 'linkedin', 'youtube', 'email', 'instagram', 'tiktok', 'podcast')),
  max_reads integer not null check (max_reads > 0),
  per interval not null check (per >= interval '1 minute' and extract(month from per) = 0),
  scope text not null default 'account' constraint metrics_read_budgets_scope_check check (scope in ('app', 'account')),
  window_origin timestamptz not null default timestamptz '2000-01-01 00:00:00+00',
  notes text,
  updated_at timestamptz not null default now()
);

comment on table public.metrics_read_budgets is
  'Metric reads the sync may spend per platform kind: at most max_reads per window of length per. scope app: '
  'one budget shared by every platform of the kind (the API limits our app); account: one budget per platform '
  '(per connected account). Windows are fixed, aligned on window_origin. Edited by the service role / Studio.';
comment on column public.metrics_read_budgets.max_reads is 'Reads (API calls) allowed per window; keep headroom for publishing calls.';
comment on column public.metrics_read_budgets.per is 'Window length (no months).';
comment on column public.metrics_read_budgets.scope is 'app: shared by all platforms of the kind; account: per platform.';
comment on column public.metrics_read_budgets.window_origin is
  'Alignment of the windows, e.g. a midnight in the time zone where the API''s daily quota resets.';

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

-- Reads spent per budget and window (kept by claim_metrics_due; internal).
create table private.metrics_read_usage (
  budget_key text not null,
  window_start timestamptz not null,
  reads integer not null default 0,
  primary key (budget_key, window_start)
);

comment on table private.metrics_read_usage is
  'Metric reads claimed per budget (kind:<kind> or platform:<id>) and window. Old windows are pruned by claims.';

-- ---------------------------------------------------------------------------------------------------------
-- Per-distribution sync state

alter table public.distributions
  add column metrics_next_sync_at timestamptz,
  add column metrics_lease_until timestamptz,
  add column metrics_synced_at timestamptz,
  add column metrics_sync_failures integer not null default 0 check (metrics_sync_failures >= 0),
  add column metrics_last_error text;

comment on column public.distributions.metrics_next_sync_at is
  'When the metrics of this published post are next read (by its age and metrics_sync_policy); null = not synced '
  '(not published, no external_id, too old, or given up). While a worker holds the row it is the lease end.';
comment on column public.distributions.metrics_lease_until is
  'Set while a metrics worker holds the row (claim_metrics_due); cleared by record_metrics. An expired lease '
  'makes the row due again.';
comment on column public.distributions.metrics_synced_at is 'Time of the latest metrics snapshot applied to the summary columns.';
comment on column public.distributions.metrics_sync_failures is 'Consecutive failed metric reads (reset by a successful one).';
comment on column public.distributions.metrics_last_error is 'The last metric read error, cleared by a successful read.';

create index idx_distributions_metrics_due on public.distributions (platform_id, metrics_next_sync_at)
  where metrics_next_sync_at is not null;
create index idx_distributions_metrics_due_any on public.distributions (metrics_next_sync_at)
  where metrics_next_sync_at is not null;

alter table public.platforms
  add column metrics_paused_until timestamptz,
  add column metrics_last_error text,
  add column metrics_last_error_at timestamptz;

comment on column public.platforms.last_metrics_sync_at is 'Time of the latest successful metrics read of any of its posts.';
comment on column public.platforms.metrics_paused_until is
  'Set when a metrics read was rate limited (429 / quota): no reads for this platform before it.';
comment on column public.platforms.metrics_last_error is 'The last metrics read error of any of its posts.';

-- The sync interval for a post of this age: the most specific scope with rows, the smallest tier covering it.
-- plpgsql, not sql: these run in a trigger for every published row, and a sql function that pins search_path is
-- never inlined, so it would be planned again on every call; plpgsql caches its plans per session.
create or replace function private.metrics_sync_interval(p_platform_id uuid, p_client_id uuid, p_age interval)
returns interval
language plpgsql
stable
security definer
set search_path = ''
as $$
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

comment on function private.metrics_sync_interval(uuid, uuid, interval) is
  'Time between metric reads for a post of age p_age on the platform (metrics_sync_policy); null = stop syncing.';

-- When to read next: one interval after the last read (or after publishing), where that interval is the tier of
-- the post's age at the last read.
create or replace function private.metrics_next_sync_at(
  p_platform_id uuid, p_client_id uuid, p_published_at timestamptz, p_last_synced_at timestamptz
) returns timestamptz
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_published_at is null then
    return null;
  end if;
  return coalesce(p_last_synced_at, p_published_at)
         + private.metrics_sync_interval(p_platform_id, p_client_id,
                                         coalesce(p_last_synced_at, p_published_at) - p_published_at);
end
$$;

comment on function private.metrics_next_sync_at(uuid, uuid, timestamptz, timestamptz) is
  'Next metrics read of a post published at p_published_at and last read at p_last_synced_at (null: never).';

-- A post enters the sync schedule when it is published with an external id (by the publisher, an import or a
-- hand edit), and leaves it when it stops being published or loses its external id.
create or replace function private.schedule_metrics_sync()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
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

create trigger distributions_metrics_schedule
  before insert or update of status, external_id, published_at, platform_id on public.distributions
  for each row execute function private.schedule_metrics_sync();

-- Claim due posts for a metrics read: per platform (oldest due first), at most p_per_platform rows and within the
-- kind's read budget; platforms inactive, without analytics, needing reconnection or read-paused are skipped.
-- Overlapping workers never claim the same row (FOR UPDATE SKIP LOCKED plus the lease), and never claim for the
-- same platform at once (try advisory lock), so budgets hold.
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
begin
  for v in
    select q.platform_id as pid, p.kind, b.max_reads, b.per, b.scope, b.window_origin
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
    order by q.due
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
    end if;
  end loop;

  delete from private.metrics_read_usage u where u.window_start < now() - interval '3 days';
end
$$;

comment on function private.claim_metrics_due(integer, integer, integer) is
  'Claims up to p_limit published posts due for a metrics read (at most p_per_platform per platform, within the '
  'kind''s read budget) under a lease of p_lease_seconds. Returns (distribution_id, client_id, platform_id, '
  'platform_kind, external_id, published_at, last_synced_at, lease_until).';

-- When the next post falls due, for a worker deciding how long to sleep.
create or replace function private.next_metrics_due()
returns timestamptz
language sql
stable
security definer
set search_path = ''
as $$
  select min(metrics_next_sync_at) from public.distributions where metrics_next_sync_at is not null
$$;

-- RLS: policies are readable by members (global rows by every signed-in user); owners and editors manage their
-- client's overrides; global rows and read budgets are for the service role.
create trigger set_updated_at before update on public.metrics_sync_policy
  for each row execute function private.set_updated_at();
create trigger set_updated_at before update on public.metrics_read_budgets
  for each row execute function private.set_updated_at();

alter table public.metrics_sync_policy enable row level security;
alter table public.metrics_read_budgets enable row level security;

create policy metrics_sync_policy_select on public.metrics_sync_policy for select to authenticated
  using (client_id is null or client_id = any (array(select private.member_client_ids())));
create policy metrics_sync_policy_insert on public.metrics_sync_policy for insert to authenticated
  with check (client_id = any (array(select private.member_client_ids(array['owner', 'editor']))));
create policy metrics_sync_policy_update on public.metrics_sync_policy for update to authenticated
  using (client_id = any (array(select private.member_client_ids(array['owner', 'editor']))))
  with check (client_id = any (array(select private.member_client_ids(array['owner', 'editor']))));
create policy metrics_sync_policy_delete on public.metrics_sync_policy for delete to authenticated
  using (client_id = any (array(select private.member_client_ids(array['owner', 'editor']))));
create policy metrics_read_budgets_select on public.metrics_read_budgets for select to authenticated using (true);

revoke all on public.metrics_sync_policy, public.metrics_read_budgets from public, anon, authenticated;
grant select, insert, update, delete on public.metrics_sync_policy to authenticated;
grant select on public.metrics_read_budgets to authenticated;
grant all on public.metrics_sync_policy, public.metrics_read_budgets to service_role;
revoke all on private.metrics_read_usage from public, anon, authenticated;
grant select on private.metrics_read_usage to service_role;

revoke execute on function private.metrics_sync_interval(uuid, uuid, interval),
  private.metrics_next_sync_at(uuid, uuid, timestamptz, timestamptz), private.schedule_metrics_sync(),
  private.claim_metrics_due(integer, integer, integer), private.next_metrics_due()
  from public, anon, authenticated;
grant execute on function private.metrics_sync_interval(uuid, uuid, interval),
  private.metrics_next_sync_at(uuid, uuid, timestamptz, timestamptz),
  private.claim_metrics_due(integer, integer, integer), private.next_metrics_due()
  to service_role;
