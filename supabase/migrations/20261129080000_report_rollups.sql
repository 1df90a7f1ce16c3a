-- Report rollups: conversion_report_by_platform across every client (the service role) aggregated every published
-- distribution (1.1 s at 1M). It now reads public.conversion_rollups, one row per platform and month of publication
-- (in the platform's time zone) holding the same sums the view used to compute, kept current by statement-level
-- triggers on distributions (every writer: the publisher's status changes, record_metrics, the conversions rollup
-- trigger, hand edits in Studio, deletes, truncate) and rebuilt for a platform whose time zone changes.
--
-- Deltas, not recomputation: a statement's contribution is the multiset of (client, platform, published_at, clicks,
-- conversions, conversion_value) of its published rows after, EXCEPT ALL before; added tuples count +1, removed -1.
-- Increments commute, so concurrent writers never overwrite each other, and the upsert takes the rollup rows in
-- (platform_id, month) order. Rows whose platform no longer exists (a client being deleted) are skipped: their
-- rollup rows go with the platform. private.rebuild_conversion_rollups(platform_id?) recomputes from scratch.
--
-- Not rolled up: distribution_performance_by_platform (30 days) and best_performing_times (90 days) count from
-- now() to the instant, which a day/month rollup cannot serve exactly; they stay on idx_distributions_published_report.

create table public.conversion_rollups (
  platform_id uuid not null,
  client_id uuid not null references public.clients (id) on delete cascade,
  month date not null,
  posts bigint not null default 0,
  clicks bigint not null default 0,
  posts_with_clicks bigint not null default 0,
  conversions bigint not null default 0,
  conversions_with_clicks bigint not null default 0,
  conversion_value numeric not null default 0,
  primary key (platform_id, month),
  constraint conversion_rollups_platform_fkey foreign key (platform_id, client_id)
    references public.platforms (id, client_id) on delete cascade
);

create index idx_conversion_rollups_client on public.conversion_rollups (client_id);

comment on table public.conversion_rollups is
  'Rollup of published distributions per platform and month of publication (in the platform''s time zone) behind '
  'conversion_report_by_platform; kept by triggers on distributions (private.rollup_distribution_conversions), '
  'never written by hand. Rebuild: select private.rebuild_conversion_rollups().';
comment on column public.conversion_rollups.month is 'First day of the month of published_at in the platform''s time zone.';
comment on column public.conversion_rollups.posts is 'Published distributions of that platform and month.';
comment on column public.conversion_rollups.clicks is 'Sum of their clicks where reported (null clicks skipped).';
comment on column public.conversion_rollups.posts_with_clicks is
  'How many of them reported clicks (0: the report''s clicks are null, not 0).';
comment on column public.conversion_rollups.conversions is 'Sum of distributions.conversions.';
comment on column public.conversion_rollups.conversions_with_clicks is
  'Sum of conversions of the posts that reported clicks (the conversion rate''s numerator).';
comment on column public.conversion_rollups.conversion_value is 'Sum of distributions.conversion_value.';

alter table public.conversion_rollups enable row level security;
create policy conversion_rollups_select on public.conversion_rollups for select to authenticated
  using (client_id = any (array(select private.member_client_ids())));

revoke all on public.conversion_rollups from public, anon, authenticated, service_role;
grant select on public.conversion_rollups to authenticated, service_role;

create type private.conversion_rollup_row as (
  client_id uuid,
  platform_id uuid,
  published_at timestamptz,
  clicks integer,
  conversions integer,
  conversion_value numeric
);

-- Applies the difference between the published rows before (p_old) and after (p_new) a statement.
create or replace function private.apply_conversion_rollup_delta(
  p_old private.conversion_rollup_row[], p_new private.conversion_rollup_row[])
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  with added as (
    select * from unnest(p_new) except all select * from unnest(p_old)
  ), removed as (
    select * from unnest(p_old) except all select * from unnest(p_new)
  ), changes as (
    select 1 as sign, a.* from added a
    union all
    select -1, r.* from removed r
  ), delta as (
    select c.platform_id, c.client_id,
           date_trunc('month', c.published_at at time zone p.timezone)::date as month,
           sum(c.sign) as posts,
           coalesce(sum(c.sign * c.clicks), 0) as clicks,
           coalesce(sum(c.sign) filter (where c.clicks is not null), 0) as posts_with_clicks,
           sum(c.sign * c.conversions) as conversions,
           coalesce(sum(c.sign * c.conversions) filter (where c.clicks is not null), 0) as conversions_with_clicks,
           sum(c.sign * c.conversion_value) as conversion_value
    from changes c
    join public.platforms p on p.id = c.platform_id
    group by 1, 2, 3
  )
  insert into public.conversion_rollups as r (platform_id, client_id, month, posts, clicks, posts_with_clicks,
                                              conversions, conversions_with_clicks, conversion_value)
  select d.platform_id, d.client_id, d.month, d.posts, d.clicks, d.posts_with_clicks, d.conversions,
         d.conversions_with_clicks, d.conversion_value
  from delta d
  order by d.platform_id, d.month
  on conflict (platform_id, month) do update
    set posts = r.posts + excluded.posts,
        clicks = r.clicks + excluded.clicks,
        posts_with_clicks = r.posts_with_clicks + excluded.posts_with_clicks,
        conversions = r.conversions + excluded.conversions,
        conversions_with_clicks = r.conversions_with_clicks + excluded.conversions_with_clicks,
        conversion_value = r.conversion_value + excluded.conversion_value;

  delete from public.conversion_rollups r where r.posts <= 0
    and r.platform_id = any (array(select x.platform_id from unnest(p_old) x));
