-- Webhook deliveries are bounded when they are claimed, not only when a result is recorded:
--   * A delivery's attempts are counted at claim time. One that has used its 8 attempts (the cap
--     record_webhook_deliveries applies to results) is not claimed again: if its worker died before
--     recording a result (its lease expired), it is marked failed with a message instead of being sent
--     a ninth time. A delivery that crashes its worker therefore cannot loop forever.
--   * Deliveries to an endpoint that is no longer active are not sent: they are marked failed, saying
--     so, when they come due.
-- Everything else is as before: due pending rows and expired leases, oldest first, skip-locked.

create or replace function private.claim_webhook_deliveries(p_limit integer, p_lease_seconds integer default 60)
returns table (id uuid, url text, secret text, event text, payload jsonb, attempts integer)
language sql
volatile
security definer
set search_path = ''
as $$
  with settings as (
    select 8 as max_attempts -- record_webhook_deliveries' p_max_attempts default
  ), given_up as (
    update public.webhook_deliveries d
       set status = 'failed', lease_expires_at = null,
           last_error = 'gave up after ' || d.attempts || ' attempts (the last one did not finish)'
      from settings s
     where d.attempts >= s.max_attempts
       and ((d.status = 'pending' and d.next_attempt_at <= now())
         or (d.status = 'delivering' and d.lease_expires_at <= now()))
    returning d.id
  ), inactive as (
    update public.webhook_deliveries d
       set status = 'failed', lease_expires_at = null,
           last_error = 'not sent: the endpoint is inactive'
      from public.webhook_endpoints e, settings s
     where e.id = d.endpoint_id and not e.is_active
       and d.attempts < s.max_attempts
       and ((d.status = 'pending' and d.next_attempt_at <= now())
         or (d.status = 'delivering' and d.lease_expires_at <= now()))
    returning d.id
  ), due as (
    select d.id from public.webhook_deliveries d
      join public.webhook_endpoints e on e.id = d.endpoint_id and e.is_active
      cross join settings s
    where ((d.status = 'pending' and d.next_attempt_at <= now())
        or (d.status = 'delivering' and d.lease_expires_at <= now()))
      and d.attempts < s.max_attempts
    order by d.next_attempt_at
    limit p_limit
    for update of d skip locked
  ), claimed as (
    update public.webhook_deliveries d
       set status = 'delivering', attempts = d.attempts + 1,
           lease_expires_at = now() + make_interval(secs => p_lease_seconds)
      from due where d.id = due.id
    returning d.id, d.endpoint_id, d.event, d.payload, d.attempts
  )
  select c.id, e.url, e.secret, c.event, c.payload, c.attempts
  from claimed c join public.webhook_endpoints e on e.id = c.endpoint_id
$$;

revoke execute on function private.claim_webhook_deliveries(integer, integer) from public, anon, authenticated;
grant execute on function private.claim_webhook_deliveries(integer, integer) to service_role;
