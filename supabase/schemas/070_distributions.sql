-- Distributions: one piece of content on one platform at one time, and its lifecycle.

CREATE TYPE public.distribution_status AS ENUM (
    'draft',
    'scheduled',
    'publishing',
    'published',
    'failed',
    'cancelled',
    'unconfirmed',
    'pending_approval',
    'rejected'
);

COMMENT ON TYPE public.distribution_status IS 'A distribution''s lifecycle state; docs/publishing.md#statuses says which changes are allowed.';

CREATE TYPE public.distribution_native_state AS ENUM (
    'handed_off',
    'declined'
);

COMMENT ON TYPE public.distribution_native_state IS 'A native hand-off: handed_off (the platform''s own scheduler holds the post) or declined (published by us at the time).';

CREATE TYPE public.distribution_unpublish_state AS ENUM (
    'requested',
    'unpublished',
    'failed',
    'removed_on_platform'
);

COMMENT ON TYPE public.distribution_unpublish_state IS 'A take-down of a published post: requested, unpublished, failed, removed_on_platform.';

CREATE TYPE public.distribution_edit_state AS ENUM (
    'requested',
    'edited',
    'failed'
);

COMMENT ON TYPE public.distribution_edit_state IS 'An edit of a published post: requested, edited, failed.';

CREATE TABLE public.distributions (
    id uuid DEFAULT private.uuid_v7() NOT NULL,
    content_id uuid,
    content_type text NOT NULL,
    platform_id uuid NOT NULL,
    title text,
    body text NOT NULL,
    media_urls text[],
    link_url text,
    platform_specific jsonb DEFAULT '{}'::jsonb NOT NULL,
    scheduled_for timestamp with time zone,
    timezone text DEFAULT 'America/New_York'::text NOT NULL,
    status public.distribution_status DEFAULT 'draft'::public.distribution_status NOT NULL,
    published_at timestamp with time zone,
    external_id text,
    external_url text,
    error_message text,
    retry_count integer DEFAULT 0 NOT NULL,
    last_retry_at timestamp with time zone,
    impressions integer,
    reach integer,
    engagements integer,
    clicks integer,
    shares integer,
    comments integer,
    likes integer,
    saves integer,
    engagement_rate numeric,
    click_through_rate numeric,
    variant_group text,
    is_control boolean DEFAULT false NOT NULL,
    cross_post_group_id uuid,
    business_unit text,
    vertical_id uuid,
    client_id uuid NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    attempt_id uuid,
    attempt_started_at timestamp with time zone,
    lease_expires_at timestamp with time zone,
    next_attempt_at timestamp with time zone,
    native_state public.distribution_native_state,
    native_attempt_id uuid,
    metrics_next_sync_at timestamp with time zone,
    metrics_lease_until timestamp with time zone,
    metrics_synced_at timestamp with time zone,
    metrics_sync_failures integer DEFAULT 0 NOT NULL,
    metrics_last_error text,
    video_views integer,
    video_watch_time_seconds integer,
    platform_metrics jsonb DEFAULT '{}'::jsonb NOT NULL,
    engagement_base integer,
    engagement_count integer,
    conversions integer DEFAULT 0 NOT NULL,
    conversion_value numeric DEFAULT 0 NOT NULL,
    approval_requested_at timestamp with time zone,
    review_note text,
    reviewed_at timestamp with time zone,
    reviewed_by uuid,
    unpublish_state public.distribution_unpublish_state,
    unpublished_at timestamp with time zone,
    edit_state public.distribution_edit_state,
    CONSTRAINT distributions_click_through_rate_check CHECK ((click_through_rate >= (0)::numeric)),
    CONSTRAINT distributions_clicks_check CHECK ((clicks >= 0)),
    CONSTRAINT distributions_comments_check CHECK ((comments >= 0)),
    CONSTRAINT distributions_content_type_check CHECK ((content_type = ANY (ARRAY['generated'::text, 'manual'::text, 'repurposed'::text, 'curated'::text]))),
    CONSTRAINT distributions_conversion_value_check CHECK ((conversion_value >= (0)::numeric)),
    CONSTRAINT distributions_conversions_check CHECK ((conversions >= 0)),
    CONSTRAINT distributions_engagement_base_check CHECK ((engagement_base >= 0)),
    CONSTRAINT distributions_engagement_count_check CHECK ((engagement_count >= 0)),
    CONSTRAINT distributions_engagement_rate_check CHECK ((engagement_rate >= (0)::numeric)),
    CONSTRAINT distributions_engagements_check CHECK ((engagements >= 0)),
    CONSTRAINT distributions_impressions_check CHECK ((impressions >= 0)),
    CONSTRAINT distributions_likes_check CHECK ((likes >= 0)),
    CONSTRAINT distributions_metrics_sync_failures_check CHECK ((metrics_sync_failures >= 0)),
    CONSTRAINT distributions_platform_metrics_check CHECK ((jsonb_typeof(platform_metrics) = 'object'::text)),
    CONSTRAINT distributions_platform_specific_check CHECK ((jsonb_typeof(platform_specific) = 'object'::text)),
    CONSTRAINT distributions_published_has_time CHECK (((status <> 'published') OR (published_at IS NOT NULL))),
    CONSTRAINT distributions_publishing_has_lease CHECK (((status <> 'publishing') OR ((attempt_id IS NOT NULL) AND (lease_expires_at IS NOT NULL)))),
    CONSTRAINT distributions_reach_check CHECK ((reach >= 0)),
    CONSTRAINT distributions_retry_count_check CHECK ((retry_count >= 0)),
    CONSTRAINT distributions_saves_check CHECK ((saves >= 0)),
    CONSTRAINT distributions_scheduled_has_time CHECK (((status NOT IN ('scheduled', 'publishing')) OR (scheduled_for IS NOT NULL))),
    CONSTRAINT distributions_shares_check CHECK ((shares >= 0)),
    CONSTRAINT distributions_timezone_valid CHECK (private.is_valid_timezone(timezone)),
    CONSTRAINT distributions_video_views_check CHECK ((video_views >= 0)),
    CONSTRAINT distributions_video_watch_time_seconds_check CHECK ((video_watch_time_seconds >= 0))
);

