// What a verified callback does, whatever the platform: events applied in one SQL call.
import { z } from "zod";
import type { Sql } from "../db.ts";
import { pgJson } from "../text.ts";

const counts = z.record(z.string(), z.number().int().nonnegative());

export const WebhookEvent = z.object({
  event_type: z.string().min(1),
  external_id: z.string().min(1),
  occurred_at: z.string().optional(),
  status: z.literal("sent").optional(),
  metrics: counts.optional(),
  increments: counts.optional(),
  platform_metric_increments: counts.optional(),
  payload: z.record(z.string(), z.unknown()).optional(),
});
export type WebhookEvent = z.infer<typeof WebhookEvent>;

export const ApplyReply = z.object({
  applied: z.number(),
  unknown_post: z.number(),
  ignored: z.number(),
});
export type ApplyReply = z.infer<typeof ApplyReply>;

export async function applyEvents(
  sql: Sql,
  platformId: string,
  events: WebhookEvent[],
): Promise<ApplyReply> {
  if (events.length === 0) return { applied: 0, unknown_post: 0, ignored: 0 };
  const [row] = await sql`select private.apply_platform_webhook(${platformId}::uuid, ${
    sql.json(pgJson(events))
  }) as reply`;
  const reply = ApplyReply.parse(row.reply);
  if (reply.unknown_post > 0) {
    console.warn(
      `platform ${platformId}: ${reply.unknown_post} webhook event(s) for unknown posts`,
    );
  }
  return reply;
}
