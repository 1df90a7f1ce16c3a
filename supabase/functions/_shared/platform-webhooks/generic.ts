// The generic signed JSON form for any other platform (or a relay in front of one):
//   POST body {"events": [WebhookEvent...]}, header X-Signature-256: sha256=<hex HMAC-SHA256 of the raw
//   body under the platform's webhook_secret>.
import { z } from "zod";
import { fieldErrors, HttpError } from "../http.ts";
import { WebhookEvent } from "./events.ts";
import type { WebhookSecrets } from "./secrets.ts";
import { requireHmacSha256 } from "./verify.ts";

const GenericPayload = z.object({ events: z.array(WebhookEvent).max(1000) });

export function genericEvents(
  req: Request,
  raw: Uint8Array,
  secrets: WebhookSecrets,
): WebhookEvent[] {
  requireHmacSha256(req.headers.get("x-signature-256"), raw, secrets.webhook_secret);
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw new HttpError(400, "body is not JSON");
  }
  const parsed = GenericPayload.safeParse(body);
  if (!parsed.success) {
    throw new HttpError(400, "invalid webhook events", fieldErrors(parsed.error));
  }
  return parsed.data.events;
}