COMMENT ON TABLE public.distributions IS 'One post of one piece of content on one platform: its adapted content, schedule, publishing state, and latest metrics. Also the durable publishing queue (status = scheduled and scheduled_for due).';

COMMENT ON COLUMN public.distributions.content_id IS 'The generated_content row it came from; null for content given inline.';

COMMENT ON COLUMN public.distributions.content_type IS 'Origin of the content: generated, manual, repurposed, curated.';

COMMENT ON COLUMN public.distributions.title IS 'Title adapted to the platform (subject line for email).';

COMMENT ON COLUMN public.distributions.body IS 'Body adapted to the platform (HTML for WordPress and email, plain text for social).';

COMMENT ON COLUMN public.distributions.platform_specific IS 'Adapter extras: hashtags, mentions, category ids, visibility...';

COMMENT ON COLUMN public.distributions.scheduled_for IS 'When to publish (an instant; shown in timezone).';

COMMENT ON COLUMN public.distributions.timezone IS 'IANA time zone in which the schedule is expressed ("Monday 9am" means 9am here).';

COMMENT ON COLUMN public.distributions.status IS 'draft -> scheduled -> publishing -> published | failed | unconfirmed; scheduled/failed -> cancelled; failed -> scheduled (retry). unconfirmed: the outcome of an attempt is unknown and needs a person. pending_approval: the client requires review (public.approval_rules); it holds its slot until an owner or approver approves it (-> scheduled) or rejects it (-> rejected, the slot freed).';

COMMENT ON COLUMN public.distributions.approval_requested_at IS 'When the row last entered pending_approval (the view distributions_awaiting_approval shows it as waiting_since).';

COMMENT ON COLUMN public.distributions.reviewed_by IS 'The owner or approver who last approved or rejected it (auth.users id; null when done by the service role or by hand in Studio).';

COMMENT ON COLUMN public.distributions.reviewed_at IS 'When it was last approved or rejected; null while it waits.';

COMMENT ON COLUMN public.distributions.review_note IS 'The reason given with a rejection.';

COMMENT ON COLUMN public.distributions.external_id IS 'The post''s id on the platform.';

COMMENT ON COLUMN public.distributions.external_url IS 'The post''s public URL on the platform.';

COMMENT ON COLUMN public.distributions.retry_count IS 'Failed attempts so far.';

COMMENT ON COLUMN public.distributions.engagement_rate IS 'Percent, computed by the database from the summary metrics (100 * engagement_count / engagement_base), per kind: x, linkedin, wordpress, podcast: engagements / impressions; instagram: engagements / reach (accounts reached; Instagram no longer reports impressions); youtube, tiktok: engagements / video_views; email: unique opens (platform_metrics.unique_opens) / delivered, where delivered = reach if given, else impressions (emails sent) - platform_metrics.hard_bounces - platform_metrics.soft_bounces. Outside email, engagements is the platform''s own count, or where it gives none, the sum of the likes, comments, shares and saves it did give. Null when the numerator or denominator was not reported, or the denominator is 0. Rows inserted with a rate keep it (imports).';

