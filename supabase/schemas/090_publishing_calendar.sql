-- The publishing calendar: the slots distributions take, and the ad hoc slots members add.

CREATE TABLE public.publishing_calendar (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    client_id uuid NOT NULL,
    date date NOT NULL,
    time_slot time without time zone NOT NULL,
    timezone text DEFAULT 'America/New_York'::text NOT NULL,
    platform_id uuid NOT NULL,
    distribution_id uuid,
    slot_type text DEFAULT 'regular'::text NOT NULL,
    is_locked boolean DEFAULT false NOT NULL,
    recurring_pattern text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    is_ad_hoc boolean DEFAULT false NOT NULL,
    starts_at timestamp with time zone,
    CONSTRAINT publishing_calendar_recurring_pattern_check CHECK ((recurring_pattern = ANY (ARRAY['daily'::text, 'weekly'::text, 'monthly'::text]))),
    CONSTRAINT publishing_calendar_slot_type_check CHECK ((slot_type = ANY (ARRAY['regular'::text, 'prime'::text, 'test'::text]))),
    CONSTRAINT publishing_calendar_timezone_valid CHECK (private.is_valid_timezone(timezone))
);

COMMENT ON TABLE public.publishing_calendar IS 'Posting slots per platform (the platform''s posting schedule): a slot is free or holds one distribution.';

COMMENT ON COLUMN public.publishing_calendar.date IS 'Local date of the slot in the row''s timezone.';

COMMENT ON COLUMN public.publishing_calendar.time_slot IS 'Local wall-clock time of the slot in the row''s timezone.';

COMMENT ON COLUMN public.publishing_calendar.timezone IS 'IANA time zone in which date and time_slot are expressed.';

COMMENT ON COLUMN public.publishing_calendar.slot_type IS 'regular; prime (reserved for high-priority content); test (hosts A/B variants).';

COMMENT ON COLUMN public.publishing_calendar.is_locked IS 'Never filled automatically; only a person can assign it.';

COMMENT ON COLUMN public.publishing_calendar.recurring_pattern IS 'A recurring slot (daily, weekly, monthly) starting at date/time_slot; null = one-off.';

COMMENT ON COLUMN public.publishing_calendar.is_ad_hoc IS 'Created by the scheduler to hold one distribution; deleted when that distribution leaves it. False for recurring slots and slots made by a person, which are only freed (distribution_id set to null).';

COMMENT ON COLUMN public.publishing_calendar.starts_at IS 'The slot''s instant: date + time_slot read in timezone (scheduling.local_to_utc). Kept by a trigger; what is written to it is replaced.';

ALTER TABLE ONLY public.publishing_calendar
    ADD CONSTRAINT publishing_calendar_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.publishing_calendar
    ADD CONSTRAINT publishing_calendar_date_time_slot_platform_id_key UNIQUE (date, time_slot, platform_id);

CREATE INDEX idx_publishing_calendar_date ON public.publishing_calendar USING btree (date);

CREATE INDEX idx_publishing_calendar_platform ON public.publishing_calendar USING btree (platform_id);

CREATE INDEX idx_publishing_calendar_distribution ON public.publishing_calendar USING btree (distribution_id);

CREATE INDEX idx_publishing_calendar_client ON public.publishing_calendar USING btree (client_id);

CREATE INDEX idx_publishing_calendar_platform_date ON public.publishing_calendar USING btree (platform_id, date);

CREATE INDEX idx_publishing_calendar_recurring ON public.publishing_calendar USING btree (platform_id) WHERE (recurring_pattern IS NOT NULL);

CREATE INDEX idx_publishing_calendar_platform_instant ON public.publishing_calendar USING btree (platform_id, scheduling.local_to_utc((date + time_slot), timezone));

CREATE INDEX idx_publishing_calendar_platform_starts ON public.publishing_calendar USING btree (platform_id, starts_at);

CREATE INDEX idx_publishing_calendar_free_starts ON public.publishing_calendar USING btree (platform_id, starts_at) WHERE ((distribution_id IS NULL) AND (NOT is_locked));

ALTER TABLE public.publishing_calendar ENABLE ROW LEVEL SECURITY;

CREATE POLICY publishing_calendar_delete ON public.publishing_calendar FOR DELETE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY publishing_calendar_insert ON public.publishing_calendar FOR INSERT TO authenticated WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

CREATE POLICY publishing_calendar_select ON public.publishing_calendar FOR SELECT TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids() AS member_client_ids))));

CREATE POLICY publishing_calendar_update ON public.publishing_calendar FOR UPDATE TO authenticated USING ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids)))) WITH CHECK ((client_id = ANY (ARRAY( SELECT private.member_client_ids(ARRAY['owner'::text, 'editor'::text]) AS member_client_ids))));

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.publishing_calendar TO authenticated;
GRANT ALL ON TABLE public.publishing_calendar TO service_role;

CREATE TRIGGER set_updated_at BEFORE UPDATE ON public.publishing_calendar FOR EACH ROW EXECUTE FUNCTION private.set_updated_at();

ALTER TABLE ONLY public.publishing_calendar
    ADD CONSTRAINT publishing_calendar_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.publishing_calendar
    ADD CONSTRAINT publishing_calendar_distribution_fkey FOREIGN KEY (distribution_id, client_id) REFERENCES public.distributions(id, client_id) ON DELETE SET NULL (distribution_id);

ALTER TABLE ONLY public.publishing_calendar
    ADD CONSTRAINT publishing_calendar_platform_fkey FOREIGN KEY (platform_id, client_id) REFERENCES public.platforms(id, client_id) ON DELETE CASCADE;
