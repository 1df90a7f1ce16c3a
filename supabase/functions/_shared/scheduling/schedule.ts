/**
 * scheduleContent: the one code path from a schedule request to distributions, used by the HTTP
 * API (as the user, under RLS) and by the request processor (as the service role). This half
 * validates (zod, request.ts) and resolves everything once: the client, the content, the platforms
 * (visible, the client's, active), the vertical, each item's time zone, the cross-post group's id
 * and each distribution's id (so links carry them as utm_campaign and utm_content, see utm.ts and
 * public.record_conversion). Then per platform: adapt + the adapter's validate() ->
 * scheduling.schedule_content (slot choice and writes only, one savepoint per platform group) -> a
 * per-platform outcome. A platform that fails writes nothing, not even the A/B variants that found a
 * slot; when no platform succeeds the whole request is rolled back (not even a cross-post group).
 */
import type { Tx } from "../db.ts";
import { HttpError } from "../http-error.ts";
import {
  adaptContent,
  type AdaptOptions,
  type CategoryResolver,
  type SourceContent,
  type Validator,
} from "./adapt.ts";
import {
  callScheduleContent,
  type FieldError,
  type ScheduledDistribution,
  type ScheduleItem,
  type Timing,
} from "./contract.ts";
import type { ScheduleRequest } from "./request.ts";
import { mappingSqlErrors } from "../sql-errors.ts";
import { uuidV7 } from "../uuid.ts";
import {
  clientTimezone,
  type GeneratedContentRow,
  loadContent,
  loadPlatforms,
  type SchedulingPlatform,
  sourceOf,
} from "./rows.ts";

export const FALLBACK_TIMEZONE = "America/New_York";

export interface SchedulingDeps {
  /** The platform adapter's validate(), credential-free. */
  validatorFor(platform: SchedulingPlatform): Validator | undefined;
  categories?: CategoryResolver;
}

export type PlatformOutcome =
  | { platform_id: string; ok: true; distributions: ScheduledDistribution[]; warnings?: string[] }
  | { platform_id: string; ok: false; errors: FieldError[] };

export interface ScheduleOutcome {
  /** 201 every platform succeeded, 207 some did, 400 none did (409 when every one's slots were full). */
  status: 201 | 207 | 400 | 409;
  client_id: string | null;
  content_id: string | null;
  cross_post_group_id: string | null;
  results: PlatformOutcome[];
}

/** The content and the client it belongs to, or the request's field errors. */
interface ResolvedContent {
  row?: GeneratedContentRow;
  source: SourceContent;
  contentType: string;
}

function resolveInline(request: ScheduleRequest): ResolvedContent | undefined {
  const c = request.content;
  if ("content_id" in c) return undefined;
  return {
    source: {
      title: c.title ?? null,
      body: c.body,
      mediaUrls: c.media_urls,
      linkUrl: c.link_url ?? null,
      keywords: c.keywords,
      topics: c.topics,
    },
    contentType: c.content_type,
  };
}

async function resolveContent(tx: Tx, request: ScheduleRequest): Promise<ResolvedContent> {
  const inline = resolveInline(request);
  if (inline) return inline;
  const id = (request.content as { content_id: string }).content_id;
  const row = await loadContent(tx, id);
  if (!row || (request.client_id && row.client_id !== request.client_id)) {
    throw new HttpError(400, "The request has invalid fields", [
      { field: "content.content_id", message: "not found" },
    ]);
  }
  return { row, source: sourceOf(row), contentType: row.content_type };
}

/** One item per variant (A/B) or the single item, each adapted and validated. */
interface PreparedPlatform {
  platform_id: string;
  items: ScheduleItem[];
  /** Per item, what its errors' fields are prefixed with ("variants.1." for an A/B variant). */
  prefixes: string[];
  errors: FieldError[];
  warnings: string[];
}

function variantsOf(request: ScheduleRequest, source: SourceContent) {
  if (!request.variants) return [{ source, isControl: false, prefix: "" }];
  const control = Math.max(0, request.variants.findIndex((v) => v.is_control));
  return request.variants.map((v, i) => ({
    source: { ...source, body: v.body, title: v.title ?? source.title },
    isControl: i === control,
    prefix: `variants.${i}.`,
  }));
}

