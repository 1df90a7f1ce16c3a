-- Posting patterns: what the system learns about good posting times, and the feedback it learns from.

CREATE TABLE public.pattern_feedback (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    pattern_id uuid NOT NULL,
    content_id uuid,
    distribution_id uuid,
    pattern_applied boolean NOT NULL,
    impressions integer,
    engagements integer,
    clicks integer,
    shares integer,
    engagement_rate numeric,
    posted_at timestamp with time zone,
    day_of_week smallint,
    hour_of_day smallint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    engagement_base integer,
    engagement_count integer,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    conversions integer,
    CONSTRAINT pattern_feedback_clicks_check CHECK ((clicks >= 0)),
    CONSTRAINT pattern_feedback_conversions_check CHECK ((conversions >= 0)),
    CONSTRAINT pattern_feedback_day_of_week_check CHECK (((day_of_week >= 0) AND (day_of_week <= 6))),
    CONSTRAINT pattern_feedback_engagement_base_check CHECK ((engagement_base >= 0)),
    CONSTRAINT pattern_feedback_engagement_count_check CHECK ((engagement_count >= 0)),
    CONSTRAINT pattern_feedback_engagement_rate_check CHECK ((engagement_rate >= (0)::numeric)),
    CONSTRAINT pattern_feedback_engagements_check CHECK ((engagements >= 0)),
    CONSTRAINT pattern_feedback_hour_of_day_check CHECK (((hour_of_day >= 0) AND (hour_of_day <= 23))),
    CONSTRAINT pattern_feedback_impressions_check CHECK ((impressions >= 0)),
    CONSTRAINT pattern_feedback_shares_check CHECK ((shares >= 0))
);

COMMENT ON TABLE public.pattern_feedback IS 'One observation of a published distribution against a platform pattern: was the pattern applied, and how it performed.';

COMMENT ON COLUMN public.pattern_feedback.pattern_applied IS 'Whether the pattern was applied to this distribution.';

COMMENT ON COLUMN public.pattern_feedback.posted_at IS 'The distribution''s published_at.';

COMMENT ON COLUMN public.pattern_feedback.day_of_week IS 'Day of week of posted_at in the distribution''s timezone, 0 = Sunday.';

COMMENT ON COLUMN public.pattern_feedback.hour_of_day IS 'Hour of posted_at in the distribution''s timezone, 0..23.';

COMMENT ON COLUMN public.pattern_feedback.engagement_base IS 'The distribution''s engagement_base (sample size for lift tests).';

COMMENT ON COLUMN public.pattern_feedback.engagement_count IS 'The distribution''s engagement_count.';

COMMENT ON COLUMN public.pattern_feedback.conversions IS 'The distribution''s conversions (attributed through public.conversions), null without a distribution. Kept by triggers (385_report_window_rollups.sql), never written by hand: pattern_lift reads it for clients that optimise for conversions.';

ALTER TABLE ONLY public.pattern_feedback
    ADD CONSTRAINT pattern_feedback_pkey PRIMARY KEY (id);

CREATE INDEX idx_pattern_feedback_client ON public.pattern_feedback USING btree (client_id);

CREATE INDEX idx_pattern_feedback_pattern ON public.pattern_feedback USING btree (pattern_id);

CREATE INDEX idx_pattern_feedback_content ON public.pattern_feedback USING btree (content_id);

CREATE INDEX idx_pattern_feedback_distribution ON public.pattern_feedback USING btree (distribution_id);

ALTER TABLE ONLY public.pattern_feedback
    ADD CONSTRAINT pattern_feedback_pattern_distribution_key UNIQUE (pattern_id, distribution_id);

CREATE INDEX idx_pattern_feedback_lift ON public.pattern_feedback USING btree (pattern_id, pattern_applied) INCLUDE (engagement_rate, engagement_base, engagement_count);

ALTER TABLE public.pattern_feedback ENABLE ROW LEVEL SECURITY;

CREATE POLICY pattern_feedback_delete ON public.pattern_feedback FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY pattern_feedback_insert ON public.pattern_feedback FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY pattern_feedback_select ON public.pattern_feedback FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY pattern_feedback_update ON public.pattern_feedback FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.pattern_feedback TO authenticated;
GRANT ALL ON TABLE public.pattern_feedback TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.pattern_feedback FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

CREATE TABLE public.platform_patterns (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    platform_id uuid NOT NULL,
    pattern_type text NOT NULL,
    pattern_name text NOT NULL,
    pattern_template text,
    confidence numeric,
    sample_size integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT platform_patterns_confidence_check CHECK (((confidence >= (0)::numeric) AND (confidence <= (1)::numeric))),
    CONSTRAINT platform_patterns_pattern_name_check CHECK ((length(btrim(pattern_name)) > 0)),
    CONSTRAINT platform_patterns_pattern_type_check CHECK ((length(btrim(pattern_type)) > 0)),
    CONSTRAINT platform_patterns_sample_size_check CHECK ((sample_size >= 0))
);

COMMENT ON TABLE public.platform_patterns IS 'Patterns per platform, e.g. pattern_type timing / pattern_name optimal_posting_times.';

COMMENT ON COLUMN public.platform_patterns.pattern_template IS 'The pattern''s body as text; JSON for timing patterns (e.g. [{"day_of_week":1,"hour":9}], read with JSON.parse).';

COMMENT ON COLUMN public.platform_patterns.confidence IS 'Confidence in the pattern, 0..1.';

COMMENT ON COLUMN public.platform_patterns.sample_size IS 'Number of observations the pattern was derived from.';

ALTER TABLE ONLY public.platform_patterns
    ADD CONSTRAINT platform_patterns_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.platform_patterns
    ADD CONSTRAINT platform_patterns_platform_id_pattern_type_pattern_name_key UNIQUE (platform_id, pattern_type, pattern_name);

ALTER TABLE ONLY public.platform_patterns
    ADD CONSTRAINT platform_patterns_id_client_key UNIQUE (id, client_id);

CREATE INDEX idx_platform_patterns_client ON public.platform_patterns USING btree (client_id);

ALTER TABLE public.platform_patterns ENABLE ROW LEVEL SECURITY;

CREATE POLICY platform_patterns_delete ON public.platform_patterns FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY platform_patterns_insert ON public.platform_patterns FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY platform_patterns_select ON public.platform_patterns FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY platform_patterns_update ON public.platform_patterns FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.platform_patterns TO authenticated;
GRANT ALL ON TABLE public.platform_patterns TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.platform_patterns FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.pattern_feedback
    ADD CONSTRAINT pattern_feedback_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.pattern_feedback
    ADD CONSTRAINT pattern_feedback_content_fkey FOREIGN KEY (content_id, client_id) REFERENCES public.generated_content(id, client_id) ON DELETE SET NULL (content_id);

ALTER TABLE ONLY public.pattern_feedback
    ADD CONSTRAINT pattern_feedback_distribution_fkey FOREIGN KEY (distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE CASCADE;

ALTER TABLE ONLY public.pattern_feedback
    ADD CONSTRAINT pattern_feedback_pattern_fkey FOREIGN KEY (pattern_id, client_id) REFERENCES public.platform_patterns(id, client_id) ON DELETE CASCADE;

ALTER TABLE ONLY public.platform_patterns
    ADD CONSTRAINT platform_patterns_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.platform_patterns
    ADD CONSTRAINT platform_patterns_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id) ON DELETE CASCADE;