end
$$;

create or replace function private.rollup_distribution_conversions()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_old private.conversion_rollup_row[] := '{}';
  v_new private.conversion_rollup_row[] := '{}';
begin
  if tg_op in ('UPDATE', 'DELETE') then
    v_old := array(select row(o.client_id, o.platform_id, o.published_at, o.clicks, o.conversions,
                              o.conversion_value)::private.conversion_rollup_row
                   from old_rows o where o.status = 'published');
  end if;
  if tg_op in ('UPDATE', 'INSERT') then
    v_new := array(select row(n.client_id, n.platform_id, n.published_at, n.clicks, n.conversions,
                              n.conversion_value)::private.conversion_rollup_row
                   from new_rows n where n.status = 'published');
  end if;
  if cardinality(v_old) > 0 or cardinality(v_new) > 0 then
    perform private.apply_conversion_rollup_delta(v_old, v_new);
  end if;
  return null;
end
$$;

create trigger distributions_conversion_rollup_insert
  after insert on public.distributions referencing new table as new_rows
  for each statement execute function private.rollup_distribution_conversions();
create trigger distributions_conversion_rollup_update
  after update on public.distributions referencing old table as old_rows new table as new_rows
  for each statement execute function private.rollup_distribution_conversions();
create trigger distributions_conversion_rollup_delete
  after delete on public.distributions referencing old table as old_rows
  for each statement execute function private.rollup_distribution_conversions();

-- Recomputes the rollup of one platform (or of all), e.g. after its time zone changed or after a bulk load with
-- triggers off (bench/reports/generate.sql).
create or replace function private.rebuild_conversion_rollups(p_platform_id uuid default null)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.conversion_rollups r where p_platform_id is null or r.platform_id = p_platform_id;
  insert into public.conversion_rollups (platform_id, client_id, month, posts, clicks, posts_with_clicks,
                                         conversions, conversions_with_clicks, conversion_value)
  select p.id, p.client_id, date_trunc('month', d.published_at at time zone p.timezone)::date,
         count(*), coalesce(sum(d.clicks), 0), count(d.clicks), sum(d.conversions),
         coalesce(sum(d.conversions) filter (where d.clicks is not null), 0), sum(d.conversion_value)
  from public.distributions d
  join public.platforms p on p.id = d.platform_id
  where d.status = 'published' and (p_platform_id is null or d.platform_id = p_platform_id)
  group by 1, 2, 3
  order by 1, 3;
end
$$;

create or replace function private.rollup_platform_timezone()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.rebuild_conversion_rollups(new.id);
  return null;
end
$$;

create trigger platforms_timezone_conversion_rollup
  after update of timezone on public.platforms
  for each row when (old.timezone is distinct from new.timezone)
  execute function private.rollup_platform_timezone();

create or replace function private.truncate_conversion_rollups()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from public.conversion_rollups;
  return null;
end
$$;

create trigger distributions_conversion_rollup_truncate
  after truncate on public.distributions
  for each statement execute function private.truncate_conversion_rollups();

revoke execute on function private.apply_conversion_rollup_delta(private.conversion_rollup_row[],
  private.conversion_rollup_row[]) from public, anon, authenticated, service_role;
revoke execute on function private.rollup_distribution_conversions(), private.rollup_platform_timezone(),
  private.truncate_conversion_rollups() from public, anon, authenticated, service_role;
revoke execute on function private.rebuild_conversion_rollups(uuid) from public, anon, authenticated;
grant execute on function private.rebuild_conversion_rollups(uuid) to service_role;

-- Same columns, types and rows as the aggregate over distributions it replaces (proved by
-- supabase/tests/06900-report-rollups.sql): sums of no reported clicks stay null, the rate stays null over no clicks.
create or replace view public.conversion_report_by_platform with (security_invoker = true) as
select
  p.id as platform_id,
  p.client_id,
  p.name as platform,
  p.kind,
  r.month,
  r.posts,
  case when r.posts_with_clicks > 0 then r.clicks end as clicks,
  r.conversions,
  r.conversion_value,
  round(100.0 * case when r.posts_with_clicks > 0 then r.conversions_with_clicks end
        / nullif(case when r.posts_with_clicks > 0 then r.clicks end, 0), 4) as conversion_rate
from public.conversion_rollups r
join public.platforms p on p.id = r.platform_id
where r.posts > 0;

comment on view public.conversion_report_by_platform is
  'Clicks -> conversions per platform and month of publication (in the platform''s time zone). Reads the '
  'conversion_rollups table (kept by triggers), not the distributions.';