async function preparePlatform(
  platform: SchedulingPlatform,
  request: ScheduleRequest,
  source: SourceContent,
  timezone: string,
  options: Omit<AdaptOptions, "distributionId" | "validate">,
  deps: SchedulingDeps,
): Promise<PreparedPlatform> {
  const variants = variantsOf(request, source);
  const variantGroup = request.variants ? `ab-${crypto.randomUUID()}` : null;
  const validate = deps.validatorFor(platform);
  const prepared: PreparedPlatform = {
    platform_id: platform.id,
    items: [],
    prefixes: [],
    errors: [],
    warnings: [],
  };
  for (const variant of variants) {
    const id = uuidV7(); // time-ordered: see uuid.ts
    const adapted = await adaptContent(variant.source, platform, {
      ...options,
      distributionId: id,
      validate,
    });
    prepared.errors.push(
      ...adapted.errors.map((e) => ({ field: variant.prefix + e.field, message: e.message })),
    );
    prepared.warnings.push(...adapted.warnings);
    prepared.prefixes.push(variant.prefix);
    prepared.items.push({
      id,
      platform_id: platform.id,
      timezone,
      title: adapted.content.title ?? null,
      body: adapted.content.body,
      media_urls: adapted.content.mediaUrls ?? [],
      link_url: adapted.content.linkUrl ?? null,
      platform_specific: adapted.content.platformSpecific ?? {},
      variant_group: variantGroup,
      is_control: variant.isControl,
    });
  }
  return prepared;
}

/** Why a requested platform cannot be used, or undefined when it can. */
function platformProblem(platform: SchedulingPlatform | undefined, clientId: string | undefined) {
  if (!platform) return "not found";
  if (clientId && platform.client_id !== clientId) return "not found";
  if (!platform.is_active) return "platform is inactive";
  return undefined;
}

/**
 * The request field an item error of scheduling.schedule_content is about, as the caller wrote it:
 * the SQL half says `timing.at` where the request has `at`, `content_id` where it has
 * `content.content_id`.
 */
const REQUEST_FIELDS: Record<string, string> = {
  timing: "at",
  "timing.at": "at",
  content_id: "content.content_id",
  platform_id: "platform_ids",
};

export function requestField(field: string): string {
  return REQUEST_FIELDS[field] ?? field;
}

/** An HttpError from the SQL half with its fields renamed to the request's. */
function inRequestTerms(error: unknown): unknown {
  if (!(error instanceof HttpError) || !Array.isArray(error.details)) return error;
  return new HttpError(
    error.status,
    error.message,
    (error.details as FieldError[]).map((e) => ({ ...e, field: requestField(e.field) })),
  );
}

function timingOf(request: ScheduleRequest): Timing {
  return request.at
    ? { mode: "exact", at: request.at, nearest: request.nearest }
    : { mode: "optimize", ...(request.horizon_days ? { horizon_days: request.horizon_days } : {}) };
}

/** The request's vertical must be one of the client's (RLS decides what the caller sees). */
async function checkVertical(tx: Tx, verticalId: string | undefined, clientId: string) {
  if (!verticalId) return;
  const [row] = await tx`
    select 1 from public.publisher_verticals
     where id = ${verticalId}::uuid and client_id = ${clientId}::uuid`;
  if (!row) {
    throw new HttpError(400, "invalid schedule request: vertical_id: not found", [
      { field: "vertical_id", message: "not found" },
    ]);
  }
}

/** Every platform failed only because optimize found its slots full up to the client's cap. */
function allSlotsFull(results: PlatformOutcome[]): boolean {
  return results.every((r) =>
    !r.ok && r.errors.length > 0 &&
    r.errors.every((e) => e.field === "optimize" || e.field.endsWith(".optimize"))
  );
}

class NothingScheduled extends Error {
  constructor(readonly outcome: ScheduleOutcome) {
    super("no platform could be scheduled");
  }
}

/** The shared code path. `tx` is the caller's transaction (user under RLS, or service role). */
export async function scheduleContent(
  tx: Tx,
  request: ScheduleRequest,
  deps: SchedulingDeps,
): Promise<ScheduleOutcome> {
  try {
    return await tx.savepoint((sp) => scheduleWithin(sp, request, deps));
  } catch (error) {
    if (error instanceof NothingScheduled) return error.outcome;
    throw error;
  }
}

