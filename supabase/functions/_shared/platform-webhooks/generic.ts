// The generic signed JSON form for any other platform (or a relay in front of one):
//   POST body {"events": [WebhookEvent...]}, header X-Signature-256: sha256=<hex HMAC-SHA256 of the raw
//   body under the platform's webhook_secret>. Give every event an `event_id` (a replay of it adds
//   nothing) and an `occurred_at` (an event older than the window is refused); an event without an
//   id is identified by its content. Each event is validated on its own: a bad one is refused alone.
import { z } from "zod";
import { HttpError } from "../http-error.ts";
import { parseJsonBody } from "./body.ts";
import { type Parsed, WebhookEvent } from "./events.ts";
import type { WebhookSecrets } from "./secrets.ts";
import { requireHmacSha256 } from "./verify.ts";

const GenericPayload = z.object({ events: z.array(z.unknown()).max(1000) });

export function genericEvents(
  req: Request,
  raw: Uint8Array,
  secrets: WebhookSecrets,
): Parsed {
  requireHmacSha256(req.headers.get("x-signature-256"), raw, secrets.webhook_secret);
  const body = parseJsonBody(raw);
  const payload = GenericPayload.safeParse(body);
  if (!payload.success) {
    throw new HttpError(400, "invalid webhook events", [
      { field: "events", message: 'expected {"events": [...]} with at most 1000 events' },
    ]);
  }
  const parsed: Parsed = { candidates: [], refused: [], skipped: [] };
  payload.data.events.forEach((value, i) => {
    const event = WebhookEvent.safeParse(value);
    if (event.success) {
      parsed.candidates.push({ field: `events[${i}]`, event: event.data });
      return;
    }
    const issue = event.error.issues[0];
    const id = (value as { event_id?: unknown } | null)?.event_id;
    parsed.refused.push({
      field: [`events[${i}]`, ...issue.path.map(String)].join("."),
      ...(typeof id === "string" ? { event_id: id.slice(0, 255) } : {}),
      message: issue.message,
    });
  });
  return parsed;
}
