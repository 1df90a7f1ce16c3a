// Recording a conversion as the signed-in user (RLS decides what they may attribute): validated
// here, matched and written by public.record_conversion.
import { z } from "zod";
import { jsonb, type Tx } from "../db.ts";
import { HttpError } from "../http-error.ts";

const text = z.string().trim().min(1).max(500);

/** Metadata: a flat-ish object of at most 50 keys and 16 KiB as JSON. */
const MAX_METADATA_KEYS = 50;
const MAX_METADATA_BYTES = 16 * 1024;
const Metadata = z.record(z.string().min(1).max(200), z.unknown())
  .refine((m) => Object.keys(m).length <= MAX_METADATA_KEYS, {
    message: `at most ${MAX_METADATA_KEYS} keys`,
  })
  .refine((m) => new TextEncoder().encode(JSON.stringify(m)).length <= MAX_METADATA_BYTES, {
    message: `at most ${MAX_METADATA_BYTES} bytes as JSON`,
  });

export const ConversionRequest = z.object({
  client_id: z.uuid().optional(),
  distribution_id: z.uuid().optional(),
  utm_source: text.optional(),
  utm_medium: text.optional(),
  utm_campaign: text.optional(),
  utm_content: text.optional(),
  value: z.number().nonnegative().finite().optional(),
  currency: z.string().regex(/^[A-Za-z]{3}$/, "an ISO 4217 code").optional(),
  occurred_at: z.iso.datetime({ offset: true }).optional(),
  external_ref: text.optional(),
  metadata: Metadata.optional(),
}).strict().superRefine((c, ctx) => {
  const byUtm = c.utm_campaign !== undefined && c.utm_source !== undefined;
  if (!c.distribution_id && !byUtm && !c.utm_content) {
    ctx.addIssue({
      code: "custom",
      path: ["distribution_id"],
      message: "give distribution_id, utm_content, or utm_campaign with utm_source",
    });
  }
  if (c.utm_campaign !== undefined && c.utm_source === undefined) {
    ctx.addIssue({ code: "custom", path: ["utm_source"], message: "required with utm_campaign" });
  }
});
export type ConversionRequest = z.infer<typeof ConversionRequest>;

const Recorded = z.object({
  id: z.string(),
  client_id: z.string(),
  distribution_id: z.string().nullable(),
  matched_by: z.enum(["id", "utm_content", "utm"]).nullable(),
  duplicate: z.boolean(),
});

const MatchedDistribution = z.object({
  id: z.string(),
  platform_id: z.string(),
  platform_kind: z.string(),
  cross_post_group_id: z.string().nullable(),
  content_id: z.string().nullable(),
  title: z.string().nullable(),
  status: z.string(),
  published_at: z.date().nullable(),
  clicks: z.number().nullable(),
  conversions: z.number(),
});

/** Where a refusal of record_conversion reads differently from the shared mapping (httpErrorFromSql,
 * which `handle` applies to every other Postgres error). */
function statusOf(error: unknown): HttpError | undefined {
  const e = error as { code?: string; message?: string };
  if (typeof e?.code !== "string") return undefined;
  const message = e.message ?? "conversion refused";
  if (e.code === "42501") {
    return new HttpError(403, "not allowed to record conversions for this client");
  }
  if (e.code === "22023" && /no distribution matched/.test(message)) {
    return new HttpError(404, message);
  }
  if (e.code === "22023" || e.code === "22P02" || e.code === "22007") {
    return new HttpError(400, message);
  }
  return undefined;
}

/** An error of recording as its HTTP refusal where it is one, else the error itself. */
export function conversionError(error: unknown): unknown {
  return statusOf(error) ?? error;
}

/** Records the conversion in `tx`, a transaction already running as the user. */
export async function recordConversionIn(tx: Tx, request: ConversionRequest) {
  const [row] = await tx`select public.record_conversion(${jsonb(tx, request)}) as r`;
  const recorded = Recorded.parse(row.r);
  const [matched] = recorded.distribution_id
    ? await tx`
        select d.id, d.platform_id, p.kind as platform_kind, d.cross_post_group_id, d.content_id,
               d.title, d.status, d.published_at, d.clicks, d.conversions
        from public.distributions d join public.platforms p on p.id = d.platform_id
        where d.id = ${recorded.distribution_id}`
    : [];
  return {
    conversion: recorded,
    distribution: matched ? MatchedDistribution.parse(matched) : null,
  };
}
