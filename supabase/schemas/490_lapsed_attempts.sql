-- Lapsed attempts: attempts whose lease ran out before an outcome was recorded.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.lapsed_attempt_counts(p_ids uuid[]) RETURNS TABLE(distribution_id uuid, lapses integer)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO ''
    AS $$
  select a.distribution_id, count(*)::integer
  from public.distribution_attempts a
  where a.distribution_id = any (p_ids) and a.error_message = 'the worker''s claim lapsed without an outcome'
  group by a.distribution_id
$$;

REVOKE ALL ON FUNCTION private.lapsed_attempt_counts(p_ids uuid[]) FROM PUBLIC;
GRANT ALL ON FUNCTION private.lapsed_attempt_counts(p_ids uuid[]) TO service_role;
