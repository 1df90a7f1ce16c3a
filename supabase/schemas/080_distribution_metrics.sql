-- Distribution metrics: engagement snapshots read from the platforms.

CREATE TABLE public.distribution_metrics (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    distribution_id uuid NOT NULL,
    client_id uuid NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL,
    hours_since_publish integer,
    impressions integer,
    reach integer,
    engagements integer,
    clicks integer,
    shares integer,
    comments integer,
    likes integer,
    saves integer,
    video_views integer,
    video_watch_time_seconds integer,
    followers_gained integer,
    followers_lost integer,
    platform_metrics jsonb DEFAULT '{}'::jsonb NOT NULL,
    CONSTRAINT distribution_metrics_clicks_check CHECK ((clicks >= 0)),
    CONSTRAINT distribution_metrics_comments_check CHECK ((comments >= 0)),
    CONSTRAINT distribution_metrics_engagements_check CHECK ((engagements >= 0)),
    CONSTRAINT distribution_metrics_followers_gained_check CHECK ((followers_gained >= 0)),
    CONSTRAINT distribution_metrics_followers_lost_check CHECK ((followers_lost >= 0)),
    CONSTRAINT distribution_metrics_hours_since_publish_check CHECK ((hours_since_publish >= 0)),
    CONSTRAINT distribution_metrics_impressions_check CHECK ((impressions >= 0)),
    CONSTRAINT distribution_metrics_likes_check CHECK ((likes >= 0)),
    CONSTRAINT distribution_metrics_platform_metrics_check CHECK ((jsonb_typeof(platform_metrics) = 'object'::text)),
    CONSTRAINT distribution_metrics_reach_check CHECK ((reach >= 0)),
    CONSTRAINT distribution_metrics_saves_check CHECK ((saves >= 0)),
    CONSTRAINT distribution_metrics_shares_check CHECK ((shares >= 0)),
    CONSTRAINT distribution_metrics_video_views_check CHECK ((video_views >= 0)),
    CONSTRAINT distribution_metrics_video_watch_time_seconds_check CHECK ((video_watch_time_seconds >= 0))
);

COMMENT ON TABLE public.distribution_metrics IS 'Snapshots of a distribution''s metrics over time (one per sync). A metric the platform did not report is null, not 0.';

COMMENT ON COLUMN public.distribution_metrics.hours_since_publish IS 'Whole hours between published_at and recorded_at.';

COMMENT ON COLUMN public.distribution_metrics.platform_metrics IS 'Platform-specific metrics with no column (e.g. email open_rate, unsubscribes).';

ALTER TABLE ONLY public.distribution_metrics
    ADD CONSTRAINT distribution_metrics_pkey PRIMARY KEY (id);

CREATE INDEX idx_distribution_metrics_distribution ON public.distribution_metrics USING btree (distribution_id);

CREATE INDEX idx_distribution_metrics_recorded ON public.distribution_metrics USING btree (recorded_at DESC);

CREATE INDEX idx_distribution_metrics_client ON public.distribution_metrics USING btree (client_id);

CREATE INDEX idx_distribution_metrics_distribution_recorded ON public.distribution_metrics USING btree (distribution_id, recorded_at DESC);

ALTER TABLE public.distribution_metrics ENABLE ROW LEVEL SECURITY;

CREATE POLICY distribution_metrics_delete ON public.distribution_metrics FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY distribution_metrics_insert ON public.distribution_metrics FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY distribution_metrics_select ON public.distribution_metrics FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY distribution_metrics_update ON public.distribution_metrics FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.distribution_metrics TO authenticated;
GRANT ALL ON TABLE public.distribution_metrics TO service_role;

ALTER TABLE ONLY public.distribution_metrics
    ADD CONSTRAINT distribution_metrics_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.distribution_metrics
    ADD CONSTRAINT distribution_metrics_distribution_fkey FOREIGN KEY (distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE CASCADE;
