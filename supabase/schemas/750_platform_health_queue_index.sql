-- The queue depth platform_health shows (510_publish_config_validation.sql): per platform and state, the rows that are
-- not yet published. client_id is included so that a member's row-level security check is answered from the index
-- too: the view counts a platform's queue with an index-only scan for a member as for the service role.

CREATE INDEX idx_distributions_queue ON public.distributions USING btree (platform_id, status) INCLUDE (client_id) WHERE (status IN ('draft', 'scheduled', 'publishing', 'failed', 'unconfirmed'));
