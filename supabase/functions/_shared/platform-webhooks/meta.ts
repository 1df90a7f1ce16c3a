// Meta (Instagram Graph) webhooks: the GET subscription handshake, and signed POSTs
// (X-Hub-Signature-256) whose changes name our media ids.
import { z } from "zod";
import { HttpError } from "../http.ts";
import type { WebhookEvent } from "./events.ts";
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
    changes: z.array(Change).default([]),
  })),
});

const Comment = z.object({ id: z.string(), media: z.object({ id: z.string() }) });
const StoryInsights = z.object({
  media_id: z.string(),
  impressions: z.number().optional(),
  reach: z.number().optional(),
  replies: z.number().optional(),
}).loose();

/** comments: one more comment on the media; story_insights: the story's final counts. */
function eventOf(field: string, value: unknown, at: string | undefined): WebhookEvent | undefined {
  if (field === "comments" || field === "live_comments") {
    const c = Comment.safeParse(value);
    if (!c.success) return undefined;
    return {
      event_type: `instagram.${field}`,
      external_id: c.data.media.id,
      occurred_at: at,
      increments: { comments: 1 },
      payload: { comment_id: c.data.id },
    };
  }
  if (field === "story_insights") {
    const s = StoryInsights.safeParse(value);
    if (!s.success) return undefined;
    const { media_id, impressions, reach, replies, ...rest } = s.data;
    const platform_metrics = Object.fromEntries(
      Object.entries(rest).filter(([, v]) => typeof v === "number"),
    );
    return {
      event_type: "instagram.story_insights",
      external_id: media_id,
      occurred_at: at,
      metrics: {
        ...(impressions === undefined ? {} : { impressions }),
        ...(reach === undefined ? {} : { reach }),
        ...(replies === undefined ? {} : { comments: replies }),
      },
      payload: { platform_metrics },
    };
  }
  return undefined;
}

export function metaEvents(req: Request, raw: Uint8Array, secrets: WebhookSecrets): WebhookEvent[] {
  requireHmacSha256(req.headers.get("x-hub-signature-256"), raw, secrets.app_secret);
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw new HttpError(400, "body is not JSON");
  }
  const payload = MetaPayload.safeParse(body);
  if (!payload.success) throw new HttpError(400, "not a Meta webhook payload");
  return payload.data.entry.flatMap((entry) => {
    const at = entry.time === undefined ? undefined : new Date(entry.time * 1000).toISOString();
    return entry.changes
      .map((c) => eventOf(c.field, c.value, at))
      .filter((e): e is WebhookEvent => e !== undefined);
  });
}
