-- Platforms: one row per publishing destination (a blog, an X account, a newsletter list...) of a client.
-- The base table plus every publishing column the Distribution System design adds.

create table public.platforms (
  id uuid primary key default gen_random_uuid(),
  client_id uuid not null references public.clients (id) on delete cascade,
  name text not null check (length(btrim(name)) > 0),
  kind text not null
    constraint platforms_kind_check
    check (kind in ('wordpress', 'x', 'linkedin', 'youtube', 'email', 'instagram', 'tiktok', 'podcast')),
  timezone text not null default 'America/New_York'
    constraint platforms_timezone_valid check (private.is_valid_timezone(timezone)),
  is_active boolean not null default true,
  max_content_length integer check (max_content_length > 0),
  max_title_length integer check (max_title_length > 0),

  -- Publishing configuration
  publish_config jsonb not null default '{}'
    check (jsonb_typeof(publish_config) = 'object')
    constraint platforms_publish_config_base_url_check
    check (not (publish_config ? 'base_url') or publish_config ->> 'base_url' ~ '^https?://'),
  webhook_url text check (webhook_url ~ '^https?://'),

  -- Credentials: a Vault reference only, never the secret.
  credentials_secret_id uuid,

  -- Rate limiting (null = no limit of that kind)
  posts_per_hour integer check (posts_per_hour > 0),
  posts_per_day integer check (posts_per_day > 0),
  min_interval_minutes integer not null default 60 check (min_interval_minutes >= 0),

  -- Feature flags
  supports_scheduling boolean not null default true,
  supports_editing boolean not null default true,
  supports_deletion boolean not null default true,
  supports_analytics boolean not null default true,

  -- Account info
  account_id text,
  account_name text,
  followers_count integer check (followers_count >= 0),

  -- Health
  last_published_at timestamptz,
  last_metrics_sync_at timestamptz,
  api_errors_24h integer not null default 0 check (api_errors_24h >= 0),

  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),

  constraint platforms_client_name_key unique (client_id, name),
  -- Target of the composite foreign keys that keep children in their platform's client.
  constraint platforms_id_client_key unique (id, client_id)
);

comment on table public.platforms is
  'Publishing destinations of a client: what kind of platform, where its API is, its credentials (a Vault '
  'reference), its rate limits and health.';
comment on column public.platforms.name is 'Display name, unique within the client (the reports show it as "platform").';
comment on column public.platforms.kind is 'Which adapter publishes to it: wordpress, x, linkedin, youtube, email (Mailchimp), instagram, tiktok, podcast.';
comment on column public.platforms.timezone is 'IANA time zone for this platform''s posting schedule.';
comment on column public.platforms.max_content_length is 'Body limit in the platform''s own units (X counts weighted characters); null = no limit.';
comment on column public.platforms.publish_config is
  'Adapter settings: base_url (API root; the local stack points it at an emulator), per-kind options '
  '(e.g. list_id for email) and overrides of the adapter''s default limits.';
comment on column public.platforms.webhook_url is 'Where this platform sends callbacks to us (platform webhooks), if configured.';
comment on column public.platforms.credentials_secret_id is
  'Id of the Vault secret (vault.secrets.id) holding the credentials as JSON. Only the service role can read Vault.';
comment on column public.platforms.posts_per_hour is 'At most this many posts per rolling hour; null = no hourly limit.';
comment on column public.platforms.posts_per_day is 'At most this many posts per rolling 24 hours; null = no daily limit.';
comment on column public.platforms.min_interval_minutes is 'Minimum minutes between two posts on this platform.';
comment on column public.platforms.api_errors_24h is 'API errors in the last 24 hours (a rolling count kept by the publisher).';
