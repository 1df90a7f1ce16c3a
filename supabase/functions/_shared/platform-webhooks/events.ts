// What a verified callback does, whatever the platform: each event is screened on its own (shape,
// text, age), the accepted ones are applied in one SQL call that skips event ids already received,
// and the reply lists every event's outcome, so one bad event is refused alone.
import { z } from "zod";
import { jsonb, type Sql } from "../db.ts";

const counts = z.record(z.string().max(100), z.number().int().nonnegative());

export const WebhookEvent = z.object({
  /** The sender's id of the event: a replay with the same id is received once. */
  event_id: z.string().min(1).max(255).optional(),
  event_type: z.string().min(1).max(200),
  external_id: z.string().min(1).max(500),
  occurred_at: z.iso.datetime({ offset: true }).optional(),
  status: z.literal("sent").optional(),
  metrics: counts.optional(),
  increments: counts.optional(),
  platform_metric_increments: counts.optional(),
  payload: z.record(z.string(), z.unknown()).optional(),
});
export type WebhookEvent = z.infer<typeof WebhookEvent>;

/** An event a parser accepted, with where it was in the delivery (`events[2]`, `entry[0].changes[1]`). */
export interface Candidate {
  field: string;
  event: WebhookEvent;
}

/** An event refused alone, naming the field that made it bad. */
export interface Refusal {
  field: string;
  event_id?: string;
  message: string;
}

/** A delivery split into events to apply, events refused, and parts we do not handle. */
export interface Parsed {
  candidates: Candidate[];
  refused: Refusal[];
  skipped: { field: string; message: string }[];
}

export const Outcome = z.enum(["applied", "unknown_post", "ignored", "duplicate"]);

const SqlReply = z.object({
  events: z.array(z.object({
    event_id: z.string(),
    outcome: Outcome,
    detail: z.string().nullable().optional(),
  })),
});

export interface EventReport {
  field: string;
  event_id?: string;
  outcome: z.infer<typeof Outcome> | "refused" | "skipped";
  detail?: string;
}

export interface WebhookReply {
  applied: number;
  unknown_post: number;
  ignored: number;
  duplicate: number;
  refused: number;
  skipped: number;
  events: EventReport[];
}

/** How old (or how far ahead) a signed event time may be: PLATFORM_WEBHOOK_MAX_AGE_SECONDS, 300. */
export function maxAgeSeconds(): number {
  const raw = Number(Deno.env.get("PLATFORM_WEBHOOK_MAX_AGE_SECONDS") ?? "300");
  return Number.isFinite(raw) && raw >= 1 ? Math.min(raw, 7 * 86_400) : 300;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when a string anywhere in `value` (keys too) holds NUL or a lone UTF-16 surrogate. */
export function hasUnsafeText(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000") || LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(hasUnsafeText);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).some(([k, v]) => hasUnsafeText(k) || hasUnsafeText(v));
  }
  return false;
}

/**
 * Refuses, one by one, events whose text Postgres cannot store and events whose signed time is
 * outside the window (older than `maxAge` seconds, or as far in the future): a replayed old body
 * adds nothing even after its event ids were pruned.
 */
export function screen(parsed: Parsed, now: Date, maxAge = maxAgeSeconds()): Parsed {
  const candidates: Candidate[] = [];
  const refused = [...parsed.refused];
  for (const c of parsed.candidates) {
    if (hasUnsafeText(c.event)) {
      refused.push({
        field: c.field,
        event_id: c.event.event_id,
        message: "contains NUL or an unpaired surrogate",
      });
      continue;
    }
    if (c.event.occurred_at !== undefined) {
      const age = (now.getTime() - Date.parse(c.event.occurred_at)) / 1000;
      if (Math.abs(age) > maxAge) {
        refused.push({
          field: `${c.field}.occurred_at`,
          event_id: c.event.event_id,
          message: age > 0
            ? `older than ${maxAge} seconds: a replay or a late delivery is refused`
            : `more than ${maxAge} seconds in the future`,
        });
        continue;
      }
    }
    candidates.push(c);
  }
  return { candidates, refused, skipped: parsed.skipped };
}

/** Postgres' deadlock and serialization failures: the batch rolled back whole and may run again. */
const RETRYABLE = new Set(["40P01", "40001"]);

/**
 * One call of private.apply_platform_webhook; a batch that lost a deadlock against another delivery
 * touching the same posts rolled back whole, so it runs again (event ids keep it exactly once).
 */
async function applyOnce(
  sql: Sql,
  platformId: string,
  events: unknown[],
): Promise<unknown> {
  const param = jsonb(sql, events);
  for (let attempt = 1;; attempt++) {
    try {
      const [row] =
        await sql`select private.apply_platform_webhook(${platformId}::uuid, ${param}) as reply`;
      return row.reply;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= 3 || typeof code !== "string" || !RETRYABLE.has(code)) throw error;
    }
  }
}

/** Applies the accepted events (ids already received count as duplicate) and reports each. */
export async function applyEvents(
  sql: Sql,
  platformId: string,
  parsed: Parsed,
): Promise<WebhookReply> {
  const reports: EventReport[] = [];
  if (parsed.candidates.length > 0) {
    const events = parsed.candidates.map((c) => c.event);
    const reply = SqlReply.parse(await applyOnce(sql, platformId, events));
    reply.events.forEach((e, i) => {
      reports.push({
        field: parsed.candidates[i].field,
        event_id: e.event_id,
        outcome: e.outcome,
        ...(e.detail ? { detail: e.detail } : {}),
      });
    });
  }
  for (const r of parsed.refused) {
    reports.push({
      field: r.field,
      ...(r.event_id ? { event_id: r.event_id } : {}),
      outcome: "refused",
      detail: r.message,
    });
  }
  for (const s of parsed.skipped) {
    reports.push({ field: s.field, outcome: "skipped", detail: s.message });
  }
  const count = (o: EventReport["outcome"]) => reports.filter((r) => r.outcome === o).length;
  const result: WebhookReply = {
    applied: count("applied"),
    unknown_post: count("unknown_post"),
    ignored: count("ignored"),
    duplicate: count("duplicate"),
    refused: count("refused"),
    skipped: count("skipped"),
    events: reports,
  };
  if (result.unknown_post > 0 || result.refused > 0) {
    console.warn(
      `platform ${platformId}: ${result.unknown_post} webhook event(s) for unknown posts, ` +
        `${result.refused} refused`,
    );
  }
  return result;
}

/** 200 when any event was taken (or there was none to take); 422 when every event was refused. */
export function replyStatus(reply: WebhookReply): number {
  return reply.refused > 0 && reply.refused === reply.events.length - reply.skipped ? 422 : 200;
}
