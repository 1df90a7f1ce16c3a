-- Content: generated content and the publisher verticals it belongs to.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TYPE public.content_status AS ENUM (
    'draft',
    'ready_for_distribution',
    'distributing',
    'distributed',
    'failed'
);

COMMENT ON TYPE public.content_status IS 'Where a piece of generated content is: draft, ready_for_distribution (queues a distribution request), distributing, distributed, failed.';

CREATE TABLE public.generated_content (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    vertical_id uuid,
    title text,
    content text NOT NULL,
    content_type text DEFAULT 'generated'::text NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    business_unit text,
    status public.content_status DEFAULT 'draft'::public.content_status NOT NULL,
    target_platform_ids uuid[] DEFAULT '{}'::uuid[] NOT NULL,
    priority text DEFAULT 'normal'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT generated_content_content_type_check CHECK ((content_type = ANY (ARRAY['generated'::text, 'manual'::text, 'repurposed'::text, 'curated'::text]))),
    CONSTRAINT generated_content_metadata_check CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT generated_content_priority_check CHECK ((priority = ANY (ARRAY['normal'::text, 'high'::text])))
);

COMMENT ON TABLE public.generated_content IS 'Content to distribute (from the generation engine or entered by hand). When status becomes ready_for_distribution it is scheduled onto target_platform_ids.';

COMMENT ON COLUMN public.generated_content.content IS 'The body, in Markdown; adapted per platform when distributed.';

COMMENT ON COLUMN public.generated_content.metadata IS 'keywords (text[]), topics (text[]), media_urls (text[]), canonical_url (text) and free-form extras.';

COMMENT ON COLUMN public.generated_content.status IS 'draft -> ready_for_distribution (triggers scheduling) -> distributing -> distributed | failed.';

COMMENT ON COLUMN public.generated_content.target_platform_ids IS 'Platforms (of the same client) to distribute to when the row becomes ready_for_distribution.';

COMMENT ON COLUMN public.generated_content.priority IS 'high content may take the platform''s prime calendar slots.';

ALTER TABLE ONLY public.generated_content
    ADD CONSTRAINT generated_content_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.generated_content
    ADD CONSTRAINT generated_content_id_client_key UNIQUE (id, client_id);

CREATE INDEX idx_generated_content_client ON public.generated_content USING btree (client_id);

CREATE INDEX idx_generated_content_vertical ON public.generated_content USING btree (vertical_id);

CREATE INDEX idx_generated_content_status ON public.generated_content USING btree (status);

ALTER TABLE public.generated_content ENABLE ROW LEVEL SECURITY;

CREATE POLICY generated_content_delete ON public.generated_content FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY generated_content_insert ON public.generated_content FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY generated_content_select ON public.generated_content FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY generated_content_update ON public.generated_content FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.generated_content TO authenticated;
GRANT ALL ON TABLE public.generated_content TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.generated_content FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

CREATE TABLE public.publisher_verticals (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    name text NOT NULL,
    slug text NOT NULL,
    description text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT publisher_verticals_name_check CHECK ((length(btrim(name)) > 0)),
    CONSTRAINT publisher_verticals_slug_check CHECK ((slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'::text))
);

COMMENT ON TABLE public.publisher_verticals IS 'Editorial verticals (topics, sites or brands) a client publishes under.';

ALTER TABLE ONLY public.publisher_verticals
    ADD CONSTRAINT publisher_verticals_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.publisher_verticals
    ADD CONSTRAINT publisher_verticals_client_slug_key UNIQUE (client_id, slug);

ALTER TABLE ONLY public.publisher_verticals
    ADD CONSTRAINT publisher_verticals_id_client_key UNIQUE (id, client_id);

ALTER TABLE public.publisher_verticals ENABLE ROW LEVEL SECURITY;

CREATE POLICY publisher_verticals_delete ON public.publisher_verticals FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY publisher_verticals_insert ON public.publisher_verticals FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY publisher_verticals_select ON public.publisher_verticals FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY publisher_verticals_update ON public.publisher_verticals FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.publisher_verticals TO authenticated;
GRANT ALL ON TABLE public.publisher_verticals TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.publisher_verticals FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.generated_content
    ADD CONSTRAINT generated_content_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.generated_content
    ADD CONSTRAINT generated_content_vertical_fkey FOREIGN KEY (vertical_id, client_id) REFERENCES public.publisher_verticals(id, client_id) ON DELETE SET NULL (vertical_id);

ALTER TABLE ONLY public.publisher_verticals
    ADD CONSTRAINT publisher_verticals_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

CREATE FUNCTION private.check_target_platforms() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
declare
  bad uuid[];
begin
  select array_agg(t.id) into bad
  from unnest(new.target_platform_ids) as t (id)
  where not exists (select 1 from public.platforms p where p.id = t.id and p.client_id = new.client_id);
  if bad is not null then
    raise exception 'target_platform_ids % are not platforms of client %', bad, new.client_id
      using errcode = 'foreign_key_violation';
  end if;
  return null;
end
$$;

CREATE CONSTRAINT TRIGGER check_target_platforms AFTER INSERT OR UPDATE OF target_platform_ids, client_id ON public.generated_content NOT DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION private.check_target_platforms();

REVOKE ALL ON FUNCTION private.check_target_platforms() FROM PUBLIC;
