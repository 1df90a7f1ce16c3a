-- After a reconnection, the rows that failed on the auth error itself can go again: the platform refused those
-- requests (a 401 is not applied), so nothing was posted. public.retry_failed_on_auth retries each of them as
-- public.retry_distribution does (now, or at the next time the platform's limits and calendar allow; a fresh
-- attempt budget). SECURITY INVOKER: row-level security decides which rows the caller may retry.

create function public.retry_failed_on_auth(p_platform_id uuid)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_id uuid;
  v_retried jsonb := '[]'::jsonb;
begin
  for v_id in
    select d.id from public.distributions d
    where d.platform_id = p_platform_id and d.status = 'failed'
      and (select a.outcome from public.distribution_attempts a
           where a.distribution_id = d.id order by a.finished_at desc limit 1) = 'auth'
    order by d.scheduled_for
  loop
    v_retried := v_retried || (public.retry_distribution(v_id) -> 'distribution');
  end loop;
  return v_retried;
end
$$;

comment on function public.retry_failed_on_auth(uuid) is
  'Retries the platform''s rows that failed on an auth error (after it was reconnected); returns them.';

revoke execute on function public.retry_failed_on_auth(uuid) from public, anon;
grant execute on function public.retry_failed_on_auth(uuid) to authenticated, service_role;
