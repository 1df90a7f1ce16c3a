-- A worker still sending a row extends its claim, so an attempt that outlasts its lease (a large video upload)
-- is not taken for a dead worker's by another run, which would find nothing on the platform yet and send the
-- post a second time. A worker that dies stops extending, and its leases lapse as before.
create function private.extend_publish_leases(p_claims jsonb, p_lease_seconds integer)
returns setof uuid
language sql
volatile
security definer
set search_path = ''
as $$
  update public.distributions d
     set lease_expires_at = greatest(d.lease_expires_at, now() + make_interval(secs => p_lease_seconds))
    from jsonb_to_recordset(p_claims) as c(id uuid, attempt_id uuid)
   where d.id = c.id and d.attempt_id = c.attempt_id and d.status = 'publishing'
  returning d.id
$$;

comment on function private.extend_publish_leases(jsonb, integer) is
  'Extends the leases of rows a live worker is still publishing ([{id, attempt_id}]); returns the rows it still '
  'holds (a row reclaimed by another worker, or already recorded, is not touched).';

revoke execute on function private.extend_publish_leases(jsonb, integer) from public, anon, authenticated;
grant execute on function private.extend_publish_leases(jsonb, integer) to service_role;
