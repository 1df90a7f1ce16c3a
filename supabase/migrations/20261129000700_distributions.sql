-- Distributions: one post of one piece of content on one platform. Also the durable publishing queue.

create table public.distributions (
  id uuid primary key default gen_random_uuid(),

  -- Content reference
  content_id uuid,
  content_type text not null
    constraint distributions_content_type_check
    check (content_type in ('generated', 'manual', 'repurposed', 'curated')),

  -- Platform
  platform_id uuid not null,

  -- Content
  title text,
  body text not null,
  media_urls text[],
  link_url text,

  -- Platform-specific
  platform_specific jsonb not null default '{}' check (jsonb_typeof(platform_specific) = 'object'),

  -- Scheduling
  scheduled_for timestamptz,
  timezone text not null default 'America/New_York'
    constraint distributions_timezone_valid check (private.is_valid_timezone(timezone)),

  -- Publishing
  status text not null default 'draft'
    constraint distributions_status_check
    check (status in ('draft', 'scheduled', 'publishing', 'published', 'failed', 'cancelled', 'unconfirmed')),
  published_at timestamptz,
  external_id text,
  external_url text,

  -- Error handling
  error_message text,
  retry_count integer not null default 0 check (retry_count >= 0),
  last_retry_at timestamptz,

  -- Metrics (latest summary, populated by the metrics sync; null = the platform did not report it)
  impressions integer check (impressions >= 0),
  reach integer check (reach >= 0),
  engagements integer check (engagements >= 0),
  clicks integer check (clicks >= 0),
  shares integer check (shares >= 0),
  comments integer check (comments >= 0),
  likes integer check (likes >= 0),
  saves integer check (saves >= 0),

  -- Calculated
  engagement_rate numeric check (engagement_rate >= 0),
  click_through_rate numeric check (click_through_rate >= 0),

  -- A/B testing
  variant_group text,
  is_control boolean not null default false,

  -- Cross-posting
  cross_post_group_id uuid,

  -- Ownership
  business_unit text,
  vertical_id uuid,
  client_id uuid not null references public.clients (id) on delete cascade,

  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),

  constraint distributions_scheduled_has_time
    check (status not in ('scheduled', 'publishing') or scheduled_for is not null),
  constraint distributions_published_has_time check (status <> 'published' or published_at is not null),
  constraint distributions_id_client_key unique (id, client_id),
  -- NO ACTION rather than RESTRICT: a platform with distributions cannot be deleted, but deleting the whole
  -- client (which cascades to both) can, because NO ACTION is checked at the end of the statement.
  constraint distributions_platform_fkey foreign key (platform_id, client_id)
    references public.platforms (id, client_id),
  constraint distributions_content_fkey foreign key (content_id, client_id)
    references public.generated_content (id, client_id) on delete set null (content_id),
  constraint distributions_vertical_fkey foreign key (vertical_id, client_id)
    references public.publisher_verticals (id, client_id) on delete set null (vertical_id),
  constraint distributions_cross_post_group_fkey foreign key (cross_post_group_id, client_id)
    references public.cross_post_groups (id, client_id) on delete set null (cross_post_group_id)
);

-- The design's indexes
create index idx_distributions_platform on public.distributions (platform_id);
create index idx_distributions_status on public.distributions (status);
create index idx_distributions_scheduled on public.distributions (scheduled_for) where status = 'scheduled';
-- The design's indexes, partial where the column is usually null: a row waiting in the queue (no
-- published_at, external_id, vertical...) then costs no entry in them, and every publish rewrites the row twice.
-- Lookups by value (and the foreign keys' actions) still use them: `col = x` implies `col is not null`.
create index idx_distributions_published on public.distributions (published_at desc) where published_at is not null;
create index idx_distributions_content on public.distributions (content_id) where content_id is not null;
create index idx_distributions_vertical on public.distributions (vertical_id) where vertical_id is not null;
create index idx_distributions_external on public.distributions (platform_id, external_id) where external_id is not null;
-- Policies and foreign keys
create index idx_distributions_client on public.distributions (client_id);
create index idx_distributions_cross_post_group on public.distributions (cross_post_group_id)
  where cross_post_group_id is not null;

comment on table public.distributions is
  'One post of one piece of content on one platform: its adapted content, schedule, publishing state, and latest '
  'metrics. Also the durable publishing queue (status = scheduled and scheduled_for due).';
comment on column public.distributions.content_id is 'The generated_content row it came from; null for content given inline.';
comment on column public.distributions.content_type is 'Origin of the content: generated, manual, repurposed, curated.';
comment on column public.distributions.title is 'Title adapted to the platform (subject line for email).';
comment on column public.distributions.body is 'Body adapted to the platform (HTML for WordPress and email, plain text for social).';
comment on column public.distributions.platform_specific is 'Adapter extras: hashtags, mentions, category ids, visibility...';
comment on column public.distributions.scheduled_for is 'When to publish (an instant; shown in timezone).';
comment on column public.distributions.timezone is 'IANA time zone in which the schedule is expressed ("Monday 9am" means 9am here).';
comment on column public.distributions.status is
  'draft -> scheduled -> publishing -> published | failed | unconfirmed; scheduled/failed -> cancelled; '
  'failed -> scheduled (retry). unconfirmed: the outcome of an attempt is unknown and needs a person.';
comment on column public.distributions.external_id is 'The post''s id on the platform.';
comment on column public.distributions.external_url is 'The post''s public URL on the platform.';
comment on column public.distributions.retry_count is 'Failed attempts so far.';
comment on column public.distributions.engagement_rate is 'Engagements per impression, in percent (per-kind definition where impressions do not exist).';
comment on column public.distributions.click_through_rate is 'Clicks per impression, in percent.';
comment on column public.distributions.variant_group is 'A/B test: distributions sharing this label are variants of one test.';
comment on column public.distributions.is_control is 'A/B test: the control variant of its variant_group.';
comment on column public.distributions.business_unit is 'Reporting label copied from the content.';
