-- A/B test conclusions. private.conclude_ab_tests (called hourly by the ab-tests function) records, per
-- variant_group with a control, a winner once a variant differs from the control significantly (two-sided
-- two-proportion z-test on engagement, Bonferroni-corrected for the number of variants, and only once every
-- variant has p_min_base units of engagement_base), or "no_difference" when the test reaches p_max_days without
-- one. Checking every hour is repeated testing ("peeking"), which inflates false positives: the minimum sample
-- and the Bonferroni correction temper it; a stricter p_alpha tempers it more.

create table public.ab_tests (
  id uuid primary key default gen_random_uuid(),
  client_id uuid not null references public.clients (id) on delete cascade,
  variant_group text not null,
  status text not null default 'running' constraint ab_tests_status_check check (status in ('running', 'concluded')),
  result text constraint ab_tests_result_check check (result in ('winner', 'no_difference')),
  winner_variant text,
  winner_distribution_id uuid,
  p_value double precision,
  alpha numeric,
  started_at timestamptz,
  concluded_at timestamptz,
  variants jsonb not null default '[]',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint ab_tests_client_group_key unique (client_id, variant_group),
  constraint ab_tests_concluded_check check ((status = 'concluded') = (result is not null and concluded_at is not null)),
  constraint ab_tests_winner_check check ((result = 'winner') = (winner_variant is not null)),
  constraint ab_tests_winner_distribution_fkey foreign key (winner_distribution_id, client_id)
    references public.distributions (id, client_id) on delete set null (winner_distribution_id)
);

create index idx_ab_tests_winner_distribution on public.ab_tests (winner_distribution_id);

comment on table public.ab_tests is
  'State of each A/B test (variant_group): running, or concluded with a winner or no_difference. The winner''s '
  'body is reusable from winner_distribution_id. Written by private.conclude_ab_tests.';
comment on column public.ab_tests.winner_distribution_id is 'A distribution of the winning variant (its body and title can be reused).';
comment on column public.ab_tests.p_value is 'The deciding (smallest) engagement p-value against the control at the last evaluation.';
comment on column public.ab_tests.variants is 'Snapshot of ab_test_results for the group at the last evaluation.';

create trigger set_updated_at before update on public.ab_tests
  for each row execute function private.set_updated_at();

alter table public.ab_tests enable row level security;
create policy ab_tests_select on public.ab_tests for select to authenticated
  using (client_id = any (array(select private.member_client_ids())));
revoke all on public.ab_tests from public, anon, authenticated;
grant select on public.ab_tests to authenticated;
grant all on public.ab_tests to service_role;

create or replace function private.conclude_ab_tests(
  p_alpha numeric default 0.05,
  p_max_days integer default 14,
  p_min_base bigint default 1000
) returns table (client_id uuid, variant_group text, status text, result text, winner_variant text,
                 p_value double precision)
language sql
volatile
security definer
set search_path = ''
as $$
  with r as (
    select * from public.ab_test_results
  ), g as (
    select r.client_id, r.variant_group, min(r.first_published_at) as started_at,
           count(*) filter (where not r.is_control) as k,
           count(*) filter (where r.is_control) as controls,
           coalesce(min(r.engagement_base), 0) as min_base,
           min(r.engagement_p_value) as min_p,
           jsonb_agg(to_jsonb(r) - 'client_id' - 'variant_group' order by r.is_control desc, r.variant) as variants
    from r group by r.client_id, r.variant_group
  ), sig as (
    select r.*, g.k from r join g on g.client_id = r.client_id and g.variant_group = r.variant_group
    where not r.is_control and g.min_base >= p_min_base
      and r.engagement_p_value < p_alpha / greatest(g.k, 1)
  ), decided as (
    select g.*,
      coalesce(
        (select s.variant from sig s where s.client_id = g.client_id and s.variant_group = g.variant_group
           and s.engagement_rate_diff > 0 order by s.engagement_rate desc, s.variant limit 1),
        case when g.k > 0 and (select count(*) from sig s where s.client_id = g.client_id
                                 and s.variant_group = g.variant_group and s.engagement_rate_diff < 0) = g.k
             then (select r.variant from r where r.client_id = g.client_id and r.variant_group = g.variant_group
                     and r.is_control limit 1) end) as winner
    from g
    where g.controls = 1 and g.started_at is not null
  ), upserted as (
    insert into public.ab_tests as t (client_id, variant_group, status, result, winner_variant, winner_distribution_id,
                                      p_value, alpha, started_at, concluded_at, variants)
    select d.client_id, d.variant_group,
           case when d.winner is not null or d.started_at <= now() - make_interval(days => p_max_days)
                then 'concluded' else 'running' end,
           case when d.winner is not null then 'winner'
                when d.started_at <= now() - make_interval(days => p_max_days) then 'no_difference' end,
           d.winner,
           (select r.distribution_ids[1] from r where r.client_id = d.client_id
              and r.variant_group = d.variant_group and r.variant = d.winner),
           d.min_p, p_alpha, d.started_at,
           case when d.winner is not null or d.started_at <= now() - make_interval(days => p_max_days)
                then now() end,
           d.variants
    from decided d
    on conflict on constraint ab_tests_client_group_key do update set
      status = excluded.status, result = excluded.result, winner_variant = excluded.winner_variant,
      winner_distribution_id = excluded.winner_distribution_id, p_value = excluded.p_value, alpha = excluded.alpha,
      started_at = excluded.started_at, concluded_at = excluded.concluded_at, variants = excluded.variants
    where t.status = 'running'
    returning t.client_id, t.variant_group, t.status, t.result, t.winner_variant, t.p_value
  )
  select * from upserted
$$;

comment on function private.conclude_ab_tests(numeric, integer, bigint) is
  'Evaluates every A/B test with one control: concludes it with a winner (significant at p_alpha, Bonferroni over '
  'its variants, once each variant has p_min_base engagement_base units) or no_difference after p_max_days; '
  'otherwise records it as running. Concluded tests are never reopened. Returns the tests evaluated.';

revoke execute on function private.conclude_ab_tests(numeric, integer, bigint) from public, anon, authenticated;
grant execute on function private.conclude_ab_tests(numeric, integer, bigint) to service_role;
