-- What waits on a person, as views an admin opens in Studio (or a member reads through the API): posts whose
-- outcome is unknown, platforms that need new credentials, content whose distribution request failed, and
-- outbound webhooks that keep failing. Each row says what to do (what_to_do). All are security_invoker, so the
-- tables' row-level security applies: a member sees only their own clients' rows, the service role and Studio
-- (postgres) see every client's.

CREATE VIEW public.attention_unconfirmed WITH (security_invoker=true) AS
 SELECT d.id AS distribution_id,
    d.client_id,
    p.name AS platform,
    p.kind AS platform_kind,
    d.title,
    d.scheduled_for,
    d.updated_at AS since,
    d.error_message AS explanation,
    d.external_id,
    'Look on ' || p.name || ' for this post (title, scheduled_for). Posted: set status = ''published'' with published_at (and external_id, external_url). Not posted: set status = ''scheduled'' to send it again, or ''failed''.'::text AS what_to_do
   FROM distributions d
     JOIN platforms p ON p.id = d.platform_id
  WHERE d.status = 'unconfirmed'
  ORDER BY d.updated_at;

COMMENT ON VIEW public.attention_unconfirmed IS 'Posts whose last attempt has an unknown outcome (status unconfirmed): nothing sends them again until a person says whether they went out. explanation is the publisher''s message.';

GRANT SELECT ON TABLE public.attention_unconfirmed TO authenticated;
GRANT SELECT ON TABLE public.attention_unconfirmed TO service_role;

CREATE VIEW public.attention_platforms_to_reconnect WITH (security_invoker=true) AS
 SELECT p.id AS platform_id,
    p.client_id,
    p.name AS platform,
    p.kind AS platform_kind,
    p.reconnection_reason,
    p.updated_at AS since,
    ( SELECT count(*) AS count
           FROM distributions d
          WHERE d.platform_id = p.id AND d.status = 'scheduled') AS waiting,
    ( SELECT count(*) AS count
           FROM scheduling.failed_on_auth(p.id) f(f)) AS failed_on_auth,
    'An owner of the client sends new credentials: POST /functions/v1/platforms/' || p.id || '/reconnect {"credentials": {...}, "retry_failed": true} (or an admin runs select public.reconnect_platform(''' || p.id || ''', credentials)); waiting posts then go out, and retry_failed sends the ones refused on the auth error again.'::text AS what_to_do
   FROM platforms p
  WHERE p.needs_reconnection
  ORDER BY p.updated_at;

COMMENT ON VIEW public.attention_platforms_to_reconnect IS 'Platforms that refused our credentials (needs_reconnection) and why; waiting counts the posts held until it is reconnected, failed_on_auth the failed posts a retry can still send.';

GRANT SELECT ON TABLE public.attention_platforms_to_reconnect TO authenticated;
GRANT SELECT ON TABLE public.attention_platforms_to_reconnect TO service_role;

CREATE VIEW public.attention_failed_requests WITH (security_invoker=true) AS
 SELECT r.id AS request_id,
    r.client_id,
    r.content_id,
    g.title,
    r.attempts,
    r.error,
    r.result,
    r.updated_at AS failed_at,
    'Read error (and result for each platform), fix the content or its target platforms, then set the content''s status back to ''ready_for_distribution'': update generated_content set status = ''ready_for_distribution'' where id = ''' || r.content_id || ''' queues a new request.'::text AS what_to_do
   FROM distribution_requests r
     JOIN generated_content g ON g.id = r.content_id
  WHERE r.status = 'failed'
    AND NOT EXISTS ( SELECT 1
           FROM distribution_requests n
          WHERE n.content_id = r.content_id AND n.id <> r.id AND (n.requested_at > r.requested_at OR n.requested_at = r.requested_at AND n.status <> 'failed'))
  ORDER BY r.updated_at DESC;

COMMENT ON VIEW public.attention_failed_requests IS 'Generated content whose distribution request failed (given up after 5 claims, or refused as a whole) and that has no newer request: it was not scheduled anywhere.';

GRANT SELECT ON TABLE public.attention_failed_requests TO authenticated;
GRANT SELECT ON TABLE public.attention_failed_requests TO service_role;

CREATE VIEW public.attention_failing_webhooks WITH (security_invoker=true) AS
 SELECT w.id AS delivery_id,
    w.client_id,
    w.endpoint_id,
    e.url,
    e.is_active AS endpoint_active,
    w.event,
    w.distribution_id,
    w.status,
    w.attempts,
    w.last_status_code,
    w.last_error,
    CASE WHEN w.status = 'failed' THEN NULL::timestamp with time zone ELSE w.next_attempt_at END AS next_attempt_at,
    w.updated_at,
        CASE
            WHEN w.status <> 'failed' THEN 'Retried automatically at next_attempt_at (8 attempts in all): if the endpoint keeps failing, ask its owner to fix the server (last_status_code, last_error).'::text
            WHEN e.is_active IS FALSE THEN 'The endpoint is inactive, so nothing was sent: reactivate it (webhook_endpoints.is_active) if its owner still wants these events, then re-queue as below. Re-queue (service role): update webhook_deliveries set status = ''pending'', attempts = 0, next_attempt_at = now() where id = ''' || w.id || '''.'::text
            ELSE 'Given up: fix the endpoint (last_status_code, last_error), then re-queue (service role): update webhook_deliveries set status = ''pending'', attempts = 0, next_attempt_at = now() where id = ''' || w.id || '''.'::text
        END AS what_to_do
   FROM webhook_deliveries w
     LEFT JOIN webhook_endpoints e ON e.id = w.endpoint_id
  WHERE w.status = 'failed' OR (w.status IN ('pending', 'delivering')) AND w.attempts > 0 AND (w.last_error IS NOT NULL OR w.last_status_code IS NOT NULL)
  ORDER BY w.updated_at DESC;

COMMENT ON VIEW public.attention_failing_webhooks IS 'Outbound webhook deliveries that failed for good (status failed) or whose last attempt failed and that wait for a retry. url and endpoint_active show for owners and editors (who may read webhook_endpoints).';

GRANT SELECT ON TABLE public.attention_failing_webhooks TO authenticated;
GRANT SELECT ON TABLE public.attention_failing_webhooks TO service_role;
