-- Partial indexes behind the publish loop's per-run probes, so that their cost is the rows they are
-- about (recent API errors, platforms that schedule natively), not the number of platforms or clients.
-- (A file of its own after 510_publish_config_validation.sql: an index predicate calls
-- private.config_boolean, which must exist when the index is built.)

-- refresh_api_error_counts recounts only the platforms whose count can change: those with an API error
-- in the last 24 hours (it may rise), a range of this index ...
CREATE INDEX idx_distribution_attempts_errors_finished ON public.distribution_attempts USING btree (finished_at) INCLUDE (platform_id) WHERE ((outcome = ANY (ARRAY['transient'::text, 'rate_limited'::text, 'permanent'::text, 'auth'::text, 'unknown'::text])) OR ((outcome = 'unsettled'::text) AND (http_status IS NOT NULL)));

-- ... and those with a non-zero count (it may fall as errors age past 24 hours).
CREATE INDEX idx_platforms_api_errors ON public.platforms USING btree (id) WHERE (api_errors_24h > 0);

-- claim_native_handoffs asks at every claim whether any platform schedules natively; with none, the
-- answer is one probe of this index, not a look at every platform's publish_config. An expression index
-- over every platform, not a partial one: ANALYZE keeps statistics of its expression (almost always
-- false), so the planner knows how few platforms match and reads the index, where it would guess half
-- of them and scan the table for the first.
CREATE INDEX idx_platforms_native_scheduling ON public.platforms USING btree (private.config_boolean(publish_config, 'native_scheduling'::text, false));
