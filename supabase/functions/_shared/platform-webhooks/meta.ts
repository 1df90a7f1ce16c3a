// Meta (Instagram Graph) webhooks: the GET subscription handshake, and signed POSTs
// (X-Hub-Signature-256) whose changes name our media ids. Each change is one event: a malformed one
// is refused alone, a field we do not handle is skipped; an entry's `time` is its signed timestamp.
import { z } from "zod";
import { HttpError } from "../http-error.ts";
import { parseJsonBody } from "./body.ts";
import type { Parsed, WebhookEvent } from "./events.ts";
import type { WebhookSecrets } from "./secrets.ts";
import { requireHmacSha256, tokensEqual } from "./verify.ts";

/** hub.mode=subscribe with our verify token: answer hub.challenge as plain text. */
export function metaHandshake(url: URL, secrets: WebhookSecrets): Response {
  const mode = url.searchParams.get("hub.mode");
  const challenge = url.searchParams.get("hub.challenge");
  const token = url.searchParams.get("hub.verify_token");
  if (mode !== "subscribe" || challenge === null) {
    throw new HttpError(400, "expected hub.mode=subscribe with hub.challenge");
  }
  if (!secrets.webhook_verify_token || !tokensEqual(token, secrets.webhook_verify_token)) {
    throw new HttpError(403, "verify token does not match");
  }
  return new Response(challenge, { status: 200, headers: { "content-type": "text/plain" } });
}

const Change = z.object({ field: z.string(), value: z.record(z.string(), z.unknown()) });
const MetaPayload = z.object({
  object: z.string(),
  entry: z.array(z.object({
    id: z.string().optional(),
    time: z.number().optional(),
    changes: z.array(z.unknown()).max(1000).default([]),
  })).max(1000),
});

const Comment = z.object({ id: z.string(), media: z.object({ id: z.string() }) });
const StoryInsights = z.object({
  media_id: z.string(),
  impressions: z.number().optional(),
  reach: z.number().optional(),
  replies: z.number().optional(),
}).loose();

type Change = { event: WebhookEvent } | { refused: string } | { skipped: string };

/** comments: one more comment on the media; story_insights: the story's final counts. */
function eventOf(field: string, value: unknown, at: string | undefined): Change {
  if (field === "comments" || field === "live_comments") {
    const c = Comment.safeParse(value);
    if (!c.success) return { refused: `not a ${field} change: needs id and media.id` };
    return {
      event: {
        event_id: `instagram.${field}:${c.data.id}`,
        event_type: `instagram.${field}`,
        external_id: c.data.media.id,
        occurred_at: at,
        increments: { comments: 1 },
        payload: { comment_id: c.data.id },
      },
    };
  }
  if (field === "story_insights") {
    const s = StoryInsights.safeParse(value);
    if (!s.success) return { refused: "not a story_insights change: needs media_id" };
    const { media_id, impressions, reach, replies, ...rest } = s.data;
    const platform_metrics = Object.fromEntries(
      Object.entries(rest).filter(([, v]) => typeof v === "number"),
    );
    return {
      event: {
        event_type: "instagram.story_insights",
        external_id: media_id,
        occurred_at: at,
        metrics: {
          ...(impressions === undefined ? {} : { impressions }),
          ...(reach === undefined ? {} : { reach }),
          ...(replies === undefined ? {} : { comments: replies }),
        },
        payload: { platform_metrics },
      },
    };
  }
  return { skipped: `field ${field} is not handled` };
}

export function metaEvents(req: Request, raw: Uint8Array, secrets: WebhookSecrets): Parsed {
  requireHmacSha256(req.headers.get("x-hub-signature-256"), raw, secrets.app_secret);
  const body = parseJsonBody(raw);
  const payload = MetaPayload.safeParse(body);
  if (!payload.success) {
    throw new HttpError(400, "not a Meta webhook payload", [
      { field: "entry", message: "expected {object, entry: [{time, changes: [...]}]}" },
    ]);
  }
  const parsed: Parsed = { candidates: [], refused: [], skipped: [] };
  payload.data.entry.forEach((entry, e) => {
    const badTime = entry.time !== undefined &&
      !(Number.isInteger(entry.time) && entry.time >= 0 && entry.time < 1e11);
    const at = entry.time === undefined || badTime
      ? undefined
      : new Date(entry.time * 1000).toISOString();
    entry.changes.forEach((value, i) => {
      const field = `entry[${e}].changes[${i}]`;
      const c = Change.safeParse(value);
      if (badTime) {
        parsed.refused.push({ field: `entry[${e}].time`, message: "not a unix time in seconds" });
        return;
      }
      if (!c.success) {
        parsed.refused.push({ field, message: "a change needs field and value" });
        return;
      }
      const change = eventOf(c.data.field, c.data.value, at);
      if ("event" in change) parsed.candidates.push({ field, event: change.event });
      else if ("refused" in change) parsed.refused.push({ field, message: change.refused });
      else parsed.skipped.push({ field, message: change.skipped });
    });
  });
  return parsed;
}
