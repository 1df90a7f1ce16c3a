-- Cross-post groups: one piece of content distributed to several platforms on one timing strategy.

CREATE TYPE public.cross_post_group_status AS ENUM (
    'pending',
    'in_progress',
    'completed',
    'partial',
    'failed'
);

COMMENT ON TYPE public.cross_post_group_status IS 'A cross-post group''s status, derived from its distributions: pending, in_progress, completed, partial, failed.';

CREATE TABLE public.cross_post_groups (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    name text,
    source_content_id uuid,
    timing_strategy text DEFAULT 'simultaneous'::text NOT NULL,
    stagger_minutes integer,
    status public.cross_post_group_status DEFAULT 'pending'::public.cross_post_group_status NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT cross_post_groups_stagger_check CHECK (((timing_strategy <> 'staggered'::text) OR (stagger_minutes IS NOT NULL))),
    CONSTRAINT cross_post_groups_stagger_minutes_check CHECK ((stagger_minutes > 0)),
    CONSTRAINT cross_post_groups_timing_strategy_check CHECK ((timing_strategy = ANY (ARRAY['simultaneous'::text, 'staggered'::text, 'optimized'::text])))
);

COMMENT ON TABLE public.cross_post_groups IS 'A set of distributions of one piece of content to several platforms, posted together.';

COMMENT ON COLUMN public.cross_post_groups.timing_strategy IS 'simultaneous: all at once; staggered: in order, stagger_minutes apart; optimized: each at its platform''s best slot.';

COMMENT ON COLUMN public.cross_post_groups.status IS 'Derived from the members: pending, in_progress, completed (all published), partial (some published, the rest failed or cancelled), failed (none published).';

ALTER TABLE ONLY public.cross_post_groups
    ADD CONSTRAINT cross_post_groups_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.cross_post_groups
    ADD CONSTRAINT cross_post_groups_id_client_key UNIQUE (id, client_id);

CREATE INDEX idx_cross_post_groups_status ON public.cross_post_groups USING btree (status);

CREATE INDEX idx_cross_post_groups_client ON public.cross_post_groups USING btree (client_id);

CREATE INDEX idx_cross_post_groups_source_content ON public.cross_post_groups USING btree (source_content_id);

ALTER TABLE public.cross_post_groups ENABLE ROW LEVEL SECURITY;

CREATE POLICY cross_post_groups_delete ON public.cross_post_groups FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY cross_post_groups_insert ON public.cross_post_groups FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY cross_post_groups_select ON public.cross_post_groups FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY cross_post_groups_update ON public.cross_post_groups FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.cross_post_groups TO authenticated;
GRANT ALL ON TABLE public.cross_post_groups TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.cross_post_groups FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.cross_post_groups
    ADD CONSTRAINT cross_post_groups_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.cross_post_groups
    ADD CONSTRAINT cross_post_groups_source_content_fkey FOREIGN KEY (source_content_id, client_id) REFERENCES public.generated_content(id, client_id) ON DELETE SET NULL (source_content_id);
