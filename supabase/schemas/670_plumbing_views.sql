-- The plumbing's own failures, as views for the service role and Studio (postgres): pg_cron runs that failed
-- and pg_net calls (the database waking the edge functions) that got no good answer, each with what to do.
-- They are not tenant data: members may not read them (no grant to authenticated or anon; the explicit
-- revokes undo hosted Supabase's default grants on new tables in public).

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

-- pg_cron's tables carry row-level security by job owner (username = current_user): the jobs belong to the
-- role that scheduled them (postgres), so the service role reads their runs through this definer function.
CREATE FUNCTION private.cron_job_failures(p_since interval DEFAULT '24:00:00'::interval) RETURNS TABLE(runid bigint, jobid bigint, jobname text, status text, return_message text, command text, start_time timestamp with time zone, end_time timestamp with time zone)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select r.runid, r.jobid, j.jobname, r.status, r.return_message, r.command, r.start_time, r.end_time
  from cron.job_run_details r
  left join cron.job j on j.jobid = r.jobid
  where r.status = 'failed' and r.start_time > now() - p_since
  order by r.start_time desc
$$;

COMMENT ON FUNCTION private.cron_job_failures(p_since interval) IS 'pg_cron runs that failed in the last p_since (24 hours), newest first, with the job''s name (for public.attention_cron_failures).';

REVOKE ALL ON FUNCTION private.cron_job_failures(p_since interval) FROM PUBLIC;
GRANT ALL ON FUNCTION private.cron_job_failures(p_since interval) TO service_role;

CREATE VIEW public.attention_cron_failures WITH (security_invoker=true) AS
 SELECT f.runid,
    f.jobid,
    f.jobname,
    f.return_message,
    f.start_time,
    f.end_time,
    f.command,
        CASE
            WHEN f.return_message ~~* '%vault secrets%'::text THEN 'Store the Vault secrets project_url and service_role_key (npm run deploy does it, step vault; docs/deploy.md): the job runs again at its next schedule.'::text
            WHEN f.return_message ~~* '%canceling statement due to statement timeout%'::text THEN 'The job ran longer than statement_timeout: look for a long lock or a very large batch (bench/RESULTS.md); it runs again at its next schedule.'::text
            WHEN f.return_message ~~* '%permission denied%'::text THEN 'The job''s role lacks a privilege: compare its grants with supabase/schemas/ and push the migrations again (npm run deploy, step db).'::text
            ELSE 'Read return_message and the job''s command (cron.job); the job runs again at its next schedule. A failure on every run needs a fix; a single one usually does not.'::text
        END AS what_to_do
   FROM private.cron_job_failures() f
  ORDER BY f.start_time DESC;

COMMENT ON VIEW public.attention_cron_failures IS 'pg_cron runs that failed in the last 24 hours (cron.job_run_details, kept 7 days by prune-history), newest first, with what to do. Service role and Studio only.';

REVOKE ALL ON TABLE public.attention_cron_failures FROM anon;
REVOKE ALL ON TABLE public.attention_cron_failures FROM authenticated;
GRANT SELECT ON TABLE public.attention_cron_failures TO service_role;

CREATE VIEW public.attention_net_errors WITH (security_invoker=true) AS
 SELECT r.id AS request_id,
    r.created,
    r.status_code,
    r.timed_out,
    r.error_msg,
    "left"(r.content, 500) AS content,
        CASE
            WHEN r.timed_out THEN 'The function did not answer within the call''s timeout (it may still have finished its work): read the function''s logs; cron calls it again at its next run.'::text
            WHEN r.error_msg IS NOT NULL THEN 'pg_net could not reach the functions: check the Vault secret project_url (the project''s URL, no path) and that the functions are deployed (npm run deploy).'::text
            WHEN r.status_code = ANY (ARRAY[401, 403]) THEN 'The function refused the key: update the Vault secret service_role_key (npm run deploy, step vault; docs/deploy.md).'::text
            WHEN r.status_code = 404 THEN 'No such function: deploy the functions (npm run deploy).'::text
            WHEN r.status_code = 546 THEN 'The function hit a resource limit (CPU or memory): lower its batch (PUBLISH_MAX_POSTS, PUBLISH_BUDGET_MS, METRICS_BUDGET_MS); work left over is picked up by the next run.'::text
            WHEN r.status_code = 504 THEN 'The function ran past the wall-clock limit: lower its budget (PUBLISH_BUDGET_MS, METRICS_BUDGET_MS); work left over is picked up by the next run.'::text
            ELSE 'Read content (the function''s answer) and the function''s logs.'::text
        END AS what_to_do
   FROM net._http_response r
  WHERE r.created > (now() - '24:00:00'::interval) AND (r.timed_out IS TRUE OR r.error_msg IS NOT NULL OR r.status_code >= 400)
  ORDER BY r.created DESC;

COMMENT ON VIEW public.attention_net_errors IS 'Calls from the database to the edge functions (pg_net, net._http_response) in the last 24 hours that timed out, could not connect or got an HTTP error, newest first, with what to do. pg_net keeps no URL per response: content carries the function''s answer. Service role and Studio only.';

REVOKE ALL ON TABLE public.attention_net_errors FROM anon;
REVOKE ALL ON TABLE public.attention_net_errors FROM authenticated;
GRANT SELECT ON TABLE public.attention_net_errors TO service_role;
