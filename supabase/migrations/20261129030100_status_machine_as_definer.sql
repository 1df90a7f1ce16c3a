-- The status machine trigger (20261129030000) calls private.distribution_status_allowed by name. Triggers run as
-- the writing role, and `authenticated` has no usage on schema private, so every status change made through the
-- API failed with "permission denied for schema private". Running the trigger function as its owner fixes that;
-- it reads only OLD/NEW and pins search_path.
alter function private.enforce_distribution_status() security definer;
