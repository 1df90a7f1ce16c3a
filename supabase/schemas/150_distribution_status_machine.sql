-- The distribution status state machine, enforced for every writer (the publisher, the API, hand edits in
-- Studio). Inserts may start in any status (imports of history); updates may only follow these edges:
--   draft       -> scheduled | pending_approval
--   scheduled   -> publishing | cancelled | draft | pending_approval (content edited after an approval)
--   pending_approval -> scheduled (approved) | rejected | cancelled | draft
--   rejected    -> draft (reworked; scheduling it again asks for approval again)
--   publishing  -> published | failed | unconfirmed | scheduled (retry after a transient error or a rate
--                  limit) | publishing (a crashed worker's expired lease reclaimed)
--   failed      -> scheduled (retry) | cancelled
--   unconfirmed -> published | failed | scheduled (a person resolved it)
--   published, cancelled: final (their other columns, such as metrics, stay editable)

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.distribution_status_allowed(p_from text, p_to text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select p_from = p_to
      or (p_from, p_to) in (
        ('draft', 'scheduled'), ('draft', 'pending_approval'),
        ('scheduled', 'publishing'), ('scheduled', 'cancelled'), ('scheduled', 'draft'),
        ('scheduled', 'pending_approval'),
        ('pending_approval', 'scheduled'), ('pending_approval', 'rejected'), ('pending_approval', 'cancelled'),
        ('pending_approval', 'draft'),
        ('rejected', 'draft'),
        ('publishing', 'published'), ('publishing', 'failed'), ('publishing', 'unconfirmed'),
        ('publishing', 'scheduled'),
        ('failed', 'scheduled'), ('failed', 'cancelled'),
        ('unconfirmed', 'published'), ('unconfirmed', 'failed'), ('unconfirmed', 'scheduled')
      )
$$;

COMMENT ON FUNCTION private.distribution_status_allowed(p_from text, p_to text) IS 'The legal distribution status changes (supabase/schemas/150_distribution_status_machine.sql lists them).';

REVOKE ALL ON FUNCTION private.distribution_status_allowed(p_from text, p_to text) FROM PUBLIC;
GRANT ALL ON FUNCTION private.distribution_status_allowed(p_from text, p_to text) TO authenticated;
GRANT ALL ON FUNCTION private.distribution_status_allowed(p_from text, p_to text) TO service_role;

CREATE FUNCTION private.enforce_distribution_status() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  if new.status is distinct from old.status
     and not private.distribution_status_allowed(old.status::text, new.status::text) then
    raise exception 'illegal status change for distribution %: % -> %', old.id, old.status, new.status
      using errcode = 'check_violation',
            hint = 'Allowed: draft->scheduled|pending_approval; scheduled->publishing|cancelled|draft|pending_approval; '
                   'pending_approval->scheduled|rejected|cancelled|draft; rejected->draft; '
                   'publishing->published|failed|unconfirmed|scheduled; failed->scheduled|cancelled; '
                   'unconfirmed->published|failed|scheduled.';
  end if;
  return new;
end
$$;

REVOKE ALL ON FUNCTION private.enforce_distribution_status() FROM PUBLIC;

CREATE TRIGGER distributions_status_machine BEFORE UPDATE OF status ON public.distributions FOR EACH ROW WHEN (((old.status IS DISTINCT FROM new.status) AND (NOT private.distribution_status_allowed((old.status)::text, (new.status)::text)))) EXECUTE FUNCTION private.enforce_distribution_status();
