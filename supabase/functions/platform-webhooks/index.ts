// Platform callbacks at /functions/v1/platform-webhooks/<platform_id>[/<token>] (verify_jwt = false:
// platforms call it). Instagram: Meta's handshake and X-Hub-Signature-256; email: Mailchimp's
// form posts with a URL token; any other kind: signed JSON. Secrets come from the platform's Vault
// credentials. A body over 256 KiB is a 413 before its signature is checked. Verified events are
// screened one by one (shape, text, a 5-minute window on signed timestamps) and applied through
// private.apply_platform_webhook, which records each event id once: a replay adds nothing. The
// reply lists every event's outcome; it is 200 unless every event was refused (422).
import { db } from "../_shared/db.ts";
import { handle, json } from "../_shared/endpoint.ts";
import { HttpError } from "../_shared/http-error.ts";
import { readCappedBody } from "../_shared/platform-webhooks/body.ts";
import {
  applyEvents,
  type Parsed,
  replyStatus,
  screen,
} from "../_shared/platform-webhooks/events.ts";
import { genericEvents } from "../_shared/platform-webhooks/generic.ts";
import { mailchimpEvents, requireMailchimpToken } from "../_shared/platform-webhooks/mailchimp.ts";
import { metaEvents, metaHandshake } from "../_shared/platform-webhooks/meta.ts";
import { webhookPlatform } from "../_shared/platform-webhooks/secrets.ts";

async function answer(platformId: string, parsed: Parsed): Promise<Response> {
  const reply = await applyEvents(db(), platformId, screen(parsed, new Date()));
  const status = replyStatus(reply);
  return json(status, status === 200 ? reply : { error: "every event was refused", ...reply });
}

Deno.serve(handle(async (req) => {
  const url = new URL(req.url);
  const [, , platformId, pathToken] = url.pathname.split("/");
  if (!platformId) throw new HttpError(404, "expected /platform-webhooks/<platform_id>");
  const platform = await webhookPlatform(db(), platformId);

  if (platform.kind === "email") {
    requireMailchimpToken(pathToken, url, platform.secrets);
    if (req.method === "GET" || req.method === "HEAD") return json(200, { ok: true });
    if (req.method !== "POST") throw new HttpError(405, "use POST");
    const raw = await readCappedBody(req);
    const form = new URLSearchParams(new TextDecoder().decode(raw));
    return await answer(platform.id, mailchimpEvents(form));
  }
  if (platform.kind === "instagram" && req.method === "GET") {
    return metaHandshake(url, platform.secrets);
  }
  if (req.method !== "POST") throw new HttpError(405, "use POST");
  const raw = await readCappedBody(req);
  const parsed = platform.kind === "instagram"
    ? metaEvents(req, raw, platform.secrets)
    : genericEvents(req, raw, platform.secrets);
  return await answer(platform.id, parsed);
}));
