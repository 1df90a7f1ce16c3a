-- Connecting a platform account with OAuth: the pending connections between "start" and the provider's redirect back.

CREATE TABLE private.oauth_states (
    state_hash text NOT NULL,
    user_id uuid NOT NULL,
    client_id uuid NOT NULL,
    platform_id uuid,
    kind text NOT NULL,
    name text,
    publish_config jsonb DEFAULT '{}'::jsonb NOT NULL,
    code_verifier text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL
);

COMMENT ON TABLE private.oauth_states IS 'Connections an owner started (POST /functions/v1/connections) and the provider has not redirected back yet: the SHA-256 of the state sent to the provider (the state itself is never stored), who started it for which client and platform (or the kind, name and publish_config of the platform the callback creates), and the PKCE code verifier. The callback (connections-callback) deletes the row it redeems, so a state works once; rows live until expires_at (ten minutes).';

ALTER TABLE ONLY private.oauth_states
    ADD CONSTRAINT oauth_states_pkey PRIMARY KEY (state_hash);

ALTER TABLE ONLY private.oauth_states
    ADD CONSTRAINT oauth_states_client_id_fkey FOREIGN KEY (client_id) REFERENCES public.clients(id) ON DELETE CASCADE;

ALTER TABLE ONLY private.oauth_states
    ADD CONSTRAINT oauth_states_platform_id_fkey FOREIGN KEY (platform_id) REFERENCES public.platforms(id) ON DELETE CASCADE;

ALTER TABLE ONLY private.oauth_states
    ADD CONSTRAINT oauth_states_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE;

CREATE INDEX idx_oauth_states_expires_at ON private.oauth_states USING btree (expires_at);

CREATE INDEX idx_oauth_states_client ON private.oauth_states USING btree (client_id);

CREATE INDEX idx_oauth_states_platform ON private.oauth_states USING btree (platform_id);

CREATE INDEX idx_oauth_states_user ON private.oauth_states USING btree (user_id);

ALTER TABLE private.oauth_states ENABLE ROW LEVEL SECURITY;

GRANT SELECT, INSERT, DELETE ON TABLE private.oauth_states TO service_role;
