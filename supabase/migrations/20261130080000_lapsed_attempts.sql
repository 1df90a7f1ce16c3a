-- How many times each row's worker stopped before recording an outcome: the claims that lapsed, which the claim
-- records as unknown attempts with the message below (private.claim_due_distributions). A row that keeps
-- stopping its workers (an upload longer than a function may run, a file that exhausts its memory) would
-- otherwise be reclaimed and sent again forever; the worker fails it after publish_config.max_lapses.
create function private.lapsed_attempt_counts(p_ids uuid[])
returns table (distribution_id uuid, lapses integer)
language sql
stable
security definer
set search_path = ''
as $$
  select a.distribution_id, count(*)::integer
  from public.distribution_attempts a
  where a.distribution_id = any (p_ids) and a.error_message = 'the worker''s claim lapsed without an outcome'
  group by a.distribution_id
$$;

revoke execute on function private.lapsed_attempt_counts(uuid[]) from public, anon, authenticated;
grant execute on function private.lapsed_attempt_counts(uuid[]) to service_role;
