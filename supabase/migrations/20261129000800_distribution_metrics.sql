-- Metric snapshots over time, one row per sync of a published distribution.

create table public.distribution_metrics (
  id uuid primary key default gen_random_uuid(),
  distribution_id uuid not null,
  client_id uuid not null references public.clients (id) on delete cascade,

  recorded_at timestamptz not null default now(),
  hours_since_publish integer check (hours_since_publish >= 0),

  impressions integer check (impressions >= 0),
  reach integer check (reach >= 0),
  engagements integer check (engagements >= 0),
  clicks integer check (clicks >= 0),
  shares integer check (shares >= 0),
  comments integer check (comments >= 0),
  likes integer check (likes >= 0),
  saves integer check (saves >= 0),
  video_views integer check (video_views >= 0),
  video_watch_time_seconds integer check (video_watch_time_seconds >= 0),

  followers_gained integer check (followers_gained >= 0),
  followers_lost integer check (followers_lost >= 0),

  platform_metrics jsonb not null default '{}' check (jsonb_typeof(platform_metrics) = 'object'),

  constraint distribution_metrics_distribution_fkey foreign key (distribution_id, client_id)
    references public.distributions (id, client_id) on delete cascade
);

create index idx_distribution_metrics_distribution on public.distribution_metrics (distribution_id);
create index idx_distribution_metrics_recorded on public.distribution_metrics (recorded_at desc);
create index idx_distribution_metrics_client on public.distribution_metrics (client_id);

comment on table public.distribution_metrics is
  'Snapshots of a distribution''s metrics over time (one per sync). A metric the platform did not report is null, not 0.';
comment on column public.distribution_metrics.hours_since_publish is 'Whole hours between published_at and recorded_at.';
comment on column public.distribution_metrics.platform_metrics is 'Platform-specific metrics with no column (e.g. email open_rate, unsubscribes).';
