-- Indexes of distributions shaped for a large history: what a row adds to them when it is published.
-- A published row's new version gets an entry in every index of the table whose predicate it meets (its status
-- changes, so the update is never HOT). Indexes that serve only open work are partial, and no two indexes
-- are led by platform_id for every row. (Created here, after the others, as the migration that reshaped them
-- created them.)

-- Also the platform's index (its foreign key, reads by platform_id alone): one index led by platform_id for
-- every row, rather than one for every row and another for each published one.
CREATE INDEX idx_distributions_external ON public.distributions USING btree (platform_id, external_id);

-- Rows waiting on a person only. Published, cancelled and rejected rows are the history; the reads of published
-- rows (reports, rate limits, metrics) have indexes of their own. Scheduled and publishing rows are read through
-- the queue's indexes, each led by platform_id or by the due time: with them here, statistics taken while no
-- row was publishing made the planner count a platform's in-flight rows (publish_budget) by reading every
-- publishing row of every platform, at each platform a claim takes.
CREATE INDEX idx_distributions_status ON public.distributions USING btree (status) WHERE (status IN ('draft', 'failed', 'unconfirmed', 'pending_approval'));
