-- The distribution status state machine, enforced for every writer (the publisher, the API, hand edits in
-- Studio). Inserts may start in any status (imports of history); updates may only follow these edges:
--   draft       -> scheduled
--   scheduled   -> publishing | cancelled | draft
--   publishing  -> published | failed | unconfirmed | scheduled (retry after a transient error or a rate
--                  limit) | publishing (a crashed worker's expired lease reclaimed)
--   failed      -> scheduled (retry) | cancelled
--   unconfirmed -> published | failed | scheduled (a person resolved it)
--   published, cancelled: final (their other columns, such as metrics, stay editable)

create or replace function private.distribution_status_allowed(p_from text, p_to text)
returns boolean
language sql
immutable
parallel safe
set search_path = ''
as $$
  select p_from = p_to
      or (p_from, p_to) in (
        ('draft', 'scheduled'),
        ('scheduled', 'publishing'), ('scheduled', 'cancelled'), ('scheduled', 'draft'),
        ('publishing', 'published'), ('publishing', 'failed'), ('publishing', 'unconfirmed'),
        ('publishing', 'scheduled'),
        ('failed', 'scheduled'), ('failed', 'cancelled'),
        ('unconfirmed', 'published'), ('unconfirmed', 'failed'), ('unconfirmed', 'scheduled')
      )
$$;

comment on function private.distribution_status_allowed(text, text) is
  'The legal distribution status changes (see the migration header).';

-- SECURITY DEFINER: the writer (authenticated through the API) has no usage on schema private.
create or replace function private.enforce_distribution_status()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.status is distinct from old.status
     and not private.distribution_status_allowed(old.status, new.status) then
    raise exception 'illegal status change for distribution %: % -> %', old.id, old.status, new.status
      using errcode = 'check_violation',
            hint = 'Allowed: draft->scheduled; scheduled->publishing|cancelled|draft; '
                   'publishing->published|failed|unconfirmed|scheduled; failed->scheduled|cancelled; '
                   'unconfirmed->published|failed|scheduled.';
  end if;
  return new;
end
$$;

revoke execute on function private.distribution_status_allowed(text, text) from public, anon;
revoke execute on function private.enforce_distribution_status() from public, anon;
grant execute on function private.distribution_status_allowed(text, text) to authenticated, service_role;

-- The WHEN clause (an inlined immutable expression) keeps legal changes, thousands a second from the publisher,
-- from calling the trigger function at all; it only runs to raise.
create trigger distributions_status_machine
  before update of status on public.distributions
  for each row
  when (old.status is distinct from new.status
        and not private.distribution_status_allowed(old.status, new.status))
  execute function private.enforce_distribution_status();
