-- engagement_rate and click_through_rate, computed in the database from the summary metrics with a definition
-- per platform kind (where impressions do not exist). A trigger keeps them current after every metrics sync and
-- after a hand edit of the metrics in Studio. A metric the platform did not give is null and never counts as 0;
-- a rate whose numerator or denominator is null, or whose denominator is 0, is null.

alter table public.distributions
  add column video_views integer check (video_views >= 0),
  add column video_watch_time_seconds integer check (video_watch_time_seconds >= 0),
  add column platform_metrics jsonb not null default '{}' check (jsonb_typeof(platform_metrics) = 'object'),
  add column engagement_base integer check (engagement_base >= 0),
  add column engagement_count integer check (engagement_count >= 0);

comment on column public.distributions.video_views is 'Latest video views (YouTube, TikTok); null = not reported.';
comment on column public.distributions.video_watch_time_seconds is 'Latest total watch time in seconds; null = not reported.';
comment on column public.distributions.platform_metrics is
  'Latest platform-specific metrics (merged over syncs), e.g. email unique_opens, hard_bounces, soft_bounces.';
comment on column public.distributions.engagement_base is
  'Denominator of engagement_rate and click_through_rate for this platform kind (see engagement_rate); '
  'the sample size of A/B and pattern-lift tests.';
comment on column public.distributions.engagement_count is
  'Numerator of engagement_rate for this platform kind (see engagement_rate).';
comment on column public.distributions.engagement_rate is
  'Percent, computed by the database from the summary metrics (100 * engagement_count / engagement_base), per kind: '
  'x, linkedin, wordpress, podcast: engagements / impressions; instagram: engagements / reach (accounts reached; '
  'Instagram no longer reports impressions); youtube, tiktok: engagements / video_views; email: unique opens '
  '(platform_metrics.unique_opens) / delivered, where delivered = reach if given, else impressions (emails sent) - '
  'platform_metrics.hard_bounces - platform_metrics.soft_bounces. Outside email, engagements is the platform''s '
  'own count, or where it gives none, the sum of the likes, comments, shares and saves it did give. Null when the '
  'numerator or denominator was not reported, or the denominator is 0. Rows inserted with a rate keep it (imports).';
comment on column public.distributions.click_through_rate is
  'Percent, computed by the database: 100 * clicks / engagement_base (the same per-kind denominator as '
  'engagement_rate; for email unique clicks / delivered). Null when clicks or the denominator is not reported or 0.';

-- The per-kind numerator and denominator.
create or replace function private.engagement_inputs(
  p_kind text, p_impressions integer, p_reach integer, p_engagements integer, p_likes integer,
  p_comments integer, p_shares integer, p_saves integer, p_video_views integer, p_platform_metrics jsonb,
  out base integer, out engaged integer
)
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_interactions integer;
  v_hard integer;
  v_soft integer;
begin
  v_interactions := case
    when num_nonnulls(p_likes, p_comments, p_shares, p_saves) = 0 then null
    else coalesce(p_likes, 0) + coalesce(p_comments, 0) + coalesce(p_shares, 0) + coalesce(p_saves, 0)
  end;
  if p_kind = 'email' then
    v_hard := private.metric_count(p_platform_metrics -> 'hard_bounces');
    v_soft := private.metric_count(p_platform_metrics -> 'soft_bounces');
    base := coalesce(p_reach, greatest(p_impressions - v_hard - v_soft, 0));
    engaged := private.metric_count(p_platform_metrics -> 'unique_opens');
  elsif p_kind in ('youtube', 'tiktok') then
    base := p_video_views;
    engaged := coalesce(p_engagements, v_interactions);
  elsif p_kind = 'instagram' then
    base := p_reach;
    engaged := coalesce(p_engagements, v_interactions);
  else
    base := p_impressions;
    engaged := coalesce(p_engagements, v_interactions);
  end if;
end
$$;

-- A count from JSON: a non-negative integer (number or numeric string, as YouTube sends); anything else is null.
create or replace function private.metric_count(p jsonb)
returns integer
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case
    when jsonb_typeof(p) = 'number' and (p::text)::numeric between 0 and 2147483647
      then round((p::text)::numeric)::integer
    when jsonb_typeof(p) = 'string' and (p #>> '{}') ~ '^\s*\d{1,9}(\.\d+)?\s*$'
      then round((p #>> '{}')::numeric)::integer
  end
$$;

comment on function private.metric_count(jsonb) is
  'A metric count from JSON: non-negative number or numeric string -> integer; absent or anything else -> null.';
comment on function private.engagement_inputs(text, integer, integer, integer, integer, integer, integer, integer,
                                              integer, jsonb) is
  'Per platform kind: base (denominator of both rates) and engaged (numerator of engagement_rate). See the '
  'comment on distributions.engagement_rate.';

create or replace function private.compute_engagement_rates()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_kind text;
  v record;
begin
  select p.kind into v_kind from public.platforms p where p.id = new.platform_id;
  select * into v from private.engagement_inputs(v_kind, new.impressions, new.reach, new.engagements, new.likes,
                                                 new.comments, new.shares, new.saves, new.video_views,
                                                 new.platform_metrics);
  -- A negative input is left to the columns' check constraints to reject.
  new.engagement_base := case when v.base >= 0 then v.base end;
  new.engagement_count := case when v.engaged >= 0 then v.engaged end;
  -- An insert that brings its own rates (an import of history) keeps them.
  if tg_op = 'UPDATE' or (new.engagement_rate is null and new.click_through_rate is null) then
    new.engagement_rate := case when v.base > 0 and v.engaged >= 0
                                then round(100.0 * v.engaged / v.base, 4) end;
    new.click_through_rate := case when v.base > 0 and new.clicks >= 0
                                   then round(100.0 * new.clicks / v.base, 4) end;
  end if;
  return new;
end
$$;

comment on function private.compute_engagement_rates() is
  'BEFORE trigger: engagement_base, engagement_count, engagement_rate and click_through_rate from the metrics.';

create trigger distributions_engagement_rates
  before insert or update of impressions, reach, engagements, clicks, likes, comments, shares, saves, video_views,
    platform_metrics, platform_id
  on public.distributions
  for each row execute function private.compute_engagement_rates();

revoke execute on function private.engagement_inputs(text, integer, integer, integer, integer, integer, integer,
                                                     integer, integer, jsonb),
  private.metric_count(jsonb), private.compute_engagement_rates()
  from public, anon, authenticated;
grant execute on function private.engagement_inputs(text, integer, integer, integer, integer, integer, integer,
                                                    integer, integer, jsonb),
  private.metric_count(jsonb) to service_role;
