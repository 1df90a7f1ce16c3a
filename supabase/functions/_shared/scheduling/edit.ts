/**
 * Edit a distribution's content: the new source is re-adapted for its platform and re-validated by
 * the adapter. A draft, scheduled or pending_approval distribution changes at once; content edited
 * after an approval waits for approval again (640_approval.sql). A published one is edited on its
 * platform where the platform allows it (public.edit_live_distribution queues it for the publisher;
 * the row takes the new content once the platform has it); else 409, saying why.
 * Fields left out keep their source: the generated_content row when there is one, else the row.
 */
import { z } from "zod";
import { jsonb, type Tx } from "../db.ts";
import { HttpError } from "../http-error.ts";
import { mappingSqlErrors } from "../sql-errors.ts";
import { adaptContent, type SourceContent } from "./adapt.ts";
import type { EditContentSchema } from "./request.ts";
import { loadContent, loadPlatforms, sourceOf } from "./rows.ts";
import type { SchedulingDeps } from "./schedule.ts";

/** A pending_approval row is edited in review: re-adapted and re-validated like the others. */
export const EDITABLE_STATUSES = ["draft", "scheduled", "pending_approval"];

/** platform_specific keys that adaptation owns (replaced on edit; others are kept). */
const ADAPTED_KEYS = ["hashtags", "tags", "category_ids", "topics", "preview_text"];

const DistributionRowSchema = z.object({
  id: z.string(),
  platform_id: z.string(),
  content_id: z.string().nullable(),
  cross_post_group_id: z.string().nullable(),
  status: z.string(),
  title: z.string().nullable(),
  body: z.string(),
  media_urls: z.array(z.string()).nullable(),
  link_url: z.string().nullable(),
  platform_specific: z.record(z.string(), z.unknown()),
  variant_group: z.string().nullable(),
});
type DistributionRow = z.infer<typeof DistributionRowSchema>;

const Topics = z.array(z.string()).catch([]);

/** Selected columns of a distribution as the API returns it. */
export const DISTRIBUTION_COLUMNS = [
  "id",
  "client_id",
  "platform_id",
  "content_id",
  "cross_post_group_id",
  "status",
  "title",
  "body",
  "media_urls",
  "link_url",
  "platform_specific",
  "scheduled_for",
  "timezone",
  "variant_group",
  "is_control",
  "error_message",
  "external_url",
  "unpublish_state",
  "unpublished_at",
  "edit_state",
  "updated_at",
] as const;

export async function readDistribution(tx: Tx, id: string): Promise<Record<string, unknown>> {
  const [row] = await tx`
    select ${tx(DISTRIBUTION_COLUMNS)},
           to_char(scheduled_for at time zone timezone, 'YYYY-MM-DD"T"HH24:MI:SS') as scheduled_for_local
      from public.distributions where id = ${id}::uuid`;
  if (!row) throw new HttpError(404, "distribution not found");
  return row;
}

async function lockDistribution(tx: Tx, id: string): Promise<DistributionRow> {
  const [raw] = await tx`
    select id, platform_id, content_id, cross_post_group_id, status, title, body, media_urls,
           link_url, platform_specific, variant_group
      from public.distributions where id = ${id}::uuid for update`;
  if (!raw) throw new HttpError(404, "distribution not found");
  return DistributionRowSchema.parse(raw);
}

async function baseSource(tx: Tx, row: DistributionRow): Promise<SourceContent> {
  const stored = row.content_id ? await loadContent(tx, row.content_id) : undefined;
  const fromRow: SourceContent = {
    title: row.title,
    body: row.body,
    mediaUrls: row.media_urls ?? [],
    linkUrl: row.link_url,
    keywords: [],
    topics: Topics.parse(row.platform_specific.topics),
  };
  if (!stored) return fromRow;
  // An A/B variant's body is its own, not the content's.
  const source = sourceOf(stored);
  return row.variant_group ? { ...source, body: row.body } : source;
}

export async function editDistribution(
  tx: Tx,
  id: string,
  edit: z.infer<typeof EditContentSchema>,
  deps: SchedulingDeps,
): Promise<{ distribution: Record<string, unknown>; warnings: string[]; live_edit?: unknown }> {
  const row = await lockDistribution(tx, id);
  const live = row.status === "published";
  if (live) await refuseLiveEdit(tx, row, edit);
  else if (!EDITABLE_STATUSES.includes(row.status)) {
    throw new HttpError(
      409,
      `distribution ${id} is ${row.status}: only draft, scheduled or pending_approval distributions can be edited`,
    );
  }
  const platform = (await loadPlatforms(tx, [row.platform_id])).get(row.platform_id);
  if (!platform) throw new HttpError(404, "distribution not found");
  const base = await baseSource(tx, row);
  const source: SourceContent = {
    title: edit.title ?? base.title,
    body: edit.body ?? base.body,
    mediaUrls: edit.media_urls ?? base.mediaUrls,
    linkUrl: edit.link_url === undefined ? base.linkUrl : edit.link_url,
    keywords: edit.keywords ?? base.keywords,
    topics: edit.topics ?? base.topics,
  };
  const adapted = await adaptContent(source, platform, {
    campaign: row.cross_post_group_id ?? row.content_id ?? row.id,
    distributionId: row.id,
    validate: deps.validatorFor(platform),
    categories: deps.categories,
  });
  if (adapted.errors.length) {
    throw new HttpError(
      400,
      `The edited content is not valid for ${platform.name}`,
      adapted.errors,
    );
  }
  const c = adapted.content;
  if (live) {
    // The live post keeps its media and link (no platform here replaces them in place).
    const content = {
      title: c.title ?? null,
      body: c.body,
      media_urls: row.media_urls,
      link_url: row.link_url,
      platform_specific: {
        ...Object.fromEntries(
          Object.entries(row.platform_specific).filter(([k]) => !ADAPTED_KEYS.includes(k)),
        ),
        ...(c.platformSpecific ?? {}),
      },
    };
    await mappingSqlErrors(() =>
      tx`select public.edit_live_distribution(${id}::uuid, ${jsonb(tx, content)})`
    );
    return {
      distribution: await readDistribution(tx, id),
      warnings: adapted.warnings,
      live_edit: content,
    };
  }
  await tx`
    update public.distributions
       set title = ${c.title ?? null},
           body = ${c.body},
           media_urls = ${c.mediaUrls ?? []}::text[],
           link_url = ${c.linkUrl ?? null},
           platform_specific = (platform_specific - ${ADAPTED_KEYS}::text[])
                               || ${jsonb(tx, c.platformSpecific ?? {})}
     where id = ${id}::uuid`;
  return { distribution: await readDistribution(tx, id), warnings: adapted.warnings };
}

/** 409 before any adaptation where a published post cannot be edited, naming why. */
async function refuseLiveEdit(
  tx: Tx,
  row: DistributionRow,
  edit: z.infer<typeof EditContentSchema>,
): Promise<void> {
  const [{ refusal }] = await tx`
    select scheduling.live_edit_refusal(p) as refusal from public.platforms p
     where p.id = ${row.platform_id}::uuid`;
  if (refusal) throw new HttpError(409, `cannot edit distribution ${row.id}: ${refusal}`);
  if (edit.media_urls !== undefined || edit.link_url !== undefined) {
    throw new HttpError(
      409,
      `distribution ${row.id} is published: its media and link cannot be changed on the platform ` +
        `(unpublish it and schedule the new content); its title and body can`,
    );
  }
}
