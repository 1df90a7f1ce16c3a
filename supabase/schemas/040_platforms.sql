-- Platforms: a client's accounts on the publishing platforms, with their publish settings and health.

CREATE TYPE public.platform_kind AS ENUM (
    'wordpress',
    'x',
    'linkedin',
    'youtube',
    'email',
    'instagram',
    'tiktok',
    'podcast'
);

COMMENT ON TYPE public.platform_kind IS 'A platform kind: which adapter publishes to it (platforms.kind, metrics_read_budgets.kind).';

CREATE TABLE public.platforms (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    name text NOT NULL,
    kind public.platform_kind NOT NULL,
    timezone text DEFAULT 'America/New_York'::text NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    max_content_length integer,
    max_title_length integer,
    publish_config jsonb DEFAULT '{}'::jsonb NOT NULL,
    webhook_url text,
    credentials_secret_id uuid,
    posts_per_hour integer,
    posts_per_day integer,
    min_interval_minutes integer DEFAULT 60 NOT NULL,
    supports_scheduling boolean DEFAULT true NOT NULL,
    supports_editing boolean DEFAULT true NOT NULL,
    supports_deletion boolean DEFAULT true NOT NULL,
    supports_analytics boolean DEFAULT true NOT NULL,
    account_id text,
    account_name text,
    followers_count integer,
    last_published_at timestamp with time zone,
    last_metrics_sync_at timestamp with time zone,
    api_errors_24h integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    paused_until timestamp with time zone,
    pause_reason text,
    needs_reconnection boolean DEFAULT false NOT NULL,
    reconnection_reason text,
    metrics_paused_until timestamp with time zone,
    metrics_last_error text,
    metrics_last_error_at timestamp with time zone,
    CONSTRAINT platforms_api_errors_24h_check CHECK ((api_errors_24h >= 0)),
    CONSTRAINT platforms_followers_count_check CHECK ((followers_count >= 0)),
    CONSTRAINT platforms_max_content_length_check CHECK ((max_content_length > 0)),
    CONSTRAINT platforms_max_title_length_check CHECK ((max_title_length > 0)),
    CONSTRAINT platforms_min_interval_minutes_check CHECK ((min_interval_minutes >= 0)),
    CONSTRAINT platforms_name_check CHECK ((length(btrim(name)) > 0)),
    CONSTRAINT platforms_posts_per_day_check CHECK ((posts_per_day > 0)),
    CONSTRAINT platforms_posts_per_hour_check CHECK ((posts_per_hour > 0)),
    CONSTRAINT platforms_publish_config_base_url_check CHECK (((NOT (publish_config ? 'base_url'::text)) OR ((publish_config ->> 'base_url'::text) ~ '^https?://'::text))),
    CONSTRAINT platforms_publish_config_check CHECK ((jsonb_typeof(publish_config) = 'object'::text)),
    CONSTRAINT platforms_timezone_valid CHECK (private.is_valid_timezone(timezone)),
    CONSTRAINT platforms_webhook_url_check CHECK ((webhook_url ~ '^https?://'::text))
);

COMMENT ON TABLE public.platforms IS 'Publishing destinations of a client: what kind of platform, where its API is, its credentials (a Vault reference), its rate limits and health.';

COMMENT ON COLUMN public.platforms.name IS 'Display name, unique within the client (the reports show it as "platform").';

COMMENT ON COLUMN public.platforms.kind IS 'Which adapter publishes to it: wordpress, x, linkedin, youtube, email (Mailchimp), instagram, tiktok, podcast.';

COMMENT ON COLUMN public.platforms.timezone IS 'IANA time zone for this platform''s posting schedule.';

COMMENT ON COLUMN public.platforms.max_content_length IS 'Body limit in the platform''s own units (X counts weighted characters); null = no limit.';

COMMENT ON COLUMN public.platforms.publish_config IS 'Adapter settings: base_url (API root; the local stack points it at an emulator), per-kind options (e.g. list_id for email) and overrides of the adapter''s default limits. The keys that decide where credentials are sent (base_url, token_url, hosting.base_url, analytics.url/auth) are set by owners only.';

COMMENT ON COLUMN public.platforms.webhook_url IS 'Where this platform sends callbacks to us (platform webhooks), if configured.';

COMMENT ON COLUMN public.platforms.credentials_secret_id IS 'Id of the Vault secret (vault.secrets.id) holding the credentials as JSON, bound to this platform (private.platform_secrets). Only the service role can read Vault; owners set credentials with public.reconnect_platform; no signed-in user writes this column.';

COMMENT ON COLUMN public.platforms.posts_per_hour IS 'At most this many posts per rolling hour; null = no hourly limit.';

COMMENT ON COLUMN public.platforms.posts_per_day IS 'At most this many posts per rolling 24 hours; null = no daily limit.';

COMMENT ON COLUMN public.platforms.min_interval_minutes IS 'Minimum minutes between two posts on this platform.';

COMMENT ON COLUMN public.platforms.last_metrics_sync_at IS 'Time of the latest successful metrics read of any of its posts.';

COMMENT ON COLUMN public.platforms.api_errors_24h IS 'API errors in the last 24 hours (a rolling count kept by the publisher).';

COMMENT ON COLUMN public.platforms.paused_until IS 'Set from a 429''s reset time: nothing is sent to this platform before it.';

COMMENT ON COLUMN public.platforms.needs_reconnection IS 'The platform refused our credentials (401 or revoked token). Its rows wait, without using attempts, until a person reconnects it and clears this flag.';

COMMENT ON COLUMN public.platforms.metrics_paused_until IS 'Set when a metrics read was rate limited (429 / quota): no reads for this platform before it.';

COMMENT ON COLUMN public.platforms.metrics_last_error IS 'The last metrics read error of any of its posts.';

ALTER TABLE ONLY public.platforms
    ADD CONSTRAINT platforms_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.platforms
    ADD CONSTRAINT platforms_client_name_key UNIQUE (client_id, name);

ALTER TABLE ONLY public.platforms
    ADD CONSTRAINT platforms_id_client_key UNIQUE (id, client_id);

ALTER TABLE public.platforms ENABLE ROW LEVEL SECURITY;

CREATE POLICY platforms_delete ON public.platforms FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY platforms_insert ON public.platforms FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY platforms_select ON public.platforms FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY platforms_update ON public.platforms FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.platforms TO authenticated;
GRANT ALL ON TABLE public.platforms TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.platforms FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.platforms
    ADD CONSTRAINT platforms_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;