COMMENT ON COLUMN public.distributions.click_through_rate IS 'Percent, computed by the database: 100 * clicks / engagement_base (the same per-kind denominator as engagement_rate; for email unique clicks / delivered). Null when clicks or the denominator is not reported or 0.';

COMMENT ON COLUMN public.distributions.variant_group IS 'A/B test: distributions sharing this label are variants of one test.';

COMMENT ON COLUMN public.distributions.is_control IS 'A/B test: the control variant of its variant_group.';

COMMENT ON COLUMN public.distributions.business_unit IS 'Reporting label copied from the content.';

COMMENT ON COLUMN public.distributions.attempt_id IS 'The attempt that holds the row while status = publishing (distribution_attempts.id); a worker records an outcome only while it still holds it.';

COMMENT ON COLUMN public.distributions.lease_expires_at IS 'While publishing: when the claim lapses. An expired lease means the worker died; the next run reconciles.';

COMMENT ON COLUMN public.distributions.next_attempt_at IS 'When a row waiting after a transient error or a rate limit may be tried again (null: at scheduled_for). scheduled_for, and with it the calendar slot, never moves for a retry.';

COMMENT ON COLUMN public.distributions.unpublish_state IS 'Taking a published post down (POST /schedule/distributions/:id/unpublish): requested = queued in platform_cancellations (reason unpublished) for the publisher; unpublished = deleted or unlisted on the platform (unpublished_at says when); failed = the platform refused it 5 times (platform_cancellations.last_error says why; unpublish again to retry); removed_on_platform = a metrics read found the post no longer exists there (a person deleted it on the platform; unpublished_at says when it was found; metrics_last_error gives the platform''s answer): no longer synced, not editable.';

COMMENT ON COLUMN public.distributions.edit_state IS 'Editing a published post (PATCH /schedule/distributions/:id): requested = the new content is queued in platform_cancellations (reason edited) for the publisher; edited = the platform has it and so does this row; failed = the platform refused it 5 times (error_message says why).';

COMMENT ON COLUMN public.distributions.unpublished_at IS 'When the platform confirmed the post was taken down (or, with unpublish_state removed_on_platform, when a metrics read found it gone).';

COMMENT ON COLUMN public.distributions.native_state IS 'Native scheduling (platforms whose publish_config.native_scheduling is true): handed_off = the platform holds the post for scheduled_for (external_id is its id; confirmed at the due time); declined = the platform refused the hand-off, so the post is sent at scheduled_for as usual.';

COMMENT ON COLUMN public.distributions.native_attempt_id IS 'The attempt that handed the post to the platform.';

COMMENT ON COLUMN public.distributions.metrics_next_sync_at IS 'When the metrics of this published post are next read (by its age and metrics_sync_policy); null = not synced (not published, no external_id, too old, or given up). While a worker holds the row it is the lease end.';

COMMENT ON COLUMN public.distributions.metrics_lease_until IS 'Set while a metrics worker holds the row (claim_metrics_due); cleared by record_metrics. An expired lease makes the row due again.';

COMMENT ON COLUMN public.distributions.metrics_synced_at IS 'Time of the latest metrics snapshot applied to the summary columns.';

COMMENT ON COLUMN public.distributions.metrics_sync_failures IS 'Consecutive failed metric reads (reset by a successful one).';

COMMENT ON COLUMN public.distributions.metrics_last_error IS 'The last metric read error, cleared by a successful read.';

COMMENT ON COLUMN public.distributions.video_views IS 'Latest video views (YouTube, TikTok); null = not reported.';

COMMENT ON COLUMN public.distributions.video_watch_time_seconds IS 'Latest total watch time in seconds; null = not reported.';

COMMENT ON COLUMN public.distributions.platform_metrics IS 'Latest platform-specific metrics (merged over syncs), e.g. email unique_opens, hard_bounces, soft_bounces.';

COMMENT ON COLUMN public.distributions.engagement_base IS 'Denominator of engagement_rate and click_through_rate for this platform kind (see engagement_rate); the sample size of A/B and pattern-lift tests.';

COMMENT ON COLUMN public.distributions.engagement_count IS 'Numerator of engagement_rate for this platform kind (see engagement_rate).';

