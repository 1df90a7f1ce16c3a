-- Tenancy: clients (tenants) and their members, and the membership helpers the row-level security policies use.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE TABLE public.client_members (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    user_id uuid NOT NULL,
    role text DEFAULT 'viewer'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT client_members_role_check CHECK ((role = ANY (ARRAY['owner'::text, 'editor'::text, 'approver'::text, 'viewer'::text])))
);

COMMENT ON TABLE public.client_members IS 'Which users belong to which client, and with what role.';

COMMENT ON COLUMN public.client_members.role IS 'owner: everything, including managing members; editor: read and write the client''s rows; approver: read, and approve or reject distributions waiting for review (public.approve_distribution, public.reject_distribution; owners may too); viewer: read only.';

ALTER TABLE ONLY public.client_members
    ADD CONSTRAINT client_members_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.client_members
    ADD CONSTRAINT client_members_client_user_key UNIQUE (client_id, user_id);

CREATE INDEX idx_client_members_user ON public.client_members USING btree (user_id);

ALTER TABLE public.client_members ENABLE ROW LEVEL SECURITY;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.client_members TO authenticated;
GRANT ALL ON TABLE public.client_members TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.client_members FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

CREATE TABLE public.clients (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    default_timezone text DEFAULT 'America/New_York'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    optimize_max_days_ahead integer DEFAULT 60 NOT NULL,
    optimize_for text DEFAULT 'engagement'::text NOT NULL,
    CONSTRAINT clients_default_timezone_valid CHECK (private.is_valid_timezone(default_timezone)),
    CONSTRAINT clients_name_check CHECK ((length(btrim(name)) > 0)),
    CONSTRAINT clients_optimize_max_days_ahead_check CHECK (((optimize_max_days_ahead >= 1) AND (optimize_max_days_ahead <= 730))),
    CONSTRAINT clients_optimize_for_check CHECK ((optimize_for = ANY (ARRAY['engagement'::text, 'clicks'::text, 'conversions'::text])))
);

COMMENT ON TABLE public.clients IS 'Tenants. Every other row belongs to exactly one client; members of one client never see another client''s rows.';

COMMENT ON COLUMN public.clients.default_timezone IS 'IANA time zone used when neither the distribution nor the platform names one.';

COMMENT ON COLUMN public.clients.optimize_for IS 'What the learned posting times maximise for this client: engagement (the platform kind''s engagement count), clicks, or conversions (attributed through public.conversions). The learning job scores a slot by its expected objective per post: the slot''s rate per impression, shrunk toward the platform''s rate, times the reach of its posts (docs/metrics.md).';

COMMENT ON COLUMN public.clients.optimize_max_days_ahead IS 'How far ahead `optimize` may place a post (days). When every allowed slot within it is taken, scheduling answers 409 naming the limit that is full instead of a date months away.';

ALTER TABLE ONLY public.clients
    ADD CONSTRAINT clients_pkey PRIMARY KEY (id);

ALTER TABLE public.clients ENABLE ROW LEVEL SECURITY;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.clients TO authenticated;
GRANT ALL ON TABLE public.clients TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.clients FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.client_members
    ADD CONSTRAINT client_members_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.client_members
    ADD CONSTRAINT client_members_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE;

CREATE FUNCTION private.has_client_role(p_client_id uuid, p_roles text[]) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select exists (
    select 1 from public.client_members m
    where m.client_id = p_client_id and m.user_id = (select auth.uid()) and m.role = any (p_roles)
  )
$$;

COMMENT ON FUNCTION private.has_client_role(p_client_id uuid, p_roles text[]) IS 'True when the calling user has one of p_roles in the client.';

REVOKE ALL ON FUNCTION private.has_client_role(p_client_id uuid, p_roles text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION private.has_client_role(p_client_id uuid, p_roles text[]) TO authenticated;
GRANT ALL ON FUNCTION private.has_client_role(p_client_id uuid, p_roles text[]) TO service_role;

CREATE FUNCTION private.is_client_member(p_client_id uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select exists (
    select 1 from public.client_members m
    where m.client_id = p_client_id and m.user_id = (select auth.uid())
  )
$$;

COMMENT ON FUNCTION private.is_client_member(p_client_id uuid) IS 'True when the calling user is a member of the client, in any role.';

REVOKE ALL ON FUNCTION private.is_client_member(p_client_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION private.is_client_member(p_client_id uuid) TO authenticated;
GRANT ALL ON FUNCTION private.is_client_member(p_client_id uuid) TO service_role;

CREATE FUNCTION private.member_client_ids(p_roles text[] DEFAULT NULL::text[]) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select m.client_id
  from public.client_members m
  where m.user_id = (select auth.uid())
    and (p_roles is null or m.role = any (p_roles))
$$;

CREATE POLICY client_members_delete ON public.client_members FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text]) AS member_client_ids))));

CREATE POLICY client_members_insert ON public.client_members FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text]) AS member_client_ids))));

CREATE POLICY client_members_select ON public.client_members FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY client_members_update ON public.client_members FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text]) AS member_client_ids))));

CREATE POLICY clients_select ON public.clients FOR SELECT TO authenticated USING ((id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY clients_update ON public.clients FOR UPDATE TO authenticated USING ((id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text]) AS member_client_ids)))) WITH CHECK ((id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text]) AS member_client_ids))));

COMMENT ON FUNCTION private.member_client_ids(p_roles text[]) IS 'Clients the calling user belongs to (optionally only with one of p_roles). Policies use it as `client_id = any (array(select private.member_client_ids()))`, evaluated once per statement and index-friendly.';

REVOKE ALL ON FUNCTION private.member_client_ids(p_roles text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION private.member_client_ids(p_roles text[]) TO authenticated;
GRANT ALL ON FUNCTION private.member_client_ids(p_roles text[]) TO service_role;
