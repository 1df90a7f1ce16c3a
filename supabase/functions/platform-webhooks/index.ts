// Platform callbacks at /functions/v1/platform-webhooks/<platform_id>[/<token>] (verify_jwt = false:
// platforms call it). Instagram: Meta's handshake and X-Hub-Signature-256; email: Mailchimp's
// form posts with a URL token; any other kind: signed JSON. Secrets come from the platform's Vault
// credentials. Verified events update distributions through private.apply_platform_webhook; an
// event for an unknown post is logged and acknowledged with 200.
import { db } from "../_shared/db.ts";
import { handle, HttpError, json } from "../_shared/http.ts";
import { applyEvents } from "../_shared/platform-webhooks/events.ts";
import { genericEvents } from "../_shared/platform-webhooks/generic.ts";
import { mailchimpEvents, requireMailchimpToken } from "../_shared/platform-webhooks/mailchimp.ts";
import { metaEvents, metaHandshake } from "../_shared/platform-webhooks/meta.ts";
import { webhookPlatform } from "../_shared/platform-webhooks/secrets.ts";

Deno.serve(handle(async (req) => {
  const url = new URL(req.url);
  const [, , platformId, pathToken] = url.pathname.split("/");
  if (!platformId) throw new HttpError(404, "expected /platform-webhooks/<platform_id>");
  const platform = await webhookPlatform(db(), platformId);

  if (platform.kind === "email") {
    requireMailchimpToken(pathToken, url, platform.secrets);
    if (req.method === "GET" || req.method === "HEAD") return json(200, { ok: true });
    if (req.method !== "POST") throw new HttpError(405, "use POST");
    const form = new URLSearchParams(await req.text());
    return json(200, await applyEvents(db(), platform.id, mailchimpEvents(form)));
  }
  if (platform.kind === "instagram" && req.method === "GET") {
    return metaHandshake(url, platform.secrets);
  }
  if (req.method !== "POST") throw new HttpError(405, "use POST");
  const raw = new Uint8Array(await req.arrayBuffer());
  const events = platform.kind === "instagram"
    ? metaEvents(req, raw, platform.secrets)
    : genericEvents(req, raw, platform.secrets);
  return json(200, await applyEvents(db(), platform.id, events));
}));
