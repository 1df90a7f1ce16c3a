-- Outbound webhook events about a platform: platform.reconnection_needed when it is flagged needs_reconnection
-- (a refused token renewal, a 401 while publishing or syncing metrics), so the client learns why.

-- Function bodies may name objects that later files create: they are checked when they run, and by
-- supabase db lint (npm test), not when they are created.
set check_function_bodies = false;

CREATE FUNCTION private.enqueue_platform_webhooks() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO ''
    AS $$
begin
  insert into public.webhook_deliveries (client_id, endpoint_id, event, payload)
  select new.client_id, e.id, 'platform.reconnection_needed',
         jsonb_build_object(
           'event', 'platform.reconnection_needed',
           'occurred_at', now(),
           'platform', jsonb_build_object('id', new.id, 'kind', new.kind, 'name', new.name,
                                          'needs_reconnection', new.needs_reconnection,
                                          'reconnection_reason', new.reconnection_reason))
  from public.webhook_endpoints e
  where e.client_id = new.client_id and e.is_active and 'platform.reconnection_needed' = any (e.events);
  if found then
    perform private.wake_webhook_delivery();
  end if;
  return null;
end
$$;

COMMENT ON FUNCTION private.enqueue_platform_webhooks() IS 'Queues platform.reconnection_needed for the client''s endpoints that list it when a platform becomes needs_reconnection (with reconnection_reason).';

REVOKE ALL ON FUNCTION private.enqueue_platform_webhooks() FROM PUBLIC;

CREATE TRIGGER platforms_reconnection_webhooks AFTER UPDATE OF needs_reconnection ON public.platforms FOR EACH ROW WHEN ((NOT old.needs_reconnection AND new.needs_reconnection)) EXECUTE FUNCTION private.enqueue_platform_webhooks();
