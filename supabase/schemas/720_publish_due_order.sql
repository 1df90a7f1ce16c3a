-- Indexes of every platform's due and lapsed rows in time order. (A file of its own after the others that
-- index distributions, so a database built from the migrations lists its indexes in the same order.)

-- Every platform's due and lapsed rows in one (time, id) order each: the claim walks them oldest first and
-- stops when full, and next_publish_due reads the first of each, so neither looks at every platform.
CREATE INDEX idx_distributions_due_at ON public.distributions USING btree (COALESCE(next_attempt_at, scheduled_for), id) INCLUDE (platform_id) WHERE (status = 'scheduled');

CREATE INDEX idx_distributions_lease_at ON public.distributions USING btree (lease_expires_at, id) INCLUDE (platform_id) WHERE (status = 'publishing');