COMMENT ON COLUMN public.distributions.conversions IS 'Conversions attributed to this post (kept from public.conversions by a trigger).';

COMMENT ON COLUMN public.distributions.conversion_value IS 'Sum of their value (in their currency; see conversion_report).';

ALTER TABLE ONLY public.distributions
    ADD CONSTRAINT distributions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.distributions
    ADD CONSTRAINT distributions_id_client_key UNIQUE (id, client_id);

CREATE INDEX idx_distributions_scheduled ON public.distributions USING btree (scheduled_for) WHERE (status = 'scheduled');

CREATE INDEX idx_distributions_published ON public.distributions USING btree (published_at DESC) WHERE (published_at IS NOT NULL);

CREATE INDEX idx_distributions_content ON public.distributions USING btree (content_id) WHERE (content_id IS NOT NULL);

CREATE INDEX idx_distributions_vertical ON public.distributions USING btree (vertical_id) WHERE (vertical_id IS NOT NULL);

CREATE INDEX idx_distributions_client ON public.distributions USING btree (client_id);

CREATE INDEX idx_distributions_cross_post_group ON public.distributions USING btree (cross_post_group_id) WHERE (cross_post_group_id IS NOT NULL);

CREATE INDEX idx_distributions_due ON public.distributions USING btree (platform_id, COALESCE(next_attempt_at, scheduled_for)) WHERE (status = 'scheduled');

CREATE INDEX idx_distributions_leases ON public.distributions USING btree (platform_id, lease_expires_at) WHERE (status = 'publishing');

CREATE INDEX idx_distributions_platform_published ON public.distributions USING btree (platform_id, published_at) WHERE (status = 'published');

CREATE INDEX idx_distributions_metrics_due ON public.distributions USING btree (platform_id, metrics_next_sync_at) WHERE (metrics_next_sync_at IS NOT NULL);

CREATE INDEX idx_distributions_metrics_due_any ON public.distributions USING btree (metrics_next_sync_at) WHERE (metrics_next_sync_at IS NOT NULL);

CREATE INDEX idx_distributions_published_report ON public.distributions USING btree (published_at) INCLUDE (platform_id, client_id, impressions, engagement_rate, click_through_rate, clicks, timezone) WHERE (status = 'published');

CREATE INDEX idx_distributions_failed ON public.distributions USING btree (scheduled_for DESC) WHERE (status = 'failed');

CREATE INDEX idx_distributions_variant_group ON public.distributions USING btree (client_id, variant_group) WHERE (variant_group IS NOT NULL);

ALTER TABLE public.distributions
    ADD CONSTRAINT distributions_times_representable CHECK ((((scheduled_for IS NULL) OR ((scheduled_for >= '1970-01-01 00:00:00+00'::timestamp with time zone) AND (scheduled_for <= '9999-12-31 23:59:59+00'::timestamp with time zone))) AND ((published_at IS NULL) OR ((published_at >= '1970-01-01 00:00:00+00'::timestamp with time zone) AND (published_at <= '9999-12-31 23:59:59+00'::timestamp with time zone))))) NOT VALID;

ALTER TABLE public.distributions ENABLE ROW LEVEL SECURITY;

COMMENT ON CONSTRAINT distributions_times_representable ON public.distributions IS 'scheduled_for and published_at between 1970 and 9999: no infinity, no dates a worker cannot hold.';

CREATE POLICY distributions_delete ON public.distributions FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY distributions_insert ON public.distributions FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY distributions_select ON public.distributions FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY distributions_update ON public.distributions FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.distributions TO authenticated;
GRANT ALL ON TABLE public.distributions TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.distributions FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.distributions
    ADD CONSTRAINT distributions_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.distributions
    ADD CONSTRAINT distributions_content_fkey FOREIGN KEY (content_id, client_id) REFERENCES public.generated_content(id, client_id) ON DELETE SET NULL (content_id);

ALTER TABLE ONLY public.distributions
    ADD CONSTRAINT distributions_cross_post_group_fkey FOREIGN KEY (cross_post_group_id, client_id) REFERENCES public.cross_post_groups(id, client_id) ON DELETE SET NULL (cross_post_group_id);

ALTER TABLE ONLY public.distributions
    ADD CONSTRAINT distributions_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id);

ALTER TABLE ONLY public.distributions
    ADD CONSTRAINT distributions_vertical_fkey FOREIGN KEY (vertical_id, client_id) REFERENCES public.publisher_verticals(id, client_id) ON DELETE SET NULL (vertical_id);
