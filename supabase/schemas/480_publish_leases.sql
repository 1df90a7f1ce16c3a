-- Publish leases: the publisher extends the leases of the distributions it is still sending.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.extend_publish_leases(p_claims jsonb, p_lease_seconds integer) RETURNS SETOF uuid
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO ''
    AS $$
  update public.distributions d
     set lease_expires_at = greatest(d.lease_expires_at, now() + make_interval(secs => p_lease_seconds))
    from jsonb_to_recordset(p_claims) as c(id uuid, attempt_id uuid)
   where d.id = c.id and d.attempt_id = c.attempt_id and d.status = 'publishing'
  returning d.id
$$;

COMMENT ON FUNCTION private.extend_publish_leases(p_claims jsonb, p_lease_seconds integer) IS 'Extends the leases of rows a live worker is still publishing ([{id, attempt_id}]); returns the rows it still holds (a row reclaimed by another worker, or already recorded, is not touched).';

REVOKE ALL ON FUNCTION private.extend_publish_leases(p_claims jsonb, p_lease_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION private.extend_publish_leases(p_claims jsonb, p_lease_seconds integer) TO service_role;