async function scheduleWithin(
  tx: Tx,
  request: ScheduleRequest,
  deps: SchedulingDeps,
): Promise<ScheduleOutcome> {
  const content = await resolveContent(tx, request);
  const platforms = await loadPlatforms(tx, request.platform_ids);
  const clientId = content.row?.client_id ?? request.client_id ??
    platforms.get(request.platform_ids.find((id) => platforms.has(id)) ?? "")?.client_id;
  const order = request.cross_post?.order ?? request.platform_ids;
  const isCrossPost = order.length > 1 || request.cross_post !== undefined;
  const groupId = isCrossPost ? crypto.randomUUID() : null;
  const contentId = content.row?.id ?? null;
  let clientZone: Promise<string | undefined> | undefined;
  const zoneFor = async (platform: SchedulingPlatform) =>
    request.timezone || platform.timezone ||
    await (clientZone ??= clientId ? clientTimezone(tx, clientId) : Promise.resolve(undefined)) ||
    FALLBACK_TIMEZONE;
  const adaptOptions = {
    campaign: groupId ?? contentId ?? crypto.randomUUID(),
    categories: deps.categories,
  };

  const prepared: (PreparedPlatform | { platform_id: string; problem: string })[] = [];
  for (const id of order) {
    const platform = platforms.get(id);
    const problem = platformProblem(platform, clientId);
    if (problem || !platform) {
      prepared.push({ platform_id: id, problem: problem ?? "not found" });
      continue;
    }
    prepared.push(
      await preparePlatform(
        platform,
        request,
        content.source,
        await zoneFor(platform),
        adaptOptions,
        deps,
      ),
    );
  }

  const ready = prepared.filter((p): p is PreparedPlatform => "items" in p && !p.errors.length);
  const items = ready.flatMap((p) => p.items);
  const prefixes = ready.flatMap((p) => p.prefixes);
  if (items.length && clientId) await checkVertical(tx, request.vertical_id, clientId);
  const sql = items.length && clientId
    ? await mappingSqlErrors(() =>
      callScheduleContent(tx, {
        client_id: clientId,
        content_id: contentId,
        content_type: content.contentType,
        business_unit: request.business_unit ?? content.row?.business_unit ?? null,
        vertical_id: request.vertical_id ?? content.row?.vertical_id ?? null,
        priority: request.priority ?? content.row?.priority ?? "normal",
        timing: timingOf(request),
        cross_post: groupId
          ? {
            id: groupId,
            strategy: request.cross_post?.strategy ??
              (request.optimize ? "optimized" : "simultaneous"),
            stagger_minutes: request.cross_post?.stagger_minutes ?? null,
            name: request.cross_post?.name ?? content.source.title ?? null,
          }
          : null,
        items,
      })
    ).catch((error) => {
      throw inRequestTerms(error);
    })
    : undefined;

  const byPlatform = new Map<string, { ok: ScheduledDistribution[]; errors: FieldError[] }>();
  for (const result of sql?.results ?? []) {
    const platformId = items[result.index]?.platform_id ?? result.platform_id;
    const entry = byPlatform.get(platformId) ?? { ok: [], errors: [] };
    if (result.ok) entry.ok.push(result.distribution);
    else {
      const prefix = prefixes[result.index] ?? "";
      entry.errors.push(
        ...result.errors.map((e) => ({ ...e, field: prefix + requestField(e.field) })),
      );
    }
    byPlatform.set(platformId, entry);
  }

  const results: PlatformOutcome[] = prepared.map((p) => {
    if ("problem" in p) {
      return {
        platform_id: p.platform_id,
        ok: false,
        errors: [{ field: "platform_ids", message: p.problem }],
      };
    }
    if (p.errors.length) return { platform_id: p.platform_id, ok: false, errors: p.errors };
    const written = byPlatform.get(p.platform_id) ?? { ok: [], errors: [] };
    if (written.errors.length || written.ok.length < p.items.length) {
      return {
        platform_id: p.platform_id,
        ok: false,
        errors: written.errors.length
          ? written.errors
          : [{ field: "platform_ids", message: "not scheduled" }],
      };
    }
    return {
      platform_id: p.platform_id,
      ok: true,
      distributions: written.ok,
      ...(p.warnings.length ? { warnings: p.warnings } : {}),
    };
  });

  const succeeded = results.filter((r) => r.ok).length;
  const outcome: ScheduleOutcome = {
    status: succeeded === results.length
      ? 201
      : succeeded
      ? 207
      : allSlotsFull(results)
      ? 409
      : 400,
    client_id: clientId ?? null,
    content_id: contentId,
    cross_post_group_id: succeeded ? sql?.cross_post_group_id ?? null : null,
    results,
  };
  if (!succeeded) throw new NothingScheduled(outcome);
  return outcome;
}
