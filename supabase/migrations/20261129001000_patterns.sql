-- Platform patterns (learned or curated rules such as optimal posting times) and feedback on them.

create table public.platform_patterns (
  id uuid primary key default gen_random_uuid(),
  -- A pattern is learned from and applies to one platform, so it belongs to that platform's client.
  client_id uuid not null references public.clients (id) on delete cascade,
  platform_id uuid not null,
  pattern_type text not null check (length(btrim(pattern_type)) > 0),
  pattern_name text not null check (length(btrim(pattern_name)) > 0),
  pattern_template text,
  confidence numeric check (confidence between 0 and 1),
  sample_size integer not null default 0 check (sample_size >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (platform_id, pattern_type, pattern_name),
  constraint platform_patterns_id_client_key unique (id, client_id),
  constraint platform_patterns_platform_fkey foreign key (platform_id, client_id)
    references public.platforms (id, client_id) on delete cascade
);

create index idx_platform_patterns_client on public.platform_patterns (client_id);

comment on table public.platform_patterns is
  'Patterns per platform, e.g. pattern_type timing / pattern_name optimal_posting_times.';
comment on column public.platform_patterns.pattern_template is
  'The pattern''s body as text; JSON for timing patterns (e.g. [{"day_of_week":1,"hour":9}], read with JSON.parse).';
comment on column public.platform_patterns.confidence is 'Confidence in the pattern, 0..1.';
comment on column public.platform_patterns.sample_size is 'Number of observations the pattern was derived from.';

create table public.pattern_feedback (
  id uuid primary key default gen_random_uuid(),
  client_id uuid not null references public.clients (id) on delete cascade,
  pattern_id uuid not null,
  content_id uuid,
  distribution_id uuid,
  pattern_applied boolean not null,
  impressions integer check (impressions >= 0),
  engagements integer check (engagements >= 0),
  clicks integer check (clicks >= 0),
  shares integer check (shares >= 0),
  engagement_rate numeric check (engagement_rate >= 0),
  posted_at timestamptz,
  day_of_week smallint check (day_of_week between 0 and 6),
  hour_of_day smallint check (hour_of_day between 0 and 23),
  created_at timestamptz not null default now(),
  constraint pattern_feedback_pattern_fkey foreign key (pattern_id, client_id)
    references public.platform_patterns (id, client_id) on delete cascade,
  constraint pattern_feedback_content_fkey foreign key (content_id, client_id)
    references public.generated_content (id, client_id) on delete set null (content_id),
  constraint pattern_feedback_distribution_fkey foreign key (distribution_id, client_id)
    references public.distributions (id, client_id) on delete cascade
);

create index idx_pattern_feedback_client on public.pattern_feedback (client_id);
create index idx_pattern_feedback_pattern on public.pattern_feedback (pattern_id);
create index idx_pattern_feedback_content on public.pattern_feedback (content_id);
create index idx_pattern_feedback_distribution on public.pattern_feedback (distribution_id);

comment on table public.pattern_feedback is
  'One observation of a published distribution against a platform pattern: was the pattern applied, and how it performed.';
comment on column public.pattern_feedback.pattern_applied is 'Whether the pattern was applied to this distribution.';
comment on column public.pattern_feedback.day_of_week is 'Day of week of posted_at in the distribution''s timezone, 0 = Sunday.';
comment on column public.pattern_feedback.hour_of_day is 'Hour of posted_at in the distribution''s timezone, 0..23.';
